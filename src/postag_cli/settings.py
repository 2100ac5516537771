"""The training settings, each declared once: its default, the help of its `postag train`
option and the values it may take.

From these declarations come the options of `postag train` (cli.py), the checks of a
TrainConfig (`TrainConfig.check`, run before any work), and the option reference
(docs/options.md, `make docs`). Adding a setting means adding a field here plus the code that
uses it. This module imports no numpy, so that `postag --help` stays fast.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

from .errors import PostagError

MAX_HIDDEN = 8192  # the largest hidden size a model file may declare (modelio refuses more)
MAX_LAYERS = 16
FEATURE_SET_NAMES = ("rich", "cased", "lean", "word")  # features.FEATURE_SETS, by name
RULES = {"positive": lambda v: v > 0, ">= 0": lambda v: v >= 0,
         "in [0, 1)": lambda v: 0 <= v < 1}


# --preset: settings given at once (an option given as well overrides its value)
PRESETS = {
    # min-char-rnn's setting: one direction, the one-hot word only, no dropout of any kind, no
    # averaging or adversarial pass, plain Adagrad on every weight alike
    "seed": dict(arch="rnn", features="word", char_hidden=0, dropout=0.0, input_dropout=0.0,
                 recurrent_dropout=0.0, word_dropout=0.0, feature_dropout=0.0, average=0,
                 adversarial=0.0, lr=0.1, lr_embed=0.0, batch_size=32, hidden=128, epochs=10),
}


def setting(default, help, *, low=None, high=None, rule=None, choices=None, tuning=False):
    """A TrainConfig field: an integer within [low, high], a number obeying `rule` (a key of
    RULES), one of `choices`, or an on/off switch (a bool default). A tuning setting's option is
    listed by `postag train --help-all` (and docs/options.md), not by the shorter --help."""
    return field(default=default, metadata={"help": help, "low": low, "high": high,
                                            "rule": rule, "choices": choices, "tuning": tuning})


@dataclass
class TrainConfig:
    arch: str = setting("birnn", "birnn: both directions; rnn: the one-direction seed "
                        "architecture.", choices=("birnn", "rnn"))
    layers: int = setting(1, "Stacked recurrent layers.", low=1, high=MAX_LAYERS, tuning=True)
    features: str = setting("rich", "rich: word, prefixes, suffixes, shape, case; cased: rich "
                            "plus the word as written; lean: w, p3, s2-s4, shape, case; word: "
                            "the one-hot word only.", choices=FEATURE_SET_NAMES)
    epochs: int = setting(36, "Passes over the training data.", low=1)
    hidden: int = setting(0, "Hidden units per direction (0: 192, or 128 for a corpus under 750 "
                          "sentences).", low=0, high=MAX_HIDDEN)
    char_hidden: int = setting(32, "Hidden units per direction of the character RNN (0: no "
                               "character model).", low=0, high=MAX_HIDDEN)
    crf: bool = setting(False, "A linear-chain CRF output layer: learned tag transition scores, "
                        "trained on whole sentences; tagging reads each word's marginal "
                        "distribution.")
    lr: float = setting(0.05, "Adagrad learning rate.", rule="positive", tuning=True)
    lr_embed: float = setting(0.15, "Adagrad learning rate of the embedding tables (0: same as "
                              "--lr).", rule=">= 0", tuning=True)
    batch_size: int = setting(0, "Sentences per minibatch (0: 96, or fewer for a corpus under "
                              "4,608 sentences, so that an epoch has at least 48 steps).", low=0,
                              tuning=True)
    min_count: int = setting(1, "Rarer features map to <unk>.", low=1, tuning=True)
    clip: float = setting(5.0, "Clip gradients to [-clip, clip].", rule="positive", tuning=True)
    dropout: float = setting(0.5, "Dropout on recurrent outputs.", rule="in [0, 1)", tuning=True)
    input_dropout: float = setting(0.0, "Dropout on the word vectors entering the first layer.",
                                   rule="in [0, 1)", tuning=True)
    recurrent_dropout: float = setting(0.25, "Dropout on the state passed from each word to the "
                                       "next (one mask per sentence).", rule="in [0, 1)",
                                       tuning=True)
    word_dropout: float = setting(0.25, "alpha: a word seen c times is replaced by <unk> w.p. "
                                  "alpha/(alpha+c).", rule=">= 0", tuning=True)
    feature_dropout: float = setting(0.5, "alpha for every other feature (affixes, shape, ...): "
                                     "each is replaced by its template's <unk> on its own.",
                                     rule=">= 0", tuning=True)
    adversarial: float = setting(1.0, "Adversarial training: each minibatch also trains on its "
                                 "word vectors moved by this much (mean norm per word) in the "
                                 "direction that raises the loss most (0: off).", rule=">= 0",
                                 tuning=True)
    adversarial_stride: int = setting(1, "The adversarial pass reads every N-th sentence of a "
                                      "minibatch (2: half the sentences, for about half the "
                                      "extra time).", low=1, tuning=True)
    patience: int = setting(0, "Stop after N epochs without a better dev score (0: never).",
                            low=0)
    average: int = setting(14, "From epoch N on, evaluate and save the mean of the weights of "
                           "the epochs so far (0: off).", low=0, tuning=True)
    average_snapshots: int = setting(4, "Weights added to that mean per epoch, evenly spaced (1: "
                                     "at the end of each epoch).", low=1, tuning=True)
    seed: int = setting(1, "Random seed: same seed, same model.", low=0)
    tag_column: str = setting("upos", "The column to learn and predict.", choices=("upos", "xpos"))
    gradcheck: bool = True  # check gradients before training (the option: --skip-gradcheck)

    def templates(self):
        from .features import FEATURE_SETS
        return FEATURE_SETS[self.features]

    def check(self) -> None:
        """Refuse a bad value with a one-line PostagError naming its option."""
        for f in declared():
            problem = _problem(getattr(self, f.name), f.metadata)
            if problem:
                raise PostagError(f"{option_name(f)} must be {problem}")


def declared():
    """The fields of TrainConfig that are settings of `postag train`, in option order."""
    return [f for f in fields(TrainConfig) if "help" in f.metadata]


def tuning_names() -> frozenset:
    """The settings whose options only `postag train --help-all` lists."""
    return frozenset(f.name for f in declared() if f.metadata["tuning"])


def option_name(f) -> str:
    return "--" + f.name.replace("_", "-")


def stored_problem(f, v) -> str | None:
    """What is wrong with value v of setting f as read back from a model file's JSON (None:
    nothing): its type first (JSON true is no number), then what TrainConfig.check asks."""
    kind = type(f.default)
    ok = isinstance(v, str) if kind is str else type(v) in (int, float) if kind is float \
        else type(v) is kind
    kinds = {int: "a whole number", float: "a number", bool: "true or false", str: "a string"}
    return _problem(v, f.metadata) if ok else f"{kinds[kind]}, not {v!r}"


def _problem(v, m) -> str | None:
    """What is wrong with value v of a setting declared with metadata m (None: nothing)."""
    if m["choices"]:
        return None if v in m["choices"] else f"one of {', '.join(m['choices'])}, not {v!r}"
    if m["low"] is not None and v < m["low"]:
        return f"at least {m['low']}, not {v}"
    if m["high"] is not None and v > m["high"]:
        return f"at most {m['high']}, not {v}"
    if m["rule"] and not math.isfinite(v):
        return f"a finite number, not {v}"
    if m["rule"] and not RULES[m["rule"]](v):
        return f"{m['rule']}, not {v}"
    return None
