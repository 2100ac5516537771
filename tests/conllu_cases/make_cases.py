"""Write the malformed and edge-case CoNLL-U files of this folder, byte for byte.

    python tests/conllu_cases/make_cases.py

The files are committed; `tests/test_conllu_catalogue.py` checks that they still match what
this script builds, and README.md describes what the reader must do with each.

Most bad cases are three sentences: a good one (lines 1-7), the bad one (sent_id 2, its token
lines from line 10 on) and another good one, so skip mode reads 2 sentences and skips 1.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def tok(i, form, upos, head="0", deprel="dep", misc="_", lemma=None, xpos="_"):
    lemma = form.lower() if lemma is None else lemma
    return f"{i}\t{form}\t{lemma}\t{upos}\t{xpos}\t_\t{head}\t{deprel}\t_\t{misc}"


def rng(span, form, misc="_"):
    return f"{span}\t{form}\t_\t_\t_\t_\t_\t_\t_\t{misc}"


A = ["# sent_id = 1",
     "# text = The cat sleeps.",
     tok(1, "The", "DET", "2", "det"),
     tok(2, "cat", "NOUN", "3", "nsubj"),
     tok(3, "sleeps", "VERB", "0", "root", "SpaceAfter=No", lemma="sleep"),
     tok(4, ".", "PUNCT", "3", "punct")]

B_WORDS = [tok(1, "Dogs", "NOUN", "2", "nsubj", lemma="dog"),
           tok(2, "bark", "VERB", "0", "root"),
           tok(3, "loudly", "ADV", "2", "advmod", "SpaceAfter=No"),
           tok(4, ".", "PUNCT", "2", "punct")]

C = ["# sent_id = 3",
     "# text = Birds sing.",
     tok(1, "Birds", "NOUN", "2", "nsubj", lemma="bird"),
     tok(2, "sing", "VERB", "0", "root", "SpaceAfter=No"),
     tok(3, ".", "PUNCT", "2", "punct")]

# a 9-word sentence for the empty-node cases (an ellipsis resolved after word 8)
NINE = [tok(i, w, t) for i, (w, t) in enumerate(zip(
    ["Mary", "likes", "tea", ",", "and", "John", "coffee", "too", "."],
    ["PROPN", "VERB", "NOUN", "PUNCT", "CCONJ", "PROPN", "NOUN", "ADV", "PUNCT"]), 1)]
NINE_COMMENTS = ("# sent_id = 2", "# text = Mary likes tea, and John coffee too.")
E81 = "8.1\tlikes\tlike\tVERB\t_\t_\t_\t_\t6:nsubj\t_"


def text(lines, end="\n\n") -> str:
    return "\n".join(lines) + end


def three(b_tokens, b_comments=("# sent_id = 2", "# text = Dogs bark loudly.")) -> bytes:
    """Good sentence, sentence 2 with these token lines (first one on line 10), good sentence."""
    return (text(A) + text(list(b_comments) + list(b_tokens)) + text(C)).encode("utf-8")


def replace(words, k, line):
    """`words` with word k (1-based) replaced by `line`."""
    return words[:k - 1] + [line] + words[k:]


def insert(words, k, line):
    """`words` with `line` inserted before word k (1-based)."""
    return words[:k - 1] + [line] + words[k - 1:]


def build() -> dict[str, bytes]:
    W = B_WORDS
    bark = W[1]
    cases = {
        # --- column layout
        "columns_9.conllu": three(replace(W, 2, bark.rsplit("\t", 1)[0])),
        "columns_11.conllu": three(replace(W, 2, bark + "\t_")),
        "spaces_not_tabs.conllu": three(replace(W, 3, W[2].replace("\t", " "))),
        "trailing_tab.conllu": three(replace(W, 2, bark + "\t")),
        "empty_form.conllu": three(replace(W, 2, bark.replace("\tbark\t", "\t\t"))),
        "leading_space.conllu": three(replace(W, 2, bark.replace("\tbark\t", "\t bark\t"))),
        # --- IDs
        "id_x.conllu": three(replace(W, 2, "x" + bark[1:])),
        "id_zero.conllu": three(replace(W, 1, "0" + W[0][1:])),
        "id_1.0.conllu": three(replace(W, 1, "1.0" + W[0][1:])),
        "id_negative.conllu": three(replace(W, 1, "-1" + W[0][1:])),
        "id_out_of_order.conllu": three([W[0], W[2], W[1], W[3]]),
        "id_skipped.conllu": three([W[0], W[1], "4" + W[2][1:], "5" + W[3][1:]]),
        "id_duplicated.conllu": three([W[0], W[1], "2" + W[2][1:], "3" + W[3][1:]]),
        # --- multiword tokens
        "range_reversed.conllu": three(insert(W, 4, rng("4-3", ".x"))),
        "range_overlapping.conllu": three([rng("1-2", "Dogsbark"), W[0], rng("2-3", "barkloudly"),
                                           W[1], W[2], W[3]]),
        "range_beyond_sentence.conllu": three(insert(W, 4, rng("4-5", ".!"))),
        "range_after_first_word.conllu": three(insert(W, 2, rng("1-2", "Dogsbark"))),
        "range_too_early.conllu": three(insert(W, 2, rng("3-4", "loudly."))),
        "range_valid.conllu": three(insert(W, 3, rng("3-4", "loudly.", "SpaceAfter=No"))),
        # --- empty nodes
        "empty_node_valid.conllu": three(insert(NINE, 9, E81), NINE_COMMENTS),
        "empty_node_8.0.conllu": three(insert(NINE, 9, E81.replace("8.1", "8.0")), NINE_COMMENTS),
        "empty_node_order.conllu": three(NINE[:8] + [E81.replace("8.1", "8.2"), E81, NINE[8]],
                                         NINE_COMMENTS),
        "empty_node_misplaced.conllu": three(NINE + [E81], NINE_COMMENTS),
        # --- comments and blank lines
        "comments_only.conllu": b"# newdoc id = doc1\n# sent_id = 1\n# text = Hello.\n\n# note\n",
        "text_comment_no_tokens.conllu": (text(A) + text(["# sent_id = 2", "# text = No tokens."])
                                          + text(C)).encode(),
        "token_line_first.conllu": (text(A[2:]) + text(C)).encode(),
        "comment_inside_sentence.conllu": three(insert(W, 3, "# note = inside")),
        "no_final_blank_line.conllu": (text(A) + text(C, end="\n")).encode(),
        "no_final_newline.conllu": (text(A) + text(C, end="")).encode(),
        "many_blank_lines.conllu": ("\n\n" + text(A, "\n\n\n\n") + text(C, "\n\n\n")).encode(),
        "empty.conllu": b"",
        "blank_lines_only.conllu": b"\n\n\n\n",
        "global_columns_standard.conllu": (
            "# global.columns = ID FORM LEMMA UPOS XPOS FEATS HEAD DEPREL DEPS MISC\n"
            + text(A) + text(C)).encode(),
        "global_columns_plus.conllu": (
            "# global.columns = ID FORM LEMMA XPOS UPOS FEATS HEAD DEPREL DEPS MISC\n"
            + text(A) + text(C)).encode(),
        # --- bytes
        "bom.conllu": b"\xef\xbb\xbf" + (text(A) + text(C)).encode(),
        "bom_mid_file.conllu": (text(A) + "\ufeff" + text(C)).encode(),
        "crlf.conllu": (text(A) + text(C)).replace("\n", "\r\n").encode(),
        "latin1.conllu": three(replace(W, 2, bark.replace("bark", "café"))).decode()
                         .encode("latin-1"),
        "utf16.conllu": (text(A) + text(C)).encode("utf-16"),
        "nul_byte.conllu": three(replace(W, 2, bark.replace("bark", "ba\x00rk"))),
        "cr_only.conllu": (text(A) + text(C)).replace("\n", "\r").encode(),
        # --- tags and scripts
        "underscore_tags.conllu": (text(A[:3] + [A[3].replace("\tNOUN\t", "\t_\t")] + A[4:5]
                                        + [A[5].replace("\tPUNCT\t", "\t_\t")]) + text(C)).encode(),
        "upos_unknown.conllu": three(replace(W, 2, bark.replace("\tVERB\t", "\tFOO\t"))),
        "upos_lowercase.conllu": three(replace(W, 2, bark.replace("\tVERB\t", "\tverb\t"))),
        "unicode_scripts.conllu": text([
            "# sent_id = u1",
            "# text = Καλημέρα мир مرحبا नमस्ते 你好 こんにちは 안녕 สวัสดี שלום café 🙂",
        ] + [tok(i, w, t) for i, (w, t) in enumerate([
            ("Καλημέρα", "INTJ"), ("мир", "NOUN"), ("مرحبا", "INTJ"), ("नमस्ते", "INTJ"),
            ("你好", "INTJ"), ("こんにちは", "INTJ"), ("안녕", "INTJ"), ("สวัสดี", "INTJ"),
            ("שלום", "INTJ"), ("cafe\u0301", "NOUN"), ("🙂", "SYM")], 1)]).encode("utf-8"),
    }
    return cases


def main(argv):
    folder = Path(argv[1]) if len(argv) > 1 else HERE
    for name, data in build().items():
        (folder / name).write_bytes(data)
    print(f"wrote {len(build())} files to {folder}")


if __name__ == "__main__":
    main(sys.argv)
