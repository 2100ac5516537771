"""Evaluate raw-text tagging against gold, in the manner of the CoNLL 2018 UD scorer.

Gold and system documents (lists of ``conllu.TokenList`` sentences) need not agree
on tokenization or sentence segmentation, only on the text: every token FORM,
with whitespace removed, is placed on the sequence of non-whitespace characters
of the whole document, and two tokens (or two sentences) match when they cover
exactly the same character range.

Words are aligned as in CoNLL 2018:

* words outside multiword tokens are aligned when their character spans are
  identical;
* around multiword tokens (MWTs) a *multiword region* is built: it starts at an
  MWT of either side and grows until no gold or system word sticks out of it
  (an MWT reaching past the region's end extends the region; a plain word
  ending past it stops the growth).  Inside the region the gold and the system
  words are aligned by a longest common subsequence of their lower-cased FORMs.

Scores are precision / recall / F1 over counts: ``Tokens``, ``Sentences`` and
``Words`` count matched units; ``UPOS`` counts aligned words whose UPOS agrees
(so its precision and recall are relative to all system and all gold words).

Empty nodes (ids like ``(8, '.', 1)``) are ignored.  In conllu >= 5 the id of a
multiword token line is a tuple ``(3, '-', 4)`` and the id of a word is an int.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

__all__ = ["AlignmentError", "Score", "score_documents"]


MAX_LCS_CELLS = 4_000_000  # the LCS table of a multiword-token region (2,000 x 2,000 words)


class AlignmentError(ValueError):
    """Gold and system texts differ (ignoring whitespace), or a FORM is unusable."""


@dataclass
class Score:
    correct: int
    gold_total: int
    system_total: int

    @property
    def precision(self) -> float:
        return self.correct / self.system_total if self.system_total else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.gold_total if self.gold_total else 0.0

    @property
    def f1(self) -> float:
        total = self.gold_total + self.system_total
        return 2 * self.correct / total if total else 0.0


class _Span(NamedTuple):
    start: int
    end: int  # exclusive


class _Word(NamedTuple):
    start: int  # span of the word, or of its whole MWT
    end: int
    multiword: bool
    form: str  # lower-cased, whitespace removed
    upos: Any


class _Doc(NamedTuple):
    chars: str
    tokens: list[_Span]
    words: list[_Word]
    sentences: list[_Span]
    # (character offset where the sentence starts, sentence label) for messages
    sentence_labels: list[tuple[int, str]]


def _strip_space(form: Any) -> str:
    text = "" if form is None else str(form)
    if any(c.isspace() for c in text):
        text = "".join(c for c in text if not c.isspace())
    return text


def _load(doc: Iterable[Sequence[Any]], side: str) -> _Doc:
    pieces: list[str] = []
    tokens: list[_Span] = []
    words: list[_Word] = []
    sentences: list[_Span] = []
    labels: list[tuple[int, str]] = []
    pos = 0
    for sent_no, sentence in enumerate(doc, 1):
        metadata = getattr(sentence, "metadata", None) or {}
        label = f"{side} sentence {sent_no}"
        if "sent_id" in metadata:
            label += f" (sent_id {metadata['sent_id']})"
        labels.append((pos, label))
        sent_start = pos
        mwt_last = 0  # id of the last word covered by the current MWT
        mwt_span: _Span | None = None
        for tok in sentence:
            tid = tok["id"]
            if isinstance(tid, tuple):
                if len(tid) == 3 and tid[1] == ".":
                    continue  # empty node
                if len(tid) == 3 and tid[1] == "-":
                    form = _strip_space(tok["form"])
                    if not form:
                        raise AlignmentError(f"empty FORM in a multiword token of {label}")
                    mwt_span = _Span(pos, pos + len(form))
                    tokens.append(mwt_span)
                    pieces.append(form)
                    pos += len(form)
                    mwt_last = int(tid[2])
                    continue
                raise AlignmentError(f"cannot interpret token id {tid!r} in {label}")
            if mwt_span is not None and isinstance(tid, int) and tid <= mwt_last:
                words.append(_Word(mwt_span.start, mwt_span.end, True,
                                   _strip_space(tok["form"]).lower(), tok.get("upos")))
                continue
            mwt_span = None
            form = _strip_space(tok["form"])
            if not form:
                raise AlignmentError(f"empty FORM (token id {tid!r}) in {label}")
            span = _Span(pos, pos + len(form))
            tokens.append(span)
            words.append(_Word(span.start, span.end, False, form.lower(), tok.get("upos")))
            pieces.append(form)
            pos += len(form)
        if pos > sent_start:
            sentences.append(_Span(sent_start, pos))
    return _Doc("".join(pieces), tokens, words, sentences, labels)


def _label_at(doc: _Doc, index: int) -> str:
    label = ""
    for start, lab in doc.sentence_labels:
        if start > index:
            break
        label = lab
    return label


def _check_same_text(gold: _Doc, system: _Doc) -> None:
    if gold.chars == system.chars:
        return
    g, s = gold.chars, system.chars
    i = 0
    limit = min(len(g), len(s))
    # find the first difference quickly by halving over equal prefixes
    lo, hi = 0, limit
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if g[:mid] == s[:mid]:
            lo = mid
        else:
            hi = mid - 1
    i = lo
    raise AlignmentError(
        "gold and system texts differ (whitespace ignored) at non-whitespace character "
        f"{i} [{_label_at(gold, i) or 'end of gold'} / {_label_at(system, i) or 'end of system'}]: "
        f"gold {g[i:i + 20]!r} vs system {s[i:i + 20]!r}"
    )


def _span_score(gold: list[_Span], system: list[_Span]) -> Score:
    """Count spans with identical (start, end); both lists are sorted by start."""
    correct = gi = si = 0
    while gi < len(gold) and si < len(system):
        g, s = gold[gi], system[si]
        if g.start < s.start:
            gi += 1
        elif s.start < g.start:
            si += 1
        else:
            correct += g.end == s.end
            gi += 1
            si += 1
    return Score(correct, len(gold), len(system))


def _past_region(words: list[_Word], i: int, region_end: int) -> bool:
    """Is words[i] (or the end of the list) outside the region ending at region_end?"""
    if i >= len(words):
        return True
    w = words[i]
    if w.multiword:
        return w.start >= region_end
    return w.end > region_end


def _multiword_region(gold: list[_Word], system: list[_Word], gi: int, si: int
                      ) -> tuple[int, int, int, int]:
    """Region around the MWT at gold[gi] or system[si]: (gold from, system from, gold to, system to)."""
    g, s = gold[gi], system[si]
    if g.multiword:
        region_end = g.end
        if not s.multiword and s.start < g.start:
            si += 1  # a plain system word starting before the gold MWT stays outside
    else:
        region_end = s.end
        if not g.multiword and g.start < s.start:
            gi += 1
    g_from, s_from = gi, si
    while not (_past_region(gold, gi, region_end) and _past_region(system, si, region_end)):
        take_gold = gi < len(gold) and (si >= len(system) or gold[gi].start <= system[si].start)
        w = gold[gi] if take_gold else system[si]
        if w.multiword and w.end > region_end:
            region_end = w.end
        if take_gold:
            gi += 1
        else:
            si += 1
    return g_from, s_from, gi, si


def _lcs_pairs(gold: list[_Word], system: list[_Word]) -> list[tuple[_Word, _Word]]:
    """Pairs of a longest common subsequence of lower-cased forms (leftmost matches first)."""
    n, m = len(gold), len(system)
    if n * m > MAX_LCS_CELLS:
        raise AlignmentError(f"a multiword-token region of {n} gold and {m} system words is too "
                             "large to align")
    # suffix table: best[i][j] = LCS length of gold[i:] and system[j:]
    best = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        row, below = best[i], best[i + 1]
        gf = gold[i].form
        for j in range(m - 1, -1, -1):
            if gf == system[j].form:
                row[j] = below[j + 1] + 1
            else:
                row[j] = max(below[j], row[j + 1])
    pairs = []
    i = j = 0
    while i < n and j < m:
        if gold[i].form == system[j].form:
            pairs.append((gold[i], system[j]))
            i += 1
            j += 1
        elif best[i + 1][j] == best[i][j]:
            i += 1
        else:
            j += 1
    return pairs


def _align_words(gold: list[_Word], system: list[_Word]) -> list[tuple[_Word, _Word]]:
    pairs: list[tuple[_Word, _Word]] = []
    gi = si = 0
    while gi < len(gold) and si < len(system):
        g, s = gold[gi], system[si]
        if g.multiword or s.multiword:
            g_from, s_from, gi, si = _multiword_region(gold, system, gi, si)
            if gi > g_from and si > s_from:
                pairs.extend(_lcs_pairs(gold[g_from:gi], system[s_from:si]))
        elif g.start == s.start and g.end == s.end:
            pairs.append((g, s))
            gi += 1
            si += 1
        elif g.start <= s.start:
            gi += 1
        else:
            si += 1
    return pairs


def score_documents(gold: list[Any], system: list[Any]) -> dict[str, Score]:
    """Score system sentences against gold sentences of the same text.

    ``gold`` and ``system`` are lists of sentences (``conllu.TokenList`` or any
    sequence of token mappings with ``id``, ``form`` and ``upos``).  Returns
    Scores under ``"Tokens"``, ``"Sentences"``, ``"Words"`` and ``"UPOS"``.
    Raises :class:`AlignmentError` when the non-whitespace characters differ.
    """
    g = _load(gold, "gold")
    s = _load(system, "system")
    _check_same_text(g, s)
    pairs = _align_words(g.words, s.words)
    n_gold, n_sys = len(g.words), len(s.words)
    upos_ok = sum(1 for gw, sw in pairs if gw.upos == sw.upos)
    return {
        "Tokens": _span_score(g.tokens, s.tokens),
        "Sentences": _span_score(g.sentences, s.sentences),
        "Words": Score(len(pairs), n_gold, n_sys),
        "UPOS": Score(upos_ok, n_gold, n_sys),
    }
