"""Gradient checking: the hand-written backward pass against central differences.

For a parameter entry w the numerical gradient is (L(w + eps) - L(w - eps)) / (2 eps), computed
in float64 with dropout off and no clipping (clipping belongs to the optimiser step, not to the
gradient). The analytic gradient comes from `model.loss_and_grads`, the function training uses.

Dropout makes the loss random, so the checks run without it; `dropout=(p_out, p_rec, p_in)`
adds one check of the masks' own backward code: every evaluation of the loss draws its masks
from a generator with the same seed, so they are the same fixed masks each time, and the loss
is an ordinary function of the weights.

The check batch is built so that boundary cases occur in it whatever the corpus: one sentence
one word shorter than the longest (a single padding step, first in the right-to-left
direction), and one whose first word has no gold tag (so a CRF path need not start at step 0).

An entry passes when

    relative error = |analytic - numerical| / max(|analytic| + |numerical|, FLOOR) <= TOLERANCE

The floor keeps the relative error meaningful for entries whose true gradient is ~0: there the
test becomes an absolute one, |analytic - numerical| <= TOLERANCE * FLOOR.

Central differences are off by eps^2 f'''(w) / 6 (truncation). Through saturated units (the
check uses large weights on purpose) that can reach the tolerance on a correct gradient (1 or
2 seeds in 20 for some configurations, in a bias that every step reads), so an entry that fails
is measured again by Richardson extrapolation, (4 D(eps/2) - D(eps)) / 3, which cancels the
eps^2 term; it counts as failed only if it still fails. A real bug is off by far more than
either estimate's error, and is caught either way.

With adversarial training the loss has a second pass on perturbed word vectors x + r. Training
holds r constant (its own gradient is not followed), so the check fixes r too (random, of the
training size) and also checks dloss/dr, "r_adv": the gradient with respect to the word
vectors, from which training computes r.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from . import model as model_module
from .model import make_batch  # the batches training uses (re-exported for tests)
from .settings import TrainConfig

EPS = 1e-5
FLOOR = 1e-2
TOLERANCE = 1e-6


@dataclass
class ParamCheck:
    name: str
    shape: tuple
    checked: int
    max_rel: float
    max_abs: float
    worst_index: tuple
    passed: bool


def _dense(g, shape):
    return g.to_dense(shape) if hasattr(g, "to_dense") else g  # SparseRows (any module copy)


def check_gradients(params, arch, ids, tags, mask, checks=10, check_all=False, seed=0,
                    loss_and_grads=None, eps=EPS, chars=None, adversarial=0.0,
                    adversarial_stride=1, dropout=None):
    """Compare analytic and numerical gradients on `checks` random entries of every parameter
    (or on every entry). Entries of an embedding table are drawn from the rows the batch uses
    (the other rows' gradient is exactly zero). With adversarial = eps > 0, the loss has the
    adversarial pass (on every adversarial_stride-th sentence) with a fixed random r of mean
    norm eps per word, and r is checked too. dropout = (p_out, p_rec, p_in): fixed dropout
    masks (the same seed for every evaluation). Returns one ParamCheck per parameter (and "r_adv")."""
    loss_and_grads = loss_and_grads or model_module.loss_and_grads
    params = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    mask = np.asarray(mask, dtype=np.float64)
    rng = np.random.default_rng(seed)
    batch = model_module.Batch(ids, tags, mask, chars)
    noise = _noise(params, mask, rng, dropout, adversarial, adversarial_stride)
    checked = dict(params, **({"r_adv": noise.r_adv} if noise.r_adv is not None else {}))

    def loss_fn():
        n = noise
        if dropout is not None:  # a fresh generator with the same seed: the same masks
            n = replace(noise, rng=np.random.default_rng(seed + 7919))
        return loss_and_grads(params, arch, batch, n)

    def central(p, i, h):  # (L(w + h) - L(w - h)) / 2h for entry i of array p
        old = p[i]
        p[i] = old + h
        lp, _ = loss_fn()
        p[i] = old - h
        lm, _ = loss_fn()
        p[i] = old
        return (lp - lm) / (2 * h)

    _, grads = loss_fn()
    used = _used_rows(ids, mask, chars, adversarial, adversarial_stride)
    results = []
    for name, p in checked.items():
        g = _dense(grads[name], p.shape) if name in grads else np.zeros(0)
        if g.shape != p.shape:
            results.append(ParamCheck(name, p.shape, 0, np.inf, np.inf, (), False))
            continue
        idx = _entries(name, p, used, checks, check_all, rng)
        results.append(_compare(name, p, g, idx, central, eps))
    return results


def _noise(params, mask, rng, dropout, adversarial, adversarial_stride):
    """The Noise of the check: dropout rates (output, recurrent, input), masks held fixed, and a
    fixed adversarial perturbation r_adv of mean norm `adversarial` per word, drawn from rng."""
    p_out, p_rec, p_in = dropout if dropout is not None else (0.0, 0.0, 0.0)
    r = None
    if adversarial > 0:
        DH = params["bh"].shape[0]
        r = rng.standard_normal(mask.shape + (DH,)) * mask[:, :, None]
        r *= adversarial / np.sqrt(DH)  # each r_t of norm about eps
    return model_module.Noise(None, p_out, p_rec, p_in, adversarial, adversarial_stride, r)


def _used_rows(ids, mask, chars, adversarial, adversarial_stride) -> dict:
    """{table: (rows the batch uses, how often each)}: where a table's gradient is not zero."""
    word_rows = np.unique(ids[mask > 0], return_counts=True)
    used = {"Wxh": word_rows}
    if chars is not None:
        used["Wxc"] = np.unique(chars.ids[chars.mask > 0], return_counts=True)
    if adversarial > 0:  # the positions of the words the adversarial pass reads
        read = np.zeros(mask.shape, dtype=bool)
        T, sel = model_module.adversarial_rows(mask, adversarial_stride)
        read[:T, sel] = mask[:T, sel] > 0
        positions = np.flatnonzero(read.reshape(-1))
        used["r_adv"] = (positions, np.ones_like(positions))
    return used


def _entries(name, p, used, checks, check_all, rng) -> list[tuple]:
    """The entries of parameter `name` (array p) to check."""
    if check_all:
        idx = list(np.ndindex(p.shape))
    elif name in used:  # embedding tables: most from the rows the batch uses, some anywhere
        W = p.shape[-1]
        rows, counts = used[name]
        n_used = min(checks - checks // 4, rows.size * W)
        flat = _spread_entries(rows, counts, W, n_used, rng)
        # and one entry of a row for each number of uses in the batch, beyond `checks`
        # (the backward pass sums a row's uses in groups by their number)
        per_count = [rng.choice(rows[counts == c]) * W + rng.integers(W)
                     for c in np.unique(counts)]
        flat = np.r_[flat, np.setdiff1d(per_count, flat)]
        rest = np.setdiff1d(rng.choice(p.size, min(checks - n_used, p.size), replace=False),
                            flat)
        idx = [np.unravel_index(int(i), p.shape) for i in np.r_[flat, rest]]
    elif name == "Wyy" and checks < p.size:  # transitions: some from the start row
        C = p.shape[1]
        n_start = max(checks // 4, 1)
        start = p.size - C + rng.choice(C, min(n_start, C), replace=False)
        flat = np.r_[start, rng.choice(p.size - C, checks - len(start), replace=False)]
        idx = [np.unravel_index(int(i), p.shape) for i in flat]
    else:  # distinct random entries (all of them when there are no more than `checks`)
        flat = rng.choice(p.size, min(checks, p.size), replace=False)
        idx = [np.unravel_index(int(i), p.shape) for i in flat]
    return [tuple(int(j) for j in i) for i in idx]


def _compare(name, p, g, idx, central, eps) -> ParamCheck:
    """Analytic g against central differences on the entries idx of p; an entry over the
    tolerance is measured again by Richardson extrapolation before it fails."""
    max_rel, max_abs, worst = 0.0, 0.0, idx[0] if idx else ()
    for i in idx:
        ana = float(g[i])
        num = central(p, i, eps)
        if abs(ana - num) / max(abs(ana) + abs(num), FLOOR) > TOLERANCE:
            num = (4 * central(p, i, eps / 2) - num) / 3  # Richardson: no eps^2 term
        err = abs(ana - num)
        rel = err / max(abs(ana) + abs(num), FLOOR)
        if not np.isfinite(rel):
            rel = np.inf
        if rel > max_rel or worst == ():
            max_rel, worst = rel, i
        max_abs = max(max_abs, err)
    return ParamCheck(name, p.shape, len(idx), max_rel, max_abs, tuple(worst),
                      bool(max_rel <= TOLERANCE))


def _spread_entries(rows, counts, W, n, rng) -> np.ndarray:
    """n distinct entries (flat indices) of the rows of a (rows, W) table that a batch uses,
    spread evenly over how often the rows are used (1, 2, 3-4, 5-8, ... times), so that a bug
    in the gradient of rows used some number of times only (the backward pass sums the uses
    of such rows in one go) is checked as surely as one in all rows."""
    groups = np.ceil(np.log2(counts)).astype(np.int64)  # 1 -> 0, 2 -> 1, 3-4 -> 2, ...
    pools = [rng.permutation((rows[groups == g][:, None] * W + np.arange(W)).ravel())
             for g in np.unique(groups)]
    out, k = [], 0
    while len(out) < n:  # round robin over the groups
        pool = pools[k % len(pools)]
        taken = k // len(pools)
        if taken < len(pool):
            out.append(pool[taken])
        k += 1
    return np.array(out, dtype=np.int64)


def format_table(results) -> str:
    rows = [("parameter", "shape", "checked", "max rel err", "max abs err", "worst index", "verdict")]
    for r in results:
        rows.append((r.name, "x".join(map(str, r.shape)), str(r.checked), f"{r.max_rel:.2e}",
                     f"{r.max_abs:.2e}", ",".join(map(str, r.worst_index)),
                     "ok" if r.passed else "FAIL"))
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines)


def summary_line(results) -> str:
    failed = [r.name for r in results if not r.passed]
    if failed:
        return f"FAILED: gradient check failed for {', '.join(failed)}"
    worst = max((r.max_rel for r in results), default=0.0)
    return (f"PASSED: {len(results)} parameters, worst relative error {worst:.2e} "
            f"(tolerance {TOLERANCE:g})")


def summary_of_configs(results: dict) -> str:
    """The summary line of several checks, {configuration name: [ParamCheck]}."""
    failed = [f"{', '.join(r.name for r in rs if not r.passed)} in the {name}"
              for name, rs in results.items() if not all(r.passed for r in rs)]
    if failed:
        return "FAILED: gradient check failed for " + "; ".join(failed)
    all_results = [r for rs in results.values() for r in rs]
    worst = max((r.max_rel for r in all_results), default=0.0)
    return (f"PASSED: {len(results)} configurations, {len(all_results)} parameter checks, worst "
            f"relative error {worst:.2e} (tolerance {TOLERANCE:g})")


def check_problem(sentences, templates, arch, layers, hidden=6, n_sentences=4, seed=0,
                  scale=2.0, char_hidden=0, crf=False):
    """A small float64 model and batch for checking: the first `n_sentences` sentences that have
    tags, a feature vocabulary built from them, random weights at `scale` times the usual size
    (so tanh is not in its linear range). Returns (params, ids, tags, mask, chars)."""
    from .features import Features
    from .model import init_params

    sents = [s for s in sentences if any(t is not None for t in s.tags)][:n_sentences]
    if not sents:
        raise ValueError("no tagged sentences to check gradients on")
    sents = [type(s)(s.words[:12], s.tags[:12]) for s in sents]  # short: quick and accurate
    longest = max(len(s.words) for s in sents)
    for s in sents[1:]:  # one sentence one word shorter than the longest (one padding step)
        if len(s.words) >= longest - 1 >= 1:
            del s.words[longest - 1:], s.tags[longest - 1:]
            break
    first_untagged = None
    for s in sents[::-1]:  # one sentence whose first word has no gold tag
        if len(s.words) > 1 and any(t is not None for t in s.tags[1:]):
            s.tags[0] = None
            first_untagged = s
            break
    for s in sents:  # and another with an untagged word inside (a CRF path skips over it)
        if s is not first_untagged and len(s.words) > 2:
            s.tags[len(s.words) // 2] = None
            break
    feats = Features.build([w for s in sents for w in s.words], templates, min_count=1,
                           char_model=char_hidden > 0)
    tagset = sorted({t for s in sents for t in s.tags if t is not None})
    tag_index = {t: i for i, t in enumerate(tagset)}
    encoded = [(feats.encode(s.words),
                np.array([tag_index[t] if t is not None else -1 for t in s.tags])) for s in sents]
    ids, tags, mask = make_batch(encoded)
    chars = feats.char_batch([s.words for s in sents], ids.shape[0]) if char_hidden else None
    params = init_params(len(feats), max(len(tagset), 2), hidden, arch, layers, seed=seed,
                         dtype=np.float64, scale=scale, n_chars=len(feats.chars),
                         char_hidden=char_hidden, crf=crf)
    # non-zero biases, so a wrong bias gradient cannot hide behind a zero
    rng = np.random.default_rng(seed + 1)
    for k in params:
        if k.startswith("b"):
            params[k] = rng.standard_normal(params[k].shape) * 0.1
    return params, ids, tags, mask, chars


def run(sentences, templates, arch, layers, hidden=6, checks=10, check_all=False, seed=0,
        loss_and_grads=None, char_hidden=0, crf=False, adversarial=0.0,
        adversarial_stride=1, dropout=None):
    """Build the check problem and check it; returns the list of ParamCheck."""
    params, ids, tags, mask, chars = check_problem(
        sentences, templates, arch, layers, hidden, seed=seed, char_hidden=char_hidden, crf=crf)
    return check_gradients(params, arch, ids, tags, mask, checks=checks, check_all=check_all,
                           seed=seed, loss_and_grads=loss_and_grads, chars=chars,
                           adversarial=adversarial, adversarial_stride=adversarial_stride,
                           dropout=dropout)


def tokenizer_problem(sentences, hidden=6, n_windows=4, width=24, seed=0, scale=2.0):
    """A small float64 tokenizer network (segmenter.py: the same bidirectional RNN, over
    characters) and a batch of `n_windows` training windows of `width` characters or fewer,
    cut from the sentences' surface text as training cuts them: (params, ids, labels, mask).
    One window is one character shorter than the longest (a single padding step)."""
    from . import segmenter as S
    from .model import init_params

    paras = S.paragraphs(sentences[:50])[0]
    if not paras:
        raise ValueError("no sentences with surface text to check the tokenizer on")
    lexicon = S.lexicon_of(sentences[:50])
    feats = S.CharFeatures.build((p.text for p in paras), lexicon, min_count=1)
    data = [w for w in S.windows(paras, feats, width, [lexicon, lexicon]) if len(w[0]) > 2]
    data = data[:n_windows]
    if len(data) > 1 and len(data[1][0]) >= len(data[0][0]) - 1:  # one padding step
        data[1] = (data[1][0][:len(data[0][0]) - 1], data[1][1][:len(data[0][0]) - 1])
    ids, labels, mask = make_batch(data)
    params = init_params(len(feats), len(S.LABELS), hidden, S.ARCH, 1, seed=seed,
                         dtype=np.float64, scale=scale)
    rng = np.random.default_rng(seed + 1)
    for k in params:  # non-zero biases, so a wrong bias gradient cannot hide behind a zero
        if k.startswith("b"):
            params[k] = rng.standard_normal(params[k].shape) * 0.1
    return params, ids, labels, mask


def run_tokenizer(sentences, hidden=6, checks=10, check_all=False, seed=0, loss_and_grads=None):
    """Check the tokenizer network's gradients (dropout off); returns the list of ParamCheck."""
    from .segmenter import ARCH
    params, ids, labels, mask = tokenizer_problem(sentences, hidden, seed=seed)
    return check_gradients(params, ARCH, ids, labels, mask, checks=checks, check_all=check_all,
                           seed=seed, loss_and_grads=loss_and_grads)


# ---------------------------------------------------------------------------------------------
# the suite of `postag gradcheck`: which small models to check, and the report

# the dropout rates whose masks the "dropout masks" run holds fixed: output, recurrent, input
CHECK_DROPOUT = (TrainConfig.dropout, TrainConfig.recurrent_dropout, 0.2)


def one_config(**given) -> dict:
    """The configuration of one check: the defaults of training, with what is given (None:
    not given) put in; char_hidden 4 unless given (small and quick)."""
    d = TrainConfig()
    c = dict(arch=d.arch, layers=d.layers, features=d.features, char_hidden=4, crf=d.crf,
             adversarial=d.adversarial, stride=d.adversarial_stride, dropout=None)
    c.update({k: v for k, v in given.items() if v is not None})
    return c


def config_of_model(meta: dict, one: dict) -> dict:
    """`one` with a model file's architecture (at the small sizes of the check)."""
    return dict(one, arch=meta["arch"], layers=meta["layers"],
                char_hidden=min(meta.get("char_hidden", 0), 4),
                crf=bool(meta.get("crf", False)), adversarial=float(meta.get("adversarial", 0.0)),
                stride=meta.get("adversarial_stride", 1))


def default_suite(one: dict) -> list[tuple[str, dict]]:
    """The runs that together hold every parameter postag can train, and the dropout masks."""
    return [("default model", dict(one)),
            ("seed architecture", dict(arch="rnn", layers=1, features="word", char_hidden=0,
                                       crf=False, adversarial=0.0, stride=1, dropout=None)),
            ("other options", dict(arch="birnn", layers=2, features="rich", char_hidden=3,
                                   crf=not TrainConfig.crf, adversarial=1.0, stride=2,
                                   dropout=None)),
            ("dropout masks", dict(one, layers=2, char_hidden=3, dropout=CHECK_DROPOUT))]


def run_suite(sentences, configs, templates: dict, hidden, checks, check_all, seed,
              tokenizer: bool) -> dict:
    """{name: results} of each configuration (and of the tokenizer's network, as "tokenizer")."""
    results = {name: run(sentences, templates[name], c["arch"], c["layers"], hidden=hidden,
                         checks=checks, check_all=check_all, seed=seed,
                         char_hidden=c["char_hidden"], crf=c["crf"],
                         adversarial=c["adversarial"], adversarial_stride=c["stride"],
                         dropout=c.get("dropout"))
               for name, c in configs}
    if tokenizer:  # the learned tokenizer's network
        results["tokenizer"] = run_tokenizer(sentences, hidden=hidden, checks=checks,
                                             check_all=check_all, seed=seed)
    return results


def describe_config(name, c, templates, hidden) -> str:
    """The heading of a configuration's table."""
    from .info import adversarial_setting
    dropout = "off" if c.get("dropout") is None else \
        "masks fixed (output {}, recurrent {}, input {})".format(*c["dropout"])
    return (f"gradient check{' of the ' + name if name else ''}: arch {c['arch']}, "
            f"{c['layers']} layer(s), features {','.join(templates)}, hidden {hidden}, character "
            f"RNN {c['char_hidden'] or 'none'}, "
            f"CRF {'yes' if c['crf'] else 'no'}, "
            f"adversarial pass {adversarial_setting(c['adversarial'], c['stride'])}, dropout "
            f"{dropout}, float64")


def report(results: dict, configs, templates: dict, hidden) -> str:
    """The tables of every run and the summary line(s)."""
    out = []
    for name, c in configs:
        out += [describe_config(name, c, templates[name], hidden), format_table(results[name])]
        if len(results) > 1:
            out.append("")
    if "tokenizer" in results:
        out += ["gradient check of the tokenizer: arch birnn over characters, 1 layer, character "
                f"features, hidden {hidden}, dropout off, float64",
                format_table(results["tokenizer"]) + "\n"]
    out.append(summary_line(results[""]) if len(results) == 1 else summary_of_configs(results))
    return "\n".join(out)
