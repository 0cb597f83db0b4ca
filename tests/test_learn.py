"""Suggestions that learn (hkpr_tui.learn): train on a small corpus made here, suggest, evaluate."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from hkpr_tui import learn  # importing it never needs python-crfsuite
from hkpr_tui.annotate.session import Actions
from hkpr_tui.cli import cli
from hkpr_tui.corpus.ingest import release_from_text
from hkpr_tui.store import Store

pytest.importorskip("pycrfsuite")

COMPANIES = ["星光", "海濱", "雲端", "創新", "智慧", "綠色", "卓越", "東方", "啟明", "宏圖", "天華", "新港"]
BUREAUS = ["發展", "保安", "教育", "運輸及物流", "財經事務", "商務及經濟發展", "文化體育及旅遊", "醫務衞生"]
PEOPLE = ["陳大文", "李小明", "黃美玲", "張志強", "劉家豪", "何詠詩"]
TEMPLATES = [
    "{org}今日宣布，{org2}將與其合作推出新計劃。",
    "{person}表示，{org}會繼續支持本地初創企業。",
    "{org2}發言人指出，{org}的新服務將於下月推出。",
    "今年，{org}與{org2}共同舉辦展覽，吸引大批市民參觀。",
]


def release_texts(n: int, seed: int = 1) -> list[tuple[str, list[tuple[str, str]]]]:
    """``n`` short releases and the (name, label) pairs to tag in each."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        sentences, names = [], []
        for template in rng.sample(TEMPLATES, 3):
            org = rng.choice(COMPANIES) + "科技有限公司"
            org2 = rng.choice(BUREAUS) + "局"
            person = rng.choice(PEOPLE)
            sentences.append(template.format(org=org, org2=org2, person=person))
            names += [(org, "ORG"), (org2, "ORG"), (person, "PERSON")]
        out.append(("\n\n".join(sentences), names))
    return out


def build_db(path: Path, n: int = 20, *, done: bool = True) -> Path:
    store = Store.open(path)
    actions = Actions(store, "ann", store.start_session("ann"))
    for i, (text, names) in enumerate(release_texts(n)):
        rid = store.add_release(release_from_text(text, source=f"r{i}.txt", title=f"r{i}")).release_id
        tagged: set[tuple[int, int]] = set()
        for name, label in names:
            start = text.find(name)
            while start >= 0:
                if (start, start + len(name)) not in tagged:
                    actions.tag(rid, "entity", label, start, start + len(name))
                    tagged.add((start, start + len(name)))
                start = text.find(name, start + 1)
        if done:
            actions.set_status(rid, "done")
    store.close()
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, learn.TrainReport]:
    db = build_db(tmp_path_factory.mktemp("learn") / "annotations.db")
    store = Store.open(db)
    try:
        report = learn.train(store, path=learn.model_path(db))
    finally:
        store.close()
    return db, report


def test_model_and_sidecar_beside_the_database(trained: tuple[Path, learn.TrainReport]) -> None:
    db, report = trained
    assert report.path == db.with_name("annotations.db.model.crfsuite")
    assert report.path.is_file() and report.sidecar.is_file()
    meta = json.loads(report.sidecar.read_text(encoding="utf-8"))
    assert meta["labels"] == ["ORG", "PERSON"] == report.labels
    assert meta["releases"] == 20 and meta["tags"] == report.tags > 100
    assert meta["trained_at"]
    assert report.sequences > 20  # the 简 views are learnt too


def test_held_out_name_of_a_seen_pattern_is_suggested(trained: tuple[Path, learn.TrainReport]) -> None:
    model = learn.Model.load(trained[1].path)
    assert model is not None
    text = "明日科技有限公司今日宣布，環境及生態局將與其合作推出新計劃。"
    found = {(s.text, s.label) for s in model.suggest(text, threshold=0.3)}
    assert ("明日科技有限公司", "ORG") in found
    assert ("環境及生態局", "ORG") in found
    for s in model.suggest(text, threshold=0.0):
        assert text[s.start : s.end] == s.text
        assert s.source.startswith("model:") and 0 <= float(s.source[6:]) <= 1
    # in Simplified too: the 简 views were learnt
    hans = {
        (s.text, s.label) for s in model.suggest("明日科技有限公司今日宣布推出新服务。", threshold=0.3, script="hans")
    }
    assert ("明日科技有限公司", "ORG") in hans


def test_threshold_filters(trained: tuple[Path, learn.TrainReport]) -> None:
    model = learn.Model.load(trained[1].path)
    assert model is not None
    text = "明日科技有限公司今日宣布。"
    assert model.suggest(text, threshold=1.01) == []
    assert len(model.suggest(text, threshold=0.0)) >= len(model.suggest(text, threshold=0.9))


@pytest.mark.parametrize(
    "text",
    ["", " ", "\n\n", "𨋢𠝹𠮷科技有限公司", "\x00\x1b[31m局\x7f", "\ud800局", "a" * 3, "局", "\u200b\ufeff", "😀" * 50],
)
def test_odd_text_never_raises(trained: tuple[Path, learn.TrainReport], text: str) -> None:
    model = learn.Model.load(trained[1].path)
    assert model is not None
    for s in model.suggest(text, threshold=0.0):
        assert 0 <= s.start < s.end <= len(text)


def test_load_missing_or_broken_gives_none(tmp_path: Path) -> None:
    assert learn.Model.load(tmp_path / "absent.crfsuite") is None
    broken = tmp_path / "broken.crfsuite"
    broken.write_bytes(b"not a model")
    learn.sidecar_path(broken).write_text('{"format": 1, "labels": []}', encoding="utf-8")
    assert learn.Model.load(broken) is None


def test_nothing_to_learn_from(tmp_path: Path) -> None:
    db = build_db(tmp_path / "a.db", 3, done=False)  # tagged but not done: not learnt from
    store = Store.open(db)
    try:
        with pytest.raises(learn.LearnError, match="nothing to learn from"):
            learn.train(store, path=learn.model_path(db))
    finally:
        store.close()
    result = CliRunner().invoke(cli, ["--db", str(db), "learn"])
    assert result.exit_code == 1 and "nothing to learn from" in result.output


def test_cli_learn_writes_the_model(tmp_path: Path) -> None:
    db = build_db(tmp_path / "annotations.db", 8)
    result = CliRunner().invoke(cli, ["--db", str(db), "learn"])
    assert result.exit_code == 0, result.output
    assert "trained on 8 done releases" in result.output
    assert (tmp_path / "annotations.db.model.crfsuite").is_file()
    assert (tmp_path / "annotations.db.model.crfsuite.json").is_file()


def test_cli_learn_eval_prints_per_label_scores(trained: tuple[Path, learn.TrainReport]) -> None:
    db = trained[0]
    result = CliRunner().invoke(cli, ["--db", str(db), "learn", "--eval", "--split", "70/30", "--seed", "2"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    header = next(line for line in lines if line.startswith("label"))
    assert header.split() == ["label", "gold", "predicted", "precision", "recall", "F1", "covered"]
    for label in ("ORG", "PERSON", "all"):
        row = next(line.split() for line in lines if line.startswith(label + " "))
        assert 0 <= float(row[5]) <= 1
    assert "would have covered" in result.output
    bad = CliRunner().invoke(cli, ["--db", str(db), "learn", "--eval", "--split", "80/10/10"])
    assert bad.exit_code == 1 and "two whole numbers" in bad.output


def test_evaluate_scores_are_seqeval_definitions() -> None:
    from hkpr_tui.annotate.suggest import Suggestion
    from hkpr_tui.learn.crf import LabelScore, score
    from hkpr_tui.learn.features import bio, spans

    assert spans(["B-ORG", "I-ORG", "O", "I-PER", "B-PER", "I-ORG"]) == [
        (0, 2, "ORG"),
        (3, 4, "PER"),
        (4, 5, "PER"),
        (5, 6, "ORG"),
    ]
    assert spans(bio(6, [(0, 4, "FAC"), (0, 2, "ORG"), (4, 6, "ORG")])) == [(0, 4, "FAC"), (4, 6, "ORG")]
    into: dict[str, LabelScore] = {}
    predicted = [Suggestion(0, 2, "ORG", "model:0.9", ""), Suggestion(5, 8, "ORG", "model:0.4", "")]
    score([(0, 2, "ORG"), (5, 7, "ORG"), (9, 10, "PER")], predicted, predicted[:1], into)
    assert (into["ORG"].gold, into["ORG"].predicted, into["ORG"].correct, into["ORG"].covered) == (2, 2, 1, 1)
    assert into["ORG"].f1 == pytest.approx(0.5) and into["PER"].recall == 0


def test_import_without_crfsuite_does_not_fail(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "pycrfsuite", None)  # import pycrfsuite raises ImportError
    assert not learn.available()
    assert learn.Model.load(tmp_path / "x.crfsuite") is None
    db = build_db(tmp_path / "a.db", 2)
    result = CliRunner().invoke(cli, ["--db", str(db), "learn"])
    assert result.exit_code == 1 and "pip install 'hkpr[learn]'" in result.output
