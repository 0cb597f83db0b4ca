"""Export cost: each format for N annotated releases, each in a fresh child process (its time and
peak RSS), next to a plain ``json.dumps`` of the same records in the same run.

    python -m benchmarks.bench_export --releases 10000
    python -m benchmarks.bench_export --releases 100000 --formats jsonl,spacy

The database is built once per (releases, tags per release, seed) and cached under
``benchmarks/.cache`` (git-ignored): short synthetic releases recombined from the seeds, ~20
entity tags and one claim each, every release done. The baseline is measured in a child of its
own and reported in two parts, honestly labelled: reading the records from the database (release
text and its spans as dicts, 200 releases per query, the garbage collector paused while they pile
up in memory) and ``json.dumps`` of those records already held in memory (one JSON line each).
Each format's line gives its time, the ratio to that ``json.dumps`` time (target 3x; an export
also reads the database, which the ratio does not excuse), the ratio to reading plus dumps, and
its child's own peak RSS (VmHWM) against the target (300 MB).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.report import emit

CACHE = Path(__file__).resolve().parent / ".cache"
TARGET_MB = 300
TARGET_RATIO = 3.0
LABELS = ["ORG", "PERSON", "LOC", "MONEY", "DATE", "QUANTITY"]


def _peak_mb() -> float:
    """This process's peak RSS. On Linux, VmHWM: ``ru_maxrss`` of a child started by
    ``subprocess`` also counts its parent's RSS at the fork (the kernel carries it across exec),
    so a child would report at least the parent's peak (the database build, when not cached)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)  # kB
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # Linux: KiB


def build_db(path: Path, releases: int, per_release: int, seed: int) -> None:
    """A database of ``releases`` short releases (2-4 paragraphs), each tagged and done."""
    from benchmarks.corpus import generate
    from hkpr_tui.corpus import parse_text
    from hkpr_tui.store import Store

    rng = random.Random(seed)
    tmp = path.with_suffix(".building")
    tmp.unlink(missing_ok=True)
    store = Store.open(tmp)
    step = 5_000
    for first in range(0, releases, step):
        batch = generate(min(step, releases - first), seed + first, paragraphs=(2, 4))
        store.add_releases(parse_text(r.text.replace(" （", f" （{first}-"), source=f"{first}-{r.name}") for r in batch)
    rows = []
    for rid in store.release_ids():
        text = store.release(rid).text
        pos = 0
        for _ in range(per_release):
            size = rng.randint(2, 6)
            pos += rng.randint(3, 25)
            if pos + size >= len(text):
                break
            if not text[pos : pos + size].strip():
                continue
            rows.append({"release_id": rid, "kind": "entity", "label": rng.choice(LABELS), "start": pos,
                         "end": pos + size, "text": text[pos : pos + size], "annotator": "bench"})  # fmt: skip
            pos += size
        sentences = store.sentences(rid)
        if sentences:
            s = sentences[len(sentences) // 2]
            rows.append({"release_id": rid, "kind": "claim", "label": "STATISTIC", "start": s.start, "end": s.end,
                         "text": text[s.start : s.end], "annotator": "bench", "attributes": {"value": 1}})  # fmt: skip
    store.insert_annotations(rows)
    with store.write():
        for rid in store.release_ids():
            store.set_status(rid, "done", annotator="bench")
    store.close()
    tmp.rename(path)


def child_baseline(db: Path) -> None:
    """Read the records (releases and their tags, 200 releases per query, as an export reads
    them), then json.dumps them. The cyclic garbage collector is paused while the records pile up
    in memory: it would scan them all again and again (100k releases: 26 s instead of 12), which
    an export, holding 200 releases at a time, never pays."""
    from hkpr_tui.store import Store

    store = Store.open(db)
    gc.disable()
    t0 = time.perf_counter()
    ids = store.release_ids()
    records = []
    for n in range(0, len(ids), 200):
        part = ids[n : n + 200]
        by_release = store.live_annotations(part)
        for release in store.releases(part):
            records.append({"id": release.id, "title": release.title, "text": release.text,
                            "spans": [{"start": a.start, "end": a.end, "label": a.label, "text": a.text}
                                      for a in by_release.get(release.id, [])]})  # fmt: skip
    read = time.perf_counter() - t0
    gc.enable()
    t0 = time.perf_counter()
    payload = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    dumps = time.perf_counter() - t0
    t0 = time.perf_counter()
    data = payload.encode("utf-8")
    encode = time.perf_counter() - t0
    print(json.dumps({"read_seconds": read, "dumps_seconds": dumps, "encode_seconds": encode,
                      "megabytes": len(data) / 1e6, "records": len(records), "peak_rss_mb": _peak_mb()}))  # fmt: skip


def child_export(db: Path, fmt: str, out: Path) -> None:
    from hkpr_tui.annotate.labels import default_labels
    from hkpr_tui.export.run import export
    from hkpr_tui.store import Store

    store = Store.open(db)
    store.sync_labels(default_labels())  # as the CLI does before an export: the labels are declared
    t0 = time.perf_counter()
    result = export(store, fmt, out, split=(80, 10, 10))
    took = time.perf_counter() - t0
    size = sum(f["bytes"] for f in result.manifest["files"].values())
    print(json.dumps({"seconds": took, "documents": result.manifest["counts"]["documents"],
                      "megabytes": size / 1e6, "files": len(result.manifest["files"]), "peak_rss_mb": _peak_mb()}))  # fmt: skip


def run_child(*args: str) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_export", *args], capture_output=True, text=True, env=env, check=False
    )
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    from hkpr_tui.export.registry import EXPORTS

    parser = argparse.ArgumentParser()
    parser.add_argument("--releases", type=int, default=10_000)
    parser.add_argument("--per-release", type=int, default=20, help="entity tags per release")
    parser.add_argument("--formats", default=",".join(EXPORTS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--child", choices=["baseline", "export"], help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--format", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "baseline":
        child_baseline(Path(args.db))
        return
    if args.child == "export":
        child_export(Path(args.db), args.format, Path(args.out))
        return

    CACHE.mkdir(exist_ok=True)
    db = CACHE / f"export-{args.releases}-{args.per_release}-{args.seed}-v1.db"
    if not db.exists():
        t0 = time.perf_counter()
        build_db(db, args.releases, args.per_release, args.seed)
        emit(
            bench="export",
            what="set-up (cached for the next run)",
            db=str(db),
            seconds=round(time.perf_counter() - t0, 1),
        )
    base = run_child("--child", "baseline", "--db", str(db))
    if "error" in base:
        emit(bench="export", what="baseline", **base)
        return
    dumps = float(base["dumps_seconds"])  # type: ignore[arg-type]
    read = float(base["read_seconds"])  # type: ignore[arg-type]
    emit(bench="export", what="baseline: json.dumps of the records held in memory (reading not counted)",
         releases=base["records"], dumps_seconds=round(dumps, 2), megabytes=round(float(base["megabytes"]), 1))  # type: ignore[arg-type]  # fmt: skip
    emit(bench="export", what="baseline: reading the records from the database (200 releases per query, collector paused), not in the ratio",
         read_seconds=round(float(base["read_seconds"]), 2), peak_rss_mb_of_read_plus_dumps=base["peak_rss_mb"])  # type: ignore[arg-type]  # fmt: skip
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        for fmt in args.formats.split(","):
            out = Path(tmp) / f"out-{fmt}"
            got = run_child("--child", "export", "--db", str(db), "--format", fmt, "--out", str(out))
            shutil.rmtree(out, ignore_errors=True)
            if "error" in got:  # an extra not installed: say so, keep going
                emit(bench="export", format=fmt, **got)
                continue
            took, peak = float(got["seconds"]), float(got["peak_rss_mb"])  # type: ignore[arg-type]
            ratio = took / dumps
            emit(bench="export", format=fmt, releases=base["records"], seconds=round(took, 2),
                 ratio_vs_json_dumps=round(ratio, 1), ratio_target=TARGET_RATIO, ratio_ok=ratio <= TARGET_RATIO,
                 ratio_vs_read_plus_dumps=round(took / (read + dumps), 1),
                 peak_rss_mb=peak, rss_target_mb=TARGET_MB, rss_ok=peak <= TARGET_MB,
                 documents=got["documents"], files=got["files"], megabytes=round(float(got["megabytes"]), 1))  # type: ignore[arg-type]  # fmt: skip


if __name__ == "__main__":
    main()
