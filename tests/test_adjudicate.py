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
from hkpr_tui.export.agree import agreement, cohen_kappa, fleiss_kappa, krippendorff_alpha
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
    out = runner.invoke(cli, ["--db", str(path), "export", "--format", "bio", "--out", str(tmp_path / "q")])
    assert (
        out.exit_code == 0 and "the tags of 4 annotators (alice, bob, carol, gold) are exported together" in out.output
    )
    assert "--gold" in out.output


# -- agreement: per release, more than two annotators, undefined coefficients ------------------


def test_fleiss_kappa_matches_fleiss_1971_worked_example() -> None:
    """Wikipedia, "Fleiss' kappa", worked example: 10 subjects, 14 raters, 5 categories → 0.210."""
    table = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
             [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]  # fmt: skip
    result = fleiss_kappa(table)
    assert round(result["kappa"], 3) == 0.210 and result["observed"] == 0.378 and round(result["expected"], 3) == 0.213
    with pytest.raises(ValueError, match="same number of raters"):
        fleiss_kappa([[2, 0], [1, 0]])


def test_krippendorff_alpha_nominal_on_textbook_and_hand_computed_examples() -> None:
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability": 4 observers, 12 units,
    # missing values; nominal alpha = 0.743
    rows = ["1 2 3 3 2 1 4 1 2 . . .", "1 2 3 3 2 2 4 1 2 5 . 3", ". 3 3 3 2 3 4 2 2 5 1 .", "1 2 3 3 2 4 4 1 2 5 1 ."]
    cells = [r.split() for r in rows]
    units = [[r[i] for r in cells if r[i] != "."] for i in range(12)]
    assert round(krippendorff_alpha(units)["alpha"], 3) == 0.743
    # by hand: units aa, ab, bb → o_aa = 2, o_ab = o_ba = 1, o_bb = 2; n_a = n_b = 3, n = 6
    # alpha = 1 − (n − 1)·(o_ab + o_ba) / (n² − Σ n_c²) = 1 − 5·2/18 = 4/9
    assert krippendorff_alpha([["a", "a"], ["a", "b"], ["b", "b"], ["a"]])["alpha"] == round(4 / 9, 4)


def test_coefficients_without_variation_are_undefined_not_one() -> None:
    for result, key in (
        (cohen_kappa(["NONE"] * 3, ["NONE"] * 3), "kappa"),
        (fleiss_kappa([[3, 0], [3, 0]]), "kappa"),
        (krippendorff_alpha([["NONE"] * 3, ["NONE"] * 2]), "alpha"),
    ):
        assert result[key] is None and result["reason"] == "no variation"


def three_annotators(store: Store) -> int:
    rid = release(store)
    for who in ("alice", "bob", "carol"):
        tag(store, rid, who, "ORG", "環境局")
    tag(store, rid, "alice", "STATISTIC", "政府撥款三十億元", kind="claim")
    tag(store, rid, "bob", "PLAN", "政府撥款三十億元", kind="claim")
    tag(store, rid, "carol", "STATISTIC", "政府撥款三十億元", kind="claim")
    tag(store, rid, "carol", "OPINION", "香港很好", kind="claim")
    return rid


def test_fleiss_and_krippendorff_over_three_annotators_claim_type_and_claim_or_not(store: Store) -> None:
    three_annotators(store)
    every = agreement(store)["all"]
    # sentences: 環境局與發展局合作。 N N N · 政府撥款三十億元。 S P S · 香港很好。 N N O
    # claim type: P̄ = (1 + 1/3 + 1/3)/3 = 5/9, P̄e = (25 + 1 + 1 + 4)/81 = 31/81 → kappa = 14/50
    assert every["claim_type"]["fleiss"]["kappa"] == 0.28
    # coincidences N: 5, S: 2, P: 1, O: 1 (n = 9), off-diagonal 4 → alpha = 1 − 8·4/(81 − 31) = 0.36
    assert every["claim_type"]["krippendorff_nominal"]["alpha"] == 0.36
    # claim/no-claim: N N N · C C C · N N C: P̄ = 7/9, P̄e = 41/81 → 22/40; alpha = 1 − 8·2/40 = 0.6
    assert every["claim_or_not"]["fleiss"]["kappa"] == 0.55
    assert every["claim_or_not"]["krippendorff_nominal"]["alpha"] == 0.6
    assert every["claim_type"]["measure"].startswith("claim type") and every["claim_or_not"]["measure"].startswith(
        "claim/no-claim"
    )


def test_gold_is_not_an_annotator_in_agreement(store: Store) -> None:
    rid = tagged(store)
    decide(store, rid, items(store, rid)["label"], "alice", by="lead")
    assert agreement(store)["annotators"] == ["alice", "bob"]


def test_agree_lists_releases_worst_first_with_open_items(store: Store) -> None:
    agreeing = release(store, "數碼港很好。", source="b.txt")
    for who in ("alice", "bob"):
        tag(store, agreeing, who, "ORG", "數碼港")
    worst = tagged(store)
    half = release(store, "科技園與數碼港。", source="c.txt")
    for who in ("alice", "bob"):
        tag(store, half, who, "ORG", "科技園")
    tag(store, half, "alice", "ORG", "數碼港")
    open_items = {r.release_id: r.open for r in to_adjudicate(store)}
    releases = agreement(store, open_items=open_items)["releases"]
    # worst: alice 4 entities, bob 3, shared 1 (政府) → F1 = 2/7; half: 2·1/3; agreeing: 1
    assert [(r["release_id"], r["entity_f1"], r["open_items"]) for r in releases] == [
        (worst, round(2 / 7, 4), 4), (half, round(2 / 3, 4), 1), (agreeing, 1.0, 0),
    ]  # fmt: skip


def test_cli_agree_says_which_kappa_and_undefined(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    store = Store.open(db)
    three_annotators(store)
    second = release(store, "數碼港很好。", source="b.txt")
    for who in ("alice", "bob"):
        tag(store, second, who, "ORG", "數碼港")
    store.close()
    runner = CliRunner()
    out = runner.invoke(cli, ["--db", str(db), "agree", "--releases", "1"], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    text = out.output
    assert "claims, claim type (per sentence: NONE or the label of its first claim): Cohen's kappa" in text
    assert "claims, claim/no-claim (per sentence: CLAIM or NONE): Cohen's kappa" in text
    # Fleiss over the release all three tagged; Krippendorff also over the second release (two tagged)
    assert (
        "claims, claim type (per sentence: NONE or the label of its first claim): Fleiss' kappa 0.28 over 3 sentences; Krippendorff's alpha"
        in text
    )
    assert "claims, claim/no-claim (per sentence: CLAIM or NONE): Fleiss' kappa 0.55 over 3 sentences" in text
    assert "releases, worst agreement first (1 of 2" in text and "#1 " in text and "#2 " not in text
    data = json.loads(runner.invoke(cli, ["--db", str(db), "agree", "--json"], catch_exceptions=False).output)
    assert [(r["release_id"], r["open_items"]) for r in data["releases"]] == [(1, 2), (2, 0)]


def test_cli_agree_reports_no_variation_as_undefined(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    store = Store.open(path)
    rid = release(store)
    for who in ("alice", "bob"):
        tag(store, rid, who, "ORG", "環境局")  # nobody tagged a claim: every sentence NONE
    store.close()
    runner = CliRunner()
    out = runner.invoke(cli, ["--db", str(path), "agree"], catch_exceptions=False)
    assert (
        "claim type (per sentence: NONE or the label of its first claim): Cohen's kappa undefined (no variation)"
        in out.output
    )
    data = json.loads(runner.invoke(cli, ["--db", str(path), "agree", "--json"], catch_exceptions=False).output)
    claims = data["pairs"][0]["claims"]
    assert claims["claim_type"]["kappa"] is None and claims["claim_type"]["reason"] == "no variation"
    assert claims["claim_or_not"]["kappa"] is None


def test_cli_export_gold_notes_releases_with_items_still_open(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    store = Store.open(path)
    rid = tagged(store)
    decide(store, rid, items(store, rid)["label"], "alice", by="lead")
    store.close()
    out = CliRunner().invoke(
        cli, ["--db", str(path), "export", "--format", "jsonl", "--out", str(tmp_path / "o"), "--gold"]
    )
    assert (
        out.exit_code == 0
        and f"release #{rid}" in out.output
        and "gold exported with 3 item(s) still open" in out.output
    )


# -- the adjudication screen ------------------------------------------------------------------


async def test_adjudication_screen_lists_disagreements_and_stores_a_pick_as_gold(tmp_path: Path) -> None:
    from hkpr_tui.app import HkprApp
    from hkpr_tui.screens.adjudicate import AdjudicationScreen
    from tests.conftest import settle

    db = tmp_path / "team.db"
    store = Store.open(db)
    rid = tagged(store)
    store.close()
    app = HkprApp(db_path=db, annotator="lead")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("A")  # on the library's only release
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AdjudicationScreen)
        assert [d.kind for d in screen.items] == ["label", "bounds", "claim", "missing"]
        title = str(screen.query_one("#adj-title").render())
        assert "4 disagreements, 4 open" in title and "1 alice" in title and "2 bob" in title
        detail = str(screen.query_one("#adj-detail").render())
        assert "alice" in detail and "「環境局」ORG" in detail and "「環境局」GPE" in detail  # each version in the text
        await pilot.press("2")  # bob's GPE for 環境局
        await settle(pilot)
        assert screen.items[0].decided == "bob"
        assert screen.query_one("#adj-items").highlighted == 1  # on to the next open one
        await pilot.press("x")  # reject both bounds of 發展局
        await settle(pilot)
        assert screen.items[1].decided == "rejected"
        assert "2 open" in str(screen.query_one("#adj-title").render())
        await pilot.press("escape")
        await settle(pilot)
    store = Store.open(db, must_exist=True)
    try:
        gold = store.live_annotations([rid], annotators=[GOLD])[rid]
        assert ("GPE", "環境局") in [(a.label, a.text) for a in gold]
        assert not any(a.text.startswith("發展局") for a in gold)  # rejected: not in the accepted gold layer
        assert [(p["by"], p["choice"]) for p in provenance(store, rid)] == [("lead", "bob"), ("lead", None)]
    finally:
        store.close()


async def test_adjudication_screen_says_when_there_is_nothing_to_decide(tmp_path: Path) -> None:
    from hkpr_tui.app import HkprApp
    from hkpr_tui.screens.adjudicate import AdjudicationScreen
    from tests.conftest import settle

    db = tmp_path / "solo.db"
    store = Store.open(db)
    rid = release(store)
    tag(store, rid, "alice", "ORG", "環境局")
    store.close()
    app = HkprApp(db_path=db, annotator="lead")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("A")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AdjudicationScreen)
        assert screen.items == []
        assert "Nothing to decide here" in str(screen.query_one("#adj-detail").render())
        assert not screen.check_action("take", (1,))  # no version to take


def test_how_an_annotator_came_to_a_tag_does_not_follow_it_into_gold(store: Store, tmp_path: Path) -> None:
    rid = release(store)
    for who, label in (("alice", "ORG"), ("bob", "GPE")):
        store.add_annotation(rid, "entity", label, *at("環境局"), annotator=who, attributes={"suggested_by": "known"})
    (item,) = disagreements(store, rid)
    decide(store, rid, item, "alice", by="lead")
    (gold,) = store.live_annotations([rid], annotators=[GOLD])[rid]
    assert gold.label == "ORG" and gold.attributes == {}
