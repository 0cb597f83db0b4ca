"""Import files into a store: the one place where corpus and store meet.

Used by ``hkpr import`` and by the app's first run on ``seeds/``. Bad files are skipped with a
reason and never stop the import; what was stored before stays stored.
"""

from __future__ import annotations

import dataclasses
import os
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from hkpr_tui.corpus import DecodeError, Skipped, find_files, neardup
from hkpr_tui.corpus.ingest import read_path
from hkpr_tui.models import NewRelease
from hkpr_tui.store import Store

BATCH = 25
"""Releases stored per transaction (with their signatures): enough to amortise a commit, few enough
that an app or another writer on the same database waits only a few tens of milliseconds."""


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
        return f"imported {len(self.imported)}, duplicates {len(self.duplicates)}, skipped {len(self.skipped)}"


class Grouper:
    """Puts each new release in the group of a near-duplicate already stored or pending (see
    ``corpus.neardup``): candidates come from shared LSH bands, never from all releases."""

    def __init__(self, store: Store | None) -> None:
        self.store = store  # None: group among the releases given only (a dry run)
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
        for _, key, other_bytes in self.store.near_duplicate_candidates(bands) if self.store else ():
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
        with store.write():  # a release and its signature are stored together, or neither
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


@dataclass(frozen=True)
class Preview:
    """What importing one release of a file would store (``hkpr import --dry-run``)."""

    path: str
    kind: str  # the file's detected kind
    encoding: str
    release: NewRelease
    group: int  # releases of this run with the same number are versions of one release
    warnings: tuple[str, ...]


def preview_paths(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Preview | Skipped]:
    """Parse and group like ``import_paths``, touching no database."""
    grouper = Grouper(None)
    numbers: dict[str, int] = {}
    for item in find_files(paths):
        if isinstance(item, Skipped):
            yield item
            continue
        try:
            parsed = read_path(item)
        except DecodeError as exc:
            yield Skipped(str(item), str(exc))
            continue
        except Exception as exc:  # noqa: BLE001 - a hostile file must never stop the run
            yield Skipped(str(item), f"could not be parsed ({type(exc).__name__}: {exc})")
            continue
        for release in parsed.releases:
            release, _, _ = grouper.assign(release)
            group = numbers.setdefault(release.group_key, len(numbers) + 1)
            yield Preview(str(item), parsed.kind, parsed.encoding, release, group, parsed.warnings)


@dataclass
class RecleanReport:
    changed: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    regrouped: list[int] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)  # release id, why

    def summary(self) -> str:
        return (
            f"recleaned {len(self.changed)}, unchanged {len(self.unchanged)}, regrouped {len(self.regrouped)}, "
            f"refused {len(self.refused)}"
        )


def reclean(store: Store, *, annotator: str = "", on_release: Callable[[int], None] | None = None) -> RecleanReport:
    """Re-derive every stored release's canonical text and metadata from its raw text with the
    current cleaner, and its group with the current near-duplicate rule. A release whose live
    annotations would no longer cover the same text, or whose new text another release already
    has, is left as it is and reported."""
    from hkpr_tui.corpus.ingest import parse_document
    from hkpr_tui.corpus.kinds import detect_kind

    report = RecleanReport()
    grouper = Grouper(store)
    for release_id in store.release_ids():
        stored = store.release(release_id)
        if on_release:
            on_release(release_id)
        suffix = Path(stored.source.split("#", 1)[0]).suffix
        kind = detect_kind(stored.raw_text, suffix)
        try:
            fresh = parse_document(stored.raw_text, kind="html" if kind == "feed" and stored.kind == "feed item" else kind,
                                   source=stored.source, encoding=stored.encoding)[0]  # fmt: skip
        except DecodeError as exc:
            report.refused.append((release_id, f"its raw text no longer gives a release ({exc})"))
            continue
        except Exception as exc:  # noqa: BLE001 - one bad release must not stop the rest
            report.refused.append((release_id, f"could not be parsed ({type(exc).__name__}: {exc})"))
            continue
        if stored.kind == "feed item":  # the feed's own title and date are not in the item's text
            fresh = dataclasses.replace(fresh, kind="feed item", date=stored.date or fresh.date)
        if fresh.text != stored.text:
            moved = [
                (ann_id, start, end, text)
                for ann_id, start, end, text in store.live_annotation_spans(release_id)
                if fresh.text[start:end] != text
            ]
            if moved:
                listed = ", ".join(f"#{a} {text!r} at {start}-{end}" for a, start, end, text in moved[:5])
                more = f" and {len(moved) - 5} more" if len(moved) > 5 else ""
                report.refused.append(
                    (release_id, f"{len(moved)} annotation(s) would no longer match the text: {listed}{more}")
                )
                continue
            owner = store.content_hash_owner(fresh.content_hash)
            if owner is not None and owner != release_id:
                report.refused.append((release_id, f"the recleaned text is the text of release #{owner}"))
                continue
        if (fresh.text, fresh.title, fresh.organisation, fresh.date, fresh.kind, fresh.script) != (
            stored.text,
            stored.title,
            stored.organisation,
            stored.date,
            stored.kind,
            stored.script,
        ):
            store.replace_release_text(release_id, fresh, annotator=annotator)
            report.changed.append(release_id)
        else:
            report.unchanged.append(release_id)
        # Group: keep the stored group when the text is its own nearest version.
        current_key = store.group_key_of(release_id)
        store.set_signatures(
            [(release_id, neardup.to_bytes(neardup.signature(fresh.text)), [])]
        )  # not its own candidate
        grouped, sig, bands = grouper.assign(dataclasses.replace(fresh, group_key=current_key))
        grouper.stored()
        store.set_signatures([(release_id, neardup.to_bytes(sig), bands)])
        if grouped.group_key != current_key:
            store.set_release_group(release_id, grouped.group_key)
            report.regrouped.append(release_id)
    return report
