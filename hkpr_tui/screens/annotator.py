"""Asks who is annotating before anything is recorded (``hkpr serve``: one app per browser tab)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from hkpr_tui.models import annotator_problem


class AnnotatorScreen(ModalScreen[str]):
    """One line: the annotator's name, checked; enter starts, ctrl+q quits."""

    BINDINGS = [
        Binding("enter", "start", "Start", id="annotator.start", tooltip="Start annotating under this name"),
    ]
    DEFAULT_CSS = """
    AnnotatorScreen { align: center middle; }
    AnnotatorScreen > Vertical { width: 60; max-width: 96%; height: auto; border: round $accent; background: $panel; padding: 0 1; }
    AnnotatorScreen #annotator-error { color: $error; height: auto; }
    """

    def __init__(self, suggested: str = "") -> None:
        super().__init__()
        self.suggested = suggested

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Who is annotating? Every tag you make is recorded under this name.")
            yield Input(self.suggested, placeholder="your name", id="annotator-name", max_length=64)
            yield Static("", id="annotator-error")

    @on(Input.Submitted)
    def action_start(self) -> None:
        name = self.query_one(Input).value
        problem = annotator_problem(name)
        if problem:
            self.query_one("#annotator-error", Static).update(problem)
            return
        self.dismiss(name)
