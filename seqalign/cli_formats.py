"""``seqalign validate``: lint an annotation export (codes, locations, fixes; exit 0 clean / 1 errors / 2 unreadable)."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from .codes import CATALOG
from .formats import REGISTRY
from .model import Report, Severity
from .offsets import UNITS

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)


def _codes(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(c.strip().upper() for v in values for c in v.split(",") if c.strip())


def print_text(report: Report, console: Console, per_code: int = 5) -> None:
    """Grouped by code, with counts; the first few of each code with location, message and fix."""
    sev = Counter(d.severity.value for d in report.diagnostics)
    m = report.meta
    console.print(
        f"[bold]{m.get('input')}[/bold] ({m.get('format')}): {report.counts.examples} examples, {report.counts.spans_in} spans; "
        f"[red]{sev.get('error', 0)} error(s)[/red], [yellow]{sev.get('warning', 0)} warning(s)[/yellow], {sev.get('info', 0)} info"
    )
    for note in report.notes:
        console.print(f"[cyan]note:[/cyan] {note}")
    by_code: dict[str, list] = {}
    for d in report.diagnostics:
        by_code.setdefault(d.code, []).append(d)
    if not by_code:
        console.print("[green]no problems found[/green]")
        return
    t = Table(header_style="bold")
    for col in ("code", "severity", "count", "meaning"):
        t.add_column(col, justify="right" if col == "count" else "left")
    for code, ds in sorted(by_code.items()):
        t.add_row(code, ds[0].severity.value, str(len(ds)), CATALOG.get(code, ("", ""))[0])
    console.print(t)
    for code, ds in sorted(by_code.items()):
        console.print(f"[bold]{code}[/bold] x{len(ds)}: {CATALOG.get(code, ('', ''))[0]}")
        for d in ds[:per_code]:
            fix = f"  [green]fix:[/green] {_esc(d.fix)}" if d.fix else ""
            console.print(f"  {_esc(str(d.location))}: {_esc(d.message)}{fix}")
        if len(ds) > per_code:
            console.print(f"  ... {len(ds) - per_code} more (--json for all)")
    if "fixes_applied" in m:
        console.print(f"{m['fixes_applied']} safe fix(es) applied -> {m['fixed_output']}")


def _esc(s: str) -> str:
    return s.replace("[", r"\[")


@click.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "--from",
    "fmt",
    type=click.Choice(sorted(REGISTRY)),
    default=None,
    help="Input format (default: detected from content, then extension).",
)
@click.option("--encoding", default="utf-8", show_default=True, help="Input text encoding (e.g. latin-1).")
@click.option("--tokenizer", default=None, help="Also report spans that cut this tokenizer's subword tokens (S201).")
@click.option(
    "--labels",
    "labels_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Allowed labels: one per line, JSON list or labels.json.",
)
@click.option("--input-scheme", default=None, help="Scheme of word tags (default: detected).")
@click.option(
    "--offset-unit", type=click.Choice(UNITS), default="codepoint", show_default=True, help="How the file counts offsets."
)
@click.option("--select", "selected", multiple=True, help="Only these codes or prefixes (comma-separated, e.g. V1,S101).")
@click.option("--ignore", "ignored", multiple=True, help="Drop these codes or prefixes.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON on stdout.")
@click.option(
    "--html", "html_out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write an HTML report here."
)
@click.option(
    "--fix", "fix_out", type=click.Path(path_type=Path), default=None, help="Write the safely fixed data here (same format)."
)
@click.option("--token-column", type=int, default=1, show_default=True, help="CoNLL: column of the token, 1-based.")
@click.option("--tag-column", type=int, default=-1, show_default=True, help="CoNLL: column of the tag, 1-based, -1 = last.")
def validate(
    input_path: Path,
    fmt: str | None,
    encoding: str,
    tokenizer: str | None,
    labels_file: Path | None,
    input_scheme: str | None,
    offset_unit: str,
    selected: tuple[str, ...],
    ignored: tuple[str, ...],
    as_json: bool,
    html_out: Path | None,
    fix_out: Path | None,
    token_column: int,
    tag_column: int,
) -> None:
    """Check an annotation export: offsets, stored texts, offset units, whitespace, duplicates, overlaps,
    discontinuous spans, labels, word/subword cuts, tag transitions, encoding.

    \b
    Exit 0: no error-level finding; 1: errors found; 2: unreadable input or bad options.
    Examples:
      seqalign validate export.json --labels labels.txt
      seqalign validate doccano.jsonl --offset-unit utf16 --fix fixed.jsonl
      seqalign validate corpus/ --ignore V120,V130 --html report.html
    """
    from .api_formats import validate_file
    from .cli import _read_opts
    from .errors import refuse_overwrite

    for target in (fix_out, html_out):
        if target is not None:
            refuse_overwrite(input_path, target)

    collected: list = [] if html_out else None  # type: ignore[assignment]
    report = validate_file(
        input_path,
        read=_read_opts(fmt, token_column, tag_column, encoding),
        offset_unit=offset_unit,
        tokenizer=tokenizer,
        labels_file=labels_file,
        input_scheme=input_scheme,
        selected=_codes(selected),
        ignored=_codes(ignored),
        fix_out=fix_out,
        collect=collected,
    )
    if html_out is not None:
        from .formats.writing import atomic_text
        from .report_html import render

        atomic_text(html_out, [render(report, collected, title=f"seqalign validate {input_path.name}")])
    if as_json:
        d = report.to_dict()
        d["diagnostics"] = [x.to_dict() for x in report.diagnostics]
        d.pop("problems", None)
        d["severities"] = dict(Counter(x.severity.value for x in report.diagnostics))
        sys.stdout.write(json.dumps(d, ensure_ascii=False, indent=1) + "\n")
    else:
        print_text(report, out)
    if any(d.severity is Severity.ERROR for d in report.diagnostics):
        sys.exit(1)


COMMANDS = [validate]
