"""Script views and search speed.

1. Conversion with offset maps (``hkpr_tui.script.views.convert``) against plain
   ``OpenCC(config).convert`` on the same ~15,000-character release, per product view
   (aim: at most 1.5× plain).
2. Search latency (first page of 20 hits) on generated corpora of 1,000, 10,000 and 100,000
   releases: median and p95 per query class (1–2 or 3–6 characters, many or few/no hits, both
   scripts), the baseline of a raw FTS5 trigram ``MATCH … LIMIT 50`` in the same run (and, for 1–2
   character queries, which no trigram MATCH can answer, the LIKE scan search used before), and
   how p95 grows with the corpus (aim: p95 ≤ 30 ms at 100,000). Corpora are built once into
   ``benchmarks/.cache/`` (100,000 take ~5 minutes) and reused.

    python -m benchmarks.bench_script --scales 1000,10000,100000
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from opencc import OpenCC

from benchmarks.corpus import generate
from benchmarks.report import emit, p95
from hkpr_tui.corpus import parse_text
from hkpr_tui.script import search_key
from hkpr_tui.script.views import convert
from hkpr_tui.store import Store

# (query, class): 1–2 or 3–6 characters, many hits or few/none, both scripts. 龘 and 鱻龘 occur
# only at the very end of the oldest release's text (``MARKER``): no trigram starts with them.
QUERIES = [
    ("的", "1–2 chars, many hits"),
    ("港", "1–2 chars, many hits"),
    ("數碼", "1–2 chars, many hits"),
    ("数码", "1–2 chars, many hits"),
    ("AI", "1–2 chars, many hits"),
    ("龘", "1–2 chars, few/no hits"),
    ("鱻龘", "1–2 chars, few/no hits"),
    ("xq", "1–2 chars, few/no hits"),
    ("龖", "1–2 chars, few/no hits"),
    ("的 龖", "1–2 chars, few/no hits"),
    ("數碼港", "3–6 chars, many hits"),
    ("数码港", "3–6 chars, many hits"),
    ("人工智能", "3–6 chars, many hits"),
    ("財政預算案", "3–6 chars, many hits"),
    ("超算中心 500", "3–6 chars, many hits"),
    ("不存在的詞語", "3–6 chars, few/no hits"),
    ("龘鱻驫", "3–6 chars, few/no hits"),
    ("數碼港 龘", "3–6 chars, few/no hits"),
]
MARKER = "測試標記\n\n這是基準測試的標記稿，結尾兩字只在這裡出現：鱻龘"
CACHE = Path(__file__).resolve().parent / ".cache"


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


def build_db(count: int, cache: Path) -> Path:
    """The generated corpus of ``count`` releases (seed 11) after ``MARKER``, built once into
    ``cache`` (100,000 take ~5 minutes) and reused; an older cached file is migrated on open."""
    path = cache / f"search-{count}-seed11.db"
    if path.exists():
        return path
    cache.mkdir(parents=True, exist_ok=True)
    part = path.with_suffix(".part")
    part.unlink(missing_ok=True)
    start = time.perf_counter()
    store = Store.open(part)
    store.add_release(parse_text(MARKER, source="marker.txt"))
    batch = []
    for r in generate(count, seed=11):
        batch.append(parse_text(r.text, source=r.name))
        if len(batch) == 1000:
            store.add_releases(batch)
            batch = []
    store.add_releases(batch)
    store.seal()
    store.close()
    part.rename(path)
    emit(bench="search", what="corpus built", releases=count, seconds=round(time.perf_counter() - start, 1))
    return path


def like_scan(store: Store, query: str) -> list[int]:
    """What search did for short terms before the index served them: a LIKE on every text, newest first."""
    terms = search_key(query).split()
    where = " AND ".join(["(body LIKE ? OR title LIKE ?)"] * len(terms))
    params = [p for t in terms for p in (f"%{t}%", f"%{t}%")]
    sql = f"SELECT rowid FROM release_fts WHERE {where} ORDER BY rowid DESC LIMIT 21"
    return [r[0] for r in store.db.execute(sql, params).fetchall()]


def bench_search(count: int, repeat: int, cache: Path) -> dict[str, float]:
    """p95 per query class at one scale; prints each query, each class and the baselines."""
    path = build_db(count, cache)
    start = time.perf_counter()
    store = Store.open(path)  # migrates a database cached at an older schema
    emit(bench="search", what="opened", releases=count, seconds=round(time.perf_counter() - start, 2))
    by_class: dict[str, list[float]] = {}
    raw: list[float] = []
    for query, klass in QUERIES:
        store.search(query)  # warm the page cache once
        times = timed(lambda: store.search(query, limit=20), repeat)
        by_class.setdefault(klass, []).extend(times)
        terms = [t for t in search_key(query).split() if len(t) >= 3]
        fields: dict[str, object] = {}
        if terms:  # the baseline: a raw FTS5 trigram MATCH … LIMIT 50 on the same table
            match = " ".join('"' + t + '"' for t in terms)
            base = timed(
                lambda: store.db.execute(
                    "SELECT rowid FROM release_fts WHERE release_fts MATCH ? LIMIT 50", [match]
                ).fetchall(),
                repeat,
            )
            raw += base
            fields["raw_match_p95_ms"] = round(p95(base) * 1000, 2)
        if all(len(t) < 3 for t in search_key(query).split()):
            # no trigram MATCH can answer a term of 1–2 characters: the comparison is the LIKE scan
            old = timed(lambda: like_scan(store, query), 3)
            fields["like_scan_median_ms"] = round(statistics.median(old) * 1000, 2)
        emit(
            bench="search",
            releases=count,
            what=f"query {query!r} ({klass})",
            hits=len(store.search(query).hits),
            median_ms=round(statistics.median(times) * 1000, 2),
            p95_ms=round(p95(times) * 1000, 2),
            **fields,
        )
    raw_p95 = p95(raw)
    emit(
        bench="search",
        releases=count,
        what="baseline: raw FTS5 trigram MATCH … LIMIT 50 (only the 3–6 character queries: a 1–2 character "
        "term has no trigram to MATCH), same table and run",
        median_ms=round(statistics.median(raw) * 1000, 3),
        p95_ms=round(raw_p95 * 1000, 3),
    )
    out = {}
    for klass, times in by_class.items():
        out[klass] = p95(times)
        emit(
            bench="search",
            releases=count,
            what=f"class: {klass}",
            median_ms=round(statistics.median(times) * 1000, 2),
            p95_ms=round(p95(times) * 1000, 2),
            ratio_p95_to_raw_match=round(p95(times) / raw_p95, 1),
            aim_p95_ms=30,
            meets_aim=p95(times) <= 0.030,
        )
    store.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", default="1000,10000,100000", help="releases, comma-separated")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--cache", type=Path, default=CACHE, help="where built corpora are kept between runs")
    parser.add_argument("--no-conversion", action="store_true", help="search only")
    args = parser.parse_args()
    if not args.no_conversion:
        bench_conversion(args.repeat)
    scales = [int(n) for n in args.scales.split(",")]
    results = {n: bench_search(n, args.repeat, args.cache) for n in scales}
    first = scales[0]
    for klass in results[first]:
        growth = {str(n): round(results[n][klass] / results[first][klass], 2) for n in scales}
        last = growth[str(scales[-1])]
        emit(
            bench="search",
            what=f"growth: {klass}",
            p95_ms={str(n): round(results[n][klass] * 1000, 2) for n in scales},
            ratio_to_smallest=growth,
            per_operation="flat (within 2×)" if last <= 2 else f"grows {last}× over {scales[-1] // first}× releases",
        )


if __name__ == "__main__":
    main()
