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


def _reference(candidates, stored, model, tagged, rejected, labels):  # type: ignore[no-untyped-def]
    """What a release's suggestions are, computed from scratch the plain way: the filter, then
    imported predictions on no tagged or rejected span, then the model's on no span suggested
    already and crossing no tag."""
    from hkpr_tui.annotate.suggest import filter_suggestions

    found = filter_suggestions(candidates, tagged=tagged, rejected=rejected, labels=labels)
    taken = {(s, e) for s, e, _ in tagged} | {(s, e) for s, e, _ in rejected}
    predicted = [p for p in stored if (p.start, p.end) not in taken and p.label in labels]
    spans = {(s.start, s.end) for s in [*found, *predicted]}
    predicted += [
        p
        for p in model
        if (p.start, p.end) not in taken and (p.start, p.end) not in spans and p.label in labels
        and not any(a < p.end and p.start < b and not (a <= p.start and p.end <= b) for a, b in taken)
    ]  # fmt: skip
    return sorted([*found, *predicted], key=lambda s: (s.start, s.end, s.label))


def test_live_suggestions_refreshed_after_each_change_equal_filtering_everything_again() -> None:
    """After any sequence of tags, rejections, undos, known strings changing and predictions
    changing, the suggestions kept by refiltering only the changed spans are exactly those
    computed from scratch, and the (removed, added) reported turn the old list into the new."""
    import random
    from collections import Counter

    from hkpr_tui.annotate.suggest import LiveSuggestions, Suggestion

    rng = random.Random(11)
    labels = ["A", "B", "DATE"]

    def span(length: int = 6) -> tuple[int, int]:
        start = rng.randrange(0, 80)
        return start, start + rng.randint(1, length)

    def suggestion(source: str) -> Suggestion:
        s, e = span(8 if source == "rule" else 5)
        return Suggestion(s, e, rng.choice([*labels, "GONE"]), source, "")

    for _ in range(60):
        rules = [suggestion("rule") for _ in range(15)]
        known = list(dict.fromkeys(suggestion("known") for _ in range(60)))  # as KnownMatches: each once
        stored = [suggestion("model") for _ in range(4)]
        model = [suggestion("model") for _ in range(6)]
        tagged = {(*span(), rng.choice(labels)) for _ in range(3)}
        rejected: set[tuple[int, int, str]] = set()
        live = LiveSuggestions()
        live.reset([*rules, *known], stored=stored, model=model, tagged=tagged, rejected=rejected, labels=labels)
        assert live.found == _reference([*rules, *known], stored, model, tagged, rejected, labels)
        for _ in range(12):
            before = Counter(live.found)
            removed, added = [], []
            what = rng.randrange(6)
            if what == 0:
                tagged.add((*span(), rng.choice(labels)))
            elif what == 1 and tagged:
                tagged.discard(rng.choice(sorted(tagged)))
            elif what == 2 and live.found:
                s = rng.choice(live.found)
                rejected.add((s.start, s.end, s.label))
            elif what == 3:
                removed = rng.sample(known, min(3, len(known)))
                known = [k for k in known if k not in removed]
                added = [s for s in dict.fromkeys(suggestion("known") for _ in range(3)) if s not in known]
                known += added
            elif what == 4:
                stored = [*stored[1:], suggestion("model")]
            else:
                model = [*model[1:], suggestion("model")]
            gone, new = live.refresh(
                removed=removed, added=added, stored=stored, model=model, tagged=tagged, rejected=rejected
            )
            expected = _reference([*rules, *known], stored, model, tagged, rejected, labels)
            assert live.found == expected
            assert before - Counter(gone) + Counter(new) == Counter(expected)
            assert not Counter(gone) - before


def test_suggestion_list_finds_by_position_as_a_scan_does() -> None:
    """The reader's lookups in a release's suggestions (what covers the cursor, the next and the
    previous one still open, a suggestion's place among the open ones) agree with a scan."""
    import random

    from hkpr_tui.annotate.suggest import Suggestion, SuggestionList

    rng = random.Random(5)
    for _ in range(100):
        items = []
        for _ in range(rng.randint(0, 40)):
            start = rng.randrange(50)
            items.append(Suggestion(start, start + rng.randint(1, 7), rng.choice("AB"), "known", ""))
        found = SuggestionList(items)
        plain = sorted(items, key=lambda s: (s.start, s.end, s.label))
        assert list(found) == plain and len(found) == len(plain)
        taken = {(s.start, s.end, s.label) for s in rng.sample(plain, len(plain) // 3)}
        open_ = [s for s in plain if (s.start, s.end, s.label) not in taken]
        for offset in range(-1, 60):
            assert found.covering(offset) == [s for s in plain if s.start <= offset < s.end]
            assert found.next_open(offset, taken) == next((s for s in open_ if s.start > offset), None)
            assert found.next_open(offset, taken, at=True) == next((s for s in open_ if s.start >= offset), None)
            assert found.previous_open(offset, taken) == next((s for s in reversed(open_) if s.start < offset), None)
        for s in plain:
            assert s in found
            place = open_.index(s) + 1 if s in open_ else 0
            assert found.open_position(s, taken) == (place, len(open_))
            here = plain.index(s)
            later = [t for t in plain[here + 1 :] if (t.start, t.end, t.label) not in taken]
            earlier = [t for t in plain[:here] if (t.start, t.end, t.label) not in taken]
            assert found.after(s, taken) == (later[0] if later else None)
            assert found.after(s, taken, -1) == (earlier[-1] if earlier else None)
