"""Merge replays the event log: deletes, relabels, bound moves, undos and statuses carry over;
merging is idempotent and converges whatever the order; conflicts follow the stated rule."""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from hkpr_tui.annotate.session import Actions, StaleStep
from hkpr_tui.cli import cli
from hkpr_tui.corpus.ingest import release_from_text
from hkpr_tui.export.merge import RULE, MergeReport, merge
from hkpr_tui.store import Store

TEXTS = [
    "數碼港今日宣布，超過500間初創企業進駐。科技園亦有300間。香港政府撥款十億元。",
    "旅發局公布，訪港旅客人次上升。機管局表示機場客運量回升。運輸署會跟進。",
]


def find(text: str, needle: str) -> tuple[int, int]:
    start = text.index(needle)
    return start, start + len(needle)


def base(tmp_path: Path) -> Path:
    """Two releases tagged by ann: three ORG tags, two claims linked, in one session."""
    path = tmp_path / "base.db"
    store = Store.open(path)
    ids = [store.add_release(release_from_text(t, source=f"{i}.txt")).release_id for i, t in enumerate(TEXTS)]
    actions = Actions(store, "ann", store.start_session("ann"))
    for needle in ("數碼港", "科技園", "香港政府"):
        actions.tag(ids[0], "entity", "ORG", *find(TEXTS[0], needle))
    for needle in ("旅發局", "機管局", "運輸署"):
        actions.tag(ids[1], "entity", "ORG", *find(TEXTS[1], needle))
    a = actions.tag(ids[0], "claim", "STATISTIC", *find(TEXTS[0], "超過500間初創企業進駐"))
    b = actions.tag(ids[0], "claim", "STATISTIC", *find(TEXTS[0], "科技園亦有300間"))
    actions.link(a.id, b.id, "same_metric")
    store.close()
    return path


def fork(path: Path, name: str) -> Path:
    """A copy of the database (it draws its own origin id when opened)."""
    copy = path.with_name(name)
    shutil.copy(path, copy)
    return copy


def tag_id(store: Store, needle: str, release: int = 1) -> int:
    return next(
        a.id for a in store.annotations(release, statuses=("accepted", "suggested", "rejected")) if a.text == needle
    )


def merged(into: Path, other: Path, annotator: str = "merger") -> MergeReport:
    store = Store.open(into)
    try:
        return merge(store, other, annotator=annotator)
    finally:
        store.close()


def dump(path: Path) -> tuple[object, ...]:
    """The state, by stable ids (local row ids and sessions differ between databases)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return tuple(
            sorted(conn.execute(sql).fetchall())
            for sql in (
                "SELECT content_hash, status FROM releases",
                'SELECT a.uid, r.content_hash, a.kind, a.label, a.start, a."end", a.text, a.status, a.attributes, '
                "a.annotator, a.created_at, a.updated_at, a.deleted_at IS NULL, a.version FROM annotations a "
                "JOIN releases r ON r.id = a.release_id",
                "SELECT k.uid, s.uid, t.uid, k.kind, k.annotator, k.created_at, k.deleted_at IS NULL, k.version "
                "FROM links k JOIN annotations s ON s.id = k.source_id JOIN annotations t ON t.id = k.target_id",
                "SELECT folded, label, n FROM known_strings WHERE n != 0",
            )
        )
    finally:
        conn.close()


def counts(path: Path) -> tuple[int, ...]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return tuple(
            conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("annotations", "links", "events")
        )
    finally:
        conn.close()


def event_ids(path: Path) -> set[tuple[str, int]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return set(conn.execute("SELECT origin, seq FROM events WHERE action != 'merge'").fetchall())
    finally:
        conn.close()


def known_strings_recounted(path: Path) -> list[tuple[str, str, int]]:
    """known_strings as m005 would count it from the tags: what the merge must keep it equal to."""
    from hkpr_tui.script import fold

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        out: dict[tuple[str, str], int] = {}
        for text, label in conn.execute(
            "SELECT text, label FROM annotations WHERE kind = 'entity' AND status = 'accepted' AND deleted_at IS NULL"
        ):
            out[(fold(text), label)] = out.get((fold(text), label), 0) + 1
        return sorted((f, label, n) for (f, label), n in out.items())
    finally:
        conn.close()


def work(path: Path, who: str, steps: object) -> None:
    store = Store.open(path)
    try:
        steps(store, Actions(store, who, store.start_session(who)))  # type: ignore[operator]
    finally:
        store.close()


def alice_work(store: Store, actions: Actions) -> None:
    actions.edit(tag_id(store, "數碼港"), label="LOC")  # relabel
    actions.edit(tag_id(store, "香港政府"), start=TEXTS[0].index("香港"), end=TEXTS[0].index("香港") + 2)  # bounds
    actions.delete(tag_id(store, "旅發局", 2))
    actions.tag(2, "entity", "ORG", *find(TEXTS[1], "訪港旅客"))
    actions.undo()  # the tag is undone: deleted, but the row and its events carry over
    actions.set_status(1, "done")


def bob_work(store: Store, actions: Actions) -> None:
    actions.delete(tag_id(store, "科技園"))
    actions.edit(tag_id(store, "機管局", 2), label="GOV")
    actions.tag(2, "entity", "PERSON", *find(TEXTS[1], "運輸署"))
    actions.delete(tag_id(store, "運輸署", 2))
    actions.undo()  # the delete undone: 運輸署 ORG is live again
    actions.set_status(2, "in progress")
    link = store.links()[0]
    store.set_link_deleted(link.id, True, annotator="bob")


# -- (a) the reported bug ------------------------------------------------------------------------


def test_a_second_merge_carries_alices_delete_and_relabel(tmp_path: Path) -> None:
    alice = tmp_path / "alice.db"
    store = Store.open(alice)
    rid = store.add_release(release_from_text(TEXTS[0], source="a.txt")).release_id
    actions = Actions(store, "alice", store.start_session("alice"))
    one = actions.tag(rid, "entity", "ORG", *find(TEXTS[0], "數碼港"))
    two = actions.tag(rid, "entity", "ORG", *find(TEXTS[0], "科技園"))
    store.close()
    ann = tmp_path / "ann.db"
    Store.open(ann).close()
    assert merged(ann, alice).annotations_added == 2
    work(alice, "alice", lambda s, a: (a.delete(one.id), a.edit(two.id, label="LOC")))
    report = merged(ann, alice)
    assert (report.annotations_added, report.annotations_updated, report.annotations_deleted) == (0, 2, 1)
    store = Store.open(ann)
    live = [(a.label, a.text) for a in store.annotations(1)]
    store.close()
    assert live == [("LOC", "科技園")]  # the deleted tag is gone, one label only
    assert dump(ann)[1:3] == dump(alice)[1:3] and dump(ann)[3] == known_strings_recounted(ann)


# -- (b) both ways converge ----------------------------------------------------------------------


def test_two_annotators_merged_both_ways_reach_the_same_state(tmp_path: Path) -> None:
    start = base(tmp_path)
    a, b = fork(start, "alice.db"), fork(start, "bob.db")
    work(a, "alice", alice_work)
    work(b, "bob", bob_work)
    a_before = fork(a, "alice-before.db")  # B ← A reads A as it was before A ← B
    ab = merged(a, b)
    ba = merged(b, a_before)
    assert dump(a) == dump(b)
    assert ab.conflicts == [] and ba.conflicts == []  # no row was changed on both sides
    state = dump(a)
    assert state[3] == known_strings_recounted(a)
    tags = {row[6]: row for row in state[1]}
    assert tags["數碼港"][3] == "LOC" and tags["香港"][12] == 1  # relabel, bound move
    assert tags["旅發局"][12] == 0 and tags["科技園"][12] == 0  # deletes from both sides
    assert tags["訪港旅客"][12] == 0  # tagged then undone
    assert tags["機管局"][3] == "GOV"
    assert sorted(row[3] for row in state[1] if row[6] == "運輸署" and row[12]) == ["ORG", "PERSON"]  # delete undone
    assert dict(state[0]).values() and sorted(s for _, s in state[0]) == ["done", "in progress"]
    assert [row[6] for row in state[2]] == [0]  # the unlink
    merged(a, b)
    merged(b, a)
    assert event_ids(a) == event_ids(b)  # the logs hold the same events


# -- (c) idempotent ------------------------------------------------------------------------------


def test_merging_twice_adds_no_rows_and_no_events(tmp_path: Path) -> None:
    start = base(tmp_path)
    a, b = fork(start, "alice.db"), fork(start, "bob.db")
    work(a, "alice", alice_work)
    work(b, "bob", bob_work)
    merged(a, b)
    before = counts(a), dump(a)
    again = merged(a, b)
    assert (counts(a), dump(a)) == before
    assert not again.changed and again.events_replayed == 0 and again.annotations_present > 0
    merged(b, a)  # B takes A's events (and logs its merge, which A takes next); then nothing moves
    assert merged(a, b).events_replayed == 1
    before = counts(a), counts(b)
    assert merged(b, a).events_replayed == 0 and merged(a, b).events_replayed == 0
    assert (counts(a), counts(b)) == before and dump(a) == dump(b)


# -- (d) conflicts -------------------------------------------------------------------------------


def test_the_same_tag_edited_in_two_places_is_a_conflict_the_later_edit_wins(tmp_path: Path) -> None:
    start = base(tmp_path)
    a, b = fork(start, "alice.db"), fork(start, "bob.db")
    work(a, "alice", lambda s, x: x.edit(tag_id(s, "數碼港"), label="LOC"))
    time.sleep(0.01)
    work(b, "bob", lambda s, x: x.edit(tag_id(s, "數碼港"), label="PERSON"))  # later: wins
    a_before, b_before = fork(a, "alice-before.db"), fork(b, "bob-before.db")
    ab = merged(a, b)
    ba = merged(b, a_before)
    assert [(c.winner, "PERSON" in c.theirs, "LOC" in c.ours) for c in ab.conflicts] == [("theirs", True, True)]
    assert [(c.winner, "LOC" in c.theirs, "PERSON" in c.ours) for c in ba.conflicts] == [("here", True, True)]
    assert dump(a) == dump(b)
    assert next(row for row in dump(a)[1] if row[6] == "數碼港")[3] == "PERSON"
    c = fork(a_before, "carol.db")
    out = CliRunner().invoke(cli, ["--db", str(c), "merge", str(b_before)], catch_exceptions=False)
    assert out.exit_code == 0 and "conflict" in out.output and RULE in out.output and "conflicts 1" in out.output
    assert "longest held the write lock" in out.output


def test_a_delete_against_a_later_relabel_keeps_the_relabel_and_undo_names_who(tmp_path: Path) -> None:
    start = base(tmp_path)
    a, b = fork(start, "alice.db"), fork(start, "bob.db")
    store = Store.open(a)
    alice = Actions(store, "alice", store.start_session("alice"))
    alice.delete(tag_id(store, "科技園"))
    time.sleep(0.01)
    work(b, "bob", lambda s, x: x.edit(tag_id(s, "科技園"), label="LOC"))
    report = merge(store, b, annotator="alice")
    assert [c.winner for c in report.conflicts] == ["theirs"]
    assert [a.label for a in store.annotations(1) if a.text == "科技園"] == ["LOC"]
    with pytest.raises(StaleStep, match="changed since by bob"):
        alice.undo()  # bob's edit arrived by the merge, with its event
    store.close()


# -- (e) three databases -------------------------------------------------------------------------


def test_three_databases_merged_in_different_orders_converge(tmp_path: Path) -> None:
    start = base(tmp_path)
    a, b, c = fork(start, "alice.db"), fork(start, "bob.db"), fork(start, "carol.db")
    work(a, "alice", alice_work)
    work(b, "bob", bob_work)
    time.sleep(0.01)

    def carol(store: Store, actions: Actions) -> None:
        actions.edit(tag_id(store, "數碼港"), label="PERSON")  # after alice's relabel: wins
        actions.set_status(1, "in progress")  # after alice's done: wins
        actions.tag(1, "entity", "LOC", *find(TEXTS[0], "香港"))

    work(c, "carol", carol)
    orders = [(a, b, c), (c, a, b), (b, c, a)]
    results = []
    for n, (first, *rest) in enumerate(orders):
        into = fork(first, f"order{n}.db")
        for other in rest:
            merged(into, other)
        results.append(dump(into))
    assert results[0] == results[1] == results[2]
    assert next(row for row in results[0][1] if row[6] == "數碼港")[3] == "PERSON"
    assert dict(results[0][0])[next(h for h, _ in results[0][0])] in ("in progress", "done")


# -- (g) older schemas ---------------------------------------------------------------------------


def old_database(path: Path) -> None:
    """A database of the first hkpr schema, with two tags as the first hkpr wrote them."""
    from sqlite_utils import Database

    from hkpr_tui.store.schema import KNOWN_MIGRATIONS, migrations

    db = Database(path)
    migrations.apply(db, stop_before=KNOWN_MIGRATIONS[1])
    old = Store(db, migrate=False)
    old.add_release(release_from_text(TEXTS[0], source="x"))
    for label, needle in (("ORG", "數碼港"), ("ORG", "科技園")):
        s, e = find(TEXTS[0], needle)
        db.execute(
            'INSERT INTO annotations (release_id, kind, label, start, "end", text, annotator, created_at, updated_at) '
            "VALUES (1, 'entity', ?, ?, ?, ?, 'bob', '2024-01-01T00:00:00', '2024-01-01T00:00:00')",
            [label, s, e, needle],
        )
    db.close()


def test_an_older_schema_database_merges_once(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    old_database(old)
    here = tmp_path / "here.db"
    Store.open(here).close()
    first = merged(here, old)
    assert (first.releases_added, first.annotations_added) == (1, 2)
    again = merged(here, old)  # migrated on a new copy each time: the same stable ids
    assert (again.annotations_added, again.events_replayed, again.changed) == (0, 0, False)


def test_copies_of_an_old_database_upgraded_apart_share_their_old_tags(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    old_database(old)
    a, b = fork(old, "a.db"), fork(old, "b.db")
    Store.open(a).close()  # each upgraded on its own
    work(b, "bob", lambda s, x: x.delete(tag_id(s, "數碼港")))
    report = merged(a, b)
    assert (report.annotations_added, report.annotations_updated, report.annotations_deleted) == (0, 1, 1)
    assert dump(a)[1] == dump(b)[1]


def test_a_claims_subject_points_at_the_same_tag_after_a_merge_both_ways(tmp_path: Path) -> None:
    """A claim names its subject by row id, which differs between databases: merge maps it."""
    start = base(tmp_path)
    a_path, b_path = fork(start, "a.db"), fork(start, "b.db")
    a = Store.open(a_path)
    a.add_annotation(1, "entity", "ORG", *find(TEXTS[0], "科技園"), annotator="alice")  # shifts the ids in a.db
    a.close()
    b = Store.open(b_path)
    subject = b.add_annotation(1, "entity", "GPE", *find(TEXTS[0], "香港"), annotator="bob")
    b.add_annotation(1, "claim", "STATISTIC", *find(TEXTS[0], "香港政府撥款十億元"), annotator="bob",
                     attributes={"subject_id": subject.id, "subject_text": "香港", "value": 1_000_000_000})  # fmt: skip
    b.close()
    merged(a_path, b_path)
    merged(b_path, a_path)
    for path in (a_path, b_path):
        store = Store.open(path)
        try:
            claim = next(t for t in store.annotations(1) if t.annotator == "bob" and t.kind == "claim")
            named = store.annotation(claim.attributes["subject_id"])
            assert (named.annotator, named.label, named.text) == ("bob", "GPE", "香港"), path.name
        finally:
            store.close()


def test_the_same_change_made_on_both_sides_is_no_conflict(tmp_path: Path) -> None:
    start = base(tmp_path)
    a_path, b_path = fork(start, "a.db"), fork(start, "b.db")
    for path, who in ((a_path, "alice"), (b_path, "bob")):
        store = Store.open(path)
        store.set_status(1, "done", annotator=who)
        store.update_annotation(tag_id(store, "數碼港"), label="FACILITY", annotator=who)
        store.close()
        time.sleep(0.01)
    report = merged(a_path, b_path)
    assert report.conflicts == []  # both said done, both relabelled alike
    assert report.statuses_changed == 1  # the later of the two (same value) is taken: the states converge


def test_sessions_come_with_the_work_so_a_team_database_shows_who_worked_when(tmp_path: Path) -> None:
    start = base(tmp_path)
    alice = fork(start, "alice.db")
    store = Store.open(alice)
    actions = Actions(store, "alice", store.start_session("alice"))
    actions.tag(1, "entity", "GPE", *find(TEXTS[0], "香港"))
    store.close()
    team = fork(start, "team.db")
    merged(team, alice)
    merged(team, alice)  # twice: still one session of alice's
    store = Store.open(team)
    try:
        mine = [s for s in store.session_summaries() if s.annotator == "alice"]
        assert len(mine) == 1 and mine[0].tags == 1 and mine[0].actions == 1
    finally:
        store.close()


def test_forged_sessions_are_refused_and_named_not_stored(tmp_path: Path) -> None:
    start = base(tmp_path)
    other = fork(start, "other.db")
    conn = sqlite3.connect(other)
    rows = [
        ("ev\x1b]52;c;x\x07il", "2026-01-01T00:00:00", 1),
        ("carol", "not a time", 1),
        ("dave", "2026-01-01T00:00:00", -4),
    ]
    conn.executemany("INSERT INTO sessions (annotator, started_at, actions) VALUES (?,?,?)", rows)
    conn.commit()
    conn.close()
    result = CliRunner().invoke(cli, ["--db", str(start), "merge", str(other)])
    assert result.exit_code == 1
    assert "control characters" in result.output and "bad start time" in result.output
    assert "bad action count" in result.output and "\x1b" not in result.output
    store = Store.open(start)
    try:
        assert {s.annotator for s in store.session_summaries()} == {"ann"}
    finally:
        store.close()
