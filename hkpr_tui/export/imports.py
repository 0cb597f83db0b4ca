"""``import-annotations``: bring tags made elsewhere (hkpr JSONL, Label Studio, doccano) into the store.

Every record is checked against its format's declared shape (``records.py``) and every span
against its text, its label's kind and the other spans of its layer *before anything is
stored*. A bad record is reported with its file, record number and field; unless ``skip_bad``,
nothing at all is stored when any record is bad (with it, the good records are). Then each task
is matched to a release by the hash of its text; a text no release has becomes a new release
(its text kept exactly, so the offsets stay valid). Labels the database does not know are added
and reported. Importing the same file twice adds nothing. Writes are committed a few tasks at a
time, so an app or another import on the same database waits only a moment. Headless: no UI code.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from hkpr_tui.corpus.ingest import release_from_text
from hkpr_tui.export.conll import read_conll
from hkpr_tui.export.dataset import span_key
from hkpr_tui.export.formats import from_utf16
from hkpr_tui.export.records import LINK_KINDS, RecordError, Task, label_name
from hkpr_tui.export.registry import IMPORTS
from hkpr_tui.models import Annotation, SentenceSpan
from hkpr_tui.store import Store

BATCH_TASKS = 50
"""Tasks stored per transaction: short enough that another writer waits only a moment."""


class ImportError_(ValueError):
    """A file import-annotations cannot read at all (the message says why)."""


@dataclass
class ImportReport:
    tasks: int = 0
    matched: int = 0
    new_releases: int = 0
    annotations: int = 0
    already_there: int = 0
    links: int = 0
    suggestions: int = 0  # of the annotations: predictions, stored as suggestions
    labels_added: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # bad records and links: "file, record N, field F: why"
    notes: list[str] = field(default_factory=list)  # what the files carry that hkpr does not store
    bad_records: int = 0

    def summary(self) -> str:
        return (
            f"tasks {self.tasks}: matched {self.matched}, new releases {self.new_releases}; "
            f"annotations added {self.annotations}"
            + (f" ({self.suggestions} as suggestions)" if self.suggestions else "")
            + f", already there {self.already_there}, links {self.links}; "
            f"problems {len(self.problems)}"
            + (f" ({self.bad_records} record(s) skipped)" if self.bad_records else "")
            + (f"; new labels: {', '.join(self.labels_added)}" if self.labels_added else "")
        )


MAX_FILE_BYTES = 512 * 1024 * 1024
"""A file of annotations larger than this is refused before it is read."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _decode(path: Path, data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportError_(f"{path}: not UTF-8 or UTF-16 text (byte {exc.start})") from None


def _read_json_lines(path: Path) -> list[Any]:
    """The records of a JSON file (a list, or one object) or of a JSON Lines file."""
    raw = _read_text(path)
    stripped = raw.lstrip()
    if stripped.startswith(("[", "{")):
        try:
            data = json.loads(raw, parse_constant=_reject_constant)
        except (ValueError, RecursionError) as exc:
            if stripped.startswith("["):
                raise ImportError_(f"{path}: not valid JSON ({exc})") from None
        else:
            return list(data) if isinstance(data, list) else [data]
    out = []
    for number, line in enumerate(raw.split("\n"), start=1):  # only \n ends a JSON line (not U+2028)
        if line.strip():
            try:
                out.append(json.loads(line, parse_constant=_reject_constant))
            except json.JSONDecodeError as exc:
                raise ImportError_(f"{path}, line {number}: not valid JSON ({exc.msg})") from None
            except (ValueError, RecursionError) as exc:
                raise ImportError_(
                    f"{path}, line {number}: not valid JSON ({str(exc)[:80] or 'nested too deeply'})"
                ) from None
    return out


def _files(path: Path, suffixes: tuple[str, ...], problems: list[str] | None) -> list[Path]:
    """The files to read: ``path`` itself, or the regular files of a folder with the format's
    suffixes (symbolic links are not followed out of the folder; they are reported)."""
    if not path.is_dir():
        return [path]
    found = []
    for p in sorted(path.iterdir()):
        if p.suffix not in suffixes or p.name == "manifest.json":
            continue
        if p.is_symlink() or not p.is_file():
            if problems is not None:
                problems.append(f"{p.name}: not a regular file (a link or a device), not read")
            continue
        found.append(p)
    if not found:
        raise ImportError_(f"{path}: no {', '.join(suffixes)} files in this folder")
    return found


def _read_text(path: Path) -> str:
    try:
        if not path.is_file():
            raise ImportError_(f"{path}: not a regular file")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ImportError_(f"{path}: larger than {MAX_FILE_BYTES // 2**20} MB")
        return _decode(path, path.read_bytes())
    except OSError as exc:
        raise ImportError_(f"{path}: cannot be read ({exc.strerror or exc})") from None


def _read_conll(path: Path, fmt: str, problems: list[str] | None, scheme: str, notes: list[str] | None) -> list[Task]:
    tasks: list[Task] = []
    for file in _files(path, IMPORTS[fmt].suffixes, problems):
        try:
            read = read_conll(_read_text(file), file.name, scheme=scheme)
        except ImportError_ as exc:
            if problems is None:
                raise
            problems.append(str(exc))
            continue
        if notes is not None:
            notes += read.notes
            notes.append(f"{file.name}: {read.scheme.upper()} tags")
        for where, task in read.records:
            if isinstance(task, RecordError):
                if problems is None:
                    raise ImportError_(f"{file.parent / where}, {task}") from None
                problems.append(f"{where}, {task}")
            else:
                tasks.append(task)
    return tasks


def read_tasks(
    path: Path, fmt: str, problems: list[str] | None = None, *, scheme: str = "auto", notes: list[str] | None = None
) -> list[Task]:
    """Every record of ``path`` (a file or a folder of them) checked and read as a task. A record
    that fails is reported in ``problems`` (raised at once when no list is given). ``scheme`` is
    the tag scheme of CoNLL files (auto: detected); what a file says about itself goes to ``notes``."""
    if fmt not in IMPORTS:
        raise ImportError_(f"unknown format {fmt!r}; choose one of {', '.join(IMPORTS)}")
    if not path.exists():
        raise ImportError_(f"{path}: no such file or folder")
    if IMPORTS[fmt].lines:
        return _read_conll(path, fmt, problems, scheme, notes)
    reader = IMPORTS[fmt].read()
    tasks: list[Task] = []
    for file in _files(path, IMPORTS[fmt].suffixes, problems):
        try:
            records = _read_json_lines(file)
        except ImportError_ as exc:
            if problems is None:
                raise
            problems.append(str(exc))  # the whole file is bad: reported, the others are read
            continue
        for n, record in enumerate(records, start=1):
            where = f"{file.name}, record {n}"
            try:
                task = reader(record, where)
            except RecordError as exc:
                if problems is None:
                    raise ImportError_(f"{file}, record {n}, {exc}") from None
                problems.append(f"{where}, {exc}")
                continue
            if task is not None:
                tasks.append(task)
    return tasks


def _resolve(task: Task, span: dict[str, Any]) -> tuple[int, int]:
    """Code-point offsets for a span, converting UTF-16 where the format uses it."""
    s, e = span["start"], span["end"]
    unit = span.get("unit")
    if unit == "utf-16":
        return from_utf16(task.text, s), from_utf16(task.text, e)
    if unit == "code points or utf-16":  # Label Studio before 1.0 counted UTF-16 units
        expected = span.get("text")
        if expected is not None and task.text[s:e] != expected:
            s2, e2 = from_utf16(task.text, s), from_utf16(task.text, e)
            if task.text[s2:e2] == expected:
                return s2, e2
    return s, e


def crossing(spans: list[tuple[int, int, Any]]) -> tuple[Any, Any] | None:
    """The first pair of spans that cross (overlap without one containing the other), or None.
    Equal spans count as crossing: one layer tags a stretch of text once. O(n log n)."""
    open_: list[tuple[int, int, Any]] = []
    for s, e, item in sorted(spans, key=lambda x: (x[0], -x[1])):
        while open_ and open_[-1][1] <= s:
            open_.pop()
        if open_ and (open_[-1][1] < e or (open_[-1][0], open_[-1][1]) == (s, e)):
            return open_[-1][2], item
        open_.append((s, e, item))
    return None


@dataclass(frozen=True)
class _Taken:
    """A span an earlier record of this import takes (checked like a stored one)."""

    kind: str
    label: str
    start: int
    end: int
    annotator: str
    status: str
    text: str


@dataclass
class _Checked:
    task: Task
    release_id: int | None  # None: a new release
    rows: list[dict[str, Any]]
    already: int


def _check_task(
    task: Task, release_id: int | None, existing: list[Any], kinds: dict[str, str], annotator: str
) -> _Checked:
    """Resolve and check every span of ``task``; raise RecordError on the first bad one."""
    present = {(a.kind, a.label, a.start, a.end, a.annotator) for a in existing}
    anyone = {(kind, label, s, e) for kind, label, s, e, _ in present}  # a suggestion of a tag adds nothing
    rows, already = [], 0
    layers: dict[tuple[str, str], list[tuple[int, int, Any]]] = {}
    for a in existing:
        if a.status == "accepted":
            what = "the stored" if isinstance(a, Annotation) else "an earlier record's"
            layers.setdefault((a.annotator, a.kind), []).append(
                (a.start, a.end, (f"{what} {a.label} 「{a.text[:20]}」", None, a.start, a.end))
            )
    # suggestions (predictions) are a layer of their own per model: they may overlap the tags
    for span in task.spans:
        where = span["field"]
        label = span["label"]
        if kinds.setdefault(label, span["kind"]) != span["kind"]:
            raise RecordError(
                f"{where}.label",
                f"{label} is a{'n' if kinds[label] == 'entity' else ''} {kinds[label]} label, used here for a{'n' if span['kind'] == 'entity' else ''} {span['kind']}",
            )
        s, e = _resolve(task, span)
        if not 0 <= s < e <= len(task.text):
            raise RecordError(f"{where}.end", f"{label} {s}–{e} is outside the text (length {len(task.text)})")
        expected = span.get("text")
        if expected is not None and task.text[s:e] != expected:
            raise RecordError(
                f"{where}.text", f"{label} {s}–{e} covers {task.text[s:e][:40]!r}, the file says {expected[:40]!r}"
            )
        who = span.get("annotator") or annotator
        key = (span["kind"], label, s, e, who)
        status = span.get("status") or "accepted"
        if key in present or (status == "suggested" and key[:4] in anyone):
            already += 1
            continue
        present.add(key)
        anyone.add(key[:4])
        layer = who if status == "accepted" else f"{who} ({span['attributes'].get('suggested_by')})"
        layers.setdefault((layer, span["kind"]), []).append(
            (s, e, (f"{label} 「{task.text[s:e][:20]}」 ({s}–{e})", where, s, e))
        )
        rows.append({
            "release_id": release_id, "kind": span["kind"], "label": label, "start": s, "end": e, "text": task.text[s:e],
            "attributes": span.get("attributes") or {}, "annotator": who, "created_at": span.get("created_at"),
            "updated_at": span.get("updated_at"), "status": status,
        })  # fmt: skip
    for (who, kind), spans in layers.items():
        pair = crossing(spans)
        if pair:
            (first, first_field, *first_span), (second, second_field, *second_span) = pair
            same = first_span == second_span
            problem = (
                "tag the same text twice (one label per span and annotator)"
                if same
                else f"cross ({who}'s {kind} tags may nest, not cross)"
            )
            raise RecordError(second_field or first_field or "(record)", f"{first} and {second} {problem}")
    return _Checked(task, release_id, rows, already)


MAX_CONFIG_BYTES = 1 << 20


def config_labels(path: Path, problems: list[str]) -> list[str]:
    """The labels of a Label Studio ``label_config.xml`` beside the tasks (in the folder, or
    beside the file), in its order: a re-export then writes the same config. A config that
    cannot be read is a problem; one with a DTD is refused (no entity expansion)."""
    config = (path if path.is_dir() else path.parent) / "label_config.xml"
    if config.is_symlink() or not config.is_file():
        return []
    try:
        if config.stat().st_size > MAX_CONFIG_BYTES:
            raise ImportError_(f"{config.name}: larger than {MAX_CONFIG_BYTES // 1024} KB")
        raw = _decode(config, config.read_bytes())
        if "<!DOCTYPE" in raw.upper() or "<!ENTITY" in raw.upper():
            raise ImportError_(f"{config.name}: holds a DTD, which hkpr does not read")
        root = ElementTree.fromstring(raw)
    except ImportError_ as exc:
        problems.append(str(exc))
        return []
    except (OSError, ElementTree.ParseError) as exc:
        problems.append(f"{config.name}: not readable XML ({exc})")
        return []
    names: list[str] = []
    for n, element in enumerate((e for e in root.iter() if e.tag == "Label"), start=1):
        try:
            name = label_name(element.get("value"), f"Label {n}.value")
        except RecordError as exc:
            problems.append(f"{config.name}, {exc}")
            continue
        if name not in names:
            names.append(name)
    return names


def place_relations(task: Task, kinds: dict[str, str]) -> None:
    """doccano's relation format: settle each entity's kind (a claim when the database knows its
    label as a claim label) and each relation: a link between two claims when its type is a link
    kind (``same_metric``, ``repeats``, ``contradicts``); any other relation is kept in the source
    span's ``relations`` attribute and reported, never dropped."""
    for found in task.spans:
        if found["kind"] == "auto":
            found["kind"] = kinds.get(found["label"], "entity")
    kept = []
    for link in task.links:
        if "source_index" not in link:
            kept.append(link)
            continue
        source, target = task.spans[link["source_index"]], task.spans[link["target_index"]]
        if source["kind"] == target["kind"] == "claim" and link["type"] in LINK_KINDS and source is not target:
            kept.append(link)
            continue
        s, e = _resolve(task, target)
        source["attributes"] = dict(source["attributes"])
        source["attributes"].setdefault("relations", []).append(
            {"type": link["type"], "to": {"label": target["label"], "start": s, "end": e, "text": task.text[s:e]}}
        )
        why = (
            f"{link['type']!r} is not a link kind ({', '.join(LINK_KINDS)})"
            if link["type"] not in LINK_KINDS
            else "hkpr links claims only"
        )
        task.notes.append(
            f"{link['field']}: relation {link['type']} {source['label']} → {target['label']} kept in the "
            f"{source['label']} span's attributes as relations ({why})"
        )
    task.links = kept


def import_annotations(
    store: Store, path: Path, fmt: str, *, annotator: str, skip_bad: bool = False, scheme: str = "auto"
) -> ImportReport:
    """Check every record of ``path``, then store the good ones (all, or none without ``skip_bad``).
    ``scheme``: the tag scheme of CoNLL files (auto: detected from the tags)."""
    problems: list[str] = []
    file_notes: list[str] = []
    tasks = read_tasks(path, fmt, problems, scheme=scheme, notes=file_notes)
    report = ImportReport(tasks=len(tasks) + len(problems), problems=problems)
    by_hash = store.release_ids_by_hash()
    kinds = {row["name"]: row["kind"] for row in store.stored_labels()}
    known = dict(kinds)
    in_config = config_labels(path, problems) if fmt == "label-studio" else []
    for name in in_config:
        kinds.setdefault(name, "entity")
    for task in tasks:
        place_relations(task, kinds)
    report.notes = file_notes + [f"{t.where}: {note}" for t in tasks for note in t.notes]
    checked: list[_Checked] = []
    seen: dict[str, list[Any]] = {}  # text hash → the spans stored or taken so far (earlier records count)
    for task in tasks:
        digest = hashlib.sha256(task.text.encode("utf-8")).hexdigest()
        release_id = by_hash.get(digest)
        if digest not in seen:
            seen[digest] = list(
                store.live_annotations([release_id], statuses=("accepted", "suggested", "rejected")).get(release_id, [])
                if release_id is not None else []
            )  # fmt: skip
        try:
            item = _check_task(task, release_id, seen[digest], kinds, annotator)
        except RecordError as exc:
            problems.append(f"{task.where}, {exc}")
            continue
        checked.append(item)
        seen[digest] += [
            _Taken(r["kind"], r["label"], r["start"], r["end"], r["annotator"], "accepted", r["text"])
            for r in item.rows
        ]
    report.bad_records = len(problems)
    if problems and not skip_bad:
        raise BadRecords(report)
    used = {row["label"] for c in checked for row in c.rows}
    new_labels = {name: kinds[name] for name in [*in_config, *kinds] if name not in known and (
        name in used or name in in_config)}  # fmt: skip
    report.labels_added = store.ensure_labels(new_labels)
    for start in range(0, len(checked), BATCH_TASKS):
        with store.write():
            for item in checked[start : start + BATCH_TASKS]:
                _store_task(store, item, by_hash, report, path, annotator)
    _store_links(store, tasks, by_hash, report, annotator)
    store.log_event(
        annotator, "import annotations", "annotations", {"path": str(path), "format": fmt, "summary": report.summary()}
    )
    return report


class BadRecords(ImportError_):
    """Some records are bad and ``skip_bad`` was not given: nothing was stored."""

    def __init__(self, report: ImportReport) -> None:
        shown = "\n  ".join(report.problems[:20]) + (
            f"\n  … and {len(report.problems) - 20} more" if len(report.problems) > 20 else ""
        )
        super().__init__(
            f"{len(report.problems)} bad record(s); nothing was stored (--skip-bad imports the good ones):\n  {shown}"
        )
        self.report = report


def _store_task(
    store: Store, item: _Checked, by_hash: dict[str, int], report: ImportReport, path: Path, annotator: str
) -> None:
    task, release_id = item.task, item.release_id
    if release_id is None:
        digest = hashlib.sha256(task.text.encode("utf-8")).hexdigest()
        release_id = by_hash.get(digest)  # an earlier task of this import may have added the text
    if release_id is None:
        meta = task.meta
        new = release_from_text(
            task.text, source=meta.get("source") or f"{path.name}#{task.where}", title=meta.get("title"),
            organisation=meta.get("organisation"), date=meta.get("date"), kind=meta.get("kind"), script=meta.get("script"),
        )  # fmt: skip
        if meta.get("sentences"):  # the file's own sentence boundaries (CoNLL)
            paragraphs = [(p.start, p.end) for p in new.paragraphs]
            new = dataclasses.replace(new, sentences=[
                SentenceSpan(next((i for i, (a, b) in enumerate(paragraphs) if a <= s < b), 0), s, e)
                for s, e in meta["sentences"]
            ])  # fmt: skip
        release_id = store.add_release(new, annotator=annotator).release_id
        by_hash[new.content_hash] = release_id
        report.new_releases += 1
        status = meta.get("status") or ("done" if task.spans else "todo")
        if status != "todo":
            store.set_status(release_id, status, annotator=annotator, action="import status")
    else:
        report.matched += 1
    report.already_there += item.already
    rows = [{k: v for k, v in {**row, "release_id": release_id}.items() if v is not None} for row in item.rows]
    report.annotations += store.insert_annotations(rows)
    report.suggestions += sum(1 for row in rows if row.get("status") == "suggested")


def _store_links(
    store: Store, tasks: list[Task], by_hash: dict[str, int], report: ImportReport, annotator: str
) -> None:
    """Links of native JSONL records: claims are named by "content hash:start:end:label"."""
    if not any(task.links for task in tasks):
        return
    hash_of = {i: h for h, i in by_hash.items()}
    keys: dict[str, int] = {}
    for release_id, anns in store.live_annotations(list(hash_of)).items():
        for a in anns:
            if a.kind == "claim":
                keys[span_key(hash_of[release_id], a.start, a.end, a.label)] = a.id
    present = {(l.source_id, l.target_id, l.kind) for l in store.links()}
    with store.write():
        for task in tasks:
            digest = hashlib.sha256(task.text.encode("utf-8")).hexdigest()
            for link in task.links:
                if "source_index" in link:  # doccano relations: the spans of this record
                    link["kind"] = link["type"]
                    link["source"], link["target"] = (
                        span_key(digest, *_resolve(task, task.spans[link[end]]), task.spans[link[end]]["label"])
                        for end in ("source_index", "target_index")
                    )
                source, target = keys.get(link["source"]), keys.get(link["target"])
                if source is None or target is None:
                    report.problems.append(f"{task.where}: link {link['kind']} names a claim this import does not have")
                    continue
                if source == target or (source, target, link["kind"]) in present:
                    continue
                store.add_link(
                    source, target, link["kind"], annotator=link.get("annotator") or annotator,
                    action="import link", created_at=link.get("created_at"),
                )  # fmt: skip
                present.add((source, target, link["kind"]))
                report.links += 1
