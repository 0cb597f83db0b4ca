"""Script views: the converted text is OpenCC's, and offset maps are exact both ways.

Properties, for every view config (the product's three, plus s2twp, whose phrases change length):
- the view text is exactly ``OpenCC(config).convert(text)``;
- a canonical span projected to the view and back returns the span itself when no replaced phrase
  straddles its ends, and otherwise the smallest span widened to whole phrases;
- the view text at a projected span is OpenCC's conversion of the canonical text it maps back to;
- a span selected in the view maps to canonical offsets whose projection covers the selection.
"""

from __future__ import annotations

import functools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opencc import OpenCC

from hkpr_tui.models import NewRelease
from hkpr_tui.script import OpenCCConflictError
from hkpr_tui.script import chars as chars_module
from hkpr_tui.script.views import ScriptView, cached_view, config_for, script_view, view_with_config

CONFIGS = ["t2hk", "s2hk", "hk2s", "t2s", "s2twp"]
TOKENS = [
    # Traditional and Simplified characters and phrases, some in OpenCC's phrase dictionaries
    "數碼港",
    "数码港",
    "人工智能",
    "財政預算案",
    "财政预算案",
    "科技園",
    "软件",
    "內存",
    "内存",
    "打印机",
    "鼠标",
    "服务器",
    "信息",
    "乾燥",
    "头发",
    "頭髮",
    "干涉",
    "著名",
    "裡面",
    "綫",
    "里面",
    "。",
    "，",
    "「",
    "」",
    "《",
    "》",
    "：",
    # ASCII, figures, astral characters, emoji, combining marks, line breaks
    "AI",
    "3,000",
    "2024-25",
    " ",
    "GenA.I.",
    "𨋢",
    "𠝹",
    "𡃁",
    "😀",
    "👩‍💻",
    "e\u0301",
    "\n",
    "\r\n",
    "\n\n",
]
texts = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=40).map("".join)


@functools.cache
def _converter(config: str) -> OpenCC:
    return OpenCC(config)


def check_span(view: ScriptView, start: int, end: int) -> None:
    text, config = view.source, view.config
    assert config is not None
    vs, ve = view.to_view(start, end)
    back = view.to_canonical(vs, ve)
    assert back[0] <= start and back[1] >= end
    inside = [u for u in view.units if u[0] < start < u[1] or u[0] < end < u[1]]
    if not inside:
        assert back == (start, end)
    else:  # widened exactly to the phrases it cuts, no further
        assert back[0] in (start, *[u[0] for u in inside])
        assert back[1] in (end, *[u[1] for u in inside])
    assert view.text[vs:ve] == _converter(config).convert(text[back[0] : back[1]])


@pytest.mark.parametrize("config", CONFIGS)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, data=st.data())
def test_random_text_round_trips(config: str, text: str, data: st.DataObject) -> None:
    view = view_with_config(text, config)
    assert view.text == _converter(config).convert(text)
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    check_span(view, start, end)
    # a selection made in the view
    vs = data.draw(st.integers(0, len(view.text)))
    ve = data.draw(st.integers(vs, len(view.text)))
    cs, ce = view.to_canonical(vs, ve)
    ps, pe = view.to_view(cs, ce)
    assert ps <= vs and pe >= ve


@pytest.mark.parametrize("config", CONFIGS)
def test_every_seed_sentence_round_trips(parsed_seeds: dict[str, NewRelease], config: str) -> None:
    for release in parsed_seeds.values():
        view = view_with_config(release.text, config)
        assert view.text == _converter(config).convert(release.text)
        for sentence in release.sentences:
            check_span(view, sentence.start, sentence.end)


def test_length_changing_path_is_exercised() -> None:
    view = view_with_config("服务器内存，打印机。", "s2twp")
    assert view.text == "伺服器記憶體，印表機。"
    assert len(view.text) != len(view.source)
    # 内存 (3-5) became 記憶體 (3-6): a span inside it widens to the whole phrase
    assert view.to_view(3, 5) == (3, 6)
    assert view.to_canonical(4, 5) == (3, 5)
    # after it, positions shift by one
    assert view.to_view(6, 9) == (7, 10) and view.text[7:10] == "印表機"
    # 打 (6) has no counterpart of its own inside the phrase 打印机 → 印表機
    assert view.to_view(6, 7) == (7, 10)


def test_product_views_of_a_traditional_release(parsed_seeds: dict[str, NewRelease]) -> None:
    release = parsed_seeds["000"]
    hans = script_view(release.text, release.script, "hans")
    assert hans.text.startswith("新闻稿") and "数码港" in hans.text
    start = release.text.index("數碼港")
    vs, ve = hans.to_view(start, start + 3)
    assert hans.text[vs:ve] == "数码港"
    assert script_view(release.text, release.script, "original").text == release.text
    assert config_for("hant", "hant") == "t2hk" and config_for("hans", "hant") == "s2hk"


def test_product_views_of_a_simplified_release(parsed_seeds: dict[str, NewRelease]) -> None:
    release = parsed_seeds["001"]
    hant = script_view(release.text, release.script, "hant")
    start = release.text.index("数码港汇聚超过 190 间")
    vs, ve = hant.to_view(start, start + 13)
    assert hant.text[vs:ve] == "數碼港匯聚超過 190 間"
    assert hant.to_canonical(vs, ve) == (start, start + 13)


def test_views_are_cached(parsed_seeds: dict[str, NewRelease]) -> None:
    release = parsed_seeds["004"]
    assert cached_view(release.text + "x", release.script, "hans") is None  # never converts
    first = script_view(release.text, release.script, "hans")
    script_view(release.text, release.script, "original")
    assert script_view(release.text, release.script, "hans") is first
    assert cached_view(release.text, release.script, "hans") is first


def test_the_cpp_opencc_package_is_detected(monkeypatch: pytest.MonkeyPatch) -> None:
    chars_module.opencc_dir.cache_clear()
    monkeypatch.setattr(chars_module, "_installed", lambda dist: dist == "opencc")
    try:
        with pytest.raises(OpenCCConflictError, match="pip uninstall -y opencc"):
            chars_module.opencc_dir()
    finally:
        chars_module.opencc_dir.cache_clear()
