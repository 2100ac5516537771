"""The catalogue of malformed and edge-case CoNLL-U files in tests/conllu_cases/ (see its
README.md): each file is either read correctly or refused with `file:line: problem`, by the
reader and by the CLI (`postag evaluate`, `postag train`), strictly or in skip mode."""

from __future__ import annotations

import importlib.util
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from postag_cli.cli import cli
from postag_cli.errors import PostagError
from postag_cli.treebank import ReadStats, read_conllu, serialize, tagged_sentences

CASES_DIR = Path(__file__).resolve().parent / "conllu_cases"


@dataclass
class Reads:
    """Read correctly: `sentences` sentences and `words` words (skip mode reads the same)."""
    sentences: int
    words: int
    check: Callable | None = None  # check(list of TaggedSentence, list of TokenList)
    roundtrip: bool = False  # serializing the sentences gives the file back byte for byte


@dataclass
class Refused:
    """Refused with `file:line: ...phrase...`. In skip mode the bad sentence is skipped and
    `skip` = (sentences, words) are read, or, when skip is None, reading still stops."""
    line: int
    phrase: str
    skip: tuple | None = (2, 7)


def _sent_ids(*ids):
    def check(tagged, raw):
        assert [s.sent_id for s in tagged] == list(ids)
    return check


def _check_bom(tagged, raw):
    assert tagged[0].words[0] == "The" and tagged[0].sent_id == "1"
    assert raw[0].comments[0] == "# sent_id = 1"


def _check_crlf(tagged, raw):
    assert tagged[0].tags == ["DET", "NOUN", "VERB", "PUNCT"]
    assert [t["misc"] for t in raw[0]] == ["_", "_", "SpaceAfter=No", "_"]
    assert tagged[1].words == ["Birds", "sing", "."] and tagged[1].text == "Birds sing."


def _check_last(tagged, raw):
    assert tagged[-1].words == ["Birds", "sing", "."]
    assert tagged[-1].tags == ["NOUN", "VERB", "PUNCT"]
    assert [t["misc"] for t in raw[-1]] == ["_", "SpaceAfter=No", "_"]


def _check_underscore(tagged, raw):
    assert tagged[0].words == ["The", "cat", "sleeps", "."]
    assert tagged[0].tags == ["DET", None, "VERB", None]
    assert tagged[1].tags == ["NOUN", "VERB", "PUNCT"]


def _check_unicode(tagged, raw):
    assert tagged[0].words == ["Καλημέρα", "мир", "مرحبا", "नमस्ते", "你好", "こんにちは", "안녕",
                               "สวัสดี", "שלום", "cafe\u0301", "🙂"]  # not NFC-normalised
    assert tagged[0].tags[-2:] == ["NOUN", "SYM"]
    assert tagged[0].text.endswith("café 🙂")


def _check_empty_node(tagged, raw):
    assert len(tagged[1].words) == 9 and tagged[1].words[6] == "coffee"
    assert tagged[1].text == "Mary likes tea, and John coffee too."
    assert [t["id"] for t in raw[1]][8] == (8, ".", 1)


def _check_range(tagged, raw):
    assert tagged[1].words == ["Dogs", "bark", "loudly", "."]
    assert raw[1][2]["id"] == (3, "-", 4) and raw[1][2]["form"] == "loudly."


def _check_token_first(tagged, raw):
    assert tagged[0].sent_id == "" and tagged[0].lineno == 1 and tagged[0].text is None
    assert tagged[1].sent_id == "3" and tagged[1].lineno == 6


# file -> expected result. Line numbers: the bad sentence's token lines start on line 10.
CASES = {
    # --- column layout
    "columns_9.conllu": Refused(11, "expected 10 tab-separated columns, found 9"),
    "columns_11.conllu": Refused(11, "expected 10 tab-separated columns, found 11"),
    "spaces_not_tabs.conllu": Refused(12, "found 1 (columns must be separated by tabs)"),
    "trailing_tab.conllu": Refused(11, "found 11 (a tab at the end of the line?)"),
    "empty_form.conllu": Refused(11, "empty FORM field (use _ for no value)"),
    "leading_space.conllu": Refused(11, "FORM field ' bark' has leading, trailing or double "
                                        "whitespace"),
    # --- IDs
    "id_x.conllu": Refused(11, "bad ID 'x'"),
    "id_zero.conllu": Refused(10, "bad ID '0'"),
    "id_1.0.conllu": Refused(10, "bad ID '1.0'"),
    "id_negative.conllu": Refused(10, "bad ID '-1'"),
    "id_out_of_order.conllu": Refused(11, "word ID 3 out of order (expected 2)"),
    "id_skipped.conllu": Refused(12, "word ID 4 out of order (expected 3)"),
    "id_duplicated.conllu": Refused(12, "word ID 2 out of order (expected 3)"),
    # --- multiword tokens
    "range_reversed.conllu": Refused(13, "bad multiword token range '4-3' (end must be after "
                                         "start)"),
    "range_overlapping.conllu": Refused(12, "multiword token 2-3 overlaps the previous one"),
    "range_beyond_sentence.conllu": Refused(13, "multiword token range ends at 5 but the "
                                                "sentence has 4 words"),
    "range_after_first_word.conllu": Refused(11, "multiword token 1-2 must come just before "
                                                 "word 1"),
    "range_too_early.conllu": Refused(11, "multiword token 3-4 must come just before word 3"),
    "range_valid.conllu": Reads(3, 11, _check_range, roundtrip=True),
    # --- empty nodes
    "empty_node_valid.conllu": Reads(3, 16, _check_empty_node, roundtrip=True),
    "empty_node_8.0.conllu": Refused(18, "bad ID '8.0'"),
    "empty_node_order.conllu": Refused(18, "empty node 8.2 out of order (expected 8.1)"),
    "empty_node_misplaced.conllu": Refused(19, "empty node 8.1 out of order (expected 9.1)"),
    # --- comments and blank lines
    "comments_only.conllu": Reads(0, 0),
    "text_comment_no_tokens.conllu": Reads(2, 7, _sent_ids("1", "3")),
    "token_line_first.conllu": Reads(2, 7, _check_token_first, roundtrip=True),
    "comment_inside_sentence.conllu": Refused(12, "comment line inside a sentence"),
    "no_final_blank_line.conllu": Reads(2, 7, _check_last),
    "no_final_newline.conllu": Reads(2, 7, _check_last),
    "many_blank_lines.conllu": Reads(2, 7, _check_last),
    "empty.conllu": Reads(0, 0),
    "blank_lines_only.conllu": Reads(0, 0),
    "global_columns_standard.conllu": Reads(2, 7, _sent_ids("1", "3"), roundtrip=True),
    "global_columns_plus.conllu": Refused(1, "CoNLL-U Plus columns are not supported",
                                          skip=None),
    # --- bytes
    "bom.conllu": Reads(2, 7, _check_bom),
    "bom_mid_file.conllu": Refused(8, "byte-order mark (U+FEFF) inside the file", skip=(1, 4)),
    "crlf.conllu": Reads(2, 7, _check_crlf),
    "latin1.conllu": Refused(11, "invalid UTF-8 (byte 0xe9 at column 6)", skip=None),
    "utf16.conllu": Refused(1, "UTF-16 text (it starts with a UTF-16 byte-order mark)", skip=None),
    "nul_byte.conllu": Refused(11, "NUL byte in the input", skip=None),
    "cr_only.conllu": Refused(1, "carriage return (CR) inside a line", skip=None),
    # --- tags and scripts
    "underscore_tags.conllu": Reads(2, 7, _check_underscore, roundtrip=True),
    "upos_unknown.conllu": Refused(11, "UPOS 'FOO' is not a Universal POS tag"),
    "upos_lowercase.conllu": Refused(11, "UPOS 'verb' is not a Universal POS tag"),
    "unicode_scripts.conllu": Reads(1, 11, _check_unicode, roundtrip=True),
}
BAD = sorted(k for k, v in CASES.items() if isinstance(v, Refused))


def read(name, skip_bad=False):
    stats = ReadStats()
    path = CASES_DIR / name
    raw = list(read_conllu(path, skip_bad=skip_bad, stats=stats, check_upos=True))
    tagged = list(tagged_sentences(path, skip_bad=skip_bad))
    return raw, tagged, stats


def expect_refusal(name, skip_bad=False) -> str:
    case = CASES[name]
    with pytest.raises(PostagError) as e:
        read(name, skip_bad=skip_bad)
    msg = str(e.value)
    assert msg.startswith(f"{CASES_DIR / name}:{case.line}: "), msg
    assert case.phrase in msg, msg
    assert "\n" not in msg
    return msg


# ---------------------------------------------------------------------------------------------
# the files and their documentation agree with this table


def test_every_file_is_in_the_table():
    files = {p.name for p in CASES_DIR.glob("*.conllu")}
    assert files == set(CASES)


def test_files_match_their_generator():
    spec = importlib.util.spec_from_file_location("make_cases", CASES_DIR / "make_cases.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    built = mod.build()
    assert set(built) == set(CASES)
    for name, data in built.items():
        assert (CASES_DIR / name).read_bytes() == data, name


def test_readme_matches_the_table():
    rows = {}
    for line in (CASES_DIR / "README.md").read_text(encoding="utf-8").splitlines():
        m = re.match(r"\|\s*`([^`]+\.conllu)`\s*\|(.*)\|(.*)\|\s*$", line)
        if m:
            rows[m.group(1)] = (m.group(2).strip(), m.group(3).strip())
    assert set(rows) == set(CASES)
    for name, case in CASES.items():
        _, result = rows[name]
        if isinstance(case, Reads):
            assert result.startswith(f"reads: {case.sentences} sentences, {case.words} words"), \
                (name, result)
        else:
            assert result.startswith(f"refused: line {case.line}, "), (name, result)
            assert case.phrase.replace("|", "\\|") in result, (name, result)
            skip = "always stops" if case.skip is None else \
                f"skip mode: {case.skip[0]} sentences, 1 skipped"
            assert skip in result, (name, result)


# ---------------------------------------------------------------------------------------------
# the reader


@pytest.mark.parametrize("name", sorted(CASES))
def test_reader(name):
    case = CASES[name]
    if isinstance(case, Refused):
        expect_refusal(name)
        if case.skip is None:  # undecodable bytes, NUL bytes, CoNLL-U Plus columns
            expect_refusal(name, skip_bad=True)
            return
        raw, tagged, stats = read(name, skip_bad=True)
        assert (stats.sentences, stats.words, stats.skipped) == (*case.skip, 1)
        assert stats.first_skip.startswith(f"{CASES_DIR / name}:{case.line}: ")
        assert case.phrase in stats.first_skip
        assert "2" not in [s.sent_id for s in tagged]  # the bad sentence is the one skipped
        if case.skip[0] == 2:
            assert [s.sent_id for s in tagged] == ["1", "3"]
            assert tagged[1].words == ["Birds", "sing", "."]
        return
    for skip_bad in (False, True):
        raw, tagged, stats = read(name, skip_bad)
        assert (stats.sentences, stats.words, stats.skipped) == (case.sentences, case.words, 0)
        assert len(raw) == case.sentences
        assert sum(len(s.words) for s in tagged) == case.words
    if case.check:
        case.check(tagged, raw)
    if case.roundtrip:
        assert "".join(serialize(s) for s in raw) == (CASES_DIR / name).read_text("utf-8")


def test_long_sentence(tmp_path):
    """One sentence of 100,000 words, read whole and in reasonable time."""
    n = 100_000
    path = tmp_path / "long.conllu"
    with open(path, "w", encoding="utf-8") as f:
        f.write("# sent_id = long\n")
        f.writelines(f"{i}\tw{i % 97}\t_\t{'NOUN' if i % 2 else 'VERB'}\t_\t_\t_\t_\t_\t_\n"
                     for i in range(1, n + 1))
    t0 = time.perf_counter()
    stats = ReadStats()
    (sent,) = list(tagged_sentences(path, stats=stats))
    assert time.perf_counter() - t0 < 30
    assert (stats.sentences, stats.words) == (1, n)
    assert len(sent.words) == n and sent.words[-1] == f"w{n % 97}" and sent.tags[-1] == "VERB"


# ---------------------------------------------------------------------------------------------
# the CLI


def _write_valid(path, n=12):
    words = [("The", "DET"), ("cat", "NOUN"), ("sleeps", "VERB"), (".", "PUNCT")]
    lines = []
    for i in range(n):
        lines += [f"# sent_id = v{i}"]
        lines += [f"{j}\t{w}\t_\t{t}\t_\t_\t_\t_\t_\t_" for j, (w, t) in enumerate(words, 1)]
        lines.append("")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    d = tmp_path_factory.mktemp("catalogue")
    model = d / "model.npz"
    result = CliRunner().invoke(cli, ["train", str(_write_valid(d / "valid.conllu")), "-o",
                                      str(model), "--skip-gradcheck", "--epochs", "1",
                                      "--hidden", "4", "--features", "word"])
    assert result.exit_code == 0, (result.output, result.exception)
    return model


def _assert_cli_refusal(result, name, out=None):
    case = CASES[name]
    assert result.exit_code == 2, (result.output, result.exception)
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr  # one line, nothing else
    assert lines[0].startswith(f"Error: {CASES_DIR / name}:{case.line}: "), lines[0]
    assert case.phrase in lines[0]
    assert result.stdout == ""
    if out is not None:
        assert not out.exists()


def _train(name, out, *extra):
    return CliRunner().invoke(cli, ["train", str(CASES_DIR / name), "-o", str(out),
                                    "--skip-gradcheck", "--epochs", "1", "--hidden", "4",
                                    *extra])


def _evaluate(name, model, *extra):
    return CliRunner().invoke(cli, ["evaluate", str(CASES_DIR / name), "-m", str(model),
                                    *extra])


@pytest.mark.parametrize("name", BAD)
def test_cli_refuses(name, tiny_model, tmp_path):
    """evaluate and train exit 2 with one `Error: FILE:LINE: ...` line and write nothing;
    evaluate --skip-bad-sentences scores the good sentences and counts the bad one."""
    _assert_cli_refusal(_evaluate(name, tiny_model), name)
    out = tmp_path / "out.npz"
    _assert_cli_refusal(_train(name, out), name, out)
    assert not list(tmp_path.iterdir())  # no temporary file left behind either

    case = CASES[name]
    result = _evaluate(name, tiny_model, "--skip-bad-sentences", "--json")
    if case.skip is None:
        _assert_cli_refusal(result, name)
        return
    assert result.exit_code == 0, (result.output, result.exception)
    report = json.loads(result.stdout)
    assert report["skipped_sentences"] == 1 and report["sentences"] == case.skip[0]
    assert report["words"] == case.skip[1]


@pytest.mark.parametrize("name", ["columns_9.conllu", "id_duplicated.conllu",
                                  "range_beyond_sentence.conllu", "nul_byte.conllu"])
def test_cli_train_skip_bad_sentences(name, tmp_path):
    out = tmp_path / "out.npz"
    result = _train(name, out, "--skip-bad-sentences", "--features", "word")
    case = CASES[name]
    if case.skip is None:
        _assert_cli_refusal(result, name, out)
        return
    assert result.exit_code == 0, (result.output, result.exception)
    assert out.exists()
    assert f"skipped 1 malformed sentences of {CASES_DIR / name}" in result.stderr
    assert f"{CASES_DIR / name}:{case.line}: " in result.stderr


@pytest.mark.parametrize("name", ["bom.conllu", "crlf.conllu", "unicode_scripts.conllu",
                                  "underscore_tags.conllu", "empty_node_valid.conllu"])
def test_cli_evaluate_reads(name, tiny_model):
    result = _evaluate(name, tiny_model, "--json")
    assert result.exit_code == 0, (result.output, result.exception)
    report = json.loads(result.stdout)
    case = CASES[name]
    n_untagged = 2 if name == "underscore_tags.conllu" else 0
    assert report["sentences"] == case.sentences
    assert report["words"] == case.words - n_untagged
