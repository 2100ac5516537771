"""Training: reproducibility, best-epoch saving, resume, early stopping, interruption."""

import json
import os
import signal

import numpy as np
import pytest

from postag_cli import model as M
from postag_cli.errors import PostagError
from postag_cli.modelio import CHECKPOINT_MAGIC, load_model
from postag_cli.training import TrainConfig, auto_batch_size, auto_hidden, train

QUIET = {"log": lambda m: None, "progress": False}


def cfg(**kw):
    base = dict(hidden=8, epochs=3, gradcheck=False, batch_size=8)
    base.update(kw)
    return TrainConfig(**base)


def weights(path):
    return load_model(path)[0]


def test_same_seed_same_model(tiny_corpus, tmp_path):
    train_f, dev_f = tiny_corpus
    for name in ("a", "b"):
        train(train_f, tmp_path / f"{name}.npz", cfg(seed=7, dropout=0.2), dev_path=dev_f, **QUIET)
    train(train_f, tmp_path / "c.npz", cfg(seed=8, dropout=0.2), dev_path=dev_f, **QUIET)
    a, b, c = (weights(tmp_path / f"{n}.npz") for n in "abc")
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not all(np.array_equal(a[k], c[k]) for k in a)


def test_saves_best_dev_epoch_and_metadata(tiny_corpus, tmp_path):
    train_f, dev_f = tiny_corpus
    r = train(train_f, tmp_path / "m.npz", cfg(epochs=4), dev_path=dev_f,
              log_file=tmp_path / "log.jsonl", **QUIET)
    _, feats, tags, meta, _ = load_model(tmp_path / "m.npz")
    accs = [h["dev_accuracy"] for h in r.history]
    assert meta["best_epoch"] == 1 + int(np.argmax(accs)) == r.best_epoch
    assert meta["best_dev_accuracy"] == max(accs)
    assert meta["epochs_run"] == 4 and meta["seed"] == 1 and len(meta["corpus_sha256"]) == 64
    assert meta["corpus"] == "train.conllu" and meta["package_version"]
    assert tags == ["ADJ", "DET", "NOUN", "PUNCT", "VERB"]
    lines = (tmp_path / "log.jsonl").read_text().splitlines()
    assert [json.loads(x)["epoch"] for x in lines] == [1, 2, 3, 4]
    assert {"loss", "dev_accuracy", "tokens_per_s", "lr", "time"} <= set(json.loads(lines[0]))


def test_auto_batch_size_gives_small_corpora_more_steps():
    assert [auto_batch_size(n) for n in (0, 50, 250, 500, 1000, 3000, 4607, 4608, 12544)] == \
        [8, 8, 8, 10, 20, 62, 95, 96, 96]
    assert TrainConfig().batch_size == 0  # the default is the automatic choice


def test_auto_hidden_is_smaller_for_very_small_corpora(tiny_corpus, tmp_path):
    assert [auto_hidden(n) for n in (0, 50, 749, 750, 12544)] == [128, 128, 128, 192, 192]
    assert TrainConfig().hidden == 0
    logs = []
    train(tiny_corpus[0], tmp_path / "m.npz", cfg(hidden=0, epochs=1), log=logs.append,
          progress=False)
    params, _, _, meta, _ = load_model(tmp_path / "m.npz")
    assert meta["hidden"] == 128 and params["Whh"].shape[-1] == 128
    assert any("hidden 128, minibatches of 8" in m for m in logs)


def test_default_batch_size_is_chosen_from_the_corpus_and_saved(tiny_corpus, tmp_path):
    train_f, dev_f = tiny_corpus
    n = sum(1 for block in open(train_f, encoding="utf-8").read().split("\n\n") if block.strip())
    logs = []
    train(train_f, tmp_path / "auto.npz", cfg(batch_size=0), dev_path=dev_f,
          log=logs.append, progress=False)
    train(train_f, tmp_path / "set.npz", cfg(batch_size=auto_batch_size(n)), dev_path=dev_f,
          **QUIET)
    assert load_model(tmp_path / "auto.npz")[3]["batch_size"] == auto_batch_size(n)
    assert any(f"minibatches of {auto_batch_size(n)}" in m for m in logs)
    a, b = weights(tmp_path / "auto.npz"), weights(tmp_path / "set.npz")
    assert all(np.array_equal(a[k], b[k]) for k in a)
    # resuming the automatic choice's checkpoint (the resolved size is in its settings)
    train(train_f, tmp_path / "r.npz", cfg(batch_size=0, epochs=2), dev_path=dev_f,
          checkpoint=tmp_path / "r.ckpt", **QUIET)
    train(train_f, tmp_path / "r2.npz", cfg(batch_size=0), dev_path=dev_f,
          resume=tmp_path / "r.ckpt", **QUIET)
    c = weights(tmp_path / "r2.npz")
    assert all(np.array_equal(a[k], c[k]) for k in a)


def test_without_dev_saves_last_epoch(tiny_corpus, tmp_path):
    r = train(tiny_corpus[0], tmp_path / "m.npz", cfg(epochs=2), **QUIET)
    assert r.best_epoch == 2 and r.best_dev is None
    assert load_model(tmp_path / "m.npz")[3]["epochs_run"] == 2


@pytest.mark.parametrize("snapshots", [1, 3])
def test_resume_equals_uninterrupted(tiny_corpus, tmp_path, snapshots):
    train_f, dev_f = tiny_corpus
    c = dict(dropout=0.1, input_dropout=0.1, seed=3, average=2, char_hidden=4,
             average_snapshots=snapshots)
    train(train_f, tmp_path / "full.npz", cfg(epochs=4, **c), dev_path=dev_f,
          checkpoint=tmp_path / "full.ckpt", **QUIET)
    train(train_f, tmp_path / "half.npz", cfg(epochs=2, **c), dev_path=dev_f,
          checkpoint=tmp_path / "half.ckpt", **QUIET)
    assert load_model(tmp_path / "half.ckpt", magic=CHECKPOINT_MAGIC)[3]["checkpoint"]["epochs_run"] == 2
    train(train_f, tmp_path / "half.npz", cfg(epochs=4, **c), dev_path=dev_f,
          checkpoint=tmp_path / "half.ckpt", resume=tmp_path / "half.ckpt", **QUIET)
    full, resumed = weights(tmp_path / "full.npz"), weights(tmp_path / "half.npz")
    assert all(np.array_equal(full[k], resumed[k]) for k in full)
    f_ckpt = load_model(tmp_path / "full.ckpt", magic=CHECKPOINT_MAGIC)
    h_ckpt = load_model(tmp_path / "half.ckpt", magic=CHECKPOINT_MAGIC)
    assert all(np.array_equal(f_ckpt[0][k], h_ckpt[0][k]) for k in full)  # last weights
    assert all(np.array_equal(f_ckpt[4]["adagrad"][k], h_ckpt[4]["adagrad"][k]) for k in full)
    logged = []  # resuming a checkpoint that has run every epoch: said, and the model saved
    train(train_f, tmp_path / "again.npz", cfg(epochs=4, **c), dev_path=dev_f,
          resume=tmp_path / "full.ckpt", checkpoint=tmp_path / "again.ckpt", log=logged.append,
          progress=False)
    assert any("no epoch to run" in m for m in logged)
    again = weights(tmp_path / "again.npz")
    assert all(np.array_equal(full[k], again[k]) for k in full)


def test_resume_refuses_other_data_or_settings(tiny_corpus, tmp_path):
    train_f, dev_f = tiny_corpus
    train(train_f, tmp_path / "m.npz", cfg(epochs=1), checkpoint=tmp_path / "c.ckpt", **QUIET)
    with pytest.raises(PostagError, match="different training data"):
        train(dev_f, tmp_path / "m.npz", cfg(epochs=2), resume=tmp_path / "c.ckpt", **QUIET)
    with pytest.raises(PostagError, match="hidden"):
        train(train_f, tmp_path / "m.npz", cfg(epochs=2, hidden=9), resume=tmp_path / "c.ckpt", **QUIET)
    with pytest.raises(PostagError, match="checkpoint"):
        train(train_f, tmp_path / "m.npz", cfg(epochs=2), resume=tmp_path / "m.npz", **QUIET)


def test_early_stopping(tiny_corpus, tmp_path, monkeypatch):
    import postag_cli.training as T
    train_f, dev_f = tiny_corpus
    monkeypatch.setattr(T, "accuracy", lambda tagger, dev: 0.5)  # never improves after epoch 1
    r = train(train_f, tmp_path / "m.npz", cfg(epochs=10, patience=2), dev_path=dev_f, **QUIET)
    assert r.epochs_run == 3 and r.best_epoch == 1


def test_nan_loss_stops_with_epoch_and_batch(tiny_corpus, tmp_path, monkeypatch):
    import postag_cli.training as T
    real, calls = M.loss_and_grads, []

    def poisoned(*a, **kw):
        calls.append(1)
        loss, grads = real(*a, **kw)
        return (float("nan") if len(calls) == 17 else loss), grads  # 2 parts per batch

    monkeypatch.setattr(T.M, "loss_and_grads", poisoned)
    with pytest.raises(PostagError, match=r"epoch 2, batch 2"):
        train(tiny_corpus[0], tmp_path / "m.npz", cfg(epochs=3), checkpoint=tmp_path / "c.ckpt",
              jobs=1, tokenizer=False, **QUIET)  # (the calls counted are the tagger's)
    assert load_model(tmp_path / "m.npz")[3]["epochs_run"] == 1  # the last good model is kept
    assert load_model(tmp_path / "c.ckpt", magic=CHECKPOINT_MAGIC)[3]["checkpoint"]["epochs_run"] == 1


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_keeps_best_model_so_far(tiny_corpus, tmp_path, monkeypatch, sig):
    import postag_cli.training as T
    real, calls = M.loss_and_grads, []

    def interrupting(*a, **kw):
        calls.append(1)
        if len(calls) == 20:  # in epoch 2 (7 batches of 2 parts per epoch)
            os.kill(os.getpid(), sig)
        return real(*a, **kw)

    monkeypatch.setattr(T.M, "loss_and_grads", interrupting)
    r = train(tiny_corpus[0], tmp_path / "m.npz", cfg(epochs=5), dev_path=tiny_corpus[1],
              checkpoint=tmp_path / "c.ckpt", jobs=1, tokenizer=False,
              **QUIET)  # the calls counted here (no tokenizer's)
    assert r.interrupted and r.signum == sig and r.epochs_run == 1
    assert load_model(tmp_path / "m.npz")[3]["epochs_run"] == 1
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_bad_settings_are_refused(tiny_corpus, tmp_path):
    for bad in (dict(epochs=0), dict(hidden=-1), dict(lr=-1.0), dict(dropout=1.0),
                dict(features="nope"), dict(char_hidden=-1), dict(lr_embed=-1.0)):
        with pytest.raises(PostagError):
            train(tiny_corpus[0], tmp_path / "m.npz", cfg(**bad), **QUIET)
    assert not (tmp_path / "m.npz").exists()


def test_a_model_too_large_to_load_is_refused_before_training(tiny_corpus, tmp_path,
                                                             monkeypatch):
    from postag_cli import modelio
    from postag_cli import training as T
    train(tiny_corpus[0], tmp_path / "ok.npz", cfg(epochs=1), tokenizer=False, **QUIET)
    w = weights(tmp_path / "ok.npz")
    n = w["Wxh"].size  # the largest array
    total = 4 * sum(a.size for a in w.values())  # bytes of float32 weights
    for module in (T, modelio):  # the loader's limit, lowered to this model's table
        monkeypatch.setattr(module, "MAX_ELEMENTS", n)
    train(tiny_corpus[0], tmp_path / "at.npz", cfg(epochs=1), checkpoint=tmp_path / "at.ckpt",
          tokenizer=False, **QUIET)  # (the tagger's tables: the tokenizer's are small)
    load_model(tmp_path / "at.npz")  # exactly at the limit: trained and loadable
    load_model(tmp_path / "at.ckpt", magic=CHECKPOINT_MAGIC)
    for module in (T, modelio):
        monkeypatch.setattr(module, "MAX_ELEMENTS", n - 1)
    with pytest.raises(PostagError, match=r"too large to load \(Wxh .*--min-count"):
        train(tiny_corpus[0], tmp_path / "big.npz", cfg(epochs=1), **QUIET)
    assert not (tmp_path / "big.npz").exists()
    with pytest.raises(PostagError, match="loaded|too large"):  # what the check prevents
        load_model(tmp_path / "at.npz")
    # a checkpoint holds 4 copies of the weights: refused when they would pass the file limit
    for module in (T, modelio):
        monkeypatch.setattr(module, "MAX_ELEMENTS", n)
        monkeypatch.setattr(module, "MAX_TOTAL_BYTES", 4 * total - 1)
    train(tiny_corpus[0], tmp_path / "nock.npz", cfg(epochs=1), **QUIET)
    with pytest.raises(PostagError, match="a checkpoint 4 copies"):
        train(tiny_corpus[0], tmp_path / "ck.npz", cfg(epochs=1),
              checkpoint=tmp_path / "ck.ckpt", **QUIET)
    assert not (tmp_path / "ck.ckpt").exists()


def test_save_load_round_trip(tiny_corpus, tmp_path):
    from postag_cli.modelio import save_model
    from postag_cli.tagger import Tagger
    train(tiny_corpus[0], tmp_path / "a.npz", cfg(epochs=1, char_hidden=4), **QUIET)
    params, feats, tags, meta, extra = load_model(tmp_path / "a.npz")
    assert all(a.dtype == np.float32 for a in params.values()) and set(extra) == {"tokenizer"}
    save_model(tmp_path / "b.npz", params, feats, tags, meta, chars=meta["chars"], extra=extra)
    p2, f2, t2, m2, e2 = load_model(tmp_path / "b.npz")
    assert f2 == feats and t2 == tags and m2 == meta
    assert all(np.array_equal(extra["tokenizer"][k], e2["tokenizer"][k]) for k in extra["tokenizer"])
    assert all(np.array_equal(params[k], p2[k]) for k in params)
    with np.load(tmp_path / "b.npz", allow_pickle=False) as z:  # plain arrays, strings as unicode
        assert z["features"].dtype.kind == "U" and z["tags"].dtype.kind == "U"
    words = ["the", "cat", "sees", "a", "dog", "."]
    assert Tagger.load(tmp_path / "a.npz").tag(words) == Tagger.load(tmp_path / "b.npz").tag(words)


def test_char_table_batches_match_char_batch(sample_train):
    """The vectorised character batches of training give the same loss and gradients as the
    per-word `Features.char_batch` that gradcheck and the tagger use."""
    from postag_cli import gradcheck as gc
    from postag_cli.features import Features
    from postag_cli.training import CharTable, encode, read_corpus
    sents = read_corpus(sample_train, "upos")[0][:12]
    feats = Features.build([w for s in sents for w in s.words], ["w", "s2"], char_model=True)
    tagset = sorted({t for s in sents for t in s.tags if t})
    data = encode(sents, feats, {t: i for i, t in enumerate(tagset)})
    table = CharTable(feats, data)
    batch = [3, 0, 7, 5]
    ids, tags, mask = gc.make_batch([data[i] for i in batch])
    params = M.init_params(len(feats), len(tagset), 6, "birnn", 1, dtype=np.float64,
                           n_chars=len(feats.chars), char_hidden=3, scale=2.0)
    a = M.loss_and_grads(params, "birnn", M.Batch(ids, tags, mask, table.batch(batch, len(ids), mask)))
    b = M.loss_and_grads(params, "birnn", M.Batch(
        ids, tags, mask, feats.char_batch([data[i][2] for i in batch], len(ids))))
    assert a[0] == pytest.approx(b[0], rel=1e-12)
    for k in params:
        ga, gb = a[1][k], b[1][k]
        ga = ga.to_dense(params[k].shape) if hasattr(ga, "to_dense") else ga
        gb = gb.to_dense(params[k].shape) if hasattr(gb, "to_dense") else gb
        np.testing.assert_allclose(ga, gb, rtol=1e-9, atol=1e-12)


def test_sparse_adagrad_equals_dense():
    """Updating only the rows a batch touched is exactly the dense min-char-rnn update."""
    from postag_cli.training import Adagrad
    rng = np.random.default_rng(0)
    p0 = {"Wxh": rng.standard_normal((20, 4)).astype(np.float32),
          "by": rng.standard_normal(3).astype(np.float32)}
    sparse_p = {k: v.copy() for k, v in p0.items()}
    dense_p = {k: v.copy() for k, v in p0.items()}
    sparse_opt = Adagrad(sparse_p, 0.1, 5.0, lr_embed=0.3)
    dense_opt = Adagrad(dense_p, 0.1, 5.0, lr_embed=0.3)
    for _ in range(3):
        rows = np.unique(rng.integers(0, 20, 6))
        values = (rng.standard_normal((len(rows), 4)) * 10).astype(np.float32)  # some clipped
        dense = np.zeros((20, 4), np.float32)
        dense[rows] = values
        g_by = rng.standard_normal(3).astype(np.float32)
        sparse_opt.step(sparse_p, {"Wxh": M.SparseRows(rows, values.copy()), "by": g_by}, 0.5)
        dense_opt.step(dense_p, {"Wxh": dense, "by": g_by}, 0.5)
    for k in p0:
        np.testing.assert_allclose(sparse_p[k], dense_p[k], rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(sparse_opt.mem[k], dense_opt.mem[k], rtol=1e-6)
    assert not np.array_equal(sparse_p["Wxh"], p0["Wxh"])


def test_jobs_do_not_change_the_model(tiny_corpus, tmp_path):
    """A helper process computing half of every minibatch gives the model of one process, bit
    for bit (computing the minibatch in one part is a different, equally valid schedule)."""
    train_f, dev_f = tiny_corpus
    c = cfg(epochs=2, dropout=0.2, char_hidden=3, batch_size=4)
    train(train_f, tmp_path / "one.npz", c, dev_path=dev_f, jobs=1, **QUIET)
    train(train_f, tmp_path / "two.npz", c, dev_path=dev_f, jobs=2, **QUIET)
    one, two = weights(tmp_path / "one.npz"), weights(tmp_path / "two.npz")
    assert all(np.array_equal(one[k], two[k]) for k in one)
    import postag_cli.training as T
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(T, "BATCH_PARTS", 1)
        train(train_f, tmp_path / "seq.npz", c, dev_path=dev_f, jobs=2, **QUIET)
    seq = weights(tmp_path / "seq.npz")
    assert not all(np.array_equal(one[k], seq[k]) for k in one)


@pytest.mark.parametrize("extra", [dict(crf=True), dict(adversarial_stride=2, layers=2)])
def test_jobs_do_not_change_the_model_with_other_options(tiny_corpus, tmp_path, extra):
    """The same with the CRF (whose transition gradient once came out in float64 and was
    rounded differently through the helper's float32 buffer) and other options."""
    train_f, dev_f = tiny_corpus
    c = cfg(epochs=1, char_hidden=3, batch_size=4, **extra)
    train(train_f, tmp_path / "one.npz", c, dev_path=dev_f, jobs=1, **QUIET)
    train(train_f, tmp_path / "two.npz", c, dev_path=dev_f, jobs=2, **QUIET)
    one, two = weights(tmp_path / "one.npz"), weights(tmp_path / "two.npz")
    assert all(np.array_equal(one[k], two[k]) for k in one)


def test_resume_keeps_the_dev_file_and_the_patience(tiny_corpus, tmp_path):
    """A checkpoint scored on one dev file is not resumed with another (or none), and the
    epochs without a better dev score go on counting for --patience."""
    train_f, dev_f = tiny_corpus
    other = tmp_path / "other.conllu"
    other.write_text(dev_f.read_text(encoding="utf-8").split("\n\n", 1)[1], encoding="utf-8")
    train(train_f, tmp_path / "m.npz", cfg(epochs=2), dev_path=dev_f,
          checkpoint=tmp_path / "m.ckpt", **QUIET)
    for dev in (other, None):
        with pytest.raises(PostagError, match="checkpoint was scored with dev file"):
            train(train_f, tmp_path / "x.npz", cfg(epochs=3), dev_path=dev,
                  resume=tmp_path / "m.ckpt", **QUIET)
    train(train_f, tmp_path / "n.npz", cfg(epochs=2), checkpoint=tmp_path / "n.ckpt", **QUIET)
    with pytest.raises(PostagError, match="checkpoint was scored with no dev file"):
        train(train_f, tmp_path / "x.npz", cfg(epochs=3), dev_path=dev_f,
              resume=tmp_path / "n.ckpt", **QUIET)



def test_patience_counts_on_across_a_resume(tiny_corpus, tmp_path, monkeypatch):
    """With a dev score that never improves after epoch 1, --patience 2 stops a straight run
    after epoch 3, and a run of 2 epochs resumed with more also after epoch 3."""
    import postag_cli.training as T
    monkeypatch.setattr(T, "accuracy", lambda tagger, dev: 0.5)
    train_f, dev_f = tiny_corpus
    r = train(train_f, tmp_path / "a.npz", cfg(epochs=10, patience=2), dev_path=dev_f, **QUIET)
    assert (r.epochs_run, r.best_epoch) == (3, 1)
    train(train_f, tmp_path / "b.npz", cfg(epochs=2, patience=2), dev_path=dev_f,
          checkpoint=tmp_path / "b.ckpt", **QUIET)
    r = train(train_f, tmp_path / "b.npz", cfg(epochs=10, patience=2), dev_path=dev_f,
              checkpoint=tmp_path / "b.ckpt", resume=tmp_path / "b.ckpt", **QUIET)
    assert (r.epochs_run, r.best_epoch) == (3, 1)


def test_jobs_do_not_change_the_model_with_untagged_parts(tmp_path):
    """The same with the default one-table model, feature dropout, and minibatches where the
    helper's part or this process's part has no tagged word (untagged sentences are long or
    short, so that a minibatch's length-sorted parts are sometimes all untagged)."""
    from conftest import write_conllu

    import random
    rng = random.Random(3)
    words = ["the", "cat", "sees", "a", "dog", "Anna", "runs", "fast", "Ideas", "sleep"]
    sents = []
    for i in range(48):
        n = rng.choice([2, 3, 9, 10])
        w = [rng.choice(words) for _ in range(n)]
        t = ["_"] * n if i % 3 == 0 else [rng.choice(["NOUN", "VERB", "DET"]) for _ in range(n)]
        sents.append((w, t))
    train_f = write_conllu(tmp_path / "t.conllu", sents)
    c = cfg(epochs=2, dropout=0.2, char_hidden=3, batch_size=4, feature_dropout=0.5,
            recurrent_dropout=0.3)
    train(train_f, tmp_path / "one.npz", c, jobs=1, **QUIET)
    train(train_f, tmp_path / "two.npz", c, jobs=2, **QUIET)
    one, two = weights(tmp_path / "one.npz"), weights(tmp_path / "two.npz")
    assert all(np.array_equal(one[k], two[k]) for k in one)


def test_feature_dropout_replaces_rare_features_by_their_unknown_entry(tiny_corpus, tmp_path,
                                                                       monkeypatch):
    """Feature dropout changes the ids of the non-word columns only, to their template's <unk>,
    rare features more often than frequent ones; the word column is left to word dropout."""
    import postag_cli.model as model_module
    seen = []
    real = model_module.loss_and_grads

    def spy(params, arch, batch, *a, **kw):
        seen.append(batch.ids.copy())
        return real(params, arch, batch, *a, **kw)

    monkeypatch.setattr(model_module, "loss_and_grads", spy)
    train(tiny_corpus[0], tmp_path / "a.npz", cfg(epochs=1, word_dropout=0, feature_dropout=2.0),
          jobs=1, tokenizer=False, **QUIET)  # (the tagger's batches only)
    dropped_ids = np.concatenate([i.reshape(-1, i.shape[2]) for i in seen])
    seen.clear()
    train(tiny_corpus[0], tmp_path / "b.npz", cfg(epochs=1, word_dropout=0), jobs=1,
          tokenizer=False, **QUIET)
    plain = np.concatenate([i.reshape(-1, i.shape[2]) for i in seen])
    from postag_cli.features import RICH_TEMPLATES, Features
    from postag_cli.treebank import tagged_sentences
    feats = Features.build([w for s in tagged_sentences(tiny_corpus[0], "upos") for w in s.words],
                           RICH_TEMPLATES, 1, char_model=True)
    changed = dropped_ids != plain
    assert not changed[:, 0].any()  # the word column: untouched
    assert changed[:, 1:].any()
    assert (dropped_ids[changed] == np.broadcast_to(feats.unk, plain.shape)[changed]).all()
    uses = plain[:, 1:]
    count = np.bincount(uses.reshape(-1), minlength=len(feats))[uses]  # of each use's feature
    rare, frequent = changed[:, 1:][count <= 20].mean(), changed[:, 1:][count >= 100].mean()
    assert rare > 0.05 > 0.02 > frequent  # alpha 2: 2/(2+c), ~10%+ vs ~1%


def test_helper_failure_is_reported(tiny_corpus, tmp_path, monkeypatch):
    import postag_cli.training as T
    real = T.BatchJob.gradients

    def failing(self, epoch, index, part, batch):
        if part == 1:  # the helper's part
            raise MemoryError("no room")
        return real(self, epoch, index, part, batch)

    monkeypatch.setattr(T.BatchJob, "gradients", failing)
    with pytest.raises(PostagError, match="helper process failed: MemoryError: no room"):
        train(tiny_corpus[0], tmp_path / "m.npz", cfg(epochs=1, batch_size=4), jobs=2, **QUIET)


def test_split_batch_cuts_runs_of_similar_length():
    from postag_cli.training import split_batch
    lengths = np.array([5, 30, 6, 7, 31, 8, 9, 40, 2, 3])
    batch = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    parts = split_batch(batch, lengths, 2)
    assert sorted(np.concatenate(parts).tolist()) == batch.tolist()
    assert [lengths[p].tolist() for p in parts] == [[2, 3, 5, 6, 7, 8, 9], [30, 31, 40]]
    assert [len(p) for p in split_batch(batch[:1], lengths, 2)] == [1]
    assert len(split_batch(batch, lengths, 1)) == 1


def test_recurrent_dropout_trains_and_is_checked(tiny_corpus, tmp_path):
    train_f, dev_f = tiny_corpus
    r = train(train_f, tmp_path / "r.npz", cfg(epochs=4, recurrent_dropout=0.3), dev_path=dev_f,
              **QUIET)
    assert r.best_dev > 0.9
    with pytest.raises(PostagError, match=r"--recurrent-dropout must be in \[0, 1\), not 1.0"):
        train(train_f, tmp_path / "x.npz", cfg(recurrent_dropout=1.0), **QUIET)


def test_adversarial_training_trains_and_is_checked(tiny_corpus, tmp_path):
    train_f, dev_f = tiny_corpus
    models = {}
    for eps, stride in ((0.0, 1), (1.0, 1), (1.0, 2)):
        r = train(train_f, tmp_path / f"a{stride}{eps}.npz", cfg(epochs=4, adversarial=eps,
                  adversarial_stride=stride), dev_path=dev_f, **QUIET)
        assert r.best_dev > 0.9
        models[eps, stride] = weights(tmp_path / f"a{stride}{eps}.npz")
    for a, b in (((0.0, 1), (1.0, 1)), ((1.0, 1), (1.0, 2))):  # each setting changes training
        assert not np.array_equal(models[a]["Wxh"], models[b]["Wxh"])
    meta = load_model(tmp_path / "a21.0.npz")[3]
    assert meta["adversarial"] == 1.0 and meta["adversarial_stride"] == 2
    for bad, msg in ((dict(adversarial=-1.0), "--adversarial must be >= 0, not -1.0"),
                     (dict(adversarial=float("nan")), "--adversarial must be a finite number"),
                     (dict(adversarial=float("inf")), "--adversarial must be a finite number"),
                     (dict(adversarial_stride=0), "--adversarial-stride must be at least 1")):
        with pytest.raises(PostagError, match=msg):
            train(train_f, tmp_path / "x.npz", cfg(**bad), **QUIET)
    assert not (tmp_path / "x.npz").exists()


def test_union_rows_is_the_sorted_union():
    from postag_cli.parallel import union_rows
    rng = np.random.default_rng(0)
    for n, m in [(0, 0), (0, 5), (7, 0), (50, 60), (300, 5)]:
        a, b = np.unique(rng.integers(0, 80, n)), np.unique(rng.integers(0, 80, m))
        assert np.array_equal(union_rows(a, b), np.union1d(a, b))


@pytest.mark.parametrize("n,per_epoch", [(10, 4), (7, 1), (3, 5), (1, 2), (100, 3)])
def test_snapshots_are_evenly_spaced_and_end_the_epoch(n, per_epoch):
    from postag_cli.training import snapshot_batches

    at = snapshot_batches(n, per_epoch)
    assert sorted(at.values()) == list(range(1, min(n, per_epoch) + 1))
    idx = sorted(at)
    assert idx[-1] == n - 1 and idx[0] >= 0 and [at[i] for i in idx] == sorted(at.values())
    gaps = np.diff([-1] + idx)
    assert gaps.max() - gaps.min() <= 1  # evenly spaced


def test_weight_average_over_snapshots(tiny_corpus, tmp_path, monkeypatch):
    """With averaging, the saved weights are the mean of the snapshots taken from the averaging
    epoch on: a recorder sees every snapshot, the running mean is their np.mean."""
    from postag_cli import training as T

    seen = []
    real = T.running_mean

    def recording(avg, params, n):
        seen.append((n, {k: v.copy() for k, v in params.items()}))
        return real(avg, params, n)

    monkeypatch.setattr(T, "running_mean", recording)
    train(tiny_corpus[0], tmp_path / "m.npz", cfg(epochs=3, average=2, average_snapshots=3),
          **QUIET)
    assert [n for n, _ in seen] == [1, 2, 3, 4, 5, 6]  # 3 per epoch in epochs 2 and 3
    saved = weights(tmp_path / "m.npz")  # no dev set: the last epoch's mean is saved
    for k in saved:
        np.testing.assert_allclose(saved[k], np.mean([p[k] for _, p in seen], axis=0),
                                   rtol=1e-5, atol=1e-6)


def test_resume_a_checkpoint_older_than_some_settings(tiny_corpus, tmp_path):
    """A checkpoint written before a setting existed resumes as if it had that setting's old
    behaviour (DEFAULTS_OF_NEW); asking for another value is refused with the old value named."""
    import json

    from postag_cli.checkpoint import DEFAULTS_OF_NEW

    train_f, dev_f = tiny_corpus
    c = dict(DEFAULTS_OF_NEW, average=2)
    train(train_f, tmp_path / "m.npz", cfg(epochs=2, **c), dev_path=dev_f,
          checkpoint=tmp_path / "c.ckpt", **QUIET)
    with np.load(tmp_path / "c.ckpt", allow_pickle=False) as z:
        members = {k: z[k] for k in z.files}
    meta = json.loads(str(members["meta"]))
    for key in DEFAULTS_OF_NEW:
        del meta[key]  # as an older version wrote it
    members["meta"] = np.array(json.dumps(meta, sort_keys=True))
    np.savez(tmp_path / "old.ckpt", **members)
    os.replace(tmp_path / "old.ckpt.npz", tmp_path / "old.ckpt")
    r = train(train_f, tmp_path / "m.npz", cfg(epochs=3, **c), dev_path=dev_f,
              resume=tmp_path / "old.ckpt", checkpoint=None, **QUIET)
    assert r.epochs_run == 3
    with pytest.raises(PostagError, match="average_snapshots=1 differs from this run's 4"):
        train(train_f, tmp_path / "m.npz", cfg(epochs=3, **dict(c, average_snapshots=4)),
              dev_path=dev_f, resume=tmp_path / "old.ckpt", **QUIET)


def test_share_rows_updates_each_row_once_with_both_parts():
    """Rows only one process has stay with it; shared rows go to exactly one of the two, with
    the other's position, and the two row counts differ by at most one where sharing allows."""
    from postag_cli.parallel import share_rows
    rng = np.random.default_rng(0)
    for _ in range(200):
        a = np.unique(rng.integers(0, 60, rng.integers(0, 40)))
        b = np.unique(rng.integers(0, 60, rng.integers(0, 40)))
        keep_a, (pa, qb), keep_b, (pb, qa) = share_rows(a, b)
        here, there = a[keep_a], b[keep_b]
        assert not set(here) & set(there)
        assert sorted(set(here) | set(there)) == sorted(set(a) | set(b))
        assert np.array_equal(here[pa], b[qb]) and np.array_equal(there[pb], a[qa])
        assert sorted(here[pa].tolist() + there[pb].tolist()) == sorted(set(a) & set(b))
        shared = len(set(a) & set(b))
        only_a, only_b = len(a) - shared, len(b) - shared
        best = max(abs(only_a - only_b) - shared, (only_a + only_b + shared) % 2)
        assert abs(len(here) - len(there)) <= max(best, 1)


def test_a_treebank_without_its_text_is_refused(tmp_path):
    """Some UD treebanks ship with FORM _ (the text under another licence): nothing to learn."""
    from conftest import write_conllu
    f = write_conllu(tmp_path / "notext.conllu", [(["_", "_", "_"], ["DET", "NOUN", "VERB"])] * 3)
    with pytest.raises(PostagError, match="FORM column is _ everywhere"):
        train(f, tmp_path / "m.npz", cfg(), **QUIET)
    assert not (tmp_path / "m.npz").exists()


def float_environment() -> str:
    """A fingerprint of how this machine's numpy and BLAS round float32 (a product, tanh, exp):
    trained weights are the same bits only where it is the same."""
    import hashlib
    rng = np.random.default_rng(0)
    a = rng.standard_normal((37, 129)).astype(np.float32)
    r = np.tanh(a @ rng.standard_normal((129, 67)).astype(np.float32))
    h = rng.standard_normal((96, 192)).astype(np.float32)  # (a training step's shape)
    g = h @ rng.standard_normal((192, 192)).astype(np.float32)
    return hashlib.sha256(r.tobytes() + np.exp(r).tobytes() + g.tobytes()).hexdigest()[:16]


# sha256 of the weights trained by the code before issue 21's redesign (commit 8ddca95) on the
# bundled sample, on the machines where they were recorded (by their float_environment): a
# refactor must give the same models, bit for bit. (First recorded on a machine whose fingerprint
# was not: default f981e4b7..., seed 1ca11c62...; 8ddca95 gave the hashes below on an AMD EPYC,
# OpenBLAS's Haswell kernels, numpy 2.4.6, on 2026-12-07, and those first ones again on an AMD
# EPYC with AVX-512, OpenBLAS's SkylakeX kernels, numpy 2.4.6, on 2026-12-08.)
BEFORE_REDESIGN = {
    "9d378591e49feb79": {
        "default": "f981e4b7d02b65ed9d76867ec26900f8519e192efb9b1dfc4f58d75376f339f1",
        "seed": "1ca11c62b4a78457658df043dc401f50641191451639363dad09b1e80c7b997d",
    },
    "452091d8b606dd01": {
        "default": "9e68495ce0371828ae71880cb3bf999a19e4de41455f3bf1d21a9aa2a953c4c1",
        "seed": "0205490bc6bee202ceda8086989aa49ba600ed046d8b7f2077f9303ff69828b0",
    },
}
SEED_SETTINGS = dict(arch="rnn", features="word", char_hidden=0, dropout=0, recurrent_dropout=0,
                     average=0, lr=0.1, lr_embed=0, batch_size=32, adversarial=0, hidden=128,
                     word_dropout=0, feature_dropout=0)  # min-char-rnn's setting


@pytest.mark.parametrize("name,settings", [("default", {}), ("seed", SEED_SETTINGS)])
def test_same_models_bit_for_bit_as_before_the_redesign(name, settings, sample_train, sample_dev,
                                                          tmp_path):
    import postag_cli
    from postag_cli.modelio import load_model, weights_sha256
    recorded = BEFORE_REDESIGN.get(float_environment())
    if recorded is None:
        pytest.skip(f"no hashes recorded for this machine's float rounding ({float_environment()})")
    postag_cli.train(sample_train, tmp_path / "m.npz", dev=sample_dev, tokenizer=False, epochs=3,
                     **settings)
    assert weights_sha256(load_model(tmp_path / "m.npz")[0]) == recorded[name]


def test_preset_seed_is_min_char_rnns_setting(sample_train, sample_dev, tmp_path):
    """--preset seed (and preset="seed") trains the seed setting: the same model bit for bit as
    all of its options given one by one; an option given as well overrides the preset."""
    from click.testing import CliRunner

    import postag_cli
    from postag_cli.cli import cli
    from postag_cli.modelio import load_model, weights_sha256
    from postag_cli.settings import PRESETS
    assert {k: v for k, v in PRESETS["seed"].items() if k != "epochs"} == \
        {**SEED_SETTINGS, "input_dropout": 0.0}
    r = CliRunner().invoke(cli, ["train", str(sample_train), "--dev", str(sample_dev), "--preset",
                                 "seed", "--epochs", "3", "--no-tokenizer", "-o",
                                 str(tmp_path / "cli.npz")])
    assert r.exit_code == 0, r.output
    postag_cli.train(sample_train, tmp_path / "api.npz", dev=sample_dev, tokenizer=False,
                     preset="seed", epochs=3)
    postag_cli.train(sample_train, tmp_path / "one.npz", dev=sample_dev, tokenizer=False,
                     epochs=3, input_dropout=0.0, **SEED_SETTINGS)  # (one by one)
    one = weights_sha256(load_model(tmp_path / "one.npz")[0])
    default = postag_cli.train(sample_train, tmp_path / "d.npz", dev=sample_dev, tokenizer=False,
                               epochs=3)
    assert one != weights_sha256(load_model(tmp_path / "d.npz")[0]) and default
    for name in ("cli.npz", "api.npz"):
        params, _, _, meta, _ = load_model(tmp_path / name)
        assert weights_sha256(params) == one
        assert meta["epochs"] == 3 and meta["word_dropout"] == 0 and meta["arch"] == "rnn"
    with pytest.raises(postag_cli.PostagError, match="unknown preset 'sead'"):
        postag_cli.train(sample_train, tmp_path / "x.npz", preset="sead")
