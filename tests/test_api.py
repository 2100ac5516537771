"""The documented Python API: `from postag_cli import Tagger`."""

import numpy as np
import pytest

import postag_cli
from postag_cli import Tagger
from postag_cli.training import TrainConfig, train


@pytest.fixture(scope="module")
def tagger(tiny_corpus, tmp_path_factory):
    path = tmp_path_factory.mktemp("api") / "m.npz"
    train(tiny_corpus[0], path, TrainConfig(epochs=8, hidden=16, char_hidden=8, gradcheck=False),
          dev_path=tiny_corpus[1], log=lambda m: None, progress=False)
    return Tagger.load(path, verify=True)


def test_tag_a_sentence(tagger):
    assert tagger.tag(["the", "big", "dog", "sees", "a", "cat", "."]) == \
        ["DET", "ADJ", "NOUN", "VERB", "DET", "NOUN", "PUNCT"]
    assert tagger.tag([]) == []


def test_tag_many_sentences_matches_one_at_a_time(tagger):
    sents = [["a", "cat", "finds", "the", "bird", "."], ["Anna", "eats"], ["."], []]
    together = tagger.tag_sents(sents)
    assert together == [tagger.tag(s) for s in sents]
    probs = tagger.probabilities(sents)
    assert [p.shape for p in probs] == [(6, 5), (2, 5), (1, 5), (0, 5)]
    np.testing.assert_allclose(probs[0].sum(axis=1), 1.0, rtol=1e-5)


def test_tag_text_tokenizes(tagger):
    out = tagger.tag_text("the dog sees a cat.")
    assert [w for w, _ in out] == ["the", "dog", "sees", "a", "cat", "."]
    assert out[-1] == (".", "PUNCT")


def test_top_k_and_known_words(tagger):
    p = tagger.probabilities([["the", "cat"]])[0]
    top = tagger.top_k(p, 3)
    assert len(top) == 2 and len(top[0]) == 3 and top[0][0][0] == "DET"
    assert top[0][0][1] >= top[0][1][1] >= top[0][2][1]
    assert tagger.is_known("the") and not tagger.is_known("xylophone")
    assert tagger.meta["arch"] == "birnn" and tagger.tags == ["ADJ", "DET", "NOUN", "PUNCT", "VERB"]


def test_public_names_are_documented():
    assert postag_cli.__doc__ and "Tagger" in postag_cli.__doc__
    for name in ("load", "tag", "tag_sents", "tag_text", "probabilities", "top_k", "is_known"):
        assert getattr(Tagger, name).__doc__, name


def test_ensemble_averages_members(tagger, tiny_corpus, tmp_path):
    from postag_cli.tagger import Ensemble, load_tagger
    other = tmp_path / "other.npz"
    train(tiny_corpus[0], other, TrainConfig(epochs=3, hidden=8, seed=5, gradcheck=False),
          log=lambda m: None, progress=False)
    second = Tagger.load(other)
    both = Ensemble([tagger, second])
    sents = [["the", "cat", "sees", "a", "bird", "."], ["Anna"]]
    expected = [(a + b) / 2 for a, b in zip(tagger.probabilities(sents), second.probabilities(sents))]
    for got, want in zip(both.probabilities(sents), expected):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    assert both.tag_sents(sents) == [[both.tags[j] for j in p.argmax(1)] for p in expected]
    assert isinstance(load_tagger([other]), Tagger) and isinstance(load_tagger([other, other]), Ensemble)


def test_ensemble_from_the_command_line(tagger, tiny_corpus, tmp_path):
    import json

    from click.testing import CliRunner

    from postag_cli.cli import cli
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    for path, seed in ((a, 1), (b, 2)):
        train(tiny_corpus[0], path, TrainConfig(epochs=3, hidden=8, seed=seed, gradcheck=False),
              log=lambda m: None, progress=False)
    r = CliRunner().invoke(cli, ["evaluate", str(tiny_corpus[1]), "-m", str(a), "-m", str(b),
                                 "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["words"] > 0
    r = CliRunner().invoke(cli, ["tag", "-", "-m", str(a), "-m", str(b), "--pretokenized"],
                           input="the dog sees a cat .\n")
    assert r.exit_code == 0 and r.stdout.count("/") == 6


def test_long_sentences_are_tagged_in_segments(tagger, monkeypatch):
    """A sentence longer than MAX_SEGMENT words gets the distributions of its pieces tagged as
    sentences of their own; the other sentences of the call are unaffected."""
    import postag_cli.tagger as T
    monkeypatch.setattr(T, "MAX_SEGMENT", 4)
    words = "the big dog sees a cat and the old bird".split()  # pieces of 4, 4 and 2 words
    probs = tagger.probabilities([words, [], words[:3]])
    pieces = tagger.probabilities([words[:4], words[4:8], words[8:], [], words[:3]])
    np.testing.assert_allclose(probs[0], np.concatenate(pieces[:3]), rtol=1e-6)
    assert probs[1].shape == (0, 5)
    np.testing.assert_allclose(probs[2], pieces[4], rtol=1e-6)
    monkeypatch.setattr(T, "MAX_SEGMENT", 1000)
    assert not np.allclose(tagger.probabilities([words])[0], probs[0])  # the cut matters


def _greedy_batches(lengths, max_tokens, max_batch):
    """The batching rule written sentence by sentence: in order of length, add a sentence while
    the padded size (longest x count) stays within max_tokens and the count within max_batch."""
    out, batch, longest = [], [], 0
    for i in np.argsort(lengths, kind="stable"):
        n = max(int(lengths[i]), 1)
        if batch and (max(longest, n) * (len(batch) + 1) > max_tokens or len(batch) >= max_batch):
            out.append(batch)
            batch, longest = [], 0
        batch.append(int(i))
        longest = max(longest, n)
    return out + ([batch] if batch else [])


@pytest.mark.parametrize("seed", range(5))
def test_batches_by_length_follows_the_greedy_rule(seed):
    from postag_cli.tagger import batches_by_length

    rng = np.random.default_rng(seed)
    lengths = rng.integers(0, 60, rng.integers(1, 400))
    lengths[:3] = [5000, 0, 1][:len(lengths)]  # longer than a batch, empty
    for max_tokens, max_batch in ((64, 1024), (300, 7), (1, 3)):
        got = [b.tolist() for b in batches_by_length(lengths, max_tokens, max_batch)]
        assert got == _greedy_batches(lengths, max_tokens, max_batch)


def test_flat_probabilities_are_the_sentences_rows(tagger):
    sents = [["The", "cat", "sat"], [], ["Dogs", "bark", "loudly", "."]]
    flat = tagger.flat_probabilities(sents)
    per = tagger.probabilities(sents)
    assert flat.shape == (7, len(tagger.tags)) and [len(p) for p in per] == [3, 0, 4]
    np.testing.assert_array_equal(np.concatenate(per), flat)


def test_tagging_path_equals_the_training_forward_pass(tagger):
    """The tagger's fast path (type vectors gathered per word, output layer read per
    direction) computes the same distributions as model.forward on feature ids, as in
    training without dropout."""
    from postag_cli import model as M

    sents = [["a", "cat", "finds", "the", "bird", "."], ["Anna", "eats"], ["Zyx", "qq", "!", "a"]]
    ids, _, mask = M.make_batch([(tagger.features.encode(s), np.zeros(len(s), int)) for s in sents])
    chars = tagger.features.char_batch(sents, ids.shape[0])
    P, _ = M.forward(tagger.params, tagger.arch, ids, mask, chars=chars)
    want = np.concatenate([P[:len(s), b] for b, s in enumerate(sents)])
    np.testing.assert_allclose(tagger.flat_probabilities(sents), want, rtol=1e-4, atol=1e-6)


def test_wrong_argument_types_are_clear_errors(tagger):
    with pytest.raises(TypeError, match="not a string"):
        tagger.tag("the cat")  # (would be tagged letter by letter)
    with pytest.raises(TypeError, match="words must be strings, not int"):
        tagger.tag(["the", 3])
    with pytest.raises(TypeError, match="not a string"):
        tagger.tag_sents([["a"], "b c"])
    with pytest.raises(TypeError, match="takes a string"):
        tagger.tag_text(["the", "cat"])
    assert tagger.tag(("the", "cat")) == tagger.tag(["the", "cat"])  # any sequence of strings


def test_more_wrong_arguments_are_clear_errors(tagger, tmp_path):
    from postag_cli.tagger import load_tagger
    with pytest.raises(TypeError, match="not a string"):
        tagger.probabilities("The cat")  # (would be 7 one-letter sentences)
    with pytest.raises(TypeError, match="not a string"):
        tagger.probabilities(["The cat"])
    with pytest.raises(TypeError, match="words must be strings, not int"):
        tagger.probabilities([[1]])
    with pytest.raises(ValueError, match="not whitespace"):
        tagger.tag(["", "cat"])
    with pytest.raises(ValueError, match="not whitespace"):
        tagger.tag([" ", "cat"])
    assert tagger.tag(["sinh viên"])  # (a word may hold a space: Vietnamese)
    p = tagger.probabilities([["the", "cat"]])[0]
    with pytest.raises(ValueError, match="k must be at least 1"):
        tagger.top_k(p, 0)
    with pytest.raises(ValueError, match="one sentence's"):
        tagger.top_k(p[0], 3)
    assert len(tagger.top_k(p, 1000)[0]) == len(tagger.tags)
    with pytest.raises(ValueError, match="at least one model"):
        load_tagger([])


def test_an_ensemble_does_not_depend_on_the_order_of_its_models(tagger, tiny_corpus,
                                                                 tmp_path):
    """Members that tokenize raw text differently (an English model, with n't, and one
    without) are refused for raw text in either order, but retag CoNLL-U and pretokenized
    text; known words are those any member knows."""
    import os

    from click.testing import CliRunner

    from postag_cli.cli import cli
    from postag_cli.errors import PostagError
    from postag_cli.tagger import Ensemble, load_tagger
    english = tmp_path / "en.conllu"  # the same treebank with n't: an English model
    rows = ["the\tDET", "dog\tNOUN", "does\tVERB", "n't\tADJ", "see\tVERB", ".\tPUNCT"]
    english.write_text(tiny_corpus[0].read_text(encoding="utf-8") + "# sent_id = en\n"
                       + "".join(f"{i}\t{r.split(chr(9))[0]}\t_\t{r.split(chr(9))[1]}"
                                 "\t_\t_\t_\t_\t_\t_\n" for i, r in enumerate(rows, 1))
                       + "\n", encoding="utf-8")
    en = tmp_path / "en.npz"
    train(english, en, TrainConfig(epochs=1, hidden=4, gradcheck=False), log=lambda m: None,
          progress=False, tokenizer=False)  # (the rules: EWT's splits, or none)
    plain = os.fspath(tmp_path / "plain.npz")
    train(tiny_corpus[0], plain, TrainConfig(epochs=1, hidden=4, gradcheck=False),
          log=lambda m: None, progress=False, tokenizer=False)
    info = {m: CliRunner().invoke(cli, ["info", str(m)]).stdout for m in (en, plain)}
    assert "raw text        English rules" in info[en]
    assert "English rules" not in info[plain] and "tagged words" in info[plain]
    for order in ([en, plain], [plain, en]):
        both = load_tagger(order)
        assert isinstance(both, Ensemble) and both.is_known("does") and both.is_known("the")
        with pytest.raises(PostagError, match="tokenize raw text differently"):
            both.tag_text("the dog doesn't see.")
        args = ["tag", "-", "-m", str(order[0]), "-m", str(order[1])]
        r = CliRunner().invoke(cli, args, input="the dog doesn't see.\n")
        assert r.exit_code == 2 and "tokenize raw text differently" in r.stderr
        r = CliRunner().invoke(cli, args + ["--pretokenized"], input="the dog does n't see .\n")
        assert r.exit_code == 0 and r.stdout.count("/") == 6
        r = CliRunner().invoke(cli, ["tag", str(english)] + args[2:])
        assert r.exit_code == 0 and r.stdout.startswith("# sent_id = s1")


def test_train_api_makes_the_model_the_command_makes(tiny_corpus, tmp_path):
    """postag_cli.train(corpus, output, **settings): the same settings as `postag train`, the
    same model bit for bit; a TrainResult back; silent; refuses what the command refuses."""
    from click.testing import CliRunner

    from postag_cli.cli import cli
    from postag_cli.modelio import load_model
    settings = {"epochs": 2, "hidden": 8, "char_hidden": 4}
    result = postag_cli.train(tiny_corpus[0], tmp_path / "api.npz", dev=tiny_corpus[1],
                              tokenizer=False, **settings)
    assert result.epochs_run == 2 and result.model_written and 0 < result.best_dev <= 1
    assert not (tmp_path / "api.npz.ckpt").exists()
    r = CliRunner().invoke(cli, ["train", str(tiny_corpus[0]), "--dev", str(tiny_corpus[1]),
                                 "--epochs", "2", "--hidden", "8", "--char-hidden", "4",
                                 "--no-tokenizer", "-o", str(tmp_path / "cli.npz")])
    assert r.exit_code == 0, r.output
    a, b = load_model(tmp_path / "api.npz"), load_model(tmp_path / "cli.npz")
    assert sorted(a[0]) == sorted(b[0])
    assert all(np.array_equal(a[0][k], b[0][k]) for k in a[0])
    with pytest.raises(postag_cli.PostagError, match="force=True"):
        postag_cli.train(tiny_corpus[0], tmp_path / "api.npz", **settings)
    with pytest.raises(postag_cli.PostagError, match="unknown setting 'hiden'"):
        postag_cli.train(tiny_corpus[0], tmp_path / "x.npz", hiden=8)
    with pytest.raises(postag_cli.PostagError, match="--hidden must be at least 0"):
        postag_cli.train(tiny_corpus[0], tmp_path / "x.npz", hidden=-1)
