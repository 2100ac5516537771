#!/usr/bin/env python3
"""Evaluate postag's rule-based tokenizer and sentence splitter on UD English EWT (dev).

Measures
  (a) token F1 of ``tokenize`` on every sentence's ``# text`` against the gold
      tokens, by character-span alignment (``postag_cli.align.score_documents``):
      surface tokens (a multiword token counts as one token) and words (the
      words of multiword tokens compared as words, CoNLL 2018 style);
  (b) sentence F1 of ``split_sentences`` on paragraphs made by joining the
      ``# text`` lines of consecutive sentences of one document (the part of
      sent_id before the last ``-NNNN``; groups of 10 sentences when sent_ids
      carry no document part) with single spaces;
  (c) tokenizer speed in tokens per second;
  (d) with --train (default: the train file beside the treebank, when there is one): the
      token and word F1 without the English rules, as a model of another language tokenizes,
      with and without what such a model learns from that train file (``make_lexicon``:
      its multiword tokens and elided words).

Usage:  python bench/tokenizer_eval.py [--treebank PATH] [--show-errors N]
Exits 0 with "skipped: ..." on stderr when the treebank is not found.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from itertools import groupby
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_NAME = "en_ewt-ud-dev.conllu"
DEFAULT_DIR = REPO_ROOT / ".." / "shared" / "data" / "ud-english-ewt"

try:  # prefer the installed package; fall back to the source tree
    from postag_cli.align import score_documents
    from postag_cli.features import normalise
    from postag_cli.lexicon import learn_raw_text, model_lexicon
    from postag_cli.tokenizer import split_sentences, tokenize
    from postag_cli.treebank import tagged_sentences
except ImportError:  # pragma: no cover - depends on the environment
    sys.path.insert(0, str(REPO_ROOT / "src"))
    from postag_cli.align import score_documents
    from postag_cli.features import normalise
    from postag_cli.lexicon import learn_raw_text, model_lexicon
    from postag_cli.tokenizer import split_sentences, tokenize
    from postag_cli.treebank import tagged_sentences

import conllu
from conllu.models import Token as ConlluToken
from conllu.models import TokenList

_DOC_RE = re.compile(r"^(.*)-\d+$")
_FINAL_PUNCT = set(".!?\u2026\u3002\uff01\uff1f\"')]\u2019\u201d")


def default_treebank() -> Path:
    folder = os.environ.get("POSTAG_EWT_DIR")
    return (Path(folder) if folder else DEFAULT_DIR) / DEFAULT_NAME


def system_tokenlist(text: str, multiword=True, lexicon=None) -> TokenList:
    """A CoNLL-U sentence from tokenize(text): MWT lines for multiword tokens."""
    rows = []
    wid = 0
    for tok in tokenize(text, multiword, lexicon):
        misc = None if tok.space_after else {"SpaceAfter": "No"}
        if len(tok.words) > 1:
            rows.append(ConlluToken(id=(wid + 1, "-", wid + len(tok.words)), form=tok.text,
                                    upos="_", misc=misc))
            for w in tok.words:
                wid += 1
                rows.append(ConlluToken(id=wid, form=w, upos="_", misc=None))
        else:
            wid += 1
            rows.append(ConlluToken(id=wid, form=tok.text, upos="_", misc=misc))
    return TokenList(rows, metadata={"text": text})


def gold_surface(sentence: TokenList) -> list[tuple[str, str]]:
    """Gold surface tokens as (form, display); display joins MWT words with '+'."""
    out: list[tuple[str, str]] = []
    last = 0
    mwt_words: list[str] = []
    for tok in sentence:
        tid = tok["id"]
        if isinstance(tid, tuple):
            if tid[1] == "-":
                out.append((tok["form"], tok["form"]))
                mwt_words = []
                last = tid[2]
            continue
        if tid <= last:
            mwt_words.append(tok["form"])
            out[-1] = (out[-1][0], "+".join(mwt_words))
        else:
            out.append((tok["form"], tok["form"]))
    return out


def show_token_errors(gold_sents, limit: int) -> None:
    shown = 0
    for gold in gold_sents:
        g = gold_surface(gold)
        s = [(t.text, "+".join(t.words)) for t in tokenize(gold.metadata["text"])]
        if g == s:
            continue
        # report the differing region with a little context
        gsp = nonspace_spans([f for f, _ in g])
        ssp = nonspace_spans([f for f, _ in s])
        gset, sset = set(zip(gsp, (d for _, d in g))), set(zip(ssp, (d for _, d in s)))
        bad = [sp for sp, _ in gset ^ sset]
        lo, hi = min(a for a, _ in bad), max(b for _, b in bad)
        gg = [d for (_, d), sp in zip(g, gsp) if sp[1] > lo and sp[0] < hi]
        ss = [d for (_, d), sp in zip(s, ssp) if sp[1] > lo and sp[0] < hi]
        print(f"  gold {' '.join(gg)!r:38} system {' '.join(ss)!r:38} "
              f"| {gold.metadata['text'][:110]!r}")
        shown += 1
        if shown >= limit:
            break


def paragraphs(sentences: list[TokenList]) -> list[list[str]]:
    def doc_key(item):
        idx, sent = item
        m = _DOC_RE.match(sent.metadata.get("sent_id", ""))
        return m.group(1) if m else f"#group{idx // 10}"

    return [[s.metadata["text"] for _, s in grp]
            for _, grp in groupby(enumerate(sentences), key=doc_key)]


def nonspace_spans(pieces: list[str]) -> list[tuple[int, int]]:
    res, pos = [], 0
    for p in pieces:
        n = sum(1 for c in p if not c.isspace())
        res.append((pos, pos + n))
        pos += n
    return res


def f1(correct: int, gold: int, system: int) -> tuple[float, float, float]:
    p = correct / system if system else 0.0
    r = correct / gold if gold else 0.0
    return p, r, (2 * correct / (gold + system) if gold + system else 0.0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--treebank", type=Path, default=None,
                    help=f"CoNLL-U file (default: $POSTAG_EWT_DIR/{DEFAULT_NAME} or "
                         f"../shared/data/ud-english-ewt/{DEFAULT_NAME} from the repo root)")
    ap.add_argument("--show-errors", type=int, default=0, metavar="N",
                    help="print the first N sentences with tokenization errors")
    ap.add_argument("--show-sentence-errors", type=int, default=0, metavar="N",
                    help="print the first N paragraphs with sentence-splitting errors")
    ap.add_argument("--train", type=Path, default=None,
                    help="train file to learn multiword tokens from (default: *-train.conllu "
                         "beside the treebank)")
    ap.add_argument("--speed-seconds", type=float, default=1.0,
                    help="minimum CPU time to spend measuring speed (default 1.0; at least 3 passes)")
    args = ap.parse_args(argv)

    path = args.treebank or default_treebank()
    if not path.is_file():
        print(f"skipped: treebank {path} not found", file=sys.stderr)
        return 0
    with open(path, encoding="utf-8") as fh:
        gold_sents = [s for s in conllu.parse_incr(fh) if "text" in s.metadata]
    texts = [s.metadata["text"] for s in gold_sents]

    # (a) tokenization
    sys_sents = [system_tokenlist(t) for t in texts]
    scores = score_documents(gold_sents, sys_sents)
    if args.show_errors:
        print(f"first {args.show_errors} sentences with tokenization errors:")
        show_token_errors(gold_sents, args.show_errors)

    # (b) sentence splitting
    correct = n_gold = n_sys = 0
    b_correct = b_gold = b_sys = 0
    b_punct = 0  # gold internal boundaries right after sentence-final punctuation
    shown = 0
    paras = paragraphs(gold_sents)
    for para in paras:
        system = split_sentences(" ".join(para))
        gsp, ssp = nonspace_spans(para), nonspace_spans(system)
        gs, ss = set(gsp), set(ssp)
        correct += len(gs & ss)
        n_gold += len(gs)
        n_sys += len(ss)
        gb, sb = {e for _, e in gsp[:-1]}, {e for _, e in ssp[:-1]}  # internal boundaries
        b_correct += len(gb & sb)
        b_gold += len(gb)
        b_sys += len(sb)
        b_punct += sum(1 for t in para[:-1] if t.rstrip()[-1:] in _FINAL_PUNCT)
        if shown < args.show_sentence_errors and gs != ss:
            shown += 1
            print(f"--- paragraph {shown}: gold {len(para)} / system {len(system)} sentences")
            for line in sorted(set(para) ^ set(system)):
                print(("  G| " if line in para else "  S| ") + line[:150])

    # (c) speed: CPU time of whole passes over the dev texts; the best pass is
    # reported (the machine is shared, so wall-clock times are noisy)
    pass_times = []
    n_tokens = sum(len(tokenize(t)) for t in texts)  # also warms up
    spent = 0.0
    while spent < args.speed_seconds or len(pass_times) < 3:
        t0 = time.process_time()
        for t in texts:
            tokenize(t)
        pass_times.append(time.process_time() - t0)
        spent += pass_times[-1]
    best = min(pass_times)
    n_chars = sum(len(t) for t in texts)
    start = time.process_time()
    for para in paras:
        split_sentences(" ".join(para))
    split_time = max(time.process_time() - start, 1e-9)

    print(f"treebank: {path} ({len(gold_sents)} sentences, {len(paras)} paragraphs)")
    print(f"{'metric':<34}{'precision':>10}{'recall':>10}{'F1':>10}")
    for name, key in (("surface tokens (MWT = 1 token)", "Tokens"), ("words (MWTs split)", "Words")):
        sc = scores[key]
        print(f"{name:<34}{100 * sc.precision:>10.2f}{100 * sc.recall:>10.2f}{100 * sc.f1:>10.2f}")
    p, r, f = f1(correct, n_gold, n_sys)
    print(f"{'sentences (span F1)':<34}{100 * p:>10.2f}{100 * r:>10.2f}{100 * f:>10.2f}")
    p, r, f = f1(b_correct, b_gold, b_sys)
    print(f"{'sentence boundaries (internal)':<34}{100 * p:>10.2f}{100 * r:>10.2f}{100 * f:>10.2f}")
    print(f"  ({100 * b_punct / max(b_gold, 1):.1f}% of the gold internal boundaries follow "
          "sentence-final punctuation: the recall ceiling of a punctuation-based splitter)")
    print(f"tokenizer speed: {n_tokens / best:,.0f} tokens/s ({n_chars / best:,.0f} chars/s; "
          f"best of {len(pass_times)} passes over {len(texts)} sentences, {n_tokens} tokens, CPU time)")
    print(f"sentence splitter speed: {sum(len(' '.join(p)) for p in paras) / split_time:,.0f} chars/s")

    # (d) multiword tokens learned from the train file instead of the English rules
    train = args.train or path.with_name(re.sub(r"-(dev|test)\.conllu$", "-train.conllu",
                                                path.name))
    if train != path and train.is_file():
        sents = list(tagged_sentences(train))
        learned = learn_raw_text(sents, english=False)  # as if it were another language
        table = learned["multiword_tokens"]
        lexicon = model_lexicon({normalise(w) for s in sents for w in s.words}, learned, False)

        def scores(lexicon):
            system = [system_tokenlist(t, False, lexicon) for t in texts]
            return {k: 100 * v.f1 for k, v in score_documents(gold_sents, system).items()}
        plain, learned = scores(None), scores(lexicon)
        spaced = (f", {len(lexicon.spaced)} words with spaces" if lexicon.spaced else "")
        print(f"without the English rules (a model of another language), tokens / words F1: "
              f"{plain['Tokens']:.2f} / {plain['Words']:.2f}; with what a model learns from "
              f"{train.name} ({len(table)} multiword tokens, {len(lexicon.elisions)} elided "
              f"words, {len(lexicon.abbreviations)} abbreviations, hyphenated words "
              f"{'whole' if lexicon.hyphenated else 'split'}{spaced}): "
              f"{learned['Tokens']:.2f} / {learned['Words']:.2f}")
        if lexicon.spaced:
            unspaced = scores(lexicon._replace(spaced=frozenset()))
            print(f"  the same without its words with spaces: {unspaced['Tokens']:.2f} / "
                  f"{unspaced['Words']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
