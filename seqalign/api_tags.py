"""Python API for tag sequences: transition tables, checking/repairing tag files, decoding predictions, evaluation.

The CLI verbs in ``cli_tags`` are thin over these functions; they read and write files, the modules they call
(``schemes``, ``tagcheck``, ``decode``, ``decode_windows``, ``evaluation``) do not.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .errors import InputError, UsageError
from .schemes import allowed_transitions, get_scheme
from .tagcheck import CheckResult, check_sequences


def transition_table(scheme: str, *, labels_file: str | Path | None = None, types: list[str] | None = None) -> dict[str, Any]:
    """``{"scheme", "labels", "matrix", "start", "end"}``; labels from a labels.json, or all tags of ``types``."""
    sch = get_scheme(scheme)
    if labels_file is not None:
        try:
            data = json.loads(Path(labels_file).read_text(encoding="utf-8"))
            labels = list(data["labels"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InputError(f"not a seqalign labels.json: {exc}", file=str(labels_file)) from None
        if data.get("scheme") and get_scheme(data["scheme"]).name != sch.name:
            raise UsageError(f"labels.json is for scheme {data['scheme']}, but --scheme is {sch.name}", file=str(labels_file))
    else:
        clean = [t.strip() for t in types or [] if t.strip()]
        if not clean:
            raise UsageError("no entity types given")
        labels = sch.labels_for(clean)
    try:
        matrix, start, end = allowed_transitions(sch, labels)
    except ValueError as exc:  # TagError: a label the scheme cannot read
        raise UsageError(str(exc), file=str(labels_file) if labels_file else None) from None
    return {"scheme": sch.name, "labels": labels, "matrix": matrix, "start": start, "end": end}


def check_tags_file(
    path: str | Path,
    *,
    input_scheme: str | None = None,
    repair: str = "none",
    out: str | Path | None = None,
    layout: str | None = None,
    token_column: int = 0,
    tag_column: int = -1,
    encoding: str = "utf-8",
) -> CheckResult:
    """Check every tag sequence of a file; with a repair policy and ``out``, write the repaired copy."""
    from .tag_sources import read_sequences, write_repaired

    layout, seqs = read_sequences(path, layout, token_column=token_column, tag_column=tag_column, encoding=encoding)
    if not seqs:
        raise InputError("no tag sequences found", file=str(path))
    res = check_sequences(seqs, input_scheme, repair)
    if res.scheme is None and repair != "none":
        raise UsageError(
            f"the tag scheme is ambiguous ({res.detection.note if res.detection else ''}); a repair needs to know it",
            file=str(path),
            hint="pass --input-scheme",
        )
    if out is not None and res.repaired is not None:
        write_repaired(path, out, layout, seqs, res.repaired, tag_column=tag_column, encoding=encoding)
    return res
