"""Every dataset format hkpr writes or reads, declared once.

The CLI's choices, the export runner (builder, offset unit, flat or nested), the manifest and
the README's tables all read these registries; ``tests/test_docs.py`` checks the README against
them. Adding an export format means: a builder in ``formats.py``, one ``ExportFormat`` here, and
its golden file in ``tests/golden/``. This module imports nothing heavy (the CLI reads it at
start-up): builders and readers are looked up by name when used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ExportFormat:
    name: str
    builder: str  # the function's name in hkpr_tui.export.formats
    unit: str  # the offset unit, as the manifest states it
    flat: bool  # one label per character: nested spans keep the outer one
    with_claims: bool  # claims are counted in the label distribution
    files: str  # README: what the folder holds
    offsets: str  # README: the unit, briefly

    def build(self) -> Callable[..., Any]:
        from hkpr_tui.export import formats

        return getattr(formats, self.builder)


@dataclass(frozen=True)
class ImportFormat:
    name: str
    reader: str  # the function's name in hkpr_tui.export.records
    suffixes: tuple[str, ...]  # files read from a folder
    help: str

    def read(self) -> Callable[..., Any]:
        from hkpr_tui.export import records

        return getattr(records, self.reader)


EXPORTS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat("jsonl", "build_jsonl", "code points (Python str index), end exclusive", False, True,
                     "`train.jsonl` …: release metadata, canonical text, entities, claims with attributes and normalised "
                     "values, links, annotator and times of each tag", "code points, end exclusive"),
        ExportFormat("bio", "build_bio", "characters, one per line (white space dropped); no offsets", True, False,
                     "`train.txt` …: character-level CoNLL (`字\\tB-ORG`, blank line between sentences); `--scheme bioes`",
                     "one character per line (white space dropped)"),
        ExportFormat("hf", "build_hf", "characters as tokens (white space dropped); no offsets", True, False,
                     "`train.jsonl` … + `README.md` card: `tokens` and `ner_tags` (ClassLabel); `datasets.load_dataset(DIR)`",
                     "characters as tokens"),
        ExportFormat("spacy", "build_spacy", "characters as tokens (white space dropped); spaCy token indices", True, False,
                     "`train.spacy` … (DocBin; one Doc per sentence, one token per character) for `spacy train` with a blank "
                     "`zh` pipeline; needs the `spacy` extra", "token indices"),
        ExportFormat("label-studio", "build_label_studio", "code points, end exclusive (Label Studio ≥ 1.0, PR #1559)", False,
                     False, "`train.json` … (tasks with `data.text`, `annotations[].result[]`, one annotation per annotator) "
                     "+ `label_config.xml`", "code points, end exclusive"),
        ExportFormat("doccano", "build_doccano", "UTF-16 code units, end exclusive (doccano's default)", False, False,
                     '`train.jsonl` …: `{"text", "label": [[start, end, LABEL]]}`', "UTF-16 code units (doccano's default)"),
        ExportFormat("brat", "build_brat", "code points, end exclusive", False, True,
                     "`train/ID.txt` + `ID.ann` per release (claims as `Claim_TYPE`, links inside a release as relations) "
                     "+ `annotation.conf`", "code points, end exclusive"),
        ExportFormat("cluener", "build_cluener", "code points, end inclusive", True, False,
                     '`train.json` …: `{"text", "label": {type: {entity: [[start, end]]}}}` per sentence',
                     "code points, **end inclusive**"),
        ExportFormat("claims", "build_claims", "code points into the sentence, end exclusive", False, True,
                     "`train.jsonl` …: one row per sentence (is_claim, type, normalised attributes; unclaimed sentences "
                     "of finished releases are negatives) + `threads.csv`", "code points into the sentence"),
    )
}  # fmt: skip

IMPORTS: dict[str, ImportFormat] = {
    f.name: f
    for f in (
        ImportFormat("jsonl", "hkpr_jsonl", (".jsonl",), "hkpr's own JSONL export (entities, claims, links)"),
        ImportFormat("label-studio", "label_studio", (".json", ".jsonl"), "Label Studio tasks (JSON or JSONL)"),
        ImportFormat("doccano", "doccano", (".jsonl", ".json"), "doccano sequence-labelling JSONL (UTF-16 offsets)"),
    )
}


def readme_table() -> str:
    """The Datasets table of the README, as the registry says it."""
    rows = ["| format | files | offsets |", "|---|---|---|"]
    rows += [f"| `{f.name}` | {f.files} | {f.offsets} |" for f in EXPORTS.values()]
    return "\n".join(rows)
