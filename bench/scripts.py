"""Language independence: the default model trained on EWT written in other scripts.

    python bench/scripts.py --ewt ../shared/data/ud-english-ewt [--scripts latin cyrillic han]

Each Latin letter of the FORM (and LEMMA) columns of EWT train and dev is replaced, one to
one, by a letter of another script, and the default model is trained and scored on the copy:

    latin     the treebank as it is
    cyrillic  a cased script: a-z -> 26 Cyrillic lower-case letters, A-Z -> their capitals
    han       a script without case: a-z and A-Z -> 52 CJK ideographs, so the capitalisation
              feature says nothing and the lower-cased word keeps its case

Everything else (digits, punctuation, the tags, the tokens) is unchanged; `--no-train` only
writes the copies (to test the raw-text tokenizer on them with bench/tokenizer_eval.py). Postag's features use
Unicode categories only, so the cased copy should score like the original within seed noise,
and the caseless copy shows what case information is worth. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from ewt import add_ewt_option, ewt_paths  # bench/ewt.py

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from postag_cli.evaluate import evaluate
from postag_cli.tagger import Tagger
from postag_cli.training import TrainConfig, train

LOWER = "abcdefghijklmnopqrstuvwxyz"
CYRILLIC = "абвгдежзийклмнопрстуфхцчшщ"  # 26 lower-case letters; str.upper gives the capitals
SCRIPTS = {
    "latin": {},
    "cyrillic": {**dict(zip(LOWER, CYRILLIC)), **dict(zip(LOWER.upper(), CYRILLIC.upper()))},
    "han": dict(zip(LOWER + LOWER.upper(), (chr(0x4E00 + 7 * k) for k in range(52)))),
}


def transliterate(src: Path, dst: Path, table: dict) -> None:
    """A copy of a CoNLL-U file with the FORM, LEMMA and `# text` letters mapped by table."""
    trans = str.maketrans(table)
    with open(src, encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as out:
        for line in f:
            if line.startswith("# text ="):
                line = "# text =" + line[8:].translate(trans)
            elif line[:1].isdigit():
                cols = line.split("\t")
                cols[1], cols[2] = cols[1].translate(trans), cols[2].translate(trans)
                line = "\t".join(cols)
            out.write(line)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_ewt_option(ap)
    ap.add_argument("--scripts", nargs="+", default=list(SCRIPTS), choices=list(SCRIPTS))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default=str(ROOT / "out" / "scripts"))
    ap.add_argument("--no-train", action="store_true",
                    help="only write the copies (e.g. for bench/tokenizer_eval.py --treebank)")
    args = ap.parse_args()
    train_f, dev_f = ewt_paths(args.ewt)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for name in args.scripts:
        tr, dv = out / f"{name}-train.conllu", out / f"{name}-dev.conllu"
        transliterate(train_f, tr, SCRIPTS[name])
        transliterate(dev_f, dv, SCRIPTS[name])
        if args.no_train:
            print(f"wrote {tr} and {dv}", file=sys.stderr)
            continue
        model = out / f"{name}.npz"
        t0 = time.time()
        train(tr, model, TrainConfig(seed=args.seed), dev_path=dv, progress=False)
        secs = time.time() - t0
        r = evaluate(Tagger.load(model), dv)
        rows.append((name, r["accuracy"], r["unseen_accuracy"], secs))
        print(f"{name}: dev {r['accuracy']:.2%}, unseen {r['unseen_accuracy']:.2%}, {secs:.0f}s",
              file=sys.stderr, flush=True)
    if not rows:
        return 0
    print(f"| EWT written in (seed {args.seed}) | dev UPOS | unseen words | training |")
    print("|---|---|---|---|")
    for name, acc, unseen, secs in rows:
        print(f"| {name} | {acc:.2%} | {unseen:.2%} | {secs:.0f} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
