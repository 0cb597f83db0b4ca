"""Find files, and turn one file (or one text) into releases (``NewRelease``).

A file's kind is read from its content (``kinds.detect_kind``): a feed gives one release per item,
any other file one release. Metadata the file states in a trusted place (an article's front
matter, a page's ``<h1>``, a feed item's title and date) wins over what the text's conventions
give; a converter's front matter is dropped, never used.
"""

from __future__ import annotations

import hashlib
import html
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from hkpr_tui.corpus import neardup
from hkpr_tui.corpus.clean import clean
from hkpr_tui.corpus.decode import DecodeError, check_size, decode_bytes
from hkpr_tui.corpus.feed import feed_items
from hkpr_tui.corpus.kinds import detect_kind, front_matter
from hkpr_tui.corpus.metadata import _find_date, extract_metadata
from hkpr_tui.corpus.segment import sentence_spans
from hkpr_tui.models import NewRelease, ParagraphSpan, SentenceSpan
from hkpr_tui.script import detect_script

SUPPORTED_SUFFIXES = {
    ".txt": "text", ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html", ".xhtml": "html",
    ".xml": "feed", ".rss": "feed", ".atom": "feed",
}  # fmt: skip
KIND_NAMES = {"text": "plain text", "markdown": "Markdown", "html": "HTML", "feed": "RSS/Atom feed"}


@dataclass(frozen=True)
class ParsedFile:
    """What one file gives: its detected kind, its releases (a feed: one per item), warnings."""

    path: str
    kind: str  # "text" | "markdown" | "html" | "feed"
    encoding: str
    releases: list[NewRelease]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Skipped:
    """A path that was not imported, and why (a sentence for the user)."""

    path: str
    reason: str


def find_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path | Skipped]:
    """The importable files under ``paths`` (files, or folders searched recursively), in order.

    A named file of another type is reported as skipped; inside folders, other files and hidden
    ones are passed over silently (a folder of releases often holds images and PDFs too).
    """
    for entry in paths:
        path = Path(entry)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith(".") and Path(name).suffix.lower() in SUPPORTED_SUFFIXES:
                        yield Path(root) / name
        elif path.is_file():
            if path.suffix.lower() in SUPPORTED_SUFFIXES:
                yield path
            else:
                kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
                yield Skipped(str(path), f"unsupported file type '{path.suffix or '(none)'}' (hkpr reads {kinds})")
        elif path.exists():
            yield Skipped(str(path), "not a regular file")
        else:
            yield Skipped(str(path), "no such file or folder")


def read_path(path: Path) -> ParsedFile:
    """Read and parse one file; raises ``DecodeError`` with the reason it cannot be imported."""
    try:
        check_size(path.stat().st_size)
        data = path.read_bytes()
    except OSError as exc:
        raise DecodeError(f"cannot be read ({exc.strerror or exc})") from None
    decoded = decode_bytes(data)
    kind = detect_kind(decoded.text, path.suffix)
    releases = parse_document(decoded.text, kind=kind, source=str(path), encoding=decoded.encoding)
    return ParsedFile(str(path), kind, decoded.encoding, releases, decoded.warnings)


def parse_file(path: Path) -> NewRelease:
    """The release in one file (a feed's first item); raises ``DecodeError`` with the reason."""
    return read_path(path).releases[0]


def parse_document(raw: str, *, kind: str, source: str = "", encoding: str = "utf-8") -> list[NewRelease]:
    """The releases of one decoded file of a known kind (``detect_kind``)."""
    if kind != "feed":
        return [parse_text(raw, fmt=kind, source=source, encoding=encoding)]
    releases = []
    for n, item in enumerate(feed_items(raw), 1):
        body = item.body if "<" in item.body else item.body.replace("\n", "<br>")
        page = f"<h1>{html.escape(item.title)}</h1>\n<div>{body}</div>" if item.title else body
        try:
            releases.append(
                parse_text(page, fmt="html", source=f"{source}#{item.link or n}", encoding=encoding,
                           title=item.title or None, date=item.date, kind="feed item")
            )  # fmt: skip
        except DecodeError:
            continue  # an item with nothing readable in it
    if not releases:
        raise DecodeError("a feed with no item that has readable text")
    return releases


def parse_text(
    raw: str,
    *,
    fmt: str = "text",
    source: str = "",
    encoding: str = "utf-8",
    title: str | None = None,
    date: str | None = None,
    kind: str | None = None,
) -> NewRelease:
    """Parse decoded text into a release: canonical text, metadata, paragraphs, sentences.
    ``fmt`` is "text", "markdown", "html" or "auto" (detected from the content)."""
    if fmt == "auto":
        fmt = detect_kind(raw)
    body = raw
    if fmt in ("markdown", "text"):
        matter, body = front_matter(raw)
        if matter and matter.article:
            title = title or matter.fields.get("title") or None
            found = _find_date(matter.fields.get("date", ""), 0)
            date = date or (found[0] if found else None)
            kind = kind or "news article"
    cleaned = clean(body, "html" if fmt == "html" else ("markdown" if fmt == "markdown" else "text"))
    if not cleaned.text.strip():
        raise DecodeError("no readable text after cleaning (only markup, page numbers or white space)")
    paragraphs = [ParagraphSpan(p.start, p.end, p.kind, p.repeat_of) for p in cleaned.paragraphs]
    return _release(raw, cleaned.text, paragraphs, source=source, encoding=encoding,
                    title=title or cleaned.h1, date=date, kind=kind)  # fmt: skip


def _release(
    raw: str, text: str, paragraphs: list[ParagraphSpan], *, source: str, encoding: str, **known: str | None
) -> NewRelease:
    """Sentences, metadata, script and hashes for a canonical ``text`` split into ``paragraphs``.
    ``known`` metadata (title, organisation, date, kind, script) wins over what is extracted."""
    sentences = [
        SentenceSpan(index, start, end)
        for index, p in enumerate(paragraphs)
        for start, end in sentence_spans(text, p.start, p.end)
    ]
    meta = extract_metadata(
        [text[p.start : p.end] for p in paragraphs], [p.kind for p in paragraphs], known.get("kind")
    )

    def pick(name: str, extracted: str | None) -> str | None:
        given = known.get(name)
        return given if given is not None else extracted

    return NewRelease(
        source=source,
        encoding=encoding,
        raw_text=raw,
        text=text,
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        group_key=version_key(text),
        title=str(pick("title", meta.title)),
        organisation=pick("organisation", meta.organisation),
        date=pick("date", meta.date),
        kind=pick("kind", meta.kind),
        script=known.get("script") or detect_script(text),
        paragraphs=paragraphs,
        sentences=sentences,
    )


def version_key(text: str) -> str:
    """Texts that differ only in script (or white space) share this key: versions of one release."""
    folded = "".join(neardup.folded(text).split())
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


def release_from_text(
    text: str,
    *,
    source: str,
    title: str | None = None,
    organisation: str | None = None,
    date: str | None = None,
    kind: str | None = None,
    script: str | None = None,
) -> NewRelease:
    """A release whose canonical text is ``text`` exactly (no cleaning: offsets that came with it,
    from another tool, stay valid). Paragraphs are its blank-line-separated blocks (else its lines)."""
    if not text.strip():
        raise DecodeError("empty text")
    import re

    separator = re.compile(r"\n[ \t]*\n\s*") if "\n\n" in text else re.compile(r"\n+")
    paragraphs: list[ParagraphSpan] = []
    start = 0
    for m in [*separator.finditer(text), None]:
        end = m.start() if m else len(text)
        if text[start:end].strip():
            paragraphs.append(ParagraphSpan(start, end))
        if m:
            start = m.end()
    return _release(
        text, text, paragraphs, source=source, encoding="utf-8",
        title=title, organisation=organisation, date=date, kind=kind, script=script,
    )  # fmt: skip
