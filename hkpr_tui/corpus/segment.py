"""Sentences with code-point offsets into the canonical text.

A sentence ends at 。！？ (or ASCII ! ?), taking any closing quotes and brackets right after it
(「……。」 ends after 」), and at the end of its paragraph. The ASCII full stop is not a sentence
end: it sits inside figures (1.34 億), abbreviations (GenA.I.) and addresses (www.hkstp.org), and
Chinese press releases end sentences with 。. Commas, hyphens and colons never split, so 3,000 and
2024-25 stay whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_SENTENCE_END = re.compile(r"[。！？!?]+[」』”’）)》〉】\"']*")


def sentence_spans(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Sentences of ``text[start:end]`` (one paragraph) as (start, end), white space trimmed."""
    pos = start
    for match in _SENTENCE_END.finditer(text, start, end):
        yield from _trimmed(text, pos, match.end())
        pos = match.end()
    yield from _trimmed(text, pos, end)


def _trimmed(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        yield start, end
