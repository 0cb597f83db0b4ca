"""Suggestions: spans a rule or an earlier tag proposes, shown apart from tags until accepted.

Rules: MONEY and QUANTITY (percentages included) from the quantity normaliser, DATE, 《…》 as
DOCUMENT, e-mail addresses and phone numbers as personal data (EMAIL, PHONE); and every string
already tagged anywhere, matched in either script (texts are compared script-folded, which keeps
lengths, so offsets stay canonical). Headless: no UI code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from hkpr_tui.annotate.dates import find_dates
from hkpr_tui.annotate.pii import find_pii
from hkpr_tui.annotate.quantity import find_quantities
from hkpr_tui.script import fold

DOCUMENT = re.compile(r"《[^《》\n]{1,60}》")


@dataclass(frozen=True)
class Suggestion:
    start: int
    end: int
    label: str
    source: str  # "rule" | "known" | "pii"
    text: str


def rule_suggestions(text: str) -> list[Suggestion]:
    out: list[Suggestion] = []
    for q in find_quantities(text):
        if q.unit:
            out.append(Suggestion(q.start, q.end, "MONEY" if q.is_money else "QUANTITY", "rule", q.text))
    for d in find_dates(text):
        out.append(Suggestion(d.start, d.end, "DATE", "rule", text[d.start : d.end]))
    for m in DOCUMENT.finditer(text):
        out.append(Suggestion(m.start(), m.end(), "DOCUMENT", "rule", m.group()))
    for found in find_pii(text):
        out.append(Suggestion(found.start, found.end, found.kind, "pii", found.text))
    return out


def known_suggestions(text: str, known: dict[str, str]) -> list[Suggestion]:
    """Every occurrence in ``text`` of a string tagged before (``known``: text → label)."""
    folded = fold(text)
    by_folded: dict[str, str] = {}
    for string, label in known.items():
        if len(string) >= 2:
            by_folded.setdefault(fold(string), label)
    out = []
    for string, label in by_folded.items():
        start = folded.find(string)
        while start >= 0:
            out.append(Suggestion(start, start + len(string), label, "known", text[start : start + len(string)]))
            start = folded.find(string, start + 1)
    return out


def _crosses(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[0] < a[1] < b[1] or b[0] < a[0] < b[1] < a[1]


def suggest(
    text: str,
    *,
    known: dict[str, str] | None = None,
    tagged: Iterable[tuple[int, int, str]] = (),
    rejected: Iterable[tuple[int, int, str]] = (),
    labels: Iterable[str] | None = None,
) -> list[Suggestion]:
    """Suggestions for ``text``, minus spans already tagged (any label) or rejected (that label),
    spans that would cross a tag, and labels not in ``labels``. Sorted by position."""
    spans = [(s, e) for s, e, _ in tagged]
    taken = set(spans)
    refused = set(rejected)
    allowed = set(labels) if labels is not None else None
    seen: set[tuple[int, int, str]] = set()
    out = []
    for suggestion in [*rule_suggestions(text), *known_suggestions(text, known or {})]:
        key = (suggestion.start, suggestion.end, suggestion.label)
        span = key[:2]
        if key in seen or key in refused or span in taken:
            continue
        if allowed is not None and suggestion.label not in allowed:
            continue
        if any(_crosses(span, other) for other in spans):
            continue
        seen.add(key)
        out.append(suggestion)
    return sorted(out, key=lambda s: (s.start, -s.end, s.label))
