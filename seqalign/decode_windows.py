"""Rows of an exported dataset (possibly several windows per example) -> spans per example, as JSONL."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .model import IGNORE, Span
from .schemes import get_scheme


def merge_windows(
    rows: list[dict[str, Any]], labels: list[list[int]], n_prefix: int, n_suffix: int
) -> tuple[list[int], list[list[int]], list[int | None]]:
    """One label per piece of the example: from the window where the piece sits farthest from an edge."""
    best: dict[int, tuple[int, int, list[int], int | None]] = {}  # piece -> (margin, label, offsets, word id)
    for row, labs in zip(rows, labels, strict=True):
        n = len(row["input_ids"]) - n_prefix - n_suffix
        base = row.get("token_start", 0) or 0
        for k in range(n):
            pos = n_prefix + k
            margin = min(k, n - 1 - k)
            piece = base + k
            prev = best.get(piece)
            if prev is None or margin > prev[0]:
                wid = row["word_ids"][pos] if row.get("word_ids") is not None else None
                best[piece] = (margin, labs[pos], list(row["offset_mapping"][pos]), wid)
    order = sorted(best)
    return [best[p][1] for p in order], [best[p][2] for p in order], [best[p][3] for p in order]


def decode_rows(
    rows: Iterable[dict[str, Any]],
    label_info: dict[str, Any],
    out: str | Path,
    predictions: list[list[int]] | None,
    texts: dict[str, str],
    decode_fn: Callable[..., tuple[list[Span], Any]],
) -> int:
    scheme = get_scheme(label_info["scheme"])
    id2label = {int(k): v for k, v in label_info["id2label"].items()}
    mode = label_info.get("label_subwords", "all")
    report_path = Path(out).parent
    del report_path
    groups: dict[str, list[tuple[dict[str, Any], list[int]]]] = {}
    order: list[str] = []
    n_prefix = n_suffix = None
    for i, row in enumerate(rows):
        gold = list(row["labels"])
        if predictions is not None:
            pred = predictions[i][: len(gold)]
            labs = [p if g != IGNORE else IGNORE for p, g in zip(pred, gold, strict=False)]
        else:
            labs = gold
        if n_prefix is None:
            n_prefix, n_suffix = _specials(row)
        if row["id"] not in groups:
            groups[row["id"]] = []
            order.append(row["id"])
        groups[row["id"]].append((row, labs))
    tmp = Path(f"{out}.tmp-{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            for ex_id in order:
                g = groups[ex_id]
                labs, offs, wids = merge_windows([r for r, _ in g], [lab for _, lab in g], n_prefix or 0, n_suffix or 0)
                spans, _ = decode_fn(labs, offs, id2label, scheme, word_ids=wids if mode == "first" else None, mode=mode)
                rec: dict[str, Any] = {"id": ex_id}
                if g[0][0].get("doc_id") is not None:
                    rec["doc_id"] = g[0][0]["doc_id"]
                text = texts.get(ex_id)
                if text is not None:
                    rec["text"] = text
                rec["spans"] = [
                    {"start": s.start, "end": s.end, "label": s.label, **({"text": text[s.start : s.end]} if text else {})}
                    for s in spans
                ]
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return len(order)


def _specials(row: dict[str, Any]) -> tuple[int, int]:
    """Count the special tokens at both ends of a row: they have no word and an empty (0,0) offset."""
    offs = row["offset_mapping"]
    wids = row.get("word_ids")
    labels = row["labels"]

    def special(i: int) -> bool:
        s, e = offs[i]
        return s == 0 and e == 0 and labels[i] == IGNORE and (wids is None or wids[i] is None)

    n = len(offs)
    a = 0
    while a < n and special(a):
        a += 1
    b = 0
    while b < n - a and special(n - 1 - b):
        b += 1
    return a, b
