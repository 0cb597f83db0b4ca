"""Two annotators tagging one database while an import runs: lost writes and tag latency.

Each writer is a separate process doing what the reader does when a label key is pressed
(``Actions.tag``: span check, insert, event, commit) for ``--tags`` disjoint spans, timing each
call from key to commit. It waits for the lock like the app's worker connection does (the busy
timeout); any write that still fails counts as lost. After the run the database is read back:
every acknowledged tag must be there.

Baseline (same run, same database, same machine): one writer alone, with no other process.
Under test: two writers at once, and ``hkpr import`` of ``--import-files`` files alongside.

    python -m benchmarks.bench_concurrency --tags 1000 --import-files 1500

Prints JSON lines: each phase's median and p95 tag latency, the ratio to the baseline, lost
writes (must be 0), and the import's duration.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.corpus import generate
from benchmarks.report import emit, p95
from hkpr_tui.corpus import parse_text
from hkpr_tui.store import Store

ROOT = Path(__file__).resolve().parent.parent

WRITER = """
import json, sys, time
from hkpr_tui.annotate.session import Actions
from hkpr_tui.store import Store, StoreError
db, who, count, offset, at, pause = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
store = Store.open(db)
releases = [r.id for r in store.list_releases(sort="id", limit=200)]
actions = Actions(store, who, store.start_session(who))
while time.time() < at:
    time.sleep(0.001)
timings, lost, errors = [], 0, []
for n in range(count):
    release_id = releases[n % len(releases)]
    start = offset + 2 * (n // len(releases))
    began = time.perf_counter()
    try:
        actions.tag(release_id, "entity", "ORG", start, start + 1)
    except StoreError as exc:
        lost += 1
        errors.append(str(exc))
        continue
    timings.append((time.perf_counter() - began) * 1000)
    time.sleep(pause)  # the next key press
print(json.dumps({"who": who, "timings": timings, "lost": lost, "errors": errors[:3]}))
"""


def writers(db: Path, names: list[str], tags: int, pause_ms: float, env: dict[str, str]) -> list[subprocess.Popen[str]]:
    at = str(time.time() + 2.0)  # start together, after the interpreters (and the import) have loaded
    return [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db), who, str(tags), str(i), at, str(pause_ms / 1000)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )  # fmt: skip
        for i, who in enumerate(names)
    ]


def collect(procs: list[subprocess.Popen[str]]) -> list[dict[str, object]]:
    out = []
    for proc in procs:
        stdout, stderr = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit(f"writer failed:\n{stderr[-2000:]}")
        out.append(json.loads(stdout))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tags", type=int, default=1000)
    parser.add_argument("--import-files", type=int, default=1500)
    parser.add_argument(
        "--pause-ms", type=float, default=3.0, help="between one writer's tags (keeps them under way during the import)"
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        store = Store.open(db)
        store.add_releases(parse_text(r.text, source=r.name) for r in generate(200, args.seed))
        store.close()
        folder = Path(tmp) / "import"
        folder.mkdir()
        for r in generate(args.import_files, args.seed + 1):
            (folder / r.name).write_text(r.text, encoding="utf-8")

        alone = collect(writers(db, ["solo"], args.tags, args.pause_ms, env))[0]
        base = alone["timings"]
        assert isinstance(base, list)
        emit(bench="tag latency", phase="baseline: one writer alone, no other process", tags=len(base),
             median_ms=round(statistics.median(base), 3), p95_ms=round(p95(base), 3), lost=alone["lost"])  # fmt: skip

        began = time.perf_counter()
        procs = writers(db, ["ann", "bob"], args.tags, args.pause_ms, env)
        importer = subprocess.Popen(
            [sys.executable, "-m", "hkpr_tui", "--db", str(db), "import", "-q", str(folder)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        results = collect(procs)
        writers_done = time.perf_counter() - began
        imported, import_err = importer.communicate()
        import_seconds = time.perf_counter() - began
        timings = [t for r in results for t in r["timings"]]  # type: ignore[attr-defined]
        store = Store.open(db)
        stored = {
            who: sum(1 for anns in store.live_annotations(annotators=[who]).values() for _ in anns)
            for who in ("ann", "bob")
        }
        releases = store.count_releases()
        store.close()
        acked = {str(r["who"]): len(r["timings"]) for r in results}  # type: ignore[arg-type]
        lost = sum(int(r["lost"]) for r in results) + sum(max(0, acked[w] - stored[w]) for w in acked)  # type: ignore[call-overload]
        emit(bench="tag latency", phase="two writers and an import at once", tags=len(timings),
             median_ms=round(statistics.median(timings), 3), p95_ms=round(p95(timings), 3), max_ms=round(max(timings), 1),
             p95_ratio_to_baseline=round(p95(timings) / p95(base), 2), lost_writes=lost,
             acknowledged=acked, stored=stored, errors=[e for r in results for e in r["errors"]][:3],  # type: ignore[attr-defined]
             target="lost 0, p95 <= 50 ms")  # fmt: skip
        emit(bench="import alongside", files=args.import_files, releases_after=releases, seconds=round(import_seconds, 2),
             writers_finished_at_s=round(writers_done, 2),
             exit_status=importer.returncode, summary=imported.strip().splitlines()[-1:] or import_err[-300:])  # fmt: skip


if __name__ == "__main__":
    main()
