"""Cleaning: hard wraps joined, page numbers and markup gone, offsets exact, repeats flagged."""

from __future__ import annotations

import itertools
import re

import pytest

from hkpr_tui.corpus import parse_text
from hkpr_tui.corpus.clean import clean
from hkpr_tui.models import NewRelease


def sentences(release: NewRelease) -> list[str]:
    return [release.text[s.start : s.end] for s in release.sentences]


def paragraphs(release: NewRelease) -> list[str]:
    return [release.text[p.start : p.end] for p in release.paragraphs]


def test_hard_wrapped_budget_title_reads_as_one_sentence(parsed_seeds: dict[str, NewRelease]) -> None:
    found = [s for s in sentences(parsed_seeds["001"]) if "2024 -25 年度《财政预算案》" in s]
    assert len(found) == 1
    assert found[0].startswith("香港，2024 年 2 月 28 日")
    assert found[0].endswith("。")


@pytest.mark.parametrize("key", ["001", "003"])
def test_no_sentence_is_broken_by_a_hard_wrap(parsed_seeds: dict[str, NewRelease], key: str) -> None:
    release = parsed_seeds[key]
    for sentence in sentences(release):
        assert "\n" not in sentence
    # Every body paragraph (one with a comma: a clause, not a heading or contact line) ends a sentence.
    for para in paragraphs(release):
        if "，" in para and not para.startswith(("http", "mailto")):
            assert re.search(r"[。！？；」』：︰]$", para), para


def test_known_wrapped_sentences_are_whole(parsed_seeds: dict[str, NewRelease]) -> None:
    s003 = sentences(parsed_seeds["003"])
    assert (
        "香港，2022 年 10 月 19 日 – 數碼港歡迎行政長官今日於施政報告提出多項具體措施，包括推出「香港創新科技發展藍圖」、推動建設創新科技中心及壯大創科人才庫，以配合國家戰略及促進經濟發展。"
        in s003
    )
    s001 = sentences(parsed_seeds["001"])
    assert any("数码港汇聚超过 190 间专注研发人工智能的初创企业" in s for s in s001)
    assert any("及海外企业进驻，汇聚全球创科人才" in s for s in s001)


@pytest.mark.parametrize("key", ["000", "001", "002", "003", "004"])
def test_offsets_slice_back(parsed_seeds: dict[str, NewRelease], key: str) -> None:
    release = parsed_seeds[key]
    paras = release.paragraphs
    for a, b in itertools.pairwise(paras):
        assert a.end <= b.start
        assert release.text[a.end : b.start] == "\n\n"
    for s in release.sentences:
        p = paras[s.paragraph]
        assert p.start <= s.start < s.end <= p.end
        piece = release.text[s.start : s.end]
        assert piece == piece.strip() and piece


def test_page_numbers_are_dropped(parsed_seeds: dict[str, NewRelease]) -> None:
    for key in ("001", "003"):
        assert not any(re.fullmatch(r"\d{1,3}", p) for p in paragraphs(parsed_seeds[key]))
    # 003 has a lone "2" between 配套設施。 and 建設北部都會區
    text = parsed_seeds["003"].text
    assert "配套設施。\n\n建設北部都會區" in text


def test_markdown_is_reduced_to_text(parsed_seeds: dict[str, NewRelease]) -> None:
    text = parsed_seeds["000"].text
    assert "##" not in text and "**" not in text and "](" not in text
    assert "請按此處下載高像素新聞圖片" in text
    assert "www.cyberport.hk/zh_tw/" in text


def test_repeated_paragraph_is_flagged(parsed_seeds: dict[str, NewRelease]) -> None:
    release = parsed_seeds["004"]
    repeats = [(i, p.repeat_of) for i, p in enumerate(release.paragraphs) if p.repeat_of is not None]
    assert len(repeats) == 1
    later, earlier = repeats[0]
    paras = paragraphs(release)
    assert paras[later] == paras[earlier] and paras[later].startswith("另外，在政策推進上，華夏基金")


def test_caption_interrupting_a_sentence_is_moved_after_it(parsed_seeds: dict[str, NewRelease]) -> None:
    paras = paragraphs(parsed_seeds["004"])
    assert any("香港可在資本協調、數據流通及國際標準對接方面發揮橋樑作用" in p for p in paras)
    assert any(p.startswith("●左至右") for p in paras)


def test_sentences_do_not_split_inside_figures() -> None:
    release = parse_text("超算中心提供3,000 PFLOPS算力，2024-25年度撥款1.34億元。GenA.I.沙盒已開展！第二句？")
    assert sentences(release) == [
        "超算中心提供3,000 PFLOPS算力，2024-25年度撥款1.34億元。",
        "GenA.I.沙盒已開展！",
        "第二句？",
    ]


def test_sentence_takes_its_closing_quote() -> None:
    release = parse_text("主席表示：「我們歡迎預算案。」數碼港將全力配合。")
    assert sentences(release) == ["主席表示：「我們歡迎預算案。」", "數碼港將全力配合。"]


def test_terminal_escapes_and_controls_are_dropped_and_markup_is_kept_literally() -> None:
    raw = "標題\n\n\x1b[31m紅色\x1b[0m文字[bold]不是標記[/]，\x07還有控制字元。\x1b]0;title\x07"
    release = parse_text(raw)
    assert release.text == "標題\n\n紅色文字[bold]不是標記[/]，還有控制字元。"
    assert release.raw_text == raw  # the raw text is kept as decoded


def test_astral_characters_keep_offsets_exact() -> None:
    release = parse_text("𨋢內有數碼港職員。𠝹開𡃁仔的紙。")
    assert sentences(release) == ["𨋢內有數碼港職員。", "𠝹開𡃁仔的紙。"]
    first = release.sentences[0]
    assert release.text[first.start + 3 : first.start + 6] == "數碼港"


def test_html_is_reduced_to_paragraphs() -> None:
    html = """<html><head><title>ignored head</title><style>p{color:red}</style></head><body>
    <h1>數碼港歡迎&lt;預算案&gt;</h1>
    <p>香港，2026年2月25日 – 數碼港歡迎特區政府今日公布
    《財政預算案》。</p><script>alert(1)</script><p>第二段 <b>重點</b> &amp; 其他。</p></body></html>"""
    cleaned = clean(html, "html")
    assert cleaned.text.split("\n\n")[-3:] == [
        "數碼港歡迎<預算案>",
        "香港，2026年2月25日 – 數碼港歡迎特區政府今日公布《財政預算案》。",
        "第二段 重點 & 其他。",
    ]
    assert "alert" not in cleaned.text and "color" not in cleaned.text
    release = parse_text(html, fmt="html")
    assert release.date == "2026-02-25" and release.organisation == "數碼港"


def test_crlf_and_whitespace_are_normalised() -> None:
    release = parse_text("第一行，\r\n繼續   同一句。\r\n\r\n\t新段落\u00a0 內容。")
    assert release.text == "第一行，繼續 同一句。\n\n新段落 內容。"


def test_a_line_break_tag_never_glues_a_contact_block_or_latin_words() -> None:
    from hkpr_tui.corpus.clean import strip_inline_html

    assert strip_inline_html("**媒體查詢請聯繫:**<br />李澤林Jason Li<br />市場及客戶策略經理<br />jason.li@x.com") == (
        "**媒體查詢請聯繫:**<br />李澤林Jason Li 市場及客戶策略經理 jason.li@x.com".replace("**<br />", "**\n")
    )
    assert strip_inline_html("關於 HashKey PRO<br />HashKey PRO致力於") == "關於 HashKey PRO HashKey PRO致力於"
    assert strip_inline_html("數碼港支持<br />財政預算案") == "數碼港支持財政預算案"  # a title broken by a converter


def test_a_quoted_caption_under_an_image_is_its_own_paragraph() -> None:
    from hkpr_tui.corpus import parse_text

    text = "T-Rex 新公鏈\n\n![](https://x/y.png)\n\n> *（用戶介面截圖：透過瀏覽器插件賺取獎勵）*\n\n現時 Web3 生態雖具創新性，卻面臨問題。\n"
    release = parse_text(text, source="a.md")
    assert "（用戶介面截圖：透過瀏覽器插件賺取獎勵）\n\n現時 Web3" in release.text
