"""import-annotations round trips, merge idempotence, agreement on a hand-computed example."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from hkpr_tui.annotate.session import Actions
from hkpr_tui.cli import cli
from hkpr_tui.corpus.ingest import release_from_text
from hkpr_tui.export.agree import agreement, cohen_kappa
from hkpr_tui.export.imports import ImportError_, import_annotations
from hkpr_tui.export.merge import merge
from hkpr_tui.export.run import export
from hkpr_tui.store import Store
from tests.test_export import ASTRAL, export_db, find  # noqa: F401  (fixture)


def read_all(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_jsonl_export_import_export_is_identical(export_db: Path, tmp_path: Path) -> None:  # noqa: F811
    store = Store.open(export_db)
    export(store, "jsonl", tmp_path / "first", split=(60, 20, 20), seed=3)
    store.close()
    fresh = Store.open(tmp_path / "fresh.db")
    report = import_annotations(fresh, tmp_path / "first", "jsonl", annotator="importer")
    assert report.problems == [] and report.new_releases == 6 and report.links == 1
    export(fresh, "jsonl", tmp_path / "second", split=(60, 20, 20), seed=3)
    # importing again adds nothing
    again = import_annotations(fresh, tmp_path / "first", "jsonl", annotator="importer")
    assert again.annotations == 0 and again.new_releases == 0 and again.links == 0 and again.matched == 6
    fresh.close()
    assert read_all(tmp_path / "first") == read_all(tmp_path / "second")


def test_label_studio_import_matches_by_text_and_converts_old_utf16(seeded_db: Path, tmp_path: Path) -> None:
    from hkpr_tui.annotate.labels import load_labels

    store = Store.open(seeded_db)
    store.sync_labels(load_labels())  # what the app and the CLI do
    text = store.release(store.list_releases(sort="id")[0].id).text
    s, e = find(text, "數碼港")
    a, b = find(ASTRAL, "數碼港")
    tasks = [
        {"data": {"text": text}, "annotations": [{"completed_by": {"email": "ls@x"}, "result": [
            {"type": "labels", "value": {"start": s, "end": e, "text": "數碼港", "labels": ["ORG"]}}]}]},
        # a text no release has, with offsets in UTF-16 units (Label Studio before 1.0) and a new label
        {"data": {"text": ASTRAL}, "annotations": [{"result": [
            {"type": "labels", "value": {"start": a + 1, "end": b + 1, "text": "數碼港", "labels": ["COMPANY"]}}]}]},
        # a span whose text does not match: a bad record
        {"data": {"text": text}, "annotations": [{"result": [
            {"type": "labels", "value": {"start": 0, "end": 2, "text": "WRONG", "labels": ["ORG"]}}]}]},
    ]  # fmt: skip
    path = tmp_path / "ls.json"
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    before = (store.count_releases(), store.count_annotations())
    with pytest.raises(
        ImportError_, match=r"ls.json, record 3, field annotations\[0\].result\[0\].value.text: .*WRONG"
    ):
        import_annotations(store, path, "label-studio", annotator="me")
    assert (store.count_releases(), store.count_annotations()) == before  # nothing stored from a file that fails
    report = import_annotations(store, path, "label-studio", annotator="me", skip_bad=True)
    assert report.matched == 1 and report.new_releases == 1 and report.annotations == 2 and report.bad_records == 1
    assert report.labels_added == ["COMPANY"] and len(report.problems) == 1 and "WRONG" in report.problems[0]
    new = next(r for r in store.list_releases() if r.source.startswith("ls.json"))
    (ann,) = store.annotations(new.id)
    assert (ann.label, ann.start, ann.end, ann.text, ann.annotator) == ("COMPANY", a, b, "數碼港", "me")
    assert store.release(new.id).text == ASTRAL  # kept exactly, not re-cleaned
    store.close()


def test_doccano_import_utf16_and_round_trip(export_db: Path, tmp_path: Path) -> None:  # noqa: F811
    store = Store.open(export_db)
    export(store, "doccano", tmp_path / "d1")
    store.close()
    fresh = Store.open(tmp_path / "fresh.db")
    report = import_annotations(fresh, tmp_path / "d1", "doccano", annotator="doc")
    assert report.problems == [] and report.new_releases == 6
    export(fresh, "doccano", tmp_path / "d2")
    fresh.close()
    first = [json.loads(l) for l in (tmp_path / "d1" / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    second = [json.loads(l) for l in (tmp_path / "d2" / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted((r["text"], sorted(map(tuple, r["label"]))) for r in first) == sorted(
        (r["text"], sorted(map(tuple, r["label"]))) for r in second
    )


def test_doccano_label_ids_are_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps({"text": "數碼港", "label": [[0, 3, 7]]}) + "\n", encoding="utf-8")
    store = Store.open(tmp_path / "a.db")
    with pytest.raises(ImportError_, match="is an id, not a name"):
        import_annotations(store, path, "doccano", annotator="x")
    assert store.count_releases() == 0  # nothing stored
    store.close()


def two_annotators(tmp_path: Path) -> tuple[Path, Path]:
    """Two databases of the same release, tagged by ann and bob (a hand-computable example)."""
    text = "數碼港與科技園合作。香港政府撥款。數碼港很好。科技園也好。"
    paths = []
    for who, tags, claims in (
        ("ann", [("ORG", "數碼港", 0), ("ORG", "科技園", 0), ("LOC", "香港", 0)], ["香港政府撥款", "數碼港很好"]),
        ("bob", [("ORG", "數碼港", 0), ("ORG", "科技園合作", 0), ("ORG", "香港政府", 0)], ["香港政府撥款"]),
    ):  # fmt: skip
        path = tmp_path / f"{who}.db"
        store = Store.open(path)
        rid = store.add_release(release_from_text(text, source="t.txt")).release_id
        actions = Actions(store, who, store.start_session(who))
        for label, needle, nth in tags:
            actions.tag(rid, "entity", label, *find(text, needle, nth))
        for needle in claims:
            actions.tag(rid, "claim", "STATISTIC" if needle.startswith("香港") else "OPINION", *find(text, needle))
        store.close()
        paths.append(path)
    return paths[0], paths[1]


def test_merge_is_idempotent_and_keeps_provenance(tmp_path: Path) -> None:
    ann, bob = two_annotators(tmp_path)
    store = Store.open(ann)
    first = merge(store, bob, annotator="ann")
    assert (first.releases_added, first.annotations_added) == (0, 4)
    second = merge(store, bob, annotator="ann")
    assert (second.releases_added, second.annotations_added, second.links_added) == (0, 0, 0)
    assert store.stats().by_annotator == {"ann": 5, "bob": 4}
    assert any(e["action"] == "merge" and str(bob) in e["payload"] for e in store.events(5))
    store.close()


def test_agreement_on_a_hand_computed_example(tmp_path: Path) -> None:
    ann, bob = two_annotators(tmp_path)
    store = Store.open(ann)
    merge(store, bob, annotator="ann")
    result = agreement(store)
    store.close()
    (pair,) = result["pairs"]
    org = pair["labels"]["ORG"]
    # ann ORG: 數碼港, 科技園; bob ORG: 數碼港, 科技園合作, 香港政府
    # exact: 1 shared → P = 1/3, R = 1/2, F1 = 0.4
    assert org["exact"] == {"precision": 0.3333, "recall": 0.5, "f1": 0.4}
    # overlap: bob's 數碼港, 科技園合作 overlap ann's (2/3); ann's both overlap bob's (2/2) → F1 = 0.8
    assert org["overlap"] == {"precision": 0.6667, "recall": 1.0, "f1": 0.8}
    assert pair["labels"]["LOC"]["exact"]["f1"] == 0.0
    # sentences: [數碼港與科技園合作。, 香港政府撥款。, 數碼港很好。, 科技園也好。]
    # ann: NONE, STATISTIC, OPINION, NONE; bob: NONE, STATISTIC, NONE, NONE
    # po = 3/4; pe = (2·3 + 1·1 + 1·0)/16 = 7/16; kappa = (12/16 − 7/16)/(9/16) = 5/9
    assert pair["claims"]["claim_type"]["kappa"] == round(5 / 9, 4) and pair["claims"]["claim_type"]["sentences"] == 4
    # claim/no-claim: ann N C C N, bob N C N N: po = 3/4, pe = (2·3 + 2·1)/16 = 1/2 → kappa = 1/2
    assert pair["claims"]["claim_or_not"]["kappa"] == 0.5


def test_cohen_kappa_edges() -> None:
    assert cohen_kappa(["A", "A"], ["A", "A"]) == {  # no variation: undefined, not 1.0
        "kappa": None, "reason": "no variation", "observed": 1.0, "expected": 1.0, "sentences": 2,
    }  # fmt: skip
    assert cohen_kappa(["A", "B"], ["B", "A"])["kappa"] == -1.0
    assert cohen_kappa([], [])["kappa"] is None


def test_cli_export_import_merge_agree(tmp_path: Path) -> None:
    ann, bob = two_annotators(tmp_path)
    runner = CliRunner()
    out = runner.invoke(cli, ["--db", str(ann), "merge", str(bob)], catch_exceptions=False)
    assert out.exit_code == 0 and "annotations added 4" in out.output
    out = runner.invoke(cli, ["--db", str(ann), "agree", "--json"], catch_exceptions=False)
    assert json.loads(out.output)["pairs"][0]["labels"]["ORG"]["exact"]["f1"] == 0.4
    out = runner.invoke(cli, ["--db", str(ann), "agree"], catch_exceptions=False)
    assert "ann × bob" in out.output and "0.400" in out.output and "kappa 0.5556" in out.output
    out = runner.invoke(cli, ["--db", str(ann), "export", "--format", "bio", "--out", str(tmp_path / "x")])
    assert out.exit_code == 0 and "nothing to export" in out.output  # not done yet
    out = runner.invoke(
        cli,
        [
            "--db",
            str(ann),
            "export",
            "--format",
            "doccano",
            "--status",
            "all",
            "--annotator",
            "bob",
            "--out",
            str(tmp_path / "y"),
        ],
    )
    assert out.exit_code == 0 and (tmp_path / "y" / "manifest.json").exists()
    out = runner.invoke(
        cli, ["--db", str(ann), "export", "--format", "doccano", "--status", "all", "--out", str(tmp_path / "y")]
    )
    assert out.exit_code == 1 and "not empty" in out.output
    out = runner.invoke(
        cli, ["--db", str(tmp_path / "new.db"), "import-annotations", str(tmp_path / "y"), "--format", "doccano"]
    )
    assert out.exit_code == 0 and "new releases 1" in out.output
    out = runner.invoke(
        cli, ["--db", str(ann), "export", "--format", "bio", "--split", "80/20", "--out", str(tmp_path / "z")]
    )
    assert out.exit_code == 2 and "80/10/10" in out.output
