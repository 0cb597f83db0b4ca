"""Adjudication: where annotators of a release disagree, and the gold layer that settles it. Headless.

An *item* is a cluster of overlapping live accepted tags of one kind (entities, or claims) across
the release's annotators (every annotator but ``gold``). Where every annotator holds the same
set of tags in it (kind, label, bounds and, for a claim, its value attributes: see
``store.annotations.agreement_key``) the item agrees and is not listed; otherwise it is a
``Disagreement`` whose kind is the first that applies: ``missing`` (an annotator has no tag
there), ``label`` (entities: the labels differ), ``bounds`` (the spans differ), ``claim`` (a
claim's type or value differs).

``decide`` stores a decision as tags of the annotator ``gold``: the taken version's tags copied
(label, bounds, attributes), or, when all are rejected (or the taken version is empty), every
candidate tag of the item with status ``rejected``, so the item shows as decided and nothing of
it is exported. Deciding again replaces the item's gold. Each decision also copies the release's
agreeing items that gold does not hold yet, so an adjudicated release's gold layer is complete.
Who decided and whose version was taken is an ``adjudicate`` event of the release (the
adjudicator as its annotator), read back by ``provenance``; the gold tags themselves carry
nothing of it, so exports never show it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from hkpr_tui.models import Annotation
from hkpr_tui.store import Store
from hkpr_tui.store.annotations import GOLD, agreement_key
from hkpr_tui.textsafe import safe

__all__ = ["GOLD", "Disagreement", "ReleaseDisagreements", "Version", "annotators_of", "decide", "disagreements",
           "provenance", "to_adjudicate"]  # fmt: skip

REJECTED = "rejected"
ACTION = "adjudicate"
KINDS_ORDER = ("missing", "label", "bounds", "claim")


@dataclass(frozen=True)
class Version:
    annotator: str
    tags: tuple[Annotation, ...]  # this annotator's tags in the item ((), when they missed it)


def _short(text: str, limit: int = 16) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def claim_value(a: Annotation) -> str:
    """A claim's value as the lists show it (" >500間"), or "" for a tag without one."""
    value = a.attributes.get("value") if a.kind == "claim" else None
    if value is None:
        return ""
    return f" {a.attributes.get('qualifier') or ''}{value}{a.attributes.get('unit') or ''}".replace(" =", " ")


def _tag(a: Annotation, with_bounds: bool) -> str:
    out = f"{a.label} 「{_short(a.text)}」"
    if with_bounds:
        out += f" {a.start}–{a.end}"
    return out + claim_value(a)


@dataclass(frozen=True)
class Disagreement:
    start: int  # extent of the item in the canonical text
    end: int
    kind: str  # "missing" | "label" | "bounds" | "claim" (type or value): the first that applies
    versions: tuple[Version, ...]  # one per (non-gold) annotator of the release, sorted by name
    decided: str | None  # None, an annotator's name whose version gold holds, or "rejected"

    def describe(self) -> str:
        """One line for a list: 'label: alice ORG 「環境局」 · bob GPE 「環境局」'."""
        with_bounds = self.kind == "bounds"
        parts = [
            f"{v.annotator} " + (" + ".join(_tag(a, with_bounds) for a in v.tags) if v.tags else "—")
            for v in self.versions
        ]
        return safe(f"{self.kind}: " + " · ".join(parts))


def _tag_kind(item: Disagreement) -> str:
    """entity or claim: what the item's tags are."""
    return next(a.kind for v in item.versions for a in v.tags)


@dataclass(frozen=True)
class ReleaseDisagreements:
    release_id: int
    title: str
    annotators: tuple[str, ...]
    open: int  # items not decided yet
    decided: int  # items decided (a version taken or all rejected)


# -- items ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Item:
    tag_kind: str
    start: int
    end: int
    versions: tuple[Version, ...]


def _clusters(tags: Sequence[Annotation]) -> list[tuple[int, int, list[Annotation]]]:
    """Tags grouped by overlap (transitively), in text order: (start, end, tags)."""
    out: list[tuple[int, int, list[Annotation]]] = []
    for a in sorted(tags, key=lambda a: (a.start, -a.end, a.annotator, a.id)):
        if out and a.start < out[-1][1]:
            start, end, members = out[-1]
            out[-1] = (start, max(end, a.end), [*members, a])
        else:
            out.append((a.start, a.end, [a]))
    return out


def _items(by_annotator: dict[str, list[Annotation]]) -> list[_Item]:
    names = sorted(by_annotator)
    items = []
    for tag_kind in ("entity", "claim"):
        tags = [a for name in names for a in by_annotator[name] if a.kind == tag_kind]
        for start, end, members in _clusters(tags):
            versions = tuple(
                Version(name, tuple(sorted((a for a in members if a.annotator == name), key=lambda a: (a.start, -a.end, a.id))))
                for name in names
            )  # fmt: skip
            items.append(_Item(tag_kind, start, end, versions))
    return sorted(items, key=lambda i: (i.start, i.end, i.tag_kind))


def _keys(tags: Iterable[Annotation]) -> frozenset[tuple[Any, ...]]:
    return frozenset(agreement_key(a) for a in tags)


def _kind(item: _Item) -> str | None:
    """How the item's versions differ (the first kind that applies), None when they agree."""
    keys = [_keys(v.tags) for v in item.versions]
    if all(k == keys[0] for k in keys):
        return None
    if any(not v.tags for v in item.versions):
        return "missing"
    if item.tag_kind == "entity" and any(
        {a.label for a in v.tags} != {a.label for a in item.versions[0].tags} for v in item.versions
    ):
        return "label"  # fmt: skip
    bounds = [{(a.start, a.end) for a in v.tags} for v in item.versions]
    if any(b != bounds[0] for b in bounds):
        return "bounds"
    return "claim" if item.tag_kind == "claim" else "label"


def _layers(
    store: Store, release_ids: Sequence[int] | None
) -> dict[int, tuple[dict[str, list[Annotation]], list[Annotation]]]:
    """Per release: the non-gold annotators' live accepted tags by annotator, and gold's live tags
    (accepted and rejected)."""
    out: dict[int, tuple[dict[str, list[Annotation]], list[Annotation]]] = {}
    rows = store.live_annotations(release_ids, statuses=("accepted", "rejected"))
    for release_id, anns in rows.items():
        by: dict[str, list[Annotation]] = {}
        gold = []
        for a in anns:
            if a.annotator == GOLD:
                gold.append(a)
            elif a.status == "accepted":
                by.setdefault(a.annotator, []).append(a)
        out[release_id] = (by, gold)
    return out


def _decided(item: _Item, gold: list[Annotation], events: list[dict[str, Any]]) -> str | None:
    """The last decision logged for this item's extent, while gold still holds what it chose."""
    last = next(
        (
            e["payload"]
            for e in reversed(events)
            if e["payload"].get("tag_kind") == item.tag_kind
            and (e["payload"].get("start"), e["payload"].get("end")) == (item.start, item.end)
        ),
        None,
    )
    if last is None:
        return None
    held = [a for a in gold if a.kind == item.tag_kind and a.start < item.end and item.start < a.end]
    accepted = _keys(a for a in held if a.status == "accepted")
    choice = last.get("choice")
    if choice is None:
        return REJECTED if held and not accepted else None
    version = next((v for v in item.versions if v.annotator == choice), None)
    if version is None or _keys(version.tags) != accepted or not held:
        return None  # the annotator's version changed since, or gold was edited: open again
    return str(choice)


def _disagreements(
    by_annotator: dict[str, list[Annotation]], gold: list[Annotation], events: list[dict[str, Any]]
) -> list[Disagreement]:
    if len(by_annotator) < 2:
        return []
    out = []
    for item in _items(by_annotator):
        kind = _kind(item)
        if kind is not None:
            out.append(Disagreement(item.start, item.end, kind, item.versions, _decided(item, gold, events)))
    return out


# -- the API ----------------------------------------------------------------------------------


def annotators_of(store: Store, release_id: int) -> list[str]:
    """The release's annotators: every one but gold with live accepted tags there, by name."""
    by, _ = _layers(store, [release_id]).get(release_id, ({}, []))
    return sorted(by)


def disagreements(store: Store, release_id: int) -> list[Disagreement]:
    """The release's items where its annotators disagree, in text order (agreeing items are not
    listed; a release with fewer than two annotators has none)."""
    by, gold = _layers(store, [release_id]).get(release_id, ({}, []))
    return _disagreements(by, gold, store.release_events(release_id, ACTION))


def provenance(store: Store, release_id: int) -> list[dict[str, Any]]:
    """Every decision taken in the release, oldest first: when, by whom (the adjudicator), the
    item (tag kind, start, end, kind of disagreement), the choice (an annotator, or None for all
    rejected) and the gold tags written."""
    return [
        {"at": e["at"], "by": e["annotator"], "session_id": e["session_id"], **e["payload"]}
        for e in store.release_events(release_id, ACTION)
    ]


def _copy(
    store: Store, a: Annotation, status: str, gold_entities: dict[tuple[str, int, int], int], session_id: int | None
) -> Annotation:
    attributes = dict(a.attributes)
    attributes.pop("suggested_by", None)  # how the annotator came to tag it is theirs, not gold's
    subject = attributes.pop("subject_id", None)
    if subject is not None:  # the subject is the annotator's entity: point at gold's copy of it, if any
        try:
            entity = store.annotation(int(subject))
        except (KeyError, TypeError, ValueError):
            entity = None
        if entity is not None and (entity.label, entity.start, entity.end) in gold_entities:
            attributes["subject_id"] = gold_entities[(entity.label, entity.start, entity.end)]
    copy = store.add_annotation(
        a.release_id, a.kind, a.label, a.start, a.end, annotator=GOLD, session_id=session_id, status=status,
        attributes=attributes, action=ACTION,
    )  # fmt: skip
    if copy.kind == "entity" and status == "accepted":
        gold_entities[(copy.label, copy.start, copy.end)] = copy.id
    return copy


def decide(
    store: Store, release_id: int, item: Disagreement, choice: str | None, *, by: str, session_id: int | None = None
) -> None:
    """Store the decision on ``item``: ``choice`` an annotator's name (their tags in the item
    become gold) or None (all rejected). Deciding again replaces the item's earlier gold. Also
    copies the release's agreeing items gold lacks. One write transaction; the decision is
    logged as an ``adjudicate`` event by ``by``. ValueError for a choice that is no version's."""
    names = [v.annotator for v in item.versions]
    if choice is not None and choice not in names:
        raise ValueError(
            f"{choice!r} is not an annotator of this item (choose one of {', '.join(names)}, or reject all)"
        )
    if not any(v.tags for v in item.versions):
        raise ValueError("this item holds no tags")
    if not by.strip():
        raise ValueError("an adjudicator's name is needed")
    tag_kind = _tag_kind(item)
    with store.write():
        _, gold = _layers(store, [release_id]).get(release_id, ({}, []))
        for a in gold:  # the item's earlier gold
            if a.kind == tag_kind and a.start < item.end and item.start < a.end:
                store.set_annotation_deleted(a.id, True, annotator=by, session_id=session_id, action=ACTION)
        gold_entities = {
            (a.label, a.start, a.end): a.id
            for a in gold
            if a.kind == "entity" and a.status == "accepted" and not (a.start < item.end and item.start < a.end)
        }
        taken = next((v.tags for v in item.versions if v.annotator == choice), ())
        written: list[Annotation] = []
        if taken:
            written = [_copy(store, a, "accepted", gold_entities, session_id) for a in taken]
        else:  # all rejected (or the taken version is empty): every candidate, rejected, marks it decided
            seen: set[tuple[Any, ...]] = set()
            for v in item.versions:
                for a in v.tags:
                    if agreement_key(a) not in seen:
                        seen.add(agreement_key(a))
                        written.append(_copy(store, a, REJECTED, gold_entities, session_id))
        filled = _fill_agreed(store, release_id, gold_entities, session_id)
        store.log_event(
            by, ACTION, "releases",
            {"release_id": release_id, "tag_kind": tag_kind, "start": item.start, "end": item.end, "kind": item.kind,
             "choice": choice, "taken": choice if taken else None, "gold": [a.id for a in written],
             "agreed_copied": filled},
            entity_id=release_id, session_id=session_id,
        )  # fmt: skip


def _fill_agreed(
    store: Store, release_id: int, gold_entities: dict[tuple[str, int, int], int], session_id: int | None
) -> int:
    """Copy the release's agreeing items that gold holds nothing of (entities first, so claims'
    subjects point at gold's entities). Returns the number of tags copied."""
    by, gold = _layers(store, [release_id]).get(release_id, ({}, []))
    copied = 0
    for item in sorted(_items(by), key=lambda i: i.tag_kind != "entity"):
        if _kind(item) is not None:
            continue
        if any(a.kind == item.tag_kind and a.start < item.end and item.start < a.end for a in gold):
            continue
        for a in item.versions[0].tags:
            _copy(store, a, "accepted", gold_entities, session_id)
            copied += 1
    return copied


def to_adjudicate(store: Store) -> list[ReleaseDisagreements]:
    """Releases with two or more annotators: their open and decided items, the most open first
    (then the most decided, then by id). A release whose annotators agree everywhere is listed
    with no items."""
    layers = _layers(store, None)
    several = sorted(r for r, (by, _) in layers.items() if len(by) >= 2)
    titles = {
        s.id: s.title
        for n in range(0, len(several), 500)  # never more than 500 variables in one statement
        for s in store.list_releases(sort="id", ids=several[n : n + 500])
    }
    out = []
    for release_id in several:
        by, gold = layers[release_id]
        items = _disagreements(by, gold, store.release_events(release_id, ACTION))
        decided = sum(1 for d in items if d.decided is not None)
        out.append(
            ReleaseDisagreements(
                release_id, titles.get(release_id, ""), tuple(sorted(by)), len(items) - decided, decided
            )
        )
    return sorted(out, key=lambda r: (-r.open, -r.decided, r.release_id))
