"""seqalign against the hand-written transformers recipe, in one run, on one machine.

    python scripts/bench.py                      # everything (15-20 minutes on 2 cores)
    python scripts/bench.py --runs 3 --stream 100000,300000   # shorter

Prints markdown tables: baselines (bare batched tokenization, the recipe as a loop, the recipe through
``datasets.map``, the recipe as a whole process), seqalign's figures as ratios to them (min and median of
``--runs`` runs, interleaved so that load on the machine hits both sides alike), peak RSS of every whole
process, streaming a generated JSONL of short documents at several sizes, ``--workers`` scaling on the span
path, and scheme conversion/validation speed. It also checks that seqalign's ``input_ids`` and labels equal
the recipe's. Goals are those of issue 6; the script reports, it does not assert.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SEQALIGN_SHARED", ROOT.parent / "shared"))
sys.path.insert(0, str(ROOT / "scripts"))

import recipe  # noqa: E402  (scripts/recipe.py: the hand-written baseline)


def process(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one whole process. RSS comes from /usr/bin/time when there is one
    (a forked child's own rusage would include this big benchmark process as it was at fork)."""
    fd, rss_name = tempfile.mkstemp(suffix=".rss")
    os.close(fd)
    gnu_time = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
    full = [gnu_time, "-f", "%M", "-o", rss_name, *cmd] if gnu_time else cmd
    t = time.perf_counter()
    p = subprocess.run(
        full, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
    )
    wall = time.perf_counter() - t
    if p.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stderr.decode()}")
    try:
        rss = float(Path(rss_name).read_text().split()[-1]) / 1024
    except (OSError, ValueError, IndexError):
        rss = float("nan")
    os.unlink(rss_name)
    return wall, rss


def fmt(xs: list[float]) -> str:
    return f"{min(xs):.2f} / {statistics.median(xs):.2f}"


class Table:
    def __init__(self, title: str, head: list[str]) -> None:
        self.title, self.head, self.rows = title, head, []

    def add(self, *cells: Any) -> None:
        self.rows.append([str(c) for c in cells])

    def show(self) -> None:
        print(f"\n### {self.title}\n")
        print("| " + " | ".join(self.head) + " |")
        print("|" + "|".join("---" for _ in self.head) + "|")
        for r in self.rows:
            print("| " + " | ".join(r) + " |")
        sys.stdout.flush()


def ratio(a: list[float], b: list[float]) -> str:
    return f"{min(a) / min(b):.2f}x / {statistics.median(a) / statistics.median(b):.2f}x"


# --------------------------------------------------------------------------------------- main job


def main_job(corpus: Path, tok_dir: Path, runs: int, tmp: Path) -> None:
    import datasets
    from transformers import AutoTokenizer

    from seqalign.align import AlignConfig
    from seqalign.formats import conll
    from seqalign.model import Example
    from seqalign.pipeline import BATCH, _chunks, _Job, collect_types, label_map, word_tags_to_spans
    from seqalign.schemes import convert_tags, detect_scheme, find_violations, get_scheme
    from seqalign.tokenization import load_tokenizer

    datasets.disable_progress_bars()
    sents, tags = recipe.read_conll(str(corpus))
    tags2 = [recipe.iob1_to_iob2(t) for t in tags]
    labels = recipe.label_list(tags2)
    l2i = {lab: i for i, lab in enumerate(labels)}
    tag_ids = [[l2i[t] for t in ts] for ts in tags2]
    tok = AutoTokenizer.from_pretrained(str(tok_dir))
    texts = [" ".join(s) for s in sents]
    n_words = sum(map(len, sents))
    print(
        f"\n{corpus.name}: {len(sents):,} sentences, {n_words:,} words, {len(set(w for s in sents for w in s)):,} distinct; {tok_dir.name}"
    )

    def bare() -> Any:
        return tok(sents, is_split_into_words=True)

    def bare_offsets() -> Any:
        return tok(texts, return_offsets_mapping=True)

    def loop() -> Any:
        return [recipe.align_batch(tok, sents[i : i + 1000], tag_ids[i : i + 1000]) for i in range(0, len(sents), 1000)]

    def dsmap() -> Any:
        ds = datasets.Dataset.from_dict({"tokens": sents, "ner_tags": tag_ids})
        return ds.map(
            lambda b: recipe.align_batch(tok, b["tokens"], b["ner_tags"]), batched=True, remove_columns=["tokens", "ner_tags"]
        )

    n_pieces = sum(len(x) for x in bare()["input_ids"])
    print(f"pieces with specials: {n_pieces:,}")

    # seqalign in-process compute, read once beforehand (what is timed: decode tags, encode, align, rows)
    examples = list(conll.read(corpus))
    types = collect_types(examples)
    iob1, bio = get_scheme("iob1"), get_scheme("bio")
    cfg = AlignConfig(bio)
    lm = label_map(bio, types)["label2id"]

    def fresh_words() -> list[Example]:
        return [Example.from_words(e.id, e.words, e.word_tags, doc_id=e.doc_id) for e in examples]

    def fresh_spans() -> list[Example]:
        out = []
        for e in fresh_words():
            word_tags_to_spans(e, iob1)
            out.append(Example(e.id, e.text, e.spans))
        return out

    adapter = load_tokenizer(str(tok_dir), words=True)
    span_adapter = load_tokenizer(str(tok_dir))

    inputs: dict[str, list[list[Example]]] = {}

    def sa_words(cache: bool) -> Callable[[], Any]:
        # What `seqalign align` runs per batch: examples in, Arrow record batches (the dataset's rows) out.
        key = f"words-{cache}"
        inputs[key] = [fresh_words() for _ in range(runs)]

        def run() -> Any:
            adapter.word_cache = "auto" if cache else "off"
            adapter.reset_word_cache()  # every run starts cold: the proof and the cache are timed
            job = _Job(adapter, cfg, lm, iob1, "begin", None, columns=cache)
            examples = inputs[key].pop()
            job.warm(examples)  # as `seqalign align` does for input held in memory: all distinct words at once
            return [job.record_batch(b) for b in _chunks(examples, BATCH)]

        return run

    def sa_spans(columns: bool) -> Callable[[], Any]:
        key = f"spans-{columns}"
        inputs[key] = [fresh_spans() for _ in range(runs)]

        def run() -> Any:
            job = _Job(span_adapter, cfg, lm, None, "begin", None, columns=columns)
            return [job.record_batch(b) for b in _chunks(inputs[key].pop(), BATCH)]

        return run

    seqs = [e.word_tags for e in examples]
    fns: dict[str, Callable[[], Any]] = {
        "bare": bare,
        "bare_off": bare_offsets,
        "loop": loop,
        "map": dsmap,
        "sa_words": sa_words(True),
        "sa_words_plain": sa_words(False),
        "sa_spans": sa_spans(True),
        "sa_spans_plain": sa_spans(False),
        "convert": lambda: [convert_tags(s, iob1, bio) for s in seqs],
        "validate": lambda: [find_violations(s, iob1) for s in seqs],
        "detect": lambda: detect_scheme(seqs),
    }
    # Interleaved: run r of every measurement before run r + 1 of any, so that a change in machine load hits
    # the baselines and seqalign alike. Objects the benchmark keeps alive (inputs for every run) are frozen out
    # of the garbage collector's full passes, which would otherwise bill their traversal to whatever is timed.
    t: dict[str, list[float]] = {k: [] for k in fns}
    gc.collect()
    gc.freeze()
    for _ in range(runs):
        for k, fn in fns.items():
            start = time.perf_counter()
            fn()
            t[k].append(time.perf_counter() - start)

    tab = Table("In-process compute (seconds, min / median; ratios min / median)", ["what", "seconds", "vs bare tokenization"])
    tab.add("bare batched tokenization, words (`tok(words, is_split_into_words=True)`)", fmt(t["bare"]), "1.00x")
    tab.add("bare batched tokenization, texts with offsets", fmt(t["bare_off"]), ratio(t["bare_off"], t["bare"]))
    tab.add("recipe as a plain loop (tokenize + word_ids labels)", fmt(t["loop"]), ratio(t["loop"], t["bare"]))
    tab.add("recipe through `datasets.map`", fmt(t["map"]), ratio(t["map"], t["bare"]))
    tab.add(
        "**seqalign word alignment** (cache cold each run)", fmt(t["sa_words"]), "**" + ratio(t["sa_words"], t["bare"]) + "**"
    )
    tab.add(
        "seqalign word alignment, `--no-word-cache` (per-example path)",
        fmt(t["sa_words_plain"]),
        ratio(t["sa_words_plain"], t["bare"]),
    )
    tab.add(
        "**seqalign span alignment** (vs tokenization with offsets)",
        fmt(t["sa_spans"]),
        "**" + ratio(t["sa_spans"], t["bare_off"]) + "** (of texts with offsets)",
    )
    tab.add(
        "seqalign span alignment, per-example path (`columns=False`)",
        fmt(t["sa_spans_plain"]),
        ratio(t["sa_spans_plain"], t["bare_off"]) + " (of texts with offsets)",
    )
    tab.add("scheme conversion IOB1 -> BIO, all sentences", fmt(t["convert"]), ratio(t["convert"], t["bare"]))
    tab.add("scheme validation (illegal transitions), all sentences", fmt(t["validate"]), ratio(t["validate"], t["bare"]))
    tab.add("scheme detection over the whole file", fmt(t["detect"]), ratio(t["detect"], t["bare"]))
    tab.show()

    # whole processes, interleaved
    rec_out, sa_out, sa2_out = tmp / "recipe", tmp / "sa", tmp / "sa2"
    cmds = {
        "recipe": [sys.executable, str(ROOT / "scripts" / "recipe.py"), str(corpus), str(tok_dir), str(rec_out)],
        "seqalign": [sys.executable, "-m", "seqalign", "align", str(corpus), "--input-scheme", "iob1", "--scheme", "bio",
                     "--tokenizer", str(tok_dir), "--out", str(sa_out), "-q"],
        # word input defaults to one process; -j 2 shows what a second process would add
        "seqalign -j 2": [sys.executable, "-m", "seqalign", "align", str(corpus), "--input-scheme", "iob1", "--scheme", "bio",
                          "--tokenizer", str(tok_dir), "--out", str(sa2_out), "-q", "-j", "2"],
    }  # fmt: skip
    cold = "seqalign, cold tokenizer cache"
    cmds[cold] = cmds["seqalign"]
    walls: dict[str, list[float]] = {k: [] for k in cmds}
    rss: dict[str, list[float]] = {k: [] for k in cmds}
    process(cmds["seqalign"])  # warm the tokenizer snapshot cache once (what every later run of a user sees)
    for r in range(runs):
        for k, c in cmds.items():
            shutil.rmtree(c[-1] if k == "recipe" else c[c.index("--out") + 1], ignore_errors=True)
            # the cold row starts from an empty cache: transformers is imported and from_pretrained runs
            w, m = process(c, {"SEQALIGN_CACHE": str(tmp / f"cold-{r}")} if k == cold else None)
            walls[k].append(w)
            rss[k].append(m)
    same = _same_as_recipe(rec_out, sa_out, labels) and _same_as_recipe(rec_out, sa2_out, labels)
    tab = Table(
        "Whole process: read CoNLL-2003 train, align, save the dataset (wall seconds, min / median)",
        ["process", "seconds", "vs recipe", "peak RSS MB"],
    )
    for k in cmds:
        tab.add(
            "hand-written recipe (scripts/recipe.py)" if k == "recipe" else (k if k == cold else f"`{k}`"),
            fmt(walls[k]),
            ratio(walls[k], walls["recipe"]),
            f"{max(rss[k]):.0f}",
        )
    tab.show()
    print(f"\ninput_ids and labels identical to the recipe's (both seqalign processes): {same}")


def _same_as_recipe(rec_out: Path, sa_out: Path, labels: list[str]) -> bool:
    import datasets

    a = datasets.load_from_disk(str(rec_out))
    b = datasets.load_from_disk(str(sa_out))
    ours = json.loads((sa_out / "labels.json").read_text())["id2label"]
    if len(a) != len(b):
        return False
    for ra, rb in zip(a.select_columns(["input_ids", "labels"]), b.select_columns(["input_ids", "labels"]), strict=True):
        if ra["input_ids"] != rb["input_ids"]:
            return False
        if [labels[x] if x >= 0 else x for x in ra["labels"]] != [ours[str(x)] if x >= 0 else x for x in rb["labels"]]:
            return False
    return True


# --------------------------------------------------------------------------------------- streaming


def make_jsonl(corpus: Path, path: Path, n: int) -> None:
    """``n`` short documents (one or two CoNLL sentences, spans from the IOB1 tags), cycling over the corpus."""
    sents, tags = recipe.read_conll(str(corpus))
    docs = []
    for ws, ts in zip(sents, tags, strict=True):
        text = " ".join(ws)
        spans = []
        pos = 0
        cur = None
        for w, t in zip(ws, recipe.iob1_to_iob2(ts), strict=True):
            if cur and (t == "O" or t.startswith("B-")):
                spans.append(cur)
                cur = None
            if t.startswith("B-"):
                cur = {"start": pos, "end": pos + len(w), "label": t[2:]}
            elif t.startswith("I-") and cur:
                cur["end"] = pos + len(w)
            pos += len(w) + 1
        if cur:
            spans.append(cur)
        docs.append((text, spans))
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            text, spans = docs[i % len(docs)]
            fh.write(json.dumps({"id": f"d{i}", "text": text, "spans": spans}, ensure_ascii=False) + "\n")


def streaming(corpus: Path, tok_dir: Path, sizes: list[int], tmp: Path, workers_at: int, runs: int) -> None:
    biggest = max([*sizes, workers_at])
    src = tmp / "docs.jsonl"
    t = time.perf_counter()
    make_jsonl(corpus, src, biggest)
    print(f"\ngenerated {biggest:,} documents ({src.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.0f} s")
    files = {}
    for n in sorted({*sizes, workers_at} - {0}):
        p = tmp / f"docs-{n}.jsonl"
        with open(src, encoding="utf-8") as fi, open(p, "w", encoding="utf-8") as fo:
            for _, line in zip(range(n), fi, strict=False):
                fo.write(line)
        files[n] = p

    def run(n: int, workers: int | None, env: dict[str, str] | None = None) -> tuple[float, float]:
        out = tmp / "stream-out"
        shutil.rmtree(out, ignore_errors=True)
        cmd = [sys.executable, "-m", "seqalign", "align", str(files[n]), "--tokenizer", str(tok_dir), "--out", str(out), "-q"]
        if workers:
            cmd += ["-j", str(workers)]
        return process(cmd, env)

    tab = Table(
        "Streaming span JSONL (whole process, default workers)", ["documents", "seconds", "µs per document", "peak RSS MB"]
    )
    for n in sizes:
        w, m = run(n, None)
        tab.add(f"{n:,}", f"{w:.1f}", f"{w / n * 1e6:.0f}", f"{m:.0f}")
    tab.show()
    if not workers_at:
        return

    tab = Table(
        f"--workers on the span path, {workers_at:,} documents (whole process, min / median of {runs} interleaved runs)",
        ["workers", "seconds", "speed-up vs `-j 1`", "speed-up vs one core"],
    )
    # `-j 1` is one process, whose tokenizer still encodes each batch on all cores (its own thread pool);
    # "one core" turns that pool off too, which is what each of N workers runs with.
    setups = {
        "`-j 1`, tokenizer threads off (one core)": (1, {"TOKENIZERS_PARALLELISM": "false"}),
        "`-j 1`": (1, None),
        "`-j 2`": (2, None),
    }
    walls: dict[str, list[float]] = {k: [] for k in setups}
    for _ in range(runs):
        for k, (wk, env) in setups.items():
            walls[k].append(run(workers_at, wk, env)[0])
    one_core, j1 = walls["`-j 1`, tokenizer threads off (one core)"], walls["`-j 1`"]
    for k in setups:
        tab.add(k, fmt(walls[k]), ratio(j1, walls[k]), ratio(one_core, walls[k]))
    tab.show()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpora" / "conll2003" / "iob1" / "eng.train")
    ap.add_argument("--tokenizer", type=Path, default=SHARED / "tokenizers" / "bert-base-cased")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--stream", default="100000,300000,1000000", help="document counts for the streaming run ('' to skip)")
    ap.add_argument("--workers-docs", type=int, default=100_000, help="documents for the --workers scaling run (0 to skip)")
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="seqalign-bench-") as d:
        tmp = Path(d)
        main_job(args.corpus, args.tokenizer, args.runs, tmp)
        sizes = [int(x) for x in args.stream.split(",") if x.strip()]
        if sizes or args.workers_docs:
            streaming(args.corpus, args.tokenizer, sizes, tmp, args.workers_docs, min(args.runs, 3))
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
