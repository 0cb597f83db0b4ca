"""``export``: collect → project → (redact) → build and validate → write atomically with a manifest.

The output is a folder: the format's files and ``manifest.json`` (counts, label distribution,
offset unit, parameters, tool and schema versions, sha256 of every file). Everything is built
and checked in memory first; the folder is written under a temporary name beside ``out`` and
renamed into place, so a failed export leaves nothing behind. Headless: no UI code.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hkpr_tui import __version__
from hkpr_tui.export.dataset import SCRIPTS, collect, documents
from hkpr_tui.export.formats import BUILDERS, FLAT, UNITS, ExportError, check_drift, label_distribution
from hkpr_tui.export.redact import Redactor
from hkpr_tui.store import Store


@dataclass
class ExportResult:
    out: Path
    manifest: dict[str, Any]
    notes: list[str]


def write_atomically(out: Path, files: dict[str, bytes], *, force: bool = False) -> None:
    """Write ``files`` (relative name → bytes) as the folder ``out``, all or nothing."""
    out = out.resolve()
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out} exists and is not a folder")
    if out.exists() and any(out.iterdir()) and not force:
        raise ExportError(f"{out} exists and is not empty (use --force to replace it)")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for name, data in files.items():
            path = tmp / name
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        old = None
        if out.exists():
            old = out.with_name(f".{out.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            out.rename(old)
        tmp.rename(out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def export(
    store: Store,
    fmt: str,
    out: Path,
    *,
    script: str = "original",
    split: tuple[int, int, int] | None = None,
    seed: int = 0,
    status: str = "done",
    labels: list[str] | None = None,
    annotators: list[str] | None = None,
    redact_pii: bool = False,
    scheme: str = "bio",
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ExportResult:
    if fmt not in BUILDERS:
        raise ExportError(f"unknown format {fmt!r}; choose one of {', '.join(BUILDERS)}")
    if script not in SCRIPTS:
        raise ExportError(f"unknown script {script!r}; choose one of {', '.join(SCRIPTS)}")
    collected = collect(store, status=status, labels=labels, annotators=annotators)
    docs = documents(collected, script=script, split=split, seed=seed)
    errors: list[str] = []
    for n, doc in enumerate(docs):
        check_drift(doc, errors)
        if progress:
            progress(n + 1, len(docs))
    if errors:
        raise ExportError("stored spans no longer match their text:\n  " + "\n  ".join(errors[:20]))
    redactor = Redactor(collected.pii_labels) if redact_pii else None
    if redactor is not None:
        docs = [redactor(doc) for doc in docs]
    options = {"scheme": scheme, "scripts": SCRIPTS[script]}
    built = BUILDERS[fmt](docs, collected, options)
    if built.problems:
        raise ExportError(f"{len(built.problems)} span(s) do not match the exported text; nothing written:\n  " + "\n  ".join(built.problems[:20]))
    notes = list(built.counts.pop("notes", []))
    splits: dict[str, int] = {}
    for doc in docs:
        splits[doc.split] = splits.get(doc.split, 0) + 1
    manifest = {
        "tool": "hkpr",
        "version": __version__,
        "schema_version": store.schema_version(),
        "format": fmt,
        "offset_unit": UNITS[fmt],
        "parameters": {
            "script": script, "split": "/".join(map(str, split)) if split else None, "seed": seed, "status": status,
            "labels": labels, "annotators": annotators, "redact_pii": redact_pii,
            "scheme": scheme if fmt in ("bio", "hf") else None,
        },
        "counts": {
            "releases": len(collected.releases),
            "documents": len(docs),
            "documents_by_split": dict(sorted(splits.items())),
            "entities": sum(len(d.entities) for d in docs),
            "claims": sum(len(d.claims) for d in docs),
            "links": len(collected.links),
            "nested_spans_dropped": sum(1 for n in notes if "nested" in n) if fmt in FLAT else 0,
            "redacted": redactor.replaced if redactor else 0,
        },
        "labels": label_distribution(docs, fmt),
        "files": {name: {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()} for name, data in sorted(built.files.items())},
    }  # fmt: skip
    if "tag_names" in built.counts:
        manifest["tag_names"] = built.counts["tag_names"]
    files = dict(built.files)
    files["manifest.json"] = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    write_atomically(out, files, force=force)
    return ExportResult(out, manifest, notes)
