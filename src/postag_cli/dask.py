"""Tagging on a Dask cluster: `postag tag --cluster`, and an API for data already in Dask.

    from postag_cli.dask import tag_bag, tag_dataframe
    tagged = tag_bag(dask.bag.from_sequence(texts), "model.npz")   # bag of tagged sentences
    ddf = tag_dataframe(ddf, "text", "model.npz")                   # adds a column "tags"

The model goes to the workers once, as the bytes of its file (checked by their sha256), and
each worker process loads it once (`worker_tagger`) and keeps it for every chunk. The CLI cuts
each input into byte ranges at line boundaries (`chunks`); workers read their own range, so
inputs must be paths (or fsspec URLs) that the workers can reach. Compressed input and stdin
cannot be cut by offset: the client reads them and sends the chunks' bytes. Output comes back
through the client in input order and is written atomically, as without --cluster.
"""

from __future__ import annotations

import hashlib
import io
import os
import sys
import time
from contextlib import ExitStack, contextmanager

from .errors import PostagError

CHUNK_BYTES = 1 << 18  # bytes of input per task (see docs/scale-out.md)
MISSING = "--cluster needs Dask: pip install 'postag-cli[dask]'"
_TAGGERS: dict = {}  # per worker process: {model sha256s: Tagger or Ensemble}
LOAD_SECONDS: dict = {}  # {model sha256s: seconds this process took to load them}


def need_dask():
    """distributed, or the one-line error that says what to install."""
    try:
        import dask  # noqa: F401
        import distributed
    except ImportError:
        raise PostagError(MISSING) from None
    return distributed


# -- the model on the workers -------------------------------------------------------------------


class ModelBytes:
    """A model file's bytes (read by the client and sent once), its name and sha256. model: a
    path (or fsspec URL), bytes, or a ModelBytes."""

    def __init__(self, model):
        if isinstance(model, ModelBytes):
            self.name, self.data, self.sha256 = model.name, model.data, model.sha256
            return
        self.name, self.data = ("<model bytes>", bytes(model)) if isinstance(
            model, (bytes, bytearray, memoryview)) else (str(model), _read_model(model))
        self.sha256 = hashlib.sha256(self.data).hexdigest()


def _read_model(path) -> bytes:
    from .modelio import load_model
    if "://" in str(path):
        with _fsspec_open(path) as f:
            return f.read()
    load_model(path)  # (its checks and messages: a missing file, not a model, ...)
    with open(path, "rb") as f:
        return f.read()


def _fsspec_open(path, mode="rb"):
    try:
        import fsspec
    except ImportError:
        raise PostagError(f"{path}: a URL needs fsspec (pip install fsspec)") from None
    return fsspec.open(path, mode)


def worker_tagger(blobs, names, shas):
    """The Tagger (an Ensemble for several models) of these model bytes, loaded once per
    process: checked against their sha256, read by modelio (validated, never unpickled)."""
    key = tuple(shas)
    tagger = _TAGGERS.get(key)
    if tagger is None:
        from .tagger import Ensemble, Tagger
        _malloc_for_numpy()
        t0 = time.perf_counter()
        members = []
        for data, name, sha in zip(blobs, names, shas):
            if hashlib.sha256(data).hexdigest() != sha:
                raise PostagError(f"{name}: the model bytes that reached this worker do not "
                                  "match their sha256")
            f = io.BytesIO(data)
            f.name = name
            members.append(Tagger.load(f))
        tagger = members[0] if len(members) == 1 else Ensemble(members, list(names))
        _TAGGERS.clear()  # (one model set per process at a time)
        _TAGGERS[key] = tagger
        LOAD_SECONDS[key] = time.perf_counter() - t0
    return tagger


def _malloc_for_numpy():
    """Let this worker process reuse the memory of freed arrays. Dask's nanny starts workers
    with MALLOC_TRIM_THRESHOLD_ set, which (glibc) also freezes the threshold above which
    malloc maps fresh pages: every large array of a batch then costs its page faults anew, and
    tagging ran 1.6x slower in a worker than in `postag tag` (the gathers 3x). Setting the mmap
    and trim thresholds high (1 GiB) brings it back; memory stays bounded by the largest batch.
    Only on glibc (Linux); elsewhere nothing is done."""
    import ctypes
    import ctypes.util
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(-3, 1 << 30)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 1 << 30)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):
        pass


# -- one task: a chunk of an input ----------------------------------------------------------------


def tag_task(source, opts, blobs, names, shas):
    """Tag one chunk on a worker. source: ("range", path, start, end) or ("bytes", path, data,
    first_line). Returns ("ok", text, sentences, tokens, seconds, model load seconds or 0), or
    ("error", message, exit code): bad input is reported, not retried."""
    from . import chunks
    t0 = time.perf_counter()
    loaded = tuple(shas) in _TAGGERS
    try:
        tagger = worker_tagger(blobs, names, shas)
        load = 0.0 if loaded else LOAD_SECONDS[tuple(shas)]
        blocks = opts.input_format == "conllu" or opts.split_sentences
        if source[0] == "bytes":
            _, path, data, first_line = source
            text, n, tokens = chunks.tag_bytes(tagger, data, path, first_line, opts)
            return "ok", text, n, tokens, time.perf_counter() - t0 - load, load
        _, path, start, end = source
        with _open_input(path) as f:
            first, data = chunks.read_span(f, start, end, blocks)
            first_line = 1 if first == 0 else 2  # (not line 1: no BOM or UTF-16 check there)
            try:
                text, n, tokens = chunks.tag_bytes(tagger, data, path, first_line, opts)
            except PostagError as e:
                raise chunks.chunk_error(e, path, f, first, first_line) from None
        return "ok", text, n, tokens, time.perf_counter() - t0 - load, load
    except PostagError as e:
        return "error", str(e), e.exit_code


@contextmanager
def _open_input(path):
    """A seekable binary file for a path or fsspec URL, raw (not decompressed)."""
    if "://" in str(path):
        with _fsspec_open(path) as f:
            yield f
        return
    try:
        f = open(path, "rb")
    except OSError as e:
        raise PostagError(f"{path}: cannot open ({e.strerror or e})") from None
    with f:
        yield f


# -- the client ---------------------------------------------------------------------------------


@contextmanager
def connect(address):
    """A distributed.Client: `local` or `local:N` starts a LocalCluster of N worker processes
    (default: the CPUs), one thread each, closed on the way out; else the scheduler's address."""
    distributed = need_dask()
    if address == "local" or address.startswith("local:"):
        n = address.partition(":")[2]
        if n and (not n.isdigit() or int(n) < 1):
            raise PostagError(f"--cluster {address}: local:N needs N >= 1 worker processes")
        workers = int(n) if n else (os.cpu_count() or 1)
        with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                      dashboard_address=":0", silence_logs=40) as cluster, \
                distributed.Client(cluster) as client:
            yield client
        return
    try:
        client = distributed.Client(address, timeout="20s")
    except (OSError, TimeoutError, ValueError) as e:
        raise PostagError(f"--cluster {address}: cannot connect to the scheduler ({e})") from None
    with client:
        yield client


def scatter_models(client, models):
    """The models' bytes, broadcast to every worker once: (futures, names, sha256s)."""
    mbs = [ModelBytes(m) for m in models]
    # (hash=False: a key of its own each time; a content-hashed key can name data that a killed
    # worker held and the scheduler still counts as lost, and then every task that reads it fails)
    futures = client.scatter([m.data for m in mbs], broadcast=True, hash=False)
    return futures, [m.name for m in mbs], [m.sha256 for m in mbs]


def compressed_or_stream(path) -> bool:
    """Whether an input cannot be cut by byte offsets: stdin, or gzip, bzip2 or xz data."""
    if path == "-":
        return True
    from .fileio import _COMPRESSED
    with _open_input(path) as f:
        head = f.read(6)
    return any(head.startswith(magic) for magic, _ in _COMPRESSED)


def input_size(path) -> int:
    if "://" in str(path):
        import fsspec
        fs, p = fsspec.core.url_to_fs(path)
        return int(fs.size(p))
    return os.path.getsize(path)


def input_sources(job, chunk_bytes):
    """The task sources of one input, in order (see tag_task)."""
    path, opts = job.path, job.opts
    blocks = opts.input_format == "conllu" or opts.split_sentences
    if compressed_or_stream(path):
        from .chunks import split_stream
        from .fileio import open_binary
        f = job.stream or (open_binary(path) if "://" not in str(path) else _decompressed_url(path))
        try:
            for first_line, data in split_stream(f, chunk_bytes, blocks):
                yield ("bytes", path, data, first_line)
        finally:
            if path != "-":
                f.close()
        return
    size = input_size(path)
    for start in range(0, max(size, 1), chunk_bytes):
        yield ("range", path, start, start + chunk_bytes)


def _decompressed_url(path):
    from .fileio import _decompressed
    f = _fsspec_open(path).open()
    return _decompressed(io.BufferedReader(f) if not hasattr(f, "peek") else f)


def tag_files(jobs, models, address, chunk_bytes=CHUNK_BYTES, stats=None):
    """Tag inputs on a Dask cluster. jobs: [Job]. stats: a dict that gets the run's figures."""
    with connect(address) as client:
        t0 = time.perf_counter()
        models = scatter_models(client, models)
        stats = {} if stats is None else stats
        stats["broadcast_seconds"] = time.perf_counter() - t0
        nthreads = sum(client.nthreads().values()) or 1
        stats["workers"] = nthreads
        pending = []
        try:
            _run(client, jobs, models, chunk_bytes, max(8, 4 * nthreads), pending, stats)
        except BaseException:
            client.cancel([f for _, f in pending])  # (Ctrl-C, bad input: stop the rest)
            raise
        stats["seconds"] = time.perf_counter() - t0


def _run(client, jobs, models, chunk_bytes, window, pending, stats):
    """Submit the chunks of all inputs, at most `window` at a time, and write their outputs
    in order, each file when its input is done."""
    from tqdm import tqdm

    from .chunks import renumber
    tasks = ((i, src) for i, job in enumerate(jobs) for src in input_sources(job, chunk_bytes))
    fill = lambda: [pending.append((i, client.submit(tag_task, src, jobs[i].opts, *models,
                                                     pure=False)))
                    for i, src in _take(tasks, window - len(pending))]
    stack, current, base, out = ExitStack(), -1, 0, None
    stats.update(tasks=0, task_seconds=0.0, tokens=0, load_seconds=[])
    bar = tqdm(unit="tok", unit_scale=True, desc="tagging", disable=not sys.stderr.isatty(),
               file=sys.stderr)
    with bar, stack:
        fill()
        while pending:
            i, future = pending.pop(0)
            result = future.result()
            if result[0] == "error":
                raise PostagError(result[1] + jobs[i].hint, result[2])
            _, text, n, tokens, seconds, load = result
            if i != current:
                stack.close()
                out = stack.enter_context(output_file(jobs[i].output))
                current, base = i, 0
            out.write(renumber(text, base, jobs[i].opts))
            base += n
            stats["tasks"] += 1
            stats["task_seconds"] += seconds
            stats["tokens"] += tokens
            if load:
                stats["load_seconds"].append(load)
            bar.update(tokens)
            fill()


def _take(iterator, n):
    for _ in range(max(n, 0)):
        item = next(iterator, None)
        if item is None:
            return
        yield item


class Job:
    """One input of a run: its path, output, options (input format decided) and, for stdin,
    the stream already opened to look at its first lines."""

    def __init__(self, path, output, opts):
        from .tagio import _conllu_name, input_options
        self.path, self.output, self.stream, head = path, output, None, []
        if opts.input_format == "auto":
            head = _head(self)
        self.opts = input_options(path, head, opts)
        self.hint = ""
        if opts.input_format == "auto" and self.opts.input_format == "conllu" and \
                not _conllu_name(path):  # (as tag_file says it)
            self.hint = (" (read as CoNLL-U, as its first data line starts with a token ID and "
                         "a tab; give --input-format text to tag it as text)")


def _head(job):
    """The first lines of an input, for `--input-format auto` (stdin: kept in job.stream)."""
    from .fileio import open_peeked
    if "://" not in str(job.path):
        head, f = open_peeked(job.path)
        if job.path == "-":
            job.stream = f
        else:
            f.close()
        return head
    f = _decompressed_url(job.path)
    try:
        head = []
        while len(head) < 1000 and (line := f.readline(1 << 16)):
            head.append(line)
            if line.strip() and not line.removeprefix(b"\xef\xbb\xbf").startswith(b"#"):
                break
        return head
    finally:
        f.close()


@contextmanager
def output_file(path):
    """A text stream for an output: a file written atomically (tagio.output_stream), stdout for
    '-', or an fsspec URL written under a temporary name and moved into place."""
    from .tagio import output_stream
    if "://" not in str(path) or str(path).startswith("file://"):
        with output_stream(str(path).removeprefix("file://")) as f:
            yield f
        return
    import fsspec
    fs, p = fsspec.core.url_to_fs(path)
    tmp = f"{p}.postag-{os.getpid()}.tmp"
    try:
        with fs.open(tmp, "w", encoding="utf-8", newline="\n") as f:
            yield f
        fs.mv(tmp, p)
    except BaseException:
        if fs.exists(tmp):
            fs.rm(tmp)
        raise


# -- the API: data already in Dask ----------------------------------------------------------------


def _model_arg(model):
    """The model for a Dask collection's tasks: its bytes as one graph key (a broadcast scatter
    when a distributed Client is active), with its name and sha256."""
    import dask
    mb = ModelBytes(model)
    data = mb.data
    try:
        from distributed import default_client
        client = default_client()
    except (ImportError, ValueError):
        client = None
    if client is not None:
        [data] = client.scatter([mb.data], broadcast=True, hash=False)  # (see scatter_models)
    return dask.delayed(data, pure=True), mb.name, mb.sha256


def tagged_sentences(texts, data, name, sha, split_sentences=True):
    """[[(word, tag), ...] per sentence] of each text (on a worker; see tag_bag)."""
    from dataclasses import replace

    from .tagio import TagOptions, text_sentences
    tagger = worker_tagger([data], [name], [sha])
    opts = replace(TagOptions(fmt="tsv", split_sentences=split_sentences),
                   multiword=tagger.multiword, lexicon=tagger.lexicon)
    texts = [t if isinstance(t, str) else "" for t in texts]  # (a missing value: no sentence)
    units = tagger.split_sentences(texts) if split_sentences else [[t] for t in texts]
    words = [[[w for _, ws, _ in toks for w in ws] for _, toks in text_sentences(u, opts, tagger)]
             for u in units]
    tags = iter(tagger.tag_sents([s for ws in words for s in ws]))
    return [[list(zip(s, next(tags))) for s in ws] for ws in words]


def tag_bag(bag, model, split_sentences=True):
    """A bag of texts (str) in, a bag of tagged sentences out: each sentence a list of
    (word, tag) tuples, in the order of the texts. With split_sentences (the default) a text
    may hold many sentences (split by the model's tokenizer, as `postag tag --split-sentences`
    does); without, each text is one sentence. model: a path, an fsspec URL or the bytes of a
    model file (sent to each worker once and loaded once per worker process)."""
    data, name, sha = _model_arg(model)

    def part(texts, data):
        return [s for text in tagged_sentences(list(texts), data, name, sha, split_sentences)
                for s in text]
    return bag.map_partitions(part, data)


def tag_dataframe(ddf, column, model, out=None, split_sentences=True):
    """ddf with a column `out` (default COLUMN_tagged) holding the text of `column` tagged:
    one line per sentence, word/TAG pairs separated by spaces (postag's `tagged` format, without
    the final line end); a missing text gives "". model: as for tag_bag."""
    import pandas as pd
    out = out or f"{column}_tagged"
    data, name, sha = _model_arg(model)

    def part(df, data):
        sents = tagged_sentences(list(df[column]), data, name, sha, split_sentences)
        text = ["\n".join(" ".join(f"{w}/{t}" for w, t in s) for s in ss) for ss in sents]
        return df.assign(**{out: pd.Series(text, index=df.index, dtype=object)})
    meta = ddf._meta.assign(**{out: pd.Series([], dtype=object)})
    return ddf.map_partitions(part, data, meta=meta)
