"""Claims before the form: a first guess at a claim's type from its wording, and the draft the
claim form starts with (type, subject, value/unit/qualifier from the quantity normaliser, as-of
date). Headless: the reader asks for a draft and shows it; tests check the prefill without a UI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from hkpr_tui.annotate.dates import find_dates
from hkpr_tui.annotate.quantity import normalise
from hkpr_tui.models import Annotation

SUBJECT_LABELS = ("ORG", "FACILITY", "PROGRAM", "PERSON")
"""Labels whose entities can be a claim's subject when they come before it."""
NOT_SUBJECTS = ("MONEY", "QUANTITY", "DATE")

_RULES = [
    (
        "COMPARISON",
        re.compile(r"上升|下降|增加|減少|减少|增長|增长|按年|按月|排名|第[一二三四五六七八九十0-9]+位|倍|較|较|相比"),
    ),
    ("PLAN", re.compile(r"預計|预计|計劃|计划|預料|预料|目標|目标|將會|将会|擬|拟|爭取|争取|預期|预期")),
]
_STATUS = re.compile(r"已|正在|投入運作|投入运作|啟用|启用|落成|完成")
_OPINION = re.compile(r"認為|认为|相信|期望|希望|深信|表示|指出")


def guess_claim_type(text: str, has_figure: bool) -> str:
    """COMPARISON (按年上升28%), PLAN (預計…), STATISTIC (a figure), STATUS (已…), else OPINION."""
    for name, pattern in _RULES:
        if pattern.search(text):
            return name
    if has_figure:
        return "STATISTIC"
    if _STATUS.search(text):
        return "STATUS"
    if _OPINION.search(text):
        return "OPINION"
    return "STATUS"


@dataclass
class ClaimDraft:
    """What the claim form starts with; ``result`` gives what it saves."""

    text: str
    type: str
    types: list[str]
    subjects: list[tuple[int, str]]  # (annotation id, "ORG 數碼港")
    subject_id: int | None = None
    metric: str = ""
    value: str = ""
    unit: str = ""
    qualifier: str = "="
    as_of: str = ""
    speaker: str = ""
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)  # kept as is (figure offsets, approach)


def parse_value(raw: str) -> int | float | None:
    """The form's value field: digits with optional commas and a decimal point."""
    cleaned = raw.replace(",", "").replace("，", "").strip()
    if not cleaned:
        return None
    number = float(cleaned)  # ValueError for anything else
    return int(number) if number.is_integer() and "." not in cleaned else number


def draft_for(
    text: str,
    start: int,
    end: int,
    *,
    entities: list[Annotation],
    types: list[str],
    release_date: str | None,
    existing: Annotation | None = None,
) -> ClaimDraft:
    """The claim form's first state for ``text[start:end]`` of a release: an existing claim's
    attributes, or a guess (type from the wording, subject the entity inside the claim or the
    nearest before it, value from the normaliser, as-of the first full date, else the release's)."""
    claim = text[start:end]
    subjects = [(a.id, f"{a.label} {a.text}") for a in entities]
    if existing is not None:
        attrs = existing.attributes
        value = attrs.get("value")
        return ClaimDraft(
            text=claim, type=existing.label, types=types, subjects=subjects,
            subject_id=attrs.get("subject_id"), metric=attrs.get("metric") or "",
            value="" if value is None else str(value), unit=attrs.get("unit") or "",
            qualifier=attrs.get("qualifier") or "=", as_of=attrs.get("as_of") or "",
            speaker=attrs.get("speaker") or "", note=attrs.get("note") or "",
            extra={k: v for k, v in attrs.items() if k in ("figure", "approach")},
        )  # fmt: skip
    quantity = normalise(claim)
    dates = [d.iso for d in find_dates(claim) if len(d.iso) == 10 and not d.iso.startswith("-")]  # full dates only
    inside = [a for a in entities if start <= a.start and a.end <= end and a.label not in NOT_SUBJECTS]
    before = [a for a in entities if a.end <= start and a.label in SUBJECT_LABELS]
    subject = next(iter(inside or before[-1:]), None)
    extra: dict[str, Any] = {}
    if quantity is not None:
        extra["figure"] = {"start": start + quantity.start, "end": start + quantity.end, "text": quantity.text}
        if quantity.approach:
            extra["approach"] = quantity.approach
    return ClaimDraft(
        text=claim, type=guess_claim_type(claim, quantity is not None), types=types, subjects=subjects,
        subject_id=subject.id if subject else None,
        value="" if quantity is None else str(quantity.value),
        unit="" if quantity is None else quantity.unit,
        qualifier="=" if quantity is None else quantity.qualifier,
        as_of=(dates[0] if dates else release_date or ""), extra=extra,
    )  # fmt: skip
