"""PubTator: ``PMID|t|title``, ``PMID|a|abstract``, then ``PMID<TAB>start<TAB>end<TAB>text<TAB>type<TAB>id`` lines.

Offsets count into ``title + " " + abstract`` (end-exclusive). Concept ids (``D001943``, composite ``a|b`` or
``a+b``) are kept per span; lines that are not mentions (relations such as ``PMID<TAB>CID<TAB>a<TAB>b``) are kept
aside and written back (F101).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..model import Example
from .spaninfo import RawSpan, check_unit, fragments_of, make_example, note, out_offsets, span_infos
from .textio import read_lines
from .writing import atomic_text

NAME = "pubtator"
EXTENSIONS = (".pubtator",)
_TITLE = re.compile(r"^([^|\t]+)\|t\|(.*)$")
_ABSTRACT = re.compile(r"^([^|\t]+)\|a\|(.*)$")


def sniff(head: str) -> bool:
    lines = [ln for ln in head.splitlines() if ln.strip()][:2]
    return len(lines) == 2 and bool(_TITLE.match(lines[0])) and bool(_ABSTRACT.match(lines[1]))


def read(
    path: str | Path,
    *,
    encoding: str = "utf-8",
    offset_unit: str = "codepoint",
    lenient: bool = False,
    **_: object,
) -> Iterator[Example]:
    file = str(path)
    check_unit(offset_unit)
    doc: dict[str, Any] | None = None

    def flush() -> Iterator[Example]:
        nonlocal doc
        if doc is None:
            return
        d, doc = doc, None
        if d["abstract"] is None:
            raise InputError(f"document {d['pmid']} has a title line but no '|a|' abstract line", file=file, line=d["line"])
        text = d["title"] + " " + d["abstract"]
        notes = (
            [note("F101", f"{len(d['aside'])} non-mention line(s) kept aside", file, d["line"], d["pmid"])] if d["aside"] else []
        )
        ex = make_example(
            d["pmid"],
            text,
            d["raws"],
            fmt=NAME,
            doc_id=d["pmid"],
            line=d["line"],
            unit=offset_unit,
            lenient=lenient,
            file=file,
            where=f"document {d['pmid']}",
            extra={"order": d["order"], "title_len": len(d["title"])},
            notes=notes,
        )
        if len(ex.spans) == len(d["keeps"]):
            for info, keep in zip(ex.meta["span_info"], d["keeps"], strict=True):
                info["extra"] = keep
        yield ex

    for n, line in read_lines(path, encoding):
        if not line.strip():
            yield from flush()
            continue
        m = _TITLE.match(line)
        if m and "\t" not in line.split("|", 1)[0]:
            yield from flush()
            doc = {
                "pmid": m.group(1),
                "title": m.group(2),
                "abstract": None,
                "line": n,
                "raws": [],
                "keeps": [],
                "order": [],
                "aside": [],
            }
            continue
        if doc is None:
            raise InputError(f"expected a 'PMID|t|title' line, found {line[:80]!r}", file=file, line=n)
        m = _ABSTRACT.match(line)
        if m and doc["abstract"] is None and m.group(1) == doc["pmid"]:
            doc["abstract"] = m.group(2)
            continue
        cols = line.split("\t")
        if len(cols) >= 5 and cols[1].lstrip("-").isdigit() and cols[2].lstrip("-").isdigit():
            if cols[0] != doc["pmid"]:
                raise InputError(f"mention of document {cols[0]} inside document {doc['pmid']}", file=file, line=n)
            doc["raws"].append(RawSpan(int(cols[1]), int(cols[2]), cols[4], cols[3], line=n))
            doc["keeps"].append({"ids": cols[5:]})
            doc["order"].append("M")
        elif len(cols) >= 3:
            doc["aside"].append(line)
            doc["order"].append(line)
        else:
            raise InputError(
                f"expected a mention line 'PMID<TAB>start<TAB>end<TAB>text<TAB>type[<TAB>id]', found {len(cols)} column(s): {line[:80]!r}",
                file=file,
                line=n,
            )
    yield from flush()


def write(path: str | Path, items: Iterable[Example], *, offset_unit: str = "codepoint", **_: object) -> int:
    check_unit(offset_unit)
    count = 0

    def chunks() -> Iterator[str]:
        nonlocal count
        for ex in items:
            extra = ex.meta.get("extra", {}) if ex.meta.get("source_format") == NAME else {}
            tl = extra.get("title_len")
            if tl is None or ex.text[tl : tl + 1] != " ":
                tl = ex.text.find(" ") if "\n" not in ex.text else -1
                title, abstract = ("", ex.text) if tl < 0 else (ex.text[:tl], ex.text[tl + 1 :])
            else:
                title, abstract = ex.text[:tl], ex.text[tl + 1 :]
            pmid = ex.doc_id or ex.id
            if count:
                yield "\n"
            yield f"{pmid}|t|{title}\n{pmid}|a|{abstract}\n"
            mentions = []
            for s, info in zip(ex.spans, span_infos(ex), strict=True):
                ids = (info.get("extra") or {}).get("ids", [])
                for a, b in fragments_of(s, info):
                    start, end = out_offsets(ex.text, a, b, offset_unit)
                    stored = info.get("text") if len(fragments_of(s, info)) == 1 else None
                    mentions.append(
                        "\t".join([pmid, str(start), str(end), stored if stored is not None else ex.text[a:b], s.label, *ids])
                    )
            order = extra.get("order") or ["M"] * len(mentions)
            it = iter(mentions)
            for item in order:
                line = next(it, None) if item == "M" else item
                if line is not None:
                    yield line + "\n"
            for line in it:
                yield line + "\n"
            count += 1

    atomic_text(path, chunks())
    return count
