"""Raw-text benchmark: postag vs UDPipe 1, from raw text to UPOS, on eight UD treebanks.

    make bench-rawtext [ARGS="--treebanks ga fr --systems udpipe"]
    .venv/bin/python bench/rawtext.py --ewt ../shared/data/ud-english-ewt \\
        --data ../shared/data/ud-multilingual [--treebanks en,fr,de,zh,ja,vi,ga,fi] \\
        [--systems postag,udpipe] [--retrain-udpipe] [--out out/bench-rawtext]

For each treebank (files as in the README of ../shared/data/ud-multilingual; English: EWT train,
with dev as --dev and as the evaluation file) both systems are trained on the same files:
UDPipe 1 (`pip install ufal.udpipe`, needed only here) with its default tokenizer and tagger
options and no parser, and `postag train TRAIN --dev DEV` with its defaults. A treebank with no
dev file holds out the last 10% of its training file's sentences (at least one) as dev; both
systems train on the other 90%. The derived files are written to the output folder.

Each system then tags two raw texts made from the evaluation file:
  lines       the `# text` of each sentence, one sentence per line (UDPipe: tokenizer option
              `presegmented`; postag: `tag --input-format text`);
  paragraphs  running text as in the CoNLL 2018 shared task: a paragraph's sentences joined by
              one space (none after a sentence whose last token has SpaceAfter=No), one
              paragraph per line, paragraphs separated by a blank line; paragraphs start at
              `# newpar` / `# newdoc`, a file with neither is one paragraph (UDPipe: its default
              tokenizer; postag: the same plus `--split-sentences`).
Both outputs are scored against the gold file by the CoNLL 2018 shared-task scorer of the
`udtools` package (udtools.udeval): F1 of Tokens, Words, Sentences and UPOS. Neither system
parses, so the scorer, which reads HEAD, gets a flat tree (word 1 the root, the rest attached to
it) in UDPipe's output; postag writes such a tree itself.

UDPipe's model, training time and scores are cached per treebank in the output folder, keyed by
the sha256 of its training and dev files and the UDPipe version, so that a rerun does not train it
again (--retrain-udpipe does). postag's latest numbers are kept there too, so that a run of one
system shows the other's last numbers. Tables go to stdout (markdown), progress to stderr, and all
numbers to OUT/results.json (merged with earlier runs' treebanks).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import re
import subprocess
import sys
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ewt import add_ewt_option  # bench/ewt.py

ROOT = Path(__file__).resolve().parent.parent
METRICS = ("Tokens", "Words", "Sentences", "UPOS")
RUNS = ("lines", "paragraphs")
SYSTEMS = ("postag", "udpipe")
UDPIPE_TOKENIZER_OPTIONS = ""  # the documented defaults (Trainer.DEFAULT is "")
UDPIPE_TAGGER_OPTIONS = "default"  # parsed as one unknown key without value: the same defaults
UDPIPE_PARSER_OPTIONS = "none"
DEV_RULE = ("no dev file: the last 10% of the training file's sentences (n // 10, at least 1) are "
            "held out as dev, and both systems train on the other 90%")


@dataclass(frozen=True)
class Treebank:
    short: str
    name: str
    folder: str  # "ewt" (--ewt), else a folder of --data
    train: str
    dev: str | None
    test: str


TREEBANKS = [
    Treebank("en", "English-EWT", "ewt", "en_ewt-ud-train.conllu", "en_ewt-ud-dev.conllu",
             "en_ewt-ud-dev.conllu"),
    Treebank("fr", "French-GSD", "UD_French-GSD", "fr_gsd-ud-dev.conllu", None, "fr_gsd-ud-test.conllu"),
    Treebank("de", "German-GSD", "UD_German-GSD", "de_gsd-ud-test.conllu", None, "de_gsd-ud-dev.conllu"),
    Treebank("zh", "Chinese-GSDSimp", "UD_Chinese-GSDSimp", "zh_gsdsimp-ud-dev.conllu", None,
             "zh_gsdsimp-ud-test.conllu"),
    Treebank("ja", "Japanese-GSD", "UD_Japanese-GSD", "ja_gsd-ud-test.conllu", None, "ja_gsd-ud-dev.conllu"),
    Treebank("vi", "Vietnamese-VTB", "UD_Vietnamese-VTB", "vi_vtb-ud-train.conllu", "vi_vtb-ud-dev.conllu",
             "vi_vtb-ud-test.conllu"),
    Treebank("ga", "Irish-IDT", "UD_Irish-IDT", "ga_idt-ud-test.conllu", None, "ga_idt-ud-dev.conllu"),
    Treebank("fi", "Finnish-TDT", "UD_Finnish-TDT", "fi_tdt-ud-test.conllu", None, "fi_tdt-ud-dev.conllu"),
]


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# CoNLL-U files: sentence blocks, the dev split, the raw texts


def read_blocks(path):
    """The sentences of a CoNLL-U file, each a list of its lines (comments and rows)."""
    blocks, cur = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if line.strip():
                cur.append(line)
            elif cur:
                blocks.append(cur)
                cur = []
    if cur:
        blocks.append(cur)
    return blocks


def write_blocks(path, blocks):
    with open(path, "w", encoding="utf-8") as f:
        for block in blocks:
            f.write("\n".join(block) + "\n\n")


def split_dev(train_path, out_dir):
    """(train, dev, note): the last n // 10 sentences (at least 1) of `train_path` as dev."""
    blocks = read_blocks(train_path)
    n_dev = max(1, len(blocks) // 10)
    train_f, dev_f = out_dir / "train-90.conllu", out_dir / "dev-10.conllu"
    write_blocks(train_f, blocks[:-n_dev])
    write_blocks(dev_f, blocks[-n_dev:])
    note = (f"{train_path.name}: {len(blocks)} sentences; first {len(blocks) - n_dev} -> {train_f.name} "
            f"(train), last {n_dev} -> {dev_f.name} (dev)")
    return train_f, dev_f, note


def surface_tokens(block):
    """(FORM, MISC) of each surface token: a multiword token's range row, not its words."""
    out, covered_to = [], 0
    for line in block:
        if line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) != 10 or "." in cols[0]:
            continue
        if "-" in cols[0]:
            covered_to = int(cols[0].split("-")[1])
            out.append((cols[1], cols[9]))
        elif int(cols[0]) > covered_to:
            out.append((cols[1], cols[9]))
    return out


def no_space_after(misc):
    return "SpaceAfter=No" in misc.split("|")


def sentence_text(block):
    """The `# text` of a sentence, else its tokens joined as their SpaceAfter says."""
    for line in block:
        m = re.match(r"#\s*text\s*=\s?(.*)$", line)
        if m:
            return m.group(1).strip()
    toks = surface_tokens(block)
    return "".join(f + ("" if no_space_after(m) else " ") for f, m in toks).strip()


def starts_paragraph(block):
    return any(re.match(r"#\s*new(par|doc)\b", line) for line in block)


def without_spaces(text):
    return "".join(c for c in text if not c.isspace() and unicodedata.category(c) != "Zs")


def text_mismatches(blocks):
    """Sentences whose text differs from their token forms other than in spaces (the scorer
    would reject any output of that text)."""
    return [i for i, b in enumerate(blocks)
            if without_spaces(sentence_text(b)) != without_spaces("".join(f for f, _ in surface_tokens(b)))]


def lines_text(blocks):
    return "".join(sentence_text(b) + "\n" for b in blocks)


def paragraphs_text(blocks):
    """CoNLL 2018 raw text: one line per paragraph, paragraphs separated by a blank line."""
    paragraphs, cur, glue = [], "", ""
    for block in blocks:
        if cur and starts_paragraph(block):
            paragraphs.append(cur)
            cur = ""
        cur += (glue if cur else "") + sentence_text(block)
        toks = surface_tokens(block)
        glue = "" if toks and no_space_after(toks[-1][1]) else " "
    if cur:
        paragraphs.append(cur)
    return "\n\n".join(paragraphs) + "\n"


def write_raw_texts(gold, out_dir):
    """{run: path} of the two raw texts of the gold file, plus notes on the file."""
    blocks = read_blocks(gold)
    paths = {"lines": out_dir / "lines.txt", "paragraphs": out_dir / "paragraphs.txt"}
    paths["lines"].write_text(lines_text(blocks), encoding="utf-8")
    paras = paragraphs_text(blocks)
    paths["paragraphs"].write_text(paras, encoding="utf-8")
    notes = {"sentences": len(blocks), "paragraphs": paras.count("\n\n") + 1,
             "text_mismatches": text_mismatches(blocks)}
    return paths, notes


# ---------------------------------------------------------------------------------------------
# scoring, hashing, git


def score(gold, system):
    """F1 (and P/R) of Tokens, Words, Sentences, UPOS by the CoNLL 2018 scorer, or an error."""
    from udtools import udeval

    try:
        ev = udeval.evaluate(udeval.load_conllu_file(str(gold)), udeval.load_conllu_file(str(system)))
    except udeval.UDError as e:
        return {"error": str(e)}
    return {m: {"f1": ev[m].f1, "precision": ev[m].precision, "recall": ev[m].recall} for m in METRICS}


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def git_commit():
    def git(*a):
        return subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + ("+dirty" if git("status", "--porcelain") else "")


def now():
    return datetime.datetime.now().astimezone().isoformat(timespec="seconds")


def read_json(path):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_json(path, data):
    tmp = Path(str(path) + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


# ---------------------------------------------------------------------------------------------
# UDPipe 1


def udpipe_version():
    from ufal import udpipe

    v = udpipe.Version.current()
    return f"{v.major}.{v.minor}.{v.patch}" + (f"-{v.prerelease}" if v.prerelease else "")


def udpipe_load(path):
    """A CoNLL-U file as a ufal.udpipe.Sentences."""
    from ufal import udpipe

    fmt = udpipe.InputFormat.newConlluInputFormat()
    fmt.setText(Path(path).read_text(encoding="utf-8"))
    out, s, err = udpipe.Sentences(), udpipe.Sentence(), udpipe.ProcessingError()
    while fmt.nextSentence(s, err):
        out.push_back(s)
        s = udpipe.Sentence()
    if err.occurred():
        raise RuntimeError(f"UDPipe cannot read {path}: {err.message}")
    return out


def udpipe_train(train_f, dev_f, model_path):
    """Train UDPipe (tokenizer + tagger, no parser) and save it; the training wall time."""
    from ufal import udpipe

    train_s, dev_s = udpipe_load(train_f), udpipe_load(dev_f)
    err = udpipe.ProcessingError()
    t0 = time.time()
    model = udpipe.Trainer.train("morphodita_parsito", train_s, dev_s, UDPIPE_TOKENIZER_OPTIONS,
                                 UDPIPE_TAGGER_OPTIONS, UDPIPE_PARSER_OPTIONS, err)
    secs = time.time() - t0
    if err.occurred():
        raise RuntimeError(f"UDPipe training failed: {err.message}")
    Path(model_path).write_bytes(model)
    return secs


def flat_tree(sentence):
    """Word 1 the root, every other word attached to it: the scorer needs a HEAD."""
    for i in range(1, len(sentence.words)):
        sentence.setHead(i, 0 if i == 1 else 1, "root" if i == 1 else "dep")


def udpipe_tag(model, text, tokenizer_options, out_path):
    """Tokenize (and split) `text`, tag it, and write CoNLL-U; the wall time."""
    from ufal import udpipe

    t0 = time.time()
    tokenizer = model.newTokenizer(tokenizer_options)
    tokenizer.setText(text)
    writer, err = udpipe.OutputFormat.newConlluOutputFormat(), udpipe.ProcessingError()
    parts, s = [], udpipe.Sentence()
    while tokenizer.nextSentence(s, err):
        model.tag(s, udpipe.Model.DEFAULT, err)
        flat_tree(s)
        parts.append(writer.writeSentence(s))
        s = udpipe.Sentence()
    parts.append(writer.finishDocument())
    if err.occurred():
        raise RuntimeError(f"UDPipe tagging failed: {err.message}")
    Path(out_path).write_text("".join(parts), encoding="utf-8")
    return time.time() - t0


def udpipe_key(train_f, dev_f, version):
    h = hashlib.sha256()
    for part in (sha256(train_f), sha256(dev_f), version, UDPIPE_TOKENIZER_OPTIONS,
                 UDPIPE_TAGGER_OPTIONS, UDPIPE_PARSER_OPTIONS):
        h.update(part.encode("utf-8") + b"\0")
    return h.hexdigest()


def run_udpipe(tb_dir, files, gold, raw, inputs, retrain):
    """UDPipe's result for one treebank, from the cache when its key and inputs match."""
    from ufal import udpipe

    version = udpipe_version()
    key = udpipe_key(files["train"], files["dev"], version)
    model_f, meta_f = tb_dir / f"udpipe-{key[:16]}.udpipe", tb_dir / f"udpipe-{key[:16]}.json"
    meta = None if retrain else read_json(meta_f)
    if meta and meta.get("inputs") == inputs and model_f.exists():
        log(f"udpipe: cached ({meta_f.name}, trained {meta['date']})")
        return {**meta, "cached": True}
    if meta is None or not model_f.exists():
        log(f"udpipe {version}: training on {files['train'].name} (heldout {files['dev'].name}) ...")
        secs = udpipe_train(files["train"], files["dev"], model_f)
        meta = {"key": key, "version": version, "date": now(), "train_secs": secs,
                "options": {"tokenizer": UDPIPE_TOKENIZER_OPTIONS, "tagger": UDPIPE_TAGGER_OPTIONS,
                            "parser": UDPIPE_PARSER_OPTIONS}}
        log(f"udpipe: trained in {secs:.0f} s")
    model = udpipe.Model.load(str(model_f))
    tok_opts = {"lines": udpipe.Model.TOKENIZER_PRESEGMENTED, "paragraphs": udpipe.Model.DEFAULT}
    meta.update(inputs=inputs, runs={})
    for run in RUNS:
        out = tb_dir / f"udpipe-{run}.conllu"
        tag_secs = udpipe_tag(model, raw[run].read_text(encoding="utf-8"), tok_opts[run], out)
        meta["runs"][run] = {**score(gold, out), "tag_secs": tag_secs, "tokenizer_options": tok_opts[run]}
    write_json(meta_f, meta)
    return {**meta, "cached": False}


# ---------------------------------------------------------------------------------------------
# postag


def postag_bin():
    exe = Path(sys.executable).parent / "postag"
    return str(exe if exe.exists() else ROOT / ".venv/bin/postag")


def timed(cmd):
    """Run a command (its output to stderr); (wall seconds, return code)."""
    log("$ " + " ".join(str(c) for c in cmd))
    t0 = time.time()
    rc = subprocess.run([str(c) for c in cmd], stdout=sys.stderr, stderr=sys.stderr).returncode
    return time.time() - t0, rc


def run_postag(tb_dir, files, gold, raw, inputs):
    """Train postag with its defaults, tag both raw texts, score them; saved as postag.json."""
    model = tb_dir / "postag.npz"
    result = {"commit": git_commit(), "date": now(), "inputs": inputs, "runs": {}}
    secs, rc = timed([postag_bin(), "train", files["train"], "--dev", files["dev"], "-o", model,
                      "--force"])
    result["train_secs"] = secs
    if rc:
        result["error"] = f"postag train exited {rc}"
        log(result["error"])
    else:
        for run in RUNS:
            out = tb_dir / f"postag-{run}.conllu"
            extra = ["--split-sentences"] if run == "paragraphs" else []
            tag_secs, rc = timed([postag_bin(), "tag", raw[run], "-m", model, "--input-format", "text",
                                  "--format", "conllu", "-o", out, *extra])
            scores = score(gold, out) if rc == 0 else {"error": f"postag tag exited {rc}"}
            result["runs"][run] = {**scores, "tag_secs": tag_secs}
    write_json(tb_dir / "postag.json", result)
    return {**result, "cached": False}


def cached_postag(tb_dir, inputs):
    r = read_json(tb_dir / "postag.json")
    if r is None:
        return None
    return {**r, "cached": True, "stale_inputs": r.get("inputs") != inputs}


def cached_udpipe(tb_dir, files, inputs):
    try:
        key = udpipe_key(files["train"], files["dev"], udpipe_version())
    except ImportError:
        return None
    r = read_json(tb_dir / f"udpipe-{key[:16]}.json")
    if r is None or "runs" not in r:
        return None
    return {**r, "cached": True, "stale_inputs": r.get("inputs") != inputs}


# ---------------------------------------------------------------------------------------------
# one treebank


def treebank_files(tb, args, tb_dir):
    """{"train", "dev", "test"} paths (dev derived when the treebank has none) and a note."""
    folder = Path(args.ewt) if tb.folder == "ewt" else Path(args.data) / tb.folder
    train_f, test_f = folder / tb.train, folder / tb.test
    if not (train_f.exists() and test_f.exists()):
        return None, f"not found in {folder}"
    if tb.dev:
        return {"train": train_f, "dev": folder / tb.dev, "test": test_f}, None
    train_f, dev_f, note = split_dev(train_f, tb_dir)
    return {"train": train_f, "dev": dev_f, "test": test_f}, note


def run_treebank(tb, args, systems):
    tb_dir = Path(args.out) / tb.short
    tb_dir.mkdir(parents=True, exist_ok=True)
    files, note = treebank_files(tb, args, tb_dir)
    if files is None:
        log(f"{tb.short}: skipped, {note}")
        return None
    log(f"== {tb.short} ({tb.name}): train {files['train']}, dev {files['dev']}, evaluate {files['test']}")
    if note:
        log(f"{tb.short}: {note}")
    raw, text_notes = write_raw_texts(files["test"], tb_dir)
    if text_notes["text_mismatches"]:
        log(f"{tb.short}: {len(text_notes['text_mismatches'])} sentences' # text differ from their tokens")
    inputs = {p: sha256(f) for p, f in (("gold", files["test"]), *raw.items())}
    row = {"name": tb.name, "files": {k: str(v) for k, v in files.items()}, "dev_split": note,
           "eval_text": text_notes}
    try:
        row["udpipe"] = (run_udpipe(tb_dir, files, files["test"], raw, inputs, args.retrain_udpipe)
                         if "udpipe" in systems else cached_udpipe(tb_dir, files, inputs))
    except RuntimeError as e:
        log(f"{tb.short}: {e}")
        row["udpipe"] = {"error": str(e), "cached": False}
    row["postag"] = (run_postag(tb_dir, files, files["test"], raw, inputs)
                     if "postag" in systems else cached_postag(tb_dir, inputs))
    return row


# ---------------------------------------------------------------------------------------------
# output


def cell(result, run, metric):
    if not result:
        return "-"
    r = result.get("runs", {}).get(run)
    if not r:
        return "-"
    if "error" in r:
        return "error"
    return f"{100 * r[metric]['f1']:.2f}"


def minutes(result):
    if not result or "train_secs" not in result:
        return "-"
    s = result["train_secs"]
    return f"{s / 60:.1f} min" if s >= 60 else f"{s:.0f} s"


def mark(row):
    """* after a treebank's name when a side's numbers come from an earlier run (listed below)."""
    return "*" if any((row.get(s) or {}).get("cached") for s in SYSTEMS) else ""


def print_table(rows, run):
    head = " | ".join(f"{m} postag | {m} UDPipe" for m in METRICS)
    print(f"\n### {run}\n")
    print(f"| treebank | {head} | train postag | train UDPipe |")
    print("|---" * (2 + 2 * len(METRICS) + 1) + "|")
    for short, row in rows.items():
        p, u = row.get("postag"), row.get("udpipe")
        cells = " | ".join(f"{cell(p, run, m)} | {cell(u, run, m)}" for m in METRICS)
        print(f"| {short} {row['name']}{mark(row)} | {cells} | {minutes(p)} | {minutes(u)} |")


def print_header(rows, commit, date):
    print(f"# Raw-text benchmark: postag vs UDPipe 1\n\ncommit {commit}, {date}\n")
    print("Raw text: `lines` = each sentence's `# text` on its own line; `paragraphs` = CoNLL 2018 "
          "running text (sentences joined by a space, or nothing after SpaceAfter=No; one line per "
          "paragraph from `# newpar`/`# newdoc`, blank lines between; no marks = one paragraph). "
          "F1 by the CoNLL 2018 scorer (udtools.udeval).")
    print(f"Dev rule: {DEV_RULE}.")
    for short, row in rows.items():
        if row.get("dev_split"):
            print(f"- {short}: {row['dev_split']}")
    u = next((r["udpipe"] for r in rows.values() if (r.get("udpipe") or {}).get("options")), None)
    if u:
        o = u["options"]
        print(f"\nUDPipe {u.get('version')}: Trainer.train(\"morphodita_parsito\", "
              f"tokenizer={o.get('tokenizer')!r}, tagger={o.get('tagger')!r}, parser={o.get('parser')!r}); "
              "lines: tokenizer option 'presegmented', paragraphs: tokenizer defaults.")
    print("UDPipe trains on one core; `postag train` uses its default --jobs. Times are wall clock.")


def provenance(rows):
    """Notes: which numbers come from earlier runs (with postag's commit then), and errors."""
    notes = []
    for short, row in rows.items():
        for name in SYSTEMS:
            r = row.get(name) or {}
            if r.get("cached"):
                stale = " (made from other input files!)" if r.get("stale_inputs") else ""
                at = f" at commit {r['commit']}" if "commit" in r else ""
                notes.append(f"- {short} {name}: from an earlier run{at}, {r.get('date')}{stale}")
            if r.get("error"):
                notes.append(f"- {short} {name}: {r['error']}")
            notes += [f"- {short} {name} {run}: {r['runs'][run]['error']}"
                      for run in RUNS if "error" in r.get("runs", {}).get(run, {})]
    return notes


def save_results(out_dir, rows, commit, date):
    path = Path(out_dir) / "results.json"
    data = read_json(path) or {"treebanks": {}}
    data.update(commit=commit, date=date, dev_rule=DEV_RULE)
    data["treebanks"].update(rows)
    write_json(path, data)
    log(f"numbers in {path}")


# ---------------------------------------------------------------------------------------------


def names(values, allowed, what):
    out = [v for value in values for v in value.split(",") if v]
    bad = [v for v in out if v not in allowed]
    if bad:
        sys.exit(f"unknown {what}: {', '.join(bad)} (choose from {', '.join(allowed)})")
    return out


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_ewt_option(ap)
    ap.add_argument("--data", default=os.environ.get("POSTAG_UD_MULTI_DIR",
                                                     ROOT.parent / "shared/data/ud-multilingual"),
                    help="the folder of the seven UD_* treebanks (default: ../shared/data/ud-multilingual)")
    ap.add_argument("--treebanks", nargs="+", default=[",".join(t.short for t in TREEBANKS)],
                    help="short names, comma- or space-separated: " + ", ".join(t.short for t in TREEBANKS))
    ap.add_argument("--systems", nargs="+", default=[",".join(SYSTEMS)], help="postag,udpipe or one")
    ap.add_argument("--retrain-udpipe", action="store_true", help="ignore UDPipe's cached model")
    ap.add_argument("--out", default=str(ROOT / "out/bench-rawtext"),
                    help="derived files, outputs, caches and results.json")
    args = ap.parse_args()
    args.treebanks = names(args.treebanks, [t.short for t in TREEBANKS], "treebank")
    args.systems = names(args.systems, SYSTEMS, "system")
    return args


def main():
    args = parse_args()
    Path(args.out).mkdir(parents=True, exist_ok=True)
    commit, date = git_commit(), now()
    log(f"commit {commit}, {date}; systems {','.join(args.systems)}; treebanks {','.join(args.treebanks)}")
    rows = {}
    for tb in TREEBANKS:
        if tb.short in args.treebanks:
            row = run_treebank(tb, args, args.systems)
            if row:
                rows[tb.short] = row
    if not rows:
        log("skipped: no treebank found")
        return
    save_results(args.out, rows, commit, date)
    print_header(rows, commit, date)
    for run in RUNS:
        print_table(rows, run)
    notes = provenance(rows)
    if notes:
        print("\nNotes (\\* in a table: numbers from an earlier run):\n" + "\n".join(notes))


if __name__ == "__main__":
    main()
