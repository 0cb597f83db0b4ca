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

import itertools
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Container, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from operator import attrgetter
from typing import overload

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

    def update(self, changed: dict[str, str | None]) -> tuple[list[Suggestion], list[Suggestion]]:
        """Folded strings whose label changed (None: no longer tagged anywhere); returns the
        matches (removed, added)."""
        removed: list[Suggestion] = []
        added: list[Suggestion] = []
        for string, label in changed.items():
            removed += self._found.pop(string, ())
            if label is None or len(string) < 2:
                self.labels.pop(string, None)
                continue
            self.labels[string] = label
            start = self.folded.find(string)
            while start >= 0:
                end = start + len(string)
                self._found.setdefault(string, []).append(Suggestion(start, end, label, "known", self.text[start:end]))
                start = self.folded.find(string, start + 1)
            added += self._found.get(string, ())
        return removed, added

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
    suggestions found earlier). Sorted by (start, longer first, label)."""
    rules = _Refusals(tagged, rejected, labels, label_defs)
    seen: set[tuple[int, int, str]] = set()
    out = []
    for suggestion in candidates:
        key = (suggestion.start, suggestion.end, suggestion.label)
        if key not in seen and rules.allows(suggestion):
            seen.add(key)
            out.append(suggestion)
    # by (start, -end, label): three stable sorts with C keys (tens of thousands with a team's tags)
    out.sort(key=attrgetter("label"))
    out.sort(key=attrgetter("end"), reverse=True)
    out.sort(key=attrgetter("start"))
    return out


class _Refusals:
    """What is never suggested, given a release's tags: whether a suggestion is allowed depends
    only on the tags that overlap it (``LiveSuggestions`` relies on that)."""

    def __init__(
        self,
        tagged: Iterable[tuple[int, int, str]],
        rejected: Iterable[tuple[int, int, str]],
        labels: Iterable[str] | None,
        label_defs: Iterable[Label] | None,
    ) -> None:
        tagged = list(tagged)
        defs = list(label_defs) if label_defs is not None else None
        claims = frozenset(l.name for l in defs if l.kind == "claim") if defs is not None else _default_claim_labels()
        self.entity_spans = [(s, e) for s, e, label in tagged if label not in claims]
        self.spans = sorted((s, e) for s, e, _ in tagged)
        self.starts = [s for s, _ in self.spans]
        self.by_end = sorted((e, s) for s, e in self.spans)
        self.ends = [e for e, _ in self.by_end]
        self.taken = set(self.spans)
        self.refused = set(rejected)
        self.rejected_spans = {(s, e) for s, e, _ in self.refused}
        self.allowed = set(labels) if labels is not None else None

    def allows(self, suggestion: Suggestion) -> bool:
        """A rule or known suggestion: not tagged or rejected, its label in use, crossing no tag,
        and (a rule's) not inside a tagged entity."""
        s, e = suggestion.start, suggestion.end
        if (s, e, suggestion.label) in self.refused or (s, e) in self.taken:
            return False
        if self.allowed is not None and suggestion.label not in self.allowed:
            return False
        # crossing a tag: one that starts inside and ends after, or starts before and ends inside
        # (most candidates have no tag inside them: the ranges are empty, no generator is made)
        starts, ends = self.starts, self.ends
        lo, hi = bisect_right(starts, s), bisect_left(starts, e)
        if lo < hi and any(self.spans[i][1] > e for i in range(lo, hi)):
            return False
        lo, hi = bisect_right(ends, s), bisect_left(ends, e)
        if lo < hi and any(self.by_end[i][1] < s for i in range(lo, hi)):
            return False
        return not (suggestion.source == "rule" and any(a <= s and e <= b for a, b in self.entity_spans))

    def allows_prediction(self, suggestion: Suggestion, *, model: bool) -> bool:
        """A prediction (imported, or the model's): on no tagged or rejected span, its label in
        use; the model's also crossing or wrapping no tag (inside one is fine)."""
        s, e = suggestion.start, suggestion.end
        if (s, e) in self.taken or (s, e) in self.rejected_spans:
            return False
        if self.allowed is not None and suggestion.label not in self.allowed:
            return False
        if not model:
            return True
        return not any(
            a < e and s < b and not (a <= s and e <= b) for a, b in itertools.chain(self.spans, self.rejected_spans)
        )


def _position(s: Suggestion) -> tuple[int, int, str]:
    return (s.start, s.end, s.label)


class SuggestionList(Sequence[Suggestion]):
    """A release's suggestions sorted by (start, end, label), looked up by position by bisection
    (a release can carry tens of thousands: a key must not read them all)."""

    __slots__ = ("_items", "_longest", "_starts")

    def __init__(self, items: Iterable[Suggestion] = ()) -> None:
        self._items = sorted(items, key=_position)
        self._starts = [s.start for s in self._items]
        self._longest = max((s.end - s.start for s in self._items), default=0)

    @classmethod
    def _sorted(cls, items: list[Suggestion], starts: list[int], longest: int) -> SuggestionList:
        """From ``items`` sorted already (and their starts): a copy, without sorting again."""
        found = cls.__new__(cls)
        found._items, found._starts, found._longest = list(items), list(starts), longest
        return found

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> Suggestion: ...
    @overload
    def __getitem__(self, index: slice) -> list[Suggestion]: ...
    def __getitem__(self, index: int | slice) -> Suggestion | list[Suggestion]:
        return self._items[index]

    def __iter__(self) -> Iterator[Suggestion]:
        return iter(self._items)

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, Suggestion):
            return False
        return self._index(value) is not None

    def _index(self, suggestion: Suggestion) -> int | None:
        """Where ``suggestion`` is (the first of equal ones), or None."""
        index = bisect_left(self._starts, suggestion.start)
        while index < len(self._items) and self._starts[index] == suggestion.start:
            if self._items[index] == suggestion:
                return index
            index += 1
        return None

    def covering(self, offset: int) -> list[Suggestion]:
        """The suggestions whose span holds ``offset``."""
        lo = bisect_left(self._starts, offset - self._longest + 1)
        hi = bisect_right(self._starts, offset)
        return [s for s in self._items[lo:hi] if offset < s.end]

    def next_open(self, offset: int, taken: Container[tuple[int, int, str]], *, at: bool = False) -> Suggestion | None:
        """The first suggestion starting after ``offset`` (or at it, with ``at``) not in ``taken``."""
        index = (bisect_left if at else bisect_right)(self._starts, offset)
        items = self._items
        return next((items[i] for i in range(index, len(items)) if _position(items[i]) not in taken), None)

    def after(self, suggestion: Suggestion, taken: Container[tuple[int, int, str]], step: int = 1) -> Suggestion | None:
        """The open suggestion next after ``suggestion`` in text order (``step`` -1: before it),
        those at its start included; None past the last (or ``suggestion`` is not listed)."""
        index = self._index(suggestion)
        if index is None:
            return None
        items = self._items
        others = range(index + 1, len(items)) if step > 0 else range(index - 1, -1, -1)
        return next((items[i] for i in others if _position(items[i]) not in taken), None)

    def previous_open(self, offset: int, taken: Container[tuple[int, int, str]]) -> Suggestion | None:
        """The last suggestion starting before ``offset`` not in ``taken``."""
        index = bisect_left(self._starts, offset)
        return next((self._items[i] for i in range(index - 1, -1, -1) if _position(self._items[i]) not in taken), None)

    def open_position(self, suggestion: Suggestion, taken: Iterable[tuple[int, int, str]]) -> tuple[int, int]:
        """(1-based place of ``suggestion`` among the suggestions not in ``taken``, 0 when it is not
        one of them; how many those are). ``taken`` is a release's tags: hundreds, not thousands."""
        index = self._index(suggestion)
        listed = {key: n for key in set(taken) if (n := self._count(key))}  # taken key → how many listed
        before = sum(n for key, n in listed.items() if key < _position(suggestion))
        place = index + 1 - before if index is not None and _position(suggestion) not in listed else 0
        return place, len(self._items) - sum(listed.values())

    def _count(self, key: tuple[int, int, str]) -> int:
        lo, hi = bisect_left(self._starts, key[0]), bisect_right(self._starts, key[0])
        return sum(1 for s in self._items[lo:hi] if _position(s) == key)


class LiveSuggestions:
    """One release's suggestions kept up to date as its tags change.

    Whether a candidate (a rule's or a known string's) or a prediction is suggested depends only
    on the tags and rejections that overlap it, and on the candidates with its span. So after a
    tag only the spans whose tags, rejections, candidates or predictions changed are filtered
    again: a key costs time in the spans it touches, not in the release's tens of thousands of
    suggestions. ``reset`` filters everything (first open, or the labels or the model changed);
    ``refresh`` returns what it removed and added, for the view to redraw only that."""

    def __init__(self) -> None:
        self.found: list[Suggestion] = []  # sorted by (start, end, label)
        self._found_starts: list[int] = []
        self._candidates: list[Suggestion] = []  # sorted by start; at one start, rules first
        self._candidate_starts: list[int] = []
        self._stored: list[Suggestion] = []  # imported predictions
        self._model: list[Suggestion] = []  # the trained model's predictions
        self._tagged: set[tuple[int, int, str]] = set()
        self._rejected: set[tuple[int, int, str]] = set()
        self._labels: list[str] | None = None
        self._label_defs: list[Label] | None = None
        self._longest = 1

    def reset(
        self,
        candidates: Iterable[Suggestion],
        *,
        stored: Iterable[Suggestion] = (),
        model: Iterable[Suggestion] = (),
        tagged: Iterable[tuple[int, int, str]] = (),
        rejected: Iterable[tuple[int, int, str]] = (),
        labels: Iterable[str] | None = None,
        label_defs: Iterable[Label] | None = None,
    ) -> None:
        """Filter every candidate and prediction (``candidates``: rules' first, then known)."""
        self._candidates = sorted(candidates, key=attrgetter("start"))  # stable: rules stay first
        self._candidate_starts = [s.start for s in self._candidates]
        self._stored, self._model = list(stored), list(model)
        self._tagged, self._rejected = set(tagged), set(rejected)
        self._labels = list(labels) if labels is not None else None
        self._label_defs = list(label_defs) if label_defs is not None else None
        every = [*self._candidates, *self._stored, *self._model]
        self._longest = max((s.end - s.start for s in every), default=1)
        self.found, self._found_starts = [], []
        self._refilter(0, max((s.end for s in every), default=0) + 1, self._refusals())

    def refresh(
        self,
        *,
        removed: Iterable[Suggestion] = (),
        added: Iterable[Suggestion] = (),
        stored: Iterable[Suggestion] = (),
        model: Iterable[Suggestion] = (),
        tagged: Iterable[tuple[int, int, str]] = (),
        rejected: Iterable[tuple[int, int, str]] = (),
    ) -> tuple[list[Suggestion], list[Suggestion]]:
        """Take the release's tags and predictions now, and the candidates ``removed`` and
        ``added`` since the last call; return the suggestions (removed, added)."""
        tagged, rejected = set(tagged), set(rejected)
        stored, model = list(stored), list(model)
        changed = [(s, e) for s, e, _ in tagged ^ self._tagged] + [(s, e) for s, e, _ in rejected ^ self._rejected]
        moved = [*removed, *added]
        for candidate in removed:
            self._remove_candidate(candidate)
        for candidate in added:
            index = bisect_right(self._candidate_starts, candidate.start)
            self._candidates.insert(index, candidate)
            self._candidate_starts.insert(index, candidate.start)
        moved += set(stored) ^ set(self._stored)
        moved += set(model) ^ set(self._model)
        changed += [(s.start, s.end) for s in moved]
        self._longest = max([self._longest, *(s.end - s.start for s in moved)])
        self._tagged, self._rejected, self._stored, self._model = tagged, rejected, stored, model
        gone: list[Suggestion] = []
        new: list[Suggestion] = []
        if changed:
            refusals = self._refusals()
            for a, b in self._regions(changed):
                was, now = self._refilter(a, b, refusals)
                gone += was
                new += now
        return gone, new

    def snapshot(self) -> SuggestionList:
        return SuggestionList._sorted(self.found, self._found_starts, self._longest)

    def _refusals(self) -> _Refusals:
        return _Refusals(self._tagged, self._rejected, self._labels, self._label_defs)

    def _remove_candidate(self, candidate: Suggestion) -> None:
        lo = bisect_left(self._candidate_starts, candidate.start)
        hi = bisect_right(self._candidate_starts, candidate.start)
        for index in range(lo, hi):
            if self._candidates[index] == candidate:
                del self._candidates[index], self._candidate_starts[index]
                return

    @staticmethod
    def _regions(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """``spans`` with those that overlap or touch merged (each region is filtered once; a
        suggestion overlapping two regions is decided the same way in both)."""
        regions: list[tuple[int, int]] = []
        for s, e in sorted(spans):
            if regions and s <= regions[-1][1]:
                regions[-1] = (regions[-1][0], max(e, regions[-1][1]))
            else:
                regions.append((s, e))
        return regions

    def _refilter(self, a: int, b: int, refusals: _Refusals) -> tuple[list[Suggestion], list[Suggestion]]:
        """Filter again every candidate and prediction overlapping [a, b); put them in ``found``
        in place of those there before; return (removed, added)."""
        reach = a - self._longest + 1  # nothing starting before it reaches ``a``
        lo, hi = bisect_left(self._found_starts, reach), bisect_left(self._found_starts, b)
        before = self.found[lo:hi]
        kept = [s for s in before if s.end <= a]
        was = [s for s in before if s.end > a]
        first, last = bisect_left(self._candidate_starts, reach), bisect_left(self._candidate_starts, b)
        seen: set[tuple[int, int, str]] = set()
        now = []
        for candidate in self._candidates[first:last]:
            if candidate.end > a and (key := _position(candidate)) not in seen and refusals.allows(candidate):
                seen.add(key)
                now.append(candidate)
        stored = [p for p in self._stored if p.start < b and a < p.end and refusals.allows_prediction(p, model=False)]
        spans = {(s.start, s.end) for s in [*now, *stored]}
        now += stored
        now += [
            p
            for p in self._model
            if p.start < b and a < p.end and (p.start, p.end) not in spans and refusals.allows_prediction(p, model=True)
        ]
        merged = sorted([*kept, *now], key=_position)
        self.found[lo:hi] = merged
        self._found_starts[lo:hi] = [s.start for s in merged]
        removed, added = Counter(was), Counter(now)
        return list((removed - added).elements()), list((added - removed).elements())
