"""CLI verbs about tag sequences: ``transitions``, ``check-tags``, ``decode``, ``evaluate`` (thin over the API)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from .cli import SCHEME_CHOICES, _column, err
from .errors import UsageError, refuse_overwrite

REPAIR_CHOICES = ["none", "begin", "join", "drop"]


def _print_json(obj: Any) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2))


@click.command()
@click.option("--scheme", required=True, type=click.Choice(SCHEME_CHOICES, case_sensitive=False), help="Tagging scheme.")
@click.option(
    "--labels",
    "labels_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="labels.json of an exported dataset: the matrix follows its label order.",
)
@click.option("--types", default=None, help="Comma-separated entity types, when there is no labels.json (e.g. PER,LOC).")
def transitions(scheme: str, labels_file: Path | None, types: str | None) -> None:
    """Allowed-transitions matrix for a CRF layer, as JSON on stdout.

    \b
    matrix[i][j] is true when labels[i] -> labels[j] is legal; start[j] / end[i] say whether a sequence
    may start with labels[j] / end with labels[i].
      seqalign transitions --scheme bilou --labels out/labels.json
      seqalign transitions --scheme bio --types PER,LOC,ORG,MISC
    """
    from .api_tags import transition_table

    if (labels_file is None) == (types is None):
        raise UsageError("pass exactly one of --labels FILE or --types T1,T2,...")
    _print_json(transition_table(scheme, labels_file=labels_file, types=types.split(",") if types else None))


@click.command("check-tags")
@click.argument("input_path", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--input-scheme",
    type=click.Choice(SCHEME_CHOICES, case_sensitive=False),
    default=None,
    help="Default: detected over the whole file.",
)
@click.option(
    "--repair",
    type=click.Choice(REPAIR_CHOICES),
    default="none",
    show_default=True,
    help="none: report only (exit 1 when anything is illegal); begin: a stray continuation starts a new entity; "
    "join: it continues the entity before it when the type matches; drop: malformed entities become O.",
)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write the repaired file here.")
@click.option(
    "--from",
    "layout",
    type=click.Choice(["conll", "tags"]),
    default=None,
    help="conll columns, or one line of tags per sequence (ATIS seq.out). Default: detected.",
)
@click.option("--tag-column", type=int, default=-1, show_default=True, help="CoNLL: column of the tag, 1-based, -1 = last.")
@click.option("--token-column", type=int, default=1, show_default=True, help="CoNLL: column of the token, 1-based.")
@click.option("--encoding", default="utf-8", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable result on stdout.")
@click.option("--max-shown", type=int, default=200, show_default=True, help="Issues printed in text mode (all go to --json).")
def check_tags(
    input_path: Path,
    input_scheme: str | None,
    repair: str,
    out: Path | None,
    layout: str | None,
    tag_column: int,
    token_column: int,
    encoding: str,
    as_json: bool,
    max_shown: int,
) -> None:
    """List every illegal tag transition (and unreadable tag cell), naming the rule it breaks.

    \b
    Exit 0 when the file is legal (or was repaired), 1 when it has illegal transitions and --repair none,
    2 on unreadable input or an ambiguous scheme.
      seqalign check-tags esp.train
      seqalign check-tags train.char.bmes --input-scheme bmes --repair drop --out fixed.bmes
    """
    from .api_tags import check_tags_file

    if out is not None and repair == "none":
        raise UsageError("--out writes the repaired file: choose --repair begin|join|drop")
    if out is not None:
        refuse_overwrite(input_path, out)
    res = check_tags_file(
        input_path,
        input_scheme=input_scheme,
        repair=repair,
        out=out,
        layout=layout,
        token_column=_column(token_column, "token-column"),
        tag_column=_column(tag_column, "tag-column"),
        encoding=encoding,
    )
    if as_json:
        _print_json(res.to_dict() | ({"out": str(out)} if out else {}))
    else:
        _print_check(res, str(input_path), max_shown, out)
    if res.scheme is None:
        sys.exit(2)
    if repair == "none" and res.issues:
        sys.exit(1)


def _print_check(res: Any, file: str, max_shown: int, out: Path | None) -> None:
    det = res.detection
    if res.scheme is None and det is not None:
        what = "ambiguous" if res.scheme_source == "ambiguous" else "invalid under every scheme"
        err.print(f"{file}: scheme {what}: {det.note}; pass --input-scheme", soft_wrap=True)
        return
    how = {"given": "given", "detected": "detected", "closest": "invalid under every scheme; closest"}[res.scheme_source]
    err.print(f"{file}: scheme {res.scheme} ({how})", soft_wrap=True)
    if det is not None and det.status == "invalid":
        counts = ", ".join(f"{k} {v}" for k, v in sorted(det.candidates.items(), key=lambda kv: kv[1]))
        err.print(f"  illegal transitions per scheme: {counts}", soft_wrap=True)
        if res.first_invalid:
            f = res.first_invalid
            err.print(
                f"  first problem under {res.scheme}: line {f['line']}, example {f['example_id']}, position {f['position']}",
                soft_wrap=True,
            )
    for issue in res.issues[:max_shown]:
        where = f"{file}:{issue.line}" if issue.line else file
        what = f"{issue.prev or 'START'} -> {issue.tag or 'END'}" if issue.code == "T101" else repr(issue.tag)
        line = f"{where}: example {issue.example_id}, position {issue.position}: {what} [{issue.kind}] {issue.rule}"
        click.echo(line)
        if issue.policy and issue.changed:
            ch = issue.changed
            click.echo(f"    repair={issue.policy}: {' '.join(ch['before'])}  ->  {' '.join(ch['after'])}")
    if len(res.issues) > max_shown:
        click.echo(f"... and {len(res.issues) - max_shown} more (use --json for all)")
    d = res.to_dict()
    kinds = ", ".join(f"{k} {v}" for k, v in d["by_kind"].items()) or "none"
    err.print(
        f"{d['sequences']} sequences, {d['tokens']} tags: {d['illegal_transitions']} illegal transitions, "
        f"{d['bad_cells']} unreadable cells (by kind: {kinds}); repair: {res.policy}"
        + (f"; repaired file: {out}" if out else ""),
        soft_wrap=True,
    )


@click.command()
@click.argument("dataset_dir", metavar="DATASET", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option(
    "-o", "--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="JSONL of spans per example."
)
@click.option(
    "--predictions",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Model output, one row per dataset row: label ids (.npy 2D, .jsonl lists) or logits/probabilities "
    "(.npy 3D, .jsonl lists of lists). Default: the dataset's own labels.",
)
@click.option(
    "--aggregation",
    type=click.Choice(["first", "average", "max"]),
    default="first",
    show_default=True,
    help="How a word whose pieces disagree gets its tag: its first piece, the average of the pieces' "
    "probabilities (majority vote for ids), or the single most confident piece.",
)
@click.option(
    "--repair",
    type=click.Choice(["begin", "join", "drop"]),
    default="begin",
    show_default=True,
    help="How to read illegal predicted transitions (every one is counted in the report).",
)
@click.option(
    "--text-from",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="The input file that was aligned, to add each example's text; read the way align read it (format, columns, "
    "encoding, offset unit and origins are in the dataset's report.json).",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the decode report (JSON).",
)
def decode(
    dataset_dir: Path,
    out: Path,
    predictions: Path | None,
    aggregation: str,
    repair: str,
    text_from: Path | None,
    report_path: Path | None,
) -> None:
    """Turn token labels (gold or predicted) of an exported dataset back into char spans (JSONL).

    \b
    Special tokens and -100 positions are never read; adjacent entities of one type stay separate; windows
    of one example are merged (each token from the window where it sits farthest from an edge; entities the
    windows disagree on are resolved longer-then-higher-score and reported).
    Without --predictions this decodes the gold labels: the spans it returns are the ones align
    reported exact or adjusted, which is how a conversion is proven.
    """
    from .api_tags import decode_dataset

    rep = decode_dataset(dataset_dir, out, predictions=predictions, text_from=text_from, aggregation=aggregation, repair=repair)
    if report_path is not None:
        _write_json(report_path, rep.to_dict())
    for d in rep.diagnostics[:20]:
        err.print(f"{d.code} {d.location}: {d.message}", soft_wrap=True, highlight=False, markup=False)
    if len(rep.diagnostics) > 20:
        err.print(f"... and {len(rep.diagnostics) - 20} more (see --report)")
    conflicts = rep.to_dict()["window_conflicts"]
    err.print(
        f"{rep.examples} examples ({rep.rows} rows) -> {out}: {rep.spans} spans; {conflicts} window conflicts; "
        f"{rep.illegal_transitions} illegal transitions read with repair={repair}",
        soft_wrap=True,
    )


def _write_json(path: Path, obj: Any) -> None:
    import os

    tmp = Path(f"{path}.tmp-{os.getpid()}")
    try:
        tmp.write_text(json.dumps(obj, ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@click.command()
@click.argument("gold", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.argument("pred", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--mode",
    type=click.Choice(["default", "strict", "seqalign"]),
    default="default",
    show_default=True,
    help="How entities are read from tags: seqeval default (conlleval), seqeval strict (ill-formed chunks "
    "dropped), or seqalign's scheme table with --repair. Span files need no reading.",
)
@click.option(
    "--scheme", type=click.Choice(SCHEME_CHOICES, case_sensitive=False), default=None, help="Default: detected from GOLD."
)
@click.option(
    "--match",
    "criterion",
    type=click.Choice(["exact", "boundary", "partial", "type"]),
    default="exact",
    show_default=True,
    help="Criterion of the per-type table: exact (bounds+type), boundary (bounds), partial (overlap), type (overlap+type).",
)
@click.option(
    "--repair", type=click.Choice(["begin", "join", "drop"]), default="begin", show_default=True, help="For --mode seqalign."
)
@click.option(
    "--missing",
    type=click.Choice(["error", "empty"]),
    default="error",
    show_default=True,
    help="A gold example id with no prediction (span files): refuse, or score it as predicting nothing (counted).",
)
@click.option("--encoding", default="utf-8", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable result on stdout.")
def evaluate(
    gold: Path,
    pred: Path,
    mode: str,
    scheme: str | None,
    criterion: str,
    repair: str,
    missing: str,
    encoding: str,
    as_json: bool,
) -> None:
    """Entity-level precision, recall and F1 of PRED against GOLD (CoNLL / tag lines, or JSONL spans).

    \b
      seqalign evaluate gold.conll pred.conll                 # seqeval default mode
      seqalign evaluate gold.conll pred.conll --mode strict --scheme iob2
      seqalign evaluate gold.jsonl decoded.jsonl --match partial
    """
    from .api_tags import evaluate_files

    ev = evaluate_files(
        gold, pred, mode=mode, scheme=scheme, criterion=criterion, repair=repair, encoding=encoding, missing=missing
    )
    if as_json:
        _print_json(ev.to_dict())
        return
    mode_name = {
        "default": "seqeval default (conlleval chunking)",
        "strict": f"seqeval strict ({ev.scheme})",
        "seqalign": f"seqalign {ev.scheme} reading, repair={repair}",
        "spans": "spans as given (no tag reading)",
    }[ev.mode]
    click.echo(f"mode: {mode_name}; {ev.sequences} sequences")
    if ev.missing_predictions:
        click.echo(f"{ev.missing_predictions} gold examples had no prediction and are scored as predicting nothing")
    click.echo(f"{'criterion':<10} {'precision':>9} {'recall':>9} {'f1':>9} {'correct':>8} {'gold':>7} {'pred':>7}")
    for c, sc in ev.overall.items():
        click.echo(f"{c:<10} {sc.precision:9.4f} {sc.recall:9.4f} {sc.f1:9.4f} {sc.tp_gold:8d} {sc.gold:7d} {sc.pred:7d}")
    click.echo(f"\nper type ({criterion}):")
    click.echo(f"{'type':<24} {'precision':>9} {'recall':>9} {'f1':>9} {'gold':>7} {'pred':>7}")
    for t, sc in sorted(ev.per_type.items()):
        click.echo(f"{t:<24} {sc.precision:9.4f} {sc.recall:9.4f} {sc.f1:9.4f} {sc.gold:7d} {sc.pred:7d}")


COMMANDS = [transitions, check_tags, decode, evaluate]
