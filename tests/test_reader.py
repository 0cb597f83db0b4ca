"""The reader with Pilot: scripts, position, split, compare, find, navigation, mouse, literal text."""

from __future__ import annotations

from pathlib import Path

import pytest

from hkpr_tui.app import HkprApp
from hkpr_tui.importer import import_paths
from hkpr_tui.screens.reader import ChangesScreen, ReaderScreen
from hkpr_tui.store import Store
from hkpr_tui.widgets.release_view import ReleaseView
from tests.conftest import settle


def release_id(db: Path, prefix: str) -> int:
    store = Store.open(db)
    try:
        return next(r.id for r in store.list_releases(sort="id") if Path(r.source).name.startswith(prefix))
    finally:
        store.close()


async def open_reader(pilot, db: Path, prefix: str, **kwargs) -> ReaderScreen:  # type: ignore[no-untyped-def]
    await settle(pilot)
    screen = ReaderScreen(db, release_id(db, prefix), **kwargs)
    await pilot.app.push_screen(screen)
    await settle(pilot)
    return screen


def screen_text(view: ReleaseView) -> str:
    return "\n".join(view.render_line(y).text for y in range(view.scrollable_content_region.height))


async def test_toggling_000_to_simplified_and_back(seeded_db: Path) -> None:
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "000")
        view = reader.panes[0].view
        assert "數碼港" in screen_text(view) and view.script == "original"
        await pilot.press("t")
        await settle(pilot)
        assert view.script == "hant"
        await pilot.press("t")
        await settle(pilot)
        assert view.script == "hans"
        shown = screen_text(view)
        assert "数码港" in shown and "數碼港" not in shown
        assert "简" in str(reader.panes[0].query_one(".pane-header").render())
        await pilot.press("t")
        await settle(pilot)
        assert view.script == "original" and "數碼港" in screen_text(view)


async def test_toggling_keeps_the_reading_position(seeded_db: Path) -> None:
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "001")
        view = reader.panes[0].view
        for _ in range(8):
            await pilot.press("right_curly_bracket")
        await pilot.press("pagedown")
        await settle(pilot)
        top_paragraph = view.paragraph_at(view.top_offset())
        cursor = view.cursor
        assert top_paragraph > 3
        await pilot.press("t")
        await settle(pilot)
        assert view.script == "hant"
        assert view.paragraph_at(view.top_offset()) == top_paragraph
        assert view.cursor == cursor


async def test_navigation_by_sentence_paragraph_and_edges(seeded_db: Path) -> None:
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(80, 24)) as pilot:
        reader = await open_reader(pilot, seeded_db, "003")
        view = reader.panes[0].view
        starts = [s.start for s in view.sentences]
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert view.cursor == starts[2]
        await pilot.press("left_square_bracket")
        assert view.cursor == starts[1]
        await pilot.press("right_curly_bracket")
        assert view.cursor == view.paragraphs[2].start
        await pilot.press("end")
        assert view.cursor == len(view.text) - 1
        assert view.scroll_offset.y > 0
        await pilot.press("home")
        assert view.cursor == 0 and view.scroll_offset.y == 0
        await pilot.press("down")
        assert view.cursor > 0


async def test_split_shows_the_same_release_in_another_script(seeded_db: Path) -> None:
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "000")
        await pilot.press("backslash")
        await settle(pilot)
        left, right = reader.panes
        assert left.view.script == "original" and right.view.script == "hans"
        assert right.loaded and right.loaded.release.id == left.loaded.release.id  # type: ignore[union-attr]
        assert "数码港" in screen_text(right.view)
        await pilot.press("tab")
        assert right.view.has_focus
        await pilot.press("T")
        await settle(pilot)
        assert left.view.script == right.view.script == "original"
        await pilot.press("backslash")
        await settle(pilot)
        assert len(reader.panes) == 1


async def test_split_again_after_closing_the_left_pane(seeded_db: Path) -> None:
    """Unsplit from the right pane keeps it; splitting again must not crash (DuplicateIds, seen in
    a tmux walk) and puts the new pane on the left."""
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "000")
        await pilot.press("backslash")
        await settle(pilot)
        await pilot.press("tab", "backslash")  # the right pane is kept
        await settle(pilot)
        assert [p.index for p in reader.panes] == [1]
        await pilot.press("backslash")
        await settle(pilot)
        left, right = reader.panes
        assert (left.index, right.index) == (0, 1)
        assert left.loaded and right.loaded and left.loaded.release.id == right.loaded.release.id
        assert right.view.script == "hans" and left.view.script == "original"
        assert app.is_running


async def test_compare_001_and_000_highlights_190_and_500(seeded_db: Path) -> None:
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "001")
        await pilot.press("backslash")
        await settle(pilot)
        reader.load(1, release_id(seeded_db, "000"), "original", 0)  # what `o` + enter does
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        left, right = reader.panes
        assert reader.comparison is not None
        figures_left = {left.view.text[s:e] for s, e in left.view.highlights["figure"]}
        figures_right = {right.view.text[s:e] for s, e in right.view.highlights["figure"]}
        assert "190 间" in figures_left and "500間" in figures_right
        # the 190 and 500 are in paragraphs the comparison aligned with each other
        at_190 = left.view.paragraph_at(left.view.text.index("190 间"))
        at_500 = right.view.paragraph_at(right.view.text.index("500間"))
        assert (at_190, at_500) in reader.comparison.pairs
        # moving in the left pane scrolls the right one to the aligned paragraph
        left.view.focus()
        left.view.set_cursor(left.view.text.index("190 间"))
        await settle(pilot)
        assert right.view.paragraph_at(right.view.top_offset()) == at_500
        # following can be turned off
        await pilot.press("equals_sign")
        before = right.view.scroll_offset.y
        left.view.set_cursor(left.view.paragraphs[1].start)
        await settle(pilot)
        assert right.view.scroll_offset.y == before
        await pilot.press("equals_sign")
        # the list of changed figures, and jumping to one
        await pilot.press("N")
        await settle(pilot)
        assert isinstance(app.screen, ChangesScreen)
        row = next(i for i, text in enumerate(app.screen.rows) if "190 间" in text and "500間" in text)
        app.screen.dismiss(row)
        await settle(pilot)
        assert left.view.text[left.view.cursor : left.view.cursor + 3] == "190"
        assert right.view.text[right.view.cursor : right.view.cursor + 3] == "500"
        await pilot.press("n")
        assert reader.change_index == row + 1
        await pilot.press("m")
        assert reader.comparison is None and left.view.highlights["figure"] == []


async def test_compare_needs_two_different_releases(seeded_db: Path) -> None:
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "001")
        await pilot.press("m")
        assert reader.comparison is None
        assert "two releases" in str(reader.query_one("#reader-status").render())


async def test_find_in_release_across_scripts(seeded_db: Path) -> None:
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "000")
        view = reader.panes[0].view
        await pilot.press("f")
        await pilot.press(*"超算中心")  # Simplified query in a Traditional release
        await pilot.press("enter")  # the match is the selection, the text has the focus
        first = view.cursor
        assert view.text[first : first + 4] == "超算中心" and view.selection == (first, first + 4) and view.has_focus
        await pilot.press("enter")  # the next match
        assert view.cursor > first and view.text[view.cursor : view.cursor + 4] == "超算中心"
        assert view.selection == (view.cursor, view.cursor + 4)
        await pilot.press("escape")  # the innermost thing first: the selection
        assert view.selection is None and isinstance(app.screen, ReaderScreen)
        await pilot.press("escape")  # then find's highlights
        assert not view.highlights.get("match") and isinstance(app.screen, ReaderScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, ReaderScreen)


@pytest.mark.parametrize("script", ["original", "hans"])
async def test_mouse_selection_over_wide_characters(seeded_db: Path, script: str) -> None:
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "000")
        view = reader.panes[0].view
        if script == "hans":
            await pilot.press("t", "t")
            await settle(pilot)
        view.scroll_to(y=0, animate=False, immediate=True)
        await pilot.pause()
        # line 0 is 新聞稿 / 新闻稿; with padding 1, character k sits at cells 1+2k and 2+2k
        assert await pilot.mouse_down(view, offset=(3, 0))  # second cell of character 1
        assert await pilot.mouse_up(view, offset=(6, 0))  # first cell of character 2
        assert view.selection == (1, 3)
        assert view.selected_text() == "聞稿"


async def test_click_places_the_cursor(seeded_db: Path) -> None:
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "000")
        view = reader.panes[0].view
        assert await pilot.click(view, offset=(5, 2))  # line 2: 即時發布, cell 5 → character 2
        assert view.text[view.cursor] == "發"


async def test_markup_and_escapes_render_literally(tmp_path: Path) -> None:
    src = tmp_path / "markup.txt"
    src.write_bytes("標題 [bold]粗體[/]\n\n內文有 [red]紅色[/red] 和 \x1b[31m控制字元\x1b[0m。".encode())
    db = tmp_path / "a.db"
    import_paths(Store.open(db), [src])
    app = HkprApp(db_path=db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, db, "markup")
        shown = screen_text(reader.panes[0].view)
        assert "標題 [bold]粗體[/]" in shown and "[red]紅色[/red]" in shown
        assert "\x1b" not in shown and "控制字元。" in shown


async def test_long_lines_wrap_within_the_pane_at_80_columns(seeded_db: Path) -> None:
    from rich.cells import cell_len

    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(80, 24)) as pilot:
        reader = await open_reader(pilot, seeded_db, "004")
        view = reader.panes[0].view
        width = view.scrollable_content_region.width
        lines = [view.view.text[l.start : l.end] for l in view._lines if l.paragraph >= 0]  # type: ignore[union-attr]
        assert all(cell_len(line) <= width for line in lines)  # the content region excludes padding
        # wrapping loses nothing: the lines of a paragraph join back to it
        joined = "".join(lines)
        assert joined.replace("\n", "") == view.view.text.replace("\n", "")  # type: ignore[union-attr]


def test_figures_compared_are_numbers_not_versions_phones_or_formats() -> None:
    from hkpr_tui.compare import figures

    found = figures("Web3.0 安全與 3 個 5G 網絡，電話 2114 4972，共 3.0 億元和 1,000 人")
    assert [(f.value, f.unit) for f in found] == [("3", "個"), ("3", "億元"), ("1000", "人")]


def test_wrapping_keeps_words_numbers_and_brackets_together_and_loses_nothing() -> None:
    from hkpr_tui.widgets.release_view import wrap

    text = "abc 數碼港支持《財政預算案》加大推動 上升77.8%的 the success of the inaugural edition"
    for width in (8, 10, 12, 16):
        lines = [text[line.start : line.end] for line in wrap(text, [(0, len(text))], width)]
        assert "".join(lines) == text  # every character, in order
        assert not any(line.startswith((" ", "》", "，")) for line in lines)
        assert not any(line.endswith("《") for line in lines)
        assert not any(line.endswith(("77", "77.")) for line in lines)  # 77.8% stays whole


async def test_kept_lines_follow_a_change_of_theme(seeded_db: Path) -> None:
    """Drawn lines are kept between frames; a new theme must still repaint them in its colours."""
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(100, 30)) as pilot:
        reader = await open_reader(pilot, seeded_db, "000")
        view = reader.panes[0].view
        before = view.render_line(2)
        assert view.render_line(2) is before  # the same line, kept
        app.theme = "textual-light" if app.theme != "textual-light" else "nord"
        await settle(pilot)
        after = view.render_line(2)
        assert after is not before and after.text == before.text
        assert {s.style.bgcolor for s in after if s.style} != {s.style.bgcolor for s in before if s.style}


def test_spans_on_a_line_are_found_by_bisection_exactly_as_by_a_scan() -> None:
    """Every highlight overlapping a line, nested and long ones included, in drawing order; and
    still after some are taken out and others put in."""
    import random

    from hkpr_tui.widgets.release_view import _Spans

    rng = random.Random(7)
    for _ in range(200):
        spans = []
        for _ in range(rng.randint(0, 40)):
            start = rng.randint(0, 200)
            spans.append((start, start + rng.choice([1, 2, 3, 5, 80, 150]), rng.random()))
        spans.sort(key=lambda span: (span[0], -span[1]))
        index = _Spans(spans)
        for _ in range(20):
            a = rng.randint(0, 250)
            b = a + rng.randint(1, 40)
            assert index.on(a, b) == [span for span in spans if span[0] < b and span[1] > a]
        # after spans are taken out and put in (a tag refreshing some of the suggestions)
        for _ in range(5):
            removed = rng.sample(spans, min(len(spans), rng.randint(0, 4)))
            added = []
            for _ in range(rng.randint(0, 4)):
                start = rng.randint(0, 200)
                added.append((start, start + rng.choice([1, 2, 3, 5, 80, 150]), rng.random()))
            index.update(removed, added)
            for span in removed:
                spans.remove(span)
            spans = sorted([*spans, *added], key=lambda span: (span[0], -span[1]))
            assert sorted(index.spans) == sorted(spans)
            assert [(s, -e) for s, e, _ in index.spans] == sorted((s, -e) for s, e, _ in spans)
            for _ in range(20):
                a = rng.randint(0, 250)
                b = a + rng.randint(1, 40)
                assert sorted(index.on(a, b)) == sorted(span for span in spans if span[0] < b and span[1] > a)


async def test_a_pane_split_off_lower_down_shows_its_cursor(seeded_db: Path) -> None:
    """Split after scrolling: the new pane opens at the same paragraph, its cursor on screen
    (it was set before the pane had a size, and the pane then showed the top)."""
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "000")
        await pilot.press("pagedown", "pagedown")
        await settle(pilot)
        await pilot.press("backslash")
        await settle(pilot)
        right = reader.panes[1].view
        assert right.cursor > 0
        line = right._line_of(right.cursor)
        top = int(right.scroll_offset.y)
        assert top <= line < top + right.scrollable_content_region.height


async def test_opened_from_a_search_of_several_words_every_word_is_highlighted(seeded_db: Path) -> None:
    """The library search finds releases holding every word; the reader then highlights each of
    them (it showed "0 matches", looking for the words as one string, seen in a tmux walk)."""
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "000", find="數碼港 创科")
        view = reader.panes[0].view
        found = {view.text[s:e] for s, e in view.highlights["match"]}
        assert found == {"數碼港", "創科"}
        assert "0 matches" not in str(reader.query_one("#reader-status").render())


async def test_cursor_moves_faster_than_handled_are_handled_once(seeded_db: Path) -> None:
    """Moves queued faster than the screen handles them (a held key) coalesce: the screen sees
    the last one, and its header and status follow where the cursor ended."""
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "000")
        pane = reader.panes[0]
        seen: list[int] = []
        update_header = pane.update_header

        def counted() -> None:
            seen.append(pane.view.cursor)
            update_header()

        pane.update_header = counted  # type: ignore[method-assign]
        for offset in range(10, 60, 5):  # ten moves in one go, before any is handled
            pane.view.set_cursor(offset)
        await settle(pilot)
        assert seen and len(seen) < 10 and seen[-1] == 55


async def test_going_to_a_match_on_screen_does_not_move_the_text(seeded_db: Path) -> None:
    """find's enter to a match already on screen leaves the text where it is; a match off screen
    is brought a third of the way down."""
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "000")
        view = reader.panes[0].view
        await pilot.press("f", *"數碼港", "enter")  # the first match, near the top
        await settle(pilot)
        top = view.scroll_offset.y
        height = view.scrollable_content_region.height
        matches = sorted(view.highlights["match"])
        seen = set()
        for start, _ in matches[1:]:
            line = view._line_of(start)
            await pilot.press("enter")
            await pilot.pause()
            assert view.cursor == start
            on_screen = top <= line < top + height
            if on_screen:  # nothing moved
                assert view.scroll_offset.y == top
            else:
                top = view.scroll_offset.y
                assert top <= line < top + height and top > 0
            seen.add(on_screen)
            if seen == {True, False}:
                break
        assert seen == {True, False}


def test_a_line_is_cut_and_styled_as_by_checking_every_span_for_every_piece() -> None:
    """Each piece of a line carries the line's style plus every span over it, in drawing order
    (nested and overlapping spans, styles that override each other)."""
    import itertools
    import random

    from rich.style import Style

    from hkpr_tui.widgets.release_view import _pieces

    rng = random.Random(2)
    styles = [Style(color="red"), Style(bold=True), Style(bgcolor="blue"), Style(color="green", italic=True)]
    base = Style(color="white")
    for _ in range(300):
        start, end = 10, 10 + rng.randint(1, 30)
        spans = []
        for _ in range(rng.randint(0, 12)):
            s = rng.randint(start, end - 1)
            spans.append((s, rng.randint(s + 1, end), rng.choice(styles)))
        cuts = sorted({start, end, *(p for s, e, _ in spans for p in (s, e))})
        expected = []
        for a, b in itertools.pairwise(cuts):
            style = base
            for s, e, extra in spans:
                if s <= a and b <= e:
                    style = style + extra
            expected.append((a, b, style))
        assert _pieces(start, end, base, spans) == expected


async def test_a_find_with_no_match_says_so_where_it_can_be_seen(seeded_db: Path) -> None:
    """Enter on a find that matches nothing: a notification says so (the find bar hides the
    status line), and the bar stays open to change the query."""
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        reader = await open_reader(pilot, seeded_db, "000")
        await pilot.press("f", *"zzq[b]", "enter")
        await settle(pilot)
        assert any("Not found: zzq[b]" in str(n.message) for n in app._notifications)
        assert reader.query_one("#find").display and reader.query_one("#find").has_focus
