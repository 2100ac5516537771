"""The training loop: minibatches, Adagrad as in min-char-rnn, dev evaluation, checkpoints.

    for each epoch:
        for each shuffled minibatch of sentences:
            for each of its BATCH_PARTS parts (sentences of similar length):
                loss, grads = model.loss_and_grads(...)    # forward + backprop through time,
                                                           # twice: the adversarial pass
            grads = sum of the parts' grads                # the minibatch's gradient
            grads /= number of words in the batch          # mean loss per word
            clip every gradient entry to [-clip, clip]
            mem += g * g;  p -= lr * g / sqrt(mem + 1e-8)  # Adagrad
        tag dev; keep the weights if dev accuracy is the best so far; write a checkpoint

The parts of a minibatch do not depend on each other, so with `jobs` 2 a helper process
computes the second part while this process computes the first (parallel.py). The schedule,
not the number of processes, defines the result: part j of minibatch i of epoch e draws its
random numbers (word dropout, dropout) from a generator seeded with (seed, e, i, j), so --jobs 1
and --jobs 2 give the same model bit for bit, and a run resumed from the checkpoint of epoch e
(checkpoint.py) continues exactly as the uninterrupted run would have.

The run, step by step (`train`): check the settings (settings.py), read the corpus, check the
gradients, encode the data, learn the tokenizer for raw text (segmenter.py), then `Run`:
resume or start, and for each epoch `epoch` (minibatches, `step`) and `after_epoch` (dev
score, best weights, model file, checkpoint, log line).
"""

from __future__ import annotations

import hashlib
import json
import math
import multiprocessing
import os
import signal
import sys
import time
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from . import gradcheck
from . import model as M
from .errors import PostagError
from .features import Features, chars_of_types
from .fileio import display_name
from .checkpoint import load_checkpoint, save_checkpoint
from .modelio import (CHECKPOINT_MAGIC, MAX_ELEMENTS, MAX_TOTAL_BYTES, file_sha256, load_model,
                      save_model)
from .parallel import Helper, _shared_copy, add_grads
from .settings import TrainConfig
from .tagger import MAX_SEGMENT, Tagger
from .lexicon import describe_raw_text, learn_raw_text
from .tokenizer import ENGLISH_MARK
from .treebank import ReadStats, tagged_sentences

BATCH_PARTS = 2  # each minibatch's gradient in 2 parts (summed), so that 2 processes can share
#                 it; the schedule, not --jobs, defines the model


@dataclass
class TrainResult:
    epochs_run: int = 0
    best_epoch: int = 0
    best_dev: float | None = None
    history: list = field(default_factory=list)
    interrupted: bool = False
    model_written: bool = False


class Interrupted(Exception):
    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


class Adagrad:
    """Adagrad exactly as in min-char-rnn, with element-wise clipping. Sparse gradients update
    only the rows they hold, which equals the dense update (a zero gradient changes nothing)."""

    def __init__(self, params, lr, clip, lr_embed=None):
        """lr_embed: learning rate of the one-hot tables (Wxh, Wxc), if not lr."""
        self.clip = clip
        self.lrs = {k: lr_embed if lr_embed and k in M.TABLES else lr for k in params}
        self.mem = {k: np.zeros_like(v) for k, v in params.items()}

    def step(self, params, grads, scale=1.0):
        for k, g in grads.items():
            p, mem = params[k], self.mem[k]
            if isinstance(g, M.SparseRows):
                rows, g = g.rows, g.values  # (the batch's own arrays: updated in place)
                g *= scale
                np.clip(g, -self.clip, self.clip, out=g)
                m = mem[rows]
                m += g * g  # mem += g*g
                mem[rows] = m
                m += 1e-8
                np.sqrt(m, out=m)
                g /= m
                g *= self.lrs[k]
                p[rows] -= g  # p -= lr * g / sqrt(mem + 1e-8)
            else:
                g = np.clip(g * scale, -self.clip, self.clip)
                mem += g * g
                p -= self.lrs[k] * g / np.sqrt(mem + 1e-8)


def encode(sentences, feats: Features, tag_index):
    """(ids (n, K), tag ids (n,), forms) per sentence; tag -1 for a missing tag, len(tagset) for
    a tag the model does not know (an error in evaluation, ignored by the loss). Sentences
    longer than MAX_SEGMENT words are cut into pieces."""
    C = len(tag_index)
    out = []
    for s in sentences:
        y = np.array([-1 if t is None else tag_index.get(t, C) for t in s.tags], dtype=np.int64)
        x = feats.encode(s.words)
        for start in range(0, len(x), MAX_SEGMENT):
            cut = slice(start, start + MAX_SEGMENT)
            out.append((x[cut], y[cut], s.words[cut]))
    return out


class CharTable:
    """The training forms spelled out once (`Features.spell`), so a batch's character input is
    built by array operations (`batch`), not word by word."""

    def __init__(self, feats: Features, data):
        index: dict[str, int] = {}
        for e in data:
            for w in e[2]:
                index.setdefault(w, len(index))
        self.table, self.lengths = feats.spell(list(index))
        self.form_ids = [np.array([index[w] for w in e[2]], dtype=np.int64) for e in data]

    def batch(self, batch, T, mask) -> M.Chars:
        """model.Chars for sentences `batch` (indices into data) padded to length T."""
        form_pad = np.zeros((T, len(batch)), dtype=np.int64)
        for b, i in enumerate(batch):
            form_pad[:len(self.form_ids[i]), b] = self.form_ids[i]
        real = mask > 0
        types, inv = np.unique(form_pad[real], return_inverse=True)
        word_type = np.zeros((T, len(batch)), dtype=np.int64)
        word_type[real] = inv.reshape(-1)
        return chars_of_types(self.table[types], self.lengths[types], word_type)


def auto_batch_size(n_sentences: int) -> int:
    """The default minibatch: 96 sentences, or fewer for a corpus of under 4,608 sentences, so
    that an epoch has at least 48 steps (at least 8 sentences). Measured on the first 250 / 500
    / 1,000 / 3,000 sentences of EWT train: small corpora gain 0.1-0.9 points from more steps."""
    return min(MAX_AUTO_BATCH, max(8, n_sentences // 48))


MAX_AUTO_BATCH = 96


def auto_hidden(n_sentences: int) -> int:
    """The default hidden size: 192 units per direction, or 128 for a corpus of under 750
    sentences (the first 250 / 500 EWT sentences: +0.37 / +0.11 points with 128; a tie from
    1,000 on; with 12,544, 192 gain 0.10)."""
    return 128 if n_sentences < SMALL_CORPUS else 192


SMALL_CORPUS = 750


def minibatches(lengths, batch_size, rng):
    """Shuffled minibatches of sentence indices; sentences of similar length are batched together
    (sorted within pools of 50 batches) to limit padding; the batch order is shuffled too."""
    perm = rng.permutation(len(lengths))
    pool = batch_size * 50
    batches = []
    for start in range(0, len(perm), pool):
        chunk = perm[start:start + pool]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches.extend(chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size))
    return [batches[i] for i in rng.permutation(len(batches))]


def split_batch(batch, lengths, n_parts):
    """A minibatch (sentence indices) cut into n_parts runs of consecutive sentences by length,
    cut where the padded sizes (longest length x sentences) are most even, so that the parts
    take about the same time."""
    batch = batch[np.argsort(lengths[batch], kind="stable")]
    if n_parts == 1 or len(batch) < 2:
        return [batch]
    L = lengths[batch]
    cuts = [0]
    for j in range(1, n_parts):  # greedy: each cut balances what is left
        rest = batch[cuts[-1]:]
        k = np.arange(1, len(rest))
        cost = np.maximum(L[cuts[-1] + k - 1] * k, L[-1] * (len(rest) - k) / (n_parts - j))
        cuts.append(cuts[-1] + int(k[np.argmin(cost)]) if len(k) else len(batch))
    cuts.append(len(batch))
    return [batch[a:b] for a, b in zip(cuts[:-1], cuts[1:]) if b > a]


@dataclass
class BatchJob:
    """Everything needed to compute one minibatch's gradients; shared with the helper process."""

    config: TrainConfig
    params: dict
    data: list
    char_table: CharTable | None
    drop_p: np.ndarray | None  # probability of replacing each word feature by <unk>
    word_unk: int
    cased_slot: int | None  # column of the cased word feature, dropped with the word
    cased_unk: int
    feature_drop_p: np.ndarray | None = None  # the same for the other features, by feature id
    feature_cols: np.ndarray | None = None  # the columns it applies to
    feature_unk: np.ndarray | None = None  # and their <unk> ids

    def gradients(self, epoch, index, part, batch):
        """(loss, words, grads) of part `part` of minibatch `index` of `epoch` (sentence
        indices `batch`) at the current weights, or None when it has no tagged word."""
        cfg = self.config
        rng = np.random.default_rng([cfg.seed, epoch, index, part])
        ids, tags, mask = M.make_batch([self.data[i] for i in batch])
        mask = mask.astype(np.float32)
        ntok = float((tags >= 0).sum())  # the words with a gold tag
        if ntok == 0:
            return None
        chars = self.char_table.batch(batch, ids.shape[0], mask) if self.char_table else None
        if self.drop_p is not None:  # word dropout
            w = ids[:, :, 0]
            dropped = rng.random(w.shape) < self.drop_p[w]
            w[dropped] = self.word_unk
            if self.cased_slot is not None:  # the cased word goes with it
                ids[:, :, self.cased_slot][dropped] = self.cased_unk
        if self.feature_drop_p is not None:  # feature dropout: each rare feature on its own
            cols = ids[:, :, self.feature_cols]  # (T, B, K') a copy
            dropped = rng.random(cols.shape) < self.feature_drop_p[cols]
            ids[:, :, self.feature_cols] = np.where(dropped, self.feature_unk, cols)
        noise = M.Noise(rng, cfg.dropout, cfg.recurrent_dropout, cfg.input_dropout,
                        cfg.adversarial, cfg.adversarial_stride)
        loss, grads = M.loss_and_grads(self.params, cfg.arch, M.Batch(ids, tags, mask, chars),
                                       noise)
        return loss, ntok, grads


def accuracy(tagger: Tagger, encoded) -> float:
    """Share of words with a gold tag whose predicted tag is right."""
    probs = tagger.probabilities([e[2] for e in encoded])
    correct = total = 0
    for p, (_, y, *_) in zip(probs, encoded):
        keep = y >= 0
        correct += int((p.argmax(axis=1)[keep] == y[keep]).sum())
        total += int(keep.sum())
    return correct / total if total else 0.0


class _HashingReader:
    """A binary stream that hashes what is read from it (the sha256 of a corpus on stdin)."""

    def __init__(self, f):
        self.f, self.sha = f, hashlib.sha256()

    def readline(self, size=-1):
        line = self.f.readline(size)
        self.sha.update(line)
        return line


def read_corpus(path, column, skip_bad=False, what="training file", binary=None):
    stats = ReadStats()
    sents = list(tagged_sentences(path, column, skip_bad=skip_bad, stats=stats, binary=binary))
    if not sents:
        raise PostagError(f"{path}: no sentences in the {what}")
    if not any(t is not None for s in sents for t in s.tags):
        hint = f" (try --tag-column {'xpos' if column == 'upos' else 'upos'})" \
            if what in ("training file", "dev file") else ""
        raise PostagError(f"{path}: the {column.upper()} column is _ everywhere; nothing to learn "
                          f"from{hint}")
    if all(w == "_" for s in sents for w in s.words):
        raise PostagError(f"{path}: the FORM column is _ everywhere: the treebank was "
                          "distributed without its text; restore the word forms first")
    return sents, stats


def check_model_size(shapes: dict, corpus_name, checkpoint=True) -> None:
    """Refuse, before training, a model whose file could not be loaded (modelio's limits on
    one array and on a file; a checkpoint holds 4 copies: weights, Adagrad memories, best and
    averaged weights). The input table grows with the vocabulary: --min-count shrinks it."""
    biggest = max(shapes, key=lambda k: math.prod(shapes[k]))
    n = math.prod(shapes[biggest])
    total = 4 * sum(math.prod(s) for s in shapes.values()) * (4 if checkpoint else 1)
    if n > MAX_ELEMENTS or total > MAX_TOTAL_BYTES:
        raise PostagError(
            f"{corpus_name}: the model would be too large to load ({biggest} {shapes[biggest]}, "
            f"{n:,} weights; a model file holds at most {MAX_ELEMENTS:,} per array and "
            f"{MAX_TOTAL_BYTES:,} bytes{', a checkpoint 4 copies' if checkpoint else ''}); "
            "use --min-count 2 or more, or a smaller --hidden")


MAX_TRAINING_BYTES = 4 * 2**30  # what the weights that do not depend on the corpus may take
TRAIN_COPIES = 10  # copies of the weights training holds at its peak (measured: peak RSS grows
#                   by about 10 x 4 bytes per weight with --hidden on a small corpus)


def check_training_memory(config: TrainConfig) -> None:
    """Refuse, before any work and whatever the corpus, settings whose weights that do not
    depend on the corpus (recurrent layers, output layer) would take more than
    MAX_TRAINING_BYTES in training (--hidden 8192: 5.4 GB)."""
    if not config.hidden:  # (the automatic size is small)
        return
    shapes = M.param_shapes(1, 1, config.hidden, config.arch, config.layers, 1,
                            config.char_hidden)
    n = sum(math.prod(s) for s in shapes.values())
    need = 4 * n * TRAIN_COPIES
    if need > MAX_TRAINING_BYTES:
        raise PostagError(f"--hidden {config.hidden}: training would need about "
                          f"{need / 2**30:.1f} GiB for the weights alone ({n:,} weights, about "
                          f"{TRAIN_COPIES} copies), over the limit of "
                          f"{MAX_TRAINING_BYTES / 2**30:.0f} GiB; use a smaller --hidden")


def _append_log(path, entry: dict) -> None:
    """One JSON line appended to the --log-file."""
    try:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")
    except OSError as e:
        raise PostagError(f"{path}: cannot write the log ({e.strerror or e})") from None


def _log(msg):
    print(msg, file=sys.stderr, flush=True)


def default_jobs(config: TrainConfig) -> int:
    """Processes for training: one per part of a minibatch, at most 2 and one per CPU."""
    return max(1, min(BATCH_PARTS, 2, os.cpu_count() or 1))


def train(train_path, output, config: TrainConfig, dev_path=None, checkpoint=None, resume=None,
          log_file=None, skip_bad=False, log=_log, progress=None, jobs=None,
          tokenizer=True) -> TrainResult:
    """Train a model on a CoNLL-U file and save it to `output` (see the module docstring).
    `jobs`: processes computing gradients (default `default_jobs`); it does not change the
    model. `tokenizer`: also learn the tokenizer for raw text (segmenter.py) from the training
    file's surface text."""
    config.check()  # (each setting's declared values: settings.py)
    check_training_memory(config)
    if jobs is not None and jobs < 1:
        raise PostagError(f"--jobs must be at least 1, not {jobs}")
    # the checkpoint to resume, read and checked before the corpus (its settings and data
    # are compared with this run's once the corpus is read)
    resumed = load_model(resume, magic=CHECKPOINT_MAGIC) if resume is not None else None
    corpus, config = read_training_data(train_path, dev_path, config, skip_bad, log)
    if config.gradcheck and resume is None:
        check_gradients_first(corpus, config, tokenizer, log)
    data = TrainingData.build(corpus, config, log)
    meta = model_meta(config, corpus, data)
    tok_arrays = _tokenizer(corpus.sents, corpus.dev_sents, resumed, meta, log) if tokenizer \
        else None
    if tok_arrays is None:  # raw text goes by the rules and what the lexicon learned
        for line in describe_raw_text(meta):
            log("raw text: " + line)
    check_model_size(M.param_shapes(len(data.feats), len(data.tagset), config.hidden,
                                    config.arch, config.layers, len(data.feats.chars),
                                    config.char_hidden, config.crf),
                     corpus.name, checkpoint=bool(checkpoint or resume))
    run = Run(config, data, meta, output, checkpoint, tok_arrays, log, log_file)
    if resume is not None:
        run.resume(resume, resumed)
    return run.epochs(jobs, progress)


@dataclass
class Corpus:
    """The training and dev sentences of a run."""
    name: str  # the training file as messages name it
    sents: list
    sha256: str
    dev_path: str | None
    dev_sents: list | None


def read_training_data(train_path, dev_path, config, skip_bad, log) -> tuple[Corpus, TrainConfig]:
    """The corpus, and the config with the sizes that depend on it (--batch-size 0,
    --hidden 0) filled in."""
    if train_path == "-" and dev_path == "-":
        raise PostagError("-: the training and dev files cannot both be stdin")
    stdin = _HashingReader(sys.stdin.buffer) if train_path == "-" else None  # hashed as read
    sents, stats = read_corpus(train_path, config.tag_column, skip_bad, binary=stdin)
    sha = stdin.sha.hexdigest() if stdin else file_sha256(train_path)
    if stats.skipped:
        log(f"skipped {stats.skipped} malformed sentences of {train_path} "
            f"(first: {stats.first_skip})")
    dev_sents = None
    if dev_path is not None:
        dev_sents, _ = read_corpus(dev_path, config.tag_column, skip_bad, what="dev file")
    if config.batch_size == 0:  # the defaults: set by the corpus's size (saved as chosen)
        config = replace(config, batch_size=auto_batch_size(len(sents)))
    if config.hidden == 0:
        config = replace(config, hidden=auto_hidden(len(sents)))
    return Corpus(display_name(train_path), sents, sha, dev_path, dev_sents), config


def check_gradients_first(corpus: Corpus, config: TrainConfig, tokenizer: bool, log) -> None:
    """The gradient check of this run's model (and tokenizer) at a small size, before any
    training: a failure stops the run (exit status 1)."""
    t0 = time.time()
    results = gradcheck.run(corpus.sents, config.templates(), config.arch, config.layers,
                            checks=4, seed=config.seed, char_hidden=min(config.char_hidden, 4),
                            crf=config.crf, adversarial=config.adversarial,
                            adversarial_stride=config.adversarial_stride)
    if tokenizer:
        try:  # the learned tokenizer's network
            results += gradcheck.run_tokenizer(corpus.sents, checks=4, seed=config.seed)
        except ValueError:  # no surface text: no tokenizer to check (learning says why)
            pass
    if not all(r.passed for r in results):
        raise PostagError("gradient check failed before training: "
                          + gradcheck.summary_line(results)
                          + " (run `postag gradcheck` for the table)", exit_code=1)
    log(f"gradient check passed ({time.time() - t0:.1f}s)")


@dataclass
class TrainingData:
    """The corpus as the network reads it: vocabulary, tagset, encoded sentences and the
    tables of word and feature dropout."""
    feats: Features
    tagset: list
    data: list  # encoded training sentences (`encode`)
    dev: list | None
    lengths: np.ndarray
    char_table: CharTable | None
    n_words: int
    drop_p: np.ndarray | None  # P(a word feature becomes <unk>), by feature
    feature_drop: dict  # the same for the other features (BatchJob's feature_drop_* fields)

    @classmethod
    def build(cls, corpus: Corpus, config: TrainConfig, log) -> TrainingData:
        feats = Features.build([w for s in corpus.sents for w in s.words], config.templates(),
                               config.min_count, char_model=config.char_hidden > 0)
        tagset = sorted({t for s in corpus.sents for t in s.tags if t is not None})
        tag_index = {t: i for i, t in enumerate(tagset)}
        data = encode(corpus.sents, feats, tag_index)
        dev = encode(corpus.dev_sents, feats, tag_index) if corpus.dev_sents else None
        n_words = int(sum(int((e[1] >= 0).sum()) for e in data))
        log(f"{corpus.name}: {len(corpus.sents)} sentences, {n_words} tagged words, "
            f"{len(tagset)} tags, {len(feats)} features; arch {config.arch} x{config.layers}, "
            f"hidden {config.hidden}, minibatches of {config.batch_size}")
        if config.patience and corpus.dev_sents is None:
            log("note: --patience needs --dev (a dev score to wait for); it is ignored")
        if config.average > config.epochs:
            log(f"note: weight averaging starts at epoch {config.average} (--average), after "
                f"the last epoch ({config.epochs}): the weights will not be averaged")
        return cls(feats, tagset, data, dev, np.array([len(e[0]) for e in data]),
                   CharTable(feats, data) if config.char_hidden else None, n_words,
                   *dropout_tables(feats, data, config))


def dropout_tables(feats: Features, data, config: TrainConfig):
    """(P(word feature -> <unk>) by feature or None, the other features' table as BatchJob's
    keywords): alpha / (alpha + count), none for the <unk> entries themselves."""
    drop_p = None
    if config.word_dropout > 0 and feats.word_unk >= 0:
        word_counts = np.bincount(np.concatenate([e[0][:, 0] for e in data]),
                                  minlength=len(feats)).astype(np.float64)
        drop_p = config.word_dropout / (config.word_dropout + np.maximum(word_counts, 1e-9))
        drop_p[feats.word_unk] = 0.0
    cols = [k for k, t in enumerate(feats.templates) if t not in ("w", "wc")]
    if not (config.feature_dropout > 0 and cols):
        return drop_p, {}
    counts = np.bincount(np.concatenate([e[0][:, cols].reshape(-1) for e in data]),
                         minlength=len(feats)).astype(np.float64)
    p = config.feature_dropout / (config.feature_dropout + np.maximum(counts, 1e-9))
    p[feats.unk] = 0.0
    return drop_p, {"feature_drop_p": p, "feature_cols": np.array(cols),
                    "feature_unk": feats.unk[cols]}


def model_meta(config: TrainConfig, corpus: Corpus, data: TrainingData) -> dict:
    """What the model file says about its training: settings, data, raw-text lexicon."""
    return {
        **{k: v for k, v in asdict(config).items() if k not in ("gradcheck",)},
        "templates": list(config.templates()),
        "corpus": os.path.basename(corpus.name),
        "corpus_sha256": corpus.sha256,
        "corpus_sentences": len(corpus.sents),
        "corpus_words": data.n_words,
        "dev": None if corpus.dev_path is None else os.path.basename(display_name(corpus.dev_path)),
        "dev_sha256": _sentences_sha256(corpus.dev_sents) if corpus.dev_sents else None,
        # raw text in other languages than English: multiword tokens (du -> de le), ...
        **learn_raw_text(corpus.sents, english=data.feats.is_known(ENGLISH_MARK)),
        "batch_parts": BATCH_PARTS,  # (the schedule: a checkpoint must be resumed with it)
    }


class Run:
    """One training run from its first (or resumed) epoch on: the weights, Adagrad, the best and
    averaged weights, and the files written after every epoch."""

    def __init__(self, config, data: TrainingData, meta, output, checkpoint, tok_arrays, log,
                 log_file):
        self.config, self.data, self.meta, self.output = config, data, meta, output
        self.checkpoint, self.tok_arrays, self.log, self.log_file = checkpoint, tok_arrays, \
            log, log_file
        d = data
        self.params = M.init_params(len(d.feats), len(d.tagset), config.hidden, config.arch,
                                    config.layers, seed=config.seed, n_chars=len(d.feats.chars),
                                    char_hidden=config.char_hidden, crf=config.crf)
        self.opt = Adagrad(self.params, config.lr, config.clip, config.lr_embed)
        self.result = TrainResult()
        self.best = None  # the weights of the best epoch so far
        self.avg = None  # running mean of the weights at the snapshots of epochs >= average
        self.start = 1  # the first epoch to run
        self.bad_epochs = 0  # epochs since the best dev score (for --patience)

    def resume(self, path, loaded):
        self.params, self.opt.mem, self.best, self.avg, state = load_checkpoint(
            path, loaded, self.meta, self.data.feats, self.data.tagset)
        self.result = TrainResult(epochs_run=state["epochs_run"], best_epoch=state["best_epoch"],
                                  best_dev=state["best_dev"], history=state["history"])
        self.start = state["epochs_run"] + 1
        if self.data.dev is not None:  # (a resumed run goes on counting for --patience)
            self.bad_epochs = self.result.epochs_run - self.result.best_epoch
        self.log(f"resumed from {path} at epoch {self.start}")
        if self.start > self.config.epochs and self.best is not None:  # nothing left to run
            self.log(f"note: the checkpoint has run {self.start - 1} epochs, --epochs is "
                     f"{self.config.epochs}: no epoch to run; its best weights are saved")
            self.save_best()

    def save_best(self):
        """The model file: the best weights."""
        r, meta = self.result, self.meta
        save_model(self.output, self.best, self.data.feats.names, self.data.tagset,
                   {**meta, "epochs_run": r.epochs_run, "best_epoch": r.best_epoch,
                    "best_dev_accuracy": r.best_dev, "history": r.history},
                   chars=self.data.feats.chars,
                   extra=self.tok_arrays and {"tokenizer": self.tok_arrays})
        r.model_written = True

    def epochs(self, jobs, progress) -> TrainResult:
        """Run the epochs (with a helper process when jobs > 1), stopping cleanly on Ctrl-C
        or SIGTERM after the current minibatch."""
        if jobs is None:  # (a given value was checked in train)
            jobs = default_jobs(self.config)
        if "fork" not in multiprocessing.get_all_start_methods():
            jobs = 1
        jobs = min(jobs, BATCH_PARTS, 2)
        if jobs > 1:  # weights and Adagrad memories shared with the helper
            self.params = _shared_copy(self.params)
            self.opt.mem = _shared_copy(self.opt.mem)
        d = self.data
        wc = d.feats.templates.index("wc") if "wc" in d.feats.templates else None
        self.job = BatchJob(self.config, self.params, d.data, d.char_table, d.drop_p,
                            d.feats.word_unk, wc, int(d.feats.unk[wc]) if wc is not None else -1,
                            **d.feature_drop)
        # a diverging run is reported by the loss check, in one line: no numpy warnings (set
        # before the helper process is forked, so that it inherits it)
        saved_errstate = np.seterr(all="ignore")
        self.helper = Helper(self.job, self.opt) if jobs > 1 else None
        stop = {"signum": None}
        old_handlers = _catch_signals(stop)
        show = progress if progress is not None else sys.stderr.isatty()
        try:
            for epoch in range(self.start, self.config.epochs + 1):
                entry = self.epoch(epoch, stop, show)
                if self.after_epoch(epoch, entry):
                    break
        except Interrupted as e:
            stop["signum"] = e.signum
        finally:
            if self.helper is not None:
                self.helper.close()
            np.seterr(**saved_errstate)
            for sig, h in old_handlers.items():
                signal.signal(sig, h)
        if stop["signum"] is not None:
            self.result.interrupted = True
            self.result.signum = stop["signum"]
        return self.result

    def epoch(self, epoch, stop, show) -> dict:
        """One pass over the shuffled minibatches; the epoch's log entry."""
        from tqdm import tqdm
        c = self.config
        rng = np.random.default_rng([c.seed, epoch])
        batches = minibatches(self.data.lengths, c.batch_size, rng)
        t0 = time.time()
        self.total_loss, self.total_words = 0.0, 0
        bar = tqdm(total=len(batches), desc=f"epoch {epoch}", unit="batch", disable=not show,
                   file=sys.stderr, leave=False)
        snapshots = snapshot_batches(len(batches), c.average_snapshots) \
            if c.average and epoch >= c.average else {}
        for bi, batch in enumerate(batches):
            if stop["signum"] is not None:
                raise Interrupted(stop["signum"])
            self.step(epoch, bi, batch)
            bar.update(1)
            if bi in snapshots:  # one more term of the running mean of the weights
                self.avg = running_mean(self.avg, self.params,
                                        (epoch - c.average) * len(snapshots) + snapshots[bi])
            if show and bi % 20 == 0:
                bar.set_postfix(loss=f"{self.total_loss / max(self.total_words, 1):.3f}")
        bar.close()
        secs = time.time() - t0
        self.current = self.avg if snapshots else self.params  # the weights to evaluate
        return {"epoch": epoch, "loss": self.total_loss / max(self.total_words, 1),
                "tokens_per_s": self.total_words / max(secs, 1e-9), "seconds": round(secs, 3),
                "lr": c.lr}

    def step(self, epoch, bi, batch):
        """One minibatch: its parts' gradients (the second in the helper process, if any),
        summed; one Adagrad step."""
        parts = split_batch(batch, self.data.lengths, BATCH_PARTS)
        shared = self.helper is not None and len(parts) == 2
        if shared:  # the second part in the helper
            self.helper.submit(epoch, bi, 1, parts[1])
            results = [self.job.gradients(epoch, bi, 0, parts[0]), self.helper.result()]
        else:
            results = [self.job.gradients(epoch, bi, j, p) for j, p in enumerate(parts)]
        done = [r for r in results if r is not None]
        if not done:
            return
        loss, ntok = sum(r[0] for r in done), sum(r[1] for r in done)
        if not np.isfinite(loss):
            kept = "the last good checkpoint and best model are kept" \
                if self.result.model_written else "no model was written"
            raise PostagError(f"training diverged: loss is {loss} at epoch {epoch}, batch "
                              f"{bi + 1}; try a smaller --lr ({kept})", exit_code=1)
        if shared:  # both processes apply the step
            self.helper.step_split(self.opt, self.params, *[r and r[2] for r in results],
                                   1.0 / ntok)
        else:
            self.opt.step(self.params, add_grads([r[2] for r in done]), 1.0 / ntok)
        self.total_loss += loss
        self.total_words += int(ntok)

    def after_epoch(self, epoch, entry) -> bool:
        """Score dev, keep the best weights, write the model and the checkpoint, log; whether
        to stop early (--patience)."""
        r, d = self.result, self.data
        r.epochs_run = epoch
        improved = True
        if d.dev is not None:
            entry["dev_accuracy"] = accuracy(Tagger(self.current, d.feats, d.tagset, self.meta),
                                             d.dev)
            improved = r.best_dev is None or entry["dev_accuracy"] > r.best_dev
        r.history.append(entry)
        if improved:
            r.best_epoch, r.best_dev = epoch, entry.get("dev_accuracy")
            self.best = {k: v.copy() for k, v in self.current.items()}
            self.bad_epochs = 0
        else:
            self.bad_epochs += 1
        self.save_best()
        if self.checkpoint:
            save_checkpoint(self.checkpoint, self.params, self.opt.mem, self.best, d.feats,
                             d.tagset, self.meta, r, self.avg, self.tok_arrays)
        dev_txt = f", dev acc {entry['dev_accuracy']:.2%}" if "dev_accuracy" in entry else ""
        self.log(f"epoch {epoch}/{self.config.epochs}: loss {entry['loss']:.4f}, "
                 f"{entry['tokens_per_s']:,.0f} tokens/s{dev_txt}"
                 f"{' (best)' if improved and d.dev is not None else ''}")
        if self.log_file:
            _append_log(self.log_file, {**entry, "time": time.time()})
        if self.config.patience and d.dev is not None and self.bad_epochs >= self.config.patience:
            self.log(f"early stop: no better dev score for {self.config.patience} epochs")
            return True
        return False


def _catch_signals(stop: dict) -> dict:
    """Ctrl-C and SIGTERM set stop["signum"] (the run stops after the current minibatch);
    returns the handlers to put back."""
    def on_signal(signum, frame):
        stop["signum"] = signum

    old = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            old[sig] = signal.signal(sig, on_signal)
        except ValueError:  # not in the main thread
            pass
    return old


def _tokenizer(train_sents, dev_sents, resumed, meta, log):
    """The learned tokenizer's arrays, its description added to `meta` (in place): the
    checkpoint's, when resuming one that has it, else learned now; None (and a line saying why)
    when the training file has no surface text to learn from."""
    from . import segmenter
    if resumed is not None and "tokenizer" in resumed[4] and "tokenizer" in resumed[3]:
        meta["tokenizer"] = resumed[3]["tokenizer"]
        return resumed[4]["tokenizer"]
    t0 = time.time()
    seg, why = segmenter.learn(train_sents, dev_sents, log=log)
    if seg is None:
        log(f"raw text: no learned tokenizer: {why}; raw text is cut by the rules")
        return None
    arrays, meta["tokenizer"] = seg.export()
    log(f"raw text: tokenizer learned ({time.time() - t0:.1f}s)")
    return arrays


def snapshot_batches(n_batches, per_epoch):
    """{batch index: j} for the j-th of S = min(per_epoch, n_batches) evenly spaced weight
    snapshots of an epoch of n_batches minibatches, the last one after the last minibatch."""
    S = min(per_epoch, n_batches)
    return {round(n_batches * j / S) - 1: j for j in range(1, S + 1)}


def running_mean(avg, params, n):
    """The mean of n weight snapshots from that of the first n - 1 (avg) and the n-th:
    avg + (params - avg) / n, updated in place (a copy of params when n == 1)."""
    if avg is None or n == 1:
        return {k: v.copy() for k, v in params.items()}
    for k, v in params.items():
        avg[k] += (v - avg[k]) / n
    return avg


def _sentences_sha256(sents) -> str:
    """A fingerprint of tagged sentences (words and tags): which dev set a score is on."""
    h = hashlib.sha256()
    for s in sents:
        h.update(json.dumps([s.words, s.tags], ensure_ascii=False).encode("utf-8"))
    return h.hexdigest()
