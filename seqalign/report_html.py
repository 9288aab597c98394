"""One self-contained HTML page for ``seqalign validate --html``: each example's text with its spans and
problems highlighted, a table of codes, no script or stylesheet from the network."""

from __future__ import annotations

import html
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from .codes import CATALOG
from .model import Diagnostic, Example, Report, Severity

_CSS = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}
.ex{border:1px solid #ddd;border-radius:4px;margin:1em 0;padding:.6em}
.text{white-space:pre-wrap;font-family:ui-monospace,monospace;line-height:2}
.sp{background:#dbeafe;border-bottom:2px solid #2563eb}.sp.error{background:#fee2e2;border-bottom-color:#dc2626}
.sp.warning{background:#fef3c7;border-bottom-color:#d97706}
.lab{font-size:.7em;color:#1e3a8a;vertical-align:super}
.error{color:#b91c1c}.warning{color:#b45309}.info{color:#555}
li{margin:.2em 0}
"""


def _marked(text: str, ex: Example, worst: dict[tuple[int, int], str]) -> str:
    """The text with each span wrapped; nested spans nest, crossing ones are cut at the crossing point."""
    events: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for sp in ex.spans:
        if 0 <= sp.start <= sp.end <= len(text):
            events[sp.start].append(
                (1, f'<span class="sp {worst.get((sp.start, sp.end), "")}" title="{html.escape(sp.label)} {sp.start}-{sp.end}">')
            )
            events[sp.end].append((0, f'<sup class="lab">{html.escape(sp.label)}</sup></span>'))
    out: list[str] = []
    depth = 0
    for i in range(len(text) + 1):
        for kind, tag in sorted(events.get(i, []), key=lambda t: t[0]):
            if kind == 0 and depth == 0:
                continue  # a crossing span already closed by its neighbour
            depth += 1 if kind else -1
            out.append(tag)
        if i < len(text):
            out.append(html.escape(text[i]))
    out.extend("</span>" for _ in range(max(depth, 0)))
    return "".join(out)


def render(report: Report, examples: Iterable[Example], *, title: str = "seqalign validate", limit: int = 500) -> str:
    by_ex: dict[str | None, list[Diagnostic]] = defaultdict(list)
    for d in report.diagnostics:
        by_ex[d.location.example_id].append(d)
    counts = Counter((d.code, d.severity.value) for d in report.diagnostics)
    rows = "".join(
        f'<tr><td>{c}</td><td class="{s}">{s}</td><td>{n}</td><td>{html.escape(CATALOG.get(c, ("", ""))[0])}</td></tr>'
        for (c, s), n in sorted(counts.items())
    )
    parts = [
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1><p>{html.escape(str(report.meta.get('input', '')))} ({html.escape(str(report.meta.get('format', '')))}): "
        f"{report.counts.examples} examples, {report.counts.spans_in} spans, {len(report.diagnostics)} diagnostics</p>",
        f"<table><tr><th>code</th><th>severity</th><th>count</th><th>meaning</th></tr>{rows}</table>",
    ]
    for note in report.notes:
        parts.append(f"<p class=info>note: {html.escape(note)}</p>")
    shown = 0
    for ex in examples:
        diags = by_ex.get(ex.id, [])
        if not diags:
            continue
        if shown >= limit:
            parts.append(f"<p>... more examples with problems; see --json for all {len(report.diagnostics)} diagnostics</p>")
            break
        shown += 1
        worst: dict[tuple[int, int], str] = {}
        for d in diags:
            if d.span is not None:
                key = (d.span.start, d.span.end)
                if worst.get(key) != Severity.ERROR.value:
                    worst[key] = d.severity.value
        items = "".join(
            f'<li class="{d.severity.value}"><b>{d.code}</b> {html.escape(str(d.location))}: {html.escape(d.message)}'
            + (f" <i>fix: {html.escape(d.fix)}</i>" if d.fix else "")
            + "</li>"
            for d in diags
        )
        parts.append(
            f'<div class=ex id="ex-{html.escape(ex.id)}"><div>example <b>{html.escape(ex.id)}</b>'
            + (f" (line {ex.line})" if ex.line else "")
            + f"</div><div class=text>{_marked(ex.text, ex, worst)}</div><ul>{items}</ul></div>"
        )
    parts.append("</body></html>\n")
    return "".join(parts)


def example_ids(diags: Sequence[Diagnostic]) -> set[str]:
    return {d.location.example_id for d in diags if d.location.example_id is not None}
