"""Search across scripts, through the store and through `hkpr search`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from hkpr_tui.cli import cli
from hkpr_tui.corpus import parse_text
from hkpr_tui.script import fold
from hkpr_tui.store import Store


def sources(store: Store, query: str, **kwargs: int) -> set[str]:
    return {Path(h.source).name[:3] for h in store.search(query, **kwargs).hits}


def test_simplified_query_finds_both_scripts(seeded_store: Store) -> None:
    assert sources(seeded_store, "数码港") >= {"000", "001", "003"}
    assert sources(seeded_store, "數碼港") == sources(seeded_store, "数码港")


def test_traditional_query_finds_the_hkstp_release(seeded_store: Store) -> None:
    assert "002" in sources(seeded_store, "科技園")
    assert "002" in sources(seeded_store, "科技园")


def test_hits_carry_canonical_offsets_and_a_snippet(seeded_store: Store) -> None:
    for hit in seeded_store.search("数码港汇聚").hits:
        text = seeded_store.release(hit.release_id).text
        assert fold(text[hit.start : hit.end]) == "数码港汇聚"
        assert fold(text[hit.start : hit.end]) in fold(hit.snippet)


@pytest.mark.parametrize("query", ["港", "數碼", "AI"])
def test_one_and_two_character_queries(seeded_store: Store, query: str) -> None:
    page = seeded_store.search(query, limit=50)
    assert page.hits
    for hit in page.hits:
        text = seeded_store.release(hit.release_id).title if hit.in_title else seeded_store.release(hit.release_id).text
        assert fold(text[hit.start : hit.end]).lower() == fold(query).lower()


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "*",
        "OR",
        "'",
        "數碼港 OR 科技",
        '"數碼港"',
        "a*b",
        "NEAR(x y)",
        "%",
        "_",
        "\\",
        "1'; DROP TABLE releases; --",
    ],
)
def test_query_syntax_is_text_never_an_error(seeded_store: Store, query: str) -> None:
    seeded_store.search(query)  # must not raise
    assert seeded_store.count_releases() == 5


def test_percent_and_underscore_are_literal(store: Store) -> None:
    store.add_release(parse_text("增長50%的企業。"))
    store.add_release(parse_text("增長50個企業。"))
    assert [h.snippet for h in store.search("50%").hits] == ["增長50%的企業。"]
    assert store.search("5_").hits == []


def test_every_term_must_occur(seeded_store: Store) -> None:
    assert sources(seeded_store, "数码港 190") == {"001"}
    assert sources(seeded_store, "数码港 不存在的詞語") == set()


def test_title_matches_rank_first(store: Store) -> None:
    store.add_release(parse_text("普通標題\n\n" + "內文提到超算中心。" * 3))
    store.add_release(parse_text("超算中心啟用\n\n內文。"))
    assert store.search("超算中心").hits[0].title == "超算中心啟用"


def test_results_come_a_page_at_a_time(store: Store) -> None:
    store.add_releases(parse_text(f"第{i}號新聞\n\n數碼港第{i}則消息。") for i in range(25))
    first = store.search("數碼港", limit=10)
    second = store.search("數碼港", limit=10, offset=10)
    third = store.search("數碼港", limit=10, offset=20)
    assert len(first.hits) == 10 and first.has_more and second.has_more and not third.has_more
    ids = [h.release_id for page in (first, second, third) for h in page.hits]
    assert len(ids) == len(set(ids)) == 25


def test_cli_search_json(seeded_db: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", str(seeded_db), "search", "数码港", "--json"])
    assert result.exit_code == 0
    hits = [json.loads(line) for line in result.stdout.splitlines()]
    assert {Path(h["source"]).name[:3] for h in hits} >= {"000", "001", "003"}
    assert set(hits[0]) >= {"release_id", "source", "title", "start", "end", "snippet"}
    result = CliRunner().invoke(cli, ["--db", str(seeded_db), "search", "不存在的詞語"])
    assert result.exit_code == 0 and "No release contains" in result.stdout


def test_a_query_matching_very_many_releases_is_ranked_among_its_newest_matches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """bm25 scores every match; past RANK_AMONG matches only the newest are ranked, and the page
    and `hkpr search` say so. Here: the best match (數碼港 three times) is the oldest release."""
    import hkpr_tui.store.store as store_module

    db = tmp_path / "many.db"
    store = Store.open(db)
    store.add_releases(
        [parse_text("數碼港數碼港數碼港。", source="best.txt")]
        + [parse_text(f"第{i}篇：數碼港計劃消息。" + "其他內容。" * 20, source=f"r{i}.txt") for i in range(6)]
    )
    assert Path(store.search("數碼港").hits[0].source).name == "best.txt"
    assert store.search("數碼港").ranked_among is None
    monkeypatch.setattr(store_module, "RANK_AMONG", 4)
    monkeypatch.setattr(store_module, "LONG_FEW", 2)
    page = store.search("數碼港")
    assert page.ranked_among == 4
    assert {Path(h.source).name for h in page.hits} == {"r2.txt", "r3.txt", "r4.txt", "r5.txt"}
    store.close()
    result = CliRunner().invoke(cli, ["--db", str(db), "search", "数码港"])
    assert result.exit_code == 0, result.output
    assert "best first among the newest 4 matches" in result.output
