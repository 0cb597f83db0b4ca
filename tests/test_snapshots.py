"""Snapshots of every screen at 80×24 and 120×36. Update with: pytest --snapshot-update."""

from __future__ import annotations

from pathlib import Path

import pytest

from hkpr_tui.app import HkprApp
from hkpr_tui.screens.reader import ReaderScreen
from hkpr_tui.store import Store
from tests.conftest import settle

SIZES = [(80, 24), (120, 36)]


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in tmp_path, where ``seeded_db`` writes annotations.db (the library shows the path)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def seed_id(prefix: str) -> int:
    store = Store.open("annotations.db")
    try:
        return next(r.id for r in store.list_releases(sort="id") if Path(r.source).name.startswith(prefix))
    finally:
        store.close()


def app() -> HkprApp:
    return HkprApp(db_path="annotations.db", annotator="t")


def still(pilot) -> None:  # type: ignore[no-untyped-def]
    """No blinking cursor in a snapshot: the frame would depend on when it was taken."""
    from textual.widgets import Input

    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False


@pytest.mark.parametrize("size", SIZES)
def test_library(snap_compare, in_tmp: Path, seeded_db: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(app(), terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES)
def test_empty_library(snap_compare, in_tmp: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(app(), terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare, in_tmp: Path, seeded_db: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    async def open_help(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(app(), terminal_size=size, run_before=open_help)


@pytest.mark.parametrize("size", SIZES)
def test_reader_single_simplified_view(snap_compare, in_tmp: Path, seeded_db: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    async def read(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.app.push_screen(ReaderScreen(Path("annotations.db"), seed_id("000")))
        await settle(pilot)
        await pilot.press("t", "t")  # 原文 → 繁 → 简
        await settle(pilot)

    assert snap_compare(app(), terminal_size=size, run_before=read)


@pytest.mark.parametrize("size", SIZES)
def test_reader_split(snap_compare, in_tmp: Path, seeded_db: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    async def split(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.app.push_screen(ReaderScreen(Path("annotations.db"), seed_id("001")))
        await settle(pilot)
        await pilot.press("backslash")
        await settle(pilot)

    assert snap_compare(app(), terminal_size=size, run_before=split)


async def compare_001_with_000(pilot) -> ReaderScreen:  # type: ignore[no-untyped-def]
    """The reader on 001 (2024, 简) beside 000 (2026, 繁), in compare mode."""
    await settle(pilot)
    reader = ReaderScreen(Path("annotations.db"), seed_id("001"))
    await pilot.app.push_screen(reader)
    await settle(pilot)
    await pilot.press("backslash")
    await settle(pilot)
    reader.load(1, seed_id("000"), "original", 0)
    await settle(pilot)
    await pilot.press("m")
    await settle(pilot)
    return reader


@pytest.mark.parametrize("size", SIZES)
def test_reader_compare(snap_compare, in_tmp: Path, seeded_db: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    async def compare(pilot) -> None:  # type: ignore[no-untyped-def]
        reader = await compare_001_with_000(pilot)
        await pilot.press("shift+tab")  # back to the left pane
        reader.panes[0].view.set_cursor(reader.panes[0].view.text.index("190 间"))
        await settle(pilot)

    assert snap_compare(app(), terminal_size=size, run_before=compare)


def tag_some(db: str) -> None:
    """ORG 數碼港 (first), DOCUMENT 《財政預算案》 (first), a STATISTIC claim on 超過500間."""
    from hkpr_tui.annotate.session import Actions

    store = Store.open(db)
    try:
        rid = seed_id("000")
        text = store.release(rid).text
        actions = Actions(store, "t", store.start_session("t"))
        org = text.index("數碼港")
        actions.tag(rid, "entity", "ORG", org, org + 3)
        doc = text.index("《財政預算案》")
        actions.tag(rid, "entity", "DOCUMENT", doc, doc + 7)
        claim = text.index("超過500間")
        actions.tag(rid, "claim", "STATISTIC", claim, claim + 6, {"value": 500, "unit": "間", "qualifier": ">"})
    finally:
        store.close()


@pytest.mark.parametrize("size", SIZES)
def test_reader_with_tags_and_suggestions(snap_compare, in_tmp: Path, seeded_db: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    async def read(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        tag_some("annotations.db")
        await pilot.app.push_screen(ReaderScreen(Path("annotations.db"), seed_id("000")))
        await settle(pilot)
        await pilot.press("p")  # the side panel
        await settle(pilot)

    assert snap_compare(app(), terminal_size=size, run_before=read)


@pytest.mark.parametrize("size", SIZES)
def test_claim_form(snap_compare, in_tmp: Path, seeded_db: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    async def form(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        reader = ReaderScreen(Path("annotations.db"), seed_id("000"))
        await pilot.app.push_screen(reader)
        await settle(pilot)
        view = reader.panes[0].view
        view.set_cursor(view.text.index("超過500間"))
        await pilot.press("s", "c")
        await settle(pilot)
        still(pilot)
        await pilot.pause()

    assert snap_compare(app(), terminal_size=size, run_before=form)


@pytest.mark.parametrize("size", SIZES)
def test_filter_menu(snap_compare, in_tmp: Path, seeded_db: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    async def open_filter(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.press("F")
        await settle(pilot)

    assert snap_compare(app(), terminal_size=size, run_before=open_filter)


@pytest.mark.parametrize("size", SIZES)
def test_changes_list(snap_compare, in_tmp: Path, seeded_db: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    async def changes(pilot) -> None:  # type: ignore[no-untyped-def]
        await compare_001_with_000(pilot)
        await pilot.press("N")
        await settle(pilot)

    assert snap_compare(app(), terminal_size=size, run_before=changes)


@pytest.mark.parametrize("size", SIZES)
def test_label_choice(snap_compare, in_tmp: Path, seeded_db: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    async def choose(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        tag_some("annotations.db")
        reader = ReaderScreen(Path("annotations.db"), seed_id("000"))
        await pilot.app.push_screen(reader)
        await settle(pilot)
        view = reader.panes[0].view
        view.set_cursor(view.text.index("數碼港") + 1)
        await pilot.press("e")  # change the label of the tag at the cursor
        await settle(pilot)

    assert snap_compare(app(), terminal_size=size, run_before=choose)


@pytest.mark.parametrize("size", SIZES)
def test_claim_thread(snap_compare, in_tmp: Path, seeded_db: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    async def thread(pilot) -> None:  # type: ignore[no-untyped-def]
        from hkpr_tui.annotate.session import Actions

        await settle(pilot)
        store = Store.open("annotations.db")
        actions = Actions(store, "t", store.start_session("t"))
        claims = []
        for prefix, needle, value in (("000", "超過500間", 500), ("001", "190 间", 190)):
            rid = seed_id(prefix)
            at = store.release(rid).text.index(needle)
            claims.append(actions.tag(rid, "claim", "STATISTIC", at, at + len(needle),
                                      {"value": value, "unit": "間", "qualifier": ">", "metric": "AI 初創企業"}))  # fmt: skip
        actions.link(claims[0].id, claims[1].id, "same_metric")
        store.close()
        reader = ReaderScreen(Path("annotations.db"), seed_id("000"))
        await pilot.app.push_screen(reader)
        await settle(pilot)
        view = reader.panes[0].view
        view.set_cursor(view.text.index("超過500間") + 1)
        await pilot.press("h")
        await settle(pilot)

    assert snap_compare(app(), terminal_size=size, run_before=thread)


@pytest.mark.parametrize("size", SIZES)
def test_adjudication(snap_compare, in_tmp: Path, seeded_db: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    async def adjudicate(pilot) -> None:  # type: ignore[no-untyped-def]
        from hkpr_tui.screens.adjudicate import AdjudicationScreen

        await settle(pilot)
        store = Store.open("annotations.db")
        rid = seed_id("000")
        text = store.release(rid).text
        for who, label, needle in (("alice", "ORG", "數碼港"), ("bob", "ORG", "數碼港"), ("bob", "GPE", "香港")):
            at = text.index(needle)
            store.add_annotation(rid, "entity", label, at, at + len(needle), annotator=who)
        at = text.index("超過500間")
        for who, value in (("alice", 500), ("bob", 5000)):
            store.add_annotation(
                rid, "claim", "STATISTIC", at, at + 6, annotator=who, attributes={"value": value, "unit": "間"}
            )
        store.close()
        await pilot.app.push_screen(AdjudicationScreen(Path("annotations.db"), rid))
        await settle(pilot)

    assert snap_compare(app(), terminal_size=size, run_before=adjudicate)
