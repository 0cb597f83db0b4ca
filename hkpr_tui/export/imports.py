"""``import-annotations``: bring tags made elsewhere (hkpr JSONL, Label Studio, doccano) into the store.

Each task is matched to a release by the hash of its text; a text no release has becomes a new
release (its text kept exactly, so the offsets stay valid). Every span is checked against the
text before it is stored; a span that does not match is reported, never stored. Labels the
database does not know are added and reported. Importing the same file twice adds nothing.
Headless: no UI code.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hkpr_tui.corpus.ingest import release_from_text
from hkpr_tui.export.dataset import span_key
from hkpr_tui.export.formats import from_utf16
from hkpr_tui.store import Store

FORMATS = ("jsonl", "label-studio", "doccano")


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
    labels_added: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"tasks {self.tasks}: matched {self.matched}, new releases {self.new_releases}; "
            f"annotations added {self.annotations}, already there {self.already_there}, links {self.links}; "
            f"problems {len(self.problems)}"
            + (f"; new labels: {', '.join(self.labels_added)}" if self.labels_added else "")
        )


@dataclass
class Task:
    text: str
    spans: list[dict[str, Any]]  # start, end (code points), label, kind, text?, annotator?, created_at?, ...
    meta: dict[str, Any] = field(default_factory=dict)
    links: list[dict[str, Any]] = field(default_factory=list)
    where: str = ""


def _read_json_lines(path: Path) -> list[Any]:
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportError_(f"{path}: cannot be read ({exc})") from None
    stripped = raw.lstrip()
    if stripped.startswith("["):
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ImportError_(f"{path}: not valid JSON ({exc})") from None
        return list(data)
    out = []
    for number, line in enumerate(raw.splitlines(), start=1):
        if line.strip():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ImportError_(f"{path}, line {number}: not valid JSON ({exc.msg})") from None
    return out


def _files(path: Path, suffixes: tuple[str, ...]) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in suffixes and p.name != "manifest.json")
    return [path]


def read_tasks(path: Path, fmt: str) -> list[Task]:
    if fmt not in FORMATS:
        raise ImportError_(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if not path.exists():
        raise ImportError_(f"{path}: no such file or folder")
    tasks: list[Task] = []
    if fmt == "jsonl":
        for file in _files(path, (".jsonl",)):
            for n, record in enumerate(_read_json_lines(file), start=1):
                if not isinstance(record, dict) or "text" not in record:
                    raise ImportError_(f"{file}, record {n}: not an hkpr JSONL record (no text)")
                if record.get("script", "original") != "original":
                    continue  # projected copies (--script hant/hans/all) carry the same tags
                spans = [{**e, "kind": "entity"} for e in record.get("entities", [])]
                spans += [{**c, "kind": "claim"} for c in record.get("claims", [])]
                tasks.append(Task(record["text"], spans, record.get("release", {}), record.get("links", []), f"{file.name}:{n}"))
    elif fmt == "label-studio":
        for file in _files(path, (".json", ".jsonl")):
            for n, task in enumerate(_read_json_lines(file), start=1):
                data = task.get("data", {}) if isinstance(task, dict) else {}
                text = data.get("text") if isinstance(data.get("text"), str) else next((v for v in data.values() if isinstance(v, str)), None)
                if text is None:
                    raise ImportError_(f"{file}, task {n}: no data.text")
                spans = []
                for annotation in task.get("annotations", []):
                    who = annotation.get("completed_by")
                    who = who.get("email") if isinstance(who, dict) else (str(who) if who is not None else None)
                    for item in annotation.get("result", []):
                        value = item.get("value", {})
                        for label in value.get("labels", []):
                            spans.append({"start": value.get("start"), "end": value.get("end"), "label": label, "kind": "entity",
                                          "text": value.get("text"), "annotator": who, "unit": "code points or utf-16"})  # fmt: skip
                meta = {k: data.get(k) for k in ("title", "date", "organisation") if data.get(k)}
                tasks.append(Task(text, spans, meta, where=f"{file.name}:{n}"))
    else:  # doccano
        for file in _files(path, (".jsonl", ".json")):
            for n, row in enumerate(_read_json_lines(file), start=1):
                if not isinstance(row, dict) or not isinstance(row.get("text"), str):
                    raise ImportError_(f"{file}, line {n}: no text")
                spans = []
                for item in row.get("label", row.get("labels", [])):
                    if isinstance(item, dict):  # newer exports: {"start_offset", "end_offset", "label"}
                        item = [item.get("start_offset"), item.get("end_offset"), item.get("label")]
                    if len(item) != 3:
                        continue
                    s, e, label = item
                    if not isinstance(label, str):
                        raise ImportError_(f"{file}, line {n}: label {label!r} is an id, not a name; export from doccano with label names")
                    spans.append({"start": s, "end": e, "label": label, "kind": "entity", "unit": "utf-16"})
                meta = {k: row.get(k) for k in ("title",) if row.get(k)}
                tasks.append(Task(row["text"], spans, meta, where=f"{file.name}:{n}"))
    return tasks


def _resolve(task: Task, span: dict[str, Any]) -> tuple[int, int] | None:
    """Code-point offsets for a span, converting UTF-16 where the format uses it."""
    s, e = span.get("start"), span.get("end")
    if not isinstance(s, int) or not isinstance(e, int):
        return None
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


def import_annotations(store: Store, path: Path, fmt: str, *, annotator: str) -> ImportReport:
    tasks = read_tasks(path, fmt)
    report = ImportReport(tasks=len(tasks))
    by_hash = store.release_ids_by_hash()
    known_labels = {row["name"]: row["kind"] for row in store.stored_labels()}
    new_labels: dict[str, str] = {}
    for task in tasks:
        for span in task.spans:
            if span.get("label") and span["label"] not in known_labels:
                new_labels.setdefault(span["label"], span["kind"])
    report.labels_added = store.ensure_labels(new_labels)
    keys: dict[str, int] = {}  # "hash:start:end:label" → annotation id, for links
    with store.transaction():
        for task in tasks:
            digest = hashlib.sha256(task.text.encode("utf-8")).hexdigest()
            release_id = by_hash.get(digest)
            if release_id is None:
                meta = task.meta
                new = release_from_text(
                    task.text, source=meta.get("source") or f"{path.name}#{task.where}", title=meta.get("title"),
                    organisation=meta.get("organisation"), date=meta.get("date"), kind=meta.get("kind"), script=meta.get("script"),
                )  # fmt: skip
                release_id = store.add_release(new, annotator=annotator).release_id
                by_hash[digest] = release_id
                report.new_releases += 1
                status = meta.get("status") or ("done" if task.spans else "todo")
                if status != "todo":
                    store.set_status(release_id, status, annotator=annotator, action="import status")
            else:
                report.matched += 1
            existing = {
                (a.kind, a.label, a.start, a.end, a.annotator)
                for anns in store.live_annotations([release_id], statuses=("accepted", "suggested", "rejected")).values()
                for a in anns
            }
            rows = []
            for span in task.spans:
                resolved = _resolve(task, span)
                label = span.get("label")
                if resolved is None or not label:
                    report.problems.append(f"{task.where}: a span without start/end/label: {span}")
                    continue
                s, e = resolved
                if not 0 <= s < e <= len(task.text):
                    report.problems.append(f"{task.where}: {label} {s}–{e} is outside the text (length {len(task.text)})")
                    continue
                expected = span.get("text")
                if expected is not None and task.text[s:e] != expected:
                    report.problems.append(f"{task.where}: {label} {s}–{e} covers {task.text[s:e]!r}, the file says {expected!r}")
                    continue
                who = span.get("annotator") or annotator
                key = (span["kind"], label, s, e, who)
                if key in existing:
                    report.already_there += 1
                    continue
                existing.add(key)
                rows.append({"release_id": release_id, "kind": span["kind"], "label": label, "start": s, "end": e,
                             "text": task.text[s:e], "attributes": span.get("attributes") or {}, "annotator": who,
                             "created_at": span.get("created_at"), "updated_at": span.get("updated_at")})  # fmt: skip
            rows = [{k: v for k, v in row.items() if v is not None} for row in rows]
            report.annotations += store.insert_annotations(rows)
        # links (native JSONL): claims are named by "content hash:start:end:label"
        if any(task.links for task in tasks):
            hash_of = {i: h for h, i in by_hash.items()}
            for release_id, anns in store.live_annotations(list(hash_of)).items():
                for a in anns:
                    if a.kind == "claim":
                        keys[span_key(hash_of[release_id], a.start, a.end, a.label)] = a.id
            present = {(l.source_id, l.target_id, l.kind) for l in store.links()}
            for task in tasks:
                for link in task.links:
                    source, target = keys.get(link.get("source", "")), keys.get(link.get("target", ""))
                    if source is None or target is None:
                        report.problems.append(f"{task.where}: link {link.get('kind')} names a claim this import does not have")
                        continue
                    if (source, target, link.get("kind")) in present:
                        continue
                    store.add_link(
                        source, target, link["kind"], annotator=link.get("annotator") or annotator,
                        action="import link", created_at=link.get("created_at"),
                    )  # fmt: skip
                    present.add((source, target, link["kind"]))
                    report.links += 1
        store.log_event(annotator, "import annotations", "annotations", {"path": str(path), "format": fmt, "summary": report.summary()})
    return report
