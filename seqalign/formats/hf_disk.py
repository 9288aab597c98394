"""Hugging Face ``datasets`` saved with ``save_to_disk``: ``tokens`` + ``ner_tags`` (conll2003 layout).

``ner_tags`` may be ClassLabel ids (names read from the features, never guessed) or tag strings. A
DatasetDict is read split by split (``meta["extra"]["split"]``) and written back as one. Other columns are kept.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..model import Example

NAME = "hf"
EXTENSIONS = ()
KIND = "tags"
TOKENS, TAGS, DOC = "tokens", "ner_tags", "document_id"


def sniff(head: str) -> bool:
    return False  # a directory: recognised by sniff_path


def sniff_path(p: Path) -> bool:
    return p.is_dir() and (
        (p / "dataset_dict.json").exists() or ((p / "dataset_info.json").exists() and (p / "state.json").exists())
    )


def _names(feature: Any) -> list[str] | None:
    inner = getattr(feature, "feature", None)
    return list(inner.names) if inner is not None and hasattr(inner, "names") else None


def read(path: str | Path, **_: object) -> Iterator[Example]:
    import datasets

    p = Path(path)
    if not sniff_path(p):
        raise InputError(
            "not a dataset saved with save_to_disk (no dataset_info.json/state.json or dataset_dict.json)", file=str(p)
        )
    try:
        loaded = datasets.load_from_disk(str(p))
    except Exception as exc:  # datasets raises many unrelated types for a broken directory
        raise InputError(f"cannot load the dataset: {exc}", file=str(p)) from None
    splits = list(loaded.items()) if isinstance(loaded, datasets.DatasetDict) else [(None, loaded)]
    for split, ds in splits:
        where = f"{p}" + (f" [{split}]" if split else "")
        missing = [c for c in (TOKENS, TAGS) if c not in ds.column_names]
        if missing:
            raise InputError(
                f"columns {missing} missing (has {ds.column_names})",
                file=where,
                hint="expected the conll2003 layout: tokens + ner_tags",
            )
        names = _names(ds.features[TAGS])
        others = [c for c in ds.column_names if c not in (TOKENS, TAGS)]
        for i, row in enumerate(ds):
            toks, tags = row[TOKENS], row[TAGS]
            if len(toks) != len(tags):
                raise InputError(f"row {i}: {len(toks)} tokens but {len(tags)} tags", file=where, line=i + 1)
            if names is not None:
                try:
                    tags = [names[t] for t in tags]
                except (IndexError, TypeError):
                    raise InputError(
                        f"row {i}: tag id outside the ClassLabel names ({len(names)})", file=where, line=i + 1
                    ) from None
            ex_id = str(row["id"]) if "id" in row else str(i)
            doc = row.get(DOC)
            ex = Example.from_words(
                ex_id, [str(t) for t in toks], [str(t) for t in tags], doc_id=None if doc is None else str(doc), line=i + 1
            )
            ex.meta = {
                "source_format": NAME,
                "extra": {"split": split, "names": names, "row": {c: row[c] for c in others}, "columns": ds.column_names},
            }
            yield ex


def write(path: str | Path, examples: Iterable[tuple[Example, list[str]]], **_: object) -> int:
    import datasets

    rows: dict[str | None, list[tuple[Example, list[str]]]] = {}
    for ex, tags in examples:
        extra = ex.meta.get("extra", {}) if ex.meta.get("source_format") == NAME else {}
        rows.setdefault(extra.get("split"), []).append((ex, tags))
    all_tags = {t for items in rows.values() for _, tags in items for t in tags}
    names: list[str] | None = None
    for items in rows.values():
        for ex, _ in items:
            n = (ex.meta.get("extra") or {}).get("names") if ex.meta.get("source_format") == NAME else None
            if n and all_tags <= set(n):
                names = list(n)  # the source's label order, when it still covers every tag
                break
        if names:
            break
    if names is None:
        names = ["O", *sorted(all_tags - {"O"})]

    def build(items: list[tuple[Example, list[str]]]) -> Any:
        first = items[0][0]
        extra = first.meta.get("extra", {}) if first.meta.get("source_format") == NAME else {}
        cols = list(extra.get("columns", [TOKENS, TAGS]))
        if not extra and any(ex.doc_id is not None for ex, _ in items):
            cols.append(DOC)  # document boundaries survive the trip (conll2003 -DOCSTART-)
        data: dict[str, list[Any]] = {c: [] for c in cols}
        for ex, tags in items:
            row = ((ex.meta.get("extra") or {}).get("row") or {}) if ex.meta.get("source_format") == NAME else {}
            for c in cols:
                if c == TOKENS:
                    data[c].append(list(ex.words or []))
                elif c == TAGS:
                    data[c].append([names.index(t) for t in tags])
                elif c == DOC and c not in row:
                    data[c].append(ex.doc_id)
                else:
                    data[c].append(row.get(c))
        feats = None
        try:
            base = (
                datasets.Dataset.from_dict({c: v for c, v in data.items() if c not in (TOKENS, TAGS)}).features
                if len(cols) > 2
                else {}
            )
            feats = datasets.Features(
                {
                    **{c: base[c] for c in cols if c not in (TOKENS, TAGS)},
                    TOKENS: datasets.Sequence(datasets.Value("string")),
                    TAGS: datasets.Sequence(datasets.ClassLabel(names=names)),
                }
            )
            feats = datasets.Features({c: feats[c] for c in cols})
        except Exception:  # other columns of unusual types: let datasets infer them
            feats = None
        return datasets.Dataset.from_dict(data, features=feats)

    built = {k: build(v) for k, v in rows.items()}
    obj: Any = built[None] if list(built) == [None] else datasets.DatasetDict({str(k): v for k, v in built.items()})
    target = Path(path)
    tmp = target.parent / f".{target.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    bars = datasets.utils.logging.is_progress_bar_enabled()
    datasets.disable_progress_bars()  # the CLI prints its own report; no bars on stderr
    try:
        obj.save_to_disk(str(tmp))
        if target.exists():
            if not sniff_path(target):
                raise InputError("exists and is not a saved dataset; refusing to replace it", file=str(target))
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if bars:
            datasets.enable_progress_bars()
    return sum(len(v) for v in rows.values())
