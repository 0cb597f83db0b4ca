"""Export speed: each format for N annotated releases, next to plain ``json.dumps`` of the same
records (release text and its spans as dicts) in the same run.

    python -m benchmarks.bench_export --releases 10000
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

from benchmarks.corpus import generate
from benchmarks.report import emit
from hkpr_tui.corpus import parse_text
from hkpr_tui.export.registry import EXPORTS
from hkpr_tui.export.run import export
from hkpr_tui.store import Store


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--releases", type=int, default=10_000)
    parser.add_argument("--per-release", type=int, default=20, help="entities per release")
    parser.add_argument("--formats", default=",".join(EXPORTS))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    labels = ["ORG", "PERSON", "LOC", "MONEY", "DATE", "QUANTITY"]

    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "bench.db")
        t0 = time.perf_counter()
        store.add_releases(parse_text(r.text, source=r.name) for r in generate(args.releases, args.seed))
        ids = [r.id for r in store.list_releases(sort="id")]
        rows = []
        for rid in ids:
            text = store.release(rid).text
            pos = 0
            for _ in range(args.per_release):
                size = rng.randint(2, 6)
                pos += rng.randint(5, 60)
                if pos + size >= len(text):
                    break
                if not text[pos : pos + size].strip():
                    continue
                rows.append({"release_id": rid, "kind": "entity", "label": rng.choice(labels), "start": pos,
                             "end": pos + size, "text": text[pos : pos + size], "annotator": "bench"})  # fmt: skip
                pos += size
            sentences = store.sentences(rid)
            if sentences:
                s = sentences[len(sentences) // 2]
                rows.append({"release_id": rid, "kind": "claim", "label": "STATISTIC", "start": s.start, "end": s.end,
                             "text": text[s.start : s.end], "annotator": "bench", "attributes": {"value": 1}})  # fmt: skip
        store.insert_annotations(rows)
        with store.write():
            for rid in ids:
                store.set_status(rid, "done", annotator="bench")
        emit(
            bench="export",
            what="set-up",
            releases=len(ids),
            annotations=len(rows),
            seconds=round(time.perf_counter() - t0, 1),
        )

        # Baseline: the same records as plain dicts, json.dumps'd one per line.
        t0 = time.perf_counter()
        by_release = store.live_annotations(ids)
        records = []
        for rid in ids:
            release = store.release(rid)
            records.append({"id": rid, "title": release.title, "text": release.text,
                            "spans": [{"start": a.start, "end": a.end, "label": a.label, "text": a.text} for a in by_release.get(rid, [])]})  # fmt: skip
        read = time.perf_counter() - t0
        t0 = time.perf_counter()
        payload = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
        dumps = time.perf_counter() - t0
        emit(bench="export", what="baseline: read records + json.dumps", read_seconds=round(read, 2),
             dumps_seconds=round(dumps, 2), seconds=round(read + dumps, 2), megabytes=round(len(payload.encode()) / 1e6, 1))  # fmt: skip
        baseline = read + dumps
        for fmt in args.formats.split(","):
            t0 = time.perf_counter()
            try:
                manifest = export(store, fmt, Path(tmp) / f"out-{fmt}", split=(80, 10, 10))
            except Exception as exc:  # noqa: BLE001 - an extra not installed: say so, keep going
                emit(bench="export", format=fmt, error=str(exc))
                continue
            took = time.perf_counter() - t0
            size = sum(f["bytes"] for f in manifest.manifest["files"].values())
            emit(bench="export", format=fmt, seconds=round(took, 2), ratio_vs_json_dumps=round(took / baseline, 1),
                 documents=manifest.manifest["counts"]["documents"], megabytes=round(size / 1e6, 1))  # fmt: skip
        store.close()


if __name__ == "__main__":
    main()
