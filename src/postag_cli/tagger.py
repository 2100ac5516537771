"""The Python API: a trained model that tags words, sentences and raw text.

    tagger = Tagger.load("model.npz")
    tagger.tag(["The", "cat", "sat"])          # -> ['DET', 'NOUN', 'VERB']
    tagger.tag_text("The cat sat.")            # -> [('The', 'DET'), ('cat', 'NOUN'), ...]
    tagger.tag_sents([["Hi", "!"], ["Bye"]])   # many sentences, batched

The CLI is a thin layer over this class.
"""

from __future__ import annotations

import numpy as np

from . import model as M
from .features import Features
from .modelio import load_model, weights_sha256

MAX_SEGMENT = 1000  # longer sentences are tagged in pieces, so memory stays bounded
BATCH_TOKENS = 16384  # words per forward pass


def batches_by_length(lengths, max_tokens=BATCH_TOKENS, max_batch=512):
    """Group sentence indices into batches of similar length (less padding), as lists."""
    order = np.argsort(lengths, kind="stable")
    batch, longest = [], 0
    for i in order:
        n = max(int(lengths[i]), 1)
        if batch and (max(longest, n) * (len(batch) + 1) > max_tokens or len(batch) >= max_batch):
            yield batch
            batch, longest = [], 0
        batch.append(int(i))
        longest = max(longest, n)
    if batch:
        yield batch


def pad_ids(seqs, K):
    """Time-major ids (T, B, K) and mask (T, B) for a list of (n_i, K) id arrays."""
    T = max(max((len(s) for s in seqs), default=1), 1)
    ids = np.zeros((T, len(seqs), K), dtype=np.int64)
    mask = np.zeros((T, len(seqs)), dtype=np.float32)
    for b, s in enumerate(seqs):
        ids[:len(s), b] = s
        mask[:len(s), b] = 1.0
    return ids, mask


class Tagger:
    """A loaded model. `tags` is the tagset, `meta` the settings and training metadata."""

    def __init__(self, params, features: Features, tags, meta):
        self.params = {k: np.asarray(v, dtype=np.float32) for k, v in params.items()}
        self.features = features
        self.tags = list(tags)
        self.meta = dict(meta)
        self.arch = meta["arch"]

    @classmethod
    def load(cls, path, verify=False) -> "Tagger":
        """Load a model file (validated, never unpickled). With verify=True, also check the
        weights against the sha256 recorded at training time."""
        from .errors import PostagError
        params, features, tags, meta, _ = load_model(path)
        if verify:
            digest = weights_sha256(params)
            if digest != meta.get("weights_sha256"):
                raise PostagError(f"{path}: weights do not match their recorded sha256 "
                                  f"(recorded {meta.get('weights_sha256')}, found {digest})")
        return cls(params, Features(features, meta["templates"], meta.get("chars", ())), tags,
                   meta)

    # -- probabilities ------------------------------------------------------------------------

    def probabilities(self, sents) -> list[np.ndarray]:
        """Tag distributions, one (n_i, C) float32 array per sentence (a list of words)."""
        sents = [list(s) for s in sents]
        encoded = [self.features.encode(s) for s in sents]
        return self.probabilities_encoded(encoded, sents)

    def probabilities_encoded(self, encoded, forms) -> list[np.ndarray]:
        """Like `probabilities`, for sentences already encoded by `features.encode`."""
        # split over-long sentences into segments, tag segments in length-sorted batches
        segs, seg_forms, owner = [], [], []
        for i, e in enumerate(encoded):
            for start in range(0, max(len(e), 1), MAX_SEGMENT):
                segs.append(e[start:start + MAX_SEGMENT])
                seg_forms.append(forms[i][start:start + MAX_SEGMENT])
                owner.append(i)
        use_chars = "Wxc" in self.params
        K = len(self.features.templates)
        out_segs: list = [None] * len(segs)
        lengths = np.array([len(s) for s in segs])
        for batch in batches_by_length(lengths):
            ids, mask = pad_ids([segs[i] for i in batch], K)
            chars = self.features.char_batch([seg_forms[i] for i in batch], ids.shape[0]) \
                if use_chars else None
            P = M.predict(self.params, self.arch, ids, mask, chars)  # (T, B, C)
            for b, i in enumerate(batch):
                out_segs[i] = P[:len(segs[i]), b]
        out: list = [[] for _ in encoded]
        for i, p in zip(owner, out_segs):
            out[i].append(p)
        C = len(self.tags)
        return [np.concatenate(ps) if ps else np.zeros((0, C), np.float32) for ps in out]

    # -- tags ---------------------------------------------------------------------------------

    def tag(self, words) -> list[str]:
        """Tags for one tokenized sentence."""
        return self.tag_sents([list(words)])[0]

    def tag_sents(self, sents) -> list[list[str]]:
        """Tags for many tokenized sentences (batched; ties go to the first tag in the tagset)."""
        return [[self.tags[j] for j in p.argmax(axis=1)] for p in self.probabilities(sents)]

    def tag_text(self, text: str) -> list[tuple[str, str]]:
        """Tokenize one sentence of raw text (UD English conventions) and tag it."""
        from .tokenizer import tokenize_words
        words = tokenize_words(text)
        return list(zip(words, self.tag(words)))

    def top_k(self, probs: np.ndarray, k: int) -> list[list[tuple[str, float]]]:
        """The k most probable (tag, probability) pairs for each word of one sentence."""
        k = max(1, min(k, len(self.tags)))
        order = np.argsort(-probs, axis=1, kind="stable")[:, :k]
        return [[(self.tags[j], float(p[j])) for j in row] for p, row in zip(probs, order)]

    def is_known(self, word: str) -> bool:
        """Whether the word was seen in training (its word feature is in the vocabulary)."""
        return self.features.is_known(word)
