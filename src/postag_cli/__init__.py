"""postag: a part-of-speech tagger trainer built on a hand-written numpy RNN.

    >>> from postag_cli import Tagger
    >>> tagger = Tagger.load("model.npz")            # doctest: +SKIP
    >>> tagger.tag(["The", "cat", "sat"])            # doctest: +SKIP
    ['DET', 'NOUN', 'VERB']

Heavy modules (numpy, the model) are imported lazily, so `postag --help` starts fast.
"""

__version__ = "0.1.0"
__all__ = ["PostagError", "Tagger", "__version__"]


def __getattr__(name):
    if name == "Tagger":
        from .tagger import Tagger
        return Tagger
    if name == "PostagError":
        from .errors import PostagError
        return PostagError
    raise AttributeError(f"module 'postag_cli' has no attribute {name!r}")
