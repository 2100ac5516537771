"""Scoring a tagger against gold CoNLL-U with gold tokenization: accuracy and error analysis."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from .tagger import Tagger
from .treebank import ReadStats, tagged_sentences


def wilson_interval(correct: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval for a proportion."""
    if total == 0:
        return (0.0, 0.0)
    p = correct / total
    denom = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denom
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def expected_calibration_error(confidence, correct, bins: int = 15) -> float:
    """ECE: the bin-size-weighted gap between mean confidence and accuracy, equal-width bins."""
    confidence = np.asarray(confidence, dtype=np.float64)
    correct = np.asarray(correct, dtype=np.float64)
    if len(confidence) == 0:
        return 0.0
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    ece = 0.0
    for b in range(bins):
        sel = which == b
        if sel.any():
            ece += sel.mean() * abs(confidence[sel].mean() - correct[sel].mean())
    return float(ece)


def per_tag_scores(gold, pred, tagset):
    g, p = Counter(gold), Counter(pred)
    tp = Counter(a for a, b in zip(gold, pred) if a == b)
    rows = {}
    for t in sorted(set(tagset) | set(g) | set(p)):
        prec = tp[t] / p[t] if p[t] else 0.0
        rec = tp[t] / g[t] if g[t] else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        rows[t] = {"precision": prec, "recall": rec, "f1": f1, "gold": g[t], "predicted": p[t]}
    return rows


def evaluate(tagger: Tagger, gold_path, column="upos", skip_bad=False, n_errors=0) -> dict:
    """Tag the words of a gold CoNLL-U file and score them. Words whose gold tag is _ are not
    scored. Returns a JSON-ready dict."""
    stats = ReadStats()
    sents = list(tagged_sentences(gold_path, column, skip_bad=skip_bad, stats=stats))
    probs = tagger.probabilities([s.words for s in sents])
    gold, pred, conf, known = [], [], [], []
    errors = []
    for s, p in zip(sents, probs):
        best = p.argmax(axis=1) if len(p) else np.zeros(0, int)
        for i, (w, g) in enumerate(zip(s.words, s.tags)):
            if g is None:
                continue
            t = tagger.tags[best[i]]
            gold.append(g)
            pred.append(t)
            conf.append(float(p[i, best[i]]))
            known.append(tagger.is_known(w))
            if t != g and len(errors) < n_errors:
                marked = " ".join(f"[{x}]" if j == i else x for j, x in enumerate(s.words))
                errors.append({"sent_id": s.sent_id, "line": s.lineno, "word": w, "gold": g,
                               "predicted": t, "sentence": marked})
    n = len(gold)
    ok = np.array([a == b for a, b in zip(gold, pred)], dtype=bool)
    known = np.array(known, dtype=bool)
    correct = int(ok.sum())
    lo, hi = wilson_interval(correct, n)
    confusion = Counter((a, b) for a, b in zip(gold, pred) if a != b)
    return {
        "file": str(gold_path),
        "tag_column": column,
        "sentences": len(sents),
        "words": n,
        "correct": correct,
        "accuracy": correct / n if n else 0.0,
        "accuracy_ci95": [lo, hi],
        "known_words": int(known.sum()),
        "known_accuracy": float(ok[known].mean()) if known.any() else None,
        "unseen_words": int((~known).sum()),
        "unseen_accuracy": float(ok[~known].mean()) if (~known).any() else None,
        "expected_calibration_error": expected_calibration_error(conf, ok),
        "per_tag": per_tag_scores(gold, pred, tagger.tags),
        "confusions": [{"gold": a, "predicted": b, "count": c}
                       for (a, b), c in sorted(confusion.items(), key=lambda x: (-x[1], x[0]))[:10]],
        "errors": errors,
        "skipped_sentences": stats.skipped,
    }


def _pct(x) -> str:
    return "-" if x is None else f"{x:.2%}"  # (no such words)


def format_report(r: dict) -> str:
    lines = [
        f"file            {r['file']}",
        f"sentences       {r['sentences']}",
        f"words           {r['words']}",
        f"accuracy        {r['accuracy']:.2%}  (95% CI {r['accuracy_ci95'][0]:.2%} - "
        f"{r['accuracy_ci95'][1]:.2%})",
        f"known words     {_pct(r['known_accuracy'])}  ({r['known_words']} words)",
        f"unseen words    {_pct(r['unseen_accuracy'])}  ({r['unseen_words']} words)",
        f"calibration     ECE {r['expected_calibration_error']:.4f}",
        *([f"skipped         {r['skipped_sentences']} malformed sentences (not scored)"]
          if r.get("skipped_sentences") else []),
        "",
        f"{'tag':<8} {'precision':>9} {'recall':>9} {'f1':>9} {'gold':>7} {'predicted':>9}",
    ]
    for t, s in r["per_tag"].items():  # ("-": never predicted / not in the gold file)
        prec = f"{s['precision']:.2%}" if s["predicted"] else "-"
        rec = f"{s['recall']:.2%}" if s["gold"] else "-"
        f1 = f"{s['f1']:.2%}" if s["gold"] or s["predicted"] else "-"
        lines.append(f"{t:<8} {prec:>9} {rec:>9} {f1:>9} {s['gold']:>7} {s['predicted']:>9}")
    if r["confusions"]:
        lines += ["", "most confused (gold -> predicted)"]
        lines += [f"  {c['gold']:<6} -> {c['predicted']:<6} {c['count']}" for c in r["confusions"]]
    if r["errors"]:
        lines += ["", "errors"]
        for e in r["errors"]:
            lines.append(f"  {e['sent_id'] or 'line ' + str(e['line'])}: {e['word']!r} gold "
                         f"{e['gold']}, predicted {e['predicted']}: {e['sentence']}")
    return "\n".join(lines)
