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
        keys = [self._keys(b) for b in self.bindings]
        key_width = min(max((len(k) for k in keys), default=3), 22)
        action_width = min(max((len(b.description) for b in self.bindings), default=6), 22)
        room = max(self.app.size.width - key_width - action_width - 24, 20)  # box, borders, cell padding, scroll bar
        table.add_column("key", width=key_width)
        table.add_column("action", width=action_width)
        table.add_column("what it does", width=room)
        for binding, key in zip(self.bindings, keys):
            table.add_row(
                Text(key, style="bold", overflow="fold"),
                Text(binding.description, overflow="fold"),
                Text(binding.tooltip or "", overflow="fold"),
                height=None,  # long descriptions wrap onto more lines
            )
        table.focus()

    def _keys(self, binding: Binding) -> str:
        """Every key of the binding (``w`` and ``ctrl+→``), as the footer shows keys."""
        keys = [k.strip() for k in binding.key.split(",") if k.strip()]
        return " · ".join(self.app.get_key_display(Binding(k, binding.action)) for k in keys)

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
