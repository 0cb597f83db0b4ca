"""Raw decoded text → the canonical reading text, split into paragraphs.

Texts copied from PDF and HTML arrive damaged: sentences hard-wrapped across lines (often with a
blank line after every line), page numbers on lines of their own, Markdown and HTML markup, stray
control characters. The steps, in order:

1. lines: newlines normalised, terminal escape sequences and control characters dropped,
   white space collapsed, markup reduced to text (``**x**`` → x, ``[x](url)`` → x; HTML tags
   become line breaks at block elements), lone page numbers and empty Markdown headings dropped.
2. paragraphs: a line ends its paragraph when it ends a sentence (。！？… or a closing quote after
   them, or a colon), when it is a heading, caption or bare link, or when it is short and shows no
   sign of an unfinished sentence. Otherwise it is joined to the next line: it ends with a comma or
   an open bracket, leaves 《「（ unclosed, already holds a clause (，、), is as wide as the
   document's wrapped lines, or the next line starts with closing punctuation.
3. paragraphs repeated verbatim (ignoring white space) are flagged with the index of the first.

The canonical text is the paragraphs joined by a blank line. All offsets are code points.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser

PARAGRAPH_SEPARATOR = "\n\n"

_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\ufeff]")
_SPACES = re.compile(r"[ \t\f\v\u00a0\u2000-\u200a\u202f\u205f]+")
_MD_HEADING = re.compile(r"^(#{1,6})(?:\s+|$)")
_MD_IMAGE = re.compile(r"!\[([^\]\n]*)\]\([^)\n]*\)")
_MD_LINK = re.compile(r"\[([^\]\n]+)\]\((?:[^)\s]*)\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)([^\n]+?)(?<=\S)\1")
_RULE_CHARS = frozenset("#*-_=|")
_MD_ESCAPE = re.compile(r"\\+([\\`*_{}\[\]()#+\-.!|])")
_PAGE_NUMBER = re.compile(
    r"^(?:[-–—]?\s*\d{1,3}\s*[-–—]?|第\s*\d{1,3}\s*[頁页]|[Pp]age\s+\d{1,3}(?:\s+of\s+\d{1,3})?|\d{1,3}\s*/\s*\d{1,3})$"
)
_BULLET = re.compile(r"^[●•▪■◆◇○◎※]")
_URL_LINE = re.compile(r"^(?:https?://|mailto:|www\.)\S*$")

_TERMINAL = "。！？!?；;…"
_CLOSERS = "」』”’）)】〉》\"'"
_COLONS = "：:︰"
_CONTINUE_AT_END = "，,、（(《「『“‘【〈—–-"
_STARTS_CLOSING = re.compile(r"^[，。、；：！？」』）》,.;:!?]")
_CLAUSE = re.compile(r"[，,、]")
_PAIRS = {"《": "》", "「": "」", "『": "』", "（": "）", "(": ")", "【": "】", "〈": "〉", "“": "”"}
_WIDE_FRACTION = 0.8

# East Asian Wide and Fullwidth ranges (what terminals draw two cells wide); a regex keeps this in C.
_WIDE_CHARS = re.compile(
    "[\u1100-\u115f\u231a\u231b\u2329\u232a\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff"
    "\ua000-\ua4cf\ua960-\ua97f\uac00-\ud7a3\uf900-\ufaff\ufe10-\ufe19\ufe30-\ufe6f\uff00-\uff60"
    "\uffe0-\uffe6\U0001f300-\U0001f64f\U0001f900-\U0001f9ff\U00020000-\U0003fffd]"
)


def cell_width(text: str) -> int:
    """Terminal cells ``text`` takes: two for each wide (CJK, full-width) character."""
    return len(text) + len(_WIDE_CHARS.findall(text))


def _is_wide(c: str) -> bool:
    return _WIDE_CHARS.match(c) is not None


@dataclass(frozen=True)
class Line:
    text: str
    kind: str  # "text" | "heading" | "bullet" | "link"


@dataclass(frozen=True)
class CleanParagraph:
    start: int
    end: int
    kind: str  # "text" | "heading" | "bullet" | "link"
    repeat_of: int | None  # index of the earlier paragraph this one repeats verbatim


@dataclass(frozen=True)
class Cleaned:
    text: str
    paragraphs: list[CleanParagraph]


def clean(raw: str, fmt: str = "text") -> Cleaned:
    """Clean ``raw`` (``fmt``: "text", "markdown" or "html") into canonical text and paragraphs."""
    lines = html_lines(raw) if fmt == "html" else text_lines(raw)
    paragraphs = join_lines(lines)
    return _assemble(paragraphs)


# -- step 1: lines ------------------------------------------------------------------------


def sanitize(text: str) -> str:
    """Drop terminal escape sequences and control characters; keep newlines and tabs."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    text = _ANSI.sub("", text)
    return _CONTROLS.sub("", text)


def _reduce_markdown(text: str) -> str:
    """Inline Markdown to text, over a whole document (no pattern crosses a line break)."""
    text = _MD_IMAGE.sub(r"\1", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_EMPHASIS.sub(r"\2", text)
    return _MD_ESCAPE.sub(r"\1", _SPACES.sub(" ", text))


def _line_kind(line: str) -> tuple[str, str]:
    heading = _MD_HEADING.match(line)
    if heading:
        return line[heading.end() :].strip(), "heading"
    if _BULLET.match(line):
        return line, "bullet"
    if _URL_LINE.match(line):
        return line, "link"
    return line, "text"


def text_lines(raw: str) -> list[Line]:
    """Lines of a plain-text or Markdown file, markup reduced, page numbers and blanks dropped."""
    out: list[Line] = []
    for physical in _reduce_markdown(sanitize(raw)).split("\n"):
        line, kind = _line_kind(physical.strip())
        if not line or _PAGE_NUMBER.match(line) or set(line) <= _RULE_CHARS:
            continue
        out.append(Line(line, kind))
    return out


_BLOCK_TAGS = frozenset(
    "p div br li ul ol tr td th table h1 h2 h3 h4 h5 h6 section article header footer "
    "blockquote pre hr title figcaption dd dt".split()
)
_HEADING_TAGS = frozenset("h1 h2 h3 h4 h5 h6 title".split())
_SKIP_TAGS = frozenset("script style head noscript template svg".split())


class _HTMLText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[Line] = []
        self._buf: list[str] = []
        self._kind = "text"
        self._skip = 0
        self._title_seen = False

    def _flush(self) -> None:
        text = "".join(self._buf)
        self._buf = []
        text = _join_inline_newlines(text)
        if text:
            self.lines.append(Line(text, self._kind))
        self._kind = "text"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS and not (tag == "head"):
            self._skip += 1
        if tag in _BLOCK_TAGS:
            self._flush()
            if tag in _HEADING_TAGS:
                self._kind = "heading"

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS and not (tag == "head"):
            self._skip = max(0, self._skip - 1)
        if tag in _BLOCK_TAGS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._buf.append(data)



def _join_inline_newlines(text: str) -> str:
    """Inside one HTML block a newline is white space: none between wide characters, else a space."""
    parts = [_SPACES.sub(" ", p).strip() for p in sanitize(text).split("\n")]
    out = ""
    for part in filter(None, parts):
        out = _joined(out, part, trailing_space=True) if out else part
    return out


def html_lines(raw: str) -> list[Line]:
    """Lines of an HTML file: one per block element, each a paragraph of its own."""
    parser = _HTMLText()
    parser.feed(raw)
    parser.close()
    parser._flush()
    out: list[Line] = []
    for line in parser.lines:
        text = html.unescape(line.text)
        if text and not _PAGE_NUMBER.match(text):
            kind = line.kind
            if kind == "text" and _BULLET.match(text):
                kind = "bullet"
            out.append(Line(text, "heading" if kind == "heading" else ("html" if kind == "text" else kind)))
    return out


# -- step 2: paragraphs -------------------------------------------------------------------



def _wrap_width(lines: list[Line]) -> int:
    """The width of the document's longest lines (90th percentile), a hard-wrapped line's width."""
    widths = sorted(cell_width(line.text) for line in lines if line.kind == "text")
    if len(widths) < 5:
        return 10**9
    return widths[int(len(widths) * 0.9)]


def _ends_sentence(text: str) -> bool:
    stripped = text.rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] in _TERMINAL or text[-1] in _COLONS


def _unclosed(text: str) -> bool:
    for opener, closer in _PAIRS.items():
        if text.count(opener) > text.count(closer):
            return True
    return False


def _continues(paragraph: str, line: Line, following: Line | None, wrap_width: int) -> bool:
    """Whether the paragraph that ``line`` just extended goes on into ``following``."""
    if following is None or line.kind != "text" or following.kind != "text":
        return False
    if _STARTS_CLOSING.match(following.text):
        return True
    wrapped = cell_width(line.text) >= _WIDE_FRACTION * wrap_width
    if _ends_sentence(paragraph):
        # A quote of several sentences, hard-wrapped, can have a line end at an inner 。
        return wrapped and _unclosed(paragraph)
    if wrapped:
        return True
    if paragraph[-1] in _CONTINUE_AT_END or _unclosed(paragraph):
        return True
    return bool(_CLAUSE.search(paragraph))


def _joined(left: str, right: str, trailing_space: bool) -> str:
    """Join two pieces of one sentence: no space between wide characters, one between words."""
    a, b = left[-1], right[0]
    if _is_wide(a) or _is_wide(b):
        return left + right
    if a.isalnum() and b.isalnum() or trailing_space or a in ",;:" :
        return left + " " + right
    return left + right


def join_lines(lines: list[Line]) -> list[Line]:
    """Join hard-wrapped lines into paragraphs (see the module docstring for the rules).

    A caption (a bullet line) that interrupts an unfinished sentence is moved after the
    paragraph it interrupted: PDF and web layouts drop photo captions mid-sentence.
    """
    wrap_width = _wrap_width(lines)
    paragraphs: list[Line] = []
    deferred: list[Line] = []
    current: str | None = None
    kind = "text"
    i = 0
    while i < len(lines):
        line = lines[i]
        if current is None:
            current, kind = line.text, line.kind
        else:
            current = _joined(current, line.text, trailing_space=False)
        j = i + 1
        while j < len(lines) and lines[j].kind == "bullet" and line.kind == "text":
            j += 1
        following = lines[j] if j < len(lines) else None
        if j > i + 1 and _continues(current, line, following, wrap_width):
            deferred.extend(lines[i + 1 : j])
        elif not _continues(current, line, lines[i + 1] if i + 1 < len(lines) else None, wrap_width):
            paragraphs.append(Line(current, "text" if kind == "html" else kind))
            paragraphs.extend(deferred)
            current, deferred, j = None, [], i + 1
        i = j
    if current is not None:
        paragraphs.append(Line(current, "text" if kind == "html" else kind))
    paragraphs.extend(deferred)
    return paragraphs


# -- step 3: assemble ---------------------------------------------------------------------


def _assemble(paragraphs: list[Line]) -> Cleaned:
    seen: dict[str, int] = {}
    out: list[CleanParagraph] = []
    pieces: list[str] = []
    pos = 0
    for index, para in enumerate(paragraphs):
        if pieces:
            pos += len(PARAGRAPH_SEPARATOR)
        key = "".join(para.text.split())
        repeat_of = seen.get(key) if len(key) >= 20 else None
        if repeat_of is None and len(key) >= 20:
            seen[key] = index
        out.append(CleanParagraph(pos, pos + len(para.text), para.kind, repeat_of))
        pieces.append(para.text)
        pos += len(para.text)
    return Cleaned(PARAGRAPH_SEPARATOR.join(pieces), out)
