"""``merge``: union other annotators' databases into this one, with provenance. Headless.

Releases are matched by content hash (missing ones are copied with their paragraphs and
sentences; one here takes the other's status when that is further along: todo, in progress,
done, never back); assignments are added; annotations are matched by (release, kind, label,
start, end, annotator, status), links by the annotations they join and their kind, so merging
twice adds nothing. Each
annotation keeps its annotator and times; the event log records the merge and where from. The
other database is opened read-only (a copy is migrated if it has an older schema).

The other file is input like any imported file: its content hashes are recomputed from the
texts, its paragraphs and sentences must lie inside their text, and every tag is checked like an
imported one (label name, kind, attributes, its recorded text against the release text, crossing
spans of one annotator's layer). What fails is refused and listed in the report, never stored.
Writes are committed a batch at a time, so an app on the same database keeps working.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hkpr_tui.export.imports import crossing
from hkpr_tui.export.records import (
    MAX_TEXT,
    RELEASE_KINDS,
    RELEASE_SCRIPTS,
    Fields,
    RecordError,
    attributes,
    label_name,
    missing,
)
from hkpr_tui.models import Annotation, Link, NewRelease, Release
from hkpr_tui.store import Store
from hkpr_tui.store.annotations import KINDS, LINK_KINDS, STATUSES, TAG_STATUSES, UNREADABLE

BATCH = 500
"""Annotations (or releases) written per transaction."""


@dataclass
class MergeReport:
    source: str
    releases_added: int = 0
    annotations_added: int = 0
    annotations_present: int = 0
    links_added: int = 0
    statuses_advanced: int = 0  # releases here whose status theirs is ahead of (todo → in progress → done)
    assignments_added: int = 0
    refused: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.source}: releases added {self.releases_added}, annotations added {self.annotations_added} "
            f"({self.annotations_present} already here), links added {self.links_added}"
            + (f", statuses advanced {self.statuses_advanced}" if self.statuses_advanced else "")
            + (f", assignments added {self.assignments_added}" if self.assignments_added else "")
            + (f", refused {len(self.refused)}" if self.refused else "")
        )


def _release_problem(release: Release, paragraphs: list[Any], sentences: list[Any]) -> str | None:
    try:
        f = Fields(vars(release), "")
        for key in ("text", "raw_text", "source", "encoding", "content_hash"):
            f.text(key, required=True, limit=MAX_TEXT)
        f.text("title", required=True)
        f.text("organisation")
        f.date("date")
        f.choice("kind", RELEASE_KINDS)
        f.choice("script", RELEASE_SCRIPTS) or missing(f, "script")
        f.choice("status", STATUSES) or missing(f, "status")
    except RecordError as exc:
        return str(exc)
    if hashlib.sha256(release.text.encode("utf-8")).hexdigest() != release.content_hash:
        return f"its content_hash {release.content_hash[:70]!r} is not the hash of its text"
    n = len(release.text)
    if any(not 0 <= p.start <= p.end <= n for p in [*paragraphs, *sentences]):
        return "a paragraph or sentence lies outside its text"
    if not isinstance(release.title, str) or len(release.title) > 1000:
        return "its title is not text of at most 1,000 characters"
    return None


def _annotation_problem(a: Annotation, text: str) -> str | None:
    if a.kind not in KINDS or a.status not in TAG_STATUSES:
        return f"kind {a.kind!r} / status {a.status!r} unknown"
    if UNREADABLE in a.attributes:
        return "its attributes are not readable JSON"
    try:
        f = Fields(vars(a), "")
        f.offset("start"), f.offset("end"), f.text("text", required=True, limit=MAX_TEXT)
        f.timestamp("created_at") or missing(f, "created_at")
        f.timestamp("updated_at") or missing(f, "updated_at")
    except RecordError as exc:
        return str(exc)
    if not 0 <= a.start < a.end <= len(text):
        return f"{a.start}–{a.end} is outside the release (length {len(text)})"
    if text[a.start : a.end] != a.text:
        return f"records {a.text[:30]!r}, the release text has {text[a.start : a.end][:30]!r}"
    try:
        label_name(a.label, "label")
        if not isinstance(a.annotator, str) or not a.annotator.strip() or len(a.annotator) > 1000:
            raise RecordError("annotator", "must be a name")
        attributes(Fields({"attributes": a.attributes}, ""))
    except RecordError as exc:
        return str(exc)
    return None


def merge(
    store: Store, path: Path, *, annotator: str, progress: Callable[[str, int, int], None] | None = None
) -> MergeReport:
    other, copy = Store.open_for_reading(path)
    report = MergeReport(str(path))
    try:
        _merge(store, other, path, annotator, report, progress or (lambda stage, done, total: None))
    finally:
        other.close()
        if copy is not None:
            shutil.rmtree(copy.parent, ignore_errors=True)
    return report


def _merge(
    store: Store,
    other: Store,
    path: Path,
    annotator: str,
    report: MergeReport,
    progress: Callable[[str, int, int], None],
) -> None:
    here_by_hash = store.release_ids_by_hash()
    their_groups = other.group_keys()
    release_map: dict[int, int] = {}
    texts: dict[int, str] = {}  # their release id → text
    summaries = other.list_releases(sort="id")
    for start in range(0, len(summaries), BATCH // 10 or 1):
        with store.write():
            for summary in summaries[start : start + BATCH // 10 or 1]:
                release = other.release(summary.id)
                paragraphs, sentences = other.paragraphs(release.id), other.sentences(release.id)
                problem = _release_problem(release, paragraphs, sentences)
                if problem:
                    report.refused.append(f"release #{release.id} ({release.title[:30]!r}): {problem}")
                    continue
                texts[release.id] = release.text
                if release.content_hash in here_by_hash:
                    release_map[release.id] = here_id = here_by_hash[release.content_hash]
                    if STATUSES.index(release.status) > STATUSES.index(store.release_status(here_id)):
                        store.set_status(here_id, release.status, annotator=annotator, action="merge status")
                        report.statuses_advanced += 1
                    continue
                group = their_groups.get(release.id) or ""
                new = NewRelease(
                    source=release.source, encoding=release.encoding, raw_text=release.raw_text, text=release.text,
                    content_hash=release.content_hash, group_key=group if _is_hex(group) else hashlib.sha256(
                        release.text.encode("utf-8")).hexdigest(),
                    title=release.title, organisation=release.organisation, date=release.date, kind=release.kind,
                    script=release.script, paragraphs=paragraphs, sentences=sentences,
                )  # fmt: skip
                release_map[release.id] = here_by_hash[release.content_hash] = store.add_release(
                    new, annotator=annotator
                ).release_id
                if release.status != "todo":
                    store.set_status(
                        release_map[release.id], release.status, annotator=annotator, action="merge status"
                    )
                report.releases_added += 1
        progress("releases", min(start + BATCH // 10, len(summaries)), len(summaries))

    report.assignments_added = store.add_assignments(
        (release_map[rid], name, at, by) for rid, name, at, by in other.assignment_rows() if rid in release_map
    )

    here: dict[tuple[Any, ...], int] = {}
    layers: dict[tuple[int, str, str], list[tuple[int, int, Any]]] = {}  # (release, annotator, kind) → accepted spans
    for anns in store.live_annotations(statuses=TAG_STATUSES).values():
        for a in anns:
            here[(a.release_id, a.kind, a.label, a.start, a.end, a.annotator, a.status)] = a.id
            if a.status == "accepted":
                layers.setdefault((a.release_id, a.annotator, a.kind), []).append((a.start, a.end, None))
    theirs = [a for anns in other.live_annotations(statuses=TAG_STATUSES).values() for a in anns]
    labels = {row["name"]: row["kind"] for row in store.stored_labels()}
    id_map: dict[int, int] = {}
    pending: list[tuple[Annotation, tuple[Any, ...]]] = []
    for a in theirs:
        if a.release_id not in release_map:
            continue  # its release was refused (reported above)
        problem = _annotation_problem(a, texts[a.release_id])
        if problem is None and labels.setdefault(a.label, a.kind) != a.kind:
            problem = f"{a.label} is a{'n' * (labels[a.label] == 'entity')} {labels[a.label]} label here, used for a{'n' * (a.kind == 'entity')} {a.kind}"
        if problem is None and a.status == "accepted":
            layer = layers.setdefault((release_map[a.release_id], a.annotator, a.kind), [])
            key = (release_map[a.release_id], a.kind, a.label, a.start, a.end, a.annotator, a.status)
            if key not in here and crossing([*layer, (a.start, a.end, a.id)]):
                problem = f"crosses another of {a.annotator}'s {a.kind} tags in this database"
            elif key not in here:
                layer.append((a.start, a.end, a.id))
        if problem:
            report.refused.append(f"tag #{a.id} {a.label!r} of release #{a.release_id}: {problem}")
            continue
        key = (release_map[a.release_id], a.kind, a.label, a.start, a.end, a.annotator, a.status)
        if key in here:
            id_map[a.id] = here[key]
            report.annotations_present += 1
            continue
        here[key] = -1
        pending.append((a, key))
    for start in range(0, len(pending), BATCH):
        with store.write():
            for a, key in pending[start : start + BATCH]:
                here[key] = id_map[a.id] = store.insert_annotation({
                    "release_id": key[0], "kind": a.kind, "label": a.label, "start": a.start, "end": a.end, "text": a.text,
                    "status": a.status, "attributes": a.attributes, "annotator": a.annotator,
                    "created_at": a.created_at, "updated_at": a.updated_at,
                })  # fmt: skip
                report.annotations_added += 1
        progress("annotations", min(start + BATCH, len(pending)), len(pending))
    store.ensure_labels({a.label: a.kind for a, _ in pending})
    present = {(l.source_id, l.target_id, l.kind) for l in store.links()}
    with store.write():
        for link in other.links():
            if link.source_id not in id_map or link.target_id not in id_map:
                continue
            problem = _link_problem(link)
            if problem:
                report.refused.append(f"link #{link.id}: {problem}")
                continue
            triple = (id_map[link.source_id], id_map[link.target_id], link.kind)
            if triple in present or triple[0] == triple[1]:
                continue
            store.add_link(*triple, annotator=link.annotator, action="merge link", created_at=link.created_at)
            present.add(triple)
            report.links_added += 1
        store.log_event(annotator, "merge", "annotations", {"from": str(path), "summary": report.summary()})


def _link_problem(link: Link) -> str | None:
    try:
        f = Fields(vars(link), "")
        f.choice("kind", LINK_KINDS) or missing(f, "kind")
        f.text("annotator", required=True, empty=False)
        f.timestamp("created_at") or missing(f, "created_at")
    except RecordError as exc:
        return str(exc)
    return None


def _is_hex(text: str) -> bool:
    return 16 <= len(text) <= 128 and all(c in "0123456789abcdef" for c in text)
