"""The annotation half of the store: labels, spans, links, release status, sessions' summaries.

Every write is one transaction that also appends to the event log (who, when, what, before and
after), so an action the app has acknowledged is on disk. Deletions are soft (``deleted_at``), so
undo restores the same row. Part of ``Store`` (a mixin): the only other file that speaks SQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import fields
from typing import Any

from hkpr_tui.models import Annotation, Link, SessionSummary, ThreadPoint
from hkpr_tui.script import fold
from hkpr_tui.store.base import StoreBase, utc_now, version
from hkpr_tui.store.schema import legacy_uid

KINDS = ("entity", "claim")
STATUSES = ("todo", "in progress", "done")
LINK_KINDS = ("same_metric", "repeats", "contradicts")
TAG_STATUSES = ("accepted", "suggested", "rejected")  # the schema's CHECK on annotations.status
_LIVE = "deleted_at IS NULL AND status = 'accepted'"


GOLD = "gold"
"""The annotator whose tags are the adjudicated layer (annotate/adjudicate.py writes it; exports
and agreement read it apart from the annotators')."""

CLAIM_VALUE_KEYS = ("value", "unit", "qualifier")
"""The attributes of a claim two annotators must share to agree on it, besides its type (the label)
and its bounds: the value as normalised, its unit and its qualifier."""


def agreement_key(a: Annotation) -> tuple[Any, ...]:
    """What two annotators' tags must share to be the same tag: kind, label, bounds and, for a
    claim, its value attributes (numbers compared as numbers: 30 and 30.0 agree)."""

    def value(v: Any) -> Any:
        return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else v

    values = tuple(repr(value(a.attributes.get(k))) for k in CLAIM_VALUE_KEYS) if a.kind == "claim" else ()
    return (a.kind, a.label, a.start, a.end, values)


UNREADABLE = "unreadable attributes"
"""The attributes of a row whose stored JSON cannot be read (written by something else)."""


class SpanError(ValueError):
    """A span the store refuses (out of bounds, crossing another, a duplicate); says why."""


def _attributes(stored: Any) -> dict[str, Any]:
    """A tag's stored attributes as a dict; JSON that is not an object, or not JSON at all (imports
    and merges check attributes; a file written by something else may not have), is kept as
    ``{UNREADABLE: the first 200 characters}``."""
    if stored == "{}":  # most tags have none: nothing to parse
        return {}
    try:
        attributes = json.loads(stored or "{}")
    except (TypeError, ValueError, RecursionError):
        attributes = None
    return attributes if isinstance(attributes, dict) else {UNREADABLE: str(stored)[:200]}


_COLUMNS = ", ".join(f'"{f.name}"' for f in fields(Annotation))
"""The columns of an annotation row, in the order of Annotation's fields."""


def _annotation(row: Sequence[Any]) -> Annotation:
    """An Annotation from a row of ``_COLUMNS``. Its fields are set as the frozen dataclass's
    ``__init__`` sets them, at a third of the cost: an export reads every tag."""
    (id_, release_id, kind, label, start, end, text, status, attributes, annotator, session_id, created_at, updated_at,
     deleted_at) = row  # fmt: skip
    annotation = object.__new__(Annotation)
    object.__setattr__(annotation, "__dict__", {
        "id": id_, "release_id": release_id, "kind": kind, "label": label, "start": start, "end": end, "text": text,
        "status": status, "attributes": _attributes(attributes), "annotator": annotator, "session_id": session_id,
        "created_at": created_at, "updated_at": updated_at, "deleted_at": deleted_at,
    })  # fmt: skip
    return annotation


_LINK_COLUMNS = "id, source_id, target_id, kind, annotator, created_at, deleted_at"


class AnnotationStore(StoreBase):
    """Labels, annotations, links, status and sessions; the base of ``Store``."""

    # -- labels ----------------------------------------------------------------------------

    def sync_labels(self, labels: Iterable[Any]) -> None:
        """Record the label set in use (name, kind, key, colour, description, pii, position)."""
        with self.write():
            for label in labels:
                self.db.execute(
                    "INSERT INTO labels (name, kind, key, colour, description, position, pii) VALUES (?,?,?,?,?,?,?) "
                    "ON CONFLICT(name) DO UPDATE SET kind=excluded.kind, key=excluded.key, colour=excluded.colour, "
                    "description=excluded.description, position=excluded.position, pii=excluded.pii",
                    [
                        label.name,
                        label.kind,
                        label.key,
                        label.colour,
                        label.description,
                        label.position,
                        int(label.pii),
                    ],
                )

    def stored_labels(self) -> list[dict[str, Any]]:
        return list(
            self.db.query(
                "SELECT name, kind, key, colour, description, position, pii FROM labels ORDER BY position, name"
            )
        )

    def ensure_labels(self, names: dict[str, str]) -> list[str]:
        """Add labels (name → kind) this database does not know; return the names added."""
        known = {row["name"] for row in self.stored_labels()}
        added = [name for name in names if name not in known]
        with self.write():
            for position, name in enumerate(added, start=len(known)):
                self.db.execute(
                    "INSERT INTO labels (name, kind, colour, description, position) VALUES (?,?,?,?,?)",
                    [name, names[name], "#a0a0a0", "added by an import", position],
                )
        return added

    # -- reading annotations ---------------------------------------------------------------

    def annotation(self, annotation_id: int) -> Annotation:
        row = self.db.execute(f"SELECT {_COLUMNS} FROM annotations WHERE id = ?", [annotation_id]).fetchone()
        if row is None:
            raise KeyError(f"no annotation {annotation_id}")
        return _annotation(row)

    def annotations(self, release_id: int, *, statuses: Sequence[str] = ("accepted",)) -> list[Annotation]:
        """Live annotations of a release (not deleted), in text order, outer spans first."""
        marks = ",".join("?" * len(statuses))
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM annotations WHERE release_id = ? AND deleted_at IS NULL "
            f'AND status IN ({marks}) ORDER BY start, "end" DESC, id',
            [release_id, *statuses],
        ).fetchall()
        return [_annotation(row) for row in rows]

    def known_strings_in(self, text: str) -> dict[str, str]:
        """The strings tagged anywhere (script-folded) that may occur in ``text`` → their most used
        label: only those whose first two folded characters occur in it are read, through the
        ``known_strings`` table. The lookups follow the text's length; the rows read grow with the
        vocabulary of tagged strings sharing those two characters (2.6k rows for a 16.7k-character
        release with 10k tags stored, 19k with 1M: ``bench_growth``), not with the tags."""
        folded = fold(text)
        return self._most_used_labels("key", {folded[i : i + 2] for i in range(len(folded) - 1)})

    def known_labels(self, strings: Iterable[str]) -> dict[str, str | None]:
        """The most used label of each (folded) string among the strings tagged anywhere; None
        for a string no longer tagged. For keeping a release's suggestions up to date after a tag."""
        wanted = set(strings)
        best = self._most_used_labels("folded", wanted)
        return {string: best.get(string) for string in sorted(wanted)}

    def _most_used_labels(self, column: str, values: set[str]) -> dict[str, str]:
        """Folded string → its most used label, for the ``known_strings`` rows whose ``column``
        (``key`` or ``folded``) is one of ``values``."""
        assert column in ("key", "folded")
        keys = sorted(values)
        best: dict[str, tuple[str, int]] = {}
        for start in range(0, len(keys), 500):  # never more than 500 variables in one statement
            chunk = keys[start : start + 500]
            for string, label, n in self.db.execute(
                f"SELECT folded, label, n FROM known_strings WHERE {column} IN ({','.join('?' * len(chunk))}) AND n > 0",
                chunk,
            ).fetchall():
                if string not in best or n > best[string][1]:
                    best[string] = (label, n)
        return {string: label for string, (label, _) in best.items()}

    def _known(self, changes: Iterable[tuple[str, str, int]]) -> None:
        """Count tagged strings in and out of ``known_strings`` (text, label, +1 or -1), in the
        caller's transaction: every write of an accepted live entity calls it."""
        counts: dict[tuple[str, str], int] = {}
        for text, label, delta in changes:
            folded = fold(text)
            counts[(folded, label)] = counts.get((folded, label), 0) + delta
        rows = [(folded, label, folded[:2], n) for (folded, label), n in counts.items() if n and len(folded) >= 2]
        if rows:
            self.db.conn.executemany(
                "INSERT INTO known_strings (folded, label, key, n) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(folded, label) DO UPDATE SET n = n + excluded.n",
                rows,
            )

    @staticmethod
    def _counts(kind: str, status: str, deleted_at: str | None) -> bool:
        return kind == "entity" and status == "accepted" and deleted_at is None

    def known_strings(self) -> dict[str, str]:
        """Every entity text accepted anywhere → its most used label."""
        out: dict[str, tuple[str, int]] = {}
        for text, label, n in self.db.execute(
            f"SELECT text, label, count(*) FROM annotations WHERE kind = 'entity' AND {_LIVE} GROUP BY text, label"
        ).fetchall():
            if text not in out or n > out[text][1]:
                out[text] = (label, n)
        return {text: label for text, (label, _) in out.items()}

    # -- writing annotations ---------------------------------------------------------------

    def _check_span(
        self,
        release_id: int,
        kind: str,
        label: str,
        start: int,
        end: int,
        *,
        ignore: int | None = None,
        status: str = "accepted",
        annotator: str | None = None,
    ) -> str:
        """The text ``[start, end)`` covers; raise SpanError for a span this release cannot take.
        Crossing and duplicates are checked against the same annotator's live spans of the same
        kind (a merged database holds several annotators' independent work)."""
        if kind not in KINDS:
            raise SpanError(f"unknown kind {kind!r}")
        row = self.db.execute(
            "SELECT substr(text, ?, ?), length(text) FROM releases WHERE id = ?", [start + 1, end - start, release_id]
        ).fetchone()
        if row is None:
            raise SpanError(f"no release {release_id}")
        text, length = row
        if not 0 <= start < end <= length:
            raise SpanError(f"span {start}–{end} is outside the release (0–{length})")
        if status != "accepted":
            return str(text)
        for other in list(
            self.db.query(
                f'SELECT id, label, start, "end", text FROM annotations WHERE release_id = ? AND kind = ? '
                f'AND {_LIVE} AND start < ? AND "end" > ? AND (? IS NULL OR annotator = ?)',
                [release_id, kind, end, start, annotator, annotator],
            )
        ):
            if other["id"] == ignore:
                continue
            s, e = other["start"], other["end"]
            if (s, e) == (start, end):
                raise SpanError(f"「{text}」 is already tagged {other['label']} (e changes its label)")
            if s < start < e < end or start < s < end < e:
                raise SpanError(
                    f"「{text}」 crosses 「{other['text']}」 ({other['label']}): spans may nest but not cross"
                )
        return str(text)

    def add_annotation(
        self,
        release_id: int,
        kind: str,
        label: str,
        start: int,
        end: int,
        *,
        annotator: str,
        session_id: int | None = None,
        status: str = "accepted",
        attributes: dict[str, Any] | None = None,
        action: str = "tag",
    ) -> Annotation:
        """Store one span (refusing crossing or duplicate spans) and log it; one commit."""
        with self.write():
            text = self._check_span(release_id, kind, label, start, end, status=status, annotator=annotator)
            now = utc_now()
            stamp = self._stamp()
            uid = f"{stamp[0]}:{stamp[1]}" if stamp else None
            cursor = self.db.execute(
                'INSERT INTO annotations (release_id, kind, label, start, "end", text, status, attributes, annotator, '
                "session_id, created_at, updated_at" + (", uid, version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)" if stamp
                else ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"),
                [release_id, kind, label, start, end, text, status, json.dumps(attributes or {}, ensure_ascii=False),
                 annotator, session_id, now, now, *((uid, version(now, stamp)) if stamp else ())],
            )  # fmt: skip
            annotation_id = int(cursor.lastrowid or 0)
            if self._counts(kind, status, None):
                self._known([(text, label, 1)])
            payload = {"release_id": release_id, "kind": kind, "label": label, "start": start, "end": end,
                       "text": text, "status": status, "attributes": attributes or {},
                       "state": self._tag_state(annotation_id)}  # fmt: skip
            self._event(annotator, session_id, action, "annotations", annotation_id, payload, now, uid=uid, stamp=stamp)
        return Annotation(
            annotation_id,
            release_id,
            kind,
            label,
            start,
            end,
            text,
            status,
            attributes or {},
            annotator,
            session_id,
            now,
            now,
        )

    _INSERT_COLUMNS = ("release_id", "kind", "label", "start", "end", "text", "status", "attributes", "annotator",
                       "session_id", "created_at", "updated_at", "deleted_at", "uid", "version")  # fmt: skip
    _INSERT_SQL = (
        f"INSERT INTO annotations ({', '.join(chr(34) + c + chr(34) for c in _INSERT_COLUMNS)}) "
        f"VALUES ({','.join('?' * len(_INSERT_COLUMNS))})"
    )

    @staticmethod
    def _insert_values(row: dict[str, Any], now: str, stamp: tuple[str, int] | None) -> list[Any]:
        """The values of ``_INSERT_COLUMNS`` for ``row``: a row without a uid and version (an import)
        gets new ones from ``stamp`` (this database's origin and a sequence number of its own)."""
        attributes = row.get("attributes") or {}
        updated = row.get("updated_at", now)
        return [
            row["release_id"], row["kind"], row["label"], row["start"], row["end"], row["text"],
            row.get("status", "accepted"), attributes if isinstance(attributes, str) else json.dumps(attributes, ensure_ascii=False),
            row.get("annotator", ""), row.get("session_id"), row.get("created_at", now), updated,
            row.get("deleted_at"), row.get("uid") or (f"{stamp[0]}:{stamp[1]}" if stamp else None),
            row.get("version") or version(updated, stamp),
        ]  # fmt: skip

    def insert_annotation(self, row: dict[str, Any]) -> int:
        """Insert one annotation row validated elsewhere; returns its id. No event."""
        with self.write():
            values = self._insert_values(row, utc_now(), self._stamp())
            annotation_id = int(self.db.execute(self._INSERT_SQL, values).lastrowid or 0)
            self._known_rows([values])
        return annotation_id

    def _known_rows(self, values: Iterable[list[Any]]) -> None:
        """Count the rows of ``_INSERT_COLUMNS`` values that are accepted live entities in."""
        self._known((v[5], v[2], 1) for v in values if self._counts(v[1], v[6], v[12]))

    def insert_annotations(self, rows: Iterable[dict[str, Any]], *, batch: int = 10_000) -> int:
        """Bulk insert annotation rows that were validated elsewhere (merges, imports, benchmarks):
        no crossing check and no event per row. Returns the number inserted."""
        now = utc_now()
        total = 0
        pending: list[dict[str, Any]] = []

        def flush() -> None:
            with self.write():
                stamp = self._stamp(len(pending))
                values = [
                    self._insert_values(row, now, (stamp[0], stamp[1] + i) if stamp else None)
                    for i, row in enumerate(pending)
                ]
                self.db.conn.executemany(self._INSERT_SQL, values)
                self._known_rows(values)
            pending.clear()

        for row in rows:
            pending.append(row)
            total += 1
            if len(pending) >= batch:
                flush()
        if pending:
            flush()
        return total

    def live_annotations(
        self,
        release_ids: Sequence[int] | None = None,
        *,
        annotators: Sequence[str] | None = None,
        labels: Sequence[str] | None = None,
        statuses: Sequence[str] = ("accepted",),
        kinds: Sequence[str] | None = None,
    ) -> dict[int, list[Annotation]]:
        """Live annotations by release (text order, outer first), filtered; for exports and agreement."""
        if tuple(statuses) == ("accepted",):  # written out, so the partial index annotations_text serves kinds
            where, params = ["deleted_at IS NULL", "status = 'accepted'"], []
        else:
            where, params = ["deleted_at IS NULL", f"status IN ({','.join('?' * len(statuses))})"], [*statuses]
        if kinds:
            where.append(f"kind IN ({','.join('?' * len(kinds))})")
            params += list(kinds)
        if annotators:
            where.append(f"annotator IN ({','.join('?' * len(annotators))})")
            params += list(annotators)
        if labels:
            where.append(f"label IN ({','.join('?' * len(labels))})")
            params += list(labels)
        out: dict[int, list[Annotation]] = {}
        ids = list(release_ids) if release_ids is not None else None
        chunks = [ids[i : i + 500] for i in range(0, len(ids), 500)] if ids is not None else [None]
        for chunk in chunks:  # never more than 500 variables in one statement
            clause = list(where)
            extra: list[Any] = []
            if chunk is not None:
                clause.append(f"release_id IN ({','.join('?' * len(chunk))})")
                extra = list(chunk)
            rows = self._rows(
                f'SELECT {_COLUMNS} FROM annotations WHERE {" AND ".join(clause)} ORDER BY release_id, start, "end" DESC, id',
                [*params, *extra],
            )
            for row in rows:
                a = _annotation(row)
                out.setdefault(a.release_id, []).append(a)
        return out

    def group_keys(self, release_ids: Sequence[int] | None = None) -> dict[int, str]:
        """Release id → the key of its group (versions of one release share it); of every release,
        or of ``release_ids`` (at most 500)."""
        sql = "SELECT r.id, g.key FROM releases r JOIN release_groups g ON g.id = r.group_id"
        if release_ids is None:
            return dict(self.db.execute(sql).fetchall())
        if len(release_ids) > 500:
            raise ValueError("at most 500 releases at a time")
        marks = ",".join("?" * len(release_ids))
        return dict(self.db.execute(f"{sql} WHERE r.id IN ({marks})", list(release_ids)).fetchall())

    def annotation_releases(self, annotation_ids: Iterable[int]) -> dict[int, int]:
        """Annotation id → its release id, for the ids that name an annotation."""
        ids = sorted(set(annotation_ids))
        out: dict[int, int] = {}
        for n in range(0, len(ids), 500):
            chunk = ids[n : n + 500]
            marks = ",".join("?" * len(chunk))
            out.update(
                self.db.execute(f"SELECT id, release_id FROM annotations WHERE id IN ({marks})", chunk).fetchall()
            )
        return out

    def subject_references(self) -> set[Any]:
        """Every ``subject_id`` a live annotation's attributes name (a claim's subject is another tag)."""
        out: set[Any] = set()
        for (attributes,) in self.db.execute(
            "SELECT attributes FROM annotations WHERE deleted_at IS NULL AND attributes LIKE '%subject_id%'"
        ):
            try:
                value = json.loads(attributes)
            except (TypeError, ValueError, RecursionError):
                continue
            if isinstance(value, dict) and "subject_id" in value:
                try:
                    out.add(value["subject_id"])
                except TypeError:  # not hashable: it can name no annotation
                    continue
        return out

    def release_ids_by_hash(self) -> dict[str, int]:
        return {h: i for i, h in self.db.execute("SELECT id, content_hash FROM releases").fetchall()}

    def annotators(self) -> list[str]:
        """Who has live accepted tags (the gold layer included)."""
        return [
            r[0]
            for r in self.db.execute(
                "SELECT DISTINCT annotator FROM annotations WHERE deleted_at IS NULL AND status = 'accepted' ORDER BY 1"
            )
        ]

    def log_event(
        self,
        annotator: str,
        action: str,
        entity: str,
        payload: dict[str, Any],
        *,
        entity_id: int | None = None,
        session_id: int | None = None,
    ) -> None:
        """Record an action that is not one row's change (an import of annotations, a merge, an
        adjudication of a release's item)."""
        with self.write():
            uid = None  # a release's stable id is its content hash: the event maps onto it in a merge
            if entity == "releases" and entity_id is not None:
                row = self.db.execute("SELECT content_hash FROM releases WHERE id = ?", [entity_id]).fetchone()
                uid = str(row[0]) if row else None
            self._log(annotator, action, entity, entity_id, payload, session_id=session_id, at=utc_now(), uid=uid)

    def release_events(self, release_id: int, action: str) -> list[dict[str, Any]]:
        """The events ``action`` logged about a release (``log_event`` with the release's id), oldest
        first: id, at, annotator, session_id and the payload read back."""
        out = []
        for row in self.db.query(
            "SELECT id, at, annotator, session_id, payload FROM events WHERE entity = 'releases' AND entity_id = ? "
            "AND action = ? ORDER BY id",
            [release_id, action],
        ):
            try:
                payload = json.loads(row["payload"] or "{}")
            except (TypeError, ValueError, RecursionError):
                payload = {}
            row["payload"] = payload if isinstance(payload, dict) else {}
            out.append(row)
        return out

    def count_annotations(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM annotations").fetchone()[0])

    def update_annotation(
        self,
        annotation_id: int,
        *,
        annotator: str,
        session_id: int | None = None,
        label: str | None = None,
        start: int | None = None,
        end: int | None = None,
        attributes: dict[str, Any] | None = None,
        status: str | None = None,
        action: str = "edit",
    ) -> Annotation:
        with self.write():
            before = self.annotation(annotation_id)
            new_start = before.start if start is None else start
            new_end = before.end if end is None else end
            new_status = status or before.status
            text = before.text
            if (new_start, new_end) != (before.start, before.end) or new_status != before.status:
                text = self._check_span(
                    before.release_id, before.kind, label or before.label, new_start, new_end, ignore=annotation_id,
                    status=new_status, annotator=before.annotator,
                )  # fmt: skip
            after = {
                "label": label or before.label,
                "start": new_start,
                "end": new_end,
                "text": text,
                "status": new_status,
                "attributes": before.attributes if attributes is None else attributes,
            }
            now = utc_now()
            uid, stamp = self._uid_of(annotation_id), self._stamp()
            self.db.execute(
                'UPDATE annotations SET label = ?, start = ?, "end" = ?, text = ?, status = ?, attributes = ?, '
                "updated_at = ?" + (", version = ?" if stamp else "") + " WHERE id = ?",
                [after["label"], new_start, new_end, text, new_status, json.dumps(after["attributes"], ensure_ascii=False),
                 now, *([version(now, stamp)] if stamp else []), annotation_id],
            )  # fmt: skip
            self._known(
                [(before.text, before.label, -1)] * self._counts(before.kind, before.status, before.deleted_at)
                + [(text, label or before.label, 1)] * self._counts(before.kind, new_status, before.deleted_at)
            )
            previous = {k: getattr(before, k) for k in after}
            payload = {"before": previous, "after": after, "state": self._tag_state(annotation_id)}
            self._event(annotator, session_id, action, "annotations", annotation_id, payload, now, uid=uid, stamp=stamp)
        return self.annotation(annotation_id)

    def set_annotation_deleted(
        self,
        annotation_id: int,
        deleted: bool,
        *,
        annotator: str,
        session_id: int | None = None,
        action: str | None = None,
    ) -> Annotation:
        """Delete (softly) or restore an annotation; a restore re-checks that it still fits."""
        with self.write():
            current = self.annotation(annotation_id)
            if not deleted and current.deleted_at is not None:
                self._check_span(
                    current.release_id, current.kind, current.label, current.start, current.end,
                    ignore=annotation_id, status=current.status, annotator=current.annotator,
                )  # fmt: skip
            now = utc_now()
            uid, stamp = self._uid_of(annotation_id), self._stamp()
            self.db.execute(
                "UPDATE annotations SET deleted_at = ?, updated_at = ?"
                + (", version = ?" if stamp else "")
                + " WHERE id = ?",
                [now if deleted else None, now, *([version(now, stamp)] if stamp else []), annotation_id],
            )
            was = self._counts(current.kind, current.status, current.deleted_at)
            now_counts = self._counts(current.kind, current.status, now if deleted else None)
            if was != now_counts:
                self._known([(current.text, current.label, 1 if now_counts else -1)])
            self._event(
                annotator, session_id, action or ("delete" if deleted else "restore"), "annotations", annotation_id,
                {"release_id": current.release_id, "label": current.label, "text": current.text,
                 "state": self._tag_state(annotation_id)}, now, uid=uid, stamp=stamp,
            )  # fmt: skip
        return self.annotation(annotation_id)

    def add_link(
        self,
        source_id: int,
        target_id: int,
        kind: str,
        *,
        annotator: str,
        session_id: int | None = None,
        action: str = "link",
        created_at: str | None = None,
    ) -> Link:
        if kind not in LINK_KINDS:
            raise SpanError(f"unknown link kind {kind!r} (one of {', '.join(LINK_KINDS)})")
        if source_id == target_id:
            raise SpanError("a claim cannot be linked to itself")
        with self.write():
            for annotation_id in (source_id, target_id):
                if self.annotation(annotation_id).kind != "claim":
                    raise SpanError("links join claims: tag both spans as claims first (c)")
            existing = self.db.execute(
                "SELECT id FROM links WHERE deleted_at IS NULL AND kind = ? AND "
                "((source_id = ? AND target_id = ?) OR (source_id = ? AND target_id = ?))",
                [kind, source_id, target_id, target_id, source_id],
            ).fetchone()
            if existing:
                raise SpanError("these two claims are already linked that way")
            now = created_at or utc_now()
            stamp = self._stamp()
            uid = f"{stamp[0]}:{stamp[1]}" if stamp else None
            cursor = self.db.execute(
                "INSERT INTO links (source_id, target_id, kind, annotator, created_at"
                + (", uid, version) VALUES (?,?,?,?,?,?,?)" if stamp else ") VALUES (?,?,?,?,?)"),
                [source_id, target_id, kind, annotator, now, *((uid, version(now, stamp)) if stamp else ())],
            )
            link_id = int(cursor.lastrowid or 0)
            payload = {"source_id": source_id, "target_id": target_id, "kind": kind, "state": self._link_state(link_id)}
            self._event(annotator, session_id, action, "links", link_id, payload, now, uid=uid, stamp=stamp)
        return Link(link_id, source_id, target_id, kind, annotator, now)

    def set_link_deleted(
        self, link_id: int, deleted: bool, *, annotator: str, session_id: int | None = None, action: str | None = None
    ) -> None:
        with self.write():
            now = utc_now()
            stamp = self._stamp()
            self.db.execute(
                "UPDATE links SET deleted_at = ?" + (", version = ?" if stamp else "") + " WHERE id = ?",
                [now if deleted else None, *([version(now, stamp)] if stamp else []), link_id],
            )
            state = self._link_state(link_id)
            self._event(annotator, session_id, action or ("unlink" if deleted else "relink"), "links", link_id,
                        {"state": state}, now, uid=state.get("uid"), stamp=stamp)  # fmt: skip

    def link_deleted_at(self, link_id: int) -> str | None:
        row = self.db.execute("SELECT deleted_at FROM links WHERE id = ?", [link_id]).fetchone()
        if row is None:
            raise KeyError(f"no link {link_id}")
        return row[0]

    def last_change(self, release_ids: Iterable[int], *, not_session: int | None = None) -> str | None:
        """Who last changed a tag, link or the status of these releases (outside ``not_session``):
        "bob at 2026-11-25 10:03:04 (delete)", for a refusal message."""
        ids = sorted(release_ids)
        if not ids:
            return None
        marks = ",".join("?" * len(ids))
        row = self.db.execute(
            f"SELECT annotator, at, action FROM events WHERE (session_id IS NULL OR session_id IS NOT ?) AND ("
            f"(entity = 'annotations' AND entity_id IN (SELECT id FROM annotations WHERE release_id IN ({marks}))) "
            f"OR (entity = 'releases' AND entity_id IN ({marks}))) ORDER BY id DESC LIMIT 1",
            [not_session, *ids, *ids],
        ).fetchone()
        return f"{row[0]} at {row[1][:19].replace('T', ' ')} ({row[2]})" if row else None

    def links(self, annotation_ids: Sequence[int] | None = None) -> list[Link]:
        if annotation_ids is None:
            rows = list(self.db.query(f"SELECT {_LINK_COLUMNS} FROM links WHERE deleted_at IS NULL ORDER BY id"))
        else:
            marks = ",".join("?" * len(annotation_ids))
            rows = list(
                self.db.query(
                    f"SELECT {_LINK_COLUMNS} FROM links WHERE deleted_at IS NULL AND (source_id IN ({marks}) OR target_id IN ({marks})) ORDER BY id",
                    [*annotation_ids, *annotation_ids],
                )
            )
        return [Link(**row) for row in rows]

    def thread(self, annotation_id: int) -> list[ThreadPoint]:
        """The claims joined to ``annotation_id`` by same-metric links (transitively), by date."""
        seen, frontier = {annotation_id}, [annotation_id]
        while frontier:
            marks = ",".join("?" * len(frontier))
            rows = self.db.execute(
                f"SELECT source_id, target_id FROM links WHERE deleted_at IS NULL AND kind = 'same_metric' "
                f"AND (source_id IN ({marks}) OR target_id IN ({marks}))",
                [*frontier, *frontier],
            ).fetchall()
            frontier = [i for pair in rows for i in pair if i not in seen]
            seen.update(frontier)
        marks = ",".join("?" * len(seen))
        points = []
        for row in list(
            self.db.query(
                f"SELECT a.id, a.release_id, r.title, r.date, a.text, a.attributes FROM annotations a "
                f"JOIN releases r ON r.id = a.release_id WHERE a.id IN ({marks}) AND a.deleted_at IS NULL",
                sorted(seen),
            )
        ):
            attrs = json.loads(row["attributes"] or "{}")
            points.append(
                ThreadPoint(
                    annotation_id=row["id"],
                    release_id=row["release_id"],
                    release_title=row["title"],
                    date=attrs.get("as_of") or row["date"],
                    text=row["text"],
                    value=attrs.get("value"),
                    unit=attrs.get("unit"),
                    qualifier=attrs.get("qualifier"),
                    metric=attrs.get("metric"),
                    subject=attrs.get("subject_text"),
                )
            )
        return sorted(points, key=lambda p: (p.date or "", p.annotation_id))

    # -- release status --------------------------------------------------------------------

    def set_status(
        self, release_id: int, status: str, *, annotator: str, session_id: int | None = None, action: str = "status"
    ) -> str:
        """Set a release's status; returns the status it had."""
        if status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}")
        with self.write():
            row = self.db.execute("SELECT status FROM releases WHERE id = ?", [release_id]).fetchone()
            if row is None:
                raise KeyError(f"no release {release_id}")
            now, stamp = utc_now(), self._stamp()
            self.db.execute(
                "UPDATE releases SET status = ?" + (", status_version = ?" if stamp else "") + " WHERE id = ?",
                [status, *([version(now, stamp)] if stamp else []), release_id],
            )
            state = self._release_state(release_id) if stamp else {}
            self._event(annotator, session_id, action, "releases", release_id,
                        {"before": row[0], "after": status, "state": state}, now, uid=state.get("content_hash"), stamp=stamp)  # fmt: skip
        return str(row[0])

    def release_status(self, release_id: int) -> str:
        row = self.db.execute("SELECT status FROM releases WHERE id = ?", [release_id]).fetchone()
        if row is None:
            raise KeyError(f"no release {release_id}")
        return str(row[0])

    def status_counts(self) -> dict[str, int]:
        """Releases by status: 'in progress' and 'done' counted from the status index, 'todo' as
        the rest (the schema's CHECK allows no other status). Grouping every release took ~4 ms
        at 100,000 (the library reads this on every start)."""
        counts = dict.fromkeys(STATUSES, 0)
        execute = self.db.execute
        for status in ("in progress", "done"):
            counts[status] = int(execute("SELECT count(*) FROM releases WHERE status = ?", [status]).fetchone()[0])
        counts["todo"] = int(execute("SELECT count(*) FROM releases").fetchone()[0]) - sum(counts.values())
        return counts

    # -- sessions --------------------------------------------------------------------------

    def session_summary(self, session_id: int) -> SessionSummary:
        row = self.db.execute(
            "SELECT id, annotator, started_at, ended_at, actions FROM sessions WHERE id = ?", [session_id]
        ).fetchone()
        if row is None:
            raise KeyError(f"no session {session_id}")
        tags = self.db.execute(
            f"SELECT count(*) FROM annotations WHERE session_id = ? AND {_LIVE}", [session_id]
        ).fetchone()[0]
        return SessionSummary(row[0], row[1], row[2], row[3], row[4], tags=int(tags))

    def session_summaries(self) -> list[SessionSummary]:
        tags = dict(
            self.db.execute(
                f"SELECT session_id, count(*) FROM annotations WHERE session_id IS NOT NULL AND {_LIVE} GROUP BY session_id"
            ).fetchall()
        )
        return [
            SessionSummary(row[0], row[1], row[2], row[3], row[4], tags=int(tags.get(row[0], 0)))
            for row in self.db.execute(
                "SELECT id, annotator, started_at, ended_at, actions FROM sessions ORDER BY id"
            ).fetchall()
        ]

    def _event(
        self,
        annotator: str,
        session_id: int | None,
        action: str,
        entity: str,
        entity_id: int,
        payload: dict[str, Any],
        at: str,
        *,
        uid: str | None = None,
        stamp: tuple[str, int] | None = None,
    ) -> None:
        if not payload.get("state"):
            payload.pop("state", None)
        self._log(annotator, action, entity, entity_id, payload, session_id=session_id, at=at, uid=uid, stamp=stamp)
        if session_id is not None:
            self.db.execute("UPDATE sessions SET actions = actions + 1 WHERE id = ?", [session_id])

    # -- stable ids (m006): the state an event leaves, for a merge to replay --------------------

    def _uid_of(self, annotation_id: int) -> str | None:
        """The tag's stable id; a row stored without one (by another program) is given its
        content-derived legacy id here, in the caller's transaction."""
        if not self._stamp_ready():
            return None
        row = self.db.execute(
            'SELECT a.uid, r.content_hash, a.kind, a.label, a.start, a."end", a.annotator, a.status, a.created_at '
            "FROM annotations a JOIN releases r ON r.id = a.release_id WHERE a.id = ?",
            [annotation_id],
        ).fetchone()
        if row is None or row[0]:
            return row[0] if row else None
        uid = legacy_uid(*row[1:])
        if self.db.execute("SELECT 1 FROM annotations WHERE uid = ?", [uid]).fetchone():
            uid = f"{uid}:{annotation_id}"
        self.db.execute("UPDATE annotations SET uid = ? WHERE id = ?", [uid, annotation_id])
        return uid

    def _tag_state(self, annotation_id: int) -> dict[str, Any]:
        """The tag as it is now, by stable ids (its release by content hash): an event's ``state``."""
        if not self._stamp_ready():
            return {}
        row = self.db.execute(
            'SELECT a.uid, r.content_hash, a.kind, a.label, a.start, a."end", a.text, a.status, a.attributes, '
            "a.annotator, a.created_at, a.updated_at, a.deleted_at, a.version FROM annotations a "
            "JOIN releases r ON r.id = a.release_id WHERE a.id = ?",
            [annotation_id],
        ).fetchone()
        keys = ("uid", "release", "kind", "label", "start", "end", "text", "status", "attributes", "annotator",
                "created_at", "updated_at", "deleted_at", "version")  # fmt: skip
        return dict(zip(keys, row, strict=True)) if row else {}

    def _link_state(self, link_id: int) -> dict[str, Any]:
        """The link as it is now, its ends by the tags' stable ids: an event's ``state``."""
        if not self._stamp_ready():
            return {}
        row = self.db.execute(
            "SELECT k.uid, s.uid, t.uid, k.kind, k.annotator, k.created_at, k.deleted_at, k.version FROM links k "
            "JOIN annotations s ON s.id = k.source_id JOIN annotations t ON t.id = k.target_id WHERE k.id = ?",
            [link_id],
        ).fetchone()
        keys = ("uid", "source", "target", "kind", "annotator", "created_at", "deleted_at", "version")
        return dict(zip(keys, row, strict=True)) if row else {}

    def _release_state(self, release_id: int) -> dict[str, Any]:
        row = self.db.execute(
            "SELECT content_hash, status, status_version FROM releases WHERE id = ?", [release_id]
        ).fetchone()
        return {"content_hash": row[0], "status": row[1], "status_version": row[2]} if row else {}

    # -- replication: what a merge reads and writes (hkpr_tui/export/merge.py) -----------------

    def tag_rows(self) -> list[tuple[Annotation, str, str]]:
        """Every tag, deleted ones too, with its stable id and version (a row stored without them
        by another program: its content-derived legacy id, and its update time as version)."""
        out = []
        taken: set[str] = set()
        for *values, uid, ver, content_hash in self.db.execute(
            f"SELECT {', '.join('a.' + c for c in _COLUMNS.split(', '))}, a.uid, a.version, r.content_hash "
            "FROM annotations a JOIN releases r ON r.id = a.release_id ORDER BY a.id"
        ).fetchall():
            a = _annotation(values)
            if not uid:
                uid = legacy_uid(content_hash, a.kind, a.label, a.start, a.end, a.annotator, a.status, a.created_at)
                uid = uid if uid not in taken else f"{uid}:{a.id}"
            taken.add(uid)
            out.append((a, str(uid), str(ver or f"{a.updated_at}||")))
        return out

    def link_rows(self) -> list[tuple[Link, str, str]]:
        """Every link, deleted ones too, with its stable id and version."""
        out = []
        for row in list(
            self.db.query(f"SELECT {_LINK_COLUMNS}, uid AS _uid, version AS _version FROM links ORDER BY id")
        ):
            uid, ver = row.pop("_uid"), row.pop("_version")
            link = Link(**row)
            uid = uid or legacy_uid("link", link.source_id, link.target_id, link.kind, link.annotator, link.created_at)
            out.append((link, str(uid), str(ver or f"{link.deleted_at or link.created_at}||")))
        return out

    def status_rows(self) -> dict[str, tuple[int, str, str]]:
        """Content hash → (release id, status, status version or '')."""
        return {
            str(h): (int(i), str(s), str(v or ""))
            for i, h, s, v in self.db.execute("SELECT id, content_hash, status, status_version FROM releases")
        }

    def event_rows(self) -> list[tuple[Any, ...]]:
        """Every event as (origin, seq, uid, at, annotator, action, entity, entity_id, payload); an
        event without a stable id (written by another program) gets its content-derived one."""
        from hkpr_tui.store.schema import legacy_event_origin

        out = []
        for row in self.db.execute(
            "SELECT id, at, annotator, action, entity, entity_id, payload, origin, seq, uid FROM events ORDER BY id"
        ):
            origin, seq = row[7], row[8]
            if origin is None or seq is None:
                origin, seq = legacy_event_origin(*row[:7]), row[0]
            out.append((origin, seq, row[9], *row[1:7]))
        return out

    def event_keys(self) -> list[tuple[str, int, str | None]]:
        """(origin, seq, uid) of every event: what this database has seen."""
        from hkpr_tui.store.schema import legacy_event_origin

        out = []
        for origin, seq, uid in self.db.execute("SELECT origin, seq, uid FROM events"):
            if origin is not None and seq is not None:
                out.append((origin, seq, uid))
        for row in self.db.execute(  # written by another program without stable ids: derived ones
            "SELECT id, at, annotator, action, entity, entity_id, payload, uid FROM events WHERE origin IS NULL OR seq IS NULL"
        ):
            out.append((legacy_event_origin(*row[:7]), row[0], row[7]))
        return out

    def put_tags(self, rows: Sequence[tuple[dict[str, Any], int | None]]) -> list[int]:
        """Write tags another database holds, validated by the caller: (row, id here or None to
        insert). The row's uid and version are kept; ``known_strings`` follows. No events (the
        other database's events are copied with ``insert_events``)."""
        ids = []
        with self.write():
            for row, existing in rows:
                values = self._insert_values(row, utc_now(), None)
                if existing is None:
                    ids.append(int(self.db.execute(self._INSERT_SQL, values).lastrowid or 0))
                    self._known_rows([values])
                    continue
                old = self.db.execute(
                    "SELECT kind, label, text, status, deleted_at FROM annotations WHERE id = ?", [existing]
                ).fetchone()
                self.db.execute(
                    'UPDATE annotations SET label = ?, start = ?, "end" = ?, text = ?, status = ?, attributes = ?, '
                    "annotator = ?, created_at = ?, updated_at = ?, deleted_at = ?, uid = ?, version = ? WHERE id = ?",
                    [*values[2:9], *values[10:15], existing],
                )
                self._known(
                    [(old[2], old[1], -1)] * self._counts(old[0], old[3], old[4]) + [(values[5], values[2], 1)] * self._counts(values[1], values[6], values[12])
                )  # fmt: skip
                ids.append(existing)
        return ids

    def put_links(self, rows: Sequence[tuple[dict[str, Any], int | None]]) -> None:
        """Write links another database holds (ends already mapped to ids here): insert, or
        overwrite the link with id ``existing``. No events."""
        with self.write():
            for row, existing in rows:
                values = [row["source_id"], row["target_id"], row["kind"], row["annotator"], row["created_at"],
                          row["deleted_at"], row["uid"], row["version"]]  # fmt: skip
                if existing is None:
                    self.db.execute(
                        "INSERT INTO links (source_id, target_id, kind, annotator, created_at, deleted_at, uid, version) "
                        "VALUES (?,?,?,?,?,?,?,?)",
                        values,
                    )
                else:
                    self.db.execute(
                        "UPDATE links SET source_id = ?, target_id = ?, kind = ?, annotator = ?, created_at = ?, "
                        "deleted_at = ?, uid = ?, version = ? WHERE id = ?",
                        [*values, existing],
                    )

    def put_statuses(self, rows: Sequence[tuple[int, str, str]]) -> None:
        """Set (release id, status, status version) from another database. No events."""
        with self.write():
            self.db.conn.executemany(
                "UPDATE releases SET status = ?, status_version = ? WHERE id = ?",
                [(status, ver or None, release_id) for release_id, status, ver in rows],
            )

    def insert_events(self, rows: Sequence[tuple[Any, ...]]) -> int:
        """Copy events of another database: (origin, seq, uid, at, annotator, action, entity,
        entity_id here or None, payload), outside any session; one already here is skipped."""
        with self.write():
            before = self.db.conn.total_changes
            self.db.conn.executemany(
                "INSERT OR IGNORE INTO events (origin, seq, uid, at, annotator, action, entity, entity_id, payload) "
                "VALUES (?,?,?,?,?,?,?,?,?)",
                rows,
            )
            return self.db.conn.total_changes - before

    def session_rows(self) -> list[tuple[int, str, str, str | None, int]]:
        """Every session: (id, annotator, started_at, ended_at, actions)."""
        return [
            (int(r[0]), r[1], r[2], r[3], r[4])
            for r in self.db.execute("SELECT id, annotator, started_at, ended_at, actions FROM sessions ORDER BY id")
        ]

    def put_sessions(self, rows: Sequence[tuple[int, str, str, str | None, int]]) -> dict[int, int]:
        """Bring in another database's sessions (checked by the caller): one here with the same
        annotator and start is the same session (its end and action count take the later and the
        larger); returns their id → id here."""
        out: dict[int, int] = {}
        with self.write():
            for their_id, annotator, started_at, ended_at, actions in rows:
                row = self.db.execute(
                    "SELECT id, ended_at, actions FROM sessions WHERE annotator = ? AND started_at = ?",
                    [annotator, started_at],
                ).fetchone()
                if row is None:
                    out[their_id] = int(
                        self.db.execute(
                            "INSERT INTO sessions (annotator, started_at, ended_at, actions) VALUES (?,?,?,?)",
                            [annotator, started_at, ended_at, actions],
                        ).lastrowid
                        or 0
                    )
                    continue
                out[their_id] = int(row[0])
                ended = max((e for e in (row[1], ended_at) if e), default=None)
                if ended != row[1] or actions > row[2]:
                    self.db.execute(
                        "UPDATE sessions SET ended_at = ?, actions = ? WHERE id = ?",
                        [ended, max(actions, row[2]), row[0]],
                    )
        return out

    def tag_ids(self) -> dict[str, int]:
        """Stable id → id here, of every tag that has one."""
        return {str(u): int(i) for u, i in self.db.execute("SELECT uid, id FROM annotations WHERE uid IS NOT NULL")}
