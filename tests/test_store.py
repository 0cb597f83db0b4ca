"""The store: migrations, refusal of newer schemas, releases round trip, event log, durability settings."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database

from hkpr_tui.models import Annotation, NewRelease
from hkpr_tui.store import SchemaTooNewError, Store, StoreError
from hkpr_tui.store.schema import KNOWN_MIGRATIONS, MIGRATION_SET


def test_migrations_applied_twice_are_a_no_op() -> None:
    db = Database(memory=True)
    Store(db)
    schema = db.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
    applied = db.execute("SELECT name, applied_at FROM _sqlite_migrations").fetchall()
    store = Store(db)
    assert db.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall() == schema
    assert db.execute("SELECT name, applied_at FROM _sqlite_migrations").fetchall() == applied
    assert store.schema_version() == len(KNOWN_MIGRATIONS)


def test_a_database_from_a_newer_hkpr_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    Store.open(path).close()
    db = Database(path)
    db["_sqlite_migrations"].insert({"migration_set": MIGRATION_SET, "name": "m999_from_the_future", "applied_at": "x"})
    db.close()
    before = path.read_bytes()
    with pytest.raises(SchemaTooNewError, match="newer version of hkpr.*m999_from_the_future"):
        Store.open(path)
    assert path.read_bytes() == before


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("not sqlite at all, just text " * 100)
    with pytest.raises(StoreError, match="not an hkpr database"):
        Store.open(path)


def test_open_sets_wal_and_busy_timeout(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "a.db")
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.db.execute("PRAGMA recursive_triggers").fetchone()[0] == 1  # as sqlite-utils set it
    store.close()
    again = Store.open(tmp_path / "a.db", busy_timeout_ms=1234)  # a current database: nothing to migrate
    assert again.db.execute("PRAGMA busy_timeout").fetchone()[0] == 1234
    assert again.db.execute("PRAGMA synchronous").fetchone()[0] == 1
    again.close()


def test_the_applied_migrations_are_read_as_sqlite_utils_reads_them(tmp_path: Path) -> None:
    """The store reads sqlite-utils' table of applied migrations itself (so opening a current
    database imports no sqlite-utils): the same names, in the same order, as ``Migrations.applied``."""
    from sqlite_utils.migrations import Migrations

    from hkpr_tui.store.schema import MIGRATIONS_TABLE, migrations

    assert Migrations.migrations_table == MIGRATIONS_TABLE
    db = Database(tmp_path / "old.db")
    assert Store(db, migrate=False).applied() == [] == migrations.applied(db)
    db["_sqlite_migrations"].insert({"migration_set": "other", "name": "x1", "applied_at": "x"}, pk="id")
    migrations.apply(db, stop_before=KNOWN_MIGRATIONS[3])
    store = Store(db, migrate=False)
    assert store.applied() == KNOWN_MIGRATIONS[:3] == [m.name for m in migrations.applied(db)]
    assert store.check_schema()  # pending
    store.migrate()
    assert store.applied() == KNOWN_MIGRATIONS == [m.name for m in migrations.applied(db)]
    assert not store.check_schema()


def test_an_older_database_is_migrated_on_open(tmp_path: Path) -> None:
    from hkpr_tui.store.schema import migrations

    path = tmp_path / "old.db"
    db = Database(path)
    migrations.apply(db, stop_before=KNOWN_MIGRATIONS[1])
    db.close()
    store = Store.open(path)
    assert store.applied() == KNOWN_MIGRATIONS
    assert store.db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'release_ends'").fetchone()[0] == 1
    store.close()


def test_the_connection_commits_and_reads_as_sqlite_utils_does() -> None:
    """``Store.db`` keeps the meaning of the sqlite-utils methods it replaced: a write outside a
    transaction is committed at once, a failed one leaves no transaction open, a write inside one
    waits for it, and ``query`` gives dicts (a repeated column name gets a suffix)."""
    from hkpr_tui.store.base import Connection

    conn = sqlite3.connect(":memory:")
    db = Connection(conn)
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)")
    db.execute("INSERT INTO t (v) VALUES (?)", ["a"])
    assert not conn.in_transaction
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO t (v) VALUES ('a')")
    assert not conn.in_transaction
    db.execute("  -- a comment\n BEGIN")
    db.execute("INSERT INTO t (v) VALUES ('b')")
    assert conn.in_transaction  # an explicit transaction stays the caller's
    db.execute("ROLLBACK")
    assert [r["v"] for r in db.query("SELECT v FROM t")] == ["a"]
    assert list(db.query("SELECT id, v, id FROM t")) == [{"id": 1, "v": "a", "id_2": 1}]
    for outer in (False, True):
        if outer:
            db.execute("BEGIN")
        with pytest.raises(ValueError):
            db.query("UPDATE t SET v = 'c'")  # returns no rows: refused, and undone
        assert conn.in_transaction == outer
        assert [r["v"] for r in db.query("SELECT v FROM t")] == ["a"]
    db.execute("COMMIT")
    assert list(db.query("UPDATE t SET v = 'd' RETURNING v")) == [{"v": "d"}]
    assert not conn.in_transaction and conn.execute("SELECT v FROM t").fetchall() == [("d",)]


def test_release_round_trip(seeded_store: Store, parsed_seeds: dict[str, NewRelease]) -> None:
    rows = seeded_store.list_releases(sort="id")
    assert [r.title for r in rows] == [parsed_seeds[k].title for k in sorted(parsed_seeds)]
    stored = seeded_store.release(rows[1].id)
    original = parsed_seeds["001"]
    assert stored.text == original.text and stored.raw_text == original.raw_text
    assert stored.script == "hans" and stored.status == "todo"
    assert seeded_store.paragraphs(stored.id) == original.paragraphs
    assert seeded_store.sentences(stored.id) == original.sentences
    assert rows[1].n_sentences == len(original.sentences)


def test_a_tag_read_back_is_the_annotation_stored(seeded_store: Store) -> None:
    """Tags are read into Annotations without the dataclass's __init__: field for field the same."""
    release = seeded_store.release(seeded_store.list_releases(sort="id")[0].id)
    row = {"release_id": release.id, "kind": "claim", "label": "STATISTIC", "start": 0, "end": 4,
           "text": release.text[:4], "status": "accepted", "attributes": {"value": 2.5, "unit": "間"},
           "annotator": "me", "session_id": seeded_store.start_session("me"),
           "created_at": "2026-01-01T00:00:00.000+00:00", "updated_at": "2026-01-02T00:00:00.000+00:00"}  # fmt: skip
    made = Annotation(id=seeded_store.insert_annotation(row), **row, deleted_at=None)  # type: ignore[arg-type]
    assert seeded_store.annotation(made.id) == made and vars(seeded_store.annotation(made.id)) == vars(made)
    assert seeded_store.annotations(release.id) == [made]
    assert seeded_store.live_annotations([release.id]) == {release.id: [made]}
    assert [a for a, _, _ in seeded_store.tag_rows()] == [made]


def test_invalid_utf8_from_another_program_is_read_with_replacement_characters(
    tmp_path: Path, parsed_seeds: dict[str, NewRelease]
) -> None:
    """Releases and tags are read with SQLite's own UTF-8 decoder, and read again through the
    replacing text factory when that fails: the same text either way, never an exception."""
    path = tmp_path / "a.db"
    store = Store.open(path)
    release_id = store.add_release(parsed_seeds["001"]).release_id
    store.add_annotation(release_id, "entity", "ORG", 0, 2, annotator="me")
    factory = store.db.conn.text_factory
    other = sqlite3.connect(path)
    other.execute("UPDATE releases SET title = cast(x'41ff42' AS text)")
    other.execute("UPDATE annotations SET annotator = cast(x'41ff42' AS text)")
    other.commit()
    other.close()
    assert store.release(release_id).title == "A\ufffdB"
    assert store.releases([release_id])[0].title == "A\ufffdB"
    assert [a.annotator for a in store.live_annotations([release_id])[release_id]] == ["A\ufffdB"]
    assert store.db.conn.text_factory is factory


def test_list_sorts_and_pages(seeded_store: Store) -> None:
    dates = [r.date for r in seeded_store.list_releases(sort="date")]
    assert dates == ["2022-10-19", "2024-02-28", "2026-02-25", "2026-02-25", None]  # undated last
    page = seeded_store.list_releases(sort="date", limit=2, offset=1)
    assert [r.date for r in page] == ["2024-02-28", "2026-02-25"]
    with pytest.raises(ValueError, match="cannot sort"):
        seeded_store.list_releases(sort="title; DROP TABLE releases")


def test_a_page_is_the_same_read_from_either_end(seeded_store: Store) -> None:
    # the library passes the count: a page past the middle is read from the end, reversed
    total = seeded_store.count_releases()
    for sort in ("date", "organisation", "title", "script", "status", "id"):  # ties, and an undated release
        for descending in (False, True):
            whole = seeded_store.list_releases(sort=sort, descending=descending)
            for limit in (1, 2, 3):
                for offset in range(total + 2):
                    page = seeded_store.list_releases(
                        sort=sort, descending=descending, limit=limit, offset=offset, total=total
                    )
                    assert page == whole[offset : offset + limit], (sort, descending, limit, offset)


def test_import_is_logged_and_the_log_is_append_only(seeded_store: Store) -> None:
    events = seeded_store.events()
    assert len(events) == 5 and {e["action"] for e in events} == {"import"}
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        seeded_store.db.execute("DELETE FROM events")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        seeded_store.db.execute("UPDATE events SET annotator = 'x'")


def test_full_text_index_holds_folded_text(seeded_store: Store) -> None:
    # 數碼港 (Traditional, in 000/003) is indexed as 数码港, so a Simplified query finds it.
    ids = {
        row[0]
        for row in seeded_store.db.execute(
            "SELECT rowid FROM release_fts WHERE release_fts MATCH '\"数码港\"'"
        ).fetchall()
    }
    titles = {seeded_store.release(i).organisation for i in ids}
    assert {"數碼港", "数码港"} <= titles


def test_stats(seeded_store: Store) -> None:
    stats = seeded_store.stats()
    assert stats.releases == 5
    assert stats.by_script == {"hans": 1, "hant": 4}
    assert stats.by_kind == {"news article": 1, "press release": 4}
    assert stats.by_status == {"todo": 5}
    assert stats.entities == 0 and stats.claims == 0


def test_sessions(store: Store) -> None:
    sid = store.start_session("ada")
    store.end_session(sid)
    row = next(store.db.query("SELECT * FROM sessions WHERE id = ?", [sid]))
    assert row["annotator"] == "ada" and row["ended_at"] >= row["started_at"]


def test_two_connections_can_write_the_same_database(tmp_path: Path, parsed_seeds: dict[str, NewRelease]) -> None:
    path = tmp_path / "shared.db"
    a, b = Store.open(path), Store.open(path)
    a.add_release(parsed_seeds["000"])
    b.add_release(parsed_seeds["001"])
    b.add_release(parsed_seeds["000"])  # the other copy's release is seen as a duplicate
    assert a.count_releases() == b.count_releases() == 2


@pytest.mark.parametrize("sort", ["date", "organisation", "script", "status", "title"])
@pytest.mark.parametrize("descending", [False, True])
def test_every_library_sort_is_read_from_an_index(store: Store, sort: str, descending: bool) -> None:
    """At 100,000 releases a sort that is not read from an index reads every release row (with
    its text) for each key: ~0.1–0.5 s. The library's first page must come from an index."""
    from hkpr_tui.store.store import SORT_COLUMNS

    direction = "DESC" if descending else "ASC"
    plan = " ".join(
        str(row[-1])
        for row in store.db.execute(
            f"EXPLAIN QUERY PLAN SELECT r.id FROM releases r ORDER BY {SORT_COLUMNS[sort]} {direction} NULLS LAST, "
            f"r.id {direction} LIMIT 100"
        ).fetchall()
    )
    assert "TEMP B-TREE" not in plan, plan
