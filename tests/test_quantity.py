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


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [("一點五億元", 150_000_000, "HKD"), ("二十一點五億元", 2_150_000_000, "HKD"), ("三点二五万人", 32_500, "人"),
     ("1.5萬人次", 15_000, "人次"), ("逾 30 萬人次", 300_000, "人次"), ("2,000架次", 2000, "架次")],
)  # fmt: skip
def test_chinese_decimals_and_compound_units(text: str, value: int, unit: str) -> None:
    q = normalise(text)
    assert q is not None and (q.value, q.unit) == (value, unit)
    assert type(q.value) is int
    assert text[q.start : q.end] == q.text


@pytest.mark.parametrize("text", ["下午三點舉行", "十二點三十分開始"])
def test_clock_times_are_not_decimals(text: str) -> None:
    assert [q for q in find_quantities(text) if q.unit] == []


@pytest.mark.parametrize(
    ("text", "value", "figure"),
    [("-3.5%", -3.5, "-3.5%"), ("錄得－2%", -2, "－2%"), ("負百分之四十", -40, "負百分之四十"), ("负3个百分点", -3, "负3个百分点")],
)  # fmt: skip
def test_written_signs_make_negative_values(text: str, value: float, figure: str) -> None:
    q = normalise(text)
    assert q is not None and q.value == value and q.text == figure


def test_a_dash_between_numbers_is_not_a_sign() -> None:
    assert [q.value for q in find_quantities("編號2026-27 與 A-3%")] == [2026, 27, 3]


@pytest.mark.parametrize(
    ("text", "value", "direction"),
    [("按年下跌 5%", 5, "down"), ("減少了約3成", 30, "down"), ("下降百分之十", 10, "down"), ("按年上升28%", 28, "up"),
     ("增加超過500間", 500, "up"), ("增加至500間", 500, None), ("撥款30億元", 3_000_000_000, None)],
)  # fmt: skip
def test_words_of_change_keep_their_direction(text: str, value: int, direction: str | None) -> None:
    q = normalise(text)
    assert q is not None and (q.value, q.direction) == (value, direction)
    assert ("direction" in q.as_dict()) == (direction is not None)


def test_computing_power_in_chinese_is_one_figure_in_the_english_unit() -> None:
    for text in ("3,000 千萬億次", "3,000千万亿次"):
        (q,) = find_quantities(text)
        assert (q.value, q.unit, q.text) == (3000, "PFLOPS", text)
    assert normalise("每秒100萬億次").unit == "TFLOPS"  # type: ignore[union-attr]
    assert normalise("3,000 千萬億次").value == normalise("3,000 PFLOPS").value  # type: ignore[union-attr]


@pytest.mark.parametrize("text", ["5G網絡", "推動5G發展", "4K電視", "3D打印", "A1 級"])
def test_numbers_glued_to_letters_are_names(text: str) -> None:
    assert [q for q in find_quantities(text) if q.unit] == []


def test_latin_units_from_the_list_stay() -> None:
    assert [(q.value, q.unit) for q in find_quantities("容量100MB，長10km，發電5 MW")] == [
        (100, "MB"),
        (10, "km"),
        (5, "MW"),
    ]


@pytest.mark.parametrize(
    "text", ["", "點", "一點", "負", "-", "－－3", "百分之", "\x00\ud800一點五", "億" * 50, "9" * 400]
)
def test_odd_text_never_fails(text: str) -> None:
    for q in find_quantities(text):
        assert text[q.start : q.end] == q.text


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [("HK$5M", 5_000_000, "HKD"), ("US$1.2 billion", 1_200_000_000, "USD"), ("HK$3bn", 3_000_000_000, "HKD")],
)
def test_latin_multipliers_after_a_currency_sign(text: str, value: int, unit: str) -> None:
    q = normalise(text)
    assert q is not None and (q.value, q.unit, q.text) == (value, unit, text)
    assert [q for q in find_quantities("5M") if q.unit] == []  # without a currency: a name
