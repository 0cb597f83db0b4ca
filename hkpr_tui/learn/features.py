"""Per-character features and BIO tags for the sequence labeller.

Each character gets: itself and its neighbours (±2), the bigrams around it, its character class
(CJK, digit, Latin, punctuation, space, other) and its neighbours' classes, and where it sits in
its word (B, I, E or S: word boundaries from ``script.words.word_bounds``). Characters that
cannot be a feature name as they are (controls, lone surrogates, unassigned code points) become
a token naming their kind, so any text gives valid features. Headless: no UI code.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

PAD_BEFORE = "^"
PAD_AFTER = "$"


@lru_cache(maxsize=65536)
def _token_class(ch: str) -> tuple[str, str]:
    """(token, class) of one character."""
    category = unicodedata.category(ch)
    if ch == "\n":
        return "<nl>", "S"
    if category[0] == "Z" or ch in "\t\r":
        return "<sp>", "S"
    if category in ("Cc", "Cf", "Cs", "Co", "Cn"):
        return f"<{category}>", "O"
    if category == "Nd":
        return ch, "D"
    if category[0] == "P" or category[0] == "S":
        return ch, "P"
    if category[0] == "L":
        if ch.isascii() or "ＡＢ" <= ch <= "ｚ" or unicodedata.name(ch, "").startswith("LATIN"):
            return ch, "L"
        if category == "Lo":
            return ch, "H"
        return ch, "L"
    return ch, "O"


def word_positions(length: int, bounds: Sequence[int]) -> list[str]:
    """B / I / E / S for each character, from sorted word boundaries (0 and ``length`` included)."""
    out = ["S"] * length
    for a, b in itertools.pairwise(bounds):
        a, b = max(a, 0), min(b, length)
        if b - a > 1:
            out[a] = "B"
            for i in range(a + 1, b - 1):
                out[i] = "I"
            out[b - 1] = "E"
    return out


def features(text: str, bounds: Sequence[int]) -> list[list[str]]:
    """One list of feature strings per character of ``text``."""
    n = len(text)
    if n == 0:
        return []
    pairs = [_token_class(ch) for ch in text]
    t = [PAD_BEFORE, PAD_BEFORE, *(p[0] for p in pairs), PAD_AFTER, PAD_AFTER]
    k = ["^", "^", *(p[1] for p in pairs), "$", "$"]
    w = word_positions(n, bounds)
    return [
        [
            "c=" + t[i + 2],
            "c-1=" + t[i + 1],
            "c+1=" + t[i + 3],
            "c-2=" + t[i],
            "c+2=" + t[i + 4],
            "b-=" + t[i + 1] + t[i + 2],
            "b+=" + t[i + 2] + t[i + 3],
            "k=" + k[i + 2],
            "kk=" + k[i + 1] + k[i + 2] + k[i + 3],
            "w=" + w[i],
            "wc=" + w[i] + t[i + 2],
        ]
        for i in range(n)
    ]


def bio(length: int, spans: Sequence[tuple[int, int, str]]) -> list[str]:
    """BIO tags for ``length`` characters; spans that overlap one kept before are left out
    (longest first, so a nested tag gives way to the one that holds it)."""
    tags = ["O"] * length
    for start, end, label in sorted(spans, key=lambda s: (-(s[1] - s[0]), s[0])):
        if not 0 <= start < end <= length or any(tag != "O" for tag in tags[start:end]):
            continue
        tags[start] = "B-" + label
        for i in range(start + 1, end):
            tags[i] = "I-" + label
    return tags


def spans(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """Chunks of a BIO sequence as (start, end, label), as seqeval reads IOB2: an I- after O or
    after another label starts a chunk."""
    out: list[tuple[int, int, str]] = []
    start, label = -1, ""
    for i, tag in enumerate([*tags, "O"]):
        kind, _, name = tag.partition("-")
        if start >= 0 and (kind != "I" or name != label):
            out.append((start, i, label))
            start = -1
        if kind == "B" or (kind == "I" and start < 0):
            start, label = i, name
    return out
