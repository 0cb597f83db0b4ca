"""Merging one database into another: two forks of one database, 10,000 releases and 100,000
events each (half of them shared, half each fork's own edits: relabels, deletes, status changes).

The merge replays B's 50,000 unseen events into A: the tags, links and statuses they touched take
B's later versions, conflicts are listed, the events are copied in batches. Printed: the merge's
time, the peak RSS of the merging process (the databases are built in a child process), the
longest time one batch held the write lock (target ≤ 250 ms), and a baseline from the same run:
a plain ``executemany`` of the same event rows into a copy of A's events table in one transaction
(no row state applied, no validation) — the floor of copying the log alone.

    python -m benchmarks.bench_merge            # 10k releases, 100k events each (cached)
    python -m benchmarks.bench_merge --small    # 1k releases, 10k events each
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.report import emit

CACHE = Path(__file__).resolve().parent / ".cache"


def build(folder: Path, releases: int, events: int, seed: int) -> None:
    """base → A, B: the base holds releases (one event each) and tags (one each) making half the
    events; each fork adds the other half as its own edits."""
    from benchmarks.corpus import generate
    from hkpr_tui.corpus import parse_text
    from hkpr_tui.store import Store

    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    base = folder / "base.db"
    store = Store.open(base)
    store.add_releases(parse_text(r.text, source=r.name) for r in generate(releases, seed, paragraphs=(1, 2)))
    texts = {r.id: store.release(r.id).text for r in store.list_releases(sort="id")}
    tags = events // 2 - releases
    with store.write():
        made = 0
        while made < tags:
            rid = rng.choice(list(texts))
            text = texts[rid]
            start = rng.randrange(0, max(1, len(text) - 8))
            try:
                store.add_annotation(rid, "entity", "ORG", start, start + rng.randint(2, 6), annotator="ann")
                made += 1
            except ValueError:
                continue
    store.close()
    ids = list(range(1, tags + 1))
    for name, who in (("a.db", "alice"), ("b.db", "bob")):
        path = folder / name
        shutil.copy(base, path)
        store = Store.open(path)
        with store.write():
            for n in range(events // 2):
                if n % 10 == 0:
                    store.set_status(rng.choice(list(texts)), rng.choice(["in progress", "done"]), annotator=who)
                elif n % 10 == 1:
                    store.set_annotation_deleted(rng.choice(ids), True, annotator=who)
                else:
                    store.update_annotation(rng.choice(ids), label=rng.choice(["LOC", "PERSON", "GOV"]), annotator=who)
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true", help="1,000 releases and 10,000 events each")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--build-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    releases, events = (1_000, 10_000) if args.small else (10_000, 100_000)
    if args.build_only:
        build(args.build_only, releases, events, args.seed)
        return
    cached = CACHE / f"merge-{releases}-{events}-{args.seed}"
    if not (cached / "b.db").exists():
        started = time.perf_counter()
        shutil.rmtree(cached, ignore_errors=True)
        subprocess.run(
            [sys.executable, "-m", "benchmarks.bench_merge", "--build-only", str(cached), "--seed", str(args.seed)]
            + (["--small"] if args.small else []),
            check=True,
        )
        emit(stage="build", releases=releases, events_each=events, seconds=round(time.perf_counter() - started, 1))

    from hkpr_tui.export.merge import merge
    from hkpr_tui.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        into = Path(tmp) / "a.db"
        shutil.copy(cached / "a.db", into)
        store = Store.open(into)
        started = time.perf_counter()
        report = merge(store, cached / "b.db", annotator="bench")
        seconds = time.perf_counter() - started
        store.close()
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        # baseline: the same event rows, one executemany in one transaction, into a copy of A
        floor = Path(tmp) / "floor.db"
        shutil.copy(cached / "a.db", floor)
        src = sqlite3.connect(f"file:{cached / 'b.db'}?mode=ro", uri=True)
        rows = src.execute("SELECT origin, seq, uid, at, annotator, action, entity, payload FROM events").fetchall()
        src.close()
        conn = sqlite3.connect(floor)
        conn.execute("PRAGMA journal_mode = wal")
        conn.execute("PRAGMA synchronous = NORMAL")
        began = time.perf_counter()
        with conn:
            conn.executemany(
                "INSERT OR IGNORE INTO events (origin, seq, uid, at, annotator, action, entity, payload) "
                "VALUES (?,?,?,?,?,?,?,?)",
                rows,
            )
        baseline = time.perf_counter() - began
        conn.close()

    emit(
        benchmark="merge",
        releases=releases,
        events_each=events,
        events_replayed=report.events_replayed,
        tags_updated=report.annotations_updated,
        tags_deleted=report.annotations_deleted,
        statuses_changed=report.statuses_changed,
        conflicts=len(report.conflicts),
        refused=len(report.refused),
        merge_seconds=round(seconds, 2),
        peak_rss_mb=round(peak_mb, 1),
        batches=report.batches,
        longest_batch_ms=round(report.longest_batch_ms, 1),
        longest_batch_target_ms=250,
        baseline="executemany of B's event rows into a copy of A's events, one transaction (no state, no checks)",
        baseline_seconds=round(baseline, 3),
        ratio_to_baseline=round(seconds / baseline, 1) if baseline else None,
    )


if __name__ == "__main__":
    main()
