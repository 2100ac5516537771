"""Tests for postag_cli.align: CoNLL 2018-style scoring of raw-text tagging.

Every expected number below is worked out by hand in the comments (character
offsets count non-whitespace characters from the start of the document).
"""

from __future__ import annotations

import conllu
import pytest

from postag_cli.align import AlignmentError, Score, score_documents


def sentence(*items) -> str:
    """CoNLL-U text of one sentence.

    Each item is ``"form/UPOS"`` for a plain token or ``("mwt form", "w1/U1", "w2/U2", ...)``
    for a multiword token.
    """
    lines: list[str] = []
    wid = 0

    def word_line(spec: str) -> str:
        nonlocal wid
        wid += 1
        form, upos = spec.rsplit("/", 1)
        head, rel = ("0", "root") if wid == 1 else ("1", "dep")
        return "\t".join([str(wid), form, "_", upos, "_", "_", head, rel, "_", "_"])

    for item in items:
        if isinstance(item, tuple):
            form, *words = item
            lines.append("\t".join([f"{wid + 1}-{wid + len(words)}", form] + ["_"] * 8))
            lines.extend(word_line(w) for w in words)
        else:
            lines.append(word_line(item))
    return "\n".join(lines) + "\n\n"


def doc(*sentences: str) -> list[conllu.TokenList]:
    return conllu.parse("".join(sentences))


def counts(scores: dict[str, Score]) -> dict[str, tuple[int, int, int]]:
    return {k: (v.correct, v.gold_total, v.system_total) for k, v in scores.items()}


# ---------------------------------------------------------------------------


def test_score_properties():
    s = Score(correct=3, gold_total=5, system_total=4)
    assert s.precision == pytest.approx(0.75)
    assert s.recall == pytest.approx(0.6)
    assert s.f1 == pytest.approx(2 * 3 / 9)
    empty = Score(0, 0, 0)
    assert (empty.precision, empty.recall, empty.f1) == (0.0, 0.0, 0.0)
    assert Score(0, 3, 0).precision == 0.0 and Score(0, 0, 3).recall == 0.0


def test_perfect_match_is_one_everywhere():
    text = doc(
        sentence("I/PRON", ("don't", "do/AUX", "n't/PART"), "know/VERB", "./PUNCT"),
        sentence("Fine/ADJ", "!/PUNCT"),
    )
    scores = score_documents(text, doc(
        sentence("I/PRON", ("don't", "do/AUX", "n't/PART"), "know/VERB", "./PUNCT"),
        sentence("Fine/ADJ", "!/PUNCT"),
    ))
    assert set(scores) == {"Tokens", "Sentences", "Words", "UPOS"}
    for name, sc in scores.items():
        assert (sc.precision, sc.recall, sc.f1) == (1.0, 1.0, 1.0), name
    # 4 + 2 tokens, 2 sentences, 5 + 2 words
    assert counts(scores) == {"Tokens": (6, 6, 6), "Sentences": (2, 2, 2),
                              "Words": (7, 7, 7), "UPOS": (7, 7, 7)}


def test_gold_mwt_vs_system_single_token():
    # gold: I | don't = do + n't | know | .    system: I | don't | know | .
    # characters: I=[0,1) don't=[1,6) know=[6,10) .=[10,11)
    gold = doc(sentence("I/PRON", ("don't", "do/AUX", "n't/PART"), "know/VERB", "./PUNCT"))
    system = doc(sentence("I/PRON", "don't/VERB", "know/NOUN", "./PUNCT"))
    scores = score_documents(gold, system)
    # Tokens: all four spans agree -> 4/4/4.
    # Words: the gold MWT opens a multiword region [1,6) holding gold "do","n't" and
    # system "don't"; LCS of their forms is empty, so nothing aligns there.
    # I, know and . align by span -> correct 3, gold 5 words, system 4 words.
    # UPOS: I (PRON=PRON) and . (PUNCT) agree, know is VERB vs NOUN -> 2.
    assert counts(scores) == {"Tokens": (4, 4, 4), "Sentences": (1, 1, 1),
                              "Words": (3, 5, 4), "UPOS": (2, 5, 4)}
    assert scores["Words"].precision == pytest.approx(3 / 4)
    assert scores["Words"].recall == pytest.approx(3 / 5)
    assert scores["Words"].f1 == pytest.approx(6 / 9)
    assert scores["UPOS"].f1 == pytest.approx(4 / 9)


def test_both_mwt_with_partly_different_words_lcs_is_case_insensitive():
    # gold: Don't = Do + n't ; system: Don't = do + not.  LCS(["do","n't"], ["do","not"]) = 1
    # ("Do" ~ "do" ignoring case), so 1 + "go" + "." = 3 words aligned out of 4 / 4.
    gold = doc(sentence(("Don't", "Do/AUX", "n't/PART"), "go/VERB", "./PUNCT"))
    system = doc(sentence(("Don't", "do/AUX", "not/ADV"), "go/VERB", "./PUNCT"))
    scores = score_documents(gold, system)
    # UPOS: Do/do AUX=AUX, go, . -> 3.
    assert counts(scores) == {"Tokens": (3, 3, 3), "Sentences": (1, 1, 1),
                              "Words": (3, 4, 4), "UPOS": (3, 4, 4)}


def test_system_splits_hyphenated_word():
    # gold: I love New-York   system: I love New - York
    # chars: I=[0,1) love=[1,5) New-York=[5,13); system New=[5,8) -=[8,9) York=[9,13)
    gold = doc(sentence("I/PRON", "love/VERB", "New-York/PROPN"))
    system = doc(sentence("I/PRON", "love/VERB", "New/PROPN", "-/PUNCT", "York/PROPN"))
    scores = score_documents(gold, system)
    # Tokens: I and love match -> 2 of gold 3 / system 5: P=2/5, R=2/3, F1=4/8.
    # Words (no MWTs): the same 2 -> 2/3/5; UPOS: both agree -> 2/3/5.
    assert counts(scores) == {"Tokens": (2, 3, 5), "Sentences": (1, 1, 1),
                              "Words": (2, 3, 5), "UPOS": (2, 3, 5)}
    assert scores["Tokens"].precision == pytest.approx(0.4)
    assert scores["Tokens"].recall == pytest.approx(2 / 3)
    assert scores["Tokens"].f1 == pytest.approx(0.5)


def test_system_mwt_covering_several_gold_tokens():
    # gold: New | - | York (three tokens); system: one MWT "New-York" = New + - + York.
    # Tokens: no span agrees -> 0 / 3 / 1.
    # Words: the system MWT opens the region [0,8) holding all three gold words and
    # all three system words; LCS aligns New, -, York -> 3 / 3 / 3.
    # UPOS: New PROPN=PROPN, - PUNCT vs SYM, York PROPN=PROPN -> 2.
    gold = doc(sentence("New/PROPN", "-/PUNCT", "York/PROPN"))
    system = doc(sentence(("New-York", "New/PROPN", "-/SYM", "York/PROPN")))
    assert counts(score_documents(gold, system)) == {
        "Tokens": (0, 3, 1), "Sentences": (1, 1, 1), "Words": (3, 3, 3), "UPOS": (2, 3, 3)}


def test_plain_word_starting_before_an_mwt_stays_outside_the_region():
    # gold: ab | cd = c + d        system: abc | d
    # chars: gold ab=[0,2) cd=[2,4); system abc=[0,3) d=[3,4)
    # Words: gold "ab" vs system "abc" differ and gold starts first -> skip gold "ab".
    # Gold "c" (MWT [2,4)) starts a region ending at 4; system "abc" starts before it
    # and is not an MWT, so it is left out; the region holds gold c, d and system d.
    # LCS aligns "d" -> Words 1 / 3 / 2.  Tokens: gold ab, cd vs system abc, d share
    # no span -> 0 / 2 / 2.
    gold = doc(sentence("ab/X", ("cd", "c/X", "d/X")))
    system = doc(sentence("abc/X", "d/X"))
    assert counts(score_documents(gold, system)) == {
        "Tokens": (0, 2, 2), "Sentences": (1, 1, 1), "Words": (1, 3, 2), "UPOS": (1, 3, 2)}


def test_sentence_boundaries_differ():
    # gold: [A B .] [C D .] [E .]      system: [A B .] [C D . E .]
    # sentence spans (chars): gold [0,3) [3,6) [6,8); system [0,3) [3,8)
    # -> 1 correct of gold 3 / system 2: P=1/2, R=1/3, F1=2/5.  Tokens and words are perfect.
    gold = doc(sentence("A/X", "B/X", "./PUNCT"), sentence("C/X", "D/X", "./PUNCT"),
               sentence("E/X", "./PUNCT"))
    system = doc(sentence("A/X", "B/X", "./PUNCT"),
                 sentence("C/X", "D/X", "./PUNCT", "E/X", "./PUNCT"))
    scores = score_documents(gold, system)
    assert counts(scores)["Sentences"] == (1, 3, 2)
    assert scores["Sentences"].f1 == pytest.approx(0.4)
    assert counts(scores)["Tokens"] == (8, 8, 8)
    assert counts(scores)["Words"] == (8, 8, 8)


def test_everything_differs_at_once():
    # gold:   [I | can't = ca + n't | go | .] [OK | !]
    # system: [I | can | 't | go | . | OK | !]          (one sentence, no MWT)
    # chars: I=[0,1) can't=[1,6) go=[6,8) .=[8,9) OK=[9,11) !=[11,12)
    # Tokens: gold 6 (I, can't, go, ., OK, !), system 7; all but can't/can/'t agree -> 5.
    # Sentences: gold [0,9) [9,12); system [0,12) -> 0 / 2 / 1.
    # Words: gold MWT region [1,6) holds gold ca, n't and system can, 't (plain words
    # ending inside the region); LCS of (ca, n't) and (can, 't) is 0.  Aligned: I, go, ., OK, !
    # -> 5 / gold 7 / system 7.  UPOS: system tags go as NOUN -> 4.
    gold = doc(sentence("I/PRON", ("can't", "ca/AUX", "n't/PART"), "go/VERB", "./PUNCT"),
               sentence("OK/INTJ", "!/PUNCT"))
    system = doc(sentence("I/PRON", "can/AUX", "'t/PART", "go/NOUN", "./PUNCT", "OK/INTJ",
                          "!/PUNCT"))
    assert counts(score_documents(gold, system)) == {
        "Tokens": (5, 6, 7), "Sentences": (0, 2, 1), "Words": (5, 7, 7), "UPOS": (4, 7, 7)}


def test_whitespace_is_ignored_and_empty_nodes_skipped():
    # A gold FORM with a space ("New York") and an empty node 2.1; the system has
    # "NewYork" as one token.  Whitespace is dropped from forms, so both cover [0,7).
    gold = conllu.parse(
        "1\tNew York\t_\tPROPN\t_\t_\t0\troot\t_\t_\n"
        "2\tis\t_\tAUX\t_\t_\t1\tcop\t_\t_\n"
        "2.1\tbig\t_\tADJ\t_\t_\t_\t_\t1:dep\t_\n"
        "3\tbig\t_\tADJ\t_\t_\t1\tamod\t_\t_\n\n"
    )
    system = doc(sentence("NewYork/PROPN", "is/AUX", "big/ADJ"))
    assert counts(score_documents(gold, system)) == {
        "Tokens": (3, 3, 3), "Sentences": (1, 1, 1), "Words": (3, 3, 3), "UPOS": (3, 3, 3)}


def test_mismatched_text_raises_with_position():
    gold = doc(sentence("I/PRON", "like/VERB", "cats/NOUN"))
    system = doc(sentence("I/PRON", "like/VERB", "bats/NOUN"))
    with pytest.raises(AlignmentError) as err:
        score_documents(gold, system)
    assert isinstance(err.value, ValueError)
    # "Ilikecats" vs "Ilikebats": first difference at non-whitespace character 5
    assert "character 5" in str(err.value)
    assert "'cats'" in str(err.value) and "'bats'" in str(err.value)


def test_system_text_shorter_raises():
    gold = doc(sentence("a/X", "b/X"), sentence("c/X"))
    system = doc(sentence("a/X", "b/X"))
    with pytest.raises(AlignmentError, match="character 2"):
        score_documents(gold, system)


def test_empty_documents():
    scores = score_documents([], [])
    assert all(sc.f1 == 0.0 and sc.gold_total == 0 for sc in scores.values())
