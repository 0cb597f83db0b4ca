"""The Textual app. Importable for scripts and tests as ``HkprApp(db_path=...)``."""

from __future__ import annotations

import getpass
from pathlib import Path

from textual import on, work
from textual.app import App
from textual.binding import Binding

from hkpr_tui.commands import HkprCommands, context_bindings
from hkpr_tui.config import ConfigError, load_config
from hkpr_tui.messages import ImportFinished
from hkpr_tui.screens.help import HelpScreen
from hkpr_tui.screens.library import LibraryScreen
from hkpr_tui.store import Store


def binding_ids() -> list[str]:
    """Every hkpr binding id (what a user keymap can rebind)."""
    from hkpr_tui.screens.reader import ChangesScreen, ReaderScreen
    from hkpr_tui.widgets.release_table import ReleaseTable
    from hkpr_tui.widgets.release_view import ReleaseView

    from hkpr_tui.screens.library import FilterScreen

    owners = (HkprApp, LibraryScreen, FilterScreen, ReaderScreen, ReleaseView, ReleaseTable, HelpScreen, ChangesScreen)
    return [b.id for owner in owners for b in owner.BINDINGS if isinstance(b, Binding) and b.id]


class HkprApp(App[None]):
    TITLE = "hkpr"
    SUB_TITLE = "Hong Kong press releases"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {HkprCommands}
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="app.help", tooltip="List every key binding"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", tooltip="Quit hkpr (everything is saved as you go)", priority=True),
    ]

    def __init__(
        self,
        db_path: str | Path = "annotations.db",
        annotator: str | None = None,
        seed_dir: str | Path | None = None,
        config_path: Path | None = None,
    ) -> None:
        super().__init__()
        self.db_path = Path(db_path)
        self.annotator = annotator or getpass.getuser()
        self.seed_dir = Path(seed_dir) if seed_dir else None
        self.session_id: int | None = None
        self.config_path = config_path

    def on_mount(self) -> None:
        self.apply_keymap()
        store = Store.open(self.db_path)
        try:
            self.session_id = store.start_session(self.annotator)
        finally:
            store.close()
        self.push_screen(LibraryScreen(self.db_path))
        if self.seed_dir is not None:
            self.notify(f"First run: importing {self.seed_dir}/ …")
            self.import_seeds(self.seed_dir)

    def apply_keymap(self) -> None:
        """Rebind keys from the user's config file; a bad file is reported and ignored."""
        try:
            keymap = load_config(self.config_path).keymap
        except ConfigError as exc:
            self.notify(f"Keymap not applied: {exc}", severity="error", timeout=15)
            return
        if not keymap:
            return
        unknown = sorted(set(keymap) - set(binding_ids()))
        if unknown:
            self.notify(f"Keymap: no binding with id {', '.join(unknown)} (see ? for ids)", severity="warning", timeout=15)
        self.set_keymap({k: v for k, v in keymap.items() if k not in unknown})

    @work(thread=True, exclusive=True, group="import", exit_on_error=False)
    def import_seeds(self, folder: Path) -> None:
        from hkpr_tui.importer import import_paths  # only a first run imports: keep it off start-up

        store = Store.open(self.db_path)
        try:
            report = import_paths(store, [folder], annotator=self.annotator)
        finally:
            store.close()
        self.post_message(ImportFinished(report))

    @on(ImportFinished)
    def _imported(self, message: ImportFinished) -> None:
        report = message.report
        self.notify(report.summary(), severity="warning" if report.skipped else "information")
        for skipped in report.skipped:
            self.notify(f"{skipped.path}: {skipped.reason}", severity="warning", timeout=10)
        if isinstance(self.screen, LibraryScreen):
            self.screen.action_reload()

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen([binding for _, binding in context_bindings(self)]))

    def on_unmount(self) -> None:
        if self.session_id is not None:
            store = Store.open(self.db_path)
            try:
                store.end_session(self.session_id)
            finally:
                store.close()
