"""A reader pane: a header line (script, date, organisation, progress, status, title) over a
ReleaseView, and the release it shows (``Loaded``)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from hkpr_tui.models import ParagraphSpan, Release, SentenceSpan
from hkpr_tui.script.views import VIEW_NAMES, View, script_view
from hkpr_tui.textsafe import safe
from hkpr_tui.widgets.release_table import fit
from hkpr_tui.widgets.release_view import ReleaseView


@dataclass(frozen=True)
class Layout:
    """How a reader was left for a release: reopening it restores this."""

    first: int  # the release in the first pane
    scripts: tuple[View, View]
    cursor: int
    other: int | None  # the release in the second pane
    other_cursor: int
    compare: bool
    one_sided: bool = False  # compare: figures on one side only shown too (M)


@dataclass
class Loaded:
    release: Release
    paragraphs: list[ParagraphSpan]
    sentences: list[SentenceSpan]


class Pane(Vertical):
    """A header line and a ReleaseView."""

    DEFAULT_CSS = """
    Pane { width: 1fr; height: 1fr; border: round $primary 30%; }
    Pane:focus-within { border: round $accent; }
    Pane > .pane-header { height: 1; width: 1fr; padding: 0 1; background: $panel; }
    """

    def __init__(self, index: int) -> None:
        super().__init__(id=f"pane-{index}")
        self.index = index
        self.loaded: Loaded | None = None

    def compose(self) -> ComposeResult:
        yield Static("Loading…", classes="pane-header")
        yield ReleaseView(id=f"view-{self.index}")

    @property
    def view(self) -> ReleaseView:
        return self.query_one(ReleaseView)

    def update_header(self) -> None:
        view, loaded = self.view, self.loaded
        if loaded is None:
            return
        r = loaded.release
        total = max(len(r.text), 1)
        progress = f"{min(100, round(100 * (view.cursor + 1) / total))}%"
        label = f"[{VIEW_NAMES[view.script]}] "
        meta = f"{r.date or '—'} · {r.organisation or '—'} · {progress} · {r.status} · "
        title = script_view(r.title, r.script, view.script).text
        room = max(self.size.width - 4 - cell_len(label) - cell_len(meta), 1)
        header = Text(no_wrap=True)
        header.append(label, style="bold")
        header.append(safe(meta), style="dim")
        header.append(fit(title, room).rstrip())
        self.query_one(".pane-header", Static).update(header, layout=False)  # one line of fixed size

    def on_resize(self) -> None:
        self.update_header()
