"""``merge``: replay other annotators' databases into this one, with provenance. Headless.

Every action is an event with a stable id (the origin id of the database that logged it and its
sequence number there), and every tag and link a stable ``uid`` and a ``version`` (the time, the
origin id and the sequence number of its last change; release statuses: ``status_version``).
A merge replays the other database's events that this one has not seen: the event's rows take
the state the other database's last event left them in, and the events are copied into this log
(their rows mapped to ids here), so deletes, relabels, bound moves, undos and status changes
carry over and the undo refusal names who changed what.

THE RULE for a row changed in both places: **the later version wins** — versions compare by the
time of the change, then by origin id, then by sequence number, an order every database agrees
on, so merging A into B and B into A (in any order, any number of times, through a third
database) converges to the same state. A row changed in both databases since they last synced
(each holds events for it the other has not seen) is a conflict: it is resolved by the rule and
listed in the report (the row, both versions, the winner). The winning version is taken whole
(label, span, status, attributes, deletion).

Releases are matched by content hash (missing ones are copied with their paragraphs and
sentences). A tag without a uid match but equal to a live tag here by (release, kind, label, start,
end, annotator, status) is the same tag (rows merged by the union merge of earlier hkpr versions,
and rows from before m006, whose uids are derived from that content anyway), so it is not
duplicated. The other's assignments (``hkpr assign``) are added. The other database is opened read-only (a copy is migrated if it has an older schema).

The other file is input like any imported file: its content hashes are recomputed from the
texts, its paragraphs and sentences must lie inside their text, and every tag is checked like an
imported one (label name, kind, attributes, its recorded text against the release text, crossing
spans of one annotator's layer). What fails is refused and listed in the report, never stored.
Writes are committed a batch at a time (the report keeps the longest time one held the write
lock), so an app on the same database keeps working.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
from hkpr_tui.models import Annotation, Link, NewRelease, Release, annotator_problem
from hkpr_tui.store import Store
from hkpr_tui.store.annotations import KINDS, LINK_KINDS, STATUSES, TAG_STATUSES, UNREADABLE

BATCH = 500
"""Annotations (or links, or statuses) written per transaction; releases a tenth of that."""
EVENT_BATCH = 2000
"""Events copied per transaction."""
RULE = "the later version wins (by time of the change, then origin id)"
_STATUS_RANK = {"todo": 0, "in progress": 1, "done": 2}


@dataclass
class Conflict:
    """A row changed in both databases since they last synced, and how the rule resolved it."""

    uid: str
    what: str
    ours: str
    theirs: str
    winner: str  # "here" or "theirs"

    def __str__(self) -> str:
        return (
            f"{self.what} [{self.uid[:16]}]: here {_readable(self.ours)}, theirs {_readable(self.theirs)}"
            f" → {'theirs kept' if self.winner == 'theirs' else 'this one kept'}"
        )


def _readable(state: str) -> str:
    """A version stamp ("2026-11-25T08:41:17.489+00:00|origin|seq") as the time of the change."""
    return re.sub(r"(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)[^|)]*\|[^|)]*\|\d+", r"changed \1 \2 UTC", state)


@dataclass
class MergeReport:
    source: str
    releases_added: int = 0
    annotations_added: int = 0
    annotations_present: int = 0
    annotations_updated: int = 0
    annotations_deleted: int = 0
    links_added: int = 0
    links_updated: int = 0
    statuses_changed: int = 0
    events_replayed: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    assignments_added: int = 0
    refused: list[str] = field(default_factory=list)
    batches: int = 0
    longest_batch_ms: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(
            self.releases_added or self.annotations_added or self.annotations_updated or self.links_added
            or self.links_updated or self.statuses_changed or self.assignments_added
        )  # fmt: skip

    def summary(self) -> str:
        return (
            f"{self.source}: events replayed {self.events_replayed}, releases added {self.releases_added}, "
            f"annotations added {self.annotations_added} ({self.annotations_present} already here), "
            f"updated {self.annotations_updated} (deleted {self.annotations_deleted}), links added {self.links_added}, "
            f"updated {self.links_updated}, statuses changed {self.statuses_changed}, conflicts {len(self.conflicts)}"
            + (f", assignments added {self.assignments_added}" if self.assignments_added else "")
            + (f", refused {len(self.refused)}" if self.refused else "")
        )


@contextmanager
def _batch(store: Store, report: MergeReport) -> Iterator[None]:
    """One write transaction, timed from taking the write lock to its commit."""
    with store.write():
        began = time.perf_counter()
        yield
    report.batches += 1
    report.longest_batch_ms = max(report.longest_batch_ms, (time.perf_counter() - began) * 1000)


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
    # what each side has seen: the rows changed on both sides since they last synced are conflicts
    ours_events = store.event_keys()
    theirs_events = other.event_rows()
    seen_here = {(o, s) for o, s, _ in ours_events}
    seen_there = {(e[0], e[1]) for e in theirs_events}
    unseen_there = {u for o, s, u in ours_events if u and (o, s) not in seen_there}
    new_events = [e for e in theirs_events if (e[0], e[1]) not in seen_here]
    unseen_here = {e[2] for e in new_events if e[2]}
    both = Sync(unseen_there & unseen_here, seen_here, seen_there)

    release_map, texts = _merge_releases(store, other, annotator, report, progress)
    _merge_statuses(store, other, release_map, both, report)
    assignments = []
    for rid, name, at, by in other.assignment_rows():
        problem = annotator_problem(name) or annotator_problem(by) or (None if _is_timestamp(at) else "bad time")
        if problem:
            report.refused.append(f"assignment of release #{rid} to {name[:40]!r}: {problem}")
        elif rid in release_map:
            assignments.append((release_map[rid], name, at, by))
    with _batch(store, report):
        report.assignments_added = store.add_assignments(assignments)
    sessions = _merge_sessions(store, other, report)
    tag_map, aliases = _merge_tags(store, other, release_map, texts, both, report, progress, sessions)
    link_map = _merge_links(store, other, tag_map, both, report, progress)

    # the events, their rows mapped to ids here
    here_releases = {h: i for h, (i, _, _) in store.status_rows().items()}
    tag_ids = {**aliases, **store.tag_ids()}  # their uid of a tag held here under another uid → its id
    entity_ids = {"annotations": tag_ids, "links": link_map, "releases": here_releases}
    rows = []
    for origin, seq, uid, at, who, action, entity, _, payload in new_events:
        if not all(isinstance(v, str) and len(v) <= 1000 for v in (origin, at, who, action, entity)) or not (
            isinstance(seq, int) and isinstance(payload, str) and (uid is None or isinstance(uid, str))
        ):
            report.refused.append(
                f"event {str(origin)[:20]}:{str(seq)[:20]}: not an event hkpr writes (bad field types)"
            )
            continue
        rows.append((origin, seq, uid, at, who, action, entity, entity_ids.get(entity, {}).get(uid or ""), payload))
    for start in range(0, len(rows), EVENT_BATCH):
        with _batch(store, report):
            report.events_replayed += store.insert_events(rows[start : start + EVENT_BATCH])
        progress("events", min(start + EVENT_BATCH, len(rows)), len(rows))
    if report.changed:
        store.log_event(annotator, "merge", "annotations", {"from": str(path), "summary": report.summary()})


@dataclass(frozen=True)
class Sync:
    """What each side has seen. A row is in conflict when both sides changed it since they last
    synced: each holds events for it the other has not seen, and neither side's current version
    is one the other has seen (a row the other only never touched is no conflict)."""

    changed_both: set[str]
    seen_here: set[tuple[str, int]]
    seen_there: set[tuple[str, int]]

    def conflict(self, uid: str, ours: str | None, theirs: str | None) -> bool:
        return (
            uid in self.changed_both
            and bool(ours) and bool(theirs) and ours != theirs
            and _unseen(ours, self.seen_there) and _unseen(theirs, self.seen_here)
        )  # fmt: skip


def _unseen(version: str | None, seen: set[tuple[str, int]]) -> bool:
    """Whether the event that made ``version`` ("at|origin|seq") is missing from ``seen``."""
    parts = (version or "").split("|")
    try:
        return len(parts) != 3 or (parts[1], int(parts[2])) not in seen
    except ValueError:
        return True


def _is_timestamp(value: str) -> bool:
    try:
        Fields({"at": value}, "").timestamp("at")
    except RecordError:
        return False
    return True


def _merge_sessions(store: Store, other: Store, report: MergeReport) -> dict[int, int]:
    """The other's sessions (who worked when, how many actions), so ``hkpr stats`` of a team
    database shows each annotator's time; their id → id here. Bad rows are refused."""
    rows = []
    for their_id, annotator, started_at, ended_at, actions in other.session_rows():
        problem = (
            (annotator_problem(annotator) if isinstance(annotator, str) else "not text")
            or (None if isinstance(started_at, str) and _is_timestamp(started_at) else "bad start time")
            or (None if ended_at is None or (isinstance(ended_at, str) and _is_timestamp(ended_at)) else "bad end time")
            or (None if isinstance(actions, int) and actions >= 0 else "bad action count")
        )
        if problem:
            report.refused.append(f"session #{their_id}: {problem}")
            continue
        rows.append((their_id, annotator, started_at, ended_at, actions))
    with _batch(store, report):
        return store.put_sessions(rows)


def _merge_releases(
    store: Store, other: Store, annotator: str, report: MergeReport, progress: Callable[[str, int, int], None]
) -> tuple[dict[int, int], dict[int, str]]:
    """Copy the releases this database lacks; their id → id here, and their id → text."""
    here_by_hash = store.release_ids_by_hash()
    their_groups = other.group_keys()
    release_map: dict[int, int] = {}
    texts: dict[int, str] = {}
    summaries = other.list_releases(sort="id")
    step = BATCH // 10 or 1
    for start in range(0, len(summaries), step):
        with _batch(store, report):
            for summary in summaries[start : start + step]:
                release = other.release(summary.id)
                paragraphs, sentences = other.paragraphs(release.id), other.sentences(release.id)
                problem = _release_problem(release, paragraphs, sentences)
                if problem:
                    report.refused.append(f"release #{release.id} ({release.title[:30]!r}): {problem}")
                    continue
                texts[release.id] = release.text
                if release.content_hash in here_by_hash:
                    release_map[release.id] = here_by_hash[release.content_hash]
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
                report.releases_added += 1
        progress("releases", min(start + step, len(summaries)), len(summaries))
    return release_map, texts


def _merge_statuses(store: Store, other: Store, release_map: dict[int, int], both: Sync, report: MergeReport) -> None:
    """Each release's status: the later status version wins (a status never set sorts first;
    between two never set, the further along)."""
    mapped = set(release_map)
    here = store.status_rows()
    changes = []
    for content_hash, (their_id, status, ver) in other.status_rows().items():
        if their_id not in mapped or content_hash not in here:
            continue
        _, our_status, our_ver = here[content_hash]
        theirs, ours = (ver, _STATUS_RANK.get(status, -1)), (our_ver, _STATUS_RANK.get(our_status, -1))
        if theirs == ours:
            continue
        if status != our_status and both.conflict(content_hash, our_ver, ver):
            winner = "theirs" if theirs > ours else "here"
            report.conflicts.append(
                Conflict(content_hash[:16], f"status of release #{release_map[their_id]}",
                         f"{our_status!r} ({our_ver or 'never set'})", f"{status!r} ({ver or 'never set'})", winner)
            )  # fmt: skip
        if theirs > ours:
            changes.append((release_map[their_id], status, ver))
    for start in range(0, len(changes), BATCH):
        with _batch(store, report):
            store.put_statuses(changes[start : start + BATCH])
    report.statuses_changed += len(changes)


def _merge_tags(
    store: Store,
    other: Store,
    release_map: dict[int, int],
    texts: dict[int, str],
    both: Sync,
    report: MergeReport,
    progress: Callable[[str, int, int], None],
    sessions: dict[int, int],
) -> tuple[dict[int, int], dict[str, int]]:
    """Insert the tags this database lacks and take the other's version of those it holds where
    that one is later; their id → id here, and their uid → id here of the tags matched by content."""
    ours: dict[str, tuple[Annotation, str]] = {}
    live: dict[tuple[Any, ...], int] = {}
    layers: dict[tuple[int, str, str], dict[Any, tuple[int, int]]] = {}  # (release, annotator, kind) → live spans
    for a, uid, ver in store.tag_rows():
        ours[uid] = (a, ver)
        if a.deleted_at is None:
            live[(a.release_id, a.kind, a.label, a.start, a.end, a.annotator, a.status)] = a.id
            if a.status == "accepted":
                layers.setdefault((a.release_id, a.annotator, a.kind), {})[uid] = (a.start, a.end)
    labels = {row["name"]: row["kind"] for row in store.stored_labels()}
    tag_map: dict[int, int] = {}
    aliases: dict[str, int] = {}
    pending: list[tuple[dict[str, Any], int | None, int]] = []  # (row, id here or None, their id)
    for a, uid, ver in other.tag_rows():
        if a.release_id not in release_map:
            continue  # its release was refused (reported above)
        here_release = release_map[a.release_id]
        mine = ours.get(uid)
        if mine is not None and ver <= mine[1]:
            tag_map[a.id] = mine[0].id
            report.annotations_present += 1
            if both.conflict(uid, mine[1], ver) and not _same(mine[0], a):
                report.conflicts.append(_conflict(uid, mine, a, ver, "here"))
            continue
        key = (here_release, a.kind, a.label, a.start, a.end, a.annotator, a.status)
        if mine is None and a.deleted_at is None and key in live:
            tag_map[a.id] = aliases[uid] = live[key]  # the same tag, merged before it had a uid, or tagged twice
            report.annotations_present += 1
            continue
        problem = _annotation_problem(a, texts[a.release_id])
        if problem is None and labels.setdefault(a.label, a.kind) != a.kind:
            problem = f"{a.label} is a{'n' * (labels[a.label] == 'entity')} {labels[a.label]} label here, used for a{'n' * (a.kind == 'entity')} {a.kind}"
        layer = layers.setdefault((here_release, a.annotator, a.kind), {})
        if problem is None and a.status == "accepted" and a.deleted_at is None:
            spans = [(s, e, u) for u, (s, e) in layer.items() if u != uid] + [(a.start, a.end, uid)]
            if crossing(spans):
                problem = f"crosses another of {a.annotator}'s {a.kind} tags in this database"
        if problem:
            report.refused.append(f"tag #{a.id} {a.label!r} of release #{a.release_id}: {problem}")
            continue
        if a.status == "accepted" and a.deleted_at is None:
            layer[uid] = (a.start, a.end)
        else:
            layer.pop(uid, None)
        if mine is not None:
            if both.conflict(uid, mine[1], ver) and not _same(mine[0], a):
                report.conflicts.append(_conflict(uid, mine, a, ver, "theirs"))
            report.annotations_updated += 1
            report.annotations_deleted += a.deleted_at is not None and mine[0].deleted_at is None
        else:
            report.annotations_added += 1
        row = {"release_id": here_release, "kind": a.kind, "label": a.label, "start": a.start, "end": a.end,
               "text": a.text, "status": a.status, "attributes": a.attributes, "annotator": a.annotator,
               "created_at": a.created_at, "updated_at": a.updated_at, "deleted_at": a.deleted_at,
               "uid": uid, "version": ver, "session_id": sessions.get(a.session_id or 0)}  # fmt: skip
        pending.append((row, mine[0].id if mine else None, a.id))
    # entities first: a claim's subject is an entity, named by its id in the other database, which
    # must be known here before the claim is written
    entities = [p for p in pending if p[0]["kind"] != "claim"]
    claims = [p for p in pending if p[0]["kind"] == "claim"]
    done = 0
    for group in (entities, claims):
        for start in range(0, len(group), BATCH):
            chunk = group[start : start + BATCH]
            for row, _, _ in chunk:
                row["attributes"] = _subject_mapped(row["attributes"], tag_map)
            with _batch(store, report):
                ids = store.put_tags([(row, existing) for row, existing, _ in chunk])
            tag_map.update({their: mine for (_, _, their), mine in zip(chunk, ids, strict=True)})
            done += len(chunk)
            progress("annotations", done, len(pending))
    store.ensure_labels({row["label"]: row["kind"] for row, _, _ in pending})
    return tag_map, aliases


def _same(x: Annotation, y: Annotation) -> bool:
    """Whether two versions of a tag say the same (an edit both sides made alike is no conflict);
    the claim's subject is compared by neither side's ids."""

    def said(a: Annotation) -> tuple[Any, ...]:
        attrs = {k: v for k, v in a.attributes.items() if k != "subject_id"} if isinstance(a.attributes, dict) else {}
        return a.label, a.start, a.end, a.status, a.deleted_at is None, attrs

    return said(x) == said(y)


def _subject_mapped(attributes: Any, tag_map: dict[int, int]) -> Any:
    """A claim's attributes with its subject (a tag id in the other database) as the id of the
    same tag here; a subject that did not come over is dropped (its ``subject_text`` stays)."""
    subject = attributes.get("subject_id") if isinstance(attributes, dict) else None
    if subject is None:
        return attributes
    out = dict(attributes)
    if isinstance(subject, int) and subject in tag_map:
        out["subject_id"] = tag_map[subject]
    else:
        del out["subject_id"]
    return out


def _conflict(uid: str, mine: tuple[Annotation, str], a: Annotation, ver: str, winner: str) -> Conflict:
    def state(x: Annotation) -> str:
        return f"{x.label} {x.start}–{x.end} {x.status}" + (" deleted" if x.deleted_at else "")

    return Conflict(uid, f"tag 「{a.text[:30]}」", f"{state(mine[0])} ({mine[1]})", f"{state(a)} ({ver})", winner)


def _merge_links(
    store: Store,
    other: Store,
    tag_map: dict[int, int],
    both: Sync,
    report: MergeReport,
    progress: Callable[[str, int, int], None],
) -> dict[str, int]:
    """Links by uid, the later version winning; their ends mapped through ``tag_map``. Returns
    link uid → id here."""
    ours = {uid: (link, ver) for link, uid, ver in store.link_rows()}
    live = {(l.source_id, l.target_id, l.kind) for l, _ in ours.values() if l.deleted_at is None}
    claims = {a.id for a, _, _ in store.tag_rows() if a.kind == "claim"}
    link_map = {uid: link.id for uid, (link, _) in ours.items()}
    pending: list[tuple[dict[str, Any], int | None]] = []
    for link, uid, ver in other.link_rows():
        if link.source_id not in tag_map or link.target_id not in tag_map:
            continue  # a tag it joins was refused (reported above)
        mine = ours.get(uid)
        if mine is not None and ver <= mine[1]:
            if both.conflict(uid, mine[1], ver):
                report.conflicts.append(Conflict(uid, f"link {link.kind}", mine[1], ver, "here"))
            continue
        source, target = tag_map[link.source_id], tag_map[link.target_id]
        if (
            mine is None
            and link.deleted_at is None
            and ((source, target, link.kind) in live or (target, source, link.kind) in live)
        ):
            continue
        problem = _link_problem(link)
        if problem is None and (source == target or source not in claims or target not in claims):
            problem = "links join two different claims"
        if problem:
            report.refused.append(f"link #{link.id}: {problem}")
            continue
        if mine is not None:
            if both.conflict(uid, mine[1], ver):
                report.conflicts.append(Conflict(uid, f"link {link.kind}", mine[1], ver, "theirs"))
            report.links_updated += 1
        else:
            report.links_added += 1
        if link.deleted_at is None:
            live.add((source, target, link.kind))
        pending.append(
            ({"source_id": source, "target_id": target, "kind": link.kind, "annotator": link.annotator,
              "created_at": link.created_at, "deleted_at": link.deleted_at, "uid": uid, "version": ver},
             mine[0].id if mine else None)
        )  # fmt: skip
    for start in range(0, len(pending), BATCH):
        with _batch(store, report):
            store.put_links(pending[start : start + BATCH])
        progress("links", min(start + BATCH, len(pending)), len(pending))
    if pending:
        link_map = {uid: link.id for link, uid, _ in store.link_rows()}
    return link_map


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
