"""Data safety with hostile input: --force, concurrent writers, undo across instances, hostile
imports and merges, escapes, database faults, personal data. Each test uses the hostile input
itself and checks that nothing already stored was lost or changed."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hkpr_tui.annotate.pii import find_pii
from hkpr_tui.annotate.session import Actions, StaleStep
from hkpr_tui.cli import cli
from hkpr_tui.export.formats import ExportError
from hkpr_tui.export.imports import ImportError_, import_annotations
from hkpr_tui.export.run import TEMP_MARK, export
from hkpr_tui.store import Store, StoreError, StoreFull, StoreReadOnly
from hkpr_tui.textsafe import safe

ROOT = Path(__file__).resolve().parent.parent
TEXT = "數碼港今日宣布，超過500間初創企業進駐。傳媒查詢：陳大文，電話 2114 4972。"
OSC52 = "a\x1b]52;c;ZXZpbA==\x07"


def run(*args: str, db: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def state(db: Path) -> tuple[object, ...]:
    """Everything a user relies on: releases, annotations, links, statuses (read without writing)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return tuple(
            conn.execute(sql).fetchall()
            for sql in (
                "SELECT id, content_hash, status, text FROM releases ORDER BY id",
                'SELECT id, release_id, kind, label, start, "end", text, status, attributes, deleted_at FROM annotations ORDER BY id',
                "SELECT * FROM links ORDER BY id",
                "SELECT name, kind FROM labels ORDER BY name",
            )
        )
    finally:
        conn.close()


@pytest.fixture
def tagged_db(seeded_db: Path) -> Path:
    """The seeds with one accepted ORG tag, release 1 marked done."""
    from hkpr_tui.annotate.labels import default_labels

    store = Store.open(seeded_db)
    store.sync_labels(default_labels())  # as the app and the CLI do
    text = store.release(1).text
    start = text.index("數碼港")
    store.add_annotation(1, "entity", "ORG", start, start + 3, annotator="ann")
    store.set_status(1, "done", annotator="ann")
    store.close()
    return seeded_db


# -- export --force --------------------------------------------------------------------------


def test_force_never_deletes_the_database_or_a_folder_that_is_not_an_export(tagged_db: Path, tmp_path: Path) -> None:
    folder = tagged_db.parent
    before = state(tagged_db)
    code, _, err = run("export", "--format", "jsonl", "--out", str(folder), "--force", db=tagged_db)
    assert code == 1 and "holds the database" in err and "nothing was written or deleted" in err
    assert tagged_db.exists() and state(tagged_db) == before
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    code, _, err = run("export", "--format", "jsonl", "--out", str(mine), "--force", db=tagged_db)
    assert code == 1 and "not an earlier hkpr export" in err and (mine / "notes.txt").read_text() == "keep me"
    link = tmp_path / "link"
    link.symlink_to(mine, target_is_directory=True)
    code, _, err = run("export", "--format", "jsonl", "--out", str(link), "--force", db=tagged_db)
    assert code == 1 and "symbolic link" in err and (mine / "notes.txt").read_text() == "keep me"


def test_force_replaces_an_earlier_export_but_not_one_with_extra_files(tagged_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("export", "--format", "jsonl", "--out", str(out), db=tagged_db)[0] == 0
    assert run("export", "--format", "doccano", "--out", str(out), "--force", db=tagged_db)[0] == 0
    assert json.loads((out / "manifest.json").read_text())["format"] == "doccano"
    (out / "my-analysis.ipynb").write_text("{}")
    code, _, err = run("export", "--format", "jsonl", "--out", str(out), "--force", db=tagged_db)
    assert code == 1 and "my-analysis.ipynb, which no hkpr export wrote" in err
    assert (out / "my-analysis.ipynb").exists()


def test_a_killed_exports_temporary_folder_is_cleaned_up(tagged_db: Path, tmp_path: Path) -> None:
    stale = tmp_path / ".out.k1ll3d"
    stale.mkdir()
    (stale / TEMP_MARK).touch()
    (stale / "train.jsonl").write_text("half")
    unrelated = tmp_path / ".out.mine"  # not ours: no mark
    unrelated.mkdir()
    assert run("export", "--format", "jsonl", "--out", str(tmp_path / "out"), db=tagged_db)[0] == 0
    assert not stale.exists() and unrelated.exists()


def test_a_hostile_content_hash_cannot_write_outside_out(tagged_db: Path, tmp_path: Path) -> None:
    conn = sqlite3.connect(tagged_db)
    conn.execute("UPDATE releases SET content_hash = '../../escaped' WHERE id = 1")
    conn.commit()
    conn.close()
    out = tmp_path / "deep" / "out"
    code, _, err = run("export", "--format", "brat", "--out", str(out), db=tagged_db)
    assert code == 1 and "must stay inside" in err
    assert not (tmp_path / "escaped.ann").exists() and not list(tmp_path.rglob("*.ann"))


# -- concurrent writers ----------------------------------------------------------------------

WRITER = textwrap.dedent(
    """
    import sys, time
    from hkpr_tui.store import Store
    db, who, first, count, at = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
    store = Store.open(db)
    while time.time() < at:  # both writers start together
        time.sleep(0.001)
    acked = 0
    for n in range(count):
        start = first + 2 * n
        store.add_annotation(1, "entity", "ORG", start, start + 1, annotator=who)  # raises if lost
        acked += 1
    print(acked)
    """
)


def test_two_writers_and_an_import_lose_nothing(seeded_db: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    base = (ROOT / "seeds").glob("*.txt")
    for i, path in enumerate(sorted(base)):
        for j in range(8):  # 40 distinct files for the import running alongside
            (corpus / f"{i}_{j}.txt").write_text(path.read_text(encoding="utf-8") + f"\n\n第{j}版。", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    at = str(time.time() + 1.5)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(seeded_db), who, str(first), "150", at],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )  # fmt: skip
        for who, first in (("ann", 0), ("bob", 1))
    ]
    importer = subprocess.Popen([sys.executable, "-m", "hkpr_tui", "--db", str(seeded_db), "import", "-q", str(corpus)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)  # fmt: skip
    outputs = [p.communicate(timeout=300) for p in procs]
    imported = importer.communicate(timeout=300)
    assert all(p.returncode == 0 for p in procs), [o[1][-500:] for o in outputs]
    assert [int(o[0]) for o in outputs] == [150, 150]
    assert importer.returncode == 0, imported[1][-500:]
    store = Store.open(seeded_db)
    assert len(store.annotations(1)) == 300 and store.count_releases() == 45
    store.close()


def test_a_busy_database_is_a_message_not_a_traceback(seeded_db: Path) -> None:
    holder = sqlite3.connect(seeded_db)
    holder.execute("BEGIN IMMEDIATE")
    try:
        store = Store.open(seeded_db, busy_timeout_ms=50)
        with pytest.raises(StoreError, match="database busy"):
            store.add_annotation(1, "entity", "ORG", 0, 2, annotator="x")
        assert store.annotations(1) == []
        store.close()
    finally:
        holder.rollback()
        holder.close()


# -- undo and redo across instances ----------------------------------------------------------


def test_undo_refuses_a_row_another_annotator_changed(seeded_db: Path) -> None:
    alice, bob = Store.open(seeded_db), Store.open(seeded_db)
    mine = Actions(alice, "alice", alice.start_session("alice"))
    theirs = Actions(bob, "bob", bob.start_session("bob"))
    tag = mine.tag(1, "entity", "ORG", 0, 2)
    theirs.edit(tag.id, label="LOC")
    with pytest.raises(StaleStep, match="changed since by bob"):
        mine.undo()
    assert alice.annotation(tag.id).label == "LOC" and alice.annotation(tag.id).deleted_at is None
    assert mine.done and mine.done[-1].name == "tag"  # still there to try again later
    other = mine.tag(1, "entity", "ORG", 5, 8)
    mine.undo()  # a row still as alice left it is undone
    assert alice.annotation(other.id).deleted_at is not None
    alice.close(), bob.close()


def test_redo_does_not_revive_a_tag_another_annotator_deleted(seeded_db: Path) -> None:
    alice, bob = Store.open(seeded_db), Store.open(seeded_db)
    mine = Actions(alice, "alice", alice.start_session("alice"))
    theirs = Actions(bob, "bob", bob.start_session("bob"))
    tag = mine.tag(1, "entity", "ORG", 0, 2)
    mine.edit(tag.id, label="LOC")
    mine.undo()  # back to ORG
    theirs.delete(tag.id)
    with pytest.raises(StaleStep, match="cannot redo edit"):
        mine.redo()
    assert bob.annotation(tag.id).deleted_at is not None and bob.annotation(tag.id).label == "ORG"
    alice.close(), bob.close()


# -- import-annotations with hostile records -------------------------------------------------

HOSTILE = [
    (
        {"text": TEXT, "entities": [{"start": 0, "end": 3, "label": "ORG", "attributes": "not json{"}]},
        "entities[0].attributes",
    ),
    ({"text": TEXT, "entities": [{"start": 0, "end": 3, "label": ["ORG"]}]}, "entities[0].label"),
    ({"text": TEXT, "entities": [{"start": 0, "end": 3, "label": None}]}, "entities[0].label"),
    ({"text": TEXT, "entities": [{"start": True, "end": 3, "label": "ORG"}]}, "entities[0].start"),
    ({"text": TEXT, "entities": [{"start": "0", "end": 3, "label": "ORG"}]}, "entities[0].start"),
    ({"text": TEXT, "entities": {"start": 0}}, "entities"),
    ({"text": TEXT, "entities": [[0, 3, "ORG"]]}, "entities[0]"),
    ({"text": "", "entities": []}, "text"),
    ({"text": {"zh": TEXT}}, "text"),
    ({"text": TEXT, "script": "klingon"}, "script"),
    ({"text": TEXT, "release": {"title": ["x"]}}, "release.title"),
    ({"text": TEXT, "release": {"date": "last Tuesday"}}, "release.date"),
    ({"text": TEXT, "entities": [{"start": 0, "end": 3, "label": OSC52}]}, "entities[0].label"),
    ({"text": TEXT, "entities": [{"start": 0, "end": 3, "label": "ORG", "text": "WRONG"}]}, "entities[0].text"),
    ({"text": TEXT, "entities": [{"start": 0, "end": 999, "label": "ORG"}]}, "entities[0].end"),
    ({"text": TEXT, "entities": [{"start": 0, "end": 3, "label": "STATISTIC"}]}, "entities[0].label"),  # a claim label
    (
        {"text": TEXT, "entities": [{"start": 0, "end": 4, "label": "ORG"}, {"start": 2, "end": 6, "label": "LOC"}]},
        "entities[1]",
    ),
    (
        {"text": TEXT, "claims": [{"start": 0, "end": 10, "label": "STATISTIC", "attributes": {"value": "lots"}}]},
        "claims[0].attributes.value",
    ),
    ({"text": TEXT, "links": [{"source": "a", "target": "b", "kind": "loves"}]}, "links[0].kind"),
    ("just a string", "(record)"),
]


@pytest.mark.parametrize(("record", "field"), HOSTILE, ids=[f for _, f in HOSTILE])
def test_a_hostile_jsonl_record_is_named_and_nothing_is_stored(
    tagged_db: Path, tmp_path: Path, record: object, field: str
) -> None:
    good = {"text": TEXT, "entities": [{"start": 0, "end": 3, "label": "ORG", "text": "數碼港"}]}
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(good, ensure_ascii=False) + "\n" + json.dumps(record, ensure_ascii=False) + "\n")
    before = state(tagged_db)
    code, out, err = run("import-annotations", str(path), "--format", "jsonl", db=tagged_db)
    assert code == 1 and f"in.jsonl, record 2, field {field}" in err and "nothing was stored" in err
    assert "\x1b" not in out + err and state(tagged_db) == before
    code, out, err = run("import-annotations", str(path), "--format", "jsonl", "--skip-bad", db=tagged_db)
    assert code == 1 and "1 record(s) skipped" in out
    store = Store.open(tagged_db)
    assert [r.source for r in store.list_releases(sort="id")][-1].startswith("in.jsonl")  # the good record
    labels = {a.label for anns in store.live_annotations().values() for a in anns}
    assert labels <= {"ORG", "STATISTIC"}
    store.close()


@pytest.mark.parametrize(
    "task",
    [
        {"data": {"text": TEXT}, "annotations": [{"result": {"value": {}}}]},  # result not a list
        {"data": {"text": TEXT}, "annotations": [{"result": [{"value": {"start": 0, "end": 3, "labels": "ORG"}}]}]},
        {"data": {"text": TEXT}, "annotations": [{"result": [{"value": {"start": 0, "end": 3, "labels": [None]}}]}]},
        {"data": {"text": TEXT}, "annotations": [{"result": [{"value": {"start": 0, "end": 3, "labels": [["ORG"]]}}]}]},
        {"data": {"text": ""}, "annotations": []},
        {"data": "text", "annotations": []},
        {"data": {"text": TEXT}, "annotations": [{"completed_by": ["me"], "result": []}]},
    ],
)
def test_hostile_label_studio_tasks_are_refused(tagged_db: Path, tmp_path: Path, task: object) -> None:
    path = tmp_path / "ls.json"
    path.write_text(json.dumps([task], ensure_ascii=False))
    before = state(tagged_db)
    code, _, err = run("import-annotations", str(path), "--format", "label-studio", db=tagged_db)
    assert code == 1 and "ls.json, record 1, field" in err and state(tagged_db) == before


def test_doccano_relation_format_checks_relations_and_reports_what_is_not_a_link(
    tagged_db: Path, tmp_path: Path
) -> None:
    path = tmp_path / "rel.jsonl"
    entities = [{"id": 1, "start_offset": 0, "end_offset": 3, "label": "ORG"}]
    path.write_text(json.dumps({"text": TEXT, "entities": entities, "relations": [{"from_id": 1, "to_id": 2, "type": "x"}]},
                               ensure_ascii=False) + "\n")  # fmt: skip
    before = state(tagged_db)
    code, _, err = run("import-annotations", str(path), "--format", "doccano", db=tagged_db)
    assert code == 1 and "rel.jsonl, record 1, field relations[0].to_id" in err and state(tagged_db) == before
    # a relation hkpr cannot store as a link is kept and reported (its type shown safely), never dropped
    path.write_text(json.dumps({"text": TEXT, "entities": entities, "relations": [{"from_id": 1, "to_id": 1, "type": OSC52}]},
                               ensure_ascii=False) + "\n")  # fmt: skip
    code, _, err = run("import-annotations", str(path), "--format", "doccano", db=tagged_db)
    assert code == 0 and "kept in the ORG span's attributes as relations" in err and "\x1b" not in err


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 200) | st.text(max_size=8) | st.sampled_from(["ORG", "數碼港", OSC52, "\u202e"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["text", "start", "end", "label", "labels", "entities", "claims", "links", "attributes", "value",
                         "result", "annotations", "data", "script", "release", "title", "date", "kind", "source", "target"]),
        inner, max_size=5),
    max_leaves=12,
)  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=st.lists(json_values, min_size=1, max_size=3), fmt=st.sampled_from(["jsonl", "label-studio", "doccano"]))
def test_any_record_is_imported_whole_or_refused_with_a_message(
    records: list[object], fmt: str, tmp_path: Path
) -> None:
    """Fuzz: whatever the records hold, import-annotations stores valid rows or raises ImportError_;
    what it stores can be read back, exported and merged."""
    store = Store.open(tmp_path / "fuzz.db")
    path = tmp_path / "fuzz.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    with contextlib.suppress(ImportError_):
        import_annotations(store, path, fmt, annotator="fuzz", skip_bad=True)
    for anns in store.live_annotations().values():
        for a in anns:
            assert store.release(a.release_id).text[a.start : a.end] == a.text
            assert isinstance(a.attributes, dict)
    for name in [row["name"] for row in store.stored_labels()]:
        assert safe(name) == name
    store.close()


# -- merged files are input too --------------------------------------------------------------


def other_db(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    store = Store.open(path)
    store.add_releases(
        [__import__("hkpr_tui.corpus.ingest", fromlist=["release_from_text"]).release_from_text(TEXT, source="x")]
    )
    store.add_annotation(1, "entity", "ORG", 0, 3, annotator="bob")
    store.add_annotation(1, "entity", "PERSON", TEXT.index("陳大文"), TEXT.index("陳大文") + 3, annotator="bob")
    store.close()
    return path


def test_merge_refuses_forged_hashes_and_spans(tagged_db: Path, tmp_path: Path) -> None:
    other = other_db(tmp_path, "bob.db")
    conn = sqlite3.connect(other)
    conn.execute("UPDATE annotations SET text = '偽造' WHERE label = 'PERSON'")
    conn.execute("INSERT INTO releases (group_id, title, script, source, encoding, content_hash, raw_text, text, imported_at) "
                 "VALUES (1, 't', 'hant', 's', 'utf-8', '../../x', 'abc', 'abc', 'now')")  # fmt: skip
    conn.commit()
    conn.close()
    code, out, err = run("merge", str(other), db=tagged_db)
    assert code == 1 and "annotations added 1" in out
    assert "is not the hash of its text" in err and "records '偽造'" in err
    assert run("export", "--format", "brat", "--out", str(tmp_path / "out"), "--status", "all", db=tagged_db)[0] == 0
    assert not (tmp_path / "x.ann").exists()


def test_merge_opens_the_file_named_even_with_uri_characters(tagged_db: Path, tmp_path: Path) -> None:
    weird = other_db(tmp_path, "a%41.db")
    other_db(tmp_path, "aA.db")
    hashed = other_db(tmp_path, "team#1.db")
    before = sorted(p.name for p in tmp_path.iterdir())
    code, out, _ = run("merge", str(weird), str(hashed), db=tagged_db)
    assert code == 0 and out.count("releases added 1") == 1 and "a%41.db" in out
    new = {p.name for p in tmp_path.iterdir()} - set(before)
    assert all(n.startswith(("a%41.db-", "team#1.db-", "annotations.db")) for n in new), new  # no stray 'team' file


def test_an_older_other_database_is_migrated_without_running_its_triggers(tagged_db: Path, tmp_path: Path) -> None:
    from sqlite_utils import Database

    from hkpr_tui.corpus.ingest import release_from_text
    from hkpr_tui.store.schema import KNOWN_MIGRATIONS, migrations

    other = tmp_path / "old.db"
    db = Database(other)
    migrations.apply(db, stop_before=KNOWN_MIGRATIONS[1])  # a database of the first hkpr schema
    old = Store(db, migrate=False)
    old.add_release(release_from_text(TEXT, source="x"))
    for label, start in (("ORG", 0), ("PERSON", TEXT.index("陳大文"))):  # as the first hkpr wrote them
        db.execute(
            'INSERT INTO annotations (release_id, kind, label, start, "end", text, annotator, created_at, updated_at) '
            "VALUES (1, 'entity', ?, ?, ?, ?, 'bob', '2024-01-01T00:00:00', '2024-01-01T00:00:00')",
            [label, start, start + 3, TEXT[start : start + 3]],
        )
    db.execute("CREATE TRIGGER evil BEFORE INSERT ON _sqlite_migrations BEGIN SELECT RAISE(ABORT, 'evil ran'); END")
    db.close()
    before = other.read_bytes()
    code, out, err = run("merge", str(other), db=tagged_db)
    assert code == 0 and "evil" not in err and "annotations added 2" in out
    assert other.read_bytes() == before  # the other file is only read


# -- export with drifted tags ----------------------------------------------------------------


def test_a_drifted_tag_is_named_and_can_be_skipped(tagged_db: Path, tmp_path: Path) -> None:
    conn = sqlite3.connect(tagged_db)
    conn.execute("UPDATE annotations SET text = '偽造' WHERE id = 1")
    conn.commit()
    conn.close()
    store = Store.open(tagged_db)
    store.add_annotation(1, "entity", "LOC", 0, 2, annotator="ann")
    store.close()
    code, _, err = run("export", "--format", "jsonl", "--out", str(tmp_path / "a"), db=tagged_db)
    assert code == 1 and "release #1" in err and "tag #1 ORG" in err and "--skip-bad" in err
    code, _, err = run("export", "--format", "jsonl", "--out", str(tmp_path / "b"), "--skip-bad", db=tagged_db)
    assert code == 0 and "skipped: release #1" in err
    record = json.loads((tmp_path / "b" / "train.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert [e["label"] for e in record["entities"]] == ["LOC"]


# -- escapes never reach the terminal --------------------------------------------------------


def test_stats_and_lists_show_escapes_visibly(tagged_db: Path) -> None:
    conn = sqlite3.connect(tagged_db)  # a database written by something else
    conn.execute("UPDATE annotations SET label = ? WHERE id = 1", [OSC52])
    conn.execute("UPDATE releases SET title = ? WHERE id = 1", ["\u202eevil\x9b31m title"])
    conn.commit()
    conn.close()
    for args in (
        ["stats"],
        ["stats", "--json"],
        ["list"],
        ["list", "--json"],
        ["search", "數碼港"],
        ["search", "數碼港", "--json"],
    ):
        code, out, _ = run(*args, db=tagged_db)
        assert code == 0
        assert not any(c in out for c in "\x1b\x07\x9b\u202e"), args
    code, out, _ = run("stats", "--json", db=tagged_db)
    assert OSC52 in json.loads(out)["by_label"]  # JSON stays exact
    assert "a\\x1b]52;c;ZXZpbA==\\x07" in run("stats", db=tagged_db)[1]


# -- database faults -------------------------------------------------------------------------


def test_read_only_commands_never_create_a_database(tmp_path: Path) -> None:
    for command in (
        ["stats"],
        ["list"],
        ["search", "x"],
        ["agree"],
        ["export", "--format", "jsonl", "--out", str(tmp_path / "o")],
    ):
        code, _, err = run(*command, db=tmp_path / "typo.db")
        assert code == 1 and "no such database" in err
    assert not (tmp_path / "typo.db").exists()
    code, _, err = run("stats", db=tmp_path / "missing-folder" / "a.db")
    assert code == 1 and "the folder" in err and "does not exist" in err


def test_a_newer_or_foreign_database_is_refused_untouched(tmp_path: Path) -> None:
    newer = tmp_path / "newer.db"
    Store.open(newer).close()
    conn = sqlite3.connect(newer)
    conn.execute("PRAGMA journal_mode = delete")
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('hkpr', 'm999_future', 'x')")
    conn.commit()
    conn.close()
    foreign = tmp_path / "foreign.db"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.commit()
    conn.close()
    for path, message in ((newer, "newer version of hkpr"), (foreign, "not an hkpr database")):
        before = path.read_bytes()
        code, _, err = run("stats", db=path)
        assert code == 1 and message in err
        assert path.read_bytes() == before and not Path(f"{path}-wal").exists()


def test_a_read_only_database_can_be_read_and_refuses_writes(
    tagged_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hkpr_tui.store.store as store_module

    real_access = os.access
    monkeypatch.setattr(store_module.os, "access", lambda p, mode: False if mode == os.W_OK else real_access(p, mode))
    before = state(tagged_db)
    assert run("stats", db=tagged_db)[0] == 0
    assert "數碼港" in run("search", "數碼港", db=tagged_db)[1]
    assert run("export", "--format", "jsonl", "--out", str(tmp_path / "o"), db=tagged_db)[0] == 0
    code, _, err = run("import", str(ROOT / "seeds"), db=tagged_db)
    assert code == 1 and "read-only" in err and "Traceback" not in err
    store = Store.open(tagged_db)
    with pytest.raises(StoreReadOnly):
        store.add_annotation(1, "entity", "ORG", 0, 2, annotator="x")
    store.close()
    assert state(tagged_db) == before


def test_a_full_disk_is_one_line_and_loses_nothing(tagged_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import hkpr_tui.cli as cli_module

    real_open = Store.open

    def full(path: Path, **kwargs: object) -> Store:  # SQLITE_FULL: the database may not grow
        store = real_open(path, **kwargs)  # type: ignore[arg-type]
        pages = store.db.execute("PRAGMA page_count").fetchone()[0]
        store.db.execute(f"PRAGMA max_page_count = {pages}")
        return store

    monkeypatch.setattr(cli_module.Store, "open", staticmethod(full))
    before = state(tagged_db)
    code, _, err = run("import", str(ROOT / "seeds" / ".."), db=tagged_db)
    assert code == 1 and "disk full" in err and "Traceback" not in err
    assert state(tagged_db) == before
    store = full(tagged_db)
    with pytest.raises(StoreFull):
        store.add_releases(
            [
                __import__("hkpr_tui.corpus.ingest", fromlist=["release_from_text"]).release_from_text(
                    TEXT * 400, source="big"
                )
            ]
        )
    store.close()
    assert state(tagged_db) == before


def test_an_interrupted_first_run_imports_the_seeds_next_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hkpr_tui import cli as cli_module

    monkeypatch.chdir(tmp_path)
    (tmp_path / "seeds").mkdir()
    db = tmp_path / "annotations.db"
    Store.open(db).close()  # the first start created the database, then was killed before importing
    seen: list[object] = []

    class FakeApp:
        def __init__(self, **kwargs: object) -> None:
            seen.append(kwargs["seed_dir"])
            self.summary, self.return_code = None, 0

        def run(self) -> None:
            pass

    monkeypatch.setattr("hkpr_tui.app.HkprApp", FakeApp)
    CliRunner().invoke(cli_module.cli, ["--db", str(db)], catch_exceptions=False)
    assert seen == [Path("seeds")]
    store = Store.open(db)
    store.add_releases(
        [__import__("hkpr_tui.corpus.ingest", fromlist=["release_from_text"]).release_from_text(TEXT, source="x")]
    )
    store.close()
    CliRunner().invoke(cli_module.cli, ["--db", str(db)], catch_exceptions=False)
    assert seen == [Path("seeds"), None]


# -- personal data ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("請致電 0968418663 查詢", ["0968418663"]),
        ("電郵 louis.wong@a-world.\ncom.hk 查詢", ["louis.wong@a-world.\ncom.hk"]),
        ("電郵：louis.wong@a-world.", ["louis.wong@a-world"]),
        ("電話：２１１４ ４９７２", ["２１１４ ４９７２"]),
        ("ｃｈａｎ＠ｅｘａｍｐｌｅ．ｃｏｍ", ["ｃｈａｎ＠ｅｘａｍｐｌｅ．ｃｏｍ"]),
        ("write to chan(at)example.com now", ["chan(at)example.com"]),
        ("（85 2）31 66 3 6 2 6", ["（85 2）31 66 3 6 2 6"]),
        ("+44 20 7946 0958", ["+44 20 7946 0958"]),
        ("13812345678", ["13812345678"]),
        ("2003-2009年間", []),
        ("約 30000000 元", []),
        ("2024年10月18日", []),
    ],
)
def test_personal_data_shapes(text: str, found: list[str]) -> None:
    assert [f.text for f in find_pii(text)] == found


def test_redaction_covers_every_version_of_a_release(tmp_path: Path) -> None:
    from hkpr_tui.corpus.ingest import release_from_text
    from hkpr_tui.script.views import script_view

    simplified = script_view(TEXT, "hant", "hans").text
    store = Store.open(tmp_path / "r.db")
    rels = [release_from_text(TEXT, source="t"), release_from_text(simplified, source="s")]
    ids = [store.add_release(r).release_id for r in rels]
    name = TEXT.index("陳大文")
    store.add_annotation(ids[0], "entity", "PERSON", name, name + 3, annotator="a")  # tagged in one version only
    for i in ids:
        store.set_status(i, "done", annotator="a")
    export(store, "jsonl", tmp_path / "out", redact_pii=True)
    store.close()
    texts = [
        json.loads(line)["text"] for line in (tmp_path / "out" / "train.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert len(texts) == 2 and all("陳大文" not in t and "陈大文" not in t and "2114" not in t for t in texts)
    assert all("[PERSON_1]" in t for t in texts)


def test_export_refuses_a_file_name_outside_out(tmp_path: Path) -> None:
    from hkpr_tui.export.run import write_atomically

    with pytest.raises(ExportError, match="must stay inside"):
        write_atomically(tmp_path / "out", {"../evil.txt": b"x"})
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path / "out").exists()


# -- found by attacking the paths above (each was a traceback or lost data) ------------------


def test_duplicate_and_crossing_spans_across_records_are_refused(tagged_db: Path, tmp_path: Path) -> None:
    text = "香港數碼港公司今日宣布新計劃。陳大文表示歡迎。"
    path = tmp_path / "two.jsonl"
    records = [{"text": text, "entities": [{"start": 2, "end": 5, "label": "ORG"}]},
               {"text": text, "entities": [{"start": 2, "end": 5, "label": "ORG"}]},
               {"text": text, "entities": [{"start": 4, "end": 7, "label": "PERSON"}]}]  # fmt: skip
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n")
    code, _, err = run("import-annotations", str(path), "--format", "jsonl", db=tagged_db)
    assert (
        code == 1
        and "record 3" in err
        and "an earlier record's ORG 「數碼港」 and PERSON 「港公司」 (4–7) cross" in err
    )
    code, out, _ = run("import-annotations", str(path), "--format", "jsonl", "--skip-bad", db=tagged_db)
    assert "annotations added 1, already there 1" in out  # record 2 repeats record 1: stored once
    code, out, err = run("import-annotations", str(path), "--format", "jsonl", "--skip-bad", db=tagged_db)
    assert "annotations added 0, already there 2" in out  # importing again adds nothing
    labelled = tmp_path / "two-labels.json"  # Label Studio: two labels on one span
    labelled.write_text(json.dumps([{"data": {"text": text}, "annotations": [{"result": [
        {"type": "labels", "value": {"start": 9, "end": 12, "labels": ["EVENT", "PROGRAM"]}}]}]}], ensure_ascii=False))  # fmt: skip
    code, _, err = run("import-annotations", str(labelled), "--format", "label-studio", db=tagged_db)
    assert code == 1 and "tag the same text twice" in err


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"text": "abc", "entities": [{"start": ' + "9" * 5000 + ', "end": 2, "label": "ORG"}]}', "not valid JSON"),
        ('{"text": "ab\\ud800c"}', "lone UTF-16 surrogate"),
        (
            '{"text": "abc", "entities": [{"start": 0, "end": 2, "label": "ORG", "attributes": {"x": NaN}}]}',
            "NaN is not a JSON number",
        ),
    ],
)
def test_hostile_json_is_a_message(tagged_db: Path, tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "h.jsonl"
    path.write_text(line + "\n")
    before = state(tagged_db)
    code, _, err = run("import-annotations", str(path), "--format", "jsonl", db=tagged_db)
    assert code == 1 and message in err and "Traceback" not in err and state(tagged_db) == before


def test_a_line_separator_inside_a_json_string_is_not_a_line_break(tagged_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "ls.jsonl"
    path.write_text(json.dumps({"text": "數碼港\u2028今日\x85宣布"}, ensure_ascii=False) + "\n", encoding="utf-8")
    code, out, _ = run("import-annotations", str(path), "--format", "jsonl", db=tagged_db)
    assert code == 0 and "new releases 1" in out


def test_devices_and_links_are_not_read(tagged_db: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    code, _, err = run("import-annotations", str(fifo), "--format", "jsonl", db=tagged_db)
    assert code == 1 and "not a regular file" in err
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.jsonl").write_text(json.dumps({"text": "數碼港今日宣布。"}, ensure_ascii=False) + "\n")
    (folder / "secret.jsonl").symlink_to("/etc/passwd")
    code, out, err = run("import-annotations", str(folder), "--format", "jsonl", "--skip-bad", db=tagged_db)
    assert "secret.jsonl: not a regular file" in err and "new releases 1" in out


def test_force_never_deletes_a_stray_old_folder_or_an_export_that_was_changed(tagged_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "e1"
    assert run("export", "--format", "jsonl", "--out", str(out), db=tagged_db)[0] == 0
    precious = tmp_path / ".e1.old"
    precious.mkdir()
    (precious / "precious.txt").write_text("keep")
    assert run("export", "--format", "jsonl", "--out", str(out), "--force", db=tagged_db)[0] == 0
    assert (precious / "precious.txt").read_text() == "keep"
    (out / "empty").mkdir()
    code, _, err = run("export", "--format", "jsonl", "--out", str(out), "--force", db=tagged_db)
    assert code == 1 and "folder empty that no hkpr export wrote" in err
    (out / "empty").rmdir()
    (out / "train.jsonl").write_text("my edits")
    code, _, err = run("export", "--format", "jsonl", "--out", str(out), "--force", db=tagged_db)
    assert code == 1 and "changed since" in err and (out / "train.jsonl").read_text() == "my edits"


def test_export_under_a_file_is_a_message(tagged_db: Path, tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    code, _, err = run("export", "--format", "jsonl", "--out", str(tmp_path / "afile" / "sub"), db=tagged_db)
    assert code == 1 and "cannot make the folder" in err and "Traceback" not in err


def test_a_stored_label_that_is_not_a_label_name_never_reaches_an_export(tagged_db: Path, tmp_path: Path) -> None:
    import xml.dom.minidom

    conn = sqlite3.connect(tagged_db)
    conn.execute("UPDATE annotations SET label = ? WHERE id = 1", ["EV\x1b]52;c;aGk=\x07IL"])
    conn.commit()
    conn.close()
    store = Store.open(tagged_db)
    store.add_annotation(1, "entity", "LOC", 0, 2, annotator="ann")
    store.close()
    code, _, err = run("export", "--format", "bio", "--out", str(tmp_path / "a"), db=tagged_db)
    assert code == 1 and "not a label name" in err and "\x1b" not in err
    code, _, _ = run("export", "--format", "label-studio", "--out", str(tmp_path / "b"), "--skip-bad", db=tagged_db)
    assert code == 0
    xml.dom.minidom.parse(str(tmp_path / "b" / "label_config.xml"))
    assert all("\x1b" not in p.read_text(encoding="utf-8") for p in (tmp_path / "b").iterdir())


def test_merge_refuses_rows_of_the_wrong_type(tagged_db: Path, tmp_path: Path) -> None:
    forged = {
        "start.db": "UPDATE annotations SET start = x'0b' WHERE label = 'ORG'",
        "blob.db": "UPDATE releases SET text = cast(text AS blob)",
        "status.db": "UPDATE releases SET status = 'evil'",
        "script.db": "UPDATE releases SET script = 'evil'",
        "date.db": "UPDATE releases SET date = '2024-13-45'",
        "when.db": "UPDATE annotations SET created_at = 'x' WHERE label = 'ORG'",
    }
    before = state(tagged_db)
    for name, sql in forged.items():
        other = other_db(tmp_path, name)
        conn = sqlite3.connect(other)
        conn.execute("PRAGMA ignore_check_constraints = 1")
        conn.execute(sql)
        conn.commit()
        conn.close()
        code, out, err = run("merge", str(other), db=tagged_db)
        assert "Traceback" not in err and name in out + err, name
        assert code == 1 and "refused" in err, (name, out, err)
    conn = sqlite3.connect(tagged_db)
    bad = conn.execute(
        "SELECT count(*) FROM annotations WHERE typeof(start) != 'integer' OR created_at = 'x' UNION ALL "
        "SELECT count(*) FROM releases WHERE typeof(text) != 'text' OR status NOT IN ('todo', 'in progress', 'done') "
        "OR script NOT IN ('hant', 'hans', 'mixed') OR date = '2024-13-45'"
    ).fetchall()
    conn.close()
    assert bad == [(0,), (0,)] and state(tagged_db)[1][: len(before[1])] == before[1]
    other = other_db(tmp_path, "utf8.db")  # invalid UTF-8 from another program is read, not a crash
    conn = sqlite3.connect(other)
    conn.execute("UPDATE releases SET title = cast(x'41ff42' AS text)")
    conn.commit()
    conn.close()
    code, out, err = run("merge", str(other), db=tagged_db)
    assert (
        code == 0 and "Traceback" not in err
    )  # its text is here already (from start.db): the title is read as A\ufffdB
    code, _, err = run("stats", db=other)
    assert code == 0 and "Traceback" not in err


def test_an_empty_file_is_not_a_database(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    code, _, err = run("stats", db=empty)
    assert code == 1 and "no hkpr database here" in err and empty.stat().st_size == 0
    code, _, err = run("merge", str(empty), db=tmp_path / "a.db")
    assert code == 1 and "not an hkpr database" in err
