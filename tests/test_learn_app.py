"""Suggestions that learn, in the app: the model's suggestions show in the reader, and marking
releases done retrains it in a worker while the reader keeps answering keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from hkpr_tui import learn
from hkpr_tui.app import HkprApp
from hkpr_tui.corpus.ingest import release_from_text
from hkpr_tui.screens.reader import ReaderScreen
from hkpr_tui.store import Store
from tests.conftest import settle
from tests.test_learn import build_db

pytest.importorskip("pycrfsuite")

HELD_OUT = "明日科技有限公司今日宣布，環境及生態局將與其合作推出新計劃。"


def with_held_out_release(db: Path) -> int:
    store = Store.open(db)
    release_id = store.add_release(release_from_text(HELD_OUT, source="new.txt", title="new")).release_id
    store.close()
    return release_id


async def test_the_models_suggestions_show_in_the_reader(tmp_path: Path) -> None:
    db = build_db(tmp_path / "a.db")
    store = Store.open(db)
    learn.train(store, path=learn.model_path(db))
    store.close()
    release_id = with_held_out_release(db)
    app = HkprApp(db_path=db, annotator="t")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert app.model is None  # not read for the library's first frame
        reader = ReaderScreen(db, release_id)
        await app.push_screen(reader)
        await settle(pilot)
        assert app.model is not None  # read when the first release is opened, and used there
        found = reader.suggestions.get(release_id, [])
        names = {(s.text, s.label) for s in found if s.source.startswith("model:")}
        assert ("明日科技有限公司", "ORG") in names  # a name never tagged, of a pattern tagged before


async def test_marking_releases_done_retrains_in_a_worker_while_keys_are_answered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    training, release = threading.Event(), threading.Event()
    real_train = learn.train

    def slow_train(store: Store, *, path: Path) -> learn.TrainReport:  # holds the worker until released
        training.set()
        release.wait(10)
        return real_train(store, path=path)

    monkeypatch.setattr(learn, "train", slow_train)
    db = build_db(tmp_path / "a.db", n=12, done=False)
    config = tmp_path / "config.toml"
    config.write_text("[learn]\nretrain_every = 2\nthreshold = 0.3\n", encoding="utf-8")
    store = Store.open(db)
    ids = [r.id for r in store.list_releases(sort="id")]
    store.close()
    app = HkprApp(db_path=db, annotator="t", config_path=config)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert app.model is None and not learn.model_path(db).exists()
        reader = ReaderScreen(db, ids[0])
        await app.push_screen(reader)
        await settle(pilot)
        for release_id in ids[:2]:  # two releases done: the model trains
            reader.load(0, release_id, "original", 0)
            await settle(pilot)
            await pilot.press("d", "d")  # todo → in progress → done
        assert training.wait(5)  # the model is training, in a worker
        view = reader.panes[0].view
        for script in ("hant", "hans"):
            await pilot.press("t")  # the reader answers while the model trains
            await pilot.pause()
            assert view.script == script and not release.is_set()
        release.set()
        await app.workers.wait_for_complete()
        await settle(pilot)
        assert learn.model_path(db).exists() and app.model is not None
