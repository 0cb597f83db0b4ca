"""The command palette: one provider whose commands are the bindings of the current context.

Commands come from ``Screen.active_bindings`` (the focused widget, its ancestors, the screen and
the app, with user keymaps applied): the same source as the footer and the help screen, so a new
binding with a description is in all three without further work.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.command import CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode
from textual.screen import Screen


def context_screen(app: App[Any]) -> Screen[Any]:
    """The screen the user is working in (under the command palette when it is open)."""
    screen = app.screen
    if isinstance(screen, CommandPalette) and len(app.screen_stack) > 1:
        screen = app.screen_stack[-2]
    return screen


def context_bindings(app: App[Any]) -> Iterator[tuple[DOMNode, Binding]]:
    """(node, binding) for every described, enabled binding active in the context screen."""
    seen: set[str] = set()
    for active in context_screen(app).active_bindings.values():
        binding = active.binding
        if binding.description and active.enabled and binding.action not in seen and not binding.system:
            seen.add(binding.action)
            yield active.node, binding


def add_bindings(node: DOMNode, bindings: list[Binding]) -> None:
    """Bind keys known only at run time (one per label of the user's label file) on ``node``.

    Textual 8 offers run-time binding on the App only (``App.bind``; screens and widgets:
    Textualize/textual#5477), so this is the one place that reaches into the node's binding map.
    """
    for binding in bindings:
        node._bindings.key_to_bindings.setdefault(binding.key, []).append(binding)


class HkprCommands(Provider):
    def _commands(self) -> Iterator[tuple[str, str, DOMNode, Binding]]:
        for node, binding in context_bindings(self.app):
            key = self.app.get_key_display(binding)
            yield f"{binding.description} ({key})", binding.tooltip or binding.description, node, binding

    async def discover(self) -> Hits:
        for text, help_text, node, binding in self._commands():
            yield DiscoveryHit(text, partial(self._run, node, binding), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, help_text, node, binding in self._commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), partial(self._run, node, binding), help=help_text)

    async def _run(self, node: DOMNode, binding: Binding) -> None:
        await self.app.run_action(binding.action, node)
