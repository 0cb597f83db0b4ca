"""The hkpr command as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from hkpr_tui import __version__
from hkpr_tui.cli import cli
from tests.conftest import SEEDS

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, db: Path | None = None) -> tuple[int, str, str]:
    runner = CliRunner()
    base = ["--db", str(db)] if db else []
    result = runner.invoke(cli, [*base, *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_import_list_and_json(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    code, out, _ = run("import", str(SEEDS), db=db)
    assert code == 0
    assert out.strip().splitlines()[-1] == "imported 5, duplicates 0, skipped 0"
    code, out, _ = run("list", "--json", db=db)
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 5
    assert set(rows[0]) >= {"id", "title", "organisation", "date", "kind", "script", "source", "counts"}
    by_source = {Path(r["source"]).name[:3]: r for r in rows}
    assert by_source["001"]["script"] == "hans" and by_source["004"]["date"] is None
    assert by_source["000"]["counts"]["entities"] == 0 and by_source["000"]["counts"]["sentences"] > 10
    code, out, _ = run("list", db=db)
    assert "數碼港" in out and "香港文匯報" in out and "2024-02-28" in out


def test_import_reports_skips_in_its_exit_status(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x00binary")
    code, out, err = run("import", str(SEEDS), str(bad), db=db)
    assert code == 1
    assert f"skipped   {bad}: binary file" in err
    assert "imported 5, duplicates 0, skipped 1" in out
    code, out, _ = run("import", str(SEEDS), db=db)
    assert code == 0 and "imported 0, duplicates 5, skipped 0" in out


def test_stats_json(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    run("import", str(SEEDS), db=db)
    code, out, _ = run("stats", "--json", db=db)
    data = json.loads(out)
    assert code == 0 and data["releases"] == 5 and data["by_script"] == {"hans": 1, "hant": 4}
    assert "by_label" in data and "by_annotator" in data


def test_empty_database_says_how_to_import(tmp_path: Path) -> None:
    code, _, err = run("list", db=tmp_path / "typo.db")  # a read-only command never creates a database
    assert code == 1 and "typo.db: no such database" in err and "hkpr import" in err
    assert not (tmp_path / "typo.db").exists()
    run("import", str(tmp_path / "nothing-here"), db=tmp_path / "new.db")
    code, out, _ = run("list", db=tmp_path / "new.db")
    assert code == 0 and "hkpr import" in out


def test_db_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "env.db"
    monkeypatch.setenv("HKPR_DB", str(db))
    code, _, _ = run("import", str(SEEDS / "000_783b239f0e27d279.txt"))
    assert code == 0 and db.exists()


def test_a_newer_database_gets_a_clear_message(tmp_path: Path) -> None:
    from sqlite_utils import Database

    from hkpr_tui.store import Store

    db = tmp_path / "newer.db"
    Store.open(db).close()
    Database(db)["_sqlite_migrations"].insert({"migration_set": "hkpr", "name": "m999_future", "applied_at": "x"})
    code, _, err = run("list", db=db)
    assert code == 1 and "newer version of hkpr" in err


@pytest.mark.parametrize("command", [[], ["tui"], ["import"], ["list"], ["stats"]])
def test_every_command_has_help(command: list[str]) -> None:
    code, out, _ = run(*command, "--help")
    assert code == 0 and "Usage:" in out and len(out.splitlines()) > 3


def test_version_and_module_entry_point() -> None:
    result = subprocess.run([sys.executable, "-m", "hkpr_tui", "--version"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0 and __version__ in result.stdout


def test_stats_counts_annotations_by_label_annotator_status_session(seeded_db: Path) -> None:
    from hkpr_tui.annotate.session import Actions
    from hkpr_tui.store import Store

    store = Store.open(seeded_db)
    rid = store.list_releases(sort="id")[0].id
    text = store.release(rid).text
    for who in ("ann", "bob"):
        actions = Actions(store, who, store.start_session(who))
        start = text.index("數碼港") if who == "ann" else text.index("香港")
        actions.tag(rid, "entity", "ORG" if who == "ann" else "LOC", start, start + (3 if who == "ann" else 2))
        store.end_session(actions.session_id or 0)
    actions.set_status(rid, "done")
    store.close()
    _, out, _ = run("stats", "--json", db=seeded_db)
    data = json.loads(out)
    assert data["by_label"] == {"LOC": 1, "ORG": 1}
    assert data["by_annotator"] == {"ann": 1, "bob": 1}
    assert data["by_status"]["done"] == 1 and data["by_annotation_status"] == {"accepted": 2}
    assert [(s["annotator"], s["tags"]) for s in data["by_session"]] == [("ann", 1), ("bob", 1)]
    _code, out, _ = run("stats", db=seeded_db)
    assert "by session" in out and "by label" in out and "ORG" in out


def test_options_without_a_command_open_the_app(tmp_path: Path) -> None:
    """`hkpr --db other.db` runs the default command (tui), not a usage error."""
    from click_default_group import DefaultGroup

    assert isinstance(cli, DefaultGroup)
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.db"), "--help"])
    assert result.exit_code == 0


def test_bad_label_file_is_reported_before_the_app_opens(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    labels = tmp_path / "labels.toml"
    labels.write_text('[[label]]\nname = "ORG"\ncolour = "red-ish"\n', encoding="utf-8")
    monkeypatch.setenv("HKPR_LABELS", str(labels))
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.db")])
    assert result.exit_code == 1 and "line 3" in result.output and "colour" in result.output
