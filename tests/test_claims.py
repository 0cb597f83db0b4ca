"""Claim form prefill and claim link suggestions (headless)."""

from __future__ import annotations

import pytest

from hkpr_tui.annotate.claims import (
    ClaimFacts,
    claim_sentence,
    draft_for,
    guess_claim_type,
    suggest_links,
)
from hkpr_tui.models import Annotation

TYPES = ["STATISTIC", "STATUS", "PLAN", "COMPARISON", "OPINION"]


def entity(text: str, needle: str, label: str, ident: int, occurrence: int = 0) -> Annotation:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(needle, start + 1)
    return Annotation(
        ident, 1, "entity", label, start, start + len(needle), needle, "accepted", {}, "ann", None, "", ""
    )


def span(text: str, needle: str) -> tuple[int, int]:
    start = text.index(needle)
    return start, start + len(needle)


RELEASE = (
    "香港科技園公司今日公布年報。\n"
    "數碼港表示，超算中心已吸引超過500間企業。創科署資助計劃已批出30億元。\n"
    "政府預計2027年完成第二期。"
)


def draft(text: str, needle: str, entities: list[Annotation], **kwargs: object):  # type: ignore[no-untyped-def]
    return draft_for(text, *span(text, needle), entities=entities, types=TYPES, release_date="2026-02-25", **kwargs)  # type: ignore[arg-type]


def test_subject_is_named_in_the_claims_own_sentence() -> None:
    ents = [
        entity(RELEASE, "香港科技園公司", "ORG", 1),
        entity(RELEASE, "數碼港", "ORG", 2),
        entity(RELEASE, "超算中心", "FACILITY", 3),
        entity(RELEASE, "創科署", "ORG", 4),
        entity(RELEASE, "資助計劃", "PROGRAM", 5),
    ]
    # the facility inside the claim, before its figure
    assert draft(RELEASE, "超算中心已吸引超過500間企業", ents).subject_id == 3
    # the nearest before the claim in the sentence: not the ORG of the sentence before
    d = draft(RELEASE, "已吸引超過500間企業", ents)
    assert (d.subject_id, d.subject_text) == (3, "超算中心")
    d = draft(RELEASE, "已批出30億元", ents)
    assert (d.subject_id, d.subject_text) == (5, "資助計劃")


def test_no_subject_from_another_paragraph_then_the_organisation() -> None:
    ents = [entity(RELEASE, "數碼港", "ORG", 2), entity(RELEASE, "超算中心", "FACILITY", 3)]
    d = draft(RELEASE, "預計2027年完成第二期", ents)
    assert (d.subject_id, d.subject_text) == (None, "")
    d = draft(RELEASE, "預計2027年完成第二期", ents, organisation=" 創新科技署 ")
    assert (d.subject_id, d.subject_text) == (None, "創新科技署")
    d = draft(RELEASE, "預計2027年完成第二期", ents, sentence=span(RELEASE, "政府預計2027年完成第二期。"))
    assert d.subject_id is None


def test_people_places_and_figures_are_not_subjects() -> None:
    text = "陳大文在沙田說，投資30億元。"
    ents = [entity(text, "陳大文", "PERSON", 1), entity(text, "沙田", "LOC", 2), entity(text, "30億元", "MONEY", 3)]
    assert draft(text, "投資30億元", ents).subject_id is None


def test_the_app_call_still_works_and_keeps_the_direction() -> None:
    text = "出口按年下跌 5%。"
    d = draft_for(text, 0, len(text) - 1, entities=[], types=TYPES, release_date=None, existing=None)
    assert (d.type, d.value, d.unit, d.extra.get("direction")) == ("COMPARISON", "5", "%", "down")


def test_claim_sentence_stays_in_its_paragraph() -> None:
    s, e = claim_sentence(RELEASE, *span(RELEASE, "500間"))
    assert RELEASE[s:e] == "數碼港表示，超算中心已吸引超過500間企業。"  # commas do not end a sentence
    s, e = claim_sentence(RELEASE, *span(RELEASE, "企業。創科署"))  # a selection across two sentences
    assert RELEASE[s:e] == "數碼港表示，超算中心已吸引超過500間企業。創科署資助計劃已批出30億元。"
    assert claim_sentence("", 5, 2) == (0, 0)


@pytest.mark.parametrize(
    ("text", "figure", "kind"),
    [("創科署資助計劃已批出30億元", True, "STATISTIC"), ("超過500間企業進駐", True, "STATISTIC"),
     ("計劃於2027年推出", True, "PLAN"), ("政府將於明年推出新措施", False, "PLAN"), ("预计吸引1,000名人才", True, "PLAN"),
     ("计划在北部都会区兴建", False, "PLAN"), ("出口按年上升28%", True, "COMPARISON"),
     ("已達到目標", False, "STATUS"), ("資助計劃已投入運作", False, "STATUS"), ("我們相信前景樂觀", False, "OPINION")],
)  # fmt: skip
def test_claim_type_plan_only_with_future_markers(text: str, figure: bool, kind: str) -> None:
    assert guess_claim_type(text, figure) == kind


# -- link suggestions --------------------------------------------------------------------------

CLAIM = ClaimFacts("數碼港", "初創企業數目", 500, "間", "2024-12-31", ">", id=1, release_id=10)


def kinds(claim: ClaimFacts, *others: ClaimFacts) -> list[tuple[int | None, str]]:
    return [(s.target.id, s.kind) for s in suggest_links(claim, others)]


def test_links_match_subject_and_metric_across_scripts() -> None:
    same = ClaimFacts("数码港", "初创企业数目", 500, "间", "2024-12-31", ">", id=2, release_id=11)
    other_metric = ClaimFacts("數碼港", "員工數目", 500, "間", "2024-12-31", ">", id=3, release_id=11)
    other_subject = ClaimFacts("科學園", "初創企業數目", 500, "間", "2024-12-31", ">", id=4, release_id=11)
    assert kinds(CLAIM, same, other_metric, other_subject) == [(2, "repeats")]


def test_contradicts_only_when_the_figures_cannot_both_hold_on_the_same_date() -> None:
    def at(value: int, qualifier: str = "=", as_of: str = "2024-12-31", unit: str = "間") -> ClaimFacts:
        return ClaimFacts("數碼港", "初創企業數目", value, unit, as_of, qualifier, id=value, release_id=11)

    exact = ClaimFacts("數碼港", "初創企業數目", 500, "間", "2024-12-31", id=1, release_id=10)
    assert kinds(exact, at(190)) == [(190, "contradicts")]
    assert kinds(exact, at(500)) == [(500, "repeats")]
    assert kinds(exact, at(400, ">")) == [(400, "same_metric")]  # >400 holds with 500
    assert kinds(exact, at(600, ">")) == [(600, "contradicts")]
    assert kinds(CLAIM, at(600)) == [(600, "same_metric")]  # >500 and 600 may both hold
    assert kinds(CLAIM, at(400)) == [(400, "contradicts")]
    assert kinds(exact, at(190, as_of="2023-12-31")) == [(190, "same_metric")]  # a series, not a contradiction
    assert kinds(exact, at(190, unit="人")) == [(190, "same_metric")]


def test_units_are_normalised_before_comparing() -> None:
    a = ClaimFacts("超算中心", "算力", 3000, "千萬億次", "2026", id=1, release_id=1)
    b = ClaimFacts("超算中心", "算力", 3000, "PFLOPS", "2026", id=2, release_id=2)
    c = ClaimFacts("超算中心", "算力", 30, "港元", "2026", id=3, release_id=3)
    d = ClaimFacts("超算中心", "算力", 30, "HKD", "2026", id=4, release_id=4)
    assert kinds(a, b) == [(2, "repeats")]
    assert kinds(c, d) == [(4, "repeats")]


def test_no_links_within_a_release_without_subject_or_metric() -> None:
    same_release = ClaimFacts("數碼港", "初創企業數目", 500, "間", "2024-12-31", ">", id=5, release_id=10)
    assert kinds(CLAIM, CLAIM, same_release) == []
    blank = ClaimFacts("", "", 500, "間", "2024-12-31", id=9, release_id=99)
    assert kinds(blank, ClaimFacts("", "", 500, "間", "2024-12-31", id=8, release_id=98)) == []


def test_facts_from_stored_claims_survive_bad_attributes() -> None:
    def claim(ident: int, release: int, attrs: dict[str, object]) -> Annotation:
        return Annotation(ident, release, "claim", "STATISTIC", 0, 3, "500間", "accepted", attrs, "ann", None, "", "")

    good = ClaimFacts.from_annotation(
        claim(1, 1, {"subject_text": "數碼港", "metric": "企業", "value": 500, "unit": "間", "as_of": "2024"})
    )
    bad = ClaimFacts.from_annotation(
        claim(2, 2, {"subject_text": ["x"], "metric": "企業", "value": "lots", "unit": None, "qualifier": 3})
    )
    assert (good.subject, good.value, good.release_id) == ("數碼港", 500, 1)
    assert (bad.subject, bad.value, bad.unit, bad.qualifier) == ("", None, "", "=")
    assert ClaimFacts.from_annotation(claim(3, 3, {"value": True})).value is None
    assert ClaimFacts.from_annotation(claim(4, 3, {"value": float("nan")})).value is None
    same = ClaimFacts.from_annotation(
        claim(5, 2, {"subject_text": "数码港", "metric": "企業", "value": 190, "unit": "间", "as_of": "2024"})
    )
    assert [(s.target.id, s.kind) for s in suggest_links(good, [same])] == [(5, "contradicts")]


@pytest.mark.parametrize(
    ("text", "start", "end"), [("", 0, 0), ("abc", 5, 2), ("\x00\ud800\n\n。", 0, 5), ("。" * 50, 10, 20)]
)
def test_odd_claims_never_fail(text: str, start: int, end: int) -> None:
    ents = [Annotation(1, 1, "entity", "ORG", 0, 99, "x", "accepted", {}, "a", None, "", "")]
    d = draft_for(text, start, end, entities=ents, types=TYPES, release_date=None, sentence=(7, 3), organisation=None)
    assert d.type in TYPES


def test_speaker_is_a_person_who_says_it_in_the_same_sentence() -> None:
    text = "陳大文出席典禮。財政司司長陳茂波表示，超算中心已吸引超過500間企業。"
    ents = [entity(text, "陳大文", "PERSON", 1), entity(text, "陳茂波", "PERSON", 2)]
    assert draft(text, "超算中心已吸引超過500間企業", ents).speaker == "陳茂波"
    quiet = "陳茂波出席典禮，超算中心已吸引超過500間企業。"
    assert draft(quiet, "超算中心已吸引", [entity(quiet, "陳茂波", "PERSON", 2)]).speaker == ""
    assert draft(text, "陳大文出席典禮", ents).speaker == ""


def test_links_already_made_are_not_suggested_again() -> None:
    same = ClaimFacts("数码港", "初创企业数目", 500, "间", "2024-12-31", ">", id=2, release_id=11)
    assert suggest_links(CLAIM, [same], linked=[2]) == []
    assert [s.kind for s in suggest_links(CLAIM, [same], linked=[7])] == ["repeats"]
