"""Speed benchmark: `postag tag` end to end vs NLTK's perceptron, training speed, memory.

    python bench/speed.py --ewt ../shared/data/ud-english-ewt [--model out/bench-speed.npz]

All timings in one run, one after another (never two at once):
  * builds a >= 1M-token input from EWT train (pretokenized: words joined by spaces; raw: the
    `# text` lines), repeated as needed;
  * `postag tag` as a subprocess, end to end (start-up, model load, read, tag, write to a
    file): --pretokenized with --jobs 1 and 2, raw text with --jobs 1 and 2, and raw text
    piped from `cat` into stdin with --jobs 2; peak RSS of each;
  * NLTK's averaged perceptron (trained on EWT train) tagging the same tokens in-process;
  * training tokens/s of the default model (one epoch on EWT train);
  * `postag --help` wall time;
  * with --ten-million: peak RSS of `postag tag --pretokenized` on a 10M-token file.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

from ewt import add_ewt_option, ewt_paths  # bench/ewt.py

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from postag_cli.training import TrainConfig, read_corpus, train

POSTAG = [sys.executable, "-m", "postag_cli"]


TIME = "/usr/bin/time"  # GNU time: measures peak RSS of a process it forks itself


def run_timed(cmd, stdout=subprocess.DEVNULL, pipe_from=None):
    """Run a command; returns (seconds, peak RSS in MB of its largest process).

    The RSS comes from GNU time, whose child starts small: a child forked directly from this
    (large) benchmark process would report this process's RSS, which Linux carries over exec."""
    use_time = os.path.exists(TIME)
    t0 = time.time()
    cat = subprocess.Popen(["cat", str(pipe_from)], stdout=subprocess.PIPE) if pipe_from else None
    p = subprocess.run(([TIME, "-f", "maxrss_kb=%M"] if use_time else []) + list(map(str, cmd)),
                       stdout=stdout, stderr=subprocess.PIPE, check=False,
                       stdin=cat.stdout if cat else None)
    if cat:
        cat.stdout.close()
        cat.wait()
    secs = time.time() - t0
    err = p.stderr.decode()
    if p.returncode != 0:
        raise SystemExit(f"command failed ({p.returncode}): {' '.join(map(str, cmd))}\n{err}")
    rss = [int(x) for x in re.findall(r"maxrss_kb=(\d+)", err)]
    return secs, (rss[-1] / 1024 if rss else float("nan"))


def make_inputs(train_sents, out_dir, min_tokens):
    pre, raw = Path(out_dir) / "speed-pretok.txt", Path(out_dir) / "speed-raw.txt"
    n = 0
    with open(pre, "w", encoding="utf-8") as fp, open(raw, "w", encoding="utf-8") as fr:
        while n < min_tokens:
            for s in train_sents:
                fp.write(" ".join(s.words) + "\n")
                if s.text:
                    fr.write(s.text + "\n")
                n += len(s.words)
    return pre, raw, n


def count_output_tokens(path):
    with open(path, encoding="utf-8") as f:
        return sum(len(line.split()) for line in f)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_ewt_option(ap)
    ap.add_argument("--model", help="model to tag with (default: train the default model)")
    ap.add_argument("--out", default=str(ROOT / "out"))
    ap.add_argument("--tokens", type=int, default=1_000_000)
    ap.add_argument("--ten-million", action="store_true")
    args = ap.parse_args()
    train_f, dev_f = ewt_paths(args.ewt)
    os.makedirs(args.out, exist_ok=True)
    train_sents, _ = read_corpus(train_f, "upos")

    # training speed: two epochs of the default model (and that model, unless one is given or
    # bench/accuracy.py left one)
    default_model = Path(args.out) / "bench-accuracy-seed1.npz"
    model = args.model or (str(default_model) if default_model.exists() else None)
    cfg = TrainConfig(epochs=2) if model else TrainConfig()
    t0 = time.time()
    r = train(train_f, Path(args.out) / "bench-speed-train.npz", cfg, dev_path=dev_f,
              log=lambda m: print(m, file=sys.stderr), progress=False)
    train_secs = time.time() - t0
    train_tps = sum(h["tokens_per_s"] for h in r.history) / len(r.history)
    model = model or str(Path(args.out) / "bench-speed-train.npz")

    pre, raw, n_tokens = make_inputs(train_sents, args.out, args.tokens)
    out = Path(args.out) / "speed-out.txt"
    results = []
    for label, inp, extra in [("pretokenized, 1 process", pre, ["--pretokenized"]),
                              ("pretokenized, --jobs 2", pre, ["--pretokenized", "--jobs", "2"]),
                              ("raw text, 1 process", raw, []),
                              ("raw text, --jobs 2", raw, ["--jobs", "2"]),
                              ("raw text piped from cat into stdin, --jobs 2", raw,
                               ["--jobs", "2"])]:
        piped = "piped" in label  # (stdin a pipe: read ahead by a thread, flushed at pauses)
        secs, rss = run_timed(POSTAG + ["tag", "-" if piped else str(inp), "-m", model, "-o",
                                        str(out)] + extra, pipe_from=inp if piped else None)
        n_out = count_output_tokens(out)
        results.append((label, n_out, secs, rss))
        print(f"{label}: {n_out / secs:,.0f} tokens/s, {rss:.0f} MB", file=sys.stderr)

    # NLTK on the same pretokenized tokens
    nltk_row = None
    try:
        from nltk.tag.perceptron import PerceptronTagger
        tagger = PerceptronTagger(load=False)
        tagger.train([[(w, t) for w, t in zip(s.words, s.tags) if t] for s in train_sents],
                     nr_iter=5)
        t0 = time.time()
        n = 0
        with open(pre, encoding="utf-8") as f:
            for line in f:
                words = line.split()
                tagger.tag(words)
                n += len(words)
        nltk_row = ("NLTK averaged perceptron, in-process, same tokens", n, time.time() - t0,
                    resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    except ImportError:
        print("NLTK not installed: pip install nltk", file=sys.stderr)

    help_secs = min(run_timed(POSTAG + ["--help"])[0] for _ in range(5))
    entry = Path(sys.executable).parent / "postag"
    help_entry = min(run_timed([entry, "--help"])[0] for _ in range(5)) if entry.exists() else None

    ten = None
    if args.ten_million:
        pre10, _, n10 = make_inputs(train_sents, args.out, 10_000_000)
        big = Path(args.out) / "speed-pretok-10m.txt"
        os.replace(pre10, big)
        secs, rss = run_timed(POSTAG + ["tag", str(big), "-m", model, "-o", str(out),
                                        "--pretokenized"])
        ten = (n10, secs, rss)
        big.unlink()

    print(f"input: {n_tokens:,} tokens (EWT train repeated); model: {model}\n")
    print("| run | tokens | seconds | tokens/s | vs NLTK | peak RSS |")
    print("|---|---|---|---|---|---|")
    nltk_tps = nltk_row[1] / nltk_row[2] if nltk_row else None
    for label, n, secs, rss in results + ([nltk_row] if nltk_row else []):
        ratio = f"{(n / secs) / nltk_tps:.1f}x" if nltk_tps else "-"
        print(f"| {label} | {n:,} | {secs:.1f} | {n / secs:,.0f} | {ratio} | {rss:.0f} MB |")
    if ten:
        print(f"| pretokenized, 1 process, 10M tokens | {ten[0]:,} | {ten[1]:.1f} | "
              f"{ten[0] / ten[1]:,.0f} | - | {ten[2]:.0f} MB |")
    print(f"\ntraining (default model, EWT train): {train_tps:,.0f} tokens/s averaged over "
          f"{len(r.history)} epoch(s), {train_secs:.0f} s wall time including reading and "
          "dev evaluation")
    print(f"`python -m postag_cli --help`: {help_secs:.3f} s (best of 5)" +
          (f"; `postag --help`: {help_entry:.3f} s" if help_entry else ""))


if __name__ == "__main__":
    main()
