"""Import files into a store: the one place where corpus and store meet.

Used by ``hkpr import`` and by the app's first run on ``seeds/``. Bad files are skipped with a
reason and never stop the import; what was stored before stays stored.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from hkpr_tui.corpus import DecodeError, Skipped, find_files, parse_file
from hkpr_tui.models import NewRelease
from hkpr_tui.store import Store

BATCH = 200
"""Releases stored per transaction: large enough to be fast, small enough to lose little on a crash."""


@dataclass(frozen=True)
class Imported:
    path: str
    release_id: int
    title: str


@dataclass(frozen=True)
class Duplicate:
    path: str
    release_id: int  # the release already stored with the same text


@dataclass
class ImportReport:
    imported: list[Imported] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"imported {len(self.imported)}, duplicates {len(self.duplicates)}, skipped {len(self.skipped)}"
        )


def import_paths(
    store: Store,
    paths: Iterable[str | os.PathLike[str]],
    *,
    annotator: str = "",
    on_file: Callable[[Path | Skipped], None] | None = None,
) -> ImportReport:
    """Import every supported file under ``paths``; ``on_file`` is called once per file seen."""
    report = ImportReport()
    batch: list[tuple[str, NewRelease]] = []

    def flush() -> None:
        results = store.add_releases([rel for _, rel in batch], annotator=annotator)
        for (path, rel), result in zip(batch, results):
            if result.duplicate:
                report.duplicates.append(Duplicate(path, result.release_id))
            else:
                report.imported.append(Imported(path, result.release_id, rel.title))
        batch.clear()

    for item in find_files(paths):
        if isinstance(item, Skipped):
            report.skipped.append(item)
        else:
            try:
                release = parse_file(item)
            except DecodeError as exc:
                report.skipped.append(Skipped(str(item), str(exc)))
            else:
                batch.append((str(item), release))
                if len(batch) >= BATCH:
                    flush()
        if on_file:
            on_file(item)
    if batch:
        flush()
    return report


def files_count(paths: Iterable[str | os.PathLike[str]]) -> int:
    """How many files ``import_paths`` would look at (for a progress bar)."""
    return sum(1 for _ in find_files(paths))
