"""``export``: collect → project → (redact) → build and validate → write atomically with a manifest.

The output is a folder: the format's files and ``manifest.json`` (counts, label distribution,
offset unit, parameters, tool and schema versions, sha256 of every file). The export streams:
releases are read a chunk at a time and each format writes its records as they come, into a
temporary folder beside ``out`` that is renamed into place only once every span has been checked
and the manifest written; any failure (a drifted tag, a span that does not match, a full disk)
deletes the temporary folder, so a failed export leaves nothing behind. Headless: no UI code.
"""

from __future__ import annotations

import functools
import io
import json
import os
import secrets
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hkpr_tui import __version__
from hkpr_tui.annotate.labels import LABEL_NAME
from hkpr_tui.export.dataset import (
    SCRIPTS,
    Collected,
    Context,
    Document,
    Item,
    read_releases,
    release_documents,
    release_ids,
    span_key,
    without_texts,
)
from hkpr_tui.export.formats import ExportError, Sink, file_sha256, name_problem
from hkpr_tui.export.redact import Redactor
from hkpr_tui.export.registry import EXPORTS
from hkpr_tui.models import Annotation, Release
from hkpr_tui.store import Store
from hkpr_tui.textsafe import safe


@dataclass
class ExportResult:
    out: Path
    manifest: dict[str, Any]
    notes: list[str]


TEMP_MARK = ".hkpr-export-in-progress"
"""Written first into every temporary export folder: only folders holding it are cleaned up."""


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
            if entry.get("bytes") != path.stat().st_size or entry.get("sha256") != file_sha256(path):
                return f"{name} is not the file the export wrote (it was changed since)"
    return None


def _file_names(folder: Path) -> list[str]:
    """Every file under ``folder`` but TEMP_MARK, as sorted relative POSIX names."""
    names = []
    for here, _, found in os.walk(folder):
        prefix = os.path.relpath(here, folder).replace(os.sep, "/")
        names += [name if prefix == "." else f"{prefix}/{name}" for name in found]
    return sorted(n for n in names if n != TEMP_MARK)


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


def _check_out(out: Path, *, force: bool, protect: tuple[Path, ...]) -> None:
    """Refuse ``out`` unless it is new, empty, or (``force``) an earlier hkpr export; never a
    symbolic link, never a folder holding one of ``protect`` (the open database)."""
    if out.is_symlink():
        raise ExportError(f"{out} is a symbolic link; name the folder itself")
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out} exists and is not a folder")
    real_out = out.resolve()
    for kept in protect:
        if kept.resolve().is_relative_to(real_out):
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


@contextmanager
def atomic_folder(out: Path, *, force: bool = False, protect: tuple[Path, ...] = ()) -> Iterator[Sink]:
    """Files written into the yielded ``Sink`` become the folder ``out``, all or nothing: they go
    into a temporary folder beside ``out`` (marked with TEMP_MARK), renamed into place when the
    block ends; an exception deletes it. ``--force`` replaces only an earlier hkpr export (see
    ``earlier_export_problem``), checked before anything is written and again before the rename."""
    out = Path(os.path.abspath(out))
    _check_out(out, force=force, protect=protect)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot make the folder {out.parent} ({exc.strerror or exc})") from None
    clean_stale(out.parent, out.name)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    sink = Sink(tmp, out)
    try:
        (tmp / TEMP_MARK).touch()
        yield sink
        sink.close_all()
        sink.sync()
        (tmp / TEMP_MARK).unlink()
        _check_out(out, force=force, protect=protect)  # nothing else took the name meanwhile
        old = None
        if out.exists():  # the earlier export, checked above: moved aside under a name nothing else has
            old = out.with_name(f".{out.name}.old-{secrets.token_hex(6)}")
            out.rename(old)
        tmp.rename(out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        sink.abandon()
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_atomically(
    out: Path, files: dict[str, bytes], *, force: bool = False, protect: tuple[Path, ...] = ()
) -> None:
    """Write ``files`` (relative name → bytes) as the folder ``out``, all or nothing (see
    ``atomic_folder``). Every file name must stay inside ``out``."""
    for name in files:
        if name_problem(name):
            raise ExportError(f"refusing to write {name!r}: a file name must stay inside {Path(os.path.abspath(out))}")
    with atomic_folder(out, force=force, protect=protect) as sink:
        for name, data in files.items():
            sink.write(name, data)


@functools.lru_cache(maxsize=4096)
def _is_label_name(label: str) -> bool:
    """``LABEL_NAME.fullmatch``, checked once per label (an export checks every tag's)."""
    return LABEL_NAME.fullmatch(label)


def release_drift(release: Release, annotations: list[Annotation]) -> list[tuple[int, str]]:
    """A release's stored tags an export cannot write: their recorded text no longer matches the
    release, or their label is not a label name (a row written by something else). (annotation
    id, message naming the release, the tag and what is wrong)."""
    out = []
    for a in annotations:
        if not isinstance(a.label, str) or not _is_label_name(a.label):
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


def drifted(collected: Collected) -> list[tuple[int, str]]:
    """``release_drift`` of every collected release."""
    out = []
    for release in collected.releases:
        out += release_drift(release, collected.annotations.get(release.id, []))
    return out


def _context(
    store: Store, ids: list[int], read: Callable[[list[int]], Iterator[Item]], params: dict[str, Any]
) -> Context:
    """What documents may name beyond their own release: the links and claim subjects. Only the
    releases holding a tag that a link or a subject names are read here (their tags chosen and
    checked as the export will), so that each such tag's fate is known before any is written."""
    stored = store.stored_labels()
    every = store.links()
    wanted = {i for link in every for i in (link.source_id, link.target_id)}
    for value in store.subject_references():
        if isinstance(value, bool | int) or (isinstance(value, float) and value.is_integer()):
            wanted.add(int(value))
    exported = set(ids)
    holding = sorted({r for r in store.annotation_releases(wanted).values() if r in exported})
    keys: dict[int, str] = {}
    named: dict[int, tuple[Release, Annotation]] = {}
    for item in read(holding):
        bad = {a for a, _ in release_drift(item.release, item.annotations)}
        bare = without_texts(item.release)
        for a in item.annotations:
            if a.id in wanted and a.id not in bad:
                keys[a.id] = span_key(item.release.content_hash, a.start, a.end, a.label)
                named[a.id] = (bare, a)
    return Context(
        label_kinds={row["name"]: row["kind"] for row in stored},
        pii_labels={row["name"] for row in stored if row["pii"]},
        params=params,
        links=[link for link in every if link.source_id in keys and link.target_id in keys],
        keys=keys,
        named=named,
    )


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
    """Export to the folder ``out``, release by release. ``gold``: per release, the adjudicated
    layer where there is one, else the only annotator's tags (see ``dataset.read_releases``);
    releases left out are counted in the manifest and named in the notes. Every stored tag is
    checked against its text, and every span written against the text written, before the folder
    is renamed into place; a failure leaves nothing behind."""
    if gold and annotators:
        raise ExportError("--gold chooses the tags per release; it cannot be combined with --annotator")
    if fmt not in EXPORTS:
        raise ExportError(f"unknown format {fmt!r}; choose one of {', '.join(EXPORTS)}")
    spec = EXPORTS[fmt]
    if script not in SCRIPTS:
        raise ExportError(f"unknown script {script!r}; choose one of {', '.join(SCRIPTS)}")
    ids = release_ids(store, status)

    def read(chosen: list[int]) -> Iterator[Item]:
        return read_releases(store, chosen, labels=labels, annotators=annotators, gold=gold, sentences=spec.sentences)

    def docs_of(item: Item, bad: list[tuple[int, str]]) -> list[Document]:
        gone = {annotation_id for annotation_id, _ in bad}
        anns = [a for a in item.annotations if a.id not in gone] if gone else item.annotations
        return release_documents(
            item.release, item.group_key, anns, item.sentences, script=script, split=split, seed=seed
        )

    params = {"status": status, "labels": labels, "annotators": annotators, "gold": gold}
    with atomic_folder(out, force=force, protect=store.files()) as sink:
        ctx = _context(store, ids, read, params)
        redactor = Redactor(ctx.pii_labels) if redact_pii else None
        if redactor is not None:  # a string redacted in one version is redacted in all: learnt first
            for item in read(ids):
                if item.left_out is None:
                    redactor.prepare(docs_of(item, release_drift(item.release, item.annotations)))
        options = {"scheme": scheme, "scripts": SCRIPTS[script]}
        writer = spec.writer(sink, ctx, options)
        bad: list[tuple[int, str]] = []
        left_out: list[tuple[int, str, list[str]]] = []
        releases = documents = entities = claims = 0
        splits: Counter[str] = Counter()
        labels_seen: Counter[str] = Counter()
        for n, item in enumerate(read(ids), start=1):
            if progress:
                progress(n, len(ids))
            if item.left_out is not None:
                left_out.append((item.release.id, item.release.title, item.left_out))
                continue
            releases += 1
            found = release_drift(item.release, item.annotations)
            bad += found
            if bad and not skip_bad:
                continue  # the export fails: the rest is only checked, to name every drifted tag
            for doc in docs_of(item, found):
                if redactor is not None:
                    doc = redactor(doc)
                writer.add(doc)
                documents += 1
                splits[doc.split] += 1
                entities += len(doc.entities)
                claims += len(doc.claims)
                labels_seen.update(s.label for s in doc.entities)
                if spec.with_claims:
                    labels_seen.update(s.label for s in doc.claims)
        if bad and not skip_bad:
            raise ExportError(
                f"{len(bad)} stored tag(s) no longer match their text (--skip-bad exports the rest and lists these):\n  "
                + "\n  ".join(message for _, message in bad[:20])
            )
        writer.finish()
        problems = writer.errors
        if problems:
            raise ExportError(
                f"{len(problems)} span(s) do not match the exported text; nothing written:\n  "
                + "\n  ".join(problems[:20])
            )
        sink.close_all()
        skipped_notes = [f"skipped: {message}" for _, message in bad]
        left_out_notes = [
            f"left out: release #{r} ({safe(title)[:30]}): {', '.join(who)} disagree and nothing is adjudicated (hkpr agree lists it)"
            for r, title, who in left_out
        ]
        notes = skipped_notes + left_out_notes + writer.notes
        files = {}
        for name in _file_names(sink.folder):  # names, not Path objects: brat writes two files per document
            files[name] = sink.digest(name)
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
                "releases": releases,
                "documents": documents,
                "documents_by_split": dict(sorted(splits.items())),
                "entities": entities,
                "claims": claims,
                "links": len(ctx.links),
                "nested_spans_dropped": sum(1 for n in notes if "nested" in n) if spec.flat else 0,
                "redacted": redactor.replaced if redactor else 0,
                "skipped_bad_tags": len(bad),
            },
            "labels": dict(sorted(labels_seen.items())),
            "files": dict(sorted(files.items())),
        }  # fmt: skip
        if gold:  # only then, so that other exports' manifests stay as they were
            manifest["parameters"]["gold"] = True
            manifest["counts"]["left_out_without_gold"] = len(left_out)
        if "tag_names" in writer.counts:
            manifest["tag_names"] = writer.counts["tag_names"]
        # json.dump streams its pieces to the file; json.dumps with indent joins a list of them all
        # in memory first (brat's manifest lists two files per document)
        text = io.TextIOWrapper(sink.open("manifest.json"), encoding="utf-8", newline="")
        json.dump(manifest, text, ensure_ascii=False, indent=2)
        text.write("\n")
        text.flush()
        text.detach()
        sink.close("manifest.json")
    return ExportResult(out, manifest, notes)
