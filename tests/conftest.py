import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # (as the CLI does; set before numpy loads)
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


ZH = [  # original sentences of a toy Chinese treebank (words, UPOS)
    (["我们", "今天", "参观", "大学", "。"], ["PRON", "NOUN", "VERB", "NOUN", "PUNCT"]),
    (["他", "喜欢", "北京", "。"], ["PRON", "VERB", "PROPN", "PUNCT"]),
    (["我们", "喜欢", "手机", "。"], ["PRON", "VERB", "NOUN", "PUNCT"]),
    (["他", "今天", "参观", "北京", "。"], ["PRON", "NOUN", "VERB", "PROPN", "PUNCT"]),
]


def write_zh(path):
    """The toy Chinese treebank as CoNLL-U: no spaces, so SpaceAfter=No inside sentences."""
    lines = []
    for i, (words, tags) in enumerate(ZH, 1):
        lines += [f"# sent_id = {i}", "# text = " + "".join(words)]
        lines += [f"{j}\t{w}\t_\t{t}\t_\t_\t_\t_\t_\t{'_' if j == len(words) else 'SpaceAfter=No'}"
                  for j, (w, t) in enumerate(zip(words, tags), 1)] + [""]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


FR = [  # original sentences of a toy French treebank: (token, words, UPOS of each word)
    [("Je", ["Je"], ["PRON"]), ("mange", ["mange"], ["VERB"]), ("du", ["de", "le"], ["ADP", "DET"]),
     ("pain", ["pain"], ["NOUN"]), (".", ["."], ["PUNCT"])],
    [("Il", ["Il"], ["PRON"]), ("va", ["va"], ["VERB"]), ("au", ["à", "le"], ["ADP", "DET"]),
     ("marché", ["marché"], ["NOUN"]), (".", ["."], ["PUNCT"])],
    [("Elle", ["Elle"], ["PRON"]), ("parle", ["parle"], ["VERB"]),
     ("du", ["de", "le"], ["ADP", "DET"]), ("film", ["film"], ["NOUN"]), (".", ["."], ["PUNCT"])],
    [("Nous", ["Nous"], ["PRON"]), ("allons", ["allons"], ["VERB"]),
     ("au", ["à", "le"], ["ADP", "DET"]), ("cinéma", ["cinéma"], ["NOUN"]),
     (".", ["."], ["PUNCT"])],
    [("Il", ["Il"], ["PRON"]), ("mange", ["mange"], ["VERB"]), ("des", ["des"], ["DET"]),
     ("pommes", ["pommes"], ["NOUN"]), (".", ["."], ["PUNCT"])],
    [("Elle", ["Elle"], ["PRON"]), ("parle", ["parle"], ["VERB"]),
     ("des", ["de", "les"], ["ADP", "DET"]), ("livres", ["livres"], ["NOUN"]),
     (".", ["."], ["PUNCT"])],
    [("J'", ["J'"], ["PRON"]), ("aime", ["aime"], ["VERB"]), ("l'", ["l'"], ["DET"]),
     ("école", ["école"], ["NOUN"]), (".", ["."], ["PUNCT"])],
    [("J'", ["J'"], ["PRON"]), ("aime", ["aime"], ["VERB"]), ("l'", ["l'"], ["DET"]),
     ("hiver", ["hiver"], ["NOUN"]), (".", ["."], ["PUNCT"])],
    [("Jean-Pierre", ["Jean-Pierre"], ["PROPN"]), ("mange", ["mange"], ["VERB"]),
     ("peut-être", ["peut-être"], ["ADV"]), (".", ["."], ["PUNCT"])],
    [("Il", ["Il"], ["PRON"]), ("habite", ["habite"], ["VERB"]), ("bd.", ["bd."], ["NOUN"]),
     ("Voltaire", ["Voltaire"], ["PROPN"]), (".", ["."], ["PUNCT"])],
    [("Elle", ["Elle"], ["PRON"]), ("va", ["va"], ["VERB"]), ("bd.", ["bd."], ["NOUN"]),
     ("Raspail", ["Raspail"], ["PROPN"]), (".", ["."], ["PUNCT"])],
]


def write_fr(path):
    """The toy French treebank as CoNLL-U: range lines for du, au, des = de les; no space
    before the final full stop or after an elided word (l')."""
    lines = []
    for i, sent in enumerate(FR, 1):
        glued = [k == len(sent) - 2 or token.endswith("'") for k, (token, _, _) in
                 enumerate(sent)]
        text = "".join(token + ("" if g or k == len(sent) - 1 else " ")
                       for k, ((token, _, _), g) in enumerate(zip(sent, glued)))
        lines += [f"# sent_id = {i}", "# text = " + text]
        n = 0
        for (token, words, tags), g in zip(sent, glued):
            misc = "SpaceAfter=No" if g else "_"
            if len(words) > 1:
                lines.append(f"{n + 1}-{n + len(words)}\t{token}\t_\t_\t_\t_\t_\t_\t_\t{misc}")
                misc = "_"
            for w, t in zip(words, tags):
                n += 1
                lines.append(f"{n}\t{w}\t_\t{t}\t_\t_\t_\t_\t_\t{misc}")
        lines.append("")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


VI = [  # original sentences of a toy Vietnamese treebank: words written with a space inside
    [("Tôi", "PRON"), ("là", "AUX"), ("sinh viên", "NOUN"), (".", "PUNCT")],
    [("Sinh viên", "NOUN"), ("học", "VERB"), ("ở", "ADP"), ("Hà Nội", "PROPN"), (".", "PUNCT")],
    [("Chúng tôi", "PRON"), ("là", "AUX"), ("giáo viên", "NOUN"), (".", "PUNCT")],
    [("Giáo viên", "NOUN"), ("đọc", "VERB"), ("sách", "NOUN"), (".", "PUNCT")],
    [("Tôi", "PRON"), ("sống", "VERB"), ("ở", "ADP"), ("Hà Nội", "PROPN"), (".", "PUNCT")],
    [("Chúng tôi", "PRON"), ("đọc", "VERB"), ("sách", "NOUN"), (".", "PUNCT")],
]


def write_vi(path):
    """The toy Vietnamese treebank as CoNLL-U: FORMs with a space; the full stop glued."""
    lines = []
    for i, sent in enumerate(VI, 1):
        lines += [f"# sent_id = {i}", "# text = " + " ".join(w for w, _ in sent[:-1]) + "."]
        lines += [f"{j}\t{w}\t_\t{t}\t_\t_\t_\t_\t_\t"
                  f"{'SpaceAfter=No' if j == len(sent) - 1 else '_'}"
                  for j, (w, t) in enumerate(sent, 1)] + [""]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
