"""Reading model output for an exported dataset: label ids per piece, or logits / probabilities.

Accepted: ``.npy`` arrays (2D ``rows x pieces`` of ids, or 3D ``rows x pieces x labels`` of scores) and
``.jsonl`` with one row per line (a list of ids, a list of score lists, or an object holding one of those
under ``predictions``, ``labels``, ``logits`` or ``probabilities``). Rows may be padded past the dataset
row's length. Scores are taken as probabilities when every vector is non-negative and sums to 1, otherwise
as logits (softmax applied); which one was assumed is recorded as ``kind``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import InputError
from .model import IGNORE

_KEYS = ("predictions", "labels", "logits", "probabilities")


@dataclass(slots=True)
class Predictions:
    file: str
    kind: str  # "ids" | "probabilities" | "logits"
    rows: list[Any]  # per dataset row: 1D int array (ids) or 2D float array (probabilities after softmax)

    def row(self, i: int, gold: list[int], id2label: dict[int, str]) -> tuple[list[int], list[list[float]] | None]:
        """(label id per position, probabilities per position or None) for dataset row ``i`` of ``len(gold)``."""
        arr = self.rows[i]
        n = len(gold)
        if len(arr) < n:
            raise InputError(f"prediction row {i} has {len(arr)} positions, the dataset row has {n}", file=self.file)
        arr = arr[:n]
        if self.kind == "ids":
            labs = [int(x) for x in arr]
            probs = None
        else:
            if arr.shape[1] != len(id2label):
                raise InputError(
                    f"prediction row {i} scores {arr.shape[1]} labels, labels.json has {len(id2label)}", file=self.file
                )
            # NaN or +inf scores (a diverged model, a bad export) have no argmax worth decoding, and pieces
            # whose gold is -100 are read too (--aggregation average/max): every position of the row is checked,
            # the padding past it (already cut off) is not.
            broken = ~np.isfinite(arr).all(-1)
            if broken.any():
                k = int(np.flatnonzero(broken)[0])
                raise InputError(
                    f"prediction row {i}, position {k}: scores are not finite numbers ({int(broken.sum())} such position(s) "
                    "in this row)",
                    file=self.file,
                    hint="NaN or infinite logits: check the model output (a diverged run, or padding filled with NaN)",
                )
            labs = [int(x) for x in arr.argmax(-1)]
            probs = arr.tolist()
        for k, (lab, g) in enumerate(zip(labs, gold, strict=True)):
            if lab not in id2label:
                if g != IGNORE:
                    raise InputError(f"prediction row {i}, position {k}: {lab} is not a label id of labels.json", file=self.file)
                labs[k] = IGNORE  # padding or a special token: never read
        return labs, probs


def _softmax(a: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", over="ignore"):  # non-finite scores stay NaN: Predictions.row refuses them
        z = a - a.max(-1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(-1, keepdims=True)


def _kind_of(rows: list[np.ndarray]) -> str:
    if all(r.ndim == 1 for r in rows):
        for r in rows:
            if r.size and not np.all(np.equal(np.mod(r, 1), 0)):
                raise InputError("1D prediction rows must hold integer label ids")
        return "ids"
    if not all(r.ndim == 2 for r in rows):
        raise InputError("prediction rows mix label ids and score vectors")
    for r in rows:
        if r.size and (r.min() < 0 or not np.allclose(r.sum(-1), 1.0, atol=1e-3)):
            return "logits"
    return "probabilities"


def load_predictions(path: str | Path, lengths: list[int] | None = None) -> Predictions:
    """``lengths``: the dataset's row lengths. Positions past them are padding (NaN, -100, anything), cut
    before the kind of the rows (ids, probabilities, logits) is decided from what is left."""
    p = Path(path)
    file = str(p)
    rows: list[np.ndarray]
    if p.suffix == ".npy":
        try:
            arr = np.load(p, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read the .npy file: {exc}", file=file) from None
        if arr.ndim not in (2, 3):
            raise InputError(f"expected a 2D (ids) or 3D (scores) array, got shape {arr.shape}", file=file)
        rows = list(arr)
    else:
        rows = []
        try:
            fh = open(p, encoding="utf-8")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise InputError(f"cannot open: {exc.strerror}", file=file) from None
        with fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                    if isinstance(obj, dict):
                        obj = next(obj[k] for k in _KEYS if k in obj)
                    rows.append(np.asarray(obj, dtype=float))
                except (ValueError, TypeError, StopIteration) as exc:
                    raise InputError(
                        f"expected a list of label ids or of score lists (or an object with one of {', '.join(_KEYS)}): {exc}",
                        file=file,
                        line=n,
                    ) from None
    if not rows:
        raise InputError("no prediction rows", file=file)
    if lengths is not None:
        rows = [r[:n] for r, n in zip(rows, lengths, strict=False)] + rows[len(lengths) :]
    try:
        kind = _kind_of(rows)
    except InputError as exc:
        raise InputError(exc.message, file=file) from None
    if kind == "ids":
        rows = [r.astype(np.int64) for r in rows]
    elif kind == "logits":
        rows = [_softmax(r.astype(np.float64)) for r in rows]
    return Predictions(file, kind, rows)
