"""Where training time goes: a profile of the default model's minibatch gradients, or phase timers.

    python bench/profile_train.py --ewt ../shared/data/ud-english-ewt [--batches 150]
    python bench/profile_train.py --ewt ../shared/data/ud-english-ewt --phases

Default: builds the training data and the minibatch job exactly as `postag train` does, then
computes both parts of the first `--batches` minibatches of epoch 1 in this process under
cProfile and prints the functions with the most time (weights stay at their initial values;
the work per minibatch does not depend on them; word and feature dropout, one random draw per
feature, are left out). --phases: trains one epoch with two processes
and prints, per minibatch, the main process's time computing its part, waiting for the
helper's part, and applying the shared Adagrad step.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

from ewt import add_ewt_option, ewt_paths  # bench/ewt.py

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import numpy as np  # noqa: E402

from postag_cli import model as M  # noqa: E402
from postag_cli import training as T  # noqa: E402
from postag_cli.features import Features  # noqa: E402


def profile_parts(train_f, n_batches, top):
    cfg = T.TrainConfig(gradcheck=False)
    sents, _ = T.read_corpus(train_f, cfg.tag_column)
    cfg = T.replace(cfg, batch_size=T.auto_batch_size(len(sents)),  # (as train() chooses them)
                    hidden=T.auto_hidden(len(sents)))
    feats = Features.build([w for s in sents for w in s.words], cfg.templates(), cfg.min_count,
                           char_model=cfg.char_hidden > 0)
    tagset = sorted({t for s in sents for t in s.tags if t is not None})
    data = T.encode(sents, feats, {t: i for i, t in enumerate(tagset)})
    lengths = np.array([len(e[0]) for e in data])
    params = M.init_params(len(feats), len(tagset), cfg.hidden, cfg.arch, cfg.layers,
                           seed=cfg.seed, n_chars=len(feats.chars), char_hidden=cfg.char_hidden)
    job = T.BatchJob(cfg, params, data, T.CharTable(feats, data), None, feats.word_unk, None, -1)
    batches = T.minibatches(lengths, cfg.batch_size, np.random.default_rng([cfg.seed, 1]))
    parts = [T.split_batch(b, lengths, T.BATCH_PARTS) for b in batches[:n_batches]]

    def run():
        for i, p in enumerate(parts):
            for j, part in enumerate(p):
                job.gradients(1, i, j, part)

    run()  # warm up
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.runcall(run)
    secs = time.perf_counter() - t0
    n = sum(len(p) for p in parts)
    print(f"{n} parts of {len(parts)} minibatches: {secs:.2f} s under cProfile, "
          f"{secs / n * 1e3:.1f} ms per part")
    pstats.Stats(prof).sort_stats("cumulative").print_stats(r"postag_cli", top)


def phases(train_f):
    acc = {"part": 0.0, "wait": 0.0, "step": 0.0, "n": 0}

    def timed(fn, key, count=False):
        def wrapper(*a, **kw):
            t = time.perf_counter()
            out = fn(*a, **kw)
            acc[key] += time.perf_counter() - t
            acc["n"] += count
            return out
        return wrapper

    real_gradients = T.BatchJob.gradients
    T.BatchJob.gradients = timed(real_gradients, "part", True)  # the helper's calls are not seen
    T.Helper.result = timed(T.Helper.result, "wait")
    T.Helper.step_split = timed(T.Helper.step_split, "step")
    r = T.train(train_f, Path("/tmp") / f"postag-profile-{os.getpid()}.npz",
                T.TrainConfig(epochs=1, gradcheck=False), jobs=2, log=lambda m: None,
                progress=False, checkpoint=None)
    os.unlink(Path("/tmp") / f"postag-profile-{os.getpid()}.npz")
    n = acc["n"]
    print(f"{r.history[0]['tokens_per_s']:,.0f} tokens/s; per minibatch ({n}): own part "
          f"{acc['part'] / n * 1e3:.2f} ms, waiting for the helper "
          f"{(acc['wait']) / n * 1e3:.2f} ms (includes the wait inside the step), step "
          f"{acc['step'] / n * 1e3:.2f} ms")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_ewt_option(ap)
    ap.add_argument("--batches", type=int, default=150)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--phases", action="store_true")
    args = ap.parse_args()
    train_f, _ = ewt_paths(args.ewt)
    if args.phases:
        phases(train_f)
    else:
        profile_parts(train_f, args.batches, args.top)


if __name__ == "__main__":
    main()
