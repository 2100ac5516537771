"""The learned tokenizer: where tokens and sentences end, and which tokens are multiword tokens,
learned from a treebank's own surface text by the project's own network.

min-char-rnn reading characters, as it was written to: the same bidirectional Elman RNN as the
word tagger (model.py, its forward and backward pass, trained with Adagrad), over one-hot
character features instead of word features, labels every character of raw text:

    y_c = 0 (the token goes on), 1 (a token ends after c), 2 (a sentence ends after c),
          3 (a multiword token ends after c), 4 (a multiword token and a sentence end)

    x_c Wxh = Wxh[c] + Wxh[category of the next char] + Wxh[lexicon and rules at c]  (row lookups)
    h_c = tanh(x_c Wxh + h_c-1 Whh + bh)   (both directions)     p_c = softmax([hf_c, hb_c] Why + by)

(see CharFeatures for the features; a treebank with tokens that hold spaces adds a fourth row).
Whitespace is not labelled: it always ends a token, unless the treebank writes tokens with spaces
inside, as Vietnamese does; then the label before the space decides. The surface text comes
from `# text` where it spells the sentence's tokens, else from the FORMs and SpaceAfter=No;
sentences run on into paragraphs (`# newpar` / `# newdoc`), read in windows (see `windows`).

A token the network marks as a multiword token (French du = de le, German zum = zu dem) gets the
words the training data wrote for it; an unseen one the longest matching suffix or prefix rule
learned from the training data's multiword tokens (`learn_multiword`, UDPipe 1's idea); else it
stays whole. Nothing is written per language.

All of it lives in a model file as the parameter group `tokenizer.*` and the metadata entry
`tokenizer` (`Segmenter.export` / `Segmenter.load`), validated on load (`check_stored`).
"""

from __future__ import annotations

import functools
import math
import re
import time
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass

import numpy as np

from . import model as M
from .errors import PostagError
from .lexicon import learn_abbreviations
from .tokenizer import Token, cased_words

LABELS = ("inside", "token end", "sentence end", "multiword token end",
          "multiword token and sentence end")
SENTENCE_END = (2, 4)  # labels that end a sentence
LINE_EVERY = 2  # every LINE_EVERY-th training window holds whole sentences (see `windows`)
MULTIWORD_END = (3, 4)  # labels that end a multiword token
ARCH = "birnn"
END = "<eos>"  # the 'next character' of the last one: the text ends
UNK = "<unk>"
PIECE = 400  # characters the network reads at once when tagging (longer texts: overlapping)
MARGIN = 50  # ... of which the first and last MARGIN are read for context only
MAX_RULE = 8  # longest suffix / prefix of a multiword-token rule
MAX_CHARS = 5000  # character vocabulary (the most frequent; the others are <unk>)
MAX_TABLE = 20_000  # multiword tokens kept with their words (the most frequent)
MAX_RULES = 2_000  # suffix and prefix rules kept, each (the most frequent)
MAX_LEXICON = 1_000_000  # training tokens the lexicon features look up
MAX_CACHED = 200_000  # runs of characters whose features are kept (memory stays flat)


@dataclass(frozen=True)
class SegmenterConfig:
    hidden: int = 32  # units per direction (64: the same token ends on the suite's dev files,
    # sentence ends 0.6 points better, raw-text tagging 1.2x slower: docs/benchmarks.md)
    window: int = 200  # characters per training window
    batch_size: int = 32  # windows per minibatch
    lr: float = 0.05
    lr_embed: float = 0.2
    dropout: float = 0.1
    chars_per_run: int = 8_000_000  # epochs = this / training characters, within [min, max]
    min_epochs: int = 3
    max_epochs: int = 60
    clip: float = 5.0
    seed: int = 0


# ---------------------------------------------------------------------------------------------
# surface text of a treebank


def _category(ch: str) -> str:
    return unicodedata.category(ch)


def sentence_text(sent) -> tuple[str, list[tuple[int, int]]] | None:
    """The surface text of a sentence and its tokens' (start, end) offsets in it: `# text` when
    it spells the tokens (whitespace aside), else the FORMs joined as SpaceAfter says; None when
    there is no text to learn from (FORM `_` everywhere, or a `# text` that contradicts them)."""
    forms = [form for form, _, _ in sent.surface]
    if not forms or all(f == "_" for f in forms) or any(not f.strip() for f in forms):
        return None
    text = sent.text
    if text is None:
        text, spans = "", []
        for form, glued, _ in sent.surface:
            spans.append((len(text), len(text) + len(form)))
            text += form if glued else form + " "
        return text.rstrip(), spans
    spans, pos = [], 0
    for form in forms:
        start = None
        for ch in form:
            if ch.isspace():
                continue
            while pos < len(text) and text[pos].isspace():
                pos += 1
            if pos >= len(text) or text[pos] != ch:
                return None
            start = pos if start is None else start
            pos += 1
        spans.append((start, pos))
    return (text, spans) if not text[pos:].strip() else None


@dataclass
class Paragraph:
    text: str
    labels: np.ndarray  # (n,) int: 0, 1, 2, or -1 (whitespace: not labelled)
    sent_starts: list  # offsets where sentences start


def paragraphs(sentences) -> tuple[list[Paragraph], int]:
    """Running text with its labels: sentences joined (by a space, or by nothing after a token
    with SpaceAfter=No), paragraphs ending at `# newpar` / `# newdoc` and at unusable
    sentences. Returns the paragraphs and the number of sentences without usable text."""
    out, bad = [], 0
    text, labels, starts = [], [], []
    prev_glued = False

    def close():
        if text:
            out.append(Paragraph("".join(text), np.concatenate(labels), starts[:]))
        text.clear(), labels.clear(), starts.clear()

    for s in sentences:
        st = sentence_text(s)
        if st is None:
            bad += 1
            close()
            continue
        if s.new_par:
            close()
        t, spans = st
        if text:
            if not prev_glued:
                text.append(" ")
                labels.append(np.array([-1]))
        offset = sum(len(x) for x in text)
        starts.append(offset)
        y = np.array([-1 if c.isspace() else 0 for c in t], dtype=np.int64)
        for (_, b), (_, _, words) in zip(spans, s.surface):
            y[b - 1] = 3 if len(words) > 1 else 1
        y[spans[-1][1] - 1] += 1
        text.append(t)
        labels.append(y)
        prev_glued = bool(s.surface[-1][1])
    close()
    return out, bad


# ---------------------------------------------------------------------------------------------
# character features


class CharFeatures:
    """Feature ids of characters, three per character (one-hot rows of Wxh, summed):

        the character itself (when rare: <unk> of its Unicode category)
        the next character's Unicode category (<eos> at the end of the text)
        what the lexicon of training tokens and the rules say, one id for the combination:
          B, the length of the longest token of the lexicon that starts here, and E, that
          ends here (within the run of non-space characters, at most MAX_MATCH); W, whether
          the whole run is a token of the lexicon; R, whether the rule-based tokenizer
          (tokenizer.py) ends a token here (1) or a token it splits into words (2)
    """

    def __init__(self, chars, categories, lexicon=(), spaced=False, context_rules=True):
        self.chars = list(chars)
        self.categories = list(categories)
        self.lexicon = frozenset(lexicon)
        self.spaced = spaced  # tokens with spaces inside: a fourth feature, S (see encode)
        self.context_rules = context_rules  # R of its / lets / your read with the next run
        # (False: as if a word followed, as tokenizers trained before 2026-12-07 read it)
        self.char_id = {c: i for i, c in enumerate(self.chars)}
        self.unk_id = {c: len(self.chars) + i for i, c in enumerate(self.categories)}
        self.cat_id = {c: len(self.chars) + len(self.categories) + i
                       for i, c in enumerate(self.categories)}
        self.match_base = len(self.chars) + 2 * len(self.categories)
        self._ids: dict[str, tuple[int, int]] = {}
        self._chunks: dict[str, np.ndarray] = {}
        # a space: its own features, fixed (unknown Zs, followed by Zs, nothing matched)
        self._space = np.tile([self.unk_id["Zs"], self.cat_id["Zs"], self.match_base], (64, 1))

    @classmethod
    def build(cls, texts, lexicon, min_count=2, spaced=False):
        counts = Counter()
        for t in texts:
            counts.update(t)
        chars = [c for c, n in sorted(counts.items(), key=lambda x: (-x[1], x[0]))
                 if n >= min_count and not c.isspace()][:MAX_CHARS]
        cats = sorted({_category(c) for c in counts} | {"Zs", END, UNK})
        return cls(chars, cats, lexicon, spaced)

    def __len__(self):
        return self.match_base + N_MATCH + 2 * self.spaced

    def _char(self, ch) -> tuple[int, int]:
        """(the character's own id, its category's id as the next character)."""
        ids = self._ids.get(ch)
        if ids is None:
            cat = _category(ch)
            cat = cat if cat in self.cat_id else UNK
            ids = (self.char_id.get(ch, self.unk_id[cat]), self.cat_id[cat])
            if len(self._ids) < 100_000:
                self._ids[ch] = ids
        return ids

    def encode(self, text: str, lexicon=None) -> np.ndarray:
        """(n, K) feature ids of the characters of `text` (lexicon: instead of the own). Each
        run of non-space characters is encoded on its own (and remembered: runs repeat), a
        space's features are fixed, and the text's last character is followed by <eos>."""
        own = lexicon is None
        cache = self._chunks if own else {}
        lexicon = self.lexicon if own else lexicon
        if " ".join(text.split()) == text:  # (single spaces: what tagging reads)
            runs = text.split(" ") if text else []
            lead, gaps = None, [self._space[:1]] * (len(runs) - 1) + [None]
        else:
            bounds = [m.span() for m in _RUN.finditer(text)]
            runs = [text[a:b] for a, b in bounds]
            lead = self._spaces(bounds[0][0] if bounds else len(text))
            ends = [b[0] for b in bounds[1:]] + [len(text)]
            gaps = [self._spaces(c - b) for (_, b), c in zip(bounds, ends)]
        parts = [lead] if lead is not None else []
        for run, gap in zip(runs, gaps):
            v = cache.get(run)
            if v is None:
                v = self._encode_run(run, lexicon)
                if own and len(run) <= 40 and len(cache) < MAX_CACHED:
                    cache[run] = v
            parts.append(v)
            if gap is not None:
                parts.append(gap)
        ids = np.concatenate(parts) if parts else np.empty((0, K), dtype=np.int64)
        if len(ids):
            ids[-1, 1] = self.cat_id[END]
        if self.context_rules and _has_context_word(text):
            _rules_in_context(ids, runs, [len(p) for p in parts], lead is not None,
                              self.match_base)
        if self.spaced:  # S: whether a token of the lexicon with spaces inside covers it
            S = _spaced_matches(text, lexicon) + self.match_base + N_MATCH
            ids = np.concatenate([ids, S[:, None]], axis=1)
        return ids

    def _spaces(self, n: int) -> np.ndarray:
        return self._space[:n] if n <= len(self._space) else \
            np.repeat(self._space[:1], n, axis=0)

    def _encode_run(self, chunk: str, lexicon) -> np.ndarray:
        ids = np.empty((len(chunk), K), dtype=np.int64)
        ids[:, :2] = [self._char(c) for c in chunk]
        ids[:-1, 1] = ids[1:, 1]
        ids[-1, 1] = self.cat_id["Zs"]  # (a space follows, or the text's end: see encode)
        ids[:, 2] = _chunk_matches(chunk, lexicon) + _rule_ends(chunk) + self.match_base
        return ids



K = 3  # features per character
MAX_MATCH = 8  # the longest lexicon token matched inside a run of characters
N_MATCH = (MAX_MATCH + 1) ** 2 * 2 * 3  # combinations of B, E, W, R
_RUN = re.compile(r"\S+")
_SPACED_NUMBER = re.compile(r"(?<![\w.,])\d{1,3}(?: \d{3})+(?!\w)")  # 10 000, 1 250 000


def _chunk_matches(chunk: str, lexicon) -> np.ndarray:
    """(n,): B, E and W of each character of a run of non-space characters, in one number
    ((B * (MAX_MATCH + 1) + E) * 2 + W) * 3 (see CharFeatures); matched lower-cased."""
    low = chunk.lower()
    if len(low) != len(chunk):
        low = chunk
    n = len(low)
    B, E = [0] * n, [0] * n  # (lists: most runs are short, and numpy costs more per call)
    for k in range(1, min(MAX_MATCH, n) + 1):  # (longer matches overwrite shorter ones)
        for i in range(n - k + 1):
            if low[i:i + k] in lexicon:
                B[i] = E[i + k - 1] = k
    W = low in lexicon
    return np.array([((b * (MAX_MATCH + 1) + e) * 2 + W) * 3 for b, e in zip(B, E)],
                    dtype=np.int64)


def _rule_ends(text: str, nxt: str | None = "a", first: bool = True) -> np.ndarray:
    """(n,): 1 where the rule-based tokenizer ends a token, 2 where it ends one it splits into
    several words (English clitics: don't = do n't), else 0; for a run of non-space
    characters, read as if the run `nxt` followed it (by default a word: the rules split the
    full stop off a text's last token, `Inc.`; None: nothing follows), and the run is the
    text's first or not."""
    from .tokenizer import is_plain_word, tokenize
    out = np.zeros(len(text), dtype=np.int64)
    if is_plain_word(text):  # (the common case, and the rules' answer without running them)
        out[-1] = 1
        return out
    pre = "" if first else "x "
    full = pre + text + ("" if nxt is None else " " + nxt)
    for t in tokenize(full.replace("\ufeff", " ").replace("\r", " "), True, None):
        end = t.end - len(pre)
        if 0 < end <= len(text):
            out[end - 1] = 1 + (len(t.words) > 1)
    return out


def _has_context_word(text: str) -> bool:
    """Whether some run of the text may end in its / lets / your (a quick test first)."""
    from .tokenizer import CONTEXT_WORDS
    low = text.lower()
    return any(w in low for w in CONTEXT_WORDS)


def _rules_in_context(ids, runs, sizes, lead: bool, base: int) -> None:
    """R of the runs that end in a word the rules split or not by the word after it (its not
    = it s not, its own): read with the run that follows (in place; _rule_ends reads a run as
    if a word followed). sizes: the lengths of the parts of ids, in order: the leading spaces
    (if lead), then each run and the spaces after it; base: where the third feature's ids start
    (its R is the id's remainder by 3, see _chunk_matches)."""
    from .tokenizer import CONTEXT_WORDS
    starts = np.cumsum([0, *sizes])
    for i, run in enumerate(runs):
        if run[-4:].lower().endswith(CONTEXT_WORDS):
            nxt = runs[i + 1] if i + 1 < len(runs) else None
            a = int(starts[lead + 2 * i])  # (a run and its gap: two parts, but the last gap)
            col = ids[a:a + len(run), 2]  # (a view)
            col += _rule_ends(run, nxt, first=i == 0) - (col - base) % 3


def _spaced_matches(text: str, lexicon) -> np.ndarray:
    """(n,): 1 on the characters (and spaces) of each run of 2 to MAX_PIECES pieces of text that
    is a token of the lexicon (lower-cased, single spaces), the longest first, left to right."""
    out = np.zeros(len(text), dtype=np.int64)
    runs = [m.span() for m in _RUN.finditer(text)]
    low = text.lower() if len(text.lower()) == len(text) else text
    i = 0
    while i < len(runs):
        for k in range(min(MAX_PIECES, len(runs) - i), 1, -1):
            if " ".join(low[a:b] for a, b in runs[i:i + k]) in lexicon:
                out[runs[i][0]:runs[i + k - 1][1]] = 1
                i += k - 1
                break
        i += 1
    return out


MAX_PIECES = 4  # the most pieces of a token with spaces that the S feature matches


def lexicon_of(sentences) -> set:
    """The training tokens, lower-cased, with single spaces (for the S feature): the
    MAX_LEXICON most frequent, so that a model file holds no more than its loader accepts."""
    counts = Counter(" ".join(form.split()).lower() for s in sentences for form, _, _ in s.surface
                     if form.strip())
    if len(counts) <= MAX_LEXICON:
        return set(counts)
    return {w for w, _ in sorted(counts.items(), key=lambda x: (-x[1], x[0]))[:MAX_LEXICON]}


# ---------------------------------------------------------------------------------------------
# multiword tokens


def _suffix_rule(surface: str, words: tuple[str, ...]):
    """The suffix rule that writes `surface` as `words` (lower-cased): (key, first-word tail,
    other words), meaning: a token ending in key is its stem + tail, then the other words."""
    low, ws = surface.lower(), tuple(w.lower() for w in words)
    first = ws[0]
    p = 0
    while p < min(len(low), len(first)) and low[p] == first[p]:
        p += 1
    key = low[p:]
    if not key or len(key) > MAX_RULE or p == 0:
        return None
    return key, first[p:], ws[1:]


def _prefix_rule(surface: str, words: tuple[str, ...]):
    """The prefix rule that writes `surface` as `words`: the token ends with its last word and
    starts with a key that stands for the other words (Hebrew or Arabic style: b+h+byt written
    bbyt). (key, the other words), lower-cased, or None."""
    low, ws = surface.lower(), tuple(w.lower() for w in words)
    key = low[:len(low) - len(ws[-1])]
    if not key or len(key) > MAX_RULE or not low.endswith(ws[-1]):
        return None
    return key, ws[:-1]


def learn_multiword(sentences, min_count=2) -> dict:
    """How the training data writes its multiword tokens: `table`, surface -> its most frequent
    words, for every surface written as a multiword token; `suffix` and `prefix` rules for
    unseen ones, seen at least min_count times, the most frequent first; `mixed`, the surfaces
    of the table that the training data also writes as one word (there the network decides, in
    context; see Multiword.is_multiword); `complete`: the table holds every surface."""
    as_mwt: dict[str, Counter] = {}
    for s in sentences:
        for form, _, words in s.surface:
            if len(words) > 1 and all(w.strip() for w in words) and \
                    not any(ch.isspace() for ch in form):
                as_mwt.setdefault(form.lower(), Counter())[tuple(w.lower() for w in words)] += 1
    ranked = sorted(as_mwt.items(), key=lambda x: (-sum(x[1].values()), x[0]))[:MAX_TABLE]
    table = {f: list(min(c, key=lambda ws: (-c[ws], ws))) for f, c in ranked}
    whole = {form.lower() for s in sentences for form, _, words in s.surface if len(words) == 1}
    return {"table": dict(sorted(table.items())),
            "suffix": _learn_rules(as_mwt, _suffix_rule, min_count),
            "prefix": _learn_rules(as_mwt, _prefix_rule, min_count),
            "mixed": sorted(f for f in table if f in whole),
            "complete": len(as_mwt) <= MAX_TABLE}


def _learn_rules(as_mwt, rule_of, min_count) -> list:
    hits = Counter()
    for f, c in as_mwt.items():
        for ws, n in c.items():
            r = rule_of(f, ws)
            if r is not None:
                hits[r] += n
    return [[*(x if isinstance(x, str) else list(x) for x in r), n]
            for r, n in sorted(hits.items(), key=lambda x: (-x[1], x[0])) if n >= min_count][:MAX_RULES]


class Multiword:
    """Whether a token is a multiword token, and its words (see `learn_multiword`): as the
    training data wrote it, else by the longest matching suffix rule or prefix rule (first the
    kind whose most frequent rule the training data used more often), else not at all."""

    def __init__(self, learned: dict, lexicon=frozenset()):
        self.table = {k: tuple(v) for k, v in learned.get("table", {}).items()}
        # the training data decides for the tokens it has seen (trained before: None, the
        # network alone): always a multiword token, never one (complete tables only), or both
        self.mixed = frozenset(learned["mixed"]) if "mixed" in learned else None
        self.never = lexicon if learned.get("complete") else frozenset()
        always = [k for k in self.table if k not in (
            self.table if self.mixed is None else self.mixed)]
        self.always_cased = frozenset(v for k in always for v in (k, k.upper(), k.capitalize()))
        self.suffix = {}  # key -> (count, first-word tail, other words)
        for key, tail, rest, n in learned.get("suffix", []):
            self.suffix.setdefault(key, (n, tail, tuple(rest)))
        self.prefix = {}  # key -> (count, first words)
        for key, first, n in learned.get("prefix", []):
            self.prefix.setdefault(key, (n, tuple(first)))
        self.longest = max(map(len, [*self.suffix, *self.prefix]), default=0)
        hits = {side: max((r[0] for r in getattr(self, side).values()), default=0)
                for side in ("suffix", "prefix")}
        self.sides = sorted(hits, key=lambda side: -hits[side])

    def is_multiword(self, token: str, marked: bool) -> bool:
        """Whether a token is a multiword token, given the network's mark: for a token the
        training data wrote the same way each time it saw it, that way."""
        low = token.lower()
        if self.mixed is None or low in self.mixed:
            return marked
        if low in self.table:
            return True
        return marked and low not in self.never

    def words(self, token: str) -> tuple[str, ...]:
        low = token.lower()
        if low in self.table:
            return cased_words(token, self.table[low])
        for side in self.sides:  # the side the training data splits more often first
            for k in range(min(self.longest, len(low) - 1), 0, -1):  # the longest rule
                if side == "suffix" and low[-k:] in self.suffix:
                    _, tail, rest = self.suffix[low[-k:]]
                    return cased_words(token, (low[:-k] + tail, *rest))
                if side == "prefix" and low[:k] in self.prefix:
                    return cased_words(token, (*self.prefix[low[:k]][1], low[k:]))
        return (token,)


# ---------------------------------------------------------------------------------------------
# the network: training windows, a batch, predictions


def paragraph_ids(p: Paragraph, feats: CharFeatures, lexicons, first: int) -> np.ndarray:
    """(n, K) feature ids of a training paragraph whose first sentence is sentence number
    `first`: each sentence's lexicon features from the lexicon of the other fold (lexicons[i %
    2] for sentence i), so that training sees unknown tokens as often as tagging will."""
    both = [feats.encode(p.text, lexicon) for lexicon in lexicons]
    ids = both[0]
    bounds = p.sent_starts + [len(p.text)]
    for i, (a, b) in enumerate(zip(bounds[:-1], bounds[1:])):
        if (first + i) % 2:
            ids[a:b] = both[1][a:b]
    return ids


def windows(paras: list[Paragraph], feats: CharFeatures, width: int, lexicons):
    """Training windows (ids (n, K), labels (n,)), each read as a text of its own and starting
    where a sentence starts; by turns, one holds the whole sentences that fit in `width`
    characters (a longer sentence alone, in pieces), as a line of text does, and the next one
    runs on for `width` characters into the sentence after them, so that the network learns
    sentence ends inside a text as well as at its end."""
    out, first = [], 0

    def add(ids, p, a, b):
        n = len(p.text[a:b].rstrip())
        if p.text[a:a + n].strip():
            x = ids[a:a + n].copy()
            x[-1, 1] = feats.cat_id[END]  # (read as a text of its own)
            out.append((x, p.labels[a:a + n]))

    for p in paras:
        ids = paragraph_ids(p, feats, lexicons, first)
        first += len(p.sent_starts)
        ends = p.sent_starts[1:] + [len(p.text)]
        i = 0
        while i < len(p.sent_starts):
            a = p.sent_starts[i]
            j = i  # the sentences i..j fit in the width (or sentence i alone)
            while j + 1 < len(ends) and ends[j + 1] - a <= width:
                j += 1
            if len(out) % LINE_EVERY == 0 or ends[j] - a > width or j + 1 == len(ends):
                for s in range(a, ends[j], width):  # whole sentences, as a line
                    add(ids, p, s, min(s + width, ends[j]))
            else:  # running text, into sentence j + 1
                add(ids, p, a, a + width)
            i = j + 1
    return out


def predict_labels(params, ids, mask):
    """The most probable label (T, B) for a batch, no dropout; x_c Wxh is a row lookup."""
    S = M.input_layer(params, params["Wxh"], ids, M.n_directions(ARCH))  # x_t Wxh + bh
    logits, _ = M.forward(params, ARCH, None, mask, x0_split=S, probs=False)
    return logits.argmax(axis=2)  # (the softmax keeps the order: no need to compute it)


# ---------------------------------------------------------------------------------------------
# the learned tokenizer


class Segmenter:
    """A trained tokenizer: its network (`params`), character features and multiword tokens.
    `spaced`: the treebank writes tokens with spaces inside (then whitespace ends a token only
    where the network says so)."""

    def __init__(self, params, feats: CharFeatures, multiword: dict, spaced: bool, info=None):
        self.params = params
        self.feats = feats
        self.multiword_learned = multiword
        self.multiword = Multiword(multiword, feats.lexicon)
        self.spaced = spaced
        self.info = dict(info or {})
        # learned: no training sentence starts lower-case (then none is cut before such a word)
        self.upper_case_starts = self.info.get("upper_case_starts", False)
        # learned: a sentence's last full stop is a token of its own, after an abbreviation too
        self.final_period_split = self.info.get("final_period_split", False)
        # learned: no token starts with a combining mark after another token
        self.marks_attach = self.info.get("marks_attach", False)
        # learned: abbreviations (`inc.`) that keep their full stop inside a sentence
        self.abbreviations = frozenset(self.info.get("abbreviations", ()))
        # learned: numbers with spaces between groups of digits (10 000) are one token
        self.spaced_numbers = self.info.get("spaced_numbers", False)

    @functools.cached_property
    def fingerprint(self) -> str:
        """A checksum of the whole tokenizer (ensembles must tokenize alike)."""
        import hashlib
        import json

        from .modelio import weights_sha256
        arrays, meta = self.export()
        meta = {k: v for k, v in meta.items() if k not in ("history", "seconds")}
        return hashlib.sha256((weights_sha256(arrays) + json.dumps(meta, sort_keys=True))
                              .encode()).hexdigest()

    # -- tagging ------------------------------------------------------------------------------

    def labels(self, texts: list[str]) -> list[np.ndarray]:
        """The label of every character of each text (whitespace: -1). Texts longer than
        PIECE are read in overlapping pieces, each character's label from the piece where it is
        furthest from a cut."""
        pieces, where = [], []
        for i, t in enumerate(texts):
            if len(t) <= PIECE:
                pieces.append(t)
                where.append((i, 0, 0, len(t)))
                continue
            step = PIECE - 2 * MARGIN
            for s in range(0, len(t), step):
                a = max(0, s - MARGIN)
                piece = t[a:s + step + MARGIN]
                pieces.append(piece)
                where.append((i, s, s - a, min(step, len(t) - s)))
                if s + step + MARGIN >= len(t):
                    break
        out = [np.full(len(t), -1, dtype=np.int64) for t in texts]
        lengths = [len(p) for p in pieces]
        from .tagger import batches_by_length
        for b in batches_by_length(lengths, max_tokens=16384, max_batch=512):
            items = [(self.feats.encode(pieces[k]), np.zeros(len(pieces[k]), dtype=np.int64))
                     for k in b]
            items = [it if len(it[0]) else (self.feats.encode(" "), np.zeros(1, np.int64))
                     for it in items]
            ids, _, mask = M.make_batch(items)
            pred = predict_labels(self.params, ids, mask.astype(self.params["Why"].dtype))
            for col, k in enumerate(b):
                i, s, off, n = where[k]
                out[i][s:s + n] = pred[off:off + n, col]
        return out

    def tokenize(self, texts: list[str], split: bool = False) -> list[list[list[Token]]]:
        """Each text (whitespace runs collapsed to one space) as sentences of Tokens: one
        sentence per text, or, with `split`, where the network says sentences end."""
        texts = [" ".join(t.split()) for t in texts]
        keep = [i for i, t in enumerate(texts) if t]
        out = [[] for _ in texts]
        if keep:  # all texts at once, joined by a space (where a token always ends)
            ys = self.labels(texts)
            joined = " ".join(texts[i] for i in keep)
            first = np.cumsum([0] + [len(texts[i]) + 1 for i in keep[:-1]])  # offsets in joined
            y = np.full(len(joined), -1, dtype=np.int64)
            for i, a in zip(keep, first.tolist()):
                y[a:a + len(texts[i])] = ys[i]
            for t, sents in self._sentences(joined, y, first, split):
                out[keep[t]].append(sents)
        return out

    def _sentences(self, text: str, y: np.ndarray, first: np.ndarray, split: bool):
        """(number of the text, its next sentence as Tokens) for texts joined by single spaces
        (text number t starts at first[t]), from the characters' labels y: a token ends where
        its label says so, and at a space (in a language with spaces inside tokens, only where
        the label before the space says so, or at a text's end); with `split`, a sentence ends
        where a token's label says so."""
        n = len(text)
        last = np.append(first[1:] - 2, n - 1)  # each text's last character
        code = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        space = code == 32
        before_space = np.append(space[1:], True)  # (the text's end counts as a space)
        end = ~space & ((y > 0) | before_space)
        if self.marks_attach:  # no token ends before a combining mark
            end[[i for i in np.flatnonzero(code[1:] >= 0x300).tolist()
                 if _is_mark(text[i + 1])]] = False
        if self.spaced:  # a space goes on a token whose last letter says 'inside'
            end &= ~(before_space & (y == 0))
        if self.spaced_numbers:  # 10 000 is one token
            for m in _SPACED_NUMBER.finditer(text):
                end[[i - 1 for i in range(m.start(), m.end()) if space[i]]] = False
        end[last] = True
        ends = np.flatnonzero(end)
        starts = np.concatenate([[0], ends[:-1] + 1])
        starts += space[np.minimum(starts, n - 1)]  # (one space at most: runs are collapsed)
        which = np.searchsorted(first, starts, side="right") - 1  # the text of each token
        labels, ends = y[ends], ends + 1
        forms = [text[a:b] for a, b in zip(starts.tolist(), ends.tolist())]
        words = [(f,) for f in forms]
        for k in self._multiword_tokens(forms, labels):
            words[k] = self.multiword.words(forms[k])
        off = first[which]  # offsets within each text:
        toks = [tuple.__new__(Token, t) for t in zip(forms, (starts - off).tolist(),
                                                     (ends - off).tolist(), words,
                                                     before_space[ends - 1].tolist())]
        inner = np.isin(labels, SENTENCE_END) & (ends - 1 != last[which])  # ends in a text
        if not split:
            inner[:] = False
        elif self.upper_case_starts:  # no sentence starts with a lower-case letter
            inner[[k for k in np.flatnonzero(inner).tolist()
                   if k + 1 < len(forms) and forms[k + 1][:1].islower()]] = False
        stops = self._abbreviation_stops(forms, labels, starts, ends, which, inner)
        if stops:  # those full stops back on their abbreviations: one token each
            for k in stops:
                form = toks[k - 1].text + "."
                toks[k] = toks[k]._replace(text=form, start=toks[k - 1].start, words=(form,))
            kept = np.setdiff1d(np.arange(len(toks)), np.array(stops) - 1)
            toks, which, inner = [toks[i] for i in kept.tolist()], which[kept], inner[kept]
        cuts = np.union1d(np.flatnonzero(np.diff(which)) + 1,  # a text's first token
                          np.flatnonzero(inner) + 1)
        bounds = [0, *cuts.tolist(), len(toks)]
        for a, b in zip(bounds[:-1], bounds[1:]):
            yield int(which[a]), _final_period(toks[a:b]) if self.final_period_split \
                else toks[a:b]

    def _multiword_tokens(self, forms, labels) -> list[int]:
        """The numbers of the tokens that are multiword tokens: those the network marks, and
        those the training data always wrote as one, but those it never did (no token with a
        space inside is one)."""
        mw = self.multiword
        marked = np.isin(labels, MULTIWORD_END).tolist()
        maybe = [k for k, (f, m) in enumerate(zip(forms, marked)) if m or f in mw.always_cased]
        return [k for k in maybe if " " not in forms[k] and mw.is_multiword(forms[k], marked[k])]

    def _abbreviation_stops(self, forms, labels, starts, ends, which, cuts) -> list[int]:
        """The tokens `.` that the network split off a learned abbreviation (`Inc` `.`, for
        `inc.`) because it took them for a sentence's end, where no sentence ends (inside a
        line; a cut refused): their token numbers. A sentence's last full stop follows the
        treebank's way; one inside a sentence stays on its abbreviation."""
        if not self.abbreviations:
            return []
        ends_here = np.isin(labels[1:-1], SENTENCE_END) & ~cuts[1:-1]  # (tokens 1 .. n - 2)
        return [k for k in (np.flatnonzero(ends_here) + 1).tolist()
                if forms[k] == "." and which[k - 1] == which[k] == which[k + 1]
                and starts[k] == ends[k - 1]
                and forms[k - 1][-1:].isalnum() and labels[k - 1] not in MULTIWORD_END
                and (forms[k - 1] + ".").lower() in self.abbreviations]

    # -- the model file -----------------------------------------------------------------------

    def export(self) -> tuple[dict, dict]:
        """(arrays for the group `tokenizer.*`, the metadata entry `tokenizer`)."""
        meta = {"chars": self.feats.chars, "categories": self.feats.categories,
                "lexicon": sorted(self.feats.lexicon),
                "hidden": int(self.params["Whh"].shape[1]), "multiword": self.multiword_learned,
                "spaced": self.spaced, "context_rules": self.feats.context_rules, **self.info}
        return dict(self.params), meta

    @classmethod
    def load(cls, arrays: dict, meta: dict, path="model") -> Segmenter:
        """A Segmenter from a model file's `tokenizer` group and metadata, validated."""
        bad = check_stored(arrays, meta)
        if bad:
            raise PostagError(f"{path}: corrupt model: bad tokenizer ({bad})")
        params = {k: np.asarray(v, dtype=np.float32) for k, v in arrays.items()}
        feats = CharFeatures(meta["chars"], meta["categories"], meta["lexicon"], meta["spaced"],
                             meta.get("context_rules", False))
        info = {k: v for k, v in meta.items() if k not in (
            "chars", "categories", "lexicon", "hidden", "multiword", "spaced", "context_rules")}
        return cls(params, feats, meta["multiword"], meta["spaced"], info)


# the yes/no rules a tokenizer may learn besides its network (Segmenter's attributes of these
# names; trained before a rule existed: False), and what `postag info` says where one is learned
LEARNED_RULES = {
    "upper_case_starts": "sentences start upper-case: --split-sentences cuts none before a "
                         "lower-case word",
    "final_period_split": "a sentence's last full stop is a token of its own (U.S. -> U.S .)",
    "marks_attach": "no token starts with a combining mark (it stays on its letter)",
    "spaced_numbers": "numbers with spaces between groups of digits are one token (10 000)",
}


def summary(meta: dict) -> dict:
    """What `postag info` shows of a stored tokenizer (its metadata entry)."""
    mw = meta["multiword"]
    best = max(meta.get("history") or [{}], key=_dev_key)
    return {"hidden": meta["hidden"], "characters": len(meta["chars"]),
            "lexicon": len(meta["lexicon"]), "multiword_tokens": len(mw["table"]),
            "suffix_rules": len(mw["suffix"]), "prefix_rules": len(mw["prefix"]),
            "multiword_mixed": len(mw["mixed"]) if "mixed" in mw else None,
            "words_with_spaces": meta["spaced"], "epochs": meta.get("epochs"),
            **{rule: meta.get(rule, False) for rule in LEARNED_RULES},
            "abbreviations": meta.get("abbreviations", []),
            "train_characters": meta.get("train_chars"), "seconds": meta.get("seconds"),
            "dev_token_f1": best.get("token_f1"), "dev_sentence_f1": best.get("sentence_f1"),
            "examples": [f"{k} = {' '.join(v)}" for k, v in list(mw["table"].items())[:5]]}


def describe(s: dict) -> list[str]:
    """Lines for `postag info` from `summary`."""
    lines = [f"learned tokenizer: bidirectional RNN of {s['hidden']} units over "
             f"{s['characters']:,} characters, lexicon of {s['lexicon']:,} tokens"
             + (f", {s['epochs']} epochs over {s['train_characters']:,} characters"
                if s.get("epochs") else "")]
    if s.get("dev_token_f1") is not None:
        lines.append(f"tokenizer dev: token ends F1 {s['dev_token_f1']:.2%}, sentence ends F1 "
                     f"{s['dev_sentence_f1']:.2%} (characters)")
    if s["multiword_tokens"] or s["suffix_rules"] or s["prefix_rules"]:
        lines.append(f"{s['multiword_tokens']:,} multiword tokens ("
                     + ", ".join(s["examples"]) + (", ..." if s["multiword_tokens"] > 5 else "")
                     + f"), {s['suffix_rules']} suffix and {s['prefix_rules']} prefix rules")
    if s.get("multiword_mixed") is not None:
        n = s["multiword_mixed"]
        lines.append("a token seen in training is a multiword token as the training data always "
                     f"wrote it ({n:,} written both ways: the network decides in context)")
    if s["words_with_spaces"]:
        lines.append("tokens may hold spaces (learned where)")
    lines += [line for rule, line in LEARNED_RULES.items() if s.get(rule)]
    if s.get("abbreviations"):
        a = s["abbreviations"]
        lines.append((f"{len(a):,} abbreviations keep their" if len(a) > 1 else
                      "1 abbreviation keeps its") + " full stop inside a sentence ("
                     + ", ".join(a[:5]) + (", ..." if len(a) > 5 else "") + ")")
    return lines


def _is_str_list(x) -> bool:
    """A list of non-empty strings."""
    return isinstance(x, list) and all(isinstance(s, str) and s for s in x)


def check_stored(arrays: dict, meta) -> str | None:
    """What is wrong with a stored tokenizer, or None."""
    if not isinstance(meta, dict):
        return "its metadata is not an object"
    chars, cats, hidden = meta.get("chars"), meta.get("categories"), meta.get("hidden")
    if not (_is_str_list(chars) and len(set(chars)) == len(chars)
            and all(len(c) == 1 for c in chars)):
        return "character vocabulary"
    if not (_is_str_list(cats) and END in cats and UNK in cats
            and len(set(cats)) == len(cats)):
        return "category vocabulary"
    if not (_is_str_list(meta.get("lexicon")) and len(meta["lexicon"]) <= MAX_LEXICON
            and all(w == " ".join(w.split()) for w in meta["lexicon"])):
        return "lexicon"
    if not (type(hidden) is int and 1 <= hidden <= 1024):
        return f"hidden size {hidden!r}"
    if not isinstance(meta.get("spaced"), bool):
        return "spaced setting"
    if not isinstance(meta.get("context_rules", False), bool):
        return "context_rules setting"
    for rule in LEARNED_RULES:
        if not isinstance(meta.get(rule, False), bool):
            return f"{rule} setting"
    abbr = meta.get("abbreviations", [])
    if not (_is_str_list(abbr) and len(abbr) <= MAX_LEXICON
            and all(len(w) > 1 and w.endswith(".") and w == w.lower() for w in abbr)):
        return "abbreviations"
    bad = _check_multiword(meta.get("multiword"))
    if bad:
        return bad
    expected = M.param_shapes(len(CharFeatures(chars, cats, (), meta["spaced"])), len(LABELS),
                              hidden, ARCH, 1)
    if set(arrays) != set(expected):
        return f"weights {sorted(arrays)}, expected {sorted(expected)}"
    for name, shape in expected.items():
        a = arrays[name]
        if a.shape != shape or a.dtype not in (np.float32, np.float64) or \
                not np.isfinite(a).all():
            return f"weights {name}"
    return None


def _check_multiword(mw) -> str | None:
    keys = {"table", "suffix", "prefix"}
    if not (isinstance(mw, dict) and set(mw) in (keys, keys | {"mixed", "complete"})):
        return "multiword tokens"
    table = mw["table"]
    if not (isinstance(table, dict) and all(isinstance(k, str) and k and _is_str_list(v)
                                            and len(v) >= 2 for k, v in table.items())):
        return "multiword token table"
    if "mixed" in mw and not (_is_str_list(mw["mixed"]) and set(mw["mixed"]) <= set(table)
                              and isinstance(mw["complete"], bool)):
        return "multiword tokens written both ways"
    for r in mw["suffix"] if isinstance(mw["suffix"], list) else [None]:
        if not (isinstance(r, list) and len(r) == 4 and isinstance(r[0], str) and r[0]
                and isinstance(r[1], str) and _is_str_list(r[2]) and r[2]
                and type(r[3]) is int and r[3] > 0):
            return "multiword suffix rules"
    for r in mw["prefix"] if isinstance(mw["prefix"], list) else [None]:
        if not (isinstance(r, list) and len(r) == 3 and isinstance(r[0], str) and r[0]
                and _is_str_list(r[1]) and r[1] and type(r[2]) is int and r[2] > 0):
            return "multiword prefix rules"
    return None


# ---------------------------------------------------------------------------------------------
# training


def char_accuracy(seg: Segmenter, paras: list[Paragraph]) -> dict:
    """Token-end F1 (an end with its right label) and sentence-end F1 over dev paragraphs (read
    as whole texts)."""
    preds = seg.labels([p.text for p in paras])
    tp = fp = fn = stp = sfp = sfn = 0
    for p, y in zip(paras, preds):
        g = p.labels
        real = g >= 0
        same = y == g
        tp += int((real & (g > 0) & same).sum())
        fp += int((real & (y > 0) & ~same).sum())
        fn += int((real & (g > 0) & ~same).sum())
        ps, gs = np.isin(y, SENTENCE_END) & real, np.isin(g, SENTENCE_END) & real
        stp += int((ps & gs).sum())
        sfp += int((ps & ~gs).sum())
        sfn += int((~ps & gs).sum())

    def f1(a, b, c):
        return 2 * a / max(2 * a + b + c, 1)
    return {"token_f1": f1(tp, fp, fn), "sentence_f1": f1(stp, sfp, sfn)}


def epochs_for(n_chars: int, config: SegmenterConfig) -> int:
    return int(min(config.max_epochs, max(config.min_epochs,
                                          math.ceil(config.chars_per_run / max(n_chars, 1)))))


def is_spaced(sentences) -> bool:
    """Whether the treebank writes tokens with spaces inside often enough to learn them (one
    token in 200)."""
    n = spaced = 0
    for s in sentences:
        for form, _, _ in s.surface:
            n += 1
            spaced += " " in form.strip()
    return spaced * 200 >= max(n, 1)


MIN_SENTENCES = 100  # sentences that show it, for final_period_split and upper_case_starts


def _final_period(sent: list) -> list:
    """The sentence with the full stop of its last token, after a letter or digit, a token of its
    own (`U.S.` -> `U.S` `.`), unless that token is a multiword token."""
    t = sent[-1]
    if len(t.text) < 2 or t.text[-1] != "." or not t.text[-2].isalnum() or len(t.words) > 1:
        return sent
    return [*sent[:-1], t._replace(text=t.text[:-1], end=t.end - 1, words=(t.text[:-1],),
                                   space_after=False),
            t._replace(text=".", start=t.end - 1, words=(".",))]


def final_period_split(sentences) -> bool:
    """Whether the treebank ends its sentences with a full stop of its own after a letter or
    digit (`ago .`), never kept on the last token (`U.S.`): in all but one in 100 of at least
    MIN_SENTENCES sentences that end so. The network alone keeps a known abbreviation's
    full stop at the end (its lexicon feature has `U.S.` whole)."""
    split = whole = 0
    for s in sentences:
        sf = s.surface
        if not sf:
            continue
        last = sf[-1][0]
        if last == "." and len(sf) > 1 and sf[-2][1] and sf[-2][0][-1:].isalnum():
            split += 1
        elif len(last) > 1 and last[-1] == "." and last[-2].isalnum():
            whole += 1
    return split + whole >= MIN_SENTENCES and whole * 100 <= split + whole


def spaced_numbers(sentences, min_count: int = 2) -> bool:
    """Whether the treebank writes numbers with spaces between groups of three digits as one
    token (10 000): at least min_count times, and nine times in ten or more."""
    whole = split = 0
    for s in sentences:
        st = sentence_text(s)
        if st is not None:
            text, spans = st
            for m in _SPACED_NUMBER.finditer(text):
                whole, split = (whole + 1, split) if m.span() in spans else (whole, split + 1)
    return whole >= min_count and split * 10 <= whole + split


MAX_LOWER_STARTS = 0.001  # the share of sentences starting lower-case that upper_case_starts allows


def upper_case_starts(sentences) -> bool:
    """Whether the treebank begins every sentence that begins with a cased letter with an
    upper-case one (but one in 1,000), in MIN_SENTENCES sentences at least. Vietnamese VTB
    does, EWT does not (`lol`); --split-sentences then ends no sentence before a lower-case
    word, where the network alone took `...` for a sentence end."""
    low = up = 0
    for s in sentences:
        c = s.surface[0][0][:1] if s.surface else ""
        low += c.islower()
        up += c.isupper()
    return low + up >= MIN_SENTENCES and low <= MAX_LOWER_STARTS * (low + up)


@functools.lru_cache(maxsize=4096)
def _is_mark(ch: str) -> bool:
    """A combining mark (Unicode category M*: accents, vowel signs, viramas)."""
    return ch >= "\u0300" and _category(ch)[0] == "M"


_MAYBE_MARK = re.compile("[^\x00-\u02ff]")  # (a character from U+0300 on: combining marks are there)
MAX_MARK_STARTS = 0.001  # the share of combining marks starting a token that marks_attach allows


def marks_attach(sentences) -> bool:
    """Whether the treebank keeps every combining mark on the character before it: of the marks
    that follow a character other than a space in its text, at most one in 1,000 starts a token
    (none there: true, as Unicode has it). --split-sentences and tagging then never cut a token
    before a combining mark (the network alone can, on letters it has not seen: नमस ् ते)."""
    inside = starts = 0
    for s in sentences:
        glued = False  # the previous token has SpaceAfter=No
        for form, no_space, _ in s.surface:
            if _MAYBE_MARK.search(form):
                marks = [k for k, c in enumerate(form) if _is_mark(c)]
                starts += glued and marks[:1] == [0]
                inside += sum(1 for k in marks if k > 0)
            glued = no_space
    return starts <= MAX_MARK_STARTS * (starts + inside)


def _dev_key(h: dict) -> float:
    """How an epoch's dev scores rank (token ends first)."""
    return h.get("token_f1", 0.0) + h.get("sentence_f1", 0.0) / 4


def _training_data(train_sents, config: SegmenterConfig):
    """(features, training windows) of the usable sentences, or (None, why)."""
    paras, bad = paragraphs(train_sents)
    n_sents = len(train_sents)
    if n_sents - bad < max(1, n_sents // 2):
        return None, (f"{bad} of {n_sents} sentences have no usable surface text (FORM _, or a "
                      "'# text' that does not spell the tokens)")
    feats = CharFeatures.build((p.text for p in paras), lexicon_of(train_sents),
                               spaced=is_spaced(train_sents))
    usable = [s for s in train_sents if sentence_text(s) is not None]
    lexicons = [lexicon_of(usable[1::2]), lexicon_of(usable[0::2])]  # of the other fold
    data = windows(paras, feats, config.window, lexicons)
    return (feats, data) if data else (None, "no text to learn from")


def _epoch(params, opt, data, config: SegmenterConfig, rng, dtype) -> float:
    """One pass over the windows in random order, in minibatches; the mean loss per label."""
    order = rng.permutation(len(data))
    total, count = 0.0, 0
    for i in range(0, len(order), config.batch_size):
        ids, tags, mask = M.make_batch([data[k] for k in order[i:i + config.batch_size]])
        loss, grads = M.loss_and_grads(params, ARCH, M.Batch(ids, tags, mask.astype(dtype)),
                                       M.Noise(rng, config.dropout))
        n = int(((tags >= 0) & (mask > 0)).sum())
        opt.step(params, grads, 1.0 / max(n, 1))  # Adagrad on the mean gradient per label
        total, count = total + loss, count + n
    return total / max(count, 1)


def learn(train_sents, dev_sents=None, config: SegmenterConfig = SegmenterConfig(), log=None,
          dtype=np.float32):
    """Train a Segmenter on training sentences (TaggedSentence), keeping the epoch with the best
    dev score when dev sentences are given. Returns (Segmenter, None), or (None, why) when the
    training file has no usable surface text."""
    from .training import Adagrad
    log = log or (lambda m: None)
    feats, data = _training_data(train_sents, config)
    if feats is None:
        return None, data
    dev_paras = paragraphs(dev_sents)[0] if dev_sents else []
    n_chars = sum(len(x) for x, _ in data)
    epochs = epochs_for(n_chars, config)
    params = M.init_params(len(feats), len(LABELS), config.hidden, ARCH, 1, seed=config.seed,
                           dtype=dtype)
    opt = Adagrad(params, config.lr, config.clip, config.lr_embed)
    seg = Segmenter(params, feats, learn_multiword(train_sents), is_spaced(train_sents))
    best, history, t0 = None, [], time.time()
    for epoch in range(1, epochs + 1):
        loss = _epoch(params, opt, data, config, np.random.default_rng([config.seed, 7, epoch]),
                      dtype)
        history.append({"epoch": epoch, "loss": loss,
                        **(char_accuracy(seg, dev_paras) if dev_paras else {})})
        if best is None or not dev_paras or _dev_key(history[-1]) > max(
                map(_dev_key, history[:-1])):
            best = {k: v.copy() for k, v in params.items()}
    kept = max(history, key=_dev_key) if dev_paras else history[-1]
    log(f"raw text: tokenizer of {config.hidden} units, {epochs} epochs over {n_chars:,} "
        "characters" + (f"; the best on dev: epoch {kept['epoch']}, token ends F1 "
                        f"{kept['token_f1']:.2%}, sentence ends F1 {kept['sentence_f1']:.2%}"
                        if dev_paras else ""))
    info = {"config": asdict(config), "epochs": epochs, "train_chars": n_chars,
            "upper_case_starts": upper_case_starts(train_sents),
            "final_period_split": final_period_split(train_sents),
            "marks_attach": marks_attach(train_sents),
            "abbreviations": learn_abbreviations(train_sents),
            "spaced_numbers": spaced_numbers(train_sents),
            "seconds": round(time.time() - t0, 1), "history": history}
    return Segmenter(best, feats, seg.multiword_learned, seg.spaced, info), None
