"""The annotation flow with Pilot: find selects, tag every match, walk the suggestions one key per
decision, and the reader's rough edges (quick split, escape, layout kept, tags panel by keyboard,
compare shows changed figures of aligned paragraphs, first run)."""

from __future__ import annotations

from pathlib import Path

from hkpr_tui.app import HkprApp
from hkpr_tui.screens.annotating import TagPanel
from hkpr_tui.screens.library import LibraryScreen
from hkpr_tui.screens.reader import ReaderScreen
from tests.conftest import SEEDS, settle
from tests.test_annotate_app import status_line, stored
from tests.test_reader import open_reader, release_id


async def test_find_then_a_label_key_tags_the_match_in_three_keys(seeded_db: Path) -> None:
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "000")
        view = reader.panes[0].view
        rid = release_id(seeded_db, "000")
        await pilot.press("f", *"陳細明", "enter", "2")  # f ⏎ 2: three keys besides the name
        await settle(pilot)
        start = view.text.index("陳細明")
        assert stored(seeded_db, rid) == [("PERSON", "陳細明", start, start + 3)]


async def test_star_then_a_label_key_tags_every_match_and_one_undo_removes_them(seeded_db: Path) -> None:
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "000")
        view = reader.panes[0].view
        rid = release_id(seeded_db, "000")
        count = view.text.count("數碼港")
        await pilot.press("f", *"数码港", "enter", "asterisk", "1")  # a Simplified query finds 數碼港
        await settle(pilot)
        tagged = stored(seeded_db, rid)
        assert len(tagged) == count > 3 and {t[:2] for t in tagged} == {("ORG", "數碼港")}
        await pilot.press("u")
        await settle(pilot)
        assert stored(seeded_db, rid) == []


async def test_walking_the_suggestions_is_one_key_per_decision(seeded_db: Path) -> None:
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "000")
        view = reader.panes[0].view
        rid = release_id(seeded_db, "000")
        await pilot.press("full_stop")  # to the first suggestion: its label is shown before deciding
        first = reader.suggestion_at(reader.panes[0])
        assert first is not None and view.cursor == first.start
        assert f"{first.label} 「{first.text}」" in status_line(reader) and "a accept" in status_line(reader)
        await pilot.press("a")  # accept, and on to the next one
        await settle(pilot)
        second = reader.suggestion_at(reader.panes[0])
        assert second is not None and second.start >= first.end and view.cursor == second.start
        await pilot.press("r")  # reject, and on
        await settle(pilot)
        assert [(a[0], a[2]) for a in stored(seeded_db, rid)] == [(first.label, first.start)]
        assert [(a[0], a[2]) for a in stored(seeded_db, rid, ("rejected",))] == [(second.label, second.start)]
        assert reader.suggestion_at(reader.panes[0]) is not None and view.cursor > second.start


async def test_split_pressed_twice_quickly_does_not_crash(seeded_db: Path) -> None:
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "000")
        await pilot.press("backslash", "backslash", "backslash", "backslash")
        await settle(pilot)
        assert isinstance(app.screen, ReaderScreen) and len(reader.panes) in (1, 2)


async def test_escape_keeps_the_library_row_and_reopening_restores_split_and_compare(seeded_db: Path) -> None:
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        library = app.screen
        assert isinstance(library, LibraryScreen)
        library.table.cursor = 2  # 001 (2024): the Simplified release
        await pilot.press("enter")
        await settle(pilot)
        reader = app.screen
        assert isinstance(reader, ReaderScreen)
        await pilot.press("backslash")
        await settle(pilot)
        reader.load(1, release_id(seeded_db, "000"), "original", 0)
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert reader.comparison is not None
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is library and library.table.cursor == 2
        await pilot.press("enter")
        await settle(pilot)
        again = app.screen
        assert isinstance(again, ReaderScreen) and again is not reader
        assert len(again.panes) == 2 and again.comparison is not None
        assert [p.loaded.release.id for p in again.panes if p.loaded] == [
            release_id(seeded_db, "001"),
            release_id(seeded_db, "000"),
        ]


async def test_compare_shows_changed_figures_of_aligned_paragraphs_unless_asked(seeded_db: Path) -> None:
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "001")
        await pilot.press("backslash")
        await settle(pilot)
        reader.load(1, release_id(seeded_db, "000"), "original", 0)
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert reader.comparison is not None
        paired = reader.changes
        assert paired and all(c.left and c.right for c in paired)
        assert len(paired) < len(reader.comparison.changes)  # one-sided figures are left out
        assert "one-sided (M)" in status_line(reader)
        left, right = reader.panes
        assert left.view.text[paired[0].left.start : paired[0].left.end]  # type: ignore[union-attr]
        assert right.view.text[paired[0].right.start : paired[0].right.end]  # type: ignore[union-attr]
        await pilot.press("M")
        assert len(reader.changes) == len(reader.comparison.changes)


async def test_tags_panel_is_reached_by_keyboard_and_shows_the_qualifier(seeded_db: Path) -> None:
    from hkpr_tui.store import Store

    rid = release_id(seeded_db, "000")
    store = Store.open(seeded_db)
    text = store.release(rid).text
    at = text.index("超過500間")
    store.add_annotation(
        rid, "claim", "STATISTIC", at, at + 6, annotator="t", attributes={"value": 500, "unit": "間", "qualifier": ">"}
    )
    store.close()
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "000")
        await pilot.press("p")
        await settle(pilot)
        panel = reader.query_one(TagPanel)
        assert panel.has_focus
        assert "> 500 間" in str(panel.get_option_at_index(0).prompt)
        await pilot.press("enter")
        assert reader.panes[0].view.has_focus and reader.panes[0].view.cursor == at


async def test_first_run_focuses_the_list_and_fills_the_filter_menus(tmp_path: Path) -> None:
    app = HkprApp(db_path=tmp_path / "new.db", annotator="t", seed_dir=SEEDS)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.pause(0.5)
        await settle(pilot)
        library = app.screen
        assert isinstance(library, LibraryScreen)
        assert library.table.has_focus and library.table.total == 5
        assert library.facets.get("organisation")  # the menus know the imported organisations


def test_the_gold_annotation_of_seed_000_is_in_the_seed() -> None:
    """benchmarks/bench_session.py tags seed 000 from this list: every entry must be in its text."""
    from hkpr_tui.corpus import parse_file
    from tests.conftest import seed
    from tests.gold_seed_000 import CLAIMS, ENTITIES

    text = parse_file(seed("000")).text
    assert [needle for needle, _ in ENTITIES if needle not in text] == []
    assert [fragment for fragment, _ in CLAIMS if fragment not in text] == []


async def test_word_motions_and_select_word_in_every_script(seeded_db: Path) -> None:
    from hkpr_tui.script.words import word_at

    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "000")
        view = reader.panes[0].view
        rid = release_id(seeded_db, "000")
        start = view.text.index("陳細明")
        view.set_cursor(start - 2)  # in 主席, the word before the name
        await pilot.press("w")
        assert view.cursor == start
        await pilot.press("t", "t")  # 简: the same word boundaries
        await settle(pilot)
        await pilot.press("W", "w")
        assert view.cursor == start
        await pilot.press("i", "2")  # select the word, tag it PERSON: two keys
        await settle(pilot)
        assert stored(seeded_db, rid) == [("PERSON", "陳細明", start, start + 3)]
        assert word_at(view.text, "hant", start) == (start, start + 3)


async def test_a_claim_matching_one_elsewhere_offers_the_link(seeded_db: Path) -> None:
    from hkpr_tui.screens.annotate_forms import ChoiceScreen
    from hkpr_tui.store import Store

    store = Store.open(seeded_db)
    old = release_id(seeded_db, "001")
    text = store.release(old).text
    at = text.index("超过 190 间")
    store.add_annotation(old, "claim", "STATISTIC", at, at + 8, annotator="t",
                         attributes={"value": 190, "unit": "間", "qualifier": ">", "metric": "AI 初創企業", "subject_text": "數碼港"})  # fmt: skip
    new = release_id(seeded_db, "000")
    text = store.release(new).text
    at = text.index("超過500間")
    claim = store.add_annotation(new, "claim", "STATISTIC", at, at + 6, annotator="t",
                                 attributes={"value": 500, "unit": "間", "qualifier": ">", "metric": "AI初創企業", "subject_text": "数码港"})  # fmt: skip
    store.close()
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "000")
        reader.panes[0].view.set_cursor(at + 1)
        await pilot.press("L")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceScreen)
        app.screen.dismiss("0")
        await settle(pilot)
        store = Store.open(seeded_db)
        links = store.links([claim.id])
        store.close()
        assert [(link.kind) for link in links] == ["same_metric"]


async def test_imported_predictions_are_suggestions_in_the_reader(seeded_db: Path) -> None:
    from hkpr_tui.store import Store

    rid = release_id(seeded_db, "000")
    store = Store.open(seeded_db)
    text = store.release(rid).text
    at = text.index("陳細明")
    store.add_annotation(rid, "entity", "PERSON", at, at + 3, annotator="model", status="suggested",
                         attributes={"suggested_by": "model:v1"})  # fmt: skip
    store.close()
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "000")
        reader.panes[0].view.set_cursor(at)
        await settle(pilot)
        found = reader.suggestion_at(reader.panes[0])
        assert found is not None and (found.label, found.source) == ("PERSON", "model:v1")
        await pilot.press("a")
        await settle(pilot)
        assert ("PERSON", "陳細明", at, at + 3) in stored(seeded_db, rid)
