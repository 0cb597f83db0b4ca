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

PARAGRAPH_SEPARATOR = "\n\n"

_ANSI = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])"
    r"|\x9b[0-?]*[ -/]*[@-~]"  # the 8-bit CSI: the whole sequence, not only its first byte
    r"|\x9d[^\x07\x9c]*[\x07\x9c]"  # the 8-bit OSC
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u200e\u200f\u2060\ufeff\ufdd0-\ufdef]")
_SPACES = re.compile(r"[ \t\f\v\u00a0\u2000-\u200a\u202f\u205f]+")
_MD_HEADING = re.compile(r"^(#{1,6})(?:\s+|$)")
_URL = r"(?:[^()\s]|\([^()\s]*\))*"  # a link target, with balanced parentheses: …Annex%20(Chi).pdf
_MD_IMAGE = re.compile(rf"!\[[^\]\n]*\]\(\s*{_URL}(?:\s+\"[^\"\n]*\")?\s*\)")
_MD_EMPTY_LINK = re.compile(rf"\[\s*\]\(\s*{_URL}(?:\s+\"[^\"\n]*\")?\s*\)")
_MD_LINK = re.compile(rf"\[([^\]\n]+)\]\(\s*{_URL}(?:\s+\"[^\"\n]*\")?\s*\)")
_MD_REF_DEF = re.compile(r"^\s*\[[^\]\n]+\]:\s+\S+.*$", re.MULTILINE)
_MD_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]+)>")
_MD_STRONG = re.compile(r"\*\*+|(?<![\w])__+|__+(?![\w])")
_MD_EM = re.compile(r"(?<![\w*\\])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])|(?<![\w\\])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w])")
_MD_BOLD_LINE = re.compile(r"^[ \t]*\*\*(?!\*)([^\n]*?[^\s*][^\n]*?)\*\*[ \t]*$", re.MULTILINE)
_MD_FENCE = re.compile(r"^\s*(?:```|~~~).*$", re.MULTILINE)
_MD_LIST = re.compile(r"^(?:[-*+])\s+")
_MD_QUOTE = re.compile(r"^(?:>\s?)+")
_RULE_CHARS = frozenset("#*-_=|:~ —─━–")
_MD_ESCAPE = re.compile(r"\\+([\\`*_{}\[\]()#+\-.!|<>])")
_INLINE_CODE = re.compile(r"`([^`\n]+)`")
_PAGE_NUMBER = re.compile(
    r"^(?:[-–—]?\s*\d{1,3}\s*[-–—]?|第\s*\d{1,3}\s*[頁页]|[Pp]age\s+\d{1,3}(?:\s+of\s+\d{1,3})?|\d{1,3}\s*/\s*\d{1,3}|"
    r"第\s*\d{1,3}\s*[頁页]\s*[,，/]?\s*共\s*\d{1,3}\s*[頁页]|[-–—]\s*\d{1,3}\s*[-–—])$"
)
_BULLET = re.compile(r"^[●•▪■◆◇○◎※]")
_URL_LINE = re.compile(r"^(?:https?://|mailto:|www\.)\S*$")
_CONVERTER_LINE = re.compile(
    r"^(?:source|file_?id|process_?time|page_?count|converter|generator|created_?at|updated_?at|producer|creator|"
    r"conversion_?date|original_?filename|file_?name)\s*[:：]\s*\S*$",
    re.IGNORECASE,
)
"""A converter's own metadata line (``source: docx``, ``fileId: …``): never text of the release."""

# HTML that Markdown converters leave inline: removed, keeping the text between the tags.
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_HTML_DROP = re.compile(r"<(script|style|noscript|template|svg)\b[^>]*>.*?</\1\s*>", re.DOTALL | re.IGNORECASE)
_TAG_ATTRS = r"""(?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*\s*/?"""
_HTML_BR = re.compile(rf"<br{_TAG_ATTRS}>", re.IGNORECASE)
_HTML_BR_CLOSING_BOLD = re.compile(rf"<br{_TAG_ATTRS}>(\*\*|__)", re.IGNORECASE)
_HTML_BLOCK = re.compile(
    rf"</?(?:p|div|li|ul|ol|tr|table|thead|tbody|tfoot|h[1-6]|section|article|header|footer|main|blockquote|"
    rf"pre|hr|figure|figcaption|dd|dt|dl|caption|address|center|td|th|nav|aside){_TAG_ATTRS}>",
    re.IGNORECASE,
)
_HTML_INLINE = re.compile(
    rf"</?(?:a|img|span|b|strong|em|i|u|s|strike|sup|sub|font|small|big|mark|abbr|code|kbd|cite|q|ins|del|"
    rf"picture|source|video|audio|iframe|input|label|time|wbr|col|colgroup){_TAG_ATTRS}>",
    re.IGNORECASE,
)
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")

_TERMINAL = "。！？!?；;…"
_CLOSERS = "」』”’）)】〉》\"'"
_COLONS = "：:︰"
_CONTINUE_AT_END = "，,、（(《「『“‘【〈—–-"
_STARTS_CLOSING = re.compile(r"^[，。、；：！？」』）》,.;:!?]")
_CLAUSE = re.compile(r"[，,、]")
_CLAUSE_WIDE = re.compile(r"[，、]")
_ABBREVIATIONS = frozenset("mr mrs ms dr prof no nos st co ltd inc jr sr vs e.g i.e etc p.m a.m u.s hon".split())
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
    indented: bool = False  # starts with an indent in a document where most lines do not: a new paragraph


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
    h1: str | None = None  # an HTML page's first <h1>: the release's own title


def clean(raw: str, fmt: str = "text") -> Cleaned:
    """Clean ``raw`` (``fmt``: "text", "markdown" or "html") into canonical text and paragraphs."""
    h1 = None
    pdf = False
    if fmt == "html":
        lines, h1, pdf = html_lines(raw)
    else:
        lines = text_lines(raw, markdown=fmt == "markdown")
    paragraphs = join_lines(lines)
    if pdf:
        paragraphs = [Line(rejoin_pdf_numbers(p.text), p.kind) for p in paragraphs]
    return _assemble(paragraphs, h1)


# -- step 1: lines ------------------------------------------------------------------------


def sanitize(text: str) -> str:
    """Drop terminal escape sequences and control characters; keep newlines and tabs."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    text = _ANSI.sub("", text)
    return _CONTROLS.sub("", text)


def _soft_break(match: re.Match[str]) -> str:
    """A ``<br>`` inside a Markdown paragraph: the two sides are one line (converters break titles)."""
    text = match.string
    # the characters either side, looking past emphasis markers and a link's bracket (**, _, [)
    before = text[max(0, match.start() - 8) : match.start()].rstrip("*_ ")[-1:] or "\n"
    after = text[match.end() : match.end() + 8].lstrip("*_[ ")[:1] or "\n"
    if before in ":：":  # a label and its value (媒體查詢請聯繫:<br />李澤林): lines of a contact block
        return "\n"
    if (before.isascii() and before.isalnum()) or (after.isascii() and after.isalnum()):
        return " "  # never glue a Latin word to its neighbour (Jason Li<br />市場 → Jason Li 市場)
    return ""


def strip_inline_html(text: str) -> str:
    """HTML tags that converters leave in Markdown or text: block tags end a line, the rest go."""
    if "<" not in text:
        return text
    text = _HTML_COMMENT.sub("", text)
    text = _HTML_DROP.sub("", text)
    text = _MD_AUTOLINK.sub(r"\1", text)
    text = _HTML_BR_CLOSING_BOLD.sub(r"\1\n", text)  # **標題<br />**正文: the bold heading ends the line
    text = _HTML_BR.sub(_soft_break, text)
    text = _FIGCAPTION.sub(lambda m: f"\n{_CAPTION}{m.group(1)}\n", text)
    text = _HTML_BLOCK.sub(f"\n{_BLOCK_END}\n", text)
    return _HTML_INLINE.sub("", text)


_FIGCAPTION = re.compile(rf"<figcaption{_TAG_ATTRS}>(.*?)</figcaption\s*>", re.IGNORECASE | re.DOTALL)
_CAPTION = "\ufdd0"  # marks a line that is a caption (a figure's), in text_lines
_BLOCK_END = "\ufdd1"  # marks the end of an HTML block: the next line starts a paragraph


def _reduce_markdown(text: str) -> str:
    """Inline Markdown to text, over a whole document (no pattern crosses a line break)."""
    text = _MD_FENCE.sub("", text)
    text = _MD_REF_DEF.sub("", text)
    text = strip_inline_html(text)
    text = _MD_IMAGE.sub("", text)
    text = _MD_EMPTY_LINK.sub("", text)
    text = _MD_LINK.sub(lambda m: m.group(1).strip(), text)
    text = _INLINE_CODE.sub(r"\1", text)
    text = _MD_BOLD_LINE.sub(r"# \1", text)  # a line that is all bold: a DOCX heading
    text = _MD_STRONG.sub("", text)
    text = _MD_EM.sub(lambda m: m.group(1) or m.group(2), text)
    return _MD_ESCAPE.sub(r"\1", _SPACES.sub(" ", text))


def _line_kind(line: str) -> tuple[str, str]:
    heading = _MD_HEADING.match(line)
    if heading:
        return line[heading.end() :].rstrip("#").strip(), "heading"
    if _BULLET.match(line):
        return line, "bullet"
    if _URL_LINE.match(line):
        return line, "link"
    return line, "text"


def _unescape(text: str) -> str:
    return html.unescape(text) if "&" in text and _ENTITY.search(text) else text


def _keep(line: str) -> bool:
    return (
        bool(line) and not _PAGE_NUMBER.match(line) and not set(line) <= _RULE_CHARS and not _CONVERTER_LINE.match(line)
    )


def text_lines(raw: str, markdown: bool = True) -> list[Line]:
    """Lines of a plain-text or Markdown file, markup reduced, page numbers and blanks dropped.

    Plain text gets the same reduction: files saved as .txt are often Markdown or carry HTML.
    """
    out: list[Line] = []
    physicals = _unescape(_reduce_markdown(sanitize(raw))).split("\n")
    indents = [bool(_INDENT.match(p)) for p in physicals if p.strip()]
    use_indent = 0 < sum(indents) <= 0.6 * len(indents)
    block_ended = False
    for physical in physicals:
        if physical == _BLOCK_END:
            block_ended = True
            continue
        indented = (use_indent and bool(_INDENT.match(physical))) or block_ended
        block_ended = False
        caption = physical.startswith(_CAPTION)
        if caption:
            physical = physical[1:]
        quoted = bool(_MD_QUOTE.match(physical.strip()))
        physical = _MD_QUOTE.sub("", physical.strip())
        item = _MD_LIST.sub("", physical)
        indented = indented or (markdown and len(item) < len(physical))  # a list item starts a paragraph
        line, kind = _line_kind(item)
        line = _SPACES.sub(" ", line).strip()
        if quoted and line[:1] in "（(" and line[-1:] in "）)":
            caption = True  # > *（用戶介面截圖：…）*: a quoted caption under an image is its own line
        if caption:
            kind = "bullet"
        if "|" in line and line.startswith("|"):
            line = " ".join(cell.strip() for cell in line.strip("|").split("|") if cell.strip())
        if not _keep(line):
            continue
        out.append(Line(line, kind, indented))
    return out


_INDENT = re.compile(r"^(?:\t| {2,}|\u3000)\S")


def html_lines(raw: str) -> tuple[list[Line], str | None, bool]:
    """Lines of an HTML page's content (see ``html_text``), its ``<h1>``, and whether it is a PDF
    conversion (whose lines are then joined like a PDF copy's)."""
    from hkpr_tui.corpus.html_text import html_doc

    doc = html_doc(raw)
    out: list[Line] = []
    for line in doc.lines:
        if line.kind == "pre":
            out.extend(text_lines(line.text, markdown=True))
            continue
        if doc.positioned:
            text = _SPACES.sub(" ", sanitize(line.text)).strip()
        else:
            text = _join_inline_newlines(line.text)
        if not _keep(text):
            continue
        kind = line.kind
        if kind == "html" and _BULLET.match(text):
            kind = "bullet"
        elif kind == "html" and doc.positioned:
            kind = "text"
        out.append(Line(text, kind))
    return out, doc.h1, doc.positioned


def _join_inline_newlines(text: str) -> str:
    """Inside one HTML block a newline is white space: none between wide characters, else a space."""
    parts = [_SPACES.sub(" ", p).strip() for p in sanitize(text).split("\n")]
    out = ""
    for part in filter(None, parts):
        out = _joined(out, part, trailing_space=True) if out else part
    return out


_PDF_THOUSANDS = re.compile(r"(?<=\d) ?([,，]) ?(?=\d{3}(?!\d))")
_PDF_DIGIT_RUN = re.compile(r"(?<![\d.])\d+(?: \d+)+(?![\d.])")


def _digit_run(match: re.Match[str]) -> str:
    groups = match.group().split(" ")
    if all(len(g) == 4 for g in groups) and len(groups) == 2:
        return match.group()  # 3949 4002: a phone number as it is written
    digits = "".join(groups)
    if len(digits) == 8 and len(groups) > 2:
        return digits[:4] + " " + digits[4:]  # a Hong Kong phone number, split by the layout
    return digits


def rejoin_pdf_numbers(text: str) -> str:
    """Numbers a PDF layout split apart, put back: ``2 , 000`` → 2,000, ``9 00`` → 900,
    ``（85 2）31 66 3 6 2 6`` → （852）3166 3626."""
    text = _PDF_THOUSANDS.sub(r"\1", text)
    return _PDF_DIGIT_RUN.sub(_digit_run, text)


# -- step 2: paragraphs -------------------------------------------------------------------


def _wrap_width(lines: list[Line]) -> int:
    """The width of the document's longest lines (90th percentile), a hard-wrapped line's width."""
    widths = sorted(cell_width(line.text) for line in lines if line.kind == "text")
    if len(widths) < 5:
        return 10**9
    return widths[int(len(widths) * 0.9)]


def _ends_sentence(text: str) -> bool:
    stripped = text.rstrip(_CLOSERS)
    if not stripped:
        return False
    if stripped[-1] == "." and len(stripped) > 1 and not _is_wide(stripped[-2]):
        # An English sentence ends at a full stop, except after an abbreviation (Mr., No.) or an initial.
        word = stripped[:-1].rsplit(None, 1)[-1].lower() if stripped[:-1].strip() else ""
        return bool(word) and word not in _ABBREVIATIONS and not (len(word) == 1 and word.isalpha())
    return stripped[-1] in _TERMINAL or text[-1] in _COLONS


def _unclosed(text: str) -> bool:
    return any(text.count(opener) > text.count(closer) for opener, closer in _PAIRS.items())


def _continues(paragraph: str, line: Line, following: Line | None, wrap_width: int) -> bool:
    """Whether the paragraph that ``line`` just extended goes on into ``following``."""
    if following is None or line.kind != "text" or following.kind != "text" or following.indented:
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
    wide = _is_wide(paragraph[-1]) or _is_wide(following.text[0])
    return bool((_CLAUSE if wide else _CLAUSE_WIDE).search(paragraph))


def _joined(left: str, right: str, trailing_space: bool) -> str:
    """Join two pieces of one sentence: no space between wide characters, one between words."""
    a, b = left[-1], right[0]
    if _is_wide(a) or _is_wide(b):
        return left + right
    if (a.isalnum() and b.isalnum()) or trailing_space or a in ",;:":
        return left + " " + right
    if a in '.!?)"”’' and (b.isalnum() or b in '(“‘"'):
        return left + " " + right  # information. The — never information.The
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


def _assemble(paragraphs: list[Line], h1: str | None = None) -> Cleaned:
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
    return Cleaned(PARAGRAPH_SEPARATOR.join(pieces), out, h1)
