"""Labels: the defaults shipped in ``labels.toml`` and a user file that overrides them by name.

User file: ``$HKPR_LABELS``, else ``$XDG_CONFIG_HOME/hkpr/labels.toml``. A missing file is no
error; a bad one raises ``LabelError`` naming the file, line and field.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from hkpr_tui.config import user_file

KINDS = ("entity", "claim")
FIELDS = {"name", "kind", "key", "colour", "description", "pii", "fiscal_years"}
_HEX = re.compile(r"#[0-9a-fA-F]{6}$|#[0-9a-fA-F]{3}$")


class _LabelName:
    """What ``LABEL_NAME.fullmatch`` checks. A CJK character (U+3400–U+4DBF, U+4E00–U+9FFF) is
    allowed wherever an ASCII letter is, so the name is matched with each one read as ``A``: a
    pattern holding the CJK ranges themselves takes Python's ``re`` about 4 ms to compile, paid
    by every start of the app (the labels are checked before the library shows)."""

    _ascii = re.compile(r"[A-Za-z](?:[A-Za-z0-9_\-]|\.(?=[A-Za-z0-9])){0,39}")

    def fullmatch(self, name: str) -> bool:
        return self._ascii.fullmatch("".join("A" if _is_cjk(c) else c for c in name)) is not None


def _is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


LABEL_NAME = _LabelName()
"""A label name (use ``fullmatch``): letters (ASCII or CJK), digits, ``_``, ``-`` and ``.`` (between
letters or digits: Weibo NER's ``PER.NAM``), starting with a letter, at most 40 characters. Names go
into export files, XML configs and terminals."""
# keys the reader uses for other actions: a label key there would shadow them
RESERVED_KEYS = frozenset("vsclaArxudtTofmnMNgGebph?\\=[]{}*.,wWiL")
"""Keys the reader binds (tests/test_docs.py derives them from the screens): a label cannot take one."""


class LabelError(ValueError):
    """A label file hkpr cannot use; the message names the file, line and field."""


@dataclass(frozen=True)
class Label:
    name: str
    kind: str  # "entity" | "claim"
    key: str | None
    colour: str
    description: str = ""
    pii: bool = False
    position: int = 0
    fiscal_years: bool = False  # DATE: suggest financial years (2026-27年度) as dates too


def labels_path() -> Path:
    return user_file("HKPR_LABELS", "labels.toml")


def default_labels_text() -> str:
    return resources.files("hkpr_tui.annotate").joinpath("labels.toml").read_text(encoding="utf-8")


def _label_lines(text: str) -> list[tuple[int, dict[str, int]]]:
    """For each ``[[label]]`` table: its line number and the line of each field in it."""
    tables: list[tuple[int, dict[str, int]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("[[") and stripped.replace(" ", "").startswith("[[label]]"):
            tables.append((number, {}))
        elif tables and "=" in stripped and not stripped.startswith("#"):
            key = stripped.split("=", 1)[0].strip().strip('"')
            tables[-1][1].setdefault(key, number)
    return tables


def _parse(text: str, source: str) -> tuple[list[dict[str, Any]], bool]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LabelError(f"{source}: {exc}") from None
    entries = data.get("label", [])
    if not isinstance(entries, list):
        raise LabelError(f"{source}: labels are written as [[label]] tables")
    lines = _label_lines(text)
    out = []
    for index, entry in enumerate(entries):
        table_line, field_lines = lines[index] if index < len(lines) else (0, {})

        def fail(
            field: str,
            problem: str,
            field_lines: dict[str, int] = field_lines,
            table_line: int = table_line,
            index: int = index,
        ) -> LabelError:
            line = field_lines.get(field, table_line)
            return LabelError(f"{source}, line {line}: label {index + 1}, field '{field}': {problem}")

        unknown = sorted(set(entry) - FIELDS)
        if unknown:
            raise fail(unknown[0], f"unknown field (fields are {', '.join(sorted(FIELDS))})")
        name = entry.get("name")
        if not isinstance(name, str) or not LABEL_NAME.fullmatch(name):
            raise fail(
                "name",
                "a name of letters, digits, _, - or . (between letters), starting with a letter (at most 40), is required",
            )
        if "kind" in entry and entry["kind"] not in KINDS:
            raise fail("kind", f'must be "entity" or "claim", not {entry["kind"]!r}')
        if "key" in entry:
            key = entry["key"]
            if not isinstance(key, str) or len(key) != 1:
                raise fail("key", 'must be one character, such as "1"')
            if key in RESERVED_KEYS:
                raise fail("key", f"{key!r} is used by the reader for another action")
        if "colour" in entry and (not isinstance(entry["colour"], str) or not _HEX.match(entry["colour"])):
            raise fail("colour", f'must be a hex colour such as "#4ea1ff", not {entry["colour"]!r}')
        if "description" in entry and not isinstance(entry["description"], str):
            raise fail("description", "must be text")
        if "pii" in entry and not isinstance(entry["pii"], bool):
            raise fail("pii", "must be true or false")
        if "fiscal_years" in entry and not isinstance(entry["fiscal_years"], bool):
            raise fail("fiscal_years", "must be true or false")
        out.append({**entry, "_line": table_line, "_fields": field_lines})
    replace = data.get("replace_defaults", False)
    if not isinstance(replace, bool):
        raise LabelError(f"{source}: replace_defaults must be true or false")
    return out, replace


def default_labels() -> list[Label]:
    """The labels hkpr ships, ignoring any user file."""
    return load_labels(use_user_file=False)


def load_labels(path: Path | None = None, *, use_user_file: bool = True) -> list[Label]:
    """The default labels, overridden by the user file (``path`` or ``labels_path()``)."""
    merged: dict[str, dict[str, Any]] = {}
    defaults, _ = _parse(default_labels_text(), "hkpr_tui/annotate/labels.toml")
    for entry in defaults:
        merged[entry["name"]] = entry
    path = path or labels_path()
    source = str(path)
    if use_user_file and path.exists():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise LabelError(f"{path}: cannot be read ({exc})") from None
        user, replace = _parse(text, source)
        if replace:
            merged = {}
        user_keys = {entry["key"] for entry in user if entry.get("key")}
        for name, entry in merged.items():  # a key the user gives to a label is taken from a default
            if entry.get("key") in user_keys:
                merged[name] = {**entry, "key": None}
        for entry in user:
            base = merged.get(entry["name"], {})
            if not base and "kind" not in entry:
                raise LabelError(
                    f"{source}, line {entry['_line']}: label {entry['name']}, field 'kind': required for a new label"
                )
            merged[entry["name"]] = {**base, **entry}
    labels = []
    keys: dict[str, str] = {}
    for position, entry in enumerate(merged.values()):
        key = entry.get("key") if entry["kind"] == "entity" else None
        if key is not None and key in keys:
            raise LabelError(
                f"{source}, line {entry['_fields'].get('key', entry['_line'])}: label {entry['name']}, field 'key': "
                f"{key!r} is already the key of {keys[key]}"
            )
        if key is not None:
            keys[key] = entry["name"]
        labels.append(
            Label(
                name=entry["name"],
                kind=entry["kind"],
                key=key,
                colour=entry.get("colour", "#a0a0a0"),
                description=entry.get("description", ""),
                pii=bool(entry.get("pii", False)),
                position=position,
                fiscal_years=bool(entry.get("fiscal_years", False)),
            )
        )
    return labels


def by_name(labels: list[Label]) -> dict[str, Label]:
    return {label.name: label for label in labels}
