"""Reading treebanks (words, tags, multiword tokens, empty nodes, columns) and the vocabulary."""

import numpy as np

from postag_cli.features import UNK, Features, capitalisation, normalise, word_features, word_shape
from postag_cli.treebank import (ReadStats, read_conllu, serialize, surface_tokens, tagged_sentences,
                                 words)

SENT = """# newdoc id = d1
# sent_id = a1
# text = I don't know, he said
1\tI\tI\tPRON\tPRP\t_\t4\tnsubj\t_\t_
2-3\tdon't\t_\t_\t_\t_\t_\t_\t_\t_
2\tdo\tdo\tAUX\tVBP\t_\t4\taux\t_\t_
3\tn't\tnot\tPART\tRB\t_\t4\tadvmod\t_\t_
4\tknow\tknow\tVERB\tVB\t_\t0\troot\t_\tSpaceAfter=No
4.1\tknow\tknow\tVERB\tVB\t_\t_\t_\t4:conj\tCopyOf=4
5\t,\t,\tPUNCT\t,\t_\t4\tpunct\t_\t_
6\the\the\tPRON\tPRP\t_\t7\tnsubj\t_\t_
7\tsaid\tsay\tVERB\tVBD\t_\t4\tparataxis\t_\t_

# sent_id = a2
1\tOK\tok\tINTJ\t_\t_\t0\troot\t_\t_

"""


def test_words_skip_ranges_and_empty_nodes_but_keep_them(tmp_path):
    f = tmp_path / "s.conllu"
    f.write_text(SENT, encoding="utf-8")
    stats = ReadStats()
    sents = list(read_conllu(f, stats=stats))
    assert stats.sentences == 2 and stats.words == 8 and stats.multiword == 1
    assert stats.empty_nodes == 1
    assert [t["form"] for t in words(sents[0])] == ["I", "do", "n't", "know", ",", "he", "said"]
    assert sents[0].metadata["sent_id"] == "a1" and sents[0].lineno == 1
    assert "".join(serialize(s) for s in sents) == SENT  # written back unchanged


def test_tag_column_choice(tmp_path):
    f = tmp_path / "s.conllu"
    f.write_text(SENT, encoding="utf-8")
    upos = list(tagged_sentences(f, "upos"))
    xpos = list(tagged_sentences(f, "xpos"))
    assert upos[0].tags == ["PRON", "AUX", "PART", "VERB", "PUNCT", "PRON", "VERB"]
    assert xpos[0].tags == ["PRP", "VBP", "RB", "VB", ",", "PRP", "VBD"]
    assert xpos[1].tags == [None]  # "_" is no tag
    assert upos[0].text == "I don't know, he said" and upos[1].text is None


def test_word_features_are_language_independent():
    assert normalise("Año2024") == "año0000"
    assert word_shape("McDonald's") == "XxXx'x" and word_shape("3.14") == "d.d"
    assert word_shape("東京") == "a" and word_shape("Москва") == "Xx"
    assert capitalisation("Москва") == "title" and capitalisation("NASA") == "upper"
    assert capitalisation("東京") == "none" and capitalisation("iPhone") == "mixed"
    assert word_features("Running", ["w", "p2", "s3", "cap"]) == ["w=running", "p2=ru", "s3=ing",
                                                                  "cap=title"]


def test_vocabulary_sorted_deterministic_with_unknown_entries():
    words_ = ["the", "cat", "the", "sat", "Zebra", "the", "cat"]
    a = Features.build(words_, ["w", "s1"], min_count=2)
    b = Features.build(list(reversed(words_)), ["w", "s1"], min_count=2)
    assert a.names == b.names
    assert a.names == [f"w={UNK}", "w=cat", "w=the", f"s1={UNK}", "s1=e", "s1=t"]
    assert list(a.encode_word("cat")) == [1, 5]
    assert list(a.encode_word("sat")) == [0, 5]  # rare word: unknown, its suffix known
    assert list(a.encode_word("dog")) == [0, 3]
    assert a.encode(["the", "cat"]).shape == (2, 2) and a.encode([]).shape == (0, 2)
    assert a.is_known("The") and not a.is_known("sat")


def test_character_vocabulary_and_batches():
    f = Features.build(["aa", "ab", "b", "xylophone-extraordinaire"], ["w"], char_model=True)
    assert f.chars[0] == UNK and "a" in f.chars and "y" not in f.chars  # seen once: <unk>
    ch = f.char_batch([["aa", "b"], ["aa"]], T=2)
    assert ch.ids.shape[1] == 2 and list(ch.last) == [1, 0]  # two distinct forms
    assert ch.word_type.tolist() == [[0, 0], [1, 0]]
    long = f.encode_chars("xylophone-extraordinaire")
    assert len(long) == 16
    assert np.all(f.encode_chars("zzz") == 0)


RAW = """# text = l'e-mail du well-known
1\tl'\t_\tDET\t_\t_\t_\t_\t_\tSpaceAfter=No
2\te-mail\t_\tNOUN\t_\t_\t_\t_\t_\t_
3-4\tdu\t_\t_\t_\t_\t_\t_\t_\t_
3\tde\t_\tADP\t_\t_\t_\t_\t_\t_
4\tle\t_\tDET\t_\t_\t_\t_\t_\t_
4.1\tx'\t_\tX\t_\t_\t_\t_\t_\tSpaceAfter=No
5\twell\t_\tADV\t_\t_\t_\t_\t_\tSpaceAfter=No
6\t-\t_\tPUNCT\t_\t_\t_\t_\t_\tSpaceAfter=No
7\tknown\t_\tADJ\t_\t_\t_\t_\t_\t_
8\t-\t_\tPUNCT\t_\t_\t_\t_\t_\tSpaceAfter=No
9\tx\t_\tX\t_\t_\t_\t_\t_\t_

"""


def test_what_raw_text_learns_from_a_sentence(tmp_path):
    """Surface tokens (range lines, not their words; no empty nodes), the multiword tokens,
    the elided words glued to the next token, and the two ways of writing hyphens."""
    f = tmp_path / "raw.conllu"
    f.write_text(RAW, encoding="utf-8")
    sent = next(iter(read_conllu(f)))
    assert surface_tokens(sent) == [("l'", True), ("e-mail", False), ("du", False),
                                    ("well", True), ("-", True), ("known", False), ("-", True),
                                    ("x", False)]
    s = next(iter(tagged_sentences(f)))
    assert s.multiword == [("du", ("de", "le"))]
    assert s.glued == ["l'"]  # (the empty node x' is not a token)
    assert s.hyphens == (1, 1)  # e-mail; well - known (the spaced "- x" is no word's hyphen)
