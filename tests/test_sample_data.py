"""The bundled sample treebanks in data/: the packaged copy, the official UD validator, coverage."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
TRAIN, DEV = DATA / "sample-train.conllu", DATA / "sample-dev.conllu"
PACKAGED = ROOT / "src" / "postag_cli" / "resources" / "sample-train.conllu"
FILES = [pytest.param(TRAIN, id="train"), pytest.param(DEV, id="dev")]

UPOS = {"ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON",
        "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X"}


def sentences(path):
    """[(comment lines, token lines split into 10 columns)] of a CoNLL-U file."""
    out = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.split("\n") if line]
        if lines:
            out.append(([x for x in lines if x.startswith("#")],
                        [x.split("\t") for x in lines if not x.startswith("#")]))
    return out


def test_packaged_train_file_is_a_byte_identical_copy():
    assert PACKAGED.read_bytes() == TRAIN.read_bytes(), \
        f"copy {TRAIN.relative_to(ROOT)} to {PACKAGED.relative_to(ROOT)}"


@pytest.mark.parametrize("path", FILES)
def test_official_ud_validator_passes_level_3(path):
    udtools = pytest.importorskip("udtools")
    state = udtools.Validator(lang="en", level=3, output=None).validate_files([str(path)])
    errors = [str(e).splitlines()[0] for e in state.error_tracker if e.is_error()]
    assert not errors and state.passed(), errors[:10]


@pytest.mark.parametrize("path", FILES)
def test_every_sentence_has_sent_id_and_text(path):
    sents = sentences(path)
    assert sents
    ids = []
    for comments, rows in sents:
        sid = [c.split("=", 1)[1].strip() for c in comments if c.startswith("# sent_id = ")]
        text = [c for c in comments if c.startswith("# text = ")]
        assert len(sid) == 1 and sid[0], (comments, rows[:1])
        assert len(text) == 1 and text[0][len("# text = "):].strip(), sid
        ids += sid
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("path", FILES)
def test_multiword_tokens_and_empty_nodes_are_present(path):
    ids = [r[0] for _, rows in sentences(path) for r in rows]
    assert any("-" in i for i in ids), "no multiword token"
    assert any("." in i for i in ids), "no empty node"


def test_train_has_all_17_upos_tags():
    tags = {r[3] for _, rows in sentences(TRAIN) for r in rows if r[0].isdigit()}
    assert tags == UPOS, (UPOS - tags, tags - UPOS)
