"""Token-index JSON for nested and discontinuous NER (W2NER and friends).

A JSON array of ``{"sentence": [token, ...], "ner": [{"index": [i, j, ...], "type": "..."}]}``. ``index`` lists
the entity's token positions; a gap makes it discontinuous (fragments = the runs of consecutive tokens).
The text is the tokens joined by single spaces; the token offsets are kept so the way back is exact.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..model import Example
from ..tokenization import split_words
from .spaninfo import RawSpan, fragments_of, make_example, span_infos
from .writing import atomic_text

NAME = "w2ner"
EXTENSIONS = ()
CUTS = "F201"


def sniff(head: str) -> bool:
    h = head.lstrip()
    return h.startswith("[") and '"sentence"' in h[:2000] and '"ner"' in h[:4000]


def _load(path: str | Path, encoding: str) -> Any:
    from .label_studio import _load as load_json

    return load_json(path, encoding)


def _runs(index: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for i in index:
        if runs and i == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def read(path: str | Path, *, encoding: str = "utf-8", lenient: bool = False, **_: object) -> Iterator[Example]:
    file = str(path)
    data = _load(path, encoding)
    if not isinstance(data, list):
        raise InputError('expected a JSON array of {"sentence", "ner"} records', file=file)
    for k, rec in enumerate(data):
        toks = rec.get("sentence") if isinstance(rec, dict) else None
        if not isinstance(toks, list) or not all(isinstance(t, str) for t in toks):
            raise InputError(f'record {k}: "sentence" must be a list of token strings', file=file, line=k + 1)
        proto = Example.from_words(str(k), toks)
        assert proto.word_offsets is not None
        offs = proto.word_offsets
        raws: list[RawSpan] = []
        for j, ent in enumerate(rec.get("ner") or []):
            idx = ent.get("index") if isinstance(ent, dict) else None
            if not isinstance(idx, list) or not idx or not all(isinstance(i, int) and not isinstance(i, bool) for i in idx):
                raise InputError(
                    f"record {k}, entity {j}: index must be a non-empty list of token positions", file=file, line=k + 1
                )
            bad = [i for i in idx if not 0 <= i < len(toks)]
            if bad:
                if not lenient:
                    raise InputError(
                        f"record {k}, entity {j}: token index {bad[0]} is outside the sentence of {len(toks)} tokens",
                        file=file,
                        line=k + 1,
                    )
                raws.append(RawSpan(-1, -1, ent.get("type")))  # placed as a bad span by make_example
                continue
            runs = _runs(sorted(set(idx)))
            frags = [(offs[a][0], offs[b][1]) for a, b in runs]
            raws.append(RawSpan(frags[0][0], frags[-1][1], ent.get("type"), fragments=frags if len(frags) > 1 else None))
        extra = {"tokens": [list(o) for o in offs], "rest": {kk: v for kk, v in rec.items() if kk not in ("sentence", "ner")}}
        yield make_example(
            str(k), proto.text, raws, fmt=NAME, line=k + 1, lenient=lenient, file=file, where=f"record {k}", extra=extra
        )


def record(ex: Example) -> dict[str, Any]:
    extra = ex.meta.get("extra", {}) if ex.meta.get("source_format") == NAME else {}
    offs = [tuple(o) for o in extra.get("tokens") or []] or split_words(ex.text)
    starts = {a: i for i, (a, _) in enumerate(offs)}
    ends = {b: i for i, (_, b) in enumerate(offs)}
    ner = []
    for s, info in zip(ex.spans, span_infos(ex), strict=True):
        index: list[int] = []
        for a, b in fragments_of(s, info):
            if a not in starts or b not in ends:
                raise InputError(
                    f"example {ex.id}: span ({a},{b},{s.label}) {ex.text[a:b]!r} cuts a token; token-index JSON cannot hold it",
                    line=ex.line,
                    hint="fix the span (seqalign validate shows what contract/expand would give)",
                )
            index.extend(range(starts[a], ends[b] + 1))
        ner.append({"index": index, "type": s.label})
    return {"sentence": [ex.text[a:b] for a, b in offs], "ner": ner, **extra.get("rest", {})}


def write(path: str | Path, items: Iterable[Example], **_: object) -> int:
    recs = [record(ex) for ex in items]
    atomic_text(path, [json.dumps(recs, ensure_ascii=False), "\n"])
    return len(recs)
