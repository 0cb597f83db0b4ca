"""Annotation in the app, with Pilot: tagging in any script, claims, links, suggestions, undo."""

from __future__ import annotations

from pathlib import Path

from hkpr_tui.app import HkprApp
from hkpr_tui.screens.annotate_forms import ChoiceScreen, ClaimForm, ThreadScreen
from hkpr_tui.screens.annotating import TagPanel
from hkpr_tui.screens.reader import ReaderScreen
from hkpr_tui.store import Store
from hkpr_tui.widgets.release_view import ReleaseView
from tests.conftest import settle
from tests.test_reader import open_reader, release_id


def stored(db: Path, rid: int, statuses: tuple[str, ...] = ("accepted",)) -> list[tuple[str, str, int, int]]:
    store = Store.open(db)
    try:
        return [(a.label, a.text, a.start, a.end) for a in store.annotations(rid, statuses=statuses)]
    finally:
        store.close()


def status_line(reader: ReaderScreen) -> str:
    return str(reader.query_one("#reader-status").render())


def underlined(view: ReleaseView, needle: str) -> bool:
    """Some visible line draws ``needle`` (as shown in the view's script) with the tag style."""
    for y in range(view.scrollable_content_region.height):
        for segment in view.render_line(y):
            if needle in segment.text and segment.style and segment.style.underline:
                return True
    return False


async def select(pilot, view: ReleaseView, start: int, length: int) -> None:  # type: ignore[no-untyped-def]
    view.set_cursor(start)
    await pilot.press("v", *["right"] * (length - 1), "v")


async def test_tag_in_simplified_view_stores_canonical_offsets(seeded_db: Path) -> None:
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "000")
        view = reader.panes[0].view
        await pilot.press("t", "t")
        await settle(pilot)
        assert view.script == "hans"
        start = view.text.index("數碼港")
        await select(pilot, view, start, 3)
        assert view.selection == (start, start + 3)
        await pilot.press("1")  # ORG
        await settle(pilot)
        rid = release_id(seeded_db, "000")
        assert stored(seeded_db, rid) == [("ORG", "數碼港", start, start + 3)]
        assert "Saved: ORG" in status_line(reader)
        assert view.selection is None
        view.set_cursor(start + 3, center=True)  # the cursor beside the tag, not on it
        await settle(pilot)
        assert underlined(view, "数码港")  # highlighted in 简 …
        await pilot.press("t")
        await settle(pilot)
        assert view.script == "original" and underlined(view, "數碼港")  # … and in 原文


async def test_tag_shows_in_both_panes(seeded_db: Path) -> None:
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "000")
        await pilot.press("backslash")
        await settle(pilot)
        left, right = reader.panes
        left.view.focus()
        start = left.view.text.index("數碼港")
        await select(pilot, left.view, start, 3)
        await pilot.press("1")
        await settle(pilot)
        right.view.set_cursor(start + 3, center=True)
        await settle(pilot)
        assert right.view.script == "hans" and underlined(right.view, "数码港")


async def test_tag_by_mouse_drag_over_wide_characters(seeded_db: Path) -> None:
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "000")
        view = reader.panes[0].view
        view.scroll_to(y=0, animate=False, immediate=True)
        await pilot.pause()
        assert await pilot.mouse_down(view, offset=(3, 0))  # second cell of 聞
        assert await pilot.mouse_up(view, offset=(6, 0))  # first cell of 稿
        await pilot.press("7")  # EVENT
        await settle(pilot)
        assert stored(seeded_db, release_id(seeded_db, "000")) == [("EVENT", "聞稿", 1, 3)]


async def test_shift_arrows_select_and_a_crossing_span_is_refused(seeded_db: Path) -> None:
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "000")
        view = reader.panes[0].view
        start = view.text.index("數碼港")
        view.set_cursor(start)
        await pilot.press("shift+right", "shift+right", "1")
        await settle(pilot)
        rid = release_id(seeded_db, "000")
        assert stored(seeded_db, rid) == [("ORG", "數碼港", start, start + 3)]
        view.set_cursor(start + 1)
        await pilot.press("shift+right", "shift+right", "shift+right", "3")
        await settle(pilot)
        assert "Not saved" in status_line(reader) and "cross" in status_line(reader)
        assert len(stored(seeded_db, rid)) == 1
        assert view.selection is not None  # kept, so the user can adjust it
        await pilot.press("escape")
        assert view.selection is None and isinstance(app.screen, ReaderScreen)


async def test_claim_form_prefilled_from_500(seeded_db: Path) -> None:
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "000")
        view = reader.panes[0].view
        at = view.text.index("超過500間")
        view.set_cursor(at + 2)
        await pilot.press("s", "c")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ClaimForm)
        assert (form.draft.value, form.draft.unit, form.draft.qualifier) == ("500", "間", ">")
        assert form.draft.type == "STATISTIC"
        await pilot.press(*"AI start-ups")  # the metric field has focus
        await pilot.press("ctrl+s")
        await settle(pilot)
        store = Store.open(seeded_db)
        (claim,) = [a for a in store.annotations(release_id(seeded_db, "000")) if a.kind == "claim"]
        store.close()
        assert "超過500間" in claim.text
        attrs = claim.attributes
        assert (attrs["value"], attrs["unit"], attrs["qualifier"], attrs["metric"]) == (500, "間", ">", "AI start-ups")
        assert attrs["as_of"] == "2026-02-25"


async def test_claim_form_refuses_a_bad_value(seeded_db: Path) -> None:
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "000")
        view = reader.panes[0].view
        view.set_cursor(view.text.index("超過500間"))
        await pilot.press("c")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ClaimForm)
        form.query_one("#value").value = "five hundred"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form and "not a number" in str(form.query_one("#claim-error").render())
        await pilot.press("escape")
        await settle(pilot)
        assert stored(seeded_db, release_id(seeded_db, "000")) == []


async def make_claim(pilot, view: ReleaseView, needle: str) -> None:  # type: ignore[no-untyped-def]
    view.focus()
    view.set_cursor(view.text.index(needle))
    await pilot.press("s", "c")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ClaimForm)
    await pilot.press("ctrl+s")
    await settle(pilot)


async def test_link_claims_across_releases_and_see_the_thread(seeded_db: Path) -> None:
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "001")
        await pilot.press("backslash")
        await settle(pilot)
        reader.load(1, release_id(seeded_db, "000"), "original", 0)  # what `o` + enter does
        await settle(pilot)
        left, right = reader.panes
        await make_claim(pilot, right.view, "超過500間")
        await make_claim(pilot, left.view, "190 间")
        assert reader.current is left
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("enter")  # same metric
        await settle(pilot)
        assert "linked" in status_line(reader)
        await pilot.press("h")
        await settle(pilot)
        thread = app.screen
        assert isinstance(thread, ThreadScreen)
        assert [(p.date, p.value) for p in thread.points] == [("2024-02-28", 190), ("2026-02-25", 500)]
        chart = str(thread.query_one("#thread-chart").render())
        assert chart.index("2024-02-28") < chart.index("2026-02-25") and "█" in chart


async def test_accept_all_suggestions_of_a_label(seeded_db: Path) -> None:
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "000")
        view = reader.panes[0].view
        rid = release_id(seeded_db, "000")
        documents = [s for s in reader.suggestions[rid] if s.label == "DOCUMENT"]
        assert len(documents) >= 2 and stored(seeded_db, rid) == []  # suggested, not stored
        view.set_cursor(documents[0].start + 1)
        await pilot.press("A")
        await settle(pilot)
        assert sorted(a[2] for a in stored(seeded_db, rid)) == sorted(s.start for s in documents)
        assert not [s for s in reader.suggestions[rid] if s.label == "DOCUMENT"]
        # reject one of another label: stored as rejected, gone from suggestions
        other = reader.suggestions[rid][0]
        view.set_cursor(other.start)
        await pilot.press("r")
        await settle(pilot)
        assert (other.label, other.text) in [(a[0], a[1]) for a in stored(seeded_db, rid, ("rejected",))]
        assert other not in reader.suggestions[rid]
        # accept one
        one = reader.suggestions[rid][0]
        view.set_cursor(one.start)
        await pilot.press("a")
        await settle(pilot)
        assert (one.label, one.start, one.end) in [(a[0], a[2], a[3]) for a in stored(seeded_db, rid)]


async def test_undo_redo_from_the_keyboard(seeded_db: Path) -> None:
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "000")
        view = reader.panes[0].view
        rid = release_id(seeded_db, "000")
        start = view.text.index("數碼港")
        await select(pilot, view, start, 3)
        await pilot.press("1")  # tag
        view.set_cursor(start + 1)
        await pilot.press("e")  # edit its label
        await settle(pilot)
        assert isinstance(app.screen, ChoiceScreen)
        app.screen.dismiss("FACILITY")
        await settle(pilot)
        assert stored(seeded_db, rid) == [("FACILITY", "數碼港", start, start + 3)]
        await pilot.press("x")  # delete
        await pilot.press("d")  # status → in progress
        await settle(pilot)
        assert stored(seeded_db, rid) == [] and reader.panes[0].loaded.release.status == "in progress"  # type: ignore[union-attr]
        await pilot.press("u")
        assert reader.panes[0].loaded.release.status == "todo"  # type: ignore[union-attr]
        await pilot.press("ctrl+z")
        assert stored(seeded_db, rid) == [("FACILITY", "數碼港", start, start + 3)]
        await pilot.press("u")
        assert stored(seeded_db, rid) == [("ORG", "數碼港", start, start + 3)]
        await pilot.press("u")
        assert stored(seeded_db, rid) == []
        await pilot.press("u")
        assert "Nothing to undo" in status_line(reader)
        await pilot.press("ctrl+y", "ctrl+y", "ctrl+y", "ctrl+y")
        await settle(pilot)
        assert stored(seeded_db, rid) == [] and reader.panes[0].loaded.release.status == "in progress"  # type: ignore[union-attr]


async def test_side_panel_lists_tags_and_jumps(seeded_db: Path) -> None:
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "000")
        view = reader.panes[0].view
        start = view.text.rindex("數碼港")
        await select(pilot, view, start, 3)
        await pilot.press("1", "p")
        await settle(pilot)
        panel = reader.query_one(TagPanel)
        assert panel.has_class("visible") and panel.option_count == 1
        view.set_cursor(0)
        panel.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert view.cursor == start and view.has_focus


async def test_quit_prints_a_session_summary(seeded_db: Path) -> None:
    app = HkprApp(db_path=seeded_db, annotator="alice")
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "000")
        view = reader.panes[0].view
        await select(pilot, view, view.text.index("數碼港"), 3)
        await pilot.press("1")
        await settle(pilot)
    assert app.summary is not None
    assert "alice" in app.summary and "1 tag made" in app.summary and " min " in app.summary


async def test_library_shows_progress_after_status_change(seeded_db: Path) -> None:
    from hkpr_tui.screens.library import LibraryScreen

    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        library = app.screen
        assert isinstance(library, LibraryScreen)
        assert "done 0/5 (0%)" in str(library.query_one("#library-status").render())
        library.table.cursor = 3
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("d", "d")  # todo → in progress → done
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is library and library.table.cursor == 3  # the place in the list is kept
        status = str(library.query_one("#library-status").render())
        assert "done 1/5 (20%)" in status
        assert library.table.row(3).status == "done"  # type: ignore[union-attr]


async def test_a_busy_database_keeps_the_app_running_and_the_selection(seeded_db: Path) -> None:
    import sqlite3

    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "000")
        view = reader.panes[0].view
        rid = release_id(seeded_db, "000")
        start = view.text.index("數碼港")
        await select(pilot, view, start, 3)
        holder = sqlite3.connect(seeded_db)  # another hkpr (an import, a merge) holds the write lock
        holder.execute("BEGIN IMMEDIATE")
        await pilot.press("1")
        await pilot.pause()
        assert "Not saved: database busy — retrying" in status_line(reader)
        assert view.selection == (start, start + 3) and stored(seeded_db, rid) == []
        holder.rollback()
        holder.close()
        for _ in range(40):  # the retry lands once the lock is free
            await pilot.pause(0.1)
            if stored(seeded_db, rid):
                break
        await settle(pilot)
        assert stored(seeded_db, rid) == [("ORG", "數碼港", start, start + 3)]
        assert "Saved: ORG" in status_line(reader) and view.selection is None
    assert app.return_code in (0, None)


async def test_hostile_strings_from_the_database_reach_the_screen_as_visible_escapes(seeded_db: Path) -> None:
    import sqlite3

    rid = release_id(seeded_db, "000")
    store = Store.open(seeded_db)
    store.add_annotation(rid, "entity", "ORG", 11, 14, annotator="x")
    store.close()
    conn = sqlite3.connect(seeded_db)  # a label and a title as a hostile file could have written them
    conn.execute("UPDATE annotations SET label = ?", ["a\x1b]52;c;ZXZpbA==\x07"])
    conn.execute(
        "UPDATE releases SET title = ?, organisation = ? WHERE id = ?", ["\u202etitle\x9b2J", "org\x1b[31m", rid]
    )
    conn.commit()
    conn.close()
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "000")
        await pilot.press("p")
        await settle(pilot)
        panel = reader.query_one(TagPanel)
        shown = [str(panel.get_option_at_index(i).prompt) for i in range(panel.option_count)]
        header = str(reader.panes[0].query_one(".pane-header").render())
        for text in [*shown, header]:
            assert not any(c in text for c in "\x1b\x07\x9b\u202e"), text
        assert any("a\\x1b]52" in text for text in shown) and "\\u202etitle\\x9b2J" in header


def stale_lines(view: ReleaseView) -> list[int]:
    """Visible lines whose last drawn form (Textual's cache of the widget, what the terminal was
    sent) differs from what the view would draw now: a repaint the view forgot to ask for."""
    from textual.geometry import Region

    def look(style) -> tuple[object, ...]:  # type: ignore[no-untyped-def]  # Textual turns 8-bit colours to RGB
        if style is None:
            return ()
        rgb = [c.get_truecolor() if c is not None else None for c in (style.color, style.bgcolor)]
        return (*rgb, style.bold, style.italic, style.underline)

    def chars(segments) -> list[tuple[str, object]]:  # type: ignore[no-untyped-def]
        return [(c, look(s.style)) for s in segments for c in s.text]

    left = view.scrollable_content_region.x - view.region.x  # the view's padding
    view._fixed.clear()  # what the view would draw from scratch: not from the highlights it keeps per line
    view._strips.clear()
    stale = []
    for y in range(view.scrollable_content_region.height):
        now = chars(view.render_line(y))
        shown = chars(view.render_lines(Region(0, y, view.size.width, 1))[0])[left : left + len(now)]
        if shown != now:
            stale.append(y)
    return stale


async def test_the_screen_follows_the_cursor_and_a_new_tag_line_by_line(seeded_db: Path) -> None:
    """Keys repaint only the lines they change; every other line must still be what is drawn."""
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "000")
        view = reader.panes[0].view
        for keys in (["down"] * 3, ["right"] * 5, ["up", "end"]):
            await pilot.press(*keys)
            await settle(pilot)
            assert stale_lines(view) == []
        start = view.text.index("數碼港")
        await select(pilot, view, start, 3)
        await settle(pilot)
        assert stale_lines(view) == []
        await pilot.press("1")  # ORG: the line of 數碼港 changes (and every match suggested elsewhere)
        await settle(pilot)
        assert stale_lines(view) == []
        await pilot.press("right", "right", "right")  # off the tag: its three characters in one style
        await settle(pilot)
        assert underlined(view, "數碼港")
        assert stale_lines(view) == []
        await pilot.press("left", "left", "left", "u")  # undo: the tag's lines again
        await settle(pilot)
        assert stale_lines(view) == []
        await pilot.press("full_stop", "r", "a", "r")  # the suggestions walked: a few change, in place
        await settle(pilot)
        assert stale_lines(view) == []
        await pilot.press("u", "u")
        await settle(pilot)
        assert stale_lines(view) == []
        await pilot.press("right", "right", "right")
        await settle(pilot)
        assert not underlined(view, "數碼港")
        assert stale_lines(view) == []


async def test_both_panes_on_one_release_follow_its_suggestions_as_it_is_tagged(seeded_db: Path) -> None:
    """A release in two panes (the second opened after its suggestions were drawn): a tag in one
    changes the suggestions drawn in both, each line as it would be drawn from scratch, in both
    scripts."""
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "000")
        await pilot.press("backslash")  # the same release in a second pane
        await settle(pilot)
        left, right = (pane.view for pane in reader.panes)
        assert left.release is right.release or left.release.id == right.release.id  # type: ignore[union-attr]
        rid = reader._release_id(reader.panes[0])
        assert rid is not None
        before = len(reader.suggestions[rid])
        reader.panes[0].view.focus()
        start = left.text.index("數碼港")
        await select(pilot, left, start, 3)
        await pilot.press("1")  # ORG: every other 數碼港 is now suggested
        await settle(pilot)
        assert len(reader.suggestions[rid]) != before
        expected = sorted((s.start, s.end) for s in reader.suggestions[rid])
        for view in (left, right):
            assert sorted((s, e) for s, e, _ in view.styled["suggestion"]) == expected
            assert stale_lines(view) == []
        await pilot.press("t")  # the left pane in another script: its suggestions projected again
        await settle(pilot)
        assert stale_lines(left) == []
        await pilot.press("u")
        await settle(pilot)
        expected = sorted((s.start, s.end) for s in reader.suggestions[rid])
        for view in (left, right):
            assert sorted((s, e) for s, e, _ in view.styled["suggestion"]) == expected
            assert stale_lines(view) == []


async def test_the_walk_names_each_suggestion_in_turn_and_a_decides_the_one_named(seeded_db: Path) -> None:
    """Overlapping suggestions (數碼 and 碼港 in 數碼港): `.` names the next one in turn, though
    it starts inside the one named, and `a` accepts the one the status line names."""
    import re

    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "000")
        view = reader.panes[0].view
        rid = reader._release_id(reader.panes[0])
        assert rid is not None
        text = view.text
        places = [m.start() for m in re.finditer("數碼港", text)]
        assert len(places) >= 3
        reader.actions.tag(rid, "entity", "LOC", places[0], places[0] + 2)  # 數碼
        reader.actions.tag(rid, "entity", "LOC", places[1] + 1, places[1] + 3)  # 碼港
        reader.refresh_tags()
        await settle(pilot)
        at = places[2]
        view.set_cursor(at)  # onto the two: the status names the shorter at the cursor
        await settle(pilot)
        assert "「數碼」" in status_line(reader)
        await pilot.press("full_stop")  # the next one, though it starts inside the first
        assert view.cursor == at + 1 and "「碼港」" in status_line(reader)
        await pilot.press("a")
        await settle(pilot)
        assert "accepted LOC 「碼港」" in status_line(reader)
        assert ("LOC", "碼港", at + 1, at + 3) in stored(seeded_db, rid)
        assert ("LOC", "數碼", at, at + 2) not in stored(seeded_db, rid)


async def test_a_rejected_suggestion_is_no_longer_counted_at_once(seeded_db: Path) -> None:
    """After `r` the status counts the suggestions still open: one fewer, the next in its place."""
    import re

    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "000")
        await settle(pilot)
        await pilot.press("full_stop")
        before = re.findall(r"\((\d+)/(\d+)\)", status_line(reader))[-1]
        await pilot.press("r")
        after = re.findall(r"\((\d+)/(\d+)\)", status_line(reader))[-1]
        assert after == (before[0], str(int(before[1]) - 1))


async def test_a_tag_in_one_release_suggests_its_string_in_the_other_pane(seeded_db: Path) -> None:
    """Two releases side by side: a string tagged in one is suggested in the other at once (in
    its script), and no longer after the tag is undone."""
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "000")
        await pilot.press("backslash")
        await settle(pilot)
        other = release_id(seeded_db, "001")
        reader.load(1, other, "original", 0)
        await settle(pilot)
        left = reader.panes[0].view
        right_text = reader.panes[1].view.text
        assert "数码港" in right_text
        left.focus()
        await select(pilot, left, left.text.index("數碼港"), 3)
        await pilot.press("1")  # ORG
        await settle(pilot)
        found = [s for s in reader.suggestions[other] if s.label == "ORG" and s.text == "数码港"]
        assert found and all(right_text[s.start : s.end] == "数码港" for s in found)
        await pilot.press("u")
        await settle(pilot)
        assert not [s for s in reader.suggestions[other] if s.label == "ORG" and s.text == "数码港"]
