"""The quantity normaliser and date finder (headless)."""

from __future__ import annotations

import pytest

from hkpr_tui.annotate.dates import find_dates
from hkpr_tui.annotate.quantity import find_quantities, normalise

# every row of the table in DESIGN.md, plus the thread's two figures
TABLE = [
    ("3,000 PFLOPS", 3000, "PFLOPS", "="),
    ("30 億元", 3_000_000_000, "HKD", "="),
    ("1 億 7 千萬港元", 170_000_000, "HKD", "="),
    ("超過 15 億 5 千萬港元", 1_550_000_000, "HKD", ">"),
    ("近30個", 30, "個", "≈"),
    ("逾 15,000 人", 15000, "人", ">"),
    ("一百億元", 10_000_000_000, "HKD", "="),
    ("九成", 90, "%", "="),
    ("按年上升28%", 28, "%", "="),
    ("2.2 億元", 220_000_000, "HKD", "="),
    ("超過500間", 500, "間", ">"),
    ("超过 190 间", 190, "間", ">"),
]


@pytest.mark.parametrize(("text", "value", "unit", "qualifier"), TABLE)
def test_design_table(text: str, value: int, unit: str, qualifier: str) -> None:
    q = normalise(text)
    assert q is not None
    assert (q.value, q.unit, q.qualifier) == (value, unit, qualifier)
    assert type(q.value) is int  # exact: 2.2 億 is 220000000, not 220000000.00000003
    assert text[q.start : q.end] == q.text


def test_near_is_approximate_from_below() -> None:
    q = normalise("近30個")
    assert q is not None and q.approach == "below"
    assert normalise("約30個").approach is None  # type: ignore[union-attr]


def test_figures_in_a_sentence_with_offsets() -> None:
    text = "數碼港人工智能超算中心獲政府撥款30億元，並吸引超過500間企業，按年上升28%。"
    found = find_quantities(text)
    assert [(q.text, q.value, q.unit) for q in found] == [
        ("30億元", 3_000_000_000, "HKD"),
        ("500間", 500, "間"),
        ("28%", 28, "%"),
    ]
    assert all(text[q.start : q.end] == q.text for q in found)


@pytest.mark.parametrize("text", ["十五五規劃", "一起推動創科", "統一安排", "第一個", "A1 級"])
def test_words_with_numerals_are_not_figures(text: str) -> None:
    assert [q for q in find_quantities(text) if q.unit] == []


def test_years_are_dates_not_quantities() -> None:
    assert find_quantities("2024年2月28日") == []
    assert normalise("2024-25年度撥款2.2 億元").value == 220_000_000  # type: ignore[union-attr]


def test_more_forms() -> None:
    assert normalise("500多間公司").qualifier == ">"  # type: ignore[union-attr]
    assert normalise("百分之二十").value == 20  # type: ignore[union-attr]
    assert normalise("HK$30億").unit == "HKD"  # type: ignore[union-attr]
    assert normalise("不超過100人").qualifier == "<="  # type: ignore[union-attr]
    assert normalise("１２３間").value == 123  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "iso"),
    [("2024年2月28日", "2024-02-28"), ("二〇二四年", "2024"), ("2月28日", "--02-28"), ("2024-25年度", "2024/25"),
     ("2026-02-25", "2026-02-25"), ("2025年3月", "2025-03")],
)  # fmt: skip
def test_dates(text: str, iso: str) -> None:
    (found,) = find_dates(text)
    assert (found.start, found.end, found.iso) == (0, len(text), iso)


@pytest.mark.parametrize(
    ("text", "figure", "kind"),
    [("數碼港已有超過500間初創企業", True, "STATISTIC"), ("超算中心已投入運作", False, "STATUS"),
     ("預計最快於2025年完成", False, "PLAN"), ("出口按年上升28%", True, "COMPARISON"), ("我們相信前景樂觀", False, "OPINION")],
)  # fmt: skip
def test_claim_type_guess(text: str, figure: bool, kind: str) -> None:
    from hkpr_tui.annotate.claims import guess_claim_type

    assert guess_claim_type(text, figure) == kind
