"""Training speed of the default model, for comparing source trees or --jobs in one run.

    python bench/train_speed.py --ewt ../shared/data/ud-english-ewt [--src DIR ...] [--rounds 2]
                                [--epochs 1] [--configs "" "hidden=96,char_hidden=0" ...]

Each round trains `--epochs` epochs of the default model on EWT train (no dev set, no gradient
check, no checkpoint) once per (source tree, jobs) setting, in a fresh process, and prints the
batch loop's tokens/s per epoch; settings alternate within a round so that the machine's drift
hits them alike. The table gives the mean and the best epoch of each setting (on a shared,
noisy machine the best is the steadier figure: interference only ever slows a run down).
A source tree is a checkout's `src` folder (e.g. an older commit's, from `git worktree add`);
jobs are tried as given by --jobs (ignored by trees that predate --jobs). --configs compares
settings: each is a comma-separated list of TrainConfig overrides ("" is the default).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

from ewt import add_ewt_option, config_overrides, ewt_paths  # bench/ewt.py

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, os, sys, inspect
sys.path.insert(0, sys.argv[1])
from postag_cli.training import TrainConfig, train
kw = {"jobs": int(sys.argv[3])} if "jobs" in inspect.signature(train).parameters else {}
over = json.loads(sys.argv[6])
r = train(sys.argv[2], sys.argv[4], TrainConfig(epochs=int(sys.argv[5]), gradcheck=False, **over),
          log=lambda m: None, progress=False, checkpoint=None, **kw)
print(json.dumps([h["tokens_per_s"] for h in r.history]))
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_ewt_option(ap)
    ap.add_argument("--src", nargs="+", default=[str(ROOT / "src")])
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=1, help="epochs per run")
    ap.add_argument("--configs", nargs="+", default=[""], metavar="K=V,...",
                    help="TrainConfig overrides to compare (\"\": the default)")
    ap.add_argument("--out", default=str(ROOT / "out"))
    args = ap.parse_args()
    train_f, _ = ewt_paths(args.ewt)
    sys.path.insert(0, str(ROOT / "src"))
    from postag_cli.training import TrainConfig  # (this checkout's, to read the settings' types)
    overrides = {conf: config_overrides(filter(None, conf.split(",")), TrainConfig)
                 for conf in args.configs}
    os.makedirs(args.out, exist_ok=True)
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    results: dict = {}
    for r in range(args.rounds):
        for src, jobs, conf in itertools.product(args.src, args.jobs, args.configs):
            out = subprocess.run([sys.executable, "-c", CHILD, src, str(train_f), str(jobs),
                                  str(Path(args.out) / "train-speed.npz"), str(args.epochs),
                                  json.dumps(overrides[conf])],
                                 env=env, capture_output=True, text=True, check=True)
            tps = json.loads(out.stdout.strip().splitlines()[-1])
            results.setdefault((src, jobs, conf), []).extend(tps)
            print(f"round {r + 1}: {src} --jobs {jobs} {conf}: "
                  + ", ".join(f"{x:,.0f}" for x in tps) + " tokens/s", file=sys.stderr)
    base = next(iter(results.values()))
    print("| source | jobs | settings | tokens/s per epoch | mean | best | mean vs first row "
          "| best vs first row |")
    print("|---|---|---|---|---|---|---|---|")
    for (src, jobs, conf), v in results.items():
        ratio = sum(a / b for a, b in zip(v, base)) / len(v)
        print(f"| {src} | {jobs} | {conf or 'default'} | {' / '.join(f'{x:,.0f}' for x in v)} | "
              f"{sum(v) / len(v):,.0f} | {max(v):,.0f} | {ratio:.2f}x | {max(v) / max(base):.2f}x |")


if __name__ == "__main__":
    main()
