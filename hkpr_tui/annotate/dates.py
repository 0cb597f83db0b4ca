"""Dates in Chinese press text: 2024年2月28日, 二〇二四年, 2月28日, 2024-25年度, 2024-02-28.

``find_dates(text)`` gives (start, end, iso) in order; ``iso`` is as precise as the text:
"2024-02-28", "2024-02", "2024", "--02-28" (no year), "2024/25" (a financial year).
Headless: no UI code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CN = {
    "〇": "0",
    "○": "0",
    "零": "0",
    "一": "1",
    "二": "2",
    "三": "3",
    "四": "4",
    "五": "5",
    "六": "6",
    "七": "7",
    "八": "8",
    "九": "9",
}
_YEAR = r"(?P<y>[12][0-9]{3}|[一二][〇○零一二三四五六七八九]{3})"
_S = r"[ \t]*"
PATTERNS = [
    re.compile(rf"(?P<y>[12][0-9]{{3}})[-/／](?P<y2>[0-9]{{2,4}}){_S}(?:年度|財政年度|财政年度|學年|学年)"),
    re.compile(rf"{_YEAR}{_S}年{_S}(?P<m>1[0-2]|0?[1-9]){_S}月{_S}(?P<d>3[01]|[12][0-9]|0?[1-9]){_S}[日號号]"),
    re.compile(rf"{_YEAR}{_S}年{_S}(?P<m>1[0-2]|0?[1-9]){_S}月"),
    re.compile(rf"{_YEAR}{_S}年(?!度)"),
    re.compile(r"(?<![0-9])(?P<y>[12][0-9]{3})-(?P<m>1[0-2]|0[1-9])-(?P<d>3[01]|[12][0-9]|0[1-9])(?![0-9])"),
    re.compile(rf"(?<![0-9年]){_S}(?P<m>1[0-2]|0?[1-9]){_S}月{_S}(?P<d>3[01]|[12][0-9]|0?[1-9]){_S}[日號号]"),
]


@dataclass(frozen=True)
class DateMention:
    start: int
    end: int
    iso: str


def _year(raw: str) -> str:
    return "".join(_CN.get(c, c) for c in raw)


def find_dates(text: str) -> list[DateMention]:
    taken: list[tuple[int, int]] = []
    found: list[DateMention] = []
    for pattern in PATTERNS:
        for m in pattern.finditer(text):
            start, end = m.start(), m.end()
            while start < end and text[start] in " \t":
                start += 1
            if any(s < end and start < e for s, e in taken):
                continue
            groups = m.groupdict()
            year = _year(groups["y"]) if groups.get("y") else None
            if groups.get("y2"):
                second = groups["y2"][-2:]
                iso = f"{year}/{second}"
            elif groups.get("d"):
                iso = f"{year or '-'}-{int(groups['m']):02d}-{int(groups['d']):02d}"
            elif groups.get("m"):
                iso = f"{year}-{int(groups['m']):02d}"
            else:
                iso = str(year)
            taken.append((start, end))
            found.append(DateMention(start, end, iso))
    return sorted(found, key=lambda d: d.start)
