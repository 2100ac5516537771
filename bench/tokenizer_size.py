"""The learned tokenizer's network at several sizes: its dev scores and training time on each
treebank of the raw-text suite, and how fast it cuts EWT text.

    .venv/bin/python bench/tokenizer_size.py [--hidden 32 64] [--treebanks en fr ...]

Trains only the tokenizer (segmenter.learn, as `postag train` does, with every other setting
of segmenter.SegmenterConfig at its default) on the files of `make bench-rawtext`: its
train/dev split (out/bench-rawtext/*/train-90.conllu and dev-10.conllu for a treebank without a
dev file, which that benchmark writes) or the treebank's own dev. Prints, per treebank and size,
the dev F1 of token ends and sentence ends at the best epoch (characters; the figures `postag
info` shows), the training seconds, and then the characters per second of tokenizing EWT dev's
`# text` lines (the same sizes alternated, best of three; nothing else should run meanwhile).
Tune on these dev figures only: the evaluation files are for make bench-rawtext.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from ewt import add_ewt_option  # bench/ewt.py
from rawtext import TREEBANKS  # bench/rawtext.py

from postag_cli import segmenter as S
from postag_cli.training import read_corpus

ROOT = Path(__file__).resolve().parent.parent


def files(tb, ewt: Path, data: Path, out: Path):
    """(train, dev) of a treebank as make bench-rawtext trains on them."""
    if tb.folder == "ewt":
        return Path(ewt) / tb.train, Path(ewt) / tb.dev
    if tb.dev:
        return data / tb.folder / tb.train, data / tb.folder / tb.dev
    train, dev = out / tb.short / "train-90.conllu", out / tb.short / "dev-10.conllu"
    if not train.exists():
        sys.exit(f"{train}: missing; run `make bench-rawtext` first (it writes the split)")
    return train, dev


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_ewt_option(ap)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/ud-multilingual")
    ap.add_argument("--out", type=Path, default=ROOT / "out/bench-rawtext")
    ap.add_argument("--hidden", type=int, nargs="+", default=[32, 64])
    ap.add_argument("--treebanks", nargs="+", default=[t.short for t in TREEBANKS])
    args = ap.parse_args()
    segs = {}
    print("| treebank | units | dev token ends F1 | dev sentence ends F1 | training s |")
    print("|---|---|---|---|---|")
    for tb in (t for t in TREEBANKS if t.short in args.treebanks):
        train_f, dev_f = files(tb, args.ewt, args.data, args.out)
        train, _ = read_corpus(str(train_f), "upos")
        dev, _ = read_corpus(str(dev_f), "upos")
        for h in args.hidden:
            t0 = time.time()
            seg, why = S.learn(train, dev, S.SegmenterConfig(hidden=h))
            secs = time.time() - t0
            if seg is None:
                print(f"| {tb.short} | {h} | no tokenizer: {why} | | |")
                continue
            best = max(seg.info["history"], key=S._dev_key)  # (the epoch learn keeps)
            print(f"| {tb.short} | {h} | {best['token_f1']:.2%} | {best['sentence_f1']:.2%} | "
                  f"{secs:.0f} |", flush=True)
            if tb.short == "en":
                segs[h] = seg
    if segs:
        dev, _ = read_corpus(str(Path(args.ewt) / "en_ewt-ud-dev.conllu"), "upos")
        texts = [s.text for s in dev if s.text] * 3
        n = sum(len(t) for t in texts)
        best = {h: float("inf") for h in segs}
        for _ in range(3):
            for h, seg in segs.items():
                t0 = time.perf_counter()
                seg.tokenize(texts)
                best[h] = min(best[h], time.perf_counter() - t0)
        print("\nEWT dev text, " + ", ".join(f"{h} units: {n / s:,.0f} characters/s"
                                             for h, s in best.items()))


if __name__ == "__main__":
    main()
