"""HTML → lines of text, with the page's boilerplate left out.

The standard library's ``html.parser`` does the tokenising: it is forgiving with broken markup,
decodes numeric and named entities, and costs no dependency. (A faster parser such as
``selectolax`` would not pay for itself here: tokenising is a small part of import time, and a
release page is a few kilobytes.)

What reaches the text:

* the release body only. Navigation, header, footer, aside, forms, scripts and styles, and blocks
  whose role, id or class says they are navigation (breadcrumb, menu, sidebar, footer, share…)
  are skipped with everything inside them. When the page marks its content (``<main>``,
  ``<article>``, ``role="main"``), only that content is read.
* the site's ``<title>`` never; the first ``<h1>`` is kept as the release's title.
* block elements (p, div, li, td, h1…) end a line; ``<br>`` ends a line.
* PDF→HTML conversions, where every glyph run is an absolutely positioned element, are read by
  position: a new ``top`` starts a new line, and the lines are then joined like a PDF copy.
* Markdown that a converter left inside ``<pre>``/``<code>`` is read as Markdown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

_BLOCK_TAGS = frozenset(
    "p div br li ul ol tr td th table h1 h2 h3 h4 h5 h6 section article header footer main "
    "blockquote pre hr figcaption figure dd dt dl caption address center".split()
)
_HEADING_TAGS = frozenset("h1 h2 h3 h4 h5 h6".split())
_ALWAYS_SKIP = frozenset(
    "script style noscript template svg nav aside form select button iframe object canvas title head".split()
)
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
_MAIN_TAGS = frozenset(("main", "article"))
_BOILERPLATE_ATTR = re.compile(
    r"(?:^|[\s_-])(?:breadcrumbs?|nav|navbar|navigation|menu|menubar|sidebar|footer|site-?footer|site-?header|"
    r"topbar|skip-?link|share|social|cookie|banner)(?:$|[\s_-])",
    re.IGNORECASE,
)
_BOILERPLATE_ROLES = frozenset(("navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar"))
_TOP = re.compile(r"(?:^|;)\s*top\s*:\s*(-?[\d.]+)", re.IGNORECASE)
_POSITIONED = re.compile(r"position\s*:\s*absolute", re.IGNORECASE)
POSITIONED_MIN = 5
"""A page with at least this many absolutely positioned elements is read as a PDF conversion."""


@dataclass
class HtmlLine:
    text: str
    kind: str  # "heading" | "html" | "pre" (Markdown/plain text kept with its line breaks)
    main: bool


@dataclass
class HtmlDoc:
    lines: list[HtmlLine] = field(default_factory=list)
    h1: str | None = None
    positioned: bool = False
    h1_in_main: bool = False


class _Parser(HTMLParser):
    def __init__(self, positioned: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.doc = HtmlDoc(positioned=positioned)
        self._buf: list[str] = []
        self._kind = "html"
        self._skip: list[list] = []  # [tag, depth] of the boilerplate element being skipped
        self._main_stack: list[list] = []  # [tag, depth] of the content elements we are in
        self._pre = 0
        self._h1: list[str] | None = None
        self._top: float | None = None

    # -- lines ------------------------------------------------------------------------------

    def _flush(self) -> None:
        text = "".join(self._buf)
        self._buf = []
        if self._pre:
            kind = "pre"
        else:
            kind = self._kind
        if text.strip():
            self.doc.lines.append(HtmlLine(text, kind, bool(self._main_stack)))
        self._kind = "html"

    # -- tags -------------------------------------------------------------------------------

    def _boilerplate(self, tag: str, attrs: list[tuple[str, str | None]]) -> bool:
        if tag in _ALWAYS_SKIP:
            return True
        if tag in ("header", "footer") and not self._main_stack:
            return True
        for name, value in attrs:
            if not value:
                continue
            if name == "role" and value.lower() in _BOILERPLATE_ROLES:
                return True
            if name in ("id", "class") and _BOILERPLATE_ATTR.search(value):
                return True
            if name == "aria-hidden" and value == "true":
                return True
        return False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skip:
            if tag == "body" and self._skip[0][0] == "head":
                self._skip.clear()  # a <head> that was never closed
            elif tag == self._skip[-1][0] and tag not in _VOID:
                self._skip[-1][1] += 1
                return
            else:
                return
        if tag not in _VOID and self._boilerplate(tag, attrs):
            self._flush()
            self._skip.append([tag, 1])
            return
        if self.doc.positioned:
            style = next((v for k, v in attrs if k == "style" and v), "")
            top = _TOP.search(style)
            if top:
                value = float(top.group(1))
                if self._top is None or abs(value - self._top) > 1.0:
                    self._flush()
                self._top = value
        if tag in _MAIN_TAGS or any(k == "role" and v == "main" for k, v in attrs):
            self._main_stack.append([tag, 1])
        elif self._main_stack and tag == self._main_stack[-1][0] and tag not in _VOID:
            self._main_stack[-1][1] += 1
        if tag == "pre":
            self._flush()
            self._pre += 1
        elif tag in _BLOCK_TAGS:
            self._flush()
            if tag in _HEADING_TAGS:
                self._kind = "heading"
            if tag == "h1" and (self.doc.h1 is None or (self._main_stack and not self.doc.h1_in_main)):
                self._h1 = []
        elif tag == "img":
            pass  # alt text of images is converter noise ("Description automatically generated")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skip:
            return
        if tag in _BLOCK_TAGS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if self._skip:
            entry = self._skip[-1]
            if tag == entry[0]:
                entry[1] -= 1
                if entry[1] == 0:
                    self._skip.pop()
            return
        if tag == "pre" and self._pre:
            self._flush()
            self._pre -= 1
        elif tag in _BLOCK_TAGS:
            if tag == "h1" and self._h1 is not None:
                title = " ".join("".join(self._h1).split())
                if title:
                    self.doc.h1 = title  # the content's own <h1> wins over one in the page's chrome
                    self.doc.h1_in_main = bool(self._main_stack)
                self._h1 = None
            self._flush()
        if self._main_stack and tag == self._main_stack[-1][0]:
            self._main_stack[-1][1] -= 1
            if self._main_stack[-1][1] == 0:
                self._main_stack.pop()

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self.doc.positioned and self._buf and data[:1].isascii() and data[:1].isalnum():
            last = self._buf[-1][-1:] if self._buf[-1] else ""
            if last.isascii() and last.isalnum():
                data = " " + data  # two glyph runs of one line: words
        self._buf.append(data)
        if self._h1 is not None:
            self._h1.append(data)


def html_doc(raw: str) -> HtmlDoc:
    """The lines of an HTML page's content, in document order, and its first ``<h1>``."""
    positioned = len(_POSITIONED.findall(raw, 0, 200_000)) >= POSITIONED_MIN
    parser = _Parser(positioned)
    try:
        parser.feed(raw)
        parser.close()
    except (AssertionError, ValueError):  # html.parser on pathological input: keep what was read
        pass
    parser._flush()
    doc = parser.doc
    if any(line.main for line in doc.lines):
        doc.lines = [line for line in doc.lines if line.main]
    doc.lines = [line for line in doc.lines if not _CHROME_LINE.fullmatch(line.text.strip())]
    return doc


_CHROME_LINE = re.compile(
    r"(?:(?:私隱政策|私隐政策|重要告示|版權告示|版权告示|網站地圖|网站地图|無障礙|无障碍|主頁|主页|返回頁首|返回页首|聯絡我們|联络我们|"
    r"Privacy Policy|Important Notices?|Copyright(?: Notice)?|Sitemap|Site Map|Accessibility|Home|Back to top|Contact Us|"
    r"(?:Copyright\s*)?©\s*\d{0,4}|\d{4}\s*©|[|·•>/]|\s)+)",
    re.IGNORECASE,
)
"""A line that is only a site's chrome (footer links, copyright) in a page that does not mark it."""
