"""Release metadata from the cleaned paragraphs: title, organisation, date, kind.

The rules follow the conventions of Hong Kong press releases and newspaper pages, never a file
name:

* kind: a press release announces itself (新聞稿, 即時發布, Press Release); a newspaper article
  carries a byline (香港文匯報訊, 記者).
* title: the first paragraph after that boilerplate that is short and does not end a sentence.
* date: the dateline's date, at the start of a paragraph near the top (「香港，2026年2月25日 –」,
  「(香港, 2026年2月25日)」, 「HONG KONG, 25 February 2026」), else a government release's issue
  line at its end, a paragraph that is only a date (「2024年3月5日（星期二）」, "Ends/Tuesday,
  March 5, 2024 Issued at HKT 12:30"). A date anywhere else is a date the
  text talks about, not the publication date: with no dateline the date is None, never guessed.
* organisation: the issuer a government release names (「下稿代醫院管理局發出：」, "The following is
  issued on behalf of the Hospital Authority:"), else the subject right after the dateline
  (「– 數碼港歡迎…」) when it is a name (not 「在…」, not a code like T21), else the newspaper named in
  the byline, else a known organisation (``ORGANISATIONS``) named in the title or first paragraph,
  else the 「關於…」 (About …) section. None when none of these gives one.
* Metadata the file itself states (an article's front matter, a page's ``<h1>``, a feed item's
  title and date) is passed in by the caller and wins; a converter's metadata never is.
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
_PRESS_RELEASE = re.compile(
    r"新聞稿|新闻稿|新聞公報|新闻公报|即時發[布佈]|即时发[布佈]|press release|for immediate release", re.IGNORECASE
)
_BYLINE = re.compile(r"([\u4e00-\u9fff]{2,8}?(?:報|报|社|台|網|网))(?:訊|讯|記者|记者)")
_ABOUT = re.compile(r"^(?:關於|关于|About)\s*(.{2,30}?)\s*$")

_MONTHS = {
    m: i
    for i, m in enumerate(
        "january february march april may june july august september october november december".split(), 1
    )
}
_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "兩": 2, "两": 2}
_DATE_PATTERNS = (
    re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"),
    re.compile(
        r"(?P<y>[〇零一二三四五六七八九]{4})\s*年\s*(?P<m>[一二三四五六七八九十]{1,2})\s*月\s*(?P<d>[一二三四五六七八九十]{1,3})\s*日"
    ),
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


_ISSUER = re.compile(
    r"^(?:下稿代|以下稿件代|以下爲|以下為|下稿由)(?P<zh>[^：:︰，。]{2,30}?)(?:發出|发出|發放|代發)?\s*[：:︰]$"
    r"|^The following is (?:issued|released) on behalf of (?:the )?(?P<en>[A-Z][\w&,'() -]{2,80}?)\s*:$"
)
_NOT_A_NAME = re.compile(
    r"^(?:[A-Za-z]{0,2}\d|在|為|为|于|於|隨|随|由於|由于|根據|根据|作為|作为|今日|今天|昨日|明日|是|這|这|本|該|该|其)"
)
_SUBJECT_LATIN = re.compile(
    r"^[\s)）\]】\-–—－:：]*(?:The\s+)?(?P<org>[A-Z][\w&.'-]*(?:\s+(?:[A-Z][\w&.'-]*|of|and|for|the|&))*)"
)

ORGANISATIONS = (
    "數碼港|数码港|Cyberport|香港科技園公司|香港科技园公司|香港科技園|Hong Kong Science and Technology Parks Corporation|HKSTP|"
    "創新科技署|创新科技署|Innovation and Technology Commission|創新科技及工業局|香港貿易發展局|香港贸易发展局|"
    "Hong Kong Trade Development Council|投資推廣署|投资推广署|InvestHK|香港生產力促進局|香港生产力促进局|衞生防護中心|卫生防护中心|"
    "Centre for Health Protection|衞生署|卫生署|Department of Health|醫院管理局|医院管理局|Hospital Authority|民政事務總署|"
    "民政事务总署|Home Affairs Department|文創產業發展處|文创产业发展处|Cultural and Creative Industries Development Agency|"
    "香港電影發展局|文化體育及旅遊局|文化体育及旅游局|Culture, Sports and Tourism Bureau|香港警務處|警務處|Hong Kong Police Force|政府統計處|"
    "政府统计处|Census and Statistics Department|香港金融管理局|Hong Kong Monetary Authority|證券及期貨事務監察委員會|"
    "证券及期货事务监察委员会|Securities and Futures Commission|廉政公署|Independent Commission Against Corruption|運輸署|"
    "运输署|Transport Department|入境事務處|Immigration Department|香港海關|Customs and Excise Department|教育局|"
    "Education Bureau|食物環境衞生署|Food and Environmental Hygiene Department|環境保護署|"
    "Environmental Protection Department|社會福利署|Social Welfare Department|勞工處|Labour Department|稅務局|"
    "Inland Revenue Department|香港旅遊發展局|Hong Kong Tourism Board|香港天文台|Hong Kong Observatory|機場管理局|"
    "Airport Authority|政府新聞處|Information Services Department|財經事務及庫務局|保安局|Security Bureau|駐柏林經濟貿易辦事處|"
    "駐柏林經貿辦|HKETO Berlin|選舉管理委員會|Electoral Affairs Commission"
)
"""Organisations a release may name in its title or first paragraph, separated by |."""
_ORG_NAMES = sorted(set(ORGANISATIONS.split("|")), key=len, reverse=True)
_KNOWN_ORG = re.compile("|".join(re.escape(n.strip()) for n in _ORG_NAMES))


@dataclass(frozen=True)
class Metadata:
    title: str
    organisation: str | None
    date: str | None  # ISO 8601
    kind: str | None  # "press release" | "news article"


def extract_metadata(paragraphs: list[str], kinds: list[str] | None = None, kind_hint: str | None = None) -> Metadata:
    head = paragraphs[: _HEAD_PARAGRAPHS + 4]
    is_release = any(_PRESS_RELEASE.search(p) for p in head if len(p) < 60)
    byline = Counter(_BYLINE.findall("\n".join(paragraphs)))
    issuer = _issuer(head)
    kind = kind_hint or ("news article" if byline and not is_release and not issuer else "press release")

    kinds = kinds or ["text"] * len(paragraphs)
    body = [(p, k) for p, k in zip(paragraphs, kinds) if not _BOILERPLATE.match(p) and not _ISSUER.match(p)]
    title = _title(body)
    date, subject = _dateline([p for p, _ in body[:_HEAD_PARAGRAPHS]])
    if date is None:
        date = _issued(paragraphs[-3:])
    organisation = issuer or subject
    if organisation is None and byline:
        organisation = byline.most_common(1)[0][0]
    if organisation is None and body and kind != "news article":  # an article names what it reports on
        first = [title] + [p for p, _ in body[:3] if p != title]
        organisation = next((m.group() for p in first if (m := _KNOWN_ORG.search(p))), None)
    if organisation is None:
        organisation = next((m.group(1) for p in paragraphs if (m := _ABOUT.match(p))), None)
    return Metadata(title=title, organisation=organisation, date=date, kind=kind)


_WEEKDAY = r"(?:(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),?\s*)?"
_ISSUED = re.compile(
    rf"^(?:Ends\s*/\s*)?{_WEEKDAY}(?P<date>(?:\d|[A-Z][a-z]{{2,8}}\.? \d|[〇零二]).{{5,29}}?)\s*(?:[（(]\s*星期.\s*[）)])?\s*"
    r"(?:Issued at HKT \d{1,2}:\d{2}|香港時間\d{1,2}時\d{1,2}分發出|香港时间\d{1,2}时\d{1,2}分发出)?\s*$"
)


def _issued(tail: list[str]) -> str | None:
    """A government release's issue line at its end (「2024年3月5日（星期二）」, "Ends/Tuesday,
    March 5, 2024 Issued at HKT 12:30"): a paragraph that is only a date, among the last three."""
    for para in reversed(tail):
        for line in para.split("\n"):
            m = _ISSUED.match(line.strip())
            if m:
                found = _find_date(m.group("date"), 0)
                if found and found[1] >= len(m.group("date").rstrip()) - 1:
                    return found[0]
    return None


def _issuer(head: list[str]) -> str | None:
    for para in head[:4]:
        m = _ISSUER.match(para.strip())
        if m:
            return (m.group("zh") or m.group("en")).strip()
    return None


def _usable_title(para: str) -> bool:
    return len(para) <= 150 and not para.rstrip("」』）)").endswith(("。", "！", "？")) and not _find_date(para, 0)


def _title(body: list[tuple[str, str]]) -> str:
    headings = [p for p, k in body[:_HEAD_PARAGRAPHS] if k == "heading" and _usable_title(p)]
    if headings:
        return headings[0]
    for para, _ in body[:_HEAD_PARAGRAPHS]:
        if len(para) <= 150 and not para.rstrip("」』）)").endswith(("。", "！", "？")) and not _find_date(para, 0):
            return para
    first = body[0][0] if body else ""
    return first[:80]


def _dateline(paragraphs: list[str]) -> tuple[str | None, str | None]:
    for para in paragraphs:
        found = _find_date(para, _DATELINE_LEAD)
        if found:
            date, end = found
            return date, _subject(para[end:])
    return None, None


def _subject(rest: str) -> str | None:
    """The organisation named right after a dateline, when it is a name."""
    latin = _SUBJECT_LATIN.match(rest)
    if latin and len(latin.group("org")) >= 2:
        org = latin.group("org").strip()
        return org if not _NOT_A_NAME.match(org) else None
    subject = _SUBJECT.match(rest)
    if not subject:
        return None
    org = subject.group("org")
    if "的" in org:
        org = org.rsplit("的", 1)[1]
    tail = _LATIN_TAIL.match(rest, subject.end("org"))
    if tail and re.search(r"[A-Za-z]$", org):
        org += tail.group()  # HashKey Group: a Latin name goes on past its space
    elif tail and _DESCRIPTOR_THEN_NAME.search(org):
        return tail.group().strip()  # 虛擬資產集團 HashKey Group: the name after its description
    latin = re.search(r"[A-Z][A-Za-z0-9&.'-]*(?:\s+[A-Z][A-Za-z0-9&.'-]*)*$", org)
    if latin and latin.start() > 0 and _is_cjk(org[latin.start() - 1]):
        org = latin.group()  # 虛擬資產集團HashKey Group: the name, not its description
    if len(org) < 2 or _NOT_A_NAME.match(org):
        return None
    return org


_LATIN_TAIL = re.compile(r"(?:\s+[A-Z][A-Za-z0-9&.'-]*)+")
_DESCRIPTOR_THEN_NAME = re.compile(r"(?:集團|集团|公司|平台|機構|机构|品牌|企業|企业|交易所|基金|銀行|银行)$")


def _is_cjk(c: str) -> bool:
    return "\u4e00" <= c <= "\u9fff"


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
