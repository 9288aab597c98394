"""CTC datasets: anything ``align`` reads -> label sequences for a CTC loss, plus the way back (decode).

Two targets:

* ``tags``: per example its label sequence (one tag per word, or per subword with a tokenizer);
* ``transcript``: the normalized text as character units with entity markers inserted.

The input is read twice (the first pass learns the entity types, the tag scheme and the characters), and
rows are streamed into an Arrow file inside an atomic output directory. Every span ends exact, adjusted or
lost; every example ends exported or dropped with a coded diagnostic, so the counts add up.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pyarrow as pa

from .. import ctc
from ..align import AlignConfig, align_example
from ..errors import DataProblem, InputError, UsageError
from ..formats import atis
from ..model import IGNORE, Counts, Diagnostic, Example, Location, Outcome, Report, Severity, Span
from ..pipeline import ReadOptions, open_examples, raise_on_overlap_errors, resolve_input_scheme, word_tags_to_spans
from ..schemes import Scheme, TagError, get_scheme, parse_tag, tags_to_spans
from ..tokenization import EMPTY, split_words, word_pieces
from .atomic import atomic_dir
from .token_classification import finish_stream

TARGETS = ("tags", "transcript")
BLANKS = ("0", "last", "pad")
_HUGE = 1 << 30
_FLUSH = 1024

# Stable codes (explained in seqalign.codes.CATALOG).
TRIMMED, CLUSTER_EDGE = "C101", "C102"
EMPTY_SPAN, NORMALIZED_AWAY, DUPLICATE, CROSSING, UNTRUSTED = "C201", "C202", "C203", "C204", "C205"
COLLISION, NOT_IN_VOCAB, FORMAT_CHARS = "C301", "C302", "C303"
INFEASIBLE, NO_FRAMES, UNKNOWN_FRAME_IDS = "C401", "C402", "C403"
STRAY_END, UNCLOSED, EMPTY_ENTITY, TAG_TRANSITION, LENGTH_MISMATCH = "C501", "C502", "C503", "C504", "C505"
UNMATCHED_PREDICTION, NO_PREDICTION = "C506", "C507"
ROUND_TRIP = "C901"
OVERLAP = "S204"  # the aligner's code for an overlapping span


@dataclass(frozen=True, slots=True)
class CTCOptions:
    target: str = "transcript"
    blank: str = "0"  # "0" | "last" | "pad"
    # tags
    scheme: str = "bio"
    input_scheme: str | None = None
    tokenizer: str | None = None  # tags: subword level; transcript: a CTC tokenizer directory (its vocab.json)
    alignment: str = "expand"  # a CTC target has no ignore label, so spans that cut a token are expanded by default
    overlaps: str = "error"
    repair: str = "begin"
    # transcript
    norm: ctc.TextNorm = field(default_factory=ctc.TextNorm)
    case_auto: bool = True  # pick the case from a given vocabulary
    markers: str = "chars"  # chars | tags | none | path to a JSON file
    vocab: str | None = None  # vocab.json (or a directory holding one) of a character CTC model
    collisions: str = "error"  # error | drop
    # feasibility
    input_lengths: str | None = None
    durations: str | None = None
    frames_per_second: float | None = None
    drop_infeasible: bool = False
    save_format: str = "arrow"

    def __post_init__(self) -> None:
        if self.target not in TARGETS:
            raise UsageError(f"--target must be one of {', '.join(TARGETS)}")
        if self.blank not in BLANKS:
            raise UsageError(f"--blank must be one of {', '.join(BLANKS)}")
        if self.durations and not self.frames_per_second:
            raise UsageError("--durations needs --frames-per-second")
        if self.frames_per_second and not self.durations:
            raise UsageError("--frames-per-second needs --durations (seconds per example)")
        if self.input_lengths and self.durations:
            raise UsageError("give either --input-lengths or --durations, not both")
        if self.frames_per_second is not None and not self.frames_per_second > 0:
            raise UsageError("--frames-per-second must be positive")
        if self.collisions not in ("error", "drop"):
            raise UsageError("--collisions must be error or drop")


# ------------------------------------------------------------------------------------------- frame info


def load_numbers(path: str | Path, what: str, integer: bool) -> tuple[dict[str, float], list[float]]:
    """Per-example numbers: JSON (object id -> n, or list), or lines ``id<TAB|,|space>n`` or ``n``.

    Returns (by id, in order). Lines of a single number are matched to examples in input order.
    """
    p = Path(path)
    file = str(p)
    try:
        raw = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("no such file", file=file) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", file=file) from None

    def num(v: Any, line: int | None) -> float:
        try:
            x = float(v)
        except (TypeError, ValueError):
            raise InputError(f"{what} must be a number, got {v!r}", file=file, line=line) from None
        if math.isnan(x) or x < 0 or (integer and x != int(x)):
            raise InputError(f"{what} must be a {'whole ' if integer else ''}number >= 0, got {v!r}", file=file, line=line)
        return x

    by_id: dict[str, float] = {}
    order: list[float] = []
    if p.suffix.lower() == ".json":
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise InputError(f"invalid JSON: {exc}", file=file) from None
        if isinstance(data, dict):
            by_id = {str(k): num(v, None) for k, v in data.items()}
        elif isinstance(data, list):
            order = [num(v, None) for v in data]
        else:
            raise InputError(f"expected an object id -> {what} or a list", file=file)
        return by_id, order
    for n, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.replace(",", "\t").split("\t") if ("\t" in line or "," in line) else line.split()
        parts = [x.strip() for x in parts if x.strip()]
        if len(parts) == 1:
            order.append(num(parts[0], n))
        elif len(parts) == 2:
            try:
                value = float(parts[1])
            except ValueError:
                if n == 1:
                    continue  # a header line
                raise InputError(f"{what} must be a number, got {parts[1]!r}", file=file, line=n) from None
            by_id[parts[0]] = num(value, n)
        else:
            raise InputError(f"expected 'id {what}' or '{what}', found {len(parts)} fields", file=file, line=n)
    if by_id and order:
        raise InputError("mixes 'id value' lines with bare values", file=file)
    return by_id, order


# ----------------------------------------------------------------------------------------- vocabularies


@dataclass(slots=True)
class Vocab:
    token2id: dict[str, int]
    blank_id: int
    pad_token: str = ctc.BLANK_TOKEN
    unk_token: str | None = ctc.UNK_TOKEN
    delimiter: str = ctc.WORD_DELIMITER
    given: str | None = None  # where a given vocabulary came from

    @property
    def unk_id(self) -> int | None:
        return None if self.unk_token is None else self.token2id.get(self.unk_token)


def _special_tokens(d: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("special_tokens_map.json", "tokenizer_config.json"):
        f = d / name
        if f.is_file():
            try:
                data = json.loads(f.read_text(encoding="utf-8"))
            except ValueError:
                continue
            for k in ("pad_token", "unk_token", "word_delimiter_token", "do_lower_case", "tokenizer_class"):
                v = data.get(k)
                if isinstance(v, dict):
                    v = v.get("content")
                if v is not None:
                    out[k] = v
    return out


def load_given_vocab(spec: str, blank: str) -> Vocab:
    p = Path(spec)
    f = p / "vocab.json" if p.is_dir() else p
    if not f.is_file():
        raise UsageError(
            "no vocab.json here",
            file=str(p),
            hint="pass a character CTC tokenizer directory (Wav2Vec2CTCTokenizer layout) or its vocab.json",
        )
    try:
        data = json.loads(f.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"not a JSON vocabulary: {exc}", file=str(f)) from None
    if isinstance(data, dict) and data and all(isinstance(v, dict) for v in data.values()):
        raise UsageError("vocab.json holds several languages; pick one and pass its vocabulary", file=str(f))
    if not isinstance(data, dict) or not all(isinstance(v, int) for v in data.values()):
        raise InputError("expected an object token -> id", file=str(f))
    sp = _special_tokens(f.parent)
    cls = sp.get("tokenizer_class")
    if isinstance(cls, str) and "CTC" not in cls:
        raise UsageError(
            f"{cls} is not a character CTC tokenizer",
            file=str(f.parent),
            hint="transcript targets need a CTC vocabulary (Wav2Vec2CTCTokenizer layout); for subword tag targets use --target tags",
        )
    pad = sp.get("pad_token", ctc.BLANK_TOKEN if ctc.BLANK_TOKEN in data else "[PAD]")
    unk = sp.get("unk_token", ctc.UNK_TOKEN if ctc.UNK_TOKEN in data else "[UNK]")
    delim = sp.get("word_delimiter_token", ctc.WORD_DELIMITER)
    plain = [t for t in data if not t.startswith(("<", "["))]  # specials and markers may be long
    multi = sum(1 for t in plain if len(t) > 1)
    if multi > len(plain) // 2:
        raise UsageError(
            f"{multi} of {len(plain)} vocabulary entries are several characters long: a subword vocabulary, not a character CTC one",
            file=str(f),
            hint="transcript targets need a character CTC vocabulary; for subword tag targets use --target tags",
        )
    if delim not in data:
        raise UsageError(
            f"the vocabulary has no word delimiter {delim!r}: not a character CTC vocabulary",
            file=str(f),
            hint="pass the vocab.json of a character CTC model (e.g. a wav2vec2 checkpoint), or build one (no --vocab)",
        )
    if blank == "pad":
        if pad not in data:
            raise UsageError(f"the vocabulary has no pad token {pad!r} to use as the blank", file=str(f), hint="pass --blank 0")
        blank_id = data[pad]
    elif blank == "last":
        blank_id = max(data.values())
    else:
        blank_id = 0
    return Vocab(dict(data), blank_id, pad, unk if unk in data else None, delim, str(f))


def build_char_vocab(units: set[str], markers: ctc.Markers, delimiter: str, blank: str) -> Vocab:
    """``<pad>`` (the blank) and ``<unk>`` first, then the delimiter, the markers and the characters in code point
    order -- or the blank last with ``--blank last``. The layout Wav2Vec2CTCTokenizer reads."""
    chars = sorted(units - {delimiter} - set(markers.all()))
    body = [ctc.UNK_TOKEN, delimiter, *markers.all(), *chars]
    order = [*body, ctc.BLANK_TOKEN] if blank == "last" else [ctc.BLANK_TOKEN, *body]
    t2i = {t: i for i, t in enumerate(order)}
    return Vocab(t2i, t2i[ctc.BLANK_TOKEN], delimiter=delimiter)


def tag_vocab(labels: list[str], blank: str, pad: tuple[str, int] | None = None) -> Vocab:
    """Tags plus the blank: at 0, last, or at a tokenizer's pad id (``pad`` = (pad token, pad id)), so that a
    model configured with that tokenizer's ``pad_token_id`` as its blank reads the labels right."""
    name = ctc.BLANK_TOKEN
    if blank == "last":
        order = [*labels, name]
    elif pad is not None:
        name, at = pad
        if name in labels:
            raise UsageError(f"the pad token {name!r} is also a tag")
        if at > len(labels):
            raise UsageError(
                f"the tokenizer's pad id {at} lies beyond the {len(labels) + 1} ids of the tag vocabulary",
                hint="pass --blank 0 or --blank last (and set the model's blank / pad_token_id to it)",
            )
        order = [*labels[:at], name, *labels[at:]]
    else:
        order = [name, *labels]
    t2i = {t: i for i, t in enumerate(order)}
    return Vocab(t2i, t2i[name], pad_token=name, unk_token=None)


# -------------------------------------------------------------------------------------------- the rows


_SPAN = pa.struct([("start", pa.int32()), ("end", pa.int32()), ("label", pa.string())])


def _schema(target: str) -> pa.Schema:
    fields = [
        ("id", pa.string()),
        ("doc_id", pa.string()),
        ("text", pa.string()),
        ("labels", pa.list_(pa.int32())),
        ("label_length", pa.int32()),
        ("min_input_length", pa.int32()),
        ("input_length", pa.int32()),
        ("feasible", pa.bool_()),
        ("spans", pa.list_(_SPAN)),
    ]
    if target == "transcript":
        fields += [("transcript", pa.string()), ("target_text", pa.string()), ("target_spans", pa.list_(_SPAN))]
    else:
        fields += [("tags", pa.list_(pa.string())), ("unit_offsets", pa.list_(pa.list_(pa.int32())))]
    return pa.schema(fields)


def _spans_col(spans: list[Span]) -> list[dict[str, Any]]:
    return [{"start": s.start, "end": s.end, "label": s.label} for s in spans]


@dataclass(slots=True)
class _State:
    """What one export run learns and counts on the way."""

    report: Report
    ctc_counts: Counter[str] = field(default_factory=Counter)
    min_frames: list[int] = field(default_factory=list)
    collisions: list[Diagnostic] = field(default_factory=list)
    missing_units: Counter[str] = field(default_factory=Counter)
    missing_first: dict[str, str] = field(default_factory=dict)
    format_chars: int = 0


def _diag(code: str, sev: Severity, msg: str, file: str, ex: Example, span: Span | None = None, **kw: Any) -> Diagnostic:
    loc = Location(file, ex.line, ex.id, span.start if span else None, span.end if span else None)
    return Diagnostic(code, sev, msg, loc, span=span, span_text=ex.text[span.start : span.end] if span else None, **kw)


# ------------------------------------------------------------------------------------- transcript target


def _transcript_example(
    ex: Example, norm: ctc.TextNorm, markers: ctc.Markers, vocab: Vocab, file: str, st: _State
) -> tuple[dict[str, Any] | None, Counts, list[Diagnostic]]:
    """One example -> its row (None when it cannot be written), its span counts and diagnostics."""
    counts = Counts(examples=1, spans_in=len(ex.spans))
    diags: list[Diagnostic] = []
    nz = ctc.normalize_text(ex.text, norm)
    st.format_chars += nz.dropped_chars
    problems = ctc.text_collisions(ex.text, nz, markers, norm)
    if problems:
        d = _diag(COLLISION, Severity.ERROR, "; ".join(problems), file, ex)
        return None, counts, [d]

    kept, trimmed, rejected = ctc.clean_spans(ex.text, ex.spans)
    adjusted: dict[Span, list[str]] = {}
    for old, new in trimmed:
        adjusted.setdefault(new, []).append(f"edge whitespace trimmed: ({old.start},{old.end}) -> ({new.start},{new.end})")
    why = {
        "empty": (EMPTY_SPAN, "span is empty or whitespace only"),
        "duplicate": (DUPLICATE, "duplicate span; one is kept"),
        "crossing": (CROSSING, "span crosses another; markers with a shared end marker can only nest"),
    }
    for r in rejected:
        code, msg = why[r.reason]
        if r.other is not None and r.reason == "crossing":
            msg += f" (crosses ({r.other.start},{r.other.end},{r.other.label}), which is kept)"
        diags.append(_diag(code, Severity.WARNING, msg, file, ex, r.span, outcome=Outcome.LOST))
        counts.lost += 1

    # Char spans -> unit spans. Edges inside a character cluster move to its edges.
    unit_spans: list[Span] = []
    char_spans: list[Span] = []
    for sp in kept:
        a, b = nz.left[sp.start], nz.right[sp.end]
        if a >= b:
            diags.append(
                _diag(
                    NORMALIZED_AWAY,
                    Severity.WARNING,
                    "normalization removes every character of the span",
                    file,
                    ex,
                    sp,
                    outcome=Outcome.LOST,
                )
            )
            counts.lost += 1
            continue
        new = Span(nz.orig_start[a], nz.orig_end[b - 1], sp.label)
        if new != sp:
            adjusted.setdefault(new, []).append(
                f"edge inside a character cluster: ({sp.start},{sp.end}) -> ({new.start},{new.end})"
            )
        unit_spans.append(Span(a, b, sp.label))
        char_spans.append(new)
    # Moving edges to cluster edges can make two spans cross or coincide: check the nesting again, in units.
    _, _, urej = ctc.clean_spans(nz.units, unit_spans, space=lambda u: u == norm.delimiter)  # type: ignore[arg-type]
    if urej:
        drop = Counter(r.span for r in urej)
        reason = {r.span: r.reason for r in urej}
        pairs = []
        for u, c in zip(unit_spans, char_spans, strict=True):
            if drop[u] > 0:
                drop[u] -= 1
                code = CROSSING if reason[u] == "crossing" else DUPLICATE
                msg = f"after moving its edges to character-cluster edges the span {'crosses' if code == CROSSING else 'duplicates'} another"
                diags.append(_diag(code, Severity.WARNING, msg, file, ex, c, outcome=Outcome.LOST))
                counts.lost += 1
                continue
            pairs.append((u, c))
        unit_spans = [u for u, _ in pairs]
        char_spans = [c for _, c in pairs]
    # Adjustments are counted per input span; trimmed + cluster moves of one span are one adjustment.
    n_adjusted = 0
    for sp in char_spans:
        msgs = adjusted.get(sp)
        if msgs:
            n_adjusted += 1
            code = CLUSTER_EDGE if any("cluster" in m for m in msgs) else TRIMMED
            diags.append(_diag(code, Severity.INFO, "; ".join(msgs), file, ex, sp, outcome=Outcome.ADJUSTED, new_span=sp))
    counts.adjusted += n_adjusted
    counts.exact += len(char_spans) - n_adjusted

    marked_units = ctc.mark_units(nz.units, unit_spans, markers)
    transcript = ctc.insert_markers(ex.text, char_spans, markers)

    # The round trips that prove the markers: transcript -> (text, spans), target -> unit spans -> char spans.
    # Without markers the spans travel beside the target (target_spans), so that is what is read back.
    back = ctc.parse_transcript(transcript, markers)
    got = back.spans if markers.enabled else sorted(char_spans)
    ok_text = "".join(back.items) == ex.text and got == sorted(char_spans) and not back.problems
    uback = ctc.parse_units(marked_units, markers, norm.delimiter)
    ugot = uback.spans if markers.enabled else sorted(unit_spans)
    ok_units = uback.items == nz.units and ugot == sorted(unit_spans) and not uback.problems
    mapped = sorted(Span(nz.orig_start[s.start], nz.orig_end[s.end - 1], s.label) for s in ugot)
    ok_map = mapped == sorted(char_spans)
    if not (ok_text and ok_units and ok_map):
        diags.append(
            _diag(
                ROUND_TRIP,
                Severity.ERROR,
                f"round trip failed (transcript {ok_text}, target {ok_units}, offsets {ok_map})",
                file,
                ex,
            )
        )

    ids: list[int] = []
    for u in marked_units:
        i = vocab.token2id.get(u)
        if i is None:
            st.missing_units[u] += 1
            st.missing_first.setdefault(u, ex.id)
            i = vocab.unk_id
            assert i is not None  # checked before the export starts
        ids.append(i)
    row = {
        "id": ex.id,
        "doc_id": ex.doc_id,
        "text": ex.text,
        "labels": ids,
        "spans": _spans_col(char_spans),
        "transcript": transcript,
        "target_text": ctc.units_to_text(marked_units, norm.delimiter),
        "target_spans": _spans_col(sorted(unit_spans)),
        "_round_trip": ok_text and ok_units and ok_map,
    }
    return row, counts, diags


# ------------------------------------------------------------------------------------------- tags target


def _tags_example(
    ex: Example, enc: Any, cfg: AlignConfig, vocab: Vocab, file: str
) -> tuple[dict[str, Any] | None, Counts, list[Diagnostic]]:
    res = align_example(ex, enc, cfg, vocab.token2id, file=file)
    labels = res.rows[0].labels if res.rows else []
    untrusted = [i for i, lab in enumerate(labels) if lab == IGNORE and enc.kinds[i] != EMPTY]
    if untrusted:
        d = _diag(
            UNTRUSTED,
            Severity.WARNING,
            f"{len(untrusted)} token(s) have no trustworthy tag (a lost span covered them); a CTC target cannot skip "
            "them, so the example is dropped",
            file,
            ex,
        )
        return None, res.counts, [*res.diagnostics, d]
    pos = [i for i, lab in enumerate(labels) if lab != IGNORE]
    id2tok = {i: t for t, i in vocab.token2id.items()}
    tags = [id2tok[labels[i]] for i in pos]
    # The round trip: the tag sequence read back over the positions' offsets gives the spans kept.
    chunks, _ = tags_to_spans(tags, cfg.scheme)
    back = [
        Span(min(enc.starts[pos[j]] for j in range(a, b)), max(enc.ends[pos[j]] for j in range(a, b)), t) for a, b, t in chunks
    ]
    ok = sorted(back) == sorted(res.kept)
    row = {
        "id": ex.id,
        "doc_id": ex.doc_id,
        "text": ex.text,
        "labels": [labels[i] for i in pos],
        "spans": _spans_col(res.kept),
        "tags": tags,
        "unit_offsets": [[enc.starts[i], enc.ends[i]] for i in pos],
        "_round_trip": ok,
    }
    diags = list(res.diagnostics)
    if not ok:
        diags.append(_diag(ROUND_TRIP, Severity.ERROR, "the tag target does not read back to the spans kept", file, ex))
    return row, res.counts, diags


# ---------------------------------------------------------------------------------------------- the job


def _first_pass(again: Callable[[], Iterator[Example]], norm: ctc.TextNorm | None, file: str) -> dict[str, Any]:
    n = 0
    word_input: bool | None = None
    tagseqs: list[list[str]] = []
    types: set[str] = set()
    units: set[str] = set()
    for ex in again():
        n += 1
        if word_input is None:
            word_input = ex.words is not None
        if ex.word_tags is not None:
            tagseqs.append(ex.word_tags)
            types.update(parse_tag(t)[1] for t in ex.word_tags if t != "O")
        types.update(s.label for s in ex.spans)
        if norm is not None:
            units.update(ctc.normalize_text(ex.text, norm).units)
    if n == 0:
        raise InputError("no examples found (the file holds no sentences or records)", file=file)
    return {"n": n, "word_input": bool(word_input), "tagseqs": tagseqs, "types": sorted(types), "units": units}


def _resolve_markers(spec: str, types: list[str]) -> ctc.Markers:
    if spec in ("chars", "tags", "none"):
        try:
            return ctc.default_markers(types, spec)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    p = Path(spec)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("no such markers file", file=spec, hint="--markers takes chars, tags, none or a JSON file") from None
    except (OSError, ValueError) as exc:
        raise InputError(f"not a JSON markers file: {exc}", file=spec) from None
    try:
        return ctc.markers_from_dict(data, types)
    except ValueError as exc:
        raise InputError(str(exc), file=spec) from None


def _auto_case(vocab: Vocab) -> str:
    letters = [t for t in vocab.token2id if len(t) == 1 and t.isalpha() and t.lower() != t.upper()]
    if letters and all(t.isupper() for t in letters):
        return "upper"
    if letters and all(t.islower() for t in letters):
        return "lower"
    return "keep"


def _open(path: str | Path, read: ReadOptions) -> tuple[str, Callable[[], Iterator[Example]]]:
    """``open_examples``, plus ATIS paths (a directory or seq.in) even where the registry does not route them."""
    if read.fmt in (None, atis.NAME) and atis.sniff_path(path):
        return atis.NAME, lambda: atis.read(path, encoding=read.encoding)
    return open_examples(path, read)


def export_ctc(
    input_path: str | Path,
    out: str | Path,
    opts: CTCOptions = CTCOptions(),
    read: ReadOptions = ReadOptions(),
) -> Report:
    """INPUT -> CTC dataset in OUT (+ vocab.json, labels.json, feasibility.tsv, report.json). Returns the report."""
    file = str(input_path)
    fmt, again = _open(input_path, read)
    norm = opts.norm
    given: Vocab | None = None
    if opts.target == "transcript" and (opts.vocab or opts.tokenizer):
        given = load_given_vocab(str(opts.vocab or opts.tokenizer), opts.blank)
        if opts.case_auto:
            norm = ctc.TextNorm(
                _auto_case(given), norm.unicode, given.delimiter, norm.collapse_whitespace, norm.drop_format_chars
            )
        elif given.delimiter != norm.delimiter:
            norm = ctc.TextNorm(norm.case, norm.unicode, given.delimiter, norm.collapse_whitespace, norm.drop_format_chars)
    first = _first_pass(again, norm if opts.target == "transcript" else None, file)
    word_input: bool = first["word_input"]
    types: list[str] = first["types"]
    in_scheme: Scheme | None = None
    detection = None
    if first["tagseqs"]:
        in_scheme, detection = resolve_input_scheme(
            [Example("", "", word_tags=t) for t in first["tagseqs"]], opts.input_scheme, file
        )

    report = Report()
    st = _State(report)
    meta: dict[str, Any] = {
        "input": file,
        "format": fmt,
        "target": opts.target,
        "input_kind": "words" if word_input else "spans",
        "input_scheme": in_scheme.name if in_scheme else None,
        "blank": opts.blank,
    }
    if detection is not None and detection.note:
        report.notes.append(f"input scheme detected as {in_scheme.name if in_scheme else '?'}: {detection.note}")

    # Target vocabulary.
    markers = ctc.Markers()
    adapter = None
    cfg: AlignConfig | None = None
    if opts.target == "transcript":
        markers = _resolve_markers(opts.markers, types)
        bad = ctc.marker_problems(markers, norm)
        if bad:
            raise UsageError("; ".join(bad), hint="choose other markers (--markers FILE.json)")
        if given is not None:
            missing = [m for m in markers.all() if m not in given.token2id]
            if missing:
                raise UsageError(
                    f"the given vocabulary lacks the marker(s) {', '.join(map(repr, missing[:10]))}",
                    file=given.given,
                    hint="a model's vocabulary is fixed: pass --markers with markers it has, or --markers none",
                )
            if given.unk_id is None:
                lack = sorted(u for u in first["units"] if u not in given.token2id)
                if lack:
                    raise UsageError(
                        f"the given vocabulary has no unknown token and lacks {', '.join(map(repr, lack[:20]))}",
                        file=given.given,
                    )
            vocab = given
        else:
            vocab = build_char_vocab(first["units"], markers, norm.delimiter, opts.blank)
            if opts.blank == "pad":
                report.notes.append("--blank pad with a built vocabulary: the blank is <pad>, id 0")
        meta.update(
            {
                "normalization": {
                    "case": norm.case,
                    "unicode": norm.unicode,
                    "word_delimiter": norm.delimiter,
                    "collapse_whitespace": norm.collapse_whitespace,
                    "drop_format_chars": norm.drop_format_chars,
                },
                "markers": markers.to_dict(),
            }
        )
    else:
        target_scheme = get_scheme(opts.scheme)
        level = "subword" if opts.tokenizer else "word"
        cfg = AlignConfig(target_scheme, opts.alignment, opts.overlaps, "all" if opts.tokenizer else "first", _HUGE, 0)
        pad: tuple[str, int] | None = None
        if opts.tokenizer:
            from ..tokenization import load_tokenizer

            adapter = load_tokenizer(opts.tokenizer, words=word_input)
            report.notes.extend(adapter.notes)
            meta["tokenizer"] = adapter.info()
            if opts.blank == "pad":
                tok = adapter.tokenizer
                if getattr(tok, "pad_token", None) is None or getattr(tok, "pad_token_id", None) is None:
                    raise UsageError(
                        f"the tokenizer {opts.tokenizer} has no pad token to use as the blank",
                        hint="pass --blank 0 or --blank last",
                    )
                pad = (str(tok.pad_token), int(tok.pad_token_id))
        elif opts.blank == "pad":
            report.notes.append("--blank pad without a tokenizer: the blank is the <pad> entry of the tag vocabulary, id 0")
        vocab = tag_vocab(target_scheme.labels_for(types), opts.blank, pad)
        meta.update({"scheme": target_scheme.name, "level": level, "alignment": opts.alignment})
    meta["blank_id"] = vocab.blank_id
    meta["vocab_size"] = len(vocab.token2id)

    # Frame information.
    frames_by_id: dict[str, float] = {}
    frames_order: list[float] = []
    frames_src = opts.input_lengths or opts.durations
    if frames_src:
        frames_by_id, frames_order = load_numbers(
            frames_src, "input length" if opts.input_lengths else "duration", bool(opts.input_lengths)
        )
        if frames_order and len(frames_order) != first["n"]:
            raise UsageError(
                f"{len(frames_order)} values for {first['n']} examples; bare values are matched by order, so the counts must agree",
                file=frames_src,
                hint="or write 'id value' lines",
            )
    seen_ids: set[str] = set()

    def frames_for(k: int, ex: Example) -> int | None:
        if not frames_src:
            return None
        v = frames_order[k] if frames_order else frames_by_id.get(ex.id)
        if v is None:
            return None
        seen_ids.add(ex.id)
        return int(v) if opts.input_lengths else ctc.frames_from_duration(v, float(opts.frames_per_second or 0))

    schema = _schema(opts.target)

    def rows() -> Iterator[dict[str, Any]]:
        batch: list[Example] = []
        k = 0

        def handle(batch: list[Example]) -> Iterator[dict[str, Any]]:
            nonlocal k
            encs: list[Any] = []
            for ex in batch:
                if ex.word_tags is not None and in_scheme is not None:
                    try:
                        report.extend(word_tags_to_spans(ex, in_scheme, opts.repair, file))
                    except TagError as exc:
                        raise UsageError(str(exc), file=file, line=ex.line, hint="check --input-scheme") from None
            if opts.target == "tags":
                if adapter is None:
                    encs = [word_pieces(ex.word_offsets if ex.word_offsets is not None else split_words(ex.text)) for ex in batch]
                elif word_input:
                    encs = adapter.encode_words(
                        [e.text for e in batch], [e.words for e in batch], [e.word_offsets for e in batch]
                    )
                else:
                    encs = adapter.encode_texts([e.text for e in batch])
            for j, ex in enumerate(batch):
                if opts.target == "transcript":
                    row, counts, diags = _transcript_example(ex, norm, markers, vocab, file, st)
                    if row is None and opts.collisions == "drop":
                        diags = [replace(d, severity=Severity.WARNING, message=d.message + "; dropped") for d in diags]
                else:
                    assert cfg is not None
                    row, counts, diags = _tags_example(ex, encs[j], cfg, vocab, file)
                report.extend(diags)
                frames = frames_for(k, ex)
                k += 1
                if row is None:
                    counts.tokens = counts.windows = 0
                    if any(d.code == COLLISION for d in diags):
                        st.collisions.extend(d for d in diags if d.code == COLLISION)
                        st.ctc_counts["dropped_collision"] += 1
                    else:
                        st.ctc_counts["dropped_untrusted"] += 1
                    _lose_all(counts)
                    report.counts.merge(counts)
                    continue
                labels = row["labels"]
                if vocab.blank_id in labels:
                    raise UsageError(
                        f"example {ex.id}: the blank id {vocab.blank_id} is a real symbol of this target",
                        file=vocab.given or file,
                        hint="pass --blank pad or --blank last so that the blank is not a symbol",
                    )
                need = ctc.min_frames(labels)
                row["label_length"] = len(labels)
                row["min_input_length"] = need
                row["input_length"] = frames
                row["feasible"] = None if frames is None else frames >= need
                st.ctc_counts["label_symbols"] += len(labels)
                if frames is None and frames_src:
                    st.ctc_counts["unchecked"] += 1
                    report.diagnostics.append(
                        _diag(NO_FRAMES, Severity.WARNING, "no frame count for this example; not checked", frames_src, ex)
                    )
                elif frames is not None and frames < need:
                    msg = f"needs at least {need} frames (L={len(labels)} + repeats={need - len(labels)}) but has {frames}"
                    if opts.drop_infeasible:
                        report.diagnostics.append(_diag(INFEASIBLE, Severity.WARNING, msg + "; dropped", file, ex))
                        st.ctc_counts["dropped_infeasible"] += 1
                        _lose_all(counts)
                        report.counts.merge(counts)
                        continue
                    report.diagnostics.append(_diag(INFEASIBLE, Severity.ERROR, msg + "; its CTC loss is infinite", file, ex))
                    st.ctc_counts["infeasible"] += 1
                elif frames is not None:
                    st.ctc_counts["feasible"] += 1
                counts.tokens = len(labels)
                counts.windows = 1
                report.counts.merge(counts)
                st.ctc_counts["exported"] += 1
                st.ctc_counts["round_trip_exact"] += bool(row.pop("_round_trip"))
                st.min_frames.append(need)
                yield row

        for ex in again():
            batch.append(ex)
            if len(batch) >= 256:
                yield from handle(batch)
                batch = []
        if batch:
            yield from handle(batch)

    with atomic_dir(out) as tmp:
        stream = tmp / "rows.arrow"
        with (
            pa.OSFile(str(stream), "wb") as sink,
            pa.ipc.new_stream(sink, schema) as writer,
            open(tmp / "feasibility.tsv", "w", encoding="utf-8", newline="\n") as tsv,
        ):
            tsv.write("id\tlabel_length\trepeats\tmin_input_length\tinput_length\tfeasible\n")
            buf: list[dict[str, Any]] = []
            for r in rows():
                buf.append(r)
                feas = "" if r["feasible"] is None else str(r["feasible"]).lower()
                frames_txt = "" if r["input_length"] is None else str(r["input_length"])
                tsv.write(
                    f"{r['id']}\t{r['label_length']}\t{r['min_input_length'] - r['label_length']}\t{r['min_input_length']}\t{frames_txt}\t{feas}\n"
                )
                if len(buf) >= _FLUSH:
                    writer.write_batch(pa.RecordBatch.from_pylist(buf, schema=schema))
                    buf = []
            if buf:
                writer.write_batch(pa.RecordBatch.from_pylist(buf, schema=schema))
        _finish_report(report, st, meta, first["n"], frames_by_id, seen_ids, frames_src, vocab, file)
        if st.collisions and opts.collisions == "error":
            shown = "\n".join(f"  {d.location}: {d.message}" for d in st.collisions[:20])
            more = f"\n  ... and {len(st.collisions) - 20} more" if len(st.collisions) > 20 else ""
            raise DataProblem(
                f"{len(st.collisions)} example(s) collide with the word delimiter or the markers:\n{shown}{more}",
                file=file,
                hint="choose other markers (--markers) or --word-delimiter, or --collisions drop to drop and report them",
            )
        if opts.target == "tags" and opts.overlaps == "error":
            # Only the aligner's overlap errors: infeasible targets are errors of another kind (exit 1 in the CLI).
            raise_on_overlap_errors(Report(diagnostics=[d for d in report.diagnostics if d.code == OVERLAP]))
        finish_stream(tmp, stream, opts.save_format, schema)
        labels_json = _labels_json(opts, vocab, meta, markers, norm)
        (tmp / "vocab.json").write_text(json.dumps(vocab.token2id, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        if opts.target == "transcript" and given is None:
            _write_tokenizer_files(tmp, vocab)
        (tmp / "labels.json").write_text(json.dumps(labels_json, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        (tmp / "report.json").write_text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return report


def _lose_all(counts: Counts) -> None:
    """A dropped example loses every span it has, whatever became of them before."""
    counts.lost = counts.spans_in
    counts.exact = counts.adjusted = counts.truncated = 0


def _finish_report(
    report: Report,
    st: _State,
    meta: dict[str, Any],
    n: int,
    frames_by_id: dict[str, float],
    seen_ids: set[str],
    frames_src: str | None,
    vocab: Vocab,
    file: str,
) -> None:
    c = st.ctc_counts
    for u, cnt in sorted(st.missing_units.items(), key=lambda kv: -kv[1]):
        report.diagnostics.append(
            Diagnostic(
                NOT_IN_VOCAB,
                Severity.WARNING,
                f"{u!r} (U+{ord(u[0]):04X}) is not in the vocabulary: {cnt} occurrence(s) written as {vocab.unk_token}",
                Location(file, None, st.missing_first[u]),
            )
        )
    if st.format_chars:
        report.diagnostics.append(
            Diagnostic(
                FORMAT_CHARS,
                Severity.INFO,
                f"{st.format_chars} zero-width/control character(s) removed by normalization",
                Location(file),
            )
        )
    unknown = sorted(set(frames_by_id) - seen_ids)
    if unknown:
        report.diagnostics.append(
            Diagnostic(
                UNKNOWN_FRAME_IDS,
                Severity.WARNING,
                f"{len(unknown)} id(s) in the frame file match no example (first: {', '.join(unknown[:5])})",
                Location(frames_src),
            )
        )
    mf = sorted(st.min_frames)
    counts = {
        "examples_in": n,
        "exported": c["exported"],
        "dropped_infeasible": c["dropped_infeasible"],
        "dropped_collision": c["dropped_collision"],
        "dropped_untrusted": c["dropped_untrusted"],
        "feasible": c["feasible"],
        "infeasible_kept": c["infeasible"],
        "unchecked": c["unchecked"] if frames_src else c["exported"],
        "round_trip_exact": c["round_trip_exact"],
        "label_symbols": c["label_symbols"],
    }
    counts["balanced"] = (
        n == counts["exported"] + counts["dropped_infeasible"] + counts["dropped_collision"] + counts["dropped_untrusted"]
    )
    meta["ctc_counts"] = counts
    if mf:
        meta["min_input_length"] = {
            "min": mf[0],
            "median": mf[len(mf) // 2],
            "p95": mf[min(len(mf) - 1, math.ceil(0.95 * len(mf)) - 1)],
            "max": mf[-1],
            "note": "frames each target needs for a finite CTC loss (L + repeats); per example in the dataset and feasibility.tsv",
        }
    report.meta = meta


def _labels_json(
    opts: CTCOptions, vocab: Vocab, meta: dict[str, Any], markers: ctc.Markers, norm: ctc.TextNorm
) -> dict[str, Any]:
    labels = [t for t, _ in sorted(vocab.token2id.items(), key=lambda kv: kv[1])]
    out: dict[str, Any] = {
        "kind": "ctc",
        "target": opts.target,
        "labels": labels,
        "label2id": vocab.token2id,
        "id2label": {str(i): t for t, i in vocab.token2id.items()},
        "blank_id": vocab.blank_id,
        "pad_token": vocab.pad_token,
        "unk_token": vocab.unk_token,
        "pad_value": IGNORE,
        "vocab_source": vocab.given or "built from the data",
    }
    if opts.target == "transcript":
        out.update(
            {
                "word_delimiter": norm.delimiter,
                "markers": markers.to_dict(),
                "normalization": meta.get("normalization"),
            }
        )
    else:
        out.update({"scheme": meta.get("scheme"), "level": meta.get("level"), "repair": opts.repair})
    return out


def _write_tokenizer_files(tmp: Path, vocab: Vocab) -> None:
    """So that ``Wav2Vec2CTCTokenizer.from_pretrained(OUT)`` loads the built vocabulary as it is."""
    cfg = {
        "tokenizer_class": "Wav2Vec2CTCTokenizer",
        "unk_token": vocab.unk_token,
        "pad_token": vocab.pad_token,
        "word_delimiter_token": vocab.delimiter,
        "bos_token": None,
        "eos_token": None,
        "do_lower_case": False,
        "replace_word_delimiter_char": " ",
    }
    (tmp / "tokenizer_config.json").write_text(json.dumps(cfg, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


# ---------------------------------------------------------------------------------------------- decode


def load_rows(d: Path) -> list[dict[str, Any]]:
    if (d / "data.parquet").exists():
        import pyarrow.parquet as pq

        return pq.read_table(d / "data.parquet").to_pylist()
    if (d / "data.jsonl").exists():
        return [json.loads(x) for x in (d / "data.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    import datasets

    try:
        return datasets.load_from_disk(str(d)).to_list()
    except Exception as exc:
        raise InputError(f"cannot load the dataset: {exc}", file=str(d)) from None


def _load_predictions(p: Path) -> list[Any]:
    """JSONL: per line a string (a decoded transcript), a list of ids, or an object with ``id`` and one of
    ``text``/``transcript``, ``frames`` (frame ids, collapsed here) or ``labels`` (collapsed ids). ``.npy``:
    frame ids or logits per example (batch x time [x vocab])."""
    if p.suffix == ".npy":
        import numpy as np

        arr = np.load(p, allow_pickle=False)
        if arr.ndim == 3:
            arr = arr.argmax(-1)
        return [{"frames": [int(x) for x in r]} for r in arr]
    out: list[Any] = []
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", file=str(p)) from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            raise InputError(f"invalid JSON: {exc}", file=str(p), line=n) from None
        if isinstance(obj, str):
            obj = {"text": obj}
        elif isinstance(obj, list):
            obj = {"labels": obj}
        if not isinstance(obj, dict) or not any(k in obj for k in ("text", "transcript", "frames", "labels")):
            raise InputError('expected a string, a list of ids, or {"id", "text"|"frames"|"labels"}', file=str(p), line=n)
        for k in ("frames", "labels"):
            if k in obj and not (
                isinstance(obj[k], list) and all(isinstance(x, int) and not isinstance(x, bool) for x in obj[k])
            ):
                raise InputError(f'"{k}" must be a list of integer ids', file=str(p), line=n)
        obj["_line"] = n
        out.append(obj)
    return out


def decode_ctc(
    dataset_dir: str | Path,
    out: str | Path,
    *,
    predictions: str | Path | None = None,
    repair: str = "begin",
) -> Report:
    """Targets (gold, or predicted) of an exported CTC dataset -> JSONL of ``{id, text, spans}``.

    Transcripts give spans into the predicted text (markers removed); tag sequences give spans over the
    example's words when the predicted length matches, else position spans (reported).
    """
    d = Path(dataset_dir)
    try:
        info = json.loads((d / "labels.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"not a seqalign CTC dataset (labels.json: {exc})", file=str(d)) from None
    if info.get("kind") != "ctc":
        raise UsageError(
            "labels.json is not from export-ctc", file=str(d), hint="use `seqalign decode` for token-classification datasets"
        )
    rows = load_rows(d)
    preds = _load_predictions(Path(predictions)) if predictions else None
    if preds is not None and len(preds) != len(rows) and not all("id" in p for p in preds):
        raise UsageError(
            f"{len(preds)} predictions for {len(rows)} examples; without ids they are matched by order",
            file=str(predictions),
        )
    by_id = {str(p["id"]): p for p in preds if "id" in p} if preds else {}
    id2tok = {int(k): v for k, v in info["id2label"].items()}
    blank = int(info["blank_id"])
    report = Report()
    report.meta = {"dataset": str(d), "target": info["target"], "predictions": str(predictions) if predictions else None}
    file = str(predictions) if predictions else str(d)
    written = 0
    tmp = Path(f"{out}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            for k, row in enumerate(rows):
                pred = (by_id.get(str(row["id"])) if by_id else preds[k]) if preds is not None else {"labels": row["labels"]}
                ex = Example(str(row["id"]), row["text"], line=None if pred is None else pred.get("_line"))
                if pred is None:
                    report.diagnostics.append(_diag(NO_PREDICTION, Severity.WARNING, "no prediction for this example", file, ex))
                    continue
                rec = _decode_one(row, pred, info, id2tok, blank, repair, file, ex, report)
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
                written += 1
        Path(tmp).replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    extra = sorted(set(by_id) - {str(r["id"]) for r in rows})
    if extra:
        report.diagnostics.append(
            Diagnostic(
                UNMATCHED_PREDICTION,
                Severity.WARNING,
                f"{len(extra)} prediction(s) for ids that match no example, ignored (first: {', '.join(extra[:5])})",
                Location(file),
            )
        )
    report.counts.examples = written
    return report


def _decode_one(
    row: dict[str, Any],
    pred: dict[str, Any],
    info: dict[str, Any],
    id2tok: dict[int, str],
    blank: int,
    repair: str,
    file: str,
    ex: Example,
    report: Report,
) -> dict[str, Any]:
    if "frames" in pred:
        ids = ctc.ctc_collapse(pred["frames"], blank)
    else:
        ids = list(pred.get("labels") or [])
    bad = [i for i in ids if i not in id2tok]
    if bad:
        raise InputError(f"label id {bad[0]} is not in the vocabulary (0..{max(id2tok)})", file=file, line=pred.get("_line"))
    ids = [i for i in ids if i != blank and i != IGNORE]
    if info["target"] == "transcript":
        m = info.get("markers") or {}
        markers = ctc.Markers(dict(m.get("start") or {}), m.get("end"))
        delim = info.get("word_delimiter", ctc.WORD_DELIMITER)
        if "text" in pred or "transcript" in pred:
            parsed = ctc.parse_transcript(str(pred.get("text", pred.get("transcript"))), markers)
            text = "".join(parsed.items)
            spans = parsed.spans
        else:
            parsed = ctc.parse_units([id2tok[i] for i in ids], markers, delim)
            text, spans = ctc.unit_spans_to_chars(parsed.items, parsed.spans, delim)
        codes = {"stray_end": STRAY_END, "unclosed": UNCLOSED, "empty": EMPTY_ENTITY}
        for pr in parsed.problems:
            report.diagnostics.append(_diag(codes[pr.kind], Severity.WARNING, f"{pr.detail} (item {pr.index})", file, ex))
        return {
            "id": row["id"],
            "text": text,
            "spans": [{"start": s.start, "end": s.end, "label": s.label, "text": text[s.start : s.end]} for s in spans],
        }
    scheme = get_scheme(info["scheme"])
    tags = [id2tok[i] for i in ids]
    chunks, violations = tags_to_spans(tags, scheme, repair)
    for v in violations:
        report.diagnostics.append(
            _diag(
                TAG_TRANSITION,
                Severity.WARNING,
                f"illegal {scheme.name} transition at {v.position}: {v.rule}",
                file,
                ex,
                policy=f"repair={repair}",
            )
        )
    offs = row.get("unit_offsets") or []
    text = row["text"]
    if len(tags) != len(offs):
        report.diagnostics.append(
            _diag(
                LENGTH_MISMATCH,
                Severity.WARNING,
                f"{len(tags)} predicted tags for {len(offs)} positions; spans are given as positions only",
                file,
                ex,
            )
        )
        return {
            "id": row["id"],
            "text": text,
            "tags": tags,
            "positions": [{"start": a, "end": b, "label": t} for a, b, t in chunks],
        }
    spans = [Span(offs[a][0], offs[b - 1][1], t) for a, b, t in chunks]
    return {
        "id": row["id"],
        "text": text,
        "spans": [{"start": s.start, "end": s.end, "label": s.label, "text": text[s.start : s.end]} for s in spans],
    }
