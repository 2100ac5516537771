"""The command line, through click's CliRunner: every command, its output and its errors."""

import json
import zipfile

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import write_fr, write_vi, write_zh

from postag_cli import __version__
from postag_cli import model as M
from postag_cli.cli import cli
from postag_cli.modelio import FORMAT_VERSION, load_model, save_model

COMMANDS = ["train", "tag", "evaluate", "gradcheck", "info"]


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input, prog_name="postag")


def assert_user_error(result, *fragments, code=2):
    """Exit code, a one-line message naming what is wrong, and no traceback."""
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    err = result.stderr.strip() if hasattr(result, "stderr") else result.output.strip()
    assert err.startswith("Error:") and "\n" not in err, err
    for f in fragments:
        assert f in err, (f, err)


@pytest.fixture(scope="module")
def model(tiny_corpus, tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "m.npz"
    r = run("train", tiny_corpus[0], "--dev", tiny_corpus[1], "-o", path, "--epochs", 8,
            "--hidden", 16, "--seed", 2, "--batch-size", 8,  # (50 sentences: 7 steps an epoch)
            "--no-tokenizer")  # (the rules: how models without a learned tokenizer cut text)
    assert r.exit_code == 0, r.output
    return path


def test_version_and_help():
    r = run("--version")
    assert r.exit_code == 0 and __version__ in r.output
    for c in COMMANDS:
        r = run(c, "--help")
        assert r.exit_code == 0 and "Example:" in r.output, c


def test_train_logs_to_stderr(tiny_corpus, tmp_path):
    r = run("train", tiny_corpus[0], "--dev", tiny_corpus[1], "-o", tmp_path / "m.npz",
            "--epochs", 2, "--hidden", 8)
    assert r.exit_code == 0
    assert r.stdout == ""
    assert "gradient check passed" in r.stderr and "epoch 2/2" in r.stderr
    assert "dev acc" in r.stderr and "tokens/s" in r.stderr
    assert load_model(tmp_path / "m.npz")[3]["epochs_run"] == 2


def test_tag_formats(model, tmp_path):
    text = "the big dog sees a cat .\n\nAnna likes the old bird .\n"
    r = run("tag", "-", "-m", model, "--pretokenized", input=text)
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0] == "the/DET big/ADJ dog/NOUN sees/VERB a/DET cat/NOUN ./PUNCT"
    assert lines[1] == "" and lines[2].startswith("Anna/NOUN likes/VERB")
    r = run("tag", "-", "-m", model, "--pretokenized", "--format", "tsv", "--probs", "--top-k", 2,
            input=text)
    rows = r.stdout.split("\n\n")[0].splitlines()
    assert rows[0].split("\t")[:2] == ["the", "DET"] and len(rows[0].split("\t")) == 5
    assert 0.0 <= float(rows[0].split("\t")[2]) <= 1.0
    r = run("tag", "-", "-m", model, "--format", "json", "--top-k", 3, input=text)
    objs = [json.loads(x) for x in r.stdout.splitlines()]
    assert [o["id"] for o in objs] == [1, 2] and objs[0]["tokens"][-1] == {
        "form": ".", "tag": "PUNCT", "top": objs[0]["tokens"][-1]["top"]}
    assert len(objs[0]["tokens"][0]["top"]) == 3
    out = tmp_path / "out.conllu"
    r = run("tag", "-", "-m", model, "--format", "conllu", "-o", out, input=text)
    assert r.exit_code == 0 and r.stdout == ""
    conllu_text = out.read_text()
    assert "# text = the big dog sees a cat ." in conllu_text
    assert "1\tthe\t_\tDET\t_\t_\t" in conllu_text
    # "." follows a space in the input, so no SpaceAfter=No; it attaches to the root, word 1
    assert "7\t.\t_\tPUNCT\t_\t_\t1\tpunct\t_\t_\n" in conllu_text


def test_raw_text_without_spaces_is_segmented_by_the_training_words(tmp_path):
    """Chinese raw text is cut into the model's training words (longest first; 北京大学, not a
    training word, becomes 北京 大学), with SpaceAfter=No inside; a model of a language with
    spaces leaves such text whole (test_tokenizer)."""
    corpus = write_zh(tmp_path / "zh.conllu")
    model = tmp_path / "zh.npz"
    r = run("train", corpus, "-o", model, "--epochs", 30, "--hidden", 8, "--char-hidden", 4,
            "--no-checkpoint", "--skip-gradcheck")
    assert r.exit_code == 0, r.output
    from postag_cli.tagger import Tagger
    assert Tagger.load(model).lexicon.nospace == {"我们", "今天", "参观", "大学", "喜欢", "北京", "手机"}
    for jobs in ("1", "2"):
        r = run("tag", "-", "-m", model, "--jobs", jobs, "--format", "conllu",
                input="我们今天参观北京大学。\n")
        assert r.exit_code == 0, r.output
        rows = [x.split("\t") for x in r.stdout.splitlines() if x and not x.startswith("#")]
        assert [x[1] for x in rows] == ["我们", "今天", "参观", "北京", "大学", "。"]
        assert [x[9] for x in rows] == ["SpaceAfter=No"] * 5 + ["_"]
        assert "# text = 我们今天参观北京大学。" in r.stdout
    assert [w for w, _ in Tagger.load(model).tag_text("他喜欢手机。")] == ["他", "喜欢", "手机", "。"]
    r = run("evaluate", corpus, "-m", model, "--raw", "--json")  # the gold file's own text
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["Tokens"]["f1"] == 1.0


def test_raw_text_gets_the_words_with_spaces_of_the_training_data(tmp_path):
    """A Vietnamese model keeps the words its training data writes with a space (sinh viên,
    Hà Nội: each at least twice) whole in raw text, in the text's case; train logs them, info
    lists them, and --jobs 2 gives the same CoNLL-U."""
    corpus = write_vi(tmp_path / "vi.conllu")
    model = tmp_path / "vi.npz"
    r = run("train", corpus, "-o", model, "--epochs", 30, "--hidden", 8, "--char-hidden", 4,
            "--no-checkpoint", "--skip-gradcheck", "--no-tokenizer")  # (the lexicon's way)
    assert r.exit_code == 0, r.output
    line = "4 words with spaces kept whole (chúng tôi, giáo viên, hà nội, sinh viên)"
    assert "raw text: " + line in r.stderr
    assert "raw text        " + line + "\n" in run("info", model).stdout
    outputs = []
    for jobs in ("1", "2"):
        r = run("tag", "-", "-m", model, "--jobs", jobs, "--format", "conllu",
                input="Chúng tôi là sinh viên ở HÀ NỘI.\n")
        assert r.exit_code == 0, r.output
        outputs.append(r.stdout)
        rows = [x.split("\t") for x in r.stdout.splitlines() if x and not x.startswith("#")]
        assert [x[1] for x in rows] == ["Chúng tôi", "là", "sinh viên", "ở", "HÀ NỘI", "."]
    assert outputs[0] == outputs[1]
    import unicodedata
    text = "Chúng tôi là sinh viên ở Hà Nội.\n"
    nfd = unicodedata.normalize("NFD", text)
    assert nfd != text
    for fmt in ("tagged", "tsv", "json", "conllu"):  # decomposed input: the same words, tags
        assert run("tag", "-", "-m", model, "--format", fmt, input=nfd).stdout == \
            run("tag", "-", "-m", model, "--format", fmt, input=text).stdout
    assert "sinh viên/" in run("tag", "-", "-m", model, input=nfd).stdout
    from postag_cli.tagger import Tagger
    assert Tagger.load(model).is_known(unicodedata.normalize("NFD", "Hà Nội"))
    r = run("tag", "-", "-m", model, "--pretokenized", input="sinh viên\n")  # split as given
    assert [t.rsplit("/", 1)[0] for t in r.stdout.split()] == ["sinh", "viên"]


def test_raw_text_gets_the_multiword_tokens_of_the_training_data(tmp_path):
    """A French model expands du -> de le and au -> à le in raw text (written so in its
    training data, in the token's case), but not des (as often the article), splits off the
    elided words it was trained on (J'aime -> J' aime), keeps its hyphenated words and
    abbreviations (bd.) whole; the CoNLL-U
    output has range lines, and against the training file's own text every word is found
    but the des = de les of the last sentence."""
    corpus = write_fr(tmp_path / "fr.conllu")
    model = tmp_path / "fr.npz"
    r = run("train", corpus, "-o", model, "--epochs", 30, "--hidden", 8, "--char-hidden", 4,
            "--no-checkpoint", "--skip-gradcheck", "--no-tokenizer")  # (the lexicon's way)
    assert r.exit_code == 0, r.output
    assert "raw text: 2 multiword tokens (au = à le, du = de le)" in r.stderr
    from postag_cli.tagger import Tagger
    assert Tagger.load(model).lexicon.expansions == {"au": ["à", "le"], "du": ["de", "le"]}
    assert "raw text        2 multiword tokens (au = à le, du = de le)\n" \
        "raw text        hyphenated words are one token (peut-être)\n" \
        "raw text        1 abbreviation kept whole (bd.)\n" \
        "raw text        2 elided words split off (j' l')\n" in run("info", model).stdout
    assert "raw text: 2 elided words split off (j' l')" in r.stderr
    for jobs in ("1", "2"):
        r = run("tag", "-", "-m", model, "--jobs", jobs, "--format", "conllu",
                input="Du pain au marché, des pommes.\n")
        assert r.exit_code == 0, r.output
        rows = [x.split("\t") for x in r.stdout.splitlines() if x and not x.startswith("#")]
        assert [x[0] + " " + x[1] for x in rows][:8] == [
            "1-2 Du", "1 De", "2 le", "3 pain", "4-5 au", "4 à", "5 le", "6 marché"]
        assert [x[1] for x in rows][8:] == [",", "des", "pommes", "."]
    assert [w for w, _ in Tagger.load(model).tag_text("Il mange du pain.")] == \
        ["Il", "mange", "de", "le", "pain", "."]
    # the elided words of the training data are split off (but for an English model), and
    # hyphenated words stay whole, as in the training data (English splits them)
    assert [w for w, _ in Tagger.load(model).tag_text("J'aime l'homme.")] == \
        ["J'", "aime", "l'", "homme", "."]
    assert [w for w, _ in Tagger.load(model).tag_text("Jean-Luc mange peut-être du pain.")] \
        == ["Jean-Luc", "mange", "peut-être", "de", "le", "pain", "."]
    assert [w for w, _ in Tagger.load(model).tag_text("Il habite bd. Voltaire, av. Foch.")] \
        == ["Il", "habite", "bd.", "Voltaire", ",", "av", ".", "Foch", "."]  # (av.: unseen)
    r = run("tag", "-", "-m", model, "--split-sentences", input="Il va bd. raspail. Il mange.\n")
    assert [[t.rsplit("/", 1)[0] for t in line.split()] for line in r.stdout.splitlines()] \
        == [["Il", "va", "bd.", "raspail", "."], ["Il", "mange", "."]]  # bd. ends no sentence
    r = run("evaluate", corpus, "-m", model, "--raw", "--json")
    assert r.exit_code == 0, r.output
    scores = json.loads(r.stdout)
    # 59 gold words, 58 system words (des whole), 57 of them right
    assert scores["Tokens"]["f1"] == 1.0 and scores["Words"]["f1"] == pytest.approx(114 / 117)


@pytest.fixture(scope="module")
def english_model(sample_train, tmp_path_factory):
    """A model trained on English with EWT's multiword splits (the sample has n't)."""
    path = tmp_path_factory.mktemp("en") / "m.npz"
    r = run("train", sample_train, "-o", path, "--epochs", 1, "--hidden", 8, "--char-hidden", 4,
            "--no-checkpoint", "--skip-gradcheck", "--no-tokenizer")
    assert r.exit_code == 0, r.output
    return path


def test_tag_raw_text_tokenizes(english_model):
    r = run("tag", "-", "-m", english_model, "--format", "conllu",
            input="the dog doesn't see Anna's cat.\n")
    assert r.exit_code == 0, r.output
    lines = [x for x in r.stdout.splitlines() if x and not x.startswith("#")]
    forms = [x.split("\t")[1] for x in lines]
    assert forms[:5] == ["the", "dog", "doesn't", "does", "n't"]
    assert lines[2].startswith("3-4\tdoesn't")
    assert forms[-1] == "." and lines[-2].endswith("SpaceAfter=No")


def test_english_multiword_splits_only_for_a_model_trained_on_them(model, english_model):
    """A model whose training data never split n't (any other language, or this toy grammar)
    gets one word per token: German "Gib's" and "don't" stay whole; punctuation is still
    split off. The same text with an English model, and with --jobs 2."""
    text = "Gib's mir! I don't know, payers' gonna pay.\n"
    for jobs in ("1", "2"):
        r = run("tag", "-", "-m", model, "--jobs", jobs, input=text)
        assert r.exit_code == 0, r.output
        assert [t.rsplit("/", 1)[0] for t in r.stdout.split()] == \
            ["Gib's", "mir", "!", "I", "don't", "know", ",", "payers'", "gonna", "pay", "."]
        r = run("tag", "-", "-m", english_model, "--jobs", jobs, input=text)
        assert [t.rsplit("/", 1)[0] for t in r.stdout.split()] == \
            ["Gib", "'s", "mir", "!", "I", "do", "n't", "know", ",", "payers", "'", "gon", "na",
             "pay", "."]
    from postag_cli.tagger import Tagger
    assert not Tagger.load(model).multiword and Tagger.load(english_model).multiword
    assert not Tagger.load(english_model).lexicon.expansions  # English has its rules instead
    assert Tagger.load(model).tag_text("I don't")[1][0] == "don't"


def test_tag_retags_conllu_keeping_everything_else(model, tmp_path):
    src = tmp_path / "in.conllu"
    src.write_text("# newdoc id = d1\n# sent_id = x\n# text = the dog sees a cat.\n"
                   "1\tthe\tthe\tX\tDT\t_\t2\tdet\t_\t_\n"
                   "2\tdog\tdog\tX\tNN\tNumber=Sing\t3\tnsubj\t_\t_\n"
                   "3-4\tsees\t_\t_\t_\t_\t_\t_\t_\t_\n"
                   "3\tsee\tsee\tX\tVBZ\t_\t0\troot\t_\t_\n"
                   "4\ts\ts\tX\t_\t_\t3\tdep\t_\t_\n"
                   "4.1\tghost\t_\tX\t_\t_\t_\t_\t3:dep\t_\n"
                   "5\ta\ta\tX\tDT\t_\t6\tdet\t_\t_\n"
                   "6\tcat\tcat\tX\tNN\t_\t3\tobj\t_\tSpaceAfter=No\n"
                   "7\t.\t.\tX\t.\t_\t3\tpunct\t_\t_\n\n", encoding="utf-8")
    r = run("tag", src, "-m", model, "--input-format", "conllu", "--probs")
    assert r.exit_code == 0, r.output
    out = r.stdout.splitlines()
    src_lines = src.read_text().splitlines()
    assert out[:3] == src_lines[:3] and len(out) == len(src_lines)
    for a, b in zip(out[3:], src_lines[3:]):
        ca, cb = a.split("\t"), b.split("\t")
        assert ca[:3] == cb[:3] and ca[4:9] == cb[4:9]
    assert out[3].split("\t")[3] == "DET" and out[5].split("\t")[3] == "_"  # range line kept
    assert out[8].split("\t")[3] == "X"  # empty node kept as it was
    assert out[10].split("\t")[9].startswith("SpaceAfter=No|TagProb=")


def test_evaluate(model, tiny_corpus):
    r = run("evaluate", tiny_corpus[1], "-m", model)
    assert r.exit_code == 0, r.output
    assert "accuracy" in r.stdout and "unseen words" in r.stdout and "NOUN" in r.stdout
    r = run("evaluate", tiny_corpus[1], "-m", model, "--json", "--errors", 3)
    d = json.loads(r.stdout)
    assert d["words"] == d["known_words"] + d["unseen_words"] > 0
    assert 0 <= d["accuracy"] <= 1 and set(d["per_tag"]) >= {"DET", "NOUN", "VERB"}
    assert d["accuracy_ci95"][0] <= d["accuracy"] <= d["accuracy_ci95"][1]


def test_info(model):
    r = run("info", model)
    assert r.exit_code == 0, r.output
    assert "birnn" in r.stdout and "learning curve" in r.stdout and "verified" in r.stdout
    assert "word dropout 0.25, feature dropout 0.5, adversarial training 1.0 (every sentence)" \
        in r.stdout
    d = json.loads(run("info", model, "--json").stdout)
    assert d["arch"] == "birnn" and d["hidden"] == 16 and len(d["history"]) == 8
    assert d["training"]["feature_dropout"] == 0.5


def test_gradcheck_command():
    r = run("gradcheck", "--checks", 5)
    assert r.exit_code == 0, r.output
    assert "max rel err" in r.stdout and r.stdout.strip().splitlines()[-1].startswith("PASSED")
    for args in (["--arch", "rnn", "--features", "word"], ["--layers", "2"]):
        assert run("gradcheck", "--checks", 3, *args).exit_code == 0


def test_train_jobs(tiny_corpus, tmp_path):
    outs = []
    for jobs in (1, 2):
        r = run("train", tiny_corpus[0], "-o", tmp_path / f"m{jobs}.npz", "--epochs", 2,
                "--hidden", 8, "--jobs", jobs, "--skip-gradcheck", "--no-tokenizer")
        assert r.exit_code == 0, r.output
        outs.append(load_model(tmp_path / f"m{jobs}.npz"))
    assert outs[0][3]["weights_sha256"] == outs[1][3]["weights_sha256"]  # same model
    r = run("train", tiny_corpus[0], "-o", tmp_path / "x.npz", "--jobs", 0)
    assert r.exit_code == 2 and "--jobs must be at least 1" in r.stderr


def scale_gradient(monkeypatch, name, factor):
    """Plant a bug: the gradient of parameter `name` comes out multiplied by `factor`."""
    real = M.loss_and_grads

    def buggy(*a, **kw):
        loss, grads = real(*a, **kw)
        if name in grads:  # (a model without this parameter is unaffected)
            grads[name] = grads[name] * factor
        return loss, grads

    monkeypatch.setattr(M, "loss_and_grads", buggy)


def test_gradcheck_command_fails_on_a_bug(monkeypatch):
    scale_gradient(monkeypatch, "by", 1.01)
    r = run("gradcheck", "--checks", 5)
    assert r.exit_code == 1
    assert r.stdout.strip().splitlines()[-1] == (
        "FAILED: gradient check failed for by in the default model; by in the seed "
        "architecture; by in the other options; by in the dropout masks; by in the tokenizer")
    r = run("gradcheck", "--checks", 5, "--arch", "rnn")  # one configuration
    assert r.exit_code == 1
    assert r.stdout.strip().splitlines()[-1] == "FAILED: gradient check failed for by"


def test_gradcheck_without_options_checks_every_option(monkeypatch):
    """A bug in a part only an option uses (here the CRF output layer, off by default) is
    caught by the plain `postag gradcheck`."""
    r = run("gradcheck", "--checks", 3)
    assert r.exit_code == 0 and r.stdout.strip().splitlines()[-1].startswith(
        "PASSED: 5 configurations"), r.output
    names = {line.split()[0] for line in r.stdout.splitlines() if line[:1].isalpha()}
    assert {"Wxh", "Wxc", "Whc", "bc", "Wcx", "Whh", "bh", "Wxh1", "Whh1", "bh1",
            "Why", "by", "Wyy"} <= names
    scale_gradient(monkeypatch, "Wyy", 1.01)
    r = run("gradcheck", "--checks", 3)
    assert r.exit_code == 1
    assert r.stdout.strip().splitlines()[-1] == \
        "FAILED: gradient check failed for Wyy in the other options"


def test_gradcheck_checks_the_dropout_masks():
    """The fourth configuration holds dropout masks fixed; --dropout-masks checks one
    configuration with them."""
    r = run("gradcheck", "--checks", 3)
    assert "dropout masks fixed (output 0.5, recurrent 0.25, input 0.2)" in r.stdout
    assert r.stdout.count("dropout off") == 4  # (the fourth: the tokenizer's network)
    r = run("gradcheck", "--checks", 3, "--arch", "rnn", "--dropout-masks")
    assert r.exit_code == 0 and "dropout masks fixed" in r.stdout, r.output


def test_gradcheck_checks_the_adversarial_pass(monkeypatch):
    """The default model and the other options are checked with the adversarial pass, its
    perturbation held fixed, and the gradient with respect to it (r_adv) checked too."""
    r = run("gradcheck", "--checks", 3)
    assert r.exit_code == 0, r.output
    rows = [line.split()[0] for line in r.stdout.splitlines() if line.startswith("r_adv")]
    assert len(rows) == 3  # all but the seed architecture
    assert "adversarial pass 1.0 (every sentence)" in r.stdout  # the default model
    assert "adversarial pass 1.0 (1 sentence in 2)" in r.stdout  # the other options
    r = run("gradcheck", "--checks", 3, "--adversarial", 0)
    assert r.exit_code == 0 and "r_adv" not in r.stdout and "adversarial pass none" in r.stdout
    r = run("gradcheck", "--checks", 3, "--adversarial", 0.5, "--adversarial-stride", 3)
    assert r.exit_code == 0 and "r_adv" in r.stdout and "0.5 (1 sentence in 3)" in r.stdout
    for args in (["--adversarial", "-1"], ["--adversarial", "nan"], ["--adversarial-stride", "0"]):
        assert_user_error(run("gradcheck", *args), args[0])
    scale_gradient(monkeypatch, "r_adv", 1.01)
    r = run("gradcheck", "--checks", 3)
    assert r.exit_code == 1
    assert r.stdout.strip().splitlines()[-1] == (
        "FAILED: gradient check failed for r_adv in the default model; r_adv in the other "
        "options; r_adv in the dropout masks")


def test_train_stops_when_gradcheck_fails(monkeypatch, tiny_corpus, tmp_path):
    scale_gradient(monkeypatch, "bh", 0)
    r = run("train", tiny_corpus[0], "-o", tmp_path / "m.npz", "--epochs", 1)
    assert_user_error(r, "gradient check failed", "bh", code=1)
    assert not (tmp_path / "m.npz").exists()


# -- bad input ----------------------------------------------------------------------------------


def test_missing_and_empty_files(model, tmp_path):
    assert_user_error(run("train", tmp_path / "nope.conllu"), "nope.conllu", "no such file")
    empty = tmp_path / "empty.conllu"
    empty.write_text("")
    assert_user_error(run("train", empty, "-o", tmp_path / "m.npz"), "empty.conllu", "no sentences")
    assert_user_error(run("tag", tmp_path / "nope.txt", "-m", model), "nope.txt")
    assert_user_error(run("evaluate", empty, "-m", model), "empty.conllu")
    assert not (tmp_path / "m.npz").exists()


def test_bad_bytes_and_columns(model, tmp_path):
    bad = tmp_path / "latin1.conllu"
    bad.write_bytes("1\tcaf\xe9\t_\tNOUN\t_\t_\t_\t_\t_\t_\n\n".encode("latin-1"))
    assert_user_error(run("train", bad, "-o", tmp_path / "m.npz"), "latin1.conllu:1:", "UTF-8")
    txt = tmp_path / "latin1.txt"
    txt.write_bytes(b"fine line\ncaf\xe9\n")
    assert_user_error(run("tag", txt, "-m", model, "-o", tmp_path / "out.txt"), "latin1.txt:2:")
    assert not (tmp_path / "out.txt").exists()
    cols = tmp_path / "cols.conllu"
    cols.write_text("# text = a b\n1\ta\t_\tDET\t_\t_\t_\t_\t_\t_\n2\tb\t_\tNOUN\t_\t_\t_\t_\t_\n\n")
    assert_user_error(run("evaluate", cols, "-m", model), "cols.conllu:3:", "10 tab-separated columns")
    ids = tmp_path / "ids.conllu"
    ids.write_text("1\ta\t_\tDET\t_\t_\t_\t_\t_\t_\nx\tb\t_\tNOUN\t_\t_\t_\t_\t_\t_\n\n")
    assert_user_error(run("train", ids, "-o", tmp_path / "m.npz"), "ids.conllu:2:", "bad ID")
    assert not (tmp_path / "m.npz").exists()


def test_tag_column_empty_everywhere(tmp_path):
    f = tmp_path / "untagged.conllu"
    f.write_text("1\ta\t_\t_\t_\t_\t_\t_\t_\t_\n2\tb\t_\t_\t_\t_\t_\t_\t_\t_\n\n")
    assert_user_error(run("train", f, "-o", tmp_path / "m.npz"), "untagged.conllu", "UPOS column is _")
    assert_user_error(run("train", f, "-o", tmp_path / "m.npz", "--tag-column", "xpos"), "XPOS")


def test_bad_models(tiny_corpus, tmp_path, model):
    notmodel = tmp_path / "notmodel.npz"
    notmodel.write_text("hello")
    assert_user_error(run("tag", "-", "-m", notmodel, input="a\n"), "notmodel.npz", "not a postag model")
    # an .npz holding object arrays
    objs = tmp_path / "objects.npz"
    np.savez(objs, magic=np.array("postag-model"), meta=np.array([{"a": 1}], dtype=object))
    assert_user_error(run("evaluate", tiny_corpus[1], "-m", objs), "objects.npz", "objects")
    # a newer format
    params, feats, tags, meta, _ = load_model(model)
    newer = tmp_path / "newer.npz"
    save_model(newer, params, feats, tags, meta, chars=meta["chars"])
    with zipfile.ZipFile(newer) as z:
        members = {n: z.read(n) for n in z.namelist()}
    import io
    buf = io.BytesIO()
    np.save(buf, np.array(FORMAT_VERSION + 1, dtype=np.int64))
    members["format_version.npy"] = buf.getvalue()
    with zipfile.ZipFile(newer, "w") as z:
        for n, b in members.items():
            z.writestr(n, b)
    assert_user_error(run("tag", "-", "-m", newer, input="a\n"), "newer.npz", "upgrade")
    # no model at all
    assert_user_error(run("tag", "-", "-m", tmp_path / "none.npz", input="a\n"), "none.npz")
    assert_user_error(run("evaluate", tiny_corpus[1], "-m", tmp_path / "none.npz"), "none.npz")


def test_output_paths(tiny_corpus, tmp_path, model):
    assert_user_error(run("train", tiny_corpus[0], "-o", tmp_path / "no" / "m.npz"), "does not exist")
    assert_user_error(run("train", tiny_corpus[0], "-o", tiny_corpus[0]), "overwrite")
    src = tmp_path / "in.txt"
    src.write_text("a b\n")
    assert_user_error(run("tag", src, "-m", model, "-o", src), "overwrite")
    assert src.read_text() == "a b\n"


def test_verify(model, tmp_path):
    assert run("tag", "-", "-m", model, "--verify", input="a\n").exit_code == 0
    params, feats, tags, meta, _ = load_model(model)
    tampered = tmp_path / "t.npz"
    save_model(tampered, params, feats, tags, meta, chars=meta["chars"])  # the true sha256 ...
    p2 = dict(params)
    p2["by"] = p2["by"] + 1
    from postag_cli import modelio
    real = modelio.weights_sha256
    try:  # ... then write other weights under the old hash
        modelio.weights_sha256 = lambda p: meta["weights_sha256"]
        save_model(tampered, p2, feats, tags, meta, chars=meta["chars"])
    finally:
        modelio.weights_sha256 = real
    assert_user_error(run("tag", "-", "-m", tampered, "--verify", input="a\n"), "sha256")


def test_train_options_come_from_the_settings_declarations():
    """Each setting is declared once (settings.py): `train` has an option per setting, with its
    default and help, and what the option passes reaches TrainConfig unchanged."""
    from dataclasses import asdict

    from postag_cli.cli import train as train_command
    from postag_cli.settings import TrainConfig, declared
    options = {p.name: p for p in train_command.params}
    for f in declared():
        assert f.name in options, f.name
        assert options[f.name].default == f.default and options[f.name].help == f.metadata["help"]
    ctx = train_command.make_context("train", ["corpus.conllu"])
    assert {k: ctx.params[k] for k in asdict(TrainConfig()) if k != "gradcheck"} == \
        {k: v for k, v in asdict(TrainConfig()).items() if k != "gradcheck"}
    r = run("train", "--help")
    assert "Hidden units per direction (0: 192, or 128 for a corpus under 750 sentences). " \
        "[default: 0]" in " ".join(r.output.split())


def test_train_help_lists_the_everyday_options_and_help_all_the_tuning_ones_too():
    """`train --help` stays short (at most 25 options, issue 21); the tuning settings are behind
    --help-all, and still work as options."""
    from postag_cli.settings import declared, option_name, tuning_names
    short, full = run("train", "--help").output, run("train", "--help-all").output
    listed = [line.split()[0].rstrip(",") for line in short.splitlines() if line.startswith("  -")]
    assert 10 <= len(listed) <= 25 and "--help-all" in listed and "--epochs" in listed
    tuning = {option_name(f) for f in declared() if f.name in tuning_names()}
    assert f"{len(tuning)} tuning options" in " ".join(short.split())
    assert len(tuning) >= 10 and not tuning & set(listed)
    assert "Tuning options:" in full and all(f"  {o} " in full for o in tuning)
    assert full.index("--jobs") < full.index("Tuning options:") < full.index("--lr-embed")
    r = run("train", "corpus.conllu", "--dropout", "1.5")  # (a tuning option is an option)
    assert r.exit_code == 2 and "--dropout must be in [0, 1), not 1.5" in r.output


def test_train_with_crf_tags_and_refuses_a_model_without_its_transitions(tiny_corpus, tmp_path):
    m = tmp_path / "crf.npz"
    r = run("train", tiny_corpus[0], "-o", m, "--epochs", 3, "--hidden", 8, "--crf",
            "--average-snapshots", 2)
    assert r.exit_code == 0 and "gradient check passed" in r.stderr, r.output
    params = load_model(m)[0]
    assert params["Wyy"].shape == (params["by"].shape[0] + 1, params["by"].shape[0])
    info = run("info", m).stdout
    assert "CRF output" in info and "(2 per epoch)" in info
    r = run("tag", "-m", m, "--pretokenized", "-", input="the big dog sees a cat .\n")
    assert r.exit_code == 0 and len(r.stdout.split()) == 7 and "/" in r.stdout
    r = run("evaluate", tiny_corpus[1], "-m", m)
    assert r.exit_code == 0, r.output
    # the same weights without the transition matrix: refused, not guessed
    import numpy as np
    with np.load(m, allow_pickle=False) as z:
        members = {k: z[k] for k in z.files if k != "param.Wyy"}
    np.savez(tmp_path / "broken.npz", **members)
    assert_user_error(run("tag", "-m", tmp_path / "broken.npz", "--pretokenized", "-",
                          input="a cat\n"), "broken.npz", "Wyy")


def test_evaluate_without_unseen_words_says_so(model, tiny_corpus):
    """On its own training file every word is known: no unseen-word accuracy is made up."""
    import json

    r = run("evaluate", tiny_corpus[0], "-m", model)
    assert r.exit_code == 0 and "unseen words    -  (0 words)" in r.stdout, r.output
    r = run("evaluate", tiny_corpus[0], "-m", model, "--json")
    d = json.loads(r.stdout)
    assert d["unseen_words"] == 0 and d["unseen_accuracy"] is None and d["known_accuracy"] > 0


# ---------------------------------------------------------------------------------------------
# paths, usage and settings that are refused before any work (found by probing the CLI)

FAST = ["--epochs", 1, "--hidden", 4, "--char-hidden", 0, "--skip-gradcheck", "--jobs", 1]


def test_no_output_overwrites_an_input_or_another_output(tiny_corpus, tmp_path, model):
    corpus = tmp_path / "c.conllu"
    corpus.write_bytes(open(tiny_corpus[0], "rb").read())
    before = corpus.read_bytes()
    out = tmp_path / "m.npz"
    for args, phrase in (
            (["--checkpoint", corpus], "checkpoint (--checkpoint) would overwrite the training file"),
            (["--dev", tiny_corpus[1], "--checkpoint", tiny_corpus[1]], "the dev file"),
            (["--checkpoint", out], "would overwrite the output (-o)"),
            (["--log-file", corpus], "log file (--log-file) would overwrite the training file"),
            (["--log-file", out], "would overwrite the output (-o)")):
        assert_user_error(run("train", corpus, "-o", out, *FAST, *args), phrase)
        assert corpus.read_bytes() == before and not out.exists()
    assert_user_error(run("train", corpus, "-o", "-", *FAST), "-o -")
    # resuming from the checkpoint that training goes on writing is allowed
    assert run("train", corpus, "-o", out, *FAST, "--checkpoint", tmp_path / "k.ckpt",
               "--keep-checkpoint").exit_code == 0
    r = run("train", corpus, "-o", out, *FAST, "--epochs", 2, "--checkpoint", tmp_path / "k.ckpt",
            "--resume", tmp_path / "k.ckpt")
    assert r.exit_code == 0, r.output
    # tag: the output cannot be a model (directly or through a symbolic link)
    mine = tmp_path / "mine.npz"
    mine.write_bytes(open(model, "rb").read())
    (tmp_path / "link.npz").symlink_to(mine)
    for o in (mine, tmp_path / "link.npz"):
        assert_user_error(run("tag", "-", "-m", mine, "-o", o, input="a b\n"), "would overwrite the model")
    assert load_model(mine)


def test_log_file_checked_before_training(tiny_corpus, tmp_path):
    out = tmp_path / "m.npz"
    assert_user_error(run("train", tiny_corpus[0], "-o", out, *FAST, "--log-file",
                          tmp_path / "no" / "log.jsonl"), "log.jsonl", "does not exist")
    assert not out.exists() and not (tmp_path / "m.npz.ckpt").exists()
    r = run("train", tiny_corpus[0], "-o", out, *FAST, "--epochs", 2, "--log-file", tmp_path / "log")
    assert r.exit_code == 0 and len((tmp_path / "log").read_text().splitlines()) == 2


def test_train_reads_stdin(tiny_corpus, tmp_path):
    data = open(tiny_corpus[0], "rb").read()
    r = run("train", "-", "-o", tmp_path / "s.npz", *FAST, input=data)
    assert r.exit_code == 0, r.output
    run("train", tiny_corpus[0], "-o", tmp_path / "f.npz", *FAST)
    s, f = load_model(tmp_path / "s.npz"), load_model(tmp_path / "f.npz")
    import hashlib
    assert s[3]["corpus"] == "<stdin>" and s[3]["corpus_sha256"] == hashlib.sha256(data).hexdigest()
    assert s[3]["corpus_sha256"] == f[3]["corpus_sha256"]
    assert all(np.array_equal(s[0][k], f[0][k]) for k in s[0])  # the same model
    assert_user_error(run("train", "-", "--dev", "-", "-o", tmp_path / "x.npz", *FAST, input=data),
                      "both be stdin")


@pytest.mark.parametrize("args,phrase", [
    (["--layers", 17], "--layers must be at most 16"),
    (["--hidden", 9000], "--hidden must be at most 8192"),
    (["--char-hidden", 9000], "--char-hidden must be at most 8192"),
    (["--word-dropout", "inf"], "--word-dropout must be a finite number"),
    (["--lr", "nan"], "--lr must be a finite number"),
])
def test_settings_a_model_file_could_not_hold_are_refused(tiny_corpus, tmp_path, args, phrase):
    assert_user_error(run("train", tiny_corpus[0], "-o", tmp_path / "m.npz", *FAST, *args), phrase)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("args,phrase", [
    (["train"], "Missing argument 'CORPUS'. (see 'postag train --help')"),
    (["train", "."], "is a directory"),
    (["nosuch"], "No such command 'nosuch'"),
    (["--bogus"], "No such option '--bogus'. (see 'postag --help')"),
    (["tag", "--format", "xml"], "'xml' is not one of"),
    (["info", "--json", "no/such.npz"], "no such model file"),
    (["info", "-"], "-: a model is read from a file, not from stdin"),
])
def test_usage_errors_are_one_line(args, phrase):
    assert_user_error(run(*args), phrase)


def test_tag_conllu_input_in_other_formats(model, tiny_corpus):
    r = run("tag", tiny_corpus[1], "--input-format", "conllu", "-m", model, "--format", "json")
    assert r.exit_code == 0, r.output
    first = json.loads(r.stdout.splitlines()[0])
    assert first["id"] == 1 and first["sent_id"] == "s1"  # (the input's own id)
    assert [t["form"] for t in first["tokens"]] == first["text"].split()
    r = run("tag", tiny_corpus[1], "--input-format", "conllu", "-m", model, "--format", "tagged")
    assert r.exit_code == 0 and "/DET " in r.stdout and "\t" not in r.stdout
    r = run("tag", tiny_corpus[1], "--input-format", "conllu", "-m", model)  # default: CoNLL-U
    assert r.stdout.startswith("#") and "\t" in r.stdout
    assert_user_error(run("tag", tiny_corpus[1], "--input-format", "conllu", "-m", model,
                          "--pretokenized"), "apply to text input")


def test_tag_reads_conllu_without_being_told(model, tiny_corpus, tmp_path):
    """--input-format auto (the default): a .conllu name, or CoNLL-U content under any name or
    on stdin, is retagged as CoNLL-U, the same as with --input-format conllu; text stays text;
    --input-format text overrides."""
    told = run("tag", tiny_corpus[1], "--input-format", "conllu", "-m", model)
    assert told.exit_code == 0 and told.stdout.startswith("#")
    assert run("tag", tiny_corpus[1], "-m", model).stdout == told.stdout
    content = tiny_corpus[1].read_text(encoding="utf-8")
    other = tmp_path / "dev.txt"  # CoNLL-U under a name that says nothing
    other.write_text(content, encoding="utf-8")
    assert run("tag", other, "-m", model).stdout == told.stdout
    assert run("tag", "-", "-m", model, input=content).stdout == told.stdout
    assert run("tag", "-", "-m", model, "--jobs", 2, input=content).stdout == told.stdout
    r = run("tag", tiny_corpus[1], "-m", model, "--input-format", "text")
    assert r.exit_code == 0 and "sent_id/" in r.stdout  # its lines, tagged as text
    r = run("tag", "-", "-m", model, input="# A heading\nthe dog runs\n")
    assert r.exit_code == 0 and r.stdout.splitlines()[1].startswith("the/")
    assert_user_error(run("tag", other, "-m", model, "--split-sentences"),
                      "apply to text input", "dev.txt reads as CoNLL-U", "--input-format text")
    bad = tmp_path / "bad.txt"  # CoNLL-U by its first line, broken later: an error, not text
    bad.write_text("1\tthe\t_\tDET\t_\t_\t_\t_\t_\t_\n2\tdog\n\n", encoding="utf-8")
    assert_user_error(run("tag", bad, "-m", model, "-o", tmp_path / "out"), "bad.txt:2",
                      "read as CoNLL-U", "--input-format text")
    assert not (tmp_path / "out").exists()


def test_tag_reports_a_bad_model_before_reading_its_input(tmp_path):
    """With input that has not come yet (a pipe left open), a missing model is reported at
    once, not after the first line arrives."""
    import subprocess
    import sys
    p = subprocess.Popen([sys.executable, "-m", "postag_cli", "tag", "-m", tmp_path / "no.npz"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert p.wait(timeout=60) == 2
        assert b"no.npz" in p.stderr.read()
    finally:
        p.kill()
        p.stdin.close()
        p.stdout.close()
        p.stderr.close()


def test_utf32_and_utf16_files_are_named(model, tmp_path):
    for utf in ("UTF-16", "UTF-32"):
        f = tmp_path / f"{utf}.txt"
        f.write_bytes("the dog\n".encode(utf.lower()))
        assert_user_error(run("tag", f, "-m", model), f"{utf} text", f"iconv -f {utf}")


@pytest.mark.parametrize("head, expected", [
    ([b"1\tThe\tthe\tDET\t_\t_\t_\t_\t_\t_\n"], "conllu"),
    ([b"\xef\xbb\xbf# sent_id = a\n", b"# text = Du\n", b"1-2\tDu\t_\n"], "conllu"),
    ([b"# newdoc\n", b"\n", b"1.1\tx\n"], "conllu"),
    ([b"# sent_id = 1\r1\tThe\tthe\tDET\t_\t_\t_\t_\t_\t_\r"], "conllu"),  # CR only
    ([b"# sent_id = 1\n", b"# text = a\n"], "conllu"),  # comments only, CoNLL-U ones
    ([b"# A heading\n", b"1\tthe\tfirst line\n"], "conllu"),
    ([b"# A heading\n", b"The dog runs.\n"], "text"),
    ([b"# A heading\n"], "text"),
    ([b"# text of the talk\n"], "text"),  # no CoNLL-U comment: `# text = `
    ([b"1 The dog runs.\n"], "text"),  # a number and a space: text
    ([b"1\tThe dog runs.\n"], "text"),  # an ID and a sentence (Tatoeba, Leipzig): text
    ([b"3.14\tpi\n"], "text"),
    ([b"# sent_id = 1\n", b"1\tThe\n"], "conllu"),  # after CoNLL-U comments: broken CoNLL-U
    ([b"\xef\xbb\xbf\n", b"# sent_id = 1\n", b"1\tThe\t_\n"], "conllu"),  # a BOM-only line
    ([b"12a\tx\n"], "text"),
    ([], "text"),
])
def test_detect_input_format(head, expected):
    from postag_cli.tagio import detect_input_format
    assert detect_input_format("-", head) == expected
    assert detect_input_format("x.txt", head) == expected
    assert detect_input_format("x.CoNLLU", head) == "conllu"


def test_open_peeked_gives_the_whole_input_back(tmp_path):
    """A seekable file is rewound; a pipe is replayed: the head, then the rest."""
    import os
    import threading

    from postag_cli.fileio import open_peeked
    data = b"# c\n\n" + b"".join(b"line %d\n" % i for i in range(20_000))
    path = tmp_path / "f"
    path.write_bytes(data)
    head, f = open_peeked(str(path))
    assert head == [b"# c\n", b"\n", b"line 0\n"] and f.read() == data
    f.close()
    path.write_bytes(b"\xef\xbb\xbf\n# c\n1\tx\n")  # a line of a BOM alone is no data
    head, f = open_peeked(str(path))
    assert len(head) == 3
    f.close()
    r, w = os.pipe()
    threading.Thread(target=lambda: (os.write(w, data), os.close(w))).start()
    with open(r, "rb") as pipe:
        head, f = _peek_pipe(open_peeked, pipe)  # stdin, a pipe: not seekable
        assert head == [b"# c\n", b"\n", b"line 0\n"]
        assert f.readline(4) == b"# c\n"[:4] and f.read() == data[4:]
        f.close()
        assert pipe.closed  # closing the replay closes what it reads


def _peek_pipe(open_peeked, pipe):
    import sys
    from unittest import mock
    with mock.patch.object(sys, "stdin", mock.Mock(buffer=pipe)):
        return open_peeked("-")


def test_output_to_a_named_pipe_is_streamed_not_replaced(model, tmp_path):
    """-o to a FIFO (or a device such as /dev/null) writes into it; the atomic rename that
    protects regular files would replace it with a file."""
    import os
    import stat
    import threading
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    r = run("tag", "-", "-m", model, "-o", fifo, input="the dog\n")
    reader.join(60)
    assert r.exit_code == 0, r.output
    assert got and got[0].startswith(b"the/") and got[0].count(b"\n") == 1
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["out.fifo"]  # no temporary file


def test_output_files_get_the_usual_permissions(model, tmp_path):
    import os
    old = os.umask(0o022)
    try:
        assert run("tag", "-", "-m", model, "-o", tmp_path / "t.txt", input="a b\n").exit_code == 0
    finally:
        os.umask(old)
    assert (tmp_path / "t.txt").stat().st_mode & 0o777 == 0o644


def test_evaluate_raw_without_anything_to_score(model, tmp_path):
    empty = tmp_path / "empty.conllu"
    empty.write_text("")
    assert_user_error(run("evaluate", empty, "--raw", "-m", model), "no sentences to score")
    untagged = tmp_path / "u.conllu"
    untagged.write_text("# text = a cat\n1\ta\t_\t_\t_\t_\t_\t_\t_\t_\n2\tcat\t_\t_\t_\t_\t_\t_\t_\t_\n\n")
    assert_user_error(run("evaluate", untagged, "--raw", "-m", model), "no words with a gold UPOS")


def test_ensemble_mismatch_names_the_models(model, tiny_corpus, tmp_path):
    xpos = tmp_path / "x.npz"
    params, feats, tags, meta, _ = load_model(model)
    save_model(xpos, {**params, "Why": params["Why"][:, :-1], "by": params["by"][:-1]}, feats,
               tags[:-1], meta, chars=meta["chars"])
    assert_user_error(run("tag", "-", "-m", model, "-m", xpos, input="a\n"), str(xpos), str(model),
                      "same tagset")


@pytest.mark.parametrize("args, phrase", [
    (["train", "CORPUS", "--dropout", 1.5], "--dropout must be in [0, 1), not 1.5"),
    (["train", "CORPUS", "--lr", 0], "--lr must be positive, not 0.0"),
    (["train", "CORPUS", "--word-dropout", -1], "--word-dropout must be >= 0, not -1.0"),
    (["tag", "-", "--jobs", 0], "--jobs must be at least 1, not 0"),
    (["tag", "-", "--top-k", -1], "--top-k must be at least 0, not -1"),
    (["gradcheck", "--checks", 0], "--checks must be at least 1, not 0"),
    (["gradcheck", "--layers", 0], "--layers must be at least 1, not 0"),
    (["gradcheck", "--seed", -1], "--seed must be at least 0, not -1"),
    (["train", "CORPUS", "--seed", -1], "--seed must be at least 0, not -1"),
])
def test_a_bad_setting_is_named_with_its_value(args, phrase, tiny_corpus, tmp_path):
    args = [tiny_corpus[0] if a == "CORPUS" else a for a in args]
    assert_user_error(run(*args, *(["-o", tmp_path / "m.npz"] if args[0] == "train" else [])),
                      phrase)
    assert not (tmp_path / "m.npz").exists()


def test_ctrl_c_before_training_begins(tiny_corpus, tmp_path, monkeypatch):
    """Ctrl-C while the corpus is read or the gradients checked: exit 130, one line, no model
    (click's own handler would say "Aborted!" and exit 1)."""
    import postag_cli.training as T

    def interrupted(*a, **k):
        raise KeyboardInterrupt
    monkeypatch.setattr(T, "read_corpus", interrupted)
    r = run("train", tiny_corpus[0], "-o", tmp_path / "m.npz")
    assert r.exit_code == 130 and "Traceback" not in r.output
    assert r.stderr.strip() == "interrupted before training began: no model was written"
    assert not (tmp_path / "m.npz").exists()


def test_evaluate_report_details(model, tiny_corpus, tmp_path):
    import json
    r = run("evaluate", tiny_corpus[1], "-m", model, "--json")
    assert json.loads(r.stdout)["tag_column"] == "upos"
    assert json.loads(run("evaluate", tiny_corpus[1], "-m", model, "--json", "--raw")
                      .stdout)["UPOS"]["f1"] > 0
    assert_user_error(run("evaluate", tiny_corpus[1], "-m", model, "--raw", "--errors", 3),
                      "does not apply with --raw")
    one = tmp_path / "one.conllu"  # no ADJ in gold: its row has "-" for what
    one.write_text("".join(f"{i}\t{w}\t_\t{t}\t_\t_\t_\t_\t_\t_\n" for i, (w, t) in enumerate(
        [("the", "DET"), ("dog", "NOUN"), ("sees", "VERB"), (".", "PUNCT")], 1)) + "\n",
        encoding="utf-8")
    rows = {line.split()[0]: line.split()[1:] for line in
            run("evaluate", one, "-m", model).stdout.splitlines()
            if line.split()[:1] and line.split()[0].isupper() and len(line.split()) == 6}
    assert rows["ADJ"][1] == "-" and rows["ADJ"][3] == "0" and rows["NOUN"][1] == "100.00%"
    for tag, (prec, rec, _, gold, predicted) in rows.items():  # "-" where undefined, only
        assert (prec == "-") == (predicted == "0") and (rec == "-") == (gold == "0"), tag


def test_top_k_needs_a_format_with_room_for_it(model):
    """--top-k alone chooses the tsv format and says so; --format tagged with it is refused."""
    assert_user_error(run("tag", "-", "-m", model, "--top-k", 2, "--format", "tagged",
                          input="the dog\n"), "--top-k needs --format tsv, json or conllu")
    r = run("tag", "-", "-m", model, "--top-k", 2, input="the dog\n")
    assert r.exit_code == 0 and len(r.stdout.splitlines()[0].split("\t")) == 4
    assert "note: --top-k lists the tags in the tsv format" in r.stderr
    r = run("tag", "-", "-m", model, "--top-k", 2, "--format", "tsv", input="the dog\n")
    assert r.exit_code == 0 and len(r.stdout.splitlines()[0].split("\t")) == 4


def test_averaging_that_never_starts_is_said(tiny_corpus, tmp_path):
    r = run("train", tiny_corpus[0], "-o", tmp_path / "m.npz", *FAST, "--epochs", 2,
            "--average", 5)
    assert r.exit_code == 0, r.output
    assert "note: weight averaging starts at epoch 5 (--average), after the last epoch (2)" \
        in r.stderr
    assert "weight averaging from epoch 5 (4 per epoch) (not reached)" in \
        run("info", tmp_path / "m.npz").stdout
    r = run("train", tiny_corpus[0], "-o", tmp_path / "m3.npz", *FAST, "--epochs", 3,
            "--average", 3)
    assert "note:" not in r.stderr and "(not reached)" not in run("info", tmp_path / "m3.npz").stdout


def test_diverging_training_is_one_line(tiny_corpus, tmp_path):
    r = run("train", tiny_corpus[0], "-o", tmp_path / "m.npz", *FAST, "--lr", 1e6, "--epochs", 3)
    assert r.exit_code == 1 and "Traceback" not in r.output
    log = r.stderr.strip().splitlines()  # the usual log lines, then one error line
    assert log[-1].startswith("Error: training diverged") and "Warning" not in r.stderr
    assert all(line.startswith(("/", "epoch ", "note: ", "raw text: ")) for line in log[:-1]), log


def test_raw_text_control_characters_never_reach_the_output(model, tmp_path):
    src = tmp_path / "cc.txt"
    src.write_bytes(b"a\x01b the\x7fdog \xc2\x94.\n")
    for fmt in ("conllu", "tagged", "json"):
        r = run("tag", src, "-m", model, "--format", fmt)
        assert r.exit_code == 0, r.output
        assert not any(0 <= ord(c) < 32 and c not in "\t\n" or 0x7f <= ord(c) < 0xa0
                       for c in r.stdout), (fmt, r.stdout)
    r = run("tag", src, "-m", model, "--format", "conllu")
    assert "# text = a b the dog ." in r.stdout


def test_error_messages_escape_line_separators(model, tmp_path):
    gold = tmp_path / "sid.conllu"
    gold.write_text("# sent_id = a\u2028b\n# text = hello\n1\tgoodbye\t_\tNOUN\t_\t_\t0\troot\t_\t_\n\n",
                    encoding="utf-8")
    r = run("evaluate", gold, "--raw", "-m", model)
    assert_user_error(r, "cannot align", "sent_id a\\u2028b")
    assert len(r.stderr.strip().splitlines()) == 1  # (str.splitlines also splits at U+2028)


def test_alignment_refuses_a_region_too_large_for_its_table(english_model, tmp_path,
                                                            monkeypatch):
    from postag_cli import align
    monkeypatch.setattr(align, "MAX_LCS_CELLS", 3)  # a 2 x 2 region is then too large
    gold = tmp_path / "mwt.conllu"
    gold.write_text("# text = don't\n1-2\tdon't\t_\t_\t_\t_\t_\t_\t_\t_\n"
                    "1\tdo\t_\tAUX\t_\t_\t0\troot\t_\t_\n2\tn't\t_\tPART\t_\t_\t1\tadvmod\t_\t_\n\n")
    assert_user_error(run("evaluate", gold, "--raw", "-m", english_model), "too large to align")
    monkeypatch.setattr(align, "MAX_LCS_CELLS", 4)
    assert run("evaluate", gold, "--raw", "-m", english_model).exit_code == 0


def test_raw_text_with_cr_only_line_ends(model):
    """Old Mac line ends (CR only) end lines in raw text, as with universal newlines."""
    r = run("tag", "-", "-m", model, input=b"the cat sees a dog .\ra bird eats .\r\ranna finds it .\r")
    assert r.exit_code == 0, r.output
    lines = r.stdout.split("\n")
    assert len(lines) == 5 and lines[2] == "" and lines[4] == ""  # 4 lines, one of them blank
    assert lines[0].startswith("the/") and lines[3].startswith("anna/")


def test_stdin_and_stdout_only_where_they_make_sense(tiny_corpus, tmp_path):
    for option in ("-o", "--checkpoint", "--resume", "--log-file"):
        r = run("train", tiny_corpus[0], "-o", tmp_path / "m.npz", *FAST, option, "-")
        assert_user_error(r, f"{option} -: {option} needs a file name")
        assert not (tmp_path / "-").exists() and not list(tmp_path.iterdir())


def test_errors_found_before_the_corpus_is_read_are_the_only_line(tiny_corpus, tmp_path, model):
    for args, phrase in ((["--resume", tmp_path / "none.ckpt"], "no such checkpoint file"),
                         (["--resume", model], "this is a model, not a checkpoint"),
                         (["--jobs", 0], "--jobs must be at least 1")):
        r = run("train", tiny_corpus[0], "-o", tmp_path / "m.npz", "--epochs", 1, "--hidden", 4,
                *args)
        assert_user_error(r, phrase)  # (one line: nothing logged before it)


def test_outputs_through_symbolic_links(model, tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("the dog\n")
    (tmp_path / "d").mkdir()
    (tmp_path / "dlink").symlink_to(tmp_path / "d")
    assert_user_error(run("tag", src, "-m", model, "-o", tmp_path / "dlink"), "is a directory")
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "target.txt")
    assert run("tag", src, "-m", model, "-o", tmp_path / "dangling.txt").exit_code == 0
    assert (tmp_path / "dangling.txt").is_symlink()  # written through the link, as open() would
    assert (tmp_path / "target.txt").read_text().startswith("the/")


def test_raw_text_line_ends_as_universal_newlines(model, tmp_path):
    data = b"a b\r\r\nc\r\n\r\n\rd\n\re\r"
    src = tmp_path / "cr.txt"
    src.write_bytes(data)
    r = run("tag", src, "-m", model)
    assert r.exit_code == 0
    expected = data.decode().replace("\r\n", "\n").replace("\r", "\n").splitlines()
    assert [len(line.split()) for line in r.stdout.splitlines()] == \
        [len(line.split()) for line in expected]  # 8 lines, blank ones where the input's are


def test_negative_error_count_and_wordless_sentences(model, tmp_path):
    gold = tmp_path / "g.conllu"
    gold.write_text("1\tthe\t_\tDET\t_\t_\t_\t_\t_\t_\n\n0.1\tx\t_\t_\t_\t_\t_\t_\t_\t_\n\n")
    assert_user_error(run("evaluate", gold, "-m", model, "--errors", -1), "--errors")
    r = run("tag", gold, "--input-format", "conllu", "-m", model, "--format", "json")
    assert r.exit_code == 0 and len(r.stdout.splitlines()) == 1, r.output


def test_info_reads_model_npz_by_default_and_a_missing_model_says_what_to_do(model, tmp_path,
                                                                              monkeypatch):
    import shutil
    monkeypatch.chdir(tmp_path)
    r = run("info")
    assert_user_error(r, "model.npz: no such model file",
                      "train one with 'postag train CORPUS' or give -m MODEL")
    assert_user_error(run("tag", "-", input="a\n"), "train one with 'postag train CORPUS'")
    shutil.copy(model, tmp_path / "model.npz")
    r = run("info")
    assert r.exit_code == 0 and r.stdout.startswith("model           model.npz")


def test_compressed_input_is_read_and_binary_input_named(model, tiny_corpus, tmp_path):
    """gzip, bzip2 and xz input is read as it is, in train, tag and evaluate, on stdin too; a
    damaged one, or a file that is not text (a model, a zip), is one line that says so."""
    import bz2
    import gzip
    import lzma
    raw = tiny_corpus[1].read_bytes()
    plain = run("evaluate", tiny_corpus[1], "-m", model, "--json").stdout
    for suffix, pack in ((".gz", gzip.compress), (".bz2", bz2.compress), (".xz", lzma.compress)):
        packed = tmp_path / f"dev.conllu{suffix}"
        packed.write_bytes(pack(raw))
        r = run("evaluate", packed, "-m", model, "--json")
        assert r.exit_code == 0, r.output
        assert json.loads(r.stdout)["accuracy"] == json.loads(plain)["accuracy"]
        assert run("tag", packed, "-m", model).stdout == run("tag", tiny_corpus[1], "-m",
                                                              model).stdout
    text = tmp_path / "in.txt.gz"
    text.write_bytes(gzip.compress(b"the dog sees a cat .\n"))
    r = run("tag", text, "-m", model)
    assert r.exit_code == 0 and r.stdout.startswith("the/")
    out = tmp_path / "m.npz"
    r = run("train", tmp_path / "dev.conllu.gz", "-o", out, *FAST)
    assert r.exit_code == 0 and out.exists(), r.output
    broken = tmp_path / "broken.conllu.gz"
    broken.write_bytes(gzip.compress(raw)[:200])
    assert_user_error(run("evaluate", broken, "-m", model), "broken.conllu.gz:",
                      "corrupt or truncated compressed data")
    assert_user_error(run("tag", model, "-m", model, "--input-format", "text"),
                      "not text: it looks like a zip archive")


def test_train_never_replaces_a_model_unasked(tiny_corpus, tmp_path):
    out = tmp_path / "m.npz"
    assert run("train", tiny_corpus[0], "-o", out, *FAST).exit_code == 0
    before = out.read_bytes()
    assert_user_error(run("train", tiny_corpus[0], "-o", out, *FAST, "--seed", 5),
                      "m.npz: a model file is there already", "--force", "-o")
    assert out.read_bytes() == before
    r = run("train", tiny_corpus[0], "-o", out, *FAST, "--seed", 5, "--force")
    assert r.exit_code == 0 and out.read_bytes() != before


def test_a_finished_run_removes_its_checkpoint_unless_kept(tiny_corpus, tmp_path):
    out = tmp_path / "m.npz"
    assert run("train", tiny_corpus[0], "-o", out, *FAST).exit_code == 0
    assert out.exists() and not (tmp_path / "m.npz.ckpt").exists()
    assert run("train", tiny_corpus[0], "-o", out, *FAST, "--force",
               "--keep-checkpoint").exit_code == 0
    assert (tmp_path / "m.npz.ckpt").exists()


def test_train_refuses_a_huge_hidden_size_before_reading_the_corpus(tmp_path):
    """--hidden 8192 needs about 5 GB in training on any corpus: refused at once, before the
    corpus is read (here a file that does not exist), with what it would take."""
    r = CliRunner().invoke(cli, ["train", str(tmp_path / "absent.conllu"), "--hidden", "8192",
                                 "-o", str(tmp_path / "m.npz")])
    assert r.exit_code == 2
    assert "--hidden 8192: training would need about 5.0 GiB" in r.output
    assert "absent" not in r.output and not (tmp_path / "m.npz").exists()
    r = CliRunner().invoke(cli, ["train", str(tmp_path / "absent.conllu"), "--hidden", "2048",
                                 "-o", str(tmp_path / "m.npz")])
    assert "absent.conllu" in r.output and "GiB" not in r.output  # (allowed: goes on to read)


def test_train_quiet_writes_nothing_but_the_model(tmp_path, sample_train):
    args = ["train", str(sample_train), "--epochs", "1", "--hidden", "8", "--no-tokenizer"]
    loud = CliRunner().invoke(cli, args + ["-o", str(tmp_path / "a.npz")])
    quiet = CliRunner().invoke(cli, args + ["-o", str(tmp_path / "b.npz"), "--quiet"])
    assert loud.exit_code == quiet.exit_code == 0
    assert "saved" in loud.output and "epoch 1" in loud.output
    assert quiet.output == "" and (tmp_path / "b.npz").exists()
    bad = CliRunner().invoke(cli, ["train", str(tmp_path / "absent.conllu"), "-q"])
    assert bad.exit_code != 0 and "absent.conllu" in bad.output  # (errors still show)


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_shell_completion_as_the_readme_says(shell):
    """The README's completion set-up: the script, then completions of commands and options."""
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path
    script = Path(sys.executable).parent / "postag"  # (the environment's console script)
    postag = str(script) if script.exists() else shutil.which("postag")
    assert postag, "the postag console script is not installed"
    env = {**os.environ, "_POSTAG_COMPLETE": f"{shell}_source"}
    script = subprocess.run([postag], env=env, capture_output=True, text=True, check=True).stdout
    assert "_POSTAG_COMPLETE" in script
    if shell == "bash":
        env = {**os.environ, "_POSTAG_COMPLETE": "bash_complete", "COMP_WORDS": "postag train --hid",
               "COMP_CWORD": "2"}
        out = subprocess.run([postag], env=env, capture_output=True, text=True, check=True).stdout
        assert out.split() == ["plain,--hidden"]


def test_top_k_note_is_said_once_for_several_inputs(model, tmp_path):
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text("the cat sleeps .\n")
    r = run("tag", tmp_path / "a.txt", tmp_path / "b.txt", "-m", model, "--top-k", 2, "-o",
            tmp_path / "out")
    assert r.exit_code == 0, r.output
    err = r.stderr if hasattr(r, "stderr") else r.output
    assert err.count("note: --top-k lists the tags") == 1
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.tsv", "b.tsv"]
