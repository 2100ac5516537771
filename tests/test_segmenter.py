"""The learned tokenizer (segmenter.py): surface text and labels from a treebank, multiword
tokens, training, the model file, and raw text through the CLI."""

import importlib.util
import sys
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import write_fr, write_vi, write_zh
from postag_cli import gradcheck as gc
from postag_cli import lexicon as L
from postag_cli import model as M
from postag_cli import segmenter as S
from postag_cli.cli import cli
from postag_cli.errors import PostagError
from postag_cli.tagger import Tagger
from postag_cli.treebank import TaggedSentence
from postag_cli.training import read_corpus

SMALL = S.SegmenterConfig(hidden=16, chars_per_run=60_000, max_epochs=40)


def sent(tokens, text=None, new_par=False):
    """A TaggedSentence from (form, glued, words) surface tokens."""
    words = [w for _, _, ws in tokens for w in ws]
    return TaggedSentence(words, ["X"] * len(words), text=text, surface=tokens, new_par=new_par)


def test_sentence_text_from_the_text_comment_or_the_forms():
    toks = [("I", False, ("I",)), ("can't", False, ("ca", "n't")), ("go", True, ("go",)),
            (".", False, (".",))]
    text, spans = S.sentence_text(sent(toks, "I  can't go."))  # (a double space is kept)
    assert text == "I  can't go." and [text[a:b] for a, b in spans] == ["I", "can't", "go", "."]
    text, spans = S.sentence_text(sent(toks))  # no # text: FORMs and SpaceAfter=No
    assert text == "I can't go." and [text[a:b] for a, b in spans] == ["I", "can't", "go", "."]
    assert S.sentence_text(sent(toks, "I cannot go.")) is None  # contradicts the FORMs
    assert S.sentence_text(sent([("_", False, ("_",))] * 3, "a b c")) is None


def test_labels_mark_token_sentence_and_multiword_ends():
    s1 = sent([("Au", False, ("À", "le")), ("revoir", True, ("revoir",)), ("!", False, ("!",))],
              "Au revoir!")
    s2 = sent([("Oui", False, ("Oui",))], "Oui")
    s3 = sent([("Non", False, ("Non",))], "Non", new_par=True)
    paras, bad = S.paragraphs([s1, s2, s3])
    assert bad == 0 and [p.text for p in paras] == ["Au revoir! Oui", "Non"]
    y = paras[0].labels.tolist()
    #        A  u  _   r  e  v  o  i  r  !  _   O  u  i
    assert y == [0, 3, -1, 0, 0, 0, 0, 0, 1, 2, -1, 0, 0, 2]
    assert paras[0].sent_starts == [0, 11]


def test_multiword_table_and_rules():
    sents = [sent([(f, False, ws)]) for f, ws in [
        ("du", ("de", "le")), ("du", ("de", "le")), ("zum", ("zu", "dem")),
        ("evdeki", ("ev", "deki")), ("okuldaki", ("okul", "daki")), ("kitaptaki", ("kitap", "taki")),
        ("bahçedeki", ("bahçe", "deki"))]]
    learned = S.learn_multiword(sents)
    assert learned["table"]["du"] == ["de", "le"]
    mw = S.Multiword(learned)
    assert mw.words("Du") == ("De", "le") and mw.words("DU") == ("DE", "LE")
    assert mw.words("zum") == ("zu", "dem")  # seen once: the table has it
    assert mw.words("köydeki") == ("köy", "deki")  # unseen: the suffix rule seen twice
    assert mw.words("Köydeki") == ("Köy", "deki")  # cut from the token: its case kept
    assert mw.words("xyz") == ("xyz",)  # no rule: one word


def test_the_training_data_decides_for_the_tokens_it_has_seen():
    """German-style: `am` = an dem teaches the suffix rule m -> n dem, and a network that marks
    `kam` or `um` as a multiword token made `kan dem`, `un dem`; one that missed `vom` left it
    whole. A token the training data always wrote as a multiword token is one, a token it only
    wrote as one word stays one, and one written both ways (des = de les, or des) is the
    network's call, as is an unseen one. A tokenizer trained before keeps the network's calls."""
    toks = [("am", ("an", "dem")), ("am", ("an", "dem")), ("vom", ("von", "dem")),
            ("kam", ("kam",)), ("um", ("um",)), ("des", ("de", "les")), ("des", ("des",))]
    sents = [sent([(f, False, ws)]) for f, ws in toks]
    learned = S.learn_multiword(sents)
    assert learned["mixed"] == ["des"] and learned["complete"] is True
    assert learned["suffix"][0][:3] == ["m", "n", ["dem"]]
    lexicon = S.lexicon_of(sents)
    mw = S.Multiword(learned, lexicon)
    calls = {(t, m): mw.is_multiword(t, m) for t in ("vom", "Vom", "kam", "um", "des", "zum")
             for m in (False, True)}
    assert calls == {("vom", False): True, ("vom", True): True, ("Vom", False): True,
                     ("Vom", True): True, ("kam", False): False, ("kam", True): False,
                     ("um", False): False, ("um", True): False, ("des", False): False,
                     ("des", True): True, ("zum", False): False, ("zum", True): True}
    alone = S.Multiword({**learned, "mixed": []}, lexicon)  # (none written both ways)
    assert alone.is_multiword("des", False) and "Des" in alone.always_cased
    f = S.CharFeatures(list("abdekmnovsuz"), ["Ll", "Lu", "Zs", S.END, S.UNK], lexicon)
    params = M.init_params(len(f), len(S.LABELS), 4, S.ARCH, 1)
    text = "kam um vom des zum am"
    y = np.array([-1 if c == " " else 0 if text[i + 1:i + 2] not in (" ", "")  # the network:
                  else 1 if text[i - 1:i + 1] == "om" else 3  # every token but vom marked
                  for i, c in enumerate(text)])
    words = {}
    for how, mwl in (("new", learned), ("old", {k: learned[k] for k in ("table", "suffix",
                                                                         "prefix")})):
        seg = S.Segmenter(params, f, mwl, False)
        words[how] = [t.words for _, ts in seg._sentences(text, y, np.array([0]), False)
                      for t in ts]
    assert words["new"] == [("kam",), ("um",), ("von", "dem"), ("de", "les"),
                            ("zun", "dem"), ("an", "dem")]  # (zum unseen: the suffix rule)
    assert words["old"] == [("kan", "dem"), ("un", "dem"), ("vom",), ("de", "les"),
                            ("zun", "dem"), ("an", "dem")]
    arrays, meta = S.Segmenter(params, f, learned, False).export()
    assert "1 written both ways: the network decides" in " ".join(S.describe(S.summary(meta)))
    meta["multiword"] = {**learned, "mixed": ["zum"]}  # (not a multiword token of the table)
    assert S.check_stored(arrays, meta) == "multiword tokens written both ways"
    meta["multiword"] = {k: learned[k] for k in ("table", "suffix", "prefix")}  # (before)
    assert S.check_stored(arrays, meta) is None
    assert "both ways" not in " ".join(S.describe(S.summary(meta)))


def test_prefix_rules_when_the_data_splits_prefixes():
    sents = [sent([(f, False, ws)]) for f, ws in [
        ("babayit", ("ba", "ha", "bayit")), ("bahuts", ("ba", "ha", "huts")),
        ("babayit", ("ba", "ha", "bayit"))]]
    mw = S.Multiword(S.learn_multiword(sents))
    assert mw.sides[0] == "prefix"
    assert mw.words("bahaver") == ("ba", "ha", "haver")  # prefix "ba" -> ba ha + the rest


def test_learns_to_segment_a_script_without_spaces(tmp_path):
    sents, _ = read_corpus(write_zh(tmp_path / "zh.conllu"), "upos")
    seg, why = S.learn(sents, config=SMALL)
    assert why is None and not seg.spaced
    out = seg.tokenize(["他喜欢北京。", "我们今天参观大学。"])
    assert [[t.text for t in s] for s in out[0]] == [["他", "喜欢", "北京", "。"]]
    assert [t.text for t in out[1][0]] == ["我们", "今天", "参观", "大学", "。"]
    assert [t.space_after for t in out[0][0]] == [False, False, False, True]


def test_learns_multiword_tokens_elisions_and_sentence_ends(tmp_path):
    sents, _ = read_corpus(write_fr(tmp_path / "fr.conllu"), "upos")
    seg, _ = S.learn(sents, config=SMALL)
    (toks,), = seg.tokenize(["Je mange du pain."])
    assert [(t.text, t.words) for t in toks] == [
        ("Je", ("Je",)), ("mange", ("mange",)), ("du", ("de", "le")), ("pain", ("pain",)),
        (".", (".",))]
    (toks,), = seg.tokenize(["J'aime l'école."])
    assert [t.text for t in toks] == ["J'", "aime", "l'", "école", "."]
    text = "Il va au marché. Elle parle du film."
    sents_out = seg.tokenize([text], split=True)[0]
    assert [[t.text for t in s] for s in sents_out] == [
        ["Il", "va", "au", "marché", "."], ["Elle", "parle", "du", "film", "."]]
    assert [[t.text for t in s] for s in seg.tokenize([text])[0]] == \
        [["Il", "va", "au", "marché", ".", "Elle", "parle", "du", "film", "."]]  # one line


def test_words_with_spaces(tmp_path):
    sents, _ = read_corpus(write_vi(tmp_path / "vi.conllu"), "upos")
    seg, _ = S.learn(sents, config=SMALL)
    assert seg.spaced
    (toks,), = seg.tokenize(["Sinh viên học ở Hà Nội."])
    assert [t.text for t in toks] == ["Sinh viên", "học", "ở", "Hà Nội", "."]


def test_no_usable_surface_text(tmp_path):
    toks = [("a", False, ("a",)), ("b", False, ("b",))]
    seg, why = S.learn([sent(toks, "x y")] * 4, config=SMALL)
    assert seg is None and "no usable surface text" in why


def test_same_data_same_tokenizer(tmp_path):
    sents, _ = read_corpus(write_fr(tmp_path / "fr.conllu"), "upos")
    a, _ = S.learn(sents, config=SMALL)
    b, _ = S.learn(sents, config=SMALL)
    assert a.fingerprint == b.fingerprint


def test_long_texts_are_read_in_overlapping_pieces(tmp_path):
    sents, _ = read_corpus(write_fr(tmp_path / "fr.conllu"), "upos")
    seg, _ = S.learn(sents, config=SMALL)
    one = "Il va au marché."
    long = " ".join([one] * 200)  # 3,400 characters: nine pieces
    assert len(long) > 4 * S.PIECE
    tokens = [t.text for s in seg.tokenize([long])[0] for t in s]
    assert tokens == [t.text for t in seg.tokenize([one])[0][0]] * 200


# -- gradient check ------------------------------------------------------------------------------


def test_gradcheck_of_the_tokenizer_passes(sample_train):
    sents = read_corpus(sample_train, "upos")[0]
    results = gc.run_tokenizer(sents, checks=15)
    assert results and all(r.passed for r in results), gc.format_table(results)


def test_gradcheck_of_the_tokenizer_catches_a_planted_bug(sample_train):
    """The classic: dh_{t-1} = da_t Whh (no transpose)."""
    src = Path(M.__file__).read_text()
    bad = src.replace("dh_next = np.matmul(da, WhhT)", "dh_next = np.matmul(da, Whh)")
    assert bad != src
    spec = importlib.util.spec_from_loader("buggy_model", loader=None)
    buggy = importlib.util.module_from_spec(spec)
    sys.modules["buggy_model"] = buggy  # (its dataclasses look their module up there)
    exec(compile(bad, "buggy_model.py", "exec"), buggy.__dict__)
    sents = read_corpus(sample_train, "upos")[0]
    results = gc.run_tokenizer(sents, checks=15, loss_and_grads=buggy.loss_and_grads)
    assert not all(r.passed for r in results)
    assert not next(r for r in results if r.name == "Whh").passed


# -- the model file and the CLI ------------------------------------------------------------------


@pytest.fixture(scope="module")
def fr_model(tmp_path_factory):
    d = tmp_path_factory.mktemp("segfr")
    corpus = write_fr(d / "fr.conllu")
    out = d / "fr.npz"
    r = CliRunner().invoke(cli, ["train", str(corpus), "-o", str(out), "--epochs", "2",
                                 "--hidden", "8", "--no-checkpoint"])
    assert r.exit_code == 0, r.output
    assert "tokenizer" in r.output
    return out


def test_a_trained_model_has_its_tokenizer(fr_model):
    tagger = Tagger.load(fr_model)
    assert tagger.segmenter is not None
    assert [w for w, _ in tagger.tag_text("Elle parle du film.")] == \
        ["Elle", "parle", "de", "le", "film", "."]
    r = CliRunner().invoke(cli, ["info", str(fr_model)])
    assert r.exit_code == 0 and "learned tokenizer" in r.output


def test_tag_split_sentences_uses_the_learned_sentence_ends(fr_model, tmp_path):
    text = tmp_path / "in.txt"
    text.write_text("Il va au marché. Elle parle du film.\n", encoding="utf-8")
    r = CliRunner().invoke(cli, ["tag", str(text), "-m", str(fr_model), "--split-sentences",
                                 "--format", "json"])
    assert r.exit_code == 0, r.output
    out = [json.loads(line) for line in r.output.splitlines()]
    assert [o["text"] for o in out] == ["Il va au marché.", "Elle parle du film."]
    assert [t["form"] for t in out[0]["tokens"]] == ["Il", "va", "à", "le", "marché", "."]


def _rewrite(src, dst, change):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            name = info.filename[:-4]
            if name == "meta" or name.startswith("tokenizer."):
                import io
                a = np.load(io.BytesIO(data), allow_pickle=False)
                a = change(name, a)
                if a is None:
                    continue
                buf = io.BytesIO()
                np.save(buf, a)
                data = buf.getvalue()
            zout.writestr(info, data)


@pytest.mark.parametrize("how", ["shape", "nan", "missing", "chars", "rule", "no-arrays",
                                 "context"])
def test_a_tampered_tokenizer_is_refused(fr_model, tmp_path, how):
    def change(name, a):
        if name == "meta":
            meta = json.loads(str(a))
            tok = meta["tokenizer"]
            if how == "chars":
                tok["chars"] = tok["chars"] + [tok["chars"][0]]  # a duplicate
            elif how == "rule":
                tok["multiword"]["suffix"] = [["x", 1, [], 2]]
            elif how == "context":
                tok["context_rules"] = "yes"
            return np.array(json.dumps(meta))
        if how == "shape" and name == "tokenizer.Whh":
            return a[:, :-1]
        if how == "nan" and name == "tokenizer.Why":
            a = a.copy()
            a[0, 0] = np.nan
            return a
        if how in ("missing", "no-arrays") and name == "tokenizer.by":
            return None
        if how == "no-arrays" and name.startswith("tokenizer."):
            return None
        return a
    bad = tmp_path / "bad.npz"
    _rewrite(fr_model, bad, change)
    with pytest.raises(PostagError, match="corrupt model.*tokenizer"):
        Tagger.load(bad)
    r = CliRunner().invoke(cli, ["tag", "-", "-m", str(bad)], input="Il va.\n")
    assert r.exit_code == 2 and "tokenizer" in r.output and "Traceback" not in r.output


def test_upper_case_starts_is_learned_and_keeps_sentences_from_starting_lower_case():
    """A treebank whose sentences all start upper-case (100 at least, one in 1,000 lower-case at
    most) teaches --split-sentences to end no sentence before a lower-case word; another keeps
    the network's ends. Stored with the tokenizer, described by info, checked on load."""
    up = [sent([("Go", True, ("Go",)), (".", False, (".",))])] * 120
    low = [sent([("go", True, ("go",)), (".", False, (".",))])]
    assert S.upper_case_starts(up) and not S.upper_case_starts(up + low)
    assert not S.upper_case_starts(up[:99])  # (too few to tell)
    assert S.upper_case_starts(up * 9 + low)  # (1 in 1,081)
    f = S.CharFeatures(list("abcdefghijklmnopqrstuvwxyz."), ["Ll", "Lu", "Po", "Zs", S.END, S.UNK])
    text = "Wait ... then go. Now"
    y = np.zeros(len(text), dtype=np.int64)
    for i, c in enumerate(text):
        y[i] = -1 if c == " " else 0
    for word_end in (3, 7, 12, 16, 20):  # Wait ... then go. Now
        y[word_end] = 1
    y[7] = y[16] = 2  # the network ends sentences after "..." and after "go."
    params = M.init_params(len(f), len(S.LABELS), 4, S.ARCH, 1)
    cuts = {}
    for rule in (False, True):
        seg = S.Segmenter(params, f, S.learn_multiword([]), False, {"upper_case_starts": rule})
        sents = [[t.text for t in toks] for _, toks in seg._sentences(text, y, np.array([0]), True)]
        cuts[rule] = sents
    assert cuts[False] == [["Wait", "..."], ["then", "go."], ["Now"]]
    assert cuts[True] == [["Wait", "...", "then", "go."], ["Now"]]
    arrays, meta = seg.export()
    assert S.Segmenter.load(arrays, meta).upper_case_starts is True
    assert "cuts none before a lower-case word" in " ".join(S.describe(S.summary(meta)))
    assert S.check_stored(arrays, {**meta, "upper_case_starts": "yes"}) == \
        "upper_case_starts setting"


def test_final_period_split_is_learned_and_cuts_the_last_full_stop_off():
    """A treebank that (all but one in 100 times) writes a sentence's last full stop as a token
    of its own teaches the tokenizer to cut it off each sentence's last token, an abbreviation
    too (`U.S.` -> `U.S` `.`), but not after a non-alphanumeric character."""
    split = [sent([("ago", True, ("ago",)), (".", False, (".",))])] * 100  # (ago glued to .)
    whole = [sent([("U.S.", False, ("U.S.",))])]
    assert S.final_period_split(split + whole) and not S.final_period_split(split + whole * 2)
    assert not S.final_period_split(split[:99])
    f = S.CharFeatures(list("abcdefghijklmnopqrstuvwxyz."), ["Ll", "Lu", "Po", "Zs", S.END, S.UNK])
    params = M.init_params(len(f), len(S.LABELS), 4, S.ARCH, 1)
    def cut(text, ends, sentence_ends, rule):
        y = np.array([-1 if c == " " else 0 for c in text])
        y[ends] = 1
        y[sentence_ends] = 2
        seg = S.Segmenter(params, f, S.learn_multiword([]), False, {"final_period_split": rule})
        return seg, [[(t.text, t.start, t.end, t.space_after) for t in toks]
                     for _, toks in seg._sentences(text, y, np.array([0]), True)]
    assert cut("in the U.S.", [1, 5], [10], False)[1][0][-1] == ("U.S.", 7, 11, True)
    assert cut("in the U.S.", [1, 5], [10], True)[1][0][-2:] == [("U.S", 7, 10, False),
                                                                  (".", 10, 11, True)]
    seg, sents = cut("in the U.S. Now ...", [1, 5, 14, 18], [10], True)  # (every sentence)
    assert sents == [[("in", 0, 2, True), ("the", 3, 6, True), ("U.S", 7, 10, False),
                      (".", 10, 11, True)], [("Now", 12, 15, True), ("...", 16, 19, True)]]
    arrays, meta = seg.export()
    assert S.Segmenter.load(arrays, meta).final_period_split is True
    assert "last full stop is a token of its own" in " ".join(S.describe(S.summary(meta)))
    assert S.check_stored(arrays, {**meta, "final_period_split": 1}) == \
        "final_period_split setting"


def test_spaced_numbers_are_learned_and_kept_whole():
    """A treebank that writes 10 000 as one token (Finnish, French) teaches the tokenizer to
    keep such numbers whole, wherever the network cuts them; one that splits them (German)
    does not; never across two lines. Stored, described by info, checked on load."""
    whole = sent([("maksaa", False, ("maksaa",)), ("10 000", False, ("10 000",)),
                  ("euroa", False, ("euroa",))])
    split = sent([("kostet", False, ("kostet",)), ("10", False, ("10",)),
                  ("000", False, ("000",)), ("Euro", False, ("Euro",))])
    assert S.spaced_numbers([whole] * 9 + [split]) and not S.spaced_numbers([whole])
    assert not S.spaced_numbers([whole] * 8 + [split]) and not S.spaced_numbers([split] * 3)
    f = S.CharFeatures(list("aeklmosu0123456789"), ["Ll", "Nd", "Zs", S.END, S.UNK])
    params = M.init_params(len(f), len(S.LABELS), 4, S.ARCH, 1)
    text = "maksaa 1 250 000 euroa tai 5 000 ja 100 000"
    y = np.array([-1 if c == " " else 0 for c in text])  # (whitespace alone cuts)
    first = np.array([0, text.index("000 ja")])  # (two lines: ... 5 | 000 ja 100 000)
    tokens = {}
    for rule in (False, True):
        seg = S.Segmenter(params, f, S.learn_multiword([]), False, {"spaced_numbers": rule})
        tokens[rule] = [[t.text for t in ts] for _, ts in seg._sentences(text, y, first, False)]
    assert tokens[False][0][:4] == ["maksaa", "1", "250", "000"]
    assert tokens[True] == [["maksaa", "1 250 000", "euroa", "tai", "5"], ["000", "ja", "100 000"]]
    arrays, meta = seg.export()
    assert S.Segmenter.load(arrays, meta).spaced_numbers is True
    assert "(10 000)" in " ".join(S.describe(S.summary(meta)))
    assert S.check_stored(arrays, {**meta, "spaced_numbers": "yes"}) == "spaced_numbers setting"


def test_a_spaced_number_is_one_token_in_conllu_output(fr_model, tmp_path):
    """End to end: with the rule (set here in the model file), `10 000` is one token and one
    word of the CoNLL-U output, its FORM with the space; the text is spelled back."""
    def change(name, a):
        if name == "meta":
            meta = json.loads(str(a))
            meta["tokenizer"]["spaced_numbers"] = True
            return np.array(json.dumps(meta))
        return a
    model = tmp_path / "num.npz"
    _rewrite(fr_model, model, change)
    r = CliRunner().invoke(cli, ["tag", "-", "-m", str(model), "--format", "conllu"],
                           input="Il paie 10 000 euros et 1 250 000 dollars.\n")
    assert r.exit_code == 0, r.output
    import conllu
    (s,) = conllu.parse(r.stdout)
    assert [t["form"] for t in s][2:7] == ["10 000", "euros", "et", "1 250 000", "dollars"]
    assert s.metadata["text"] == "Il paie 10 000 euros et 1 250 000 dollars."


def test_marks_attach_is_learned_and_no_token_starts_with_a_combining_mark():
    """A treebank that keeps combining marks on their letters (all but one in 1,000 of the marks
    after a character other than a space; Unicode's rule, so also a treebank without marks)
    teaches the tokenizer never to cut before one, where the network does on letters it has not
    seen (नमस ् ते); a treebank that cuts there keeps the network's cuts. Stored, described by
    info, checked on load; a tokenizer trained before has no such rule."""
    word = sent([("नमस्ते", False, ("नमस्ते",))])  # (two marks inside: ् and े)
    cut_before = sent([("नमस", True, ("नमस",)), ("्ते", False, ("्ते",))])
    assert S.marks_attach([word] * 1000 + [cut_before]) and S.marks_attach([])
    assert not S.marks_attach([word] * 100 + [cut_before])
    assert S.marks_attach([sent([("a", False, ("a",)), ("\u0301b", False, ("\u0301b",))])])  # (a space)
    f = S.CharFeatures(list("abc"), ["Ll", "Lo", "Mn", "Mc", "Po", "Zs", S.END, S.UNK])
    params = M.init_params(len(f), len(S.LABELS), 4, S.ARCH, 1)
    text = "नमस्ते ab\u0301c"
    y = np.array([-1 if c == " " else 1 for c in text])  # (the network ends a token everywhere)
    tokens = {}
    for rule in (False, True):
        seg = S.Segmenter(params, f, S.learn_multiword([]), False, {"marks_attach": rule})
        tokens[rule] = [(t.text, t.start, t.end) for _, ts in
                        seg._sentences(text, y, np.array([0]), False) for t in ts]
    assert tokens[False][2:4] == [("स", 2, 3), ("्", 3, 4)]
    assert tokens[True] == [("न", 0, 1), ("म", 1, 2), ("स्", 2, 4), ("ते", 4, 6), ("a", 7, 8),
                            ("b\u0301", 8, 10), ("c", 10, 11)]
    arrays, meta = seg.export()
    assert S.Segmenter.load(arrays, meta).marks_attach is True
    assert "no token starts with a combining mark" in " ".join(S.describe(S.summary(meta)))
    assert S.check_stored(arrays, {**meta, "marks_attach": "yes"}) == "marks_attach setting"
    old = {k: v for k, v in meta.items() if k != "marks_attach"}  # (trained before)
    assert S.check_stored(arrays, old) is None and not S.Segmenter.load(arrays, old).marks_attach


def test_a_learned_abbreviation_keeps_its_full_stop_where_no_sentence_ends():
    """The network splits `Inc` `.` where it takes the full stop for a sentence's end. Inside a
    line (no --split-sentences), or where the split is refused, the full stop of a learned
    abbreviation goes back on it; a word the treebank does not write with a full stop (`sun`)
    keeps its own, and so does the line's last token. Learned from the training file (written
    whole more often than split), stored, described by info, checked on load."""
    f = S.CharFeatures(list("abcdefghijklmnopqrstuvwxyzAIPS."),
                       ["Ll", "Lu", "Po", "Zs", S.END, S.UNK])
    params = M.init_params(len(f), len(S.LABELS), 4, S.ARCH, 1)
    text = "Acme Inc. Phone sun. Sun Inc."
    y = np.array([-1 if c == " " else 0 for c in text])
    y[[3, 7, 14, 18, 23, 27]] = 1  # Acme Inc Phone sun Sun Inc: the network's token ends
    y[[8, 19, 28]] = 2  # ... and full stops it took for sentence ends

    def cut(abbreviations, split=False, rules=None):
        seg = S.Segmenter(params, f, S.learn_multiword([]), False,
                          {"abbreviations": abbreviations, **(rules or {})})
        return seg, [[t.text for t in toks]
                     for _, toks in seg._sentences(text, y, np.array([0]), split)]
    assert cut([])[1] == [["Acme", "Inc", ".", "Phone", "sun", ".", "Sun", "Inc", "."]]
    seg, sents = cut(["inc."])
    assert sents == [["Acme", "Inc.", "Phone", "sun", ".", "Sun", "Inc", "."]]
    inc = [t for _, ts in seg._sentences(text, y, np.array([0]), False) for t in ts][1]
    assert inc == ("Inc.", 5, 9, ("Inc.",), True)  # (text, start, end, words, space after)
    assert cut(["inc."], split=True)[1] == [["Acme", "Inc", "."], ["Phone", "sun", "."],
                                            ["Sun", "Inc", "."]]  # (where sentences end)
    assert cut(["inc.", "sun."], split=True, rules={"final_period_split": True})[1][0] == \
        ["Acme", "Inc", "."]
    text = text.lower()  # (a cut refused: no sentence starts lower-case)
    assert cut(["inc."], split=True, rules={"upper_case_starts": True})[1] == \
        [["acme", "inc.", "phone", "sun", ".", "sun", "inc", "."]]
    words = [sent([("Inc.", True, ("Inc.",)), ("go", False, ("go",)), (".", False, (".",))])] * 2
    assert L.learn_abbreviations(words) == ["inc."]
    assert L.learn_abbreviations(words + [sent([("Inc", False, ("Inc",)),
                                                (".", False, (".",))])] * 2) == []
    arrays, meta = seg.export()
    assert S.Segmenter.load(arrays, meta).abbreviations == {"inc."}
    assert "1 abbreviation keeps its full stop inside a sentence (inc.)" in \
        " ".join(S.describe(S.summary(meta)))
    assert "2 abbreviations keep their full stop inside a sentence (inc., u.s.)" in \
        " ".join(S.describe(S.summary({**meta, "abbreviations": ["inc.", "u.s."]})))
    assert S.check_stored(arrays, {**meta, "abbreviations": ["Inc"]}) == "abbreviations"
    assert S.check_stored(arrays, {**meta, "abbreviations": "inc."}) == "abbreviations"
    old = {k: v for k, v in meta.items() if k != "abbreviations"}  # (trained before)
    assert S.check_stored(arrays, old) is None and not S.Segmenter.load(arrays, old).abbreviations


def test_the_rule_feature_of_its_lets_your_reads_the_next_word():
    """The rules split `its` before `not` (it s not) but not before `own`: the feature R of
    such a run is read with the run after it; a tokenizer stored without `context_rules` (trained
    before) reads it as if a word followed, as it was trained to."""
    f = S.CharFeatures(list("abcdefghijklmnopqrstuvwxyz"), ["Ll", "Lu", "Zs", S.END, S.UNK],
                       lexicon={"it", "s"})
    R = lambda text, feats=f: (feats.encode(text)[:, 2] - feats.match_base) % 3  # noqa: E731
    assert R("its not")[2] == 2 and R("its own")[2] == 1 and R("so its")[-1] == 1
    assert R("we lets go")[6] == 2 and R("lets")[3] == 1 and R("yours")[4] == 1
    assert R("outlets now")[6] == 1  # (not a context word: read as before)
    assert R("  its   own its  not ")[4] == 1 and R("  its   own its  not ")[14] == 2
    old = S.CharFeatures(f.chars, f.categories, f.lexicon, context_rules=False)
    assert R("its own", old)[2] == 2 and R("its not", old)[2] == 2  # ("its a": split)
    seg = S.Segmenter(M.init_params(len(f), len(S.LABELS), 4, S.ARCH, 1), f, S.learn_multiword([]),
                      False)
    arrays, meta = seg.export()
    assert meta["context_rules"] is True and S.Segmenter.load(arrays, meta).feats.context_rules
    del meta["context_rules"]
    assert not S.Segmenter.load(arrays, meta).feats.context_rules


def test_text_contradicting_the_forms_trains_a_tagger_without_tokenizer(tmp_path):
    lines = []
    for i in range(6):
        lines += [f"# text = something else {i}", "1\tJe\t_\tPRON\t_\t_\t_\t_\t_\t_",
                  "2\tmange\t_\tVERB\t_\t_\t_\t_\t_\t_", ""]
    corpus = tmp_path / "c.conllu"
    corpus.write_text("\n".join(lines), encoding="utf-8")
    out = tmp_path / "m.npz"
    r = CliRunner().invoke(cli, ["train", str(corpus), "-o", str(out), "--epochs", "1",
                                 "--hidden", "4", "--no-checkpoint"])
    assert r.exit_code == 0, r.output
    assert "no learned tokenizer" in r.output and "no usable surface text" in r.output
    tagger = Tagger.load(out)
    assert tagger.segmenter is None
    assert [w for w, _ in tagger.tag_text("Je mange.")] == ["Je", "mange", "."]  # the rules


def test_no_tokenizer_option_keeps_the_rules(tmp_path):
    corpus = write_fr(tmp_path / "fr.conllu")
    out = tmp_path / "m.npz"
    r = CliRunner().invoke(cli, ["train", str(corpus), "-o", str(out), "--epochs", "1",
                                 "--hidden", "4", "--no-checkpoint", "--no-tokenizer"])
    assert r.exit_code == 0, r.output
    assert Tagger.load(out).segmenter is None


def test_evaluate_raw_scores_sentences_with_split_sentences(fr_model, tmp_path):
    gold = write_fr(tmp_path / "gold.conllu")
    r = CliRunner().invoke(cli, ["evaluate", str(gold), "-m", str(fr_model), "--raw",
                                 "--split-sentences", "--json"])
    assert r.exit_code == 0, r.output
    scores = json.loads(r.stdout)
    assert scores["split_sentences"] and {"Tokens", "Sentences", "Words", "UPOS"} <= set(scores)
    assert scores["Sentences"]["gold"] == 11 and scores["Tokens"]["f1"] > 0.9
    r = CliRunner().invoke(cli, ["evaluate", str(gold), "-m", str(fr_model), "--raw",
                                 "--split-sentences"])
    assert r.exit_code == 0 and "\nSentences " in r.stdout and "split by the model" in r.stdout
    r = CliRunner().invoke(cli, ["evaluate", str(gold), "-m", str(fr_model), "--raw"])
    assert r.exit_code == 0 and "Sentences" not in r.stdout
    r = CliRunner().invoke(cli, ["evaluate", str(gold), "-m", str(fr_model), "--split-sentences"])
    assert r.exit_code == 2 and "goes with --raw" in r.output


def test_gold_paragraphs_follow_newpar_and_space_after():
    import conllu

    from postag_cli.rawtext import gold_paragraphs
    text = ("# newpar\n# text = A b.\n1\tA\t_\tX\t_\t_\t_\t_\t_\t_\n2\tb.\t_\tX\t_\t_\t_\t_\t_\t_\n\n"
            "# text = C\n1\tC\t_\tX\t_\t_\t_\t_\t_\tSpaceAfter=No\n\n"
            "# text = d\n1\td\t_\tX\t_\t_\t_\t_\t_\t_\n\n"
            "# newpar\n# text = E\n1\tE\t_\tX\t_\t_\t_\t_\t_\t_\n\n")
    assert gold_paragraphs(conllu.parse(text)) == ["A b. Cd", "E"]


def test_long_lines_control_characters_and_jobs(fr_model, tmp_path):
    """The raw-text guarantees with a learned tokenizer: a 100,000-character line (with spaces
    and without) is tagged, control characters never reach the output, and --jobs 2 writes
    what --jobs 1 does, in line and in sentence mode."""
    src = tmp_path / "in.txt"
    src.write_text("Il va au marché. " * 6_000 + "\n" + "x" * 100_000 + "\n"
                   + "Elle\x01parle\x7fdu film.\n", encoding="utf-8")
    for extra in ([], ["--split-sentences"]):
        outs = []
        for jobs in ("1", "2"):
            r = CliRunner().invoke(cli, ["tag", str(src), "-m", str(fr_model), "--format",
                                         "conllu", "--jobs", jobs, *extra])
            assert r.exit_code == 0, r.output
            outs.append(r.stdout)
        assert outs[0] == outs[1]
        assert not any(ord(c) < 32 and c not in "\t\n" or c == "\x7f" for c in outs[0])
        forms = [line.split("\t")[1] for line in outs[0].splitlines() if line[:1].isdigit()]
        assert forms.count("marché") == 6_000 and "".join(forms).count("x") == 100_000


def test_an_ensemble_of_seeds_shares_its_tokenizer(tmp_path):
    """The tokenizer does not depend on --seed, so the models of one corpus trained with
    different seeds tokenize alike and their ensemble tags raw text; with a model that cuts
    raw text otherwise (here by the rules) it is refused for raw text."""
    from postag_cli.tagger import load_tagger
    from postag_cli.training import TrainConfig, train
    corpus = write_fr(tmp_path / "fr.conllu")
    paths = []
    for seed in (1, 2):
        paths.append(tmp_path / f"s{seed}.npz")
        train(corpus, paths[-1], TrainConfig(epochs=1, hidden=4, seed=seed, gradcheck=False),
              log=lambda m: None, progress=False)
    both = load_tagger(paths)
    assert [w for w, _ in both.tag_text("Il va au marché.")] == ["Il", "va", "à", "le", "marché", "."]
    other = tmp_path / "rules.npz"  # the same data, no learned tokenizer: the rules
    train(corpus, other, TrainConfig(epochs=1, hidden=4, gradcheck=False), log=lambda m: None,
          progress=False, tokenizer=False)
    with pytest.raises(PostagError, match="tokenize raw text differently"):
        load_tagger([paths[0], other]).tag_text("Il va.")


def test_the_lexicon_is_capped_at_what_the_loader_accepts(tmp_path, monkeypatch):
    """A treebank with more distinct tokens than a model file may hold keeps the most frequent
    (a model that its own loader refused would be lost training)."""
    sents, _ = read_corpus(write_fr(tmp_path / "fr.conllu"), "upos")
    monkeypatch.setattr(S, "MAX_LEXICON", 5)
    lexicon = S.lexicon_of(sents)
    assert len(lexicon) == 5 and "." in lexicon  # (the full stop ends every sentence)
    seg, _ = S.learn(sents, config=S.SegmenterConfig(hidden=4, max_epochs=3))
    arrays, meta = seg.export()
    assert S.check_stored(arrays, meta) is None
