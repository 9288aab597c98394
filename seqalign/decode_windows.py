"""Windows of one example -> one set of spans.

Every piece takes its label from the window where it sits farthest from a cut edge (an edge where the window
stops in the middle of the example; the example's own start and end are not cuts). When windows disagree
about an entity, the candidates (the merged reading, plus each window's own entities that no cut edge
touches) that overlap are resolved longer-then-higher-score, and every such conflict is reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .decode import Piece, ScoredSpan, Unit, decode_units, units_of
from .model import IGNORE, Diagnostic, Location, Severity
from .schemes import Scheme, Violation

WINDOW_CONFLICT = "D101"
WINDOW_OVERRULED = "D102"


@dataclass(frozen=True, slots=True)
class Window:
    token_start: int  # index of the window's first content piece among the example's pieces
    pieces: list[Piece]


@dataclass(slots=True)
class Decoded:
    spans: list[ScoredSpan]
    violations: list[Violation] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def row_pieces(
    row: dict[str, Any],
    n_prefix: int,
    n_suffix: int,
    labels: Sequence[int] | None = None,
    probs: Sequence[Sequence[float]] | None = None,
) -> Window:
    """The content pieces of one dataset row with the labels to read (the row's own when ``labels`` is None)."""
    gold = row["labels"]
    offs = row["offset_mapping"]
    wids = row.get("word_ids") or [None] * len(gold)
    n = len(gold)
    pieces = []
    for i in range(n_prefix, n - n_suffix):
        s, e = offs[i]
        lab = gold[i] if labels is None else labels[i]
        pr = tuple(float(x) for x in probs[i]) if probs is not None else None
        pieces.append(Piece(int(s), int(e), wids[i], gold[i] != IGNORE, int(lab), pr))
    return Window(int(row.get("token_start") or 0), pieces)


def merge_pieces(windows: Sequence[Window]) -> list[Piece]:
    """One piece per position of the example, each from the window where it is farthest from a cut edge."""
    total = max((w.token_start + len(w.pieces) for w in windows), default=0)
    best: dict[int, tuple[float, Piece]] = {}
    inf = float("inf")
    for w in windows:
        n = len(w.pieces)
        left_cut = w.token_start > 0
        right_cut = w.token_start + n < total
        for k, p in enumerate(w.pieces):
            margin = min(k if left_cut else inf, n - 1 - k if right_cut else inf)
            pos = w.token_start + k
            if pos not in best or margin > best[pos][0]:
                best[pos] = (margin, p)
    return [best[i][1] for i in sorted(best)]


def _window_entities(w: Window, total: int, id2label: dict[int, str], scheme: Scheme, mode: str, agg: str) -> list[ScoredSpan]:
    """The entities one window sees whole: those touching a cut edge are partial views and left out."""
    units = units_of(w.pieces, mode, agg)
    real = [u for u in units if u is not None]
    spans, _ = decode_units(units, id2label, scheme)
    out = []
    lo = real[0].start if real and w.token_start > 0 else None
    hi = real[-1].end if real and w.token_start + len(w.pieces) < total else None
    for s in spans:
        if lo is not None and s.start <= lo:
            continue
        if hi is not None and s.end >= hi:
            continue
        out.append(s)
    return out


def _overlap(a: ScoredSpan, b: ScoredSpan) -> bool:
    return a.start < b.end and b.start < a.end


def _fmt(s: ScoredSpan) -> str:
    sc = f", score {s.score:.3f}" if s.score is not None else ""
    return f"({s.start},{s.end},{s.label}{sc})"


def decode_example(
    ex_id: str,
    windows: Sequence[Window],
    id2label: dict[int, str],
    scheme: Scheme,
    mode: str = "all",
    aggregation: str = "first",
    repair: str = "begin",
) -> Decoded:
    merged = merge_pieces(windows)
    units: list[Unit | None] = units_of(merged, mode, aggregation)
    spans, violations = decode_units(units, id2label, scheme, repair)
    res = Decoded(spans, violations)
    if len(windows) < 2:
        return res
    total = max(w.token_start + len(w.pieces) for w in windows)
    seen: dict[tuple[int, int, str], ScoredSpan] = {}
    for w in windows:
        for s in _window_entities(w, total, id2label, scheme, mode, aggregation):
            seen.setdefault((s.start, s.end, s.label), s)
    mkeys = {(s.start, s.end, s.label) for s in spans}
    others = [s for k, s in seen.items() if k not in mkeys]
    if not others:
        return res
    # Clusters of overlapping candidates that hold at least one merged entity: a real disagreement.
    cands = sorted([*spans, *others], key=lambda s: (s.start, s.end))
    clusters: list[list[ScoredSpan]] = []
    for s in cands:
        if clusters and any(_overlap(s, c) for c in clusters[-1]):
            clusters[-1].append(s)
        else:
            clusters.append([s])
    final: list[ScoredSpan] = []
    for cl in clusters:
        in_m = [s for s in cl if (s.start, s.end, s.label) in mkeys]
        if not in_m:
            for s in cl:
                res.diagnostics.append(
                    Diagnostic(
                        WINDOW_OVERRULED,
                        Severity.INFO,
                        f"a window predicts {_fmt(s)}, but the window(s) where those tokens sit farthest from an edge "
                        "predict no entity there",
                        Location(example_id=ex_id, start=s.start, end=s.end),
                        fix="kept the farthest-from-edge reading (no entity)",
                    )
                )
            continue
        if len(cl) == 1:
            final.extend(cl)
            continue
        order = sorted(
            cl,
            key=lambda s: (
                -(s.end - s.start),
                -(s.score if s.score is not None else 0.0),
                (s.start, s.end, s.label) not in mkeys,
                s.start,
            ),
        )
        kept: list[ScoredSpan] = []
        for s in order:
            if not any(_overlap(s, k) for k in kept):
                kept.append(s)
        dropped = [s for s in cl if s not in kept]
        final.extend(kept)
        res.diagnostics.append(
            Diagnostic(
                WINDOW_CONFLICT,
                Severity.WARNING,
                f"windows disagree: candidates {', '.join(_fmt(s) for s in cl)}; kept {', '.join(_fmt(s) for s in kept)} "
                f"(longer first, then higher score); dropped {', '.join(_fmt(s) for s in dropped)}",
                Location(example_id=ex_id, start=min(s.start for s in cl), end=max(s.end for s in cl)),
                fix="resolved longer-then-higher-score",
                policy="longer-then-higher-score",
            )
        )
    res.spans = sorted(final, key=lambda s: (s.start, s.end))
    return res


def merge_windows(
    rows: list[dict[str, Any]], labels: list[list[int]], n_prefix: int, n_suffix: int
) -> tuple[list[int], list[list[int]], list[int | None]]:
    """One label per piece of the example (farthest from a cut edge), with its offsets and word id."""
    merged = merge_pieces([row_pieces(r, n_prefix, n_suffix, labs) for r, labs in zip(rows, labels, strict=True)])
    return (
        [p.label if p.keep else IGNORE for p in merged],
        [[p.start, p.end] for p in merged],
        [p.word for p in merged],
    )


def count_specials(row: dict[str, Any]) -> tuple[int, int]:
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
