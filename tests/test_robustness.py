"""Robustness: arbitrary input never crashes, failed writes leave nothing behind, training
survives signals. Property-based tests use hypothesis."""

import errno
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from postag_cli.cli import cli
from postag_cli.errors import PostagError
from postag_cli.modelio import load_model
from postag_cli.training import TrainConfig, train
from postag_cli.treebank import read_conllu

FAST = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def model(tiny_corpus, tmp_path_factory):
    path = tmp_path_factory.mktemp("rob") / "m.npz"
    train(tiny_corpus[0], path, TrainConfig(epochs=2, hidden=8, char_hidden=4, gradcheck=False),
          log=lambda m: None, progress=False)
    return path


def no_traceback(result):
    assert result.exit_code in (0, 2), result.output
    if result.exit_code:
        assert isinstance(result.exception, SystemExit)
        assert result.output.count("\n") <= 1 and result.output.startswith("Error:")


@FAST
@given(st.binary(max_size=300))
def test_reader_on_arbitrary_bytes(tmp_path_factory, data):
    f = tmp_path_factory.mktemp("b") / "x.conllu"
    f.write_bytes(data)
    try:
        for s in read_conllu(f):
            assert all(isinstance(t["form"], str) for t in s)
    except PostagError as e:
        assert str(e).startswith(str(f) + ":") and "\n" not in str(e)


LINE = st.lists(st.sampled_from(["1", "2", "3-4", "1.1", "x", "\t", "_", "NOUN", "a b", "#",
                                 "\n", "\n\n", "é", "\r\n", " "]), max_size=40).map("".join)


@FAST
@given(LINE)
def test_reader_on_conllu_like_text(tmp_path_factory, text):
    f = tmp_path_factory.mktemp("t") / "x.conllu"
    f.write_text(text, encoding="utf-8")
    try:
        list(read_conllu(f))
    except PostagError as e:
        assert "\n" not in str(e) and str(f) in str(e)


@FAST
@given(st.text(max_size=200))
def test_tag_never_crashes_on_text(model, text):
    for fmt in ("tagged", "conllu", "json"):
        r = CliRunner().invoke(cli, ["tag", "-", "-m", str(model), "--format", fmt],
                               input=text.encode("utf-8", "surrogatepass"))
        no_traceback(r)


@FAST
@given(st.binary(max_size=200))
def test_tag_never_crashes_on_bytes(model, data):
    r = CliRunner().invoke(cli, ["tag", "-", "-m", str(model), "--split-sentences"], input=data)
    no_traceback(r)


@FAST
@given(LINE)
def test_evaluate_never_crashes(model, tmp_path_factory, text):
    f = tmp_path_factory.mktemp("e") / "g.conllu"
    f.write_text(text, encoding="utf-8")
    for extra in ([], ["--raw"], ["--skip-bad-sentences", "--json"]):
        no_traceback(CliRunner().invoke(cli, ["evaluate", str(f), "-m", str(model)] + extra))


def test_very_long_line_is_refused(model, tmp_path):
    f = tmp_path / "long.txt"
    f.write_text("word " * 300_000 + "\n")
    r = CliRunner().invoke(cli, ["tag", str(f), "-m", str(model), "-o", str(tmp_path / "o.txt")])
    assert r.exit_code == 2 and "long.txt:1: line longer than" in r.output
    assert not (tmp_path / "o.txt").exists()


def test_full_disk_keeps_previous_model(tiny_corpus, tmp_path, monkeypatch):
    out = tmp_path / "m.npz"
    train(tiny_corpus[0], out, TrainConfig(epochs=1, hidden=4, gradcheck=False),
          log=lambda m: None, progress=False)
    before = out.read_bytes()

    def no_space(*a, **kw):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "savez", no_space)
    r = CliRunner().invoke(cli, ["train", str(tiny_corpus[0]), "-o", str(out), "--epochs", "1",
                                 "--hidden", "5", "--skip-gradcheck"])
    assert r.exit_code == 2 and "--force" in r.output  # (an existing model is not replaced)
    r = CliRunner().invoke(cli, ["train", str(tiny_corpus[0]), "-o", str(out), "--epochs", "1",
                                 "--hidden", "5", "--skip-gradcheck", "--force"])
    assert r.exit_code == 2 and "No space left on device" in r.output and "m.npz" in r.output
    assert out.read_bytes() == before  # the previous model is intact
    assert sorted(os.listdir(tmp_path)) == ["m.npz"]  # no temporary or partial files


def test_read_only_folder(tiny_corpus, tmp_path, monkeypatch):
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, m: False if str(p) == str(tmp_path) else real(p, m))
    r = CliRunner().invoke(cli, ["train", str(tiny_corpus[0]), "-o", str(tmp_path / "m.npz")])
    assert r.exit_code == 2 and "not writable" in r.output
    assert os.listdir(tmp_path) == []


def test_tag_output_write_failure_leaves_nothing(model, tmp_path, monkeypatch):
    from postag_cli import tagio
    real = tagio.tag_text_chunk
    calls = []

    def failing(*a, **kw):
        calls.append(1)
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(*a, **kw)

    monkeypatch.setattr(tagio, "CHUNK", 2)
    monkeypatch.setattr(tagio, "tag_text_chunk", failing)
    src = tmp_path / "in.txt"
    src.write_text("a b\nc d\ne f\ng h\n")
    r = CliRunner().invoke(cli, ["tag", str(src), "-m", str(model), "-o", str(tmp_path / "o.txt")])
    assert r.exit_code == 2 and "o.txt" in r.output
    assert sorted(os.listdir(tmp_path)) == ["in.txt"]


def _postag(*args):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-m", "postag_cli", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)


def _big_corpus(tmp_path, n=3000):
    from conftest import write_conllu
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(300)]
    sents = [([words[j] for j in rng.integers(0, 300, 12)], ["NOUN", "VERB"] * 6) for _ in range(n)]
    return write_conllu(tmp_path / "big.conllu", sents)


@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_during_training_cli(tmp_path, sig, code):
    corpus = _big_corpus(tmp_path)
    out = tmp_path / "m.npz"
    p = _postag("train", corpus, "-o", out, "--epochs", 200, "--hidden", 16, "--skip-gradcheck",
                "--no-tokenizer")  # (the signal is to come during the epochs)
    deadline = time.time() + 60
    while not (tmp_path / "m.npz.ckpt").exists() and time.time() < deadline:
        time.sleep(0.05)
    p.send_signal(sig)
    _, err = p.communicate(timeout=60)
    assert p.returncode == code, err
    assert "interrupted" in err and str(out) in err and "--resume" in err
    assert load_model(out)[3]["epochs_run"] >= 1
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]


def test_kill_9_never_leaves_a_truncated_model(tmp_path):
    corpus = _big_corpus(tmp_path, 1500)
    out = tmp_path / "m.npz"
    models_seen = 0
    for delay in (0.7, 2.5, 4.0):  # before the first epoch ends, and during later ones
        p = _postag("train", corpus, "-o", out, "--epochs", 200, "--hidden", 16, "--skip-gradcheck",
                    "--no-tokenizer", "--force")  # (written over, run after run)
        time.sleep(delay)
        p.kill()
        p.communicate()
        if out.exists():
            load_model(out)  # complete and valid, never truncated
            models_seen += 1
        ckpt = tmp_path / "m.npz.ckpt"
        if ckpt.exists():
            load_model(ckpt, magic="postag-checkpoint")
    assert models_seen >= 1  # the kills did land while models were being written over


def _read_line_within(stream, seconds):
    """The next line of a pipe, or None if none comes within `seconds`."""
    import select
    ready, _, _ = select.select([stream], [], [], seconds)
    return stream.readline() if ready else None


@pytest.mark.parametrize("args", [[], ["--jobs", "2"], ["--split-sentences"]])
def test_slow_input_is_tagged_as_it_arrives(model, args):
    """Lines typed or piped slowly come out tagged while the input is still open (a pause of
    PAUSE_WAIT flushes what has arrived); the output equals that of the whole input at once."""
    p = subprocess.Popen([sys.executable, "-m", "postag_cli", "tag", "-", "-m", str(model), *args],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    got = []
    try:
        for line in ["the cat sleeps .", "a dog runs ."]:
            p.stdin.write(line + ("\n\n" if "--split-sentences" in args else "\n"))
            p.stdin.flush()
            got.append(_read_line_within(p.stdout, 30))  # (before the input ends)
            assert got[-1] is not None, p.stderr.read() if p.poll() is not None else args
    finally:
        p.stdin.close()
    rest, err = p.stdout.read(), p.stderr.read()
    assert p.wait(timeout=60) == 0, err
    whole = subprocess.run([sys.executable, "-m", "postag_cli", "tag", "-", "-m", str(model), *args],
                           input="".join(line + ("\n\n" if "--split-sentences" in args else "\n")
                                         for line in ["the cat sleeps .", "a dog runs ."]),
                           capture_output=True,
                           text=True, check=True).stdout
    assert "".join(got) + rest == whole
    assert [w.split("/")[0] for w in got[0].split()] == ["the", "cat", "sleeps", "."]
