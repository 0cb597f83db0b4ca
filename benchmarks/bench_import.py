"""Import speed: ``hkpr import``'s pipeline against plain sqlite-utils inserts of the same texts.

Prints JSON lines. Both sides run in this process, on the same generated files, so the ratio
holds on a noisy machine even when the absolute numbers do not.

    python -m benchmarks.bench_import --count 10000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sqlite_utils import Database

from benchmarks.corpus import generate, write
from benchmarks.report import emit
from hkpr_tui.corpus import parse_file
from hkpr_tui.importer import import_paths
from hkpr_tui.store import Store


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "corpus"
        paths = write(folder, generate(args.count, args.seed))
        chars = sum(len(p.read_text(encoding="utf-8")) for p in paths)
        emit(bench="import", what="corpus", releases=len(paths), characters=chars)

        # Baseline: plain sqlite-utils inserts of the same texts, read from the same files.
        start = time.perf_counter()
        plain = Database(Path(tmp) / "plain.db")
        plain["texts"].insert_all(
            ({"name": p.name, "text": p.read_text(encoding="utf-8")} for p in paths), batch_size=200
        )
        plain.close()
        baseline = time.perf_counter() - start
        emit(bench="import", what="plain sqlite-utils insert_all", seconds=round(baseline, 3),
             releases_per_second=round(len(paths) / baseline, 1))

        # Breakdown: parsing alone (decode, clean, metadata, sentences) with no database.
        start = time.perf_counter()
        for p in paths:
            parse_file(p)
        parse_only = time.perf_counter() - start
        emit(bench="import", what="parse only (no database)", seconds=round(parse_only, 3),
             releases_per_second=round(len(paths) / parse_only, 1))

        # The real thing: what `hkpr import FOLDER` does.
        start = time.perf_counter()
        store = Store.open(Path(tmp) / "hkpr.db")
        report = import_paths(store, [folder])
        store.close()
        full = time.perf_counter() - start
        assert len(report.imported) == len(paths), report.summary()
        emit(bench="import", what="hkpr import", seconds=round(full, 3),
             releases_per_second=round(len(paths) / full, 1),
             ratio_vs_plain=round(full / baseline, 2), aim_ratio=3.0)


if __name__ == "__main__":
    main()
