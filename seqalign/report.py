"""Rendering reports and diagnostics for people (rich text) and machines (JSON)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.console import Console
from rich.table import Table

from .codes import CATALOG
from .model import Report


def summary_table(report: Report, title: str = "seqalign") -> Table:
    c = report.counts
    t = Table(title=title, show_header=True, header_style="bold")
    t.add_column("what")
    t.add_column("count", justify="right")
    rows: list[tuple[str, Any]] = [
        ("examples", c.examples),
        ("windows (rows)", c.windows),
        ("tokens", c.tokens),
        ("spans in", c.spans_in),
        ("  exact", c.exact),
        ("  adjusted", c.adjusted),
        ("  lost", c.lost),
        ("  truncated", c.truncated),
    ]
    if c.window_cuts:
        rows.append(("entity cuts by window edges", c.window_cuts))
    for k, v in rows:
        style = "red" if k.strip() == "lost" and v else ("yellow" if k.strip() in ("adjusted", "truncated") and v else "")
        t.add_row(k, f"[{style}]{v}[/{style}]" if style else str(v))
    if not c.balanced():
        t.add_row("[red]UNBALANCED[/red]", "exact+adjusted+lost+truncated != spans in")
    return t


def codes_table(report: Report) -> Table | None:
    counts = Counter(d.code for d in report.diagnostics)
    if not counts:
        return None
    t = Table(title="diagnostics by code", header_style="bold")
    t.add_column("code")
    t.add_column("count", justify="right")
    t.add_column("meaning")
    for code, n in sorted(counts.items()):
        t.add_row(code, str(n), CATALOG.get(code, ("", ""))[0])
    return t


def print_report(report: Report, console: Console, *, examples: int = 8, title: str = "seqalign") -> None:
    for note in report.notes:
        console.print(f"[cyan]note:[/cyan] {note}")
    console.print(summary_table(report, title))
    ct = codes_table(report)
    if ct is not None:
        console.print(ct)
        shown = 0
        for d in report.diagnostics:
            if shown >= examples:
                break
            console.print(f"  [bold]{d.code}[/bold] {d.location}: {d.message}", markup=True, highlight=False)
            shown += 1
        if len(report.diagnostics) > shown:
            console.print(f"  ... {len(report.diagnostics) - shown} more in the JSON report")
