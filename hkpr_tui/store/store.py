"""``Store``: the only code that speaks SQL. Dataclasses in, dataclasses out.

Open a store with ``Store.open(path)`` (a file: WAL, busy timeout, migrations applied) or wrap
an existing connection with ``Store(db)``: a ``sqlite3.Connection``, or a ``sqlite_utils.Database``
(tests use ``Database(memory=True)``), whose connection the store then uses.
Nothing here runs at import time. A ``Store`` belongs to one thread; a worker opens its own.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from hkpr_tui.models import (
    AddResult,
    NewRelease,
    ParagraphSpan,
    Release,
    ReleaseFilter,
    ReleaseSummary,
    SearchHit,
    SearchPage,
    SentenceSpan,
    Stats,
)
from hkpr_tui.script import fold, search_key, search_key_of_folded
from hkpr_tui.store.annotations import AnnotationStore
from hkpr_tui.store.assignments import AssignmentStore
from hkpr_tui.store.base import (
    Connection,
    SchemaTooNewError,
    StoreError,
    translate,
    utc_now,
)
from hkpr_tui.store.schema import KNOWN_MIGRATIONS, MIGRATION_SET, MIGRATIONS_TABLE, apply_migrations, end_keys

if TYPE_CHECKING:
    from sqlite_utils import Database

BUSY_TIMEOUT_MS = 10_000

SORT_COLUMNS = {
    "date": "r.date",
    "organisation": "r.organisation",
    "title": "r.title",
    "script": "r.script",
    "status": "r.status",
    "id": "r.id",
}


SNIPPET_CONTEXT = 24

# Short search terms (``Store._search_ids``). Measured on the generated corpus at 100,000
# releases (benchmarks/bench_script.py): reading a release's folded text for a LIKE costs 2–6 µs,
# so the whole index is 0.3–0.7 s, while the newest 500 are 1–3 ms; the prefix range of
# ``release_terms`` costs what its postings cost (70 ms for 港, which occurs everywhere; well
# under a millisecond for a character that occurs in a few hundred releases); each trigram of a
# MATCH's OR costs 15–45 µs to open.
SHORT_WINDOW = 500
"""The newest releases a short-term query is first scanned in, and its terms' frequency taken from."""
SHORT_DENSE = 10
"""Hits in the window (2%) from which a short term counts as common: a LIKE scan then fills a page of
20 in about 50 rows per hit (~1,000 rows, a few ms), and its trigram postings would cost more."""
RANK_AMONG = 5000
"""A query of long terms matching more releases than this is ranked (bm25) among its newest this
many matches: bm25 scores every matching row, 88 ms for 数码港 in 93,000 of 100,000 releases,
~5 ms for 5,000; a term that common says little about relevance, and the newest matches are what
a reader of the press wants first. The page says so (``SearchPage.ranked_among``)."""
LONG_FEW = 1000
"""Rows the long terms match below which a short term is simply a LIKE on each (≤ 1,000 reads, a few ms)."""
MAX_PREFIX_TERMS = 2000
"""Trigrams starting with a short term beyond which the index is not used for it: an OR of 2,000
phrases takes 30–90 ms to open, what a LIKE scan of the newest 10,000–30,000 texts costs. A term
with so many different continuations is common somewhere, and the LIKE finds it there."""


def _quote(term: str) -> str:
    """A term as an FTS5 string: literal text, never query syntax."""
    return '"' + term.replace('"', '""') + '"'


def _match(terms: list[str]) -> str:
    return " ".join(_quote(t) for t in terms)


def _like_pattern(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _hit(row: tuple[Any, ...], term: str) -> SearchHit:
    release_id, title, organisation, date, script, source, text, folded = row
    start = search_key_of_folded(folded).find(term)  # the index's folded text: not folded again
    in_title = start < 0
    haystack = title if in_title else text
    if in_title:
        start = max(search_key(title).find(term), 0)
    end = start + len(term)
    lo, hi = max(0, start - SNIPPET_CONTEXT), min(len(haystack), end + SNIPPET_CONTEXT)
    snippet = ("…" if lo else "") + haystack[lo:hi] + ("…" if hi < len(haystack) else "")
    return SearchHit(
        release_id, title, organisation, date, script, source, start, end, " ".join(snippet.split()), in_title
    )


_OWN_STATUS = """coalesce((
    SELECT json_extract(e.payload, '$.after') FROM events e
    WHERE e.uid = r.content_hash AND e.entity = 'releases' AND e.annotator = ?
      AND json_valid(e.payload) AND json_type(e.payload, '$.after') = 'text'
    ORDER BY e.at DESC, e.id DESC LIMIT 1), 'todo')"""
"""The status an annotator last gave a release (their latest status event, merged ones included):
with several annotators on a release, each one's queue follows their own "done", not the shared
status the last change set."""


def _filter_sql(where: ReleaseFilter | None) -> tuple[str, list[Any]]:
    if where is None:
        return "", []
    clauses, params = [], []
    if where.organisation is not None:
        clauses.append("r.organisation = ?")
        params.append(where.organisation)
    if where.year is not None:
        clauses.append("r.date >= ? AND r.date < ?")  # a range, so the date index serves it
        params += [f"{where.year}-", f"{int(where.year) + 1}-"]
    if where.status is not None:
        clauses.append("r.status = ?")
        params.append(where.status)
    if where.script is not None:
        clauses.append("r.script = ?")
        params.append(where.script)
    if where.queue is not None:  # what is assigned to this annotator and not done by them yet
        clauses.append(f"r.id IN (SELECT release_id FROM assignments WHERE annotator = ?) AND {_OWN_STATUS} != 'done'")
        params += [where.queue, where.queue]
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


_RELEASE_COLUMNS = ", ".join(f.name for f in fields(Release))
"""The columns of a release row, in the order of Release's fields."""


def _release(row: Sequence[Any]) -> Release:
    """A release from its row (``SELECT _RELEASE_COLUMNS``, a tuple)."""
    return Release(*row)


def _ro_uri(path: Path, *, immutable: bool = False) -> str:
    """A read-only URI for ``path``: every character that means something in a URI is escaped,
    so ``a%41.db`` opens ``a%41.db`` (not ``aA.db``) and ``team#1.db`` opens ``team#1.db``."""
    return f"file:{quote(str(path.resolve()), safe='/')}?mode=ro" + ("&immutable=1" if immutable else "")


def _text(data: bytes) -> str:
    """SQLite text as Python text: a row another program wrote with invalid UTF-8 is read with
    U+FFFD in place of the bad bytes (its hash then shows the damage), never an exception."""
    return data.decode("utf-8", "replace")


def _connect(target: str, *, uri: bool = False, timeout_ms: int = 10_000) -> sqlite3.Connection:
    conn = sqlite3.connect(target, uri=uri, timeout=timeout_ms / 1000)
    conn.text_factory = _text
    return conn


def _check_place(path: Path, *, must_exist: bool) -> bool:
    """Whether ``path`` exists; a missing folder, a folder in its place, or (when ``must_exist``)
    a missing file are named as such."""
    if path.is_dir():
        raise StoreError(f"{path}: is a folder, not a database file")
    if not path.parent.is_dir():
        raise StoreError(f"{path}: the folder {path.parent} does not exist")
    exists = path.exists()
    if must_exist and not exists:
        raise StoreError(f"{path}: no such database (hkpr import PATH, or hkpr alone, creates one)")
    return exists


class Store(AssignmentStore, AnnotationStore):
    def __init__(
        self, db: Connection | sqlite3.Connection | Database, *, migrate: bool = True, read_only: bool = False
    ) -> None:
        if not isinstance(db, Connection):
            db = Connection(db if isinstance(db, sqlite3.Connection) else db.conn)
        self.db = db
        self.read_only = read_only
        if migrate:
            self.migrate()

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        must_exist: bool = False,
        read_only: bool = False,
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
    ) -> Store:
        """Open the database at ``path`` (created when missing, unless ``must_exist``), ready for use.

        Nothing is written before the file is known to be an hkpr database of a schema this
        version knows (a newer or damaged file is refused untouched). A file or folder that
        cannot be written is opened read-only: reading works, writes raise ``StoreReadOnly``.
        """
        path = Path(path)
        exists = _check_place(path, must_exist=must_exist)
        writable = os.access(path.parent, os.W_OK) and (not exists or os.access(path, os.W_OK))
        if read_only or (exists and not writable):
            return cls._open_read_only(path)
        if not writable:
            raise StoreError(f"{path}: cannot create a database in {path.parent} (the folder is not writable)")
        try:
            conn = _connect(str(path), timeout_ms=busy_timeout_ms)
            db = Connection(conn)
            db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            store = cls(db, migrate=False)
            if store.check_schema() and must_exist and not store.applied():
                raise StoreError("no hkpr database here (an empty file); hkpr import PATH makes one")
            db.execute("PRAGMA foreign_keys = ON")
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode = wal")
            db.execute("PRAGMA synchronous = NORMAL")  # in WAL: durable across a killed process
            store.migrate()
            store._claim_replica(path)
        except sqlite3.Error as exc:
            raise translate(exc, str(path)) from None
        except StoreError as exc:
            raise type(exc)(f"{path}: {exc}") from None
        return store

    @classmethod
    def connect(cls, path: str | Path, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Store:
        """Another connection to a database this process has opened (and so checked and migrated)
        with ``open``: for a worker thread. No schema check, no writes; close it when done
        (``with closing(Store.connect(path)) as store``)."""
        path = Path(path)
        try:
            conn = _connect(str(path), timeout_ms=busy_timeout_ms)
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        except sqlite3.Error as exc:
            raise translate(exc, str(path)) from None
        return cls(Connection(conn), migrate=False, read_only=not os.access(path, os.W_OK))

    @classmethod
    def _open_read_only(cls, path: Path, *, older: str = "refuse") -> Store:
        """``path`` opened read-only: first as usual, then (a WAL database in a folder nobody may
        write, where SQLite cannot make its shared-memory file) as an immutable file. ``older``:
        what to do with an older schema ("refuse", or "accept" for a caller that copies it)."""
        last: Exception | None = None
        for immutable in (False, True):
            try:
                conn = _connect(_ro_uri(path, immutable=immutable), uri=True)
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # can it be read at all?
            except sqlite3.Error as exc:
                last = exc
                continue
            store = cls(Connection(conn), migrate=False, read_only=True)
            try:
                pending = store.check_schema()
                if not store.applied():
                    raise StoreError("not an hkpr database (it has no hkpr tables)")
            except StoreError as exc:
                store.close()
                raise type(exc)(f"{path}: {exc}") from None
            if pending and older == "refuse":
                store.close()
                raise StoreError(
                    f"{path}: read-only, and written by an older hkpr; open it once where it can be written to upgrade it"
                )
            return store
        raise StoreError(f"{path}: cannot be read ({last})")

    @classmethod
    def open_for_reading(cls, path: str | Path) -> tuple[Store, Path | None]:
        """Open another database without changing it: read-only when its schema is current, else
        a migrated temporary copy (returned second, for the caller to delete). Refuses a newer one.
        The copy's triggers and views are dropped before it is migrated: they are the other
        file's code, and nothing of it runs here."""
        import shutil
        import tempfile

        path = Path(path)
        if not path.is_file():
            raise StoreError(f"{path}: no such database")
        store = cls._open_read_only(path, older="accept")
        pending = store.check_schema()
        if not pending:
            return store, None
        copy = Path(tempfile.mkdtemp()) / "other.db"
        try:
            raw = sqlite3.connect(str(copy))
            store.db.conn.backup(raw)  # a consistent copy, with what its WAL holds
            store.close()
            for kind, name in raw.execute(
                "SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'view')"
            ).fetchall():
                raw.execute(f'DROP {kind.upper()} IF EXISTS "{name.replace(chr(34), chr(34) * 2)}"')
            raw.commit()
            raw.close()
            return cls.open(copy), copy  # migrates the copy
        except (StoreError, sqlite3.Error) as exc:
            shutil.rmtree(copy.parent, ignore_errors=True)
            raise StoreError(f"{path}: cannot be read ({exc})") from None

    @classmethod
    def is_hkpr_database(cls, path: str | Path) -> bool:
        """Whether ``path`` is an hkpr database (of any version); reads only."""
        try:
            store = cls._open_read_only(Path(path), older="accept")
        except SchemaTooNewError:
            return True
        except StoreError:
            return False
        store.close()
        return True

    def close(self) -> None:
        self.db.close()

    def files(self) -> tuple[Path, ...]:
        """The database file and its WAL companions (nothing for an in-memory database)."""
        row = self.db.execute("PRAGMA database_list").fetchone()
        if not row or not row[2]:
            return ()
        main = Path(row[2])
        return (main, main.with_name(main.name + "-wal"), main.with_name(main.name + "-shm"))

    # -- schema ----------------------------------------------------------------------------

    def check_schema(self) -> bool:
        """Whether migrations are pending; reads only. Refuses a database written by a newer hkpr,
        and a SQLite file that holds other tables but is not an hkpr database."""
        try:
            tables = [r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()]
            applied = self._applied(tables)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"not an hkpr database or damaged ({exc})") from None
        if not applied and [t for t in tables if not t.startswith(("sqlite_", MIGRATIONS_TABLE))]:
            raise StoreError("not an hkpr database (it holds other tables); nothing was changed")
        unknown = [name for name in applied if name not in KNOWN_MIGRATIONS]
        if unknown:
            raise SchemaTooNewError(
                "this database was written by a newer version of hkpr (its schema has "
                f"{', '.join(unknown)}, which this version does not know). "
                "Upgrade hkpr to open it; nothing was changed."
            )
        return len(applied) < len(KNOWN_MIGRATIONS)

    def migrate(self) -> None:
        """Apply pending migrations (under the write lock, so two first starts do not race);
        refuse a database written by a newer hkpr."""
        if not self.check_schema():
            return
        with self.write():
            if self.check_schema():  # another process may have migrated while we waited
                apply_migrations(self.db.conn)
        self._replicated = None
        self._ends = None

    def _claim_replica(self, path: Path) -> None:
        """Record the file this database's origin id belongs to; a database found at another path
        (a copy, a moved file) draws a new origin id, so two copies never stamp events alike.
        Events already logged keep the origin they were written with."""
        where = str(path.resolve())
        row = self.db.execute("SELECT path FROM replica").fetchone()
        if row is not None and row[0] == where:
            return
        import secrets  # here, once a new id may be drawn: it loads hashlib and hmac (2-10 ms cold)

        with self.write():
            row = self.db.execute("SELECT path FROM replica").fetchone()
            if row is None:
                self.db.execute(
                    "INSERT INTO replica (id, path, next_seq) VALUES (?, ?, 1)", [secrets.token_hex(8), where]
                )
            elif row[0] is None:
                self.db.execute("UPDATE replica SET path = ?", [where])
            elif row[0] != where:
                self.db.execute("UPDATE replica SET id = ?, path = ?", [secrets.token_hex(8), where])

    def replica_id(self) -> str:
        """This database's origin id (the first part of its events' stable ids)."""
        row = self.db.execute("SELECT id FROM replica").fetchone()
        return str(row[0]) if row else ""

    def applied(self) -> list[str]:
        """The migrations this database has had."""
        try:
            return self._applied()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"not an hkpr database or damaged ({exc})") from None

    def _applied(self, tables: list[str] | None = None) -> list[str]:
        """The names sqlite-utils' ``Migrations.applied`` gives (hkpr's set, in the order applied),
        read from its table with plain SQL; ``tables``: the database's tables, if read already."""
        if tables is None:
            tables = [r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()]
        if MIGRATIONS_TABLE not in tables:
            return []
        sql = f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = ? ORDER BY rowid"
        return [row[0] for row in self.db.execute(sql, [MIGRATION_SET]).fetchall()]

    def schema_version(self) -> int:
        return len(self.applied())

    # -- releases --------------------------------------------------------------------------

    def add_releases(self, releases: Iterable[NewRelease], annotator: str = "") -> list[AddResult]:
        """Store releases in one transaction; a release whose text is stored already is not added."""
        results = []
        with self.write():
            for release in releases:
                results.append(self._add_release(release, annotator))
        return results

    def add_release(self, release: NewRelease, annotator: str = "") -> AddResult:
        return self.add_releases([release], annotator)[0]

    def _add_release(self, rel: NewRelease, annotator: str) -> AddResult:
        conn = self.db.conn
        row = conn.execute("SELECT id FROM releases WHERE content_hash = ?", (rel.content_hash,)).fetchone()
        if row:
            return AddResult(row[0], duplicate=True)
        conn.execute("INSERT OR IGNORE INTO release_groups(key) VALUES (?)", (rel.group_key,))
        group_id = conn.execute("SELECT id FROM release_groups WHERE key = ?", (rel.group_key,)).fetchone()[0]
        now = utc_now()
        cursor = conn.execute(
            "INSERT INTO releases (group_id, title, organisation, date, kind, script, source, encoding, "
            "content_hash, raw_text, text, imported_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                group_id,
                rel.title,
                rel.organisation,
                rel.date,
                rel.kind,
                rel.script,
                rel.source,
                rel.encoding,
                rel.content_hash,
                rel.raw_text,
                rel.text,
                now,
            ),
        )
        release_id = int(cursor.lastrowid or 0)
        self._write_segments(release_id, rel)
        self._index_text(release_id, rel)
        self._log(annotator, "import", "releases", release_id, {"source": rel.source}, at=now, uid=rel.content_hash)
        return AddResult(release_id, duplicate=False)

    _ends: bool | None = None  # whether the schema has release_ends (m009); None: not checked yet

    def _index_text(self, release_id: int, rel: NewRelease, *, replace: bool = False) -> None:
        """The search index's rows for a release (its folded title and text, and their last
        characters), in the caller's transaction; ``replace`` removes the old ones first."""
        title, body = fold(rel.title), fold(rel.text)
        conn = self.db.conn
        if self._ends is None:  # a database written at an older schema (tests make them) gets them from m009
            self._ends = bool(conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'release_ends'").fetchone())
        if replace:
            conn.execute("DELETE FROM release_fts WHERE rowid = ?", (release_id,))
            if self._ends:
                conn.execute("DELETE FROM release_ends WHERE release_id = ?", (release_id,))
        conn.execute("INSERT INTO release_fts (rowid, title, body) VALUES (?,?,?)", (release_id, title, body))
        if self._ends:
            conn.executemany(
                "INSERT OR IGNORE INTO release_ends (key, release_id) VALUES (?, ?)",
                [(key, release_id) for key in end_keys(title) | end_keys(body)],
            )

    def _write_segments(self, release_id: int, rel: NewRelease) -> None:
        """The paragraphs and sentences of a release, in the caller's transaction."""
        conn = self.db.conn
        conn.executemany(
            'INSERT INTO paragraphs (release_id, idx, start, "end", kind, repeat_of) VALUES (?,?,?,?,?,?)',
            [(release_id, i, p.start, p.end, p.kind, p.repeat_of) for i, p in enumerate(rel.paragraphs)],
        )
        conn.executemany(
            'INSERT INTO sentences (release_id, idx, paragraph, start, "end") VALUES (?,?,?,?,?)',
            [(release_id, i, s.paragraph, s.start, s.end) for i, s in enumerate(rel.sentences)],
        )

    def release(self, release_id: int) -> Release:
        rows = self._rows(f"SELECT {_RELEASE_COLUMNS} FROM releases WHERE id = ?", [release_id])
        if not rows:
            raise KeyError(f"no release {release_id}")
        return _release(rows[0])

    def release_ids_where(self, where: ReleaseFilter | None = None) -> list[int]:
        """The ids of the releases ``where`` selects, in id order (no texts read: for streaming)."""
        clause, params = _filter_sql(where)
        return [int(r[0]) for r in self.db.execute(f"SELECT r.id FROM releases r {clause} ORDER BY r.id", params)]

    def releases(self, release_ids: Sequence[int]) -> list[Release]:
        """Several releases in one query (at most 500 ids), in the order of ``release_ids``;
        ids that name no release are left out."""
        if len(release_ids) > 500:
            raise ValueError("at most 500 releases at a time")
        marks = ",".join("?" * len(release_ids))
        rows = self._rows(f"SELECT {_RELEASE_COLUMNS} FROM releases WHERE id IN ({marks})", list(release_ids))
        found = {row[0]: _release(row) for row in rows}
        return [found[i] for i in release_ids if i in found]

    def sentences_of(self, release_ids: Sequence[int]) -> dict[int, list[SentenceSpan]]:
        """The sentences of several releases (at most 500 ids), by release, in order."""
        if len(release_ids) > 500:
            raise ValueError("at most 500 releases at a time")
        marks = ",".join("?" * len(release_ids))
        out: dict[int, list[SentenceSpan]] = {i: [] for i in release_ids}
        for release_id, paragraph, start, end in self.db.execute(
            f'SELECT release_id, paragraph, start, "end" FROM sentences WHERE release_id IN ({marks}) ORDER BY release_id, idx',
            list(release_ids),
        ):
            out[release_id].append(SentenceSpan(paragraph, start, end))
        return out

    def count_releases(self, where: ReleaseFilter | None = None) -> int:
        clause, params = _filter_sql(where)
        return int(self.db.execute(f"SELECT count(*) FROM releases r {clause}", params).fetchone()[0])

    def release_groups_of(self, where: ReleaseFilter | None = None) -> list[tuple[int, int]]:
        """(release id, group id) of the releases ``where`` selects, by group and id."""
        clause, params = _filter_sql(where)
        sql = f"SELECT r.id, r.group_id FROM releases r {clause} ORDER BY r.group_id, r.id"
        return [(int(r[0]), int(r[1])) for r in self.db.execute(sql, params).fetchall()]

    def list_releases(
        self,
        *,
        sort: str = "date",
        descending: bool = False,
        limit: int | None = None,
        offset: int = 0,
        ids: Sequence[int] | None = None,
        where: ReleaseFilter | None = None,
        total: int | None = None,
    ) -> list[ReleaseSummary]:
        """Releases for a library view, one page at a time (``limit``/``offset``).

        ``total``, the number of releases ``where`` selects, if the caller knows it: a page past
        the middle is then read from the other end, in the reverse order (SQLite steps over
        every row before the OFFSET: the last page of 100,000 releases took 10–200 ms)."""
        column = SORT_COLUMNS.get(sort)
        if column is None:
            raise ValueError(f"cannot sort by {sort!r}; choose one of {', '.join(SORT_COLUMNS)}")
        clause, params = _filter_sql(where)
        if ids is not None:
            clause += (" AND " if clause else "WHERE ") + f"r.id IN ({','.join('?' * len(ids))})"
            params = [*params, *ids]
        nulls = "LAST"
        reverse = total is not None and limit is not None and ids is None and offset > total // 2
        if reverse:  # the same page counted from the end, in exactly the reverse order
            assert total is not None and limit is not None
            limit, offset = min(limit, total - offset), max(total - offset - limit, 0)
            if limit <= 0:
                return []
            descending, nulls = not descending, "FIRST"
        direction = "DESC" if descending else "ASC"
        sql = f"""
            SELECT r.id, r.title, r.organisation, r.date, r.kind, r.script, r.source, r.status, r.group_id,
              (SELECT count(*) FROM paragraphs p WHERE p.release_id = r.id) AS n_paragraphs,
              (SELECT count(*) FROM sentences s WHERE s.release_id = r.id) AS n_sentences,
              (SELECT count(*) FROM annotations a WHERE a.release_id = r.id AND a.kind = 'entity'
                 AND a.status = 'accepted' AND a.deleted_at IS NULL) AS n_entities,
              (SELECT count(*) FROM annotations a WHERE a.release_id = r.id AND a.kind = 'claim'
                 AND a.status = 'accepted' AND a.deleted_at IS NULL) AS n_claims
            FROM releases r {clause}
            ORDER BY {column} {direction} NULLS {nulls}, r.id {direction}
            LIMIT ? OFFSET ?
        """
        params = [*params, -1 if limit is None else limit, offset]
        rows = [ReleaseSummary(**row) for row in self.db.query(sql, params)]
        return rows[::-1] if reverse else rows

    def facets(self) -> dict[str, list[str]]:
        """The values a library can filter on: organisations, years, statuses, scripts."""

        def values(sql: str) -> list[str]:
            return [str(row[0]) for row in self.db.execute(sql).fetchall() if row[0] is not None]

        return {
            "organisation": values(
                "SELECT organisation FROM releases GROUP BY organisation ORDER BY count(*) DESC, organisation"
            ),
            "year": values("SELECT DISTINCT substr(date, 1, 4) FROM releases WHERE date IS NOT NULL ORDER BY 1 DESC"),
            "status": ["todo", "in progress", "done"],
            "script": values("SELECT DISTINCT script FROM releases ORDER BY script"),
        }

    def paragraphs(self, release_id: int) -> list[ParagraphSpan]:
        return [
            ParagraphSpan(row["start"], row["end"], row["kind"], row["repeat_of"])
            for row in self.db.query(
                'SELECT start, "end", kind, repeat_of FROM paragraphs WHERE release_id = ? ORDER BY idx', [release_id]
            )
        ]

    def sentences(self, release_id: int) -> list[SentenceSpan]:
        return [
            SentenceSpan(row["paragraph"], row["start"], row["end"])
            for row in self.db.query(
                'SELECT paragraph, start, "end" FROM sentences WHERE release_id = ? ORDER BY idx', [release_id]
            )
        ]

    # -- search ----------------------------------------------------------------------------

    def search(self, query: str, *, limit: int = 20, offset: int = 0) -> SearchPage:
        """Releases matching every term of ``query``, in either script, best first, one page.

        Terms are separated by white space and matched as literal text (quotes, ``*``, ``OR``
        are characters, never syntax). The index holds script-folded text, so 数码港 and 數碼港
        find each other. Terms of three or more characters use the trigram index and are ranked
        (title matches weigh more); with none, the newest releases come first. Terms of one or two
        characters are matched as LIKE matches them (``_short_terms`` says how they are found fast).
        """
        terms = [t for t in search_key(query).split() if t]
        if not terms:
            return SearchPage([], offset, False)
        long_terms = [t for t in terms if len(t) >= 3]
        short_terms = [t for t in terms if len(t) < 3]
        ids, ranked_among = self._search_ids(long_terms, short_terms, limit + 1, offset)
        page = ids[:limit]
        rows = {
            row[0]: row
            for row in self.db.execute(
                "SELECT r.id, r.title, r.organisation, r.date, r.script, r.source, r.text, f.body "
                f"FROM releases r JOIN release_fts f ON f.rowid = r.id WHERE r.id IN ({','.join('?' * len(page))})",
                page,
            ).fetchall()
        } if page else {}  # fmt: skip
        first = max(terms, key=len)
        hits = [_hit(rows[i], first) for i in page if i in rows]
        return SearchPage(hits, offset, has_more=len(ids) > limit, ranked_among=ranked_among)

    def _search_ids(
        self, long_terms: list[str], short_terms: list[str], limit: int, offset: int
    ) -> tuple[list[int], int | None]:
        """The ids of one page of matches (step one of two: the index alone, no release row read),
        and ``RANK_AMONG`` when the long terms matched more releases than that (see there).

        Long terms are one MATCH, ranked by bm25. A short term is a LIKE on the folded title and
        text of each row the rest of the query leaves; one that is rare among the newest releases
        also gets the set of rows it can occur in from the index (``_short_candidates``), so a
        query with few or no hits reads only those rows instead of every text."""
        likes = [_like_pattern(t) for t in short_terms]
        like_sql = ["(f.body LIKE ? ESCAPE '\\' OR f.title LIKE ? ESCAPE '\\')"] * len(likes)
        like_params = [p for pattern in likes for p in (pattern, pattern)]
        need = offset + limit
        if not long_terms:
            # newest first: when the newest releases hold a page, a scan of them is the answer
            window = self._newest_window()
            ids = self._ids(
                f"SELECT f.rowid FROM release_fts f WHERE f.rowid >= ? AND {' AND '.join(like_sql)} "
                "ORDER BY f.rowid DESC LIMIT ?",
                [window, *like_params, need],
            )
            if len(ids) >= need:
                return ids[offset:], None
            # one term: the scan just counted it in the window
            dense = [len(ids) >= SHORT_DENSE] if len(short_terms) == 1 else [self._dense(t) for t in short_terms]
        else:
            # the newest matches, newest first (a few ms): how many there are (up to RANK_AMONG + 1),
            # and where ranking starts when there are more
            newest = self._ids(
                "SELECT rowid FROM release_fts WHERE release_fts MATCH ? ORDER BY rowid DESC LIMIT ?",
                [_match(long_terms), max(RANK_AMONG, LONG_FEW) + 1],
            )
            # a few rows: each short term is a LIKE on each of them; else the rare ones narrow them first
            dense = [True] * len(short_terms) if len(newest) < LONG_FEW else [self._dense(t) for t in short_terms]
        where, params = [], []
        for term, common in zip(short_terms, dense):
            candidates = None if common else self._short_candidates(term, long_terms)
            if candidates is not None:
                # with a MATCH, "+" keeps the IN a filter on its rows (as an index, FTS5 would run
                # the MATCH again for each candidate); without one, FTS5 looks each candidate up
                where.append(f"{'+' if long_terms else ''}f.rowid IN ({candidates[0]})")
                params += candidates[1]
        if long_terms:
            ranked_among = None
            if len(newest) > RANK_AMONG:
                where.append("f.rowid >= ?")  # FTS5 starts its doclists there
                params.append(newest[RANK_AMONG - 1])
                ranked_among = RANK_AMONG
            sql = (
                "SELECT f.rowid FROM release_fts f WHERE f.release_fts MATCH ? "
                + "".join(f" AND {w}" for w in [*where, *like_sql])
                + " ORDER BY bm25(f.release_fts, 10.0, 1.0) LIMIT ? OFFSET ?"
            )
            return self._ids(sql, [_match(long_terms), *params, *like_params, limit, offset]), ranked_among
        sql = (
            f"SELECT f.rowid FROM release_fts f WHERE {' AND '.join([*where, *like_sql])} "
            "ORDER BY f.rowid DESC LIMIT ? OFFSET ?"
        )
        return self._ids(sql, [*params, *like_params, limit, offset]), None

    def _ids(self, sql: str, params: Sequence[Any]) -> list[int]:
        return [int(row[0]) for row in self.db.execute(sql, list(params)).fetchall()]

    def _newest_window(self) -> int:
        """The smallest id of the newest ``SHORT_WINDOW`` releases, when ids have no gaps (a packed
        copy's have some: its window holds fewer). ``max(id)`` reads one page; counting the
        window's rows off the index would read their texts."""
        row = self.db.execute("SELECT max(id) FROM releases").fetchone()
        return int(row[0] or 0) - SHORT_WINDOW + 1

    def _dense(self, term: str) -> bool:
        """Whether a short term occurs in at least ``SHORT_DENSE`` of the newest ``SHORT_WINDOW``
        releases (the scan stops at the ``SHORT_DENSE``th)."""
        pattern = _like_pattern(term)
        n = self.db.execute(
            "SELECT count(*) FROM (SELECT 1 FROM release_fts f WHERE f.rowid >= ? "
            "AND (f.body LIKE ? ESCAPE '\\' OR f.title LIKE ? ESCAPE '\\') ORDER BY f.rowid DESC LIMIT ?)",
            [self._newest_window(), pattern, pattern, SHORT_DENSE],
        ).fetchone()[0]
        return int(n) >= SHORT_DENSE

    def _short_candidates(self, term: str, long_terms: list[str]) -> tuple[str, list[Any]] | None:
        """A subquery for the rows a short term can occur in, or None when the index cannot say.

        The trigram tokenizer indexes every window of three characters (white space and
        punctuation included, case folded), so a term of one or two characters occurs in a text
        exactly where one of the text's trigrams starts with it, or among its last two characters
        (``release_ends``). The trigrams that start with it are a range of ``release_terms``; a
        MATCH of their OR (with the long terms) finds the rows. The rows found are a superset
        (the tokenizer folds more letters than LIKE), and the caller's LIKE keeps the exact ones.
        """
        if not all(c.isascii() or c.lower() == c.upper() == c for c in term):
            return None  # a cased letter beyond ASCII: the tokenizer folds it, LIKE does not
        prefixed: list[str] = []
        for (trigram,) in self.db.execute("SELECT term FROM release_terms WHERE term >= ?", [term]):
            if not trigram.startswith(term):
                break
            if len(prefixed) == MAX_PREFIX_TERMS or "\x00" in trigram:
                return None
            prefixed.append(trigram)
        sql, params = "SELECT release_id FROM release_ends WHERE key = ?", [term]
        if prefixed:
            expr = " OR ".join(_quote(t) for t in prefixed)
            if long_terms:
                expr = f"{_match(long_terms)} AND ({expr})"
            sql = f"SELECT rowid FROM release_fts WHERE release_fts MATCH ? UNION ALL {sql}"
            params = [expr, *params]
        return sql, params

    # -- statistics ------------------------------------------------------------------------

    def stats(self) -> Stats:
        def counts(sql: str) -> dict[str, int]:
            return {str(k if k is not None else "(none)"): int(n) for k, n in self.db.execute(sql).fetchall()}

        live = "status = 'accepted' AND deleted_at IS NULL"
        return Stats(
            releases=self.count_releases(),
            by_status=counts("SELECT status, count(*) FROM releases GROUP BY status ORDER BY status"),
            by_script=counts("SELECT script, count(*) FROM releases GROUP BY script ORDER BY script"),
            by_kind=counts("SELECT kind, count(*) FROM releases GROUP BY kind ORDER BY kind"),
            by_organisation=counts(
                "SELECT organisation, count(*) FROM releases GROUP BY organisation ORDER BY count(*) DESC, organisation"
            ),
            entities=int(
                self.db.execute(f"SELECT count(*) FROM annotations WHERE kind='entity' AND {live}").fetchone()[0]
            ),
            claims=int(
                self.db.execute(f"SELECT count(*) FROM annotations WHERE kind='claim' AND {live}").fetchone()[0]
            ),
            by_label=counts(f"SELECT label, count(*) FROM annotations WHERE {live} GROUP BY label ORDER BY label"),
            by_annotator=counts(
                f"SELECT annotator, count(*) FROM annotations WHERE {live} GROUP BY annotator ORDER BY annotator"
            ),
            sessions=int(self.db.execute("SELECT count(*) FROM sessions").fetchone()[0]),
            by_annotation_status=counts(
                "SELECT status, count(*) FROM annotations WHERE deleted_at IS NULL GROUP BY status ORDER BY status"
            ),
            by_session=self.session_summaries(),
        )

    # -- sessions and the event log --------------------------------------------------------

    def start_session(self, annotator: str) -> int:
        with self.write():
            cursor = self.db.execute(
                "INSERT INTO sessions (annotator, started_at) VALUES (?, ?)", [annotator, utc_now()]
            )
        return int(cursor.lastrowid or 0)

    def end_session(self, session_id: int) -> None:
        with self.write():
            self.db.execute("UPDATE sessions SET ended_at = ? WHERE id = ?", [utc_now(), session_id])

    def events(self, limit: int = 100) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT * FROM events ORDER BY id DESC LIMIT ?", [limit]))

    # -- near-duplicate grouping and reclean (issue 11) -----------------------------------------

    def near_duplicate_candidates(self, bands: list[int], limit: int = 8) -> list[tuple[int, str, bytes]]:
        """Releases sharing at least one LSH band with ``bands``, most shared bands first:
        (release id, its group's key, its signature)."""
        if not bands:
            return []
        marks = ",".join("?" * len(bands))
        sql = (
            f"SELECT b.release_id, g.key, s.signature FROM (SELECT release_id, COUNT(*) AS n FROM release_bands "
            f"WHERE band IN ({marks}) GROUP BY release_id ORDER BY n DESC LIMIT ?) AS b "
            "JOIN release_signatures s ON s.release_id = b.release_id JOIN releases r ON r.id = b.release_id "
            "JOIN release_groups g ON g.id = r.group_id ORDER BY b.n DESC"
        )
        return [(int(r[0]), str(r[1]), bytes(r[2])) for r in self.db.execute(sql, [*bands, limit]).fetchall()]

    def set_signatures(self, rows: Iterable[tuple[int, bytes, list[int]]]) -> None:
        """Store (release id, signature, band keys) for near-duplicate lookups, replacing old ones."""
        with self.write():
            conn = self.db.conn
            for release_id, sig, release_bands in rows:
                conn.execute(
                    "INSERT OR REPLACE INTO release_signatures (release_id, signature) VALUES (?, ?)", (release_id, sig)
                )
                conn.execute("DELETE FROM release_bands WHERE release_id = ?", (release_id,))
                conn.executemany(
                    "INSERT OR IGNORE INTO release_bands (band, release_id) VALUES (?, ?)",
                    [(band, release_id) for band in release_bands],
                )

    def release_ids(self) -> list[int]:
        return [int(r[0]) for r in self.db.execute("SELECT id FROM releases ORDER BY id").fetchall()]

    def live_annotation_spans(self, release_id: int) -> list[tuple[int, int, int, str]]:
        """(id, start, end, covered text) of the release's annotations that are not deleted."""
        rows = self.db.execute(
            'SELECT id, start, "end", text FROM annotations WHERE release_id = ? AND deleted_at IS NULL ORDER BY start',
            (release_id,),
        ).fetchall()
        return [(int(r[0]), int(r[1]), int(r[2]), str(r[3])) for r in rows]

    def replace_release_text(self, release_id: int, rel: NewRelease, annotator: str = "") -> None:
        """Give a stored release the canonical text, metadata, paragraphs and sentences of ``rel``
        (re-cleaned from its raw text), keeping its id, status, group and annotations."""
        with self.write():
            conn = self.db.conn
            old = conn.execute("SELECT content_hash, title FROM releases WHERE id = ?", (release_id,)).fetchone()
            if old is None:
                raise KeyError(f"no release {release_id}")
            conn.execute(
                "UPDATE releases SET title = ?, organisation = ?, date = ?, kind = ?, script = ?, content_hash = ?, "
                "text = ? WHERE id = ?",
                (rel.title, rel.organisation, rel.date, rel.kind, rel.script, rel.content_hash, rel.text, release_id),
            )
            conn.execute("DELETE FROM paragraphs WHERE release_id = ?", (release_id,))
            conn.execute("DELETE FROM sentences WHERE release_id = ?", (release_id,))
            self._write_segments(release_id, rel)
            self._index_text(release_id, rel, replace=True)
            self._log(annotator, "reclean", "releases", release_id, uid=rel.content_hash, payload=
                      {"before": {"content_hash": old[0], "title": old[1]}, "after": {"content_hash": rel.content_hash, "title": rel.title}})  # fmt: skip

    def set_release_group(self, release_id: int, group_key: str) -> None:
        """Move a release to the group with ``group_key`` (created if new); empty groups are left."""
        with self.write():
            conn = self.db.conn
            conn.execute("INSERT OR IGNORE INTO release_groups(key) VALUES (?)", (group_key,))
            conn.execute(
                "UPDATE releases SET group_id = (SELECT id FROM release_groups WHERE key = ?) WHERE id = ?",
                (group_key, release_id),
            )

    def group_key_of(self, release_id: int) -> str:
        row = self.db.execute(
            "SELECT g.key FROM releases r JOIN release_groups g ON g.id = r.group_id WHERE r.id = ?", (release_id,)
        ).fetchone()
        if row is None:
            raise KeyError(f"no release {release_id}")
        return str(row[0])

    def content_hash_owner(self, content_hash: str) -> int | None:
        row = self.db.execute("SELECT id FROM releases WHERE content_hash = ?", (content_hash,)).fetchone()
        return int(row[0]) if row else None

    # -- the schema, for its documentation ---------------------------------------------------

    def schema_objects(self) -> list[tuple[str, str, list[str]]]:
        """(type, name, columns) of every table and view, by name (SQLite's own ``sqlite_*``
        tables left out): what docs/schema.md and ``hkpr schema --datasette`` describe."""
        rows = self.db.execute(
            "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
        ).fetchall()
        return [
            (kind, name, [c[1] for c in self.db.execute("SELECT * FROM pragma_table_info(?)", (name,)).fetchall()])
            for kind, name in rows
        ]

    @classmethod
    def current_schema(cls) -> list[tuple[str, str, list[str]]]:
        """``schema_objects`` of a database migrated by this hkpr (in memory: no file is read)."""
        store = cls(sqlite3.connect(":memory:"))
        try:
            return store.schema_objects()
        finally:
            store.close()


__all__ = ["MIGRATION_SET", "Store"]
