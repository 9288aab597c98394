"""``seqalign export-ctc`` and ``seqalign decode-ctc``: options, messages and exit codes over seqalign.export.ctc."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from . import formats

# Not imported from seqalign.cli: cli imports this module while it is being built.
err = Console(stderr=True, highlight=False)
SCHEME_CHOICES = ["io", "iob1", "iob2", "bio", "ioe1", "ioe2", "iobes", "bioes", "bilou", "bmes"]


def _ctc_counts_table(meta: dict[str, Any]) -> Table:
    c = meta.get("ctc_counts", {})
    t = Table(title="CTC targets", header_style="bold")
    t.add_column("what")
    t.add_column("count", justify="right")
    for k in ("examples_in", "exported", "dropped_infeasible", "dropped_collision", "dropped_untrusted"):
        t.add_row(k.replace("_", " "), str(c.get(k, 0)))
    for k in ("feasible", "infeasible_kept", "unchecked", "round_trip_exact", "label_symbols"):
        t.add_row(k.replace("_", " "), str(c.get(k, 0)))
    mf = meta.get("min_input_length")
    if mf:
        t.add_row("min frames needed (min/median/p95/max)", f"{mf['min']}/{mf['median']}/{mf['p95']}/{mf['max']}")
    t.add_row("vocabulary size (incl. blank)", str(meta.get("vocab_size")))
    if not c.get("balanced", True):
        t.add_row("[red]UNBALANCED[/red]", "exported + dropped != examples in")
    return t


@click.command("export-ctc")
@click.argument("input_path", metavar="IN", type=click.Path(path_type=Path))
@click.option("--target", type=click.Choice(["tags", "transcript"]), required=True, help="Tag sequences or marked transcripts.")
@click.option(
    "-o", "--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Output directory (written atomically)."
)
@click.option(
    "-t",
    "--tokenizer",
    default=None,
    help="tags: subword-level targets with this tokenizer (default: word level). "
    "transcript: a character CTC tokenizer directory whose vocab.json is used.",
)
@click.option("--vocab", default=None, help="transcript: vocab.json of a character CTC model (or its directory).")
@click.option(
    "--blank",
    type=click.Choice(["0", "last", "pad"]),
    default="0",
    show_default=True,
    help="Id of the CTC blank: 0, the last id, or the pad id of --tokenizer / --vocab (HF CTC models use pad_token_id as the blank).",
)
@click.option("--scheme", type=click.Choice(SCHEME_CHOICES, case_sensitive=False), default="bio", show_default=True)
@click.option("--input-scheme", type=click.Choice(SCHEME_CHOICES, case_sensitive=False), default=None)
@click.option(
    "--alignment",
    type=click.Choice(["strict", "contract", "expand"]),
    default="expand",
    show_default=True,
    help="tags: spans that cut a token (a CTC target has no ignore label).",
)
@click.option("--overlaps", type=click.Choice(["error", "keep-longer", "keep-first"]), default="error", show_default=True)
@click.option("--repair", type=click.Choice(["begin", "join", "drop"]), default="begin", show_default=True)
@click.option(
    "--markers",
    default="chars",
    show_default=True,
    help="transcript: chars (one symbol per type + ⟩), tags (<TYPE> ... </>), none, or a JSON file "
    '{"start": {"TYPE": "m"}, "end": "m"}.',
)
@click.option(
    "--case", type=click.Choice(["lower", "upper", "keep"]), default=None, help="Default lower (or the vocabulary's case)."
)
@click.option("--unicode", "unicode_form", type=click.Choice(["NFC", "NFKC", "none"]), default="NFC", show_default=True)
@click.option("--word-delimiter", default="|", show_default=True)
@click.option("--keep-whitespace-runs", is_flag=True, help="One delimiter per whitespace character (default: one per run).")
@click.option("--collisions", type=click.Choice(["error", "drop"]), default="error", show_default=True)
@click.option("--input-lengths", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Frames per example.")
@click.option("--durations", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Seconds per example.")
@click.option("--frames-per-second", type=float, default=None, help="With --durations (wav2vec2: 50).")
@click.option("--drop-infeasible", is_flag=True, help="Drop (and report) targets longer than their frames allow.")
@click.option("--save-format", type=click.Choice(["arrow", "parquet", "jsonl"]), default="arrow", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@click.option("-q", "--quiet", is_flag=True)
@click.option(
    "--from", "fmt", type=click.Choice(sorted(formats.REGISTRY)), default=None, help="Input format (default: detected)."
)
@click.option("--token-column", type=int, default=1, show_default=True)
@click.option("--tag-column", type=int, default=-1, show_default=True)
@click.option("--encoding", default="utf-8", show_default=True)
def export_ctc(
    input_path: Path,
    target: str,
    out: Path,
    tokenizer: str | None,
    vocab: str | None,
    blank: str,
    scheme: str,
    input_scheme: str | None,
    alignment: str,
    overlaps: str,
    repair: str,
    markers: str,
    case: str | None,
    unicode_form: str,
    word_delimiter: str,
    keep_whitespace_runs: bool,
    collisions: str,
    input_lengths: Path | None,
    durations: Path | None,
    frames_per_second: float | None,
    drop_infeasible: bool,
    save_format: str,
    as_json: bool,
    quiet: bool,
    fmt: str | None,
    token_column: int,
    tag_column: int,
    encoding: str,
) -> None:
    """Export CTC targets: tag sequences or transcripts with entity markers, with feasibility checks.

    \b
    OUT gets a datasets.load_from_disk() dataset (id, labels, label_length, min_input_length, ...),
    vocab.json (+ tokenizer_config.json for Wav2Vec2CTCTokenizer), labels.json, feasibility.tsv and
    report.json. Labels are stored unpadded; pad batches with -100.
    Exit 0 ok, 1 infeasible targets kept or collisions, 2 bad input or options.

    \b
    Examples:
      seqalign export-ctc ../shared/corpora/atis --target transcript --out atis-ctc/
      seqalign export-ctc eng.testb --target tags --input-lengths frames.tsv --drop-infeasible --out t/
      seqalign export-ctc data.jsonl --target transcript --vocab w2v2/vocab.json --blank pad --out t/
    """
    from .cli import _read_opts
    from .ctc import TextNorm
    from .errors import UsageError
    from .export.ctc import CTCOptions
    from .export.ctc import export_ctc as job

    try:
        norm = TextNorm(
            case or "lower",
            None if unicode_form == "none" else unicode_form,
            word_delimiter,
            not keep_whitespace_runs,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    opts = CTCOptions(
        target=target,
        blank=blank,
        scheme=scheme,
        input_scheme=input_scheme,
        tokenizer=tokenizer,
        alignment=alignment,
        overlaps=overlaps,
        repair=repair,
        norm=norm,
        case_auto=case is None,
        markers=markers,
        vocab=vocab,
        collisions=collisions,
        input_lengths=str(input_lengths) if input_lengths else None,
        durations=str(durations) if durations else None,
        frames_per_second=frames_per_second,
        drop_infeasible=drop_infeasible,
        save_format=save_format,
    )
    report = job(input_path, out, opts, _read_opts(fmt, token_column, tag_column, encoding))
    c = report.meta.get("ctc_counts", {})
    if as_json:
        click.echo(json.dumps({"counts": report.counts.to_dict(), "ctc": c, "out": str(out)}))
    elif not quiet:
        from .report import print_report

        print_report(report, err, title=f"seqalign export-ctc -> {out}")
        err.print(_ctc_counts_table(report.meta))
        err.print(f"full report: {out / 'report.json'}")
    if c.get("round_trip_exact", 0) < c.get("exported", 0):
        err.print("[red]some targets do not read back to their spans[/red] (C901 in the report; please report it)")
        sys.exit(1)
    if c.get("infeasible_kept"):
        bad = [d for d in report.diagnostics if d.code == "C401"]
        if not as_json:
            for d in bad[:20]:
                err.print(f"  C401 example {d.location.example_id}: {d.message}", markup=False)
            if len(bad) > 20:
                err.print(f"  ... and {len(bad) - 20} more in report.json and feasibility.tsv")
        err.print(f"[red]{c['infeasible_kept']} target(s) need more frames than they have[/red] (their CTC loss is infinite)")
        sys.exit(1)


@click.command("decode-ctc")
@click.argument("dataset_dir", metavar="DATASET", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("-o", "--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="JSONL of spans per example.")
@click.option(
    "--predictions",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="JSONL: per line a transcript string, a list of label ids, or {id, text|frames|labels}; or .npy frame "
    "ids/logits. Default: the dataset's own labels (proves the round trip).",
)
@click.option("--repair", type=click.Choice(["begin", "join", "drop"]), default="begin", show_default=True)
@click.option("--strict-exit", is_flag=True, help="Exit 1 when a prediction had unbalanced markers or illegal tags.")
def decode_ctc(dataset_dir: Path, out: Path, predictions: Path | None, repair: str, strict_exit: bool) -> None:
    """Turn CTC targets or predictions back into spans (JSONL), tolerating unbalanced markers (reported)."""
    from .export.ctc import decode_ctc as job

    report = job(dataset_dir, out, predictions=predictions, repair=repair)
    codes = report.code_counts()
    err.print(f"{report.counts.examples} examples -> {out}")
    for code, n in sorted(codes.items()):
        from .codes import CATALOG

        err.print(f"  {code} x{n}: {CATALOG.get(code, ('', ''))[0]}")
    if strict_exit and codes:
        sys.exit(1)


COMMANDS = [export_ctc, decode_ctc]
