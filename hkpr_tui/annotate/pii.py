"""Personal data in text: e-mail addresses and phone numbers, with offsets into the text as given.

Detection runs on an NFKC-folded copy (full-width ``２１１４ ４９７２`` and ``ｃｈａｎ＠ｅｘａｍｐｌｅ．ｃｏｍ``
become ASCII) whose every character maps back to the character it came from, so a find is
returned in the original offsets. Covered:

- e-mail addresses, also obfuscated (``chan(at)example.com``, ``chan [at] example [dot] com``)
  and cut at the end of a line (``louis.wong@a-world.`` with the rest on the next line or lost);
- phone numbers: Hong Kong and Macau (8 digits, optional +852/+853, ``(85 2)`` split by a PDF
  layout), mainland China mobiles (11 digits from 1, optional +86), Taiwan (``09xx xxx xxx``,
  ``(02) 2xxx xxxx``, +886), and any ``+CC`` international number of 7–15 digits;
- never a year range (``2003-2009``) or a date.

Headless: used by suggestions (the app) and by ``--redact-pii`` (exports).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_SEP = r"[ \-.\u00a0]?"
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*"
    r"(?:@|\s?[\(\[]\s?at\s?[\)\]]\s?)"
    r"[A-Za-z0-9][A-Za-z0-9\-]*(?:(?:\.|\s?[\(\[]\s?dot\s?[\)\]]\s?)[A-Za-z0-9\-]+)*"
    r"(?:\.\n?[A-Za-z]{2,}(?:\.[A-Za-z]{2,})*|\.(?=\s|$))?",
    re.IGNORECASE,
)
_DIGITS = r"(?:\d[ \-.\u00a0]?){%d,%d}\d"
_PHONES = [
    # +CC international, with optional (0) and separators: 7–15 digits after the country code
    re.compile(r"(?<![\w+])(?:\+|00)\s?\(?\d{1,3}\)?[ \-.\u00a0]?(?:\(0\)\s?)?" + _DIGITS % (5, 13) + r"(?!\d)"),
    # (852) / (85 2) / 852- prefixes, then 8 digits in any grouping (a PDF may split them)
    re.compile(r"(?<!\d)[\(（]\s?8\s?5\s?[23]\s?[\)）]\s?" + _DIGITS % (6, 9) + r"(?!\d)"),
    # Taiwan: 09xx xxx xxx mobiles; (0x) xxxx xxxx land lines
    re.compile(r"(?<!\d)09\d{2}" + _SEP + r"\d{3}" + _SEP + r"\d{3}(?!\d)"),
    re.compile(r"(?<!\d)[\(（]0\d{1,2}[\)）]\s?\d{3,4}" + _SEP + r"\d{4}(?!\d)"),
    # mainland China mobiles
    re.compile(r"(?<![\d.])1[3-9]\d" + _SEP + r"\d{4}" + _SEP + r"\d{4}(?!\d)"),
    # Hong Kong / Macau: 8 digits from 2–9, grouped 4+4 (or 3+2+3 in a PDF layout)
    re.compile(r"(?<![\d.,])[2-9]\d{3}" + _SEP + r"\d{4}(?![\d%])"),
    re.compile(r"(?<![\d.,])[2-9]\d \d{2} \d \d{3}(?![\d%])"),
]
_UNIT_AFTER = re.compile(r"\s?(?:[元萬万億亿個个人間间名宗次米年%]|港元|美元|HKD|km|kg)")
_YEAR_RANGE = re.compile(r"(?:19|20)\d\d\s?[\-–—~至]\s?(?:19|20)\d\d")


@dataclass(frozen=True)
class Found:
    start: int
    end: int
    kind: str  # "EMAIL" | "PHONE"
    text: str


def nfkc_map(text: str) -> tuple[str, list[int]]:
    """``text`` folded to NFKC character by character, and for each folded character the index
    of the character it came from (plus one entry for the end)."""
    out: list[str] = []
    origin: list[int] = []
    for i, char in enumerate(text):
        folded = unicodedata.normalize("NFKC", char) if ord(char) > 0x7F else char
        if char in "\u3000":
            folded = " "
        out.append(folded)
        origin.extend([i] * len(folded))
    origin.append(len(text))
    return "".join(out), origin


def find_pii(text: str) -> list[Found]:
    """E-mail addresses and phone numbers in ``text``, in text order, never overlapping."""
    folded, origin = nfkc_map(text)
    spans: list[tuple[int, int, str]] = []
    for m in _EMAIL.finditer(folded):
        if "@" in m.group() or re.search(r"[\(\[]\s?at\s?[\)\]]", m.group(), re.IGNORECASE):
            spans.append((m.start(), m.end(), "EMAIL"))
    for pattern in _PHONES:
        for m in pattern.finditer(folded):
            value = m.group()
            if _YEAR_RANGE.fullmatch(value.strip()):
                continue
            if sum(c.isdigit() for c in value) < 7 or _UNIT_AFTER.match(folded, m.end()):
                continue  # too short for a phone number, or an amount (30000000 元)
            spans.append((m.start(), m.end(), "PHONE"))
    out: list[Found] = []
    last = -1
    for s, e, kind in sorted(spans, key=lambda x: (x[0], -(x[1] - x[0]))):
        if s < last:
            continue  # overlapping finds: the first (and longest) wins
        while e > s and folded[e - 1] in " \n.-":
            e -= 1
        start, end = origin[s], origin[e - 1] + 1
        out.append(Found(start, end, kind, text[start:end]))
        last = e
    return out
