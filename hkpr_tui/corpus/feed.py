"""RSS and Atom feeds → one item per release: title, link, publication date, body (HTML).

Real feeds are often not well-formed XML (undeclared entities, bare ``&``, legacy encodings,
HTML in CDATA or escaped), so items are found with patterns rather than an XML parser: a broken
feed still yields the items it holds, and nothing in it is ever executed or fetched.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass
from email.utils import parsedate_tz

_ITEM = re.compile(r"<(item|entry)\b[^>]*>(.*?)</\1\s*>", re.DOTALL | re.IGNORECASE)
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)
_TITLE_FIELDS = ("title",)
_BODY_FIELDS = ("content:encoded", "content", "description", "summary")
_DATE_FIELDS = ("pubDate", "published", "dc:date", "updated", "issued")
_LINK_HREF = re.compile(r"<link\b[^>]*?href\s*=\s*[\"']([^\"']+)[\"'][^>]*>", re.IGNORECASE)


@dataclass(frozen=True)
class FeedItem:
    title: str
    link: str | None
    date: str | None  # ISO 8601, from the item's own date field
    body: str  # HTML (or text) of the item's content


def _field(block: str, name: str) -> str | None:
    match = re.search(
        rf"<{re.escape(name)}\b[^>]*?(?:/>|>(.*?)</{re.escape(name)}\s*>)", block, re.DOTALL | re.IGNORECASE
    )
    if not match or match.group(1) is None:
        return None
    value = match.group(1)
    if "<![CDATA[" in value:
        return "".join(_CDATA.findall(value)).strip()
    # Escaped HTML (&lt;p&gt;) becomes HTML; entities in plain text become characters.
    return html.unescape(value).strip()


def _iso(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    parsed = parsedate_tz(value)  # RFC 822: Fri, 30 Dec 2005 14:19:19 GMT
    try:
        if parsed:
            return dt.date(parsed[0], parsed[1], parsed[2]).isoformat()
        m = re.match(r"(\d{4})[-/年](\d{1,2})[-/月](\d{1,2})", value)  # ISO 8601, 2005-5-28 16:05:36
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except (ValueError, OverflowError):
        return None
    return None


def feed_items(text: str) -> list[FeedItem]:
    """The items of an RSS or Atom feed, in order (an item with neither title nor body is left out)."""
    items = []
    for match in _ITEM.finditer(text):
        block = match.group(2)
        title = next((v for f in _TITLE_FIELDS if (v := _field(block, f))), "") or ""
        body = next((v for f in _BODY_FIELDS if (v := _field(block, f))), "") or ""
        link = _field(block, "link")
        if not link:
            href = _LINK_HREF.search(block)
            link = href.group(1) if href else None
        date = next((d for f in _DATE_FIELDS if (d := _iso(_field(block, f)))), None)
        if "<" in title:
            title = re.sub(r"<[^>]+>", "", title)
        title = " ".join(html.unescape(title).split())
        if title or body.strip():
            items.append(FeedItem(title=title, link=link or None, date=date, body=body))
    return items
