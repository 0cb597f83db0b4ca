"""Release metadata from the cleaned paragraphs: title, organisation, date, kind.

The rules follow the conventions of Hong Kong press releases and newspaper pages, never a file
name:

* kind: a press release announces itself (新聞稿, 即時發布, Press Release); a newspaper article
  carries a byline (香港文匯報訊, 記者).
* title: the first paragraph after that boilerplate that is short and does not end a sentence.
* date: the dateline's date, at the start of a paragraph near the top (「香港，2026年2月25日 –」,
  「(香港, 2026年2月25日)」, 「HONG KONG, 25 February 2026」). A date anywhere else is a date the
  text talks about, not the publication date: with no dateline the date is None, never guessed.
* organisation: the subject right after the dateline (「– 數碼港歡迎…」), else the newspaper named
  in the byline, else the 「關於…」 (About …) section.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass

_BOILERPLATE = re.compile(
    r"^(?:新聞稿|新闻稿|新聞公報|新闻公报|即時發[布佈]|即时发[布佈]|press release|media release|news release|"
    r"for immediate release|請按此.*|请按此.*|.*下[載载].*[圖图]片.*|\s)+$",
    re.IGNORECASE,
)
_PRESS_RELEASE = re.compile(r"新聞稿|新闻稿|新聞公報|新闻公报|即時發[布佈]|即时发[布佈]|press release|for immediate release", re.I)
_BYLINE = re.compile(r"([\u4e00-\u9fff]{2,8}?(?:報|报|社|台|網|网))(?:訊|讯|記者|记者)")
_ABOUT = re.compile(r"^(?:關於|关于|About)\s*(.{2,30}?)\s*$")

_MONTHS = {m: i for i, m in enumerate(
    "january february march april may june july august september october november december".split(), 1)}
_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "兩": 2, "两": 2}
_DATE_PATTERNS = (
    re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"),
    re.compile(r"(?P<y>[〇零一二三四五六七八九]{4})\s*年\s*(?P<m>[一二三四五六七八九十]{1,2})\s*月\s*(?P<d>[一二三四五六七八九十]{1,3})\s*日"),
    re.compile(r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?!\d)"),
    re.compile(r"(?P<d>\d{1,2})\s+(?P<mn>[A-Za-z]{3,9})\.?,?\s+(?P<y>\d{4})"),
    re.compile(r"(?P<mn>[A-Za-z]{3,9})\.?\s+(?P<d>\d{1,2}),?\s+(?P<y>\d{4})"),
)
_DATELINE_LEAD = 24
"""A dateline's date starts within this many characters of its paragraph (place name, brackets)."""
_HEAD_PARAGRAPHS = 8

_SUBJECT_END = (
    r"歡迎|欢迎|宣布|宣佈|宣告|公布|公佈|今日|今天|昨日|表示|支持|推出|舉辦|举办|舉行|举行|聯同|联同|攜手|携手|"
    r"樂見|乐见|欣見|欣见|喜見|喜见|將|将|於|于|已|正式|獲|获|榮獲|荣获|發表|发表|呼籲|呼吁|成功|再次|首次|與|与|和|及|"
    r"\s|\(|（|，|,|。|:|："
)
_SUBJECT = re.compile(rf"^[\s)）\]】\-–—－:：]*(?P<org>[^\s，,。(（:：「『]{{2,20}}?)(?={_SUBJECT_END})")


@dataclass(frozen=True)
class Metadata:
    title: str
    organisation: str | None
    date: str | None  # ISO 8601
    kind: str | None  # "press release" | "news article"


def extract_metadata(paragraphs: list[str]) -> Metadata:
    head = paragraphs[: _HEAD_PARAGRAPHS + 4]
    is_release = any(_PRESS_RELEASE.search(p) for p in head if len(p) < 40)
    byline = Counter(_BYLINE.findall("\n".join(paragraphs)))
    kind = "press release" if is_release else ("news article" if byline else None)

    body = [p for p in paragraphs if not _BOILERPLATE.match(p)]
    title = _title(body)
    date, subject = _dateline(body[:_HEAD_PARAGRAPHS])
    organisation = subject
    if organisation is None and byline:
        organisation = byline.most_common(1)[0][0]
    if organisation is None:
        organisation = next((m.group(1) for p in paragraphs if (m := _ABOUT.match(p))), None)
    return Metadata(title=title, organisation=organisation, date=date, kind=kind)


def _title(body: list[str]) -> str:
    for para in body[:_HEAD_PARAGRAPHS]:
        if len(para) <= 150 and not para.rstrip("」』）)").endswith(("。", "！", "？")) and not _find_date(para, 0):
            return para
    first = body[0] if body else ""
    return first[:80]


def _dateline(paragraphs: list[str]) -> tuple[str | None, str | None]:
    for para in paragraphs:
        found = _find_date(para, _DATELINE_LEAD)
        if found:
            date, end = found
            subject = _SUBJECT.match(para[end:])
            return date, subject.group("org") if subject else None
    return None, None


def _find_date(text: str, lead: int) -> tuple[str, int] | None:
    """The first valid date starting within ``lead`` characters of the text, and where it ends."""
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text, 0, lead + 40 if lead else len(text)):
            if lead and match.start() > lead:
                break
            date = _to_iso(match)
            if date:
                return date, match.end()
    return None


def _cn_number(text: str) -> int:
    if all(c in _CN_DIGITS for c in text):  # 二〇二六 read digit by digit
        return int("".join(str(_CN_DIGITS[c]) for c in text))
    tens, _, units = text.partition("十")  # 十, 十五, 二十, 二十五
    return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)


def _to_iso(match: re.Match[str]) -> str | None:
    groups = match.groupdict()
    try:
        year = int(groups["y"]) if groups["y"].isdigit() else _cn_number(groups["y"])
        if groups.get("mn"):
            month = _MONTHS.get(groups["mn"].lower()) or next(
                (n for name, n in _MONTHS.items() if name.startswith(groups["mn"].lower()) and len(groups["mn"]) >= 3),
                0,
            )
        else:
            month = int(groups["m"]) if groups["m"].isdigit() else _cn_number(groups["m"])
        day = int(groups["d"]) if groups["d"].isdigit() else _cn_number(groups["d"])
        return dt.date(year, month, day).isoformat()
    except (ValueError, KeyError):
        return None
