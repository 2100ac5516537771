"""Rule-based tokenizer and sentence splitter following UD English EWT conventions.

The normalised text is cut at whitespace (``str.split``); a chunk that is a plain
alphabetic word is a token, any other chunk is cut into tokens by one compiled
regular expression (an ordered alternation of token shapes: URLs, e-mails,
numbers, abbreviations, emoticons, words, punctuation runs, ..., and finally any
single character).  A cheap per-token step then splits clitics into multiword
tokens the way EWT does::

    don't  -> do n't        can't -> ca n't       won't -> wo n't
    I'm    -> I 'm          it's  -> it 's        John's -> John 's
    gonna  -> gon na        cannot -> can not     dont -> do nt
    payers' -> payers '     (plural possessive, when no single quote is open)

Guarantees (for any input string ``s``, with ``n = normalize_text(s)``):

* ``"".join(t.text for t in tokenize(s)) == "".join(n.split())`` - no character
  is ever lost, added or altered, whatever the script;
* ``n[t.start:t.end] == t.text`` for every token;
* ``"".join(t.words) == t.text`` (but for ``expansions``); every word is non-empty and
  has no whitespace.

Scripts written without spaces between words (Chinese, Japanese kana, Thai, Lao, Khmer,
Myanmar) come out of those rules as whole clauses.  Given a ``lexicon`` (the words a model
was trained on), such a run is cut into words by forward maximum matching: at each point
the longest word of the lexicon that starts there, else one character (with its combining
marks); letters of other scripts in the same run (``iPhone手机``) become tokens of their own.
The guarantees above hold either way.

A model of a language other than English brings its own knowledge instead of the English
rules (a :class:`Lexicon`, see :func:`make_lexicon`): its multiword tokens (see
lexicon.py, :func:`learn_raw_text`: French ``du`` -> ``de le``, German ``zum`` -> ``zu dem``), whose
words take the token's case (``Du`` -> ``De le``) and need not spell it, so the last
guarantee above excludes them; and its elided words (French ``l'``, ``qu'``, Italian
``dell'``), split off the token they are glued to (``l'homme`` -> ``l'`` ``homme``) unless the
model knows the whole token as a word (``aujourd'hui``); and whether its language writes
hyphenated words as one token (French ``peut-être``, Russian ``что-то``) rather than three,
as EWT does (``well - known``); and its abbreviations (German ``usw.``), kept whole.

Whitespace is whatever ``str.isspace`` says (the ``re`` module's Unicode ``\\s``
is the same set), so tabs, NBSP, thin spaces, ideographic spaces, ... all
separate tokens.  ``space_after`` is False only when the next character in the
input is not whitespace (i.e. the next token is glued to this one); at the end
of the text it is True, matching the CoNLL-U default (no ``SpaceAfter=No``).
"""

from __future__ import annotations

import functools
import itertools
import re
import sys
import unicodedata
from typing import NamedTuple

__all__ = ["Lexicon", "Token", "is_hyphenated", "is_nospace_char", "is_word_token",
           "make_lexicon", "ENGLISH_MARK",
           "normalize_text", "nospace_words", "split_sentences", "tokenize", "tokenize_words",
           "cased_words"]


class Token(NamedTuple):
    text: str  # surface token as in the input, e.g. "don't"
    start: int  # character offset in the (normalised) input string
    end: int
    words: tuple[str, ...]  # syntactic words: ("do", "n't") for a multiword token
    space_after: bool


# ---------------------------------------------------------------------------
# Character classes
# ---------------------------------------------------------------------------


def _mark_class_body() -> str:
    """Character-class body (no brackets) of all combining marks (Mn, Mc, Me).

    ``re`` has no ``\\p{M}``; marks are not ``\\w`` in Python, so they are
    collected once at import from ``unicodedata`` (planes 0, 1 and 14 hold all
    of them; this takes a few tens of milliseconds).
    """
    ranges: list[list[int]] = []
    category = unicodedata.category
    for block in (range(0x20000), range(0xE0000, 0xE1000)):
        for cp in block:
            if category(chr(cp))[0] == "M":
                if ranges and ranges[-1][1] == cp - 1:
                    ranges[-1][1] = cp
                else:
                    ranges.append([cp, cp])
    parts = []
    for lo, hi in ranges:
        parts.append(re.escape(chr(lo)) if lo == hi else f"{re.escape(chr(lo))}-{re.escape(chr(hi))}")
    return "".join(parts)


_MARKS = _mark_class_body()
# Characters that may continue a word: \w, combining marks, ZWNJ/ZWJ, soft hyphen.
_WC = rf"[\w{_MARKS}\u200c\u200d\u00ad]"
_APOS = "'\u2019`"  # straight, right single quotation mark, backtick
_LETTER = r"[^\W\d_]"

# ---------------------------------------------------------------------------
# Word lists (English additions; everything else is language independent)
# ---------------------------------------------------------------------------


def _wordlist(text: str) -> list[str]:
    return text.split()


# Abbreviations that keep their final period inside a sentence.
_ABBREVIATIONS = _wordlist("""
Mr Mrs Ms Messrs Dr Prof St Sr Jr Rev Fr Gen Gov Sen Rep Reps Lt Col Capt Cpt Sgt Maj
Cmdr Adm Pres Supt Hon Ft Mt Ave Blvd Rd Hwy Inc Corp Co Ltd Bros Assn Dept Univ
No Nos Vol Vols Fig Figs Ch Sec Para Art Ed Eds Est Ext Tel Fax Mob Attn Ph Ref Spec Conf
Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec Mon Tue Tues Wed Thu Thur Thurs Fri Sat Sun
etc vs cf al approx esp eg ie viz ca op ft lb lbs oz yr yrs hr hrs min mins sec secs mos
info dept ext rep rec misc ect Drs Sts Mts Profs
Ala Ariz Ark Calif Colo Conn Fla Ga Kan Ky La Md Mich Minn Neb Nev Okla Pa Tenn Tex Va Vt Wis Wyo
Que Ont Alta arrv Arrv lv Lv ps PS ibid cit pp Ph.D
Pvt INC CORP CO LTD PVT BROS vol vols fig figs
""")
# Single-word abbreviations after which a sentence does (almost) never end.
_NONFINAL_ABBREVIATIONS = _wordlist("""
Mr Mrs Ms Messrs Dr Prof St Rev Fr Gen Gov Sen Rep Reps Lt Col Capt Cpt Sgt Maj Cmdr Adm
Pres Supt Hon Ft Mt No Nos Vol Vols Fig Figs vs cf eg ie viz approx esp Drs Profs
vol vols fig figs p pp
e.g i.e a.k.a E.g I.e P.S PS P.P.S
""")
# Prefixes that stay attached by a hyphen (UD English: "e-mail", "non-stop", "re-elect").
_HYPHEN_PREFIXES = _wordlist("""
a anti bi co counter cross de di e ex extra hyper infra inter intra macro micro mid mini
mis multi neo non over pan para post pre pro psycho re semi socio sub super trans tri uber
ultra un under
""")
# Units that are split from a preceding number ("11am" -> 11 am, "$5m" -> $ 5 m).
_UNITS = _wordlist("""
am pm a.m. p.m. AM PM k K m M b B bn BN mm cm km kg mg lb lbs oz ft mph kph ml MB GB KB TB
Mb Gb kb mb gb tb kw kW KW MW mw MWh kWh GW hr hrs min mins x yr yrs
""")
_FILE_EXTENSIONS = _wordlist("""
doc docx xls xlsx xlsm ppt pptx pdf txt rtf csv tsv htm html xml json jpg jpeg gif png bmp
tif tiff mp3 mp4 wav avi mov zip gz tar rar exe dll py java js css wpd vsd mdb msg eml
""")
_TLDS = _wordlist("""
com org net edu gov mil int info biz co uk us ca au de fr it nl ru jp cn in io me tv ac
""")

# Apostrophe-less contractions -> cut points (EWT: dont -> do nt, gonna -> gon na).
_FUSED_SPLITS: dict[str, tuple[int, ...]] = {
    "gonna": (3,), "wanna": (3,), "gotta": (3,), "outta": (3,), "cannot": (3,), "dunno": (2, 3),
    "dont": (2,), "cant": (2,), "wont": (2,), "didnt": (3,), "doesnt": (4,), "isnt": (2,),
    "wasnt": (3,), "couldnt": (5,), "wouldnt": (5,), "shouldnt": (6,), "arent": (3,),
    "werent": (4,), "hasnt": (3,), "havent": (4,), "hadnt": (3,), "aint": (2,), "mustnt": (4,),
    "neednt": (4,), "im": (1,), "ive": (1,), "youre": (3,), "theyre": (4,), "youve": (3,),
    "theyve": (4,), "thats": (4,), "whats": (4,), "theres": (5,), "wheres": (5,), "whos": (3,),
    "hes": (2,), "shes": (3,), "couldve": (5,), "wouldve": (5,), "shouldve": (6,),
}
# Ambiguous apostrophe-less forms, split only before words that fit the contraction:
# "its not" -> it s not (but "its own"), "lets go" -> let s go, "your welcome" -> you r welcome.
_ADVERBISH = _wordlist("""
not a an the really simply very like just all too ok okay pretty going gonna been always never
also about because probably definitely actually almost getting kinda sorta quite
""")
_CONTEXT_SPLITS: dict[str, tuple[int, frozenset[str]]] = {
    "its": (2, frozenset(_ADVERBISH)),
    "lets": (3, frozenset(_wordlist("""
        go get be see try take make do have hope face just not all start keep move put look call
        play find think meet talk say pray eat stop give
        """))),
    "your": (3, frozenset(_ADVERBISH) - {"like", "about", "a", "an", "the", "all"}
             | frozenset(_wordlist("""
        welcome wrong sure so in on at doing getting making talking looking trying saying
        asking using being still
        """))),
}


CONTEXT_WORDS = tuple(_CONTEXT_SPLITS)  # (split or not by the next word)


def _alts(words: list[str]) -> str:
    """Regex alternation of literal words, longest first."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


# ---------------------------------------------------------------------------
# The token regex
# ---------------------------------------------------------------------------

_CLOSERS = "\"'\u2019\u201d\u00bb"  # characters that may trail a token at sentence end
# "Not followed only by closing quotes up to the end of the text": not a sentence-final period.
_NOT_AT_END = rf"(?![{_CLOSERS}]*\s*\Z)"
# An abbreviation keeps its period unless that period ends the text, or starts "..."
# ("etc..." -> etc ...); "Inc.." -> Inc. . keeps it.
_ABBR_END = rf"(?:(?=\.(?!\.))|(?!\.){_NOT_AT_END})"

_TOKEN_PATTERN = rf"""
# Quantifiers of alternatives that may fail after scanning are bounded, so that
# tokenizing a long chunk without spaces stays linear.
# 1. fast path: a plain word followed by whitespace, the end, or simple punctuation
  (?P<fast>{_LETTER}+(?=[\s,;!?)\]}}"\u201d]|\Z))
# 1b. fast path for the commonest punctuation, when it cannot start a longer token
| (?P<fastp>[,.](?![,.?!:;\w])|[)"](?![)"]))
# 2. URLs (trailing sentence punctuation is not part of the URL)
| (?P<url>(?i:(?:https?|ftp|file)://|www\d{{0,3}}\.|mailto:)\S*?(?=[.,;:!?)\]'"\u2019\u201d>]{{0,20}}(?:\s|\Z)))
# 3. e-mail addresses (also "jones@ENRON", "dharmad...@gmail.com")
| (?P<email>\w[\w.+%'\u2019-]{{0,63}}@\w[\w-]{{0,62}}(?:\.\w[\w-]{{0,62}}){{0,10}})
# 4. @mentions and #hashtags
| (?P<social>(?<![\w@#])[@#]{_LETTER}\w*(?:\.\w+)*)
# 5. file names ("ld2d-#69366-1.DOC", "report.pdf", ".doc")
| (?P<file>[\w~#-]{{0,80}}(?:\.[\w~#-]{{1,80}}){{0,6}}\.(?i:{_alts(_FILE_EXTENSIONS)})(?!\w))
# 6. host names with a known top-level domain, optional path ("yahoo.com", "bbc.co.uk/news")
| (?P<host>\w[\w-]{{0,62}}(?:\.\w[\w-]{{0,62}}){{0,10}}\.(?i:{_alts(_TLDS)})(?![\w@-])(?!\.\w)(?:/[^\s"<>]*[\w/])?)
# 6b. Usenet newsgroup names ("alt.animals.cat", "comp.mail.maps")
| (?P<newsgroup>(?<![\w.])(?:alt|biz|comp|humanities|misc|news|rec|sci|soc|talk|ba|ne|uk|aus|can|de)(?:\.[a-z0-9][\w+-]*)+(?![\w-])(?!\.\w))
# 7. phone numbers ("713-853-1696", "(713) 853-1696" keeps the brackets apart, "888.916.7184")
| (?P<phone>(?<![\w-])(?:\+?\d{{1,3}}[-.])?\d{{3}}[-./]\d{{3}}[-.]\d{{4}}(?![\w-])|(?<![\w-])(?:\d{{1,3}}|\d{{5}})-\d{{4}}(?![\w-]))
# 8. emoticons
| (?P<emoticon>(?<=\w)[:;]-?[)(](?![\w)(])|(?<![\w])(?:[:;=][-o^']?[)(\]\[DPpO3/\\|*]|\([-']?[:;=]|<3|\^_*\^|-_-|[>][:;][-']?[)(])(?![\w)(]))
# 9. a number directly followed by a unit: only the number here ("11am", "$5m", "2.5GB")
| (?P<numunit>\d+(?:[.,:]\d+)*(?=(?:{_alts(_UNITS)})(?![\w])))
# 9b. currency prefixes: US$ HK$ C$
| (?P<currency>(?<![\w$])(?:US|HK|NZ|AU|[UACSR])\$)
# 10. simple fractions of single digits are split ("3/4" -> 3 / 4)
| (?P<fraction>(?<![\w/])\d(?=/\d(?![\w/])))
# 10b. dates: 11/28/2000, 5/18 (month/day); other number/number is split (24/7)
| (?P<date>(?<![\w/-])(?:\d{{1,4}}/\d{{1,2}}/\d{{1,4}}|\d{{1,2}}-\d{{1,2}}-(?:\d\d){{1,2}}|(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01]))(?![\w/]))
# 11. numbers and number-initial words: 3.14 1,000 10:30 01:39:56 11/28/2000 28th 1980s +44
| (?P<number>(?:(?<![\w+-])\+(?=\d))?\d{_WC}*(?:[.,:]\d{_WC}*)*(?:[{_APOS}]{_LETTER}+)*)
# 12. years and leading-apostrophe words: '90s '72 'em 'n
| (?P<lapos>['\u2019](?:\d\d(?:s)?|em|n|[sSdDmM]|re|RE|ve|VE|ll|LL)(?!\w))
# 13. listed abbreviations keep their period, except at the very end of the text
| (?P<abbr>(?<![\w.'\u2019-])(?:{_alts(_ABBREVIATIONS)})\.{_ABBR_END})
# 14. dotted acronyms "U.S." "i.e." "a.k.a." (the final period is split at the end)
| (?P<acronym>(?<![^\W\d])(?<!\.)(?:{_LETTER}\.)+{_LETTER}(?:\.{_ABBR_END}|(?!\w)))
# 15. single-letter (capital) initials "J. K. Rowling", not at the end of the text
| (?P<initial>(?<![\w.'\u2019-])[A-Z\u00c0-\u00d6\u00d8-\u00de]\.{_ABBR_END}(?!\w))
# 16. prefixed hyphenated words "e-mail", "non-stop", "re-election"
| (?P<prefixed>(?<![\w-])(?i:{_alts(_HYPHEN_PREFIXES)})-{_WC}+(?:[{_APOS}]{_WC}+)*)
# 16b. censored words: f*ck, sh*t
| (?P<censored>{_LETTER}+\*+{_LETTER}+)
# 17. words joined by "&" (AT&T, PG&E) and short letter/letter (w/o, I/C)
| (?P<amp>[^\W_]+(?:&[^\W_]+)+(?:['\u2019]s)?(?!\w))
| (?P<slash>(?<![\w/]){_LETTER}/{_LETTER}(?![\w/])|(?<![\w/])[wW]/(?:o|out)(?!\w)|(?<![\w/])[wW]/(?=[^\W\d_]{{2}}))
# 18. general words, with inner apostrophes (don't, O'Brien, rock'n'roll) and a
#     plural-possessive apostrophe (payers')
| (?P<word>{_WC}+(?:[{_APOS}]{_WC}+)*(?:(?:(?<=[sSzZxX])|(?<=in))['\u2019](?![\w]))?)
# 19. punctuation runs: "...", "?!", "!!!", "--", "''", "<<", arrows
| (?P<punct>\.{{2,}}|\u2026+\.*|\.?[?!]+(?:\.(?!\.))?|[,:;]{{1,3}}[?!]+|<[-=]+>?|[-=~*+#|]{{2,}}>?|[-=]+>|\u2018\u2019|(?P<rc>[^\w\s])(?P=rc)+)
# 20. emoji (with skin tones, variation selectors and ZWJ sequences) and flags
| (?P<emoji>[\U0001F1E6-\U0001F1FF]{{2}}|[\u2600-\u27bf\U0001F000-\U0001FAFF](?:[{_MARKS}\U0001F3FB-\U0001F3FF]|\u200d[\u2600-\u27bf\U0001F000-\U0001FAFF])*)
# 21. anything else: one character with its combining marks
| (?P<other>\S[{_MARKS}]*)
"""

_TOKEN_RE = re.compile(_TOKEN_PATTERN, re.VERBOSE)
_CLITIC_RE = re.compile(
    r"(?i)(.+?)(n['\u2019`]t|['\u2019`](?:s|re|ve|ll|d|m))\Z"
)
_WORD_GROUPS = frozenset({"word", "number", "amp", "censored", "prefixed"})
_CLITIC_CHARS = frozenset(_APOS)
_OPEN_SINGLE = frozenset("'\u2018")
_OPENING_CONTEXT = frozenset("([{\"\u201c")


# control characters (category Cc) that str.isspace does not already count as whitespace
_CONTROL_RE = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")


def normalize_text(text: str) -> str:
    """Strip leading byte-order marks, turn CRLF/CR line ends into LF, and control characters
    (Cc) into spaces: they separate tokens and never become part of one (nor of `# text`).

    No other character is touched, and every character kept stays in place, so offsets into
    the result map back to the input text easily (apart from the removed BOMs and CRs).
    """
    if text.startswith("\ufeff"):
        text = text.lstrip("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _CONTROL_RE.search(text):
        text = _CONTROL_RE.sub(" ", text)
    return text


def _cut(tok: str, cuts: tuple[int, ...]) -> tuple[str, ...]:
    if len(cuts) == 1:
        return (tok[: cuts[0]], tok[cuts[0]:])
    return tuple(tok[i:j] for i, j in itertools.pairwise((0, *cuts, len(tok))))


def _split_word(tok: str) -> tuple[str, ...]:
    """Split an EWT multiword token into its syntactic words (or return (tok,))."""
    if _CLITIC_CHARS.isdisjoint(tok):
        cuts = _FUSED_SPLITS.get(tok.lower())
        if cuts is not None:
            return _cut(tok, cuts)
        return (tok,)
    m = _CLITIC_RE.match(tok)
    if m is not None:
        stem, clitic = m.groups()
        if stem.isdigit() and clitic[1:] in ("s", "S"):
            return (tok,)  # plural of a number: "1990's", "12's"
        return (stem, clitic)
    return (tok,)


def _one_word(tok: str) -> tuple[str, ...]:
    return (tok,)


_OBJECTS = frozenset(_wordlist("me you him her it us them the a an my your his its our their this that"))


def _apply_context_splits(out: list[Token], positions: list[int]) -> None:
    """Split ambiguous fused forms ("its", "lets", "your") by the following word."""
    for i in positions:
        tok = out[i]
        cut, followers = _CONTEXT_SPLITS[tok.text.lower()]
        nxt = out[i + 1].text.lower() if i + 1 < len(out) else ""
        if nxt in followers or (i == 0 and tok.text == "Lets" and nxt.isalpha()
                                and nxt not in _OBJECTS):
            out[i] = tok._replace(words=(tok.text[:cut], tok.text[cut:]))


# Scripts written without spaces between words: Thai, Lao, Myanmar, Khmer, kana, CJK
# ideographs (with the iteration and closing marks 々 〆 〇) and their extensions.
_NOSPACE_RANGES = ((0x0E00, 0x0EFF), (0x1000, 0x109F), (0x1780, 0x17FF), (0x19E0, 0x19FF),
                   (0x3005, 0x3007), (0x3021, 0x3029), (0x3031, 0x3035), (0x303B, 0x303C),
                   (0x3040, 0x30FF), (0x31F0, 0x31FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),
                   (0xF900, 0xFAFF), (0xFF66, 0xFF9F), (0x20000, 0x3134F))
_NOSPACE_CACHE: dict[str, bool] = {}
_NOSPACE_RE = re.compile("[" + "".join(f"{re.escape(chr(lo))}-{re.escape(chr(hi))}"
                                       for lo, hi in _NOSPACE_RANGES) + "]")


def is_nospace_char(ch: str) -> bool:
    """Whether a character is a letter, mark or number of a script written without spaces."""
    found = _NOSPACE_CACHE.get(ch)
    if found is None:
        cp = ord(ch)
        found = unicodedata.category(ch)[0] in "LMN" and any(
            lo <= cp <= hi for lo, hi in _NOSPACE_RANGES)
        if len(_NOSPACE_CACHE) < 100_000:
            _NOSPACE_CACHE[ch] = found
    return found


def nospace_words(words) -> frozenset:
    """The words of a lexicon that segmentation can match: two or more characters, all of
    scripts written without spaces."""
    return frozenset(w for w in words if len(w) > 1 and _NOSPACE_RE.match(w)
                     and all(map(is_nospace_char, w)))


_APOSTROPHES = "'\u2019"
ENGLISH_MARK = "n't"  # a model whose training words hold it gets the English (EWT) rules


class Lexicon(NamedTuple):
    """What a model's training words tell the tokenizer (see :func:`make_lexicon`)."""

    nospace: frozenset = frozenset()  # words of scripts written without spaces
    expansions: dict | None = None  # multiword tokens: lower-cased token -> its words
    elisions: frozenset = frozenset()  # words that end in an apostrophe: l', qu', dell'
    apostrophe_words: frozenset = frozenset()  # words with one inside: aujourd'hui
    hyphenated: bool = False  # hyphenated words are one token (peut-être, что-то)
    abbreviations: frozenset = frozenset()  # words that end in a full stop: usw., г., Nr.
    spaced: frozenset = frozenset()  # words written with a space inside: sinh viên, 10 000


_WORD_TOKEN_RE = re.compile(rf"{_WC}+")
_HYPHENATED_RE = re.compile(rf"{_WC}+(?:[-\u2010]{_WC}+)+")
_HYPHEN_PIECE_RE = re.compile(rf"{_WC}+(?:[-\u2010'\u2019]{_WC}+)*")  # (c'est-à-dire)


def is_word_token(form: str) -> bool:
    """Whether a token is made of word characters only (letters, digits, marks)."""
    return _WORD_TOKEN_RE.fullmatch(form) is not None


def is_hyphenated(form: str) -> bool:
    """Whether a token is word characters joined by hyphens, with a letter (e-mail, что-то;
    not 2010-2011)."""
    return _HYPHENATED_RE.fullmatch(form) is not None and any(c.isalpha() for c in form)


def _join_hyphenated(out: list[Token]) -> list[Token]:
    """Glued runs word - word (- word ...) made one token again, when one of the words
    has a letter."""
    result: list[Token] = []
    i = 0
    while i < len(out):
        j = i
        while (j + 2 < len(out) and out[j + 1].text in ("-", "\u2010")
               and out[j].end == out[j + 1].start and out[j + 1].end == out[j + 2].start
               and all(len(t.words) == 1 and _HYPHEN_PIECE_RE.fullmatch(t.text)
                       for t in (out[j], out[j + 2]))):
            j += 2
        if j > i and any(c.isalpha() for t in out[i:j + 1] for c in t.text):
            text = "".join(t.text for t in out[i:j + 1])
            result.append(Token(text, out[i].start, out[j].end, (text,), out[j].space_after))
            i = j + 1
        else:
            result.append(out[i])
            i += 1
    return result


def _join_abbreviations(out: list[Token], abbreviations: frozenset) -> list[Token]:
    """A word and the full stop glued to it made one token when the training data has them
    as one (usw.), but for the last full stop of the text, which ends a sentence as often
    (I said no.)."""
    result: list[Token] = []
    for i, tok in enumerate(out):
        prev = result[-1] if result else None
        if (tok.text == "." and prev is not None and prev.end == tok.start and i < len(out) - 1
                and len(prev.words) == 1 and (prev.text + ".").lower() in abbreviations):
            text = prev.text + "."
            result[-1] = Token(text, prev.start, tok.end, (text,), tok.space_after)
        else:
            result.append(tok)
    return result


MAX_SPACED_PIECES = 8  # longer words with spaces are not learned (keeps joining linear)
MAX_SPACED_WORDS = 50_000  # words with spaces a model keeps for raw text (the most frequent)


@functools.lru_cache(maxsize=8)
def _most_pieces(spaced: frozenset) -> int:
    return min(max(w.count(" ") + 1 for w in spaced), MAX_SPACED_PIECES)


def _join_spaced(out: list[Token], text: str, spaced: frozenset) -> list[Token]:
    """Runs of one-word tokens separated by exactly one space made one token (the longest run
    that is a known word with spaces, case ignored): sinh viên."""
    most = _most_pieces(spaced)
    result: list[Token] = []
    i = 0
    while i < len(out):
        best = i
        if len(out[i].words) == 1:
            key = out[i].text.lower()
            for j in range(i + 1, min(i + most, len(out))):
                if len(out[j].words) != 1 or text[out[j - 1].end:out[j].start] != " ":
                    break
                key += " " + out[j].text.lower()
                if key in spaced:
                    best = j
        if best > i:
            form = text[out[i].start:out[best].end]
            result.append(Token(form, out[i].start, out[best].end, (form,),
                                out[best].space_after))
        else:
            result.append(out[i])
        i = best + 1
    return result


def _straight(word: str) -> str:
    return word.replace("\u2019", "'")


def make_lexicon(words, expansions=None, elisions=(), english=False, hyphenated=False,
                 abbreviations=(), spaced=()) -> Lexicon:
    """The tokenizer's knowledge from a model's (lower-cased) training words, multiword tokens,
    elided words, way with hyphens, abbreviations and words with spaces. An English model has
    the English rules, so only the no-space words."""
    words = list(words)
    if english:
        return Lexicon(nospace_words(words))
    return Lexicon(
        nospace_words(words), dict(expansions or {}), frozenset(map(_straight, elisions)),
        frozenset(_straight(w) for w in words if any(c in _APOSTROPHES for c in w[1:-1])),
        bool(hyphenated), frozenset(abbreviations), frozenset(spaced))


def _split_elisions(tok: Token, lexicon: Lexicon) -> list[Token]:
    """A one-word token cut after each apostrophe that ends a known elided word (l'homme ->
    l' homme, qu'il -> qu' il), unless the whole token is a known word (aujourd'hui)."""
    text = tok.text
    low = _straight(text.lower())
    if len(low) != len(text) or low in lexicon.apostrophe_words:
        return [tok]
    cuts, start = [], 0
    for i in range(1, len(text) - 1):
        if low[i] == "'" and low[start:i + 1] in lexicon.elisions:
            cuts.append(i + 1)
            start = i + 1
    if not cuts:
        return [tok]
    bounds = [0, *cuts, len(text)]
    return [Token(text[a:b], tok.start + a, tok.start + b, (text[a:b],),
                  tok.space_after if b == len(text) else False)
            for a, b in zip(bounds[:-1], bounds[1:])]


def _segment(tok: Token, lexicon: frozenset, longest: int) -> list[Token]:
    """A one-word token cut into tokens: runs of other characters stay whole, runs of
    no-space scripts are matched against the lexicon, longest word first."""
    text, out = tok.text, []
    n, i = len(text), 0
    while i < n:
        j = i + 1
        if not is_nospace_char(text[i]):
            while j < n and not is_nospace_char(text[j]):
                j += 1
        else:
            for k in range(min(n, i + longest), i + 1, -1):  # the longest known word
                if text[i:k] in lexicon:
                    j = k
                    break
            else:  # one character with the marks that follow it
                while j < n and unicodedata.category(text[j])[0] == "M" \
                        and is_nospace_char(text[j]):
                    j += 1
        piece = text[i:j]
        out.append(Token(piece, tok.start + i, tok.start + j, (piece,),
                         tok.space_after if j == n else False))
        i = j
    return out


MAX_LEXICON_WORD = 32  # longer lexicon words are not matched (keeps segmentation linear)


@functools.lru_cache(maxsize=8)
def _longest_word(lexicon: frozenset) -> int:
    """The longest word segmentation tries (once per lexicon: a frozenset keeps its hash)."""
    return min(max(map(len, lexicon)), MAX_LEXICON_WORD)


def _segment_all(out: list[Token], lexicon: frozenset) -> list[Token]:
    longest = _longest_word(lexicon)
    result: list[Token] = []
    for tok in out:
        if len(tok.words) == 1 and _NOSPACE_RE.search(tok.text) \
                and any(map(is_nospace_char, tok.text)):
            result.extend(_segment(tok, lexicon, longest))
        else:
            result.append(tok)
    return result


def cased_words(text: str, words) -> tuple[str, ...]:
    """The words of an expanded token, in its case: cut from the token itself when they spell
    it, else upper-cased for an upper-case token, capitalised for a capitalised one."""
    if "".join(words) == text.lower() and len(text.lower()) == len(text):
        cuts = itertools.accumulate(len(w) for w in words)
        return tuple(text[a:b] for a, b in itertools.pairwise(itertools.chain([0], cuts)))
    if len(text) > 1 and text.isupper():
        return tuple(w.upper() for w in words)
    if text[:1].isupper():
        return (words[0][:1].upper() + words[0][1:], *words[1:])
    return tuple(words)


def is_plain_word(text: str) -> bool:
    """Whether `tokenize(text)` (the English multiword splits on, no lexicon) reads the text as
    one token of one word, for certain and whatever follows: a run of letters that is not a
    fused form (cannot, gonna) or a form split by the next word (its, lets, your)."""
    if not text.isalpha():
        return False
    low = text.lower()
    return low not in _FUSED_SPLITS and low not in _CONTEXT_SPLITS


def tokenize(text: str, multiword: bool = True, lexicon: Lexicon | None = None) -> list[Token]:
    """Tokenize one sentence (or line, or paragraph) of text.

    The text is normalised with :func:`normalize_text` first; token offsets
    refer to the normalised string. ``multiword=False`` leaves out the English
    (EWT) multiword splits (``don't -> do n't``, ``gonna``, ``its``, ``payers'``):
    every token is then one word, for a model not trained on such splits.
    A ``lexicon`` (see :func:`make_lexicon`) keeps hyphenated words whole (if its
    language does), keeps its abbreviations whole, splits elided words off, joins
    its words written with spaces, segments runs of scripts written without spaces
    (without one they stay whole) and expands the multiword tokens it lists, in
    that order.
    """
    text = normalize_text(text)
    split_word = _split_word if multiword else _one_word
    out: list[Token] = []
    append = out.append
    quote_open = False  # is an opening single quote pending (for "payers'" vs 'quoted')
    context: list[int] = []  # positions of "its", "lets", "your" (decided by the next word)
    find = text.find
    match = _TOKEN_RE.match

    def plain_word(tok, start, end, space_after):
        """A run of letters: a fused form split as EWT does (cannot -> can not, gonna ->
        gon na), a word decided by the next one (its, lets, your), or a word as it is."""
        if not multiword:
            append(Token(tok, start, end, (tok,), space_after))
            return
        low = tok.lower()
        cuts = _FUSED_SPLITS.get(low)
        if cuts is not None:
            append(Token(tok, start, end, _cut(tok, cuts), space_after))
            return
        if low in _CONTEXT_SPLITS:
            context.append(len(out))
        append(Token(tok, start, end, (tok,), space_after))

    pos = 0
    # str.split() splits on exactly the str.isspace() characters; each chunk is
    # located with str.find, so offsets stay exact.
    for chunk in text.split():
        start = find(chunk, pos)
        end = pos = start + len(chunk)
        if chunk.isalpha():  # the common case: a plain word between spaces
            plain_word(chunk, start, end, True)
            continue
        p = start
        while p < end:
            m = match(text, p)
            q = m.end() if m is not None else p
            if q <= p or q > end:  # cannot happen with the pattern above; stay safe
                q = end if q > end else p + 1
                kind = "other"
            else:
                kind = m.lastgroup
            tok = text[p:q]
            tstart, p = p, q
            space_after = q == end
            if kind == "fast":
                plain_word(tok, tstart, q, space_after)
                continue
            if kind in _WORD_GROUPS:
                if tok[-1] == "'" or tok[-1] == "\u2019":
                    quote_open = _word_and_apostrophe(out, tok, tstart, space_after, quote_open,
                                                      multiword, split_word)
                else:
                    append(Token(tok, tstart, q, split_word(tok), space_after))
                continue
            if tok in _OPEN_SINGLE and (tstart == start or text[tstart - 1] in _OPENING_CONTEXT):
                quote_open = True
            elif tok == "\u2019" and quote_open:
                quote_open = False
            append(Token(tok, tstart, q, (tok,), space_after))
    if context:
        _apply_context_splits(out, context)
    return out if lexicon is None else _apply_lexicon(out, text, lexicon)


def _word_and_apostrophe(out, tok, start, space_after, quote_open, multiword, split_word) -> bool:
    """Append the tokens of a word that ends in an apostrophe: a closing quote after a word
    (two tokens), a plural possessive (payers' = payers '), or a dropped g (cookin'). Returns
    whether an opening single quote is still pending."""
    last, stem, end = tok[-1], tok[:-1], start + len(tok)
    if quote_open and "'" not in stem and "\u2019" not in stem:
        out.append(Token(stem, start, end - 1, split_word(stem), False))
        out.append(Token(last, end - 1, end, (last,), space_after))
        return False
    if stem[-1] in "sSzZxX" and multiword:
        out.append(Token(tok, start, end, _split_word(stem) + (last,), space_after))
    else:
        out.append(Token(tok, start, end, (tok,), space_after))
    return quote_open


def _apply_lexicon(out: list[Token], text: str, lexicon: Lexicon) -> list[Token]:
    """What a model's Lexicon does to the rules' tokens, in order: hyphenated words joined,
    abbreviations kept whole, elided words split off, words with spaces joined, runs of scripts
    without spaces segmented, multiword tokens expanded."""
    if lexicon.hyphenated:
        out = _join_hyphenated(out)
    if lexicon.abbreviations:
        out = _join_abbreviations(out, lexicon.abbreviations)
    if lexicon.elisions:
        out = [piece for tok in out for piece in (
            _split_elisions(tok, lexicon) if len(tok.words) == 1 and
            ("'" in tok.text or "\u2019" in tok.text) else (tok,))]
    if lexicon.spaced:
        out = _join_spaced(out, text, lexicon.spaced)
    if lexicon.nospace:
        out = _segment_all(out, lexicon.nospace)
    if lexicon.expansions:
        for i, tok in enumerate(out):
            found = lexicon.expansions.get(tok.text.lower()) if len(tok.words) == 1 else None
            if found:
                out[i] = tok._replace(words=cased_words(tok.text, found))
    return out


def tokenize_words(text: str, multiword: bool = True, lexicon: Lexicon | None = None
                   ) -> list[str]:
    """Tokenize and flatten multiword tokens into their syntactic words."""
    words: list[str] = []
    for tok in tokenize(text, multiword, lexicon):
        words.extend(tok.words)
    return words


# ---------------------------------------------------------------------------
# Sentence splitter
# ---------------------------------------------------------------------------

_PARAGRAPH_RE = re.compile(r"\n[^\S\n]*\n\s*")
# Sentence terminators (Latin, Armenian, Arabic, Devanagari, Ethiopic, CJK ...).
_TERMINATORS = (
    ".!?\u2026\u203c\u203d\u2047\u2048\u2049\u0589\u061f\u06d4\u0964\u0965"
    "\u1362\u1367\u1368\u3002\uff01\uff0e\uff1f\uff61"
)
# Full-width terminators end a sentence even without following whitespace.
_NOSPACE_TERMINATORS = frozenset("\u3002\uff01\uff1f\uff61")
_CLOSING_AFTER = "\"'\u2019\u201d\u00bb\u203a)]}\u300d\u300f\u3011\uff09"
_EMOTICON = r"(?:[:;=][-o^']?[)(\]\[DPp3/\\|*]|\^_*\^|<3)"
_EMOTICON_START_RE = re.compile(rf"{_EMOTICON}(?!\S)")
_SENT_END_RE = re.compile(
    rf"(?P<emo>(?<!\S){_EMOTICON}(?=\s))"
    rf"|(?P<angle>(?<=\S)>+(?=\s))"
    rf"|[{re.escape(_TERMINATORS)}]+[{re.escape(_CLOSING_AFTER)}]*"
)
_NONFINAL = frozenset(_NONFINAL_ABBREVIATIONS)
_ABBREVIATION_SET = frozenset(_ABBREVIATIONS)
_OPENERS = frozenset("\"'\u2018\u201c\u00ab\u2039([{\u300c\u300e\u3010\uff08\u00bf\u00a1")
_WORD_STOP = frozenset("([{\"'\u2018\u201c\u00ab")


def _next_class(ch: str) -> str:
    """'U': can clearly start a sentence (upper case, caseless letter, digit, opener);
    'l': lower-case letter; 'o': anything else."""
    if ch.isupper() or ch.isdigit() or ch in _OPENERS:
        return "U"
    if ch.isalpha():
        if ch.islower():
            return "l"
        # letters of caseless scripts (CJK, Arabic, Hebrew, Thai, ...) may start a sentence
        return "U" if ch.lower() == ch.upper() else "l"
    return "U" if unicodedata.category(ch) in ("Ps", "Pi", "So") else "o"


def _word_before(para: str, pos: int) -> tuple[int, str]:
    """The whitespace-delimited word ending at ``pos`` (without leading brackets/quotes)."""
    k = pos
    while k > 0 and not para[k - 1].isspace() and para[k - 1] not in _WORD_STOP:
        k -= 1
    return k, para[k:pos]


def _is_boundary(para: str, m: re.Match, nxt_pos: int, begin: int,
                 abbreviations: frozenset = frozenset()) -> bool:
    """Decide whether the terminator match ``m`` (followed by whitespace) ends a sentence.

    The rules and their order were chosen from counts on the EWT training data:
    after ``?``/``!`` a sentence ends before any letter; after ``...`` only
    before a capital; after a single ``.`` before anything except when the
    word is an abbreviation, an initial or a dotted acronym (those end a
    sentence only before a capital, and listed titles like "Mr." never do).
    """
    nxt = para[nxt_pos]
    if m.group("emo"):
        return True  # a smiley followed by more text ends the sentence
    if _EMOTICON_START_RE.match(para, nxt_pos):
        return False  # "I love her. :)" - the smiley belongs to the sentence before
    cls = _next_class(nxt)
    if m.group("angle"):
        return cls == "U" and nxt.isalpha()  # "<john@x.com> Thanks", "<<file.doc>> Please"
    term = m.group().rstrip(_CLOSING_AFTER)
    if term[-1] in _NOSPACE_TERMINATORS:
        return True
    if ".." in term or "\u2026" in term:
        return cls == "U"  # "... and then" goes on; "... Then" starts anew
    if term != ".":
        return cls != "o"  # "?", "!", "?!", ".?", ...
    k, word = _word_before(para, m.start())
    known = word in _ABBREVIATION_SET or (word.lower() + ".") in abbreviations
    if cls == "U":
        if word in _NONFINAL:
            return False  # "Mr. Smith", "e.g. Paris"
        if len(word) == 1 and word.isupper():
            return False  # initial: "J. K. Rowling"
        if word.isdigit() and not para[begin:k].strip():
            return False  # enumerator at the start of a sentence: "1. Introduction"
        # "Sept. 11", "No. 5", "Inc. (713)", "10 a.m. (CDT)": an abbreviation before a
        # number or a bracket does not end a sentence
        return not ((nxt.isdigit() or nxt == "(") and (known or "." in word))
    # before a lower-case word or a symbol: only after an ordinary word
    return not (known or "." in word or len(word) <= 1)


def _split_paragraph(para: str, abbreviations: frozenset = frozenset()) -> list[str]:
    sentences: list[str] = []
    n = len(para)
    begin = 0
    for m in _SENT_END_RE.finditer(para):
        end = m.end()
        if end < n and not para[end].isspace() and \
                m.group().rstrip(_CLOSING_AFTER)[-1:] not in _NOSPACE_TERMINATORS:
            continue  # "3.14", "U.S.A", "e.g.," ... : no whitespace after the terminator
        j = end
        while j < n and para[j].isspace():
            j += 1
        if j >= n:
            break  # end of the text: the rest is the last sentence
        if not _is_boundary(para, m, j, begin, abbreviations):
            continue
        sent = para[begin:end].strip()
        if sent:
            sentences.append(sent)
        begin = end
    rest = para[begin:].strip()
    if rest:
        sentences.append(rest)
    return sentences


def split_sentences(text: str, abbreviations: frozenset = frozenset()) -> list[str]:
    """Split a paragraph (or a whole text) into sentences.

    Rule based, on punctuation and Unicode character classes (English only adds
    an abbreviation list).  A candidate end is a run of ``.``/``!``/``?``/``…``
    (and other scripts' terminators) plus closing quotes/brackets, a smiley, or
    a closing ``>``, followed by whitespace.  It ends the sentence when:

    * after ``?``/``!`` runs: the next character is a letter, digit, opening
      quote or bracket;
    * after ``...``/``…``: the next character can clearly start a sentence
      (upper-case or caseless letter, digit, opening quote/bracket);
    * after a single ``.``: always, except after a listed non-final abbreviation
      ("Mr.", "e.g."), a capital initial ("J. K. Rowling") or an enumerator at
      the start of a sentence ("1. Introduction"); after other abbreviations and
      dotted acronyms ("etc.", "U.S.") only before a capital letter, and not
      before a number or "(" ("Sept. 11", "Inc. (713)").

    CJK full stops end a sentence without whitespace; a smiley right after a
    period stays with its sentence.  Blank lines are paragraph breaks and
    always end a sentence; the end of the text ends the last one.  Returned
    sentences are stripped of surrounding whitespace (inner newlines are kept).
    ``abbreviations`` (a model's, see :func:`learn_abbreviations`: lower-cased,
    with their full stop) count as abbreviations too.
    """
    text = normalize_text(text)
    out: list[str] = []
    for para in _PARAGRAPH_RE.split(text):
        if para.strip():
            out.extend(_split_paragraph(para, abbreviations))
    return out


if __name__ == "__main__":  # pragma: no cover - manual check
    for line in sys.stdin:
        for s in split_sentences(line):
            print(" ".join(t.text if len(t.words) == 1 else "+".join(t.words) for t in tokenize(s)))
