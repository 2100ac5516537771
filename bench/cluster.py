"""Scale-out benchmark: `postag tag` with --jobs 1, --jobs 2, --cluster local:2 and a running
Dask cluster on loopback, on about 3M tokens of EWT text; memory per worker on 1M and 10M.

    python bench/cluster.py --ewt ../shared/data/ud-english-ewt --model out/bench-rawtext/en/postag.npz \
        [--tokens 3000000] [--chunk-size 262144] [--lock /work/timing.lock] [--skip-memory]

The input is EWT train's `# text` lines (raw text, tokenized by the model), repeated. Every
run is `postag tag` as a subprocess, one after another, wall time end to end (--cluster
local:2 includes starting the cluster). The running cluster (`dask scheduler` and `dask worker
--nworkers 2 --nthreads 1` on 127.0.0.1) is started first and not timed; its first run loads
the model on the workers, the second finds it loaded. From the --cluster runs' own figures
(POSTAG_CLUSTER_STATS): the model broadcast, the model load per worker, and the scheduling
overhead per chunk = (run time x workers - time in tasks) / chunks. Memory: the workers' peak
RSS (restarted before each size) and the client's, tagging 1M and 10M tokens.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ewt import add_ewt_option, ewt_paths  # bench/ewt.py

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
POSTAG = [str(BIN / "postag")]


def make_input(train, tokens, path):
    """EWT train's `# text` lines, repeated up to `tokens` whitespace tokens."""
    lines = [ln[9:] for ln in train.read_text(encoding="utf-8").splitlines()
             if ln.startswith("# text = ")]
    n = 0
    with open(path, "w", encoding="utf-8") as f:
        while n < tokens:
            for ln in lines:
                f.write(ln + "\n")
                n += len(ln.split())
                if n >= tokens:
                    break
    return n


def timed(cmd, lock, env=None):
    """Wall seconds of a command (under `flock LOCK` when given: no two timed runs at once)."""
    cmd = (["flock", lock] if lock else []) + [str(c) for c in cmd]
    t = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdin=subprocess.DEVNULL)
    return time.perf_counter() - t


def cluster_run(args, inp, out, cluster, lock):
    """(seconds, stats) of `postag tag --cluster`."""
    with tempfile.NamedTemporaryFile(suffix=".json") as st:
        env = {**os.environ, "POSTAG_CLUSTER_STATS": st.name}
        secs = timed(POSTAG + ["tag", inp, "-m", args.model, "-o", out, "--cluster", cluster,
                               "--chunk-size", args.chunk_size], lock, env)
        return secs, json.load(open(st.name))


def overhead(stats):
    """Scheduling overhead per chunk: worker time not spent in tasks or loading the model."""
    busy = stats["task_seconds"] + sum(stats["load_seconds"])
    return (stats["seconds"] * stats["workers"] - busy) / stats["tasks"]


def start_cluster(port):
    sched = subprocess.Popen([BIN / "dask", "scheduler", "--host", "127.0.0.1", "--port", str(port),
                              "--no-dashboard"], stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    work = subprocess.Popen([BIN / "dask", "worker", f"tcp://127.0.0.1:{port}", "--nworkers", "2",
                             "--nthreads", "1", "--no-dashboard", "--memory-limit", "0"],
                            stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    from distributed import Client
    with Client(f"tcp://127.0.0.1:{port}", timeout="60s") as c:
        c.wait_for_workers(2, timeout=120)
    return sched, work


def worker_peak_rss(address):
    """Peak RSS (MB) of each worker process since it started."""
    from distributed import Client
    with Client(address) as c:
        return sorted(v / 1024 for v in c.run(
            lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss).values())


def restart_workers(address):
    from distributed import Client
    with Client(address) as c:
        c.restart()


def speed(args, inp, tokens, outdir, address):
    rows = []
    for name, extra in (("--jobs 1", ["--jobs", 1]), ("--jobs 2", ["--jobs", 2])):
        secs = timed(POSTAG + ["tag", inp, "-m", args.model, "-o", outdir / "jobs.out"] + extra,
                     args.lock)
        rows.append((name, secs, None))
    secs, st = cluster_run(args, inp, outdir / "local.out", "local:2", args.lock)
    rows.append(("--cluster local:2 (start-up included)", secs, st))
    for run in ("first run: loads the model", "second run: model loaded"):
        secs, st = cluster_run(args, inp, outdir / "tcp.out", address, args.lock)
        rows.append((f"--cluster {address} ({run})", secs, st))
    same = all((outdir / f).read_bytes() == (outdir / "jobs.out").read_bytes()
               for f in ("local.out", "tcp.out"))
    print(f"\n{tokens:,} tokens, chunk size {args.chunk_size:,} bytes; outputs identical to "
          f"--jobs: {same}")
    print(f"{'run':58} {'seconds':>8} {'tokens/s':>10} {'vs jobs 2':>9}  details")
    for name, secs, st in rows:
        detail = "" if st is None else (
            f"{st['tasks']} chunks, overhead/chunk {overhead(st) * 1000:.1f} ms, broadcast "
            f"{st['broadcast_seconds']:.2f} s, model load/worker "
            f"{', '.join(f'{x:.2f}' for x in st['load_seconds']) or '-'} s")
        print(f"{name:58} {secs:8.1f} {tokens / secs:10,.0f} {rows[1][1] / secs:9.0%}  {detail}")


def memory(args, train, outdir, address):
    print("\npeak RSS (MB) tagging on the running cluster: workers (each), client")
    for n in (1_000_000, 10_000_000):
        inp = outdir / f"ewt-{n}.txt"
        make_input(train, n, inp)
        restart_workers(address)
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        secs, _ = cluster_run(args, inp, outdir / "mem.out", address, args.lock)
        client = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(f"{n:>12,} tokens: workers {', '.join(f'{x:.0f}' for x in worker_peak_rss(address))}"
              f", client {client / 1024:.0f}{' (or less)' if client == before else ''}"
              f"  ({secs:.1f} s)")
        inp.unlink()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_ewt_option(ap)
    ap.add_argument("--model", default=ROOT / "out/bench-rawtext/en/postag.npz")
    ap.add_argument("--tokens", type=int, default=3_000_000)
    ap.add_argument("--chunk-size", type=int, default=1 << 18)
    ap.add_argument("--lock", help="run each timed command under `flock LOCK`")
    ap.add_argument("--port", type=int, default=8786)
    ap.add_argument("--skip-memory", action="store_true")
    args = ap.parse_args()
    train, _ = ewt_paths(args.ewt)
    if not Path(args.model).exists():
        print(f"skipped: no model at {args.model} (make bench-rawtext trains one, or give "
              "--model)", file=sys.stderr)
        return
    outdir = ROOT / "out/bench-cluster"
    outdir.mkdir(parents=True, exist_ok=True)
    inp = outdir / "ewt.txt"
    tokens = make_input(train, args.tokens, inp)
    address = f"tcp://127.0.0.1:{args.port}"
    sched, work = start_cluster(args.port)
    try:
        speed(args, inp, tokens, outdir, address)
        if not args.skip_memory:
            memory(args, train, outdir, address)
    finally:
        for p in (work, sched):
            p.terminate()
            p.wait(30)
    print(f"\n{time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs; python bench/cluster.py "
          + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
