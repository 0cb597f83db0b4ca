"""Import speed: ``hkpr import``'s pipeline against plain sqlite-utils inserts of the same texts.

The corpus holds every kind of file of issue 11 in turn (plain text, DOCX→Markdown and a later
run of it with injected links, PDF→HTML, HTML pages, Markdown articles, English releases, RSS
feeds in GB18030/Big5-HKSCS with five items each). Prints JSON lines. Both sides run in this
process, on the same files, so the ratio holds on a noisy machine even when the absolute numbers
do not. The baseline reads each file, decodes it (UTF-8, else the feed's legacy encoding) and
inserts the text with ``insert_all``. A second baseline adds an FTS5 trigram index of the same
texts: the floor of any import whose texts can be searched.

    python -m benchmarks.bench_import --count 10000
    python -m benchmarks.bench_import --count 2000 --scales 1000,2000   # per-release cost at each size
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from sqlite_utils import Database

from benchmarks.corpus import generate_files, write_files
from benchmarks.report import emit
from hkpr_tui.corpus import neardup
from hkpr_tui.corpus.clean import clean
from hkpr_tui.corpus.decode import decode_bytes
from hkpr_tui.corpus.feed import feed_items
from hkpr_tui.corpus.ingest import read_path
from hkpr_tui.corpus.kinds import detect_kind, front_matter
from hkpr_tui.importer import import_paths
from hkpr_tui.store import Store


def _plain_decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030" if b'"GB2312"' in data[:80] else "big5hkscs", errors="replace")


def run(count: int, seed: int, tmp: Path) -> dict[str, float]:
    folder = tmp / f"corpus{count}"
    files = generate_files(count, seed)
    paths = write_files(folder, files)
    releases = sum(n for _, _, n in files)
    emit(bench="import", what="corpus", files=len(paths), releases=releases,
         bytes=sum(len(data) for _, data, _ in files))  # fmt: skip
    del files

    def plain_import(name: str, *, fts: bool) -> float:
        """Best of three (the baseline is short: one run is at the mercy of the machine's noise)."""
        timings = []
        for attempt in range(3):
            start = time.perf_counter()
            plain = Database(tmp / f"{name}{count}-{attempt}.db")
            plain["texts"].insert_all(
                ({"name": p.name, "text": _plain_decode(p.read_bytes())} for p in paths), batch_size=200
            )
            if fts:
                plain.execute("CREATE VIRTUAL TABLE texts_fts USING fts5(text, tokenize = 'trigram')")
                with plain.conn:
                    plain.execute("INSERT INTO texts_fts (rowid, text) SELECT rowid, text FROM texts")
            plain.close()
            timings.append(time.perf_counter() - start)
        return min(timings)

    # Baseline: plain sqlite-utils inserts of the same texts, read and decoded from the same files.
    baseline = plain_import("plain", fts=False)
    emit(bench="import", what="plain sqlite-utils insert_all", releases=count, seconds=round(baseline, 3))

    # A second, honest floor: the same inserts plus an FTS5 trigram index of the same texts, the
    # least any import must do for its texts to be searchable (hkpr indexes the script-folded text,
    # which costs a fold on top). The aim is against the first baseline; this one shows
    # how much of the gap no cleaning or grouping work can close.
    floor = plain_import("plainfts", fts=True)
    emit(bench="import", what="plain sqlite-utils insert_all + FTS5 trigram index", releases=count,
         seconds=round(floor, 3), ratio_vs_plain=round(floor / baseline, 2))  # fmt: skip

    # Stages, each timed alone over the whole corpus (no database).
    stages: dict[str, float] = {}
    start = time.perf_counter()
    decoded = [(p, decode_bytes(p.read_bytes()).text) for p in paths]
    stages["read+decode"] = time.perf_counter() - start
    start = time.perf_counter()
    kinds = [(p, text, detect_kind(text, p.suffix)) for p, text in decoded]
    stages["detect kind"] = time.perf_counter() - start
    start = time.perf_counter()
    for _, text, kind in kinds:
        if kind == "feed":
            for item in feed_items(text):
                clean(item.body, "html")
        else:
            clean(front_matter(text)[1] if kind != "html" else text, kind)
    stages["clean"] = time.perf_counter() - start
    del decoded, kinds
    whole_parse = signatures = 0.0
    for p in paths:  # one file at a time: nothing is kept, so peak RSS is the importer's
        start = time.perf_counter()
        releases_of_file = read_path(p).releases
        middle = time.perf_counter()
        for r in releases_of_file:
            neardup.bands(neardup.signature(r.text))
        whole_parse += middle - start
        signatures += time.perf_counter() - middle
    stages["metadata+sentences+hashes"] = max(0.0, whole_parse - sum(stages.values()))
    stages["near-duplicate signature"] = signatures

    # The real thing: what `hkpr import FOLDER` does.
    start = time.perf_counter()
    store = Store.open(tmp / f"hkpr{count}.db")
    report = import_paths(store, [folder])
    store.close()
    full = time.perf_counter() - start
    assert len(report.imported) + len(report.duplicates) == releases and not report.skipped, report.summary()
    stages["store (sqlite, groups)"] = max(0.0, full - whole_parse - stages["near-duplicate signature"])
    emit(bench="import", what="per-stage seconds", releases=releases,
         **{k: round(v, 3) for k, v in stages.items()})  # fmt: skip
    emit(bench="import", what="hkpr import", releases=releases, seconds=round(full, 3),
         ms_per_release=round(1000 * full / releases, 3), ratio_vs_plain=round(full / baseline, 2), aim_ratio=3.0,
         stretch_ratio=2.0, ratio_vs_plain_with_fts=round(full / floor, 2),
         duplicates=len(report.duplicates))  # fmt: skip
    return {"ms_per_release": 1000 * full / releases, "ratio": full / baseline}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--scales", default="", help="Also run at these sizes (comma-separated) to check per-release cost is flat."
    )
    args = parser.parse_args()
    sizes = sorted({args.count, *(int(s) for s in args.scales.split(",") if s)})
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            results[size] = run(size, args.seed, Path(tmp))
    if len(sizes) > 1:
        first, last = results[sizes[0]], results[sizes[-1]]
        emit(bench="import", what="per-release cost by size",
             **{str(s): round(r["ms_per_release"], 3) for s, r in results.items()},
             growth=round(last["ms_per_release"] / first["ms_per_release"], 2))  # fmt: skip
    emit(bench="import", what="peak RSS", megabytes=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
         aim_megabytes=200)  # fmt: skip


if __name__ == "__main__":
    main()
