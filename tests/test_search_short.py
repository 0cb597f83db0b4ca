"""Short search terms (one and two characters) through the trigram index: the same rows as a LIKE
scan of every text, in the same order, whichever way the store finds them."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlite_utils import Database

import hkpr_tui.store.store as store_module
from hkpr_tui.corpus import parse_text
from hkpr_tui.models import NewRelease
from hkpr_tui.script import fold, search_key
from hkpr_tui.store import Store
from hkpr_tui.store.schema import KNOWN_MIGRATIONS, end_keys, migrations

TEMPLATE = parse_text("標題\n\n內文。")

# both scripts, ASCII and other Latin case, Kelvin sign and long s (folded by the tokenizer, not
# by LIKE), final sigma, quotes, LIKE's wildcards and escape, FTS5 syntax characters, white space
ALPHABET = list("数码港數碼的aAbBKſsςσéÉ\"'%_\\*() \n1\u212a")


def release(title: str, text: str, n: int) -> NewRelease:
    digest = hashlib.sha256(f"{n}:{title}\x1f{text}".encode()).hexdigest()
    return dataclasses.replace(TEMPLATE, title=title, text=text, content_hash=digest, group_key=digest)


def like_scan(store: Store, query: str) -> list[int]:
    """What search answered before the index was used for short terms: every short term a LIKE on
    every text, newest first. A long term is what the trigram index finds for it (a LIKE folds
    only ASCII case; the index folds É to é too)."""
    terms = search_key(query).split()
    where, params = [], []
    for term in terms:
        if len(term) >= 3:
            where.append("rowid IN (SELECT rowid FROM release_fts WHERE release_fts MATCH ?)")
            params.append('"' + term.replace('"', '""') + '"')
            continue
        pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append("(body LIKE ? ESCAPE '\\' OR title LIKE ? ESCAPE '\\')")
        params += [pattern, pattern]
    sql = f"SELECT rowid FROM release_fts WHERE {' AND '.join(where)} ORDER BY rowid DESC"
    return [row[0] for row in store.db.execute(sql, params).fetchall()]


def found(store: Store, query: str, limit: int = 1000) -> list[int]:
    return [h.release_id for h in store.search(query, limit=limit).hits]


@pytest.fixture(params=["as shipped", "always the index"])
def thresholds(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """As shipped, tiny databases take the LIKE scan; with these, every short term is rare and
    every MATCH 'many', so the index path runs on a handful of rows."""
    if request.param == "always the index":
        monkeypatch.setattr(store_module, "SHORT_WINDOW", 1)
        monkeypatch.setattr(store_module, "SHORT_DENSE", 2)
        monkeypatch.setattr(store_module, "LONG_FEW", 1)


texts = st.text(alphabet=ALPHABET, max_size=9)
queries = st.lists(
    st.one_of(st.text(alphabet=[c for c in ALPHABET if not c.isspace()], min_size=1, max_size=4)),
    min_size=1,
    max_size=3,
).map(" ".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(docs=st.lists(st.tuples(texts, texts), max_size=10), query_list=st.lists(queries, min_size=1, max_size=4))
def test_short_terms_find_what_a_like_scan_finds(
    thresholds: None, docs: list[tuple[str, str]], query_list: list[str]
) -> None:
    store = Store(Database(memory=True))
    store.add_releases(release(title, text, n) for n, (title, text) in enumerate(docs))
    # queries made of the texts' own ends and pieces, besides random ones
    extra = [search_key(t)[-2:] for _, t in docs if t.strip()] + [search_key(t)[-1:] for t, _ in docs if t.strip()]
    for query in query_list + [q for q in extra if q.strip()]:
        expected = like_scan(store, query)
        got = found(store, query)
        if any(len(t) >= 3 for t in search_key(query).split()):
            assert sorted(got) == sorted(expected), query  # ranked by bm25
        else:
            assert got == expected, query  # newest first


@pytest.mark.parametrize(
    ("query", "ids"),
    [
        ("港", [6, 5, 4, 3, 2]),  # inside, in the title, the last and next-to-last character
        ("码港", [6, 5, 2]),  # the last two characters of a text
        ("數", [6, 5, 3, 2]),  # Traditional finds Simplified
        ("b", [7, 1]),  # one character alone; ASCII case as LIKE folds it
        ("ab", [7]),
        ("é", [8]),  # LIKE folds only ASCII: É is another letter
        ("k", [1]),  # nor the Kelvin sign, which the tokenizer folds to k
        ('"', [9]),
        ("龘", []),
        ("港 b", []),
        ("數碼港 的", [6]),
        ("的 港", [6]),
    ],
)
def test_short_terms_at_the_ends_of_texts(thresholds: None, query: str, ids: list[int]) -> None:
    store = Store(Database(memory=True))
    docs = [
        ("B", "Kk"),  # 1
        ("x", "數碼港"),  # 2: ends in the query
        ("港x", "數y"),  # 3
        ("y", "港a"),  # 4: next-to-last
        ("數碼港之", "zz"),  # 5: in the title only
        ("t", "數碼港的發展。"),  # 6
        ("", "AB"),  # 7: a text of two characters, an empty title
        ("É", "é"),  # 8: texts of one character
        ('"', "\u212a"),  # 9: a quote; the Kelvin sign
    ]
    store.add_releases(release(title, text, n) for n, (title, text) in enumerate(docs))
    assert found(store, query) == ids or sorted(found(store, query)) == sorted(ids)
    assert found(store, query) == like_scan(store, query) or sorted(found(store, query)) == like_scan(store, query)


def test_a_page_of_short_term_hits_is_a_page_of_the_like_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "SHORT_WINDOW", 3)
    monkeypatch.setattr(store_module, "SHORT_DENSE", 2)
    store = Store(Database(memory=True))
    store.add_releases(release(f"第{n}則", "內文" + ("數碼港" if n % 7 == 0 else "科技"), n) for n in range(60))
    every = like_scan(store, "码港")
    assert len(every) == 9
    pages = [store.search("码港", limit=4, offset=o) for o in (0, 4, 8)]
    assert [h.release_id for p in pages for h in p.hits] == every
    assert [p.has_more for p in pages] == [True, True, False]


def test_ends_follow_the_text_when_it_is_recleaned(store: Store) -> None:
    release_id = store.add_release(release("舊", "內文以港結束", 1)).release_id
    assert found(store, "束") == [release_id]
    store.replace_release_text(release_id, release("新", "內文改以碼結尾", 2))
    assert found(store, "束") == [] and found(store, "結尾") == [release_id]
    keys = {r[0] for r in store.db.execute("SELECT key FROM release_ends WHERE release_id = ?", [release_id])}
    assert keys == end_keys(fold("新")) | end_keys(fold("內文改以碼結尾"))


def test_end_keys() -> None:
    assert end_keys("") == set()
    assert end_keys("a") == {"a"}
    assert end_keys("数码港") == {"码港", "码", "港"}
    assert end_keys("xAB") == {"ab", "a", "b"}  # as search compares them
    assert end_keys("aa") == {"aa", "a"}


def test_m009_backfills_the_ends_of_existing_releases(tmp_path: Path) -> None:
    db = Database(tmp_path / "old.db")
    migrations.apply(db, stop_before="m009_search_ends")
    old = Store(db, migrate=False)
    old.add_releases(release(title, text, n) for n, (title, text) in enumerate([("標題", "數碼港"), ("x", "AB")]))
    db.close()
    store = Store.open(tmp_path / "old.db")
    assert store.schema_version() == len(KNOWN_MIGRATIONS)
    rows = set(store.db.execute("SELECT key, release_id FROM release_ends").fetchall())
    assert rows == {
        ("码港", 1),
        ("码", 1),
        ("港", 1),
        ("标题", 1),
        ("标", 1),
        ("题", 1),
        ("ab", 2),
        ("a", 2),
        ("b", 2),
        ("x", 2),
    }
    assert found(store, "码港") == [1] and found(store, "b") == [2]
    store.close()
