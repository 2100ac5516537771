"""`python -m postag_cli` is the `postag` command."""

from .cli import main

main()
