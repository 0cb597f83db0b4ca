"""ReleaseView: one release in one script, wrapped, with a cursor, a selection and highlights.

Built on the Line API (``render_line``), as toolong does for long files: only visible lines are
drawn, and the wrap is computed once per (script view, width).

Every position the widget exposes is a *canonical* offset (code points into the release's
canonical text). The script view's offset map translates to and from what is on screen, so
switching script keeps the cursor, the selection and every highlight on the same characters.

Text is drawn as plain segments, never parsed as markup, so ``[bold]`` stays ``[bold]``.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from rich.cells import get_character_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from hkpr_tui.models import ParagraphSpan, Release, SentenceSpan
from hkpr_tui.script.views import ScriptView, View, script_view
from hkpr_tui.textsafe import visible

HIGHLIGHT_ORDER = ("suggestion", "annotation", "figure", "match", "selection", "cursor")
FIXED_ORDER = HIGHLIGHT_ORDER[:-2]  # those a line keeps until a change touches it
STYLED_KINDS = ("suggestion", "annotation")  # spans that carry their own style (a label's colour)


@dataclass(frozen=True)
class VisualLine:
    start: int  # view offsets; a blank separator line has start == end and paragraph -1
    end: int
    paragraph: int


_NO_LINE_START = frozenset("，。、；：？！」』）》〉】〕］｝’”,.;:?!)]}%％…")
_NO_LINE_END = frozenset("「『（《〈【〔［｛‘“([{")
_IN_WORD = frozenset(".,%/:-@_#?=&~+")  # inside a run of ASCII letters and digits: 77.8%, www.x.hk


def _word_char(char: str, in_word: bool) -> bool:
    return char.isascii() and (char.isalnum() or (in_word and char in _IN_WORD))


def wrap(text: str, paragraphs: list[tuple[int, int]], width: int) -> list[VisualLine]:
    """Wrap each paragraph (view offsets) to ``width`` cells; a blank line between paragraphs.

    CJK text may break between any two characters, except that a line never starts with closing
    punctuation (，。」…) nor ends with opening punctuation (「《（…): the character moves down with
    its neighbour. A run of ASCII letters and digits, with the dots, commas, slashes and percent
    signs inside it (77.8%, www.x.hk), moves down whole when it started on the line; a space where
    a line breaks ends the line above, so no line starts with one.
    """
    width = max(width, 4)
    lines: list[VisualLine] = []
    for index, (start, end) in enumerate(paragraphs):
        if index:
            lines.append(VisualLine(start, start, -1))
        line_start, used, word_start = start, 0, -1
        pos = start
        while pos < end:
            char = text[pos]
            size = get_character_cell_size(char)
            if used + size > width and pos > line_start:
                cut = pos
                if char == " ":
                    cut = pos + 1  # the space ends this line
                elif _word_char(char, word_start >= 0) and word_start > line_start:
                    cut = word_start
                elif char in _NO_LINE_START and pos - 1 > line_start:
                    cut = pos - 1
                if cut - 1 > line_start and text[cut - 1] in _NO_LINE_END and cut <= pos:
                    cut -= 1  # an opening bracket moves down with what it opens
                lines.append(VisualLine(line_start, cut, index))
                line_start = cut
                used = sum(get_character_cell_size(c) for c in text[line_start:pos])
            if _word_char(char, word_start >= 0):
                if word_start < 0:
                    word_start = pos
            else:
                word_start = -1
            if pos >= line_start:
                used += size
            pos += 1
        lines.append(VisualLine(line_start, end, index))
    return lines


STRIP_CACHE = 2_000
"""Drawn lines kept by ``ReleaseView`` (each is a line's segments: a few screens' worth)."""


def _insert_span(spans: list[Any], span: Any) -> int:
    """Put ``span`` into ``spans`` (sorted by start, the longer first: an outer span is drawn
    before the spans inside it), after those equal to it; return where it went."""
    lo = bisect.bisect_left(spans, span[0], key=itemgetter(0))
    hi = bisect.bisect_right(spans, span[0], lo, key=itemgetter(0))
    index = lo + sum(1 for i in range(lo, hi) if spans[i][1] >= span[1])
    spans.insert(index, span)
    return index


def _remove_span(spans: list[Any], span: Any) -> int | None:
    """Take one ``span`` out of ``spans`` (sorted by start); return where it was."""
    lo = bisect.bisect_left(spans, span[0], key=itemgetter(0))
    for index in range(lo, len(spans)):
        if spans[index][0] != span[0]:
            break
        if spans[index] == span:
            del spans[index]
            return index
    return None


def _pieces(start: int, end: int, base: Style, spans: list[tuple[int, int, Style]]) -> list[tuple[int, int, Style]]:
    """``[start, end)`` cut where a span starts or ends, each piece in ``base`` plus the style of
    every span over it, in drawing order. Each span is added to the pieces it covers (a line with
    a team's tags has hundreds of suggestions: not every piece looks at every span)."""
    cuts = sorted({start, end, *(p for s, e, _ in spans for p in (s, e))})
    where = {cut: i for i, cut in enumerate(cuts)}
    over: list[list[Style]] = [[] for _ in range(len(cuts) - 1)]
    for s, e, style in spans:
        for i in range(where[s], where[e]):
            over[i].append(style)
    pieces = []
    composed: dict[tuple[int, ...], Style] = {}  # by the ids of the styles over a piece
    for i, styles in enumerate(over):
        # a style added again overrides what it overrode before: only its last time counts (a
        # piece under five suggestions of one label is drawn with one addition, not five)
        last = list({id(extra): extra for extra in reversed(styles)}.values())
        key = tuple(map(id, last))
        found = composed.get(key)
        if found is None:
            found = base
            for extra in reversed(last):
                found = found + extra
            composed[key] = found
        pieces.append((cuts[i], cuts[i + 1], found))
    return pieces


class _Spans:
    """Highlight spans (view offsets) sorted by start, found per line by bisection: a release with
    tens of thousands of suggestions draws a line without looking at every one of them."""

    __slots__ = ("_ends", "_reach", "_starts", "spans")

    def __init__(self, spans: list[Any]) -> None:
        self.spans = list(spans)  # (start, end, …) in drawing order, sorted by start
        self._starts = [span[0] for span in spans]
        self._ends = [span[1] for span in spans]
        self._reach = list(itertools.accumulate(self._ends, max))  # furthest end so far

    def on(self, start: int, end: int) -> list[Any]:
        """The spans that overlap ``[start, end)`` (unclipped), in drawing order."""
        first = bisect.bisect_right(self._reach, start)  # spans before it all end by ``start``
        stop = bisect.bisect_left(self._starts, end)
        return [span for span in self.spans[first:stop] if span[1] > start]

    def update(self, removed: list[Any], added: list[Any]) -> None:
        """Take ``removed`` out and put ``added`` in (styled spans: the longer first at a start)."""
        for span in removed:
            index = _remove_span(self.spans, span)
            if index is not None:
                del self._starts[index], self._ends[index], self._reach[index]
                self._reach_from(index)
        for span in added:
            index = _insert_span(self.spans, span)
            self._starts.insert(index, span[0])
            self._ends.insert(index, span[1])
            self._reach.insert(index, span[1])
            self._reach_from(index)

    def _reach_from(self, index: int) -> None:
        """Running maxima of the ends again from ``index`` on, until one agrees with what it was
        (from there on they all do): a few steps, not the release's thousands of spans."""
        reach, ends = self._reach, self._ends
        before = reach[index - 1] if index else -1
        for i in range(index, len(ends)):
            value = before if before > ends[i] else ends[i]
            if i > index and reach[i] == value:
                return
            reach[i] = before = value


class ReleaseView(ScrollView, can_focus=True):
    COMPONENT_CLASSES = {
        "release-view--cursor",
        "release-view--selection",
        "release-view--match",
        "release-view--figure",
        "release-view--annotation",
        "release-view--heading",
        "release-view--repeat",
    }
    DEFAULT_CSS = """
    ReleaseView { background: $surface; padding: 0 1; scrollbar-gutter: stable; }
    ReleaseView > .release-view--cursor { background: $accent; color: $text; }
    ReleaseView:blur > .release-view--cursor { background: $accent 40%; }
    ReleaseView > .release-view--selection { background: $primary 60%; }
    ReleaseView > .release-view--match { background: $warning 50%; }
    ReleaseView > .release-view--figure { background: $error 60%; text-style: bold; }
    ReleaseView > .release-view--annotation { text-style: underline; }
    ReleaseView > .release-view--heading { text-style: bold; color: $secondary; }
    ReleaseView > .release-view--repeat { color: $text-muted; }
    """
    BINDINGS = [
        Binding(
            "down", "line(1)", "Next line", show=False, id="reader.line_down", tooltip="Move the cursor down a line"
        ),
        Binding(
            "up", "line(-1)", "Previous line", show=False, id="reader.line_up", tooltip="Move the cursor up a line"
        ),
        Binding(
            "right", "char(1)", "Next character", show=False, id="reader.char_right", tooltip="Move the cursor right"
        ),
        Binding(
            "left", "char(-1)", "Previous character", show=False, id="reader.char_left", tooltip="Move the cursor left"
        ),
        Binding("pagedown", "page(1)", "Page down", show=False, id="reader.page_down", tooltip="Move a screen down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="reader.page_up", tooltip="Move a screen up"),
        Binding(
            "right_square_bracket",
            "sentence(1)",
            "Next sentence",
            show=False,
            id="reader.next_sentence",
            tooltip="Move to the next sentence",
        ),
        Binding(
            "left_square_bracket",
            "sentence(-1)",
            "Previous sentence",
            show=False,
            id="reader.previous_sentence",
            tooltip="Move to the previous sentence",
        ),
        Binding(
            "right_curly_bracket",
            "paragraph(1)",
            "Next paragraph",
            show=False,
            id="reader.next_paragraph",
            tooltip="Move to the next paragraph",
        ),
        Binding(
            "left_curly_bracket",
            "paragraph(-1)",
            "Previous paragraph",
            show=False,
            id="reader.previous_paragraph",
            tooltip="Move to the previous paragraph",
        ),
        Binding("home,g", "edge(0)", "Top", show=False, id="reader.top", tooltip="Jump to the start of the release"),
        Binding("end,G", "edge(1)", "Bottom", show=False, id="reader.bottom", tooltip="Jump to the end of the release"),
        Binding(
            "w,ctrl+right",
            "word(1)",
            "Next word",
            show=False,
            id="reader.next_word",
            tooltip="Move to the next word (Chinese words by segmentation, in every script)",
        ),
        Binding(
            "W,ctrl+left",
            "word(-1)",
            "Previous word",
            show=False,
            id="reader.previous_word",
            tooltip="Move to the previous word",
        ),
        Binding(
            "ctrl+shift+right",
            "extend('word', 1)",
            "Select word right",
            show=False,
            id="annotate.select_word_right",
            tooltip="Extend the selection by a word to the right",
        ),
        Binding(
            "ctrl+shift+left",
            "extend('word', -1)",
            "Select word left",
            show=False,
            id="annotate.select_word_left",
            tooltip="Extend the selection by a word to the left",
        ),
        Binding(
            "i",
            "select_word",
            "Select word",
            show=False,
            id="annotate.select_word",
            tooltip="Select the word at the cursor (then a label key tags it)",
        ),
        Binding(
            "shift+right",
            "extend('char', 1)",
            "Select right",
            show=False,
            id="annotate.select_right",
            tooltip="Extend the selection one character right",
        ),
        Binding(
            "shift+left",
            "extend('char', -1)",
            "Select left",
            show=False,
            id="annotate.select_left",
            tooltip="Extend the selection one character left",
        ),
        Binding(
            "shift+down",
            "extend('line', 1)",
            "Select down",
            show=False,
            id="annotate.select_down",
            tooltip="Extend the selection a line down",
        ),
        Binding(
            "shift+up",
            "extend('line', -1)",
            "Select up",
            show=False,
            id="annotate.select_up",
            tooltip="Extend the selection a line up",
        ),
        Binding(
            "v",
            "visual",
            "Select",
            id="annotate.visual",
            tooltip="Start a selection at the cursor (moving extends it); v again ends it",
        ),
        Binding(
            "s",
            "select_sentence",
            "Sentence",
            show=False,
            id="annotate.sentence",
            tooltip="Select the sentence at the cursor",
        ),
    ]

    cursor: reactive[int] = reactive(0, init=False, repaint=False)  # watch_cursor repaints the lines it changes

    @dataclass
    class CursorMoved(Message):
        """The cursor moved (by the user or a jump); ``paragraph`` is its canonical paragraph;
        ``quiet``: moved by a screen that says why on the status line itself."""

        view: ReleaseView
        cursor: int
        paragraph: int
        quiet: bool = False

        @property
        def control(self) -> ReleaseView:
            return self.view

        def can_replace(self, message: Message) -> bool:
            """A later move of the same cursor supersedes this one: a held key's moves are
            handled once when they come faster than they are handled."""
            return isinstance(message, ReleaseView.CursorMoved) and message.view is self.view

    @dataclass
    class Selected(Message):
        """A selection was made with the mouse (canonical offsets)."""

        view: ReleaseView
        start: int
        end: int

        @property
        def control(self) -> ReleaseView:
            return self.view

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.release: Release | None = None
        self.paragraphs: list[ParagraphSpan] = []
        self.sentences: list[SentenceSpan] = []
        self.script: View = "original"
        self.view: ScriptView | None = None
        self.highlights: dict[str, list[tuple[int, int]]] = {}
        self.selection: tuple[int, int] | None = None
        self._lines: list[VisualLine] = []
        self._line_starts: list[int] = []
        self._layout_key: tuple[object, ...] = ()
        # drawn lines, by everything a line's look depends on: a key that tags a span, or moves the
        # cursor, repaints the view but rebuilds only the lines whose highlights changed
        self._strips: dict[tuple[object, ...], Strip] = {}
        self._drawn: dict[int, tuple[object, ...]] = {}  # line index → the key it was last drawn with
        # line index → its highlights other than the selection and the cursor, clipped: kept until
        # a change touches that line, so comparing a line with how it was drawn is cheap
        self._fixed: dict[int, tuple[tuple[int, int, Style], ...]] = {}
        self._repaint_due = False
        self._unsized = False
        self._base_style: Style | None = None  # ``rich_style`` walks the ancestors: kept until styles change
        self._highlight_styles: dict[str, Style] = {}  # likewise for the highlight classes
        self._layouts: dict[tuple[object, ...], tuple[list[VisualLine], list[int]]] = {}
        self._view_highlights: dict[str, _Spans] = {}
        self._goal_cell: int | None = None
        self._drag_anchor: int | None = None
        self._quiet = False  # the next cursor move is a quiet one (see set_cursor)
        self.selection_anchor: int | None = None  # keyboard selection: from here to the cursor
        self.visual = False  # visual mode: every move extends the selection
        self._extending = False
        self.styled: dict[str, list[tuple[int, int, Style]]] = {}
        self._view_styled: dict[str, _Spans] = {}
        self._projections: dict[tuple[str, str], tuple[ScriptView, list[tuple[int, int, Style]], _Spans]] = {}

    # -- content ---------------------------------------------------------------------------

    def show(
        self,
        release: Release,
        paragraphs: list[ParagraphSpan],
        sentences: list[SentenceSpan],
        script: View = "original",
        cursor: int = 0,
    ) -> None:
        self.release, self.paragraphs, self.sentences = release, paragraphs, sentences
        self.script = script
        self.highlights, self.selection, self.styled = {}, None, {}
        self._projections.clear()
        self.selection_anchor, self.visual = None, False
        self._layout_key = ()
        self._relayout()
        self._unsized = not self.scrollable_content_region.height  # a pane just split off: see on_resize
        self.set_cursor(cursor, center=True)
        self.call_after_refresh(self._cursor_in_sight)  # that scroll is clamped to the size laid out before
        self.refresh()

    def _cursor_in_sight(self) -> None:
        line, top = self._line_of(self.cursor), int(self.scroll_offset.y)
        if not top <= line < top + self.scrollable_content_region.height:
            self.scroll_to_offset(self.cursor, center=True)

    def set_script(self, script: View) -> None:
        """Show another script, keeping the paragraph at the top of the screen at the top."""
        if self.release is None or script == self.script:
            return
        top = self.top_offset()
        self.script = script
        self._relayout()
        self.scroll_to(y=self._line_of(top), animate=False, immediate=True)
        self.refresh()

    def set_highlights(self, kind: str, spans: list[tuple[int, int]]) -> None:
        new = sorted(spans)
        self._forget_changed(self.highlights.get(kind), new)
        self.highlights[kind] = new
        if self.view is not None:
            self._view_highlights[kind] = self._projected_highlights(kind, self.view)
        self.repaint()

    def set_styled(self, kind: str, spans: list[tuple[int, int, Style]]) -> None:
        """Highlight spans each with its own style (tags and suggestions in their label's colour).
        Outer spans first, so an inner (nested) span is drawn over its outer one."""
        ordered = sorted(spans, key=itemgetter(1), reverse=True)  # two stable sorts in C, not a
        ordered.sort(key=itemgetter(0))  # Python key per span: by start, the longer first
        self._forget_changed(self.styled.get(kind), ordered)
        self.styled[kind] = ordered
        if self.view is not None:
            self._view_styled[kind] = self._projected(kind, self.view)
        self.repaint()

    def _forget_changed(self, old: list[Any] | None, new: list[Any]) -> None:
        """Forget the kept highlights of the lines where ``old`` and ``new`` spans differ (of
        all lines when there are too many spans to compare)."""
        if old is None or len(old) + len(new) > 4_000:
            self._fixed.clear()
        else:
            self._forget_lines(set(old).symmetric_difference(new))

    def _forget_lines(self, spans: Iterable[tuple[Any, ...]], *, projected: bool = False) -> None:
        """Forget the kept highlights of the lines that ``spans`` (canonical offsets, or the view's
        with ``projected``) are on."""
        if self.view is None or not self._fixed:
            return
        lines, starts = self._lines, self._line_starts
        for span in spans:
            s, e = (span[0], span[1]) if projected else self.view.to_view(span[0], span[1])
            index = max(0, bisect.bisect_right(starts, s) - 1)
            while index < len(lines) and lines[index].start <= e:
                self._fixed.pop(index, None)
                index += 1

    def update_styled(
        self, kind: str, removed: list[tuple[int, int, Style]], added: list[tuple[int, int, Style]]
    ) -> None:
        """Take ``removed`` out of ``kind``'s styled spans and put ``added`` in: a tag changes a few
        of a release's thousands of suggestions, and only those are projected and drawn again."""
        spans = self.styled.get(kind)
        if spans is None:
            self.set_styled(kind, added)
            return
        self._forget_lines([*removed, *added])
        for span in removed:
            _remove_span(spans, span)
        for span in added:
            _insert_span(spans, span)
        for key in [key for key in self._projections if key[0] == kind]:
            del self._projections[key]  # other scripts' projections: made again when shown
        current = self._view_styled.get(kind)
        if self.view is not None and current is not None:
            if self.view.units:
                to_view = self.view.to_view
                removed = [(*to_view(s, e), style) for s, e, style in removed]
                added = [(*to_view(s, e), style) for s, e, style in added]
            current.update(removed, added)
            self._projections[(kind, self.view.view)] = (self.view, spans, current)
        elif self.view is not None:
            self._view_styled[kind] = self._projected(kind, self.view)
        self.repaint()

    def clear_selection(self) -> None:
        self.selection, self.selection_anchor, self.visual = None, None, False
        self.repaint()

    @property
    def text(self) -> str:
        return self.release.text if self.release else ""

    def top_offset(self) -> int:
        """Canonical offset of the first character on the top line of the screen."""
        if not self._lines or self.view is None:
            return 0
        index = min(int(self.scroll_offset.y), len(self._lines) - 1)
        while index < len(self._lines) - 1 and self._lines[index].paragraph < 0:
            index += 1
        return self.view.to_canonical(self._lines[index].start, self._lines[index].start)[0]

    def paragraph_at(self, offset: int) -> int:
        starts = [p.start for p in self.paragraphs]
        return max(0, bisect.bisect_right(starts, offset) - 1)

    def selected_text(self) -> str:
        if not self.selection:
            return ""
        return self.text[self.selection[0] : self.selection[1]]

    # -- layout ----------------------------------------------------------------------------

    def _content_width(self) -> int:
        return max(self.scrollable_content_region.width, 10)

    def _relayout(self) -> None:
        if self.release is None:
            self._lines, self._line_starts = [], []
            self.virtual_size = Size(0, 0)
            return
        key = (self.release.id, self.script, self._content_width())
        if key == self._layout_key:
            return
        self._layout_key = key
        self.view = script_view(self.release.text, self.release.script, self.script)
        if key not in self._layouts:
            spans = [self.view.to_view(p.start, p.end) for p in self.paragraphs] or [(0, len(self.view.text))]
            lines = wrap(self.view.text, spans, self._content_width())
            self._layouts[key] = (lines, [line.start for line in lines])
            while len(self._layouts) > 6:  # three scripts at two widths
                self._layouts.pop(next(iter(self._layouts)))
        self._lines, self._line_starts = self._layouts[key]
        self._project_highlights()
        self.virtual_size = Size(self._content_width(), len(self._lines))

    def _project_highlights(self) -> None:
        self._fixed.clear()
        if self.view is None:
            return
        view = self.view
        self._view_highlights = {kind: self._projected_highlights(kind, view) for kind in self.highlights}
        self._view_styled = {kind: self._projected(kind, view) for kind in self.styled}

    def _projected_highlights(self, kind: str, view: ScriptView) -> _Spans:
        return _Spans([view.to_view(s, e) for s, e in self.highlights[kind]])

    def _projected(self, kind: str, view: ScriptView) -> _Spans:
        """The ``styled`` spans of ``kind`` in ``view``'s offsets, kept per script while they do
        not change: toggling back and forth does not project tens of thousands of suggestions again."""
        spans = self.styled[kind]
        kept = self._projections.get((kind, view.view))
        if kept is not None and kept[0] is view and kept[1] is spans:
            return kept[2]
        found = _Spans(spans if not view.units else [(*view.to_view(s, e), style) for s, e, style in spans])
        self._projections[(kind, view.view)] = (view, spans, found)
        return found

    def on_resize(self, event: events.Resize) -> None:
        if self.release is not None:
            unsized, self._unsized = self._unsized, False
            top = self.top_offset()
            self._relayout()
            if unsized:  # shown before it had a size: its scroll meant nothing, its cursor does
                self.call_after_refresh(self._cursor_in_sight)
            else:
                self.scroll_to(y=self._line_of(top), animate=False, immediate=True)

    def _line_of(self, offset: int) -> int:
        """The visual line showing canonical ``offset``."""
        if not self._lines or self.view is None:
            return 0
        vpos = self.view.to_view(offset, offset)[0]
        index = bisect.bisect_right(self._line_starts, vpos) - 1
        index = max(0, index)
        while index > 0 and self._lines[index].paragraph < 0:
            index -= 1
        line = self._lines[index]
        if vpos >= line.end and index + 1 < len(self._lines) and self._lines[index + 1].paragraph == line.paragraph:
            index += 1
        return index

    # -- drawing ---------------------------------------------------------------------------

    def _line(self, index: int) -> tuple[tuple[object, ...], int, Style, Style, list[tuple[int, int, Style]]]:
        """The drawn line ``index``'s key (everything it depends on: layout, width, styles and the
        highlights on it; equal keys draw equal strips), width, base and line styles, highlights."""
        width = self.scrollable_content_region.width
        base = self._base_style
        if base is None:
            base = self._base_style = self.rich_style
        if index >= len(self._lines) or self.view is None or self._lines[index].paragraph < 0:
            return (width, base), width, base, base, []  # past the end, or between paragraphs: blank
        line = self._lines[index]
        paragraph = self.paragraphs[line.paragraph] if line.paragraph < len(self.paragraphs) else None
        line_style = base
        if paragraph is not None and paragraph.kind == "heading":
            line_style = base + self._component("heading")
        elif paragraph is not None and paragraph.repeat_of is not None:
            line_style = base + self._component("repeat")
        fixed, dynamic = self._spans_on(index, line)
        key = (self._layout_key, index, width, base, line_style, fixed, *dynamic)
        return key, width, base, line_style, [*fixed, *dynamic]

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_offset.y) + y
        key, width, base, line_style, spans = self._line(index)
        self._drawn[index] = key
        if len(key) == 2:
            return Strip.blank(width, base)
        cached = self._strips.get(key)
        if cached is not None:
            return cached
        assert self.view is not None
        line = self._lines[index]
        text = self.view.text
        segments = [
            Segment(visible(text[a:b]), style) for a, b, style in _pieces(line.start, line.end, line_style, spans)
        ]
        strip = Strip(segments).extend_cell_length(width, base).crop(0, width)
        if len(self._strips) >= STRIP_CACHE:
            self._strips.clear()  # a few screens of lines; cheap to rebuild
        self._strips[key] = strip
        return strip

    def repaint(self) -> None:
        """Repaint the visible lines whose highlights changed since they were drawn, and only
        those: a cursor move or a new tag touches a line or two, and a whole repaint re-composes
        every line of the view (the compositor's work, not ours, dominates a key's cost). Several
        calls while one message is handled are compared once, after it."""
        if not self._repaint_due:
            self._repaint_due = True
            self.call_later(self._repaint_changed)

    def _repaint_changed(self) -> None:
        self._repaint_due = False
        top = int(self.scroll_offset.y)
        height = self.scrollable_content_region.height
        if not self._drawn or not height:
            self.refresh()
            return
        for index in range(top, top + height):
            if self._drawn.get(index) != self._line(index)[0]:
                self.refresh_line(index)

    def notify_style_update(self) -> None:
        """Styles changed (a theme, or focus: the cursor's colour). Drawn lines are kept: their
        keys hold every style they were drawn with. The highlights kept per line are forgotten
        only if a style they hold changed (focus moving to the find bar changes none of them)."""
        super().notify_style_update()
        self._base_style = None
        before, self._highlight_styles = self._highlight_styles, {}
        if any(self._component(kind) != style for kind, style in before.items() if kind in FIXED_ORDER):
            self._fixed.clear()

    def _component(self, name: str) -> Style:
        style = self._highlight_styles.get(name)
        if style is None:
            style = self._highlight_styles[name] = self.get_component_rich_style(f"release-view--{name}")
        return style

    def _spans_on(self, index: int, line: VisualLine) -> tuple[tuple[Any, ...], list[tuple[int, int, Style]]]:
        """(start, end, style) of every highlight on line ``index``, clipped, in drawing order: those
        kept for the line (one tuple: a line unchanged compares by identity), then the selection
        and the cursor."""
        fixed = self._fixed.get(index)
        if fixed is None:
            fixed = self._fixed[index] = tuple(self._fixed_on(line))
        dynamic: list[tuple[int, int, Style]] = []
        if self.view is None:
            return fixed, dynamic
        s, e = self.view.to_view(self.cursor, min(self.cursor + 1, len(self.text)))
        on_line = {
            "selection": [self.view.to_view(*self.selection)] if self.selection else [],
            "cursor": [(s, max(e, s + 1))],
        }
        for kind, spans in on_line.items():
            style = self._component(kind)
            for s, e in spans:
                s, e = max(s, line.start), min(e, line.end)
                if s < e:
                    dynamic.append((s, e, style))
        return fixed, dynamic

    def _fixed_on(self, line: VisualLine) -> list[tuple[int, int, Style]]:
        """The highlights on ``line`` that keys other than tagging do not change (all but the
        selection and the cursor, which are drawn over them), clipped, in drawing order."""
        out = []
        for kind in FIXED_ORDER:
            if kind in STYLED_KINDS:
                styled = self._view_styled.get(kind)
                for s, e, extra in styled.on(line.start, line.end) if styled else ():
                    s, e = max(s, line.start), min(e, line.end)
                    if s < e:
                        out.append((s, e, extra))
                continue
            found = self._view_highlights.get(kind)
            style = self._component(kind)
            for s, e in found.on(line.start, line.end) if found else ():
                s, e = max(s, line.start), min(e, line.end)
                if s < e:
                    out.append((s, e, style))
        return out

    # -- cursor ----------------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        if self.selection_anchor is not None and not (self.visual or self._extending):
            self.selection_anchor = None  # a plain move after shift+arrows keeps the selection, ends extending it
        if self.selection_anchor is not None and self.view is not None:
            self.selection = self._span_between(self.selection_anchor, new)
        self.repaint()
        quiet, self._quiet = self._quiet, False
        self.post_message(self.CursorMoved(self, new, self.paragraph_at(new), quiet))

    def set_cursor(self, offset: int, *, center: bool = False, keep_goal: bool = False, quiet: bool = False) -> None:
        """Move the cursor to ``offset`` (``quiet``: the caller says why on the status line)."""
        offset = max(0, min(offset, max(len(self.text) - 1, 0)))
        if not keep_goal:
            self._goal_cell = None
        self._quiet = quiet and offset != self.cursor
        self.cursor = offset
        self.scroll_to_offset(offset, center=center)

    def scroll_to_offset(self, offset: int, *, center: bool = False, top: bool = False) -> None:
        """Scroll so that ``offset`` is on screen: at the top with ``top``; with ``center``, a
        third of the way down when it is off screen (a jump: the reader sees what comes before
        and after), and where it is when it is on screen already (the text does not move under
        the reader's eyes); otherwise by as little as it takes."""
        line = self._line_of(offset)
        height = self.scrollable_content_region.height or 1
        y = int(self.scroll_offset.y)
        if top:
            self.scroll_to(y=line, animate=False, immediate=True)
        elif center:
            if not y <= line < y + height:
                self.scroll_to(y=max(0, line - height // 3), animate=False, immediate=True)
        elif line < y:
            self.scroll_to(y=line, animate=False, immediate=True)
        elif line >= y + height:
            self.scroll_to(y=line - height + 1, animate=False, immediate=True)

    def _cell_of(self, offset: int) -> tuple[int, int]:
        assert self.view is not None
        index = self._line_of(offset)
        vpos = self.view.to_view(offset, offset)[0]
        line = self._lines[index]
        return index, sum(get_character_cell_size(c) for c in self.view.text[line.start : max(line.start, vpos)])

    def _offset_at(self, index: int, cell: int) -> int:
        """Canonical offset of the character at ``cell`` on visual line ``index``."""
        assert self.view is not None
        index = max(0, min(index, len(self._lines) - 1))
        line = self._lines[index]
        if line.paragraph < 0:
            line = self._lines[min(index + 1, len(self._lines) - 1)]
        pos, used = line.start, 0
        while pos < line.end:
            size = get_character_cell_size(self.view.text[pos])
            if used + size > cell:
                break
            used += size
            pos += 1
        pos = min(pos, max(line.end - 1, line.start))
        return self.view.to_canonical(pos, pos + 1)[0]

    def action_line(self, delta: int) -> None:
        if not self._lines:
            return
        index, cell = self._cell_of(self.cursor)
        if self._goal_cell is None:
            self._goal_cell = cell
        target = index + delta
        while 0 <= target < len(self._lines) and self._lines[target].paragraph < 0:
            target += delta
        if 0 <= target < len(self._lines):
            self.set_cursor(self._offset_at(target, self._goal_cell), keep_goal=True)

    def action_char(self, delta: int) -> None:
        if self.view is None:
            return
        vs, ve = self.view.to_view(self.cursor, self.cursor + 1)
        target = ve if delta > 0 else vs - 1
        if 0 <= target < len(self.view.text):
            self.set_cursor(self.view.to_canonical(target, target + 1)[0])

    def action_word(self, delta: int) -> None:
        """To the start of the next (``delta`` 1) or previous (-1) word: words of the 简 view
        (jieba), the same in every script (``script.words``)."""
        if self.release is None:
            return
        from hkpr_tui.script.words import next_word_start, previous_word_start

        text, script = self.release.text, self.release.script
        step = next_word_start if delta > 0 else previous_word_start
        target = step(text, script, self.cursor)
        self.set_cursor(min(target, max(len(text) - 1, 0)))

    def action_select_word(self) -> None:
        """Select the word at the cursor (then a label key tags it)."""
        if self.release is None:
            return
        from hkpr_tui.script.words import word_at

        found = word_at(self.release.text, self.release.script, self.cursor)
        if found is not None:
            self.select(*found)

    def action_page(self, delta: int) -> None:
        height = max(self.scrollable_content_region.height - 1, 1)
        index, cell = self._cell_of(self.cursor)
        self.scroll_to(y=int(self.scroll_offset.y) + delta * height, animate=False, immediate=True)
        self.set_cursor(self._offset_at(index + delta * height, cell))

    def action_sentence(self, delta: int) -> None:
        self._jump([s.start for s in self.sentences], delta)

    def action_paragraph(self, delta: int) -> None:
        self._jump([p.start for p in self.paragraphs], delta)

    def _jump(self, starts: list[int], delta: int) -> None:
        if not starts:
            return
        if delta > 0:
            i = bisect.bisect_right(starts, self.cursor)
            target = starts[i] if i < len(starts) else starts[-1]
        else:
            i = bisect.bisect_left(starts, self.cursor) - 1
            target = starts[max(i, 0)]
        self.set_cursor(target)

    def action_edge(self, end: int) -> None:
        self.set_cursor(len(self.text) - 1 if end else 0)

    # -- keyboard selection ----------------------------------------------------------------

    def action_extend(self, how: str, delta: int) -> None:
        """Shift+arrows: extend the selection from where it started (or from the cursor)."""
        self._extending = True
        try:
            if self.selection_anchor is None:
                self.selection_anchor = self.cursor
                self.watch_cursor(self.cursor, self.cursor)
            {"char": self.action_char, "word": self.action_word}.get(how, self.action_line)(delta)
        finally:
            self._extending = False

    def action_visual(self) -> None:
        if self.visual:  # end: keep the selection for a tag key
            self.visual, self.selection_anchor = False, None
            return
        self.visual, self.selection_anchor = True, self.cursor
        self.watch_cursor(self.cursor, self.cursor)

    def shown(self, start: int, end: int) -> str:
        """The canonical span ``[start, end)`` as this view shows it (in its script)."""
        if self.view is None:
            return self.text[start:end]
        s, e = self.view.to_view(start, end)
        return self.view.text[s:e]

    def select(self, start: int, end: int, *, quiet: bool = False) -> None:
        """Make ``[start, end)`` (canonical offsets) the selection, with the cursor at its start."""
        self.visual, self.selection_anchor = False, None
        self.set_cursor(start, center=True, quiet=quiet)
        self.selection = (start, end)
        self.repaint()

    def action_select_sentence(self) -> None:
        sentence = self.sentence_at(self.cursor)
        if sentence is not None:
            self.visual, self.selection_anchor = False, None
            self.selection = sentence
            self.repaint()

    def sentence_at(self, offset: int) -> tuple[int, int] | None:
        """The sentence holding ``offset`` without its trailing spaces, or None."""
        starts = [s.start for s in self.sentences]
        i = bisect.bisect_right(starts, offset) - 1
        if i < 0 or offset >= self.sentences[i].end:
            return None
        start, end = self.sentences[i].start, self.sentences[i].end
        while end > start and self.text[end - 1].isspace():
            end -= 1
        return start, end

    # -- mouse -----------------------------------------------------------------------------

    def _event_offset(self, event: events.MouseEvent) -> int | None:
        if not self._lines:
            return None
        region = self.scrollable_content_region
        x = event.x - (region.x - self.region.x)
        y = event.y - (region.y - self.region.y)
        return self._offset_at(int(self.scroll_offset.y) + y, max(0, x))

    def on_mouse_down(self, event: events.MouseDown) -> None:
        offset = self._event_offset(event)
        if offset is None:
            return
        self.focus()
        self._drag_anchor = offset
        self.selection = None
        self.set_cursor(offset)
        self.capture_mouse()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._drag_anchor is None or not event.button:
            return
        offset = self._event_offset(event)
        if offset is not None:
            self._select_to(offset)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._drag_anchor is None:
            return
        offset = self._event_offset(event)
        self.release_mouse()
        if offset is not None and offset != self._drag_anchor:
            self._select_to(offset)
        self._drag_anchor = None
        if self.selection:
            self.post_message(self.Selected(self, *self.selection))

    def _select_to(self, offset: int) -> None:
        assert self._drag_anchor is not None
        self.selection = self._span_between(self._drag_anchor, offset)
        self.cursor = offset
        self.repaint()

    def _span_between(self, anchor: int, offset: int) -> tuple[int, int]:
        """The canonical selection from ``anchor`` to ``offset``, both characters included,
        widened to whole units of the script view (a converted phrase is selected whole)."""
        assert self.view is not None
        a, b = sorted((anchor, offset))
        return self.view.to_canonical(*self.view.to_view(a, min(b + 1, len(self.text))))
