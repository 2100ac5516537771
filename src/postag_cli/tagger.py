"""The Python API: a trained model that tags words, sentences and raw text.

    tagger = Tagger.load("model.npz")
    tagger.tag(["The", "cat", "sat"])          # -> ['DET', 'NOUN', 'VERB']
    tagger.tag_text("The cat sat.")            # -> [('The', 'DET'), ('cat', 'NOUN'), ...]
    tagger.tag_sents([["Hi", "!"], ["Bye"]])   # many sentences, batched

The CLI is a thin layer over this class.
"""

from __future__ import annotations

import os

import numpy as np

from . import model as M
from .features import Features
from .modelio import load_model, weights_sha256

MAX_SEGMENT = 1000  # longer sentences are tagged in pieces, so memory stays bounded
BATCH_TOKENS = 3072  # words per forward pass (small batches stay in cache: faster)
TYPE_CACHE = 50_000  # word forms whose input vectors are kept


def batches_by_length(lengths, max_tokens=BATCH_TOKENS, max_batch=1024):
    """Group sentence indices into batches of similar length (less padding), as arrays: in
    order of length, each batch takes as many sentences as fit in max_tokens padded words
    (at least one, at most max_batch)."""
    order = np.argsort(lengths, kind="stable")
    L = np.maximum(np.asarray(lengths)[order], 1)
    i = 0
    while i < len(order):
        k = np.arange(1, min(max_batch, len(order) - i) + 1)
        cost = L[i:i + len(k)] * k  # padded size with k sentences: increasing in k
        n = max(int(np.searchsorted(cost, max_tokens, side="right")), 1)
        yield order[i:i + n]
        i += n


def _words(sent) -> list[str]:
    """A tokenized sentence as a list of strings; a plain string is refused (it would be tagged
    character by character), as is anything but strings in it."""
    if isinstance(sent, str):
        raise TypeError("a sentence is a list of words, not a string (use tag_text for raw text)")
    words = list(sent)
    for w in words:
        if not isinstance(w, str):
            raise TypeError(f"words must be strings, not {type(w).__name__} ({w!r})")
        if not w or w.isspace():
            raise ValueError(f"a word must have a character that is not whitespace, not {w!r}")
    return words


class _Tagging:
    """Tagging methods shared by Tagger and Ensemble; they need `flat_probabilities`, `tags`,
    `is_known` and `lexicon`."""

    def tag(self, words) -> list[str]:
        """Tags for one tokenized sentence (a list of strings)."""
        return self.tag_sents([words])[0]

    def tag_sents(self, sents) -> list[list[str]]:
        """Tags for many tokenized sentences (batched; ties go to the first tag in the tagset)."""
        sents = [_words(s) for s in sents]
        return [[self.tags[j] for j in p.argmax(axis=1)] for p in self.probabilities(sents)]

    @property
    def multiword(self) -> bool:
        """Whether raw text gets the English (EWT) multiword splits (don't -> do n't): only
        when the training data had them, i.e. the vocabulary holds the word n't."""
        from .tokenizer import ENGLISH_MARK
        return self.is_known(ENGLISH_MARK)

    def probabilities(self, sents) -> list[np.ndarray]:
        """Tag distributions, one (n_i, C) float32 array per sentence (a list of words)."""
        if isinstance(sents, str):
            raise TypeError("probabilities takes a list of sentences (lists of words), not a "
                            "string")
        sents = [_words(s) for s in sents]
        return _split_sentences(self.flat_probabilities(sents), sents)

    def tag_text(self, text: str) -> list[tuple[str, str]]:
        """Tokenize one sentence of raw text (by the model's learned tokenizer; a model older
        than it: UD English conventions and what its training data shows; taken in NFC, as
        `postag tag` does) and tag it."""
        if not isinstance(text, str):
            raise TypeError(f"tag_text takes a string, not {type(text).__name__}")
        from .features import nfc
        words = [w for t in self.tokenize([nfc(text)])[0] for w in t.words]
        return list(zip(words, self.tag(words)))

    def tokenize(self, texts) -> list[list]:
        """Each text, one sentence, as its Tokens: by the learned tokenizer, or (a model older
        than it, or trained on text it could not learn from) by the rules."""
        seg = self.segmenter
        if seg is not None:
            return [[t for s in sents for t in s] for sents in seg.tokenize(list(texts))]
        from .tokenizer import tokenize
        return [tokenize(t, self.multiword, self.lexicon) for t in texts]

    def split_sentences(self, paragraphs) -> list[list[str]]:
        """The sentences of each paragraph of text (whitespace runs collapsed in the learned
        tokenizer's): where the learned tokenizer says sentences end, or by the rules."""
        seg = self.segmenter
        if seg is None:
            from .tokenizer import split_sentences
            return [split_sentences(p, self.lexicon.abbreviations) for p in paragraphs]
        out = []
        for p, sents in zip(paragraphs, seg.tokenize(list(paragraphs), split=True)):
            p = " ".join(p.split())
            out.append([p[s[0].start:s[-1].end] for s in sents])
        return out

    def top_k(self, probs: np.ndarray, k: int) -> list[list[tuple[str, float]]]:
        """The k most probable (tag, probability) pairs for each word of one sentence (probs:
        one (n, C) array of `probabilities`); k above the number of tags gives them all."""
        probs = np.asarray(probs)
        if probs.ndim != 2 or probs.shape[1] != len(self.tags):
            raise ValueError(f"probs must be one sentence's (words, {len(self.tags)}) array, "
                             f"not of shape {probs.shape}")
        if k < 1:
            raise ValueError(f"k must be at least 1, not {k}")
        k = min(k, len(self.tags))
        order = np.argsort(-probs, axis=1, kind="stable")[:, :k]
        return [[(self.tags[j], float(p[j])) for j in row] for p, row in zip(probs, order)]


class Tagger(_Tagging):
    """A loaded model. `tags` is the tagset, `meta` the settings and training metadata."""

    def __init__(self, params, features: Features, tags, meta, tokenizer=None):
        """tokenizer: the arrays of a learned tokenizer (group `tokenizer` of the file)."""
        self.params = {k: np.asarray(v, dtype=np.float32) for k, v in params.items()}
        self.features = features
        self.tags = list(tags)
        self.meta = dict(meta)
        self.arch = meta["arch"]
        D, H = M.n_directions(self.arch), self.params["Whh"].shape[1]
        self._type_cache = np.empty((TYPE_CACHE, D, H), dtype=np.float32)
        self._type_index: dict[str, int] = {}
        self._lexicon = None  # (built on first use)
        self.segmenter = None  # the learned tokenizer, when the model has one
        if tokenizer is not None and "tokenizer" in self.meta:
            from .segmenter import Segmenter
            self.segmenter = Segmenter.load(tokenizer, self.meta["tokenizer"])

    @property
    def lexicon(self):
        """What the tokenizer learns from the training data (`lexicon.model_lexicon`): the
        words of scripts written without spaces (Chinese, Japanese, Thai, ...), by which such
        text is cut into words; and, but for an English model, which has its rules, the
        multiword tokens (`du` -> `de le`), elided words (`l'homme` -> `l' homme`),
        abbreviations (`usw.`), whether hyphenated words are one token (`peut-être`) and the
        words written with spaces (`sinh viên`)."""
        if self._lexicon is None:
            from .lexicon import model_lexicon
            self._lexicon = model_lexicon(self.features.words(), self.meta, self.multiword)
        return self._lexicon

    @classmethod
    def load(cls, path, verify=False) -> Tagger:
        """Load a model file (validated, never unpickled). With verify=True, also check the
        weights against the sha256 recorded at training time."""
        from .errors import PostagError
        params, features, tags, meta, extra = load_model(path)
        if verify:
            digest = weights_sha256(params)
            if digest != meta.get("weights_sha256"):
                raise PostagError(f"{path}: weights do not match their recorded sha256 "
                                  f"(recorded {meta.get('weights_sha256')}, found {digest})")
        return cls(params, Features(features, meta["templates"], meta.get("chars", ())), tags,
                   meta, extra.get("tokenizer"))

    # -- probabilities ------------------------------------------------------------------------

    def flat_probabilities(self, sents) -> np.ndarray:
        """Tag distributions of all words of the sentences (lists of words), (words, C).

        A word's input vector depends only on its form, so it is computed once per distinct
        form (features, character RNN; kept in a bounded cache across calls) and gathered per
        token; the recurrent layers then run on length-sorted batches. Sentences longer than
        MAX_SEGMENT words are cut into pieces. Tokens are handled as one flat array: sentence i
        is positions start[i] .. start[i] + n_i."""
        sents = [s if isinstance(s, list) else list(s) for s in sents]
        tokens = [w for s in sents for w in s]
        types = {w: i for i, w in enumerate(dict.fromkeys(tokens))}  # in order of appearance
        flat = np.fromiter(map(types.__getitem__, tokens), dtype=np.int64, count=len(tokens))
        lens = np.fromiter(map(len, sents), dtype=np.int64, count=len(sents))
        C = len(self.tags)
        out = np.zeros((len(flat), C), dtype=np.float32)
        if len(flat):
            X_types = self.type_vectors(list(types))  # (U, D, H): x Wxh + c Wcx per type
            D = X_types.shape[1]
            # segments of at most MAX_SEGMENT words: (start in flat, length)
            pieces = np.maximum((lens + MAX_SEGMENT - 1) // MAX_SEGMENT, 1)
            first = np.repeat(np.cumsum(lens) - lens, pieces)
            k = np.arange(len(first)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
            seg_start = first + k * MAX_SEGMENT
            seg_len = np.minimum(np.repeat(lens, pieces) - k * MAX_SEGMENT, MAX_SEGMENT)
            seg_start, seg_len = seg_start[seg_len > 0], seg_len[seg_len > 0]
            for b in batches_by_length(seg_len):
                T = int(seg_len[b].max())
                real = np.arange(T)[None, :] < seg_len[b][:, None]  # (B, T)
                pos = np.where(real, seg_start[b][:, None] + np.arange(T)[None, :], 0)
                type_pad = flat[pos].T  # (T, B) type of each word, padding: any type
                mask = real.T.astype(np.float32)
                S = M.input_layer(self.params, X_types, type_pad, D)  # x_t Wxh + bh, split
                P = M.predict(self.params, self.arch, None, mask, x0_split=S)  # (T, B, C)
                out[pos[real]] = P.transpose(1, 0, 2)[real]
        return out

    def type_vectors(self, forms) -> np.ndarray:
        """Layer-0 pre-activations x Wxh + c Wcx of distinct word forms (before the bias), (U, D, H).
        Vectors are cached for at most TYPE_CACHE forms; a full cache is emptied."""
        cache, index = self._type_cache, self._type_index
        if not forms or len(forms) > len(cache):
            return self._compute_type_vectors(forms)
        new = [f for f in forms if f not in index]
        if len(index) + len(new) > len(cache):
            index.clear()
            new = list(forms)
        if new:
            first = len(index)
            cache[first:first + len(new)] = self._compute_type_vectors(new)
            index.update(zip(new, range(first, first + len(new))))
        return cache[np.fromiter((index[f] for f in forms), dtype=np.int64, count=len(forms))]

    def _compute_type_vectors(self, forms) -> np.ndarray:
        shape = (len(forms),) + self._type_cache.shape[1:]
        if not forms:
            return np.zeros(shape, dtype=np.float32)
        ids = np.stack([self.features.encode_word(f) for f in forms])
        chars = self.features.char_batch([forms], len(forms)) if "Wxc" in self.params else None
        V = M.type_forward(self.params, ids, chars, mm=M.stable_matmul)[0]  # (rows: see there)
        return V.reshape(shape)

    def is_known(self, word: str) -> bool:
        """Whether the word was seen in training (its word feature is in the vocabulary)."""
        return self.features.is_known(word)


class Ensemble(_Tagging):
    """Several models used as one: their tag distributions are averaged. The models must share
    the tagset and tag column (e.g. the same training run with different --seed)."""

    def __init__(self, members, paths=None):
        self.members = list(members)
        first = self.members[0]
        for i, m in enumerate(self.members[1:], 1):
            if m.tags != first.tags or m.meta.get("tag_column") != first.meta.get("tag_column"):
                from .errors import PostagError
                which = f"{paths[i]} and {paths[0]}: " if paths else ""
                raise PostagError(f"{which}the models of an ensemble must have the same tagset "
                                  "and tag column")
        self.tags = first.tags
        self.meta = {**first.meta, "ensemble": len(self.members)}
        self.paths = paths

    @classmethod
    def load(cls, paths, verify=False) -> "Ensemble":
        return cls([Tagger.load(p, verify=verify) for p in paths], [str(p) for p in paths])

    def flat_probabilities(self, sents) -> np.ndarray:
        """The mean of the members' tag distributions of all words, (words, C)."""
        sents = [s if isinstance(s, list) else list(s) for s in sents]
        total = self.members[0].flat_probabilities(sents)
        for m in self.members[1:]:
            total = total + m.flat_probabilities(sents)
        return total / len(self.members)

    def is_known(self, word: str) -> bool:
        """Whether a member saw the word in training (the same whatever the models' order)."""
        return any(m.is_known(word) for m in self.members)

    @property
    def multiword(self) -> bool:
        return self._raw_text()[0]

    @property
    def lexicon(self):
        return self._raw_text()[1]

    @property
    def segmenter(self):
        return self._raw_text()[2]

    def _raw_text(self):
        """How the members tokenize raw text, which must be the same for all (it depends on
        their training data), so that no member's order decides it."""
        def how(m):
            seg = m.segmenter
            return m.multiword, m.lexicon, None if seg is None else seg.fingerprint
        first = how(self.members[0])
        for i, m in enumerate(self.members[1:], 1):
            if how(m) != first:
                from .errors import PostagError
                which = f"{self.paths[i]} and {self.paths[0]}: " if self.paths else ""
                raise PostagError(f"{which}the models tokenize raw text differently (their "
                                  "training data differ); give them tokenized text "
                                  "(--pretokenized) or CoNLL-U, or use one model")
        return (*first[:2], self.members[0].segmenter)


def _split_sentences(flat, sents) -> list[np.ndarray]:
    """Rows of `flat` (all words) cut into one array per sentence."""
    if not sents:
        return []
    return np.split(flat, np.cumsum([len(s) for s in sents])[:-1])


def load_tagger(paths, verify=False):
    """A Tagger for one model path, an Ensemble for several."""
    paths = [paths] if isinstance(paths, (str, bytes)) or not hasattr(paths, "__iter__") \
        else list(paths)
    paths = [os.fsdecode(p) if isinstance(p, bytes) else p for p in paths]
    if not paths:
        raise ValueError("load_tagger needs at least one model path")
    return Tagger.load(paths[0], verify=verify) if len(paths) == 1 else \
        Ensemble.load(paths, verify=verify)
