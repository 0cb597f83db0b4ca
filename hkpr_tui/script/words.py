"""Words: where a release's text splits into words, in canonical offsets, the same in every script.

The segmenter is jieba (its dictionary is Simplified, and ships in its wheel, so this works
offline). We segment the 简 view of the canonical text (``views.script_view(text, script,
"hans")``) and map each word boundary back to canonical offsets through the view's offset map,
so 原文, 繁 and 简 share one set of boundaries. A boundary that falls inside a phrase OpenCC
replaced as a unit has no canonical counterpart and is dropped (the phrase stays one word).

Runs of Latin letters and digits stay whole, with the joiners inside figures and codes
(``3,000``, ``1.5``, ``2026-27``, ``5G``, ``AI``, ``HK$``): jieba alone splits ``3,000`` in three.

jieba and its dictionary load on first use (about a second, then jieba keeps a cache of the
dictionary in the temporary folder), never when hkpr_tui is imported. Results are cached per
text (LRU), so moving the cursor word by word costs a binary search.

    word_bounds(text, script)              -> sorted canonical boundaries, 0 and len(text) included
    word_at(text, script, offset)          -> (start, end) of the word at offset, or None
    next_word_start(text, script, offset)  -> start of the next word after offset, else len(text)
    previous_word_start(text, script, offset) -> start of the word before offset, else 0
    words(text, script)                    -> every word's (start, end), spaces and punctuation left out
    preload()                              -> load the segmenter now (call it in a worker)

``script`` is the release's script (``"hant"``, ``"hans"`` or ``"mixed"``), as for script views.
Headless: no UI code.
"""

from __future__ import annotations

import bisect
import itertools
import logging
import re
import threading
import unicodedata
from functools import lru_cache
from typing import Any

from hkpr_tui.script.views import script_view

CACHE_SIZE = 32
# Latin letters and digits (ASCII and full-width), with the joiners of figures and codes between them
_WHOLE = re.compile(
    r"(?:HK\$|US\$|[A-Za-z0-9０-９Ａ-Ｚａ-ｚ])+"
    r"(?:[.,，．:\-－/][A-Za-z0-9０-９Ａ-Ｚａ-ｚ]+|[%％])*"
)

_lock = threading.Lock()
_loaded: dict[str, Any] = {}  # "tokenizer" once made


def _segmenter() -> Any:
    """jieba's tokenizer, made on first use (its dictionary loads on the first cut)."""
    with _lock:  # one thread loads; the others wait for it
        if "tokenizer" not in _loaded:
            import jieba  # type: ignore[import-untyped]  # lazily: the dictionary is 5 MB

            jieba.setLogLevel(logging.WARNING)  # jieba reports its loading on stderr at DEBUG
            tokenizer = jieba.Tokenizer()
            tokenizer.initialize()
            _loaded["tokenizer"] = tokenizer
        return _loaded["tokenizer"]


def preload() -> None:
    """Load jieba and its dictionary now (about a second): for a worker, so the first word
    movement in the UI thread does not wait for it."""
    _segmenter()


def _is_word(piece: str) -> bool:
    """A token that holds a letter or digit of any script (not spaces or punctuation only)."""
    return any(unicodedata.category(c)[0] in "LN" for c in piece)


def _view_bounds(view_text: str) -> list[int]:
    """Token boundaries of the (Simplified) view text, in view offsets."""
    bounds = [0]
    pos = 0
    for token in _segmenter().cut(view_text, HMM=True):
        if not token:
            continue
        found = view_text.find(token, pos)
        if found != pos:  # jieba gives back every character in order; if not, resynchronise
            if found < 0:
                break
            bounds.append(found)
        pos = found + len(token)
        bounds.append(pos)
    bounds.append(len(view_text))
    return sorted(set(bounds))


@lru_cache(maxsize=CACHE_SIZE)
def _segments(text: str, script: str) -> tuple[tuple[int, ...], tuple[bool, ...]]:
    """Canonical boundaries and, for each piece between two of them, whether it is a word."""
    if not text:
        return (0,), ()
    view = script_view(text, script, "hans")
    bounds: set[int] = {0, len(text)}
    for b in _view_bounds(view.text):
        start, end = view.to_canonical(b, b)
        if start == end:  # inside a phrase OpenCC replaced as a unit: no canonical position
            bounds.add(start)
    for m in _WHOLE.finditer(text):  # Latin words and figures stay whole
        bounds.difference_update(range(m.start() + 1, m.end()))
        bounds.update((m.start(), m.end()))
    ordered = tuple(sorted(b for b in bounds if 0 <= b <= len(text)))
    words = tuple(_is_word(text[a:b]) for a, b in itertools.pairwise(ordered))
    return ordered, words


def word_bounds(text: str, script: str) -> list[int]:
    """Sorted canonical offsets where words (and runs of spaces or punctuation) begin and end;
    always holds 0 and ``len(text)``."""
    return list(_segments(text, script)[0])


def word_at(text: str, script: str, offset: int) -> tuple[int, int] | None:
    """The canonical span of the word holding ``offset`` (the character at it), or None on
    spaces, punctuation or outside the text."""
    if not 0 <= offset < len(text):
        return None
    bounds, words = _segments(text, script)
    i = bisect.bisect_right(bounds, offset) - 1
    if i < 0 or i >= len(words) or not words[i]:
        return None
    return bounds[i], bounds[i + 1]


def next_word_start(text: str, script: str, offset: int) -> int:
    """Where the next word after ``offset`` starts (a cursor moving one word right), else ``len(text)``."""
    bounds, words = _segments(text, script)
    i = bisect.bisect_right(bounds, max(offset, -1))
    for j in range(i, len(words)):
        if words[j]:
            return bounds[j]
    return len(text)


def previous_word_start(text: str, script: str, offset: int) -> int:
    """Where the word before ``offset`` starts, or the word ``offset`` is inside (a cursor
    moving one word left), else 0."""
    bounds, words = _segments(text, script)
    i = bisect.bisect_left(bounds, min(offset, len(text) + 1)) - 1
    for j in range(min(i, len(words) - 1), -1, -1):
        if words[j]:
            return bounds[j]
    return 0


def words(text: str, script: str) -> list[tuple[int, int]]:
    """Every word's canonical span, in order (spaces and punctuation left out)."""
    bounds, flags = _segments(text, script)
    return [(bounds[i], bounds[i + 1]) for i, flag in enumerate(flags) if flag]
