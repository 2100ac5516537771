"""What raw text learns from a treebank for the rule-based tokenizer (tokenizer.py), and how a
model's learned settings read.

`learn_raw_text` gives a model its settings for raw text in any language but English (which
has the English rules): multiword tokens (French ``du`` -> ``de le``), elided words (``l'``),
whether hyphenated words are one token, abbreviations (``usw.``) and words written with spaces
(Vietnamese ``sinh viên``). `model_lexicon` turns them into the tokenizer's Lexicon;
`describe_raw_text` says them in a line each (for `train` and `info`). Models with a learned
tokenizer (segmenter.py) keep these settings too: the rules are its input features.
"""

from __future__ import annotations

from collections import Counter

from .tokenizer import (_APOSTROPHES, MAX_SPACED_PIECES, MAX_SPACED_WORDS, Lexicon, _straight,
                        make_lexicon)


def learn_hyphenation(sentences) -> bool:
    """Whether training sentences (each with .hyphens, see treebank.TaggedSentence) write
    hyphenated words as one token (peut-être) more often than as three (well - known, as
    English EWT does)."""
    whole = split = 0
    for s in sentences:
        whole += s.hyphens[0]
        split += s.hyphens[1]
    return whole > split


def learn_abbreviations(sentences, min_count: int = 2) -> list[str]:
    """The abbreviations of training sentences (each with .words): lower-cased words of two
    or more characters, with a letter, that end in a full stop, written so at least
    `min_count` times and more often than as the word followed by a full stop of its own
    (German usw., Nr.; Russian г.)."""
    whole, split = Counter(), Counter()
    for s in sentences:
        words = s.words
        for i, w in enumerate(words):
            if len(w) > 1 and w[-1] == "." and w[-2] != "." and any(c.isalpha() for c in w):
                whole[w.lower()] += 1
            elif w == "." and i > 0:
                split[words[i - 1].lower() + "."] += 1
    return sorted(w for w, n in whole.items() if n >= min_count and n > split[w])


def learn_spaced_words(sentences, min_count: int = 2) -> list[str]:
    """The words of training sentences (each with .words) written with a space inside
    (Vietnamese sinh viên; numbers like 10 000 in some treebanks): lower-cased, their pieces
    separated by one space, written so at least `min_count` times and more often than as
    their pieces in a row, each a word of its own."""
    whole = Counter()
    for s in sentences:
        for w in s.words:
            if " " in w:
                pieces = w.lower().split()
                if 2 <= len(pieces) <= MAX_SPACED_PIECES:
                    whole[" ".join(pieces)] += 1
    kept = {w for w, n in whole.items() if n >= min_count}
    if not kept:
        return []
    starts = {w.split(" ", 1)[0] for w in kept}
    longest = max(w.count(" ") + 1 for w in kept)
    apart = Counter()
    for s in sentences:
        low = [w.lower() for w in s.words]
        for i, w in enumerate(low):
            if w in starts:
                for n in range(2, min(longest, len(low) - i) + 1):
                    joined = " ".join(low[i:i + n])
                    if joined in kept:
                        apart[joined] += 1
    ranked = sorted((w for w in kept if whole[w] > apart[w]), key=lambda w: (-whole[w], w))
    return sorted(ranked[:MAX_SPACED_WORDS])


def learn_elisions(sentences, min_count: int = 2) -> list[str]:
    """The elided words of training sentences (each with .words, .multiword and .glued, the
    tokens ending in an apostrophe written without a space after them): lower-cased, with a
    straight apostrophe and a letter before it, glued to the next token at least `min_count`
    times and in at least half of their occurrences (French l', qu'; not English cookin')."""
    glued, total = Counter(), Counter()
    for s in sentences:
        glued.update(_straight(f.lower()) for f in s.glued)
        total.update(_straight(f.lower()) for f in (*s.words, *(m for m, _ in s.multiword))
                     if f[-1:] in _APOSTROPHES)
    return sorted(w for w, n in glued.items() if n >= min_count and 2 * n >= total[w]
                  and any(c.isalpha() for c in w[:-1]))


def raw_text_settings(meta: dict) -> dict:
    """The settings of `learn_raw_text` in a model's metadata, with their defaults (what an
    English model, or one older than these settings, has)."""
    return {"multiword_tokens": meta.get("multiword_tokens") or {},
            "elisions": meta.get("elisions") or [],
            "hyphenated_words": bool(meta.get("hyphenated_words", False)),
            "abbreviations": meta.get("abbreviations") or [],
            "spaced_words": meta.get("spaced_words") or []}


def learn_raw_text(sentences, english: bool) -> dict:
    """What a model keeps for tokenizing raw text, from its training sentences (the settings
    `multiword_tokens`, `elisions`, `hyphenated_words`, `abbreviations`, `spaced_words`);
    nothing for an English model, which has the English rules."""
    if english:
        return raw_text_settings({})
    return {"multiword_tokens": learn_expansions(sentences),
            "elisions": learn_elisions(sentences),
            "hyphenated_words": learn_hyphenation(sentences),
            "abbreviations": learn_abbreviations(sentences),
            "spaced_words": learn_spaced_words(sentences)}


def describe_raw_text(settings: dict) -> list[str]:
    """One line for each thing of `learn_raw_text` a model has (for `train` and `info`)."""
    def some(items, sep=" ", n=8):
        return sep.join(items[:n]) + (f"{sep}..." if len(items) > n else "")

    def count(items, one, many):
        return f"{len(items):,} {one if len(items) == 1 else many}"
    settings = raw_text_settings(settings)
    mwt, abbreviations, elisions, spaced = (settings[k] for k in (
        "multiword_tokens", "abbreviations", "elisions", "spaced_words"))
    lines = []
    if mwt:
        lines.append(count(mwt, "multiword token", "multiword tokens") + " ("
                     + some([f"{k} = {' '.join(v)}" for k, v in mwt.items()], ", ", 5) + ")")
    if settings["hyphenated_words"]:
        lines.append("hyphenated words are one token (peut-être)")
    if abbreviations:
        lines.append(count(abbreviations, "abbreviation", "abbreviations") + " kept whole ("
                     + some(abbreviations) + ")")
    if elisions:
        lines.append(count(elisions, "elided word", "elided words") + " split off ("
                     + some(elisions) + ")")
    if spaced:
        lines.append(count(spaced, "word", "words") + " with spaces kept whole ("
                     + some(spaced, ", ") + ")")
    return lines


def model_lexicon(words, settings: dict, english: bool) -> Lexicon:
    """The Lexicon of a model: its (normalised) training words and the settings that
    `learn_raw_text` gave it (older models have none of them)."""
    s = raw_text_settings(settings)
    return make_lexicon(words, s["multiword_tokens"], s["elisions"], english,
                        s["hyphenated_words"], s["abbreviations"], s["spaced_words"])


MAX_EXPANSIONS = 10_000  # multiword tokens a model keeps for raw text (the most frequent)


def learn_expansions(sentences, min_count: int = 2) -> dict[str, list[str]]:
    """The multiword tokens of training sentences (each with .words and .multiword, a list of
    (surface, words) pairs) worth expanding in raw text: lower-cased surface -> its most
    frequent words, lower-cased, for a surface written as a multiword token at least
    `min_count` times and more often than as a word of its own (French ``des`` is mostly the
    article, so it stays whole). The most frequent first, at most MAX_EXPANSIONS."""
    as_token: dict[str, Counter] = {}
    as_word = Counter()
    for s in sentences:
        as_word.update(w.lower() for w in s.words)
        for surface, words in s.multiword:
            ws = tuple(w.lower() for w in words)
            if len(ws) < 2 or not surface or not all(ws) or \
                    any(c.isspace() for x in (surface, *ws) for c in x):
                continue
            as_token.setdefault(surface.lower(), Counter())[ws] += 1
    ranked = sorted(((sum(c.values()), f) for f, c in as_token.items()),
                    key=lambda x: (-x[0], x[1]))
    table = {}
    for n, f in ranked:
        if n >= min_count and n > as_word[f]:
            c = as_token[f]
            table[f] = list(min(c, key=lambda ws: (-c[ws], ws)))  # most frequent, then first
            if len(table) == MAX_EXPANSIONS:
                break
    return table
