"""Script views and search speed.

1. Conversion with offset maps (``hkpr_tui.script.views.convert``) against plain
   ``OpenCC(config).convert`` on the same ~15,000-character release, per product view
   (aim: at most 1.5× plain).
2. Search latency (first page of 20 hits) on a generated corpus of 10,000 releases: median and
   p95 over queries of one, two, three and more characters in both scripts (aim: p95 < 50 ms).

    python -m benchmarks.bench_script --releases 10000
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from opencc import OpenCC

from benchmarks.corpus import generate
from benchmarks.report import emit, p95
from hkpr_tui.corpus import parse_text
from hkpr_tui.script import search_key
from hkpr_tui.script.views import convert
from hkpr_tui.store import Store

QUERIES = [
    "港",
    "數碼",
    "数码",
    "AI",
    "數碼港",
    "数码港",
    "人工智能",
    "科技園",
    "财政预算案",
    "超算中心 500",
    "不存在的詞語",
    "3,000",
]


def timed(fn, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def bench_conversion(repeat: int) -> None:
    releases = generate(40, seed=3, paragraphs=(12, 16))
    for script, configs in (("hant", ["t2hk", "hk2s"]), ("hans", ["s2hk", "hk2s"])):
        text = ""
        for r in releases:
            if r.script == script and len(text) < 15_000:
                text += parse_text(r.text).text + "\n\n"
        for config in configs:
            plain_cc = OpenCC(config)
            plain_cc.convert(text[:50])  # load dictionaries outside the timing
            convert(text[:50], config)
            plain = timed(lambda: plain_cc.convert(text), repeat)
            ours = timed(lambda: convert(text, config), repeat)
            emit(
                bench="script",
                what=f"convert {script} → {config}",
                characters=len(text),
                plain_opencc_ms=round(statistics.median(plain) * 1000, 2),
                with_offset_maps_ms=round(statistics.median(ours) * 1000, 2),
                ratio=round(statistics.median(ours) / statistics.median(plain), 2),
                aim_ratio=1.5,
            )


def bench_search(count: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "bench.db")
        start = time.perf_counter()
        batch = []
        for r in generate(count, seed=11):
            batch.append(parse_text(r.text, source=r.name))
            if len(batch) == 500:
                store.add_releases(batch)
                batch = []
        store.add_releases(batch)
        emit(
            bench="search",
            what="corpus built",
            releases=store.count_releases(),
            seconds=round(time.perf_counter() - start, 1),
        )
        latencies: list[float] = []
        raw: list[float] = []
        for query in QUERIES:
            store.search(query)  # warm the page cache once
            times = timed(lambda: store.search(query, limit=20), repeat)
            latencies += times
            terms = [t for t in search_key(query).split() if len(t) >= 3]
            if terms:  # the baseline: a raw FTS5 trigram MATCH … LIMIT 50 on the same table
                match = " ".join('"' + t + '"' for t in terms)
                raw += timed(
                    lambda: store.db.execute(
                        "SELECT rowid FROM release_fts WHERE release_fts MATCH ? LIMIT 50", [match]
                    ).fetchall(),
                    repeat,
                )
            emit(
                bench="search",
                what=f"query {query!r}",
                hits=len(store.search(query).hits),
                median_ms=round(statistics.median(times) * 1000, 2),
                p95_ms=round(p95(times) * 1000, 2),
            )
        emit(
            bench="search",
            what="all queries",
            releases=count,
            median_ms=round(statistics.median(latencies) * 1000, 2),
            p95_ms=round(p95(latencies) * 1000, 2),
            aim_p95_ms=50,
        )
        emit(
            bench="search",
            what="baseline: raw FTS5 trigram MATCH … LIMIT 50 (queries of 3+ characters), same table and run",
            median_ms=round(statistics.median(raw) * 1000, 2),
            p95_ms=round(p95(raw) * 1000, 2),
            ratio_p95=round(p95(latencies) / p95(raw), 2),
        )
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--releases", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    bench_conversion(args.repeat)
    bench_search(args.releases, args.repeat)


if __name__ == "__main__":
    main()
