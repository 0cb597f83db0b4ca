"""Assignments (who annotates which release), a database's own settings, and packing one
annotator's share into a new database. Part of ``Store`` (a mixin): SQL lives in the store."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hkpr_tui.store.base import StoreBase, utc_now

if TYPE_CHECKING:
    from hkpr_tui.store.store import Store

CHUNK = 500
"""Ids per ``IN (...)``: never more than SQLite's variable limit in one statement."""


def _chunks(ids: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _marks(ids: Sequence[Any]) -> str:
    return ",".join("?" * len(ids))


@dataclass(frozen=True)
class PackCounts:
    releases: int
    groups: int
    annotations: int
    links: int
    labels: int


class AssignmentStore(StoreBase):
    """Assignments, settings and packing; a base of ``Store``."""

    # -- assignments -----------------------------------------------------------------------

    def assignments(self, annotator: str | None = None) -> dict[int, list[str]]:
        """Release id → its annotators (sorted), of every release or of ``annotator``'s."""
        sql = "SELECT release_id, annotator FROM assignments"
        params: list[Any] = []
        if annotator is not None:
            sql += " WHERE annotator = ?"
            params.append(annotator)
        out: dict[int, list[str]] = {}
        for release_id, name in self.db.execute(sql + " ORDER BY release_id, annotator", params).fetchall():
            out.setdefault(int(release_id), []).append(str(name))
        return out

    def assigned_release_ids(self, annotator: str) -> list[int]:
        return [
            int(r[0])
            for r in self.db.execute(
                "SELECT release_id FROM assignments WHERE annotator = ? ORDER BY release_id", [annotator]
            ).fetchall()
        ]

    def assignment_counts(self) -> dict[str, dict[str, int]]:
        """Annotator → {"assigned": releases, "done": those of them marked done}."""
        rows = self.db.execute(
            "SELECT a.annotator, count(*), sum(r.status = 'done') FROM assignments a "
            "JOIN releases r ON r.id = a.release_id GROUP BY a.annotator ORDER BY a.annotator"
        ).fetchall()
        return {str(name): {"assigned": int(n), "done": int(done or 0)} for name, n, done in rows}

    def assign(
        self,
        rows: Mapping[int, Sequence[str]],
        *,
        assigned_by: str,
        replace: Sequence[int] = (),
        payload: dict[str, Any] | None = None,
    ) -> None:
        """In one transaction: drop the assignments of the releases in ``replace``, assign each
        release of ``rows`` to its annotators (an existing pair is kept), and log it."""
        now = utc_now()
        with self.write():
            conn = self.db.conn
            for chunk in _chunks(list(replace)):
                conn.execute(f"DELETE FROM assignments WHERE release_id IN ({_marks(chunk)})", list(chunk))
            conn.executemany(
                "INSERT OR IGNORE INTO assignments (release_id, annotator, assigned_at, assigned_by) VALUES (?,?,?,?)",
                [(release_id, name, now, assigned_by) for release_id, names in rows.items() for name in names],
            )
            self._log(assigned_by, "assign", "assignments", None, payload or {}, at=now)

    def add_assignments(self, rows: Iterable[tuple[int, str, str, str]]) -> int:
        """Add (release id, annotator, assigned_at, assigned_by) rows this database does not have
        (a merge), in the caller's transaction or one of its own; returns how many were new."""
        with self.write():
            before = self.db.conn.total_changes
            self.db.conn.executemany(
                "INSERT OR IGNORE INTO assignments (release_id, annotator, assigned_at, assigned_by) VALUES (?,?,?,?)",
                list(rows),
            )
            return self.db.conn.total_changes - before

    def assignment_rows(self) -> list[tuple[int, str, str, str]]:
        return [
            (int(r[0]), str(r[1]), str(r[2]), str(r[3]))
            for r in self.db.execute(
                "SELECT release_id, annotator, assigned_at, assigned_by FROM assignments ORDER BY release_id, annotator"
            ).fetchall()
        ]

    # -- settings ---------------------------------------------------------------------------

    def setting(self, name: str) -> Any:
        """The value of a setting this database carries (None when it has none, or it is unreadable)."""
        row = self.db.execute("SELECT value FROM settings WHERE name = ?", [name]).fetchone()
        if row is None:
            return None
        try:
            return json.loads(row[0])
        except (TypeError, ValueError, RecursionError):
            return None

    def set_setting(self, name: str, value: Any) -> None:
        with self.write():
            self.db.execute(
                "INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                [name, json.dumps(value, ensure_ascii=False)],
            )

    # -- packing ----------------------------------------------------------------------------

    def _columns(self, table: str) -> list[str]:
        return [str(c[1]) for c in self.db.execute("SELECT * FROM pragma_table_info(?)", [table]).fetchall()]

    def pack_into(self, target: Store, annotator: str) -> PackCounts:
        """Copy ``annotator``'s assigned releases into ``target`` (a new, empty hkpr database), with
        their groups, paragraphs, sentences, search index, signatures and statuses (ids kept); every
        label; ``annotator``'s assignments; and ``annotator``'s own live tags on them and live links
        between those (never another annotator's: the annotation stays blind). Sessions are not
        copied (a copied tag's session is left empty). One transaction in ``target``."""
        ids = self.assigned_release_ids(annotator)
        if not ids:
            raise KeyError(f"nothing is assigned to {annotator}")

        def rows(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
            return [tuple(r) for r in self.db.execute(sql, list(params)).fetchall()]

        def by_ids(table: str, column: str, extra: str = "", params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
            cols = ", ".join(f'"{c}"' for c in self._columns(table))
            out: list[tuple[Any, ...]] = []
            for chunk in _chunks(ids):
                out += rows(f"SELECT {cols} FROM {table} WHERE {column} IN ({_marks(chunk)}){extra}", [*chunk, *params])
            return out

        def insert(table: str, values: list[tuple[Any, ...]], columns: Sequence[str] | None = None) -> None:
            cols = list(columns or self._columns(table))
            if values:
                target.db.conn.executemany(
                    f"INSERT INTO {table} ({', '.join(chr(34) + c + chr(34) for c in cols)}) VALUES ({_marks(cols)})",
                    values,
                )

        releases = by_ids("releases", "id")
        group_ids = sorted({int(r[self._columns("releases").index("group_id")]) for r in releases})
        groups: list[tuple[Any, ...]] = []
        for chunk in _chunks(group_ids):
            groups += rows(f"SELECT id, key FROM release_groups WHERE id IN ({_marks(chunk)})", chunk)
        columns = self._columns("annotations")
        annotations = [
            tuple(None if c == "session_id" else v for c, v in zip(columns, r))
            for r in by_ids("annotations", "release_id", " AND annotator = ? AND deleted_at IS NULL", [annotator])
        ]
        copied = {r[0] for r in annotations}
        links = [
            r
            for r in rows(
                f"SELECT {', '.join(self._columns('links'))} FROM links WHERE annotator = ? AND deleted_at IS NULL",
                [annotator],
            )
            if r[1] in copied and r[2] in copied
        ]
        labels = rows(f"SELECT {', '.join(chr(34) + c + chr(34) for c in self._columns('labels'))} FROM labels")
        # the events of the copied rows, so a merge back knows which versions the pack has seen
        at_hash = self._columns("releases").index("content_hash")
        at_uid, at_link_uid = columns.index("uid"), self._columns("links").index("uid")
        uids = [str(r[at_hash]) for r in releases] + [str(r[at_uid]) for r in annotations if r[at_uid]]
        uids += [str(r[at_link_uid]) for r in links if r[at_link_uid]]
        event_columns = [c for c in self._columns("events") if c != "id"]
        events: list[tuple[Any, ...]] = []
        for chunk in _chunks(uids):
            events += rows(
                f"SELECT {', '.join(chr(34) + c + chr(34) for c in event_columns)} FROM events "
                f"WHERE uid IN ({_marks(chunk)}) ORDER BY id",
                chunk,
            )
        fts: list[tuple[Any, ...]] = []
        for chunk in _chunks(ids):
            fts += rows(f"SELECT rowid, title, body FROM release_fts WHERE rowid IN ({_marks(chunk)})", chunk)
        with target.write():
            insert("release_groups", groups, ["id", "key"])
            insert("releases", releases)
            insert("paragraphs", by_ids("paragraphs", "release_id"))
            insert("sentences", by_ids("sentences", "release_id"))
            insert("release_fts", fts, ["rowid", "title", "body"])
            insert("release_ends", by_ids("release_ends", "release_id"))
            insert("release_signatures", by_ids("release_signatures", "release_id"))
            insert("release_bands", by_ids("release_bands", "release_id"))
            insert("labels", labels)
            insert("assignments", by_ids("assignments", "release_id", " AND annotator = ?", [annotator]))
            insert("annotations", annotations, columns)
            get = {c: i for i, c in enumerate(columns)}
            target._known(
                (str(r[get["text"]]), str(r[get["label"]]), 1)
                for r in annotations
                if r[get["kind"]] == "entity" and r[get["status"]] == "accepted"
            )
            insert("links", links)
            insert("events", [tuple(None if c == "session_id" else v for c, v in zip(event_columns, e)) for e in events],
                   event_columns)  # fmt: skip
        return PackCounts(len(releases), len(groups), len(annotations), len(links), len(labels))

    def seal(self) -> None:
        """Fold the write-ahead log into the file and leave WAL mode, so the file alone holds the
        whole database (to be renamed, copied or handed over); ``Store.open`` turns WAL on again."""
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.execute("PRAGMA journal_mode = DELETE")
