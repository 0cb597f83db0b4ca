"""Exports: each format read back by an independent reader, every span checked against its text.

The readers here are written from the formats' documentation, not from hkpr's exporters.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from hkpr_tui.annotate.session import Actions
from hkpr_tui.corpus.ingest import release_from_text
from hkpr_tui.export.formats import ExportError
from hkpr_tui.export.run import export
from hkpr_tui.store import Store

ASTRAL = "𨋢內有數碼港職員。數碼港大樓有𠝹刀。\n\n電郵：info@cyberport.hk，電話：2345 6789。\n\n傳媒查詢：陳大文先生，電話：3456 7890。"


def find(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return start, start + len(needle)


@pytest.fixture
def export_db(seeded_db: Path) -> Path:
    """The seeds, plus a text with astral characters and personal data; tags, claims, a link; all done."""
    store = Store.open(seeded_db)
    extra = store.add_release(release_from_text(ASTRAL, source="astral.txt", title="astral")).release_id
    actions = Actions(store, "ann", store.start_session("ann"))
    for r in store.list_releases(sort="id"):
        text = store.release(r.id).text
        for needle, label in (("數碼港", "ORG"), ("数码港", "ORG"), ("《財政預算案》", "DOCUMENT"), ("香港", "LOC")):
            if needle in text:
                actions.tag(r.id, "entity", label, *find(text, needle))
        actions.set_status(r.id, "done")
    text = ASTRAL
    actions.tag(extra, "entity", "FACILITY", *find(text, "𨋢"))
    actions.tag(extra, "entity", "FACILITY", *find(text, "數碼港大樓"))  # holds the ORG 數碼港 (2nd): nested
    actions.tag(extra, "entity", "ORG", *find(text, "數碼港", 1))
    actions.tag(extra, "entity", "EMAIL", *find(text, "info@cyberport.hk"))
    actions.tag(extra, "entity", "PERSON", *find(text, "陳大文"))
    by_source = {Path(r.source).name[:3]: r.id for r in store.list_releases()}
    t000, t001 = store.release(by_source["000"]).text, store.release(by_source["001"]).text
    c500 = actions.tag(
        by_source["000"],
        "claim",
        "STATISTIC",
        *find(t000, "超過500間"),
        {"value": 500, "unit": "間", "qualifier": ">", "metric": "AI start-ups"},
    )
    c190 = actions.tag(
        by_source["001"],
        "claim",
        "STATISTIC",
        *find(t001, "超过 190 间"),
        {"value": 190, "unit": "間", "qualifier": ">", "metric": "AI start-ups"},
    )
    actions.link(c190.id, c500.id, "same_metric")
    store.close()
    return seeded_db


def run(db: Path, fmt: str, out: Path, **kwargs) -> dict:  # type: ignore[no-untyped-def]
    store = Store.open(db)
    try:
        return export(store, fmt, out, **kwargs).manifest
    finally:
        store.close()


def utf16_to_index(text: str, units: int) -> int:
    """Independent: encode to UTF-16-LE and count back."""
    data = text.encode("utf-16-le")
    return len(data[: units * 2].decode("utf-16-le"))


def test_jsonl_has_everything_and_every_span_matches(export_db: Path, tmp_path: Path) -> None:
    manifest = run(export_db, "jsonl", tmp_path / "out")
    records = [json.loads(l) for l in (tmp_path / "out" / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(records) == 6 and manifest["offset_unit"].startswith("code points")
    for record in records:
        for span in [*record["entities"], *record["claims"]]:
            assert record["text"][span["start"] : span["end"]] == span["text"]
            assert span["annotator"] == "ann" and span["created_at"]
    astral = next(r for r in records if r["release"]["title"] == "astral")
    orgs = {(e["start"], e["end"]) for e in astral["entities"] if e["label"] == "ORG"}
    assert orgs == {(3, 6), find(ASTRAL, "數碼港", 1)}  # code points: 𨋢 counts one
    claims = [c for r in records for c in r["claims"]]
    assert {c["attributes"]["value"] for c in claims} == {190, 500}
    links = [l for r in records for l in r["links"]]
    assert len(links) == 1 and links[0]["kind"] == "same_metric"
    assert {l for l in (links[0]["source"], links[0]["target"])} == {c["key"] for c in claims}


def test_bio_reads_back_per_sentence(export_db: Path, tmp_path: Path) -> None:
    manifest = run(export_db, "bio", tmp_path / "out")
    blocks = (tmp_path / "out" / "train.txt").read_text(encoding="utf-8").split("\n\n")
    found = []
    for block in blocks:
        chars, tags = [], []
        for line in block.splitlines():
            char, tag = line.split("\t")
            assert len(char) == 1 and not char.isspace() and (tag == "O" or tag[:2] in ("B-", "I-"))
            chars.append(char)
            tags.append(tag)
        current = None
        for char, tag in zip(chars, tags):
            if tag.startswith("B-"):
                current = [tag[2:], char]
                found.append(current)
            elif tag.startswith("I-"):
                assert current is not None and current[0] == tag[2:]
                current[1] += char
            else:
                current = None
    pairs = {tuple(x) for x in found}
    assert ("FACILITY", "𨋢") in pairs and ("FACILITY", "數碼港大樓") in pairs
    assert ("ORG", "數碼港") in pairs and ("DOCUMENT", "《財政預算案》") in pairs
    # the ORG nested in 數碼港大樓 is dropped from this flat format and reported
    assert manifest["counts"]["nested_spans_dropped"] == 1


def test_bioes_scheme(export_db: Path, tmp_path: Path) -> None:
    run(export_db, "bio", tmp_path / "out", scheme="bioes")
    lines = (tmp_path / "out" / "train.txt").read_text(encoding="utf-8").splitlines()
    assert "𨋢\tS-FACILITY" in lines and "港\tE-ORG" in lines


def test_doccano_offsets_are_utf16(export_db: Path, tmp_path: Path) -> None:
    manifest = run(export_db, "doccano", tmp_path / "out")
    assert "UTF-16" in manifest["offset_unit"]
    rows = [json.loads(l) for l in (tmp_path / "out" / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    astral = next(r for r in rows if r["text"] == ASTRAL)
    start, end, _label = next(l for l in astral["label"] if l[2] == "ORG")
    assert (start, end) == (4, 7)  # 數碼港 after 𨋢 (two UTF-16 units) and 內有: code points 3–6
    for row in rows:
        for s, e, _ in row["label"]:
            assert row["text"][utf16_to_index(row["text"], s) : utf16_to_index(row["text"], e)]


def test_label_studio_tasks(export_db: Path, tmp_path: Path) -> None:
    run(export_db, "label-studio", tmp_path / "out")
    tasks = json.loads((tmp_path / "out" / "train.json").read_text(encoding="utf-8"))
    n = 0
    for task in tasks:
        for annotation in task["annotations"]:
            for item in annotation["result"]:
                v = item["value"]
                assert task["data"]["text"][v["start"] : v["end"]] == v["text"] and v["labels"]
                n += 1
    assert n > 10 and '<Label value="ORG"/>' in (tmp_path / "out" / "label_config.xml").read_text()


def test_brat_standoff(export_db: Path, tmp_path: Path) -> None:
    run(export_db, "brat", tmp_path / "out")
    anns = sorted((tmp_path / "out" / "train").glob("*.ann"))
    assert len(anns) == 6
    seen_relation = False
    for ann in anns:
        text = ann.with_suffix(".txt").read_text(encoding="utf-8")
        for line in ann.read_text(encoding="utf-8").splitlines():
            if line.startswith("T"):
                _, middle, covered = line.split("\t")
                fragments = middle.split(" ", 1)[1].split(";")
                pieces = [text[int(a) : int(b)] for a, b in (f.split() for f in fragments)]
                assert " ".join(pieces) == covered
            seen_relation |= line.startswith("R")
    assert (tmp_path / "out" / "annotation.conf").exists()
    assert not seen_relation  # the only link joins two releases: brat relations stay inside one document


def test_cluener_inclusive_ends(export_db: Path, tmp_path: Path) -> None:
    run(export_db, "cluener", tmp_path / "out")
    rows = [json.loads(l) for l in (tmp_path / "out" / "train.json").read_text(encoding="utf-8").splitlines()]
    checked = 0
    for row in rows:
        for entities in row["label"].values():
            for entity, positions in entities.items():
                for start, end in positions:
                    assert row["text"][start : end + 1] == entity
                    checked += 1
    assert checked > 10
    first = next(r for r in rows if r["text"].startswith("𨋢"))
    assert first["label"]["FACILITY"]["𨋢"] == [[0, 0]]


def test_claims_and_threads(export_db: Path, tmp_path: Path) -> None:
    run(export_db, "claims", tmp_path / "out")
    rows = [json.loads(l) for l in (tmp_path / "out" / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    positives = [r for r in rows if r["is_claim"]]
    assert len(positives) == 2 and len(rows) > 100  # unclaimed sentences of finished releases are negatives
    for row in positives:
        assert row["sentence"][row["claim_start"] : row["claim_end"]] == row["claim_text"]
        assert row["claim_type"] == "STATISTIC" and row["attributes"]["unit"] == "間"
    with open(tmp_path / "out" / "threads.csv", encoding="utf-8") as fh:
        thread = list(csv.DictReader(fh))
    assert [(r["date"], r["value"]) for r in thread] == [("2024-02-28", "190"), ("2026-02-25", "500")]


def test_hf_loads_with_datasets(export_db: Path, tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets", reason="the hf extra is not installed (pip install -e '.[hf]')")
    run(export_db, "hf", tmp_path / "out", split=(50, 25, 25), seed=1)
    card = (tmp_path / "out" / "README.md").read_text(encoding="utf-8")
    assert card.startswith("---\n") and "class_label" in card
    loaded = datasets.load_dataset(str(tmp_path / "out"))
    names = loaded[next(iter(loaded))].features["ner_tags"].feature.names
    assert names[0] == "O" and "B-ORG" in names
    for split in loaded.values():
        for row in split:
            tags = [names[i] for i in row["ner_tags"]]
            assert len(tags) == len(row["tokens"]) and all(len(t) == 1 for t in row["tokens"])


def test_spacy_docbin_loads(export_db: Path, tmp_path: Path) -> None:
    spacy = pytest.importorskip("spacy", reason="the spacy extra is not installed (pip install -e '.[spacy]')")
    from spacy.tokens import DocBin

    run(export_db, "spacy", tmp_path / "out")
    nlp = spacy.blank("zh")
    docs = list(DocBin().from_disk(tmp_path / "out" / "train.spacy").get_docs(nlp.vocab))
    ents = {(e.text, e.label_) for d in docs for e in d.ents}
    assert ("𨋢", "FACILITY") in ents and ("數碼港大樓", "FACILITY") in ents and ("数码港", "ORG") in ents


def test_a_large_spacy_split_is_a_folder_of_docbins_spacy_reads_as_one_corpus(
    export_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One DocBin holds under 4 GB (msgpack): past a size, a split goes on in train/001.spacy …"""
    spacy = pytest.importorskip("spacy", reason="the spacy extra is not installed (pip install -e '.[spacy]')")
    from spacy.tokens import DocBin
    from spacy.training import Corpus

    import hkpr_tui.export.formats as formats

    run(export_db, "spacy", tmp_path / "one")
    nlp = spacy.blank("zh")
    whole = [d.text for d in DocBin().from_disk(tmp_path / "one" / "train.spacy").get_docs(nlp.vocab)]
    monkeypatch.setattr(formats, "SPACY_SHARD_BYTES", 20_000)  # a few Docs per DocBin
    run(export_db, "spacy", tmp_path / "many")
    shards = sorted((tmp_path / "many" / "train").glob("*.spacy"))
    assert len(shards) > 2 and shards[0].name == "000.spacy" and not (tmp_path / "many" / "train.spacy").exists()
    texts = [d.text for path in shards for d in DocBin().from_disk(path).get_docs(nlp.vocab)]
    assert texts == whole  # the same Docs, in order
    corpus = Corpus(tmp_path / "many" / "train", shuffle=False)  # what `spacy train --paths.train DIR` reads
    assert sorted(eg.reference.text for eg in corpus(nlp)) == sorted(whole)
    manifest = json.loads((tmp_path / "many" / "manifest.json").read_text(encoding="utf-8"))
    assert {f"train/{p.name}" for p in shards} <= set(manifest["files"])


def test_spacy_docbin_is_the_bytes_docbin_writes(export_db: Path, tmp_path: Path) -> None:
    """The streamed DocBin is laid out as DocBin.to_bytes lays out the same Docs, byte for byte."""
    spacy = pytest.importorskip("spacy", reason="the spacy extra is not installed (pip install -e '.[spacy]')")
    from spacy.tokens import Doc, DocBin, Span

    store = Store.open(export_db)  # Latin capitals and digits: their norms are strings of their own
    text = "Cyberport 數碼港 ABC 公司 2024 年 HK$500 億。"
    rid = store.add_release(release_from_text(text, source="latin.txt", title="latin")).release_id
    store.add_annotation(rid, "entity", "ORG", *find(text, "Cyberport 數碼港"), annotator="ann")
    store.set_status(rid, "done", annotator="ann")
    store.close()
    run(export_db, "spacy", tmp_path / "out", split=(50, 0, 50))
    nlp = spacy.blank("zh")
    for path in sorted((tmp_path / "out").glob("*.spacy")):
        written = path.read_bytes()
        again = DocBin(store_user_data=False)
        for doc in DocBin().from_bytes(written).get_docs(nlp.vocab):
            again.add(doc)
            # the token rows are written without spaCy's Doc: they are those of a Doc spaCy makes
            made = Doc(nlp.vocab, words=[t.text for t in doc], spaces=[bool(t.whitespace_) for t in doc])
            made.ents = [Span(made, e.start, e.end, label=e.label_) for e in doc.ents]
            assert (made.to_array(again.attrs) == doc.to_array(again.attrs)).all(), doc.text
        assert again.to_bytes() == written, path.name


def test_a_bad_span_in_the_last_release_leaves_nothing(export_db: Path, tmp_path: Path) -> None:
    """Streaming writes the first releases before the last is read: the temporary folder goes."""
    store = Store.open(export_db)
    last = max(store.release_ids_where())
    first = next(a for a in store.live_annotations([last])[last])
    store.db.execute("UPDATE annotations SET text = 'XX' WHERE id = ?", [first.id])
    store.close()
    for fmt in ("jsonl", "brat", "spacy"):
        with pytest.raises(ExportError, match=f"release #{last}"):
            run(export_db, fmt, tmp_path / "out")
        assert not (tmp_path / "out").exists() and list(tmp_path.glob(".out*")) == []


def test_hf_numbers_undeclared_labels_in_name_order(export_db: Path, tmp_path: Path) -> None:
    """Labels no database row declares are numbered after the declared ones, sorted by name, even
    when the releases use them in another order (the files are renumbered at the end)."""
    from hkpr_tui.annotate.labels import default_labels

    store = Store.open(export_db)
    store.sync_labels(default_labels())
    ids = store.release_ids_where()
    for rid, label in ((ids[0], "ZETA"), (ids[1], "ALPHA")):
        text = store.release(rid).text
        start = next(i for i, c in enumerate(text) if not c.isspace() and not text[i + 1].isspace())
        store.insert_annotations([{"release_id": rid, "kind": "entity", "label": label, "start": start,
                                   "end": start + 2, "text": text[start : start + 2], "annotator": "ann"}])  # fmt: skip
    store.close()
    manifest = run(export_db, "hf", tmp_path / "out")
    names = manifest["tag_names"]
    assert names[-4:] == ["B-ALPHA", "I-ALPHA", "B-ZETA", "I-ZETA"]
    tags = [names[t] for line in (tmp_path / "out" / "train.jsonl").read_text(encoding="utf-8").splitlines()
            for t in json.loads(line)["ner_tags"]]  # fmt: skip
    run(export_db, "bio", tmp_path / "bio")
    lines = (tmp_path / "bio" / "train.txt").read_text(encoding="utf-8").splitlines()
    assert tags == [line.split("\t")[1] for line in lines if line]  # the same tags, renumbered right
    assert {"B-ALPHA", "I-ALPHA", "B-ZETA", "I-ZETA"} <= set(tags)
    assert manifest["files"]["train.jsonl"]["bytes"] == (tmp_path / "out" / "train.jsonl").stat().st_size


def test_all_scripts_project_spans(export_db: Path, tmp_path: Path) -> None:
    manifest = run(export_db, "jsonl", tmp_path / "out", script="all")
    records = [json.loads(l) for l in (tmp_path / "out" / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    assert manifest["counts"]["documents"] == 18 and {r["script"] for r in records} == {"original", "hant", "hans"}
    hans = next(
        r
        for r in records
        if r["script"] == "hans"
        and r["release"]["source"].endswith("000.txt") is False
        and "數碼港" in r["release"]["title"]
    )
    for record in records:
        for span in record["entities"]:
            assert record["text"][span["start"] : span["end"]] == span["text"]
    assert any(e["text"] == "数码港" for e in hans["entities"])


def test_split_is_by_group_and_deterministic(export_db: Path, tmp_path: Path) -> None:
    store = Store.open(export_db)  # a Simplified copy of 000: a version of the same release
    from hkpr_tui.script.views import script_view

    t000 = next(
        store.release(r.id) for r in store.list_releases() if r.source.endswith(".txt") and "000" in Path(r.source).name
    )
    copy = store.add_release(
        release_from_text(script_view(t000.text, "hant", "hans").text, source="000-hans.txt")
    ).release_id
    store.set_status(copy, "done", annotator="x")
    store.close()
    a = run(export_db, "jsonl", tmp_path / "a", split=(40, 30, 30), seed=7)
    b = run(export_db, "jsonl", tmp_path / "b", split=(40, 30, 30), seed=7)
    assert a["files"] == b["files"]
    where = {}
    for file in (tmp_path / "a").glob("*.jsonl"):
        for line in file.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            where.setdefault(record["release"]["group"], set()).add(file.stem)
    assert all(len(splits) == 1 for splits in where.values())
    assert len(where) == 6  # 7 releases, 6 groups: the copy shares 000's group


def test_filters_status_labels_annotator(export_db: Path, tmp_path: Path) -> None:
    m = run(export_db, "jsonl", tmp_path / "a", labels=["ORG"])
    assert set(m["labels"]) == {"ORG"}
    m = run(export_db, "jsonl", tmp_path / "b", annotators=["somebody else"])
    assert m["counts"]["entities"] == 0
    store = Store.open(export_db)
    first = store.list_releases(sort="id")[0].id
    store.set_status(first, "in progress", annotator="x")
    store.close()
    assert run(export_db, "jsonl", tmp_path / "c")["counts"]["releases"] == 5
    assert run(export_db, "jsonl", tmp_path / "d", status="all")["counts"]["releases"] == 6


def test_redaction_is_consistent_and_keeps_spans_valid(export_db: Path, tmp_path: Path) -> None:
    import re

    manifest = run(export_db, "jsonl", tmp_path / "out", redact_pii=True, script="all")
    records = [json.loads(l) for l in (tmp_path / "out" / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    for record in records:
        assert not re.search(r"[A-Za-z0-9._-]+@[A-Za-z0-9.-]+\.[a-z]{2,}", record["text"])
        for span in [*record["entities"], *record["claims"]]:
            assert record["text"][span["start"] : span["end"]] == span["text"]
    astral = [r for r in records if r["release"]["title"] == "astral"]
    assert len(astral) == 3
    for record in astral:
        text = record["text"]
        assert "2345 6789" not in text and "陳大文" not in text and "陈大文" not in text
        assert re.search(r"\[PERSON_\d+\]先生", text)
    email = {re.search(r"\[EMAIL_\d+\]", r["text"]).group() for r in astral}  # type: ignore[union-attr]
    assert len(email) == 1  # the same address gets the same placeholder in every script
    person = next(e for e in astral[0]["entities"] if e["label"] == "PERSON")
    assert re.fullmatch(r"\[PERSON_\d+\]", person["text"])  # the tag now covers the placeholder
    assert manifest["counts"]["redacted"] >= 12


def test_failed_export_leaves_nothing(export_db: Path, tmp_path: Path) -> None:
    store = Store.open(export_db)  # a stored span whose text no longer matches (drift)
    store.db.execute("UPDATE annotations SET text = 'XX' WHERE id = 1")
    store.close()
    with pytest.raises(ExportError, match="no longer match"):
        run(export_db, "bio", tmp_path / "out")
    assert not (tmp_path / "out").exists() and list(tmp_path.glob(".out*")) == []


def test_existing_folder_is_not_overwritten_without_force(export_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(ExportError, match="not empty"):
        run(export_db, "jsonl", out)
    with pytest.raises(ExportError, match="not an earlier hkpr export .*no readable hkpr manifest"):
        run(export_db, "jsonl", out, force=True)  # --force replaces earlier exports only
    assert (out / "keep.txt").read_text() == "mine"
    again = tmp_path / "again"
    run(export_db, "jsonl", again)
    run(export_db, "bio", again, force=True)  # an earlier export is replaced
    assert (again / "train.txt").exists() and not (again / "train.jsonl").exists()


def test_manifest_checksums(export_db: Path, tmp_path: Path) -> None:
    import hashlib

    manifest = run(export_db, "brat", tmp_path / "out", split=(80, 10, 10))
    assert (
        manifest["schema_version"] >= 2 and manifest["tool"] == "hkpr" and manifest["parameters"]["split"] == "80/10/10"
    )
    for name, info in manifest["files"].items():
        data = (tmp_path / "out" / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == info["sha256"] and len(data) == info["bytes"]


def test_indented_json_is_what_json_dumps_writes() -> None:
    """Label Studio's tasks are written by formats.indented_json: json.dumps's text with indent=1."""
    from collections import OrderedDict

    from hkpr_tui.export.formats import indented_json

    class Name(str):
        pass

    values = [
        {},
        [],
        '中文\n\t"\\\u2028\ud800',
        {"id": 1, "data": {"text": "數碼港 𨋢", "date": None, "n": 2.5, "nan": float("nan")}, "empty": {}, "list": []},
        [1, True, False, None, -0.0, 10**30, (1, "a"), [[[]]], {"a": [{"b": {}}]}],
        OrderedDict([(1, "one"), (2.5, "x"), (True, "t"), (None, "n"), (Name("k"), Name("v\n"))]),
    ]
    for value in values:
        for level in (0, 1, 3):
            lines = json.dumps(value, ensure_ascii=False, indent=1).split("\n")
            assert indented_json(value, level) == "\n".join([lines[0]] + [" " * level + line for line in lines[1:]])
    with pytest.raises(TypeError, match="keys must be str"):
        indented_json({(1, 2): 1})


def test_utf16_offsets_both_ways() -> None:
    from hkpr_tui.export.formats import from_utf16, utf16_offset

    text = "a𨋢中𠝹𠝹b\ud800"
    units = [len(text[:i].encode("utf-16-le", "surrogatepass")) // 2 for i in range(len(text) + 1)]
    assert [utf16_offset(text, i) for i in range(len(text) + 1)] == units
    for i, unit in enumerate(units):
        assert from_utf16(text, unit) == i
        if i < len(text) and units[i + 1] == unit + 2:  # inside an astral character: the one after it
            assert from_utf16(text, unit + 1) == i + 1
    assert from_utf16(text, -1) == 0 and from_utf16(text, 99) == len(text) and from_utf16("", 3) == 0


def _decode_one_at_a_time(chars: list[str], tags: list[str]) -> list[tuple[str, str]]:
    """How a reader decodes BIO/BIOES tags, one character at a time (the reference)."""
    out: list[tuple[str, str]] = []
    label, buf = None, ""
    for char, tag in zip(chars, tags):
        prefix, _, name = tag.partition("-")
        if prefix in ("B", "S", "O") or (prefix in ("I", "E") and name != label):
            if label is not None:
                out.append((label, buf))
            label, buf = (name, char) if prefix != "O" else (None, "")
        else:
            buf += char
        if prefix in ("E", "S") and label is not None:
            out.append((label, buf))
            label, buf = None, ""
    if label is not None:
        out.append((label, buf))
    return out


def test_tags_decode_as_a_reader_decodes_them_one_character_at_a_time() -> None:
    """formats.spans_from_tags reads a run of equal tags at a time: the same entities, for any
    sequence (stray I-, E- after another label, repeated S-, unknown prefixes, tags without a label)."""
    import random

    from hkpr_tui.export.formats import spans_from_tags

    rng = random.Random(5)
    tags_seen = ["O", "B-ORG", "I-ORG", "E-ORG", "S-ORG", "B-P", "I-P", "E-P", "S-P", "I", "B", "X-ORG", "", "O-x"]
    for _ in range(20_000):
        tags = [rng.choice(tags_seen) for _ in range(rng.randint(0, 10))]
        chars = [rng.choice("ab中") for _ in tags]
        assert spans_from_tags(chars, tags) == _decode_one_at_a_time(chars, tags), tags


@pytest.mark.parametrize("has_syncfs", [True, False])
def test_every_file_is_flushed_to_the_disk_before_the_folder_is_renamed(
    export_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, has_syncfs: bool
) -> None:
    """One syncfs of the file system where the C library has it, else an fsync per file; either
    before the temporary folder takes the export's name."""
    import os

    import hkpr_tui.export.formats as formats

    out = tmp_path / "out"
    synced: list[str] = []

    def syncfs(fd: int) -> int:
        synced.append("file system")
        return 0

    def fsync(fd: int) -> None:
        synced.append("file")

    def rename(self: Path, target: Path) -> Path:
        assert not target.exists() and synced, "renamed before the files were on the disk"
        return real_rename(self, target)

    real_rename = Path.rename
    monkeypatch.setattr(formats, "_syncfs", lambda: syncfs if has_syncfs else None)
    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(Path, "rename", rename)
    manifest = run(export_db, "brat", out)
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) == len(manifest["files"]) + 1 > 3  # and the manifest
    assert synced == (["file system"] if has_syncfs else ["file"] * len(files))
