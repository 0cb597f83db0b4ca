"""The export formats. Each writer receives the documents one at a time (a release in one script)
and writes its files as they come, into the export's temporary folder (``Sink``): per split an
open file, records appended; what needs the whole export (a dataset card, a label config, brat's
``annotation.conf``, the claims' threads) is written at the end. Every span written is checked
against the text written, in the format's own offset unit; the problems are collected and the
export fails on them (``ExportError``), so the temporary folder is deleted and nothing is left
behind. Memory holds one release's records, never the whole export. Headless: no UI code.

Offset units: native JSONL, Label Studio, brat and CLUENER use code points (CLUENER's end is
inclusive); doccano uses UTF-16 code units; BIO, Hugging Face and spaCy have one token per
character (white space dropped) and no offsets. Each writer is declared, with its unit, in
``registry.EXPORTS``.
"""

from __future__ import annotations

import csv
import ctypes
import functools
import hashlib
import io
import json
import os
import re
import zlib
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import accumulate, groupby
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import quoteattr

from hkpr_tui.export.dataset import SPLITS, Context, Document, Span, span_key
from hkpr_tui.models import Annotation, Link


class ExportError(ValueError):
    """An export that failed validation; nothing was written."""


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a file of an export folder (None: it can): it must stay inside."""
    path = Path(name)
    parts = path.parts
    if not name or path.is_absolute() or ".." in parts or "\x00" in name or any(p.startswith(".") for p in parts):
        return "a file name must stay inside"
    return None


class Sink:
    """The files of one export, written into ``folder`` (the temporary folder): opened by name,
    written incrementally; ``sync`` makes every one durable at once, before the folder is renamed
    into place (an fsync per file cost brat, two files per document, half its time)."""

    def __init__(self, folder: Path, shown: Path) -> None:
        self.folder = folder
        self.shown = shown  # the folder the user named, for messages
        self.handles: dict[str, IO[bytes]] = {}
        self.closed: list[str] = []  # for sync, where there is no syncfs
        self.digests: dict[str, dict[str, Any]] = {}  # files written whole: their bytes and sha256
        self._inside: set[Path] = set()  # folders made here and found inside ``folder``

    def path(self, name: str) -> Path:
        if name_problem(name):
            raise ExportError(f"refusing to write {name!r}: a file name must stay inside {self.shown}")
        path = self.folder / name
        checked = path.parent in self._inside and not path.is_symlink()  # a folder is resolved once
        if not checked and not path.resolve().is_relative_to(self.folder.resolve()):
            raise ExportError(f"refusing to write {name!r}: a file name must stay inside {self.shown}")
        return path

    def open(self, name: str) -> IO[bytes]:
        """A new file (an earlier one of that name is replaced), open for appending bytes."""
        if name in self.handles:
            self.close(name)
        path = self.path(name)
        if path.parent not in self._inside:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._inside.add(path.parent)
        fh = open(path, "wb")  # noqa: SIM115 - closed by close()/close_all()
        self.handles[name] = fh
        self.digests.pop(name, None)
        return fh

    def spool(self, name: str) -> IO[bytes]:
        """A scratch file of the writer's own (a hidden name, deleted by ``drop``), open for writing."""
        fh = open(self.folder / f".spool-{name}", "w+b")  # noqa: SIM115 - closed by drop()
        self.handles[f".spool-{name}"] = fh
        return fh

    def drop(self, name: str) -> None:
        self.handles.pop(f".spool-{name}").close()
        (self.folder / f".spool-{name}").unlink()

    def write(self, name: str, data: bytes) -> None:
        """A whole file at once (its size and sha256 kept for the manifest: see ``digest``)."""
        self.open(name).write(data)
        self.close(name)
        self.digests[name] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}

    def digest(self, name: str) -> dict[str, Any]:
        """A closed file's size and sha256, as the manifest lists them."""
        if name not in self.digests:
            path = self.folder / name
            self.digests[name] = {"bytes": path.stat().st_size, "sha256": file_sha256(path)}
        return self.digests[name]

    def close(self, name: str) -> None:
        fh = self.handles.pop(name)
        try:
            fh.flush()
        finally:
            fh.close()
        if _syncfs() is None:
            self.closed.append(fh.name)

    def close_all(self) -> None:
        for name in list(self.handles):
            self.close(name)

    def sync(self) -> None:
        """Flush every file closed so far to the disk: one syncfs(2) of the folder's file system
        where the C library has it (Linux), else an fsync of each file."""
        syncfs = _syncfs()
        if syncfs is not None:
            fd = os.open(self.folder, os.O_RDONLY)
            try:
                if syncfs(fd) != 0:
                    error = ctypes.get_errno()
                    raise OSError(error, os.strerror(error), str(self.folder))
            finally:
                os.close(fd)
        for name in self.closed:
            if os.path.exists(name):  # not a spool deleted since
                with open(name, "rb") as fh:
                    os.fsync(fh.fileno())
        self.closed.clear()

    def abandon(self) -> None:
        """Close every file without flushing it to the disk (the folder is about to be deleted)."""
        for fh in self.handles.values():
            fh.close()
        self.handles.clear()

    def size(self, name: str) -> int:
        return (self.folder / name).stat().st_size


@functools.cache
def _syncfs() -> Callable[[int], int] | None:
    """The C library's syncfs(2) (Linux): every file of a file system is on the disk when it
    returns. None where there is none."""
    try:
        call: Callable[[int], int] = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError, TypeError):
        return None
    return call


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Writer:
    """One export format's writer: ``add`` each document (in release order), then ``finish``.
    ``errors``: spans that do not match the text written (the export fails on any); ``notes``:
    what a flat format dropped or clipped; ``counts``: extra manifest entries."""

    def __init__(self, sink: Sink, ctx: Context, options: dict[str, Any]) -> None:
        self.sink, self.ctx, self.options = sink, ctx, options
        self.counts: dict[str, Any] = {}
        self._errors: dict[str, list[str]] = {}
        self._notes: dict[str, list[str]] = {}
        self._open: dict[str, IO[bytes]] = {}

    def errors_of(self, split: str) -> list[str]:
        return self._errors.setdefault(split, [])

    def notes_of(self, split: str) -> list[str]:
        return self._notes.setdefault(split, [])

    @property
    def errors(self) -> list[str]:
        """Every error, split by split (train, validation, test), in document order within each."""
        return [e for split in SPLITS for e in self._errors.get(split, [])]

    @property
    def notes(self) -> list[str]:
        return [n for split in SPLITS for n in self._notes.get(split, [])]

    def split_file(self, split: str, pattern: str) -> IO[bytes]:
        """The split's file, created by the split's first document (even if it writes nothing)."""
        fh = self._open.get(split)
        if fh is None:
            fh = self._open[split] = self.sink.open(pattern.format(split))
        return fh

    def splits(self) -> list[str]:
        """The splits that have documents, in SPLITS order."""
        return [s for s in SPLITS if s in self._open]

    def add(self, doc: Document) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """Write what needs the whole export; called once, after the last document."""


@dataclass(frozen=True)
class ExportFormat:
    """One export format, declared where it is written (``@export_format`` on its writer)."""

    name: str
    unit: str  # the offset unit, as the manifest states it
    flat: bool  # one label per character: nested spans keep the outer one
    with_claims: bool  # claims are counted in the label distribution
    files: str  # README: what the folder holds
    offsets: str  # README: the unit, briefly
    writer: type[Writer]
    sentences: bool = True  # the writer reads documents' sentences (else they are not read: [])


EXPORTS: dict[str, ExportFormat] = {}
"""Every export format, in the order they are declared below (the CLI's, the README's order)."""


def export_format(
    name: str, *, unit: str, flat: bool, with_claims: bool, files: str, offsets: str, sentences: bool = True
) -> Callable[[type[Writer]], type[Writer]]:
    """Register the decorated writer class as the export format ``name``."""

    def register(writer: type[Writer]) -> type[Writer]:
        EXPORTS[name] = ExportFormat(name, unit, flat, with_claims, files, offsets, writer, sentences)
        return writer

    return register


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def astral_positions(text: str) -> list[int]:
    """Where ``text`` has a character beyond the BMP (two UTF-16 code units), in order."""
    return [m.start() for m in _ASTRAL.finditer(text)]


def utf16_offset(text: str, index: int, astral: list[int] | None = None) -> int:
    """The UTF-16 code-unit offset of code point ``index`` (astral characters count two);
    ``astral``: the text's ``astral_positions``, when known already."""
    if astral is None:
        astral = astral_positions(text)
    return index + bisect_left(astral, index)


def from_utf16(text: str, units: int, astral: list[int] | None = None) -> int:
    """The code point at UTF-16 offset ``units`` (inside an astral character: the one after it;
    past the end: the text's length); ``astral``: the text's ``astral_positions``, when known."""
    if astral is None:
        astral = astral_positions(text)
    shift = 0  # astral characters before the offset: each adds one unit
    after = 0  # the code point after the last of them
    for position in astral:
        if position + shift >= units:
            break
        shift, after = shift + 1, position + 1
    return min(max(units - shift, after), len(text))


def flat(spans: list[Span], problems: list[str], doc_id: str) -> list[Span]:
    """Keep outer spans only (nested ones are reported); spans arrive outer first."""
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if kept and span.start < kept[-1].end:
            problems.append(
                f"{doc_id}: nested {span.label} 「{span.text}」 inside {kept[-1].label} dropped (flat format)"
            )
            continue
        kept.append(span)
    return kept


_JSON = json.JSONEncoder(ensure_ascii=False)
"""What ``json.dumps(value, ensure_ascii=False)`` uses, made once: dumps makes one per call."""


def _jsonl_line(record: dict[str, Any]) -> bytes:
    return (_JSON.encode(record) + "\n").encode("utf-8")


def indented_json(value: Any, level: int = 0) -> str:
    """``json.dumps(value, ensure_ascii=False, indent=1)`` (the lines after the first indented
    ``level`` spaces more): the same text, its strings and numbers encoded by json's C encoder.
    With an indent, json.dumps encodes everything in Python, several times slower."""
    if isinstance(value, dict):
        opening, closing = "{", "}"
        string = _SCALARS[str]
        items = [
            f"{string(k) if type(k) is str else _json_key(k)}: {_json_item(v, level + 1)}" for k, v in value.items()
        ]
    elif isinstance(value, list | tuple):
        opening, closing = "[", "]"
        items = [_json_item(v, level + 1) for v in value]
    else:
        scalar = _SCALARS.get(type(value))
        return scalar(value) if scalar else _JSON.encode(value)  # floats, subclasses, what json refuses
    if not items:
        return opening + closing
    inner = "\n" + " " * (level + 1)
    return opening + inner + ("," + inner).join(items) + "\n" + " " * level + closing


def _json_item(value: Any, level: int) -> str:
    scalar = _SCALARS.get(type(value))
    return scalar(value) if scalar else indented_json(value, level)


_SCALARS: dict[type, Callable[[Any], str]] = {
    str: json.encoder.encode_basestring,  # not ASCII-escaped (C)
    int: int.__repr__,
    bool: lambda value: "true" if value else "false",
    type(None): lambda value: "null",
}
"""How json writes the common scalars, by their exact type (subclasses go through json itself)."""


def _json_key(key: Any) -> str:
    """A dict key as json.dumps writes it: a string (numbers, booleans and None converted)."""
    if isinstance(key, str):
        return json.encoder.encode_basestring(key)
    return _JSON.encode({key: None})[1:-7]  # '{"KEY": null}' -> '"KEY"' (or json's TypeError)


def _check(errors: list[str], doc_id: str, text: str, start: int, end: int, expected: str) -> None:
    if not (0 <= start < end <= len(text)) or text[start:end] != expected:
        errors.append(f"{doc_id}: span {start}–{end} is {text[start:end]!r}, expected {expected!r}")


# -- character sequences (BIO, HF, spaCy, CLUENER) -------------------------------------------


def sentence_units(doc: Document, problems: list[str]) -> list[tuple[int, int, list[Span]]]:
    """Sentences of the document (projected) with the flat entities clipped to each."""
    entities = flat(doc.entities, problems, doc.doc_id)
    ends = [span.end for span in entities]  # in order too: flat spans do not overlap
    sentences = doc.sentences or [(0, len(doc.text))]
    out = []
    for s, e in sentences:
        inside = []
        for k in range(bisect_right(ends, s), len(entities)):  # the first span ending after s, on
            span = entities[k]
            if span.start >= e:
                break
            a, b = max(span.start, s), min(span.end, e)
            if a < b:
                if (a, b) != (span.start, span.end):
                    problems.append(f"{doc.doc_id}: {span.label} 「{span.text}」 crosses a sentence end; clipped")
                    span = Span(a, b, span.label, doc.text[a:b], span.kind, span.annotation)
                inside.append(span)
        out.append((s, e, inside))
    return out


def char_tags(
    text: str, start: int, end: int, spans: list[Span], scheme: str
) -> tuple[list[str], list[str], list[tuple[int, int]]]:
    """The non-space characters of text[start:end], the tag of each, and the characters of each
    span among them (token indices, end exclusive); ``spans`` lie inside and do not overlap."""
    piece = text[start:end]
    chars = list("".join(piece.split()))  # split() and isspace() agree on white space
    tags = ["O"] * len(chars)
    if not spans:
        return chars, tags, []
    if len(chars) == len(piece):
        ranges = [(span.start - start, span.end - start) for span in spans]
    else:  # a position's token index: the position less the white space before it
        spaces = list(accumulate(map(str.isspace, piece), initial=0))
        ranges = [(p - spaces[p], q - spaces[q]) for p, q in ((sp.start - start, sp.end - start) for sp in spans)]
    for span, (a, b) in zip(spans, ranges):
        if a == b:
            continue
        if scheme == "bioes" and b - a == 1:
            tags[a] = f"S-{span.label}"
            continue
        tags[a] = f"B-{span.label}"
        tags[a + 1 : b] = [f"I-{span.label}"] * (b - a - 1)
        if scheme == "bioes":
            tags[b - 1] = f"E-{span.label}"
    return chars, tags, ranges


def spans_from_tags(chars: list[str], tags: list[str]) -> list[tuple[str, str]]:
    """(label, text) of each entity in a BIO/BIOES tag sequence: how a reader decodes it, one
    character at a time. Read here a run of equal tags at a time, to the same result: B- and S-
    start an entity at each character (S- and E- end it there), O ends one, an I- or E- of
    another label than the open entity's starts one, any other tag continues the open one."""
    out: list[tuple[str, str]] = []
    if tags.count("O") == len(tags):  # most sentences: no entity
        return out
    label: str | None = None
    buf = ""
    pos = 0
    for tag, run in groupby(tags):
        n = len(list(run))
        prefix, _, name = tag.partition("-")
        if prefix in ("B", "S", "O"):
            if label is not None:
                out.append((label, buf))
            label, buf = None, ""
            if prefix != "O":
                out += [(name, c) for c in chars[pos : pos + n - 1]]
                label, buf = name, chars[pos + n - 1]
            if prefix == "S":
                out.append((name, buf))
                label, buf = None, ""
        elif prefix in ("I", "E"):
            if name != label:
                if label is not None:
                    out.append((label, buf))
                label, buf = name, ""
            if prefix == "I":
                buf += "".join(chars[pos : pos + n])
            else:  # E- ends the entity; each further E- is an entity of one character
                out.append((name, buf + chars[pos]))
                out += [(name, c) for c in chars[pos + 1 : pos + n]]
                label, buf = None, ""
        else:
            buf += "".join(chars[pos : pos + n])
        pos += n
    if label is not None:
        out.append((label, buf))
    return out


def spaces_after(piece: str) -> list[bool]:
    """For each non-space character of ``piece`` (the tokens of ``char_tags``): whether white
    space follows it in ``piece``."""
    words = piece.split()
    out: list[bool] = []
    for word in words:
        out += [False] * (len(word) - 1)
        out.append(True)
    if words and not piece[-1].isspace():
        out[-1] = False
    return out


def tag_names(labels: list[str], scheme: str) -> list[str]:
    prefixes = "BIES" if scheme == "bioes" else "BI"
    return ["O"] + [f"{p}-{label}" for label in labels for p in prefixes]


def sequence_items(doc: Document, scheme: str, notes: list[str], errors: list[str]) -> list[dict[str, Any]]:
    """One item per sentence of the document with characters and tags (and each span's token
    indices), checked by decoding the tags."""
    items = []
    for n, (s, e, spans) in enumerate(sentence_units(doc, notes)):
        chars, tags, ranges = char_tags(doc.text, s, e, spans, scheme)
        if not chars:
            continue
        expected = [(sp.label, "".join(sp.text.split())) for sp in spans]
        decoded = spans_from_tags(chars, tags)
        if decoded != expected:
            errors.append(f"{doc.doc_id} sentence {n}: tags decode to {decoded}, expected {expected}")
        items.append({"id": f"{doc.doc_id}-{n}", "tokens": chars, "tags": tags, "spans": spans, "ranges": ranges,
                      "start": s, "end": e})  # fmt: skip
    return items


def base_entity_labels(ctx: Context) -> list[str]:
    """The database's entity labels an export declares before it has seen any document: all of
    them, or those ``--labels`` names (a document's labels are always among those)."""
    wanted = ctx.params.get("labels")
    return [n for n, k in ctx.label_kinds.items() if k == "entity" and (not wanted or n in wanted)]


def entity_labels(ctx: Context, used: set[str]) -> list[str]:
    """Entity labels in the database's order, plus any others the documents use."""
    names = [n for n, k in ctx.label_kinds.items() if k == "entity"]
    wanted = ctx.params.get("labels")
    return [n for n in names if n in used or not wanted or n in wanted] + sorted(used - set(names))


# -- writers ---------------------------------------------------------------------------------


@export_format(
    "jsonl",
    unit="code points (Python str index), end exclusive",
    flat=False,
    with_claims=True,
    files="`train.jsonl` …: release metadata, canonical text, entities, claims with attributes and normalised values, links, annotator and times of each tag",
    offsets="code points, end exclusive",
    sentences=False,
)
class JsonlWriter(Writer):
    def add(self, doc: Document) -> None:
        errors, r = self.errors_of(doc.split), doc.release
        for span in [*doc.entities, *doc.claims]:
            _check(errors, doc.doc_id, doc.text, span.start, span.end, span.text)
        links = doc.script == "original" or len(self.options["scripts"]) == 1
        record = {
            "id": doc.doc_id, "split": doc.split, "script": doc.script,
            "release": {"title": r.title, "organisation": r.organisation, "date": r.date, "kind": r.kind,
                        "script": r.script, "source": r.source, "status": r.status, "content_hash": r.content_hash,
                        "group": doc.group_key[:16]},
            "text": doc.text,
            "entities": [self.span_record(s, doc) for s in doc.entities],
            "claims": [self.span_record(s, doc) for s in doc.claims],
            "links": [self.link_record(link) for link in self.ctx.links_from(r.id)] if links else [],
        }  # fmt: skip
        self.split_file(doc.split, "{}.jsonl").write(_jsonl_line(record))

    def link_record(self, link: Link) -> dict[str, Any]:
        keys = self.ctx.keys
        return {"source": keys[link.source_id], "target": keys[link.target_id], "kind": link.kind,
                "annotator": link.annotator, "created_at": link.created_at}  # fmt: skip

    def attributes(self, a: Annotation) -> dict[str, Any]:
        """A claim's subject is another annotation: named by its key, not by this database's id."""
        if not a.attributes:
            return {}
        attrs = dict(a.attributes)
        subject = attrs.pop("subject_id", None)
        if subject in self.ctx.keys:
            attrs["subject_key"] = self.ctx.keys[subject]
        return attrs

    def span_record(self, span: Span, doc: Document) -> dict[str, Any]:
        a = span.annotation
        record: dict[str, Any] = {"start": span.start, "end": span.end, "label": span.label, "text": span.text}
        if doc.script != "original":
            record["canonical_start"], record["canonical_end"] = a.start, a.end
        if span.kind == "claim":
            record["key"] = span_key(doc.release.content_hash, a.start, a.end, a.label)
        record["attributes"] = self.attributes(a)
        record["annotator"], record["created_at"], record["updated_at"] = a.annotator, a.created_at, a.updated_at
        return record


@export_format(
    "bio",
    unit="characters, one per line (white space dropped); no offsets",
    flat=True,
    with_claims=False,
    files="`train.txt` …: character-level CoNLL (`字\\tB-ORG`, blank line between sentences); `--scheme bioes`",
    offsets="one character per line (white space dropped)",
)
class BioWriter(Writer):
    def __init__(self, sink: Sink, ctx: Context, options: dict[str, Any]) -> None:
        super().__init__(sink, ctx, options)
        self.started: set[str] = set()

    def add(self, doc: Document) -> None:
        fh = self.split_file(doc.split, "{}.txt")
        for item in sequence_items(doc, self.options["scheme"], self.notes_of(doc.split), self.errors_of(doc.split)):
            # sentences are separated by a blank line; the file ends with the last sentence's line break
            lead = "\n" if doc.split in self.started else ""
            self.started.add(doc.split)
            lines = "\n".join(map("\t".join, zip(item["tokens"], item["tags"])))
            fh.write(f"{lead}{lines}\n".encode())


@export_format(
    "hf",
    unit="characters as tokens (white space dropped); no offsets",
    flat=True,
    with_claims=False,
    files="`train.jsonl` … + `README.md` card: `tokens` and `ner_tags` (ClassLabel); `datasets.load_dataset(DIR)`",
    offsets="characters as tokens",
)
class HfWriter(Writer):
    def __init__(self, sink: Sink, ctx: Context, options: dict[str, Any]) -> None:
        super().__init__(sink, ctx, options)
        self.names = tag_names(base_entity_labels(ctx), options["scheme"])
        self.index = {name: i for i, name in enumerate(self.names)}
        self.extra: list[str] = []  # labels the database does not declare, as they came
        self.rows: dict[str, int] = {}
        self.used: set[str] = set()

    def add(self, doc: Document) -> None:
        fh = self.split_file(doc.split, "{}.jsonl")
        self.rows.setdefault(doc.split, 0)
        self.used.update(s.label for s in doc.entities)
        for item in sequence_items(doc, self.options["scheme"], self.notes_of(doc.split), self.errors_of(doc.split)):
            for tag in dict.fromkeys(item["tags"]):  # each tag once, in order
                if tag not in self.index:  # a label no database row declares: numbered after the others
                    label = tag.partition("-")[2]
                    self.extra.append(label)
                    for name in tag_names([label], self.options["scheme"])[1:]:
                        self.index[name] = len(self.index)
            row = {
                "id": item["id"],
                "tokens": item["tokens"],
                "ner_tags": list(map(self.index.__getitem__, item["tags"])),
            }
            fh.write(_jsonl_line(row))
            self.rows[doc.split] += 1

    def finish(self) -> None:
        names = tag_names(entity_labels(self.ctx, self.used), self.options["scheme"])
        splits = self.rows
        for s in self.splits():
            self.sink.close(f"{s}.jsonl")
        final = {name: i for i, name in enumerate(names)}
        renumber = {i: final[name] for name, i in self.index.items() if name in final}
        if any(i != j for i, j in renumber.items()):  # undeclared labels came out of name order
            for s in self.splits():
                path = self.sink.path(f"{s}.jsonl")
                old = path.with_name(f".{s}.jsonl.unnumbered")
                path.rename(old)
                dst = self.sink.open(f"{s}.jsonl")
                with open(old, encoding="utf-8") as src:
                    for line in src:
                        row = json.loads(line)
                        row["ner_tags"] = [renumber[t] for t in row["ner_tags"]]
                        dst.write(_jsonl_line(row))
                self.sink.close(f"{s}.jsonl")
                old.unlink()
        sizes = {s: self.sink.size(f"{s}.jsonl") for s in splits}
        class_names = "\n".join(f"          '{i}': {name}" for i, name in enumerate(names))
        data_files = "\n".join(f"  - split: {s}\n    path: {s}.jsonl" for s in splits)
        # datasets reads splits only with name, num_bytes and num_examples (else it warns "splits field
        # malformed" and ignores them): num_bytes is the size of the split's file
        split_info = "\n".join(
            f"  - name: {s}\n    num_bytes: {sizes[s]}\n    num_examples: {n}" for s, n in splits.items()
        )
        card = f"""---
language:
- zh
pretty_name: hkpr Hong Kong press releases NER
task_categories:
- token-classification
task_ids:
- named-entity-recognition
configs:
- config_name: default
  data_files:
{data_files}
dataset_info:
  features:
  - name: id
    dtype: string
  - name: tokens
    sequence: string
  - name: ner_tags
    sequence:
      class_label:
        names:
{class_names}
  splits:
{split_info}
  dataset_size: {sum(sizes[s] for s in splits)}
---

# hkpr NER export

Character-level named-entity recognition data from Hong Kong press releases, annotated with
hkpr (a terminal annotation tool) and exported with `hkpr export --format hf`.

- **Features**: `id` (string), `tokens` (one Chinese character per token; white space dropped),
  `ner_tags` (a ClassLabel sequence, {self.options["scheme"].upper()} scheme): {", ".join(names)}.
- **Splits**: {", ".join(f"{s} ({n} sentences)" for s, n in splits.items())}; split by release group, so versions
  of one release (Traditional and Simplified copies) never straddle splits.
- **Source**: press releases of Hong Kong organisations (Cyberport, HKSTP, …) and news articles;
  script(s): {", ".join(self.options["scripts"])}; release status: {self.ctx.params.get("status")}.
- Load with `datasets.load_dataset("PATH_TO_THIS_FOLDER")`.
"""
        self.sink.write("README.md", card.encode("utf-8"))
        self.counts["tag_names"] = names


@export_format(
    "spacy",
    unit="characters as tokens (white space dropped); spaCy token indices",
    flat=True,
    with_claims=False,
    files="`train.spacy` … (DocBin; one Doc per sentence, one token per character) for `spacy train` with a blank `zh` pipeline (a split of more than about 20M characters is a folder of DocBins, `train/000.spacy` …, which `spacy train` reads as one corpus); needs the `spacy` extra",
    offsets="token indices",
)
class SpacyWriter(Writer):
    """One DocBin per split, written as it grows: each Doc's token rows go straight to the file's
    spools (beside it in the temporary folder), and the file is assembled at the end in DocBin's
    own layout (``DocBin.to_bytes``: a zlib-compressed msgpack map), compressed as it streams.
    ``DocBin().from_disk`` and ``spacy train`` read it as any DocBin."""

    def __init__(self, sink: Sink, ctx: Context, options: dict[str, Any]) -> None:
        super().__init__(sink, ctx, options)
        try:
            import spacy
            from spacy.tokens import DocBin
        except ImportError:
            raise ExportError('the spacy format needs spaCy: python -m pip install -e ".[spacy]"') from None
        self.nlp = spacy.blank("zh")
        self.layout = DocBin(store_user_data=False)
        self.bins: dict[str, _StreamedDocBin] = {}
        self.shards: dict[str, int] = {}  # split → shards written already (train/000.spacy …)

    def add(self, doc: Document) -> None:
        doc_bin = self.bins.get(doc.split)
        if doc_bin is not None and doc_bin.size() >= SPACY_SHARD_BYTES:  # one DocBin holds < 4 GB
            n = self.shards.get(doc.split, 0)
            doc_bin.write(f"{doc.split}/{n:03d}.spacy")
            self.shards[doc.split] = n + 1
            doc_bin = None
        if doc_bin is None:
            doc_bin = self.bins[doc.split] = _StreamedDocBin(self.sink, doc.split, self.layout, self.nlp)
        for item in sequence_items(doc, "bio", self.notes_of(doc.split), self.errors_of(doc.split)):
            # a span of white space only has no token: sequence_items has reported it
            ents = [(a, b, span.label) for span, (a, b) in zip(item["spans"], item["ranges"]) if a < b]
            doc_bin.add(item["tokens"], spaces_after(doc.text[item["start"] : item["end"]]), ents)

    def finish(self) -> None:
        for split in SPLITS:
            if split in self.bins:
                n = self.shards.get(split)  # a split that needed several DocBins is a folder of them
                self.bins[split].write(f"{split}.spacy" if n is None else f"{split}/{n:03d}.spacy")


class _StreamedDocBin:
    """What ``DocBin.add`` keeps per Doc, kept in spool files instead of memory; ``write`` lays it
    out as ``DocBin.to_bytes`` does (tests/test_export.py checks the bytes are the same).

    No spaCy Doc is made. The token rows of a Doc of one character per token with entities and
    nothing else (``Doc.to_array`` of DocBin's attributes) are each character's ORTH and NORM,
    the IOB code of its entity (B 3, I 1, O 2) and its type, and SENT_START 1 on the first
    token; every other attribute is 0. Each character's row is made once; ``_check_rows``
    compares rows with a Doc's own when a DocBin starts, so a spaCy that lays Docs out otherwise
    is refused rather than written wrong."""

    def __init__(self, sink: Sink, split: str, layout: Any, nlp: Any) -> None:
        import srsly  # type: ignore[import-untyped]
        from spacy.attrs import ENT_IOB, ENT_TYPE, NORM, ORTH, SENT_START
        from spacy.tokens import Doc

        self.sink, self.layout, self.vocab = sink, layout, nlp.vocab
        self.columns = [layout.attrs.index(attr) for attr in (ORTH, NORM, ENT_IOB, ENT_TYPE, SENT_START)]
        self.rows: dict[str, bytes] = {}  # a character's token row outside any entity
        self.strings: set[str] = set()
        _check_rows(self, Doc)
        self.rows.clear()  # the check's characters are learnt again, with their strings, if they come
        self.strings = {""}  # tag, lemma, dep, morph, kb id, entity id: all empty here
        self.parts = {key: sink.spool(f"{split}.{key}") for key in ("tokens", "spaces")}
        self.split = split
        self.lengths = array("i")
        # the same for every Doc: no span groups, and spaces given (has_unknown_spaces is False)
        self.flags = srsly.msgpack_dumps({"has_unknown_spaces": False})
        self.no_groups = srsly.msgpack_dumps(Doc(self.vocab, words=["x"]).spans.to_bytes())

    def size(self) -> int:
        """Bytes of token rows so far (the part of a DocBin that grows with the text)."""
        return self.parts["tokens"].tell()

    def token_rows(self, words: list[str], ents: list[tuple[int, int, str]]) -> bytearray:
        """``Doc.to_array(DocBin's attributes)`` of a Doc of ``words`` (one character each) with
        the entities ``ents`` (first token, end token, label), as bytes."""
        import numpy

        orth, norm, iob, kind, sent_start = self.columns
        for word in set(words).difference(self.rows):
            lexeme = self.vocab[word]
            row = [0] * len(self.layout.attrs)
            row[orth], row[norm], row[iob] = lexeme.orth, lexeme.norm, 2  # O
            self.rows[word] = numpy.array(row, dtype=numpy.uint64).tobytes()
            self.strings.update((word, lexeme.norm_))  # DocBin.add keeps each token's text and norm
        data = bytearray().join(map(self.rows.__getitem__, words))
        table = numpy.frombuffer(data, dtype=numpy.uint64).reshape(len(words), len(self.layout.attrs))
        table[0, sent_start] = 1
        for a, b, label in ents:
            table[a, iob] = 3  # B
            table[a + 1 : b, iob] = 1  # I
            table[a:b, kind] = self.vocab.strings.add(label)
        return data

    def add(self, words: list[str], spaces: list[bool], ents: list[tuple[int, int, str]]) -> None:
        """One Doc: ``words`` (one character each), whether white space follows each, and the
        entities (first token, end token, label)."""
        self.parts["tokens"].write(self.token_rows(words, ents))
        if self.parts["tokens"].tell() >= 1 << 32:  # fail now, not after the whole export
            raise ExportError(_TOO_BIG.format(split=self.split))
        self.parts["spaces"].write(bytes(spaces))  # a byte per token, as numpy writes booleans
        self.lengths.append(len(words))
        self.strings.update(label for _, _, label in ents)  # and each token's entity type

    def write(self, name: str) -> None:
        import srsly

        n = len(self.lengths)
        out = self.sink.open(name)
        compress = zlib.compressobj()

        def put(data: bytes) -> None:
            out.write(compress.compress(data))

        def put_file(key: str) -> None:
            fh = self.parts[key]
            fh.seek(0)
            for block in iter(lambda: fh.read(1 << 20), b""):
                put(block)

        def put_each(data: bytes) -> None:  # ``data`` once per Doc, a megabyte at a time
            per = max(1, (1 << 20) // len(data))
            for first in range(0, n, per):
                put(data * min(per, n - first))

        put(b"\x89")  # a map of nine entries, in DocBin.to_bytes's order
        put(srsly.msgpack_dumps("version") + srsly.msgpack_dumps(self.layout.version))
        put(srsly.msgpack_dumps("attrs") + srsly.msgpack_dumps(self.layout.attrs))
        for key in ("tokens", "spaces"):
            put(srsly.msgpack_dumps(key) + _bin_header(self.parts[key].tell()))
            put_file(key)
        lengths = self.lengths.tobytes()
        put(srsly.msgpack_dumps("lengths") + _bin_header(len(lengths)) + lengths)
        put(srsly.msgpack_dumps("strings") + srsly.msgpack_dumps(sorted(self.strings)))
        put(srsly.msgpack_dumps("cats") + _array_header(n) + b"\x80" * n)  # an empty map per Doc
        for key, data in (("flags", self.flags), ("span_groups", self.no_groups)):
            put(srsly.msgpack_dumps(key) + _array_header(n))
            put_each(data)
        out.write(compress.flush())
        self.sink.close(name)
        for key in self.parts:
            self.sink.drop(f"{self.split}.{key}")


def _check_rows(doc_bin: _StreamedDocBin, make_doc: Any) -> None:
    """Refuse a spaCy whose Docs' token rows are not those ``_StreamedDocBin.token_rows`` makes."""
    import spacy
    from spacy.tokens import Span as SpacySpan

    words = ["數", "A", "1", "x", "中", "X", "𨋢", "。"]
    ents = [(0, 2, "ORG"), (3, 4, "X"), (4, 7, "PERSON")]
    doc = make_doc(doc_bin.vocab, words=words, spaces=[False, True, False, False, True, False, False, False])
    doc.ents = [SpacySpan(doc, a, b, label=label) for a, b, label in ents]
    if doc.to_array(doc_bin.layout.attrs).tobytes("C") != bytes(doc_bin.token_rows(words, ents)):
        raise ExportError(f"spaCy {spacy.__version__} lays out a Doc's tokens otherwise than hkpr writes them")


def _bin_header(size: int) -> bytes:
    if size < 1 << 8:
        return b"\xc4" + size.to_bytes(1, "big")
    if size < 1 << 16:
        return b"\xc5" + size.to_bytes(2, "big")
    if size < 1 << 32:
        return b"\xc6" + size.to_bytes(4, "big")
    raise ExportError("a spaCy DocBin holds at most 4 GB of token rows")


SPACY_SHARD_BYTES = 1 << 31
"""Token rows in one DocBin before the split goes on in the next (``train/001.spacy``): half of
msgpack's 4 GB, about 20 million characters."""

_TOO_BIG = (
    "the {split} split's token rows passed 4 GB (about 40 million characters), more than one spaCy "
    "DocBin can hold (msgpack's limit); export fewer releases (--status, --labels, or part of the database)"
)


def _array_header(count: int) -> bytes:
    if count < 16:
        return bytes([0x90 | count])
    if count < 1 << 16:
        return b"\xdc" + count.to_bytes(2, "big")
    return b"\xdd" + count.to_bytes(4, "big")


@export_format(
    "label-studio",
    unit="code points, end exclusive (Label Studio ≥ 1.0, PR #1559)",
    flat=False,
    with_claims=False,
    files="`train.json` … (tasks with `data.text`, `annotations[].result[]`, one annotation per annotator) + `label_config.xml`",
    offsets="code points, end exclusive",
    sentences=False,
)
class LabelStudioWriter(Writer):
    def __init__(self, sink: Sink, ctx: Context, options: dict[str, Any]) -> None:
        super().__init__(sink, ctx, options)
        self.tasks: dict[str, int] = {}
        self.used: set[str] = set()

    def add(self, doc: Document) -> None:
        errors = self.errors_of(doc.split)
        fh = self.split_file(doc.split, "{}.json")
        n = self.tasks[doc.split] = self.tasks.get(doc.split, 0) + 1
        self.used.update(s.label for s in doc.entities)
        by_annotator: dict[str, list[dict[str, Any]]] = {}
        for k, span in enumerate(doc.entities):
            _check(errors, doc.doc_id, doc.text, span.start, span.end, span.text)
            by_annotator.setdefault(span.annotation.annotator, []).append(
                {
                    "id": f"e{k}",
                    "from_name": "label",
                    "to_name": "text",
                    "type": "labels",
                    "value": {"start": span.start, "end": span.end, "text": span.text, "labels": [span.label]},
                }  # fmt: skip
            )
        task = {
            "id": n,
            "data": {"text": doc.text, "doc_id": doc.doc_id, "title": doc.release.title, "date": doc.release.date,
                     "organisation": doc.release.organisation, "script": doc.script},
            "annotations": [{"completed_by": {"email": who}, "result": result} for who, result in by_annotator.items()],
        }  # fmt: skip
        # the file is one JSON list (json.dumps(tasks, indent=1)): each task indented one space more
        fh.write((("[\n " if n == 1 else ",\n ") + indented_json(task, 1)).encode("utf-8"))

    def finish(self) -> None:
        for split in self.splits():
            self.split_file(split, "").write(b"\n]")
        labels = "".join(f"    <Label value={quoteattr(name)}/>\n" for name in entity_labels(self.ctx, self.used))
        self.sink.write(
            "label_config.xml",
            f'<View>\n  <Labels name="label" toName="text">\n{labels}  </Labels>\n  <Text name="text" value="$text"/>\n</View>\n'.encode(),
        )


@export_format(
    "doccano",
    unit="UTF-16 code units, end exclusive (doccano's default)",
    flat=False,
    with_claims=False,
    files='`train.jsonl` …: `{"text", "label": [[start, end, LABEL]]}`',
    offsets="UTF-16 code units (doccano's default)",
    sentences=False,
)
class DoccanoWriter(Writer):
    def add(self, doc: Document) -> None:
        errors = self.errors_of(doc.split)
        labels = []
        astral = astral_positions(doc.text)  # none: UTF-16 units are code points
        for span in doc.entities:
            if astral:
                s, e = utf16_offset(doc.text, span.start, astral), utf16_offset(doc.text, span.end, astral)
                back = (from_utf16(doc.text, s, astral), from_utf16(doc.text, e, astral))
            else:
                s, e = back = (span.start, span.end)
            _check(errors, doc.doc_id, doc.text, *back, span.text)
            labels.append([s, e, span.label])
        row = {"text": doc.text, "label": labels, "doc_id": doc.doc_id, "title": doc.release.title}
        self.split_file(doc.split, "{}.jsonl").write(_jsonl_line(row))


@export_format(
    "brat",
    unit="code points, end exclusive",
    flat=False,
    with_claims=True,
    files="`train/ID.txt` + `ID.ann` per release (claims as `Claim_TYPE`, links inside a release as relations) + `annotation.conf`",
    offsets="code points, end exclusive",
    sentences=False,
)
class BratWriter(Writer):
    def __init__(self, sink: Sink, ctx: Context, options: dict[str, Any]) -> None:
        super().__init__(sink, ctx, options)
        self.types: set[str] = set()

    def add(self, doc: Document) -> None:
        errors = self.errors_of(doc.split)
        lines = []
        claim_ids: dict[int, str] = {}  # this document's claims, for relations inside it
        for n, span in enumerate([*doc.entities, *doc.claims], start=1):
            _check(errors, doc.doc_id, doc.text, span.start, span.end, span.text)
            kind = span.label if span.kind == "entity" else f"Claim_{span.label}"
            self.types.add(kind)
            # brat keeps one line per annotation: a span that holds a line break is cut in fragments
            fragments, start = [], span.start
            for line in doc.text[span.start : span.end].split("\n"):
                if line:
                    fragments.append(f"{start} {start + len(line)}")
                start += len(line) + 1
            lines.append(f"T{n}\t{kind} {';'.join(fragments)}\t{span.text.replace(chr(10), ' ')}")
            if span.kind == "claim":
                claim_ids[span.annotation.id] = f"T{n}"
        inside = [
            link
            for link in self.ctx.links_from(doc.release.id)
            if link.source_id in claim_ids and link.target_id in claim_ids
        ]
        for r, link in enumerate(inside, start=1):
            lines.append(f"R{r}\t{link.kind} Arg1:{claim_ids[link.source_id]} Arg2:{claim_ids[link.target_id]}")
        self.sink.write(f"{doc.split}/{doc.doc_id}.txt", doc.text.encode("utf-8"))
        self.sink.write(f"{doc.split}/{doc.doc_id}.ann", ("\n".join(lines) + ("\n" if lines else "")).encode("utf-8"))

    def finish(self) -> None:
        conf = (
            "[entities]\n"
            + "\n".join(sorted(self.types))
            + "\n\n[relations]\nsame_metric\tArg1:<ENTITY>, Arg2:<ENTITY>\nrepeats\tArg1:<ENTITY>, Arg2:<ENTITY>\ncontradicts\tArg1:<ENTITY>, Arg2:<ENTITY>\n\n[events]\n\n[attributes]\n"
        )
        self.sink.write("annotation.conf", conf.encode("utf-8"))


@export_format(
    "cluener",
    unit="code points, end inclusive",
    flat=True,
    with_claims=False,
    files='`train.json` …: `{"text", "label": {type: {entity: [[start, end]]}}}` per sentence',
    offsets="code points, **end inclusive**",
)
class CluenerWriter(Writer):
    def add(self, doc: Document) -> None:
        errors = self.errors_of(doc.split)
        fh = self.split_file(doc.split, "{}.json")
        for s, e, spans in sentence_units(doc, self.notes_of(doc.split)):
            text = doc.text[s:e]
            if not text.strip():
                continue
            label: dict[str, dict[str, list[list[int]]]] = {}
            for span in spans:
                a, b = span.start - s, span.end - s - 1  # inclusive end
                _check(errors, doc.doc_id, text, a, b + 1, span.text)
                label.setdefault(span.label, {}).setdefault(span.text, []).append([a, b])
            fh.write(_jsonl_line({"text": text, "label": label}))


def threads(links: list[Link]) -> list[list[int]]:
    """Claims joined by same-metric links, as lists of annotation ids (connected components)."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for link in links:
        if link.kind == "same_metric":
            parent[find(link.source_id)] = find(link.target_id)
    groups: dict[int, list[int]] = {}
    for x in list(parent):
        groups.setdefault(find(x), []).append(x)
    return sorted((sorted(g) for g in groups.values()), key=lambda g: g[0])


@export_format(
    "claims",
    unit="code points into the sentence, end exclusive",
    flat=False,
    with_claims=True,
    files="`train.jsonl` …: one row per sentence (is_claim, type, normalised attributes; unclaimed sentences of finished releases are negatives) + `threads.csv`",
    offsets="code points into the sentence",
)
class ClaimsWriter(Writer):
    KEYS = ("subject_text", "metric", "value", "unit", "qualifier", "approach", "as_of", "speaker")

    def add(self, doc: Document) -> None:
        errors = self.errors_of(doc.split)
        fh = self.split_file(doc.split, "{}.jsonl")
        for n, (s, e) in enumerate(doc.sentences):
            sentence = doc.text[s:e]
            claims = [c for c in doc.claims if c.start < e and s < c.end]
            if not claims and doc.release.status != "done":
                continue  # unclaimed sentences are negatives only in finished releases
            for claim in claims or [None]:  # type: ignore[list-item]
                row: dict[str, Any] = {"id": f"{doc.doc_id}-{n}", "sentence": sentence, "is_claim": claim is not None}
                if claim is not None:
                    a, b = max(claim.start, s) - s, min(claim.end, e) - s
                    _check(errors, doc.doc_id, sentence, a, b, doc.text[s + a : s + b])
                    attrs = claim.annotation.attributes
                    row.update(claim_type=claim.label, claim_start=a, claim_end=b, claim_text=sentence[a:b],
                               attributes={k: attrs.get(k) for k in self.KEYS})  # fmt: skip
                else:
                    row.update(claim_type=None)
                fh.write(_jsonl_line(row))

    def finish(self) -> None:
        by_id = self.ctx.named
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(
            [
                "thread",
                "subject",
                "metric",
                "release",
                "release_title",
                "date",
                "value",
                "unit",
                "qualifier",
                "claim_text",
            ]
        )
        for n, members in enumerate(threads(self.ctx.links), start=1):
            rows_ = sorted(
                (by_id[i] for i in members if i in by_id),
                key=lambda ra: ra[1].attributes.get("as_of") or ra[0].date or "",
            )
            for release, linked in rows_:
                at = linked.attributes
                writer.writerow([n, at.get("subject_text") or "", at.get("metric") or "", release.content_hash[:16], release.title,
                                 at.get("as_of") or release.date or "", "" if at.get("value") is None else at["value"],
                                 at.get("unit") or "", at.get("qualifier") or "", linked.text])  # fmt: skip
        self.sink.write("threads.csv", out.getvalue().encode("utf-8"))


def label_distribution(docs: Iterable[Document], with_claims: bool) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for doc in docs:
        counts.update(s.label for s in doc.entities)
        if with_claims:
            counts.update(s.label for s in doc.claims)
    return dict(sorted(counts.items()))
