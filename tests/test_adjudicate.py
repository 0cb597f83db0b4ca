"""Adjudication (annotate/adjudicate.py), gold exports and per-release agreement (export/agree.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from hkpr_tui.annotate.adjudicate import (
    GOLD,
    Disagreement,
    annotators_of,
    decide,
    disagreements,
    provenance,
    to_adjudicate,
)
from hkpr_tui.cli import cli
from hkpr_tui.corpus.ingest import release_from_text
from hkpr_tui.export.formats import ExportError
from hkpr_tui.export.run import export
from hkpr_tui.store import Store

TEXT = "環境局與發展局合作。政府撥款三十億元。香港很好。"


def at(needle: str, text: str = TEXT) -> tuple[int, int]:
    start = text.index(needle)
    return start, start + len(needle)


def tag(store: Store, rid: int, who: str, label: str, needle: str, kind: str = "entity", **attributes: object) -> None:
    store.add_annotation(
        rid, kind, label, *at(needle, store.release(rid).text), annotator=who, attributes=dict(attributes) or None
    )


def release(store: Store, text: str = TEXT, source: str = "t.txt") -> int:
    return store.add_release(release_from_text(text, source=source)).release_id


def tagged(store: Store) -> int:
    """alice and bob: a label, a bounds, a claim-value and a missing disagreement, one agreement."""
    rid = release(store)
    tag(store, rid, "alice", "ORG", "環境局")
    tag(store, rid, "bob", "GPE", "環境局")
    tag(store, rid, "alice", "ORG", "發展局")
    tag(store, rid, "bob", "ORG", "發展局合作")
    for who in ("alice", "bob"):
        tag(store, rid, who, "ORG", "政府")  # they agree: not listed
    tag(store, rid, "alice", "STATISTIC", "政府撥款三十億元", kind="claim", value=3_000_000_000, unit="元")
    tag(store, rid, "bob", "STATISTIC", "政府撥款三十億元", kind="claim", value=300_000_000, unit="元")
    tag(store, rid, "alice", "LOC", "香港")
    store.set_status(rid, "done", annotator="alice")
    return rid


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "a.db"
    store = Store.open(path)
    tagged(store)
    store.close()
    return path


def items(store: Store, rid: int) -> dict[str, Disagreement]:
    return {d.kind: d for d in disagreements(store, rid)}


def test_disagreements_are_listed_by_kind_in_text_order(store: Store) -> None:
    rid = tagged(store)
    found = disagreements(store, rid)
    assert [d.kind for d in found] == ["label", "bounds", "claim", "missing"]
    assert [(d.start, d.end) for d in found] == [at("環境局"), at("發展局合作"), at("政府撥款三十億元"), at("香港")]
    assert all([v.annotator for v in d.versions] == ["alice", "bob"] and d.decided is None for d in found)
    label, bounds, claim, missing = found
    assert label.describe() == "label: alice ORG 「環境局」 · bob GPE 「環境局」"
    assert "alice ORG 「發展局」 4–7" in bounds.describe() and "bob ORG 「發展局合作」 4–9" in bounds.describe()
    assert "3000000000元" in claim.describe() and "300000000元" in claim.describe()
    assert missing.describe() == "missing: alice LOC 「香港」 · bob —"
    assert missing.versions[1].tags == ()
    assert annotators_of(store, rid) == ["alice", "bob"]


def test_agreeing_items_are_not_listed(store: Store) -> None:
    rid = release(store)
    for who in ("alice", "bob", "carol"):
        tag(store, rid, who, "ORG", "環境局")
        tag(store, rid, who, "STATISTIC", "政府撥款三十億元", kind="claim", value=3e9, unit="元")
    tag(store, rid, "alice", "STATISTIC", "香港很好", kind="claim")  # a different claim: its own item
    tag(store, rid, "bob", "STATISTIC", "香港很好", kind="claim")
    (only,) = disagreements(store, rid)
    assert (only.kind, only.start, [len(v.tags) for v in only.versions]) == ("missing", at("香港很好")[0], [1, 1, 0])


def test_claim_type_differing_is_a_claim_disagreement(store: Store) -> None:
    rid = release(store)
    tag(store, rid, "alice", "STATISTIC", "政府撥款三十億元", kind="claim")
    tag(store, rid, "bob", "PLAN", "政府撥款三十億元", kind="claim")
    assert [d.kind for d in disagreements(store, rid)] == ["claim"]


def test_one_annotator_has_no_disagreements(store: Store) -> None:
    rid = release(store)
    tag(store, rid, "alice", "ORG", "環境局")
    assert disagreements(store, rid) == [] and annotators_of(store, rid) == ["alice"]


def test_taking_alice_makes_gold_her_tags(store: Store) -> None:
    rid = tagged(store)
    for d in disagreements(store, rid):
        decide(store, rid, d, "alice", by="lead")
    assert all(d.decided == "alice" for d in disagreements(store, rid))
    gold = store.live_annotations([rid], annotators=[GOLD])[rid]
    alice = store.live_annotations([rid], annotators=["alice"])[rid]

    def keys(anns: list) -> set:  # type: ignore[type-arg]
        return {(a.kind, a.label, a.start, a.end, a.attributes.get("value")) for a in anns}

    assert keys(gold) == keys(alice)  # the agreed 政府 too: gold is complete
    assert all(a.annotator == GOLD for a in gold)


def test_rejecting_all_exports_nothing_but_the_item_is_decided(store: Store, tmp_path: Path) -> None:
    rid = tagged(store)
    missing = items(store, rid)["missing"]
    decide(store, rid, missing, None, by="lead")
    assert items(store, rid)["missing"].decided == "rejected"
    assert items(store, rid)["label"].decided is None
    gold = store.live_annotations([rid], annotators=[GOLD], statuses=("accepted", "rejected"))[rid]
    assert [(a.label, a.text, a.status) for a in gold if a.text == "香港"] == [("LOC", "香港", "rejected")]
    export(store, "jsonl", tmp_path / "out", annotators=[GOLD])
    record = json.loads((tmp_path / "out" / "train.jsonl").read_text(encoding="utf-8"))
    assert "香港" not in [e["text"] for e in record["entities"]]
    assert [e["text"] for e in record["entities"]] == ["政府"]  # the agreed item, copied on the first decision


def test_deciding_again_replaces_the_earlier_gold(store: Store) -> None:
    rid = tagged(store)
    label = items(store, rid)["label"]
    decide(store, rid, label, "alice", by="lead")
    decide(store, rid, label, "bob", by="lead")
    assert items(store, rid)["label"].decided == "bob"
    gold = store.live_annotations([rid], annotators=[GOLD], statuses=("accepted", "rejected"))[rid]
    assert [(a.label, a.status) for a in gold if a.text == "環境局"] == [("GPE", "accepted")]
    decide(store, rid, label, None, by="lead")
    assert items(store, rid)["label"].decided == "rejected"
    gold = store.live_annotations([rid], annotators=[GOLD], statuses=("accepted", "rejected"))[rid]
    assert sorted((a.label, a.status) for a in gold if a.text == "環境局") == [("GPE", "rejected"), ("ORG", "rejected")]


def test_a_decision_reopens_when_the_taken_version_changes(store: Store) -> None:
    rid = tagged(store)
    decide(store, rid, items(store, rid)["label"], "bob", by="lead")
    (bobs,) = [a for a in store.annotations(rid) if a.annotator == "bob" and a.text == "環境局"]
    store.update_annotation(bobs.id, annotator="bob", label="LOC")
    assert items(store, rid)["label"].decided is None


def test_a_choice_that_is_no_version_is_refused(store: Store) -> None:
    rid = tagged(store)
    with pytest.raises(ValueError, match="'carol' is not an annotator of this item"):
        decide(store, rid, items(store, rid)["label"], "carol", by="lead")
    assert store.live_annotations([rid], annotators=[GOLD]) == {}


def test_provenance_is_queryable_and_not_exported(store: Store, tmp_path: Path) -> None:
    rid = tagged(store)
    decide(store, rid, items(store, rid)["claim"], "alice", by="lead", session_id=store.start_session("lead"))
    (p,) = provenance(store, rid)
    assert (p["by"], p["choice"], p["kind"], p["tag_kind"], (p["start"], p["end"])) == (
        "lead", "alice", "claim", "claim", at("政府撥款三十億元"),
    )  # fmt: skip
    assert p["session_id"] is not None and len(p["gold"]) == 1
    export(store, "jsonl", tmp_path / "out", annotators=[GOLD])
    written = (tmp_path / "out" / "train.jsonl").read_text(encoding="utf-8")
    assert "lead" not in written and "alice" not in written and "adjudicat" not in written
    (claim,) = json.loads(written)["claims"]
    assert claim["attributes"] == {"value": 3_000_000_000, "unit": "元"} and claim["annotator"] == GOLD


def test_to_adjudicate_lists_releases_with_several_annotators_worst_first(store: Store) -> None:
    first = tagged(store)
    second = release(store, "數碼港很好。", source="b.txt")
    tag(store, second, "alice", "ORG", "數碼港")
    tag(store, second, "bob", "LOC", "數碼港")
    lone = release(store, "科技園也好。", source="c.txt")
    tag(store, lone, "alice", "ORG", "科技園")
    listed = to_adjudicate(store)
    assert [(r.release_id, r.open, r.decided, r.annotators) for r in listed] == [
        (first, 4, 0, ("alice", "bob")), (second, 1, 0, ("alice", "bob")),
    ]  # fmt: skip
    decide(store, first, items(store, first)["label"], "alice", by="lead")
    assert next((r.release_id, r.open, r.decided) for r in to_adjudicate(store)) == (first, 3, 1)


# -- exports of the gold layer ------------------------------------------------------------------


def three_releases(store: Store) -> tuple[int, int, int]:
    """A release with gold, one with a single annotator, one whose annotators disagree (no gold)."""
    adjudicated = tagged(store)
    for d in disagreements(store, adjudicated):
        decide(store, adjudicated, d, "bob", by="lead")
    lone = release(store, "數碼港很好。", source="b.txt")
    tag(store, lone, "carol", "ORG", "數碼港")
    open_ = release(store, "科技園也好。", source="c.txt")
    tag(store, open_, "alice", "ORG", "科技園")
    tag(store, open_, "bob", "LOC", "科技園")
    for rid in (lone, open_):
        store.set_status(rid, "done", annotator="alice")
    return adjudicated, lone, open_


def bio_entities(path: Path) -> list[tuple[str, str]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.endswith("\tO"):
            out.append(tuple(line.split("\t")))
    return out  # type: ignore[return-value]


def test_gold_export_takes_gold_else_the_only_annotator_in_every_format(store: Store, tmp_path: Path) -> None:
    *_, open_ = three_releases(store)
    result = export(store, "jsonl", tmp_path / "j", gold=True)
    records = [json.loads(l) for l in (tmp_path / "j" / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["text"][:4] for r in records] == ["環境局與", "數碼港很"]  # the open release is left out
    first, second = records
    assert sorted((e["label"], e["text"]) for e in first["entities"]) == [("GPE", "環境局"), ("ORG", "政府"), ("ORG", "發展局合作")]  # fmt: skip
    assert {e["annotator"] for e in first["entities"]} == {GOLD}
    assert first["claims"][0]["attributes"]["value"] == 300_000_000  # bob's value
    assert [(e["label"], e["annotator"]) for e in second["entities"]] == [("ORG", "carol")]
    assert result.manifest["counts"]["left_out_without_gold"] == 1 and result.manifest["parameters"]["gold"] is True
    assert any(n.startswith(f"left out: release #{open_}") and "alice, bob" in n for n in result.notes)
    export(store, "bio", tmp_path / "b", gold=True)
    tokens = bio_entities(tmp_path / "b" / "train.txt")
    assert ("環", "B-GPE") in tokens and ("數", "B-ORG") in tokens and ("科", "B-ORG") not in tokens
    assert ("香", "B-LOC") not in tokens  # alice's LOC: bob had none, his version was taken


def test_annotator_gold_exports_only_the_gold_layer(store: Store, tmp_path: Path) -> None:
    three_releases(store)
    export(store, "bio", tmp_path / "b", annotators=[GOLD])
    tokens = bio_entities(tmp_path / "b" / "train.txt")
    assert ("環", "B-GPE") in tokens and ("數", "B-ORG") not in tokens and ("科", "B-ORG") not in tokens


def test_a_release_whose_annotators_all_agree_is_exported_without_gold(store: Store, tmp_path: Path) -> None:
    rid = release(store)
    for who in ("alice", "bob"):
        tag(store, rid, who, "ORG", "環境局")
    store.set_status(rid, "done", annotator="alice")
    result = export(store, "jsonl", tmp_path / "j", gold=True)
    assert result.manifest["counts"]["releases"] == 1 and result.manifest["counts"]["left_out_without_gold"] == 0
    assert result.manifest["counts"]["entities"] == 1


def test_gold_and_annotator_together_are_refused(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="cannot be combined with --annotator"):
        export(store, "jsonl", tmp_path / "j", gold=True, annotators=["alice"])


def test_cli_export_gold_reports_what_it_left_out(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    store = Store.open(path)
    *_, open_ = three_releases(store)
    store.close()
    runner = CliRunner()
    out = runner.invoke(cli, ["--db", str(path), "export", "--format", "jsonl", "--out", str(tmp_path / "o"), "--gold"])
    assert out.exit_code == 0, out.output
    assert f"left out: release #{open_}" in out.output and "1 release(s) left out" in out.output
    assert "2 releases" in out.output
    out = runner.invoke(
        cli,
        ["--db", str(path), "export", "--format", "jsonl", "--out", str(tmp_path / "p"), "--gold", "--annotator", "x"],
    )
    assert out.exit_code == 2 and "leave out --annotator" in out.output
