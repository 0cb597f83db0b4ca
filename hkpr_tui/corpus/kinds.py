"""What a file is, from its content: a feed, an HTML page, Markdown or plain text.

The extension is only a tie-breaker: HTML is often saved as .txt or .md, Markdown as .txt, and a
.html file may hold plain text. Also here: YAML front matter, told apart as a converter's (its
keys describe the conversion: ``source: docx``, ``fileId``, ``processTime``) or an article's
(``title:``, ``date:``, ``author:``), whose values are the release's own metadata.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PROLOG = re.compile(r"^(?:\ufeff)?\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*", re.DOTALL)
_FEED_ROOT = re.compile(r"<(?:rss|feed|rdf:RDF)\b", re.IGNORECASE)
_FEED_ITEM = re.compile(r"<(?:item|entry)\b", re.IGNORECASE)
_HTML_START = re.compile(r"<(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE)
_HTML_TAG = re.compile(
    r"</?(?:p|div|span|br|table|tr|td|li|ul|ol|h[1-6]|a|img|section|article|header|footer|nav|main|meta|link|script|style)\b[^>]*>",
    re.IGNORECASE,
)
_MD_SIGNS = re.compile(r"^(?:#{1,6} |[-*+] |> |```)|\*\*\S|\]\(|^---\s*$", re.MULTILINE)

_FRONT_MATTER = re.compile(r"\A\ufeff?(?:[ \t]*\n)*---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_YAML_LINE = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*(.*?)\s*$")
_CONVERTER_KEYS = frozenset(
    "fileid file_id processtime process_time pagecount page_count converter generator producer creator".split()
)
_CONVERTER_SOURCES = re.compile(
    r"^(?:docx?|pdf|html?|pptx?|rtf|odt|word|markdown|md|ocr|[\w-]*(?:writer|enhanced|converter)[\w-]*)$", re.IGNORECASE
)
_ARTICLE_KEYS = frozenset("title date author published pubdate publish_date byline".split())


def detect_kind(text: str, suffix: str = "") -> str:
    """``"feed"``, ``"html"``, ``"markdown"`` or ``"text"``, from the content first."""
    head = text[:4096]
    prolog = _PROLOG.match(head)
    start = head[prolog.end() if prolog else 0 :]
    if _FEED_ROOT.match(start) or (
        head.lstrip("\ufeff \t\r\n").startswith("<?xml") and _FEED_ITEM.search(text, 0, 200_000)
    ):
        return "feed"
    if _HTML_START.match(start):
        return "html"
    if start.startswith("<") and len(_HTML_TAG.findall(head)) >= 3 and not _MD_SIGNS.search(head):
        return "html"
    if front_matter(text)[0] is not None or _MD_SIGNS.search(head):
        return "markdown"
    suffix = suffix.lower()
    if suffix in (".html", ".htm", ".xhtml") and _HTML_TAG.search(head):
        return "html"
    return "markdown" if suffix in (".md", ".markdown") else "text"


@dataclass(frozen=True)
class FrontMatter:
    fields: dict[str, str]
    article: bool  # the release's own metadata (title, date …), not a converter's


def front_matter(text: str) -> tuple[FrontMatter | None, str]:
    """The YAML front matter at the start of ``text`` (top-level scalar keys), and the rest."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return None, text
    fields: dict[str, str] = {}
    lines = match.group(1).split("\n")
    if not any(_YAML_LINE.match(line) for line in lines):
        return None, text
    for line in lines:
        if line[:1] in (" ", "\t", "-"):
            continue  # nested values and lists (tags) are not metadata hkpr uses
        m = _YAML_LINE.match(line)
        if m:
            value = m.group(2)
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            fields[m.group(1).lower()] = value.strip()
    keys = set(fields)
    converter = bool(keys & _CONVERTER_KEYS) or bool(_CONVERTER_SOURCES.match(fields.get("source", "")))
    article = bool(keys & _ARTICLE_KEYS) and not converter
    # What follows keeps its line count, so line numbers in the body stay meaningful.
    return FrontMatter(fields, article), "\n" * match.group(0).count("\n") + text[match.end() :]
