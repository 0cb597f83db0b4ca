"""Word segmentation in canonical offsets, the same in every script (headless)."""

from __future__ import annotations

import itertools
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hkpr_tui.script.views import script_view
from hkpr_tui.script.words import (
    next_word_start,
    preload,
    previous_word_start,
    word_at,
    word_bounds,
    words,
)

HANT = "數碼港人工智能超算中心獲政府撥款30億元，2026-27年度推動5G網絡及AI發展。"
HANS = "数码港人工智能超算中心获政府拨款30亿元，2026-27年度推动5G网络及AI发展。"


def pieces(text: str, script: str) -> list[str]:
    return [text[s:e] for s, e in words(text, script)]


def test_chinese_words_and_latin_runs_stay_whole() -> None:
    got = pieces(HANT, "hant")
    for word in ["數碼港", "人工智能", "政府", "撥款", "2026-27", "年度", "5G", "AI"]:
        assert word in got
    assert "5" not in got and "G" not in got
    assert pieces("超算中心提供3,000 PFLOPS算力，約1.5萬人次", "hant")[:4] == ["超算", "中心", "提供", "3,000"]
    assert "1.5" in pieces("約1.5萬人次", "hant")


def test_same_boundaries_in_both_scripts_of_the_same_text() -> None:
    assert word_bounds(HANT, "hant") == word_bounds(HANS, "hans")


@pytest.mark.parametrize(
    ("text", "script"),
    [("香港的打印機和內存晶片產業，數碼港公佈計劃。", "hant"), ("香港的打印机和内存芯片产业。他们干涉了头发", "hans")],
)
def test_boundaries_hold_in_every_view_of_the_release(text: str, script: str) -> None:
    bounds = word_bounds(text, script)
    assert bounds[0] == 0 and bounds[-1] == len(text) and bounds == sorted(set(bounds))
    phrases = 0
    for view_name in ("original", "hant", "hans"):
        view = script_view(text, script, view_name)  # type: ignore[arg-type]
        phrases += len(view.units)
        for b in bounds:  # every canonical boundary is a position in each view, not inside a phrase
            start, end = view.to_view(b, b)
            assert start == end
        for a, b in itertools.pairwise(bounds):  # and each word reads as one word in the view
            v0, v1 = view.to_view(a, b)
            assert view.to_canonical(v0, v1) == (a, b)
    assert script == "hant" or phrases > 0  # the Simplified text has phrases OpenCC replaces as units


def test_word_at_and_cursor_moves() -> None:
    text = "數碼港 與 AI，發展"
    assert word_at(text, "hant", 0) == (0, 3)
    assert word_at(text, "hant", 2) == (0, 3)
    assert word_at(text, "hant", 3) is None  # a space
    assert word_at(text, "hant", 6) == (6, 8)  # AI
    assert word_at(text, "hant", 8) is None  # ，
    assert word_at(text, "hant", len(text)) is None
    assert word_at(text, "hant", -1) is None
    assert next_word_start(text, "hant", 0) == 4  # 與
    assert next_word_start(text, "hant", 4) == 6
    assert next_word_start(text, "hant", 6) == 9  # past the comma
    assert next_word_start(text, "hant", 9) == len(text)
    assert previous_word_start(text, "hant", len(text)) == 9
    assert previous_word_start(text, "hant", 10) == 9  # inside a word: its start
    assert previous_word_start(text, "hant", 9) == 6
    assert previous_word_start(text, "hant", 2) == 0
    assert previous_word_start(text, "hant", 0) == 0


@pytest.mark.parametrize("text", ["", " ", "。。", "\x00\ud800", "\u202e\x1b[31m", "𨋢𨋢", "a" * 500])
def test_odd_text_never_fails(text: str) -> None:
    bounds = word_bounds(text, "mixed")
    assert bounds[0] == 0 and bounds[-1] == len(text)
    for offset in range(-1, len(text) + 2):
        word_at(text, "hant", offset)
        assert 0 <= next_word_start(text, "hant", offset) <= len(text)
        assert 0 <= previous_word_start(text, "hant", offset) <= len(text)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from("數码港發发展的了 ,.-5GAI，。𨋢\n"), max_size=40))
def test_bounds_are_sorted_canonical_positions(text: str) -> None:
    bounds = word_bounds(text, "mixed")
    assert bounds[0] == 0 and bounds[-1] == len(text)
    assert bounds == sorted(set(bounds))
    assert "".join(text[a:b] for a, b in itertools.pairwise(bounds)) == text


def test_preload_makes_the_first_call_cheap() -> None:
    preload()
    assert word_bounds("數碼港", "hant") == [0, 3]


def test_the_segmenter_loads_only_on_first_use() -> None:
    code = "import sys, hkpr_tui.script.words, hkpr_tui.app; print('jieba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
