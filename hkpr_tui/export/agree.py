"""Inter-annotator agreement, pairwise, on the releases both annotators tagged. Headless.

Per entity label: span F1 exact (same start, end, label) and overlapping (a span counts as found
when the other annotator has an overlapping span of the same label; precision from one side,
recall from the other). Claims: Cohen's kappa over sentences, each sentence's category being the
type of the first claim overlapping it, or NONE.
"""

from __future__ import annotations

from collections import Counter
from itertools import combinations
from typing import Any

from hkpr_tui.models import Annotation
from hkpr_tui.store import Store


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


def cohen_kappa(x: list[str], y: list[str]) -> dict[str, Any]:
    n = len(x)
    if n == 0:
        return {"kappa": None, "sentences": 0}
    observed = sum(1 for p, q in zip(x, y) if p == q) / n
    cx, cy = Counter(x), Counter(y)
    expected = sum(cx[k] * cy[k] for k in set(cx) | set(cy)) / (n * n)
    kappa = 1.0 if expected == 1 else (observed - expected) / (1 - expected)
    return {"kappa": round(kappa, 4), "observed": round(observed, 4), "expected": round(expected, 4), "sentences": n}


def agreement(store: Store, *, labels: list[str] | None = None) -> dict[str, Any]:
    by_release = store.live_annotations(labels=labels)
    per: dict[str, dict[int, list[Annotation]]] = {}
    for release_id, anns in by_release.items():
        for a in anns:
            per.setdefault(a.annotator, {}).setdefault(release_id, []).append(a)
    annotators = sorted(per)
    pairs = []
    for first, second in combinations(annotators, 2):
        shared = sorted(set(per[first]) & set(per[second]))
        entity_labels = sorted(
            {a.label for r in shared for who in (first, second) for a in per[who][r] if a.kind == "entity"}
        )
        scores = {}
        for label in entity_labels:
            spans = [
                [(r, a.start, a.end) for r in shared for a in per[who][r] if a.kind == "entity" and a.label == label]
                for who in (first, second)
            ]
            scores[label] = span_scores(*spans)
        cats: list[list[str]] = [[], []]
        for r in shared:
            for sentence in store.sentences(r):
                for i, who in enumerate((first, second)):
                    claim = next(
                        (
                            a
                            for a in per[who][r]
                            if a.kind == "claim" and a.start < sentence.end and sentence.start < a.end
                        ),
                        None,
                    )
                    cats[i].append(claim.label if claim else "NONE")
        pairs.append({"a": first, "b": second, "releases": len(shared), "labels": scores, "claims": cohen_kappa(*cats)})
    return {"annotators": annotators, "pairs": pairs}
