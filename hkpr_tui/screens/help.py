"""The help screen: every binding active where the user pressed ``?``."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static


class HelpScreen(ModalScreen[None]):
    """Lists the bindings it is given: those active where the user asked for help."""

    BINDINGS = [
        Binding("escape,question_mark,q", "dismiss", "Close help", id="help.close", tooltip="Close the help screen"),
    ]

    def __init__(self, bindings: list[Binding]) -> None:
        super().__init__()
        # hkpr's own bindings (they have ids) first, then the widgets' standard movement keys
        self.bindings = sorted(bindings, key=lambda b: b.id is None)

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Static("Keys · every action is also in the command palette (ctrl+p)", id="help-title")
            yield DataTable(id="help-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("key", "action", "what it does")
        for binding in self.bindings:
            table.add_row(
                Text(self.app.get_key_display(binding), style="bold"),
                Text(binding.description),
                Text(binding.tooltip or ""),
            )
        table.focus()

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
