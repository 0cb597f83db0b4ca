"""Suggestions: spans a rule or an earlier tag proposes, shown apart from tags until accepted.

Rules: MONEY and QUANTITY (percentages included) from the quantity normaliser, DATE, 《…》 as
DOCUMENT, e-mail addresses and phone numbers as personal data (EMAIL, PHONE); and every string
already tagged anywhere, matched in either script (texts are compared script-folded, which keeps
lengths, so offsets stay canonical).

What is never suggested: a span already tagged (any label) or rejected (that label), a span that
would cross a tag, and a rule's figure or date inside a tagged entity (the 2026 of a tagged
《2026-27年度財政預算案》, the 5 of a tagged 5G計劃: part of a name). Inside a claim, rules still
suggest (a claim's figures are what gets tagged), and a string tagged before may nest in an
entity (ORG 數碼港 inside FACILITY 數碼港大樓). Financial years (2026-27年度) are suggested as
DATE only when the DATE label says ``fiscal_years = true`` (labels.toml). Headless: no UI code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from hkpr_tui.annotate.dates import find_dates
from hkpr_tui.annotate.labels import Label, default_labels
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


def rule_suggestions(text: str, *, fiscal_years: bool = False) -> list[Suggestion]:
    """What the rules find in ``text``; financial years (iso "2026/27") only with ``fiscal_years``."""
    out: list[Suggestion] = []
    for q in find_quantities(text):
        if q.unit:
            out.append(Suggestion(q.start, q.end, "MONEY" if q.is_money else "QUANTITY", "rule", q.text))
    for d in find_dates(text):
        if "/" in d.iso and not fiscal_years:
            continue
        out.append(Suggestion(d.start, d.end, "DATE", "rule", text[d.start : d.end]))
    for m in DOCUMENT.finditer(text):
        out.append(Suggestion(m.start(), m.end(), "DOCUMENT", "rule", m.group()))
    for found in find_pii(text):
        out.append(Suggestion(found.start, found.end, found.kind, "pii", found.text))
    return out


def known_suggestions(text: str, known: dict[str, str], *, folded_keys: bool = False) -> list[Suggestion]:
    """Every occurrence in ``text`` of a string tagged before (``known``: text → label; with
    ``folded_keys`` the texts are script-folded already, as ``Store.known_strings(text)`` gives them)."""
    folded = fold(text)
    by_folded: dict[str, str] = {}
    for string, label in known.items():
        if len(string) >= 2:
            by_folded.setdefault(string if folded_keys else fold(string), label)
    out = []
    for string, label in by_folded.items():
        start = folded.find(string)
        while start >= 0:
            out.append(Suggestion(start, start + len(string), label, "known", text[start : start + len(string)]))
            start = folded.find(string, start + 1)
    return out


def _crosses(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[0] < a[1] < b[1] or b[0] < a[0] < b[1] < a[1]


@cache
def _default_claim_labels() -> frozenset[str]:
    return frozenset(label.name for label in default_labels() if label.kind == "claim")


def suggest(
    text: str,
    *,
    known: dict[str, str] | None = None,
    known_folded: bool = False,
    tagged: Iterable[tuple[int, int, str]] = (),
    rejected: Iterable[tuple[int, int, str]] = (),
    labels: Iterable[str] | None = None,
    label_defs: Iterable[Label] | None = None,
) -> list[Suggestion]:
    """Suggestions for ``text``, minus spans already tagged (any label) or rejected (that label),
    spans that would cross a tag, rule suggestions inside a tagged entity, and labels not in
    ``labels``. Sorted by position.

    ``tagged`` holds entities and claims alike; ``label_defs`` (the labels in use) tells which
    labels are claims, and whether DATE suggests financial years. Without it, the shipped
    labels' claim types are the claims and financial years are not suggested."""
    tagged = list(tagged)
    defs = list(label_defs) if label_defs is not None else None
    if defs is not None:
        claim_labels = frozenset(l.name for l in defs if l.kind == "claim")
        fiscal_years = any(l.name == "DATE" and l.fiscal_years for l in defs)
    else:
        claim_labels, fiscal_years = _default_claim_labels(), False
    entity_spans = [(s, e) for s, e, label in tagged if label not in claim_labels]
    spans = [(s, e) for s, e, _ in tagged]
    taken = set(spans)
    refused = set(rejected)
    allowed = set(labels) if labels is not None else None
    seen: set[tuple[int, int, str]] = set()
    out = []
    for suggestion in [
        *rule_suggestions(text, fiscal_years=fiscal_years),
        *known_suggestions(text, known or {}, folded_keys=known_folded),
    ]:
        key = (suggestion.start, suggestion.end, suggestion.label)
        span = key[:2]
        if key in seen or key in refused or span in taken:
            continue
        if allowed is not None and suggestion.label not in allowed:
            continue
        if any(_crosses(span, other) for other in spans):
            continue
        if suggestion.source == "rule" and any(s <= span[0] and span[1] <= e for s, e in entity_spans):
            continue  # part of a tagged name
        seen.add(key)
        out.append(suggestion)
    return sorted(out, key=lambda s: (s.start, -s.end, s.label))
