"""The tagging network: an Elman RNN over one-hot word features, forward and backward by hand.

Seed architecture (``arch="rnn"``), min-char-rnn applied to tagging, with row vectors:

    h_t = tanh(x_t Wxh + h_{t-1} Whh + bh)      # x_t: one-hot (or multi-hot) features of word t
    p_t = softmax(h_t Why + by)                 # distribution over tags
    loss = sum_t -log p_t[gold_t]

``x_t Wxh`` with a one-hot ``x_t`` is the row ``Wxh[i]``; with several one-hot features (word,
suffixes, shape, ...) it is the sum of their rows. It is always a row lookup, never a product.

``arch="birnn"`` adds a second RNN reading the sentence right to left and feeds both states
to the output layer: ``p_t = softmax([hf_t, hb_t] Why + by)``. ``layers > 1`` stacks RNNs, the
states of one layer being the (dense) input of the next.

Layout: time-major. A batch of B sentences padded to length T has feature ids ``ids`` (T, B, K)
and a mask (T, B) that is 1 on real words and 0 on padding; padding adds no loss and no gradient.
Tags (T, B) are -1 where there is no gold tag (padding, or a word whose tag is `_`): such a
word is read like any other and only adds no loss.
Inside a layer the directions are stacked on an axis of their own, (T, D, B, H) with D = 1 or 2,
the backward direction stored in reversed time, so one loop and one batched matmul per step
serve both directions. The mask zeroes the state on padding, so the right-to-left RNN starts
each sentence from h = 0 at its last real word.

Parameters, per layer l (suffix "" for layer 0, "1", "2", ... above it):
    Wxh  (F, D*H) for layer 0, (D*H, D*H) above: input -> hidden, columns [forward | backward]
    Whh  (D, H, H)   hidden -> hidden, one matrix per direction
    bh   (D*H,)      hidden bias
and the output layer Why (D*H, C), by (C,).

Optional character model (``char_hidden = Hc > 0``): a bidirectional RNN reads the characters
of each distinct word form in the batch; its two final states c_w = [cf_last, cb_first] add
``c_w Wcx`` to the word's layer-0 input, which lets unseen words be tagged by their spelling:
    Wxc  (n_chars, 2*Hc)   character one-hot -> character hidden, [forward | backward]
    Whc  (2, Hc, Hc)       character hidden -> hidden
    bc   (2*Hc,)
    Wcx  (2*Hc, D*H)       character summary -> word RNN input

A word's layer-0 input x_w Wxh (+ c_w Wcx) depends only on its features and spelling, so it is
computed once per distinct word type of the batch (`type_vectors`) and gathered per position;
backward sums the positions' gradients per type first (`type_backward`).

Adversarial training (``adversarial = eps > 0``, Miyato et al. 2017, Yasunaga et al. 2018): each
minibatch is run twice, the second time with every word vector moved by r_t in the direction
that raises the loss fastest, r = eps * sqrt(n) * g / ||g|| with g = dloss/dx over the n words
of the sentence (so eps is the mean length of r_t), held constant. The loss is the sum of both
passes. The second pass reuses the first one's type vectors (its dropout masks are new: the
first pass's masks with the exact r of that masked network train worse on EWT dev), and the
two passes' gradients of the type vectors are summed before `type_backward` runs once.

The gradient of the tables Wxh, Wxc is sparse: ``SparseRows(rows, values)`` holds the
gradient of the rows the batch used; every other row's gradient is zero.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

ARCHS = ("rnn", "birnn")
TABLES = ("Wxh", "Wxc")  # one-hot lookup tables: sparse row gradients


class SparseRows(NamedTuple):
    """The gradient of an embedding table: `values[i]` is the gradient of row `rows[i]`."""

    rows: np.ndarray  # (U,) sorted unique row indices
    values: np.ndarray  # (U, H)

    def to_dense(self, shape) -> np.ndarray:
        dense = np.zeros(shape, dtype=self.values.dtype)
        dense[self.rows] = self.values
        return dense


def n_directions(arch: str) -> int:
    if arch not in ARCHS:
        raise ValueError(f"unknown architecture {arch!r}; choose from {', '.join(ARCHS)}")
    return 2 if arch == "birnn" else 1


def layer_names(layers: int) -> list[tuple[str, str, str]]:
    """Names of (Wxh, Whh, bh) for each layer: ("Wxh", "Whh", "bh"), ("Wxh1", "Whh1", "bh1"), ..."""
    return [(f"Wxh{s}", f"Whh{s}", f"bh{s}") for s in ["" if i == 0 else str(i) for i in range(layers)]]


def param_shapes(n_features: int, n_tags: int, hidden: int, arch: str, layers: int,
                 n_chars: int = 0, char_hidden: int = 0, crf: bool = False) -> dict:
    D, H = n_directions(arch), hidden
    shapes = {}
    if char_hidden:
        Hc = char_hidden
        shapes.update({"Wxc": (n_chars, 2 * Hc), "Whc": (2, Hc, Hc), "bc": (2 * Hc,),
                       "Wcx": (2 * Hc, D * H)})
    for i, (wxh, whh, bh) in enumerate(layer_names(layers)):
        shapes[wxh] = (n_features if i == 0 else D * H, D * H)
        shapes[whh] = (D, H, H)
        shapes[bh] = (D * H,)
    shapes["Why"] = (D * H, n_tags)
    shapes["by"] = (n_tags,)
    if crf:  # tag transition scores: row i = previous tag i, the last row = sentence start
        shapes["Wyy"] = (n_tags + 1, n_tags)
    return shapes


def init_params(n_features, n_tags, hidden, arch="birnn", layers=1, seed=0, dtype=np.float32,
                scale=1.0, n_chars=0, char_hidden=0, crf=False) -> dict:
    """Random weights; `scale` multiplies every standard deviation (gradcheck uses a larger one)."""
    rng = np.random.default_rng(seed)
    params = {}
    shapes = param_shapes(n_features, n_tags, hidden, arch, layers, n_chars, char_hidden, crf)
    for name, shape in shapes.items():
        if name.startswith("b"):
            params[name] = np.zeros(shape)
            continue
        if name.startswith("Whh") or name == "Whc":
            std = 0.5 / np.sqrt(shape[1])  # keeps the recurrence contracting at the start
        elif name in ("Why", "Wya", "Wyy"):
            std = 0.01  # near-uniform tag distribution at the start: loss ~ ln(C) per word
        elif name in TABLES:
            std = 0.1
        else:
            std = 1.0 / np.sqrt(shape[0])
        params[name] = rng.standard_normal(shape) * std * scale
    return {k: v.astype(dtype) for k, v in params.items()}


# ---------------------------------------------------------------------------------------------
# one recurrent layer, both directions at once: forward and backward side by side


def stable_matmul(a, b, out=None):
    """a @ b (b 2-d, or stacked like a) whose rows do not depend on the other rows of a.
    Inference uses it: a sentence's probabilities then do not depend on the sentences that share
    its batch or chunk, and `postag tag` writes the same digits however its input is cut
    (--jobs, --cluster). BLAS sums a row's products in an order that may depend on how many rows
    share the product and on the row's place among them. Where the BLAS keeps a float32 row's
    bits given two rows or more and a multiple of 16 columns (OpenBLAS's AVX-512 kernels; probed
    once, `float32_rows_stable`), the product is computed so, in float32. Elsewhere (its Haswell
    kernels: a row's bits depend on its place modulo 12) it is summed in float64 and rounded,
    which keeps those differences far below float32's last bit; there the tagger's part of
    tagging took 1.5x the time (docs/benchmarks.md). b may be given in float64 already
    (`_weights_for`)."""
    if not float32_rows_stable():
        r = np.matmul(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
    else:
        r = _padded_matmul(a, np.asarray(b, dtype=a.dtype))
    if out is None:
        return np.ascontiguousarray(r, dtype=a.dtype)
    out[...] = r
    return out


def _padded_matmul(a, b):
    """a @ b with b's columns padded to a multiple of 16 and a single row doubled."""
    n, one = b.shape[-1], a.shape[-2] == 1
    if n % 16 == 0 and not one:
        return np.matmul(a, b)
    if n % 16:
        b = np.concatenate([b, np.zeros(b.shape[:-1] + (16 - n % 16,), dtype=b.dtype)], axis=-1)
    r = np.matmul(np.concatenate([a, a], axis=-2) if one else a, b)
    return r[..., :1, :n] if one else r[..., :n]


@functools.cache
def float32_rows_stable() -> bool:
    """Whether this BLAS gives each row of _padded_matmul the same float32 bits whatever rows
    share the product and wherever the row is among them: tried once on products of the sizes
    inference multiplies (hidden sizes, tag sets, batches of 1 to 1,000 rows)."""
    rng = np.random.default_rng(0)
    for K, N in [(10, 17), (32, 5), (32, 32), (64, 16), (100, 48), (192, 192), (384, 17)]:
        a = rng.standard_normal((1200, K), dtype=np.float32)
        b = rng.standard_normal((K, N), dtype=np.float32)
        ref = _padded_matmul(a, b)
        for start, m in [(0, 1), (1, 1), (3, 2), (5, 7), (13, 12), (17, 40), (250, 333),
                         (99, 1000)]:
            if not np.array_equal(_padded_matmul(a[start:start + m], b), ref[start:start + m]):
                return False
    return True


def _weights_for(mm, W):
    """W as mm multiplies it at every step: in float64 where stable_matmul sums so (cast
    once)."""
    return W.astype(np.float64) if mm is stable_matmul and not float32_rows_stable() else W


def rnn_forward(X, Whh, M, R=None, mm=np.matmul):
    """X (T, D, B, H): x_t Wxh + bh per direction (backward direction in reversed time);
    Whh (D, H, H); M (T, D, B, 1) mask; R (D, B, H) recurrent dropout mask or None: the state
    fed to the next step is h_{t-1} * R, one mask for all steps of a sentence.
    Returns HS (T, D, B, H), the states h_t."""
    HS = np.empty_like(X)
    h = np.zeros(X.shape[1:], dtype=X.dtype)  # h_{-1} = 0
    # Padding must be zeroed only where a real word follows it: at the start of the backward
    # direction (reversed time) of the shorter sentences. Padding at the end of a sentence
    # influences no real word (and gets no gradient: rnn_backward masks it), so steps from
    # `reset` on, where no real word follows padding in either direction, skip the mask.
    reset = _last_padding_step(M) + 1
    Whh = _weights_for(mm, Whh)
    for t in range(X.shape[0]):
        a = mm(h if R is None else h * R, Whh, out=HS[t])  # h_{t-1} Whh (or (h*R) Whh)
        a += X[t]  # a_t = x_t Wxh + bh + h_{t-1} Whh
        np.tanh(a, out=a)  # h_t = tanh(a_t)
        if t < reset:
            a *= M[t]  # and 0 on padding
        h = a
    return HS


def _last_padding_step(M):
    """The last time step with padding before a real word in M (T, D, B, 1), or -1: the
    mask's columns are 1...1 0...0 (forward) or 0...0 1...1 (backward, reversed time)."""
    real = M[:, :, :, 0] > 0
    later = np.logical_or.accumulate(real[::-1], axis=0)[::-1]  # a real word at t or after
    later[:-1] = later[1:]
    later[-1] = False  # a real word strictly after t
    t = np.flatnonzero((~real & later).any(axis=(1, 2)))
    return int(t[-1]) if len(t) else -1


def rnn_backward(dHS, HS, Whh, M, R=None):
    """Backpropagation through time. dHS (T, D, B, H): dloss/dh_t from above; R as in
    rnn_forward. Returns dA (T, D, B, H) = dloss/da_t (which is also dloss/dx_t and feeds dbh)
    and dWhh."""
    T = HS.shape[0]
    G = HS * HS
    np.subtract(1.0, G, out=G)  # dh_t/da_t = 1 - tanh(a_t)^2
    G *= M  # zero on padding
    WhhT = np.ascontiguousarray(Whh.transpose(0, 2, 1))
    dA = np.empty_like(HS)
    dh_next = np.zeros(HS.shape[1:], dtype=HS.dtype)  # gradient arriving at h_t from step t+1
    for t in range(T - 1, -1, -1):
        da = np.add(dHS[t], dh_next, out=dA[t])
        da *= G[t]  # da_t = (dh_t from above + from step t+1) * tanh'(a_t)
        dh_next = np.matmul(da, WhhT)  # dh_{t-1} = da_t Whh^T
        if R is not None:
            dh_next *= R  # (times R, when h_{t-1} * R fed step t)
    # dWhh = sum_t h_{t-1}^T da_t: one (H, T*B) @ (T*B, H) product per direction
    D, B, H = HS.shape[1:]
    dWhh = np.empty((D, H, H), dtype=HS.dtype)
    for d in range(D):
        Hin = HS[:-1, d] if R is None else HS[:-1, d] * R[d]  # the states fed to steps 1..T-1
        dWhh[d] = Hin.reshape(-1, H).T @ dA[1:, d].reshape(-1, H)  # h_{-1} = 0 adds nothing
    return dA, dWhh


def _split_directions(Z, D):
    """(T, B, D*H) in reading order -> (T, D, B, H), the backward direction in reversed time."""
    T, B, DH = Z.shape
    H = DH // D
    out = np.empty((T, D, B, H), dtype=Z.dtype)
    out[:, 0] = Z[:, :, :H]
    if D == 2:
        out[:, 1] = Z[::-1, :, H:]
    return out


def gather_directions(V, index, D, more=None):
    """_split_directions(V[index]) without building V[index]: rows of V (U, D*H) picked by
    index (T, B), straight into the (T, D, B, H) layout. more: (W (U', D*H), ids (T, B, K)), the
    K rows of W picked by ids added to each (a multi-hot input: x_t Wxh as a sum of rows; whole
    rows are summed in reading order and then split, 1.3x faster for the tokenizer's K = 3)."""
    if more is not None:
        W, ids = more
        X = np.take(V, index, axis=0)  # (T, B, D*H)
        for k in range(ids.shape[2]):
            X += np.take(W, ids[:, :, k], axis=0)
        return _split_directions(X, D)
    T, B = index.shape
    V = V.reshape(len(V), D, -1)
    out = np.empty((T, D, B, V.shape[2]), dtype=V.dtype)
    out[:, 0] = V[index, 0]
    if D == 2:
        out[:, 1] = V[index[::-1], 1]
    return out


def input_layer(params, V, index, D, drop=None, r=None):
    """Layer 0's input x_t Wxh + bh of every word, in the (T, D, B, H) layout of `rnn_forward`;
    the one way into the network, for training and tagging alike. V (U, D*H): the rows to
    pick (type vectors x Wxh + c Wcx of `type_forward`, or a table); index (T, B) the row of
    each word, or (T, B, K) K rows to add up (a multi-hot input); drop: an input dropout mask
    and r an adversarial perturbation, both (T, B, D*H); then the bias."""
    if index.ndim == 2:
        S = gather_directions(V, index, D)
    else:
        S = gather_directions(V, index[:, :, 0], D, more=(V, index[:, :, 1:]))
    if drop is not None:
        S *= _split_directions(drop, D)  # x_t * mask
    if r is not None:
        S += _split_directions(r, D)  # x_t + r_t: the adversarial perturbation, a constant
    S += params["bh"].reshape(D, 1, -1)  # + bh
    return S


def _join_directions(S):
    """(T, D, B, H) -> (T, B, D*H) in reading order: the inverse of _split_directions."""
    T, D, B, H = S.shape
    out = np.empty((T, B, D * H), dtype=S.dtype)
    out[:, :, :H] = S[:, 0]
    if D == 2:
        out[:, :, H:] = S[::-1, 1]
    return out


def embed(Wxh, ids):
    """x_t Wxh for multi-hot x_t: the sum of the rows of the K active features. ids (T, B, K)."""
    X = Wxh[ids[:, :, 0]]
    for k in range(1, ids.shape[2]):
        X += Wxh[ids[:, :, k]]
    return X  # (T, B, D*H)


_BUCKETS = ((2, 2), (3, 4), (5, 8), (9, 16))  # rows used this many times: one gather-and-sum each


def embed_backward(dX, ids, mask):
    """Gradient of the table for `embed`: each used row receives the sum of dX over its uses.

    The uses are sorted by row once (a stable argsort). A row used once gets its dX row (most
    rows: a plain gather); rows used 2, 3-4, 5-8 or 9-16 times get one vectorised gather-and-sum
    per bucket, short lists padded with a zero row. The few rows used more often
    (capitalisation, shape, short affixes) get theirs from one product (Ub, N) @ (N, W) with a
    matrix counting how often row u is active at word n.
    No np.add.at (slow) and no dense (U, N) matrix (wasteful for rare rows)."""
    T, B, K = ids.shape
    W = dX.shape[-1]
    keep = mask.reshape(-1) > 0  # padding carries no gradient
    flat, src = ids.reshape(T * B, K), dX.reshape(T * B, W)
    if not keep.all():
        flat, src = flat[keep], src[keep]
    N = len(src)
    dXn = np.empty((N + 1, W), dtype=dX.dtype)  # (N + 1, W): the words' dX and a zero row
    dXn[:N] = src
    dXn[N] = 0
    flat = flat.reshape(-1)  # (N*K,) the rows used, word by word
    order = np.argsort(flat, kind="stable")
    used = flat[order]  # the rows used, sorted
    edge = np.empty(len(used), dtype=bool)
    edge[:1] = True
    np.not_equal(used[1:], used[:-1], out=edge[1:])
    first = np.flatnonzero(edge)  # where each row's uses start in `used`
    rows = used[first]
    uses = np.empty_like(first)
    uses[:-1] = first[1:] - first[:-1]
    uses[-1:] = len(used) - first[-1:]
    word = order // K if K > 1 else order  # the word of each sorted use
    values = np.empty((len(rows), W), dtype=dX.dtype)
    r = np.flatnonzero(uses == 1)
    values[r] = dXn[word[first[r]]]
    if len(r) == len(rows):
        return SparseRows(rows, values)
    for lo, hi in _BUCKETS:
        r = np.flatnonzero((uses >= lo) & (uses <= hi))
        if len(r):
            j = np.arange(hi)
            at = np.minimum(first[r][:, None] + j, len(used) - 1)  # (rows, hi) uses
            at = np.where(j < uses[r][:, None], word[at], N)  # beyond a row's uses: zero row
            values[r] = dXn[at].sum(axis=1)
    many = np.flatnonzero(uses > _BUCKETS[-1][1])
    if len(many):
        slot = np.full(len(rows), -1)
        slot[many] = np.arange(len(many))
        slot_of_use = np.repeat(slot, uses)
        sel = slot_of_use >= 0
        cell = slot_of_use[sel] * N + word[sel]  # (row, word) of each use
        active = np.bincount(cell, minlength=len(many) * N).reshape(len(many), N)
        values[many] = active.astype(dX.dtype) @ dXn[:N]  # counts: right if a word repeats a row
    return SparseRows(rows, values)


class Chars(NamedTuple):
    """Character input of a batch: the distinct word forms of the batch, spelled out.
    ids (L, U) char ids, time-major, padded; mask (L, U); last (U,) index of each form's last
    character; word_type (T, B) which form each word of the batch is."""

    ids: np.ndarray
    mask: np.ndarray
    last: np.ndarray
    word_type: np.ndarray


class Packing(NamedTuple):
    """Sequences sorted longest first, stored step by step (like a packed sequence): step t
    holds the first n[t] sequences, at rows off[t]:off[t] + n[t] of a (D, N, H) array; every
    row is a real element, so no padding, no mask. Built by `pack`."""

    n: np.ndarray  # (T,) sequences still running at step t (non-increasing)
    off: np.ndarray  # (T,) first row of step t
    step: np.ndarray  # (N,) step t of each row
    seq: np.ndarray  # (N,) sequence of each row (its rank, longest first)
    prev: np.ndarray  # (N - n[0],) for rows of steps >= 1: the row of the same sequence at t-1
    rev: np.ndarray  # (N,) the row of the same sequence at step len-1-t (its own inverse)


def pack(lens) -> Packing:
    """The Packing of sequences of lengths lens (B,) >= 1, sorted longest first."""
    T = int(lens[0])
    n = len(lens) - np.cumsum(np.bincount(lens, minlength=T + 1))[:T]
    off = np.zeros(T, dtype=np.int64)
    np.cumsum(n[:-1], out=off[1:])
    step = np.repeat(np.arange(T), n)
    seq = np.arange(len(step)) - off[step]
    prev = off[step[n[0]:] - 1] + seq[n[0]:]
    rev = off[lens[seq] - 1 - step] + seq
    return Packing(n, off, step, seq, prev, rev)


def packed_rnn_forward(X, Whh, pk: Packing, mm=np.matmul):
    """rnn_forward over packed sequences. X (D, N, H): x_t Wxh + bh of each row, in each
    direction (the backward direction packed from each sequence's own last element). Returns
    HS (D, N, H), the states h_t."""
    HS = np.empty_like(X)
    k = pk.n[0]
    np.tanh(X[:, :k], out=HS[:, :k])  # h_0 = tanh(x_0 Wxh + bh), as h_{-1} = 0
    Whh = _weights_for(mm, Whh)
    for t in range(1, len(pk.n)):
        k, o, p = pk.n[t], pk.off[t], pk.off[t - 1]  # the first k sequences of step t - 1 go on
        a = mm(HS[:, p:p + k], Whh, out=HS[:, o:o + k])  # h_{t-1} Whh
        a += X[:, o:o + k]  # a_t = x_t Wxh + bh + h_{t-1} Whh
        np.tanh(a, out=a)  # h_t = tanh(a_t)
    return HS


def packed_rnn_backward(dHS, HS, Whh, pk: Packing):
    """Backpropagation through time for packed_rnn_forward. dHS (D, N, H): dloss/dh_t from
    above. Returns dA (D, N, H) = dloss/da_t (also dloss/dx_t) and dWhh."""
    G = np.square(HS)
    np.subtract(1.0, G, out=G)  # dh_t/da_t = 1 - tanh(a_t)^2
    WhhT = np.ascontiguousarray(Whh.transpose(0, 2, 1))
    dA = np.empty_like(HS)
    # gradient arriving at h_t from step t+1; 0 for sequences that end at t
    dh_next = np.zeros((HS.shape[0], pk.n[0], HS.shape[2]), dtype=HS.dtype)
    for t in range(len(pk.n) - 1, -1, -1):
        k, o = pk.n[t], pk.off[t]
        da = np.add(dHS[:, o:o + k], dh_next[:, :k], out=dA[:, o:o + k])
        da *= G[:, o:o + k]  # da_t = (dh_t from above + from step t+1) * tanh'(a_t)
        np.matmul(da, WhhT, out=dh_next[:, :k])  # dh_{t-1} = da_t Whh^T
    # dWhh = sum_t h_{t-1}^T da_t over the rows of steps 1.. (h_{-1} = 0 adds nothing)
    dWhh = np.matmul(HS[:, pk.prev].transpose(0, 2, 1), dA[:, pk.n[0]:])
    return dA, dWhh


def char_forward(params, chars: Chars, mm=np.matmul):
    """Character biRNN over the U forms: returns the summaries c (U, 2*Hc) and the cache.
    The forms are packed (`pack`): each step runs only on the forms that still have a
    character, and the backward direction reads each form from its own last character."""
    U = chars.ids.shape[1]
    Hc = params["Whc"].shape[1]
    lens = np.maximum(chars.last + 1, 1)  # (every form is spelled with >= 1 character)
    order = np.argsort(-lens, kind="stable")  # longest first
    lens = lens[order]
    pk = pack(lens)
    ids = chars.ids[pk.step, order[pk.seq]]  # (N,) the character read at each row, forward
    Wb = (params["Wxc"] + params["bc"]).reshape(-1, 2, Hc)  # x Wxc + bc per character
    X = np.empty((2, len(ids), Hc), dtype=Wb.dtype)
    X[0] = Wb[ids, 0]
    X[1] = Wb[ids[pk.rev], 1]  # the backward direction reads each form from its end
    HS = packed_rnn_forward(X, params["Whc"], pk, mm)  # (2, N, Hc)
    # each form's last step: forward state after its last character, backward after its first
    last = pk.off[lens - 1] + np.arange(U)
    c = np.empty((U, 2 * Hc), dtype=HS.dtype)
    c[order] = HS[:, last].transpose(1, 0, 2).reshape(U, 2 * Hc)
    return c, (HS, pk, order, last, ids)


def char_backward(params, chars: Chars, cache, dc, grads):
    """Backprop from dc (U, 2*Hc) through the character biRNN into Wxc, Whc, bc."""
    HS, pk, order, last, ids = cache
    _, N, Hc = HS.shape
    dHS = np.zeros_like(HS)
    dHS[:, last] = dc[order].reshape(-1, 2, Hc).transpose(1, 0, 2)
    dA, grads["Whc"] = packed_rnn_backward(dHS, HS, params["Whc"], pk)
    dZ = np.empty((N, 2 * Hc), dtype=dA.dtype)  # dloss/d(x Wxc + bc) at each forward row
    dZ[:, :Hc] = dA[0]
    dZ[:, Hc:] = dA[1][pk.rev]  # (rev is its own inverse)
    grads["bc"] = dZ.sum(axis=0)
    grads["Wxc"] = embed_backward(dZ[None], ids[None, :, None], np.ones((1, N), dtype=dZ.dtype))


def word_types(ids, mask, word_form=None):
    """The distinct word types of a batch: positions with the same feature ids (and, with a
    character model, the same form) get one input vector. ids (T, B, K); word_form (T, B) the
    form index of each position, or None. Returns type_ids (U, K), word_type (T, B) (type 0 on
    padding) and type_form (U,) (None without word_form)."""
    T, B, K = ids.shape
    key = ids.reshape(T * B, K)
    if word_form is not None:
        key = np.concatenate([key, word_form.reshape(T * B, 1)], axis=1)
    real = mask.reshape(-1) > 0
    if not real.any():  # nothing to tag: any type will do, the mask zeroes everything
        real = np.ones_like(real)
    uniq, inv = unique_rows(key[real])
    word_type = np.zeros(T * B, dtype=np.int64)
    word_type[real] = inv.reshape(-1)
    type_form = uniq[:, K] if word_form is not None else None
    return np.ascontiguousarray(uniq[:, :K]), word_type.reshape(T, B), type_form


_ROW_HASH = np.random.default_rng(0x5EED).integers(1, 2**63, 64, dtype=np.uint64) | np.uint64(1)


def unique_rows(key):
    """The distinct rows of an integer matrix key (N, K) and, for each row, which one it is:
    like np.unique(key, axis=0, return_inverse=True), but in hash order and several times
    faster. Each row is hashed to one 64-bit number (sum of entries times fixed odd constants,
    wrapping); the result is checked, and a collision falls back to np.unique."""
    K = key.shape[1]
    if K <= len(_ROW_HASH):
        h = (key.astype(np.uint64) * _ROW_HASH[:K]).sum(axis=1, dtype=np.uint64)
        _, first, inv = np.unique(h, return_index=True, return_inverse=True)
        uniq, inv = key[first], inv.reshape(-1)
        if np.array_equal(uniq[inv], key):
            return uniq, inv
    # more columns than constants, or two different rows with one hash (never seen)
    uniq, inv = np.unique(key, axis=0, return_inverse=True)
    return uniq, inv.reshape(-1)


def type_forward(params, type_ids, chars: Chars | None = None, type_form=None, mm=np.matmul):
    """Layer-0 inputs of U distinct word types, (U, D*H), before the bias: x Wxh, plus c Wcx
    with a character model (`chars` spells the forms; type_form (U,) is the form of each type,
    None when type u is form u). Returns V and a cache."""
    cache = {}
    V = embed(params["Wxh"], type_ids[None])[0]  # (U, D*H) x Wxh: sum of the active rows
    if "Wxc" in params:
        c, cache["char"] = char_forward(params, chars, mm)  # (forms, 2*Hc)
        cache["c"] = c
        cw = mm(c, params["Wcx"])  # c_w Wcx per form
        V += cw if type_form is None else cw[type_form]
    return V, cache


def type_backward(params, type_ids, chars, type_form, cache, dV, grads):
    """Backprop from dV (U, D*H) = dloss/dV into the table Wxh and the character model."""
    ones = np.ones((1, len(dV)), dtype=dV.dtype)
    grads["Wxh"] = embed_backward(dV[None], type_ids[None], ones)
    if "Wxc" in params:
        c = cache["c"]
        dCW = dV if type_form is None else scatter_rows(dV[None], type_form[None], len(c), ones)
        grads["Wcx"] = c.T @ dCW  # c^T dloss/d(c Wcx), per form
        char_backward(params, chars, cache["char"], dCW @ params["Wcx"].T, grads)


def scatter_rows(dZ, index, n_rows, mask):
    """Sum of dZ (T, B, X) over the positions where index (T, B) == u, for each u < n_rows:
    the same accumulation as `embed_backward` with one active row per position."""
    g = embed_backward(dZ, index[:, :, None], mask)
    out = np.zeros((n_rows, dZ.shape[-1]), dtype=dZ.dtype)
    out[g.rows] = g.values
    return out


def make_batch(sentences, pad_id=0):
    """Time-major padded arrays from a list of (ids (n, K), tags (n,), ...) sentences.
    Returns ids (T, B, K), tags (T, B), mask (T, B): mask is 1 on the real words, tags is -1
    where there is no gold tag (padding, and words tagged _, which are read but not scored)."""
    B = len(sentences)
    T = max(len(s[0]) for s in sentences)
    K = sentences[0][0].shape[1]
    ids = np.full((T, B, K), pad_id, dtype=np.int64)
    tags = np.full((T, B), -1, dtype=np.int64)
    mask = np.zeros((T, B))
    for b, (x, y, *_) in enumerate(sentences):
        n = len(x)
        ids[:n, b] = x
        tags[:n, b] = y
        mask[:n, b] = 1
    return ids, tags, mask


def _dropout_mask(rng, shape, p, dtype):
    """Inverted dropout: 0 with probability p, else 1/(1-p), so the expectation is unchanged.
    For p = 1/2 (the default dropout) one random bit per unit (a sixteenth of the random bytes
    of 16-bit numbers, no comparison: about 10x faster); otherwise 16-bit integers (half the
    random bits of float32s): p is rounded to a multiple of 1/65536 and the scale uses the
    rounded value."""
    n = int(np.prod(shape))
    if p == 0.5:
        bits = np.unpackbits(np.frombuffer(rng.bytes((n + 7) // 8), dtype=np.uint8), count=n)
        keep = bits.astype(dtype).reshape(shape)  # bit 1: kept
        keep *= np.dtype(dtype).type(2.0)
        return keep
    u = np.frombuffer(rng.bytes(2 * n), dtype=np.uint16).reshape(shape)
    cut = min(int(round(p * 65536)), 65535)  # u < cut is dropped: probability cut/65536
    keep = (u >= cut).astype(dtype)
    keep *= np.dtype(dtype).type(65536.0 / (65536 - cut))
    return keep


# ---------------------------------------------------------------------------------------------
# the whole network


def forward(params, arch, ids, mask, noise: Noise | None = None, chars: Chars | None = None,
            x0_split=None, r_adv=None, reuse=None, crf_mask=None, probs=True):
    """Tag distributions P (T, B, C) and the cache that `backward` needs.
    Dropout (noise: `dropout` on each layer's output, `input_dropout` on the word vectors x_t
    Wxh entering layer 0, `recurrent_dropout` on the states fed from one step to the next, one
    mask per sentence and layer) is applied only when noise.rng is given.
    `chars` is required when the model has a character RNN (parameter Wxc). For inference,
    x0_split may replace ids and chars: layer 0's x_t Wxh + c_w Wcx + bh, already in the
    (T, D, B, H) layout of `rnn_forward` (see `type_forward`); that is inference, and the
    cache returned is None (with probs=False, a model without a CRF returns its logits: the
    same argmax without the softmax). For adversarial training, r_adv (T, B, D*H) is added to
    the word vectors, and `reuse` (the cache of a pass over the same batch) supplies the type
    vectors.
    crf_mask: the words a CRF's paths go through (training: the words with a gold tag; the
    others are skipped, as the gold path has no tag there); default `mask`."""
    D = n_directions(arch)
    noise = noise or NO_NOISE
    rng = noise.rng
    dtype = params["Why"].dtype
    M = np.empty((mask.shape[0], D, mask.shape[1], 1), dtype=dtype)
    M[:, 0, :, 0] = mask
    if D == 2:
        M[:, 1, :, 0] = mask[::-1]
    cache = {"layers": [], "M": M, "ids": ids, "mask": mask, "chars": chars}
    mm = np.matmul if x0_split is None else stable_matmul  # (inference: rows stay the same)
    inp = None
    for layer, (wxh, whh, bh) in enumerate(layer_names(_n_layers(params))):
        if layer == 0 and x0_split is not None:
            S = x0_split
        else:
            if layer == 0:
                if reuse is None:
                    types = word_types(ids, mask, None if chars is None else chars.word_type)
                    V, tcache = type_forward(params, types[0], chars, types[2])  # (U, D*H)
                else:  # the type vectors of the earlier pass
                    (types, tcache), V = reuse["types"], reuse["V"]
                cache["types"], cache["V"] = (types, tcache), V
                cache["drop_in"] = None
                if rng is not None and noise.input_dropout > 0:
                    shape = types[1].shape + V.shape[1:]  # (T, B, D*H)
                    cache["drop_in"] = _dropout_mask(rng, shape, noise.input_dropout, dtype)
                S = input_layer(params, V, types[1], D, cache["drop_in"], r_adv)
            else:
                Z = mm(inp, params[wxh])  # dense input from the layer below
                Z += params[bh]
                S = _split_directions(Z, D)
        R = None
        if rng is not None and noise.recurrent_dropout > 0:
            R = _dropout_mask(rng, S.shape[1:], noise.recurrent_dropout, dtype)  # (D, B, H)
        HS = rnn_forward(S, params[whh], M, R, mm)
        if x0_split is not None and layer == _n_layers(params) - 1:
            # inference: the output layer reads each direction's states where they are
            H = HS.shape[3]
            logits = mm(HS[:, 0], params["Why"][:H])  # (T, B, C)
            if D == 2:
                logits += mm(HS[:, 1], params["Why"][H:])[::-1]  # (back in reading order)
            logits += params["by"]
            if "Wyy" in params:
                return crf_marginals(logits, mask, params["Wyy"], counts=False, mm=mm)[1], None
            return (_softmax(logits) if probs else logits), None
        out = _join_directions(HS)  # (T, B, D*H)
        drop = None
        if rng is not None and noise.dropout > 0:
            drop = _dropout_mask(rng, out.shape, noise.dropout, dtype)
            out *= drop  # (out is a fresh array)
        cache["layers"].append((inp, HS, drop, R))
        inp = out
    logits = inp @ params["Why"] + params["by"]  # (T, B, C)
    cache["top"] = inp
    if "Wyy" in params:  # a linear-chain CRF: P holds each word's marginal tag distribution
        cache["logits"] = logits  # (crf_marginals leaves it as it is)
        logZ, P, cache["crf"] = crf_marginals(logits, mask if crf_mask is None else crf_mask,
                                              params["Wyy"])
        cache["logZ"] = logZ
        return P, cache
    return _softmax(logits), cache


def crf_marginals(logits, mask, Wyy, counts=True, mm=np.matmul):
    """Forward-backward of a linear-chain CRF: p(y) ~ exp(sum_t s_t(y_t) + sum_t W[y_t', y_t])
    over the words where mask > 0 (t' the previous such word; W's last row: the start), with
    emission scores s = logits (T, B, C). Scaled in probability space: alpha_t is normalised at
    every step and the scales c_t make up Z. Returns log Z (B,), the marginals P (T, B, C)
    (0 where masked) and, for the gradient, the expected transition counts E[n(i -> j)] summed
    over the batch, (C+1, C) (None unless `counts`): d log Z / d logits = P and
    d log Z / d Wyy = those counts."""
    T, B, C = logits.shape
    shift = logits.max(axis=2)  # (T, B): exp(s - shift) cannot overflow
    psi = np.exp(logits - shift[:, :, None])  # (T, B, C)
    real = mask[:, :, None] > 0
    E = np.exp(Wyy)  # (C+1, C)
    c, AL, P, G, S = _crf_forward_backward(psi, real, E, mm)
    logZ = (np.log(c[:, :, 0]) + shift * (mask > 0)).sum(axis=0)
    P *= real
    if not counts:
        return logZ, P, None
    n = np.empty((C + 1, C), dtype=logits.dtype)  # E[n(i -> j)] = sum alpha_t-1(i) E(i,j) g_t(j)
    n[:C] = (AL[:-1].reshape(-1, C).T @ G[1:].reshape(-1, C)) * E[:C]
    n[C] = (G * S).sum(axis=(0, 1)) * E[C]  # from the start state
    return logZ, P, n


def _crf_forward_backward(psi, real, E, mm=np.matmul):
    """The two passes of crf_marginals, psi = exp(s - shift) (T, B, C), real = mask > 0
    (T, B, 1), E = exp(Wyy). Masked words (padding, untagged words of a training sentence) are
    skipped: the paths go from the word before to the word after them. Returns the scales c
    (T, B, 1) (1 where masked), the normalised alphas AL (T, B, C) (carried over masked words),
    the marginals P (still to be masked), G = psi_t beta_t / c_t (T, B, C) (0 where masked)
    and S (T, B, 1), the weight of the start state before step t (1 until a sentence's first
    word)."""
    T, B, C = psi.shape
    E1 = np.zeros((C + 1, C + 1), dtype=psi.dtype)  # the start state, never re-entered
    E1[:, :C] = E
    AL = np.empty_like(psi)  # alpha after step t (carried over masked words)
    S = np.empty((T, B, 1), dtype=psi.dtype)  # the start state's weight before step t
    c = np.ones((T, B, 1), dtype=psi.dtype)
    alpha = np.zeros((B, C + 1), dtype=psi.dtype)
    alpha[:, C] = 1.0  # all paths begin in the start state
    ones = np.ones((C + 1, 1), dtype=psi.dtype)
    for t in range(T):
        S[t] = alpha[:, C:]
        a = mm(alpha, E1)  # (B, C+1): sum_i alpha(i) E(i, j); column C stays 0
        a[:, :C] *= psi[t]
        c[t] = np.where(real[t], mm(a, ones), 1.0)  # (a row sum, faster as a product)
        a /= c[t]
        alpha = np.where(real[t], a, alpha)  # masked words are skipped
        AL[t] = alpha[:, :C]
    P = np.empty_like(psi)
    G = np.empty_like(psi)
    ET = np.ascontiguousarray(E[:C].T)
    beta = np.ones((B, C), dtype=psi.dtype)
    for t in range(T - 1, -1, -1):
        P[t] = AL[t] * beta
        g = np.where(real[t], psi[t] * beta / c[t], 0.0)
        G[t] = g
        beta = np.where(real[t], mm(g, ET), beta)
    return c, AL, P, G, S


def _crf_gold(tags, mask, C):
    """The gold path's transition counts (C+1, C) (previous real word's tag, or the start)."""
    T, B = tags.shape
    real = mask > 0
    last = np.where(real, np.arange(T)[:, None], -1)
    np.maximum.accumulate(last, axis=0, out=last)  # the last real word at or before t
    prev = np.full((T, B), -1)
    prev[1:] = last[:-1]
    b = np.broadcast_to(np.arange(B), (T, B))
    prev_tag = np.where(prev >= 0, tags[np.maximum(prev, 0), b], C)
    return np.bincount(prev_tag[real] * C + tags[real], minlength=(C + 1) * C).reshape(C + 1, C)


def _softmax(logits):
    """softmax over the last axis, in place."""
    logits -= logits.max(axis=-1, keepdims=True)  # stable softmax
    P = np.exp(logits, out=logits)
    P /= P.sum(axis=-1, keepdims=True)
    return P


def _n_layers(params):
    return sum(1 for k in params if k.startswith("Whh"))


@dataclass
class Batch:
    """A minibatch, time-major (`make_batch`): ids (T, B, K) the K feature rows of each word;
    tags (T, B) its gold tag, -1 where there is none (padding, and words tagged _, which are read
    but not scored); mask (T, B) 1 on real words, 0 on padding; chars the character RNN's input
    (when the model has one)."""
    ids: np.ndarray
    tags: np.ndarray
    mask: np.ndarray
    chars: Chars | None = None

    def rows(self, T, sel) -> Batch:
        """The sentences `sel` (a slice of the batch axis), cut to T steps."""
        return Batch(self.ids[:T, sel], self.tags[:T, sel], self.mask[:T, sel], self.chars)


@dataclass(frozen=True)
class Noise:
    """What training adds to a pass (nothing by default): dropout on the recurrent layers'
    outputs, on the states passed from step to step and on the word vectors, its masks drawn
    from rng; an adversarial pass of mean norm `adversarial` per word on every
    `adversarial_stride`-th sentence (r_adv: a fixed perturbation instead, for checking)."""
    rng: np.random.Generator | None = None
    dropout: float = 0.0
    recurrent_dropout: float = 0.0
    input_dropout: float = 0.0
    adversarial: float = 0.0
    adversarial_stride: int = 1
    r_adv: np.ndarray | None = None


NO_NOISE = Noise()


def loss_and_grads(params, arch, batch: Batch, noise: Noise = NO_NOISE):
    """Summed cross-entropy over the words with a gold tag, and its gradient for every
    parameter; words without one are read (their states feed their neighbours) but add no
    loss. With noise.adversarial = eps > 0, the loss adds a second
    pass on the word vectors x + r of every `adversarial_stride`-th sentence, where r =
    `adversarial_perturbation` of the first pass's dloss/dx, held constant. A given
    noise.r_adv (T, B, D*H) replaces that r; then grads["r_adv"] is dloss/dr (gradient checking
    holds r fixed and checks this too)."""
    if not noise.adversarial > 0:
        return _loss_and_grads(params, arch, batch, noise)[:2]
    loss, grads, cache = _loss_and_grads(params, arch, batch, noise, defer_types=True)
    # the second pass: the selected sentences, cut to the longest of them
    T, sel = adversarial_rows(batch.mask, noise.adversarial_stride)
    (type_ids, word_type, type_form), tcache = cache["types"]
    part = batch.rows(T, sel)
    r = noise.r_adv[:T, sel] if noise.r_adv is not None else \
        adversarial_perturbation(cache["dX"][:T, sel], part.mask, noise.adversarial)
    reuse = {"types": ((type_ids, word_type[:T, sel], type_form), tcache), "V": cache["V"]}
    loss_r, grads_r, cache_r = _loss_and_grads(params, arch, part, noise, r_adv=r, reuse=reuse,
                                               defer_types=True)
    for k, g in grads_r.items():  # the dense parameters: the two passes' gradients add up
        grads[k] += g
    dZ = cache["dZ_in"]  # the two passes' gradients per position, summed (in place) ...
    dZ[:T, sel] += cache_r["dZ_in"]
    dV = scatter_rows(dZ, word_type, len(type_ids), batch.mask)  # ... and per type: (U, D*H)
    type_backward(params, type_ids, batch.chars, type_form, tcache, dV, grads)
    if noise.r_adv is not None:
        grads["r_adv"] = np.zeros_like(noise.r_adv)
        grads["r_adv"][:T, sel] = cache_r["dX"]  # dloss/dr = dloss/dx at x + r
    return loss + loss_r, grads


def adversarial_rows(mask, stride):
    """The part of a batch that the adversarial pass reads: every stride-th sentence (a slice
    of the batch axis), cut to T, the length of the longest of them."""
    sel = slice(None, None, stride)
    real = np.flatnonzero(mask[:, sel].any(axis=1))
    return (int(real[-1]) + 1 if len(real) else 1), sel


def adversarial_perturbation(dX, mask, eps):
    """r (T, B, D*H): eps * sqrt(n_b) * g / ||g|| per sentence b of n_b words, g = dX (the
    gradient of the loss with respect to the word vectors), zero on padding; the perturbation
    of norm eps per word on average that raises the loss fastest (to first order)."""
    g = dX * mask[:, :, None]
    norm = np.sqrt(np.einsum("tbh,tbh->b", g, g))  # (B,) ||g|| per sentence
    g *= (eps * np.sqrt(mask.sum(axis=0)) / np.maximum(norm, 1e-12))[None, :, None]
    return g


def _loss_and_grads(params, arch, batch: Batch, noise: Noise, r_adv=None, reuse=None,
                    defer_types=False):
    """One pass of loss_and_grads: (loss, grads, cache). With defer_types, the tables' and
    character RNN's gradients are left out (see `backward`)."""
    tags, mask = batch.tags, batch.mask
    scored = mask * (tags >= 0)  # the words with a gold tag
    P, cache = forward(params, arch, batch.ids, mask, noise, batch.chars, r_adv=r_adv,
                       reuse=reuse, crf_mask=scored)
    tt, bb = np.nonzero(scored)
    if "Wyy" in params:  # CRF: loss = log Z - score(gold path)
        gold = _crf_gold(tags, scored, P.shape[2])
        score = cache["logits"][tt, bb, tags[tt, bb]].sum() + (gold * params["Wyy"]).sum()
        loss = cache["logZ"].sum() - score
        # d loss / d Wyy: expected - gold counts (in the weights' dtype: the same sums in one
        # process or two)
        cache["dWyy"] = cache["crf"] - gold.astype(cache["crf"].dtype)
    else:
        loss = -np.log(P[tt, bb, tags[tt, bb]] + 1e-300).sum()
    # dloss/dlogits = p - onehot(gold), zero where there is no gold tag (softmax +
    # cross-entropy, or the CRF with its marginals p)
    dlogits = P * scored[:, :, None]
    dlogits[tt, bb, tags[tt, bb]] -= 1.0
    return float(loss), backward(params, arch, cache, dlogits, defer_types), cache


def backward(params, arch, cache, dlogits, defer_types=False):
    """Gradients of every parameter from dloss/dlogits.
    Leaves dloss/dx, the gradient of the word vectors, in cache["dX"] (T, B, D*H); with
    defer_types, stops there: cache["dZ_in"] (T, B, D*H) gets the gradient of each position's
    type vector, which the tables and the character RNN would receive."""
    D = n_directions(arch)
    C = dlogits.shape[2]
    top = cache["top"]
    grads = {}
    grads["Why"] = top.reshape(-1, top.shape[2]).T @ dlogits.reshape(-1, C)  # h^T dlogits
    grads["by"] = dlogits.sum(axis=(0, 1))
    if "Wyy" in params:
        grads["Wyy"] = cache["dWyy"]
    dout = dlogits @ params["Why"].T  # (T, B, D*H)
    names = layer_names(_n_layers(params))
    for layer in range(len(names) - 1, -1, -1):
        wxh, whh, bh = names[layer]
        inp, HS, drop, R = cache["layers"][layer]
        if drop is not None:
            dout *= drop  # (dout is a fresh array)
        dA, grads[whh] = rnn_backward(_split_directions(dout, D), HS, params[whh], cache["M"], R)
        dZ = _join_directions(dA)  # (T, B, D*H): dloss/d(x_t Wxh + bh)
        grads[bh] = dZ.sum(axis=(0, 1))
        if layer == 0:
            cache["dX"] = dZ  # dloss/dx_t (x_t: the word vector after input dropout)
            if cache["drop_in"] is not None:
                dZ = dZ * cache["drop_in"]  # the bias was added after the input dropout
            if defer_types:
                cache["dZ_in"] = dZ
            else:
                (type_ids, word_type, type_form), tcache = cache["types"]
                dV = scatter_rows(dZ, word_type, len(type_ids), cache["mask"])  # (U, D*H)
                type_backward(params, type_ids, cache["chars"], type_form, tcache, dV, grads)
        else:
            grads[wxh] = inp.reshape(-1, inp.shape[2]).T @ dZ.reshape(-1, dZ.shape[2])
            dout = dZ @ params[wxh].T
    return grads


def predict(params, arch, ids, mask, chars=None, x0_split=None):
    """Tag probabilities (T, B, C) for a batch, no dropout."""
    P, _ = forward(params, arch, ids, mask, chars=chars, x0_split=x0_split)
    return P
