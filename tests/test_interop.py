"""Interoperability: CoNLL/BIO imports (MSRA, People's Daily, Weibo, BMES, BILOU, CoNLL-2003),
predictions as suggestions, doccano's relation format, and the bio round trip."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from hkpr_tui.annotate.labels import default_labels
from hkpr_tui.cli import cli
from hkpr_tui.corpus.ingest import release_from_text
from hkpr_tui.export.conll import read_conll
from hkpr_tui.export.imports import BadRecords, ImportError_, import_annotations
from hkpr_tui.export.records import Task
from hkpr_tui.export.run import export
from hkpr_tui.store import Store
from tests.test_export import export_db  # noqa: F401  (fixture)
from tests.test_golden import golden_store


def spans_of(store: Store, status: tuple[str, ...] = ("accepted",)) -> list[tuple[str, str]]:
    out = []
    for release_id, anns in sorted(store.live_annotations(statuses=status).items()):
        text = store.release(release_id).text
        for a in anns:
            assert text[a.start : a.end] == a.text  # every span is stored with its text
            out.append((a.label, a.text))
    return out


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# MSRA: one character per line, tab separated, B-/I- with NR/NS/NT labels
MSRA = (
    "中\tB-NT\n國\tI-NT\n銀\tI-NT\n行\tI-NT\n在\tO\n香\tB-NS\n港\tI-NS\n。\tO\n\n陳\tB-NR\n大\tI-NR\n文\tI-NR\n說\tO\n"
)
# People's Daily (china-people-daily-ner-corpus): space separated, B-ORG/I-ORG, B-PER, B-LOC
PEOPLES_DAILY = (
    "海 O\n釣 O\n比 O\n賽 O\n地 O\n點 O\n在 O\n廈 B-LOC\n門 I-LOC\n與 O\n金 B-LOC\n門 I-LOC\n之 O\n間 O\n。 O\n\n"
)
# Weibo NER: a word-position digit after each character, suffixed labels (PER.NAM, GPE.NOM)
WEIBO = (
    "我0\tO\n們1\tO\n的0\tO\n李0\tB-PER.NAM\n小1\tI-PER.NAM\n明2\tI-PER.NAM\n在0\tO\n香0\tB-GPE.NAM\n港1\tI-GPE.NAM\n"
)
# BMES (Resume NER style): B-, M-, E-, S-
BMES = "數 B-ORG\n碼 M-ORG\n港 E-ORG\n與 O\n陳 S-NAME\n見 O\n面 O\n"


def test_msra_character_per_line(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "a.db")
    report = import_annotations(store, write(tmp_path, "msra.txt", MSRA), "conll", annotator="x")
    assert report.problems == [] and report.new_releases == 2 and report.annotations == 3
    assert spans_of(store) == [("NT", "中國銀行"), ("NS", "香港"), ("NR", "陳大文")]
    texts = sorted(store.release(i).text for i in store.release_ids())
    assert texts == ["中國銀行在香港。", "陳大文說"]  # sentences become releases
    assert all(store.release(i).status == "done" for i in store.release_ids())
    store.close()


def test_peoples_daily_space_separated(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "a.db")
    report = import_annotations(store, write(tmp_path, "example.train", PEOPLES_DAILY), "bio", annotator="x")
    assert report.problems == [] and report.new_releases == 1
    assert spans_of(store) == [("LOC", "廈門"), ("LOC", "金門")]
    (rid,) = store.release_ids()
    assert [(s.start, s.end) for s in store.sentences(rid)] == [(0, 15)]
    store.close()


def test_weibo_position_digits_stripped_and_label_suffixes_kept(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "a.db")
    report = import_annotations(store, write(tmp_path, "weiboNER.conll", WEIBO), "conll", annotator="x")
    assert report.problems == [] and sorted(report.labels_added) == ["GPE.NAM", "PER.NAM"]
    assert store.release(store.release_ids()[0]).text == "我們的李小明在香港"
    assert spans_of(store) == [("PER.NAM", "李小明"), ("GPE.NAM", "香港")]
    assert any("position digits" in n for n in report.notes)
    # and the labels with dots export cleanly (brat conf, Label Studio XML, BIO tags)
    store.set_status(store.release_ids()[0], "done", annotator="x")
    for fmt in ("bio", "label-studio", "brat", "hf"):
        export(store, fmt, tmp_path / fmt)
    assert "B-PER.NAM" in (tmp_path / "bio" / "train.txt").read_text(encoding="utf-8")
    assert '<Label value="PER.NAM"/>' in (tmp_path / "label-studio" / "label_config.xml").read_text(encoding="utf-8")
    store.close()


def test_bmes_detected_and_given(tmp_path: Path) -> None:
    assert read_conll(BMES, "r.char").scheme == "bmes"
    store = Store.open(tmp_path / "a.db")
    report = import_annotations(store, write(tmp_path, "r.char", BMES), "conll", annotator="x", scheme="bmes")
    assert report.problems == []
    assert spans_of(store) == [("ORG", "數碼港"), ("NAME", "陳")]
    store.close()
    with pytest.raises(ImportError_, match=r"line 2: tag 'M-ORG': M- is not a BIO prefix"):
        import_annotations(Store.open(tmp_path / "b.db"), tmp_path / "r.char", "conll", annotator="x", scheme="bio")


def test_bioes_and_bilou_detected() -> None:
    bioes = read_conll("香 B-LOC\n港 E-LOC\n人 S-PER\n", "f.txt")
    bilou = read_conll("香 B-LOC\n港 L-LOC\n人 U-PER\n", "f.txt")
    for read, scheme in ((bioes, "bioes"), (bilou, "bilou")):
        assert read.scheme == scheme
        (_where, task) = read.records[0]
        assert isinstance(task, Task)
        assert [(s["label"], s["text"]) for s in task.spans] == [("LOC", "香港"), ("PER", "人")]


def test_token_per_line_conll2003_with_documents(tmp_path: Path) -> None:
    text = (
        "-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\nGerman JJ B-NP B-MISC\ncall NN I-NP O\n. . O O\n\n"
        "Peter NNP B-NP B-PER\nBlackburn NNP I-NP I-PER\n\n-DOCSTART- -X- -X- O\n\nHong NNP B-NP B-LOC\nKong NNP I-NP I-LOC\n"
    )
    store = Store.open(tmp_path / "a.db")
    report = import_annotations(store, write(tmp_path, "eng.train", text), "conll", annotator="x")
    assert report.problems == [] and report.new_releases == 2  # one release per document
    first, second = (store.release(i) for i in sorted(store.release_ids()))
    assert first.text == "EU rejects German call .\nPeter Blackburn" and second.text == "Hong Kong"
    assert [(s.start, s.end) for s in store.sentences(first.id)] == [(0, 24), (25, 40)]
    assert spans_of(store) == [("ORG", "EU"), ("MISC", "German"), ("PER", "Peter Blackburn"), ("LOC", "Hong Kong")]
    store.close()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("香\tB-LOC\n港\tI-LOC\tX\n", r"line 2: has 3 columns; the file's first token line has 2"),
        ("香\tO\n港\tI-LOC\n", r"line 2: I-LOC follows O"),
        ("香\tB-LOC\n港\tI-ORG\n", r"line 2: I-ORG follows LOC \(from line 1\)"),
        ("香\tB-LOC\n港\n", r"line 2: has one column"),
        ("香\tB-1X\n", r"line 1: tag 'B-1X': '1X' is not a label name"),
        ("香\tB_LOC\n", r"line 1: tag 'B_LOC' is neither O nor PREFIX-LABEL"),
    ],
)
def test_malformed_lines_are_named(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, "bad.txt", "好\tO\n\n" + text)
    message = re.sub(r"line (\d)", lambda m: f"line {int(m.group(1)) + 2}", message)
    store = Store.open(tmp_path / "a.db")
    with pytest.raises(BadRecords, match=message):
        import_annotations(store, path, "conll", annotator="x")
    assert store.count_releases() == 0  # nothing stored
    report = import_annotations(store, path, "conll", annotator="x", skip_bad=True)
    assert report.new_releases == 1 and report.bad_records == 1  # the good sentence is
    store.close()


def test_iob1_reads_i_after_o_as_a_start(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "a.db")
    path = write(tmp_path, "iob1.txt", "在 O\n香 I-LOC\n港 I-LOC\n")
    report = import_annotations(store, path, "conll", annotator="x", scheme="iob1")
    assert report.problems == [] and spans_of(store) == [("LOC", "香港")]
    store.close()


@pytest.mark.parametrize("scheme", ["bio", "bioes"])
def test_bio_export_import_export_is_identical(tmp_path: Path, scheme: str) -> None:
    store = golden_store()
    export(store, "bio", tmp_path / "first", scheme=scheme, status="all")
    store.close()
    fresh = Store.open(tmp_path / "fresh.db")
    fresh.sync_labels(default_labels())
    report = import_annotations(fresh, tmp_path / "first", "bio", annotator="importer")
    assert report.problems == [] and report.new_releases == 4
    second = export(fresh, "bio", tmp_path / "second", scheme=scheme)
    fresh.close()
    assert (tmp_path / "first" / "train.txt").read_bytes() == (tmp_path / "second" / "train.txt").read_bytes()
    assert second.notes == []  # nothing nested or clipped the second time


# -- predictions ------------------------------------------------------------------------------


def test_label_studio_predictions_arrive_as_suggestions(tmp_path: Path) -> None:
    text = "數碼港今日宣布，陳大文出席。"
    tasks = [
        {
            "data": {"text": text},
            "annotations": [{"completed_by": {"email": "a@x"}, "result": [
                {"type": "labels", "value": {"start": 0, "end": 3, "text": "數碼港", "labels": ["ORG"]}}]}],
            "predictions": [{"model_version": "ner-v2", "score": 0.9, "result": [
                {"type": "labels", "value": {"start": 0, "end": 3, "text": "數碼港", "labels": ["ORG"]}},
                {"type": "labels", "value": {"start": 8, "end": 11, "text": "陳大文", "labels": ["PERSON"]}},
                {"type": "labels", "value": {"start": 8, "end": 10, "text": "陳大", "labels": ["PERSON"]}}]}],
        }
    ]  # fmt: skip
    path = write(tmp_path, "ls.json", json.dumps(tasks, ensure_ascii=False))
    store = Store.open(tmp_path / "a.db")
    store.sync_labels(default_labels())
    report = import_annotations(store, path, "label-studio", annotator="me")
    assert report.problems == [] and report.annotations == 3 and report.suggestions == 2
    assert report.already_there == 1  # the prediction the annotator made a tag
    assert "2 as suggestions" in report.summary()
    assert spans_of(store) == [("ORG", "數碼港")]  # gold: only the annotation
    (rid,) = store.release_ids()
    suggested = store.annotations(rid, statuses=("suggested",))
    assert [(a.label, a.text, a.attributes["suggested_by"]) for a in suggested] == [
        ("PERSON", "陳大文", "model:ner-v2"),
        ("PERSON", "陳大", "model:ner-v2"),
    ]
    store.set_status(rid, "done", annotator="me")
    export(store, "jsonl", tmp_path / "out")  # exports take accepted tags only
    (record,) = [json.loads(l) for l in (tmp_path / "out" / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [e["text"] for e in record["entities"]] == ["數碼港"]
    again = import_annotations(store, path, "label-studio", annotator="me")
    assert again.annotations == 0  # importing twice adds nothing
    store.close()


def test_doccano_records_marked_as_predictions(tmp_path: Path) -> None:
    rows = [
        {"text": "數碼港與科技園", "label": [[0, 3, "ORG"]], "model_version": "crf-1"},
        {"text": "陳大文", "label": [[0, 3, "PERSON"]], "prediction": True},
        {"text": "香港", "label": [[0, 2, "LOC"]], "prediction": "yes"},
    ]
    path = write(tmp_path, "d.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    store = Store.open(tmp_path / "a.db")
    with pytest.raises(BadRecords, match=r"d.jsonl, record 3, field prediction: must be true or false"):
        import_annotations(store, path, "doccano", annotator="me")
    report = import_annotations(store, path, "doccano", annotator="me", skip_bad=True)
    assert report.suggestions == 2 and spans_of(store) == []
    found = spans_of(store, ("suggested",))
    assert found == [("ORG", "數碼港"), ("PERSON", "陳大文")]
    sources = {
        a.attributes["suggested_by"] for anns in store.live_annotations(statuses=("suggested",)).values() for a in anns
    }
    assert sources == {"model:crf-1", "model:unknown"}
    store.close()


# -- doccano relations --------------------------------------------------------------------------

RELATION_RECORD = {
    "id": 7,
    "text": "數碼港表示，去年有超過500間初創企業進駐。今年預計有600間初創企業進駐。",
    "entities": [
        {"id": 1, "label": "ORG", "start_offset": 0, "end_offset": 3},
        {"id": 2, "label": "STATISTIC", "start_offset": 6, "end_offset": 20},
        {"id": 3, "label": "PLAN", "start_offset": 22, "end_offset": 37},
        {"id": 4, "label": "QUANTITY", "start_offset": 11, "end_offset": 15},
    ],
    "relations": [
        {"id": 10, "from_id": 3, "to_id": 2, "type": "same_metric"},
        {"id": 11, "from_id": 1, "to_id": 2, "type": "said"},
        {"id": 12, "from_id": 4, "to_id": 1, "type": "contradicts"},
    ],
}


def test_doccano_relation_format(tmp_path: Path) -> None:
    path = write(tmp_path, "rel.jsonl", json.dumps(RELATION_RECORD, ensure_ascii=False) + "\n")
    store = Store.open(tmp_path / "a.db")
    store.sync_labels(default_labels())  # STATISTIC and PLAN are claim labels
    report = import_annotations(store, path, "doccano", annotator="me")
    assert report.problems == [] and report.annotations == 4 and report.links == 1
    (rid,) = store.release_ids()
    anns = {a.label: a for a in store.annotations(rid)}
    assert (anns["STATISTIC"].kind, anns["PLAN"].kind, anns["ORG"].kind) == ("claim", "claim", "entity")
    (link,) = store.links()
    assert (link.source_id, link.target_id, link.kind) == (anns["PLAN"].id, anns["STATISTIC"].id, "same_metric")
    # relations hkpr cannot store as links are kept in the source's attributes, and reported
    assert anns["ORG"].attributes["relations"] == [
        {"type": "said", "to": {"label": "STATISTIC", "start": 6, "end": 20, "text": RELATION_RECORD["text"][6:20]}}
    ]
    assert anns["QUANTITY"].attributes["relations"][0]["type"] == "contradicts"
    assert len([n for n in report.notes if "kept in the" in n]) == 2
    # and the jsonl export carries them
    store.set_status(rid, "done", annotator="me")
    export(store, "jsonl", tmp_path / "out")
    (record,) = [json.loads(l) for l in (tmp_path / "out" / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    assert next(e for e in record["entities"] if e["label"] == "ORG")["attributes"]["relations"][0]["type"] == "said"
    assert len(record["links"]) == 1
    # importing twice adds nothing
    again = import_annotations(store, path, "doccano", annotator="me")
    assert again.annotations == 0 and again.links == 0
    store.close()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"relations": [{"from_id": 1, "to_id": 99, "type": "x"}]}, r"relations\[0\].to_id: 99 is not the id"),
        ({"relations": [{"from_id": 1, "to_id": 2}]}, r"relations\[0\].type: is required"),
        (
            {"entities": [{"id": 1, "label": "ORG", "start_offset": 0, "end_offset": 3}] * 2},
            r"entities\[1\].id: 1 is the id",
        ),
        ({"label": [[0, 3, "ORG"]]}, r"field label: a record has either label"),
    ],
)
def test_doccano_relation_records_are_checked(tmp_path: Path, change: dict[str, object], message: str) -> None:
    path = write(tmp_path, "rel.jsonl", json.dumps({**RELATION_RECORD, **change}, ensure_ascii=False) + "\n")
    store = Store.open(tmp_path / "a.db")
    with pytest.raises(BadRecords, match=message):
        import_annotations(store, path, "doccano", annotator="me")
    assert store.count_releases() == 0
    store.close()


def test_cli_imports_conll_with_scheme(tmp_path: Path) -> None:
    path = write(tmp_path, "r.char", BMES)
    db = tmp_path / "a.db"
    result = CliRunner().invoke(
        cli, ["--db", str(db), "import-annotations", str(path), "--format", "conll", "--scheme", "bmes"]
    )
    assert result.exit_code == 0, result.output
    assert "annotations added 2" in result.output
    result = CliRunner().invoke(
        cli, ["--db", str(db), "import-annotations", str(path), "--format", "bio", "--scheme", "bio"]
    )
    assert result.exit_code != 0 and "line 2" in result.output


# -- Label Studio label order, the Hugging Face card --------------------------------------------


def test_label_studio_re_export_is_byte_identical(tmp_path: Path) -> None:
    store = golden_store()
    export(store, "label-studio", tmp_path / "first", status="all")
    store.close()
    fresh = Store.open(tmp_path / "fresh.db")
    report = import_annotations(fresh, tmp_path / "first", "label-studio", annotator="importer")
    assert report.problems == [] and report.labels_added[:3] == ["ORG", "PERSON", "LOC"]  # the config's order
    export(fresh, "label-studio", tmp_path / "second", status="all")
    fresh.close()
    for name in ("label_config.xml", "train.json"):
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "second" / name).read_bytes()


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ('<!DOCTYPE x [<!ENTITY a "aaaa">]><View><Labels><Label value="&a;"/></Labels></View>', "holds a DTD"),
        ("<View><Labels><Label value='1X'/></Labels></View>", r"label_config.xml, field Label 1.value: '1X' is not"),
        ("<View><Labels>", "not readable XML"),
    ],
)
def test_hostile_label_config_is_reported(tmp_path: Path, config: str, message: str) -> None:
    folder = tmp_path / "ls"
    folder.mkdir()
    (folder / "label_config.xml").write_text(config, encoding="utf-8")
    (folder / "train.json").write_text(json.dumps([{"data": {"text": "數碼港"}, "annotations": []}]), encoding="utf-8")
    store = Store.open(tmp_path / "a.db")
    with pytest.raises(BadRecords, match=message):
        import_annotations(store, folder, "label-studio", annotator="x")
    assert store.count_releases() == 0 and store.stored_labels() == []
    store.close()


def test_hf_card_yaml_loads_without_warnings(tmp_path: Path) -> None:
    import logging

    datasets = pytest.importorskip("datasets")
    store = golden_store()
    export(store, "hf", tmp_path / "hf", status="all")
    store.close()
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep(level=logging.WARNING)
    logger = logging.getLogger("datasets")
    logger.addHandler(handler)
    try:
        loaded = datasets.load_dataset(str(tmp_path / "hf"), cache_dir=str(tmp_path / "cache"))
    finally:
        logger.removeHandler(handler)
    assert [r.getMessage() for r in records if r.levelno >= logging.WARNING] == []
    assert loaded["train"].info.splits["train"].num_examples == 4
    assert loaded["train"].features["ner_tags"].feature.names[:3] == ["O", "B-ORG", "I-ORG"]


# -- the database explains itself -----------------------------------------------------------------

DOCS_SCHEMA = Path(__file__).resolve().parent.parent / "docs" / "schema.md"


def test_docs_schema_documents_every_table_and_column(tmp_path: Path) -> None:
    from hkpr_tui.store.schema_doc import markdown

    store = Store.open(tmp_path / "a.db")  # a migrated database, as users have it
    objects = store.schema_objects()
    store.close()
    documented = DOCS_SCHEMA.read_text(encoding="utf-8")
    for _kind, name, columns in objects:
        section = documented[documented.index(f"### `{name}`") :]
        section = section[: section.find("\n### ", 1) if "\n### " in section[1:] else None]
        for column in columns:
            assert f"| `{column}` |" in section, f"{name}.{column} is not in docs/schema.md"
    assert documented == markdown(objects), "regenerate it: hkpr schema --out docs/schema.md --force"


def test_datasette_metadata_describes_the_schema_and_its_search_works(tmp_path: Path) -> None:
    db = tmp_path / "annotations.db"
    result = CliRunner().invoke(cli, ["--db", str(db), "schema", "--datasette", "--out", str(tmp_path / "m.json")])
    assert result.exit_code == 0, result.output
    assert not db.exists()  # it reads no database and creates none
    again = CliRunner().invoke(cli, ["--db", str(db), "schema", "--datasette", "--out", str(tmp_path / "m.json")])
    assert again.exit_code == 1 and "--force" in again.output
    metadata = json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))
    tables = metadata["databases"]["annotations"]["tables"]
    store = Store.open(db)
    store.add_release(release_from_text("數碼港今日宣布。", source="a.txt"))
    objects = {name: columns for _kind, name, columns in store.schema_objects()}
    assert set(tables) == set(objects)
    for name, columns in objects.items():
        assert list(tables[name]["columns"]) == columns and tables[name]["description"]
    for name in ("releases", "release_overview"):
        fts, pk = tables[name]["fts_table"], tables[name]["fts_pk"]
        assert pk in objects[name]
        # the query Datasette runs for ?_search= (escaped mode quotes each term)
        rows = store.db.execute(
            f"SELECT {pk} FROM {name} WHERE {pk} IN (SELECT rowid FROM [{fts}] WHERE [{fts}] MATCH ?)", ['"数码港"']
        ).fetchall()
        assert rows == [(1,)]
    store.close()


def test_views_agree_with_the_exports(export_db: Path, tmp_path: Path) -> None:  # noqa: F811
    import csv

    store = Store.open(export_db)
    export(store, "claims", tmp_path / "claims")
    export(store, "jsonl", tmp_path / "jsonl")
    records = [json.loads(l) for l in (tmp_path / "jsonl" / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    entities = sorted((r["release"]["title"], e["label"], e["text"]) for r in records for e in r["entities"])
    view = sorted(store.db.execute("SELECT release_title, label, text FROM accepted_entities").fetchall())
    assert [tuple(v) for v in view] == entities
    claims = {c["text"]: c["attributes"] for r in records for c in r["claims"]}
    for text, metric, value, unit, qualifier in store.db.execute(
        "SELECT text, metric, value, unit, qualifier FROM claim_facts"
    ):
        attrs = claims[text]
        assert (metric, value, unit, qualifier) == tuple(attrs.get(k) for k in ("metric", "value", "unit", "qualifier"))
    with open(tmp_path / "claims" / "threads.csv", encoding="utf-8") as fh:
        csv_threads = sorted((row["thread"], row["claim_text"]) for row in csv.DictReader(fh))
    threads = store.db.execute("SELECT thread, text FROM claim_threads ORDER BY thread, claim_id").fetchall()
    numbered = {t: str(n) for n, t in enumerate(sorted({t for t, _ in threads}), start=1)}
    assert sorted((numbered[t], text) for t, text in threads) == csv_threads and csv_threads
    usage = dict(store.db.execute("SELECT name, accepted FROM label_usage").fetchall())
    assert usage["ORG"] == sum(1 for e in entities if e[1] == "ORG")
    overview = store.db.execute("SELECT count(*), sum(entities), sum(claims) FROM release_overview").fetchone()
    assert tuple(overview) == (len(records), len(entities), len(claims))
    store.close()


def test_hkpr_jsonl_records_marked_as_predictions(tmp_path: Path) -> None:
    record = {
        "text": "數碼港今日宣布。",
        "model_version": "v3",
        "entities": [{"start": 0, "end": 3, "label": "ORG", "text": "數碼港"}],
    }
    path = write(tmp_path, "p.jsonl", json.dumps(record, ensure_ascii=False) + "\n")
    store = Store.open(tmp_path / "a.db")
    report = import_annotations(store, path, "jsonl", annotator="me")
    assert report.suggestions == 1 and spans_of(store) == [] and spans_of(store, ("suggested",)) == [("ORG", "數碼港")]
    (rid,) = store.release_ids()
    (a,) = store.annotations(rid, statuses=("suggested",))
    assert a.attributes == {"suggested_by": "model:v3"}
    store.close()
