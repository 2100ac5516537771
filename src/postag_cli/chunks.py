"""Pieces of an input that are tagged on their own (`postag tag --cluster`), cut so that the
output is the same as tagging the whole file.

A chunk is a byte range [start, end) of the input. It owns the units that begin in it: lines
of text, or, where a unit spans lines (CoNLL-U sentences, the paragraphs of
--split-sentences), the blocks of lines between blank lines. A boundary is the start of a line
(`blocks`: the start of a line after a blank line); a chunk reads from the first boundary at or
after `start` to the first boundary at or after `end`, so the chunks of a file share out its
lines with no gap and no overlap, and only the bytes of one chunk (and of the line before it)
are read. Tagging does not depend on how the input is cut (see model.stable_matmul), and
sentence numbers are put right afterwards (`renumber`), so the output does not either.
"""

from __future__ import annotations

import io
import re

from .errors import PostagError
from .fileio import display_name

PIECE = 1 << 16  # bytes read at a time when looking for a line end
MAX_SCAN = 1 << 20  # a blank line is never longer than this (longer: not blank)


def read_bounded_line(f) -> bytes:
    """The next line of f with its line end (b"" at the end), read PIECE bytes at a time."""
    parts = []
    while True:
        part = f.readline(PIECE)
        parts.append(part)
        if not part or part.endswith(b"\n"):
            return b"".join(parts)


def is_blank(raw: bytes, first: bool = False) -> bool:
    """Whether a raw line is blank as the readers see it (whitespace only, a BOM on line 1
    dropped); undecodable bytes are not blank (the reader reports them)."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if first:
        line = line.removeprefix("\ufeff")
    return not line.strip()


_NOT_SPACE = re.compile(rb"[^\x09-\x0d\x1c-\x20\x80-\xff]")  # an ASCII byte that is not space


def _blank_before(f, pos: int) -> bool:
    """Whether the line that ends just before offset pos (at a line start) is blank."""
    tail, at = b"", pos - 1  # (the byte at pos - 1 is that line's LF)
    while at > 0 and len(tail) <= MAX_SCAN:
        lo = max(0, at - PIECE)
        f.seek(lo)
        tail = f.read(at - lo) + tail
        at = lo
        nl = tail.rfind(b"\n")
        if nl >= 0:
            return not _NOT_SPACE.search(tail, nl + 1) and is_blank(tail[nl + 1:])
        if _NOT_SPACE.search(tail):
            return False
    return len(tail) <= MAX_SCAN and is_blank(tail, first=True)


def span_start(f, start: int, blocks: bool) -> int:
    """The first boundary at or after `start` (f: seekable binary file)."""
    if start == 0:
        return 0
    f.seek(start - 1)
    pos = start - 1 + len(read_bounded_line(f))
    if not blocks or _blank_before(f, pos):
        return pos
    f.seek(pos)
    while line := read_bounded_line(f):  # inside a block: it ends at the next blank line
        pos += len(line)
        if is_blank(line):
            break
    return pos


def read_span(f, start: int, end: int, blocks: bool) -> tuple[int, bytes]:
    """(offset, bytes) of the lines that chunk [start, end) owns (see the module doc)."""
    pos = first = span_start(f, start, blocks)
    out = []
    if first < end:
        f.seek(first)
        while line := read_bounded_line(f):
            out.append(line)
            pos += len(line)
            if pos >= end and (not blocks or is_blank(line, first=pos == len(line))):
                break
    return first, b"".join(out)


def split_stream(f, size: int, blocks: bool):
    """Cut a stream that cannot seek (compressed input, stdin) as `read_span` cuts a file into
    chunks of `size` bytes: yields (first line number, bytes) of each chunk, at least one."""
    out, pos, lineno, first, end = [], 0, 1, 1, size
    while line := read_bounded_line(f):
        out.append(line)
        pos += len(line)
        lineno += 1
        if pos >= end and (not blocks or is_blank(line, first=lineno == 2)):
            yield first, b"".join(out)
            out, first = [], lineno
            end = (pos // size + 1) * size
    if out or first == 1:
        yield first, b"".join(out)


def line_number(f, offset: int) -> int:
    """The line number of the line that starts at offset (counted, in pieces)."""
    f.seek(0)
    n, left = 1, offset
    while left > 0 and (block := f.read(min(left, 1 << 22))):
        n += block.count(b"\n")
        left -= len(block)
    return n


_PLACE = re.compile(r"^(?P<name>.*?):(?P<line>[0-9]+): ", re.S)


def shift_lines(message: str, name: str, delta: int) -> str:
    """An error message `NAME:LINE: ...` with LINE moved by delta (a chunk's line numbers to
    the file's)."""
    m = _PLACE.match(message)
    if not m or m.group("name") != name:
        return message
    return f"{name}:{int(m.group('line')) + delta}: {message[m.end():]}"


# ---------------------------------------------------------------------------------------------


def tag_bytes(tagger, data: bytes, path, first_line: int, opts):
    """Tag one chunk: (output text, sentences, tokens). Sentences are numbered from 1 (see
    `renumber`); line numbers in errors count from first_line."""
    from .tagio import (CHUNK, _chunks, is_sentence, read_text_lines, tag_conllu_chunk,
                        tag_text_chunk, text_work, with_lexicon)
    f = io.BufferedReader(io.BytesIO(data))
    out, n, tokens = [], 0, 0
    if opts.input_format == "conllu":
        from .treebank import read_conllu, words
        for sents, _ in _chunks(read_conllu(path, binary=f, first_line=first_line), CHUNK):
            out.append(tag_conllu_chunk(tagger, sents, opts, n))
            n += len(sents)
            tokens += sum(len(words(s)) for s in sents)
        return "".join(out), n, tokens
    opts = with_lexicon(opts, tagger)
    lines = read_text_lines(path, f, first_line=first_line)
    for (units, first, _), _ in text_work(lines, opts, tagger):
        out.append(tag_text_chunk(tagger, units, first, opts))
        n = first + sum(1 for unit in units if is_sentence(unit))
        tokens += sum(len(unit.split()) for unit in units)
    return "".join(out), n, tokens


def numbered(opts) -> bool:
    """Whether the output format numbers the sentences (json; CoNLL-U written from text)."""
    return opts.fmt == "json" or (opts.fmt == "conllu" and opts.input_format != "conllu")


_NUMBERS = {"json": re.compile(r'^\{"id": ([0-9]+)', re.M),
            "conllu": re.compile(r"^# sent_id = ([0-9]+)$", re.M)}


def renumber(text: str, base: int, opts) -> str:
    """A chunk's output with its sentences numbered from base + 1 instead of 1."""
    if not base or not numbered(opts):
        return text
    prefix = '{"id": ' if opts.fmt == "json" else "# sent_id = "
    return _NUMBERS[opts.fmt].sub(lambda m: prefix + str(int(m.group(1)) + base), text)


def chunk_error(e: PostagError, path, f, first: int, first_line: int) -> PostagError:
    """e, raised with a chunk's line numbers (from first_line), with the file's: counts the
    lines before the chunk (offset `first` of f; done only when there is an error)."""
    name = display_name(path)
    delta = line_number(f, first) - first_line if f is not None else 0
    return PostagError(shift_lines(str(e), name, delta), e.exit_code)
