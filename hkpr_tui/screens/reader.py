"""The reader: one or two panes, each a release in a script; compare mode for two releases."""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from hkpr_tui.commands import add_bindings
from hkpr_tui.compare import Comparison, FigureChange, compare
from hkpr_tui.messages import PickRelease
from hkpr_tui.models import Release
from hkpr_tui.screens.annotating import ANNOTATE_BINDINGS, AnnotatingScreen, TagPanel, tag_bindings
from hkpr_tui.script import search_key
from hkpr_tui.script.views import View, cached_view, script_view
from hkpr_tui.store import Store
from hkpr_tui.textsafe import safe
from hkpr_tui.widgets.pane import Layout, Loaded, Pane
from hkpr_tui.widgets.release_view import ReleaseView

NEXT_SCRIPT: dict[View, View] = {"original": "hant", "hant": "hans", "hans": "original"}


class ChangesScreen(ModalScreen[int | None]):
    """The figures that changed between the compared releases; enter jumps to one."""

    BINDINGS = [Binding("escape", "dismiss_none", "Close", id="changes.close", tooltip="Close the list")]
    DEFAULT_CSS = """
    ChangesScreen { align: center middle; }
    ChangesScreen > OptionList { width: 80%; max-width: 90; height: 70%; border: round $accent; }
    """

    def __init__(self, rows: list[str]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        yield OptionList(*[Option(Text(safe(row)), id=str(i)) for i, row in enumerate(self.rows)])

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class ReaderScreen(AnnotatingScreen):
    BINDINGS = [
        Binding(
            "escape",
            "back",
            "Library",
            show=False,
            id="reader.back",
            tooltip="Close the innermost thing (selection, find, highlights, panel); else back to the library",
        ),
        Binding("t", "cycle_script", "Script", id="reader.script", tooltip="Cycle this pane's script: 原文 → 繁 → 简"),
        Binding(
            "T",
            "cycle_script_both",
            "Script (both)",
            show=False,
            id="reader.script_both",
            tooltip="Cycle the script of both panes",
        ),
        Binding(
            "backslash", "split", "Split", show=False, id="reader.split", tooltip="Show two panes side by side, or one"
        ),
        Binding(
            "tab",
            "other_pane",
            "Other pane",
            show=False,
            id="reader.other_pane",
            tooltip="Move to the other pane",
            priority=True,
        ),
        Binding("o", "open", "Open…", show=False, id="reader.open", tooltip="Open another release in this pane"),
        Binding(
            "m",
            "compare",
            "Compare",
            show=False,
            id="reader.compare",
            tooltip="Compare mode: align paragraphs, highlight changed figures",
        ),
        Binding(
            "equals_sign",
            "sync",
            "Sync",
            show=False,
            id="reader.sync",
            tooltip="In compare mode: scroll the other pane along (on/off)",
        ),
        Binding(
            "n",
            "next_change",
            "Next change",
            show=False,
            id="reader.next_change",
            tooltip="In compare mode: jump to the next changed figure",
        ),
        Binding(
            "N",
            "changes",
            "Changes…",
            show=False,
            id="reader.changes",
            tooltip="In compare mode: list the changed figures",
        ),
        Binding(
            "M",
            "one_sided",
            "One-sided",
            show=False,
            id="reader.one_sided",
            tooltip="In compare mode: also show figures found on one side only (on/off)",
        ),
        Binding("f", "find", "Find", id="reader.find", tooltip="Find text in this release (either script)"),
        Binding(
            "enter",
            "next_match",
            "Next match",
            show=False,
            id="reader.next_match",
            tooltip="Select the next match of the last find",
        ),
        Binding(
            "asterisk",
            "all_matches",
            "All matches",
            show=False,
            id="reader.all_matches",
            tooltip="Then a label key tags every match of the last find (one undo step)",
        ),
        *ANNOTATE_BINDINGS,
    ]
    # The find bar takes the status line's row while it is open: the panes keep their size, so
    # opening and closing it never re-wraps the text.
    DEFAULT_CSS = """
    ReaderScreen #panes { height: 1fr; }
    ReaderScreen #find { height: 1; display: none; }
    ReaderScreen #reader-status { height: 1; width: 1fr; padding: 0 1; color: $text-muted; }
    """

    @dataclass
    class ReleaseLoaded(Message):
        pane: int
        loaded: Loaded
        script: View
        cursor: int

    @dataclass
    class ScriptReady(Message):
        pane: int
        script: View

    @dataclass
    class Compared(Message):
        comparison: Comparison

    def __init__(self, db_path: Path, release_id: int, *, cursor: int = 0, find: str | None = None) -> None:
        super().__init__()
        self.db_path = db_path
        self.first_release = release_id
        self.first_cursor = cursor
        self.initial_find = find
        self._searched: str | None = None
        self.comparison: Comparison | None = None
        self.sync = True
        self.change_index = -1
        self.active = 0
        self.one_sided = False  # compare: figures with no counterpart are listed only on request (M)
        self.restore_compare = False
        self._init_annotating()

    def compose(self) -> ComposeResult:
        with Horizontal(id="panes"):
            yield Pane(0)
            yield TagPanel(id="tags")
        yield Static("", id="reader-status")
        yield Input(
            placeholder="Find in this release (繁 or 简) — enter selects the match, escape closes",
            id="find",
            compact=True,
        )
        yield Footer()

    def on_mount(self) -> None:
        add_bindings(self, tag_bindings(self.hkpr.labels))  # one key per label, from the label file
        self.hkpr.want_model()
        layout = self.hkpr.layouts.get(self.first_release)
        if layout is None:
            self.load(0, self.first_release, "original", self.first_cursor)
            return
        # the layout the reader opened on this release was left in: the releases of both panes
        # (o may have replaced either), their scripts and cursors, compare mode
        self.load(0, layout.first, layout.scripts[0], self.first_cursor or layout.cursor)
        self.one_sided = layout.one_sided
        if layout.other is not None:
            self.query_one("#panes").mount(Pane(1), before=self.query_one(TagPanel))
            self.load(1, layout.other, layout.scripts[1], layout.other_cursor)
            self.restore_compare = layout.compare

    def _remember_layout(self) -> None:
        panes = [p for p in self.panes if p.loaded is not None]
        if not panes:
            return
        first = panes[0]
        second = panes[1] if len(panes) > 1 else None
        assert first.loaded is not None
        self.hkpr.layouts[self.first_release] = Layout(  # under the release opened from the library
            first=first.loaded.release.id,
            scripts=(first.view.script, second.view.script if second else "original"),
            cursor=first.view.cursor,
            other=second.loaded.release.id if second and second.loaded else None,
            other_cursor=second.view.cursor if second else 0,
            compare=self.comparison is not None,
            one_sided=self.one_sided,
        )

    # -- panes -----------------------------------------------------------------------------

    @property
    def panes(self) -> list[Pane]:
        return list(self.query(Pane))

    @property
    def current(self) -> Pane:
        """The pane the user is working in (the last one focused)."""
        panes = self.panes
        return next((p for p in panes if p.index == self.active), panes[0])

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if isinstance(event.widget, ReleaseView):
            self.active = int((event.widget.id or "view-0").removeprefix("view-"))

    def other(self, pane: Pane) -> Pane | None:
        others = [p for p in self.panes if p is not pane]
        return others[0] if others else None

    @work(thread=True, group="load", exit_on_error=False)
    def load(self, pane: int, release_id: int, script: View, cursor: int) -> None:
        with closing(Store.connect(self.db_path)) as store:  # a worker thread's own connection
            loaded = Loaded(store.release(release_id), store.paragraphs(release_id), store.sentences(release_id))
        script_view(loaded.release.text, loaded.release.script, script)  # convert off the UI thread
        self.post_message(self.ReleaseLoaded(pane, loaded, script, cursor))

    @work(thread=True, group="words", exit_on_error=False)
    def segment_words(self, text: str, script: str) -> None:
        """Segment the text for word motions (cached), once it is on screen: jieba's dictionary
        loads on the first release read (~0.5 s, much of it holding the GIL), which must not
        delay the text."""
        from hkpr_tui.script.words import word_bounds

        word_bounds(text, script)

    def _pane(self, index: int) -> Pane | None:
        """Pane ``index`` while it is shown (a pane removed by a quick second \\ is gone)."""
        return next((p for p in self.panes if p.index == index and p.is_attached), None)

    @on(ReleaseLoaded)
    def _loaded(self, message: ReleaseLoaded) -> None:
        pane = self._pane(message.pane)
        if pane is None:
            return  # its pane was closed while the release loaded
        pane.loaded = message.loaded
        loaded = message.loaded
        pane.view.show(loaded.release, loaded.paragraphs, loaded.sentences, message.script, message.cursor)
        pane.update_header()
        if message.pane == 0 and self.initial_find:
            self._searched = self.initial_find  # the find bar shows it; its words are highlighted
            self.query_one("#find", Input).value = self.initial_find
            self._highlight_matches(pane, self.initial_find, every_word=True)
            self.initial_find = None
        if len(self.panes) == 1 or message.pane == 0:
            pane.view.focus()
        self.refresh_tags({loaded.release.id})
        self.call_after_refresh(self.segment_words, loaded.release.text, loaded.release.script)
        ready = len(self.panes) == 2 and all(p.loaded for p in self.panes)
        if self.comparison is not None or (self.restore_compare and ready):
            self.restore_compare = False
            self.action_compare(force_on=True)

    @on(ReleaseView.CursorMoved)
    def _cursor_moved(self, message: ReleaseView.CursorMoved) -> None:
        pane = next((p for p in self.panes if p.view is message.view), None)
        if pane is None:
            return
        pane.update_header()
        found = self.suggestion_at(pane)
        if message.quiet:
            pass  # a move made by find, compare or the suggestion walk: their message stays
        elif found is not None and found != self._described:
            self._described = found
            self._status(self._describe(found, pane))
        if self.comparison is not None and self.sync:
            other = self.other(pane)
            partner = (self.comparison.right_for if pane.index == 0 else self.comparison.left_for)(message.paragraph)
            if other is not None and other.loaded and partner is not None:
                other.view.scroll_to_offset(other.loaded.paragraphs[partner].start, top=True)

    @on(Worker.StateChanged)
    def _failed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.notify(f"{event.worker.name}: {event.worker.error}", severity="error", timeout=10)

    # -- scripts ---------------------------------------------------------------------------

    def prepare_script(self, pane: int, script: View) -> None:
        """Convert pane ``pane``'s release to ``script`` off the UI thread, then show it."""
        loaded = self.query_one(f"#pane-{pane}", Pane).loaded  # read here: widgets belong to the UI thread
        self._convert(pane, script, None if loaded is None else loaded.release)

    @work(thread=True, group="script", exit_on_error=False)
    def _convert(self, pane: int, script: View, release: Release | None) -> None:
        if release is not None:
            script_view(release.text, release.script, script)
        self.post_message(self.ScriptReady(pane, script))

    @on(ScriptReady)
    def _script_ready(self, message: ScriptReady) -> None:
        pane = self._pane(message.pane)
        if pane is None:
            return
        pane.view.set_script(message.script)
        pane.update_header()

    def switch_script(self, pane: Pane, script: View) -> None:
        """Show ``script`` in ``pane``: at once if converted before, else after a worker converts."""
        loaded = pane.loaded
        if loaded is None:
            return
        if cached_view(loaded.release.text, loaded.release.script, script) is not None:
            pane.view.set_script(script)
            pane.update_header()
        else:
            self.prepare_script(pane.index, script)

    def action_cycle_script(self) -> None:
        pane = self.current
        self.switch_script(pane, NEXT_SCRIPT[pane.view.script])

    def action_cycle_script_both(self) -> None:
        target = NEXT_SCRIPT[self.current.view.script]
        for pane in self.panes:
            self.switch_script(pane, target)

    # -- layout ----------------------------------------------------------------------------

    def action_split(self) -> None:
        panes = self.panes
        if len(panes) == 2:
            keep = self.current
            for pane in panes:
                if pane is not keep:
                    pane.remove()
            self.active = keep.index
            self.comparison = None
            self._clear_compare()
            self._status("")
            return
        first = panes[0]
        if first.loaded is None:
            return
        # the pane left after an unsplit may be the right one (index 1): the new one takes the other
        # index, on its side, so pane 0 is always the left one
        index = 1 - first.index
        new = Pane(index)
        self.query_one("#panes").mount(new, before=first if index == 0 else self.query_one(TagPanel))
        # the same release in the other script: 原文 beside 简 (繁 for a Simplified release);
        # beside a converted view, the original
        script: View = "hans" if first.loaded.release.script != "hans" else "hant"
        if first.view.script != "original":
            script = "original"
        self.load(index, first.loaded.release.id, script, first.view.top_offset())

    def action_other_pane(self) -> None:
        other = self.other(self.current)
        if other is not None:
            other.view.focus()

    def action_open(self) -> None:
        pane = self.current

        def chosen(release_id: int | None) -> None:
            if release_id is not None:
                self.load(pane.index, release_id, pane.view.script, 0)

        self.post_message(PickRelease(chosen))

    def action_back(self) -> None:
        """Close the innermost thing: a selection, the find bar, find's highlights, the tags
        panel; with nothing open, back to the library (the layout is kept for the next visit)."""
        view = self.current.view
        if self.tag_all_matches:
            self.tag_all_matches = False
            self._status("Tagging all matches cancelled")
            return
        if view.selection or view.selection_anchor is not None:
            view.clear_selection()
            self._status("Selection cleared")
            return
        find = self.query_one("#find", Input)
        if find.display:
            self._show_find(False)
            self.current.view.focus()
            self._status("Find closed (escape again clears its highlights)")
            return
        if any(p.view.highlights.get("match") for p in self.panes):
            for pane in self.panes:
                pane.view.set_highlights("match", [])
            self._status("Find highlights cleared")
            return
        panel = self.query_one(TagPanel)
        if panel.has_class("visible"):
            self.action_panel()
            return
        self._remember_layout()
        self.dismiss(None)

    # -- compare ---------------------------------------------------------------------------

    def action_compare(self, force_on: bool = False) -> None:
        panes = self.panes
        if not force_on and self.comparison is not None:
            self.comparison = None
            self._clear_compare()
            self._status("Compare mode off")
            return
        if len(panes) < 2 or not all(p.loaded for p in panes):
            self._status("Compare needs two releases: split with \\, then open another release with o")
            return
        a, b = (p.loaded for p in panes)
        assert a is not None and b is not None
        if a.release.id == b.release.id:
            self._status("Both panes show the same release: open another one with o to compare")
            return
        self.run_compare(a, b)

    @work(thread=True, exclusive=True, group="compare", exit_on_error=False)
    def run_compare(self, a: Loaded, b: Loaded) -> None:
        self.post_message(self.Compared(compare(a.release.text, a.paragraphs, b.release.text, b.paragraphs)))

    @property
    def changes(self) -> list[FigureChange]:
        """The changed figures shown: those with a counterpart in the aligned paragraph (a figure
        that changed), and with ``M`` also those on one side only."""
        if self.comparison is None:
            return []
        return [c for c in self.comparison.changes if self.one_sided or (c.left and c.right)]

    @on(Compared)
    def _compared(self, message: Compared) -> None:
        self.comparison = message.comparison
        self._show_changes()
        left, right = self.panes
        if message.comparison.pairs:  # both panes to the first aligned pair
            i, j = message.comparison.pairs[0]
            for pane, paragraph in ((left, i), (right, j)):
                if pane.loaded is not None and paragraph < len(pane.loaded.paragraphs):
                    pane.view.scroll_to_offset(pane.loaded.paragraphs[paragraph].start, top=True)

    def _show_changes(self) -> None:
        assert self.comparison is not None
        left, right = self.panes
        changes = self.changes
        left.view.set_highlights("figure", [(c.left.start, c.left.end) for c in changes if c.left])
        right.view.set_highlights("figure", [(c.right.start, c.right.end) for c in changes if c.right])
        self.change_index = -1
        one_sided = len(self.comparison.changes) - len([c for c in self.comparison.changes if c.left and c.right])
        self._status(
            f"Compare: {len(changes)} changed figures (n next · N list) in {len(self.comparison.pairs)} aligned paragraphs"
            + (f" · {one_sided} one-sided (M)" if one_sided and not self.one_sided else "")
            + f" · sync {'on' if self.sync else 'off'} (=)"
        )

    def action_one_sided(self) -> None:
        if self.comparison is None:
            self._status("Compare mode first (m)")
            return
        self.one_sided = not self.one_sided
        self._show_changes()

    def _clear_compare(self) -> None:
        for pane in self.panes:
            if pane.is_attached and pane.loaded is not None:
                pane.view.set_highlights("figure", [])

    def action_sync(self) -> None:
        self.sync = not self.sync
        self._status(f"Scrolling the other pane along: {'on' if self.sync else 'off'}")

    def _change_row(self, change: FigureChange) -> str:
        assert self.comparison is not None
        left, right = self.panes
        i, j = self.comparison.pairs[change.pair]
        a = left.view.shown(change.left.start, change.left.end) if change.left else "—"
        b = right.view.shown(change.right.start, change.right.end) if change.right else "—"
        return f"¶{i + 1} ↔ ¶{j + 1}   {a}  →  {b}"

    def _jump_to_change(self, index: int) -> None:
        assert self.comparison is not None
        change = self.changes[index]
        self.change_index = index
        left, right = self.panes
        i, j = self.comparison.pairs[change.pair]
        for pane, figure, paragraph in ((left, change.left, i), (right, change.right, j)):
            assert pane.loaded is not None
            target = figure.start if figure else pane.loaded.paragraphs[paragraph].start
            pane.view.set_cursor(target, center=True, quiet=True)
        self._status(f"Change {index + 1} of {len(self.changes)}: {self._change_row(change)}")

    def action_next_change(self) -> None:
        if not self.changes:
            self._status("No changed figures (compare mode: m; M: figures on one side only)")
            return
        self._jump_to_change((self.change_index + 1) % len(self.changes))

    def action_changes(self) -> None:
        if not self.changes:
            self._status("No changed figures (compare mode: m; M: figures on one side only)")
            return

        def chosen(index: int | None) -> None:
            if index is not None:
                self._jump_to_change(index)

        self.app.push_screen(ChangesScreen([self._change_row(c) for c in self.changes]), chosen)

    # -- find ------------------------------------------------------------------------------

    def action_find(self) -> None:
        find = self.query_one("#find", Input)
        self._show_find(True)
        find.focus()

    def _show_find(self, shown: bool) -> None:
        """The find bar in place of the status line, or back (styles set directly: no restyling
        of the whole screen for one row)."""
        self.query_one("#find", Input).display = shown
        self.query_one("#reader-status", Static).display = not shown

    @on(Input.Changed, "#find")
    def _find_changed(self, event: Input.Changed) -> None:
        # the library search the reader was opened from matched each of its words; typed text is literal
        searched, self._searched = self._searched, None
        self._highlight_matches(self.current, event.value, every_word=event.value == searched)

    @on(Input.Submitted, "#find")
    def _find_submitted(self, event: Input.Submitted) -> None:
        """Enter in the find bar: the first match after the cursor becomes the selection and the
        text has the focus again, so a label key tags it at once (f 陳細明 ⏎ 2)."""
        pane = self.current
        if not pane.view.highlights.get("match"):
            # the find bar stands where the status line is: said where it can be seen
            self.notify(safe(f"Not found: {event.value}"), severity="warning", markup=False, timeout=3)
            self._status(f"Not found: {event.value}")
            return
        self._show_find(False)
        pane.view.focus()
        self.action_next_match(after=pane.view.cursor - 1)

    def action_next_match(self, after: int | None = None) -> None:
        """Select the next match of the last find (enter, in the text)."""
        pane = self.current
        matches = sorted(pane.view.highlights.get("match", []))
        if not matches:
            self._status("Nothing found to go to (f finds)")
            return
        at = pane.view.cursor if after is None else after
        target = next((m for m in matches if m[0] > at), matches[0])
        pane.view.select(*target, quiet=True)
        self._status(
            f"Match {matches.index(target) + 1}/{len(matches)}: label key tags it · * then a key tags all · ⏎ next"
        )

    def action_all_matches(self) -> None:
        """The next label key tags every match of the find at once (one undo step)."""
        matches = self.current.view.highlights.get("match", [])
        if not matches:
            self._status("Find first (f), then * and a label key tags every match")
            return
        self.tag_all_matches = True
        self._status(f"All {len(matches)} matches: press a label key (1–0) to tag them all; escape cancels")

    def _highlight_matches(self, pane: Pane, query: str, *, every_word: bool = False) -> None:
        """Highlight ``query`` as typed in the find bar (literally, spaces included); with
        ``every_word`` (opened from a library search) each of its words, as search matched them."""
        query = search_key(query.strip())
        spans: list[tuple[int, int]] = []
        if query and pane.loaded:
            haystack = search_key(pane.loaded.release.text)  # same length: offsets are canonical
            for needle in dict.fromkeys(query.split()) if every_word else [query]:
                start = haystack.find(needle)
                while start >= 0:
                    spans.append((start, start + len(needle)))
                    start = haystack.find(needle, start + 1)
        pane.view.set_highlights("match", sorted(spans))
        self._status((f"{len(spans)} match" + ("" if len(spans) == 1 else "es")) if query else "")

    def _status(self, text: str) -> None:
        # one line of fixed size: no layout pass for it (a tag key updates it every time)
        self.query_one("#reader-status", Static).update(Text(safe(text)), layout=False)
