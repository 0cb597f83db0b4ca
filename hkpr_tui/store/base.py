"""What both halves of the store share: errors, the clock, write transactions, the event log.

Every write goes through ``StoreBase.write()``: ``BEGIN IMMEDIATE`` takes SQLite's write lock
before the first read of the transaction, so a writer never reads (a span check, a duplicate
check) and then fails to upgrade its lock because another process wrote in between — it waits
for the lock up to the busy timeout instead. Nested ``write()`` blocks become savepoints.
SQLite errors leave the store as ``StoreError`` subclasses with a sentence a user can act on.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlite_utils import Database


class StoreError(RuntimeError):
    """A database hkpr cannot use or could not write; the message says why and what to do."""


class SchemaTooNewError(StoreError):
    pass


class StoreBusy(StoreError):
    """Another process held the write lock longer than the busy timeout; nothing was written."""


class StoreFull(StoreError):
    """The disk (or the database's size limit) is full; nothing of the failed write was kept."""


class StoreReadOnly(StoreError):
    """The database was opened read-only (the file or its folder cannot be written)."""


DatabaseFault = sqlite3.Error
"""What SQLite raises outside ``write()`` (a damaged file found while reading): callers outside
the store catch this name, and ``translate`` it, without importing sqlite3 themselves."""


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def translate(exc: sqlite3.Error, what: str = "") -> StoreError:
    """A ``StoreError`` for a SQLite error: busy, full, read-only, damaged, or other."""
    message = str(exc).lower()
    prefix = f"{what}: " if what else ""
    code = getattr(exc, "sqlite_errorcode", None)
    if "locked" in message or "busy" in message or code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return StoreBusy(f"{prefix}database busy (another hkpr is writing); nothing was written")
    if "full" in message or code == sqlite3.SQLITE_FULL:
        return StoreFull(f"{prefix}disk full; nothing of this change was written")
    if "readonly" in message or "read-only" in message or code == sqlite3.SQLITE_READONLY:
        return StoreReadOnly(f"{prefix}the database is read-only; nothing was written")
    if isinstance(exc, sqlite3.DatabaseError) and ("malformed" in message or "not a database" in message):
        return StoreError(f"{prefix}the database is damaged ({exc})")
    return StoreError(f"{prefix}database error ({exc})")


_NO_ROWS = "query() is for statements that return rows; use execute()"
_TRANSACTION_CONTROL = frozenset({"BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"})


def _first_keyword(sql: str) -> str:
    """The first keyword of a statement, upper-cased, past white space, ``;`` and comments."""
    i, n = 0, len(sql)
    while i < n:
        if sql[i].isspace() or sql[i] in ";\ufeff":
            i += 1
        elif sql.startswith("--", i):
            i = sql.find("\n", i)
            if i < 0:
                return ""
        elif sql.startswith("/*", i):
            i = sql.find("*/", i + 2)
            if i < 0:
                return ""
            i += 2
        else:
            break
    j = i
    while j < n and (sql[j].isalpha() or sql[j] == "_"):
        j += 1
    return sql[i:j].upper()


def _unique(keys: list[str]) -> list[str]:
    """Column names made unique as sqlite-utils makes them (a second ``id`` is ``id_2``)."""
    if len(set(keys)) == len(keys):
        return keys
    taken, seen, out = set(keys), set(), []
    for key in keys:
        if key in seen:
            base, n = key, 2
            while key in seen or key in taken:
                key, n = f"{base}_{n}", n + 1
        seen.add(key)
        out.append(key)
    return out


class Connection:
    """The store's connection: ``sqlite3`` with the two methods of sqlite-utils' ``Database`` the
    store uses, meaning what they mean there — ``execute`` commits a write made outside a
    transaction, ``query`` gives rows as dicts — and, as there, recursive triggers on.

    Opening a database and reading the library's first rows import no sqlite-utils: its import
    (with click, dateutil and pluggy) and its plugin scan were 35–45 ms of the app's first
    frame. It is imported only to apply migrations (``schema.apply_migrations``), which wraps this
    same connection in a ``Database``."""

    __slots__ = ("conn",)

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        conn.execute("PRAGMA recursive_triggers = on")

    def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] | None = None) -> sqlite3.Cursor:
        """Run one statement. A write outside a transaction is committed at once (sqlite3 would
        leave the transaction it opened for it pending); one that fails is rolled back."""
        conn = self.conn
        was_in_transaction = conn.in_transaction
        try:
            cursor = conn.execute(sql) if parameters is None else conn.execute(sql, parameters)
        except Exception:
            if not was_in_transaction and conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        if (
            not was_in_transaction
            and conn.in_transaction
            and cursor.description is None
            and _first_keyword(sql) not in _TRANSACTION_CONTROL
        ):
            conn.execute("COMMIT")
        return cursor

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """The rows of a statement that returns rows, each a dict by column name (run at once,
        read as they are iterated). A statement that returns no rows raises ``ValueError``; as
        in sqlite-utils, one that could write (not a SELECT) runs in a savepoint, undone then."""
        conn, args = self.conn, (() if params is None else params)
        if _first_keyword(sql) in ("SELECT", "PRAGMA"):  # every query the store makes
            cursor = conn.execute(sql, args)
            if cursor.description is None:
                raise ValueError(_NO_ROWS)
            keys = _unique([d[0] for d in cursor.description])
            return (dict(zip(keys, row)) for row in cursor)
        conn.execute('SAVEPOINT "hkpr_query"')
        try:
            cursor = conn.execute(sql, args)
            if cursor.description is None:
                raise ValueError(_NO_ROWS)
            rows = cursor.fetchall()  # a write with RETURNING completes before the savepoint is released
        except BaseException:
            if conn.in_transaction:
                conn.execute('ROLLBACK TO "hkpr_query"')
                conn.execute('RELEASE "hkpr_query"')
            raise
        conn.execute('RELEASE "hkpr_query"')
        keys = _unique([d[0] for d in cursor.description])
        return (dict(zip(keys, row)) for row in rows)

    def close(self) -> None:
        self.conn.close()


def import_sqlite_utils() -> None:
    """Import sqlite-utils without pandas and numpy, which it imports whenever they are installed
    (the test extra installs them, through datasets) though hkpr uses no part of it that needs
    them: about 0.25 s. Only the import made here is kept from them; ``import pandas``
    elsewhere (datasets) works as usual afterwards."""
    if "sqlite_utils" in sys.modules:
        return
    kept_out = [name for name in ("pandas", "numpy") if name not in sys.modules]
    for name in kept_out:
        sys.modules[name] = None  # type: ignore[assignment]  # import raises ImportError
    try:
        import sqlite_utils  # noqa: F401
    finally:
        for name in kept_out:
            if sys.modules.get(name) is None:
                del sys.modules[name]


def sqlite_utils_database(conn: sqlite3.Connection) -> Database:
    """A sqlite-utils ``Database`` on ``conn`` (imported here, without pandas)."""
    import_sqlite_utils()
    from sqlite_utils import Database

    return Database(conn)


class StoreBase:
    """The connection, write transactions and the event log; ``Store`` builds on it."""

    db: Connection
    read_only: bool = False

    @contextmanager
    def write(self) -> Iterator[None]:
        """One write transaction taken with ``BEGIN IMMEDIATE`` (a savepoint when nested).

        Raises ``StoreReadOnly`` at once on a read-only store, ``StoreBusy`` when the lock did not
        come within the busy timeout, ``StoreFull`` when the disk is full; in each case the
        transaction is rolled back and nothing of it is kept.
        """
        if self.read_only:
            raise StoreReadOnly("the database is open read-only; nothing was written")
        conn = self.db.conn
        if conn.in_transaction:
            import secrets  # here: it loads hashlib and hmac (~2 ms of the app's start-up)

            savepoint = f"hkpr_{secrets.token_hex(8)}"
            conn.execute(f"SAVEPOINT {savepoint}")
            try:
                yield
            except BaseException:
                if conn.in_transaction:
                    conn.execute(f"ROLLBACK TO SAVEPOINT {savepoint}")
                    conn.execute(f"RELEASE SAVEPOINT {savepoint}")
                raise
            else:
                conn.execute(f"RELEASE SAVEPOINT {savepoint}")
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise translate(exc) from None
        try:
            yield
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            _rollback(conn)
            raise translate(exc) from None
        except BaseException:
            _rollback(conn)
            raise

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Every row of a read ``sql``, its text decoded by SQLite's own UTF-8 decoder: a third
        quicker than the connection's text factory, which reads invalid UTF-8 (written by another
        program) with U+FFFD instead of failing. A result holding invalid UTF-8 is read again
        through that factory, so what is read is the same either way."""
        conn = self.db.conn
        factory = conn.text_factory
        conn.text_factory = str
        try:
            return conn.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            if "decode" not in str(exc):  # "Could not decode to UTF-8 column ..."
                raise
        finally:
            conn.text_factory = factory
        return conn.execute(sql, params).fetchall()

    _replicated: bool | None = None  # whether the schema has m006 (stable ids); None: not checked yet

    def _stamp_ready(self) -> bool:
        """Whether the schema has the stable ids of m006 (checked once per store and migration)."""
        if self._replicated is None:
            self._replicated = bool(
                self.db.conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'replica'").fetchone()
            )
        return bool(self._replicated)

    def _stamp(self, n: int = 1) -> tuple[str, int] | None:
        """This database's origin id and the first of ``n`` new sequence numbers, taken in the
        caller's write transaction (None for a database of a schema before m006)."""
        if not self._stamp_ready():
            return None
        row = self.db.conn.execute(
            "UPDATE replica SET next_seq = next_seq + ? RETURNING id, next_seq - ?", (n, n)
        ).fetchone()
        return (str(row[0]), int(row[1])) if row else None

    def _log(
        self,
        annotator: str,
        action: str,
        entity: str,
        entity_id: int | None,
        payload: dict[str, Any],
        *,
        session_id: int | None = None,
        at: str | None = None,
        uid: str | None = None,
        stamp: tuple[str, int] | None = None,
    ) -> None:
        """Append one event; it gets this database's origin and its next sequence number (or
        ``stamp``, taken already), and ``uid``, the stable id of the row it touched."""
        stamp = stamp or self._stamp()
        values = (
            at or utc_now(),
            annotator,
            session_id,
            action,
            entity,
            entity_id,
            json.dumps(payload, ensure_ascii=False),
        )
        if stamp is None:  # a database of an older schema, written before it is migrated
            self.db.conn.execute(
                "INSERT INTO events (at, annotator, session_id, action, entity, entity_id, payload) VALUES (?,?,?,?,?,?,?)",
                values,
            )
            return
        self.db.conn.execute(
            "INSERT INTO events (at, annotator, session_id, action, entity, entity_id, payload, origin, seq, uid) "
            "VALUES (?,?,?,?,?,?,?,?,?,?)",
            (*values, stamp[0], stamp[1], uid),
        )


def version(at: str, stamp: tuple[str, int] | None) -> str | None:
    """The version stamp of a row written at ``at``: time, origin, sequence, so that versions sort
    by time and then, for one instant, by origin id (a total order every database agrees on)."""
    return f"{at}|{stamp[0]}|{stamp[1]:012d}" if stamp else None


def _rollback(conn: sqlite3.Connection) -> None:
    try:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    except sqlite3.Error:
        pass
