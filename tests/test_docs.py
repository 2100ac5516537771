"""docs/options.md is generated from the commands' declarations (make docs) and kept in step."""

from pathlib import Path

from postag_cli.cli import cli
from postag_cli.optiondoc import reference

DOC = Path(__file__).resolve().parent.parent / "docs" / "options.md"


def test_option_reference_is_up_to_date():
    assert DOC.read_text(encoding="utf-8") == reference(), \
        "docs/options.md is stale: run `make docs`"


def test_option_reference_lists_every_option_of_every_command():
    text = reference()
    for name, cmd in cli.commands.items():
        assert f"## postag {name}\n" in text
        for p in cmd.params:
            for opt in p.opts if p.param_type_name == "option" else ():
                assert f"`{opt}`" in text, (name, opt)
