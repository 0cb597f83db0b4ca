"""Messages that cross screens. Widget-local messages live in their widgets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from hkpr_tui.importer import ImportReport


@dataclass
class ImportFinished(Message):
    """An import worker finished; the library should reload."""

    report: ImportReport


@dataclass
class OpenRelease(Message):
    """Open a release in the reader (at ``cursor``, with ``find`` highlighted). Screens ask the app
    by message; only the app knows the screens, so no screen imports another."""

    release_id: int
    cursor: int = 0
    find: str | None = None
    closed: Callable[[], None] | None = None  # called when the reader is closed


@dataclass
class PickRelease(Message):
    """Let the user pick a release from the library; ``chosen`` gets its id (None: cancelled)."""

    chosen: Callable[[int | None], None]
