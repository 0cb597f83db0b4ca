"""Issue 11: real releases of every kind import as clean text with the right metadata, in order,
and the conversions of one release form one group.

The fixtures are short, written for these tests in the shapes real files have: DOCX→Markdown
(converter front matter, anchors, bold datelines, HTML blocks), a later run of that converter with
injected links, PDF→HTML (positioned glyph runs, numeric entities, CRLF, page numbers, split
numbers), HTML pages with boilerplate (saved as .txt too), Markdown news articles with real front
matter, English releases, and RSS feeds in GB2312 and Big5.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hkpr_tui.corpus.ingest import read_path
from hkpr_tui.corpus.kinds import detect_kind
from hkpr_tui.importer import import_paths
from hkpr_tui.models import NewRelease
from hkpr_tui.store import Store

TITLE = "數碼港推出人工智能資助計劃"
SENTENCES = [  # in the order every version has them
    "數碼港今日宣布推出「人工智能資助計劃」，首批撥款2,000萬港元，支援約900間初創企業。",
    "數碼港主席表示：「計劃將加快人工智能在本地的應用。」",
    "計劃分三個階段推行，第一階段於明年一月開始接受申請，申請者須為在港註冊的初創企業。",
]

DOCX_MD = """---
source: docx
fileId: _ai_fund-1745761677992-a7aojg
processTime: 2025-04-27T21:15:36Z
---

<a id="_Hlk119680101"></a>**新聞稿**

## <a id="_abc"></a>數碼港推出人工智能資助計劃

<p><img alt="A picture containing text

Description automatically generated" src="https://cdn.example.com/images/a7aojg.jpeg" /></p>

![](https://cdn.example.com/images/banner.png)

**香港，2023 年 10 月 18 日 **–數碼港今日宣布推出「人工智能資助計劃」，首批撥款2,000萬港元，支援約900間初創企業。

數碼港主席表示：「計劃將加快人工智能在本地的應用。」詳情請瀏覽[www.cyberport.hk ](http://www.cyberport.hk/)。

<ol><li>計劃分三個階段推行，第一階段於明年一月開始接受申請，申請者須為在港註冊的初創企業。</li></ol>

<table><tr><td>**傳媒查詢**</td></tr><tr><td>陳小姐</td><td>電話：（852）3166 3626</td></tr></table>
"""

DOCX_MD_RERUN = """---
source: docx
fileId: _ai_fund-1745915284311-6mtwih
processTime: 2025-04-29T08:28:04Z
---

<a id="_Hlk119680101"></a>**新聞稿**

## <a id="_abc"></a>數碼港推出人工智能資助計劃

**香港，2023 年 10 月 18 日 **–數碼港今日宣布推出<a href="https://unrelated.example/ai-fund">「人工智能資助計劃」</a>，首批撥款2,000萬港元，<a href="https://unrelated.example/x?y=1">支援約900間</a>初創企業。

數碼港主席表示：「計劃將加快人工智能在本地的應用。」詳情請瀏覽[www.cyberport.hk ](http://www.cyberport.hk/)。

計劃分三個階段推行，第一階段於明年一月開始接受申請，申請者須為在港註冊的初創企業。（完）
"""


def _entities(text: str) -> str:
    return "".join(f"&#{ord(c)};" if ord(c) > 127 else c for c in text)


PDF_LINES = [  # (top, text) as a PDF→HTML converter positions them; a page break after the fourth
    (40, "新聞稿"),
    (80, "數碼港推出人工智能資助計劃"),
    (120, "香港，2023 年 10 月 18 日 – 數碼港今日宣布推出「人工智"),
    (140, "能資助計劃」，首批撥款2 , 000萬港元，支援約9 00間初創企業。"),
    (800, "1"),
    (40, "數碼港主席表示：「計劃將加快人工智能在本地的應用。」詳情請瀏覽"),
    (60, "www.cyberport.hk。"),
    (100, "計劃分三個階段推行，第一階段於明年一月開始接受申請，申請者須為"),
    (120, "在港註冊的初創企業。"),
    (160, "傳媒查詢："),
    (180, "陳小姐  電話：（85 2）31 66 3 6 2 6"),
    (800, "2"),
]
PDF_HTML = (
    '<!DOCTYPE html>\r\n<html><head><meta charset="utf-8"><title>ai_fund.pdf</title>'
    "<style>.t{position:absolute}</style></head><body>\r\n"
    + "\r\n".join(
        f'<div class="page{1 + (i > 4)}"><span style="position:absolute;left:72px;top:{top}px">{_entities(text)}</span></div>'
        if i in (0, 5)
        else f'<span style="position:absolute;left:72px;top:{top}px">{_entities(text)}</span>'
        for i, (top, text) in enumerate(PDF_LINES)
    )
    + "\r\n</body></html>\r\n"
)

HTML_PAGE = """<!DOCTYPE html>
<html lang="zh-HK"><head><title>香港特別行政區政府 - 新聞公報</title></head>
<body>
<header><a href="/">主頁</a><a href="/news">新聞公報</a></header>
<nav><ul><li>政府資訊</li><li>便民服務</li></ul></nav>
<div class="breadcrumb">主頁 &gt; 新聞公報 &gt; 2024年3月</div>
<div id="content">
<h1>衞生防護中心公布流感季節最新情況</h1>
<p>衞生署衞生防護中心今日表示，本港已進入流感季節，呼籲市民盡快接種疫苗。</p>
<p>中心發言人說：「六個月或以上人士，除有已知禁忌症外，均應接種季節性流感疫苗。」</p>
<p>2024年3月5日（星期二）</p>
</div>
<aside>相關新聞：天氣報告</aside>
<footer><a href="/privacy">私隱政策</a> | <a href="/notice">重要告示</a> | 2024 ©</footer>
</body></html>
"""

ARTICLE_MD = """---
title: "曾蔭權涉貪案 主控指收35萬"
date: "2017-01-10"
last_updated: "2017-01-11 01:17:12"
author: "特約記者"
tags:
  - "ICAC"
url: "https://web.archive.org/web/2021/https://www.example.com/article/690"
---

# 曾蔭權涉貪案 主控指收35萬

<figure>
<img src="https://web.archive.org/web/2021im_/https://www.example.com/a.jpg" alt="">
<figcaption>曾蔭權今早出庭。記者攝</figcaption>
</figure>

前行政長官曾蔭權涉貪污案，主控官今天(10日)在開案陳詞時指出，[廉政公署](https://web.archive.org/web/2019/http://www.icac.org.hk/(chi).pdf)於2013年取得文件。

主控官指，被告於2005年6 月至2012年6月期間出任行政長官。
"""

ENGLISH_TXT = """Government announces new measures to support start-ups
  The Government announced today (November 13) a series of measures to support start-ups, \u201cgiving
them the tools they need\u201d, the spokesman said. The measures include funding for further
information.
The scheme opens for applications in January.
  The measures are:
funding of up to $2 million per start-up
a mentorship programme with industry leaders
  For enquiries, please call 2345 6789.
"""

RSS_GB2312 = """<?xml version="1.0" encoding="gb2312"?>
<rss version="2.0"><channel><title>新闻中心</title><link>http://news.example.cn</link>
<item><title><![CDATA[数码港推出人工智能资助计划]]></title>
<link>http://news.example.cn/a/1.html</link>
<pubDate>Wed, 18 Oct 2023 09:30:00 +0800</pubDate>
<description><![CDATA[<p>香港，2023年10月18日 - 数码港今日宣布推出「人工智能资助计划」。</p><p>计划分三个阶段推行。</p>]]></description>
</item>
<item><title>第二则新闻</title><link>http://news.example.cn/a/2.html</link>
<pubDate>Thu, 19 Oct 2023 10:00:00 +0800</pubDate>
<description>&lt;p&gt;第二则新闻的内容，与第一则无关。&lt;/p&gt;</description>
</item>
</channel></rss>
"""

RSS_BIG5 = """<?xml version="1.0" encoding="Big5"?>
<rss version="2.0"><channel><title>最新消息</title>
<item><title>新年快樂</title><link>http://www.example.tw/1</link><description>祝您狗年行大運</description>
<pubDate>Fri, 30 Dec 2005 14:19:19 GMT</pubDate></item>
</channel></rss>
"""

MARKUP = re.compile(
    r"<[a-zA-Z/!]|&#?\w+;|\*\*|\]\(|!\[|^#+ |^---|source:|fileId|processTime|https?://|\ufdd0|\ufdd1|^\d{1,3}$",
    re.MULTILINE,
)


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _one(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> NewRelease:
    releases = read_path(_write(tmp_path, name, text, encoding)).releases
    assert len(releases) == 1
    return releases[0]


def _assert_in_order(text: str, pieces: list[str]) -> None:
    folded = re.sub(r"\s+", "", text)
    positions = [folded.find(re.sub(r"\s+", "", p)) for p in pieces]
    assert -1 not in positions, (pieces, text)
    assert positions == sorted(positions), positions


@pytest.mark.parametrize(
    ("name", "text", "kind"),
    [
        ("docx.md", DOCX_MD, "markdown"),
        ("pdf.html", PDF_HTML, "html"),
        ("page.txt", HTML_PAGE, "html"),  # HTML saved with a .txt name
        ("page.md", HTML_PAGE, "html"),
        ("article.md", ARTICLE_MD, "markdown"),
        ("english.txt", ENGLISH_TXT, "text"),
        ("feed.txt", RSS_GB2312, "feed"),
    ],
)
def test_kind_is_detected_from_the_content(name: str, text: str, kind: str) -> None:
    assert detect_kind(text, Path(name).suffix) == kind


@pytest.mark.parametrize(("name", "text"), [("docx.md", DOCX_MD), ("rerun.md", DOCX_MD_RERUN), ("pdf.html", PDF_HTML)])
def test_conversions_of_a_release_read_the_same(tmp_path: Path, name: str, text: str) -> None:
    release = _one(tmp_path, name, text)
    assert not MARKUP.search(release.text), MARKUP.search(release.text)
    assert "unrelated" not in release.text and "Description automatically generated" not in release.text
    for sentence in SENTENCES:
        assert sentence in re.sub(r"(?<=[^\x00-\x7f]) | (?=[^\x00-\x7f])", "", release.text)
    _assert_in_order(release.text, [TITLE, *SENTENCES])
    assert release.title == TITLE
    assert release.date == "2023-10-18"  # the dateline's, never the converter's processTime
    assert release.organisation == "數碼港"
    assert release.kind == "press release"
    assert "www.cyberport.hk" in release.text


def test_pdf_html_numbers_and_phone_are_rejoined(tmp_path: Path) -> None:
    release = _one(tmp_path, "pdf.html", PDF_HTML)
    assert "2,000萬港元" in release.text and "約900間" in release.text
    assert "（852）3166 3626" in release.text
    assert "ai_fund.pdf" not in release.text  # the <title> of a converted file is not its title
    paragraphs = [release.text[p.start : p.end] for p in release.paragraphs]
    assert not any(p in ("1", "2") for p in paragraphs)  # page numbers


def test_html_page_boilerplate_never_reaches_the_text(tmp_path: Path) -> None:
    for name in ("page.html", "page.txt"):
        release = _one(tmp_path, name, HTML_PAGE)
        for boilerplate in ("主頁", "政府資訊", "便民服務", "私隱政策", "重要告示", "相關新聞", "香港特別行政區政府 -"):
            assert boilerplate not in release.text, boilerplate
        assert release.title == "衞生防護中心公布流感季節最新情況"  # the <h1>, not the site's <title>
        assert release.organisation == "衞生防護中心"
        assert release.text.startswith("衞生防護中心公布流感季節最新情況\n\n衞生署衞生防護中心今日表示")
        assert not MARKUP.search(release.text)


def test_news_article_takes_its_front_matter(tmp_path: Path) -> None:
    release = _one(tmp_path, "article.md", ARTICLE_MD)
    assert release.title == "曾蔭權涉貪案 主控指收35萬"
    assert release.date == "2017-01-10"
    assert release.kind == "news article"
    assert release.organisation is None  # the author is a person, and no organisation is named first
    assert not MARKUP.search(release.text)
    assert "last_updated" not in release.text and "ICAC" not in release.text
    paragraphs = [release.text[p.start : p.end] for p in release.paragraphs]
    assert "曾蔭權今早出庭。記者攝" in paragraphs  # the caption is its own paragraph, in place
    assert "廉政公署於2013年取得文件。" in release.text
    _assert_in_order(release.text, ["曾蔭權今早出庭", "前行政長官", "主控官指"])


def test_english_release_keeps_word_spacing_and_paragraphs(tmp_path: Path) -> None:
    release = _one(tmp_path, "english.txt", ENGLISH_TXT)
    text = release.text
    assert "information.The" not in text
    assert "further information." in text
    assert "\u201cgiving them the tools they need\u201d" in text
    paragraphs = [text[p.start : p.end] for p in release.paragraphs]
    assert paragraphs[0] == "Government announces new measures to support start-ups"
    assert any(
        p.startswith("The Government announced today") and p.endswith("further information.") for p in paragraphs
    )
    assert "The scheme opens for applications in January." in paragraphs
    assert "funding of up to $2 million per start-up" in paragraphs
    assert "a mentorship programme with industry leaders" in paragraphs
    assert "For enquiries, please call 2345 6789." in paragraphs
    assert not re.search(r"[a-z][.,][A-Za-z]", text), text
    assert release.title == "Government announces new measures to support start-ups"
    assert release.date is None  # no dateline: never guessed from "today (November 13)"


@pytest.mark.parametrize(("encoding", "declared"), [("gb2312", "gb18030"), ("utf-8", "utf-8")])
def test_feed_gives_one_release_per_item(tmp_path: Path, encoding: str, declared: str) -> None:
    parsed = read_path(_write(tmp_path, "news.xml", RSS_GB2312, encoding))
    assert parsed.kind == "feed" and parsed.encoding == declared
    first, second = parsed.releases
    assert first.title == "数码港推出人工智能资助计划" and first.date == "2023-10-18" and first.kind == "feed item"
    assert (
        first.text
        == "数码港推出人工智能资助计划\n\n香港，2023年10月18日 - 数码港今日宣布推出「人工智能资助计划」。\n\n计划分三个阶段推行。"
    )
    assert first.organisation == "数码港"
    assert first.source.endswith("news.xml#http://news.example.cn/a/1.html")
    assert second.title == "第二则新闻" and second.date == "2023-10-19"
    assert second.text == "第二则新闻\n\n第二则新闻的内容，与第一则无关。"


def test_big5_feed(tmp_path: Path) -> None:
    parsed = read_path(_write(tmp_path, "feed.xml", RSS_BIG5, "big5"))
    (item,) = parsed.releases
    assert parsed.encoding == "big5hkscs"
    assert (item.title, item.date, item.text) == ("新年快樂", "2005-12-30", "新年快樂\n\n祝您狗年行大運")


def test_all_conversions_of_one_release_form_one_group(tmp_path: Path, store: Store) -> None:
    from opencc import OpenCC

    folder = tmp_path / "in"
    folder.mkdir()
    _write(folder, "a_docx.md", DOCX_MD)
    _write(folder, "b_rerun.md", DOCX_MD_RERUN)
    _write(folder, "c_pdf.html", PDF_HTML)
    _write(folder, "d_hans.md", OpenCC("hk2s").convert(DOCX_MD))
    rewrapped = (
        DOCX_MD.replace("首批撥款", "首批撥\n款").replace("<table>", "（完）\n\n<table-x>").split("<table-x>")[0]
    )
    _write(folder, "e_edited.md", rewrapped)  # re-wrapped, （完） added, contact block dropped
    _write(folder, "f_other.html", HTML_PAGE)
    _write(folder, "g_english.txt", ENGLISH_TXT)
    _write(folder, "h_article.md", ARTICLE_MD)
    report = import_paths(store, [folder])
    assert not report.skipped and len(report.imported) == 8, report
    groups = {Path(i.path).name: store.release(i.release_id).group_id for i in report.imported}
    same = {groups[n] for n in ("a_docx.md", "b_rerun.md", "c_pdf.html", "d_hans.md", "e_edited.md")}
    assert len(same) == 1
    others = [groups[n] for n in ("f_other.html", "g_english.txt", "h_article.md")]
    assert len(set(others)) == 3 and same.isdisjoint(others)
    # A later import joins the stored group too (the candidates come from the database).
    _write(tmp_path, "later.md", DOCX_MD.replace("（852）", "(852) ") + "\n\n- 完 -\n")
    later = import_paths(store, [tmp_path / "later.md"])
    assert store.release(later.imported[0].release_id).group_id in same


def test_unmarked_page_chrome_and_a_logo_h1_stay_out(tmp_path: Path) -> None:
    page = """<html><body><div class="logo"><h1>香港特別行政區政府</h1></div>
<div class="links"><a href="/">主頁</a> | <a href="/c">聯絡我們</a></div>
<main><h1>創新科技署推出新計劃</h1><p>創新科技署今日推出新計劃，支援本地初創企業發展。</p></main>
<div><a href="/p">私隱政策</a> | <a href="/n">重要告示</a></div><div>2025 ©</div></body></html>"""
    release = _one(tmp_path, "page.html", page)
    assert release.title == "創新科技署推出新計劃"
    assert release.text == "創新科技署推出新計劃\n\n創新科技署今日推出新計劃，支援本地初創企業發展。"
    unmarked = page.replace("<main>", "<div>").replace("</main>", "</div>")
    release = _one(tmp_path, "unmarked.html", unmarked)
    for chrome in ("主頁", "聯絡我們", "私隱政策", "重要告示", "©"):
        assert chrome not in release.text


@pytest.mark.parametrize(
    ("ending", "date"),
    [
        ("2024年3月5日（星期二）\n香港時間12時30分發出", "2024-03-05"),
        ("Ends/Tuesday, March 5, 2024\nIssued at HKT 12:30", "2024-03-05"),
        ("活動詳情將於稍後公布。", None),
        ("是次活動於2024年3月5日（星期二）舉行。", None),  # a date the text talks about
    ],
)
def test_government_issue_line_gives_the_date(ending: str, date: str | None) -> None:
    from hkpr_tui.corpus.ingest import parse_text

    body = "".join(f"第{i}段內容，與日期無關。\n\n" for i in range(9))
    assert parse_text(f"政府公布新措施\n\n{body}{ending}").date == date


def test_split_keeps_every_conversion_of_a_release_together(tmp_path: Path, store: Store) -> None:
    from opencc import OpenCC

    from hkpr_tui.export.run import export

    folder = tmp_path / "in"
    folder.mkdir()
    for name, text in [
        ("a.md", DOCX_MD),
        ("b.md", DOCX_MD_RERUN),
        ("c.html", PDF_HTML),
        ("d.md", OpenCC("hk2s").convert(DOCX_MD)),
    ]:
        _write(folder, name, text)
    for i in range(12):  # other releases, so that the splits are not empty
        _write(
            folder,
            f"other{i}.txt",
            f"第{i}號公告\n\n香港，2024年1月{i + 1}日 – 機構{i}今日公布第{i}項措施，內容與其他公告無關，編號{i * 7919}。",
        )
    report = import_paths(store, [folder])
    assert len(report.imported) == 16
    for seed in range(6):
        out = tmp_path / f"out{seed}"
        export(store, "jsonl", out, split=(34, 33, 33), seed=seed, status="all")
        holding = {
            f.name
            for f in out.glob("*.jsonl")
            if "首批撥款" in f.read_text(encoding="utf-8") or "首批拨款" in f.read_text(encoding="utf-8")
        }
        assert len(holding) == 1, (seed, holding)


def test_docx_bold_lines_are_headings_and_a_break_before_the_closing_bold_ends_them() -> None:
    from hkpr_tui.corpus.ingest import parse_text

    raw = "**標題第一行<br />第二行**\n\n正文第一段，內容。\n\n**標準之上** \n\n正文第二段。\n\n**注意事項<br />**如果中英文版本不一致，以英文版本為準。"
    release = parse_text(raw, fmt="markdown")
    paragraphs = [(release.text[p.start : p.end], p.kind) for p in release.paragraphs]
    assert paragraphs == [
        ("標題第一行第二行", "heading"),  # a <br> inside a title: one line
        ("正文第一段，內容。", "text"),
        ("標準之上", "heading"),
        ("正文第二段。", "text"),
        ("注意事項", "heading"),
        ("如果中英文版本不一致，以英文版本為準。", "text"),
    ]
    assert release.title == "標題第一行第二行"
