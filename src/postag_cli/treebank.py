"""Reading and writing CoNLL-U: the data path from a treebank file to (words, tags) and back.

Reading streams with ``conllu.parse_incr``. Before conllu sees a line, `_CheckedLines` decodes
it and checks its shape, so a bad file is refused with ``file:line: what is wrong`` rather than
read wrongly (conllu itself is lenient: it accepts spaces for tabs and short lines). Policy:

* strict by default: any malformed line or sentence is a `PostagError` naming file and line;
* `skip_bad=True`: a malformed *sentence* is skipped and counted instead (undecodable bytes,
  NUL bytes and a CoNLL-U Plus ``# global.columns`` header other than the 10 standard columns
  still stop reading, since nothing after them can be trusted);
* accepted as they are: a byte-order mark, CRLF line ends, a missing blank line at the end,
  several blank lines between sentences, comment-only blocks (skipped).

Every field is kept as the exact string of the file (only ID is parsed), so a sentence can be
written back unchanged except for the column that tagging fills in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import conllu

from .errors import PostagError
from .fileio import display_name, open_binary, read_line

FIELDS = ("id", "form", "lemma", "upos", "xpos", "feats", "head", "deprel", "deps", "misc")
TAG_COLUMNS = ("upos", "xpos")
_RAW = {f: (lambda columns, i: columns[i]) for f in FIELDS if f != "id"}  # keep raw strings
_ID = re.compile(r"(?:[1-9][0-9]*|0\.[1-9][0-9]*|[1-9][0-9]*\.[1-9][0-9]*|[1-9][0-9]*-[1-9][0-9]*)")
MAX_LINE_BYTES = 4_000_000  # longest CoNLL-U line accepted
UPOS_TAGS = ("ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON",
             "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X")  # the Universal POS tags
_STANDARD_COLUMNS = " ".join(f.upper() for f in FIELDS)


@dataclass
class ReadStats:
    sentences: int = 0
    words: int = 0
    skipped: int = 0
    first_skip: str = ""
    multiword: int = 0
    empty_nodes: int = 0


class _CheckedLines:
    """A text stream over a binary file for conllu.parse_incr that checks each line it passes on
    and remembers the line number of every line of the current sentence."""

    def __init__(self, binary, name, check_upos=False):
        self.binary = binary
        self.name = name
        self.check_upos = check_upos  # UPOS must be one of UPOS_TAGS or _
        self.lineno = 0
        self.block: list[int] = []  # line numbers of the token lines of the current sentence
        self.comments: list[str] = []  # the comment lines of the current sentence, verbatim
        self.block_start = 0
        self._in_block = False
        self.bad_block: str | None = None  # first error in the current block (skip mode)

    def read(self, *args):  # conllu checks for a read attribute; iteration is what it uses
        raise NotImplementedError

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = read_line(self.binary, self.name, self.lineno + 1, MAX_LINE_BYTES)
        if line is None:
            raise StopIteration
        self.lineno += 1
        if "\r" in line:  # a CR-only file reads as one line: stop rather than misread it
            raise PostagError(f"{self.name}:{self.lineno}: carriage return (CR) inside a line "
                              "(old Mac line ends? lines must end in LF or CRLF)")
        bom = line.startswith("\ufeff")  # line 1's was removed; elsewhere it is an error
        if bom:
            line = line[1:]
        if not line.strip():
            self._in_block = False
            return "\n"
        if not self._in_block:
            self._in_block = True
            self.block = []
            self.comments = []
            self.block_start = self.lineno
            self.bad_block = None
        if bom and self.lineno > 1:
            self.fail("byte-order mark (U+FEFF) inside the file (were files concatenated?)",
                      self.lineno)
        if line.startswith("#"):
            if line.startswith("# global.columns") and \
                    line.partition("=")[2].split() != _STANDARD_COLUMNS.split():
                # conllu would reorder the columns for the rest of the file: always stop
                raise PostagError(f"{self.name}:{self.lineno}: CoNLL-U Plus columns are not "
                                  f"supported (expected # global.columns = {_STANDARD_COLUMNS})")
            if self.block:
                self.fail("comment line inside a sentence (comments must come before its "
                          "first token line)", self.lineno)
            self.comments.append(line)
            return line + "\n"
        self.block.append(self.lineno)
        problem = _check_token_line(line, self.check_upos)
        if problem:
            self.fail(problem, self.lineno)
            # in skip mode, hand conllu a harmless line so the rest of the block still parses
            return "0.1\t_\t_\t_\t_\t_\t_\t_\t_\t_\n"
        return line + "\n"

    def fail(self, problem: str, lineno: int):
        msg = f"{self.name}:{lineno}: {problem}"
        if self.skip_bad:
            if self.bad_block is None:
                self.bad_block = msg
        else:
            raise PostagError(msg)

    skip_bad = False


def _check_token_line(line: str, check_upos=False) -> str | None:
    cols = line.split("\t")
    if len(cols) != 10:
        hint = (" (columns must be separated by tabs)" if len(cols) == 1 and " " in line else
                " (a tab at the end of the line?)" if len(cols) == 11 and cols[-1] == "" else "")
        return f"expected 10 tab-separated columns, found {len(cols)}{hint}"
    if not _ID.fullmatch(cols[0]):
        return f"bad ID {cols[0]!r}"
    if "-" in cols[0]:
        a, b = map(int, cols[0].split("-"))
        if b <= a:
            return f"bad multiword token range {cols[0]!r} (end must be after start)"
    for name, value in zip(FIELDS, cols):
        if value == "":
            return f"empty {name.upper()} field (use _ for no value)"
        if value != value.strip() or "  " in value:
            return f"{name.upper()} field {value!r} has leading, trailing or double whitespace"
    if check_upos and cols[3] != "_" and cols[3] not in UPOS_TAGS:
        return (f"UPOS {cols[3]!r} is not a Universal POS tag ({' '.join(UPOS_TAGS)}; _ for "
                "none)")
    return None


def _check_sentence(tokens, lines) -> tuple[str, int] | None:
    """IDs in order: words 1..n, ranges a-b just before word a and within the sentence,
    empty nodes n.1, n.2, ... right after word n. Returns (problem, line) or None."""
    n_words = 0
    range_end = range_line = 0
    last_empty = (0, 0)
    for tok, lineno in zip(tokens, lines):
        i = tok["id"]
        if isinstance(i, int):
            if i != n_words + 1:
                return f"word ID {i} out of order (expected {n_words + 1})", lineno
            n_words = i
        elif i[1] == "-":
            if i[0] != n_words + 1:
                return f"multiword token {i[0]}-{i[2]} must come just before word {i[0]}", lineno
            if i[0] <= range_end:
                return f"multiword token {i[0]}-{i[2]} overlaps the previous one", lineno
            range_end, range_line = i[2], lineno
        else:
            major, minor = i[0], i[2]
            expected = last_empty[1] + 1 if last_empty[0] == major else 1
            if major != n_words or minor != expected:
                return (f"empty node {major}.{minor} out of order (expected "
                        f"{n_words}.{expected if last_empty[0] == n_words else 1})"), lineno
            last_empty = (major, minor)
    if range_end > n_words:
        return (f"multiword token range ends at {range_end} but the sentence has {n_words} "
                "words"), range_line
    return None


def read_conllu(path, skip_bad=False, stats: ReadStats | None = None, binary=None,
                check_upos=False, first_line=1):
    """Yield the sentences of a CoNLL-U file as conllu.TokenList, fields as raw strings.
    Each TokenList gets metadata-independent attributes: `.lineno` (first line).
    check_upos: refuse a UPOS that is not a Universal POS tag (where UPOS is read as data).
    first_line: the number of the first line of `binary` (a piece of a file)."""
    name = display_name(path)
    stats = stats if stats is not None else ReadStats()
    f = binary if binary is not None else open_binary(path)
    lines = _CheckedLines(f, name, check_upos)
    lines.lineno = first_line - 1
    lines.skip_bad = skip_bad
    try:
        for sent in conllu.parse_incr(lines, fields=FIELDS, field_parsers=_RAW):
            if not sent:  # a block of comments only
                continue
            problem = _check_sentence(sent, lines.block)
            if problem:
                lines.fail(*problem)
            if lines.bad_block is not None:
                stats.skipped += 1
                stats.first_skip = stats.first_skip or lines.bad_block
                continue
            sent.lineno = lines.block_start
            sent.comments = list(lines.comments)
            stats.sentences += 1
            for tok in sent:
                if isinstance(tok["id"], int):
                    stats.words += 1
                elif tok["id"][1] == "-":
                    stats.multiword += 1
                else:
                    stats.empty_nodes += 1
            yield sent
    except conllu.exceptions.ParseException as e:
        raise PostagError(f"{name}:{lines.lineno}: {e}") from None
    finally:
        if binary is None and f is not None and path != "-":
            f.close()


def words(sent) -> list:
    """The syntactic words of a sentence: tokens with integer IDs (no ranges, no empty nodes)."""
    return [t for t in sent if isinstance(t["id"], int)]


@dataclass
class TaggedSentence:
    words: list[str]
    tags: list[str | None]  # None where the tag column is _
    sent_id: str = ""
    lineno: int = 0
    text: str | None = None
    extra: dict = field(default_factory=dict)
    multiword: list = field(default_factory=list)  # (surface form, its words) of each range
    glued: list = field(default_factory=list)  # tokens ending in an apostrophe, SpaceAfter=No
    # (elided words: French l'homme, see lexicon.learn_elisions)
    hyphens: tuple = (0, 0)  # tokens with a hyphen inside (e-mail), hyphens as tokens (e - mail)
    # the surface tokens: (FORM, SpaceAfter=No?, its words), for the learned tokenizer
    surface: list = field(default_factory=list)
    new_par: bool = False  # a `# newpar` or `# newdoc` comment: a paragraph starts here


def tagged_sentences(path, column="upos", skip_bad=False, stats=None, binary=None):
    """Yield TaggedSentence(words, tags) for training and evaluation (from `binary`, an open
    binary stream, if given)."""
    if column not in TAG_COLUMNS:
        raise PostagError(f"unknown tag column {column!r}; choose upos or xpos")
    for sent in read_conllu(path, skip_bad=skip_bad, stats=stats, binary=binary,
                            check_upos=column == "upos"):
        ws = words(sent)
        if not ws:
            continue
        yield TaggedSentence([t["form"] for t in ws],
                             [None if t[column] == "_" else t[column] for t in ws],
                             sent.metadata.get("sent_id", ""), sent.lineno,
                             sent.metadata.get("text"),
                             multiword=multiword_tokens(sent), **_spacing(sent),
                             surface=token_words(sent),
                             new_par=any(k.startswith(("newpar", "newdoc")) for k in sent.metadata))


def _spacing(sent) -> dict:
    """What the spacing of the sentence's surface tokens shows (TaggedSentence.glued and
    .hyphens), from one pass over them."""
    toks = surface_tokens(sent)
    return {"glued": [form for form, glued in toks if glued and form[-1:] in ("'", "\u2019")],
            "hyphens": _hyphen_counts(toks) if any("-" in f or "\u2010" in f for f, _ in toks)
            else (0, 0)}


def surface_tokens(sent) -> list[tuple[str, bool]]:
    """(FORM, SpaceAfter=No?) of the surface tokens: range lines and words outside ranges."""
    out, inside = [], 0
    for t in sent:
        tid = t["id"]
        if isinstance(tid, tuple):
            if tid[1] != "-":
                continue  # an empty node
            inside = tid[2]
        elif tid <= inside:
            continue
        out.append((t["form"] or "", "SpaceAfter=No" in (t["misc"] or "").split("|")))
    return out


def token_words(sent) -> list[tuple[str, bool, tuple[str, ...]]]:
    """(FORM, SpaceAfter=No?, its words' FORMs) of each surface token: a range line with the
    words it spans, or a word outside ranges with itself."""
    out, words_of = [], None
    for t in sent:
        tid = t["id"]
        glued = "SpaceAfter=No" in (t["misc"] or "").split("|")
        if isinstance(tid, tuple):
            if tid[1] == "-":
                words_of = [t["form"] or "", glued, [], tid[2]]
                out.append(words_of)
            continue
        if words_of is not None and tid <= words_of[3]:
            words_of[2].append(t["form"] or "")
            continue
        out.append([t["form"] or "", glued, [t["form"] or ""], tid])
    return [(form, glued, tuple(ws)) for form, glued, ws, _ in out]


def _hyphen_counts(toks) -> tuple[int, int]:
    """How a sentence (its surface tokens) writes hyphenated words: (tokens with a hyphen
    between two word characters, like e-mail; hyphens that are tokens of their own between
    two glued word tokens, like e - mail). See lexicon.learn_hyphenation."""
    from .tokenizer import is_hyphenated, is_word_token
    whole = sum(1 for form, _ in toks if is_hyphenated(form))
    split = sum(1 for (a, glued_a), (h, glued_h), (b, _) in zip(toks, toks[1:], toks[2:])
                if h in ("-", "\u2010") and glued_a and glued_h and is_word_token(a)
                and is_word_token(b))
    return whole, split


def multiword_tokens(sent) -> list[tuple[str, tuple[str, ...]]]:
    """(surface form, words) of each multiword token (range line a-b) of a sentence."""
    ranges = [t for t in sent if isinstance(t["id"], tuple) and t["id"][1] == "-"]
    if not ranges:
        return []
    form = {t["id"]: t["form"] for t in sent if isinstance(t["id"], int)}
    return [(t["form"], tuple(form.get(i, "") for i in range(t["id"][0], t["id"][2] + 1)))
            for t in ranges]


# ---------------------------------------------------------------------------------------------
# writing


def serialize(sent) -> str:
    """A TokenList read by `read_conllu` back to CoNLL-U text (comments, tokens, blank line)."""
    lines = list(getattr(sent, "comments", None) or
                 [f"# {k}" if v is None else f"# {k} = {v}" for k, v in sent.metadata.items()])
    for tok in sent:
        i = tok["id"]
        sid = str(i) if isinstance(i, int) else f"{i[0]}{i[1]}{i[2]}"
        lines.append("\t".join([sid] + [str(tok[f]) for f in FIELDS[1:]]))
    return "\n".join(lines) + "\n\n"


def _clean_field(value: str) -> str:
    """A FORM for CoNLL-U: no tabs or newlines (never produced by the tokenizer, but be safe)."""
    return value.replace("\t", " ").replace("\n", " ") or "_"


def sentence_to_conllu(tokens, tags, sent_id=None, text=None, extra_misc=None,
                       column="upos") -> str:
    """CoNLL-U for a tokenized, tagged sentence, valid for the UD validator (levels 1-3) and
    readable by the CoNLL 2018 scorer.

    tokens: list of (surface, words, space_after); a token with several words becomes a
    multiword-token line (FORM = surface, `_` elsewhere, SpaceAfter=No there if any) followed
    by its words. tags: one tag per word, written to `column` (UPOS, or XPOS for a model of
    XPOS tags: UPOS is then `_`, which the validator rejects from level 2 on, and every
    non-root word is `dep`). extra_misc: optional list, per word, of extra MISC items (e.g.
    tag probabilities), appended after SpaceAfter=No.

    `# text` is `text` with whitespace runs collapsed to one space, so that it equals the
    forms joined with a space except after tokens marked SpaceAfter=No (the tokenizer splits
    on every `str.isspace` character, a superset of the validator's whitespace). Characters
    are written as given: the UD validator wants NFC, so callers tokenize NFC text (as
    `tagio.text_sentences` does for `--format conllu`; normalising here, after tokenizing,
    could compose characters across a token boundary).

    The tree is a placeholder that keeps validators and scorers happy: the first
    non-PUNCT word is the root (`root`, HEAD 0; the first word if all are PUNCT), every other
    word depends on it: `punct` for PUNCT, `dep` otherwise. A flat tree is projective, so
    punctuation never causes non-projectivity; only the root has children, so no rule on
    what function words may govern applies; `dep` is tied to no UPOS (labels such as `aux`
    for AUX or `case` for ADP would pass too, but would claim a relation to a head that is
    only a placeholder); PUNCT is `root` only when every word is PUNCT, which is allowed.
    A sentence without words cannot be written in CoNLL-U: it gives "".
    """
    flat_words = [w for _, ws, _ in tokens for w in ws]
    n = len(flat_words)
    if n == 0:
        return ""
    upos = tags if column == "upos" else ["_"] * n
    xpos = tags if column == "xpos" else ["_"] * n
    root = next((i for i, t in enumerate(upos) if t != "PUNCT"), 0) + 1
    lines = []
    if sent_id is not None:
        lines.append(f"# sent_id = {sent_id}")
    if text is not None:
        lines.append(f"# text = {' '.join(text.split())}")
    wid = 0
    for surface, ws, space_after in tokens:
        misc_tok = [] if space_after else ["SpaceAfter=No"]
        if len(ws) > 1:
            lines.append(f"{wid + 1}-{wid + len(ws)}\t{_clean_field(surface)}\t_\t_\t_\t_\t_\t_\t_\t"
                         f"{'|'.join(misc_tok) or '_'}")
            misc_tok = []
        for w in ws:
            wid += 1
            tag = upos[wid - 1]
            head, rel = (0, "root") if wid == root else (root, "punct" if tag == "PUNCT" else "dep")
            misc = list(misc_tok)
            if extra_misc is not None and extra_misc[wid - 1]:
                misc.append(extra_misc[wid - 1])
            lines.append(f"{wid}\t{_clean_field(w)}\t_\t{tag}\t{xpos[wid - 1]}\t_\t{head}\t{rel}\t"
                         f"_\t{'|'.join(misc) or '_'}")
    assert wid == n
    return "\n".join(lines) + "\n\n"
