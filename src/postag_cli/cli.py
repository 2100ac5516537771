"""The `postag` command: a thin click group over the library (train, tag, evaluate, gradcheck,
info). Data goes to stdout, logs and progress to stderr; `-` means stdin/stdout. Heavy modules
are imported inside the commands so that `postag --help` is quick."""

from __future__ import annotations

import os
import sys

import click

# Single-threaded BLAS: the matrices here are small, so a second BLAS thread gains little, and
# on a busy machine its busy-waiting makes matrix products many times slower. Use
# `postag tag --jobs N` for parallelism. Set OPENBLAS_NUM_THREADS yourself to override.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from . import __version__
from .errors import PostagError

DEFAULT_MODEL = "model.npz"
FEATURE_CHOICES = ["rich", "cased", "lean", "word"]  # train.FEATURE_SETS (kept in sync by a test)
# the default training settings (kept in sync with train.TrainConfig by a test)
DEFAULTS = {"arch": "birnn", "layers": 1, "features": "rich", "hidden": 0, "char_hidden": 32,
            "embed_size": 0, "crf": False,
            "epochs": 36, "lr": 0.05, "lr_embed": 0.15, "batch_size": 0, "min_count": 1,
            "clip": 5.0, "dropout": 0.5, "input_dropout": 0.0, "recurrent_dropout": 0.25,
            "word_dropout": 0.25,
            "feature_dropout": 0.5, "adversarial": 1.0, "adversarial_stride": 1,
            "patience": 0, "average": 14, "average_snapshots": 4, "batch_parts": 2,
            "aux_weight": 0.0,
            "seed": 1}


class UserError(click.ClickException):
    """A one-line error with a chosen exit status (2: bad input or usage, 1: failed check)."""

    def __init__(self, message, exit_code=2):
        super().__init__(_printable(message))
        self.exit_code = exit_code


def _printable(message: str) -> str:
    """The message with characters that are not printable (controls, U+2028 and other line
    separators, which data such as a sent_id may hold) escaped: one line on any terminal."""
    if message.isprintable():
        return message
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in message)


def _fail(e: PostagError):
    raise UserError(str(e), e.exit_code) from None


_NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())  # (click >= 8.2)


def _one_line(e: click.UsageError) -> click.ClickException:
    """A usage error as one line (click prints usage, a hint and the error on four); `postag`
    alone still shows the help."""
    if isinstance(e, _NO_ARGS_IS_HELP):
        return e
    where = e.ctx.command_path if e.ctx else "postag"
    return UserError(f"{e.format_message()} (see '{where} --help')", e.exit_code)


class _Group(click.Group):
    def make_context(self, *args, **kwargs):
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as e:
            raise _one_line(e) from None

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except PostagError as e:
            _fail(e)
        except click.UsageError as e:
            raise _one_line(e) from None
        except MemoryError:
            raise UserError("out of memory") from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="postag")
def cli():
    """postag: train and run a part-of-speech tagger (a hand-written numpy RNN).

    \b
    Example:  postag train data/sample-train.conllu --dev data/sample-dev.conllu -o model.npz
    """


def _same_file(a, b) -> bool:
    """Whether two paths name the same file (symbolic and hard links included)."""
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet)
        return os.path.realpath(a) == os.path.realpath(b)


def check_outputs(outputs: dict, inputs: dict) -> None:
    """Refuse to write an output over an input, or two outputs to one file. outputs and inputs:
    {what: path}, None or '-' for none (e.g. {"--checkpoint": "m.npz.ckpt"})."""
    outs = [(what, p) for what, p in outputs.items() if p and p != "-"]
    for i, (what, path) in enumerate(outs):
        for other, p in list(inputs.items()) + outs[:i]:
            if p and p != "-" and _same_file(path, p):
                raise UserError(f"{path}: {what} would overwrite the {other}")


def _sample_corpus():
    from importlib import resources
    return str(resources.files("postag_cli") / "resources" / "sample-train.conllu")


# ---------------------------------------------------------------------------------------------


@cli.command()
@click.argument("corpus", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--dev", "dev", type=click.Path(dir_okay=False, allow_dash=True),
              help="Dev CoNLL-U file: keep the best epoch.")
@click.option("-o", "--output", default=DEFAULT_MODEL, show_default=True, help="Model file to write.")
@click.option("--arch", type=click.Choice(["birnn", "rnn"]), default=DEFAULTS["arch"],
              show_default=True,
              help="birnn: both directions; rnn: the one-direction seed architecture.")
@click.option("--layers", default=DEFAULTS["layers"], show_default=True,
              help="Stacked recurrent layers.")
@click.option("--features", type=click.Choice(FEATURE_CHOICES), default=DEFAULTS["features"],
              show_default=True,
              help="rich: word, prefixes, suffixes, shape, case; cased: rich plus the word as written; "
                   "lean: w, p3, s2-s4, shape, case; "
                   "word: the one-hot word only.")
@click.option("--epochs", default=DEFAULTS["epochs"], show_default=True,
              help="Passes over the training data.")
@click.option("--hidden", default=DEFAULTS["hidden"], show_default=True,
              help="Hidden units per direction (0: 192, or 128 for a corpus under 750 "
                   "sentences).")
@click.option("--char-hidden", default=DEFAULTS["char_hidden"], show_default=True,
              help="Hidden units per direction of the character RNN (0: no character model).")
@click.option("--embed-size", default=DEFAULTS["embed_size"], show_default=True,
              help="Width of the feature embedding table, mapped to the RNN by a dense matrix "
                   "(0: one table straight into the RNN).")
@click.option("--crf/--no-crf", default=DEFAULTS["crf"], show_default=True,
              help="A linear-chain CRF output layer: learned tag transition scores, trained on "
                   "whole sentences; tagging reads each word's marginal distribution.")
@click.option("--lr", default=DEFAULTS["lr"], show_default=True,
              help="Adagrad learning rate.")
@click.option("--lr-embed", default=DEFAULTS["lr_embed"], show_default=True,
              help="Adagrad learning rate of the embedding tables (0: same as --lr).")
@click.option("--batch-size", default=DEFAULTS["batch_size"], show_default=True,
              help="Sentences per minibatch (0: 96, or fewer for a corpus under 4,608 "
                   "sentences, so that an epoch has at least 48 steps).")
@click.option("--min-count", default=DEFAULTS["min_count"], show_default=True,
              help="Rarer features map to <unk>.")
@click.option("--clip", default=DEFAULTS["clip"], show_default=True,
              help="Clip gradients to [-clip, clip].")
@click.option("--dropout", default=DEFAULTS["dropout"], show_default=True,
              help="Dropout on recurrent outputs.")
@click.option("--input-dropout", default=DEFAULTS["input_dropout"], show_default=True,
              help="Dropout on the word vectors entering the first layer.")
@click.option("--recurrent-dropout", default=DEFAULTS["recurrent_dropout"], show_default=True,
              help="Dropout on the state passed from each word to the next (one mask per "
                   "sentence).")
@click.option("--word-dropout", default=DEFAULTS["word_dropout"], show_default=True,
              help="alpha: a word seen c times is replaced by <unk> w.p. alpha/(alpha+c).")
@click.option("--feature-dropout", default=DEFAULTS["feature_dropout"], show_default=True,
              help="alpha for every other feature (affixes, shape, ...): each is replaced by "
                   "its template's <unk> on its own.")
@click.option("--adversarial", default=DEFAULTS["adversarial"], show_default=True,
              help="Adversarial training: each minibatch also trains on its word vectors moved "
                   "by this much (mean norm per word) in the direction that raises the loss "
                   "most (0: off).")
@click.option("--adversarial-stride", default=DEFAULTS["adversarial_stride"], show_default=True,
              help="The adversarial pass reads every N-th sentence of a minibatch (2: half the "
                   "sentences, for about half the extra time).")
@click.option("--patience", default=DEFAULTS["patience"], show_default=True,
              help="Stop after N epochs without a better dev score (0: never).")
@click.option("--average", default=DEFAULTS["average"], show_default=True,
              help="From epoch N on, evaluate and save the mean of the weights of the epochs so far "
                   "(0: off).")
@click.option("--average-snapshots", default=DEFAULTS["average_snapshots"], show_default=True,
              help="Weights added to that mean per epoch, evenly spaced (1: at the end of each "
                   "epoch).")
@click.option("--batch-parts", default=DEFAULTS["batch_parts"], show_default=True,
              help="Compute each minibatch's gradient in this many parts (summed), so that --jobs "
                   "2 processes can share the work.")
@click.option("--aux-weight", default=DEFAULTS["aux_weight"], show_default=True,
              help="Weight of an auxiliary loss predicting the other tag column (XPOS when "
                   "tagging UPOS) from the same states (0: none).")
@click.option("--seed", default=DEFAULTS["seed"], show_default=True,
              help="Random seed: same seed, same model.")
@click.option("--tag-column", type=click.Choice(["upos", "xpos"]), default="upos", show_default=True,
              help="The column to learn and predict.")
@click.option("--skip-gradcheck", is_flag=True, help="Do not check gradients before training.")
@click.option("--force", is_flag=True, help="Replace the model file -o if it exists.")
@click.option("--no-tokenizer", is_flag=True,
              help="Do not learn a tokenizer for raw text (raw text is then cut by rules).")
@click.option("--checkpoint", type=click.Path(dir_okay=False),
              help="Where to write a resumable checkpoint after every epoch  [default: OUTPUT.ckpt]")
@click.option("--no-checkpoint", is_flag=True, help="Do not write checkpoints.")
@click.option("--keep-checkpoint", is_flag=True,
              help="Keep the checkpoint after a run that finishes (an interrupted run keeps it).")
@click.option("--resume", type=click.Path(dir_okay=False), help="Resume from this checkpoint.")
@click.option("--log-file", type=click.Path(dir_okay=False), help="Append one JSON line per epoch.")
@click.option("--skip-bad-sentences", is_flag=True, help="Skip malformed sentences instead of stopping.")
@click.option("--jobs", type=int, help="Processes computing gradients (the model does not depend on "
              "it)  [default: 2, or 1 on a one-CPU machine]")
def train(corpus, dev, output, skip_gradcheck, force, no_tokenizer, checkpoint, no_checkpoint,
          keep_checkpoint, resume, log_file, skip_bad_sentences, jobs, **settings):
    """Train a tagger on a CoNLL-U treebank and save it as one .npz file.

    \b
    Example:  postag train train.conllu --dev dev.conllu -o model.npz
    """
    from .fileio import check_appendable, check_writable
    from .train import TrainConfig
    from .train import train as run_train

    for option, value in (("-o", output), ("--checkpoint", checkpoint), ("--resume", resume),
                          ("--log-file", log_file)):
        if value == "-":  # (only the corpus and the dev file may come from stdin)
            raise UserError(f"{option} -: {option} needs a file name, not stdin/stdout")
    if no_checkpoint:
        checkpoint = None
    elif not checkpoint:
        checkpoint = output + ".ckpt"
    # (resuming from the checkpoint that training goes on writing is the usual case)
    check_outputs({"output (-o)": output, "checkpoint (--checkpoint)": checkpoint,
                   "log file (--log-file)": log_file},
                  {"training file": corpus, "dev file (--dev)": dev,
                   "checkpoint to resume (--resume)": resume if resume is not None and not (
                       checkpoint and _same_file(resume, checkpoint)) else None})
    if os.path.exists(output) and not force and resume is None:  # (a resume goes on writing it)
        raise UserError(f"{output}: a model file is there already; give --force to replace it, "
                        "or another -o")
    try:
        for p in (output, checkpoint):
            if p:
                check_writable(p)
        if log_file:
            check_appendable(log_file)
        config = TrainConfig(**settings, gradcheck=not skip_gradcheck)
        result = run_train(corpus, output, config, dev_path=dev, checkpoint=checkpoint,
                           resume=resume, log_file=log_file, skip_bad=skip_bad_sentences,
                           jobs=jobs, tokenizer=not no_tokenizer)
    except PostagError as e:
        _fail(e)
    except KeyboardInterrupt:  # (before the first epoch: reading, checking gradients)
        click.echo("interrupted before training began: no model was written", err=True)
        sys.exit(130)
    if result.interrupted:
        where = f"the best model so far (epoch {result.best_epoch}) is in {output}" \
            if result.model_written else "no model was written"
        if checkpoint and result.epochs_run:
            where += f"; resume with --resume {checkpoint}"
        click.echo(f"interrupted: {where}", err=True)
        sys.exit(130 if getattr(result, "signum", 2) == 2 else 143)
    if not result.model_written:
        _fail(PostagError(f"{output}: no model was written (no epoch was run)"))
    best = f", best dev accuracy {result.best_dev:.2%} (epoch {result.best_epoch})" \
        if result.best_dev is not None else ""
    click.echo(f"saved {output}{best}", err=True)
    if checkpoint and not keep_checkpoint and os.path.exists(checkpoint):
        os.remove(checkpoint)  # (the run is over: the model holds what it is for)


# ---------------------------------------------------------------------------------------------


@cli.command()
@click.argument("inputs", nargs=-1, metavar="[INPUT]...")
@click.option("-m", "--model", "models", multiple=True, default=[DEFAULT_MODEL], show_default=True,
              help="Model file; give several (-m a.npz -m b.npz) to average their predictions.")
@click.option("-o", "--output", default="-", show_default=True,
              help="Output file ('-': stdout); with several inputs, the output folder.")
@click.option("--input-format", type=click.Choice(["auto", "text", "conllu"]), default="auto",
              show_default=True,
              help="text: one sentence per line; conllu: retag a CoNLL-U file; auto: CoNLL-U if "
                   "the name ends in .conllu or the first data line starts with a token ID and a "
                   "tab and has 3+ fields (or follows CoNLL-U comments), else text.")
@click.option("--pretokenized", is_flag=True, help="Text is tokenized: split on whitespace only.")
@click.option("--split-sentences", is_flag=True,
              help="Text may hold several sentences per line or wrapped paragraphs.")
@click.option("--format", "fmt", type=click.Choice(["tagged", "tsv", "conllu", "json"]),
              help="Output format  [default: tagged for text, conllu for CoNLL-U input]")
@click.option("--probs", is_flag=True, help="Add each token's tag probability.")
@click.option("--top-k", default=0, show_default=True, help="List the K best tags with probabilities.")
@click.option("--jobs", default=1, show_default=True, help="Worker processes.")
@click.option("--cluster", metavar="ADDRESS",
              help="Tag on Dask: local or local:N starts N worker processes here; "
                   "tcp://HOST:8786 uses a running scheduler (pip install 'postag-cli[dask]').")
@click.option("--chunk-size", default=1 << 18, show_default=True, metavar="BYTES",
              help="With --cluster: bytes of input per task.")
@click.option("--verify", is_flag=True, help="Check the weights against their recorded sha256.")
def tag(inputs, models, output, input_format, pretokenized, split_sentences, fmt, probs, top_k,
        jobs, cluster, chunk_size, verify):
    """Tag raw text (one sentence per line) or CoNLL-U files.

    \b
    Example:  postag tag sentences.txt -m model.npz --format conllu > tagged.conllu
              postag tag test.conllu -m model.npz > retagged.conllu
              postag tag 'corpus/*.txt' -m model.npz -o tagged/ --cluster local:4
    """
    from . import tagio

    if top_k < 0 or jobs < 1 or chunk_size < 1:
        raise UserError(f"--top-k must be at least 0, not {top_k}" if top_k < 0 else
                        f"--jobs must be at least 1, not {jobs}" if jobs < 1 else
                        f"--chunk-size must be at least 1, not {chunk_size}")
    if cluster is not None and jobs != 1:
        raise UserError("--jobs and --cluster do not go together (--cluster local:N runs N "
                        "processes)")
    opts = tagio.TagOptions(input_format=input_format, pretokenized=pretokenized,
                            split_sentences=split_sentences, fmt=fmt or "", probs=probs,
                            top_k=top_k)
    try:
        from .inputs import expand_inputs, plan_outputs
        paths = expand_inputs(inputs or ("-",))
        pairs = plan_outputs(paths, output, opts)
        from .fileio import check_writable
        for inp, out in pairs:
            check_outputs({"output (-o)": out},
                          {"input file": inp, **{f"model {m}": m for m in models}})
            if out != "-" and "://" not in out:
                check_writable(out)
        if cluster is not None:
            _tag_cluster(pairs, list(models), opts, cluster, chunk_size, verify)
            return
        for inp, out in pairs:
            tagio.tag_file(inp, out, list(models), opts, jobs=jobs, verify=verify)
    except PostagError as e:
        _fail(e)


def _tag_cluster(pairs, models, opts, address, chunk_size, verify):
    """postag tag --cluster: the models and options checked here, the tagging on Dask."""
    from . import dask as pdask
    pdask.need_dask()  # (before reading any model)
    from .tagger import load_tagger
    local = [m for m in models if "://" not in m]
    if local:  # (its errors before any input; raw-text settings the same for all models)
        tagger = load_tagger(local, verify=verify)
    jobs = [pdask.Job(inp, out, opts) for inp, out in pairs]
    if local and any(j.opts.input_format == "text" and
                     (not j.opts.pretokenized or j.opts.split_sentences) for j in jobs):
        tagger.lexicon  # noqa: B018 (an ensemble that tokenizes differently fails here)
    stats: dict = {}
    try:
        pdask.tag_files(jobs, models, address, chunk_size, stats)
    except KeyboardInterrupt:
        click.echo("interrupted: no output was written for the input being tagged", err=True)
        sys.exit(130)
    if os.environ.get("POSTAG_CLUSTER_STATS"):  # (for bench/cluster.py)
        import json
        with open(os.environ["POSTAG_CLUSTER_STATS"], "w") as f:
            json.dump(stats, f)


# ---------------------------------------------------------------------------------------------


@cli.command()
@click.argument("gold", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-m", "--model", "models", multiple=True, default=[DEFAULT_MODEL], show_default=True,
              help="Model file; give several to evaluate the average of their predictions.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--errors", "n_errors", default=0, show_default=True, help="List N errors in context.")
@click.option("--raw", is_flag=True,
              help="Tag the gold file's '# text' lines end to end and score like CoNLL 2018.")
@click.option("--split-sentences", is_flag=True,
              help="With --raw: tag the running text (paragraphs from # newpar/# newdoc) and "
                   "let the model split sentences; scores Sentences too.")
@click.option("--skip-bad-sentences", is_flag=True, help="Skip malformed sentences instead of stopping.")
def evaluate(gold, models, as_json, n_errors, raw, split_sentences, skip_bad_sentences):
    """Score a model on a gold CoNLL-U file (gold tokenization unless --raw).

    \b
    Example:  postag evaluate dev.conllu -m model.npz --errors 10
    """
    import json

    if n_errors < 0:
        raise UserError(f"--errors must be at least 0, not {n_errors}")
    if split_sentences and not raw:
        raise UserError("--split-sentences goes with --raw (gold sentences are given otherwise)")
    if n_errors and raw:
        raise UserError("--errors lists errors under gold tokenization; it does not apply "
                        "with --raw")
    from .evaluate import evaluate as run_eval
    from .evaluate import format_report
    from .tagger import load_tagger

    try:
        tagger = load_tagger(list(models))
        column = tagger.meta.get("tag_column", "upos")
        if raw:
            from .rawtext import evaluate_raw, format_raw_report
            report = evaluate_raw(tagger, gold, column, skip_bad=skip_bad_sentences,
                                  split_sentences=split_sentences)
            click.echo(json.dumps(report, indent=2) if as_json else format_raw_report(report))
            return
        report = run_eval(tagger, gold, column, skip_bad=skip_bad_sentences, n_errors=n_errors)
    except PostagError as e:
        _fail(e)
    if report["words"] == 0:
        raise UserError(f"{gold}: no words with a gold {column.upper()} tag to score")
    click.echo(json.dumps(report, indent=2) if as_json else format_report(report))


# dropout on outputs, recurrent states and inputs in the dropout-mask check
CHECK_DROPOUT = (DEFAULTS["dropout"], DEFAULTS["recurrent_dropout"], 0.2)


def _dropout_setting(dropout) -> str:
    if dropout is None:
        return "off"
    return "masks fixed (output {}, recurrent {}, input {})".format(*dropout)


@cli.command()
@click.option("--checks", default=10, show_default=True, help="Random entries per parameter.")
@click.option("--all", "check_all", is_flag=True, help="Check every entry of every parameter.")
@click.option("--seed", default=0, show_default=True,
              help="Random seed of the weights, the entries checked and the dropout masks.")
@click.option("--corpus", type=click.Path(dir_okay=False),
              help="CoNLL-U file to take sentences from (default: the bundled sample).")
@click.option("-m", "--model", help="Check this model's architecture (at a small size).")
@click.option("--arch", type=click.Choice(["birnn", "rnn"]),
              help=f"Check one configuration: this architecture  [default: {DEFAULTS['arch']}]")
@click.option("--layers", type=int, help=f"...this many layers  [default: {DEFAULTS['layers']}]")
@click.option("--features", type=click.Choice(FEATURE_CHOICES),
              help=f"...these features  [default: {DEFAULTS['features']}]")
@click.option("--hidden", default=6, show_default=True, help="Hidden size of the check model.")
@click.option("--char-hidden", type=int,
              help="...a character RNN of this size (0: none)  [default: 4]")
@click.option("--embed-size", type=int,
              help="...a feature embedding of this width (0: one table Wxh)  [default: 0]")
@click.option("--aux/--no-aux", default=None,
              help="...with the auxiliary output layer (--aux-weight of train)  [default: no]")
@click.option("--crf/--no-crf", default=None,
              help=f"...with the CRF output layer  [default: {'yes' if DEFAULTS['crf'] else 'no'}]")
@click.option("--adversarial", type=float,
              help="...with the adversarial pass, r of this mean norm (0: none)  "
                   f"[default: {DEFAULTS['adversarial']}]")
@click.option("--adversarial-stride", type=int,
              help="...on every N-th sentence  "
                   f"[default: {DEFAULTS['adversarial_stride']}]")
@click.option("--dropout-masks/--no-dropout-masks", default=None,
              help="...with dropout on, its masks drawn once and held fixed  [default: no]")
def gradcheck(checks, check_all, seed, corpus, model, arch, layers, features, hidden, char_hidden,
              embed_size, aux, crf, adversarial, adversarial_stride, dropout_masks):
    """Check the hand-written backpropagation against central differences.

    In float64, with clipping and dropout off (the fourth run below: dropout masks held fixed),
    on the code path training uses, each checked
    entry compares the analytic gradient a with the numerical one n = (L(w+e) - L(w-e)) / 2e,
    e = 1e-5. It passes when |a - n| / max(|a| + |n|, 1e-2) <= 1e-6 (the floor 1e-2 keeps entries
    whose true gradient is ~0 from failing on rounding noise); an entry over the tolerance is
    measured again by Richardson extrapolation, (4 D(e/2) - D(e)) / 3, free of the e^2
    truncation error, and fails only if it still fails. Exit 0 when every parameter passes,
    1 otherwise. With adversarial training the perturbation r of the second pass is
    held fixed, as training holds it, and the gradient with respect to it (r_adv: dloss/dx,
    which training turns into r) is checked as well.

    Without options it checks three small models that together hold every parameter postag can
    train: the default model (bidirectional, features, character RNN), the seed architecture
    (one direction, one-hot words), and every other option (2 layers, factorised embedding,
    auxiliary output, CRF output); then a fourth run checks the backward code of the dropout
    masks (output, recurrent and input dropout, masks drawn once and held fixed, so the loss
    is still a function of the weights), and a fifth the learned tokenizer's network (the same
    RNN over the characters of the corpus's surface text; also with -m for a model that has
    one). With -m, or any of the options --arch, --layers,
    --features, --char-hidden, --embed-size, --aux, --crf, --adversarial,
    --adversarial-stride and --dropout-masks, it checks that one configuration.

    \b
    Example:  postag gradcheck --checks 10 --arch birnn --layers 2
    """
    from . import gradcheck as gc
    from .info import adversarial_setting
    from .train import FEATURE_SETS, read_corpus

    for name, value in (("checks", checks), ("hidden", hidden), ("layers", layers)):
        if value is not None and value < 1:
            raise UserError(f"--{name} must be at least 1, not {value}")
    if seed < 0:
        raise UserError(f"--seed must be at least 0, not {seed}")
    if adversarial is not None and not 0 <= adversarial < float("inf"):
        raise UserError(f"--adversarial must be >= 0 (finite), not {adversarial}")
    if adversarial_stride is not None and adversarial_stride < 1:
        raise UserError(f"--adversarial-stride must be at least 1, not {adversarial_stride}")
    one = dict(arch=arch or DEFAULTS["arch"], layers=layers or DEFAULTS["layers"],
               features=features or DEFAULTS["features"],
               char_hidden=4 if char_hidden is None else char_hidden,
               embed=embed_size or 0, aux=bool(aux), crf=DEFAULTS["crf"] if crf is None else crf,
               adversarial=DEFAULTS["adversarial"] if adversarial is None else adversarial,
               stride=adversarial_stride or DEFAULTS["adversarial_stride"],
               dropout=CHECK_DROPOUT if dropout_masks else None)
    if model or any(v is not None for v in (arch, layers, features, char_hidden, embed_size, aux,
                                            crf, adversarial, adversarial_stride, dropout_masks)):
        configs = [("", one)]
    else:
        configs = [("default model", dict(one)),
                   ("seed architecture", dict(arch="rnn", layers=1, features="word",
                                              char_hidden=0, embed=0, aux=False, crf=False,
                                              adversarial=0.0, stride=1)),
                   ("other options", dict(arch="birnn", layers=2, features="rich",
                                          char_hidden=3, embed=5, aux=True,
                                          crf=not DEFAULTS["crf"], adversarial=1.0, stride=2,
                                          aux_weight=0.7)),
                   ("dropout masks", dict(one, layers=2, char_hidden=3, dropout=CHECK_DROPOUT))]
    try:
        templates = {name: FEATURE_SETS[c["features"]] for name, c in configs}
        meta = {}
        if model:
            from .modelio import load_model
            _, _, _, meta, _ = load_model(model)
            templates = {"": meta["templates"]}
            one.update(arch=meta["arch"], layers=meta["layers"],
                       char_hidden=min(meta.get("char_hidden", 0), 4),
                       embed=min(meta.get("embed_size", 0), 5),
                       aux=meta.get("aux_weight", 0) > 0, crf=bool(meta.get("crf", False)),
                       adversarial=float(meta.get("adversarial", 0.0)),
                       stride=meta.get("adversarial_stride", 1))
        sents, _ = read_corpus(corpus or _sample_corpus(), "upos", what="corpus")
        results = {name: gc.run(sents, templates[name], c["arch"], c["layers"], hidden=hidden,
                                checks=checks, check_all=check_all, seed=seed,
                                char_hidden=c["char_hidden"], embed=c["embed"], aux=c["aux"],
                                crf=c["crf"], adversarial=c["adversarial"],
                                adversarial_stride=c["stride"], dropout=c.get("dropout"),
                                aux_weight=c.get("aux_weight"))
                   for name, c in configs}
        if len(configs) > 1 or (model and "tokenizer" in meta):  # the learned tokenizer's net
            results["tokenizer"] = gc.run_tokenizer(sents, hidden=hidden, checks=checks,
                                                    check_all=check_all, seed=seed)
    except PostagError as e:
        _fail(e)
    except ValueError as e:  # (no surface text to check the tokenizer on)
        _fail(PostagError(f"{corpus or 'the sample corpus'}: {e}"))
    for name, c in configs:
        click.echo(f"gradient check{' of the ' + name if name else ''}: arch {c['arch']}, "
                   f"{c['layers']} layer(s), features {','.join(templates[name])}, hidden "
                   f"{hidden}, character RNN {c['char_hidden'] or 'none'}, feature embedding "
                   f"{c['embed'] or 'none'}, auxiliary output {'yes' if c['aux'] else 'no'}, "
                   f"CRF {'yes' if c['crf'] else 'no'}, adversarial pass "
                   f"{adversarial_setting(c['adversarial'], c['stride'])}, dropout "
                   f"{_dropout_setting(c.get('dropout'))}, float64")
        click.echo(gc.format_table(results[name]))
        if len(results) > 1:
            click.echo("")
    if "tokenizer" in results:
        click.echo("gradient check of the tokenizer: arch birnn over characters, "
                   f"1 layer, character features, hidden {hidden}, dropout off, float64")
        click.echo(gc.format_table(results["tokenizer"]) + "\n")
    click.echo(gc.summary_line(results[""]) if len(results) == 1 else
               gc.summary_of_configs(results))
    if not all(r.passed for rs in results.values() for r in rs):
        sys.exit(1)


# ---------------------------------------------------------------------------------------------


@cli.command()
@click.argument("model", type=click.Path(dir_okay=False), default=DEFAULT_MODEL, required=False)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def info(model, as_json):
    """Describe a model (default: model.npz): architecture, sizes, training data, learning
    curve.

    \b
    Example:  postag info model.npz
    """
    import json

    from .info import describe, format_info

    try:
        d = describe(model)
    except PostagError as e:
        _fail(e)
    click.echo(json.dumps(d, indent=2) if as_json else format_info(d))


def main():
    try:
        cli.main(prog_name="postag")
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        try:
            sys.stdout = None
        finally:
            os._exit(0)
