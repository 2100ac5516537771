"""The checkpoint written after every epoch, and resuming from it.

A checkpoint is a model file (modelio, magic "postag-checkpoint") that also holds the Adagrad
memories, the best and the averaged weights, the learned tokenizer's arrays and the training
state (epochs run, best epoch and dev score, history); resuming from the checkpoint of epoch e
continues exactly as the uninterrupted run would have (the random numbers of each minibatch
come from (seed, epoch, batch, part)).
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np

from .errors import PostagError
from .modelio import CHECKPOINT_MAGIC, save_model
from .settings import TrainConfig


def save_checkpoint(path, params, mem, best_params, feats, tagset, meta, result, avg=None,
                    tokenizer=None):
    state = {"epochs_run": result.epochs_run, "best_epoch": result.best_epoch,
             "best_dev": result.best_dev, "history": result.history}
    extra = {"adagrad": mem}
    if best_params is not None:
        extra["best"] = best_params
    if avg is not None:
        extra["average"] = avg
    if tokenizer is not None:
        extra["tokenizer"] = tokenizer
    save_model(path, params, feats.names, tagset, {**meta, "checkpoint": state}, extra=extra,
               magic=CHECKPOINT_MAGIC, chars=feats.chars)


# settings newer than some checkpoints: what those checkpoints were trained with
DEFAULTS_OF_NEW = {"feature_dropout": 0.0, "recurrent_dropout": 0.0, "average_snapshots": 1,
                   "crf": False, "adversarial": 0.0, "adversarial_stride": 1}
RESUME_MAY_CHANGE = ("epochs", "patience", "gradcheck")  # every other setting must match


def load_checkpoint(path, loaded, meta, feats, tagset):
    """The training state of checkpoint `path` (`loaded`: what load_model read from it), after
    checking that it was made with this run's data and settings: (weights, Adagrad memories,
    best weights or None, averaged weights or None, state: epochs_run, best_epoch, best_dev,
    history)."""
    params, names, tags, cmeta, extra = loaded
    if cmeta.get("corpus_sha256") != meta["corpus_sha256"]:
        raise PostagError(f"{path}: checkpoint was made on different training data "
                          f"({cmeta.get('corpus')}, sha256 {str(cmeta.get('corpus_sha256'))[:12]}…)")
    for key in [f.name for f in fields(TrainConfig) if f.name not in RESUME_MAY_CHANGE] + [
            "templates", "batch_parts"]:
        have = cmeta.get(key, DEFAULTS_OF_NEW.get(key))
        if have != meta.get(key):
            raise PostagError(f"{path}: checkpoint setting {key}={have!r} differs from "
                              f"this run's {meta.get(key)!r}; resume with the same options")
    if list(names) != feats.names or list(tags) != tagset:
        raise PostagError(f"{path}: checkpoint vocabulary differs from the training data's")
    if "dev_sha256" in cmeta and cmeta["dev_sha256"] != meta.get("dev_sha256"):
        was = f"dev file {cmeta.get('dev')}" if cmeta["dev_sha256"] else "no dev file"
        raise PostagError(f"{path}: checkpoint was scored with {was}; resume with the same "
                          "--dev, so that its best epoch stays comparable")
    state = cmeta["checkpoint"]
    mem = {k: np.array(v, dtype=np.float32) for k, v in extra["adagrad"].items()}
    best = extra.get("best")
    avg = extra.get("average")
    params = {k: np.array(v, dtype=np.float32) for k, v in params.items()}
    return params, mem, best, avg, state
