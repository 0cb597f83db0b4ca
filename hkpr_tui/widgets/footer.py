"""The footer of the library: Textual's, composing the screen's keys as soon as they are known."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class KeysFooter(Footer):
    """Textual's ``Footer``, which composes nothing until the screen's bindings are known and then
    waits for the next refresh to compose them (``call_after_refresh``): the library's first frame
    was drawn with an empty footer, and the footer was composed, laid out and drawn after it (two
    frames more, 20-30 ms before the screen settled). Here it composes them next, so the first
    frame has them. The rest is Textual's (``Footer.bindings_changed`` with ``call_next``;
    textual is pinned, and the snapshot tests draw the footer)."""

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self.call_next(self.recompose)
