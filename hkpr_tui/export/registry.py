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
    reader: str  # the function's name in hkpr_tui.export.records (JSON formats)
    suffixes: tuple[str, ...]  # files read from a folder
    help: str
    lines: bool = False  # a line-based format (CoNLL), read by hkpr_tui.export.conll, not JSON records
    readme: str = ""  # README: what the files hold

    def read(self) -> Callable[..., Any]:
        from hkpr_tui.export import records

        return getattr(records, self.reader)


_CONLL_SUFFIXES = (".txt", ".conll", ".bio", ".bmes", ".bioes", ".char", ".tsv")
_CONLL_README = (
    "one token per line, tag in the last column (tab or space), blank line between sentences; "
    "BIO/IOB2, IOB1, BIOES, BMES, BILOU detected or `--scheme`; label suffixes kept (`B-PER.NAM`); "
    "Weibo's position digits (`大0`) stripped; one release per sentence (a repeated sentence is one release), "
    "or per document after `-DOCSTART-` / `# newdoc`"
)

IMPORTS: dict[str, ImportFormat] = {
    f.name: f
    for f in (
        ImportFormat("jsonl", "hkpr_jsonl", (".jsonl",), "hkpr's own JSONL export (entities, claims, links)",
                     readme="hkpr's own `jsonl` export: entities, claims with attributes, links; a record with "
                     "`\"prediction\": true` or a `model_version` holds suggestions"),
        ImportFormat("label-studio", "label_studio", (".json", ".jsonl"), "Label Studio tasks (JSON or JSONL)",
                     readme="tasks (JSON or JSONL): `annotations` are tags, `predictions` suggestions (`suggested_by` `model:VERSION`)"),
        ImportFormat("doccano", "doccano", (".jsonl", ".json"), "doccano sequence-labelling or relation JSONL (UTF-16 offsets)",
                     readme="sequence labelling (`label`) or the relation format (`entities` + `relations`); UTF-16 offsets; "
                     "a record with `\"prediction\": true` or a `model_version` holds suggestions"),
        ImportFormat("conll", "", _CONLL_SUFFIXES, "CoNLL/BIO tagged tokens, one per line (alias bio)", lines=True,
                     readme=_CONLL_README),
        ImportFormat("bio", "", _CONLL_SUFFIXES, "the same as conll", lines=True, readme="the same as `conll`"),
    )
}  # fmt: skip


__all__ = ["EXPORTS", "IMPORTS", "ExportFormat", "ImportFormat", "import_table", "readme_table"]


def readme_table() -> str:
    """The Datasets table of the README, as the registry says it."""
    rows = ["| format | files | offsets |", "|---|---|---|"]
    rows += [f"| `{f.name}` | {f.files} | {f.offsets} |" for f in EXPORTS.values()]
    return "\n".join(rows)


def import_table() -> str:
    """The README's table of import-annotations formats, as the registry says it."""
    rows = ["| format | what it reads |", "|---|---|"]
    rows += [f"| `{f.name}` | {f.readme} |" for f in IMPORTS.values()]
    return "\n".join(rows)
