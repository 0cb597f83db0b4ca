"""What an export contains, before any format: documents (a release in one script) with spans.

``collect`` reads releases and their live, accepted annotations from the store (never
suggestions or rejected ones), filtered by status, labels and annotator; ``documents`` projects
each release into the scripts asked for through the offset maps; ``split_of`` assigns each
release group to train/validation/test deterministically (a hash of the group key and the seed),
so versions of one release never straddle splits. Headless: no UI code.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from hkpr_tui.models import Annotation, Link, Release, SentenceSpan
from hkpr_tui.script.views import View, script_view
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


@dataclass
class Item:
    """One release as an export reads it: its text, group key, chosen tags and sentences.
    ``left_out``: with ``gold``, the annotators who disagree with nothing adjudicated (the
    release is not exported); None otherwise."""

    release: Release
    group_key: str
    annotations: list[Annotation]
    sentences: list[SentenceSpan]
    left_out: list[str] | None = None


CHUNK = 200
"""Releases read per query while streaming: memory holds one chunk's texts, never the corpus."""


def release_ids(store: Store, status: str = "done") -> list[int]:
    """The ids of the releases an export with ``status`` reads, in id order (no texts read)."""
    from hkpr_tui.models import ReleaseFilter

    return store.release_ids_where(ReleaseFilter(status=status) if status != "all" else None)


def read_releases(
    store: Store,
    ids: Sequence[int],
    *,
    labels: list[str] | None = None,
    annotators: list[str] | None = None,
    gold: bool = False,
    chunk: int = CHUNK,
    sentences: bool = True,
) -> Iterator[Item]:
    """Each release of ``ids`` with the tags to export, read ``chunk`` releases at a time.
    ``gold``: per release, the gold layer where it has one, else its only annotator's tags (or its
    annotators' when they all agree); a release whose annotators disagree with no gold comes with
    ``left_out`` set and no tags. ``sentences``: False reads none (each Item's are [])."""
    for n in range(0, len(ids), chunk):
        part = list(ids[n : n + chunk])
        releases = store.releases(part)
        keys = store.group_keys(part)
        sentence_spans = store.sentences_of(part) if sentences else {}
        if gold:
            every = store.live_annotations(part, statuses=("accepted", "rejected"))
        else:
            every = store.live_annotations(part, annotators=annotators, labels=labels)
        for r in releases:
            anns = every.get(r.id, [])
            group_key = keys.get(r.id, r.content_hash)
            if gold:
                chosen = _gold_or_only(anns)
                if chosen is None:
                    who = sorted({a.annotator for a in anns if a.status == "accepted"})
                    yield Item(r, group_key, [], sentence_spans.get(r.id, []), left_out=who)
                    continue
                anns = [a for a in chosen if not labels or a.label in labels]
            yield Item(r, group_key, anns, sentence_spans.get(r.id, []))


def collect(
    store: Store,
    *,
    status: str = "done",
    labels: list[str] | None = None,
    annotators: list[str] | None = None,
    gold: bool = False,
) -> Collected:
    """Every release to export and its tags, in memory (``read_releases`` streams them). ``gold``:
    per release, the gold layer where it has one, else its only annotator's tags (or its
    annotators' when they all agree); a release whose annotators disagree with no gold is left out
    and listed in ``left_out``."""
    releases: list[Release] = []
    annotations: dict[int, list[Annotation]] = {}
    sentences: dict[int, list[SentenceSpan]] = {}
    left_out: list[tuple[int, str, list[str]]] = []
    for item in read_releases(store, release_ids(store, status), labels=labels, annotators=annotators, gold=gold):
        if item.left_out is not None:
            left_out.append((item.release.id, item.release.title, item.left_out))
            continue
        releases.append(item.release)
        if item.annotations:
            annotations[item.release.id] = item.annotations
        sentences[item.release.id] = item.sentences
    keep = {a.id for anns in annotations.values() for a in anns}
    links = [link for link in store.links() if link.source_id in keep and link.target_id in keep]
    stored = store.stored_labels()
    return Collected(
        releases=releases,
        group_keys=store.group_keys(),
        annotations=annotations,
        sentences=sentences,
        links=links,
        label_kinds={row["name"]: row["kind"] for row in stored},
        pii_labels={row["name"] for row in stored if row["pii"]},
        params={"status": status, "labels": labels, "annotators": annotators, "gold": gold},
        left_out=left_out,
    )


@dataclass
class Context:
    """What every document of a streamed export may refer to beyond its own release: the labels,
    the parameters, and the tags that links and claim subjects name (exported ones only)."""

    label_kinds: dict[str, str]
    pii_labels: set[str]
    params: dict[str, Any]
    links: list[Link]
    """Links whose two ends are exported (and not skipped as bad), in id order."""
    keys: dict[int, str] = field(default_factory=dict)
    """Exported annotation id → its span key, for the tags links and claim subjects name."""
    named: dict[int, tuple[Release, Annotation]] = field(default_factory=dict)
    """Exported annotation id → (its release without texts, the tag), for the link ends."""

    _by_release: dict[int, list[Link]] | None = field(default=None, init=False, repr=False)

    def links_from(self, release_id: int) -> list[Link]:
        """The links whose source tag is in this release, in id order."""
        if self._by_release is None:
            self._by_release = {}
            for link in self.links:
                self._by_release.setdefault(self.named[link.source_id][0].id, []).append(link)
        return self._by_release.get(release_id, [])


def without_texts(release: Release) -> Release:
    return replace(release, text="", raw_text="")


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
        out += release_documents(
            release,
            collected.group_keys.get(release.id, release.content_hash),
            collected.annotations.get(release.id, []),
            collected.sentences.get(release.id, []),
            script=script,
            split=split,
            seed=seed,
        )
    return out


def release_documents(
    release: Release,
    group_key: str,
    anns: list[Annotation],
    sentences: list[SentenceSpan],
    *,
    script: str = "original",
    split: tuple[int, int, int] | None = None,
    seed: int = 0,
) -> list[Document]:
    """One release in each script asked for, spans projected, split assigned."""
    out = []
    which = split_of(group_key, seed, split) if split else "train"
    for view_name in SCRIPTS[script]:
        view = script_view(release.text, release.script, view_name)
        text = view.text
        if view.units:
            bounds = [view.to_view(a.start, a.end) for a in anns]
            projected = [view.to_view(s.start, s.end) for s in sentences]
        else:  # the original, or a conversion that changed nothing: the same offsets
            bounds = [(a.start, a.end) for a in anns]
            projected = [(s.start, s.end) for s in sentences]
        spans = [Span(s, e, a.label, text[s:e], a.kind, a) for a, (s, e) in zip(anns, bounds)]
        out.append(
            Document(
                release=release,
                group_key=group_key,
                script=view_name,
                text=text,
                entities=[span for span in spans if span.kind == "entity"],
                claims=[span for span in spans if span.kind == "claim"],
                sentences=projected,
                split=which,
            )
        )
    return out
