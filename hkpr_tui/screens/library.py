"""The library: every release with its metadata and progress; filter, sort, search, open.

With ``pick=True`` it is a chooser: enter returns the release id to the screen that pushed it
(the reader's "open another release in this pane").
"""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass, replace
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Header, Input, Select, Static
from textual.worker import Worker, WorkerState

from hkpr_tui.messages import OpenRelease
from hkpr_tui.models import ReleaseFilter, ReleaseSummary, SearchHit
from hkpr_tui.store import Store, StoreError
from hkpr_tui.store.base import DatabaseFault
from hkpr_tui.textsafe import safe
from hkpr_tui.widgets.footer import KeysFooter
from hkpr_tui.widgets.release_table import PAGE_SIZE, SORTABLE, ReleaseTable, header_text

EMPTY_MESSAGE = (
    "No releases yet.\n\n"
    "Import press releases (.txt, .md, .html files, or folders of them) from a shell:\n\n"
    "    hkpr import PATH...\n\n"
    "then open hkpr again. Started in a folder with a seeds/ folder, the first run imports it."
)
SEARCH_LIMIT = 200
FACETS = ("organisation", "year", "status", "script")
FACETS_AFTER = 0.5
"""Seconds after the first frame at which the filter menus are read: they read every release
(~40 ms of CPU at 100,000), which on a busy machine slowed the first frame as it settled, and
nothing needs them until the filter is opened (which reads them at once if they are not read)."""


class FilterScreen(ModalScreen[ReleaseFilter | None]):
    """Choose the library's filter: one menu per facet; enter applies, escape cancels."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="filter.cancel", tooltip="Close without changing the filter"),
        Binding("ctrl+r", "reset", "Clear all", id="filter.reset", tooltip="Show every release"),
    ]
    DEFAULT_CSS = """
    FilterScreen { align: center middle; }
    FilterScreen > Vertical { width: 60; height: auto; border: round $accent; background: $surface; padding: 0 1; }
    FilterScreen Select { margin: 0 0 1 0; }
    FilterScreen Static { color: $text-muted; }
    """

    def __init__(self, facets: dict[str, list[str]], current: ReleaseFilter, annotator: str | None = None) -> None:
        super().__init__()
        self.facets, self.current, self.annotator = facets, current, annotator

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Filter the library · enter on a menu applies · ctrl+r clears · escape cancels")
            for facet in FACETS:
                value = getattr(self.current, facet)
                yield Select[str](
                    [(v, v) for v in self.facets.get(facet, [])],
                    prompt=f"any {facet}",
                    value=value if value is not None else Select.NULL,
                    id=f"filter-{facet}",
                    compact=True,
                )
            if self.annotator:
                yield Select[str](
                    [(f"my queue: assigned to {self.annotator}, not done", self.annotator)],
                    prompt="any assignment",
                    value=self.current.queue if self.current.queue is not None else Select.NULL,
                    id="filter-queue",
                    compact=True,
                )

    def _chosen(self) -> ReleaseFilter:
        values = {}
        for facet in FACETS:
            value = self.query_one(f"#filter-{facet}", Select).value
            values[facet] = None if value is Select.NULL else str(value)
        if self.annotator:
            value = self.query_one("#filter-queue", Select).value
            values["queue"] = None if value is Select.NULL else str(value)
        return ReleaseFilter(**values)

    @on(Select.Changed)
    def _changed(self) -> None:
        chosen = self._chosen()
        if chosen != self.current:  # a Select mounted with a preset value reports it too
            self.dismiss(chosen)

    def action_reset(self) -> None:
        self.dismiss(ReleaseFilter())

    def action_cancel(self) -> None:
        self.dismiss(None)


def progress_text(progress: dict[str, int]) -> str:
    total = sum(progress.values())
    if not total:
        return ""
    done = progress.get("done", 0)
    return f" · done {done}/{total} ({100 * done // total}%), in progress {progress.get('in progress', 0)}"


class LibraryScreen(Screen[int | None]):
    AUTO_FOCUS = "#releases"  # keys act on the list; / goes to the search box
    BINDINGS = [
        Binding("slash", "search", "Search", id="library.search", tooltip="Search releases in either script"),
        Binding(
            "F",
            "filter",
            "Filter…",
            id="library.filter",
            tooltip="Filter by organisation, year, status or script, or to my queue",
        ),
        Binding(
            "m",
            "my_queue",
            "My queue",
            show=False,
            id="library.my_queue",
            tooltip="Releases assigned to you and not done (hkpr assign); again: all",
        ),
        Binding("s", "sort", "Sort", id="library.sort", tooltip="Sort by the next column"),
        Binding("S", "reverse", "Reverse", show=False, id="library.reverse", tooltip="Reverse the sort order"),
        Binding("r", "reload", "Reload", id="library.reload", tooltip="Read the releases again from the database"),
        Binding(
            "A",
            "adjudicate",
            "Adjudicate",
            id="library.adjudicate",
            tooltip="Where the annotators of this release disagree, choose the gold version",
        ),
        Binding(
            "escape", "clear", "Clear", show=False, id="library.clear", tooltip="Clear the search, or close the chooser"
        ),
    ]
    DEFAULT_CSS = """
    LibraryScreen #search { margin: 1 1 0 1; }
    LibraryScreen #library-status, LibraryScreen #table-header { height: 1; padding: 0 1; }
    LibraryScreen #library-status { color: $text-muted; }
    LibraryScreen #table-header { text-style: bold; background: $panel; }
    LibraryScreen #releases { height: 1fr; padding: 0 1; }
    LibraryScreen #library-empty { height: 1fr; padding: 1 2; color: $text-muted; }
    """

    @dataclass
    class Counted(Message):
        total: int | None  # None: the rows were not read again (only the progress)
        progress: dict[str, int] | None  # releases by status, whole library; None: not read again
        keep_position: bool = False
        queue: int = 0  # releases in the annotator's queue (assigned to them, not done)
        first_page: list[ReleaseSummary] | None = None  # read with the count, on the same connection

    @dataclass
    class Faceted(Message):
        facets: dict[str, list[str]]

    @dataclass
    class PageLoaded(Message):
        generation: int
        page: int
        rows: list[ReleaseSummary]
        top: bool = False  # the first page of a new order: the list goes back to its top

    @dataclass
    class Searched(Message):
        generation: int
        query: str
        hits: list[SearchHit]
        rows: list[ReleaseSummary]
        ranked_among: int | None = None

    def __init__(self, db_path: Path, *, pick: bool = False, annotator: str | None = None) -> None:
        super().__init__()
        self.db_path = db_path
        self.pick = pick
        self.annotator = annotator  # whose queue "my queue" shows
        self.sort, self.descending = "date", True
        self.filter = ReleaseFilter()
        self.query_text = ""
        self.hits: dict[int, SearchHit] = {}
        self._ranked_among: int | None = None  # the search ranked only its newest matches (see Store.search)
        self.generation = 0  # pages of an older query or filter are dropped
        self.facets: dict[str, list[str]] = {}
        self.filter_wanted = False  # the filter was asked for before its menus were read
        self.progress: dict[str, int] = {}  # releases by status, as last read ({}: not read yet)
        self.queue = 0  # releases in the annotator's queue, as last read
        self.keep_cursor: int | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="/ search 繁 or 简 (enter)", id="search", compact=True)
        yield Static("Loading…", id="library-status")
        yield Static("", id="table-header")
        yield ReleaseTable(id="releases")
        yield Static(EMPTY_MESSAGE, id="library-empty")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#library-empty").display = False
        if self.pick:
            self.sub_title = "choose a release to open in the pane (enter), or escape"
        self._first_rows()

    def _first_rows(self) -> None:
        """The count, the first page, the progress and the queue, read here rather than in a
        worker: queries served by indexes (a few milliseconds at 100,000 releases) that let the
        first frame draw the rows and the whole status line at once, instead of "Loading…" and
        then every line again, and the status line once more when the progress came. The filter
        menus, which read every release, follow in a worker ``FACETS_AFTER`` later."""
        self.generation += 1
        try:
            with closing(Store.connect(self.db_path)) as store:
                total, first = self._count_and_first_page(store)
                counts, queue = self._progress(store)
        except (StoreError, DatabaseFault):  # the worker reads again, and says what went wrong
            self.action_reload()
            return
        self._counted(self.Counted(total, counts, queue=queue, first_page=first))
        self.set_timer(FACETS_AFTER, self._want_facets)

    def _count_and_first_page(
        self, store: Store, *, first_page: bool = True
    ) -> tuple[int, list[ReleaseSummary] | None]:
        """The releases the filter selects: how many, and the first page in the current order."""
        total = store.count_releases(self.filter)
        if not first_page:
            return total, None
        return total, store.list_releases(
            sort=self.sort, descending=self.descending, where=self.filter, limit=PAGE_SIZE, offset=0
        )

    def _progress(self, store: Store) -> tuple[dict[str, int], int]:
        """The whole library's releases by status, and how many are in the annotator's queue."""
        queue = store.count_releases(ReleaseFilter(queue=self.annotator)) if self.annotator else 0
        return store.status_counts(), queue

    @property
    def table(self) -> ReleaseTable:
        return self.query_one(ReleaseTable)

    # -- loading ---------------------------------------------------------------------------

    def action_reload(self) -> None:
        """Read everything again: rows, counts, progress and the filter menus (an import may have
        brought organisations and years)."""
        self.facets = {}
        self.progress = {}
        self._requery()

    def _requery(self) -> None:
        """Read the rows and counts again for a new filter or search (the menus and the progress,
        which are of the whole library, stay). The list is drawn once, when its count and first
        page come (``_counted``, ``_searched``)."""
        self.generation += 1
        self.table.forget()
        if self.query_text:
            self.run_search(self.generation, self.query_text)
        else:
            self.count(self.generation, progress=not self.progress)

    @work(thread=True, exclusive=True, group="library-count", exit_on_error=False)
    def count(self, generation: int, keep_position: bool = False, *, progress: bool = True) -> None:
        """The count and first page of the rows, and the progress and queue of the whole library
        (``progress``); then the filter menus, if not read yet."""
        with closing(Store.connect(self.db_path)) as store:  # a worker thread's own connection
            # with keep_position, the rows shown stay (only invalidated if the count changed)
            total, first = self._count_and_first_page(store, first_page=not keep_position)
            counts, queue = None, 0
            if progress:
                counts, queue = self._progress(store)
            if generation == self.generation:
                self.post_message(self.Counted(total, counts, keep_position, queue, first))
            if not self.facets:  # for the filter menus; after the count, so the list shows first
                self.post_message(self.Faceted(store.facets()))

    @work(thread=True, group="library-page", exit_on_error=False)
    def load_page(self, generation: int, page: int, total: int, top: bool = False) -> None:
        """One page of the list; ``total``: its count (a page near the end is read from the end)."""
        with closing(Store.connect(self.db_path)) as store:  # a worker thread's own connection
            rows = store.list_releases(
                sort=self.sort,
                descending=self.descending,
                where=self.filter,
                limit=PAGE_SIZE,
                offset=page * PAGE_SIZE,
                total=total,
            )
        self.post_message(self.PageLoaded(generation, page, rows, top))

    def _want_facets(self) -> None:
        if not self.facets:
            self.read_facets()

    @work(thread=True, exclusive=True, group="library-facets", exit_on_error=False)
    def read_facets(self) -> None:
        """The filter menus: the organisations, years, statuses and scripts of the library."""
        with closing(Store.connect(self.db_path)) as store:  # a worker thread's own connection
            self.post_message(self.Faceted(store.facets()))

    @on(Faceted)
    def _faceted(self, message: Faceted) -> None:
        self.facets = message.facets
        if self.filter_wanted:
            self.filter_wanted = False
            if self.app.screen is self:
                self.action_filter()

    @on(Counted)
    def _counted(self, message: Counted) -> None:
        if message.progress is not None:
            self.progress, self.queue = message.progress, message.queue
        total = message.total
        if total is None:  # only the progress was read: the rows stay
            total = self.table.total
        elif message.keep_position and total == self.table.total:
            self.table.invalidate()
        else:
            self.table.reset(total)
            if message.first_page is not None:
                self.table.set_page(0, message.first_page)
        if message.total is not None:
            self._show_empty(total == 0 and self.filter == ReleaseFilter())
            self._update_header()
        active = [
            f"my queue of {v}" if k == "queue" else f"{k}={v}" for k, v in self.filter.__dict__.items() if v is not None
        ]
        self._status(
            f"{total} release{'' if total == 1 else 's'}"
            + (f" · filter: {', '.join(active)} (F)" if active else "")
            + (f" · my queue: {self.queue} (m)" if self.queue and not self.filter.queue else "")
            + progress_text(self.progress)
        )

    def refresh_rows(self) -> None:
        """Back from the reader: statuses and tag counts may have changed; keep the position."""
        if self.query_text:
            self.keep_cursor = self.table.cursor
            self.generation += 1
            self.run_search(self.generation, self.query_text)
        else:
            self.count(self.generation, keep_position=True)

    @on(ReleaseTable.PageWanted)
    def _page_wanted(self, message: ReleaseTable.PageWanted) -> None:
        if not self.query_text and not self.table.waiting:  # waiting: asked before a new filter or order
            self.load_page(self.generation, message.page, self.table.total)

    @on(PageLoaded)
    def _page_loaded(self, message: PageLoaded) -> None:
        if message.generation == self.generation:
            if message.top:
                self.table.reset(self.table.total)
            self.table.set_page(message.page, message.rows)

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.filter_wanted = False
            self._status(f"Could not read {self.db_path}: {event.worker.error}")
            self.table.refresh()  # rows it forgot for a new order or filter are no longer shown

    def _show_empty(self, empty: bool) -> None:
        self.table.display = not empty
        if empty and self.table.has_focus:  # hidden, it must not keep the keys: Textual moves the focus on
            self.table.blur()
        self.query_one("#table-header").display = not empty
        self.query_one("#library-empty").display = empty
        search = self.query_one("#search", Input)
        if not empty and not (search.has_focus and search.value):  # not while the user is typing a search
            self.table.focus()

    def _update_header(self) -> None:
        width = max(self.table.scrollable_content_region.width, 40)
        sort = "" if self.query_text else self.sort  # a search lists the best matches first: no sort mark
        # one line high whatever it holds (see DEFAULT_CSS): no layout of the screen for a new heading
        self.query_one("#table-header", Static).update(Text(header_text(width, sort, self.descending)), layout=False)

    def on_resize(self) -> None:
        self._update_header()

    def _status(self, text: str) -> None:
        self.query_one("#library-status", Static).update(Text(safe(f"{text} · {self.db_path}")), layout=False)

    # -- sort and filter -------------------------------------------------------------------

    def action_sort(self) -> None:
        self.sort = SORTABLE[(SORTABLE.index(self.sort) + 1) % len(SORTABLE)] if self.sort in SORTABLE else "date"
        self._resort()

    def action_reverse(self) -> None:
        self.descending = not self.descending
        self._resort()

    def _resort(self) -> None:
        """Another order of the same releases: only the pages are read again (the count, the
        progress and the menus stay), from the top."""
        if self.query_text or not self.table.total or self.table.waiting:  # waiting: a new filter's count is due
            self._requery()
            return
        self.generation += 1
        self.table.forget()  # drawn again, from the top, when the first page of the new order comes
        self.table.wanted.add(0)  # asked for here: the table must not ask again if it draws meanwhile
        self.load_page(self.generation, 0, self.table.total, top=True)
        self._update_header()

    def action_filter(self) -> None:
        if not self.facets:  # not read yet (the first half second, or after a reload): it opens once they are
            self.filter_wanted = True
            self.read_facets()
            return

        def chosen(result: ReleaseFilter | None) -> None:
            if result is not None and result != self.filter:
                self.filter = result
                self._requery()

        self.app.push_screen(FilterScreen(self.facets, self.filter, self.annotator), chosen)

    def action_my_queue(self) -> None:
        """Show only the annotator's queue; again, every release (the other facets stay)."""
        if not self.annotator:
            return
        self.filter = replace(self.filter, queue=None if self.filter.queue else self.annotator)
        self._requery()

    # -- search ----------------------------------------------------------------------------

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        self.query_text = event.value.strip()
        self._requery()
        self.table.focus()

    @work(thread=True, exclusive=True, group="library-search", exit_on_error=False)
    def run_search(self, generation: int, query: str) -> None:
        with closing(Store.connect(self.db_path)) as store:  # a worker thread's own connection
            found = store.search(query, limit=SEARCH_LIMIT)
            hits = found.hits
            by_id = {r.id: r for r in store.list_releases(ids=[h.release_id for h in hits])}
        rows = [by_id[h.release_id] for h in hits if h.release_id in by_id]
        self.post_message(self.Searched(generation, query, hits, rows, found.ranked_among))

    @on(Searched)
    def _searched(self, message: Searched) -> None:
        if message.generation != self.generation:
            return
        self.hits = {h.release_id: h for h in message.hits}
        self._ranked_among = message.ranked_among
        self.table.reset(len(message.rows))
        for page in range(0, len(message.rows), PAGE_SIZE):
            self.table.set_page(page // PAGE_SIZE, message.rows[page : page + PAGE_SIZE])
        if self.keep_cursor is not None:  # back from the reader: the row that was open
            self.table.cursor = min(self.keep_cursor, max(len(message.rows) - 1, 0))
            self.keep_cursor = None
        more = "+" if len(message.hits) >= SEARCH_LIMIT else ""
        self._update_header()
        order = (
            f"best match first among the newest {message.ranked_among:,} matches"
            if message.ranked_among
            else "best match first"
        )
        self._status(f"{len(message.rows)}{more} releases contain “{message.query}”, {order} (escape: clear)")
        self._show_empty(False)

    def action_clear(self) -> None:
        if self.query_text:
            self.query_text = ""
            self.hits = {}
            self.query_one("#search", Input).value = ""
            self._requery()
        elif self.pick:
            self.dismiss(None)

    @on(ReleaseTable.Highlighted)
    def _highlighted(self, message: ReleaseTable.Highlighted) -> None:
        if message.row is not None and message.row.id in self.hits:
            hit = self.hits[message.row.id]
            among = f" (best among the newest {self._ranked_among:,} matches)" if self._ranked_among else ""
            self._status(f"“{self.query_text}”{among}: {hit.snippet}")

    # -- open ------------------------------------------------------------------------------

    def action_adjudicate(self) -> None:
        from hkpr_tui.screens.adjudicate import AdjudicationScreen  # loads on first use

        row = self.table.row(self.table.cursor)
        if row is not None and not self.pick:
            self.app.push_screen(AdjudicationScreen(self.db_path, row.id), lambda _: self.refresh_rows())

    @on(ReleaseTable.Opened)
    def _open(self, message: ReleaseTable.Opened) -> None:
        if self.pick:
            self.dismiss(message.row.id)
            return
        hit = self.hits.get(message.row.id)
        cursor = hit.start if hit and not hit.in_title else 0
        self.post_message(OpenRelease(message.row.id, cursor, self.query_text or None, self.refresh_rows))
