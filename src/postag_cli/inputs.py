"""The inputs of `postag tag`: shell globs expanded, and with several inputs, one output file
each in the output folder, named after the input with the format's extension."""

from __future__ import annotations

import glob
import os

from .errors import PostagError

# the extension of each output format's files (json: JSON Lines, one sentence a line)
EXTENSIONS = {"tagged": ".tagged", "tsv": ".tsv", "conllu": ".conllu", "json": ".jsonl"}
_GLOB = set("*?[")


def expand_inputs(inputs) -> list[str]:
    """The input paths: a glob that the shell did not expand (quoted, or a URL) is expanded
    here, in sorted order; one that matches nothing is an error."""
    paths = []
    for p in inputs:
        if p == "-" or not (_GLOB & set(p)) or ("://" not in p and os.path.exists(p)):
            paths.append(p)
            continue
        if "://" in p:
            import fsspec
            fs, _ = fsspec.core.url_to_fs(p)
            protocol = p.split("://", 1)[0]
            found = [f"{protocol}://{m}" for m in sorted(fs.glob(p))]
        else:
            found = sorted(m for m in glob.glob(p) if not os.path.isdir(m))
        if not found:
            raise PostagError(f"{p}: no file matches")
        paths.extend(found)
    if paths.count("-") > 1 or ("-" in paths and len(paths) > 1):
        raise PostagError("stdin (-) is one input alone")
    return paths


def output_name(path, fmt) -> str:
    """An input's output file name: its name without compression suffix and extension, and
    the format's extension (corpus/a.txt.gz -> a.tagged)."""
    name = str(path).rstrip("/").rsplit("/", 1)[-1]
    for suffix in (".gz", ".bz2", ".xz"):
        name = name.removesuffix(suffix)
    return os.path.splitext(name)[0] + EXTENSIONS[fmt]


def plan_outputs(paths, output, opts) -> list[tuple[str, str]]:
    """(input, output) pairs: one input writes `output`; several write into the folder
    `output` (made if missing), each in its format (the format given, or tagged for text and
    conllu for CoNLL-U, as each input is read)."""
    if len(paths) == 1:
        return [(paths[0], output)]
    if output == "-":
        raise PostagError(f"{len(paths)} inputs: give -o FOLDER for their output files")
    if "://" not in output:
        if os.path.exists(output) and not os.path.isdir(output):
            raise PostagError(f"{output}: with several inputs, -o names a folder, not a file")
        os.makedirs(output, exist_ok=True)
    pairs, seen = [], {}
    for p in paths:
        fmt = opts.fmt or _format_of(p, opts)
        name = output_name(p, fmt)
        if name in seen:
            raise PostagError(f"{p} and {seen[name]} would both write {name}; give them "
                              "separate runs or rename one")
        seen[name] = p
        pairs.append((p, output.rstrip("/") + "/" + name))
    return pairs


def _format_of(path, opts) -> str:
    """The output format of an input when --format is not given (tagio.input_options)."""
    from .tagio import input_options
    if opts.input_format != "auto":
        head = []
    elif "://" in path:
        return "conllu" if path.lower().split(".conllu")[-1] in ("", ".gz", ".bz2", ".xz") \
            else "tagged"
    else:
        from .fileio import open_peeked
        head, f = open_peeked(path)
        f.close()
    fmt = input_options(path, head, opts).fmt
    return "tsv" if opts.top_k and fmt == "tagged" else fmt
