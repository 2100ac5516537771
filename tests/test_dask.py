"""postag tag --cluster and postag_cli.dask: the same output as --jobs 1, faults, the API.

One LocalCluster of two worker processes serves the module (starting one costs seconds)."""

import gzip
import os
import signal
import sys
import threading
import time

import pytest
from click.testing import CliRunner

from postag_cli.cli import cli

distributed = pytest.importorskip("distributed")


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input, prog_name="postag")


def assert_user_error(result, *fragments):
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    err = result.stderr.strip()
    assert err.startswith("Error:") and "\n" not in err, err
    for f in fragments:
        assert f in err, (f, err)


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0", silence_logs=40) as c:
        yield c


@pytest.fixture(scope="module")
def address(cluster):
    return cluster.scheduler_address


@pytest.fixture(scope="module")
def model(sample_train, tmp_path_factory):
    """A small model with a learned tokenizer and sizes that are not multiples of 16."""
    path = tmp_path_factory.mktemp("dask") / "m.npz"
    r = run("train", sample_train, "-o", path, "--epochs", 1, "--hidden", 10, "--char-hidden", 5,
            "--no-checkpoint", "--skip-gradcheck")
    assert r.exit_code == 0, r.output
    return path


@pytest.fixture(scope="module")
def texts(sample_train, tmp_path_factory):
    """Text, paragraphs and CoNLL-U inputs made from the sample treebank."""
    d = tmp_path_factory.mktemp("inputs")
    conllu = sample_train.read_text(encoding="utf-8")
    lines = [line[9:] for line in conllu.splitlines() if line.startswith("# text = ")]
    (d / "lines.txt").write_text("\n".join(lines[:120]) + "\n\n", encoding="utf-8")
    paras = "\n".join(" ".join(lines[i:i + 3]) + ("\n" if i % 2 else "\n   \n")
                      for i in range(0, 120, 3))
    (d / "paras.txt").write_text("\ufeff" + paras, encoding="utf-8")
    (d / "train.conllu").write_text(conllu[:30000].rsplit("\n\n", 1)[0] + "\n\n", encoding="utf-8")
    return d


CASES = [("lines.txt", []), ("lines.txt", ["--format", "json", "--probs", "--top-k", "2"]),
         ("lines.txt", ["--pretokenized", "--format", "tsv"]),
         ("paras.txt", ["--split-sentences", "--format", "conllu", "--probs"]),
         ("train.conllu", []), ("train.conllu", ["--format", "json"])]


@pytest.mark.parametrize("name,args", CASES)
def test_cluster_output_is_that_of_jobs_1(model, texts, address, tmp_path, name, args):
    r = run("tag", texts / name, "-m", model, *args)
    assert r.exit_code == 0, r.output
    for size in (300, 7000):  # (many chunks, cut inside blocks and lines; a few)
        c = run("tag", texts / name, "-m", model, *args, "--cluster", address,
                "--chunk-size", size, "-o", tmp_path / "out")
        assert c.exit_code == 0, c.output
        assert (tmp_path / "out").read_text(encoding="utf-8") == r.stdout, (name, args, size)


def test_several_inputs_and_globs(model, texts, address, tmp_path):
    gz = tmp_path / "more.txt.gz"  # (compressed: read by the client, sent in chunks)
    gz.write_bytes(gzip.compress((texts / "lines.txt").read_bytes()))
    ins = [str(texts / "*.txt"), texts / "train.conllu", gz]
    for extra in ([], ["--cluster", address, "--chunk-size", 500]):
        out = tmp_path / ("local" if not extra else "cluster")
        r = run("tag", *ins, "-m", model, "-o", out, *extra)
        assert r.exit_code == 0, r.output
        assert sorted(os.listdir(out)) == ["lines.tagged", "more.tagged", "paras.tagged",
                                           "train.conllu"]
        alone = run("tag", texts / "train.conllu", "-m", model)
        assert (out / "train.conllu").read_text(encoding="utf-8") == alone.stdout
    for f in os.listdir(tmp_path / "local"):
        assert (tmp_path / "local" / f).read_bytes() == (tmp_path / "cluster" / f).read_bytes()
    assert_user_error(run("tag", texts / "lines.txt", gz, "-m", model), "-o FOLDER")
    assert_user_error(run("tag", str(tmp_path / "nothing*.txt"), "-m", model), "no file matches")


def test_local_cluster_and_stdin(model, texts):
    text = (texts / "lines.txt").read_text(encoding="utf-8")
    ref = run("tag", "-m", model, "--format", "json", input=text)
    r = run("tag", "-m", model, "--format", "json", "--cluster", "local:1", input=text)
    assert r.exit_code == 0, r.output
    assert r.stdout == ref.stdout


@pytest.mark.parametrize("name,bad,fragment", [
    ("bad.txt", b"caf\xe9\n", "invalid UTF-8"),
    ("bad.conllu", b"1\tbroken line\n", "expected 10 tab-separated columns")])
def test_bad_input_names_file_and_line(model, texts, address, tmp_path, name, bad, fragment):
    good = (texts / ("lines.txt" if name.endswith(".txt") else "train.conllu")).read_bytes()
    cut = good.index(b"\n\n", len(good) // 2) + 2  # (a sentence boundary past the middle)
    path = tmp_path / name
    path.write_bytes(good[:cut] + bad + good[cut:])
    line = good[:cut].count(b"\n") + 1
    out = tmp_path / "out.txt"
    r = run("tag", path, "-m", model, "--cluster", address, "--chunk-size", 400, "-o", out)
    assert_user_error(r, f"{path}:{line}:", fragment)
    assert not out.exists() and os.listdir(tmp_path) == [name]


def test_killed_worker_reruns_its_chunks(model, texts, cluster, tmp_path):
    from postag_cli import dask as pdask
    from postag_cli.tagio import TagOptions
    big = tmp_path / "big.txt"
    big.write_text((texts / "lines.txt").read_text(encoding="utf-8") * 6, encoding="utf-8")
    ref = run("tag", big, "-m", model, "--format", "json")
    jobs = [pdask.Job(str(big), str(tmp_path / "out.json"), TagOptions(fmt="json"))]
    stats, errors = {}, []

    def go():
        try:
            pdask.tag_files(jobs, [model], cluster.scheduler_address, 300, stats)
        except BaseException as e:  # (reported below)
            errors.append(e)
    with distributed.Client(cluster) as client:
        pids = client.run(os.getpid)
        t = threading.Thread(target=go)
        t.start()
        deadline = time.time() + 30
        while stats.get("tasks", 0) < 3 and time.time() < deadline and t.is_alive():
            time.sleep(0.01)
        os.kill(next(iter(pids.values())), signal.SIGKILL)
        t.join(180)  # (generous: a loaded machine restarts the worker slowly)
        client.wait_for_workers(2, timeout=120)
    assert not t.is_alive(), "the run did not finish after its worker was killed"
    assert not errors and stats["tasks"] > 3
    assert (tmp_path / "out.json").read_text(encoding="utf-8") == ref.stdout


def test_api_bag_and_dataframe(model, address):
    import dask.bag as db
    import dask.dataframe as dd
    import pandas as pd

    from postag_cli.dask import tag_bag, tag_dataframe
    from postag_cli.tagger import Tagger
    texts = ["The cat sat . It slept .", "Dogs bark ."]
    tagger = Tagger.load(model)
    with distributed.Client(address):
        sents = tag_bag(db.from_sequence(texts, npartitions=2), model).compute()
        assert [w for s in sents for w, _ in s] == " ".join(texts).split()
        assert [w for w, _ in sents[-1]] == ["Dogs", "bark", "."]  # (sentences in order)
        assert [t for s in sents for _, t in s] == \
            [t for s in sents for t in tagger.tag([w for w, _ in s])]
        df = dd.from_pandas(pd.DataFrame({"text": texts + [None], "n": [1, 2, 3]}), npartitions=2)
        got = tag_dataframe(df, "text", model.read_bytes()).compute()
    assert list(got.columns) == ["text", "n", "text_tagged"]
    assert got["text_tagged"].tolist()[1:] == [" ".join(f"{w}/{t}" for w, t in sents[-1]), ""]


def test_missing_dask_is_one_line(model, texts, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    r = run("tag", texts / "lines.txt", "-m", model, "--cluster", "local:2")
    assert_user_error(r, "--cluster needs Dask: pip install 'postag-cli[dask]'")


def test_ctrl_c_cancels_and_leaves_no_output(model, texts, tmp_path):
    """Ctrl-C (SIGINT) during a --cluster local:1 run: exit 130, a local cluster shut down, no
    output file and no temporary left."""
    import subprocess
    import sys
    big = tmp_path / "big.txt"
    big.write_text((texts / "lines.txt").read_text(encoding="utf-8") * 6000, encoding="utf-8")
    out = tmp_path / "out" / "big.txt"
    out.parent.mkdir()
    p = subprocess.Popen([sys.executable, "-m", "postag_cli", "tag", str(big), "-m", str(model),
                          "-o", str(out), "--cluster", "local:1", "--chunk-size", "2000"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         # (Ctrl-C's default, even when this test runs in the background,
                         # where SIGINT is ignored and the child would inherit that)
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(8)  # (the cluster started, tagging under way: the whole input takes far longer)
    assert p.poll() is None, p.communicate()[1]
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    assert list(out.parent.iterdir()) == [], err
