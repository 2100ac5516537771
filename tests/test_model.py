"""The network: shapes, initial loss, gradients (against central differences), overfitting."""

import importlib.util
import sys
import math
from pathlib import Path

import numpy as np
import pytest

from postag_cli import gradcheck as gc
from postag_cli import model as M
from postag_cli.features import FEATURE_SETS
from postag_cli.training import read_corpus

MODEL_SRC = Path(M.__file__).read_text()
ARCHS = [("rnn", 1, "word"), ("rnn", 2, "rich"), ("birnn", 1, "rich"), ("birnn", 2, "rich"),
         ("birnn", 3, "word")]


@pytest.fixture(scope="module")
def sents(sample_train):
    return read_corpus(sample_train, "upos")[0]


def random_batch(rng, F=30, C=5, K=3, lengths=(5, 2, 7, 1)):
    return gc.make_batch([(rng.integers(0, F, (n, K)), rng.integers(0, C, n)) for n in lengths])


@pytest.mark.parametrize("arch,layers", [("rnn", 1), ("birnn", 1), ("birnn", 2)])
def test_shapes(arch, layers):
    params = M.init_params(30, 5, 8, arch, layers)
    D = 2 if arch == "birnn" else 1
    assert params["Wxh"].shape == (30, 8 * D) and params["Whh"].shape == (D, 8, 8)
    assert params["Why"].shape == (8 * D, 5) and params["by"].shape == (5,)
    if layers == 2:
        assert params["Wxh1"].shape == (8 * D, 8 * D)
    ids, tags, mask = random_batch(np.random.default_rng(0))
    P = M.predict(params, arch, ids, mask)
    assert P.shape == (7, 4, 5)
    np.testing.assert_allclose(P.sum(axis=2), 1.0, rtol=1e-5)
    loss, grads = M.loss_and_grads(params, arch, M.Batch(ids, tags, mask))
    for name, g in grads.items():
        g = g.to_dense(params[name].shape) if hasattr(g, "to_dense") else g
        assert g.shape == params[name].shape, name


def test_initial_loss_is_log_of_tagset_size():
    C = 17
    params = M.init_params(40, C, 16, "birnn", 1, seed=3)
    ids, tags, mask = random_batch(np.random.default_rng(1), F=40, C=C, lengths=(9, 4, 12))
    loss, _ = M.loss_and_grads(params, "birnn", M.Batch(ids, tags, mask))
    assert abs(loss / mask.sum() - math.log(C)) < 0.05


@pytest.mark.parametrize("crf", [False, True])
def test_a_word_without_gold_tag_is_read_but_not_scored(crf):
    """Tag _ on a word removes its loss term only: its neighbours still read it (a word is not
    padding), so their predictions are those of the fully tagged sentence."""
    rng = np.random.default_rng(4)
    params = M.init_params(30, 5, 8, "birnn", 1, seed=0, dtype=np.float64, crf=crf)
    x, y = rng.integers(0, 27, (6, 3)), rng.integers(0, 5, 6)
    x[2] = [27, 28, 29]  # rows no other word uses
    y_part = y.copy()
    y_part[2] = -1
    ids, tags, mask = gc.make_batch([(x, y)])
    _, tags_part, mask_part = gc.make_batch([(x, y_part)])
    assert mask_part.sum() == 6 and (tags_part[:, 0] == y_part).all()
    loss, _ = M.loss_and_grads(params, "birnn", M.Batch(ids, tags, mask))
    loss_part, grads = M.loss_and_grads(params, "birnn", M.Batch(ids, tags_part, mask_part))
    P = M.predict(params, "birnn", ids, mask)
    if crf:  # the gold path skips the untagged word; log Z sums over every path
        assert loss_part < loss
    else:
        assert loss - loss_part == pytest.approx(-math.log(P[2, 0, y[2]]), rel=1e-9)
    # the untagged word's own row of the word table gets gradient (it feeds its neighbours)
    assert (np.abs(grads["Wxh"].to_dense(params["Wxh"].shape)[x[2]]).sum(axis=1) > 0).all()


def test_padding_changes_nothing():
    """A sentence's tag distributions do not depend on what it is batched with."""
    rng = np.random.default_rng(2)
    params = M.init_params(30, 5, 8, "birnn", 2, seed=0, dtype=np.float64)
    x = rng.integers(0, 30, (4, 3))
    alone = M.predict(params, "birnn", *gc.make_batch([(x, np.zeros(4, int))])[::2])
    ids, _, mask = gc.make_batch([(x, np.zeros(4, int)), (rng.integers(0, 30, (9, 3)), np.zeros(9, int))])
    together = M.predict(params, "birnn", ids, mask)
    np.testing.assert_allclose(alone[:, 0], together[:4, 0], rtol=1e-12)



@pytest.mark.parametrize("K,N", [(10, 17), (32, 32), (192, 192), (384, 5)])
@pytest.mark.parametrize("float64", [False, True])
def test_stable_matmul_rows_do_not_depend_on_the_other_rows(K, N, float64, monkeypatch):
    """A row of stable_matmul(a, b) has the same bits whatever rows share the product and
    wherever it is among them, stacked too, and with out=: in float32 where this machine's BLAS
    passed the probe (float32_rows_stable), else summed in float64; and in float64 always."""
    if float64:
        monkeypatch.setattr(M, "float32_rows_stable", lambda: False)
    rng = np.random.default_rng(K)
    a = rng.standard_normal((300, K)).astype(np.float32)
    b = rng.standard_normal((K, N)).astype(np.float32)
    ref = M.stable_matmul(a, b)
    assert ref.dtype == np.float32
    np.testing.assert_allclose(ref, a @ b, rtol=1e-4, atol=1e-4)
    for start, n in [(0, 1), (5, 2), (7, 13), (31, 100), (1, 299)]:
        assert np.array_equal(M.stable_matmul(a[start:start + n], b), ref[start:start + n])
    out = np.empty((2, 10, N), np.float32)
    M.stable_matmul(np.stack([a[3:13], a[50:60]]), np.stack([b, b]), out=out)
    assert np.array_equal(out, np.stack([ref[3:13], ref[50:60]]))


def test_inference_logits_are_what_the_softmax_reads():
    """forward(..., probs=False), the learned tokenizer's way to its labels, returns the logits
    whose softmax is the probabilities of the default call (so their argmax is the same)."""
    rng = np.random.default_rng(5)
    params = M.init_params(30, 5, 8, "birnn", 1, seed=0, dtype=np.float64)
    ids, _, mask = random_batch(rng)
    S = M.input_layer(params, params["Wxh"], ids, 2)
    P, _ = M.forward(params, "birnn", None, mask, x0_split=S)
    logits, _ = M.forward(params, "birnn", None, mask, x0_split=S.copy(), probs=False)
    e = np.exp(logits - logits.max(axis=2, keepdims=True))
    np.testing.assert_allclose(e / e.sum(axis=2, keepdims=True), P, rtol=1e-12)
    assert not np.allclose(logits, P)  # (not the probabilities themselves)

def test_embedding_gradient_is_a_row_scatter():
    rng = np.random.default_rng(4)
    ids, _, mask = random_batch(rng)
    dX = rng.standard_normal(ids.shape[:2] + (6,))
    g = M.embed_backward(dX, ids, mask)
    dense = np.zeros((30, 6))
    for t, b in zip(*np.nonzero(mask)):
        for k in range(ids.shape[2]):
            dense[ids[t, b, k]] += dX[t, b]
    np.testing.assert_allclose(g.to_dense((30, 6)), dense, rtol=1e-12, atol=1e-12)
    assert list(g.rows) == sorted(set(ids[mask > 0].ravel()))


@pytest.mark.parametrize("arch,layers,features", ARCHS)
def test_gradcheck_passes(sents, arch, layers, features):
    results = gc.run(sents, FEATURE_SETS[features], arch, layers, checks=10, seed=1)
    assert all(r.passed for r in results), gc.format_table(results)
    assert max(r.max_rel for r in results) <= 1e-6
    assert {r.name for r in results} == set(M.param_shapes(1, 1, 1, arch, layers))


def test_gradcheck_all_entries(sents):
    results = gc.run(sents, FEATURE_SETS["word"], "birnn", 1, hidden=3, check_all=True)
    assert all(r.passed for r in results), gc.format_table(results)
    assert all(r.checked == int(np.prod(r.shape)) for r in results)


def mutant(old: str, new: str):
    """model.py with one line of its backward pass changed: a planted bug."""
    assert MODEL_SRC.count(old) == 1, old
    spec = importlib.util.spec_from_loader("mutant_model", loader=None)
    module = importlib.util.module_from_spec(spec)
    sys.modules["mutant_model"] = module  # (its dataclasses look their module up there)
    exec(compile(MODEL_SRC.replace(old, new), "mutant_model.py", "exec"), module.__dict__)
    return module


BUGS = {
    # (a) the classic one: the gradient to h_{t-1} without the transpose of Whh
    "no_transpose": ("dh_next = np.matmul(da, WhhT)", "dh_next = np.matmul(da, Whh)",
                     {"Whh", "Wxh", "bh"}),
    # (b) a wrong bias gradient: the gradient above tanh instead of below it
    "bias_above_tanh": ("grads[bh] = dZ.sum(axis=(0, 1))",
                        "grads[bh] = _join_directions(_split_directions(dout, D)).sum(axis=(0, 1))",
                        {"bh"}),
    "output_bias_mean": ('grads["by"] = dlogits.sum(axis=(0, 1))',
                         'grads["by"] = dlogits.mean(axis=(0, 1))', {"by"}),
    "tanh_derivative": ("G = HS * HS", "G = HS.copy()", {"Whh", "Wxh", "bh"}),  # 1 - h, not 1 - h^2
    "padding_not_masked": ("G *= M  # zero on padding", "pass", None),
    # off by one: the first step is never masked (the check batch has a sentence one word
    # shorter than the longest, and one whose first word is untagged, so this shows in bh)
    "padding_mask_from_step_1": ("G *= M  # zero on padding", "G[1:] *= M[1:]", {"bh"}),
}


@pytest.mark.parametrize("bug", list(BUGS))
@pytest.mark.parametrize("arch", ["rnn", "birnn"])
def test_gradcheck_catches_planted_bugs(sents, bug, arch):
    old, new, affected = BUGS[bug]
    buggy = mutant(old, new)
    results = gc.run(sents, FEATURE_SETS["rich"], arch, 1, checks=10, seed=0,
                     loss_and_grads=buggy.loss_and_grads)
    failed = {r.name for r in results if not r.passed}
    if bug in ("padding_not_masked", "padding_mask_from_step_1"):
        # harmless left to right (padding comes after the words); wrong right to left, where
        # the state must be reset before a short sentence's last word
        assert bool(failed) == (arch == "birnn"), gc.format_table(results)
        return
    assert failed == affected, gc.format_table(results)
    worst = max(r.max_rel for r in results if not r.passed)
    assert worst > 1e-3  # orders of magnitude above the 1e-6 tolerance
    names = [r.name for r in results if not r.passed]
    assert gc.summary_line(results) == "FAILED: gradient check failed for " + ", ".join(names)


def test_overfits_twenty_sentences(sents):
    """The whole training path can drive the training error on 20 sentences to zero."""
    from postag_cli.features import Features
    from postag_cli.tagger import Tagger
    from postag_cli.training import Adagrad, encode

    data_s = sents[:20]
    feats = Features.build([w for s in data_s for w in s.words], FEATURE_SETS["rich"])
    tagset = sorted({t for s in data_s for t in s.tags if t})
    data = encode(data_s, feats, {t: i for i, t in enumerate(tagset)})
    params = M.init_params(len(feats), len(tagset), 32, "birnn", 1, seed=0)
    opt = Adagrad(params, 0.1, 5.0)
    ids, tags, mask = gc.make_batch(data)
    mask = mask.astype(np.float32)
    for _ in range(150):
        loss, grads = M.loss_and_grads(params, "birnn", M.Batch(ids, tags, mask))
        opt.step(params, grads, 1.0 / mask.sum())
    tagger = Tagger(params, feats, tagset, {"arch": "birnn", "templates": feats.templates})
    predicted = tagger.tag_sents([s.words for s in data_s])
    gold = [[t for t in s.tags] for s in data_s]
    assert predicted == gold


@pytest.mark.parametrize("F,K,n", [(5, 4, 60), (400, 6, 300), (3, 1, 500)])
def test_embedding_gradient_with_repeats_and_frequent_rows(F, K, n):
    """Rows used once, a few times, more than 16 times, and twice by the same word."""
    rng = np.random.default_rng(F)
    ids = rng.integers(0, F, (n, 2, K))
    mask = (rng.random((n, 2)) > 0.2).astype(np.float64)
    dX = rng.standard_normal((n, 2, 7))
    g = M.embed_backward(dX, ids, mask)
    dense = np.zeros((F, 7))
    for t, b in zip(*np.nonzero(mask)):
        for k in range(K):
            dense[ids[t, b, k]] += dX[t, b]
    np.testing.assert_allclose(g.to_dense((F, 7)), dense, rtol=1e-10, atol=1e-12)


def test_word_types_share_one_vector_per_distinct_input():
    ids = np.array([[[1, 2], [1, 2]], [[3, 4], [1, 2]], [[0, 0], [1, 2]]])  # (T=3, B=2, K=2)
    mask = np.array([[1, 1], [1, 1], [0, 1]])
    type_ids, word_type, type_form = M.word_types(ids, mask)
    assert type_form is None
    assert type_ids.tolist() == [[1, 2], [3, 4]]  # the padding's [0, 0] is no type
    assert word_type.tolist() == [[0, 0], [1, 0], [0, 0]]
    # the same features under two spellings (e.g. two unknown words) are two types
    form = np.array([[5, 6], [7, 5], [0, 5]])
    type_ids, word_type, type_form = M.word_types(ids, mask, form)
    assert len(type_ids) == 3 and type_form.tolist() == [5, 6, 7]
    assert np.array_equal(type_ids[word_type][mask > 0], ids[mask > 0])
    assert np.array_equal(type_form[word_type][mask > 0], form[mask > 0])


@pytest.mark.parametrize("arch,layers", [("rnn", 1), ("birnn", 2)])
def test_gradcheck_passes_with_fixed_dropout_masks(sents, arch, layers):
    results = gc.run(sents, FEATURE_SETS["rich"], arch, layers, checks=10, seed=2,
                     char_hidden=3, adversarial=1.0, dropout=DROPOUT)
    assert all(r.passed for r in results), gc.format_table(results)


def test_check_batch_has_a_single_padding_step_and_an_untagged_first_word(sents):
    _, _, tags, mask, _ = gc.check_problem(sents, FEATURE_SETS["word"], "birnn", 1)
    assert mask.shape[0] - 1 in mask.sum(axis=0).astype(int).tolist()
    assert ((tags[0] < 0) & (mask[0] > 0)).any()  # a real word without a gold tag


def test_unique_rows_matches_numpy_and_falls_back_on_a_hash_collision(monkeypatch):
    rng = np.random.default_rng(0)
    key = rng.integers(0, 4, (300, 3))  # many repeated rows
    uniq, inv = M.unique_rows(key)
    assert np.array_equal(uniq[inv], key)
    assert len(uniq) == len(np.unique(key, axis=0)) == len({tuple(r) for r in key})
    # every row hashing to the same number: the check sees it and np.unique answers
    monkeypatch.setattr(M, "_ROW_HASH", np.zeros(64, dtype=np.uint64))
    uniq2, inv2 = M.unique_rows(key)
    ref, ref_inv = np.unique(key, axis=0, return_inverse=True)
    assert np.array_equal(uniq2, ref) and np.array_equal(inv2, ref_inv.reshape(-1))


def test_last_padding_step_finds_where_the_mask_is_still_needed():
    lens = np.array([5, 3, 5])
    T = 5
    mask = (np.arange(T)[:, None] < lens[None, :]).astype(np.float32)  # (T, B)
    Mk = np.empty((T, 2, 3, 1), dtype=np.float32)
    Mk[:, 0, :, 0] = mask
    Mk[:, 1, :, 0] = mask[::-1]  # right to left: the short sentence starts with 2 padding steps
    assert M._last_padding_step(Mk) == 1
    assert M._last_padding_step(Mk[:, :1]) == -1  # left to right only: padding is at the end
    assert M._last_padding_step(np.ones((4, 2, 3, 1))) == -1


@pytest.mark.parametrize("p", [0.5, 0.25, 0.9])
def test_dropout_mask_is_inverted_dropout(p):
    m = M._dropout_mask(np.random.default_rng(0), (200, 500), p, np.float32)
    kept = m > 0
    assert abs(1 - kept.mean() - p) < 0.01  # dropped with probability p
    assert np.allclose(m[kept], 1 / (1 - p), rtol=1e-4)  # kept ones scaled by 1/(1-p)
    assert abs(m.mean() - 1) < 0.02  # the expectation is unchanged


@pytest.mark.parametrize("with_mask", [False, True])
def test_recurrence_backward_with_recurrent_dropout_matches_finite_differences(with_mask):
    """rnn_backward against central differences of rnn_forward, in float64, with padding (a
    short sentence in each direction) and, optionally, a fixed recurrent dropout mask R."""
    rng = np.random.default_rng(1)
    T, D, B, H = 5, 2, 3, 4
    X = rng.standard_normal((T, D, B, H))
    Whh = rng.standard_normal((D, H, H)) * 0.5
    Mk = np.ones((T, D, B, 1))
    Mk[3:, 0, 2] = 0  # sentence 2 has 3 words: padding at the end left to right,
    Mk[:2, 1, 2] = 0  # and at the start right to left
    R = (rng.random((D, B, H)) > 0.3) / 0.7 if with_mask else None
    dHS = rng.standard_normal((T, D, B, H)) * Mk  # dloss/dh from above (none on padding)

    def loss(X_, W_):
        return float((M.rnn_forward(X_, W_, Mk, R) * dHS).sum())

    dA, dW = M.rnn_backward(dHS, M.rnn_forward(X, Whh, Mk, R), Whh, Mk, R)
    eps = 1e-6
    for arr, grad in ((Whh, dW), (X, dA)):
        num = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            old = arr[idx]
            arr[idx] = old + eps
            up = loss(X, Whh)
            arr[idx] = old - eps
            down = loss(X, Whh)
            arr[idx] = old
            num[idx] = (up - down) / (2 * eps)
        np.testing.assert_allclose(grad * (Mk if grad is dA else 1), num, atol=1e-7)


def test_pack_by_hand():
    """Three sequences of lengths 3, 2, 1: step 0 holds all three, step 1 the first two,
    step 2 the first; rev pairs each element with its mirror in the same sequence."""
    pk = M.pack(np.array([3, 2, 1]))
    assert pk.n.tolist() == [3, 2, 1] and pk.off.tolist() == [0, 3, 5]
    assert pk.step.tolist() == [0, 0, 0, 1, 1, 2] and pk.seq.tolist() == [0, 1, 2, 0, 1, 0]
    assert pk.prev.tolist() == [0, 1, 3]  # rows 3, 4, 5 continue rows 0, 1, 3
    assert pk.rev.tolist() == [5, 4, 2, 3, 1, 0]
    assert (pk.rev[pk.rev] == np.arange(6)).all()


def test_char_rnn_matches_a_form_by_form_oracle():
    """The packed, batched character biRNN gives each form the states of a plain loop over
    its characters (forward from the first, backward from the last)."""
    from postag_cli.features import chars_of_types

    rng = np.random.default_rng(7)
    Hc, n_chars = 4, 9
    params = {"Wxc": rng.standard_normal((n_chars, 2 * Hc)), "Whc": rng.standard_normal((2, Hc, Hc)),
              "bc": rng.standard_normal(2 * Hc)}
    forms = [rng.integers(0, n_chars, n) for n in (3, 1, 6, 3, 2, 6)]
    table = np.zeros((len(forms), 6), dtype=np.int64)
    for i, f in enumerate(forms):
        table[i, :len(f)] = f
    chars = chars_of_types(table, np.array([len(f) for f in forms]), np.zeros((1, 1), int))
    c, _ = M.char_forward(params, chars)
    for i, f in enumerate(forms):
        want = []
        for d, seq in ((0, f), (1, f[::-1])):
            h = np.zeros(Hc)
            for ch in seq:
                h = np.tanh(params["Wxc"][ch, d * Hc:(d + 1) * Hc] + params["bc"][d * Hc:(d + 1) * Hc]
                            + h @ params["Whc"][d])
            want.append(h)
        np.testing.assert_allclose(c[i], np.concatenate(want), rtol=1e-12, atol=1e-12)


CHAR_BUGS = {
    # the classic one, in the character RNN
    "no_transpose": ("np.matmul(da, WhhT, out=dh_next[:, :k])", "np.matmul(da, Whh, out=dh_next[:, :k])",
                     {"Whc", "Wxc", "bc"}),
    # dWhh pairing each step's gradient with its own state instead of the previous one
    "state_not_shifted": ("HS[:, pk.prev].transpose(0, 2, 1)", "HS[:, pk.n[0]:].transpose(0, 2, 1)",
                          {"Whc"}),
    # the backward direction's input gradients credited to the characters in reading order
    "backward_direction_not_mirrored": ("dZ[:, Hc:] = dA[1][pk.rev]", "dZ[:, Hc:] = dA[1]", {"Wxc"}),
}




@pytest.mark.parametrize("seed,holes", [(0, False), (1, False), (0, True), (1, True), (2, True)])
def test_crf_forward_backward_matches_enumeration(seed, holes):
    """log Z, the marginals and the expected transition counts of the CRF, against a sum over
    every tag sequence; masked words (padding, or untagged words mid-sentence) are skipped.
    With and without holes (words masked before the sentence's last word)."""
    import itertools

    rng = np.random.default_rng(seed)
    T, B, C = 4, 4, 3
    logits, W = rng.standard_normal((T, B, C)) * 2, rng.standard_normal((C + 1, C))
    mask = np.ones((T, B))
    mask[2:, 0] = 0  # a short sentence
    mask[1:, 1] = 0  # a one-word sentence
    if holes:
        mask[1, 2] = 0  # an untagged word in the middle
        mask[:2, 3] = 0  # ... and at the start
    logZ, P, counts = M.crf_marginals(logits, mask, W)
    want_counts = np.zeros((C + 1, C))
    for b in range(B):
        ts = [t for t in range(T) if mask[t, b]]
        Z, marg, cnt = 0.0, np.zeros((T, C)), np.zeros((C + 1, C))
        for ys in itertools.product(range(C), repeat=len(ts)):
            prev = [C] + list(ys[:-1])
            w = np.exp(sum(logits[t, b, y] for t, y in zip(ts, ys))
                       + sum(W[p, y] for p, y in zip(prev, ys)))
            Z += w
            for t, y in zip(ts, ys):
                marg[t, y] += w
            for p, y in zip(prev, ys):
                cnt[p, y] += w
        np.testing.assert_allclose(logZ[b], np.log(Z), rtol=1e-12)
        np.testing.assert_allclose(P[:, b], marg / Z, atol=1e-12)
        want_counts += cnt / Z
    np.testing.assert_allclose(counts, want_counts, atol=1e-12)


def test_gradcheck_passes_with_crf(sents):
    results = gc.run(sents, FEATURE_SETS["rich"], "birnn", 1, checks=10, seed=3, char_hidden=3,
                     crf=True)
    assert all(r.passed for r in results), gc.format_table(results)
    assert "Wyy" in {r.name for r in results}


CRF_BUGS = {
    # the backward recursion of the CRF without the transpose of the transition matrix
    "no_transpose": ("beta = np.where(real[t], mm(g, ET), beta)",
                     "beta = np.where(real[t], mm(g, E[:C]), beta)", {"Wyy", None}),
    # expected transition counts without the transition weights
    "counts_without_weights": ("(AL[:-1].reshape(-1, C).T @ G[1:].reshape(-1, C)) * E[:C]",
                               "(AL[:-1].reshape(-1, C).T @ G[1:].reshape(-1, C))", {"Wyy"}),
    # the start transitions' expected counts left out
    "no_start_counts": ("* E[C]  # from the start", "* 0  # from the start", {"Wyy"}),
    # paths assumed to start at step 0 (wrong for a sentence whose first word is untagged)
    "start_counts_at_step_0": ("n[C] = (G * S).sum(axis=(0, 1)) * E[C]",
                               "n[C] = G[0].sum(axis=0) * E[C]", {"Wyy"}),
    # the backward recursion restarted at an untagged word inside a sentence, instead of
    # carried over it (the check batch has such a word since an audit planted this bug)
    "beta_reset_at_untagged_word": ("beta = np.where(real[t], mm(g, ET), beta)",
                                    "beta = np.where(real[t], mm(g, ET), 1.0)", {"Wyy", None}),
}


DROPOUT = (0.5, 0.25, 0.2)  # output, recurrent, input: fixed masks
DROPOUT_BUGS = {
    "output_mask_forgotten": ("            dout *= drop  # (dout is a fresh array)",
                              "            pass", {"Whh", "Wxh", "bh"}),
    "recurrent_mask_forgotten": ("dh_next *= R  # (times R", "pass  # (", {"Whh", "Wxh", "bh"}),
    "input_mask_forgotten": ('dZ = dZ * cache["drop_in"]', "dZ = dZ", {"Wxh"}),
    "recurrent_mask_not_in_dWhh": ("HS[:-1, d] if R is None else HS[:-1, d] * R[d]",
                                   "HS[:-1, d]", {"Whh"}),
}


ADV_BUGS = {
    # the second pass's gradient of the word vectors left out of the tables and char RNN
    "second_pass_types_dropped": ('dZ[:T, sel] += cache_r["dZ_in"]', 'pass',
                                  {"Wxh", "Wxc", "Whc", "bc", "Wcx"}),
    # the second pass's gradient of the dense parameters left out
    "second_pass_dense_dropped": ("        grads[k] += g", "        pass",
                                  {"Whh", "bh", "Why", "by"}),
    # dloss/dx taken above the tanh (the direction r is built from, and dloss/dr, are wrong)
    "input_gradient_above_tanh": ('cache["dX"] = dZ  #', 'cache["dX"] = dout  #', {"r_adv"}),
    # the perturbation never reaches the network
    "perturbation_not_applied": ("S += _split_directions(r, D)  #", "S += 0 * _split_directions(r, D)  #",
                                 {"r_adv"}),
}


TABLE_BUGS = {
    # rows used 9-16 times in the batch (one of the groups whose uses are summed together)
    # given twice their gradient: the check takes an entry of a row for every number of uses
    "rows_used_9_to_16_doubled": ("values[r] = dXn[at].sum(axis=1)",
                                  "values[r] = dXn[at].sum(axis=1) * (2 if lo == 9 else 1)",
                                  {"Wxc"}),  # (the check batch's rows used so: characters)
}


OPTION_BUGS = {"tables": (TABLE_BUGS, {"char_hidden": 3}),
               "character RNN": (CHAR_BUGS, {"char_hidden": 3}),
               "CRF": (CRF_BUGS, {"crf": True}),
               "adversarial": (ADV_BUGS, {"adversarial": 1.0, "char_hidden": 3}),
               "dropout masks": (DROPOUT_BUGS, {"dropout": DROPOUT})}


@pytest.mark.parametrize("option,bug", [(o, b) for o, (bugs, _) in OPTION_BUGS.items() for b in bugs])
def test_gradcheck_catches_planted_bugs_in_options(sents, option, bug):
    bugs, options = OPTION_BUGS[option]
    old, new, affected = bugs[bug]
    results = gc.run(sents, FEATURE_SETS["rich"], "birnn", 1, checks=10, seed=0,
                     loss_and_grads=mutant(old, new).loss_and_grads, **options)
    failed = {r.name for r in results if not r.passed}
    if None in affected:  # wrong marginals: every parameter's gradient is off
        assert affected - {None} <= failed and len(failed) > 3, gc.format_table(results)
    else:
        assert failed == affected, gc.format_table(results)


@pytest.mark.parametrize("arch,layers,char_hidden,crf", [("rnn", 1, 0, False), ("birnn", 1, 3, False),
                                                         ("birnn", 2, 3, True)])
def test_gradcheck_passes_with_adversarial_pass(sents, arch, layers, char_hidden, crf):
    results = gc.run(sents, FEATURE_SETS["rich"], arch, layers, checks=10, seed=2,
                     char_hidden=char_hidden, crf=crf, adversarial=1.0)
    assert all(r.passed for r in results), gc.format_table(results)
    names = {r.name for r in results}
    assert names == set(M.param_shapes(1, 1, 1, arch, layers, 1, char_hidden, crf=crf)) | {"r_adv"}


def test_adversarial_perturbation_has_the_given_size_and_raises_the_loss_fastest():
    rng = np.random.default_rng(4)
    ids, tags, mask = random_batch(rng)
    params = M.init_params(30, 5, 6, "birnn", 1, seed=0, dtype=np.float64, scale=2.0)
    mask = mask.astype(np.float64)
    batch = M.Batch(ids, tags, mask)
    loss0, _, cache = M._loss_and_grads(params, "birnn", batch, M.NO_NOISE)
    eps = 1e-3
    r = M.adversarial_perturbation(cache["dX"], mask, eps)
    norms = np.linalg.norm(r, axis=2)  # (T, B)
    assert np.all(norms[mask == 0] == 0)
    n = mask.sum(axis=0)
    assert np.allclose(np.sqrt((norms ** 2).sum(axis=0)), eps * np.sqrt(n))  # mean square eps

    def loss_at(r):
        return M._loss_and_grads(params, "birnn", batch, M.NO_NOISE, r_adv=r)[0]

    rise = loss_at(r) - loss0
    # to first order the rise is g . r = eps * sum_b sqrt(n_b) ||g_b||
    g = cache["dX"] * mask[:, :, None]
    expected = eps * (np.sqrt(n) * np.sqrt((g ** 2).sum(axis=(0, 2)))).sum()
    assert rise == pytest.approx(expected, rel=1e-2)
    for seed in range(20):  # random directions of the same size per sentence rise less
        q = np.random.default_rng(seed).standard_normal(r.shape) * mask[:, :, None]
        q *= (np.linalg.norm(r, axis=(0, 2)) / np.linalg.norm(q, axis=(0, 2)))[None, :, None]
        assert loss_at(q) - loss0 < rise


def test_adversarial_loss_is_the_sum_of_both_passes():
    rng = np.random.default_rng(5)
    ids, tags, mask = random_batch(rng)
    params = M.init_params(30, 5, 6, "birnn", 1, seed=0, dtype=np.float64)
    mask = mask.astype(np.float64)
    batch = M.Batch(ids, tags, mask)
    loss, grads = M.loss_and_grads(params, "birnn", batch, M.Noise(adversarial=0.5))
    loss0, grads0 = M.loss_and_grads(params, "birnn", batch)
    _, _, cache = M._loss_and_grads(params, "birnn", batch, M.NO_NOISE)
    r = M.adversarial_perturbation(cache["dX"], mask, 0.5)
    loss_r, grads_r = M.loss_and_grads(params, "birnn", batch, M.Noise(adversarial=0.5, r_adv=r))
    loss2, grads2 = M.loss_and_grads(params, "birnn", batch, M.Noise(adversarial=1e-9, r_adv=r))
    assert loss == pytest.approx(loss_r) and loss2 == pytest.approx(loss_r)  # r given or computed
    second = M._loss_and_grads(params, "birnn", batch, M.NO_NOISE, r_adv=r)
    assert loss == pytest.approx(loss0 + second[0]) and second[0] > loss0
    for k in grads0:  # the gradient of the sum: the clean pass's plus the perturbed pass's
        dense = [gc._dense(g[k], params[k].shape) for g in (grads, grads_r, grads0, second[1])]
        assert np.allclose(dense[0], dense[1]) and np.allclose(dense[0], dense[2] + dense[3])


def test_truncation_error_is_not_a_failure_but_a_small_bug_is(sents):
    """With seed 4 the dropout-mask check meets a bias (bc) whose central difference is off by
    eps^2 f'''/6 = 6.6e-6 relative on a correct gradient; the Richardson re-measure passes it.
    A gradient wrong by 0.01% is still caught."""
    kw = dict(checks=10, seed=4, char_hidden=3, adversarial=1.0, dropout=DROPOUT)
    results = gc.run(sents, FEATURE_SETS["rich"], "birnn", 2, **kw)
    assert all(r.passed for r in results), gc.format_table(results)

    def slightly_wrong(*args, **kwargs):
        loss, grads = M.loss_and_grads(*args, **kwargs)
        grads["bc"] = grads["bc"] * 1.0001
        return loss, grads

    results = gc.run(sents, FEATURE_SETS["rich"], "birnn", 2, loss_and_grads=slightly_wrong, **kw)
    assert {r.name for r in results if not r.passed} == {"bc"}, gc.format_table(results)


def test_checked_table_entries_cover_every_number_of_uses():
    """The entries gradcheck takes from an embedding table are spread over how often their rows
    are used in the batch (1, 2, 3-4, ... 9-16, more), one group after the other."""
    rows, counts = np.array([3, 5, 7, 11, 13]), np.array([1, 1, 2, 9, 30])
    for seed in range(5):
        flat = gc._spread_entries(rows, counts, 4, 4, np.random.default_rng(seed))
        assert len(set(flat.tolist())) == 4
        got = sorted(flat // 4)
        assert got[0] in (3, 5) and got[1:] == [7, 11, 13]
    flat = gc._spread_entries(rows, counts, 4, 20, np.random.default_rng(0))
    assert sorted(flat.tolist()) == sorted((rows[:, None] * 4 + np.arange(4)).ravel().tolist())
