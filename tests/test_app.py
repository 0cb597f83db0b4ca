"""The app with Pilot: library (virtual table, filters, sort, search), first run, help, palette, keymap."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import Select, Static

from hkpr_tui.app import HkprApp, binding_ids
from hkpr_tui.importer import import_paths
from hkpr_tui.models import ReleaseFilter
from hkpr_tui.screens.help import HelpScreen
from hkpr_tui.screens.library import FilterScreen, LibraryScreen
from hkpr_tui.screens.reader import ReaderScreen
from hkpr_tui.store import Store
from hkpr_tui.widgets.release_table import ReleaseTable
from tests.conftest import SEEDS, settle


def titles(screen: LibraryScreen) -> list[str]:
    table = screen.query_one(ReleaseTable)
    return [row.title for i in range(table.total) if (row := table.row(i))]


async def test_library_lists_the_releases_newest_first(seeded_db: Path) -> None:
    app = HkprApp(db_path=seeded_db, annotator="tester")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LibraryScreen)
        shown = titles(screen)
        assert len(shown) == 5
        assert shown[0].startswith(("香港科技園公司", "數碼港支持")) and shown[-1].startswith(
            "港超算中心"
        )  # undated last


async def test_sort_and_filter(seeded_db: Path) -> None:
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LibraryScreen)
        await pilot.press("s")  # next sortable column: organisation
        await settle(pilot)
        assert screen.sort == "organisation"
        await pilot.press("F")
        await settle(pilot)
        assert isinstance(app.screen, FilterScreen)
        app.screen.query_one("#filter-script", Select).value = "hans"
        await settle(pilot)
        assert app.screen is screen
        assert titles(screen) == ["数码港欢迎《财政预算案》推动人工智能生态圈发展"]
        assert "filter: script=hans" in str(screen.query_one("#library-status").render())
        await pilot.press("F")
        await settle(pilot)
        app.screen.query_one("#filter-year", Select).value = "2026"  # the script filter stays
        await settle(pilot)
        assert titles(screen) == []
        await pilot.press("F")
        await pilot.press("ctrl+r")  # clear all
        await settle(pilot)
        assert len(titles(screen)) == 5


async def test_sort_starts_at_the_top_and_a_filter_keeps_the_library_progress(seeded_db: Path) -> None:
    store = Store.open(seeded_db)
    store.set_status(store.list_releases(sort="id")[0].id, "done", annotator="tester")
    by_organisation = [r.title for r in store.list_releases(sort="organisation", descending=True)]
    store.close()
    app = HkprApp(db_path=seeded_db, annotator="tester")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LibraryScreen)
        status = screen.query_one("#library-status")
        assert "done 1/5 (20%)" in str(status.render())
        await pilot.press("down", "down")
        await pilot.press("s")  # by organisation: the new order, from its first row
        await settle(pilot)
        assert titles(screen) == by_organisation
        assert screen.table.cursor == 0 and screen.table.scroll_offset.y == 0
        await pilot.press("F")
        await settle(pilot)
        app.screen.query_one("#filter-script", Select).value = "hans"
        await settle(pilot)
        assert len(titles(screen)) == 1
        assert "1 release · filter: script=hans" in str(status.render())
        assert "done 1/5 (20%)" in str(status.render())  # the progress is the whole library's


async def test_a_sort_right_after_a_filter_sorts_the_filtered_releases(seeded_db: Path) -> None:
    store = Store.open(seeded_db)
    hans = [
        r.title for r in store.list_releases(sort="organisation", descending=True, where=ReleaseFilter(script="hans"))
    ]
    store.close()
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LibraryScreen)
        screen.filter = ReleaseFilter(script="hans")
        screen._requery()  # what choosing in the filter menu does; then "s" before its count has come
        await pilot.press("s")
        await settle(pilot)
        assert screen.sort == "organisation"
        assert screen.table.total == len(hans) and titles(screen) == hans


async def test_a_list_longer_than_the_screen_scrolls_only_up_and_down(seeded_db: Path) -> None:
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(80, 10)) as pilot:  # room for fewer rows than the 5 releases
        await settle(pilot)
        table = app.screen.query_one(ReleaseTable)
        for key in ("", "s"):  # as shown first, and after a sort
            if key:
                await pilot.press(key)
                await settle(pilot)
            assert table.show_vertical_scrollbar
            assert not table.show_horizontal_scrollbar  # lines are cut to the width: no row lost to a scrollbar


async def test_search_across_scripts_opens_the_release_at_the_match(seeded_db: Path) -> None:
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await pilot.press(*"科技园")  # Simplified query, Traditional release
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LibraryScreen)
        assert titles(screen)[0].startswith("香港科技園公司")
        header = str(screen.query_one("#table-header").render())
        assert "▼" not in header and "▲" not in header  # best match first, not by date
        await pilot.press("enter")
        await settle(pilot)
        reader = app.screen
        assert isinstance(reader, ReaderScreen)
        view = reader.panes[0].view
        assert view.text[view.cursor : view.cursor + 3] == "科技園"
        assert view.highlights["match"]


async def test_first_run_imports_seeds(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    db = tmp_path / "annotations.db"
    app = HkprApp(db_path=db, annotator="tester", seed_dir=seeds)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert len(titles(app.screen)) == 5  # type: ignore[arg-type]
    store = Store.open(db)
    assert store.count_releases() == 5
    session = next(store.db.query("SELECT * FROM sessions"))
    assert session["annotator"] == "tester" and session["ended_at"] is not None


FIRST_FRAME = """
import pathlib, sys
import hkpr_tui
from textual.app import App
from textual.widgets._footer import FooterKey
from hkpr_tui.app import HkprApp
from hkpr_tui.screens.library import LibraryScreen
from hkpr_tui.widgets.release_table import ReleaseTable

drawn = []  # the library's first frame: its rows, and whether the footer has its keys
display = App._display
def first_display(app, screen, update):
    if isinstance(screen, LibraryScreen) and not drawn:
        drawn.extend([screen.query_one(ReleaseTable).total, "keys" if screen.query(FooterKey) else "no keys"])
    return display(app, screen, update)
App._display = first_display

class First(HkprApp):
    CSS_PATH = str(pathlib.Path(hkpr_tui.__file__).parent / "app.tcss")
    seen = None
    def on_mount(self):
        self.set_interval(0.005, self.check)
    def check(self):
        screen = self.screen
        if self.seen is None and isinstance(screen, LibraryScreen):
            table = screen.query_one(ReleaseTable)
            if table.total and table.row(0) is not None:
                status = "progress" if "done 0/5" in str(screen.query_one("#library-status").render()) else "none"
                slow = ("sqlite_utils", "pluggy", "pandas", "secrets", "hashlib", "importlib.metadata")
                loaded = sorted(m for m in slow if m in sys.modules)
                self.seen = (table.total, status, loaded)
                self.call_after_refresh(self.exit)
app = First(db_path=sys.argv[1], annotator="tester")
app.run(headless=True, size=(120, 36))
print(app.seen, drawn)
"""


def first_frame(db: Path) -> str:
    """What a fresh process that starts the app on ``db`` has loaded when the library's rows are drawn."""
    out = subprocess.run([sys.executable, "-c", FIRST_FRAME, str(db)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout.strip().splitlines()[-1]


def test_the_first_frame_of_a_current_database_needs_no_sqlite_utils(seeded_db: Path) -> None:
    """Opening a database that is already migrated goes through sqlite3 alone: sqlite-utils (its
    import and plugin scan, 35–45 ms) is not loaded before the library's first rows are drawn, nor
    are secrets/hashlib (2-10 ms) and importlib.metadata (~4 ms), which only some paths need.
    The first frame has the rows, the whole status line (the progress is not painted later, when
    a worker reads it) and the footer's keys (not composed and drawn in two frames after it)."""
    assert first_frame(seeded_db) == "(5, 'progress', []) [5, 'keys']"


def test_an_older_database_is_migrated_when_the_app_opens_it(tmp_path: Path) -> None:
    from sqlite_utils import Database

    from hkpr_tui.corpus import parse_file
    from hkpr_tui.store.schema import KNOWN_MIGRATIONS, migrations

    path = tmp_path / "old.db"
    db = Database(path)
    migrations.apply(db, stop_before=KNOWN_MIGRATIONS[-2])
    Store(db, migrate=False).add_releases(parse_file(p) for p in sorted(SEEDS.glob("*.txt")))
    db.close()
    migrated = "['hashlib', 'importlib.metadata', 'pluggy', 'secrets', 'sqlite_utils']"  # sqlite-utils and its plugins
    assert first_frame(path) == f"(5, 'progress', {migrated}) [5, 'keys']"  # no pandas
    store = Store.open(path, read_only=True)
    assert store.applied() == KNOWN_MIGRATIONS
    store.close()


async def test_empty_library_says_how_to_import(tmp_path: Path) -> None:
    app = HkprApp(db_path=tmp_path / "empty.db")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        empty = app.screen.query_one("#library-empty", Static)
        assert empty.display and "hkpr import PATH" in str(empty.render())
        assert not app.screen.query_one(ReleaseTable).display


async def test_titles_are_never_markup(tmp_path: Path) -> None:
    src = tmp_path / "markup.txt"
    src.write_text("[bold red]不是標記[/] 的標題\n\n香港，2025年1月2日 - 某機構今日公布。", encoding="utf-8")
    db = tmp_path / "a.db"
    import_paths(Store.open(db), [src])
    app = HkprApp(db_path=db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        strip = app.screen.query_one(ReleaseTable).render_line(0)
        assert "[bold red]不是標記[/] 的標題" in strip.text


async def test_help_lists_bindings_of_the_screen_below(seeded_db: Path) -> None:
    from textual.widgets import DataTable

    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one(DataTable)
        actions = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        assert {"Search", "Sort", "Reload", "Open", "Quit", "Help"} <= set(actions)
        await pilot.press("escape")
        assert isinstance(app.screen, LibraryScreen)


async def test_every_binding_has_id_tooltip_and_palette_entry(seeded_db: Path) -> None:
    from hkpr_tui.commands import HkprCommands

    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        from hkpr_tui.screens.reader import ChangesScreen
        from hkpr_tui.widgets.release_view import ReleaseView

        for owner in (
            HkprApp,
            LibraryScreen,
            FilterScreen,
            ReaderScreen,
            ReleaseView,
            ReleaseTable,
            HelpScreen,
            ChangesScreen,
        ):
            for binding in owner.BINDINGS:
                assert binding.id and binding.tooltip and binding.description, binding  # type: ignore[union-attr]
        names = [text for text, *_ in HkprCommands(app.screen, None)._commands()]
        for binding in [*HkprApp.BINDINGS, *LibraryScreen.BINDINGS, *ReleaseTable.BINDINGS]:
            assert any(name.startswith(binding.description) for name in names), binding
        await pilot.press("enter")
        await settle(pilot)
        names = [text for text, *_ in HkprCommands(app.screen, None)._commands()]
        for binding in [*ReaderScreen.BINDINGS, *ReleaseView.BINDINGS]:
            assert any(name.startswith(binding.description) for name in names), binding


async def test_user_keymap_rebinds_a_key(seeded_db: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[keymap]\n"library.sort" = "o"\n', encoding="utf-8")
    app = HkprApp(db_path=seeded_db, config_path=config)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert app.screen.sort == "organisation"  # type: ignore[attr-defined]


async def test_bad_keymap_file_is_reported_not_fatal(seeded_db: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[keymap]\n"library.sort" = \n', encoding="utf-8")
    app = HkprApp(db_path=seeded_db, config_path=config)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert any("Configuration not applied" in n.message and "line 2" in n.message for n in app._notifications)
        assert isinstance(app.screen, LibraryScreen)


def test_binding_ids_are_unique() -> None:
    ids = binding_ids()
    assert len(ids) == len(set(ids))


async def test_library_reads_only_the_pages_it_shows(tmp_path: Path) -> None:
    import dataclasses

    from hkpr_tui.corpus import parse_text
    from hkpr_tui.widgets.release_table import PAGE_SIZE

    template = parse_text("數碼港新聞\n\n香港，2025年1月2日 - 數碼港今日公布。")
    db = tmp_path / "many.db"
    store = Store.open(db)
    store.add_releases(
        dataclasses.replace(template, content_hash=f"h{n}", group_key=f"g{n}", title=f"新聞 {n}") for n in range(450)
    )
    store.close()
    app = HkprApp(db_path=db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(ReleaseTable)
        assert table.total == 450
        assert set(table.pages) == {0}  # one page of 100 rows, not 450
        await pilot.press("end")
        await settle(pilot)
        assert set(table.pages) == {0, 450 // PAGE_SIZE}  # the last page, and nothing between
        assert table.row(449) is not None and table.row(250) is None


def test_learn_settings_are_checked(tmp_path: Path) -> None:
    import pytest

    from hkpr_tui.config import ConfigError, load_config

    path = tmp_path / "config.toml"
    path.write_text("[learn]\nretrain_every = 5\nthreshold = 0.7\n")
    config = load_config(path)
    assert (config.retrain_every, config.threshold) == (5, 0.7)
    for bad in ("retrain_every = 0", "threshold = 2", "threshold = true", "speed = 1"):
        path.write_text(f"[learn]\n{bad}\n")
        with pytest.raises(ConfigError, match="learn"):
            load_config(path)


def test_the_sort_mark_shows_even_on_a_narrow_column() -> None:
    from hkpr_tui.widgets.release_table import SORTABLE, header_text

    for sort in SORTABLE:
        for descending, mark in ((True, "▼"), (False, "▲")):
            assert header_text(100, sort, descending).count(mark) == 1, sort


async def test_a_search_matching_very_many_releases_says_how_it_is_ranked(
    seeded_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hkpr_tui.store.store as store_module

    monkeypatch.setattr(store_module, "RANK_AMONG", 2)
    monkeypatch.setattr(store_module, "LONG_FEW", 1)
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"数码港", "enter")
        await settle(pilot)
        status = str(app.screen.query_one("#library-status").render())
        assert "(best among the newest 2 matches)" in status  # beside the highlighted hit's snippet


async def test_the_library_footer_is_composed_again_only_when_its_keys_change(
    seeded_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Textual composes a footer again each time the screen says its bindings may have changed
    (three times as the library starts, the same keys each time); the library's composes them
    once, and again when they change (the search box takes the focus)."""
    from textual.widgets._footer import FooterKey

    from hkpr_tui.widgets.footer import KeysFooter

    composed: list[list[str]] = []
    compose = KeysFooter.compose

    def counted(self: KeysFooter):  # type: ignore[no-untyped-def]
        keys = list(compose(self))
        if keys:
            composed.append([k.key for k in keys if isinstance(k, FooterKey)])
        yield from keys

    monkeypatch.setattr(KeysFooter, "compose", counted)
    app = HkprApp(db_path=seeded_db, annotator="tester")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert len(composed) == 1 and "slash" in composed[0]
        footer = app.screen.query_one(KeysFooter)
        assert [k.key for k in footer.query(FooterKey)] == composed[0]
        await pilot.press("slash")  # the search box: the list's keys are not the box's
        await settle(pilot)
        assert len(composed) == 2 and composed[1] != composed[0]
        assert [k.key for k in footer.query(FooterKey)] == composed[1]


async def test_the_collector_is_off_only_until_the_first_screen_is_drawn(
    seeded_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    collecting: list[bool] = []
    first_rows = LibraryScreen._first_rows

    def recorded(self: LibraryScreen) -> None:
        collecting.append(gc.isenabled())
        first_rows(self)

    monkeypatch.setattr(LibraryScreen, "_first_rows", recorded)
    assert gc.isenabled()
    for ask in (False, True):  # `hkpr serve` asks for a name first: collected again once that is drawn
        app = HkprApp(db_path=seeded_db, annotator="tester", ask_annotator=ask)
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            assert gc.isenabled()
        assert gc.isenabled()
    assert collecting == [False]


async def test_the_filter_menus_are_read_after_the_start_or_when_the_filter_opens(
    seeded_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The menus read every release: not with the first frame, but FACETS_AFTER later; the filter
    asked for before that opens once they are read, with them."""
    import hkpr_tui.screens.library as library

    monkeypatch.setattr(library, "FACETS_AFTER", 0.3)
    for press in (True, False):
        app = HkprApp(db_path=seeded_db, annotator="tester")
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, LibraryScreen) and screen.table.total == 5 and screen.facets == {}
            if press:
                await pilot.press("F")
                await settle(pilot)
                assert isinstance(app.screen, FilterScreen) and app.screen.facets["organisation"]
            else:
                await pilot.pause(0.4)
                await settle(pilot)
                assert screen.facets["organisation"] and app.screen is screen
