"""What a conversion does with what the target cannot hold, as named, reported policies."""

from __future__ import annotations

from .errors import DataProblem
from .model import Diagnostic, Example, Location, Outcome, Report, Severity, Span

# Formats that keep the fragments of a discontinuous span (brat standoff, token-index JSON, seqalign JSONL).
HOLDS_FRAGMENTS = ("brat", "w2ner", "jsonl")
DISCONTINUOUS_POLICIES = ("split", "hull", "drop", "error")
SPLIT, HULL, DROPPED = "F202", "F203", "F204"


def reader_notes(ex: Example) -> list[Diagnostic]:
    """The F-code notes a reader attached to an example (lines kept aside, results ignored, tasks skipped)."""
    notes = ex.meta.get("notes") or []
    return [d for d in notes if isinstance(d, Diagnostic)]


def flatten_discontinuous(ex: Example, policy: str, file: str | None = None) -> list[Diagnostic]:
    """Replace each discontinuous span of ``ex`` per ``policy``; one diagnostic per span touched."""
    if policy not in DISCONTINUOUS_POLICIES:
        raise ValueError(f"discontinuous policy must be one of {', '.join(DISCONTINUOUS_POLICIES)}")
    infos = ex.meta.get("span_info")
    if not isinstance(infos, list) or len(infos) != len(ex.spans) or not any("fragments" in i for i in infos):
        return []
    spans: list[Span] = []
    new_infos: list[dict] = []
    diags: list[Diagnostic] = []
    for s, info in zip(ex.spans, infos, strict=True):
        frags = info.get("fragments")
        if not frags:
            spans.append(s)
            new_infos.append(info)
            continue
        where = Location(file, info.get("line") or ex.line, ex.id, s.start, s.end)
        shown = "; ".join(f"{a}-{b} {ex.text[a:b]!r}" for a, b in frags)
        base = {k: v for k, v in info.items() if k not in ("fragments", "text")}
        if policy in ("split", "error"):
            for a, b in frags:
                spans.append(Span(a, b, s.label))
                new_infos.append(dict(base))
            sev = Severity.ERROR if policy == "error" else Severity.WARNING
            diags.append(
                Diagnostic(
                    SPLIT,
                    sev,
                    f"discontinuous {s.label} span ({shown}) written as {len(frags)} separate spans",
                    where,
                    fix="discontinuous=split",
                    outcome=Outcome.ADJUSTED,
                    span=s,
                    span_text=ex.text[s.start : s.end],
                    policy=f"discontinuous={policy}",
                )
            )
        elif policy == "hull":
            spans.append(s)
            new_infos.append(base)
            diags.append(
                Diagnostic(
                    HULL,
                    Severity.WARNING,
                    f"discontinuous {s.label} span ({shown}) widened to {s.start}-{s.end}, gap included",
                    where,
                    fix="discontinuous=hull",
                    outcome=Outcome.ADJUSTED,
                    span=s,
                    new_span=s,
                    span_text=ex.text[s.start : s.end],
                    policy="discontinuous=hull",
                )
            )
        else:
            diags.append(
                Diagnostic(
                    DROPPED,
                    Severity.WARNING,
                    f"discontinuous {s.label} span ({shown}) dropped",
                    where,
                    fix="discontinuous=drop",
                    outcome=Outcome.LOST,
                    span=s,
                    span_text=ex.text[s.start : s.end],
                    policy="discontinuous=drop",
                )
            )
    ex.spans = spans
    ex.meta["span_info"] = new_infos
    return diags


def raise_on_discontinuous(report: Report) -> None:
    errs = [d for d in report.diagnostics if d.code == SPLIT and d.severity is Severity.ERROR]
    if errs:
        shown = "\n".join(f"  {d.location}: {d.message}" for d in errs[:20])
        raise DataProblem(
            f"{len(errs)} discontinuous span(s) and the target format has no fragments:\n{shown}",
            hint="choose --discontinuous split|hull|drop, or convert to brat, w2ner or jsonl",
        )
