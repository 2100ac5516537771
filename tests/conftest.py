import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
EWT = Path(os.environ.get("POSTAG_EWT_DIR",
                         ROOT.parent / "shared" / "data" / "ud-english-ewt"))

UPOS = ["ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON",
        "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X"]


@pytest.fixture(scope="session")
def sample_train():
    return DATA / "sample-train.conllu"


@pytest.fixture(scope="session")
def sample_dev():
    return DATA / "sample-dev.conllu"


@pytest.fixture(scope="session")
def ewt():
    train, dev = EWT / "en_ewt-ud-train.conllu", EWT / "en_ewt-ud-dev.conllu"
    if not (train.exists() and dev.exists()):
        pytest.skip(f"UD English EWT not found in {EWT} (set POSTAG_EWT_DIR)")
    return train, dev


def write_conllu(path, sentences):
    """Write a CoNLL-U file from [(words, tags)], with sent_id and text lines."""
    lines = []
    for i, (words, tags) in enumerate(sentences, 1):
        lines.append(f"# sent_id = s{i}")
        lines.append("# text = " + " ".join(words))
        for j, (w, t) in enumerate(zip(words, tags), 1):
            lines.append(f"{j}\t{w}\t_\t{t}\t_\t_\t_\t_\t_\t_")
        lines.append("")
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory):
    """A small synthetic treebank: a deterministic toy grammar, quick to learn."""
    import random
    rng = random.Random(0)
    dets, nouns, verbs, adjs = ["the", "a", "this"], ["cat", "dog", "bird", "Anna", "idea"], \
        ["sees", "likes", "finds", "eats"], ["big", "red", "old"]
    sents = []
    for _ in range(60):
        w, t = [], []
        for part in ("subj", "verb", "obj"):
            if part == "verb":
                w.append(rng.choice(verbs))
                t.append("VERB")
                continue
            w.append(rng.choice(dets))
            t.append("DET")
            if rng.random() < 0.5:
                w.append(rng.choice(adjs))
                t.append("ADJ")
            w.append(rng.choice(nouns))
            t.append("NOUN")
        w.append(".")
        t.append("PUNCT")
        sents.append((w, t))
    d = tmp_path_factory.mktemp("tiny")
    return write_conllu(d / "train.conllu", sents[:50]), write_conllu(d / "dev.conllu", sents[50:])
