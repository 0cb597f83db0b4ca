"""Claims before the form: a first guess at a claim's type from its wording, and the draft the
claim form starts with (type, subject, value/unit/qualifier from the quantity normaliser, as-of
date), and the links to suggest between claims of different releases (``suggest_links``).
Headless: the reader asks for a draft and shows it; tests check the prefill without a UI.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from hkpr_tui.annotate.dates import find_dates
from hkpr_tui.annotate.quantity import normalise, normalise_unit
from hkpr_tui.corpus.segment import sentence_spans
from hkpr_tui.models import Annotation
from hkpr_tui.script import fold

SUBJECT_LABELS = ("ORG", "PROGRAM", "FACILITY")
"""Labels whose entities can be a claim's subject: organisations, programmes, facilities."""
NOT_SUBJECTS = ("MONEY", "QUANTITY", "DATE")

# Future markers: only these make a PLAN. 計劃 is a plan only as a verb (計劃於2027年推出), not
# as the name of a scheme (資助計劃已批出30億元); 將 only before a verb of doing or a time.
_FUTURE = re.compile(
    r"預計|预计|預料|预料|預期|预期|將會|将会|即將|即将|有望|擬|拟|爭取|争取|目標是|目标是|目標為|目标为"
    r"|(?:計劃|计划)(?=[於于在將将明今年下來来推興兴開开設设增投撥拨成完建])"
    r"|(?:將|将)(?=[於于在會会可推興兴開开設设增投撥拨成完建提擴扩加陸陆再進进於明今])"
    r"|明年|來年|来年|未來|未来"
)
_COMPARISON = re.compile(
    r"上升|下降|下跌|上漲|上涨|增長|增长|減少|减少|按年|按月|按季|排名|第[一二三四五六七八九十0-9]+位|倍|較|较|相比|比去年"
)
_STATUS = re.compile(r"已|正在|投入運作|投入运作|啟用|启用|落成|完成")
_OPINION = re.compile(r"認為|认为|相信|期望|希望|深信|表示|指出")


def guess_claim_type(text: str, has_figure: bool) -> str:
    """PLAN only with a future marker (預計, 將於, 計劃於 …); COMPARISON for a change or a
    ranking (按年上升28%); STATISTIC for a count or an amount; STATUS (已…); else OPINION."""
    if _FUTURE.search(text):
        return "PLAN"
    if _COMPARISON.search(text):
        return "COMPARISON"
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
    subject_text: str = ""  # the prefilled subject's text: its entity's, else the release's organisation
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


def claim_sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence (or sentences) of ``text`` holding ``text[start:end]``, within its paragraph
    (a line of the canonical text): sentences end at 。！？ as in ``corpus.segment``."""
    start = max(0, min(start, len(text)))
    end = max(start, min(end, len(text)))
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    spans = list(sentence_spans(text, line_start, line_end))
    first = next((s for s, e in spans if s <= start < e), start)
    last = next((e for s, e in spans if s < end <= e), end)
    return min(first, start), max(last, end)


def subject_for(
    entities: list[Annotation], start: int, end: int, sentence: tuple[int, int], figure_start: int | None = None
) -> Annotation | None:
    """The claim's subject: the first organisation, programme or facility inside the claim before
    its figure, else the nearest one before the claim in its sentence; never one from elsewhere."""
    limit = end if figure_start is None else figure_start
    usable = [a for a in entities if a.label in SUBJECT_LABELS and a.kind == "entity"]
    inside = [a for a in usable if start <= a.start and a.end <= end and a.start < limit]
    if inside:
        return min(inside, key=lambda a: (a.start, -a.end))
    before = [a for a in usable if sentence[0] <= a.start and a.end <= start]
    return max(before, key=lambda a: (a.end, -a.start), default=None)


_SPEECH = re.compile(r"表示|指出|說|说|稱|称|認為|认为|強調|强调|透露|宣布|宣佈|相信")


def speaker_for(text: str, entities: list[Annotation], start: int, sentence: tuple[int, int]) -> Annotation | None:
    """The person who says the claim: the nearest PERSON before it in its sentence, followed by a
    word of saying (表示, 指出, 說 …) before the claim starts."""
    people = [a for a in entities if a.label == "PERSON" and sentence[0] <= a.start and a.end <= start]
    for person in sorted(people, key=lambda a: -a.end):
        if _SPEECH.search(text, person.end, max(person.end, start)):
            return person
    return None


def draft_for(
    text: str,
    start: int,
    end: int,
    *,
    entities: list[Annotation],
    types: list[str],
    release_date: str | None,
    existing: Annotation | None = None,
    sentence: tuple[int, int] | None = None,
    organisation: str | None = None,
) -> ClaimDraft:
    """The claim form's first state for ``text[start:end]`` of a release: an existing claim's
    attributes, or a guess: type from the wording; subject from ``subject_for`` within the
    claim's own sentence (``sentence``, else found with ``claim_sentence``), else the release's
    ``organisation`` as text; speaker from ``speaker_for``; value from the normaliser; as-of the
    first full date, else the release's."""
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
            subject_text=attrs.get("subject_text") or "",
            extra={k: v for k, v in attrs.items() if k in ("figure", "approach", "direction")},
        )  # fmt: skip
    quantity = normalise(claim)
    dates = [d.iso for d in find_dates(claim) if len(d.iso) == 10 and not d.iso.startswith("-")]  # full dates only
    if sentence is None or not (sentence[0] <= start and end <= sentence[1]):
        sentence = claim_sentence(text, start, end)
    subject = subject_for(entities, start, end, sentence, None if quantity is None else start + quantity.start)
    subject_text = subject.text if subject is not None else (organisation or "").strip()
    speaker = speaker_for(text, entities, start, sentence)
    extra: dict[str, Any] = {}
    if quantity is not None:
        extra["figure"] = {"start": start + quantity.start, "end": start + quantity.end, "text": quantity.text}
        if quantity.approach:
            extra["approach"] = quantity.approach
        if quantity.direction:
            extra["direction"] = quantity.direction
    return ClaimDraft(
        text=claim, type=guess_claim_type(claim, quantity is not None), types=types, subjects=subjects,
        subject_id=subject.id if subject else None, subject_text=subject_text,
        value="" if quantity is None else str(quantity.value),
        unit="" if quantity is None else quantity.unit,
        qualifier="=" if quantity is None else quantity.qualifier,
        as_of=(dates[0] if dates else release_date or ""), extra=extra,
        speaker=speaker.text if speaker is not None else "",
    )  # fmt: skip


# -- links between claims of different releases ----------------------------------------------


@dataclass(frozen=True)
class ClaimFacts:
    """What link suggestions compare of a claim (from its attributes)."""

    subject: str
    metric: str
    value: int | float | None = None
    unit: str = ""
    as_of: str = ""
    qualifier: str = "="
    id: int | None = None
    release_id: int | None = None

    @classmethod
    def from_annotation(cls, claim: Annotation) -> ClaimFacts:
        """Facts of a stored claim; attributes of the wrong type count as missing."""
        attrs = claim.attributes if isinstance(claim.attributes, dict) else {}

        def text(key: str) -> str:
            value = attrs.get(key)
            return value if isinstance(value, str) else ""

        value = attrs.get("value")
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:  # NaN
            value = None
        return cls(
            subject=text("subject_text"), metric=text("metric"), value=value, unit=text("unit"),
            as_of=text("as_of"), qualifier=text("qualifier") or "=", id=claim.id, release_id=claim.release_id,
        )  # fmt: skip


@dataclass(frozen=True)
class LinkSuggestion:
    target: ClaimFacts
    kind: str  # "same_metric" | "repeats" | "contradicts"
    reason: str


def _key(text: str) -> str:
    """Script-folded, case-folded, without spaces: 數碼港 = 数码港, "AI start-ups" = "ai start-ups"."""
    return "".join(fold(text).casefold().split())


def _interval(qualifier: str, value: float) -> tuple[float, float, bool, bool]:
    """The values a figure allows: (low, high, low included, high included)."""
    inf = float("inf")
    if qualifier == ">":
        return value, inf, False, False
    if qualifier == ">=":
        return value, inf, True, False
    if qualifier == "<":
        return -inf, value, False, False
    if qualifier == "<=":
        return -inf, value, False, True
    if qualifier == "≈":
        margin = abs(value) * 0.1
        return value - margin, value + margin, True, True
    return value, value, True, True


def _disjoint(a: ClaimFacts, b: ClaimFacts) -> bool:
    assert a.value is not None and b.value is not None
    lo1, hi1, lo1_in, hi1_in = _interval(a.qualifier, float(a.value))
    lo2, hi2, lo2_in, hi2_in = _interval(b.qualifier, float(b.value))
    if hi1 < lo2 or hi2 < lo1:
        return True
    if hi1 == lo2:
        return not (hi1_in and lo2_in)
    if hi2 == lo1:
        return not (hi2_in and lo1_in)
    return False


def suggest_links(
    claim: ClaimFacts, candidates: Iterable[ClaimFacts], *, linked: Iterable[int] = ()
) -> list[LinkSuggestion]:
    """Links to suggest from ``claim`` to claims of other releases, in the candidates' order.

    A candidate is the same metric when subject and metric match after script folding (case and
    spaces aside). Then, when both have a value in the same unit (``normalise_unit``) for the
    same as-of date: ``repeats`` if value, unit and qualifier are all equal, ``contradicts`` if
    the two figures cannot both hold (500 vs 190; >500 vs 400; not >500 vs 600); otherwise (other
    dates, units, or figures that may both hold) ``same_metric``. A claim without a subject or a
    metric links to nothing; candidates from the claim's own release (or the claim itself), and
    those whose id is in ``linked`` (linked already), are left out."""
    already = set(linked)
    subject, metric = _key(claim.subject), _key(claim.metric)
    if not subject or not metric:
        return []
    unit = normalise_unit(claim.unit)
    out: list[LinkSuggestion] = []
    for other in candidates:
        if (claim.id is not None and other.id == claim.id) or (other.id is not None and other.id in already):
            continue
        if claim.release_id is not None and other.release_id == claim.release_id:
            continue
        if _key(other.subject) != subject or _key(other.metric) != metric:
            continue
        comparable = (
            claim.value is not None
            and other.value is not None
            and unit == normalise_unit(other.unit)
            and claim.as_of.strip() != ""
            and claim.as_of.strip() == other.as_of.strip()
        )
        if not comparable:
            out.append(LinkSuggestion(other, "same_metric", "same subject and metric"))
        elif claim.value == other.value and claim.qualifier == other.qualifier:
            out.append(LinkSuggestion(other, "repeats", f"the same figure as of {claim.as_of.strip()}"))
        elif _disjoint(claim, other):
            out.append(
                LinkSuggestion(
                    other,
                    "contradicts",
                    f"{claim.qualifier}{claim.value} vs {other.qualifier}{other.value} {unit} as of {claim.as_of.strip()}",
                )  # fmt: skip
            )
        else:
            out.append(LinkSuggestion(other, "same_metric", "figures that may both hold"))
    return out
