"""Adjudication: where annotators of one release disagree, pick the gold version.

The list shows each disagreement (a missed span, another label, other bounds, another claim type
or value) with its decision; under it, the highlighted one in its context, once per annotator,
each version's spans marked. ``1``…``9`` take that annotator's version into the gold layer, ``x``
rejects them all, ``n`` goes to the next open one, ``N`` to the next release with open ones.
Decisions are stored by ``annotate.adjudicate.decide`` (annotator ``gold``, with who chose).
"""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from hkpr_tui.annotate.adjudicate import Disagreement, claim_value, decide, disagreements, to_adjudicate
from hkpr_tui.store import Store, StoreError
from hkpr_tui.store.base import DatabaseFault, translate
from hkpr_tui.textsafe import safe

CONTEXT = 24
"""Characters of text shown on each side of a disagreement."""

MAX_TAKE = 9


def _take_binding(n: int) -> Binding:
    return Binding(
        str(n),
        f"take({n})",
        f"Take {n}",
        show=n <= 3,
        id=f"adjudicate.take_{n}",
        tooltip=f"Gold takes the version of annotator {n} (the numbers are in the title)",
    )


def marked_context(text: str, item: Disagreement, spans: list[tuple[int, int, str]]) -> Text:
    """The item's context with ``spans`` (start, end, label) in reverse video, each label after it."""
    start, end = max(0, item.start - CONTEXT), min(len(text), item.end + CONTEXT)
    out = Text("…" if start else "")
    at = start
    for s, e, label in sorted(spans):
        s, e = max(s, at), min(e, end)
        if s >= e:
            continue
        out.append(_shown(text[at:s]))
        out.append(f"「{_shown(text[s:e])}」", style="reverse bold")  # bounds readable without colour too
        out.append(f"{safe(label)}", style="bold cyan")
        at = e
    out.append(_shown(text[at:end]))
    out.append("…" if end < len(text) else "")
    return out


def _shown(text: str) -> str:
    """Text for one line of the detail: line breaks as ⏎, controls as visible escapes."""
    return safe(text.replace("\n", "⏎"))


class AdjudicationScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "close", "Back", id="adjudicate.close", tooltip="Back to the library"),
        *(_take_binding(n) for n in range(1, MAX_TAKE + 1)),
        Binding("x", "reject", "Reject all", id="adjudicate.reject", tooltip="No version is right: gold keeps none"),
        Binding("n", "next_open", "Next open", id="adjudicate.next", tooltip="Go to the next undecided disagreement"),
        Binding(
            "N",
            "next_release",
            "Next release",
            show=False,
            id="adjudicate.next_release",
            tooltip="Open the next release whose annotators disagree and that is not fully decided",
        ),
    ]
    DEFAULT_CSS = """
    AdjudicationScreen #adj-title { height: auto; padding: 0 1; background: $panel; text-style: bold; }
    AdjudicationScreen #adj-items { height: auto; max-height: 45%; border: none; padding: 0 1; }
    AdjudicationScreen #adj-detail { height: 1fr; padding: 0 1; border-top: solid $accent; }
    """

    @dataclass
    class Loaded(Message):
        release_id: int
        title: str
        text: str
        items: list[Disagreement]

    def __init__(self, db_path: Path, release_id: int) -> None:
        super().__init__()
        self.db_path = db_path
        self.release_id = release_id
        self.title_text = ""
        self.text = ""
        self.items: list[Disagreement] = []
        self.annotators: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static("Loading…", id="adj-title")
        yield OptionList(id="adj-items")
        yield Static("", id="adj-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="adjudicate-load", exit_on_error=False)
    def load(self) -> None:
        try:
            with closing(Store.connect(self.db_path)) as store:  # a worker thread's own connection
                release = store.release(self.release_id)
                items = disagreements(store, self.release_id)
        except (StoreError, DatabaseFault, KeyError) as exc:
            error = translate(exc) if isinstance(exc, DatabaseFault) else exc
            self.app.call_from_thread(self.app.notify, f"Disagreements not read: {error}", severity="error")
            return
        self.post_message(self.Loaded(self.release_id, release.title, release.text, items))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.release_id != self.release_id:
            return
        keep = self.query_one(OptionList).highlighted
        self.title_text, self.text, self.items = message.title, message.text, message.items
        self.annotators = [v.annotator for v in message.items[0].versions] if message.items else []
        self._show(keep)

    def _show(self, keep: int | None = None) -> None:
        open_count = sum(1 for i in self.items if i.decided is None)
        who = "  ".join(f"{n} {safe(name)}" for n, name in enumerate(self.annotators[:MAX_TAKE], 1))
        title = Text(safe(self.title_text[:120]))
        title.append(
            f"\n{len(self.items)} disagreement{'s' * (len(self.items) != 1)}, {open_count} open"
            + (f" · {who}  · x reject all" if self.items else ""),
            style="not bold",
        )
        self.query_one("#adj-title", Static).update(title)
        options = self.query_one(OptionList)
        options.clear_options()
        for item in self.items:
            mark = "·" if item.decided is None else ("✗" if item.decided == "rejected" else "✓")
            decided = "" if item.decided is None else f"  → {item.decided}"
            options.add_option(Option(Text(safe(f"{mark} {item.describe()}{decided}"))))
        if not self.items:
            self.query_one("#adj-detail", Static).update(
                "Nothing to decide here: fewer than two annotators tagged this release, or they agree. "
                "N: the next release to adjudicate"
            )
            self.refresh_bindings()
            return
        options.highlighted = min(keep or 0, len(self.items) - 1)
        options.focus()
        self._detail()
        self.refresh_bindings()

    @on(OptionList.OptionHighlighted, "#adj-items")
    def _detail(self) -> None:
        item = self.current
        if item is None:
            return
        lines = Text()
        for n, version in enumerate(item.versions, 1):
            spans = [(t.start, t.end, t.label + claim_value(t)) for t in version.tags]
            lines.append(f"{n} {safe(version.annotator)}: ", style="bold")
            lines.append(marked_context(self.text, item, spans) if spans else Text("(no tag here)", style="italic"))
            lines.append("\n")
        state = "open" if item.decided is None else f"decided: {item.decided}"
        lines.append(f"{item.kind} · {state}", style="dim")
        self.query_one("#adj-detail", Static).update(lines)

    @property
    def current(self) -> Disagreement | None:
        index = self.query_one(OptionList).highlighted
        return self.items[index] if index is not None and 0 <= index < len(self.items) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "take":
            return bool(parameters) and isinstance(parameters[0], int) and parameters[0] <= len(self.annotators)
        if action in ("reject", "next_open"):
            return bool(self.items)
        return True

    # -- decisions -------------------------------------------------------------------------

    def action_take(self, n: int) -> None:
        if 1 <= n <= len(self.annotators):
            self._decide(self.annotators[n - 1])

    def action_reject(self) -> None:
        self._decide(None)

    def _decide(self, choice: str | None) -> None:
        item = self.current
        store = getattr(self.app, "store", None)
        if item is None or store is None:
            return
        try:
            decide(store, self.release_id, item, choice, by=self.app.annotator, session_id=self.app.session_id)  # type: ignore[attr-defined]
        except (StoreError, ValueError) as exc:  # busy, full, read-only; a span that no longer fits
            self.app.notify(f"Decision not saved: {exc}", severity="error")
            return
        except DatabaseFault as exc:
            self.app.notify(f"Decision not saved: {translate(exc)}", severity="error")
            return
        index = self.query_one(OptionList).highlighted or 0
        self.items = disagreements(store, self.release_id)
        self._show(index)
        self.action_next_open(from_current=True)

    def action_next_open(self, from_current: bool = False) -> None:
        options = self.query_one(OptionList)
        start = options.highlighted or 0
        order = list(range(start, len(self.items))) + list(range(0, start))
        if not from_current:
            order = order[1:] + order[:1]
        for index in order:
            if self.items[index].decided is None:
                options.highlighted = index
                return
        if self.items:
            self.app.notify("Every disagreement in this release is decided (N: next release)")

    def action_next_release(self) -> None:
        self.find_next_release()

    @work(thread=True, exclusive=True, group="adjudicate-next", exit_on_error=False)
    def find_next_release(self) -> None:
        try:
            with closing(Store.connect(self.db_path)) as store:
                queue = [r for r in to_adjudicate(store) if r.open and r.release_id != self.release_id]
        except (StoreError, DatabaseFault) as exc:
            self.app.call_from_thread(self.app.notify, f"Releases not read: {exc}", severity="error")
            return
        self.app.call_from_thread(self._open_next, queue[0].release_id if queue else None)

    def _open_next(self, release_id: int | None) -> None:
        if release_id is None:
            self.app.notify("No other release has open disagreements")
            return
        self.release_id = release_id
        self.query_one(OptionList).highlighted = None
        self.load()

    def action_close(self) -> None:
        self.dismiss(None)
