"""The declared shape of every record ``import-annotations`` reads, checked before anything is stored.

Each format's reader turns one parsed JSON record into a ``Task`` or raises ``RecordError``
naming the field (``annotations[0].result[2].value.labels``) and what is wrong with it. Types
are checked exactly (``true`` is not an offset, ``"ORG"`` is not a list of labels), label names
must match ``LABEL_NAME``, texts and attribute values are bounded, dates are ISO dates. A record
that passes can be stored without any later step failing on it (export, merge, agree, the app).

Written here rather than with a schema library: the checks are few, and the messages must name
hkpr's fields and say what the user should change, in the words of these formats.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from hkpr_tui.annotate.labels import LABEL_NAME
from hkpr_tui.store.annotations import LINK_KINDS, STATUSES

MAX_TEXT = 5_000_000  # characters: the same bound as imported release files
MAX_SHORT = 1_000  # a title, an annotator, a label's attribute
SCRIPTS = ("original", "hant", "hans")
RELEASE_SCRIPTS = ("hant", "hans", "mixed")
CLAIM_TEXT_ATTRIBUTES = (
    "unit",
    "qualifier",
    "metric",
    "subject_text",
    "speaker",
    "note",
    "subject_key",
    "suggested_by",
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}$")
_SURROGATE = re.compile("[\ud800-\udfff]")
RELEASE_KINDS = ("press release", "news article", "feed item")


class RecordError(ValueError):
    """One field of one record is not what its format declares."""

    def __init__(self, field_path: str, problem: str) -> None:
        super().__init__(f"field {field_path}: {problem}")
        self.field = field_path


@dataclass
class Task:
    text: str
    spans: list[dict[str, Any]]  # start, end, label, kind, unit, text?, annotator?, attributes?, created_at?, …
    meta: dict[str, Any] = field(default_factory=dict)
    links: list[dict[str, Any]] = field(default_factory=list)
    where: str = ""  # "file, record N"
    notes: list[str] = field(default_factory=list)  # things the record carries that hkpr does not store


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true/false", type(None): "null"}.get(
        type(value), "a number" if isinstance(value, int | float) else type(value).__name__
    )


class Fields:
    """Typed access to one JSON object, naming each field by its path in errors."""

    def __init__(self, value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise RecordError(path or "(record)", f"must be an object, not {_kind(value)}")
        self.value = value
        self.path = path

    def name(self, key: str | int) -> str:
        if isinstance(key, int):
            return f"{self.path}[{key}]"
        return f"{self.path}.{key}" if self.path else key

    def has(self, key: str) -> bool:
        return self.value.get(key) is not None

    def text(self, key: str, *, required: bool = False, limit: int = MAX_SHORT, empty: bool = True) -> str | None:
        value = self.value.get(key)
        if value is None:
            if required:
                raise RecordError(self.name(key), "is required")
            return None
        if not isinstance(value, str):
            raise RecordError(self.name(key), f"must be text, not {_kind(value)}")
        if _SURROGATE.search(value):
            raise RecordError(
                self.name(key), "holds a lone UTF-16 surrogate (\\ud800–\\udfff), which is not a character"
            )
        if not empty and not value.strip():
            raise RecordError(self.name(key), "must not be empty")
        if len(value) > limit:
            raise RecordError(self.name(key), f"is {len(value):,} characters long (at most {limit:,})")
        return value

    def offset(self, key: str) -> int:
        value = self.value.get(key)
        if value is None:
            raise RecordError(self.name(key), "is required")
        if isinstance(value, bool) or not isinstance(value, int):
            shown = repr(value) if isinstance(value, float) else _kind(value)
            raise RecordError(self.name(key), f"must be a whole number, not {shown}")
        if value < 0:
            raise RecordError(self.name(key), f"must not be negative ({value})")
        return value

    def items(self, key: str, *, required: bool = False) -> list[Any]:
        value = self.value.get(key)
        if value is None:
            if required:
                raise RecordError(self.name(key), "is required")
            return []
        if not isinstance(value, list):
            raise RecordError(self.name(key), f"must be a list, not {_kind(value)}")
        return value

    def child(self, key: str | int, value: Any = None) -> Fields:
        return Fields(self.value.get(key) if value is None and isinstance(key, str) else value, self.name(key))

    def choice(self, key: str, choices: tuple[str, ...]) -> str | None:
        value = self.text(key)
        if value is not None and value not in choices:
            raise RecordError(self.name(key), f"must be one of {', '.join(choices)}, not {value!r}")
        return value

    def date(self, key: str) -> str | None:
        value = self.text(key)
        if value is None:
            return None
        try:
            if not _DATE.match(value):
                raise ValueError
            dt.date.fromisoformat(value)
        except ValueError:
            raise RecordError(self.name(key), f"must be a date such as 2024-02-28, not {value!r}") from None
        return value

    def timestamp(self, key: str) -> str | None:
        value = self.text(key)
        if value is None:
            return None
        try:
            dt.datetime.fromisoformat(value)
        except ValueError:
            raise RecordError(self.name(key), f"must be an ISO date and time, not {value!r}") from None
        return value


def label_name(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise RecordError(path, f"a label name must be text, not {_kind(value)}")
    if not LABEL_NAME.fullmatch(value):
        raise RecordError(
            path,
            f"{value[:40]!r} is not a label name (letters, digits, _, - and . between letters, starting with a letter; at most 40)",
        )
    return value


def attributes(f: Fields, key: str = "attributes") -> dict[str, Any]:
    """Claim and entity attributes: an object; the attributes hkpr reads have their types."""
    if not f.has(key):
        return {}
    a = f.child(key)
    for name in a.value:
        if not isinstance(name, str) or len(name) > 100 or _SURROGATE.search(name):
            raise RecordError(a.path, f"attribute names must be short text, not {name!r}")
    _plain(a.value, a.path)
    value = a.value.get("value")
    if value is not None:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise RecordError(a.name("value"), f"must be a number, not {_kind(value)}")
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise RecordError(a.name("value"), f"must be a number, not {value!r}") from None
        if not number.is_finite():
            raise RecordError(a.name("value"), f"must be a finite number, not {value!r}")
    for name in CLAIM_TEXT_ATTRIBUTES:
        a.text(name)
    a.date("as_of")
    if a.has("subject_id"):
        a.offset("subject_id")
    return dict(a.value)


def _plain(value: Any, path: str, depth: int = 0) -> None:
    """Attribute values are plain JSON: text without lone surrogates, finite numbers, bounded nesting."""
    if depth > 20:
        raise RecordError(path, "nested too deeply")
    if isinstance(value, str):
        if _SURROGATE.search(value):
            raise RecordError(path, "holds a lone UTF-16 surrogate, which is not a character")
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise RecordError(path, f"must be a finite number, not {value}")
    elif isinstance(value, dict):
        for k, v in value.items():
            _plain(v, f"{path}.{k}", depth + 1)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _plain(v, f"{path}[{i}]", depth + 1)


def span(f: Fields, kind: str, *, unit: str = "code points") -> dict[str, Any]:
    """One span of a record: start, end, label, and what the record says about it."""
    start, end = f.offset("start"), f.offset("end")
    if end <= start:
        raise RecordError(f.name("end"), f"must be after start ({start}–{end})")
    return {
        "start": start, "end": end, "label": label_name(f.value.get("label"), f.name("label")), "kind": kind,
        "unit": unit, "text": f.text("text", limit=MAX_TEXT), "annotator": f.text("annotator", empty=False),
        "attributes": attributes(f), "created_at": f.timestamp("created_at"), "updated_at": f.timestamp("updated_at"),
        "field": f.path,
    }  # fmt: skip


def task_text(f: Fields, key: str = "text") -> str:
    text = f.text(key, required=True, limit=MAX_TEXT, empty=False)
    assert text is not None
    return text


# -- the formats ------------------------------------------------------------------------------


def hkpr_jsonl(record: Any, where: str) -> Task | None:
    """A record of hkpr's own JSONL export; None for a projected copy (another script of a text
    whose tags the original record carries)."""
    f = Fields(record, "")
    text = task_text(f)
    if f.choice("script", SCRIPTS) not in (None, "original"):
        return None
    meta: dict[str, Any] = {}
    if f.has("release"):
        r = f.child("release")
        meta = {
            "title": r.text("title"), "organisation": r.text("organisation"), "date": r.date("date"),
            "kind": r.choice("kind", RELEASE_KINDS), "script": r.choice("script", RELEASE_SCRIPTS), "source": r.text("source"),
            "status": r.choice("status", STATUSES),
        }  # fmt: skip
    spans = [span(f.child(f"entities[{n}]", e), "entity") for n, e in enumerate(f.items("entities"))]
    spans += [span(f.child(f"claims[{n}]", c), "claim") for n, c in enumerate(f.items("claims"))]
    source = prediction_source(f)
    if source:
        spans = [suggestion(found, source) for found in spans]
    links = []
    for n, item in enumerate(f.items("links")):
        link = f.child(f"links[{n}]", item)
        links.append({
            "source": link.text("source", required=True), "target": link.text("target", required=True),
            "kind": link.choice("kind", LINK_KINDS) or missing(link, "kind"), "annotator": link.text("annotator", empty=False),
            "created_at": link.timestamp("created_at"),
        })  # fmt: skip
    return Task(text, spans, {k: v for k, v in meta.items() if v is not None}, links, where)


def missing(f: Fields, key: str) -> str:
    """Raise: ``key`` is required (for ``f.choice(...) or missing(f, key)``)."""
    raise RecordError(f.name(key), "is required")


def model_source(version: Any, path: str) -> str:
    """``suggested_by`` of a prediction: ``model:VERSION`` (``model:unknown`` without a version)."""
    if version is None or (isinstance(version, str) and not version.strip()):
        return "model:unknown"
    if isinstance(version, bool) or not isinstance(version, str | int | float):
        raise RecordError(path, f"must be text or a number, not {_kind(version)}")
    text = str(version)
    if _SURROGATE.search(text) or len(text) > 200:
        raise RecordError(path, "must be short text (at most 200 characters)")
    return f"model:{text}"


def suggestion(found: dict[str, Any], source: str) -> dict[str, Any]:
    """Make a span a suggestion from ``source``: stored with status 'suggested', never gold until accepted."""
    found["status"] = "suggested"
    found["attributes"] = {**found.get("attributes", {}), "suggested_by": source}
    return found


def _label_studio_results(
    owner: Fields, spans: list[dict[str, Any]], notes: list[str], annotator: str | None, source: str | None
) -> None:
    for m, result in enumerate(owner.items("result")):
        r = owner.child(f"result[{m}]", result)
        kind = r.text("type") or "labels"
        if kind != "labels":
            notes.append(f"{r.path}: a {kind!r} result, which hkpr does not store, not imported")
            continue
        value = r.child("value")
        labels = value.items("labels", required=True)
        if not labels:
            raise RecordError(value.name("labels"), "must name at least one label")
        for k, label in enumerate(labels):
            label_name(label, f"{value.name('labels')}[{k}]")
            found = span(Fields({**value.value, "label": label}, value.path), "entity", unit="code points or utf-16")
            found["annotator"] = annotator
            spans.append(suggestion(found, source) if source else found)


def label_studio(record: Any, where: str) -> Task:
    """A Label Studio task: its annotations are tags; its predictions are suggestions (status
    'suggested', ``suggested_by`` ``model:VERSION``), never gold until someone accepts them."""
    f = Fields(record, "")
    data = f.child("data")
    text_key = (
        "text" if "text" in data.value else next((k for k, v in data.value.items() if isinstance(v, str)), "text")
    )
    text = task_text(data, text_key)
    notes: list[str] = []
    spans: list[dict[str, Any]] = []
    for n, item in enumerate(f.items("annotations")):
        annotation = f.child(f"annotations[{n}]", item)
        who = annotation.value.get("completed_by")
        if isinstance(who, dict):
            who = annotation.child("completed_by").text("email") or who.get("id")
        if who is not None and (isinstance(who, bool) or not isinstance(who, str | int)):
            raise RecordError(
                annotation.name("completed_by"), f"must be an e-mail, a user id or an object, not {_kind(who)}"
            )
        annotator = str(who)[:MAX_SHORT] if who is not None and str(who).strip() else None
        if annotation.value.get("was_cancelled") is True:
            notes.append(f"{annotation.path}: a cancelled annotation, not imported")
            continue
        _label_studio_results(annotation, spans, notes, annotator, None)
    for n, item in enumerate(f.items("predictions")):
        prediction = f.child(f"predictions[{n}]", item)
        source = model_source(prediction.value.get("model_version"), prediction.name("model_version"))
        _label_studio_results(prediction, spans, notes, None, source)
    meta = {"title": data.text("title"), "date": data.date("date"), "organisation": data.text("organisation")}
    return Task(text, spans, {k: v for k, v in meta.items() if v is not None}, where=where, notes=notes)


def prediction_source(f: Fields) -> str | None:
    """A doccano or hkpr JSONL record marked as predictions (``"prediction": true`` or a
    ``model_version``): the ``suggested_by`` of its spans, else None (they are tags)."""
    marked = f.value.get("prediction")
    if marked is not None and not isinstance(marked, bool):
        raise RecordError(f.name("prediction"), f"must be true or false, not {_kind(marked)}")
    if marked is False or (marked is None and f.value.get("model_version") is None):
        return None
    return model_source(f.value.get("model_version"), f.name("model_version"))


def _doccano_span(item: Any, path: str) -> dict[str, Any]:
    if isinstance(item, dict):  # newer exports: {"start_offset", "end_offset", "label"}
        g = Fields(item, path)
        item = [g.value.get("start_offset"), g.value.get("end_offset"), g.value.get("label")]
    if not isinstance(item, list) or len(item) != 3:
        raise RecordError(
            path,
            f"must be [start, end, label], not {_kind(item)}" + (f" of {len(item)}" if isinstance(item, list) else ""),
        )
    s, e, label = item
    if isinstance(label, int) and not isinstance(label, bool):
        raise RecordError(f"{path}[2]", f"label {label!r} is an id, not a name; export from doccano with label names")
    found = span(Fields({"start": s, "end": e, "label": label}, path), "entity", unit="utf-16")
    found["field"] = path
    return found


def doccano(record: Any, where: str) -> Task:
    """doccano JSONL: sequence labelling (``label``: [[start, end, LABEL]]) or the relation
    format (``entities`` with ids, ``relations`` between them). An entity whose label is a claim
    label of the database becomes a claim; relations become links between claims when both ends
    are claims and the type is a link kind, else they are kept in the source entity's
    ``relations`` attribute (see ``imports.place_relations``). A record marked as predictions
    stores its spans as suggestions."""
    f = Fields(record, "")
    text = task_text(f)
    source = prediction_source(f)
    spans: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    if f.has("entities"):
        if f.items("label") or f.items("labels"):
            raise RecordError(
                "label", "a record has either label (sequence labelling) or entities (relations), not both"
            )
        ids: dict[Any, int] = {}
        for n, item in enumerate(f.items("entities")):
            g = f.child(f"entities[{n}]", item)
            entity_id = g.value.get("id")
            if isinstance(entity_id, bool) or not isinstance(entity_id, int | str):
                raise RecordError(g.name("id"), f"must be a number or text, not {_kind(entity_id)}")
            if entity_id in ids:
                raise RecordError(g.name("id"), f"{entity_id!r} is the id of an earlier entity too")
            ids[entity_id] = len(spans)
            found = _doccano_span(item, g.path)
            found["kind"] = "auto"  # a claim when the database knows its label as one
            spans.append(found)
        for n, item in enumerate(f.items("relations")):
            g = f.child(f"relations[{n}]", item)
            ends = []
            for key in ("from_id", "to_id"):
                value = g.value.get(key)
                if value is None:
                    raise RecordError(g.name(key), "is required")
                if isinstance(value, bool) or value not in ids:
                    raise RecordError(g.name(key), f"{value!r} is not the id of an entity of this record")
                ends.append(ids[value])
            kind = g.text("type", required=True, limit=100, empty=False)
            links.append({"source_index": ends[0], "target_index": ends[1], "type": kind, "field": g.path})
    else:
        key = "label" if "label" in f.value else "labels"
        spans = [_doccano_span(item, f"{f.name(key)}[{n}]") for n, item in enumerate(f.items(key))]
        if f.items("relations"):
            raise RecordError("relations", "relations need the relation format's entities (with ids), not label")
    if source:
        spans = [suggestion(found, source) for found in spans]
    return Task(text, spans, {"title": f.text("title")} if f.has("title") else {}, links, where=where)
