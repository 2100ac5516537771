"""`postag info`: what a model file holds, with its learning curve drawn in the terminal."""

from __future__ import annotations

import os

from .modelio import load_model, weights_sha256
from .settings import declared


REMOVED_SETTINGS = ("aux_weight",)  # shown for the models trained with them, which still load


def describe(path) -> dict:
    from .features import Features
    from .segmenter import summary
    from .lexicon import raw_text_settings
    from .tokenizer import ENGLISH_MARK
    params, features, tags, meta, _ = load_model(path)
    n_params = int(sum(a.size for a in params.values()))
    return {
        "file": str(path),
        "file_bytes": os.path.getsize(path),
        "format_version": meta["format_version"],
        "package_version": meta.get("package_version"),
        "arch": meta.get("arch"),
        "layers": meta.get("layers"),
        "hidden": meta.get("hidden"),
        "char_hidden": meta.get("char_hidden", 0),
        "crf": bool(meta.get("crf", False)),
        "characters": len(meta.get("chars", [])),
        "feature_templates": meta.get("templates"),
        "features": len(features),
        "vocabulary": sum(1 for f in features if f.startswith("w=")),
        "tags": list(tags),
        "tag_column": meta.get("tag_column"),
        # raw text gets the English (EWT) multiword splits when the vocabulary holds n't
        "english_rules": Features(features, meta["templates"]).is_known(ENGLISH_MARK),
        "parameters": n_params,
        "weights": {k: list(v.shape) for k, v in params.items()},
        "weights_sha256": meta.get("weights_sha256"),
        "weights_verified": weights_sha256(params) == meta.get("weights_sha256"),
        "training": {k: meta.get(k) for k in (
            "corpus", "corpus_sha256", "corpus_sentences", "corpus_words", "dev", "epochs_run",
            "best_epoch", "best_dev_accuracy", *(f.name for f in declared()),
            *(k for k in REMOVED_SETTINGS if k in meta))},
        "history": meta.get("history", []),
        **raw_text_settings(meta),
        "tokenizer": summary(meta["tokenizer"]) if "tokenizer" in meta else None,
    }


def adversarial_setting(eps, stride) -> str:
    """How an adversarial-training setting reads: "1.0 (every sentence)", "none"."""
    if not eps:
        return "none"
    return f"{eps} ({'every sentence' if (stride or 1) == 1 else f'1 sentence in {stride}'})"


def sparkline_chart(values, width=40, height=6, label="") -> list[str]:
    """A small text chart of a series (one column per epoch, scaled to `height` rows)."""
    vals = [v for v in values if v is not None]
    if not vals:
        return []
    lo, hi = min(vals), max(vals)
    span = (hi - lo) or 1.0
    rows = []
    for r in range(height, 0, -1):
        cut = lo + span * (r - 0.5) / height
        line = "".join("█" if v is not None and v >= cut else " " for v in values[:width])
        edge = hi if r == height else (lo if r == 1 else None)
        rows.append(f"  {'' if edge is None else f'{edge:.4g}':>8} |{line}")
    rows.append(f"  {'':>8} +{'-' * min(len(values), width)} epoch 1..{len(values)} {label}")
    return rows


def format_info(d: dict) -> str:
    t = d["training"]
    best = t.get("best_dev_accuracy")
    lines = [
        f"model           {d['file']} ({d['file_bytes']:,} bytes)",
        f"format          {d['format_version']} (postag {d['package_version']})",
        f"architecture    {d['arch']}, {d['layers']} layer(s), hidden {d['hidden']} per direction"
        + (f"; character RNN {d['char_hidden']} per direction over {d['characters']} characters"
           if d["char_hidden"] else "")
        + ("; CRF output (tag transitions)" if d["crf"] else ""),
        f"features        {d['features']:,} ({', '.join(d['feature_templates'])}); "
        f"vocabulary {d['vocabulary']:,} words",
        f"tagset          {len(d['tags'])} {d['tag_column']} tags: {' '.join(d['tags'])}",
    ]
    from .segmenter import describe
    from .lexicon import describe_raw_text
    if d.get("tokenizer"):
        lines += [f"raw text        {line}" for line in describe(d["tokenizer"])]
    elif d["english_rules"]:
        lines.append("raw text        English rules: EWT's multiword splits (don't -> do n't, "
                     "gonna, its)")
    if not d.get("tokenizer"):
        lines += [f"raw text        {line}" for line in describe_raw_text(d)]
    lines += [
        f"parameters      {d['parameters']:,}",
        f"weights sha256  {d['weights_sha256']} "
        f"({'verified' if d['weights_verified'] else 'MISMATCH'})",
        f"trained on      {t['corpus']} (sha256 {t['corpus_sha256']}), {t['corpus_sentences']} "
        f"sentences, {t['corpus_words']} tagged words",
        f"dev             {t['dev'] or '-'}",
        f"epochs          {t['epochs_run']} run of {t['epochs']}, best epoch {t['best_epoch']}"
        + (f", best dev accuracy {best:.2%}" if best is not None else ""),
        f"settings        seed {t['seed']}, lr {t['lr']} (embeddings {t['lr_embed'] or t['lr']}), "
        f"batch {t['batch_size']}, min count {t['min_count']}, clip {t['clip']}, dropout "
        f"{t['dropout']}, input dropout {t['input_dropout']}, recurrent dropout "
        f"{t['recurrent_dropout'] or 0}, word dropout {t['word_dropout']}, "
        f"feature dropout {t['feature_dropout'] or 0}, "
        + (f"adversarial training {adversarial_setting(t['adversarial'], t['adversarial_stride'])}, "
           if t["adversarial"] else "")
        + f"weight averaging from epoch {t['average'] or '-'}"
        + (f" ({t['average_snapshots']} per epoch)" if (t["average_snapshots"] or 1) > 1 else "")
        + (" (not reached)" if isinstance(t["average"], int) and isinstance(t["epochs_run"], int)
           and 0 < t["epochs_run"] < t["average"] else "")
        + (f", patience {t['patience']}" if t["patience"] else "")
        + (f", auxiliary loss weight {t['aux_weight']}" if t.get("aux_weight") else ""),
    ]
    hist = d["history"]
    if hist:
        lines += ["", "learning curve", "  epoch  loss      tokens/s   dev acc"]
        for h in hist:
            acc = h.get("dev_accuracy")
            lines.append(f"  {h['epoch']:>5}  {h['loss']:<8.4f}  {h['tokens_per_s']:>9,.0f}  "
                         + (f"{acc:.2%}" if acc is not None else "-"))
        lines += ["", "training loss"] + sparkline_chart([h["loss"] for h in hist])
        if any(h.get("dev_accuracy") is not None for h in hist):
            lines += ["", "dev accuracy"] + sparkline_chart([h.get("dev_accuracy") for h in hist])
    return "\n".join(lines)
