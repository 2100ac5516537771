"""`postag evaluate --raw`: tag the gold file's `# text` sentences end to end (our tokenizer,
then the tagger) and score against the gold words the way the CoNLL 2018 shared-task scorer
does: characters aligned over the whole document, F1 of tokens, words and UPOS."""

from __future__ import annotations

import conllu

from .errors import PostagError
from .tagger import Tagger
from .treebank import FIELDS, ReadStats, read_conllu, sentence_to_conllu


def system_sentences(tagger: Tagger, texts):
    """Tokenize and tag raw sentences; returns conllu TokenLists of our CoNLL-U output."""
    toks = [[(t.text, t.words, t.space_after) for t in sent] for sent in tagger.tokenize(texts)]
    probs = tagger.probabilities([[w for _, ws, _ in ts for w in ws] for ts in toks])
    out = []
    for i, (text, ts, p) in enumerate(zip(texts, toks, probs), 1):
        if not ts:
            continue
        tags = [tagger.tags[j] for j in p.argmax(axis=1)]
        out.append(conllu.parse(sentence_to_conllu(ts, tags, sent_id=str(i), text=text),
                                fields=FIELDS)[0])
    return out


def gold_paragraphs(gold) -> list[str]:
    """The running text of gold sentences, as the CoNLL 2018 shared task's raw text: a
    paragraph per `# newpar` / `# newdoc` (a file with neither is one), its sentences' `# text`
    joined by a space, or by nothing after a last token with SpaceAfter=No."""
    paras: list[str] = []
    for s in gold:
        if not paras or any(k.startswith(("newpar", "newdoc")) for k in s.metadata):
            paras.append("")
        elif paras[-1] and not paras[-1].endswith("\0"):
            paras[-1] += " "
        paras[-1] += s.metadata["text"]
        last = [t for t in s if isinstance(t["id"], int) or t["id"][1] == "-"]
        misc = last[-1]["misc"] if last else None
        if (misc or {}).get("SpaceAfter") == "No" if isinstance(misc, dict) else \
                "SpaceAfter=No" in (misc or "").split("|"):
            paras[-1] += "\0"
    return [p.replace("\0", "") for p in paras]


def evaluate_raw(tagger: Tagger, gold_path, column="upos", skip_bad=False,
                 split_sentences=False) -> dict:
    """Scores of raw-text tagging against a gold file: its `# text` sentences tagged one per
    line, or, with split_sentences, its running text (`gold_paragraphs`) split into
    sentences by the model."""
    from .align import AlignmentError, score_documents
    stats = ReadStats()
    gold = list(read_conllu(gold_path, skip_bad=skip_bad, stats=stats,
                            check_upos=column == "upos"))
    if not gold:
        raise PostagError(f"{gold_path}: no sentences to score")
    if all(tok[column] == "_" for s in gold for tok in s if isinstance(tok["id"], int)):
        raise PostagError(f"{gold_path}: no words with a gold {column.upper()} tag to score")
    texts = []
    for s in gold:
        text = s.metadata.get("text")
        if text is None:
            raise PostagError(f"{gold_path}:{s.lineno}: sentence has no '# text' line, which "
                              "--raw needs")
        texts.append(text)
    if column != "upos":
        for s in gold:  # score the model's own column in the UPOS slot
            for tok in s:
                tok["upos"] = tok[column]
    if split_sentences:
        texts = [s for sents in tagger.split_sentences(gold_paragraphs(gold)) for s in sents]
    system = system_sentences(tagger, texts)
    try:
        scores = score_documents(gold, system)
    except AlignmentError as e:
        raise PostagError(f"{gold_path}: cannot align the tokenized text with the gold words: "
                          f"{e}") from None
    return {"file": str(gold_path), "sentences": len(gold), "tag_column": column,
            "split_sentences": split_sentences,
            "skipped_sentences": stats.skipped,
            **{(column.upper() if k == "UPOS" else k): {  # (an XPOS model's scores: "XPOS")
                "precision": v.precision, "recall": v.recall, "f1": v.f1,
                "gold": v.gold_total, "system": v.system_total, "correct": v.correct}
               for k, v in scores.items()}}


def format_raw_report(r: dict) -> str:
    how = "sentences split by the model" if r.get("split_sentences") else \
        "gold sentence boundaries"
    lines = [f"file        {r['file']} ({r['sentences']} sentences, raw text, {how})",
             f"{'metric':<10} {'precision':>9} {'recall':>9} {'f1':>9}"]
    names = ["Tokens", "Sentences"] if r.get("split_sentences") else ["Tokens"]
    for name in (*names, "Words", r["tag_column"].upper()):
        s = r[name]
        lines.append(f"{name:<10} {s['precision']:>9.2%} {s['recall']:>9.2%} {s['f1']:>9.2%}")
    if r.get("skipped_sentences"):
        lines.append(f"skipped     {r['skipped_sentences']} malformed sentences (not scored)")
    return "\n".join(lines)
