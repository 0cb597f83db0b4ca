"""The app with Pilot: library, first run on seeds/, empty state, help, palette."""

from __future__ import annotations

import shutil
from pathlib import Path

from textual.widgets import DataTable, Static

from hkpr_tui.app import HkprApp
from hkpr_tui.screens.help import HelpScreen
from hkpr_tui.screens.library import LibraryScreen
from hkpr_tui.store import Store
from tests.conftest import SEEDS


async def wait_for_library(pilot, app: HkprApp) -> LibraryScreen:  # type: ignore[no-untyped-def]
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    assert isinstance(app.screen, LibraryScreen)
    return app.screen


async def test_library_lists_the_releases(seeded_db: Path) -> None:
    app = HkprApp(db_path=seeded_db, annotator="tester")
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await wait_for_library(pilot, app)
        table = screen.query_one(DataTable)
        assert table.row_count == 5
        titles = [str(table.get_row_at(i)[-1]) for i in range(5)]
        assert titles[0].startswith(("香港科技園公司", "數碼港支持"))  # newest first
        assert "数码港欢迎《财政预算案》推动人工智能生态圈发展" in titles


async def test_first_run_imports_seeds(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    db = tmp_path / "annotations.db"
    app = HkprApp(db_path=db, annotator="tester", seed_dir=seeds)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await wait_for_library(pilot, app)
        assert screen.query_one(DataTable).row_count == 5
    store = Store.open(db)
    assert store.count_releases() == 5
    session = next(store.db.query("SELECT * FROM sessions"))
    assert session["annotator"] == "tester" and session["ended_at"] is not None


async def test_empty_library_says_how_to_import(tmp_path: Path) -> None:
    app = HkprApp(db_path=tmp_path / "empty.db")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await wait_for_library(pilot, app)
        empty = screen.query_one("#library-empty", Static)
        assert empty.display and "hkpr import PATH" in str(empty.render())
        assert not screen.query_one(DataTable).display


async def test_titles_are_never_markup(tmp_path: Path) -> None:
    src = tmp_path / "markup.txt"
    src.write_text("[bold red]不是標記[/] 的標題\n\n香港，2025年1月2日 - 某機構今日公布。", encoding="utf-8")
    db = tmp_path / "a.db"
    from hkpr_tui.importer import import_paths

    import_paths(Store.open(db), [src])
    app = HkprApp(db_path=db)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await wait_for_library(pilot, app)
        title = screen.query_one(DataTable).get_row_at(0)[-1]
        assert str(title) == "[bold red]不是標記[/] 的標題"


async def test_help_lists_bindings_of_the_screen_below(seeded_db: Path) -> None:
    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for_library(pilot, app)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        rows = [tuple(str(c) for c in app.screen.query_one(DataTable).get_row_at(i)) for i in range(3)]
        assert [r[1] for r in rows] == ["Reload", "Quit", "Help"]
        await pilot.press("escape")
        assert isinstance(app.screen, LibraryScreen)


async def test_every_app_binding_has_id_tooltip_and_palette_entry(seeded_db: Path) -> None:
    from hkpr_tui.commands import HkprCommands

    app = HkprApp(db_path=seeded_db)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await wait_for_library(pilot, app)
        ours = [*HkprApp.BINDINGS, *LibraryScreen.BINDINGS, *HelpScreen.BINDINGS]
        for binding in ours:
            assert binding.id and binding.tooltip and binding.description, binding
        provider = HkprCommands(screen, None)
        names = [text for text, *_ in provider._commands()]
        for binding in [*HkprApp.BINDINGS, *LibraryScreen.BINDINGS]:
            assert any(name.startswith(binding.description) for name in names), binding
