"""Suggestions: what the rules and earlier tags propose, and what they must not (headless)."""

from __future__ import annotations

import dataclasses

import pytest

from hkpr_tui.annotate.labels import LabelError, default_labels, load_labels
from hkpr_tui.annotate.suggest import suggest


def found(text: str, **kwargs: object) -> list[tuple[str, str]]:
    return [(s.text, s.label) for s in suggest(text, **kwargs)]  # type: ignore[arg-type]


def test_5g_is_not_a_quantity() -> None:
    assert found("推動5G網絡及4K廣播，投資30億元") == [("30億元", "MONEY")]


def test_one_computing_power_figure() -> None:
    assert found("提供3,000 千萬億次算力") == [("3,000 千萬億次", "QUANTITY")]


def test_financial_years_are_dates_only_when_the_label_file_says_so(tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = "2026-27年度預算於2026年2月25日公布"
    assert found(text) == [("2026年2月25日", "DATE")]  # off by default
    assert found(text, label_defs=default_labels()) == [("2026年2月25日", "DATE")]
    path = tmp_path / "labels.toml"
    path.write_text('[[label]]\nname = "DATE"\nfiscal_years = true\n', encoding="utf-8")
    labels = load_labels(path)
    assert found(text, label_defs=labels) == [("2026-27年度", "DATE"), ("2026年2月25日", "DATE")]
    path.write_text('[[label]]\nname = "DATE"\nfiscal_years = "yes"\n', encoding="utf-8")
    with pytest.raises(LabelError, match="line 3.*fiscal_years"):
        load_labels(path)


def test_rules_do_not_suggest_inside_a_tagged_entity() -> None:
    text = "《2026-27年度財政預算案》提到5G計劃撥款30億元。"
    doc = (0, text.index("》") + 1, "DOCUMENT")
    programme = (text.index("5G"), text.index("撥款"), "PROGRAM")
    labels = [dataclasses.replace(l, fiscal_years=True) if l.name == "DATE" else l for l in default_labels()]
    before = found(text, label_defs=labels)
    assert ("2026-27年度", "DATE") in before and ("《2026-27年度財政預算案》", "DOCUMENT") in before
    after = found(text, tagged=[doc, programme], label_defs=labels)
    assert after == [("30億元", "MONEY")]


def test_rules_still_suggest_inside_a_claim() -> None:
    text = "數碼港吸引超過500間企業進駐。"
    claim = (0, len(text) - 1, "STATISTIC")
    assert found(text, tagged=[claim]) == [("500間", "QUANTITY")]  # the claim labels of the shipped file
    custom = [*default_labels()]
    custom = [dataclasses.replace(l, name="FIGURE") if l.name == "STATISTIC" else l for l in custom]
    assert found(text, tagged=[(0, len(text) - 1, "FIGURE")], label_defs=custom) == [("500間", "QUANTITY")]


def test_strings_tagged_before_may_nest_in_an_entity() -> None:
    text = "數碼港大樓位於數碼港"
    got = found(text, known={"數碼港": "ORG"}, tagged=[(0, 5, "FACILITY")])
    assert got == [("數碼港", "ORG"), ("數碼港", "ORG")]


def test_the_app_call_still_works() -> None:  # as screens/annotating.py calls it
    out = suggest("撥款30億元", known={}, tagged=[], rejected=[(2, 6, "MONEY")], labels=["MONEY", "QUANTITY"])
    assert out == []


@pytest.mark.parametrize("text", ["", "\x00", "《》", "《" * 100, "-" * 50, "負", "\ud80030億元"])
def test_odd_text_never_fails(text: str) -> None:
    for s in suggest(text, tagged=[(0, 1, "ORG"), (5, 2, "X")], known={"": "ORG", "《": "DOCUMENT"}):
        assert text[s.start : s.end] == s.text


def test_suggestions_by_one_walk_and_by_update_equal_a_search_of_every_string() -> None:
    """Known strings found by walking the text (and after adding, relabelling and removing a
    string) are every occurrence a plain search finds, in either script; crossing tags are
    refused exactly as by comparing every pair."""
    import random

    from hkpr_tui.annotate.suggest import KnownMatches, Suggestion, filter_suggestions
    from hkpr_tui.script import fold

    rng = random.Random(3)
    alphabet = "數码碼港灣區政府財政ab "
    for _ in range(150):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        folded = fold(text)
        known = {
            fold("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 4)))): rng.choice("AB") for _ in range(8)
        }

        def every(known: dict[str, str]) -> set[tuple[int, int, str]]:
            return {
                (i, i + len(k), label)
                for k, label in known.items()
                if len(k) >= 2
                for i in range(len(folded))
                if folded.startswith(k, i)
            }

        matches = KnownMatches(text, known)
        assert {(s.start, s.end, s.label) for s in matches.suggestions()} == every(known)
        assert all(s.text == text[s.start : s.end] for s in matches.suggestions())
        changed: dict[str, str | None] = {next(iter(known)): None, fold(text[3:6]): "C"} if len(text) > 6 else {}
        matches.update(changed)
        after = {k: v for k, v in {**known, **changed}.items() if v is not None}
        assert {(s.start, s.end, s.label) for s in matches.suggestions()} == every(after)

        tags = [(a, a + rng.randint(1, 8), "ORG") for a in rng.sample(range(70), 4)]
        candidates = [Suggestion(a, a + rng.randint(1, 6), "X", "known", "") for a in range(60)]
        kept = {(s.start, s.end) for s in filter_suggestions(candidates, tagged=tags)}

        def crosses(a: tuple[int, int], b: tuple[int, int]) -> bool:
            return a[0] < b[0] < a[1] < b[1] or b[0] < a[0] < b[1] < a[1]

        expected = {
            (s.start, s.end)
            for s in candidates
            if (s.start, s.end) not in {t[:2] for t in tags} and not any(crosses((s.start, s.end), t[:2]) for t in tags)
        }
        assert kept == expected
