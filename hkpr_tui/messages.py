"""Messages that cross screens. Widget-local messages live in their widgets."""

from __future__ import annotations

from dataclasses import dataclass

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from hkpr_tui.importer import ImportReport


@dataclass
class ImportFinished(Message):
    """An import worker finished; the library should reload."""

    report: ImportReport  # noqa: F821 (imported for type checking only)
