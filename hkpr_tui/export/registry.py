"""Every dataset format hkpr writes or reads, in one place for its readers.

Export formats are declared where they are built (``@export_format`` on each builder in
``formats.py``); import formats here. The CLI's choices, the export runner (builder, offset
unit, flat or nested), the manifest and the README's tables all read ``EXPORTS`` and
``IMPORTS``; ``tests/test_docs.py`` checks the README against them. Adding an export format
touches ``formats.py`` and its golden file in ``tests/golden/``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hkpr_tui.export.formats import EXPORTS, ExportFormat


@dataclass(frozen=True)
class ImportFormat:
    name: str
    reader: str  # the function's name in hkpr_tui.export.records
    suffixes: tuple[str, ...]  # files read from a folder
    help: str

    def read(self) -> Callable[..., Any]:
        from hkpr_tui.export import records

        return getattr(records, self.reader)


IMPORTS: dict[str, ImportFormat] = {
    f.name: f
    for f in (
        ImportFormat("jsonl", "hkpr_jsonl", (".jsonl",), "hkpr's own JSONL export (entities, claims, links)"),
        ImportFormat("label-studio", "label_studio", (".json", ".jsonl"), "Label Studio tasks (JSON or JSONL)"),
        ImportFormat("doccano", "doccano", (".jsonl", ".json"), "doccano sequence-labelling JSONL (UTF-16 offsets)"),
    )
}


__all__ = ["EXPORTS", "IMPORTS", "ExportFormat", "ImportFormat", "readme_table"]


def readme_table() -> str:
    """The Datasets table of the README, as the registry says it."""
    rows = ["| format | files | offsets |", "|---|---|---|"]
    rows += [f"| `{f.name}` | {f.files} | {f.offsets} |" for f in EXPORTS.values()]
    return "\n".join(rows)
