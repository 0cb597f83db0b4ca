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
import secrets
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hkpr_tui import __version__
from hkpr_tui.annotate.labels import LABEL_NAME
from hkpr_tui.export.dataset import SCRIPTS, Collected, collect, documents
from hkpr_tui.export.formats import ExportError, label_distribution
from hkpr_tui.export.redact import Redactor
from hkpr_tui.export.registry import EXPORTS
from hkpr_tui.store import Store
from hkpr_tui.textsafe import safe


@dataclass
class ExportResult:
    out: Path
    manifest: dict[str, Any]
    notes: list[str]


TEMP_MARK = ".hkpr-export-in-progress"
"""Written first into every temporary export folder: only folders holding it are cleaned up."""


def _is_inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
        return True
    except ValueError:
        return False


def earlier_export_problem(folder: Path) -> str | None:
    """Why ``folder`` is not an earlier hkpr export that ``--force`` may replace (None: it is one).

    It must hold a ``manifest.json`` written by hkpr that lists every file in the folder with its
    size and sha256, and nothing else: no other file, no empty folder, no link or device."""
    manifest_path = folder / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return "it has no readable hkpr manifest.json"
    if not isinstance(manifest, dict) or manifest.get("tool") != "hkpr" or not isinstance(manifest.get("files"), dict):
        return "its manifest.json was not written by hkpr"
    listed: dict[str, Any] = manifest["files"]
    folders = {parent.as_posix() for name in listed for parent in Path(name).parents if parent != Path(".")}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_symlink():
            return f"it holds a symbolic link, {name}"
        if path.is_dir():
            if name not in folders:
                return f"it holds a folder {name} that no hkpr export wrote"
        elif not path.is_file():
            return f"it holds {name}, which is not a regular file"
        elif name != "manifest.json":
            entry = listed.get(name)
            if not isinstance(entry, dict):
                return f"it holds {name}, which no hkpr export wrote"
            if entry.get("bytes") != path.stat().st_size or entry.get("sha256") != _sha256(path):
                return f"{name} is not the file the export wrote (it was changed since)"
    return None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def clean_stale(parent: Path, name: str) -> list[Path]:
    """Delete what killed exports to ``parent/name`` left behind: temporary folders (they hold
    TEMP_MARK) and a ``.name.old`` that is an earlier export. Returns what was deleted."""
    removed = []
    for path in parent.glob(f".{name}.*"):
        if path.is_symlink() or not path.is_dir():
            continue
        stale = (path / TEMP_MARK).is_file() or (
            path.name.startswith(f".{name}.old-") and earlier_export_problem(path) is None
        )
        if stale:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def write_atomically(
    out: Path, files: dict[str, bytes], *, force: bool = False, protect: tuple[Path, ...] = ()
) -> None:
    """Write ``files`` (relative name → bytes) as the folder ``out``, all or nothing.

    ``--force`` replaces only an earlier hkpr export (see ``earlier_export_problem``), never a
    symbolic link and never a folder holding one of ``protect`` (the open database). Every file
    name must stay inside ``out``."""
    out = Path(os.path.abspath(out))
    if out.is_symlink():
        raise ExportError(f"{out} is a symbolic link; name the folder itself")
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out} exists and is not a folder")
    real_out = out.resolve()
    for kept in protect:
        if _is_inside(kept.resolve(), real_out):
            raise ExportError(
                f"{out} holds the database {kept}; choose another folder (nothing was written or deleted)"
            )
    if out.exists() and any(out.iterdir()):
        if not force:
            raise ExportError(
                f"{out} exists and is not empty (--force replaces it only when it is an earlier hkpr export)"
            )
        problem = earlier_export_problem(out)
        if problem:
            raise ExportError(
                f"{out} is not an earlier hkpr export ({problem}); --force replaces only those. "
                "Choose a new or empty folder; nothing was deleted"
            )
    for name in files:
        parts = Path(name).parts
        if (
            not name
            or Path(name).is_absolute()
            or ".." in parts
            or "\x00" in name
            or any(p.startswith(".") for p in parts)
        ):
            raise ExportError(f"refusing to write {name!r}: a file name must stay inside {out}")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot make the folder {out.parent} ({exc.strerror or exc})") from None
    clean_stale(out.parent, out.name)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        (tmp / TEMP_MARK).touch()
        for name, data in files.items():
            path = tmp / name
            if not _is_inside(path.resolve(), tmp.resolve()):
                raise ExportError(f"refusing to write {name!r}: a file name must stay inside {out}")
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        (tmp / TEMP_MARK).unlink()
        old = None
        if out.exists():  # the earlier export, checked above: moved aside under a name nothing else has
            old = out.with_name(f".{out.name}.old-{secrets.token_hex(6)}")
            out.rename(old)
        tmp.rename(out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def drifted(collected: Collected) -> list[tuple[int, str]]:
    """Stored tags an export cannot write: their recorded text no longer matches their release,
    or their label is not a label name (a row written by something else). (annotation id,
    message naming the release, the tag and what is wrong)."""
    out = []
    for release in collected.releases:
        for a in collected.annotations.get(release.id, []):
            if not isinstance(a.label, str) or not LABEL_NAME.fullmatch(a.label):
                out.append(
                    (
                        a.id,
                        f"release #{release.id}: tag #{a.id} has the label {safe(str(a.label))[:60]!r}, not a label name",
                    )
                )
            elif release.text[a.start : a.end] != a.text:
                out.append((a.id, f"release #{release.id} ({release.title[:30]}): tag #{a.id} {a.label} {a.start}–{a.end} "
                                  f"recorded {a.text!r}, the text has {release.text[a.start:a.end]!r}"))  # fmt: skip
    return out


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
    skip_bad: bool = False,
    gold: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ExportResult:
    """Export to the folder ``out``. ``gold``: per release, the adjudicated layer where there is
    one, else the only annotator's tags (see ``dataset.collect``); releases left out are counted
    in the manifest and named in the notes."""
    if gold and annotators:
        raise ExportError("--gold chooses the tags per release; it cannot be combined with --annotator")
    if fmt not in EXPORTS:
        raise ExportError(f"unknown format {fmt!r}; choose one of {', '.join(EXPORTS)}")
    spec = EXPORTS[fmt]
    if script not in SCRIPTS:
        raise ExportError(f"unknown script {script!r}; choose one of {', '.join(SCRIPTS)}")
    collected = collect(store, status=status, labels=labels, annotators=annotators, gold=gold)
    bad = drifted(collected)
    skipped_notes: list[str] = []
    if bad and not skip_bad:
        raise ExportError(
            f"{len(bad)} stored tag(s) no longer match their text (--skip-bad exports the rest and lists these):\n  "
            + "\n  ".join(message for _, message in bad[:20])
        )
    if bad:
        gone = {annotation_id for annotation_id, _ in bad}
        collected.annotations = {r: [a for a in anns if a.id not in gone] for r, anns in collected.annotations.items()}
        collected.links = [l for l in collected.links if l.source_id not in gone and l.target_id not in gone]
        skipped_notes = [f"skipped: {message}" for _, message in bad]
    docs = documents(collected, script=script, split=split, seed=seed)
    if progress:
        for n in range(len(docs)):
            progress(n + 1, len(docs))
    redactor = Redactor(collected.pii_labels) if redact_pii else None
    if redactor is not None:
        redactor.prepare(docs)
        docs = [redactor(doc) for doc in docs]
    options = {"scheme": scheme, "scripts": SCRIPTS[script]}
    built = spec.build(docs, collected, options)
    if built.problems:
        raise ExportError(
            f"{len(built.problems)} span(s) do not match the exported text; nothing written:\n  "
            + "\n  ".join(built.problems[:20])
        )
    left_out = [
        f"left out: release #{r} ({safe(title)[:30]}): {', '.join(who)} disagree and nothing is adjudicated (hkpr agree lists it)"
        for r, title, who in collected.left_out
    ]
    notes = skipped_notes + left_out + list(built.counts.pop("notes", []))
    splits: dict[str, int] = {}
    for doc in docs:
        splits[doc.split] = splits.get(doc.split, 0) + 1
    manifest: dict[str, Any] = {
        "tool": "hkpr",
        "version": __version__,
        "schema_version": store.schema_version(),
        "format": fmt,
        "offset_unit": spec.unit,
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
            "nested_spans_dropped": sum(1 for n in notes if "nested" in n) if spec.flat else 0,
            "redacted": redactor.replaced if redactor else 0,
            "skipped_bad_tags": len(bad),
        },
        "labels": label_distribution(docs, spec.with_claims),
        "files": {name: {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()} for name, data in sorted(built.files.items())},
    }  # fmt: skip
    if gold:  # only then, so that other exports' manifests stay as they were
        manifest["parameters"]["gold"] = True
        manifest["counts"]["left_out_without_gold"] = len(collected.left_out)
    if "tag_names" in built.counts:
        manifest["tag_names"] = built.counts["tag_names"]
    files = dict(built.files)
    files["manifest.json"] = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    write_atomically(out, files, force=force, protect=store.files())
    return ExportResult(out, manifest, notes)
