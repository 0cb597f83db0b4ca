"""Messages that cross screens. Widget-local messages live in their widgets."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from hkpr_tui.importer import ImportReport


@dataclass
class ImportFinished(Message):
    """An import worker finished; the library should reload."""

    report: ImportReport
