"""Checks on UD English EWT, when it is present (skipped cleanly otherwise; POSTAG_EWT_DIR
points elsewhere). Fast: reading and tokenizing only, no training."""

import pytest

from postag_cli.treebank import ReadStats, read_conllu

pytestmark = pytest.mark.ewt


def test_reads_ewt_without_errors(ewt):
    train, dev = ewt
    for path, sentences in ((train, 12544), (dev, 2001)):
        stats = ReadStats()
        n = sum(1 for _ in read_conllu(path, stats=stats))
        assert n == stats.sentences == sentences and stats.skipped == 0
        assert stats.multiword > 0 and stats.empty_nodes > 0


def test_tokenizer_f1_on_ewt_dev(ewt):
    from postag_cli.align import score_documents
    from postag_cli.rawtext import system_sentences

    class Dummy:  # tags are irrelevant here: a tagger that always says X
        tags = ["X"]
        multiword = True  # (an EWT model: trained on n't)
        lexicon = None  # (no words of scripts written without spaces)

        def probabilities(self, sents):
            import numpy as np
            return [np.ones((len(s), 1), np.float32) for s in sents]

        def tokenize(self, texts):  # the rules, as a model without a learned tokenizer
            from postag_cli.tokenizer import tokenize
            return [tokenize(t, self.multiword, self.lexicon) for t in texts]

    gold = list(read_conllu(ewt[1]))
    system = system_sentences(Dummy(), [s.metadata["text"] for s in gold])
    scores = score_documents(gold, system)
    assert scores["Tokens"].f1 >= 0.99 and scores["Words"].f1 >= 0.99
