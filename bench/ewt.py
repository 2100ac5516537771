"""Shared by the benchmarks: where they find UD English EWT (`--ewt DIR`, else
$POSTAG_EWT_DIR, else ../shared/data/ud-english-ewt beside the repository), and settings
given as key=value on their command lines."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def add_ewt_option(ap):
    ap.add_argument("--ewt", default=os.environ.get("POSTAG_EWT_DIR",
                                                    ROOT.parent / "shared/data/ud-english-ewt"))


def ewt_paths(folder):
    """(train, dev) files of EWT in `folder`; without them, say so and exit 0 (skipped)."""
    folder = Path(folder)
    train_f, dev_f = folder / "en_ewt-ud-train.conllu", folder / "en_ewt-ud-dev.conllu"
    if not (train_f.exists() and dev_f.exists()):
        print(f"skipped: UD English EWT not found in {folder}", file=sys.stderr)
        sys.exit(0)
    return train_f, dev_f


def config_overrides(pairs, config_class):
    """TrainConfig overrides from "key=value" strings, each value converted to its field's type
    (a boolean from "True" or anything else)."""
    out = {}
    for kv in pairs:
        k, v = kv.split("=", 1)
        default = getattr(config_class(), k)
        out[k] = v == "True" if isinstance(default, bool) else type(default)(v)
    return out
