"""Script views: the canonical text shown as 原文, 繁 (Hong Kong Traditional) or 简, with offset
maps both ways.

Conversion is OpenCC's own (opencc-python-reimplemented's dictionaries and matching rule, so
``ScriptView.text == OpenCC(config).convert(source)``), done here rather than through
``OpenCC.convert`` because that returns only the converted string. We keep where each replaced
piece came from:

* Each configuration is a chain of stages; each stage splits the text at OpenCC's separators,
  then, per dictionary of its group in turn, replaces the longest key found anywhere in each
  unmatched piece (leftmost on ties) and splits around it.
* A character replaced by a character maps one to one. A phrase (a dictionary key of two or
  more characters, such as 内存 → 記憶體 or 打印机 → 印表機 in s2twp) is a *unit*: no position
  inside it has a counterpart (印 is not the conversion of 打), so a span that starts or ends
  inside a unit widens to the whole unit. Phrases of any length are units, so the view text of a
  projected span is always the conversion of the canonical text it maps back to.
* Stages compose: a unit of one stage that overlaps a unit of the next merges with it.

So an offset map is a sorted list of units ``(src_start, src_end, dst_start, dst_end)``; outside
them the two texts move in step, shifted by the length changes of the units before. Projection is a
binary search.

Which configuration a view uses depends on the release's script:

===========  ===============================  ==================================================
view         Traditional (hant) source        Simplified (hans) or mixed source
===========  ===============================  ==================================================
原文          identity                         identity
繁 (HK)       t2hk: HK variant forms only;     s2hk: Simplified → Traditional with HK forms
              s2hk would "convert" characters
              that are legitimately Traditional
              (干 in 干涉, 台 …)
简            hk2s: knows HK variants (綫, 裏)   hk2s: leaves Simplified text as it is and
              that plain t2s misses             simplifies borrowed Traditional names
===========  ===============================  ==================================================
"""

from __future__ import annotations

import bisect
import json
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from hkpr_tui.script.chars import opencc_dir

View = Literal["original", "hant", "hans"]
VIEWS: tuple[View, ...] = ("original", "hant", "hans")
VIEW_NAMES: dict[str, str] = {"original": "原文", "hant": "繁", "hans": "简"}

# OpenCC's separators (from PhraseExtract.cpp, as the reimplementation uses them): no dictionary
# key contains one, so text is converted between them and they pass through unchanged.
_SEPARATORS = re.compile(
    r"(\s+|-|,|\.|\?|!|\*|　|，|。|、|；|：|？|！|…|“|”|‘|’|『|』|「|」|﹁|﹂|—|－|（|）|《|》|〈|〉|～|．|／|＼|︒|︑|︔|︓"
    r"|︿|﹀|︹|︺|︙|︐|［|﹇|］|﹈|︕|︖|︰|︳|︴|︽|︾|︵|︶|｛|︷|｝|︸|﹃|﹄|【|︻|】|︼)"
)

Unit = tuple[int, int, int, int]  # src_start, src_end, dst_start, dst_end


def config_for(source_script: str, view: View) -> str | None:
    """The OpenCC configuration of ``view`` for a release in ``source_script`` (None: identity)."""
    if view == "original":
        return None
    if view == "hant":
        return "t2hk" if source_script == "hant" else "s2hk"
    return "hk2s"


# -- dictionaries -------------------------------------------------------------------------

_Dict = tuple[int, int, dict[str, str]]  # max key length, min key length, key → first value


@cache
def _dictionary(name: str) -> _Dict:
    mapping: dict[str, str] = {}
    with open(opencc_dir() / "dictionary" / name, encoding="utf-8") as fh:
        for line in fh:
            key, value = line.strip().split("\t")
            mapping[key] = value.split(" ")[0]
    lengths = [len(k) for k in mapping] or [1]
    return max(*lengths, 1), min(lengths), mapping


@cache
def _chain(config: str) -> list[list[_Dict]]:
    """The stages of an OpenCC configuration, each a group of dictionaries tried in order."""
    with open(opencc_dir() / "config" / f"{config}.json", encoding="utf-8") as fh:
        setting = json.load(fh)
    stages = []
    for step in setting["conversion_chain"]:
        spec = step["dict"]
        files = [d["file"] for d in spec["dicts"]] if spec.get("type") == "group" else [spec["file"]]
        stages.append([_dictionary(f) for f in files])
    return stages


# -- conversion with units ----------------------------------------------------------------


def _convert_piece(text: str, start: int, end: int, group: list[_Dict], out: list[tuple[int, int, str | None]]) -> None:
    """Segment text[start:end] as OpenCC does; append (start, end, replacement or None) in order."""
    # Work items: (start, end, length hint, dictionary index). OpenCC processes the left and right
    # remainders of a match with the same dictionary, and the pieces no key of a dictionary matched
    # with the next dictionary of the group. The result is in text order, so collect, then sort.
    pieces: list[tuple[int, int, str | None]] = []
    stack: list[tuple[int, int, int | None, int]] = [(start, end, None, 0)]
    while stack:
        s, e, hint, d = stack.pop()
        if d >= len(group):
            pieces.append((s, e, None))
            continue
        max_len, min_len, mapping = group[d]
        length = min(e - s, max_len, hint or max_len)
        found = False
        while length >= min_len and not found:
            for i in range(s, e - length + 1):
                value = mapping.get(text[i : i + length])
                if value is not None:
                    pieces.append((i, i + length, value))
                    if i > s:
                        stack.append((s, i, length, d))
                    if i + length < e:
                        stack.append((i + length, e, length, d))
                    found = True
                    break
            length -= 1
        if not found:
            stack.append((s, e, None, d + 1))
    pieces.sort()
    out.extend(pieces)


def _stage(text: str, group: list[_Dict]) -> tuple[str, list[Unit]]:
    """One stage: the converted text and its units (phrase replacements)."""
    result: list[str] = []
    units: list[Unit] = []
    pos_out = 0
    pos = 0
    for index, part in enumerate(_SEPARATORS.split(text)):
        if not part:
            continue
        end = pos + len(part)
        if index % 2:  # a separator (split() alternates text and captured separators)
            result.append(part)
            pos_out += len(part)
        else:
            pieces: list[tuple[int, int, str | None]] = []
            _convert_piece(text, pos, end, group, pieces)
            for s, e, value in pieces:
                replacement = text[s:e] if value is None else value
                if value is not None and (e - s > 1 or len(value) != 1):  # a phrase: one unit
                    units.append((s, e, pos_out, pos_out + len(replacement)))
                result.append(replacement)
                pos_out += len(replacement)
        pos = end
    return "".join(result), units


def _compose(first: list[Unit], second: list[Unit]) -> list[Unit]:
    """Units of A → C from units of A → B and B → C: overlapping units merge."""
    if not first:
        return second
    if not second:
        return first
    mid_a = OffsetMap(first)  # A ↔ B
    spans: list[list[int]] = []  # in B coordinates: first's dst ranges and second's src ranges
    for _, _, b0, b1 in first:
        spans.append([b0, b1])
    for b0, b1, _, _ in second:
        spans.append([b0, b1])
    spans.sort()
    merged: list[list[int]] = []
    for b0, b1 in spans:
        if merged and b0 < merged[-1][1]:  # overlapping: no aligned position between them
            merged[-1][1] = max(merged[-1][1], b1)
        else:
            merged.append([b0, b1])
    mid_c = OffsetMap(second)  # B ↔ C
    units: list[Unit] = []
    for b0, b1 in merged:
        a0, a1 = mid_a.to_source(b0, b1)
        c0, c1 = mid_c.to_target(b0, b1)
        units.append((a0, a1, c0, c1))
    return units


class OffsetMap:
    """Maps spans between a source text and its conversion, given the units (replaced phrases)."""

    def __init__(self, units: list[Unit]) -> None:
        self.units = units
        self._src_starts = [u[0] for u in units]
        self._dst_starts = [u[2] for u in units]

    def _project(self, pos: int, as_end: bool, forward: bool) -> int:
        units = self.units
        starts = self._src_starts if forward else self._dst_starts
        a, b, c, d = (0, 1, 2, 3) if forward else (2, 3, 0, 1)
        i = bisect.bisect_right(starts, pos) - 1
        if i < 0:
            return pos
        unit = units[i]
        if pos >= unit[b]:
            return pos - unit[b] + unit[d]
        if pos == unit[a]:
            return unit[c]
        return unit[d] if as_end else unit[c]  # inside a unit: widen to the whole unit

    def to_target(self, start: int, end: int) -> tuple[int, int]:
        return self._project(start, False, True), self._project(end, True, True)

    def to_source(self, start: int, end: int) -> tuple[int, int]:
        return self._project(start, False, False), self._project(end, True, False)


def convert(text: str, config: str | None) -> tuple[str, list[Unit]]:
    """Convert with OpenCC configuration ``config``; also return the units (phrases replaced)."""
    if config is None:
        return text, []
    units: list[Unit] = []
    for group in _chain(config):
        text, stage_units = _stage(text, group)
        units = _compose(units, stage_units)
    return text, units


@dataclass(frozen=True)
class ScriptView:
    """The canonical text in one script, with offset maps both ways. Offsets are code points."""

    view: View
    config: str | None
    source: str
    text: str
    units: tuple[Unit, ...]
    _map: OffsetMap = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_map", OffsetMap(list(self.units)))

    @property
    def name(self) -> str:
        return VIEW_NAMES[self.view]

    def to_view(self, start: int, end: int) -> tuple[int, int]:
        """A canonical span → the view span covering exactly its converted characters."""
        if not self.units:  # the original, or a text conversion left unchanged
            return start, end
        return self._map.to_target(start, end)

    def to_canonical(self, start: int, end: int) -> tuple[int, int]:
        """A span selected in the view → canonical offsets (widened to whole changed phrases)."""
        return self._map.to_source(start, end)


_CACHE: OrderedDict[tuple[str, str], ScriptView] = OrderedDict()
CACHE_SIZE = 64


def cached_view(text: str, source_script: str, view: View) -> ScriptView | None:
    """The view if it has been converted already (cheap: never converts)."""
    config = config_for(source_script, view)
    if config is None:
        return script_view(text, source_script, view)
    return _CACHE.get((text, config))


def script_view(text: str, source_script: str, view: View) -> ScriptView:
    """The view of ``text`` (a release in ``source_script``); cached, so toggling costs once.

    Thread-safe enough for workers: a race converts twice and keeps one, never a wrong view.
    """
    config = config_for(source_script, view)
    key = (text, config or "")
    found = _CACHE.get(key)
    if found is not None and found.view == view:
        _CACHE.move_to_end(key)
        return found
    converted, units = convert(text, config)
    result = ScriptView(view, config, text, converted, tuple(units))
    _CACHE[key] = result
    while len(_CACHE) > CACHE_SIZE:
        _CACHE.popitem(last=False)
    return result


def view_with_config(text: str, config: str | None) -> ScriptView:
    """A view with an explicit OpenCC configuration (for tests and tools; not cached)."""
    converted, units = convert(text, config)
    return ScriptView("original" if config is None else "hant", config, text, converted, tuple(units))
