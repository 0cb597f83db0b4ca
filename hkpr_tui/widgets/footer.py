"""The footer of the library: Textual's, composing the screen's keys once they are known and
again only when they change."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer


class KeysFooter(Footer):
    """Textual's ``Footer`` composes nothing until the screen's bindings are known, then waits for
    the next refresh to compose them (``call_after_refresh``), and composes them again each time
    the screen says its bindings may have changed — three times as the library starts (its focus,
    its resume, once more after its first refresh), the same keys each time. The library's first
    frame was drawn with an empty footer, and the footer composed (12-20 ms each) and drawn again
    in the frames after it. Here it composes them next (``call_next``), so the first frame has
    them, and again only when what it shows changed. Its ``compose`` is Textual's (textual is
    pinned, and the snapshot tests draw the footer)."""

    _shown: tuple[Any, ...] | None = None  # what the keys composed last were made of

    def _shows(self) -> tuple[Any, ...]:
        """Everything ``Footer.compose`` reads that can change: the active bindings it shows, with
        whether each is enabled and its tooltip, and the command palette's."""
        bindings = self.screen.active_bindings
        palette = bindings.get(self.app.COMMAND_PALETTE_BINDING)
        shown = tuple((b, enabled, tooltip) for (_, b, enabled, tooltip) in bindings.values() if b.show)
        return shown, palette[1:] if palette else None, self.show_command_palette, self.app.ENABLE_COMMAND_PALETTE

    def compose(self) -> ComposeResult:
        self._shown = self._shows() if self._bindings_ready else None
        yield from super().compose()

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self.call_next(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        if self.is_attached and self._shows() != self._shown:
            await self.recompose()
