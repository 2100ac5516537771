"""Words written with spaces (as in Vietnamese, `sinh viên`), simulated on EWT.

    python bench/spaced_words.py --ewt ../shared/data/ud-english-ewt --out DIR
    python bench/tokenizer_eval.py --treebank DIR/spaced-dev.conllu --train DIR/spaced-train.conllu

No treebank with such words is on this machine, so this writes copies of EWT train and dev in
which every name written as a chain of `flat` words (`New York`, `George W. Bush`: a word and
the words right after it that attach to it with `flat`, separated by single spaces) is one word
with spaces, tagged as the chain's head; so is every chain of `compound` words before their
head (`credit card`, `health care`), which, like Vietnamese words, recur (`--relations flat`
for names only). The tokenizer benchmark's last lines then show the raw-text tokens and words
F1 without and with what a model learns from the copy of train, and without its words with
spaces (`lexicon.learn_spaced_words`). Sentences with multiword tokens are copied unchanged.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import conllu
from ewt import add_ewt_option, ewt_paths  # bench/ewt.py


def chains(sent, relations) -> list[tuple[int, int, int]]:
    """(first, last, head) positions of the chains of words to merge in a conllu.TokenList:
    a word and the words right before or after it that attach to it with one of the
    relations, without SpaceAfter=No inside."""
    words = [t for t in sent if isinstance(t["id"], int)]
    found, taken = [], -1
    for h, head in enumerate(words):
        def joined(k, head_id=head["id"]):
            return words[k]["head"] == head_id and words[k]["deprel"] in relations
        first = h
        while first - 1 > taken and joined(first - 1):
            first -= 1
        last = h
        while last + 1 < len(words) and joined(last + 1):
            last += 1
        if last > first and all((words[k]["misc"] or {}).get("SpaceAfter") != "No"
                                for k in range(first, last)):
            found.append((first, last, h))
            taken = last
    return found


def merge(sent, relations) -> tuple[conllu.TokenList, int]:
    """The sentence with its chains merged, and how many words were merged away."""
    if any(not isinstance(t["id"], int) for t in sent):
        return sent, 0
    words = list(sent)
    spans = {first: (last, h) for first, last, h in chains(sent, relations)}
    new_id, kept, i = {}, [], 0
    while i < len(words):
        last, h = spans.get(i, (i, i))
        for k in range(i, last + 1):
            new_id[words[k]["id"]] = len(kept) + 1
        tok = dict(words[h])
        tok["form"] = " ".join(w["form"] for w in words[i:last + 1])
        tok["lemma"] = " ".join(w["lemma"] for w in words[i:last + 1])
        tok["misc"] = words[last]["misc"]
        kept.append(tok)
        i = last + 1
    for tok in kept:
        tok["id"] = new_id[tok["id"]]
        tok["head"] = new_id.get(tok["head"], 0) if tok["head"] else 0
        tok["deps"] = None
    out = conllu.TokenList([conllu.Token(t) for t in kept], metadata=sent.metadata)
    return out, len(words) - len(kept)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_ewt_option(ap)
    ap.add_argument("--out", type=Path, required=True, help="Folder for the two copies.")
    ap.add_argument("--relations", nargs="+", default=["flat", "compound"],
                    help="Relations whose chains become one word (default: flat compound).")
    args = ap.parse_args()
    train_f, dev_f = ewt_paths(args.ewt)
    args.out.mkdir(parents=True, exist_ok=True)
    for split, src in (("train", train_f), ("dev", dev_f)):
        merged = words = 0
        dst = args.out / f"spaced-{split}.conllu"
        with open(src, encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as out:
            for sent in conllu.parse_incr(f):
                new, n = merge(sent, set(args.relations))
                merged += n
                words += sum(1 for t in new if isinstance(t["id"], int))
                out.write(new.serialize())
        spaced = sum(1 for line in dst.open(encoding="utf-8")
                     if line[:1].isdigit() and " " in line.split("\t")[1])
        print(f"{dst}: {words:,} words, {spaced:,} of them with spaces "
              f"({merged:,} words merged into them)", file=sys.stderr)


if __name__ == "__main__":
    main()
