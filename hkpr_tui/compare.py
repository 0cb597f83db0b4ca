"""Compare two releases: align their paragraphs and find the figures that changed. No UI code.

Both texts are compared after script folding (Traditional → Simplified, one character for one,
so offsets stay canonical), which lets a 2024 Simplified release line up with a 2026 Traditional
one.

* Alignment: paragraphs are scored by the overlap of their character bigrams (Dice), and a
  monotonic alignment (no crossing pairs, gaps allowed) maximising the total score is found by
  dynamic programming. Pairs scoring under ``MIN_SIMILARITY`` are not aligned.
* Figures: a number (Arabic digits with , and .) with the unit right after it (億元, 間, %,
  PFLOPS …). In an aligned pair, a figure whose (number, unit) does not occur on the other side
  changed; same-unit figures are paired up for the list of changes (190 间 ↔ 500 間).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from hkpr_tui.annotate.pii import find_pii
from hkpr_tui.models import ParagraphSpan
from hkpr_tui.script import fold

MIN_SIMILARITY = 0.12
_GAP = 0.0

_UNITS = (
    "億元|亿元|萬元|万元|千萬|千万|億|亿|萬|万|港元|美元|元|間|间|家|個|个|名|人|項|项|宗|次|年|倍|成|%|％|"
    "PFLOPS|平方米|公頃|公顷|平方呎|個國家|个国家|國家|国家|個市場|个市场|市場|市场"
)
_FIGURE = re.compile(rf"(?<![\d.,])(\d[\d,]*(?:\.\d+)?)\s*({_UNITS})?")


@dataclass(frozen=True)
class Figure:
    start: int  # canonical offsets of the whole figure (number and unit)
    end: int
    value: str  # the number without thousands separators
    unit: str  # folded unit, "" when none

    @property
    def key(self) -> tuple[str, str]:
        return self.value, self.unit


@dataclass(frozen=True)
class FigureChange:
    pair: int  # index into the alignment
    left: Figure | None
    right: Figure | None


@dataclass(frozen=True)
class Comparison:
    pairs: list[tuple[int, int]]  # (left paragraph, right paragraph), both increasing
    changes: list[FigureChange]

    def right_for(self, left: int) -> int | None:
        return _nearest(self.pairs, left, 0, 1)

    def left_for(self, right: int) -> int | None:
        return _nearest(self.pairs, right, 1, 0)


def _nearest(pairs: list[tuple[int, int]], index: int, src: int, dst: int) -> int | None:
    """The aligned partner of paragraph ``index``, or of the closest aligned paragraph before it."""
    best = None
    for pair in pairs:
        if pair[src] <= index:
            best = pair[dst]
        else:
            break
    return best if best is not None else (pairs[0][dst] if pairs else None)


def _bigrams(text: str) -> Counter[str]:
    chars = "".join(text.split())
    return Counter(chars[i : i + 2] for i in range(len(chars) - 1))


def similarity(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    common = sum((a & b).values())
    return 2 * common / (sum(a.values()) + sum(b.values()))


def align(left: list[str], right: list[str]) -> list[tuple[int, int]]:
    """Monotonic alignment of folded paragraphs, maximising the summed bigram similarity."""
    grams_l = [_bigrams(p) for p in left]
    grams_r = [_bigrams(p) for p in right]
    n, m = len(left), len(right)
    score = [[0.0] * (m + 1) for _ in range(n + 1)]
    move = [[0] * (m + 1) for _ in range(n + 1)]  # 0 diagonal, 1 skip left, 2 skip right
    sims = [[similarity(a, b) for b in grams_r] for a in grams_l]
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            s = sims[i - 1][j - 1]
            diagonal = score[i - 1][j - 1] + (s if s >= MIN_SIMILARITY else -1.0)
            up, left_ = score[i - 1][j] + _GAP, score[i][j - 1] + _GAP
            best = max(diagonal, up, left_)
            score[i][j] = best
            move[i][j] = 0 if best == diagonal else (1 if best == up else 2)
    pairs = []
    i, j = n, m
    while i > 0 and j > 0:
        if move[i][j] == 0:
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif move[i][j] == 1:
            i -= 1
        else:
            j -= 1
    return pairs[::-1]


def figures(folded: str, start: int = 0, end: int | None = None) -> list[Figure]:
    """Figures in ``folded[start:end]`` (folded text: offsets are the canonical ones). Not figures:
    digits inside a Latin word (Web3.0, 5G) and phone numbers or e-mail addresses; the value is
    the number itself, so 3.0 and 3 are the same figure."""
    end = len(folded) if end is None else end
    personal = [(f.start + start, f.end + start) for f in find_pii(folded[start:end])]
    out = []
    for match in _FIGURE.finditer(folded, start, end):
        s, e = match.start(), match.end()
        if (s > 0 and folded[s - 1].isascii() and folded[s - 1].isalpha()) or (
            not match.group(2) and e < len(folded) and folded[e].isascii() and folded[e].isalpha()
        ):
            continue
        if any(a < e and s < b for a, b in personal):
            continue
        number = match.group(1).replace(",", "")
        try:
            value = format(Decimal(number).normalize(), "f")
        except InvalidOperation:
            value = number
        out.append(Figure(s, e, value, match.group(2) or ""))
    return out


def compare(
    left_text: str, left_paragraphs: list[ParagraphSpan], right_text: str, right_paragraphs: list[ParagraphSpan]
) -> Comparison:
    left_text, right_text = fold(left_text), fold(right_text)  # once: folding keeps every offset
    left = [left_text[p.start : p.end] for p in left_paragraphs]
    right = [right_text[p.start : p.end] for p in right_paragraphs]
    pairs = align(left, right)
    changes: list[FigureChange] = []
    for index, (i, j) in enumerate(pairs):
        lp, rp = left_paragraphs[i], right_paragraphs[j]
        figs_l = figures(left_text, lp.start, lp.end)
        figs_r = figures(right_text, rp.start, rp.end)
        keys_l, keys_r = Counter(f.key for f in figs_l), Counter(f.key for f in figs_r)
        only_l = [f for f in figs_l if keys_r[f.key] == 0]
        only_r = [f for f in figs_r if keys_l[f.key] == 0]
        for figure in only_l:  # pair each changed figure with one of the same unit on the other side
            partner = next((f for f in only_r if f.unit == figure.unit), None)
            if partner is not None:
                only_r.remove(partner)
            changes.append(FigureChange(index, figure, partner))
        changes.extend(FigureChange(index, None, f) for f in only_r)
    return Comparison(pairs, changes)
