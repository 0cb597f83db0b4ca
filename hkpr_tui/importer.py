"""Import files into a store: the one place where corpus and store meet.

Used by ``hkpr import`` and by the app's first run on ``seeds/``. Bad files are skipped with a
reason and never stop the import; what was stored before stays stored.
"""

from __future__ import annotations

import dataclasses
import os
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from hkpr_tui.corpus import DecodeError, Skipped, find_files
from hkpr_tui.corpus import neardup
from hkpr_tui.corpus.ingest import read_path
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


@dataclass(frozen=True)
class FileWarning:
    path: str
    message: str


@dataclass
class ImportReport:
    imported: list[Imported] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[FileWarning] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"imported {len(self.imported)}, duplicates {len(self.duplicates)}, skipped {len(self.skipped)}"
        )


class Grouper:
    """Puts each new release in the group of a near-duplicate already stored or pending (see
    ``corpus.neardup``): candidates come from shared LSH bands, never from all releases."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._pending: dict[int, list[tuple[array, str]]] = {}  # band → (signature, group key) not yet stored

    def assign(self, release: NewRelease) -> tuple[NewRelease, array, list[int]]:
        sig = neardup.signature(release.text)
        bands = neardup.bands(sig)
        best, best_key = neardup.THRESHOLD, None
        seen: set[int] = set()
        for band in bands:
            for other, key in self._pending.get(band, ()):
                if id(other) not in seen:
                    seen.add(id(other))
                    score = neardup.similarity(sig, other)
                    if score >= best:
                        best, best_key = score, key
        for _, key, other_bytes in self.store.near_duplicate_candidates(bands):
            score = neardup.similarity(sig, neardup.from_bytes(other_bytes))
            if score >= best:
                best, best_key = score, key
        if best_key is not None and best_key != release.group_key:
            release = dataclasses.replace(release, group_key=best_key)
        for band in bands:
            self._pending.setdefault(band, []).append((sig, release.group_key))
        return release, sig, bands

    def stored(self) -> None:
        """The pending releases are in the store now (their bands too)."""
        self._pending.clear()


def import_paths(
    store: Store,
    paths: Iterable[str | os.PathLike[str]],
    *,
    annotator: str = "",
    on_file: Callable[[Path | Skipped], None] | None = None,
) -> ImportReport:
    """Import every supported file under ``paths``; ``on_file`` is called once per file seen."""
    report = ImportReport()
    batch: list[tuple[str, NewRelease, array, list[int]]] = []
    grouper = Grouper(store)

    def flush() -> None:
        results = store.add_releases([rel for _, rel, _, _ in batch], annotator=annotator)
        signatures = []
        for (path, rel, sig, bands), result in zip(batch, results):
            if result.duplicate:
                report.duplicates.append(Duplicate(path, result.release_id))
            else:
                report.imported.append(Imported(path, result.release_id, rel.title))
                signatures.append((result.release_id, neardup.to_bytes(sig), bands))
        store.set_signatures(signatures)
        grouper.stored()
        batch.clear()

    for item in find_files(paths):
        if isinstance(item, Skipped):
            report.skipped.append(item)
        else:
            try:
                parsed = read_path(item)
            except DecodeError as exc:
                report.skipped.append(Skipped(str(item), str(exc)))
            except Exception as exc:  # noqa: BLE001 - a hostile file must never stop the import
                report.skipped.append(Skipped(str(item), f"could not be parsed ({type(exc).__name__}: {exc})"))
            else:
                report.warnings.extend(FileWarning(str(item), w) for w in parsed.warnings)
                for release in parsed.releases:
                    release, sig, bands = grouper.assign(release)
                    batch.append((release.source, release, sig, bands))
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
