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
import secrets
import sqlite3
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


class StoreBase:
    """The connection, write transactions and the event log; ``Store`` builds on it."""

    db: Database
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
