"""Does a sentence's tagging depend on the sentences that share its batch? On this machine's BLAS.

    .venv/bin/python bench/row_stability.py [--model M.npz] [--ewt DIR] [--float32]

Tags EWT train's sentences (gold tokens) twice with the same model: all at once, in the input's
order, and in shuffled chunks of 300 sentences, as `postag tag --cluster` or `--jobs 2` may cut
them. Prints how many tokens got other probability bits, other digits as `--probs` prints them
(6 decimals) and another tag. `--float32` runs the same with model.stable_matmul's float32
products, which it uses where its probe (float32_rows_stable) passes, to see what the float64
sums guard against where it fails: on OpenBLAS's Haswell kernels a row's bits depend on its
place among the rows.
"""

from __future__ import annotations

import argparse
import os
import random

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
from ewt import ROOT, add_ewt_option, ewt_paths  # bench/ewt.py

from postag_cli import model as M
from postag_cli.tagger import Tagger
from postag_cli.treebank import tagged_sentences


def shuffled_chunks(tagger, sents, size=300, seed=0):
    """flat_probabilities of the sentences tagged in shuffled chunks, put back in order."""
    order = list(range(len(sents)))
    random.Random(seed).shuffle(order)
    starts = np.cumsum([0] + [len(s) for s in sents])
    out = np.empty((int(starts[-1]), len(tagger.tags)), dtype=np.float32)
    for i in range(0, len(order), size):
        chunk = order[i:i + size]
        p, k = tagger.flat_probabilities([sents[j] for j in chunk]), 0
        for j in chunk:
            out[starts[j]:starts[j] + len(sents[j])] = p[k:k + len(sents[j])]
            k += len(sents[j])
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_ewt_option(ap)
    ap.add_argument("--model", default=str(ROOT / "out/bench-rawtext/en/postag.npz"))
    ap.add_argument("--float32", action="store_true", help="plain float32 products instead")
    args = ap.parse_args()
    train_f, _ = ewt_paths(args.ewt)
    if args.float32:  # (as if the probe had passed: the float32 products of model.stable_matmul)
        M.float32_rows_stable = lambda: True
    sents = [s.words for s in tagged_sentences(train_f)]
    whole = Tagger.load(args.model).flat_probabilities(sents)
    cut = shuffled_chunks(Tagger.load(args.model), sents)
    how = "forced float32 products" if args.float32 else \
        f"stable_matmul; float32_rows_stable: {M.float32_rows_stable()}"
    print(f"{len(whole):,} tokens ({how}): "
          f"{int((whole != cut).any(axis=1).sum()):,} with other bits, "
          f"{int((np.round(whole, 6) != np.round(cut, 6)).any(axis=1).sum()):,} with other "
          f"printed digits, {int((whole.argmax(1) != cut.argmax(1)).sum()):,} with another tag")


if __name__ == "__main__":
    main()
