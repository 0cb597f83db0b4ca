"""Golden files: one small expected output per export format, so any change to a format shows up
as a diff in review. A fixed database (two versions of one release, entities nested and astral,
a claim with attributes, a link, fixed times) is exported in every format of the registry and
compared with ``tests/golden/FORMAT.txt`` (every file of the folder, in name order).

After an intended change, rewrite them with ``HKPR_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py``
and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlite_utils import Database

from hkpr_tui.annotate.labels import default_labels
from hkpr_tui.corpus.ingest import release_from_text
from hkpr_tui.export.registry import EXPORTS
from hkpr_tui.export.run import export
from hkpr_tui.store import Store

GOLDEN = Path(__file__).resolve().parent / "golden"
AT = "2026-01-02T03:04:05.000+00:00"
TEXT = "數碼港今日宣布，超過500間初創企業進駐數碼港大樓。\n\n𨋢內有陳大文先生。"
SIMPLIFIED = "数码港今日宣布，超过500间初创企业进驻数码港大楼。\n\n𨋢内有陈大文先生。"


def golden_store() -> Store:
    store = Store(Database(memory=True))
    store.sync_labels(default_labels())
    ids = [store.add_release(release_from_text(t, source=f"{n}.txt", title=n, date="2026-01-02")).release_id
           for n, t in (("hant", TEXT), ("hans", SIMPLIFIED))]  # fmt: skip

    def span(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
        start = -1
        for _ in range(nth + 1):
            start = text.index(needle, start + 1)
        return start, start + len(needle)

    rows = []
    for release_id, text, names in (
        (ids[0], TEXT, ("數碼港", "數碼港大樓", "陳大文")),
        (ids[1], SIMPLIFIED, ("数码港", "数码港大楼", "陈大文")),
    ):
        for needle, label, nth in (
            (names[0], "ORG", 0),
            (names[1], "FACILITY", 0),
            (names[0], "ORG", 1),
            ("𨋢", "FACILITY", 0),
            (names[2], "PERSON", 0),
            ("500間" if release_id == ids[0] else "500间", "QUANTITY", 0),
        ):
            s, e = span(text, needle, nth)
            rows.append({"release_id": release_id, "kind": "entity", "label": label, "start": s, "end": e, "text": text[s:e],
                         "annotator": "ann", "created_at": AT, "updated_at": AT})  # fmt: skip
        s, e = span(text, "超過500間初創企業" if release_id == ids[0] else "超过500间初创企业")
        rows.append({"release_id": release_id, "kind": "claim", "label": "STATISTIC", "start": s, "end": e, "text": text[s:e],
                     "annotator": "ann", "created_at": AT, "updated_at": AT,
                     "attributes": {"value": 500, "unit": "間", "qualifier": ">", "metric": "start-ups", "as_of": "2026-01-02"}})  # fmt: skip
    store.insert_annotations(rows)
    claims = [a.id for anns in store.live_annotations().values() for a in anns if a.kind == "claim"]
    store.add_link(claims[0], claims[1], "repeats", annotator="ann", created_at=AT)
    for release_id in ids:
        store.set_status(release_id, "done", annotator="ann")
    return store


def dump(folder: Path) -> str:
    """Every file of an export folder as text; binary DocBins decoded; the tool version left out."""
    parts = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        if path.suffix == ".spacy":
            import spacy
            from spacy.tokens import DocBin

            docs = DocBin().from_disk(path).get_docs(spacy.blank("zh").vocab)
            body = "\n".join(json.dumps({"text": d.text, "ents": [[e.start, e.end, e.label_] for e in d.ents]}, ensure_ascii=False)
                             for d in docs)  # fmt: skip
        elif name == "manifest.json":
            manifest = json.loads(path.read_text(encoding="utf-8"))
            manifest.pop("version")
            for file, entry in manifest["files"].items():
                if file.endswith(".spacy"):  # DocBin bytes depend on the spaCy version
                    manifest["files"][file] = {"decoded above": True}
                else:
                    assert entry["bytes"] == (folder / file).stat().st_size
            body = json.dumps(manifest, ensure_ascii=False, indent=2)
        else:
            body = path.read_text(encoding="utf-8")
        parts.append(f"=== {name} ===\n{body.rstrip()}\n")
    return "\n".join(parts)


@pytest.mark.parametrize("fmt", list(EXPORTS))
def test_export_matches_its_golden_file(fmt: str, tmp_path: Path) -> None:
    store = golden_store()
    export(store, fmt, tmp_path / "out", split=(50, 0, 50), seed=1)
    got = dump(tmp_path / "out")
    golden = GOLDEN / f"{fmt}.txt"
    if os.environ.get("HKPR_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(got, encoding="utf-8")
    assert golden.exists(), f"no golden file for {fmt}: run with HKPR_UPDATE_GOLDEN=1 and review it"
    assert got == golden.read_text(encoding="utf-8")
