"""ReleaseTable: a virtual table of releases. Only the visible page is fetched from the store.

The table knows the number of rows and asks its owner for pages (``PageWanted``) as they scroll
into view; the owner loads them in a worker and hands them back with ``set_page``. Rows not yet
loaded draw as "…". Text is drawn as plain segments (never markup).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len, get_character_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from hkpr_tui.models import ReleaseSummary
from hkpr_tui.textsafe import safe

PAGE_SIZE = 100
SCRIPT_NAMES = {"hant": "繁", "hans": "简", "mixed": "混"}
# (key, heading, width in cells; 0 = the rest)
COLUMNS = [
    ("date", "date", 10),
    ("organisation", "organisation", 14),
    ("script", "script", 6),
    ("entities", "ent.", 4),
    ("claims", "claims", 6),
    ("status", "status", 11),
    ("title", "title", 0),
]
SORTABLE = ["date", "organisation", "script", "status", "title"]


def fit(text: str, width: int) -> str:
    """``text`` cut or padded to exactly ``width`` cells (wide characters count two)."""
    out: list[str] = []
    used = 0
    for char in safe(text):
        size = get_character_cell_size(char)
        if used + size > width:
            if out and width - used < 1:
                out[-1] = "…"
            else:
                out.append("…")
            used = cell_len("".join(out))
            break
        out.append(char)
        used += size
    return "".join(out) + " " * max(0, width - used)


def cells(row: ReleaseSummary) -> dict[str, str]:
    return {
        "date": row.date or "—",
        "organisation": row.organisation or "—",
        "script": SCRIPT_NAMES.get(row.script, row.script),
        "entities": str(row.n_entities),
        "claims": str(row.n_claims),
        "status": row.status,
        "title": row.title,
    }


def header_text(width: int, sort: str, descending: bool) -> str:
    parts = []
    for key, heading, w in COLUMNS:
        room = w or max(width - used_width(), 5)
        if key == sort:  # the sort mark always shows: a heading too long gives way to it
            mark = "▼" if descending else "▲"
            heading = heading if cell_len(heading) + 2 <= room else fit(heading, room - 2).rstrip()
            parts.append(fit(f"{heading} {mark}", room))
        else:
            parts.append(fit(heading, room))
    return " ".join(parts)


def used_width() -> int:
    return sum(w + 1 for _, _, w in COLUMNS if w)


class ReleaseTable(ScrollView, can_focus=True):
    COMPONENT_CLASSES = {"release-table--cursor", "release-table--done"}
    DEFAULT_CSS = """
    ReleaseTable { background: $surface; }
    ReleaseTable > .release-table--cursor { background: $accent 60%; }
    ReleaseTable:blur > .release-table--cursor { background: $accent 25%; }
    ReleaseTable > .release-table--done { color: $success; }
    """
    BINDINGS = [
        Binding("down", "move(1)", "Down", show=False, id="library.down", tooltip="Next release"),
        Binding("up", "move(-1)", "Up", show=False, id="library.up", tooltip="Previous release"),
        Binding(
            "pagedown", "page(1)", "Page down", show=False, id="library.page_down", tooltip="A screen of releases down"
        ),
        Binding("pageup", "page(-1)", "Page up", show=False, id="library.page_up", tooltip="A screen of releases up"),
        Binding("home", "edge(0)", "First", show=False, id="library.first", tooltip="The first release"),
        Binding("end", "edge(1)", "Last", show=False, id="library.last", tooltip="The last release"),
        Binding("enter", "open", "Open", id="library.open", tooltip="Open the release under the cursor"),
    ]

    cursor: reactive[int] = reactive(0, init=False)

    @dataclass
    class PageWanted(Message):
        table: ReleaseTable
        page: int

    @dataclass
    class Opened(Message):
        table: ReleaseTable
        row: ReleaseSummary

    @dataclass
    class Highlighted(Message):
        table: ReleaseTable
        index: int
        row: ReleaseSummary | None

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.total = 0
        self.pages: dict[int, list[ReleaseSummary]] = {}
        self.wanted: set[int] = set()
        self.waiting = False  # rows forgotten, a new count coming: ask for no page
        self._texts: dict[tuple[ReleaseSummary, int], str] = {}  # a row's line, by row and width
        self._drawing: tuple[int, Style] | None = None  # (width, base style) while render_lines draws

    def reset(self, total: int) -> None:
        self.total = total
        self.waiting = False
        self.pages, self.wanted = {}, set()
        self.cursor = 0
        # as wide as nothing: lines are cut to the width, so no horizontal scrollbar takes a row
        self.virtual_size = Size(0, total)
        self.scroll_to(y=0, animate=False, immediate=True)
        self.refresh()

    def invalidate(self) -> None:
        """Fetch the rows again as they are drawn (statuses, tag counts), keeping the position."""
        self.pages, self.wanted = {}, set()
        self.waiting = False
        self.refresh()

    def forget(self) -> None:
        """Drop the rows: another order or filter is being read, and its count and first page
        come with ``reset`` and ``set_page``. The screen is not redrawn meanwhile (it keeps the
        old rows for those few milliseconds rather than draw every line as "…" and then again),
        and no page is asked for until then (``total`` is the old one)."""
        self.pages, self.wanted = {}, set()
        self.waiting = True

    def set_page(self, page: int, rows: list[ReleaseSummary]) -> None:
        self.pages[page] = rows
        self.wanted.discard(page)
        self.refresh()
        if page == self.cursor // PAGE_SIZE:
            self.post_message(self.Highlighted(self, self.cursor, self.row(self.cursor)))

    def row(self, index: int) -> ReleaseSummary | None:
        page = self.pages.get(index // PAGE_SIZE)
        if page is None or index % PAGE_SIZE >= len(page):
            return None
        return page[index % PAGE_SIZE]

    def _want(self, index: int) -> None:
        page = index // PAGE_SIZE
        if page not in self.pages and page not in self.wanted and not self.waiting:
            self.wanted.add(page)
            self.post_message(self.PageWanted(self, page))

    def render_lines(self, crop: Region) -> list[Strip]:
        # what every line of one drawing shares, looked up once for all of them: Textual's style
        # lookups are the costly part of a line once its text is fitted
        self._drawing = (self.scrollable_content_region.width, self.rich_style)
        try:
            return super().render_lines(crop)
        finally:
            self._drawing = None

    def render_line(self, y: int) -> Strip:
        width, base = self._drawing or (self.scrollable_content_region.width, self.rich_style)
        index = int(self.scroll_offset.y) + y
        if index >= self.total:
            return Strip.blank(width, base)
        row = self.row(index)
        if row is None:
            self._want(index)
            return Strip([Segment(fit(" …", width), base)])
        text = self._texts.get((row, width))
        if text is None:  # fitting CJK text to cells is the costly part of a line: once per row and width
            values = cells(row)
            text = " ".join(fit(values[key], w or max(width - used_width(), 5)) for key, _, w in COLUMNS)
            if len(self._texts) >= 4 * PAGE_SIZE:
                self._texts.clear()
            self._texts[(row, width)] = text
        style = base
        if row.status == "done":
            style += self.get_component_rich_style("release-table--done")
        if index == self.cursor:
            style += self.get_component_rich_style("release-table--cursor")
        return Strip([Segment(text, style)]).extend_cell_length(width, style).crop(0, width)

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh_line(old)  # only the two rows whose look changed (a scroll redraws the rest)
        self.refresh_line(new)
        height = self.scrollable_content_region.height or 1
        y = int(self.scroll_offset.y)
        if new < y:
            self.scroll_to(y=new, animate=False, immediate=True)
        elif new >= y + height:
            self.scroll_to(y=new - height + 1, animate=False, immediate=True)
        self._want(new)
        self.post_message(self.Highlighted(self, new, self.row(new)))

    def action_move(self, delta: int) -> None:
        if self.total:
            self.cursor = max(0, min(self.total - 1, self.cursor + delta))

    def action_page(self, delta: int) -> None:
        self.action_move(delta * max(self.scrollable_content_region.height - 1, 1))

    def action_edge(self, end: int) -> None:
        if self.total:
            self.cursor = self.total - 1 if end else 0

    def action_open(self) -> None:
        row = self.row(self.cursor)
        if row is not None:
            self.post_message(self.Opened(self, row))

    def on_click(self, event: events.Click) -> None:
        index = int(self.scroll_offset.y) + event.y
        if 0 <= index < self.total:
            if index == self.cursor and event.chain >= 2:
                self.action_open()
            self.cursor = index
