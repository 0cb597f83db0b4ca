"""What an export contains, before any format: documents (a release in one script) with spans.

``collect`` reads releases and their live, accepted annotations from the store (never
suggestions or rejected ones), filtered by status, labels and annotator; ``documents`` projects
each release into the scripts asked for through the offset maps; ``split_of`` assigns each
release group to train/validation/test deterministically (a hash of the group key and the seed),
so versions of one release never straddle splits. Headless: no UI code.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from hkpr_tui.models import Annotation, Link, Release, SentenceSpan
from hkpr_tui.script.views import ScriptView, View, script_view
from hkpr_tui.store import Store
from hkpr_tui.store.annotations import GOLD, agreement_key

SCRIPTS: dict[str, list[View]] = {
    "original": ["original"],
    "hant": ["hant"],
    "hans": ["hans"],
    "all": ["original", "hant", "hans"],
}
SPLITS = ("train", "validation", "test")


def span_key(content_hash: str, start: int, end: int, label: str) -> str:
    """How exports name a stored span across databases: release text hash, canonical offsets, label."""
    return f"{content_hash}:{start}:{end}:{label}"


@dataclass(frozen=True)
class Span:
    start: int  # code points into Document.text, end-exclusive
    end: int
    label: str
    text: str
    kind: str  # "entity" | "claim"
    annotation: Annotation  # the stored annotation (canonical offsets, attributes, provenance)


@dataclass
class Document:
    """One release in one script, with its spans projected into that script's text."""

    release: Release
    group_key: str
    script: View
    text: str
    entities: list[Span]
    claims: list[Span]
    sentences: list[tuple[int, int]]  # projected sentence spans
    split: str = "train"
    notes: list[str] = field(default_factory=list)

    @property
    def doc_id(self) -> str:
        return f"{self.release.content_hash[:16]}-{self.script}"


@dataclass
class Collected:
    releases: list[Release]
    group_keys: dict[int, str]
    annotations: dict[int, list[Annotation]]
    sentences: dict[int, list[SentenceSpan]]
    links: list[Link]
    label_kinds: dict[str, str]
    pii_labels: set[str]
    params: dict[str, Any]
    left_out: list[tuple[int, str, list[str]]] = field(default_factory=list)
    """With ``gold``: releases left out, (id, title, annotators): several annotators, no gold, and
    they do not all agree."""


def _gold_or_only(anns: list[Annotation]) -> list[Annotation] | None:
    """A release's tags for a gold export: gold's accepted tags where gold has decided anything
    there, else the only annotator's, else (several annotators) theirs when they all hold the same
    tags; None when they disagree and nothing was adjudicated."""
    gold = [a for a in anns if a.annotator == GOLD]
    if gold:
        return [a for a in gold if a.status == "accepted"]
    by: dict[str, list[Annotation]] = {}
    for a in anns:
        if a.status == "accepted":
            by.setdefault(a.annotator, []).append(a)
    if len(by) <= 1:
        return next(iter(by.values()), [])
    keys = [{agreement_key(a) for a in tags} for tags in by.values()]
    return next(iter(by.values())) if all(k == keys[0] for k in keys) else None


def collect(
    store: Store,
    *,
    status: str = "done",
    labels: list[str] | None = None,
    annotators: list[str] | None = None,
    gold: bool = False,
) -> Collected:
    """The releases to export and their tags. ``gold``: per release, the gold layer where it has
    one, else its only annotator's tags (or its annotators' when they all agree); a release whose
    annotators disagree with no gold is left out and listed in ``left_out``."""
    from hkpr_tui.models import ReleaseFilter

    where = ReleaseFilter(status=status) if status != "all" else None
    summaries = store.list_releases(sort="id", where=where)
    releases = [store.release(s.id) for s in summaries]
    ids = [r.id for r in releases]
    left_out: list[tuple[int, str, list[str]]] = []
    if gold:
        every = store.live_annotations(ids, statuses=("accepted", "rejected"))
        annotations = {}
        for r in list(releases):
            chosen = _gold_or_only(every.get(r.id, []))
            if chosen is None:
                who = sorted({a.annotator for a in every[r.id] if a.status == "accepted"})
                left_out.append((r.id, r.title, who))
                continue
            chosen = [a for a in chosen if not labels or a.label in labels]
            if chosen:
                annotations[r.id] = chosen
        gone = {r for r, _, _ in left_out}
        releases = [r for r in releases if r.id not in gone]
    else:
        annotations = store.live_annotations(ids, annotators=annotators, labels=labels)
    keep = {a.id for anns in annotations.values() for a in anns}
    links = [link for link in store.links() if link.source_id in keep and link.target_id in keep]
    stored = store.stored_labels()
    return Collected(
        releases=releases,
        group_keys=store.group_keys(),
        annotations=annotations,
        sentences={r.id: store.sentences(r.id) for r in releases},
        links=links,
        label_kinds={row["name"]: row["kind"] for row in stored},
        pii_labels={row["name"] for row in stored if row["pii"]},
        params={"status": status, "labels": labels, "annotators": annotators, "gold": gold},
        left_out=left_out,
    )


def split_of(group_key: str, seed: int, ratios: tuple[int, int, int]) -> str:
    """train / validation / test for a release group: stable for a (group, seed) pair."""
    digest = hashlib.sha256(f"{seed}:{group_key}".encode()).digest()
    point = int.from_bytes(digest[:8], "big") / 2**64 * sum(ratios)
    if point < ratios[0]:
        return "train"
    return "validation" if point < ratios[0] + ratios[1] else "test"


def parse_split(text: str) -> tuple[int, int, int]:
    parts = text.split("/")
    if len(parts) != 3 or not all(p.strip().isdigit() for p in parts) or sum(int(p) for p in parts) == 0:
        raise ValueError(f"--split takes three whole numbers such as 80/10/10, not {text!r}")
    return int(parts[0]), int(parts[1]), int(parts[2])


def documents(
    collected: Collected, *, script: str = "original", split: tuple[int, int, int] | None = None, seed: int = 0
) -> list[Document]:
    """Every collected release in each script asked for, spans projected, split assigned."""
    out = []
    for release in collected.releases:
        anns = collected.annotations.get(release.id, [])
        group_key = collected.group_keys.get(release.id, release.content_hash)
        which = split_of(group_key, seed, split) if split else "train"
        for view_name in SCRIPTS[script]:
            view = script_view(release.text, release.script, view_name)
            text = view.text

            def project(a: Annotation, view: ScriptView = view, text: str = text) -> Span:
                s, e = view.to_view(a.start, a.end)
                return Span(s, e, a.label, text[s:e], a.kind, a)

            out.append(
                Document(
                    release=release,
                    group_key=group_key,
                    script=view_name,
                    text=text,
                    entities=[project(a) for a in anns if a.kind == "entity"],
                    claims=[project(a) for a in anns if a.kind == "claim"],
                    sentences=[view.to_view(s.start, s.end) for s in collected.sentences.get(release.id, [])],
                    split=which,
                )
            )
    return out
