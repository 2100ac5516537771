"""Accuracy benchmark: the default `postag train` model vs NLTK's averaged perceptron on EWT.

    python bench/accuracy.py --ewt ../shared/data/ud-english-ewt [--seeds 1 2 3]

Trains the default model once per seed on the train file (dev for choosing the best epoch),
and NLTK's perceptron tagger (5 iterations) on the same file, then scores both on dev: UPOS
accuracy, accuracy on words unseen in training, training wall time, tagging speed. Prints a
markdown table. NLTK is needed only here (`pip install nltk`); it is not a dependency.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from ewt import add_ewt_option, config_overrides, ewt_paths  # bench/ewt.py

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from postag_cli.evaluate import evaluate
from postag_cli.features import normalise
from postag_cli.modelio import load_model
from postag_cli.tagger import Tagger
from postag_cli.training import TrainConfig, read_corpus, train


def bench_nltk(train_sents, dev_sents, iterations=5):
    try:
        from nltk.tag.perceptron import PerceptronTagger
    except ImportError:
        return None
    data = [[(w, t) for w, t in zip(s.words, s.tags) if t is not None] for s in train_sents]
    tagger = PerceptronTagger(load=False)
    t0 = time.time()
    tagger.train(data, nr_iter=iterations)
    train_secs = time.time() - t0
    seen = {normalise(w) for s in train_sents for w in s.words}
    t0 = time.time()
    predicted = [tagger.tag(s.words) for s in dev_sents]
    tag_secs = time.time() - t0
    ok = n = ok_unseen = n_unseen = 0
    for s, p in zip(dev_sents, predicted):
        for w, g, (_, t) in zip(s.words, s.tags, p):
            if g is None:
                continue
            n += 1
            ok += g == t
            if normalise(w) not in seen:
                n_unseen += 1
                ok_unseen += g == t
    words = sum(len(s.words) for s in dev_sents)
    return {"accuracy": ok / n, "unseen": ok_unseen / n_unseen, "train_secs": train_secs,
            "epochs": iterations, "tag_speed": words / tag_secs}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_ewt_option(ap)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--out", default=str(ROOT / "out"))
    ap.add_argument("--no-nltk", action="store_true")
    ap.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE",
                    help="override TrainConfig fields, e.g. --set epochs=5 arch=rnn")
    args = ap.parse_args()
    train_f, dev_f = ewt_paths(args.ewt)
    os.makedirs(args.out, exist_ok=True)
    overrides = config_overrides(args.set, TrainConfig)

    rows = []
    for seed in args.seeds:
        cfg = TrainConfig(seed=seed, **overrides)
        model = Path(args.out) / f"bench-accuracy-seed{seed}.npz"
        t0 = time.time()
        r = train(train_f, model, cfg, dev_path=dev_f, log=lambda m: print(m, file=sys.stderr),
                  progress=False)
        secs = time.time() - t0
        tagger = Tagger.load(model)
        dev_sents, _ = read_corpus(dev_f, "upos")
        t0 = time.time()
        tagger.tag_sents([s.words for s in dev_sents])
        tag_speed = sum(len(s.words) for s in dev_sents) / (time.time() - t0)
        ev = evaluate(tagger, dev_f)
        settings = load_model(model)[3]  # (with the automatic choices, if not set)
        rows.append((f"postag default, seed {seed}", ev["accuracy"], ev["unseen_accuracy"], secs,
                     r.epochs_run, tag_speed, r.best_epoch))
        print(f"seed {seed}: dev {ev['accuracy']:.2%}, unseen {ev['unseen_accuracy']:.2%}, "
              f"{secs:.0f}s, best epoch {r.best_epoch}", file=sys.stderr)
    if len(rows) > 1:
        mean = lambda i: sum(r[i] for r in rows) / len(rows)
        rows.append(("postag default, mean", mean(1), mean(2), mean(3), rows[0][4], mean(5), None))
    if not args.no_nltk:
        train_sents, _ = read_corpus(train_f, "upos")
        dev_sents, _ = read_corpus(dev_f, "upos")
        nl = bench_nltk(train_sents, dev_sents)
        if nl is None:
            print("NLTK not installed: pip install nltk", file=sys.stderr)
        else:
            rows.append(("NLTK averaged perceptron (5 iterations)", nl["accuracy"], nl["unseen"],
                         nl["train_secs"], nl["epochs"], nl["tag_speed"], None))
    cfg = TrainConfig(**overrides)
    print(f"EWT train -> dev, UPOS, gold tokenization. postag settings: arch {cfg.arch}, layers "
          f"{cfg.layers}, hidden {settings['hidden']}, char hidden {cfg.char_hidden}, features "
          f"{cfg.features}, epochs {cfg.epochs}, dropout {cfg.dropout}, recurrent dropout "
          f"{cfg.recurrent_dropout}, word dropout {cfg.word_dropout}, feature dropout "
          f"{cfg.feature_dropout}, adversarial {cfg.adversarial} (1 sentence in "
          f"{cfg.adversarial_stride}), lr {cfg.lr} (tables {cfg.lr_embed}), batch "
          f"{settings['batch_size']}, averaging from epoch {cfg.average} ({cfg.average_snapshots} per "
          "epoch)\n")
    print("| tagger | dev UPOS | dev unseen-word accuracy | training wall time | epochs "
          "| tagging words/s |")
    print("|---|---|---|---|---|---|")
    for name, acc, unseen, secs, epochs, speed, best in rows:
        ep = f"{epochs}" + (f" (best {best})" if best else "")
        print(f"| {name} | {acc:.2%} | {unseen:.2%} | {secs:.0f} s | {ep} | {speed:,.0f} |")


if __name__ == "__main__":
    main()
