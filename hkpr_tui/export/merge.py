"""``merge``: union other annotators' databases into this one, with provenance. Headless.

Releases are matched by content hash (missing ones are copied with their paragraphs and
sentences); annotations are matched by (release, kind, label, start, end, annotator, status),
links by the annotations they join and their kind, so merging twice adds nothing. Each
annotation keeps its annotator and times; the event log records the merge and where from. The
other database is opened read-only (a copy is migrated if it has an older schema).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from hkpr_tui.models import NewRelease
from hkpr_tui.store import Store


@dataclass
class MergeReport:
    source: str
    releases_added: int = 0
    annotations_added: int = 0
    annotations_present: int = 0
    links_added: int = 0

    def summary(self) -> str:
        return (
            f"{self.source}: releases added {self.releases_added}, annotations added {self.annotations_added} "
            f"({self.annotations_present} already here), links added {self.links_added}"
        )


def merge(store: Store, path: Path, *, annotator: str) -> MergeReport:
    other, copy = Store.open_for_reading(path)
    report = MergeReport(str(path))
    try:
        here_by_hash = store.release_ids_by_hash()
        their_groups = other.group_keys()
        release_map: dict[int, int] = {}
        with store.transaction():
            for summary in other.list_releases(sort="id"):
                release = other.release(summary.id)
                if release.content_hash in here_by_hash:
                    release_map[release.id] = here_by_hash[release.content_hash]
                    continue
                new = NewRelease(
                    source=release.source, encoding=release.encoding, raw_text=release.raw_text, text=release.text,
                    content_hash=release.content_hash, group_key=their_groups[release.id], title=release.title,
                    organisation=release.organisation, date=release.date, kind=release.kind, script=release.script,
                    paragraphs=other.paragraphs(release.id), sentences=other.sentences(release.id),
                )  # fmt: skip
                release_map[release.id] = store.add_release(new, annotator=annotator).release_id
                if release.status != "todo":
                    store.set_status(release_map[release.id], release.status, annotator=annotator, action="merge status")
                report.releases_added += 1
            statuses = ("accepted", "suggested", "rejected")
            here = {
                (a.release_id, a.kind, a.label, a.start, a.end, a.annotator, a.status): a.id
                for anns in store.live_annotations(statuses=statuses).values()
                for a in anns
            }
            theirs = [a for anns in other.live_annotations(statuses=statuses).values() for a in anns]
            id_map: dict[int, int] = {}
            for a in theirs:
                key = (release_map[a.release_id], a.kind, a.label, a.start, a.end, a.annotator, a.status)
                if key in here:
                    id_map[a.id] = here[key]
                    report.annotations_present += 1
                    continue
                here[key] = id_map[a.id] = store.insert_annotation({
                    "release_id": key[0], "kind": a.kind, "label": a.label, "start": a.start, "end": a.end, "text": a.text,
                    "status": a.status, "attributes": a.attributes, "annotator": a.annotator,
                    "created_at": a.created_at, "updated_at": a.updated_at,
                })  # fmt: skip
                report.annotations_added += 1
            present = {(l.source_id, l.target_id, l.kind) for l in store.links()}
            for link in other.links():
                if link.source_id not in id_map or link.target_id not in id_map:
                    continue
                triple = (id_map[link.source_id], id_map[link.target_id], link.kind)
                if triple in present:
                    continue
                store.add_link(*triple, annotator=link.annotator, action="merge link", created_at=link.created_at)
                present.add(triple)
                report.links_added += 1
            store.log_event(annotator, "merge", "annotations", {"from": str(path), "summary": report.summary()})
    finally:
        other.close()
        if copy is not None:
            shutil.rmtree(copy.parent, ignore_errors=True)
    return report
