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
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from operator import attrgetter

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


def suggests_fiscal_years(label_defs: Iterable[Label]) -> bool:
    """Whether the DATE label of ``label_defs`` asks for financial years (2026-27年度) too."""
    return any(label.name == "DATE" and label.fiscal_years for label in label_defs)


def known_suggestions(text: str, known: dict[str, str], *, folded_keys: bool = False) -> list[Suggestion]:
    """Every occurrence in ``text`` of a string tagged before (``known``: text → label; with
    ``folded_keys`` the texts are script-folded already, as ``Store.known_strings(text)`` gives them)."""
    folded = known if folded_keys else {fold(string): label for string, label in known.items()}
    return KnownMatches(text, folded).suggestions()


class KnownMatches:
    """The occurrences in one text of the strings tagged anywhere, kept string by string.

    Found by walking the text once: at each position, the known strings starting with its two
    (folded) characters are looked up by length, so the cost follows the text's length and the
    matches, not the number of known strings (a team's database holds 100k+). ``update`` changes
    a few strings (a tag added, relabelled or removed) without walking the text again."""

    def __init__(self, text: str, known: dict[str, str]) -> None:
        self.text = text
        self.folded = fold(text)
        self.labels: dict[str, str] = {}  # folded string → label
        self._found: dict[str, list[Suggestion]] = {}
        self._found_by_walk(known)

    def _found_by_walk(self, known: dict[str, str]) -> None:
        index: dict[str, dict[int, set[str]]] = {}  # first two characters → length → strings
        for string, label in known.items():
            if len(string) >= 2:
                self.labels[string] = label
                index.setdefault(string[:2], {}).setdefault(len(string), set()).add(string)
        folded, text = self.folded, self.text
        found = self._found
        for i in range(len(folded) - 1):
            by_length = index.get(folded[i : i + 2])
            if by_length is None:
                continue
            for length, strings in by_length.items():
                string = folded[i : i + length]
                if string in strings:
                    found.setdefault(string, []).append(
                        Suggestion(i, i + length, self.labels[string], "known", text[i : i + length])
                    )

    def update(self, changed: dict[str, str | None]) -> None:
        """Folded strings whose label changed (None: no longer tagged anywhere)."""
        for string, label in changed.items():
            self._found.pop(string, None)
            if label is None or len(string) < 2:
                self.labels.pop(string, None)
                continue
            self.labels[string] = label
            start = self.folded.find(string)
            while start >= 0:
                end = start + len(string)
                self._found.setdefault(string, []).append(Suggestion(start, end, label, "known", self.text[start:end]))
                start = self.folded.find(string, start + 1)

    def suggestions(self) -> list[Suggestion]:
        return [s for found in self._found.values() for s in found]


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
    defs = list(label_defs) if label_defs is not None else None
    candidates = [
        *rule_suggestions(text, fiscal_years=suggests_fiscal_years(defs or ())),
        *known_suggestions(text, known or {}, folded_keys=known_folded),
    ]
    return filter_suggestions(candidates, tagged=tagged, rejected=rejected, labels=labels, label_defs=defs)


def filter_suggestions(
    candidates: Iterable[Suggestion],
    *,
    tagged: Iterable[tuple[int, int, str]] = (),
    rejected: Iterable[tuple[int, int, str]] = (),
    labels: Iterable[str] | None = None,
    label_defs: Iterable[Label] | None = None,
) -> list[Suggestion]:
    """``suggest``'s rules of what is never suggested, applied to ``candidates`` (rule and known
    suggestions found earlier: the app keeps them per release and filters again after each tag)."""
    tagged = list(tagged)
    defs = list(label_defs) if label_defs is not None else None
    claim_labels = frozenset(l.name for l in defs if l.kind == "claim") if defs is not None else _default_claim_labels()
    entity_spans = [(s, e) for s, e, label in tagged if label not in claim_labels]
    spans = sorted((s, e) for s, e, _ in tagged)
    starts = [s for s, _ in spans]
    by_end = sorted((e, s) for s, e in spans)
    ends = [e for e, _ in by_end]
    taken = set(spans)
    refused = set(rejected)
    allowed = set(labels) if labels is not None else None
    seen: set[tuple[int, int, str]] = set()
    out = []
    for suggestion in candidates:
        key = (suggestion.start, suggestion.end, suggestion.label)
        s, e = key[0], key[1]
        if key in seen or key in refused or (s, e) in taken:
            continue
        if allowed is not None and suggestion.label not in allowed:
            continue
        # crossing a tag: one that starts inside and ends after, or starts before and ends inside
        # (most candidates have no tag inside them: the ranges are empty, no generator is made)
        lo, hi = bisect_right(starts, s), bisect_left(starts, e)
        if lo < hi and any(spans[i][1] > e for i in range(lo, hi)):
            continue
        lo, hi = bisect_right(ends, s), bisect_left(ends, e)
        if lo < hi and any(by_end[i][1] < s for i in range(lo, hi)):
            continue
        if suggestion.source == "rule" and any(a <= s and e <= b for a, b in entity_spans):
            continue  # part of a tagged name
        seen.add(key)
        out.append(suggestion)
    # by (start, -end, label): three stable sorts with C keys (tens of thousands with a team's tags)
    out.sort(key=attrgetter("label"))
    out.sort(key=attrgetter("end"), reverse=True)
    out.sort(key=attrgetter("start"))
    return out
