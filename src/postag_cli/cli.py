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
from .settings import FEATURE_SET_NAMES, PRESETS, declared, option_name, tuning_names

DEFAULT_MODEL = "model.npz"
# the default training settings, from their one declaration (settings.py)
DEFAULTS = {f.name: f.default for f in declared()}


def _printable(message: str) -> str:
    """The message with characters that are not printable (controls, U+2028 and other line
    separators, which data such as a sent_id may hold) escaped: one line on any terminal."""
    if message.isprintable():
        return message
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in message)


def _as_click(e: PostagError) -> click.ClickException:
    """The one error type, PostagError, as click prints it: `Error: ` and the message on one
    line, with its exit status (2: bad input or usage, 1: a failed check)."""
    out = click.ClickException(_printable(str(e)))
    out.exit_code = e.exit_code
    return out


_NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())  # (click >= 8.2)


def _one_line(e: click.UsageError) -> click.ClickException:
    """A usage error as one line (click prints usage, a hint and the error on four); `postag`
    alone still shows the help."""
    if isinstance(e, _NO_ARGS_IS_HELP):
        return e
    where = e.ctx.command_path if e.ctx else "postag"
    return _as_click(PostagError(f"{e.format_message()} (see '{where} --help')", e.exit_code))


class _Group(click.Group):
    def make_context(self, *args, **kwargs):
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as e:
            raise _one_line(e) from None

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except PostagError as e:  # (every command's errors: one line, no traceback)
            raise _as_click(e) from None
        except click.UsageError as e:
            raise _one_line(e) from None
        except MemoryError:
            raise _as_click(PostagError("out of memory")) from None


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
                raise PostagError(f"{path}: {what} would overwrite the {other}")


def _sample_corpus():
    from importlib import resources
    return str(resources.files("postag_cli") / "resources" / "sample-train.conllu")


# ---------------------------------------------------------------------------------------------


def _setting_options(command):
    """The options of every training setting, as declared in settings.py (name, default, help,
    choices; the values are checked by TrainConfig.check)."""
    for f in reversed(declared()):
        m, name = f.metadata, option_name(f)
        if isinstance(f.default, bool):  # an on/off switch
            opt = click.option(f"{name}/--no-{name[2:]}", default=f.default, show_default=True,
                               help=m["help"])
        else:
            opt = click.option(name, default=f.default, show_default=True, help=m["help"],
                               type=click.Choice(m["choices"]) if m["choices"] else None)
        command = opt(command)
    return command


class _TrainCommand(click.Command):
    """`postag train`, whose --help lists the everyday options and --help-all the tuning ones
    as well (the settings declared with tuning=True in settings.py)."""
    tuning = tuning_names()

    def format_options(self, ctx, formatter):
        records = [(p.name in self.tuning, p.get_help_record(ctx))
                   for p in self.get_params(ctx) if isinstance(p, click.Option)]
        tuning = [r for t, r in records if r and t]
        with formatter.section("Options"):
            formatter.write_dl([r for t, r in records if r and not t])
        if ctx.meta.get("postag.help_all"):
            with formatter.section("Tuning options"):
                formatter.write_dl(tuning)
        else:
            formatter.write_paragraph()
            formatter.write_text(f"{len(tuning)} tuning options (learning rates, dropout, "
                                 "averaging, adversarial training, ...): --help-all, or "
                                 "docs/options.md.")


def _help_all(ctx, param, value):
    if value and not ctx.resilient_parsing:
        ctx.meta["postag.help_all"] = True
        click.echo(ctx.get_help(), color=ctx.color)
        ctx.exit()


@cli.command(cls=_TrainCommand)
@click.argument("corpus", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--dev", "dev", type=click.Path(dir_okay=False, allow_dash=True),
              help="Dev CoNLL-U file: keep the best epoch.")
@click.option("-o", "--output", default=DEFAULT_MODEL, show_default=True, help="Model file to write.")
@_setting_options
@click.option("--preset", type=click.Choice(sorted(PRESETS)),
              help="seed: min-char-rnn's setting (one direction, the one-hot word, no dropout of "
                   "any kind, plain Adagrad, 10 epochs); options given as well override it.")
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
@click.option("-q", "--quiet", is_flag=True, help="No log lines or progress bars (errors only).")
@click.option("--jobs", type=int, help="Processes computing gradients (the model does not depend on "
              "it)  [default: 2, or 1 on a one-CPU machine]")
@click.option("--help-all", is_flag=True, expose_value=False, is_eager=True, callback=_help_all,
              help="Show every option, the tuning ones too, and exit.")
def train(corpus, dev, output, skip_gradcheck, force, no_tokenizer, checkpoint, no_checkpoint,
          keep_checkpoint, resume, log_file, skip_bad_sentences, quiet, jobs, preset, **settings):
    """Train a tagger on a CoNLL-U treebank and save it as one .npz file.

    \b
    Example:  postag train train.conllu --dev dev.conllu -o model.npz
    """
    from .fileio import check_appendable, check_writable
    from .training import TrainConfig
    from .training import train as run_train

    for option, value in (("-o", output), ("--checkpoint", checkpoint), ("--resume", resume),
                          ("--log-file", log_file)):
        if value == "-":  # (only the corpus and the dev file may come from stdin)
            raise PostagError(f"{option} -: {option} needs a file name, not stdin/stdout")
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
        raise PostagError(f"{output}: a model file is there already; give --force to replace it, "
                        "or another -o")
    try:
        for p in (output, checkpoint):
            if p:
                check_writable(p)
        if log_file:
            check_appendable(log_file)
        ctx = click.get_current_context()
        for key, value in PRESETS.get(preset, {}).items():  # (options given win)
            if ctx.get_parameter_source(key) == click.core.ParameterSource.DEFAULT:
                settings[key] = value
        config = TrainConfig(**settings, gradcheck=not skip_gradcheck)
        result = run_train(corpus, output, config, dev_path=dev, checkpoint=checkpoint,
                           resume=resume, log_file=log_file, skip_bad=skip_bad_sentences,
                           jobs=jobs, tokenizer=not no_tokenizer,
                           **({"log": lambda message: None, "progress": False} if quiet else {}))
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
        raise PostagError(f"{output}: no model was written (no epoch was run)")
    best = f", best dev accuracy {result.best_dev:.2%} (epoch {result.best_epoch})" \
        if result.best_dev is not None else ""
    if not quiet:
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
    tagio._NOTED.clear()  # (a note is said once per command)

    if top_k < 0 or jobs < 1 or chunk_size < 1:
        raise PostagError(f"--top-k must be at least 0, not {top_k}" if top_k < 0 else
                        f"--jobs must be at least 1, not {jobs}" if jobs < 1 else
                        f"--chunk-size must be at least 1, not {chunk_size}")
    if cluster is not None and jobs != 1:
        raise PostagError("--jobs and --cluster do not go together (--cluster local:N runs N "
                        "processes)")
    opts = tagio.TagOptions(input_format=input_format, pretokenized=pretokenized,
                            split_sentences=split_sentences, fmt=fmt or "", probs=probs,
                            top_k=top_k)
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
        raise PostagError(f"--errors must be at least 0, not {n_errors}")
    if split_sentences and not raw:
        raise PostagError("--split-sentences goes with --raw (gold sentences are given otherwise)")
    if n_errors and raw:
        raise PostagError("--errors lists errors under gold tokenization; it does not apply "
                        "with --raw")
    from .evaluate import evaluate as run_eval
    from .evaluate import format_report
    from .tagger import load_tagger

    tagger = load_tagger(list(models))
    column = tagger.meta.get("tag_column", "upos")
    if raw:
        from .rawtext import evaluate_raw, format_raw_report
        report = evaluate_raw(tagger, gold, column, skip_bad=skip_bad_sentences,
                              split_sentences=split_sentences)
        click.echo(json.dumps(report, indent=2) if as_json else format_raw_report(report))
        return
    report = run_eval(tagger, gold, column, skip_bad=skip_bad_sentences, n_errors=n_errors)
    if report["words"] == 0:
        raise PostagError(f"{gold}: no words with a gold {column.upper()} tag to score")
    click.echo(json.dumps(report, indent=2) if as_json else format_report(report))


# dropout on outputs, recurrent states and inputs in the dropout-mask check


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
@click.option("--features", type=click.Choice(FEATURE_SET_NAMES),
              help=f"...these features  [default: {DEFAULTS['features']}]")
@click.option("--hidden", default=6, show_default=True, help="Hidden size of the check model.")
@click.option("--char-hidden", type=int,
              help="...a character RNN of this size (0: none)  [default: 4]")
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
              crf, adversarial, adversarial_stride, dropout_masks):
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
    (one direction, one-hot words), and every other option (2 layers, CRF output, the
    adversarial pass on every second sentence); then a fourth run checks the backward code of the dropout
    masks (output, recurrent and input dropout, masks drawn once and held fixed, so the loss
    is still a function of the weights), and a fifth the learned tokenizer's network (the same
    RNN over the characters of the corpus's surface text; also with -m for a model that has
    one). With -m, or any of the options --arch, --layers,
    --features, --char-hidden, --crf, --adversarial,
    --adversarial-stride and --dropout-masks, it checks that one configuration.

    \b
    Example:  postag gradcheck --checks 10 --arch birnn --layers 2
    """
    from . import gradcheck as gc
    from .features import FEATURE_SETS
    from .training import read_corpus

    for name, value in (("checks", checks), ("hidden", hidden), ("layers", layers)):
        if value is not None and value < 1:
            raise PostagError(f"--{name} must be at least 1, not {value}")
    if seed < 0:
        raise PostagError(f"--seed must be at least 0, not {seed}")
    if adversarial is not None and not 0 <= adversarial < float("inf"):
        raise PostagError(f"--adversarial must be >= 0 (finite), not {adversarial}")
    if adversarial_stride is not None and adversarial_stride < 1:
        raise PostagError(f"--adversarial-stride must be at least 1, not {adversarial_stride}")
    one = gc.one_config(arch=arch, layers=layers, features=features, char_hidden=char_hidden,
                        crf=crf, adversarial=adversarial,
                        stride=adversarial_stride,
                        dropout=gc.CHECK_DROPOUT if dropout_masks else None)
    single = model or any(v is not None for v in (arch, layers, features, char_hidden, crf,
                                                  adversarial, adversarial_stride, dropout_masks))
    configs = [("", one)] if single else gc.default_suite(one)
    try:
        templates = {name: FEATURE_SETS[c["features"]] for name, c in configs}
        meta = {}
        if model:
            from .modelio import load_model
            _, _, _, meta, _ = load_model(model)
            templates, configs = {"": meta["templates"]}, [("", gc.config_of_model(meta, one))]
        sents, _ = read_corpus(corpus or _sample_corpus(), "upos", what="corpus")
        results = gc.run_suite(sents, configs, templates, hidden, checks, check_all, seed,
                               tokenizer=not single or "tokenizer" in meta)
    except ValueError as e:  # (no surface text to check the tokenizer on)
        raise PostagError(f"{corpus or 'the sample corpus'}: {e}") from None
    click.echo(gc.report(results, configs, templates, hidden))
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

    d = describe(model)
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
