"""Word features: each word becomes K one-hot features, named like NLTK's ("w=the", "s3=ing").

The features are language-independent: they use only Unicode character categories, never
word lists. Templates:

    w      the normalised word: lower-cased, every decimal digit replaced by 0
    wc     the word as written (case kept), digits replaced by 0
    p1..p3 prefixes of the lower-cased word (1 to 3 characters)
    s1..s4 suffixes of the lower-cased word (1 to 4 characters)
    shape  character classes with runs collapsed: "Xx" (Paris), "d.d" (3.14), "x-x" (well-known)
    cap    capitalisation: lower, title, upper, mixed or none (no cased letter)

The seed architecture uses only ``w``. Every template has its own unknown entry ("w=<unk>");
features seen fewer than `min_count` times in training map to it.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

import numpy as np

UNK = "<unk>"
MAX_WORD_CHARS = 16  # the character model reads at most the first 8 and last 8 characters
WORD_TEMPLATES = ("w",)
RICH_TEMPLATES = ("w", "p1", "p2", "p3", "s1", "s2", "s3", "s4", "shape", "cap")
CASED_TEMPLATES = RICH_TEMPLATES + ("wc",)
LEAN_TEMPLATES = ("w", "p3", "s2", "s3", "s4", "shape", "cap")
FEATURE_SETS = {"word": WORD_TEMPLATES, "rich": RICH_TEMPLATES, "cased": CASED_TEMPLATES,
                "lean": LEAN_TEMPLATES}  # --features (settings.FEATURE_SET_NAMES)

_DIGIT = re.compile(r"\d")


def normalise(word: str) -> str:
    """The word normaliser used for the `w` feature: lower case, digits to 0."""
    return _DIGIT.sub("0", word.lower())


def _char_class(ch: str) -> str:
    c = _CLASS_OF.get(ch)
    if c is None:
        c = _char_class_of(ch)
        if len(_CLASS_OF) < 100_000:
            _CLASS_OF[ch] = c
    return c


_CLASS_OF: dict[str, str] = {}  # memo of _char_class_of


def _char_class_of(ch: str) -> str:
    cat = unicodedata.category(ch)
    if cat == "Lu" or cat == "Lt":
        return "X"
    if cat == "Ll":
        return "x"
    if cat[0] == "L" or cat[0] == "M":
        return "a"  # letters without case (CJK, Arabic, ...) and combining marks
    if cat == "Nd":
        return "d"
    if cat[0] == "N":
        return "n"
    if cat[0] == "S":
        return "$" if cat == "Sc" else "S"
    if cat[0] == "P":
        return ch if ch.isascii() else "P"
    return "?"


def word_shape(word: str, max_len: int = 8) -> str:
    out = []
    for ch in word:
        c = _char_class(ch)
        if not out or out[-1] != c:
            out.append(c)
    return "".join(out[:max_len])


def capitalisation(word: str) -> str:
    cased = [ch for ch in word if ch.isupper() or ch.islower()]
    if not cased:
        return "none"
    if all(ch.islower() for ch in cased):
        return "lower"
    if all(ch.isupper() for ch in cased):
        return "upper" if len(cased) > 1 else "title"
    if cased[0].isupper() and all(ch.islower() for ch in cased[1:]):
        return "title"
    return "mixed"


def nfc(word: str) -> str:
    """The word in NFC, as treebanks write it (decomposed input finds the same features)."""
    return word if unicodedata.is_normalized("NFC", word) else unicodedata.normalize("NFC", word)


def word_features(word: str, templates) -> list[str]:
    """The feature names of one word (taken in NFC), one per template, in template order."""
    word = nfc(word)
    low = normalise(word)
    return [f(word, low) for f in _extractors(tuple(templates))]


def _extractor(t: str):
    """The function (word, normalised word) -> feature name of template t."""
    if t == "w":
        return lambda word, low: "w=" + low
    if t == "wc":
        return lambda word, low: "wc=" + _DIGIT.sub("0", word)
    if t == "shape":
        return lambda word, low: "shape=" + word_shape(word)
    if t == "cap":
        return lambda word, low: "cap=" + capitalisation(word)
    if t[0] in "ps" and t[1:].isdigit() and int(t[1:]) > 0:
        n, name = int(t[1:]), t + "="
        if t[0] == "p":
            return lambda word, low: name + low[:n]
        return lambda word, low: name + low[-n:]
    raise ValueError(f"unknown feature template {t!r}")


_EXTRACTORS: dict[tuple, tuple] = {}


def _extractors(templates: tuple) -> tuple:
    found = _EXTRACTORS.get(templates)
    if found is None:
        found = _EXTRACTORS[templates] = tuple(_extractor(t) for t in templates)
    return found


def word_chars(word: str) -> str:
    """The characters the character model reads (in NFC): the whole word, or its two ends if
    long."""
    word = nfc(word)
    half = MAX_WORD_CHARS // 2
    return word if len(word) <= MAX_WORD_CHARS else word[:half] + word[-half:]


class Features:
    """The feature vocabulary: name <-> index, with an unknown entry per template.

    Index layout: templates in order; within a template the unknown entry first, then the
    names in sorted order (deterministic).
    """

    def __init__(self, names, templates, chars=()):
        self.chars = list(chars)  # character vocabulary of the character model; [0] is <unk>
        self.char_index = {c: i for i, c in enumerate(self.chars)}
        self._char_cache: dict[str, np.ndarray] = {}
        self.templates = tuple(templates)
        self.names = list(names)
        self.index = {n: i for i, n in enumerate(self.names)}
        self.unk = np.array([self.index[f"{t}={UNK}"] for t in self.templates], dtype=np.int64)
        self._cache: dict[str, np.ndarray] = {}

    @classmethod
    def build(cls, words, templates=RICH_TEMPLATES, min_count=1, char_model=False):
        """Vocabulary from training words. With char_model, also the characters seen at least
        twice (rarer ones share <unk>, which therefore gets trained)."""
        counts = Counter()
        char_counts = Counter()
        for w, c in Counter(words).items():
            for f in word_features(w, templates):
                counts[f] += c
            if char_model:
                for ch in word_chars(w):
                    char_counts[ch] += c
        chars = [UNK] + sorted(ch for ch, c in char_counts.items() if c >= 2) if char_model else []
        names = []
        for t in templates:
            prefix = t + "="
            kept = sorted(f for f, c in counts.items() if c >= min_count and f.startswith(prefix))
            names.append(prefix + UNK)
            names.extend(f for f in kept if f != prefix + UNK)
        return cls(names, templates, chars)

    def __len__(self):
        return len(self.names)

    @property
    def word_unk(self) -> int:
        """Index of w=<unk> (or -1 when the model has no word feature)."""
        return int(self.unk[0]) if self.templates and self.templates[0] == "w" else -1

    def encode_word(self, word: str) -> np.ndarray:
        """Feature ids (K,) of one word, cached per word type."""
        ids = self._cache.get(word)
        if ids is None:
            ids = np.array([self.index.get(f, u) for f, u in
                            zip(word_features(word, self.templates), self.unk)], dtype=np.int64)
            if len(self._cache) < 1_000_000:
                self._cache[word] = ids
        return ids

    def encode(self, words) -> np.ndarray:
        """Feature ids (n, K) of a sentence."""
        if not words:
            return np.zeros((0, len(self.templates)), dtype=np.int64)
        return np.stack([self.encode_word(w) for w in words])

    def words(self) -> list[str]:
        """The vocabulary: the normalised words of the `w` feature (without <unk>)."""
        return [n[2:] for n in self.names if n.startswith("w=") and n != "w=" + UNK]

    def is_known(self, word: str) -> bool:
        """Whether the word's `w` feature was in training (else it is an unseen word)."""
        return ("w=" + normalise(nfc(word))) in self.index

    def encode_chars(self, word: str) -> np.ndarray:
        ids = self._char_cache.get(word)
        if ids is None:
            get = self.char_index.get
            ids = np.array([get(ch, 0) for ch in word_chars(word)] or [0], dtype=np.int64)
            if len(self._char_cache) < 1_000_000:
                self._char_cache[word] = ids
        return ids

    def spell(self, forms):
        """Character ids of word forms as a padded table (n, longest) and their lengths (n,)."""
        spelled = [self.encode_chars(f) for f in forms]
        lengths = np.array([len(c) for c in spelled], dtype=np.int64)
        table = np.zeros((len(spelled), int(lengths.max(initial=1))), dtype=np.int64)
        for i, c in enumerate(spelled):
            table[i, :len(c)] = c
        return table, lengths

    def char_batch(self, sents, T):
        """model.Chars for a batch of sentences (lists of word forms), padded to length T."""
        types: dict[str, int] = {}
        word_type = np.zeros((T, len(sents)), dtype=np.int64)
        for b, forms in enumerate(sents):
            for t, f in enumerate(forms):
                word_type[t, b] = types.setdefault(f, len(types))
        table, lengths = self.spell(list(types) or [""])
        return chars_of_types(table, lengths, word_type)


def chars_of_types(table, lengths, word_type):
    """model.Chars from the spelled-out types of a batch (table (U, L), lengths (U,)) and the
    type of each word position (T, B)."""
    from .model import Chars
    L = int(lengths.max())
    ids = np.ascontiguousarray(table[:, :L].T)  # (L, U), time-major
    mask = (np.arange(L)[:, None] < lengths[None, :]).astype(np.float32)
    return Chars(ids, mask, lengths - 1, word_type)
