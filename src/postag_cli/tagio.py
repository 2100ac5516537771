"""`postag tag`: stream input in chunks, tag each chunk in batches, write one output format.

Memory stays flat: input is read CHUNK sentences at a time and each chunk's output is written
before the next is read. With jobs > 1, chunks go to worker processes and come back in order.
Output to a file is written to a temporary file and renamed at the end, so a failed run leaves
no partial file.
"""

from __future__ import annotations

import json
import os
import re
import sys
from contextlib import contextmanager
from dataclasses import dataclass, replace

from .errors import PostagError
from .features import nfc
from .fileio import atomic_file, display_name, open_binary, open_peeked, read_line
from .tokenizer import normalize_text

CHUNK = 2000  # sentences per chunk
MAX_LINE_BYTES = 1_000_000  # longest input line accepted in text mode
PARAGRAPH_BATCH = 64  # paragraphs split into sentences at once


@dataclass(frozen=True)
class TagOptions:
    input_format: str = "text"  # or "conllu"; "auto": `detect_input_format` decides
    pretokenized: bool = False
    split_sentences: bool = False
    fmt: str = "tagged"  # "": conllu for CoNLL-U input, tagged for text
    probs: bool = False
    top_k: int = 0
    multiword: bool = True  # the tokenizer's English multiword splits (set from the model)
    lexicon: object = None  # what the model's training data taught the tokenizer (Lexicon)


@contextmanager
def output_stream(path):
    """A text stream for `path` ('-' is stdout); a file appears only when the run succeeds."""
    if path == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    with atomic_file(path) as f:
        yield f


# a token line's start: an ID and a tab; with three fields or more, or after CoNLL-U comments,
# it is CoNLL-U (`1<TAB>Hello world`, an ID and a sentence, is text)
_CONLLU_ID = re.compile(rb"[0-9]+(-[0-9]+|\.[0-9]+)?\t")
_CONLLU_COMMENT = re.compile(rb"# *((sent_id|text|global\.columns) *=|newdoc\b|newpar\b)")


def detect_input_format(path, head) -> str:
    """"conllu" or "text" for `--input-format auto`: CoNLL-U if the file name ends in .conllu,
    or if the first line that is neither blank nor a comment starts with a token ID and a tab
    (`1<TAB>`, `1-2<TAB>`, `1.1<TAB>`) and has three tab-separated fields or more, or comes
    after CoNLL-U comments (`# sent_id = `, `# text = `, `# newdoc`, ...; an ID, a tab and a
    sentence alone is text), or if the first lines hold such comments and no data. head: the
    first lines, as bytes."""
    if _conllu_name(path):
        return "conllu"
    comments = False
    for line in b"".join(head).replace(b"\r", b"\n").split(b"\n"):
        line = line.removeprefix(b"\xef\xbb\xbf")
        if line.startswith(b"#"):
            comments = comments or bool(_CONLLU_COMMENT.match(line))
        elif line.strip():
            return "conllu" if _CONLLU_ID.match(line) and (line.count(b"\t") >= 2 or comments) \
                else "text"
    return "conllu" if comments else "text"


def _conllu_name(path) -> bool:
    return path != "-" and str(path).lower().removesuffix(".gz").removesuffix(".bz2") \
        .removesuffix(".xz").endswith(".conllu")


def read_text_lines(path, binary=None, first_line=1):
    """Yield (line number, text) of a UTF-8 text file, BOM stripped, line ends removed. A CR
    inside a line ends a line too (old Mac files, CR only), as with Python's universal
    newlines; the pieces keep the file's line number. binary: the file already opened;
    first_line: the number of its first line (a piece of a file)."""
    name = display_name(path)
    f = binary if binary is not None else open_binary(path)
    try:
        lineno = first_line
        while (line := read_line(f, name, lineno, MAX_LINE_BYTES)) is not None:
            if "\r" in line:
                for piece in line.split("\r"):
                    yield lineno, piece
            else:
                yield lineno, line
            lineno += 1
    finally:
        if binary is None and path != "-":
            f.close()


PAUSE = None  # in a stream of lines or units: no further line is ready yet (see with_pauses)
PAUSE_WAIT = 0.05  # seconds without a new line that make a pause


def interactive(path) -> bool:
    """Whether input `path` ('-': stdin) is a pipe, a terminal or a socket, not a regular
    file: then it may pause, and what has arrived is tagged and written at once."""
    import stat
    try:
        st = os.fstat(sys.stdin.fileno()) if path == "-" else os.stat(path)
    except (AttributeError, OSError, ValueError):  # (no file number: stdin replaced)
        return False
    return not stat.S_ISREG(st.st_mode)


def with_pauses(lines):
    """The items of `lines` (an iterator), read ahead by a thread, with PAUSE yielded whenever
    no further item comes within PAUSE_WAIT: a person typing, or a slow producer, then sees
    each line tagged at once, while a fast pipe still fills whole chunks. The thread's errors
    are raised here; at most 4096 items wait (memory stays flat)."""
    import queue
    import threading
    q = queue.Queue(maxsize=4096)
    end = object()

    def read():
        try:
            for item in lines:
                q.put(item)
            q.put(end)
        except BaseException as e:  # (handed to the reading side, raised there)
            q.put(("error", e))

    threading.Thread(target=read, daemon=True).start()
    while True:
        try:
            item = q.get(timeout=PAUSE_WAIT)
        except queue.Empty:
            yield PAUSE
            item = q.get()
        if item is end:
            return
        if isinstance(item, tuple) and item[0] == "error":
            raise item[1]
        yield item


def _norm(text, opts: TagOptions):
    """The text as the tokenizer reads it (leading BOMs dropped), so that `# text` and the tokens
    spell the same characters; in NFC, as treebanks are (the UD validator requires it), so
    that decomposed input (cafe + U+0301) finds the model's words and tokenizes the same in
    every output format; done before tokenizing so that no token boundary falls inside a
    character that NFC composes."""
    return nfc(normalize_text(text))


def text_units(lines, opts: TagOptions, tagger=None):
    """The units of text input, cheap to compute: each line (or, with split_sentences, each
    sentence of each paragraph; paragraphs end at blank lines, and are split by the tagger's
    `split_sentences`, or by the rules without a tagger). Yields strings; in line mode a
    blank line yields "" so that `tagged` output stays aligned with the input lines."""
    if not opts.split_sentences:
        for item in lines:
            yield PAUSE if item is PAUSE else item[1]
        return
    if tagger is not None:
        split = tagger.split_sentences
    else:
        from .tokenizer import split_sentences
        abbreviations = opts.lexicon.abbreviations if opts.lexicon else frozenset()
        split = lambda paras: [split_sentences(p, abbreviations) for p in paras]  # noqa: E731
    para: list[str] = []
    paras: list[str] = []  # split in batches (the learned splitter reads many at once)
    for item in lines:
        if item is not PAUSE and item[1].strip():
            para.append(_norm(item[1], opts))
            continue
        if para and item is not PAUSE:
            paras.append("\n".join(para))
            para = []
        if len(paras) >= PARAGRAPH_BATCH or item is PAUSE:  # (the paragraphs ended so far)
            yield from (s for sents in split(paras) for s in sents)
            paras = []
            if item is PAUSE:
                yield PAUSE
    if para:
        paras.append("\n".join(para))
    yield from (s for sents in split(paras) for s in sents)


def is_sentence(unit: str) -> bool:
    """Whether a unit holds a sentence (anything but whitespace; the tokenizer keeps every
    non-whitespace character, so such a unit always has tokens)."""
    return bool(unit) and not unit.isspace() and bool(unit.split())


def text_sentences(units, opts: TagOptions, tagger=None):
    """(text, tokens) per unit; text is the unit with whitespace runs collapsed (the `# text`),
    tokens are (surface, words, space_after), tokenized by the tagger's `tokenize` (without a
    tagger: by the rules, as opts say). A blank unit gives (None, []) in the `tagged` format
    (an empty output line) and nothing otherwise."""
    units = [_norm(unit, opts) for unit in units]
    if opts.pretokenized:
        toks = [[(w, (w,), True) for w in unit.split()] for unit in units]
    else:
        real = [unit for unit in units if unit.split()]
        if tagger is not None:
            found = iter(tagger.tokenize(real))
        else:
            from .tokenizer import tokenize
            found = (tokenize(unit, opts.multiword, opts.lexicon) for unit in real)
        toks = [[(t.text, t.words, t.space_after) for t in next(found)] if unit.split() else []
                for unit in units]
    for unit, tokens in zip(units, toks):
        if not tokens:
            if opts.fmt == "tagged" and not opts.split_sentences:
                yield None, []
            continue
        yield " ".join(unit.split()), tokens


def _misc_probs(ranked, opts):
    items = []
    if opts.probs:
        items.append(f"TagProb={ranked[0][1]:.4f}")
    if opts.top_k:
        items.append("TopTags=" + ",".join(f"{t}:{p:.4f}" for t, p in ranked[:opts.top_k]))
    return "|".join(items)


def format_text_sentence(tagger, n, text, tokens, tags, ranked, opts: TagOptions,
                         sent_id=None) -> str:
    """One sentence in the chosen output format. ranked: per word, (tag, prob) best first.
    sent_id: the input's own sentence id (CoNLL-U input), which json output adds."""
    from .treebank import sentence_to_conllu
    words = [w for _, ws, _ in tokens for w in ws]
    fmt = opts.fmt
    if fmt == "tagged":
        if text is None:
            return "\n"
        parts = []
        for w, t, r in zip(words, tags, ranked):
            s = f"{w}/{t}"
            if opts.probs:
                s += f"/{r[0][1]:.4f}"
            parts.append(s)
        return " ".join(parts) + "\n"
    if fmt == "tsv":
        out = []
        for w, t, r in zip(words, tags, ranked):
            cols = [w, t]
            if opts.probs:
                cols.append(f"{r[0][1]:.4f}")
            if opts.top_k:
                cols += [f"{tt}:{p:.4f}" for tt, p in r[:opts.top_k]]
            out.append("\t".join(cols))
        return "\n".join(out) + "\n\n"
    if fmt == "json":
        toks = []
        for w, t, r in zip(words, tags, ranked):
            d = {"form": w, "tag": t}
            if opts.probs:
                d["prob"] = round(r[0][1], 6)
            if opts.top_k:
                d["top"] = [[tt, round(p, 6)] for tt, p in r[:opts.top_k]]
            toks.append(d)
        head = {"id": n} if sent_id is None else {"id": n, "sent_id": sent_id}
        return json.dumps({**head, "text": text, "tokens": toks}, ensure_ascii=False) + "\n"
    misc = [_misc_probs(r, opts) for r in ranked] if (opts.probs or opts.top_k) else None
    return sentence_to_conllu(tokens, tags, sent_id=str(n), text=text, extra_misc=misc,
                              column=tagger.meta.get("tag_column", "upos"))


def _rank(tagger, probs, opts):
    k = max(opts.top_k, 1)
    return tagger.top_k(probs, k) if (opts.probs or opts.top_k) else \
        [[(tagger.tags[j], 0.0)] for j in probs.argmax(axis=1)]


def tag_text_chunk(tagger, units, first_n, opts: TagOptions) -> str:
    """Tokenize and tag a list of text units (see `text_units`) and format them; sentences are
    numbered from first_n + 1."""
    fast = opts.fmt == "tagged" and not (opts.probs or opts.top_k)
    if fast and opts.pretokenized:
        return _tag_tokens_fast(tagger, units, opts)
    chunk = list(text_sentences(units, opts, tagger))
    if opts.pretokenized:
        words = [text.split() if text is not None else [] for text, _ in chunk]
    else:
        words = [[w for _, ws, _ in toks for w in ws] for _, toks in chunk]
    if fast:
        return _format_tagged(tagger, words, [text is None for text, _ in chunk])
    probs = tagger.probabilities(words)
    out, n = [], first_n
    for (text, toks), p in zip(chunk, probs):
        ranked = _rank(tagger, p, opts)
        tags = [r[0][0] for r in ranked]
        if text is not None:
            n += 1
        out.append(format_text_sentence(tagger, n, text, toks, tags, ranked, opts))
    return "".join(out)


def _tag_tokens_fast(tagger, units, opts: TagOptions) -> str:
    """The common case, kept lean: pretokenized text to word/TAG lines (what `text_sentences`
    and `tag_text_chunk` do, without building token tuples)."""
    words, blank = [], []
    for unit in units:
        ws = _norm(unit, opts).split()
        if ws or not opts.split_sentences:  # a blank line stays a blank line
            words.append(ws)
            blank.append(not ws)
    return _format_tagged(tagger, words, blank)


def _format_tagged(tagger, words, blank) -> str:
    """word/TAG lines for sentences `words` (an empty line where blank[i]); all tokens of the
    chunk are formatted in one pass."""
    ids = tagger.flat_probabilities(words).argmax(axis=1).tolist()
    suffix = ["/" + t for t in tagger.tags]
    toks = list(map(str.__add__, [w for ws in words for w in ws], map(suffix.__getitem__, ids)))
    out, at = [], 0
    for ws, empty in zip(words, blank):
        out.append("\n" if empty else " ".join(toks[at:at + len(ws)]) + "\n")
        at += len(ws)
    return "".join(out)


def tag_conllu_chunk(tagger, sents, opts: TagOptions, first_n=0) -> str:
    """Retag CoNLL-U sentences in place (the model's tag column), keeping everything else; or,
    in another output format, tag their words (sentences numbered from first_n + 1)."""
    from .treebank import serialize, words
    column = tagger.meta.get("tag_column", "upos")
    toks = [words(s) for s in sents]
    forms = [[t["form"] for t in ts] for ts in toks]
    probs = tagger.probabilities(forms)
    out = []
    for n, (s, ts, fs, p) in enumerate(zip(sents, toks, forms, probs), first_n + 1):
        ranked = _rank(tagger, p, opts)
        if opts.fmt != "conllu":  # the file's words, in the chosen format
            if not fs:  # (a sentence of empty nodes only: nothing to tag)
                continue
            text = " ".join(s.metadata.get("text", "").split()) or " ".join(fs)
            out.append(format_text_sentence(tagger, n, text, [(w, (w,), True) for w in fs],
                                            [r[0][0] for r in ranked], ranked, opts,
                                            s.metadata.get("sent_id")))
            continue
        for tok, r in zip(ts, ranked):
            tok[column] = r[0][0]
            extra = _misc_probs(r, opts) if (opts.probs or opts.top_k) else ""
            if extra:
                misc = [m for m in (tok["misc"] if tok["misc"] != "_" else "").split("|")
                        if m and not m.startswith(("TagProb=", "TopTags="))]
                tok["misc"] = "|".join(misc + [extra])
        out.append(serialize(s))
    return "".join(out)


# ---------------------------------------------------------------------------------------------


def _chunks(iterable, size):
    """(list of `size` items, False), and (a shorter list, True) at each PAUSE."""
    chunk = []
    for x in iterable:
        if x is not PAUSE:
            chunk.append(x)
        if len(chunk) >= size or x is PAUSE and chunk:
            yield chunk, x is PAUSE
            chunk = []
    if chunk:
        yield chunk, False


_WORKER = {}


def _worker_init(model_paths):
    from .tagger import load_tagger
    _WORKER["tagger"] = load_tagger(model_paths)


def _worker_text(args):
    chunk, first_n, opts = args
    return tag_text_chunk(_WORKER["tagger"], chunk, first_n, opts)


def _worker_conllu(args):
    sents, opts, first_n = args
    return tag_conllu_chunk(_WORKER["tagger"], sents, opts, first_n)


_NOTED: set = set()  # notes said in this process (each once)


def input_options(input_path, head, opts: TagOptions) -> TagOptions:
    """opts with the input format decided (`auto`) and the output format's default filled in;
    refuses text-only options on CoNLL-U input."""
    fmt_in = opts.input_format
    if fmt_in == "auto":
        fmt_in = detect_input_format(input_path, head)
    if fmt_in == "conllu" and (opts.pretokenized or opts.split_sentences):
        how = "" if opts.input_format == "conllu" else \
            f" ({display_name(input_path)} reads as CoNLL-U; give " \
            "--input-format text to tag it as text)"
        raise PostagError("--pretokenized and --split-sentences apply to text input, not to "
                          f"CoNLL-U, whose words are given{how}")
    fmt = opts.fmt or ("conllu" if fmt_in == "conllu" else "tagged")
    if fmt == "tagged" and opts.top_k and not opts.fmt:  # (the format that shows them)
        fmt = "tsv"
        if "top-k" not in _NOTED:  # (once, however many inputs)
            _NOTED.add("top-k")
            print("note: --top-k lists the tags in the tsv format (--format tsv); give --format "
                  "json or conllu for another", file=sys.stderr)
    if fmt == "tagged" and opts.top_k:
        raise PostagError("--top-k needs --format tsv, json or conllu (the tagged format has "
                          "one tag per word)")
    return replace(opts, input_format=fmt_in, fmt=fmt)


def tag_file(input_path, output_path, model_paths, opts: TagOptions, jobs=1, verify=False):
    """Tag a file with one model, or the average of several (a list of paths). With
    opts.input_format "auto", the file's name and first lines decide (`detect_input_format`)."""
    from .tagger import load_tagger
    tagger = load_tagger(model_paths, verify=verify)  # (its errors come before any input)
    if opts.input_format == "auto":
        head, f = open_peeked(input_path)
    else:
        head, f = [], open_binary(input_path)
    try:
        sniffed = opts.input_format == "auto" and not _conllu_name(input_path)
        opts = input_options(input_path, head, opts)
        opts = with_lexicon(opts, tagger)
        try:
            _tag_stream(f, input_path, output_path, model_paths, tagger, opts, jobs)
        except PostagError as e:
            if sniffed and opts.input_format == "conllu":  # say why it was read as CoNLL-U
                raise PostagError(f"{e} (read as CoNLL-U, as its first data line starts with "
                                  "a token ID and a tab; give --input-format text to tag it "
                                  "as text)") from None
            raise
    finally:
        if input_path != "-":
            f.close()


def with_lexicon(opts: TagOptions, tagger) -> TagOptions:
    """opts with what the tokenizer and splitter know of the model, for text that is tokenized
    (raw text, or --split-sentences); other input needs none of it."""
    if opts.input_format == "text" and (not opts.pretokenized or opts.split_sentences):
        return replace(opts, multiword=tagger.multiword, lexicon=tagger.lexicon)
    return opts


def text_work(lines, opts: TagOptions, tagger):
    """((units, number of the first sentence, opts), paused) for each chunk of text units: what
    tag_text_chunk tags (in a worker or here); paused: the input paused after it."""
    n = 0
    for chunk, paused in _chunks(text_units(lines, opts, tagger), CHUNK):
        yield (chunk, n, opts), paused
        n += sum(1 for unit in chunk if is_sentence(unit))


def _tag_stream(f, input_path, output_path, model_paths, tagger, opts, jobs):
    if opts.input_format == "conllu":
        from .treebank import read_conllu
        work = (((chunk, opts, i * CHUNK), False) for i, (chunk, _) in
                enumerate(_chunks(read_conllu(input_path, binary=f), CHUNK)))
        worker, local = _worker_conllu, (lambda a: tag_conllu_chunk(tagger, *a))
    else:
        lines = read_text_lines(input_path, f)
        if interactive(input_path):
            lines = with_pauses(lines)
        work = text_work(lines, opts, tagger)
        worker, local = _worker_text, (lambda a: tag_text_chunk(tagger, *a))
    flush = output_path == "-"  # at a pause, what has arrived is written and seen at once
    with output_stream(output_path) as out:
        if jobs == 1:
            for args, paused in work:
                out.write(local(args))
                if paused and flush:
                    out.flush()
            return
        import multiprocessing as mp
        ctx = mp.get_context("fork") if hasattr(os, "fork") else mp.get_context()
        from collections import deque
        with ctx.Pool(jobs, initializer=_worker_init, initargs=(model_paths,)) as pool:
            pending = deque()  # a bounded window of chunks in flight keeps memory flat
            for args, paused in work:
                pending.append(pool.apply_async(worker, (args,)))
                while len(pending) >= 2 * jobs or paused and pending:  # (a pause: all so far)
                    out.write(pending.popleft().get())
                if paused and flush:
                    out.flush()
            while pending:
                out.write(pending.popleft().get())
