"""File plumbing shared by the readers and writers: opening inputs, decoding lines with errors
that name file and line, and atomic output (a temporary file renamed into place)."""

from __future__ import annotations

import io
import lzma
import os
import sys
import tempfile
import zlib
from contextlib import contextmanager

from .errors import PostagError


def display_name(path) -> str:
    """How messages name an input: its path, or <stdin> for '-'."""
    return "<stdin>" if path == "-" else str(path)


def open_binary(path):
    """Open a path for binary reading ('-' is stdin), turning OS errors into PostagError; gzip,
    bzip2 and xz input (known by its first bytes) is decompressed as it is read."""
    if path == "-":
        return _decompressed(sys.stdin.buffer)
    try:
        return _decompressed(open(path, "rb"))
    except FileNotFoundError:
        raise PostagError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise PostagError(f"{path}: is a directory, not a file") from None
    except OSError as e:
        raise PostagError(f"{path}: cannot open ({e.strerror})") from None


# compressed input, by its magic bytes (the standard library reads all three)
_COMPRESSED = ((b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"))
# what other binary input looks like, by its first bytes (for the error message)
_BINARY = ((b"PK\x03\x04", "a zip archive (a postag model? models go to -m)"),
           (b"%PDF", "a PDF document"), (b"\x89PNG", "a PNG image"),
           (b"\x7fELF", "an executable"), (b"\x93NUMPY", "a numpy array"))


def _decompressed(f):
    """f itself, or a decompressing reader over it when it starts like gzip, bzip2 or xz."""
    head = f.peek(6)[:6] if hasattr(f, "peek") else b""
    for magic, kind in _COMPRESSED:
        if head.startswith(magic):
            import bz2
            import gzip
            import lzma
            return {"gzip": lambda: gzip.GzipFile(fileobj=f), "bzip2": lambda: bz2.BZ2File(f),
                    "xz": lambda: lzma.LZMAFile(f)}[kind]()
    return f


def looks_like(raw: bytes) -> str | None:
    """What a binary input's first bytes say it is, or None."""
    return next((what for magic, what in _BINARY if raw.startswith(magic)), None)


class _Replay(io.RawIOBase):
    """A stream that gives `head` first, then the rest of `f`: an input read ahead (stdin, a
    pipe) made whole again."""

    def __init__(self, head: bytes, f):
        self._head, self._f = head, f

    def readable(self):
        return True

    def close(self):
        if not self.closed:
            self._f.close()
        super().close()

    def readinto(self, b):
        if self._head:
            n = min(len(b), len(self._head))
            b[:n], self._head = self._head[:n], self._head[n:]
            return n
        data = self._f.read1(len(b)) if hasattr(self._f, "read1") else self._f.read(len(b))
        b[:len(data)] = data
        return len(data)


def open_peeked(path, max_lines=1000, max_bytes=1 << 16):
    """Open `path` ('-': stdin) for binary reading and look at its start: (head, stream), where
    head holds the first lines as bytes, up to and including the first one that is neither
    blank nor a `#` comment (at most max_lines lines, about max_bytes), and the stream still
    gives the whole input, head included."""
    f = open_binary(path)
    head, size = [], 0
    try:
        start = f.tell() if f.seekable() else None
        while len(head) < max_lines and size < max_bytes:
            line = f.readline(max_bytes - size)
            if not line:
                break
            head.append(line)
            size += len(line)
            body = line.removeprefix(b"\xef\xbb\xbf")
            if body.strip() and not body.startswith(b"#"):
                break  # the first line of data
        if start is not None:
            f.seek(start)
            return head, f
    except OSError as e:
        if path != "-":
            f.close()
        raise PostagError(f"{display_name(path)}: cannot read ({e.strerror or e})") from None
    return head, io.BufferedReader(_Replay(b"".join(head), f))


def read_line(f, name, lineno, max_bytes):
    """The next line of binary file `f` as text without its line end (None at the end).
    Refuses lines over max_bytes (read in bounded memory), invalid UTF-8 and NUL bytes.
    A byte-order mark is removed from line 1 and kept elsewhere (the caller decides)."""
    try:
        raw = f.readline(max_bytes + 1)
    except (EOFError, OSError, ValueError, zlib.error, lzma.LZMAError) as e:  # (compressed)
        raise PostagError(f"{name}:{lineno}: cannot read: corrupt or truncated compressed "
                          f"data ({e})") from None
    if not raw:
        return None
    if len(raw) > max_bytes and not (len(raw) == max_bytes + 1 and raw.endswith(b"\n")):
        raise PostagError(f"{name}:{lineno}: line longer than {max_bytes:,} bytes")
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        utf = "UTF-32" if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")) else \
            "UTF-16" if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else None
        if lineno == 1 and utf:
            raise PostagError(f"{name}:1: {utf} text (it starts with a {utf} byte-order mark); "
                              f"postag reads UTF-8: convert it first, e.g. iconv -f {utf} "
                              "-t UTF-8") from None
        if lineno == 1 and looks_like(raw):
            raise PostagError(f"{name}: not text: it looks like {looks_like(raw)}") from None
        raise PostagError(f"{name}:{lineno}: invalid UTF-8 (byte 0x{raw[e.start]:02x} at column "
                          f"{e.start + 1})") from None
    if "\x00" in line:
        raise PostagError(f"{name}:{lineno}: NUL byte in the input (is it a text file, in "
                          "UTF-8 rather than UTF-16?)")
    if lineno == 1 and line.startswith("\ufeff"):
        line = line[1:]
    # one line end removed: LF, CRLF, or a CR ending the file (a CR before CRLF stays, so
    # that a caller can treat it as a line end of its own)
    if line.endswith("\n"):
        line = line[:-1]
    if line.endswith("\r"):
        line = line[:-1]
    return line


def check_writable(path) -> None:
    """Fail early, before hours of training, if `atomic_file(path)` could not write `path`
    (through a symbolic link: into the folder of its target)."""
    if os.path.isdir(path):
        raise PostagError(f"{path}: is a directory")
    folder = os.path.dirname(os.path.realpath(path))
    if not os.path.isdir(folder):
        raise PostagError(f"{path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise PostagError(f"{path}: folder {folder} is not writable")


def check_appendable(path) -> None:
    """Fail early if lines cannot be appended to `path` (an existing writable file, or a new
    file in a writable folder)."""
    if os.path.isfile(path):
        if not os.access(path, os.W_OK):
            raise PostagError(f"{path}: the file is not writable")
    else:  # a new file: as for any other output
        check_writable(path)


def _new_file_mode() -> int:
    """The permissions open() gives a new file: 0666 less the umask."""
    umask = os.umask(0o022)  # (reading the umask means setting it; put it back at once)
    os.umask(umask)
    return 0o666 & ~umask


@contextmanager
def atomic_file(path, mode="w"):
    """A file object for `path` that becomes visible only when the `with` block succeeds: it is
    written to a temporary file in the same folder, fsynced and renamed over `path`. On any
    error the temporary file is removed, `path` is left as it was, and OS errors become a
    PostagError naming `path`. A device or named pipe (/dev/null, a FIFO) is written as a
    stream instead."""
    path = os.fspath(path)
    target = os.path.realpath(path)  # (through a symbolic link, as open() would write)
    if os.path.exists(target) and not os.path.isfile(target) and not os.path.isdir(target):
        # a device, a named pipe or a socket (-o /dev/null): written as a stream, never
        # replaced by a renamed file
        kw = {} if "b" in mode else {"encoding": "utf-8", "newline": "\n"}
        try:
            with open(target, mode, **kw) as f:
                yield f
        except OSError as e:
            raise PostagError(f"{path}: cannot write ({e.strerror or e})") from None
        return
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        raise PostagError(f"{path}: folder {folder} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(target) + ".", suffix=".tmp",
                                   dir=folder)
    except OSError as e:
        raise PostagError(f"{path}: cannot write ({e.strerror or e})") from None
    try:
        os.fchmod(fd, _new_file_mode())  # mkstemp makes 0600; give what open() would
        kw = {} if "b" in mode else {"encoding": "utf-8", "newline": "\n"}
        with os.fdopen(fd, mode, **kw) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise PostagError(f"{path}: cannot write ({e.strerror or e})") from None
        raise
