"""brat standoff: ``doc.txt`` + ``doc.ann``; a path may name either file of a pair, or a directory of pairs.

``T`` lines are spans (``T1<TAB>Type 0 5;9 12<TAB>text``; ``;`` separates the fragments of a discontinuous
span, kept in file order in ``span_info["fragments"]`` with the hull as the Span). Every other line (R, E, A,
M, ``*``, ``#``) is kept aside verbatim and written back in place (F101). ``T`` lines that are event triggers
(named as the trigger of an ``E`` line) are kept aside too unless ``triggers="spans"`` (F105): a trigger is
not an entity. Offsets are code points into the .txt read without newline translation.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..model import Diagnostic, Example
from .spaninfo import RawSpan, check_unit, fragments_of, make_example, note, out_offsets, span_infos

NAME = "brat"
EXTENSIONS = (".ann",)


def sniff(head: str) -> bool:
    lines = [ln for ln in head.splitlines() if ln.strip()][:10]
    if not lines:
        return False
    ok = 0
    for ln in lines:
        cols = ln.split("\t")
        if len(cols) >= 2 and cols[0][:1] in "TREAMN*#" and (cols[0][1:].isdigit() or cols[0] == "*"):
            ok += 1
    return ok == len(lines)


def pairs(path: str | Path) -> list[tuple[Path, Path]]:
    """(.txt, .ann) pairs named by ``path``; a .txt without its .ann is an error, never a document without spans."""
    p = Path(path)
    if p.is_dir():
        txts = sorted(p.glob("*.txt"))
        anns = sorted(p.glob("*.ann"))
        if not txts and not anns:
            raise InputError("directory holds no brat .txt/.ann pairs", file=str(p))
        for a in anns:
            if not a.with_suffix(".txt").exists():
                raise InputError(f"{a.name} has no {a.stem}.txt beside it", file=str(a))
        for t in txts:
            if not t.with_suffix(".ann").exists():
                raise InputError(
                    f"{t.name} has no {t.stem}.ann beside it",
                    file=str(t),
                    hint="brat needs both files; an empty .ann means a document without annotations",
                )
        return [(t, t.with_suffix(".ann")) for t in txts]
    if not p.exists():
        raise InputError("no such file", file=str(p))
    txt, ann = p.with_suffix(".txt"), p.with_suffix(".ann")
    for q in (txt, ann):
        if not q.exists():
            raise InputError(f"{q.name} is missing: brat needs {txt.name} and {ann.name}", file=str(p))
    return [(txt, ann)]


def _decode(p: Path, encoding: str) -> str:
    raw = p.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            f"byte 0x{raw[exc.start]:02x} is not valid {encoding}",
            file=str(p),
            line=line,
            hint="pass --encoding latin-1 or convert to UTF-8",
        ) from None


def _frags(spec: str) -> list[tuple[int, int]] | None:
    out = []
    for part in spec.split(";"):
        nums = part.split()
        if len(nums) != 2:
            return None
        try:
            out.append((int(nums[0]), int(nums[1])))
        except ValueError:
            return None
    return out


def read_pair(txt: Path, ann: Path, *, encoding: str, unit: str, lenient: bool, triggers: str) -> Example:
    text = _decode(txt, encoding)
    ann_text = _decode(ann, encoding)
    lines = ann_text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    final_newline = ann_text.endswith("\n") or not ann_text
    trigger_ids = set()
    for ln in lines:
        if ln.startswith("E"):
            cols = ln.split("\t")
            if len(cols) >= 2 and ":" in cols[1].split(" ")[0]:
                trigger_ids.add(cols[1].split(" ")[0].split(":", 1)[1])
    raws: list[RawSpan] = []
    order: list[Any] = []  # "T" for the next span, or a verbatim line kept aside
    aside = 0
    n_triggers = 0
    for n, ln in enumerate(lines, 1):
        cols = ln.split("\t")
        if ln.startswith("T") and (triggers == "spans" or cols[0] not in trigger_ids):
            if len(cols) < 2:
                raise InputError(f"T line needs 3 tab-separated columns, found {len(cols)}: {ln[:80]!r}", file=str(ann), line=n)
            head = cols[1].split(" ", 1)
            frags = _frags(head[1]) if len(head) == 2 else None
            if frags is None:
                raise InputError(f"T line offsets must be 'start end[;start end...]', found {cols[1]!r}", file=str(ann), line=n)
            stored = cols[2] if len(cols) > 2 else None
            raws.append(
                RawSpan(
                    min(s for s, _ in frags),
                    max(e for _, e in frags),
                    head[0],
                    stored,
                    cols[0],
                    frags if len(frags) > 1 else None,
                    n,
                )
            )
            order.append("T")
        else:
            if ln.startswith("T"):
                n_triggers += 1
            else:
                aside += 1
            order.append(ln)
    notes: list[Diagnostic] = []
    if aside:
        notes.append(
            note(
                "F101", f"{aside} non-entity line(s) (relations, events, attributes, notes) kept aside", str(ann), None, ann.stem
            )
        )
    if n_triggers:
        notes.append(note("F105", f"{n_triggers} event trigger T line(s) kept aside (not entities)", str(ann), None, ann.stem))
    ex = make_example(
        ann.stem,
        text,
        raws,
        fmt=NAME,
        doc_id=ann.stem,
        unit=unit,
        lenient=lenient,
        file=str(ann),
        where="T line",
        extra={"order": order if (aside or n_triggers) else None, "final_newline": final_newline},
        notes=notes,
    )
    return ex


def read(
    path: str | Path,
    *,
    encoding: str = "utf-8",
    offset_unit: str = "codepoint",
    lenient: bool = False,
    triggers: str = "aside",
    **_: object,
) -> Iterator[Example]:
    check_unit(offset_unit)
    for txt, ann in pairs(path):
        yield read_pair(txt, ann, encoding=encoding, unit=offset_unit, lenient=lenient, triggers=triggers)


def ann_lines(ex: Example, offset_unit: str = "codepoint") -> list[str]:
    t_lines = []
    used = set()
    infos = span_infos(ex)
    for info in infos:
        if isinstance(info.get("id"), str):
            used.add(info["id"])
    k = 1
    for s, info in zip(ex.spans, infos, strict=True):
        tid = info.get("id")
        if not (isinstance(tid, str) and tid.startswith("T")):
            while f"T{k}" in used:
                k += 1
            tid = f"T{k}"
            used.add(tid)
        frags = fragments_of(s, info)
        spec = ";".join("{} {}".format(*out_offsets(ex.text, a, b, offset_unit)) for a, b in frags)
        stored = info.get("text")
        covered = " ".join(ex.text[a:b] for a, b in frags)
        # a stored text that differs from the covered text (brat tools add a trailing space) is given back as is
        t_lines.append(f"{tid}\t{s.label} {spec}\t{stored if stored is not None else covered}".replace("\n", " "))
    extra = ex.meta.get("extra", {}) if ex.meta.get("source_format") == NAME else {}
    order = extra.get("order")
    if not order:
        return t_lines
    out, it = [], iter(t_lines)
    for item in order:
        out.append(next(it, None) if item == "T" else item)
    out = [x for x in out if x is not None]
    out.extend(it)
    return out


def write(path: str | Path, items: Iterable[Example], *, offset_unit: str = "codepoint", **_: object) -> int:
    """A directory of pairs (``path``), written whole in a temp directory and swapped in."""
    check_unit(offset_unit)
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise InputError("brat output must be a directory", file=str(out))
    if out.is_dir() and any(out.iterdir()) and not all(q.suffix in (".txt", ".ann") for q in out.iterdir()):
        raise InputError("exists and holds files other than brat pairs; refusing to replace it", file=str(out))
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    count = 0
    try:
        seen: set[str] = set()
        for ex in items:
            name = (ex.doc_id or ex.id).replace("/", "_")
            if name in seen:
                name = f"{name}_{count}"
            seen.add(name)
            (tmp / f"{name}.txt").write_bytes(ex.text.encode("utf-8"))
            lines = ann_lines(ex, offset_unit)
            body = "\n".join(lines)
            if lines and (ex.meta.get("extra") or {}).get("final_newline", True):
                body += "\n"
            (tmp / f"{name}.ann").write_bytes(body.encode("utf-8"))
            count += 1
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        if out.exists():
            os.replace(out, old)
        os.replace(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return count
