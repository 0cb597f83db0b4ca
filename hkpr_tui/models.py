"""Plain dataclasses passed between the headless layers (corpus → store → CLI/app/export).

No behaviour and no imports beyond the standard library, so every layer can use them.
Offsets are code points into the release's canonical text, end-exclusive.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ParagraphSpan:
    start: int
    end: int
    kind: str = "text"  # "text" | "heading" | "bullet" | "link"
    repeat_of: int | None = None  # index of an earlier paragraph with the same text


@dataclass(frozen=True)
class SentenceSpan:
    paragraph: int  # index of its paragraph
    start: int
    end: int


@dataclass(frozen=True)
class NewRelease:
    """A release parsed from a file, ready to store."""

    source: str
    encoding: str
    raw_text: str
    text: str
    content_hash: str
    group_key: str
    title: str
    organisation: str | None
    date: str | None
    kind: str | None
    script: str
    paragraphs: list[ParagraphSpan] = field(default_factory=list)
    sentences: list[SentenceSpan] = field(default_factory=list)


@dataclass(frozen=True)
class ReleaseFilter:
    """Which releases a library shows; None means any."""

    organisation: str | None = None
    year: str | None = None
    status: str | None = None
    script: str | None = None
    queue: str | None = None  # an annotator: the releases assigned to them that are not done


@dataclass(frozen=True)
class ReleaseSummary:
    """One row of the library: what a list of releases shows."""

    id: int
    title: str
    organisation: str | None
    date: str | None
    kind: str | None
    script: str
    source: str
    status: str
    n_paragraphs: int
    n_sentences: int
    n_entities: int
    n_claims: int
    group_id: int


@dataclass(frozen=True)
class Release:
    """A stored release with its texts."""

    id: int
    title: str
    organisation: str | None
    date: str | None
    kind: str | None
    script: str
    source: str
    status: str
    encoding: str
    content_hash: str
    group_id: int
    text: str
    raw_text: str
    imported_at: str


@dataclass(frozen=True)
class AddResult:
    release_id: int
    duplicate: bool


@dataclass(frozen=True)
class Stats:
    releases: int
    by_status: dict[str, int]
    by_script: dict[str, int]
    by_kind: dict[str, int]
    by_organisation: dict[str, int]
    entities: int
    claims: int
    by_label: dict[str, int]
    by_annotator: dict[str, int]
    sessions: int
    by_annotation_status: dict[str, int] = field(default_factory=dict)  # accepted / suggested / rejected
    by_session: list[SessionSummary] = field(default_factory=list)


@dataclass(frozen=True)
class SearchHit:
    """A release that matches a query, with its first match in canonical offsets."""

    release_id: int
    title: str
    organisation: str | None
    date: str | None
    script: str
    source: str
    start: int
    end: int
    snippet: str
    in_title: bool  # the match is in the title only (start/end then point at the title)


@dataclass(frozen=True)
class SearchPage:
    hits: list[SearchHit]
    offset: int
    has_more: bool
    ranked_among: int | None = None  # many matches: best first among the newest this many of them


@dataclass(frozen=True)
class Annotation:
    """A tagged span (entity or claim) in canonical offsets, with the text it covers."""

    id: int
    release_id: int
    kind: str  # "entity" | "claim"
    label: str
    start: int
    end: int
    text: str
    status: str  # "accepted" | "suggested" | "rejected"
    attributes: dict[str, Any]
    annotator: str
    session_id: int | None
    created_at: str
    updated_at: str
    deleted_at: str | None = None


@dataclass(frozen=True)
class Link:
    id: int
    source_id: int
    target_id: int
    kind: str  # "same_metric" | "repeats" | "contradicts"
    annotator: str
    created_at: str
    deleted_at: str | None = None


@dataclass(frozen=True)
class ThreadPoint:
    """One claim of a same-metric thread: where it is, when, and its value."""

    annotation_id: int
    release_id: int
    release_title: str
    date: str | None  # the claim's as-of date, else the release's date
    text: str
    value: float | int | None
    unit: str | None
    qualifier: str | None
    metric: str | None
    subject: str | None


@dataclass(frozen=True)
class SessionSummary:
    id: int
    annotator: str
    started_at: str
    ended_at: str | None
    actions: int
    tags: int  # entities and claims made in the session and still there


MAX_ANNOTATOR = 64
RESERVED_ANNOTATORS = ("gold",)
"""``gold`` is the adjudicated layer (decisions between annotators), not a person."""


def annotator_problem(name: str) -> str | None:
    """Why ``name`` cannot be an annotator's name (it is stored with every action and shown in
    reports), or None: non-empty, at most 64 characters, no control or format characters."""
    import unicodedata

    if not name.strip():
        return "an annotator's name cannot be empty"
    if len(name) > MAX_ANNOTATOR:
        return f"an annotator's name has at most {MAX_ANNOTATOR} characters"
    if name != name.strip():
        return "an annotator's name cannot start or end with a space"
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in name):
        return "an annotator's name cannot hold control characters"
    if name.casefold() in RESERVED_ANNOTATORS:
        return f"{name!r} is reserved for the adjudicated layer"
    return None
