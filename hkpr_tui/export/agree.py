"""Inter-annotator agreement, headless: pairwise over the releases both annotators tagged, across
all annotators when there are three or more, and per release (to find those worth adjudicating).

Per entity label: span F1 exact (same start, end, label) and overlapping (a span counts as found
when the other annotator has an overlapping span of the same label; precision from one side,
recall from the other). Claims are compared per sentence, twice, each result saying which:
``claim_type`` (the category of a sentence is the label of the first claim overlapping it, or
NONE) and ``claim_or_not`` (CLAIM or NONE). Pairs: Cohen's kappa; three or more annotators:
Fleiss' kappa (sentences of the releases every annotator tagged) and Krippendorff's alpha,
nominal (sentences of the releases at least two tagged; an annotator who did not tag the release
is a missing value). A coefficient whose chance agreement is total (every sentence in one
category: no variation) is undefined, reported as None with the reason, never as 1.0. The gold
layer (annotate/adjudicate.py) is not an annotator here.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import Any

from hkpr_tui.models import Annotation
from hkpr_tui.store import Store
from hkpr_tui.store.annotations import GOLD

NO_VARIATION = "no variation"
"""The reason a kappa or alpha is undefined when every rating falls in one category."""

MEASURES = {
    "claim_type": "claim type (per sentence: NONE or the label of its first claim)",
    "claim_or_not": "claim/no-claim (per sentence: CLAIM or NONE)",
}
"""What each claim coefficient compares, as printed beside it."""


def _f1(p: float, r: float) -> float:
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def span_scores(a: list[tuple[int, int, int]], b: list[tuple[int, int, int]]) -> dict[str, Any]:
    """a, b: (release, start, end) of one label by two annotators."""
    sa, sb = set(a), set(b)
    tp = len(sa & sb)
    exact_p = tp / len(sb) if sb else 0.0
    exact_r = tp / len(sa) if sa else 0.0

    def overlaps(x: tuple[int, int, int], ys: set[tuple[int, int, int]]) -> bool:
        return any(x[0] == y[0] and x[1] < y[2] and y[1] < x[2] for y in ys)

    found_b = sum(1 for x in sb if overlaps(x, sa))
    found_a = sum(1 for x in sa if overlaps(x, sb))
    over_p = found_b / len(sb) if sb else 0.0
    over_r = found_a / len(sa) if sa else 0.0
    return {
        "a": len(sa), "b": len(sb),
        "exact": {"precision": round(exact_p, 4), "recall": round(exact_r, 4), "f1": round(_f1(exact_p, exact_r), 4)},
        "overlap": {"precision": round(over_p, 4), "recall": round(over_r, 4), "f1": round(_f1(over_p, over_r), 4)},
    }  # fmt: skip


def _coefficient(
    key: str, value: float | None, reason: str | None = None, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {key: None if value is None else round(value, 4)}
    if value is None:
        out["reason"] = reason
    out.update(extra or {})
    return out


def cohen_kappa(x: list[str], y: list[str]) -> dict[str, Any]:
    """Cohen's kappa of two raters' categories of the same items; undefined (None, with a reason)
    for no items or no variation (chance agreement 1)."""
    n = len(x)
    if n == 0:
        return _coefficient("kappa", None, "no sentences", {"sentences": 0})
    observed = sum(1 for p, q in zip(x, y) if p == q) / n
    cx, cy = Counter(x), Counter(y)
    expected = sum(cx[k] * cy[k] for k in set(cx) | set(cy)) / (n * n)
    extra = {"observed": round(observed, 4), "expected": round(expected, 4), "sentences": n}
    if math.isclose(expected, 1.0):
        return _coefficient("kappa", None, NO_VARIATION, extra)
    return _coefficient("kappa", (observed - expected) / (1 - expected), extra=extra)


def fleiss_kappa(table: Sequence[Sequence[int]]) -> dict[str, Any]:
    """Fleiss' kappa of a table: a row per item, a column per category, each cell the number of
    raters who chose it (the same number of raters, at least two, for every item)."""
    rows = [list(r) for r in table]
    if not rows:
        return _coefficient("kappa", None, "no sentences", {"sentences": 0})
    raters = sum(rows[0])
    if raters < 2 or any(sum(r) != raters for r in rows):
        raise ValueError("Fleiss' kappa needs the same number of raters, at least two, for every item")
    n_items = len(rows)
    shares = [sum(r[j] for r in rows) / (n_items * raters) for j in range(len(rows[0]))]
    observed = sum((sum(c * c for c in r) - raters) / (raters * (raters - 1)) for r in rows) / n_items
    expected = sum(p * p for p in shares)
    extra = {"observed": round(observed, 4), "expected": round(expected, 4), "sentences": n_items, "raters": raters}
    if math.isclose(expected, 1.0):
        return _coefficient("kappa", None, NO_VARIATION, extra)
    return _coefficient("kappa", (observed - expected) / (1 - expected), extra=extra)


def fleiss_from_ratings(ratings: Sequence[Sequence[str]]) -> dict[str, Any]:
    """Fleiss' kappa from each item's categories (one per rater)."""
    categories = sorted({c for item in ratings for c in item})
    return fleiss_kappa([[Counter(item)[c] for c in categories] for item in ratings])


def krippendorff_alpha(units: Sequence[Sequence[str]]) -> dict[str, Any]:
    """Krippendorff's alpha, nominal: ``units`` holds each item's values (missing ones left out);
    items with fewer than two values are not pairable and count for nothing."""
    coincidences: defaultdict[tuple[str, str], float] = defaultdict(float)
    pairable = 0
    for unit in units:
        m = len(unit)
        if m < 2:
            continue
        pairable += 1
        counts = Counter(unit)
        for c in counts:
            for k in counts:
                coincidences[(c, k)] += counts[c] * (counts[k] - (c == k)) / (m - 1)
    totals: defaultdict[str, float] = defaultdict(float)
    for (c, _), weight in coincidences.items():
        totals[c] += weight
    n = sum(totals.values())
    if pairable == 0:
        return _coefficient("alpha", None, "no sentences with two values", {"sentences": 0})
    observed = sum(w for (c, k), w in coincidences.items() if c != k)
    expected = sum(totals[c] * totals[k] for c in totals for k in totals if c != k)
    if expected == 0:
        return _coefficient("alpha", None, NO_VARIATION, {"sentences": pairable, "values": round(n)})
    return _coefficient("alpha", 1 - (n - 1) * observed / expected, extra={"sentences": pairable, "values": round(n)})


def _categories(claims: list[Annotation], sentences: list[Any]) -> list[str]:
    out = []
    for sentence in sentences:
        claim = next((a for a in claims if a.start < sentence.end and sentence.start < a.end), None)
        out.append(claim.label if claim else "NONE")
    return out


def _binary(categories: Sequence[str]) -> list[str]:
    return ["NONE" if c == "NONE" else "CLAIM" for c in categories]


def _release_f1(per: dict[str, dict[int, list[Annotation]]], release_id: int, who: Sequence[str]) -> float | None:
    """Mean over the pairs of ``who`` of the exact span F1 of entities (label and bounds) in the
    release; None when no pair has an entity to compare."""
    scores = []
    for first, second in combinations(who, 2):
        a, b = (
            {(x.label, x.start, x.end) for x in per[w].get(release_id, []) if x.kind == "entity"}
            for w in (first, second)
        )
        if a or b:
            scores.append(2 * len(a & b) / (len(a) + len(b)))
    return sum(scores) / len(scores) if scores else None


def agreement(
    store: Store, *, labels: list[str] | None = None, open_items: Mapping[int, int] | None = None
) -> dict[str, Any]:
    """Pairwise, all-annotator and per-release agreement (see the module's docstring).
    ``open_items``: release id → its open disagreement items (annotate.adjudicate.to_adjudicate),
    shown per release and used to rank releases after their F1."""
    by_release = store.live_annotations(labels=labels)
    per: dict[str, dict[int, list[Annotation]]] = {}
    for release_id, anns in by_release.items():
        for a in anns:
            if a.annotator != GOLD:
                per.setdefault(a.annotator, {}).setdefault(release_id, []).append(a)
    annotators = sorted(per)
    tagged_by = {r: [w for w in annotators if r in per[w]] for r in sorted({r for w in per.values() for r in w})}
    shared = {r: who for r, who in tagged_by.items() if len(who) >= 2}
    sentences = {r: store.sentences(r) for r in shared}
    cats = {
        (w, r): _categories([a for a in per[w][r] if a.kind == "claim"], sentences[r]) for r, who in shared.items() for w in who
    }  # fmt: skip
    pairs = []
    for first, second in combinations(annotators, 2):
        both = sorted(r for r, who in shared.items() if first in who and second in who)
        entity_labels = sorted(
            {a.label for r in both for who in (first, second) for a in per[who][r] if a.kind == "entity"}
        )
        scores = {}
        for label in entity_labels:
            spans = [
                [(r, a.start, a.end) for r in both for a in per[who][r] if a.kind == "entity" and a.label == label]
                for who in (first, second)
            ]
            scores[label] = span_scores(*spans)
        x = [c for r in both for c in cats[(first, r)]]
        y = [c for r in both for c in cats[(second, r)]]
        claims = {
            "claim_type": {"measure": MEASURES["claim_type"], **cohen_kappa(x, y)},
            "claim_or_not": {"measure": MEASURES["claim_or_not"], **cohen_kappa(_binary(x), _binary(y))},
        }
        pairs.append({"a": first, "b": second, "releases": len(both), "labels": scores, "claims": claims})
    result: dict[str, Any] = {"annotators": annotators, "pairs": pairs}
    if len(annotators) >= 3:
        every = [r for r, who in shared.items() if len(who) == len(annotators)]
        result["all"] = {
            "annotators": len(annotators),
            "releases_all_tagged": len(every),
            "releases_two_or_more": len(shared),
        }
        for name, project in (("claim_type", list), ("claim_or_not", _binary)):
            ratings = [
                [project(cats[(w, r)])[i] for w in annotators] for r in every for i in range(len(sentences[r]))
            ]  # fmt: skip
            units = [
                [project(cats[(w, r)])[i] for w in who] for r, who in shared.items() for i in range(len(sentences[r]))
            ]
            result["all"][name] = {
                "measure": MEASURES[name],
                "fleiss": fleiss_from_ratings(ratings),
                "krippendorff_nominal": krippendorff_alpha(units),
            }
    titles = {
        s.id: s.title
        for ids in (sorted(shared)[n : n + 500] for n in range(0, len(shared), 500))
        for s in store.list_releases(sort="id", ids=ids)
    }
    releases: list[dict[str, Any]] = [
        {"release_id": r, "title": titles.get(r, ""), "annotators": who, "entity_f1": _rounded(_release_f1(per, r, who)),
         "open_items": None if open_items is None else open_items.get(r, 0)}
        for r, who in shared.items()
    ]  # fmt: skip
    releases.sort(
        key=lambda x: (1.0 if x["entity_f1"] is None else x["entity_f1"], -(x["open_items"] or 0), x["release_id"])
    )
    result["releases"] = releases
    return result


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
