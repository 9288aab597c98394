"""Label Studio JSON: an export (list of tasks), one task, an import file, or ``{"projects": [{"tasks": [...]}]}``.

Each annotation, draft and prediction of a task becomes its own Example (``meta["origin"]`` says which,
``meta["annotator"]`` who), all with the task id as ``doc_id``: several annotators and model predictions are
never merged. Only ``labels`` results are spans; relation and other results are kept aside (written back,
reported with F103). Offsets are ``value.start``/``value.end`` (end-exclusive, the browser's units: pass
``offset_unit="utf16"`` for texts with emoji exported by the web UI) and ``value.text`` is the stored span text.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..model import Diagnostic, Example
from .spaninfo import RawSpan, check_unit, make_example, note, out_offsets, span_infos
from .writing import atomic_text

NAME = "label_studio"
EXTENSIONS = ()  # .json is shared with W2NER and others: recognised by content only
ORIGINS = (("annotations", "annotation"), ("drafts", "draft"), ("predictions", "prediction"))
SPAN_TYPES = ("labels", "hypertextlabels")


def sniff(head: str) -> bool:
    h = head.lstrip()
    if h.startswith("{") and '"projects"' in h[:2000] and '"tasks"' in head:
        return True
    if not h.startswith(("[", "{")):
        return False
    if h.startswith("{"):
        try:
            obj = json.loads(h.splitlines()[0])
        except ValueError:
            obj = None  # pretty-printed: one task or a wrapper spread over lines
        if isinstance(obj, dict):
            return isinstance(obj.get("data"), dict) and ("annotations" in obj or "predictions" in obj) and "spans" not in obj
    if h.startswith("[") and h[1:].lstrip().startswith("{") and '"data"' in head[:4000]:
        return True  # an import file: tasks with data only
    return '"data"' in head and ('"annotations"' in head or '"predictions"' in head or '"result"' in head)


def _load(path: str | Path, encoding: str) -> Any:
    p = Path(path)
    if p.is_dir():
        raise InputError("is a directory, expected a Label Studio JSON file", file=str(p))
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", file=str(p)) from None
    if not raw.strip():
        raise InputError("file is empty", file=str(p))
    try:
        text = raw.decode(encoding).lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(f"byte 0x{raw[exc.start]:02x} is not valid {encoding}", file=str(p), line=line) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"invalid JSON: {exc.msg} (column {exc.colno})",
            file=str(p),
            line=exc.lineno,
            hint="the export may be truncated; export it again",
        ) from None


def tasks_of(data: Any, file: str) -> tuple[list[tuple[int | None, dict[str, Any]]], dict[str, Any] | None]:
    """[(project index or None, task)], and the wrapper (projects emptied of tasks) when there was one."""
    if isinstance(data, dict) and isinstance(data.get("projects"), list):
        out: list[tuple[int | None, dict[str, Any]]] = []
        wrapper = {k: v for k, v in data.items() if k != "projects"}
        wrapper["projects"] = []
        for i, proj in enumerate(data["projects"]):
            if not isinstance(proj, dict):
                raise InputError(f"projects[{i}] is not an object", file=file)
            wrapper["projects"].append({k: ([] if k == "tasks" else v) for k, v in proj.items()})
            for t in proj.get("tasks") or []:
                out.append((i, t))
        return out, wrapper
    if isinstance(data, dict):
        return [(None, data)], None
    if isinstance(data, list):
        return [(None, t) for t in data], None
    raise InputError("expected a list of Label Studio tasks", file=file)


def _text_key(data: dict[str, Any]) -> str | None:
    if isinstance(data.get("text"), str):
        return "text"
    keys = [k for k, v in data.items() if isinstance(v, str)]
    return keys[0] if len(keys) == 1 else None


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
    tasks, wrapper = tasks_of(_load(path, encoding), file)
    first = True
    for k, (proj, task) in enumerate(tasks):
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            raise InputError(
                f'task {k} has no "data" object', file=file, hint="expected a Label Studio task: {data, annotations}"
            )
        key = _text_key(task["data"])
        if key is None:
            raise InputError(f'task {k} (id {task.get("id")}): no text in "data"', file=file)
        text = task["data"][key]
        tid = str(task.get("id", k))
        shell = {kk: v for kk, v in task.items() if kk not in ("annotations", "drafts", "predictions")}
        task_extra: dict[str, Any] = {
            "task": shell,
            "text_key": key,
            "project": proj,
            "lists": [kk for kk in task if kk in ("annotations", "drafts", "predictions")],
        }
        if first and wrapper is not None:
            task_extra["wrapper"] = wrapper
        first = False
        produced = False
        for list_key, origin in ORIGINS:
            items = task.get(list_key) or []
            ids = [x for x in items if not isinstance(x, dict)]
            if ids:
                # an export lists the ids of predictions made elsewhere; their results are not in the file
                task_extra.setdefault("id_lists", {})[list_key] = ids
            for j, item in enumerate(x for x in items if isinstance(x, dict)):
                ex = _one(item, text, f"{tid}/{origin}/{item.get('id', j)}", tid, origin, list_key, offset_unit, lenient, file, k)
                if not produced:
                    ex.meta["extra"]["task_extra"] = task_extra
                produced = True
                yield ex
        if not produced:
            ex = make_example(tid, text, [], fmt=NAME, doc_id=tid, file=file, extra={"task_extra": task_extra, "list": None})
            ex.meta["origin"] = "task"
            yield ex


def _one(
    item: dict[str, Any], text: str, ex_id: str, tid: str, origin: str, list_key: str, unit: str, lenient: bool, file: str, k: int
) -> Example:
    results = item.get("result") or []
    if not isinstance(results, list):
        raise InputError(f"task {k}: {list_key} {item.get('id')}: result is not a list", file=file)
    raws: list[RawSpan] = []
    keeps: list[dict[str, Any]] = []
    others: list[tuple[int, Any]] = []
    for r_i, r in enumerate(results):
        value = r.get("value") if isinstance(r, dict) else None
        if not isinstance(value, dict) or r.get("type", "labels") not in SPAN_TYPES or "start" not in value:
            others.append((r_i, r))
            continue
        labels = value.get("labels") or [None]
        keep = {kk: v for kk, v in r.items() if kk != "value"}
        keep["value"] = {kk: v for kk, v in value.items() if kk not in ("start", "end", "text", "labels")}
        for lab in labels:
            raws.append(
                RawSpan(
                    value.get("start"), value.get("end"), lab, value.get("text"), None if r.get("id") is None else str(r["id"])
                )
            )
            keeps.append({"result": keep, "index": r_i, "n_labels": len(labels)})
    notes: list[Diagnostic] = []
    kinds = sorted({str(r.get("type")) for _, r in others if isinstance(r, dict)})
    if others:
        notes.append(note("F103", f"{len(others)} non-span result(s) ({', '.join(kinds)}) kept aside", file, None, ex_id))
    extra = {"list": list_key, "item": {kk: v for kk, v in item.items() if kk != "result"}, "others": others}
    ex = make_example(
        ex_id,
        text,
        raws,
        fmt=NAME,
        doc_id=tid,
        unit=unit,
        lenient=lenient,
        file=file,
        where=f"task {k}",
        extra=extra,
        notes=notes,
    )
    infos = ex.meta["span_info"]
    bad = {b["index"] for b in ex.meta.get("bad_spans", [])}
    good = [keep for i, keep in enumerate(keeps) if i not in bad]
    if len(good) == len(infos):
        for info, keep in zip(infos, good, strict=True):
            info["extra"] = keep
    ex.meta["origin"] = origin
    if item.get("was_cancelled"):
        ex.meta["cancelled"] = True  # the annotator skipped the task: its empty result is no annotation
    who = item.get("completed_by", item.get("user", item.get("model_version")))
    if who is not None:
        ex.meta["annotator"] = str(who)
    return ex


def _result(ex: Example, i: int, unit: str) -> dict[str, Any]:
    s, info = ex.spans[i], span_infos(ex)[i]
    keep = (info.get("extra") or {}).get("result") or {"from_name": "label", "to_name": "text", "type": "labels"}
    start, end = out_offsets(ex.text, s.start, s.end, unit)
    value = {"start": start, "end": end, "text": ex.text[s.start : s.end], "labels": [s.label], **keep.get("value", {})}
    r = {kk: v for kk, v in keep.items() if kk != "value"}
    if info.get("id") is not None:
        r["id"] = info["id"]
    return {"value": value, **r}


def _results(ex: Example, unit: str) -> list[Any]:
    out: list[Any] = []
    infos = span_infos(ex)
    i = 0
    while i < len(ex.spans):
        res = _result(ex, i, unit)
        n = (infos[i].get("extra") or {}).get("n_labels", 1)
        # a result with several labels was read as one span per label; give it back as one result
        for j in range(1, n):
            if i + j < len(ex.spans) and infos[i + j].get("id") == infos[i].get("id"):
                res["value"]["labels"].append(ex.spans[i + j].label)
        out.append(res)
        i += max(1, n)
    for idx, other in sorted((ex.meta.get("extra") or {}).get("others", []), key=lambda t: t[0]):
        out.insert(min(idx, len(out)), other)
    return out


def write(path: str | Path, items: Iterable[Example], *, offset_unit: str = "codepoint", **_: object) -> int:
    """Examples of one task (same doc_id, consecutive) are written back as one task."""
    check_unit(offset_unit)
    tasks: list[dict[str, Any]] = []
    projects: list[int | None] = []
    wrapper: dict[str, Any] | None = None
    current: str | None = None
    for ex in items:
        extra = ex.meta.get("extra", {}) if ex.meta.get("source_format") == NAME else {}
        te = extra.get("task_extra")
        doc = ex.doc_id if ex.doc_id is not None else ex.id
        if te is not None or doc != current or not tasks:
            te = te or {}
            if te.get("wrapper") is not None:
                wrapper = te["wrapper"]
            shell = dict(te.get("task") or {"id": _int_or(doc), "data": {te.get("text_key", "text"): ex.text}})
            for lk in te.get("lists", ["annotations"] if ex.meta.get("origin") != "task" else []):
                shell[lk] = list((te.get("id_lists") or {}).get(lk, []))
            tasks.append(shell)
            projects.append(te.get("project"))
            current = doc
        list_key = (
            extra.get("list", "annotations")
            if extra
            else {"prediction": "predictions", "draft": "drafts"}.get(str(ex.meta.get("origin")), "annotations")
        )
        if list_key is None:
            continue
        item = dict(extra.get("item") or {})
        if not item and ex.meta.get("annotator") is not None:
            item["completed_by"] = _int_or(ex.meta["annotator"])
        item["result"] = _results(ex, offset_unit)
        tasks[-1].setdefault(list_key, []).append(item)
    if wrapper is not None:
        out: Any = json.loads(json.dumps(wrapper))
        for t, p in zip(tasks, projects, strict=True):
            if p is not None and p < len(out["projects"]):
                out["projects"][p].setdefault("tasks", []).append(t)
    else:
        out = tasks
    atomic_text(path, [json.dumps(out, ensure_ascii=False, indent=2), "\n"])
    return len(tasks)


def _int_or(v: str) -> Any:
    return int(v) if isinstance(v, str) and v.isdigit() else v
