"""Full align -> decode round trip on CoNLL-2003 testb for the zoo tokenizers (the test samples every 3rd sentence).

    python scripts/roundtrip_zoo.py [--shared ../shared] [--tokenizers a,b,...] > roundtrip.jsonl

One JSON line per (tokenizer, label_subwords, windowing): spans in, exact per align's report, exact ones
decoded back, adjusted ones decoded to their reported new span, truncated ones rebuilt by the window merge,
and anything else decoded (``extra``, must be 0).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from seqalign.api import align_file, convert_file
from seqalign.api_tags import decode_dataset
from seqalign.formats import jsonl


def run(src: Path, gold: dict[str, set[tuple[int, int, str]]], tok: Path, mode: str, max_length: int | None, work: Path) -> dict:
    t = time.time()
    out = work / f"{tok.name}-{mode}-{max_length}"
    rep = align_file(src, str(tok), out, scheme="bio", label_subwords=mode, max_length=max_length, overlap=8 if max_length else 0)
    probs = [d for d in rep.problems if d.span is not None and d.outcome is not None]
    not_exact = {(d.location.example_id, *d.span.as_tuple()) for d in probs}
    adjusted = {(d.location.example_id, *d.new_span.as_tuple()) for d in probs if d.new_span and d.outcome.value == "adjusted"}
    truncated = {(d.location.example_id, *d.span.as_tuple()) for d in probs if d.outcome.value == "truncated"}
    drep = decode_dataset(out, out / "decoded.jsonl")
    back = set()
    for line in (out / "decoded.jsonl").read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        back |= {(rec["id"], s["start"], s["end"], s["label"]) for s in rec["spans"]}
    exact = {(i, *s) for i, ss in gold.items() for s in ss} - not_exact
    return {
        "tokenizer": tok.name,
        "label_subwords": mode,
        "max_length": max_length,
        "spans": sum(len(v) for v in gold.values()),
        "exact": len(exact),
        "exact_back": len(exact & back),
        "adjusted": len(adjusted),
        "adjusted_back": len(adjusted & back),
        "truncated": len(truncated),
        "truncated_rebuilt": len(truncated & back),
        "extra": len(back - exact - adjusted - truncated),
        "windows": rep.counts.windows,
        "window_conflicts": drep.to_dict()["window_conflicts"],
        "seconds": round(time.time() - t, 1),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parent.parent.parent / "shared"))
    ap.add_argument("--tokenizers", default="", help="comma-separated names (default: every directory of the zoo)")
    args = ap.parse_args()
    shared = Path(args.shared)
    names = (
        args.tokenizers.split(",") if args.tokenizers else sorted(p.name for p in (shared / "tokenizers").iterdir() if p.is_dir())
    )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        src = work / "testb.jsonl"
        convert_file(shared / "corpora/conll2003/iob1/eng.testb", src, input_scheme="iob1", scheme="bio")
        gold = {ex.id: {s.as_tuple() for s in ex.spans} for ex in jsonl.read(src)}
        bad = 0
        for name in names:
            for mode in ("all", "first"):
                for max_length in (None, 32):
                    r = run(src, gold, shared / "tokenizers" / name, mode, max_length, work)
                    bad += r["exact_back"] != r["exact"] or r["adjusted_back"] != r["adjusted"] or r["extra"] != 0
                    print(json.dumps(r), flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
