"""Committing one tag with a million annotations in the database, against a plain SQLite insert.

A tag is what the reader does when a label key is pressed: ``Actions.tag`` checks the span
against the release's live spans (nesting allowed, crossing refused), inserts it, appends to the
event log, counts the session's action, and commits (WAL, synchronous=NORMAL). The baseline is a
plain one-row INSERT + commit into a table in the same database file, in the same run.

    python -m benchmarks.bench_annotate --annotations 1000000 --tags 500
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.corpus import annotation_rows, generate
from benchmarks.report import emit, p95
from hkpr_tui.annotate.session import Actions
from hkpr_tui.annotate.suggest import suggest
from hkpr_tui.corpus import parse_text
from hkpr_tui.store import SpanError, Store


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--releases", type=int, default=4500)
    parser.add_argument("--annotations", type=int, default=1_000_000)
    parser.add_argument("--tags", type=int, default=500)
    parser.add_argument(
        "--suggest-releases", type=int, default=5, help="the longest releases, for the suggestions measure"
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        store = Store.open(path)
        start = time.perf_counter()
        store.add_releases(parse_text(r.text, source=r.name) for r in generate(args.releases, args.seed))
        releases = [(r.id, len(store.release(r.id).text)) for r in store.list_releases(sort="id")]
        texts = {rid: store.release(rid).text for rid, _ in releases}

        inserted = store.insert_annotations(annotation_rows(releases, texts, args.annotations, rng))
        emit(bench="annotate", what="set-up", releases=len(releases), annotations=inserted,
             seconds=round(time.perf_counter() - start, 1))  # fmt: skip

        actions = Actions(store, "bench", store.start_session("bench"))
        tag_times: list[float] = []
        refused = 0
        while len(tag_times) < args.tags:
            rid, length = rng.choice(releases)
            s = rng.randrange(0, length - 8)
            e = s + rng.randint(1, 8)
            t0 = time.perf_counter()
            try:
                actions.tag(rid, "claim" if rng.random() < 0.5 else "entity", "STATISTIC", s, e)
            except SpanError:
                refused += 1  # a crossing span: refused after the same check, not counted
                continue
            tag_times.append((time.perf_counter() - t0) * 1000)

        # the suggestions the reader computes for a release after opening it or tagging in it,
        # from the strings tagged anywhere: read by the text (known_strings_in) against the whole
        # table aggregated and every string searched (known_strings, what the app did before)
        longest = sorted(releases, key=lambda r: -r[1])[: args.suggest_releases]
        refresh_new, refresh_old = [], []
        for rid, _ in longest:
            text = texts[rid]
            t0 = time.process_time()
            found_new = suggest(text, known=store.known_strings_in(text), known_folded=True)
            refresh_new.append((time.process_time() - t0) * 1000)
            t0 = time.process_time()
            found_old = suggest(text, known=store.known_strings())
            refresh_old.append((time.process_time() - t0) * 1000)
            assert {(s.start, s.end, s.label) for s in found_new} >= {
                (s.start, s.end) and (s.start, s.end, s.label) for s in found_old if s.source != "known"
            }
        emit(bench="suggestions for a release", releases=len(longest), chars=[length for _, length in longest],
             annotations_in_db=store.count_annotations(),
             by_text_median_ms=round(statistics.median(refresh_new), 1), by_text_p95_ms=round(p95(refresh_new), 1),
             baseline="every tagged string aggregated and searched (the app before), same run, CPU",
             baseline_median_ms=round(statistics.median(refresh_old), 1),
             ratio=round(statistics.median(refresh_new) / statistics.median(refresh_old), 3))  # fmt: skip

        store.db.execute('CREATE TABLE plain (release_id INTEGER, start INTEGER, "end" INTEGER, label TEXT, text TEXT)')
        plain_times: list[float] = []
        for _ in range(args.tags):
            rid, length = rng.choice(releases)
            t0 = time.perf_counter()
            store.db.execute("INSERT INTO plain VALUES (?,?,?,?,?)", [rid, 1, 3, "ORG", "xx"])  # commits
            plain_times.append((time.perf_counter() - t0) * 1000)
        total = store.count_annotations()
        store.close()

    for what, times in (("hkpr tag (check, insert, event, commit)", tag_times), ("plain INSERT + commit", plain_times)):
        emit(bench="annotate", what=what, annotations_in_db=total, n=len(times),
             median_ms=round(statistics.median(times), 3), p95_ms=round(p95(times), 3))  # fmt: skip
    emit(bench="annotate", what="ratio hkpr/plain", median=round(statistics.median(tag_times) / statistics.median(plain_times), 2),
         p95=round(p95(tag_times) / p95(plain_times), 2), aim="p95 < 10 ms",
         refused_crossing=refused)  # fmt: skip


if __name__ == "__main__":
    main()
