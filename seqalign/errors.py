"""Errors that are the user's to fix: they carry where (file, line or record) and what to do."""

from __future__ import annotations


class SeqalignError(Exception):
    """Base for errors the CLI turns into a clear message and an exit code (no traceback)."""

    exit_code = 2

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.hint = hint

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        out = f"{where}{self.message}"
        if self.hint:
            out += f"\n  hint: {self.hint}"
        return out


class InputError(SeqalignError):
    """Unreadable or malformed input (exit 2)."""


class UsageError(SeqalignError):
    """Options that do not fit together or do not fit the data (exit 2)."""


class DataProblem(SeqalignError):
    """The input is readable but the requested policy refuses it, e.g. overlapping spans under --overlaps error (exit 1)."""

    exit_code = 1


def refuse_overwrite(source: object, target: object, what: str = "the input") -> None:
    """An output must not replace the data it was made from (or live inside a dataset directory it reads)."""
    from pathlib import Path

    src = Path(str(source)).resolve()
    dst = Path(str(target)).resolve()
    # Inside a dataset directory a new file is fine; replacing one of its files (report.json, the data) is not.
    if dst == src or (src.is_dir() and src in dst.parents and dst.exists()):
        raise UsageError(
            f"the output {target} would overwrite {what} ({source})",
            hint="write to another path; seqalign never replaces its own input",
        )
