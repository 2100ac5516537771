"""The rules the learned tokenizer may learn besides its network, on the dev files of the
raw-text suite, each off and on: no sentence starts lower-case (segmenter.upper_case_starts),
a sentence's last full stop is a token of its own (segmenter.final_period_split), and
abbreviations keep their full stop inside a sentence (segmenter.Segmenter.abbreviations).

    .venv/bin/python bench/sentence_ends.py [--treebanks en vi ...]

Reads the models and dev files that `make bench-rawtext` leaves in out/bench-rawtext (its
train/dev split: dev-10.conllu for a treebank without a dev file, else the treebank's own dev).
Each dev paragraph (sentences run together as the tokenizer learns them) is cut as
`postag tag --split-sentences` cuts it; a sentence end counts where the gold's is (offsets among
the non-space characters). Prints F1, false and missed ends with the rule off and on, and
whether the model learned to use it. Then each dev sentence's `# text` is cut as one line
(`postag tag`) and scored by the CoNLL 2018 measures (postag_cli.align): Tokens and Words F1
with final_period_split off and on, then with no abbreviations and the learned ones (a
treebank that learned none: the same twice). Tune on these: the evaluation files are for the benchmark.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
from ewt import add_ewt_option  # bench/ewt.py
from rawtext import TREEBANKS  # bench/rawtext.py
from tokenizer_size import files  # bench/tokenizer_size.py

import conllu

from postag_cli import segmenter as S
from postag_cli.align import score_documents
from postag_cli.tagger import Tagger
from postag_cli.training import read_corpus
from postag_cli.treebank import FIELDS, read_conllu, sentence_to_conllu

ROOT = Path(__file__).resolve().parent.parent


def nonspace_offsets(text):
    """For each character, how many non-space characters there are up to it (included)."""
    return np.cumsum([not c.isspace() for c in text])


def score(seg, paras):
    """(F1, false ends, missed ends) of the sentence ends of paragraphs."""
    tp = fp = fn = 0
    for p in paras:
        at = nonspace_offsets(p.text)
        gold = {int(at[i]) for i in np.flatnonzero(np.isin(p.labels, S.SENTENCE_END))}
        text = " ".join(p.text.split())
        at = nonspace_offsets(text)
        pred = {int(at[s[-1].end - 1]) for s in seg.tokenize([text], split=True)[0]}
        tp, fp, fn = tp + len(gold & pred), fp + len(pred - gold), fn + len(gold - pred)
    return 2 * tp / max(1, 2 * tp + fp + fn), fp, fn


def lines_f1(seg, gold):
    """(Tokens F1, Words F1) of the gold sentences' `# text` lines, each cut as one sentence."""
    out = []
    for i, sents in enumerate(seg.tokenize([s.metadata["text"] for s in gold]), 1):
        toks = [(t.text, t.words, t.space_after) for s in sents for t in s]
        n = sum(len(w) for _, w, _ in toks)
        out.append(conllu.parse(sentence_to_conllu(toks, ["X"] * n, sent_id=str(i)),
                                fields=FIELDS)[0])
    scores = score_documents(gold, out)
    return scores["Tokens"].f1, scores["Words"].f1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_ewt_option(ap)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/ud-multilingual")
    ap.add_argument("--out", type=Path, default=ROOT / "out/bench-rawtext")
    ap.add_argument("--treebanks", nargs="+", default=[t.short for t in TREEBANKS])
    args = ap.parse_args()
    print("| treebank | learned | F1 without / with | false ends | missed ends |")
    print("|---|---|---|---|---|")
    tbs = [t for t in TREEBANKS if t.short in args.treebanks]
    for tb in tbs:
        seg = Tagger.load(args.out / tb.short / "postag.npz").segmenter
        dev, _ = read_corpus(str(files(tb, args.ewt, args.data, args.out)[1]), "upos")
        paras = S.paragraphs(dev)[0]
        learned = seg.upper_case_starts
        runs = []
        for rule in (False, True):
            seg.upper_case_starts = rule
            runs.append(score(seg, paras))
        (f0, fp0, fn0), (f1, fp1, fn1) = runs
        print(f"| {tb.short} | {'yes' if learned else 'no'} | {f0:.2%} / {f1:.2%} | "
              f"{fp0} / {fp1} | {fn0} / {fn1} |", flush=True)
    print("\n| treebank | final_period_split learned | Tokens F1 off / on | Words F1 off / on |"
          " abbreviations learned | Tokens F1 off / on | Words F1 off / on |")
    print("|---|---|---|---|---|---|---|")
    for tb in tbs:
        seg = Tagger.load(args.out / tb.short / "postag.npz").segmenter
        gold = list(read_conllu(str(files(tb, args.ewt, args.data, args.out)[1])))
        row = [tb.short]
        for rule, off, on in (("final_period_split", False, True),
                              ("abbreviations", frozenset(), seg.abbreviations)):
            learned = getattr(seg, rule)
            runs = []
            for value in (off, on):
                setattr(seg, rule, value)
                runs.append(lines_f1(seg, gold))
            setattr(seg, rule, learned)
            (t0, w0), (t1, w1) = runs
            row += [f"{len(learned)}" if isinstance(learned, frozenset) else
                    "yes" if learned else "no", f"{t0:.2%} / {t1:.2%}", f"{w0:.2%} / {w1:.2%}"]
        print("| " + " | ".join(row) + " |", flush=True)

if __name__ == "__main__":
    main()
