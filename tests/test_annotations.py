"""Annotation actions through the store: spans, claims, links, status, undo/redo, the event log."""

from __future__ import annotations

import pytest

from hkpr_tui.annotate.session import Actions
from hkpr_tui.annotate.suggest import Suggestion, suggest
from hkpr_tui.store import SpanError, Store


@pytest.fixture
def actions(seeded_store: Store) -> Actions:
    return Actions(seeded_store, "ann", seeded_store.start_session("ann"))


def release_id(store: Store, prefix: str) -> int:
    return next(r.id for r in store.list_releases() if r.source.split("/")[-1].startswith(prefix))


def span(store: Store, rid: int, needle: str, nth: int = 0) -> tuple[int, int]:
    text = store.release(rid).text
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return start, start + len(needle)


def test_tag_stores_canonical_offsets_and_text(actions: Actions) -> None:
    store = actions.store
    rid = release_id(store, "000")
    made = actions.tag(rid, "entity", "ORG", *span(store, rid, "數碼港"))
    assert store.release(rid).text[made.start : made.end] == made.text == "數碼港"
    assert [a.label for a in store.annotations(rid)] == ["ORG"]
    event = store.events(1)[0]
    assert (event["action"], event["annotator"], event["session_id"]) == ("tag", "ann", actions.session_id)


def test_nested_allowed_crossing_and_duplicates_refused(actions: Actions) -> None:
    store = actions.store
    rid = release_id(store, "000")
    start, end = span(store, rid, "數碼港")
    actions.tag(rid, "entity", "FACILITY", start, end + 4)
    actions.tag(rid, "entity", "ORG", start, end)  # nested inside
    with pytest.raises(SpanError, match="cross"):
        actions.tag(rid, "entity", "ORG", start + 1, end + 6)
    with pytest.raises(SpanError, match="already tagged"):
        actions.tag(rid, "entity", "PERSON", start, end)
    with pytest.raises(SpanError, match="outside"):
        actions.tag(rid, "entity", "ORG", 10**6, 10**6 + 1)
    assert len(store.annotations(rid)) == 2
    # a claim may cross an entity: different layers
    actions.tag(rid, "claim", "STATISTIC", start + 1, end + 8)


def test_undo_redo_of_each_action_kind(actions: Actions) -> None:
    store = actions.store
    a, b = release_id(store, "000"), release_id(store, "001")
    tag = actions.tag(a, "entity", "ORG", *span(store, a, "數碼港"))
    actions.edit(tag.id, label="FACILITY")
    actions.delete(tag.id)
    c1 = actions.tag(a, "claim", "STATISTIC", *span(store, a, "超過500間"), {"value": 500})
    c2 = actions.tag(b, "claim", "STATISTIC", *span(store, b, "190"), {"value": 190})
    actions.link(c2.id, c1.id, "same_metric")
    actions.set_status(a, "in progress")
    s = Suggestion(*span(store, a, "《財政預算案》"), "DOCUMENT", "rule", "《財政預算案》")
    actions.accept(a, s)

    def state() -> tuple[object, ...]:
        return (
            [(x.label, x.text) for x in store.annotations(a)],
            len(store.annotations(b)),
            len(store.links()),
            store.release(a).status,
        )

    states = [state()]
    while actions.undo():
        states.append(state())
    assert states[-1] == ([], 0, 0, "todo")
    assert states[1] == ([("STATISTIC", "超過500間")], 1, 1, "in progress")  # accept undone
    redone = [state()]
    while actions.redo():
        redone.append(state())
    assert redone == states[::-1]
    names = [e["action"] for e in store.events(40)]
    assert "undo edit" in names and "redo link" in names and "undo status" in names


def test_new_action_clears_redo(actions: Actions) -> None:
    store = actions.store
    rid = release_id(store, "000")
    actions.tag(rid, "entity", "ORG", *span(store, rid, "數碼港"))
    actions.undo()
    actions.tag(rid, "entity", "LOC", *span(store, rid, "香港"))
    assert actions.redo() is None


def test_accept_all_is_one_step_and_skips_crossing(actions: Actions) -> None:
    store = actions.store
    rid = release_id(store, "000")
    text = store.release(rid).text
    docs = [x for x in suggest(text) if x.label == "DOCUMENT"]
    assert len(docs) >= 2
    made, refused = actions.accept_all(rid, docs)
    assert len(made) == len(docs) and refused == []
    assert all(a.text.startswith("《") for a in store.annotations(rid))
    actions.undo()
    assert store.annotations(rid) == []


def test_rejected_suggestion_is_not_proposed_again_nor_counted(actions: Actions) -> None:
    store = actions.store
    rid = release_id(store, "000")
    text = store.release(rid).text
    first = suggest(text)[0]
    actions.reject(rid, first)
    rejected = [(x.start, x.end, x.label) for x in store.annotations(rid, statuses=("rejected",))]
    again = suggest(text, rejected=rejected)
    assert (first.start, first.end, first.label) not in {(x.start, x.end, x.label) for x in again}
    assert store.annotations(rid) == [] and store.stats().entities == 0


def test_known_strings_suggested_in_the_other_script(actions: Actions) -> None:
    store = actions.store
    a, b = release_id(store, "000"), release_id(store, "001")  # 001 is Simplified
    actions.tag(a, "entity", "ORG", *span(store, a, "數碼港"))
    found = [x for x in suggest(store.release(b).text, known=store.known_strings()) if x.source == "known"]
    assert "数码港" in {x.text for x in found}
    assert all(x.label == "ORG" and x.text in ("数码港", "數碼港") for x in found)


def test_thread_orders_linked_values_by_date(actions: Actions) -> None:
    store = actions.store
    a, b = release_id(store, "000"), release_id(store, "001")
    c1 = actions.tag(a, "claim", "STATISTIC", *span(store, a, "超過500間"), {"value": 500, "unit": "間"})
    c2 = actions.tag(b, "claim", "STATISTIC", *span(store, b, "190"), {"value": 190, "unit": "間"})
    actions.link(c1.id, c2.id, "same_metric")
    points = store.thread(c1.id)
    assert [(p.date, p.value) for p in points] == [("2024-02-28", 190), ("2026-02-25", 500)]
    with pytest.raises(SpanError):
        actions.link(c1.id, c2.id, "same_metric")


def test_stats_by_label_annotator_status_session(actions: Actions) -> None:
    store = actions.store
    rid = release_id(store, "000")
    actions.tag(rid, "entity", "ORG", *span(store, rid, "數碼港"))
    actions.tag(rid, "entity", "ORG", *span(store, rid, "數碼港", 1))
    actions.tag(rid, "entity", "LOC", *span(store, rid, "香港"))
    actions.set_status(rid, "done")
    stats = store.stats()
    assert stats.by_label == {"LOC": 1, "ORG": 2}
    assert stats.by_annotator == {"ann": 3}
    assert stats.by_status["done"] == 1 and stats.by_annotation_status == {"accepted": 3}
    (session,) = stats.by_session
    assert (session.annotator, session.actions, session.tags) == ("ann", 4, 3)


def test_known_strings_follow_every_write_and_are_read_by_the_text(seeded_store) -> None:  # type: ignore[no-untyped-def]
    """The table of tagged strings counts tags in and out as they are made, relabelled, deleted,
    restored, bulk-inserted; a release reads only the strings that may occur in it."""
    store = seeded_store
    rid = store.list_releases(sort="id")[0].id
    text = store.release(rid).text
    at = text.index("數碼港")
    made = store.add_annotation(rid, "entity", "ORG", at, at + 3, annotator="a")
    assert store.known_strings_in("数码港今日宣布") == {"数码港": "ORG"}  # folded, either script
    assert store.known_strings_in("香港科技園") == {}  # 數碼港 cannot occur in it: not read
    store.update_annotation(made.id, label="FACILITY", annotator="a")
    assert store.known_strings_in(text) == {"数码港": "FACILITY"}
    store.set_annotation_deleted(made.id, True, annotator="a")
    assert store.known_strings_in(text) == {}
    store.set_annotation_deleted(made.id, False, annotator="a")
    store.insert_annotations([{"release_id": rid, "kind": "entity", "label": "ORG", "start": at, "end": at + 3, "text": "數碼港",
                               "annotator": "b"} for _ in range(2)])  # fmt: skip
    assert store.known_strings_in(text) == {"数码港": "ORG"}  # two ORG beat one FACILITY
    assert store.known_strings() == {"數碼港": "ORG"}
