"""What every benchmark prints: one JSON object per line, and the p95 of a list of timings."""

from __future__ import annotations

import json


def emit(**fields: object) -> None:
    print(json.dumps(fields, ensure_ascii=False), flush=True)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
