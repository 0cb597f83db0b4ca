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


@lru_cache(maxsize=65536)
def _prefixed(ch: str) -> tuple[str, str, str, str, str, str, str, str]:
    """A character's feature strings at each relative position, its class feature, token and class."""
    token, cls = _token_class(ch)
    return ("c=" + token, "c-1=" + token, "c+1=" + token, "c-2=" + token, "c+2=" + token, "k=" + cls, token, cls)


_WORD = {"B": "w=B", "I": "w=I", "E": "w=E", "S": "w=S"}


def features(text: str, bounds: Sequence[int]) -> list[list[str]]:
    """One list of feature strings per character of ``text`` (built column by column: the
    suggestion latency of a 15,000-character release is mostly this and CRFsuite reading it)."""
    n = len(text)
    if n == 0:
        return []
    cells = [_prefixed(ch) for ch in text]
    t = [PAD_BEFORE, *(c[6] for c in cells), PAD_AFTER]  # t[i + 1] is character i
    k = ["^", *(c[7] for c in cells), "$"]
    w = word_positions(n, bounds)
    c0 = [c[0] for c in cells]
    before1 = ["c-1=" + PAD_BEFORE, *(c[1] for c in cells[:-1])]
    after1 = [*(c[2] for c in cells[1:]), "c+1=" + PAD_AFTER]
    before2 = ["c-2=" + PAD_BEFORE] * min(2, n) + [c[3] for c in cells[:-2]]
    after2 = [c[4] for c in cells[2:]] + ["c+2=" + PAD_AFTER] * min(2, n)
    bigrams = [a + b for a, b in itertools.pairwise(t)]  # bigrams[i]: characters i-1 and i
    left = ["b-=" + b for b in bigrams[:-1]]
    right = ["b+=" + b for b in bigrams[1:]]
    cls = [c[5] for c in cells]
    classes = ["kk=" + a + b + c for a, b, c in zip(k, k[1:], k[2:])]
    word = [_WORD[p] for p in w]
    word_char = ["wc=" + p + tok for p, tok in zip(w, t[1:])]
    return list(map(list, zip(c0, before1, after1, before2, after2, left, right, cls, classes, word, word_char)))


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
