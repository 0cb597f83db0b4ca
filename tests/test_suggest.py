"""Suggestions: what the rules and earlier tags propose, and what they must not (headless)."""

from __future__ import annotations

import dataclasses

import pytest

from hkpr_tui.annotate.labels import LabelError, default_labels, load_labels
from hkpr_tui.annotate.suggest import suggest


def found(text: str, **kwargs: object) -> list[tuple[str, str]]:
    return [(s.text, s.label) for s in suggest(text, **kwargs)]  # type: ignore[arg-type]


def test_5g_is_not_a_quantity() -> None:
    assert found("推動5G網絡及4K廣播，投資30億元") == [("30億元", "MONEY")]


def test_one_computing_power_figure() -> None:
    assert found("提供3,000 千萬億次算力") == [("3,000 千萬億次", "QUANTITY")]


def test_financial_years_are_dates_only_when_the_label_file_says_so(tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = "2026-27年度預算於2026年2月25日公布"
    assert found(text) == [("2026年2月25日", "DATE")]  # off by default
    assert found(text, label_defs=default_labels()) == [("2026年2月25日", "DATE")]
    path = tmp_path / "labels.toml"
    path.write_text('[[label]]\nname = "DATE"\nfiscal_years = true\n', encoding="utf-8")
    labels = load_labels(path)
    assert found(text, label_defs=labels) == [("2026-27年度", "DATE"), ("2026年2月25日", "DATE")]
    path.write_text('[[label]]\nname = "DATE"\nfiscal_years = "yes"\n', encoding="utf-8")
    with pytest.raises(LabelError, match="line 3.*fiscal_years"):
        load_labels(path)


def test_rules_do_not_suggest_inside_a_tagged_entity() -> None:
    text = "《2026-27年度財政預算案》提到5G計劃撥款30億元。"
    doc = (0, text.index("》") + 1, "DOCUMENT")
    programme = (text.index("5G"), text.index("撥款"), "PROGRAM")
    labels = [dataclasses.replace(l, fiscal_years=True) if l.name == "DATE" else l for l in default_labels()]
    before = found(text, label_defs=labels)
    assert ("2026-27年度", "DATE") in before and ("《2026-27年度財政預算案》", "DOCUMENT") in before
    after = found(text, tagged=[doc, programme], label_defs=labels)
    assert after == [("30億元", "MONEY")]


def test_rules_still_suggest_inside_a_claim() -> None:
    text = "數碼港吸引超過500間企業進駐。"
    claim = (0, len(text) - 1, "STATISTIC")
    assert found(text, tagged=[claim]) == [("500間", "QUANTITY")]  # the claim labels of the shipped file
    custom = [*default_labels()]
    custom = [dataclasses.replace(l, name="FIGURE") if l.name == "STATISTIC" else l for l in custom]
    assert found(text, tagged=[(0, len(text) - 1, "FIGURE")], label_defs=custom) == [("500間", "QUANTITY")]


def test_strings_tagged_before_may_nest_in_an_entity() -> None:
    text = "數碼港大樓位於數碼港"
    got = found(text, known={"數碼港": "ORG"}, tagged=[(0, 5, "FACILITY")])
    assert got == [("數碼港", "ORG"), ("數碼港", "ORG")]


def test_the_app_call_still_works() -> None:  # as screens/annotating.py calls it
    out = suggest("撥款30億元", known={}, tagged=[], rejected=[(2, 6, "MONEY")], labels=["MONEY", "QUANTITY"])
    assert out == []


@pytest.mark.parametrize("text", ["", "\x00", "《》", "《" * 100, "-" * 50, "負", "\ud80030億元"])
def test_odd_text_never_fails(text: str) -> None:
    for s in suggest(text, tagged=[(0, 1, "ORG"), (5, 2, "X")], known={"": "ORG", "《": "DOCUMENT"}):
        assert text[s.start : s.end] == s.text
