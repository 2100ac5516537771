"""The option reference (docs/options.md), generated from the commands' own declarations:

    python -m postag_cli.optiondoc > docs/options.md      (make docs)

tests/test_docs.py checks that the file is what this prints, so it cannot go stale."""

from __future__ import annotations

import click

HEADER = ("# postag option reference\n\n"
          "Generated from the commands themselves by `make docs` (`python -m postag_cli.optiondoc`);\n"
          "a test fails when it differs from them. `postag COMMAND --help` shows the same.\n")


def _cell(text) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _default(p: click.Parameter) -> str:
    if isinstance(p, click.Argument) or getattr(p, "is_flag", False) and not p.secondary_opts:
        return ""
    d = p.default
    if d is None or d == () or d == "" or type(d).__name__ == "Sentinel":  # (click 8.2: UNSET)
        return ""
    if isinstance(d, (list, tuple)):
        d = " ".join(map(str, d))
    if isinstance(d, bool):  # an on/off pair: the name of the default
        d = p.opts[0] if d else p.secondary_opts[0]
    return f"`{_cell(d)}`"


def _name(p: click.Parameter) -> str:
    if isinstance(p, click.Argument):
        return f"`{p.human_readable_name}`"
    names = sorted(p.opts, key=len) + list(p.secondary_opts)
    meta = "" if getattr(p, "is_flag", False) or isinstance(p.type, click.Choice) \
        else f" {p.type.name.upper()}"
    return " / ".join(f"`{n}`" for n in names) + meta


def _values(p: click.Parameter) -> str:
    return ", ".join(f"`{c}`" for c in p.type.choices) if isinstance(p.type, click.Choice) else ""


def _row(p: click.Parameter) -> str:
    what = "(argument)" if isinstance(p, click.Argument) else _cell(getattr(p, "help", "") or "")
    return f"| {_name(p)} | {_default(p)} | {_values(p)} | {what} |"


def command_table(name: str, cmd: click.Command) -> str:
    """The command's options as a table; the tuning ones (`postag train --help-all`) apart."""
    doc = (cmd.help or "").split("\n\n")[0].strip()
    head = ["| option | default | values | what it does |", "|---|---|---|---|"]
    tuning = getattr(cmd, "tuning", frozenset())
    shown = [p for p in cmd.params if not getattr(p, "hidden", False)]
    rows = [f"## postag {name}\n", _cell(doc) + "\n", *head]
    rows += [_row(p) for p in shown if p.name not in tuning]
    if tuning:
        rows += [f"\n### postag {name}: tuning options (listed by `--help-all`)\n", *head]
        rows += [_row(p) for p in shown if p.name in tuning]
    return "\n".join(rows) + "\n"


def reference() -> str:
    from .cli import cli
    return HEADER + "".join("\n" + command_table(n, c) for n, c in cli.commands.items())


if __name__ == "__main__":
    print(reference(), end="")
