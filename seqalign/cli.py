"""The ``seqalign`` command: argument parsing, progress, messages and exit codes over the public API.

Exit codes: 0 ok; 1 problems found (spans lost under --strict-exit, overlaps under --overlaps error);
2 usage error or unreadable input; 130 Ctrl-C, 143 SIGTERM (no output left behind). User mistakes never print a
traceback.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from .errors import SeqalignError, UsageError
from .formats import REGISTRY

F = TypeVar("F", bound=Callable[..., Any])


class Terminated(BaseException):
    """SIGTERM in the main process, raised so that partly written outputs are removed on the way out."""


def _on_sigterm(main_pid: int) -> Callable[[int, Any], None]:
    def handler(signum: int, frame: Any) -> None:
        if os.getpid() != main_pid:
            # A forked worker being stopped by its pool: die the default way, the parent cleans up.
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)
            return
        raise Terminated

    return handler


err = Console(stderr=True, highlight=False)
FORMAT_CHOICES = sorted(REGISTRY)
SCHEME_CHOICES = ["io", "iob1", "iob2", "bio", "ioe1", "ioe2", "iobes", "bioes", "bilou", "bmes"]


def _column(value: int, name: str) -> int:
    """CLI columns are 1-based (-1 = last); internally 0-based (negative from the end)."""
    if value == 0:
        raise UsageError(f"--{name} is 1-based (1 = first column, -1 = last)")
    return value - 1 if value > 0 else value


def read_options(f: F) -> F:
    f = click.option("--encoding", default="utf-8", show_default=True, help="Input text encoding (e.g. latin-1).")(f)
    f = click.option(
        "--tag-column", type=int, default=-1, show_default=True, help="CoNLL: column of the tag, 1-based, -1 = last."
    )(f)
    f = click.option("--token-column", type=int, default=1, show_default=True, help="CoNLL: column of the token, 1-based.")(f)
    f = click.option(
        "--from",
        "fmt",
        type=click.Choice(FORMAT_CHOICES),
        default=None,
        help="Input format (default: detected from content, then extension).",
    )(f)
    return f


def _read_opts(fmt: str | None, token_column: int, tag_column: int, encoding: str) -> Any:
    from .pipeline import ReadOptions

    return ReadOptions(fmt, _column(token_column, "token-column"), _column(tag_column, "tag-column"), encoding)


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        # A job allocates millions of small objects that never form cycles; at the default threshold (700) the
        # collector runs thousands of times over them (0.2-0.4 s of a 1.5 s align of CoNLL-2003 train). Cycles
        # are still collected, just less often. Both settings are put back so that a caller embedding the
        # command (CliRunner, a notebook) keeps its own.
        gc_before = gc.get_threshold()
        gc.set_threshold(100_000, 50, 100)
        # Without a handler SIGTERM kills the process before the atomic writers can remove their temp files.
        main_thread = threading.current_thread() is threading.main_thread()  # signal.signal works only there
        sigterm_before = signal.signal(signal.SIGTERM, _on_sigterm(os.getpid())) if main_thread else None
        try:
            return self._invoke(ctx)
        finally:
            if main_thread:
                signal.signal(signal.SIGTERM, sigterm_before)
            gc.set_threshold(*gc_before)

    def _invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SeqalignError as exc:
            err.print(f"[red]error:[/red] {exc}", markup=True, highlight=False, soft_wrap=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            err.print("interrupted; no output was written")
            ctx.exit(130)
        except Terminated:
            err.print("terminated (SIGTERM); no output was written")
            ctx.exit(143)
        except LookupError as exc:  # an unknown --encoding name
            err.print(f"[red]error:[/red] {exc}", markup=True, highlight=False, soft_wrap=True)
            err.print("  hint: pass an encoding Python knows, e.g. utf-8, latin-1, cp1252")
            ctx.exit(2)
        except OSError as exc:
            # Writing next to a missing directory, a full disk, a permission: the user's to fix, not a crash.
            where = exc.filename or ""
            err.print(f"[red]error:[/red] {where}: {exc.strerror or exc}", markup=True, highlight=False, soft_wrap=True)
            err.print("  hint: check that the output's directory exists and is writable")
            ctx.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(package_name="seqalign")
def main() -> None:
    """Make sequence-labeling data correct before it reaches a model.

    \b
    seqalign align corpus.conll --tokenizer DIR --scheme bio --out out/
    seqalign convert eng.train eng.bio.conll --input-scheme iob1 --scheme bio
    seqalign decode out/ --out spans.jsonl
    """


@main.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "-t",
    "--tokenizer",
    required=True,
    help="Tokenizer directory, hub name (when online), or class:ByT5Tokenizer / class:CanineTokenizer.",
)
@click.option(
    "-o", "--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Output directory (written atomically)."
)
@click.option(
    "--scheme",
    type=click.Choice(SCHEME_CHOICES, case_sensitive=False),
    default="bio",
    show_default=True,
    help="Output tagging scheme.",
)
@click.option(
    "--input-scheme",
    type=click.Choice(SCHEME_CHOICES, case_sensitive=False),
    default=None,
    help="Scheme of word tags in the input (default: detected over the whole file).",
)
@click.option(
    "--alignment",
    type=click.Choice(["strict", "contract", "expand"]),
    default="strict",
    show_default=True,
    help="Spans that cut a token: strict = lost (tokens ignored), contract/expand = adjusted to whole tokens.",
)
@click.option(
    "--overlaps",
    type=click.Choice(["error", "keep-longer", "keep-first"]),
    default="error",
    show_default=True,
    help="Overlapping spans: fail, or keep one and report the other.",
)
@click.option(
    "--label-subwords",
    type=click.Choice(["first", "all"]),
    default="first",
    show_default=True,
    help="Label the first piece of each word (others -100) or every piece.",
)
@click.option(
    "--max-length",
    type=click.IntRange(min=4),
    default=None,
    help="Tokens per row incl. special tokens (default: the tokenizer's limit, capped at 512). Longer inputs become windows.",
)
@click.option("--overlap", type=click.IntRange(min=0), default=0, show_default=True, help="Tokens shared by consecutive windows.")
@click.option(
    "--repair",
    type=click.Choice(["begin", "join", "drop"]),
    default="begin",
    show_default=True,
    help="How illegal transitions in input word tags are read (each one is reported).",
)
@click.option(
    "--labels",
    "labels_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Reuse label ids: an earlier labels.json (keeps train/dev/test consistent) or a model's config.json (id2label).",
)
@click.option("--save-format", type=click.Choice(["arrow", "parquet", "jsonl"]), default="arrow", show_default=True)
@click.option("--strict-exit", is_flag=True, help="Exit 1 when any span is lost.")
@click.option("--json", "as_json", is_flag=True, help="Print the report counts as JSON instead of a table.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no table.")
@click.option(
    "-j",
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Processes that align batches (default: all cores for span input; 1 for word input, where the distinct-word "
    "cache makes aligning cheaper than sending sentences to other processes). The output is the same for any number.",
)
@click.option(
    "--no-word-cache",
    is_flag=True,
    help="Word input: encode every sentence in full instead of each distinct word once (same output, slower).",
)
@click.option(
    "--offset-unit",
    type=click.Choice(["codepoint", "utf16", "grapheme"]),
    default="codepoint",
    show_default=True,
    help="How a span file counts offsets: utf16 for browser tools (Label Studio, doccano) on texts with emoji.",
)
@click.option(
    "--origins",
    default="annotation",
    show_default=True,
    help="Label Studio: which records to align, comma-separated, of annotation, draft, prediction, cancelled "
    "(skipped by the annotator), task (no annotation at all: every token O). The others are counted in the report.",
)
@read_options
def align(
    input_path: Path,
    tokenizer: str,
    out: Path,
    scheme: str,
    input_scheme: str | None,
    alignment: str,
    overlaps: str,
    label_subwords: str,
    max_length: int | None,
    overlap: int,
    repair: str,
    labels_file: Path | None,
    save_format: str,
    strict_exit: bool,
    as_json: bool,
    quiet: bool,
    workers: int | None,
    no_word_cache: bool,
    offset_unit: str,
    origins: str,
    fmt: str | None,
    token_column: int,
    tag_column: int,
    encoding: str,
) -> None:
    """Align span or word annotations to a tokenizer's subwords and export a token-classification dataset.

    \b
    INPUT is a CoNLL column file (word tags) or JSONL {"id","text","spans":[{"start","end","label"}]}.
    OUT gets a datasets.load_from_disk() dataset (input_ids, attention_mask, labels with -100,
    offset_mapping, word_ids, id, window), labels.json and report.json accounting for every span.

    \b
    Examples:
      seqalign align eng.train --input-scheme iob1 --scheme bio -t tokenizers/bert-base-cased --out out/
      seqalign align export.jsonl -t DIR --scheme bilou --alignment expand --label-subwords all \\
          --max-length 256 --overlap 32 --out out/
    """
    from .api import align_file

    report = align_file(
        input_path,
        tokenizer,
        out,
        scheme=scheme,
        input_scheme=input_scheme,
        alignment=alignment,
        overlaps=overlaps,
        label_subwords=label_subwords,
        max_length=max_length,
        overlap=overlap,
        repair=repair,
        labels_file=labels_file,
        save_format=save_format,
        read=replace(_read_opts(fmt, token_column, tag_column, encoding), offset_unit=offset_unit),
        progress=None if quiet or as_json else _progress,
        workers=workers,
        word_cache=not no_word_cache,
        origins=tuple(dict.fromkeys(o.strip().lower() for o in origins.split(",") if o.strip())),
    )
    _finish(report, out, as_json, quiet, strict_exit)


def _progress(total: int, label: str) -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    if not err.is_terminal or total < 2000:
        return None
    p = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=err, transient=True)
    return p


def _finish(report: Any, out: Path, as_json: bool, quiet: bool, strict_exit: bool) -> None:
    from .report import print_report

    if as_json:
        click.echo(json.dumps({"counts": report.counts.to_dict(), "balanced": report.counts.balanced(), "out": str(out)}))
    elif not quiet:
        print_report(report, err, title=f"seqalign -> {out}")
        err.print(f"full report: {out / 'report.json'}")
    if strict_exit and report.counts.lost:
        err.print(f"[red]{report.counts.lost} span(s) lost[/red] (--strict-exit)")
        sys.exit(1)


@main.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))  # a brat corpus is a directory
@click.argument("output_path", metavar="OUTPUT", type=click.Path(path_type=Path))
@click.option(
    "--scheme",
    type=click.Choice(SCHEME_CHOICES, case_sensitive=False),
    default="bio",
    show_default=True,
    help="Output tagging scheme (CoNLL output).",
)
@click.option(
    "--input-scheme",
    type=click.Choice(SCHEME_CHOICES, case_sensitive=False),
    default=None,
    help="Scheme of the input tags (default: detected).",
)
@click.option(
    "--to",
    "to_fmt",
    type=click.Choice(FORMAT_CHOICES),
    default=None,
    help="Output format (default: from OUTPUT's extension; no extension = brat directory).",
)
@click.option(
    "--alignment",
    type=click.Choice(["strict", "contract", "expand"]),
    default="strict",
    show_default=True,
    help="Spans that cut a word (JSONL -> CoNLL).",
)
@click.option("--overlaps", type=click.Choice(["error", "keep-longer", "keep-first"]), default="error", show_default=True)
@click.option("--repair", type=click.Choice(["begin", "join", "drop"]), default="begin", show_default=True)
@click.option(
    "--discontinuous",
    type=click.Choice(["split", "hull", "drop", "error"]),
    default="split",
    show_default=True,
    help="Discontinuous spans into a format without fragments (each one reported).",
)
@click.option("--offset-unit", type=click.Choice(["codepoint", "utf16", "grapheme"]), default="codepoint", show_default=True)
@click.option("--out-offset-unit", type=click.Choice(["codepoint", "utf16", "grapheme"]), default="codepoint", show_default=True)
@click.option("--strict-exit", is_flag=True, help="Exit 1 when any span is lost.")
@click.option("-q", "--quiet", is_flag=True)
@read_options
def convert(
    input_path: Path,
    output_path: Path,
    scheme: str,
    input_scheme: str | None,
    to_fmt: str | None,
    alignment: str,
    overlaps: str,
    repair: str,
    discontinuous: str,
    offset_unit: str,
    out_offset_unit: str,
    strict_exit: bool,
    quiet: bool,
    fmt: str | None,
    token_column: int,
    tag_column: int,
    encoding: str,
) -> None:
    """Convert between any two formats (CoNLL, CoNLL-U, JSONL, brat, Label Studio, doccano, Prodigy, PubTator,
    W2NER), and between tagging schemes.

    \b
    Examples:
      seqalign convert eng.train eng.iobes.conll --input-scheme iob1 --scheme iobes
      seqalign convert eng.testb testb.jsonl
      seqalign convert export.jsonl export.conll --scheme bilou --alignment expand
    """
    from .api import convert_file

    report = convert_file(
        input_path,
        output_path,
        scheme=scheme,
        input_scheme=input_scheme,
        to_fmt=to_fmt,
        alignment=alignment,
        overlaps=overlaps,
        repair=repair,
        discontinuous=discontinuous,
        offset_unit=offset_unit,
        out_offset_unit=out_offset_unit,
        read=_read_opts(fmt, token_column, tag_column, encoding),
    )
    from .report import print_report

    if not quiet:
        print_report(report, err, title=f"seqalign convert -> {output_path}")
    if strict_exit and report.counts.lost:
        sys.exit(1)


def _register_plugins() -> None:
    """Commands that live in their own modules (one per area), registered on the main group."""
    import importlib

    for mod in ("cli_tags", "cli_formats", "cli_ctc"):
        try:
            m = importlib.import_module(f"seqalign.{mod}")
        except ModuleNotFoundError as exc:
            if exc.name != f"seqalign.{mod}":
                raise
            continue
        for cmd in getattr(m, "COMMANDS", []):
            main.add_command(cmd)


_register_plugins()


def run() -> None:  # pragma: no cover - console entry point
    main()
