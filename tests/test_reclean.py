"""``hkpr import --dry-run`` and ``hkpr reclean`` (issue 11)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from click.testing import CliRunner

from hkpr_tui.cli import cli
from hkpr_tui.corpus.ingest import parse_text, release_from_text
from hkpr_tui.importer import reclean
from hkpr_tui.store import Store
from tests.test_ingest_kinds import DOCX_MD, PDF_HTML, RSS_GB2312


def run(*args: str, db: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_dry_run_prints_what_would_be_stored_and_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "docx.md").write_text(DOCX_MD, encoding="utf-8")
    (folder / "pdf.html").write_text(PDF_HTML, encoding="utf-8")
    (folder / "feed.xml").write_bytes(RSS_GB2312.replace("–", "-").encode("gb2312"))
    (folder / "bad.txt").write_bytes(b"\x00\x01\x02\x03 binary")
    db = tmp_path / "never.db"
    code, out, err = run("import", "--dry-run", str(folder), db=db)
    assert not db.exists()  # no database is created
    assert code == 1 and "bad.txt" in err and "binary" in err
    blocks = out.split("\n\n")
    docx = next(b for b in blocks if "docx.md" in b)
    assert "[Markdown, utf-8]" in docx
    assert "title:        數碼港推出人工智能資助計劃" in docx
    assert "date:         2023-10-18" in docx and "organisation: 數碼港" in docx
    assert "| 新聞稿" in docx and "| 數碼港推出人工智能資助計劃" in docx
    pdf = next(b for b in blocks if "pdf.html" in b)
    group = next(line for line in docx.splitlines() if "group:" in line)
    assert group in pdf  # two conversions of one release: one group
    assert "[RSS/Atom feed, gb18030]" in out and out.count("kind:         feed item") == 2
    assert "nothing was stored" in out.splitlines()[-1]


def _old_cleaner_release(raw: str, old_text: str, source: str):  # type: ignore[no-untyped-def]
    """A release as an older hkpr stored it: the raw text, and the text the old cleaner made."""
    fresh = parse_text(raw, fmt="markdown", source=source)
    old = release_from_text(old_text, source=source)  # the text kept exactly as it was
    return dataclasses.replace(old, raw_text=raw, group_key=fresh.group_key + "-old")


def test_reclean_rederives_text_and_refuses_releases_whose_tags_would_move(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    store = Store.open(db)
    old_a = (
        "source: docx\n\n新聞稿\n\n數碼港推出人工智能資助計劃\n\n香港，2023 年 10 月 18 日 **–數碼港今日宣布推出計劃。"
    )
    old_b = "新聞稿\n\n數碼港推出人工智能資助計劃 **\n\n香港，2023 年 10 月 18 日 **–數碼港今日宣布推出計劃。"
    raw = "---\nsource: docx\nprocessTime: 2025-04-27T21:15:36Z\n---\n\n**新聞稿**\n\n## 數碼港推出人工智能資助計劃\n\n**香港，2023 年 10 月 18 日 **–數碼港今日宣布推出計劃。\n"
    a = store.add_release(_old_cleaner_release(raw, old_a, "a.md")).release_id
    b = store.add_release(_old_cleaner_release(raw + "\n（完）\n", old_b, "b.md")).release_id
    start = old_a.index("數碼港推出")
    store.add_annotation(a, "entity", "ORG", start, start + 3, annotator="ann")  # moves when source: goes
    early = old_b.index("新聞稿")
    store.add_annotation(b, "entity", "ORG", early, early + 3, annotator="ann")  # stays at the same offsets
    assert store.release(a).group_id != store.release(b).group_id
    store.close()

    code, out, err = run("reclean", db=db)
    assert code == 1
    assert f"refused   #{a}: 1 annotation(s) would no longer match the text" in err and "'數碼港'" in err
    assert f"recleaned #{b}" in out and "refused 1" in out
    store = Store.open(db)
    kept, cleaned = store.release(a), store.release(b)
    assert kept.text == old_a  # refused: untouched
    assert cleaned.text.startswith("新聞稿\n\n數碼港推出人工智能資助計劃\n\n香港，2023 年 10 月 18 日 –數碼港")
    assert "**" not in cleaned.text
    assert (cleaned.title, cleaned.date, cleaned.organisation) == ("數碼港推出人工智能資助計劃", "2023-10-18", "數碼港")
    assert store.search("人工智能資助").hits  # the search index follows the new text
    assert [p.start for p in store.paragraphs(b)][:2] == [0, 5]
    store.close()


def test_reclean_regroups_versions_and_is_idempotent(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "a.db")
    text = parse_text(DOCX_MD, fmt="markdown", source="a.md")
    other = parse_text(DOCX_MD.replace("（852）", "(852) ") + "\n\n（完）\n", fmt="markdown", source="b.md")
    store.add_releases([text, dataclasses.replace(other, group_key="an old exact-hash key")])
    first = reclean(store)
    assert first.refused == [] and len(first.regrouped) == 1
    ids = store.release_ids()
    assert len({store.release(i).group_id for i in ids}) == 1
    again = reclean(store)
    assert again.changed == [] and again.regrouped == [] and len(again.unchanged) == 2
    store.close()


def test_reclean_without_a_database_says_so(tmp_path: Path) -> None:
    code, _, err = run("reclean", db=tmp_path / "none.db")
    assert code == 1 and "no such database" in err and not (tmp_path / "none.db").exists()
