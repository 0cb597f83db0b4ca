"""Annotation in the reader: the keys, the highlights, the side panel, and the calls to ``Actions``.

``AnnotatingScreen`` is the base of ``ReaderScreen``. Every action goes through the app's
``Actions`` (headless: one commit and one event per action, undo/redo); this module only turns
keys into those calls and shows the result. Suggestions are computed in a thread worker.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from rich.color import Color
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import OptionList
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from hkpr_tui.annotate.claims import ClaimFacts, LinkSuggestion, draft_for, suggest_links
from hkpr_tui.annotate.labels import Label
from hkpr_tui.annotate.session import Actions
from hkpr_tui.annotate.suggest import (
    KnownMatches,
    LiveSuggestions,
    Suggestion,
    SuggestionList,
    rule_suggestions,
    suggests_fiscal_years,
)
from hkpr_tui.models import Annotation
from hkpr_tui.screens.annotate_forms import ChoiceScreen, ClaimForm, ThreadScreen, number_text
from hkpr_tui.script import fold
from hkpr_tui.store import SpanError, Store, StoreBusy, StoreError
from hkpr_tui.store.annotations import TAG_STATUSES
from hkpr_tui.textsafe import safe
from hkpr_tui.widgets.pane import Pane

if TYPE_CHECKING:
    from hkpr_tui.app import HkprApp
    from hkpr_tui.widgets.release_view import ReleaseView


ANNOTATE_BINDINGS = [
    Binding(
        "full_stop",
        "walk(1)",
        "Suggestion",
        id="annotate.next_suggestion",
        tooltip="Go to the next open suggestion (a accepts it, r rejects it; both move on)",
    ),
    Binding(
        "comma",
        "walk(-1)",
        "Previous suggestion",
        show=False,
        id="annotate.previous_suggestion",
        tooltip="Go to the previous open suggestion",
    ),
    Binding(
        "c",
        "claim",
        "Claim",
        id="annotate.claim",
        tooltip="Make the selection (or the sentence) a claim; on a claim, edit its form",
    ),
    Binding(
        "l",
        "link",
        "Link",
        show=False,
        id="annotate.link",
        tooltip="Link the claim at the cursor to the claim at the other pane's cursor",
    ),
    Binding("a", "accept", "Accept", show=False, id="annotate.accept", tooltip="Accept the suggestion at the cursor"),
    Binding(
        "A",
        "accept_all",
        "Accept all",
        show=False,
        id="annotate.accept_all",
        tooltip="Accept every suggestion of that label in this release",
    ),
    Binding("r", "reject", "Reject", show=False, id="annotate.reject", tooltip="Reject the suggestion at the cursor"),
    Binding("x", "delete", "Delete tag", show=False, id="annotate.delete", tooltip="Delete the tag at the cursor"),
    Binding(
        "e",
        "edit",
        "Edit tag",
        show=False,
        id="annotate.edit",
        tooltip="Change the label of the tag at the cursor (a claim: its form)",
    ),
    Binding(
        "b",
        "bounds",
        "Tag to selection",
        show=False,
        id="annotate.bounds",
        tooltip="Move the tag at the cursor to the selection",
    ),
    Binding("u,ctrl+z", "undo", "Undo", id="annotate.undo", tooltip="Undo the last action of this session"),
    Binding("ctrl+y", "redo", "Redo", show=False, id="annotate.redo", tooltip="Redo the last undone action"),
    Binding(
        "d",
        "status",
        "Status",
        show=False,
        id="annotate.status",
        tooltip="Cycle the release's status: todo → in progress → done",
    ),
    Binding(
        "p",
        "panel",
        "Tags",
        show=False,
        id="annotate.panel",
        tooltip="Show the list of this release's tags and claims and move into it (enter jumps); again closes it",
    ),
    Binding(
        "h",
        "thread",
        "Thread",
        show=False,
        id="annotate.thread",
        tooltip="Show the same-metric thread of the claim at the cursor",
    ),
    Binding(
        "L",
        "suggested_links",
        "Suggested links",
        show=False,
        id="annotate.suggested_links",
        tooltip="Claims in other releases with the same subject and metric: link the claim at the cursor to one",
    ),
]
BUSY_RETRIES = 5
"""How often an action refused because another process holds the write lock is tried again."""
BUSY_RETRY_SECONDS = 0.5

LINK_KINDS = [
    ("same_metric", "Same metric (a thread of values over time)"),
    ("repeats", "Repeats"),
    ("contradicts", "Contradicts"),
]


def tag_bindings(labels: list[Label]) -> list[Binding]:
    """One binding per entity label with a key: its id is ``annotate.tag.NAME``."""
    return [
        Binding(
            label.key,
            f"tag('{label.name}')",
            f"Tag {label.name}",
            show=False,
            id=f"annotate.tag.{label.name}",
            tooltip=safe(f"Tag the selection {label.name}: {label.description}"),
        )  # fmt: skip
        for label in labels
        if label.kind == "entity" and label.key
    ]


@dataclass
class _Candidates:
    """A release's rule suggestions, known-string matches and suggestions, kept while it is open
    so that a tag refreshes suggestions in time that does not grow with the database's tags."""

    known: KnownMatches | None = None
    changed: set[str] = field(default_factory=set)  # folded strings whose tags changed, not yet looked up
    changed_lock: threading.Lock = field(default_factory=threading.Lock)  # held only to add or take them
    rules: tuple[bool, list[Suggestion]] | None = None  # (fiscal years, what the rules found)
    live: LiveSuggestions = field(default_factory=LiveSuggestions)
    labels: list[Label] | None = None  # the labels ``live`` was filtered with
    version: int = 0  # of ``live``: one more per refresh
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note_changed(self, strings: set[str]) -> None:
        """Folded strings whose tags changed (here or in another release shown): the next refresh
        looks them up again, even if the refresh asked for now is replaced by a later one."""
        with self.changed_lock:
            self.changed |= strings

    def refresh(
        self, store: Store, release_id: int, text: str, labels: list[Label], predicted: list[Suggestion]
    ) -> SuggestionsReady:
        """The release's suggestions after its tags (or ``labels``, or the model's ``predicted``)
        changed. The first time, every string tagged anywhere that occurs in ``text`` is read and
        everything filtered; after that only the strings whose tags changed are read again, and
        only the spans where something changed are filtered again."""
        rows = store.annotations(release_id, statuses=TAG_STATUSES)  # one read, split below
        with self.changed_lock:
            changed, self.changed = self.changed, set()
        removed: list[Suggestion] = []
        added: list[Suggestion] = []
        fresh = self.labels != labels
        if self.known is None or self.known.text != text:
            self.known, fresh = KnownMatches(text, store.known_strings_in(text)), True
        elif changed:
            removed, added = self.known.update(store.known_labels(changed))
        fiscal_years = suggests_fiscal_years(labels)
        if self.rules is None or self.rules[0] != fiscal_years:
            self.rules, fresh = (fiscal_years, rule_suggestions(text, fiscal_years=fiscal_years)), True
        tags = {
            "tagged": [(a.start, a.end, a.label) for a in rows if a.status == "accepted"],
            "rejected": [(a.start, a.end, a.label) for a in rows if a.status == "rejected"],
        }
        stored = [  # imported model predictions
            Suggestion(a.start, a.end, a.label, str(a.attributes.get("suggested_by") or "model"), a.text)
            for a in rows
            if a.status == "suggested" and a.kind == "entity"
        ]
        since: int | None = None if fresh else self.version
        if fresh:
            self.labels = labels
            self.live.reset(
                [*self.rules[1], *self.known.suggestions()], stored=stored, model=predicted,
                labels=[label.name for label in labels], label_defs=labels, **tags,
            )  # fmt: skip
        else:
            removed, added = self.live.refresh(removed=removed, added=added, stored=stored, model=predicted, **tags)
        self.version += 1
        return SuggestionsReady(release_id, self.live.snapshot(), removed, added, since, self.version)


NO_COLOUR = "#a0a0a0"  # a tag whose label is no longer defined


@functools.lru_cache(maxsize=256)
def _tag_style(colour: str, kind: str, suggested: bool = False) -> Style:
    """How a tag (or a suggestion) of a label of ``colour`` is drawn."""
    if suggested:
        return Style(color=_dim(colour, 0.8), italic=True, bgcolor="grey23")
    if kind == "claim":
        return Style(bgcolor=_dim(colour, 0.45))
    return Style(color=colour, bold=True, underline=True)


def _dim(colour: str, amount: float) -> Color:
    c = Color.parse(colour).get_truecolor()
    return Color.from_rgb(c.red * amount, c.green * amount, c.blue * amount)


class TagPanel(OptionList):
    """The release's tags and claims in text order; enter jumps to one."""

    DEFAULT_CSS = """
    TagPanel { width: 36; height: 1fr; border: round $primary 50%; display: none; }
    TagPanel.visible { display: block; }
    """


@dataclass
class LinksFound(Message):
    """Claims elsewhere that the claim ``claim_id`` could be linked to (``offer``: ask now)."""

    claim_id: int
    found: list[LinkSuggestion]
    offer: bool


@dataclass
class SuggestionsReady(Message):
    """A release's suggestions after a refresh: all of them, and what changed since ``since``
    (the version drawn before: when it is not the one on screen, all are drawn again)."""

    release_id: int
    suggestions: SuggestionList
    removed: list[Suggestion]
    added: list[Suggestion]
    since: int | None  # None: drawn from scratch
    version: int


class AnnotatingScreen(Screen[None]):
    """A screen of panes that annotates what they show: ``ReaderScreen`` is one.

    Its interface to the screen that extends it is declared here: ``panes``, ``current``,
    ``other`` and ``_status`` (abstract below) and ``db_path``. Every action goes through the
    app's ``Actions`` (one commit, one event, undoable)."""

    db_path: Path

    def _init_annotating(self) -> None:
        self.tags: dict[int, list[Annotation]] = {}
        self.suggestions: dict[int, SuggestionList] = {}
        self._candidates: dict[int, _Candidates] = {}  # per release: what suggestions are drawn from
        self._versions: dict[int, int] = {}  # per release: the version of ``suggestions``
        self._decided_since: dict[int, set[tuple[int, int, str]]] = {}  # accepted or rejected since then
        self._tagged_strings: dict[int, set[tuple[str, str]]] = {}  # per release: (folded text, label) of its entities
        self._drawn_versions: dict[ReleaseView, tuple[int, int]] = {}  # per view: (release, version) it shows
        self.tag_all_matches = False  # after * in the reader: the next label key tags every find match
        self._last_status = ""
        self._described: Suggestion | None = None  # the suggestion the status line names

    @property
    def panes(self) -> list[Pane]:
        raise NotImplementedError

    @property
    def current(self) -> Pane:
        raise NotImplementedError

    def other(self, pane: Pane) -> Pane | None:
        raise NotImplementedError

    def _status(self, text: str) -> None:
        raise NotImplementedError

    @property
    def hkpr(self) -> HkprApp:
        return cast("HkprApp", self.app)

    @property
    def actions(self) -> Actions:
        return self.hkpr.actions

    @property
    def labels(self) -> dict[str, Label]:
        return {label.name: label for label in self.hkpr.labels}

    # -- showing tags ----------------------------------------------------------------------

    def refresh_tags(self, release_ids: set[int] | None = None) -> None:
        """Reload the tags of ``release_ids`` (default: those shown), redraw them, and recompute
        suggestions in a worker."""
        shown = {p.loaded.release.id for p in self.panes if p.loaded}
        changed: set[str] = set()  # folded strings whose tags changed: known strings in every release shown
        reloaded = set()
        for release_id in (release_ids or shown) & shown:
            try:
                self.tags[release_id] = self.actions.store.annotations(release_id)
            except StoreError as exc:
                self._status(f"Tags not reloaded: {exc}")
                continue
            reloaded.add(release_id)
            strings = {(fold(a.text), a.label) for a in self.tags[release_id] if a.kind == "entity"}
            changed |= {string for string, _ in strings ^ self._tagged_strings.get(release_id, strings)}
            self._tagged_strings[release_id] = strings
            self._draw(release_id, suggestions=False)
        for release_id in shown:
            if release_id in reloaded or changed:
                text = next(p.loaded.release.text for p in self.panes if p.loaded and p.loaded.release.id == release_id)
                self.compute_suggestions(release_id, text, changed)
        self._fill_panel()

    def compute_suggestions(self, release_id: int, text: str, changed: set[str] | None = None) -> None:
        """Suggestions for one release in a thread worker (``changed``: folded strings whose tags
        changed since, looked up again); a newer request for the same release replaces one still
        running (exclusive per release, so two panes do not cancel each other)."""
        label_defs = list(self.labels.values())
        model, threshold, cache = self.hkpr.model, self.hkpr.config.threshold, self.hkpr.model_suggestions
        script = next(
            (p.loaded.release.script for p in self.panes if p.loaded and p.loaded.release.id == release_id), "hant"
        )
        state = self._candidates.setdefault(release_id, _Candidates())
        state.note_changed(changed or set())

        def work() -> None:
            with state.lock, closing(Store.connect(self.db_path)) as store:  # the thread's own connection
                predicted: list[Suggestion] = []
                if model is not None:  # the model trained on this database's done releases
                    key = (id(model), release_id, threshold)  # a release's text does not change as it is tagged
                    if key not in cache:
                        cache[key] = model.suggest(text, threshold=threshold, script=script)
                    predicted = cache[key]
                ready = state.refresh(store, release_id, text, label_defs, predicted)
            if not get_current_worker().is_cancelled:
                self.post_message(ready)

        self.run_worker(work, thread=True, group=f"suggest-{release_id}", exclusive=True, exit_on_error=False)

    # handlers are named, not @on-decorated: Textual collects @on only from the class body itself

    def on_suggestions_ready(self, message: SuggestionsReady) -> None:
        release_id = message.release_id
        self.suggestions[release_id] = message.suggestions
        self._versions[release_id] = message.version
        self._decided_since.pop(release_id, None)
        styled = self._suggested_spans
        changes: tuple[list[tuple[int, int, Style]], list[tuple[int, int, Style]]] | None = None
        for pane in self.panes:
            if not pane.loaded or pane.loaded.release.id != release_id:
                continue
            view = pane.view
            if message.since is not None and self._drawn_versions.get(view) == (release_id, message.since):
                # only what changed: a tag changes a few of a release's thousands of suggestions
                changes = changes or (styled(message.removed), styled(message.added))
                view.update_styled("suggestion", *changes)
            else:  # all of them: the first time, or this view did not draw the refresh before
                view.set_styled("suggestion", styled(message.suggestions))
            self._drawn_versions[view] = (release_id, message.version)

    def _style(self, label_name: str, kind: str, suggested: bool = False) -> Style:
        label = self.labels.get(label_name)
        return _tag_style(label.colour if label else NO_COLOUR, kind, suggested)

    def _suggested_spans(self, found: Iterable[Suggestion]) -> list[tuple[int, int, Style]]:
        """(start, end, style) of suggestions: one style per label, looked up once."""
        colours = {label.name: label.colour for label in self.hkpr.labels}
        by_label = {label: _tag_style(colour, "entity", True) for label, colour in colours.items()}
        dim = _tag_style(NO_COLOUR, "entity", True)
        return [(s.start, s.end, by_label.get(s.label, dim)) for s in found]

    def _draw(self, release_id: int, *, suggestions: bool = True) -> None:
        """Draw the release's tags (and its suggestions, unless ``suggestions`` is False: after a
        tag they are redrawn when the worker has refreshed them, and there can be tens of
        thousands)."""
        colours = {label.name: label.colour for label in self.hkpr.labels}
        spans = [
            (a.start, a.end, _tag_style(colours.get(a.label, NO_COLOUR), a.kind)) for a in self.tags.get(release_id, [])
        ]
        suggested = self._suggested_spans(self.suggestions.get(release_id, ())) if suggestions else None
        for pane in self.panes:
            if pane.loaded and pane.loaded.release.id == release_id:
                pane.view.set_styled("annotation", spans)
                if suggested is not None:
                    pane.view.set_styled("suggestion", suggested)
                    self._drawn_versions[pane.view] = (release_id, self._versions.get(release_id, 0))

    # -- the side panel --------------------------------------------------------------------

    def action_panel(self) -> None:
        """Show the tags panel and move into it (↑↓, enter jumps); again (or escape) closes it."""
        panel = self.query_one(TagPanel)
        panel.toggle_class("visible")
        if panel.has_class("visible"):
            self._fill_panel()
            panel.focus()
        else:
            self.current.view.focus()

    def _fill_panel(self) -> None:
        panel = self.query_one(TagPanel)
        if not panel.has_class("visible"):
            return
        loaded = self.current.loaded
        tags = self.tags.get(loaded.release.id, []) if loaded else []
        panel.clear_options()
        if not tags:
            panel.add_option(
                Option(Text("No tags yet: select text (v, s, shift+arrows, mouse), then 1–0 or c"), disabled=True)
            )
            return
        for a in tags:
            prompt = Text(no_wrap=True, overflow="ellipsis")
            prompt.append(f"{safe(a.label):<10} ", style=self._style(a.label, a.kind))
            prompt.append(safe(" ".join(a.text.split())))
            if a.kind == "claim" and a.attributes.get("value") is not None:
                prompt = Text.assemble(
                    (f"{safe(a.label):<10} ", self._style(a.label, a.kind)),
                    (safe(f"{a.attributes.get('qualifier') or '='} {number_text(a.attributes['value'])} {a.attributes.get('unit') or ''} "), "bold"),
                    safe(" ".join(a.text.split())),
                    no_wrap=True, overflow="ellipsis",
                )  # fmt: skip
            panel.add_option(Option(prompt, id=str(a.id)))
        panel.highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if not isinstance(event.option_list, TagPanel):
            return
        loaded = self.current.loaded
        if loaded is None or event.option.id is None:
            return
        tag = next((a for a in self.tags.get(loaded.release.id, []) if str(a.id) == event.option.id), None)
        if tag is not None:
            self.current.view.set_cursor(tag.start, center=True)
            self.current.view.focus()

    # -- finding what is under the cursor --------------------------------------------------

    def _release_id(self, pane: Pane | None = None) -> int | None:
        pane = pane or self.current
        return pane.loaded.release.id if pane.loaded else None

    def tag_at(self, pane: Pane, kind: str | None = None) -> Annotation | None:
        """The innermost tag (of ``kind``) covering the cursor of ``pane``."""
        release_id = self._release_id(pane)
        cursor = pane.view.cursor
        covering = [
            a
            for a in self.tags.get(release_id or -1, [])
            if a.start <= cursor < a.end and (kind is None or a.kind == kind)
        ]
        return min(covering, key=lambda a: (a.end - a.start, a.kind != "entity"), default=None)

    def suggestion_at(self, pane: Pane) -> Suggestion | None:
        found = self.suggestions.get(self._release_id(pane) or -1)
        covering = found.covering(pane.view.cursor) if found else []
        return min(covering, key=lambda s: s.end - s.start, default=None)

    def _do(
        self,
        what: Callable[[], Any],
        saved: Callable[[Any], str],
        release_ids: set[int] | None = None,
        *,
        then: Callable[[Any], None] | None = None,
        attempt: int = 0,
    ) -> None:
        """Run one action; report it as saved (then call ``then`` with its result), or say why it
        was not (nothing changes, the selection stays). A database busy with another writer is
        retried a few times; any other database error is a message, never the end of the app."""
        try:
            result = what()
        except StoreBusy:
            if attempt < BUSY_RETRIES:
                self._status("Not saved: database busy — retrying")
                self.set_timer(
                    BUSY_RETRY_SECONDS, lambda: self._do(what, saved, release_ids, then=then, attempt=attempt + 1)
                )
            else:
                self._status("Not saved: database busy (another hkpr is writing) — press the key again")
            return
        except (SpanError, KeyError, ValueError, StoreError) as exc:
            self._status(f"Not saved: {exc}")
            return
        self.refresh_tags(release_ids)
        self._last_status = f"Saved: {saved(result)}"
        self._status(self._last_status)
        if then is not None:
            then(result)

    # -- tagging ---------------------------------------------------------------------------

    def action_tag(self, label: str) -> None:
        pane = self.current
        release_id = self._release_id(pane)
        selection = pane.view.selection
        if release_id is None:
            return
        if self.tag_all_matches:
            self.tag_all_matches = False
            matches = sorted(pane.view.highlights.get("match", []))
            self._do(
                lambda: self.actions.tag_all(release_id, label, matches),
                lambda result: (
                    f"{len(result[0])} × {label} (u undoes all)"
                    + (f"; {len(result[1])} not tagged: {result[1][0]}" if result[1] else "")
                ),
                then=lambda _: pane.view.clear_selection(),
            )
            return
        if not selection:
            self._status(
                f"Select text first (v, s for the sentence, shift+arrows or the mouse), then press the key for {label}"
            )
            return
        self._do(
            lambda: self.actions.tag(release_id, "entity", label, *selection),
            lambda a: f"{a.label} 「{a.text}」 ({a.start}–{a.end})",
            then=lambda _: pane.view.clear_selection(),
        )

    def action_delete(self) -> None:
        tag = self.tag_at(self.current)
        if tag is None:
            self._status("No tag at the cursor")
            return
        self._do(lambda: self.actions.delete(tag.id), lambda a: f"deleted {a.label} 「{a.text}」 (u undoes)")

    def action_edit(self) -> None:
        pane = self.current
        tag = self.tag_at(pane)
        if tag is None:
            self._status("No tag at the cursor")
            return
        if tag.kind == "claim":
            self._open_claim_form(pane, tag.start, tag.end, tag)
            return
        options = [(l.name, f"{l.name}  {l.description}") for l in self.labels.values() if l.kind == "entity"]

        def chosen(name: str | None) -> None:
            if name and name != tag.label:
                self._do(
                    lambda: self.actions.edit(tag.id, label=name), lambda a: f"{tag.label} → {a.label} 「{a.text}」"
                )

        self.app.push_screen(ChoiceScreen(f"Label for 「{tag.text}」 (now {tag.label})", options), chosen)

    def action_bounds(self) -> None:
        pane = self.current
        tag = self.tag_at(pane)
        selection = pane.view.selection
        if tag is None or not selection:
            self._status("Put the cursor on a tag and select its new extent first (v or shift+arrows), then b")
            return
        self._do(
            lambda: self.actions.edit(tag.id, start=selection[0], end=selection[1]),
            lambda a: f"{a.label} now 「{a.text}」",
            then=lambda _: pane.view.clear_selection(),
        )

    # -- claims ----------------------------------------------------------------------------

    def action_claim(self) -> None:
        pane = self.current
        if pane.loaded is None:
            return
        selection = pane.view.selection
        if not selection:
            existing = self.tag_at(pane, "claim")
            if existing is not None:
                self._open_claim_form(pane, existing.start, existing.end, existing)
                return
            selection = pane.view.sentence_at(pane.view.cursor)
            if selection is None:
                self._status("Put the cursor in a sentence or select a clause, then c")
                return
        self._open_claim_form(pane, *selection)

    def _open_claim_form(self, pane: Pane, start: int, end: int, existing: Annotation | None = None) -> None:
        assert pane.loaded is not None
        release = pane.loaded.release
        entities = [a for a in self.tags.get(release.id, []) if a.kind == "entity"]
        types = [l.name for l in self.labels.values() if l.kind == "claim"]
        draft = draft_for(
            release.text, start, end, entities=entities, types=types, release_date=release.date, existing=existing,
            sentence=pane.view.sentence_at(start), organisation=release.organisation,
        )  # fmt: skip

        def saved(attributes: dict[str, Any] | None) -> None:
            if attributes is None:
                self._status("Claim not saved (cancelled)")
                return
            claim_type = attributes.pop("type")
            if existing is not None:
                self._do(
                    lambda: self.actions.edit(existing.id, label=claim_type, attributes=attributes),
                    lambda a: f"claim {a.label} 「{a.text}」",
                )
            else:
                self._do(
                    lambda: self.actions.tag(release.id, "claim", claim_type, start, end, attributes),
                    lambda a: (
                        f"claim {a.label} 「{a.text}」"
                        + (
                            f" {a.attributes.get('qualifier') or '='} {number_text(a.attributes['value'])} {a.attributes.get('unit', '')}"
                            if a.attributes.get("value") is not None
                            else ""
                        )
                    ),
                    then=lambda a: self._claim_made(pane, a),
                )

        self.app.push_screen(ClaimForm(draft), saved)

    # -- links and threads -----------------------------------------------------------------

    def action_link(self) -> None:
        pane = self.current
        other = self.other(pane)
        if other is None:
            self._status("Link needs two panes: split with \\, open the other release with o")
            return
        source, target = self.tag_at(pane, "claim"), self.tag_at(other, "claim")
        if source is None or target is None:
            self._status("Put the cursor on a claim in each pane (c makes one), then l")
            return

        def chosen(kind: str | None) -> None:
            if kind:
                self._do(
                    lambda: self.actions.link(source.id, target.id, kind),
                    lambda link: (
                        f"linked 「{source.text[:20]}」 ↔ 「{target.text[:20]}」 as {kind.replace('_', ' ')}"
                        + (" (h shows the thread)" if kind == "same_metric" else "")
                    ),
                    {source.release_id, target.release_id},
                )

        self.app.push_screen(
            ChoiceScreen(f"Link 「{source.text[:30]}」 to 「{target.text[:30]}」 as", LINK_KINDS), chosen
        )

    def _claim_made(self, pane: Pane, claim: Annotation) -> None:
        pane.view.clear_selection()
        self.find_links(claim, offer=False)  # says so when claims elsewhere could be linked (L)

    def action_suggested_links(self) -> None:
        claim = self.tag_at(self.current, "claim")
        if claim is None:
            self._status("Put the cursor on a claim (c makes one), then L")
            return
        self.find_links(claim, offer=True)

    def find_links(self, claim: Annotation, *, offer: bool) -> None:
        """Claims of other releases this one may link to, found in a worker (every live claim is read)."""

        def work() -> None:
            with closing(Store.connect(self.db_path)) as store:
                others = [a for anns in store.live_annotations(kinds=["claim"]).values() for a in anns]
                linked = {i for link in store.links([claim.id]) for i in (link.source_id, link.target_id)}
            facts = ClaimFacts.from_annotation(claim)
            found = suggest_links(facts, [ClaimFacts.from_annotation(a) for a in others], linked=linked)
            self.post_message(LinksFound(claim.id, found, offer))

        self.run_worker(work, thread=True, group="links", exclusive=True, exit_on_error=False)

    def on_links_found(self, message: LinksFound) -> None:
        found = message.found
        if not found:
            if message.offer:
                self._status("No claim elsewhere has this subject and metric (the form sets both)")
            return
        if not message.offer:
            self._status(f"{self._last_status} · {len(found)} claim(s) elsewhere with this subject and metric: L links")
            return
        names = {"same_metric": "same metric", "repeats": "repeats", "contradicts": "contradicts"}
        options = [
            (str(i), f"{names[s.kind]}: {s.target.value if s.target.value is not None else '—'} {s.target.unit} "
                     f"({s.target.as_of or 'no date'}) — {s.reason}")
            for i, s in enumerate(found)
        ]  # fmt: skip

        def chosen(index: str | None) -> None:
            if index is None:
                return
            pick = found[int(index)]
            target = pick.target.id
            assert target is not None
            self._do(
                lambda: self.actions.link(message.claim_id, target, pick.kind),
                lambda _: f"linked as {names[pick.kind]} (h shows the thread)",
                {pick.target.release_id} if pick.target.release_id is not None else None,
            )

        self.app.push_screen(ChoiceScreen("Link this claim to", options), chosen)

    def action_thread(self) -> None:
        claim = self.tag_at(self.current, "claim")
        if claim is None:
            self._status("Put the cursor on a claim to see its thread")
            return
        points = self.actions.store.thread(claim.id)
        if len(points) < 2:
            self._status("This claim has no same-metric links yet (l links it to a claim in the other pane)")
        self.app.push_screen(ThreadScreen(points))

    # -- suggestions -----------------------------------------------------------------------

    def action_accept(self) -> None:
        release_id = self._release_id()
        found = self._to_decide(self.current)
        if release_id is None or found is None:
            self._status("No suggestion at the cursor")
            return
        self._do(
            lambda: self.actions.accept(release_id, found),
            lambda a: f"accepted {a.label} 「{a.text}」",
            then=lambda a: self._walk_on(release_id, found, a),
        )

    def action_accept_all(self) -> None:
        release_id = self._release_id()
        found = self._to_decide(self.current)
        if release_id is None or found is None:
            self._status("Put the cursor on a suggestion: A accepts all of its label in this release")
            return
        same = [s for s in self.suggestions.get(release_id, []) if s.label == found.label]

        def report(result: tuple[list[Annotation], list[str]]) -> str:
            made, refused = result
            return f"accepted {len(made)} × {found.label}" + (
                f"; {len(refused)} skipped (they would cross a tag)" if refused else ""
            )

        self._do(lambda: self.actions.accept_all(release_id, same), report)

    def action_reject(self) -> None:
        release_id = self._release_id()
        found = self._to_decide(self.current)
        if release_id is None or found is None:
            self._status("No suggestion at the cursor")
            return
        self._do(
            lambda: self.actions.reject(release_id, found),
            lambda a: f"rejected {a.label} 「{a.text}」",
            then=lambda a: self._walk_on(release_id, found),
        )

    # -- walking the suggestions -------------------------------------------------------------

    def _open_suggestions(self, pane: Pane) -> tuple[SuggestionList, set[tuple[int, int, str]]]:
        """``pane``'s release's suggestions, and the (start, end, label) of its tags and of the
        suggestions decided since they were refreshed: those are not open."""
        release_id = self._release_id(pane) or -1
        taken = {(a.start, a.end, a.label) for a in self.tags.get(release_id, [])}
        return self.suggestions.get(release_id, SuggestionList()), taken | self._decided_since.get(release_id, set())

    def action_walk(self, delta: int) -> None:
        """Go to the next (``delta`` 1) or previous (-1) suggestion and say what it is: from the
        one named last, while the cursor is on it (suggestions at one place are walked one by
        one), else from the cursor."""
        pane = self.current
        found, taken = self._open_suggestions(pane)
        cursor = pane.view.cursor
        named = self._named_at(pane)
        target = found.after(named, taken, delta) if named is not None else None
        if target is None and delta > 0:
            target = found.next_open(cursor, taken, at=named is None) or found.next_open(-1, taken)
        elif target is None:
            target = found.previous_open(cursor, taken) or found.previous_open(len(pane.view.text) + 1, taken)
        if target is None:
            self._status("No suggestions open in this release")
            return
        pane.view.set_cursor(target.start, center=True, quiet=True)  # quiet: the status names it
        self._described = target
        self._status(self._describe(target, pane))

    def _walk_on(self, release_id: int, decided: Suggestion, accepted: Annotation | None = None) -> None:
        """After accepting or rejecting ``decided``: on to the next open suggestion (one key per
        decision); past an accepted tag's end (what starts inside it would cross it)."""
        self._decided_since.setdefault(release_id, set()).add((decided.start, decided.end, decided.label))
        pane = self.current
        found, taken = self._open_suggestions(pane)
        target = found.after(decided, taken)
        if accepted is not None and target is not None and target.start < accepted.end:
            target = found.next_open(accepted.end, taken, at=True)
        if target is not None:
            # quiet: the status says both what was saved and what comes next
            pane.view.set_cursor(target.start, center=True, quiet=True)
            self._described = target
            self._status(f"{self._last_status} → {self._describe(target, pane)}")

    def _named_at(self, pane: Pane) -> Suggestion | None:
        """The suggestion the status line named, while the cursor is on it and it is still one."""
        named = self._described
        release_id = self._release_id(pane)
        if named is None or release_id is None or not named.start <= pane.view.cursor < named.end:
            return None
        return named if named in self.suggestions.get(release_id, ()) else None

    def _to_decide(self, pane: Pane) -> Suggestion | None:
        """The suggestion ``a`` and ``r`` decide: the one the status line names, or the
        shortest at the cursor."""
        return self._named_at(pane) or self.suggestion_at(pane)

    def _describe(self, s: Suggestion, pane: Pane) -> str:
        found, taken = self._open_suggestions(pane)
        where, count = found.open_position(s, taken)
        return f"{s.label} 「{s.text}」 ({where}/{count}) — a accept · r reject · A all {s.label} · . next"

    # -- undo, redo, status ----------------------------------------------------------------

    def action_undo(self) -> None:
        self._replay(self.actions.undo, "Undone", "Nothing to undo in this session")

    def action_redo(self) -> None:
        self._replay(self.actions.redo, "Redone", "Nothing to redo")

    def _replay(self, fn: Callable[[], Any], verb: str, nothing: str) -> None:
        try:
            step = fn()
        except (SpanError, KeyError, ValueError, StoreError) as exc:
            self._status(f"Not saved: {exc}")
            return
        if step is None:
            self._status(nothing)
            return
        self._reload_status(step.release_ids)
        self.refresh_tags(step.release_ids)
        self._status(f"{verb}: {step.name} {step.description}")

    def action_status(self) -> None:
        pane = self.current
        if pane.loaded is None:
            return
        release = pane.loaded.release
        self._do(
            lambda: self.actions.cycle_status(release.id, release.status),
            lambda s: f"status {s}",
            then=lambda new: self._status_changed(release.id, new),
        )

    def _status_changed(self, release_id: int, new: str) -> None:
        self._reload_status({release_id})
        if new == "done":
            self.hkpr.release_done()  # the suggestions model learns from done releases

    def _reload_status(self, release_ids: set[int]) -> None:
        for pane in self.panes:
            if pane.loaded and pane.loaded.release.id in release_ids:
                status = self.actions.store.release_status(pane.loaded.release.id)
                pane.loaded.release = dataclasses.replace(pane.loaded.release, status=status)
                pane.update_header()
