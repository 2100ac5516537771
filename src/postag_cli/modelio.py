"""Model and checkpoint files: one .npz, written atomically, read without pickle and validated.

Layout of the archive (every member a plain .npy array, no object arrays):

    magic            str scalar "postag-model" (or "postag-checkpoint")
    format_version   int64 scalar
    meta             str scalar: JSON with settings and training metadata
    features         str scalar: the F feature names joined by newlines ("w=<unk>\nw=the...");
                     (format 1: a str (F,) array, whose fixed width made every name as long
                     as the longest, so one long token could bloat a model; still read)
    tags             str (C,)  tagset
    param.<name>     float     weights (Wxh, Whh, bh, ..., Why, by)
    <group>.<name>   float     checkpoints only: adagrad memories, best and averaged weights

Loading checks, before reading any array, the members' names, dtypes and shapes from their
.npy headers (so a crafted header cannot make it allocate 10^12 elements, and a zip bomb is
caught by comparing the declared size with the archive's), then the values: finite, shapes
consistent with the vocabulary, tagset and settings.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile

import numpy as np

from . import __version__
from .errors import PostagError
from .features import word_features
from .fileio import atomic_file, check_writable
from .model import param_shapes
from .tokenizer import MAX_SPACED_PIECES, MAX_SPACED_WORDS
from .settings import MAX_HIDDEN, declared, stored_problem

FORMAT_VERSION = 2  # 2: features as one newline-joined string; 1 is still read
MAGIC = "postag-model"
CHECKPOINT_MAGIC = "postag-checkpoint"
MAX_ELEMENTS = 200_000_000  # per array
MAX_TOTAL_BYTES = 4 * 2**30
MAX_MEMBERS = 1000
MAX_RATIO, MAX_RATIO_FREE_BYTES = 100, 1 << 20  # members over 1 MiB: compression ratio limit


def weights_sha256(params: dict) -> str:
    """A checksum of the weights: names, shapes, dtypes and bytes, in sorted name order."""
    h = hashlib.sha256()
    for name in sorted(params):
        a = np.ascontiguousarray(params[name])
        h.update(f"{name}:{a.dtype.str}:{a.shape};".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def file_sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def atomic_write_npz(path, arrays: dict) -> None:
    """Write arrays to a temporary file in the same folder, fsync, then rename over `path`.
    Readers see the old file or the new one, never a partial one."""
    check_writable(path)
    with atomic_file(path, "wb") as f:
        np.savez(f, **arrays)


def save_model(path, params, features, tags, meta, extra=None, magic=MAGIC, chars=()) -> None:
    """Save weights, vocabulary, tagset and metadata (plus `extra` groups for checkpoints).
    `chars` is the character vocabulary of a model with a character RNN."""
    meta = dict(meta)
    meta.pop("chars", None)
    meta.pop("format_version", None)  # (load_model's note of the file's format)
    meta["weights_sha256"] = weights_sha256(params)
    meta.setdefault("package_version", __version__)
    arrays = {
        "magic": np.array(magic),
        "format_version": np.array(FORMAT_VERSION, dtype=np.int64),
        "meta": np.array(json.dumps(meta, sort_keys=True)),
        "features": np.array("\n".join(features)),  # (names come from lines: no newline)
        "tags": np.array(list(tags), dtype=str),
        "chars": np.array(list(chars), dtype=str) if len(chars) else np.zeros(0, dtype="<U1"),
    }
    for name, a in params.items():
        arrays["param." + name] = a
    for group, d in (extra or {}).items():
        for name, a in d.items():
            arrays[f"{group}.{name}"] = np.asarray(a)
    atomic_write_npz(path, arrays)


def _read_headers(path, zf):
    """{member name without .npy: (dtype, shape)} from the .npy headers only."""
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise PostagError(f"{path}: not a postag model ({len(infos)} members)")
    headers = {}
    total = 0
    for info in infos:
        if not info.filename.endswith(".npy") or "/" in info.filename or info.filename.startswith("."):
            raise PostagError(f"{path}: not a postag model (unexpected member {info.filename!r})")
        if info.filename[:-4] in headers:
            raise PostagError(f"{path}: not a postag model (duplicate member {info.filename!r})")
        with zf.open(info) as f:
            try:
                version = np.lib.format.read_magic(f)
                if version == (1, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
                elif version in ((2, 0), (3, 0)):
                    shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
                else:
                    raise ValueError(f"npy version {version}")
            except Exception as e:  # numpy raises ValueError/EOFError/... on a bad header
                raise PostagError(f"{path}: corrupt array {info.filename!r} ({e})") from None
        if dtype.hasobject:
            raise PostagError(f"{path}: array {info.filename[:-4]!r} holds Python objects; "
                              "refusing to load it")
        n = int(np.prod(shape, dtype=np.float64)) if shape else 1
        if n > MAX_ELEMENTS:
            raise PostagError(f"{path}: array {info.filename[:-4]!r} is too large ({shape})")
        nbytes = n * dtype.itemsize
        total += nbytes
        if total > MAX_TOTAL_BYTES:
            raise PostagError(f"{path}: model too large")
        # the declared uncompressed size must match the header, which stops a zip bomb whose
        # member claims a small array but inflates to gigabytes
        if info.file_size < nbytes or info.file_size > nbytes + 65536 + 16:
            raise PostagError(f"{path}: array {info.filename[:-4]!r} has an inconsistent size")
        # trained weights hardly compress; a large member that deflates 100:1 is a zip bomb
        if info.file_size > max(MAX_RATIO_FREE_BYTES, MAX_RATIO * info.compress_size):
            raise PostagError(f"{path}: array {info.filename[:-4]!r} has a suspicious compression "
                              f"ratio ({info.file_size} bytes in {info.compress_size})")
        headers[info.filename[:-4]] = (dtype, tuple(shape))
    return headers


def load_model(path, magic=MAGIC):
    """Load and validate a model. Returns (params, features, tags, meta, extra groups).
    path may also be a binary file object (e.g. io.BytesIO of the file's bytes, as sent to a
    Dask worker); messages then name it by its `name` attribute."""
    if hasattr(path, "read"):
        return _load_archive(path, str(getattr(path, "name", "<model bytes>")), magic)
    path = os.fspath(path)
    what = "model" if magic == MAGIC else "checkpoint"
    if path == "-" and not os.path.exists(path):
        raise PostagError(f"-: a {what} is read from a file, not from stdin")
    if not os.path.exists(path):
        hint = "; train one with 'postag train CORPUS' or give -m MODEL" if what == "model" else ""
        raise PostagError(f"{path}: no such {what} file{hint}")
    if os.path.isdir(path):
        raise PostagError(f"{path}: is a directory, not a model file")
    try:  # (is_zipfile would hide an unreadable file behind "not an .npz archive")
        open(path, "rb").close()
    except OSError as e:
        raise PostagError(f"{path}: cannot read ({e.strerror or e})") from None
    return _load_archive(path, path, magic)


def _load_archive(source, path, magic):
    """load_model's reading and checks: source is a path or a binary file object, path names
    it in messages."""
    rewind = (lambda: source.seek(0)) if hasattr(source, "seek") else (lambda: None)
    rewind()
    if not zipfile.is_zipfile(source):
        raise PostagError(f"{path}: not a postag model (not an .npz archive)")
    try:
        rewind()
        with zipfile.ZipFile(source) as zf:
            headers = _read_headers(path, zf)
    except PostagError:
        raise
    except OSError as e:
        raise PostagError(f"{path}: cannot read ({e})") from None
    except Exception as e:  # BadZipFile, NotImplementedError (compression method), RuntimeError
        # (encrypted member), EOFError, zlib.error...: a damaged or crafted archive
        raise PostagError(f"{path}: not a postag model (corrupt archive: {e})") from None
    for key in ("magic", "format_version", "meta", "features", "tags"):
        if key not in headers:
            raise PostagError(f"{path}: not a postag model (no {key!r} array)")
    for key in ("magic", "meta"):
        if headers[key][0].kind != "U" or headers[key][1] != ():
            raise PostagError(f"{path}: not a postag model (bad {key!r} array)")
    for key in ("features", "tags", "chars"):
        if key not in headers:
            continue
        # (features: a string, or in format 1 a 1-d array; checked below, with the version)
        if headers[key][0].kind != "U" or \
                len(headers[key][1]) not in ((0, 1) if key == "features" else (1,)):
            what = "a string" if key == "features" else "a 1-d string array"
            raise PostagError(f"{path}: corrupt model: {key!r} must be {what}")
    if headers["format_version"][0].kind not in "iu" or headers["format_version"][1] != ():
        raise PostagError(f"{path}: corrupt model: bad format_version")
    for name, (dtype, _shape) in headers.items():
        if "." in name and dtype.kind != "f" and not name.startswith("state."):
            raise PostagError(f"{path}: corrupt model: {name!r} must hold floats, not {dtype}")
    try:
        rewind()
        with np.load(source, allow_pickle=False) as z:
            data = {k: z[k] for k in headers}
    except Exception as e:  # zipfile/zlib/ValueError on a damaged member
        raise PostagError(f"{path}: corrupt model ({type(e).__name__}: {e})") from None

    found = str(data["magic"])
    if found != magic:
        if found in (MAGIC, CHECKPOINT_MAGIC):
            want = "model" if magic == MAGIC else "checkpoint"
            raise PostagError(f"{path}: this is a {found.split('-')[1]}, not a {want}")
        raise PostagError(f"{path}: not a postag model")
    version = int(data["format_version"])
    if version > FORMAT_VERSION:
        raise PostagError(f"{path}: model format {version} is newer than this postag supports "
                          f"({FORMAT_VERSION}); upgrade postag")
    if version < 1:
        raise PostagError(f"{path}: corrupt model: format version {version}")
    try:
        meta = json.loads(str(data["meta"]))
    except (ValueError, RecursionError) as e:
        raise PostagError(f"{path}: corrupt model: metadata is not valid JSON ({e})") from None
    if not isinstance(meta, dict):
        raise PostagError(f"{path}: corrupt model: metadata is not a JSON object")
    if (data["features"].ndim == 1) != (version == 1):
        raise PostagError(f"{path}: corrupt model: 'features' does not match format {version}")
    features = [str(f) for f in data["features"]] if version == 1 else \
        str(data["features"]).split("\n")
    tags = [str(t) for t in data["tags"]]
    meta["chars"] = [str(c) for c in data["chars"]] if "chars" in data else []
    meta["format_version"] = version
    params = {k[6:]: v for k, v in data.items() if k.startswith("param.")}
    extra: dict = {}
    for k, v in data.items():
        if "." in k and not k.startswith("param."):
            group, name = k.split(".", 1)
            extra.setdefault(group, {})[name] = v
    _validate(path, params, features, tags, meta, extra)
    if magic == CHECKPOINT_MAGIC:
        _validate_checkpoint(path, params, meta, extra)
    return params, features, tags, meta, extra


def _validate_checkpoint(path, params, meta, extra):
    """What resuming reads besides the model: the training state and the full Adagrad memory."""
    state = meta.get("checkpoint")
    best_dev = state.get("best_dev") if isinstance(state, dict) else None
    if not (isinstance(state, dict)
            and type(state.get("epochs_run")) is int and state["epochs_run"] >= 0
            and type(state.get("best_epoch")) is int
            and (best_dev is None or type(best_dev) in (int, float))
            and isinstance(state.get("history"), list)):
        raise PostagError(f"{path}: corrupt checkpoint: missing or bad training state")
    for group in ("adagrad", "best", "average"):
        if (group == "adagrad" or group in extra) and set(extra.get(group, {})) != set(params):
            raise PostagError(f"{path}: corrupt checkpoint: incomplete {group} arrays")


def _is_word(w) -> bool:
    """A non-empty string without whitespace."""
    return isinstance(w, str) and w != "" and not any(c.isspace() for c in w)


def _validate(path, params, features, tags, meta, extra):
    """Refuse a model (or checkpoint) whose parts do not fit together: settings, vocabulary,
    tagset, raw-text settings, weight shapes and values, tokenizer, checkpoint groups."""
    _check_settings(path, features, tags, meta)
    _check_raw_text_settings(path, meta)
    expected = _check_weights(path, params, features, tags, meta)
    _check_extra(path, meta, extra, expected)


def _check_settings(path, features, tags, meta):
    """The training settings the metadata declares (each checked as its declaration in
    settings.py says), then the architecture, features, tagset and sizes."""
    for f in declared():
        problem = stored_problem(f, meta[f.name]) if f.name in meta else None
        if problem:
            raise PostagError(f"{path}: corrupt model: setting {f.name} must be {problem}")
    arch, layers, hidden = meta.get("arch"), meta.get("layers"), meta.get("hidden")
    if arch is None or layers is None:
        raise PostagError(f"{path}: corrupt model: no architecture or number of layers")
    if not (type(hidden) is int and 1 <= hidden <= MAX_HIDDEN):  # (the size used, never 0)
        raise PostagError(f"{path}: corrupt model: bad hidden size {hidden!r}")
    _check_templates(path, meta.get("templates"), features)
    if not tags or len(set(tags)) != len(tags):
        raise PostagError(f"{path}: corrupt model: the tagset is empty or has duplicates")
    chars = meta["chars"]
    if meta.get("char_hidden", 0) and (not chars or chars[0] != "<unk>"
                                       or len(set(chars)) != len(chars)):
        raise PostagError(f"{path}: corrupt model: bad character vocabulary")
    embed = meta.get("embed_size", 0)
    if embed:  # (the option is gone: measured no gain, docs/benchmarks.md)
        raise PostagError(f"{path}: this model was trained with --embed-size {embed!r}, which "
                          "postag no longer has (it measured less accurate on every treebank "
                          "tried); train the model again without it")
    if meta.get("aux_tags"):  # (only a checkpoint has them: a model of the option loads)
        raise PostagError(f"{path}: this checkpoint was made with --aux-weight, which postag no "
                          "longer has (it measured no gain); train again without it")


def _check_templates(path, templates, features):
    """The feature templates: known ones, each with its <unk> entry, and no duplicate names."""
    if not (isinstance(templates, list) and templates and all(isinstance(t, str) for t in templates)):
        raise PostagError(f"{path}: corrupt model: bad feature templates {templates!r}")
    for t in templates:
        try:
            word_features("Ab1", [t])
        except (ValueError, IndexError):
            raise PostagError(f"{path}: corrupt model: unknown feature template {t!r}") from None
    if len(set(features)) != len(features):
        raise PostagError(f"{path}: corrupt model: duplicate feature names")
    for t in templates:
        if f"{t}=<unk>" not in features:
            raise PostagError(f"{path}: corrupt model: no unknown entry for feature {t!r}")


def _check_raw_text_settings(path, meta):
    """What raw text learned (lexicon.learn_raw_text)."""
    mwt = meta.get("multiword_tokens", {})
    if not (isinstance(mwt, dict) and all(isinstance(v, list) and len(v) >= 2
                                          and all(map(_is_word, (k, *v)))
                                          for k, v in mwt.items())):
        raise PostagError(f"{path}: corrupt model: bad multiword_tokens (a JSON object of "
                          "token -> a list of two or more words, none with whitespace)")
    for key, ends, what in (("elisions", "'\u2019", "an apostrophe"),
                            ("abbreviations", ".", "a full stop")):
        ws = meta.get(key, [])
        if not (isinstance(ws, list) and all(_is_word(w) and len(w) > 1 and w[-1] in ends
                                             for w in ws)):
            raise PostagError(f"{path}: corrupt model: bad {key} (a list of words that end in "
                              f"{what})")
    spaced = meta.get("spaced_words", [])
    if not (isinstance(spaced, list) and len(spaced) <= MAX_SPACED_WORDS and all(
            isinstance(w, str) and w == " ".join(w.split())
            and 2 <= len(w.split()) <= MAX_SPACED_PIECES for w in spaced)):
        raise PostagError(f"{path}: corrupt model: bad spaced_words (a list of at most "
                          f"{MAX_SPACED_WORDS:,} words of 2 to {MAX_SPACED_PIECES} pieces "
                          "separated by one space)")
    if not isinstance(meta.get("hyphenated_words", False), bool):
        raise PostagError(f"{path}: corrupt model: bad hyphenated_words "
                          f"{meta.get('hyphenated_words')!r} (true or false)")


def _check_weights(path, params, features, tags, meta):
    """Every weight there, of its shape, finite, float32-sized; the expected shapes."""
    arch, layers, hidden = meta["arch"], meta["layers"], meta["hidden"]
    chars, char_hidden = meta["chars"], meta.get("char_hidden", 0)
    expected = param_shapes(len(features), len(tags), hidden, arch, layers, len(chars),
                            char_hidden, meta.get("crf", False))
    if set(params) != set(expected):
        missing = sorted(set(expected) - set(params))
        unexpected = sorted(set(params) - set(expected))
        raise PostagError(f"{path}: corrupt model: weights missing {missing} or unexpected "
                          f"{unexpected}")
    for name, shape in expected.items():
        a = params[name]
        if a.shape != shape:
            raise PostagError(f"{path}: corrupt model: {name} has shape {a.shape}, expected {shape}")
        if a.dtype not in (np.float32, np.float64):
            raise PostagError(f"{path}: corrupt model: {name} has dtype {a.dtype}")
        if not np.isfinite(a).all():
            raise PostagError(f"{path}: corrupt model: {name} holds NaN or infinite values")
        if a.dtype == np.float64 and a.size and np.abs(a).max() > np.finfo(np.float32).max:
            raise PostagError(f"{path}: corrupt model: {name} holds values too large for float32")
    return expected


def _check_extra(path, meta, extra, expected):
    """The learned tokenizer, and a checkpoint's groups of arrays."""
    if ("tokenizer" in meta) != ("tokenizer" in extra):
        raise PostagError(f"{path}: corrupt model: tokenizer weights or settings missing")
    if "tokenizer" in extra:
        from .segmenter import check_stored
        bad = check_stored(extra["tokenizer"], meta["tokenizer"])
        if bad:
            raise PostagError(f"{path}: corrupt model: bad tokenizer ({bad})")
    for group, d in extra.items():
        if group in ("adagrad", "best", "average"):
            for name, a in d.items():
                if name not in expected or a.shape != expected[name] or not np.isfinite(a).all():
                    raise PostagError(f"{path}: corrupt checkpoint: bad {group}.{name}")
