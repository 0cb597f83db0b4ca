"""Small screens the annotation actions open: the claim form, a choice list, a claim thread."""

from __future__ import annotations

import re
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from hkpr_tui.annotate.claims import ClaimDraft, parse_value
from hkpr_tui.models import ThreadPoint
from hkpr_tui.textsafe import safe

QUALIFIERS = ["=", ">", ">=", "<", "<=", "≈"]
_DATE = re.compile(r"(\d{4}(-\d{2}(-\d{2})?)?|--\d{2}-\d{2}|\d{4}/\d{2})$")


class ClaimForm(ModalScreen[dict[str, Any] | None]):
    """Type and attributes of a claim. ctrl+s or enter saves; escape cancels."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="claim.cancel", tooltip="Close the form without saving"),
        Binding("ctrl+s", "save", "Save", id="claim.save", tooltip="Save the claim"),
    ]
    DEFAULT_CSS = """
    ClaimForm { align: center middle; }
    ClaimForm > VerticalScroll { width: 96%; max-width: 100; height: auto; max-height: 100%; border: round $accent; background: $panel; padding: 0 1; }
    ClaimForm .claim-text { color: $text; text-style: bold; margin-bottom: 1; max-height: 4; }
    ClaimForm .row { height: 1; margin-bottom: 1; }
    ClaimForm .row > Label { width: 11; color: $text-muted; }
    ClaimForm .row > Input, ClaimForm .row > Select { width: 1fr; }
    ClaimForm .row:focus-within > Label { color: $accent; text-style: bold reverse; }
    ClaimForm .row > Input:focus { background: $accent 25%; }
    ClaimForm #unit { width: 16; margin-left: 1; } ClaimForm #qualifier { width: 10; margin-left: 1; }
    ClaimForm #claim-error { color: $error; height: auto; }
    ClaimForm #buttons { height: 1; align-horizontal: right; }
    ClaimForm #buttons Button { margin-left: 2; }
    """

    def __init__(self, draft: ClaimDraft) -> None:
        super().__init__()
        self.draft = draft

    def compose(self) -> ComposeResult:
        d = self.draft

        def row(label: str) -> Horizontal:
            return Horizontal(Label(label), classes="row")

        with VerticalScroll():
            yield Static(Text(safe(f"Claim: 「{d.text}」")), classes="claim-text")
            with row("Type"):
                yield Select([(t, t) for t in d.types], value=d.type, allow_blank=False, id="type", compact=True)
            with row("Subject"):
                yield Select(
                    [(Text(s), i) for i, s in d.subjects], value=d.subject_id if d.subject_id is not None else Select.NULL,
                    id="subject", compact=True,
                    prompt=safe(f"{d.subject_text} (the release's organisation)") if d.subject_text else "(no subject: tag an entity first)",
                )  # fmt: skip
            with row("Metric"):
                yield Input(
                    d.metric, placeholder="what is counted, e.g. AI start-ups in Cyberport", id="metric", compact=True
                )
            with row("Value"):
                yield Input(d.value, placeholder="a number, e.g. 500", id="value", compact=True)
                yield Input(d.unit, placeholder="unit: 間 HKD %", id="unit", compact=True)
                yield Select(
                    [(q, q) for q in QUALIFIERS],
                    value=d.qualifier if d.qualifier in QUALIFIERS else "=",
                    allow_blank=False,
                    id="qualifier",
                    compact=True,
                )
            with row("As of"):
                yield Input(d.as_of, placeholder="date: YYYY-MM-DD, YYYY-MM or YYYY", id="as_of", compact=True)
            with row("Speaker"):
                yield Input(d.speaker, placeholder="who says so (for a quote)", id="speaker", compact=True)
            with row("Note"):
                yield Input(d.note, placeholder="anything else", id="note", compact=True)
            yield Static("", id="claim-error")
            with Horizontal(id="buttons"):
                yield Button("Save ctrl+s", variant="primary", id="save", compact=True)
                yield Button("Cancel esc", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#metric", Input).focus()

    def result(self) -> dict[str, Any]:
        """The attributes as entered; raises ValueError with a message for a bad field."""

        def text(field_id: str) -> str:
            return self.query_one(f"#{field_id}", Input).value.strip()

        try:
            value = parse_value(text("value"))
        except ValueError:
            raise ValueError(f"Value: {text('value')!r} is not a number (digits, commas, one decimal point)") from None
        as_of = text("as_of")
        if as_of and not _DATE.match(as_of):
            raise ValueError(f"As of: {as_of!r} is not a date like 2026-02-25, 2026-02 or 2026")
        subject = self.query_one("#subject", Select).value
        subject_id = subject if isinstance(subject, int) else None
        subject_text = next((s.split(" ", 1)[-1] for i, s in self.draft.subjects if i == subject_id), None)
        if subject_id is None and subject_text is None:
            subject_text = self.draft.subject_text or None  # no entity fits: the release's organisation
        out: dict[str, Any] = {
            **self.draft.extra,
            "type": self.query_one("#type", Select).value,
            "subject_id": subject_id,
            "subject_text": subject_text,
            "metric": text("metric"),
            "value": value,
            "unit": text("unit"),
            "qualifier": self.query_one("#qualifier", Select).value,
            "as_of": as_of or None,
            "speaker": text("speaker"),
            "note": text("note"),
        }
        return out

    def action_save(self) -> None:
        try:
            self.dismiss(self.result())
        except ValueError as exc:
            self.query_one("#claim-error", Static).update(Text(str(exc)))

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)


class ChoiceScreen(ModalScreen[str | None]):
    """Pick one of a few options (a link kind, a label); enter picks, escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="choice.cancel", tooltip="Close without choosing")]
    DEFAULT_CSS = """
    ChoiceScreen { align: center middle; }
    ChoiceScreen > Vertical { width: 60; height: auto; max-height: 80%; border: round $accent; background: $panel; }
    ChoiceScreen OptionList { height: auto; max-height: 20; border: none; }
    ChoiceScreen .choice-title { padding: 0 1; text-style: bold; }
    """

    def __init__(self, title: str, options: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.options = options

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(safe(self.title_text)), classes="choice-title")
            yield OptionList(*[Option(Text(safe(prompt)), id=value) for value, prompt in self.options])

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


def number_text(value: object) -> str:
    """A claim value with thousands separators (a value a file stored otherwise is shown as it is)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    try:
        number = float(str(value))
    except ValueError:
        return str(value)
    return f"{int(number):,}" if number.is_integer() and abs(number) < 1e18 else f"{number:,}"


def thread_chart(points: list[ThreadPoint], width: int = 30) -> Text:
    """One line per claim, by date: date, value with unit and qualifier, a bar, the release."""
    out = Text()
    values = [float(p.value) for p in points if isinstance(p.value, (int, float))]
    top = max(values) if values else 0.0
    for p in points:
        qualifier = "" if p.qualifier in (None, "=") else f"{p.qualifier} "
        shown = "—" if p.value is None else safe(f"{qualifier}{number_text(p.value)}{(' ' + p.unit) if p.unit else ''}")
        bar = ""
        if isinstance(p.value, (int, float)) and top > 0:
            cells = max(1, round(width * float(p.value) / top))
            bar = "█" * cells
        out.append(f"{p.date or '(no date)':<10}  ", style="bold")
        out.append(f"{shown:>16}  ")
        out.append(f"{bar:<{width}}", style="cyan")
        out.append(f"  {safe(p.release_title[:22])}\n", style="dim")
    return out


class ThreadScreen(ModalScreen[None]):
    """The claims one same-metric thread joins, by date, as a list and a bar chart."""

    BINDINGS = [Binding("escape", "close", "Close", id="thread.close", tooltip="Close the thread")]
    DEFAULT_CSS = """
    ThreadScreen { align: center middle; }
    ThreadScreen > Vertical { width: 95%; max-width: 110; height: auto; max-height: 90%; border: round $accent; background: $panel; padding: 0 1; }
    ThreadScreen .thread-title { text-style: bold; margin-bottom: 1; }
    """

    def __init__(self, points: list[ThreadPoint]) -> None:
        super().__init__()
        self.points = points

    def compose(self) -> ComposeResult:
        first = next((p for p in self.points if p.metric), self.points[0] if self.points else None)
        title = "Thread"
        if first is not None:
            title += f": {first.metric or first.text}" + (f" — {first.subject}" if first.subject else "")
        with Vertical():
            yield Static(Text(safe(f"{title}  ({len(self.points)} claims, by date)")), classes="thread-title")
            yield Static(thread_chart(self.points), id="thread-chart")

    def action_close(self) -> None:
        self.dismiss(None)
