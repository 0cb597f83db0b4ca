"""The library: every release with its metadata and progress."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static
from textual.worker import Worker, WorkerState

from hkpr_tui.models import ReleaseSummary
from hkpr_tui.store import Store

SCRIPT_NAMES = {"hant": "繁", "hans": "简", "mixed": "混"}
EMPTY_MESSAGE = (
    "No releases yet.\n\n"
    "Import press releases (.txt, .md, .html files, or folders of them) from a shell:\n\n"
    "    hkpr import PATH...\n\n"
    "then open hkpr again. Started in a folder with a seeds/ folder, the first run imports it."
)
PAGE = 10_000


class LibraryScreen(Screen[None]):
    BINDINGS = [
        Binding("r", "reload", "Reload", id="library.reload", tooltip="Read the list of releases again from the database"),
    ]

    @dataclass
    class Loaded(Message):
        rows: list[ReleaseSummary]
        total: int

    def __init__(self, db_path: Path) -> None:
        super().__init__()
        self.db_path = db_path
        self.rows: list[ReleaseSummary] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading…", id="library-status")
        yield DataTable(id="releases", cursor_type="row", zebra_stripes=True)
        yield Static(EMPTY_MESSAGE, id="library-empty")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("date", key="date")
        table.add_column("organisation", key="organisation")
        table.add_column("script", key="script")
        table.add_column("ent.", key="entities")
        table.add_column("claims", key="claims")
        table.add_column("status", key="status")
        table.add_column("title", key="title")
        self.query_one("#library-empty").display = False
        self.action_reload()

    def action_reload(self) -> None:
        self.load_releases()

    @work(thread=True, exclusive=True, group="library", exit_on_error=False)
    def load_releases(self) -> None:
        store = Store.open(self.db_path)  # a worker thread gets its own connection
        try:
            self.post_message(self.Loaded(store.list_releases(sort="date", descending=True, limit=PAGE), store.count_releases()))
        finally:
            store.close()

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.query_one("#library-status", Static).update(Text(f"Could not read {self.db_path}: {event.worker.error}"))

    @on(Loaded)
    def _show(self, message: Loaded) -> None:
        self.rows = message.rows
        table = self.query_one(DataTable)
        table.clear()
        for row in message.rows:
            table.add_row(
                row.date or "—",
                Text(row.organisation or "—"),
                SCRIPT_NAMES.get(row.script, row.script),
                str(row.n_entities),
                str(row.n_claims),
                row.status,
                Text(row.title),
                key=str(row.id),
            )
        empty = message.total == 0
        table.display = not empty
        self.query_one("#library-empty").display = empty
        shown = f"{len(message.rows)} of {message.total}" if message.total > len(message.rows) else str(message.total)
        done = sum(1 for r in message.rows if r.status == "done")
        self.query_one("#library-status", Static).update(
            Text(f"{shown} releases · {done} done · {self.db_path}")
        )
        if not empty:
            table.focus()
