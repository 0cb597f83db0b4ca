"""Assignment: hkpr assign deals releases out, hkpr pack hands one annotator's share over, merge
brings the work back, and the library's my queue shows what is left to do."""

from __future__ import annotations

import dataclasses
import itertools
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from hkpr_tui.annotate.assign import AssignError, Unit, deal, parse_annotators
from hkpr_tui.app import HkprApp
from hkpr_tui.cli import cli
from hkpr_tui.corpus import parse_text
from hkpr_tui.models import NewRelease, ReleaseFilter
from hkpr_tui.screens.library import FilterScreen, LibraryScreen
from hkpr_tui.store import Store
from hkpr_tui.widgets.release_table import ReleaseTable
from tests.conftest import settle


def release(name: str, group_key: str, organisation: str = "乙") -> NewRelease:
    rel = parse_text(f"數碼港新聞 {name}\n\n香港，2025年1月2日 - 數碼港今日公布第 {name} 項。")
    return dataclasses.replace(rel, group_key=group_key, organisation=organisation)


def make_db(path: Path, groups: list[int]) -> Path:
    """A database whose n-th group holds ``groups[n]`` versions (releases); odd groups are 甲's."""
    store = Store.open(path)
    store.add_releases(
        release(f"{g}.{v}", f"g{g}", "甲" if g % 2 else "乙") for g, n in enumerate(groups) for v in range(n)
    )
    store.close()
    return path


def run(db: Path, *args: str, annotator: str = "coord") -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--db", str(db), "--annotator", annotator, *args])
    return result.exit_code, result.output


def assignments(db: Path) -> dict[int, list[str]]:
    store = Store.open(db)
    try:
        return store.assignments()
    finally:
        store.close()


def groups_of(db: Path) -> dict[int, int]:
    store = Store.open(db)
    try:
        return dict(store.release_groups_of())
    finally:
        store.close()


def test_each_release_goes_to_overlap_annotators_and_loads_are_balanced(tmp_path: Path) -> None:
    db = make_db(tmp_path / "c.db", [1] * 20)
    code, out = run(db, "assign", "--annotators", "alice,bob,carol", "--overlap", "2")
    assert code == 0, out
    dealt = assignments(db)
    assert len(dealt) == 20 and all(len(set(names)) == 2 for names in dealt.values())
    loads = Counter(name for names in dealt.values() for name in names)
    assert sum(loads.values()) == 40 and max(loads.values()) - min(loads.values()) <= 1
    assert "alice" in out and "assigned 20 release(s) in 20 group(s), 2 annotator(s) each" in out


def test_versions_of_one_release_go_to_the_same_annotators(tmp_path: Path) -> None:
    db = make_db(tmp_path / "c.db", [3, 1, 2, 1, 1, 4, 1, 2])
    assert run(db, "assign", "--annotators", "a,b,c,d", "--overlap", "2", "--seed", "7")[0] == 0
    dealt, group = assignments(db), groups_of(db)
    by_group: dict[int, set[tuple[str, ...]]] = {}
    for release_id, names in dealt.items():
        by_group.setdefault(group[release_id], set()).add(tuple(names))
    assert len(by_group) == 8 and all(len(sets) == 1 for sets in by_group.values())
    loads = Counter(name for names in dealt.values() for name in names)
    assert max(loads.values()) - min(loads.values()) <= 4  # at most about one group (the largest has 4)


def test_the_same_seed_gives_the_same_deal_and_another_seed_may_not(tmp_path: Path) -> None:
    deals = []
    for n, seed in enumerate(["1", "1", "2"]):
        db = make_db(tmp_path / f"c{n}.db", [1, 2, 1, 1, 3, 1, 1, 1, 2, 1])
        assert run(db, "assign", "--annotators", "alice,bob,carol", "--overlap", "2", "--seed", seed)[0] == 0
        deals.append(assignments(db))
    assert deals[0] == deals[1]
    assert deals[0] != deals[2]


def test_deal_is_balanced_for_any_sizes() -> None:
    for overlap, n in itertools.product((1, 2, 3), (1, 7, 30)):
        units = [Unit(i, (i,)) for i in range(n)]
        out = deal(units, ["a", "b", "c"], overlap, seed=n)
        loads = Counter(name for names in out.values() for name in names)
        assert all(len(names) == overlap for names in out.values())
        assert max(loads.values()) - min(loads.get(x, 0) for x in "abc") <= 1


def test_rerun_deals_only_new_releases_and_replace_deals_again(tmp_path: Path) -> None:
    db = make_db(tmp_path / "c.db", [1, 1, 1, 1, 1, 1])
    assert run(db, "assign", "--annotators", "alice,bob", "--overlap", "1")[0] == 0
    first = assignments(db)
    code, out = run(db, "assign", "--annotators", "alice,bob", "--overlap", "1")
    assert code == 0 and "nothing to assign" in out and "--replace" in out
    store = Store.open(db)  # a new release, and a new version of release 1's group
    store.add_releases([release("new", "gnew"), release("v2", store.group_key_of(1))])
    store.close()
    code, out = run(db, "assign", "--annotators", "alice,bob,carol", "--overlap", "1")
    assert code == 0 and "assigned 2 release(s)" in out and "6 assigned already kept" in out
    second = assignments(db)
    assert {k: v for k, v in second.items() if k in first} == first
    assert second[8] == first[1]  # the new version goes to its group's annotator
    assert second[7] == ["carol"]  # carol had nothing: the least loaded
    code, out = run(db, "assign", "--annotators", "dave,erin", "--overlap", "2", "--replace", "--organisation", "甲")
    assert code == 0 and "dealt again" in out
    third = assignments(db)  # releases 2, 4 and 6 are 甲's
    assert {r: third[r] for r in (2, 4, 6)} == {r: ["dave", "erin"] for r in (2, 4, 6)}
    assert {r: v for r, v in third.items() if r not in (2, 4, 6)} == {
        r: v for r, v in second.items() if r not in (2, 4, 6)
    }


def test_dry_run_writes_nothing_and_filters_apply(tmp_path: Path) -> None:
    db = make_db(tmp_path / "c.db", [1, 1, 1, 1])
    code, out = run(db, "assign", "--annotators", "alice,bob", "--dry-run", "--organisation", "甲")
    assert code == 0 and "would assign 2 release(s)" in out and "nothing was written" in out
    assert assignments(db) == {}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--annotators", "alice,,bob"], "--annotators: an empty name"),
        (["--annotators", "alice, "], "--annotators: an empty name"),
        (["--annotators", "al\x1bice"], "contains a control character"),
        (["--annotators", "alice,alice"], "alice is named twice"),
        (
            ["--annotators", "alice,bob", "--overlap", "3"],
            "--overlap 3 needs at least 3 annotators; --annotators names 2",
        ),
        (["--annotators", "alice", "--year", "25"], "--year takes a year of four digits"),
    ],
)
def test_bad_arguments_are_one_clear_line(tmp_path: Path, args: list[str], message: str) -> None:
    db = make_db(tmp_path / "c.db", [1, 1])
    code, out = run(db, "assign", *args)
    assert code != 0 and message in out and "Traceback" not in out
    assert assignments(db) == {}


def test_parse_annotators() -> None:
    assert parse_annotators(" alice , bob ") == ["alice", "bob"]
    with pytest.raises(AssignError, match="empty"):
        parse_annotators("")


def test_assign_is_logged(tmp_path: Path) -> None:
    db = make_db(tmp_path / "c.db", [1, 1])
    run(db, "assign", "--annotators", "alice,bob", "--seed", "4")
    store = Store.open(db)
    event = next(e for e in store.events() if e["action"] == "assign")
    store.close()
    assert event["annotator"] == "coord" and '"seed": 4' in event["payload"] and '"releases": 2' in event["payload"]


# -- pack ---------------------------------------------------------------------------------------


def assigned_and_tagged(tmp_path: Path) -> Path:
    db = make_db(tmp_path / "c.db", [2, 1, 1, 1])
    assert run(db, "assign", "--annotators", "alice,bob", "--overlap", "1")[0] == 0
    store = Store.open(db)
    for release_id, names in store.assignments().items():
        store.add_annotation(release_id, "entity", "ORG", 0, 3, annotator=names[0])
        store.add_annotation(release_id, "entity", "LOC", 5, 7, annotator="zoe")  # not assigned: never packed
    store.close()
    return db


def test_pack_holds_the_releases_labels_own_tags_and_keymap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[keymap]\n"library.sort" = "o"\n', encoding="utf-8")
    monkeypatch.setenv("HKPR_CONFIG", str(config))
    db = assigned_and_tagged(tmp_path)
    mine = sorted(r for r, names in assignments(db).items() if "alice" in names)
    out_db = tmp_path / "alice.db"
    code, out = run(db, "pack", "alice", "--out", str(out_db))
    assert code == 0, out
    assert f"packed {len(mine)} release(s)" in out and "--annotator alice" in out and "keymap" in out
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left
    packed = Store.open(out_db, must_exist=True)
    try:
        assert packed.release_ids() == mine  # the same ids
        assert packed.assignments() == {r: ["alice"] for r in mine}
        tags = [a for anns in packed.live_annotations().values() for a in anns]
        assert tags and {a.annotator for a in tags} == {"alice"}
        assert {row["name"] for row in packed.stored_labels()} >= {"ORG", "PERSON", "LOC"}
        assert packed.setting("keymap") == {"library.sort": "o"}
        assert packed.search("數碼港").hits  # the search index came too
        assert packed.paragraphs(mine[0]) and packed.sentences(mine[0])
    finally:
        packed.close()


def test_pack_refusals(tmp_path: Path) -> None:
    db = assigned_and_tagged(tmp_path)
    code, out = run(db, "pack", "dave", "--out", str(tmp_path / "dave.db"))
    assert code == 1 and "nothing is assigned to dave" in out and "alice, bob" in out
    assert not (tmp_path / "dave.db").exists()
    out_db = tmp_path / "alice.db"
    assert run(db, "pack", "alice", "--out", str(out_db))[0] == 0
    code, out = run(db, "pack", "alice", "--out", str(out_db))
    assert code == 1 and "exists; --force replaces it" in out
    assert run(db, "pack", "alice", "--out", str(out_db), "--force")[0] == 0
    notes = tmp_path / "notes.db"
    notes.write_text("my notes", encoding="utf-8")
    code, out = run(db, "pack", "alice", "--out", str(notes), "--force")
    assert code == 1 and "not an hkpr database" in out and notes.read_text(encoding="utf-8") == "my notes"
    code, out = run(db, "pack", "alice", "--out", str(db), "--force")
    assert code == 1 and "is the database being packed" in out
    code, out = run(db, "pack", "alice", "--out", str(tmp_path / "no" / "a.db"))
    assert code == 1 and "does not exist" in out and "Traceback" not in out


def test_round_trip_assign_pack_annotate_merge(tmp_path: Path) -> None:
    db = make_db(tmp_path / "c.db", [1, 1, 1, 1])
    assert run(db, "assign", "--annotators", "alice,bob", "--overlap", "1")[0] == 0
    out_db = tmp_path / "alice.db"
    assert run(db, "pack", "alice", "--out", str(out_db))[0] == 0
    theirs = Store.open(out_db)
    release_id = theirs.release_ids()[0]
    theirs.add_annotation(release_id, "entity", "ORG", 0, 3, annotator="alice")
    theirs.set_status(release_id, "done", annotator="alice")
    theirs.close()
    code, out = run(db, "merge", str(out_db))
    assert code == 0 and "annotations added 1" in out and "statuses changed 1" in out, out
    assert "conflicts 0" in out  # only alice changed these since the pack: no conflict
    store = Store.open(db)
    try:
        assert store.release_status(release_id) == "done"
        tags = store.live_annotations([release_id])[release_id]
        assert [(t.label, t.annotator, t.text) for t in tags] == [("ORG", "alice", "數碼港")]
        assert store.count_releases(ReleaseFilter(queue="alice")) == len(store.assigned_release_ids("alice")) - 1
    finally:
        store.close()
    code, out = run(db, "merge", str(out_db))  # again: nothing new
    assert code == 0 and "annotations added 0" in out and "statuses changed 0" in out


def test_each_annotators_queue_follows_their_own_done_not_the_shared_status(tmp_path: Path) -> None:
    db = make_db(tmp_path / "c.db", [1, 1])
    assert run(db, "assign", "--annotators", "alice,bob", "--overlap", "2")[0] == 0
    for name in ("alice", "bob"):
        assert run(db, "pack", name, "--out", str(tmp_path / f"{name}.db"))[0] == 0
    alice = Store.open(tmp_path / "alice.db")
    first = alice.release_ids()[0]
    alice.set_status(first, "done", annotator="alice")
    alice.close()
    assert run(db, "merge", str(tmp_path / "alice.db"))[0] == 0
    store = Store.open(db)
    try:
        assert store.release_status(first) == "done"  # the shared status
        assert store.count_releases(ReleaseFilter(queue="alice")) == 1  # alice finished one of two
        assert store.count_releases(ReleaseFilter(queue="bob")) == 2  # bob has not: both still his
        store.set_status(first, "in progress", annotator="alice")  # alice reopens it here
        assert store.count_releases(ReleaseFilter(queue="alice")) == 2
    finally:
        store.close()


# -- the library --------------------------------------------------------------------------------


async def test_my_queue_in_the_library(tmp_path: Path) -> None:
    db = make_db(tmp_path / "c.db", [1, 1, 1, 1])
    assert run(db, "assign", "--annotators", "alice,bob", "--overlap", "1")[0] == 0
    mine = assignments(db)
    queue = sorted(r for r, names in mine.items() if names == ["alice"])
    store = Store.open(db)
    store.set_status(queue[0], "done", annotator="alice")  # done: out of the queue
    store.close()
    app = HkprApp(db_path=db, annotator="alice")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LibraryScreen)
        status = screen.query_one("#library-status")
        assert f"my queue: {len(queue) - 1} (m)" in str(status.render())
        await pilot.press("m")
        await settle(pilot)
        table = screen.query_one(ReleaseTable)
        shown = sorted(row.id for i in range(table.total) if (row := table.row(i)))
        assert shown == queue[1:]
        assert "filter: my queue of alice (F)" in str(status.render())
        await pilot.press("m")  # again: every release
        await settle(pilot)
        assert table.total == 4
        await pilot.press("F")
        await settle(pilot)
        assert isinstance(app.screen, FilterScreen)
        from textual.widgets import Select

        app.screen.query_one("#filter-queue", Select).value = "alice"
        await settle(pilot)
        assert app.screen is screen and screen.filter.queue == "alice" and table.total == len(queue) - 1


async def test_a_packed_keymap_applies_under_the_users_own(tmp_path: Path) -> None:
    db = make_db(tmp_path / "c.db", [1, 1])
    store = Store.open(db)
    store.set_setting("keymap", {"library.sort": "o", "library.reload": "g"})
    store.close()
    config = tmp_path / "config.toml"
    config.write_text('[keymap]\n"library.reload" = "x"\n', encoding="utf-8")
    app = HkprApp(db_path=db, config_path=config)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("o")  # the packed keymap's
        await settle(pilot)
        assert app.screen.sort == "organisation"  # type: ignore[attr-defined]
        keys = {b.binding.id: key for key, b in app.screen.active_bindings.items()}
        assert keys["library.reload"] == "x"  # the user's own wins
