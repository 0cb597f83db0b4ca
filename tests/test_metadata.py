"""The seeds' metadata, as the Foundation issue's table gives it, found by rules (not file names)."""

from __future__ import annotations

import pytest

from hkpr_tui.corpus import parse_text
from hkpr_tui.models import NewRelease

EXPECTED = {
    "000": ("數碼港", "2026-02-25", "hant", "press release", "數碼港支持《財政預算案》加大推動創科及人工智能+發展"),
    "001": ("数码港", "2024-02-28", "hans", "press release", "数码港欢迎《财政预算案》推动人工智能生态圈发展"),
    "002": ("香港科技園公司", "2026-02-25", "hant", "press release", "香港科技園公司歡迎預算案深化創新科技布局"),
    "003": (
        "數碼港",
        "2022-10-19",
        "hant",
        "press release",
        "數碼港歡迎《行政長官 2022 年施政報告》驅動創科產業及人才發展",
    ),
    "004": ("香港文匯報", None, "hant", "news article", "港超算中心投入運作 AI資助計劃批出近30項目"),
}


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_seed_metadata(parsed_seeds: dict[str, NewRelease], key: str) -> None:
    organisation, date, script, kind, title = EXPECTED[key]
    release = parsed_seeds[key]
    assert release.organisation == organisation
    assert release.date == date
    assert release.script == script
    assert release.kind == kind
    assert release.title.startswith(title)


def test_metadata_does_not_depend_on_the_file_name(parsed_seeds: dict[str, NewRelease]) -> None:
    release = parsed_seeds["002"]
    again = parse_text(release.raw_text, source="anything.txt")
    assert (again.title, again.organisation, again.date) == (release.title, release.organisation, release.date)


@pytest.mark.parametrize(
    ("dateline", "date", "organisation"),
    [
        ("香港，2025年3月4日 - 香港貿易發展局今日宣布推出新計劃。", "2025-03-04", "香港貿易發展局"),
        ("（香港，二〇二五年十二月二十五日）創新科技署歡迎有關建議。", "2025-12-25", "創新科技署"),
        ("HONG KONG, 7 June 2025 – Cyberport announced a new fund.", "2025-06-07", "Cyberport"),
        ("香港，2025年2月30日 - 某機構公布數字。", None, None),  # not a real date: none, never guessed
    ],
)
def test_datelines(dateline: str, date: str | None, organisation: str | None) -> None:
    text = f"新聞稿\n\n即時發布\n\n某機構發表年度報告\n\n{dateline}"
    release = parse_text(text)
    assert release.date == date
    if organisation:
        assert release.organisation == organisation


def test_a_date_in_the_body_is_not_the_publication_date() -> None:
    text = "# 標題一則\n\n" + "本段介紹背景，內容與日期無關。\n\n" * 9 + "活動將於2025年5月1日舉行。"
    assert parse_text(text).date is None
