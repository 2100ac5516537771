"""postag: a part-of-speech tagger trainer built on a hand-written numpy RNN.

    >>> from postag_cli import Tagger
    >>> tagger = Tagger.load("model.npz")            # doctest: +SKIP
    >>> tagger.tag(["The", "cat", "sat"])            # doctest: +SKIP
    ['DET', 'NOUN', 'VERB']
    >>> import postag_cli
    >>> postag_cli.train("train.conllu", "model.npz", dev="dev.conllu", epochs=20)  # doctest: +SKIP
    TrainResult(epochs_run=20, best_epoch=17, best_dev=0.93..., ...)

Heavy modules (numpy, the model) are imported lazily, so `postag --help` starts fast.
"""

__version__ = "0.1.0"
__all__ = ["PostagError", "Tagger", "__version__", "train"]


def train(corpus, output, *, dev=None, force=False, tokenizer=True, checkpoint=None,
          resume=None, log=None, jobs=None, preset=None, **settings):
    """Train a model on a CoNLL-U file and save it to `output`, as `postag train` does; returns
    the TrainResult (epochs run, best epoch and dev accuracy, history).

    settings: those of `postag train`, named as its options with _ for - (hidden=256,
    epochs=20, seed=3, skip_gradcheck=True, ...); the defaults are the command's, or those of
    `preset` ("seed": min-char-rnn's setting), which settings given as well override. Nothing is
    printed unless `log` is given (a function taking one line, such as print); no checkpoint
    is written unless `checkpoint` names one. Bad input raises PostagError."""
    import os
    from dataclasses import fields

    from .errors import PostagError
    from .settings import PRESETS, TrainConfig
    from .training import train as run

    known = {f.name for f in fields(TrainConfig)} - {"gradcheck"}
    unknown = sorted(set(settings) - known - {"skip_gradcheck"})
    if unknown:
        raise PostagError(f"unknown setting {unknown[0]!r}; the settings are: "
                          f"{', '.join(sorted(known | {'skip_gradcheck'}))}")
    if preset is not None and preset not in PRESETS:
        raise PostagError(f"unknown preset {preset!r}; the presets are: {', '.join(PRESETS)}")
    settings = {**PRESETS.get(preset, {}), **settings}
    if os.path.exists(output) and not force and resume is None:
        raise PostagError(f"{output}: a model file is there already; give force=True to "
                          "replace it, or another output")
    config = TrainConfig(**{k: v for k, v in settings.items() if k != "skip_gradcheck"},
                         gradcheck=not settings.get("skip_gradcheck", False))
    return run(corpus, output, config, dev_path=dev, checkpoint=checkpoint, resume=resume,
               log=log or (lambda line: None), progress=False, jobs=jobs, tokenizer=tokenizer)


def __getattr__(name):
    if name == "Tagger":
        from .tagger import Tagger
        return Tagger
    if name == "PostagError":
        from .errors import PostagError
        return PostagError
    raise AttributeError(f"module 'postag_cli' has no attribute {name!r}")
