"""The hand-written transformers recipe that seqalign is measured against (HF course ``tokenize_and_align_labels``).

Read CoNLL, convert IOB1 -> IOB2, tokenize with ``is_split_into_words``, label each word's first piece from
``word_ids`` (later pieces and specials -100), ``datasets.map``, ``save_to_disk``. Run as a whole process:

    python scripts/recipe.py CORPUS TOKENIZER_DIR OUT

Functions are importable so that the benchmark can time the parts in-process.
"""

from __future__ import annotations

import sys
from typing import Any


def read_conll(path: str) -> tuple[list[list[str]], list[list[str]]]:
    sents: list[list[str]] = []
    tags: list[list[str]] = []
    words: list[str] = []
    tt: list[str] = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line or line.startswith("-DOCSTART-"):
                if words:
                    sents.append(words)
                    tags.append(tt)
                    words, tt = [], []
                continue
            cols = line.split()
            words.append(cols[0])
            tt.append(cols[-1])
    if words:
        sents.append(words)
        tags.append(tt)
    return sents, tags


def iob1_to_iob2(tags: list[str]) -> list[str]:
    out = []
    prev = "O"
    for t in tags:
        if t.startswith("I-") and (prev == "O" or prev[2:] != t[2:]):
            t = "B-" + t[2:]
        out.append(t)
        prev = t
    return out


def label_list(tags: list[list[str]]) -> list[str]:
    types = sorted({t[2:] for ts in tags for t in ts if t != "O"})
    return ["O"] + [f"{p}-{t}" for t in types for p in ("B", "I")]


def align_batch(tok: Any, tokens: list[list[str]], tag_ids: list[list[int]]) -> Any:
    enc = tok(tokens, is_split_into_words=True, truncation=True, max_length=512)
    labels = []
    for i, lab in enumerate(tag_ids):
        prev = None
        row = []
        for w in enc.word_ids(i):
            if w is None or w == prev:
                row.append(-100)
            else:
                row.append(lab[w])
            prev = w
        labels.append(row)
    enc["labels"] = labels
    return enc


def main(corpus: str, tokenizer: str, out: str) -> None:
    import datasets
    from transformers import AutoTokenizer

    datasets.disable_progress_bars()
    sents, tags = read_conll(corpus)
    tags = [iob1_to_iob2(t) for t in tags]
    labels = label_list(tags)
    l2i = {lab: i for i, lab in enumerate(labels)}
    ds = datasets.Dataset.from_dict({"tokens": sents, "ner_tags": [[l2i[t] for t in ts] for ts in tags]})
    tok = AutoTokenizer.from_pretrained(tokenizer)
    ds = ds.map(lambda b: align_batch(tok, b["tokens"], b["ner_tags"]), batched=True, remove_columns=["tokens", "ner_tags"])
    ds.save_to_disk(out)


if __name__ == "__main__":
    main(*sys.argv[1:4])
