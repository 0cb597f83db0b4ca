from __future__ import annotations

from pathlib import Path

import pytest
from sqlite_utils import Database

from hkpr_tui.corpus import parse_file
from hkpr_tui.models import NewRelease
from hkpr_tui.store import Store

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt"))


def seed(prefix: str) -> Path:
    return next(p for p in SEED_FILES if p.name.startswith(prefix))


@pytest.fixture(scope="session")
def parsed_seeds() -> dict[str, NewRelease]:
    return {p.name[:3]: parse_file(p) for p in SEED_FILES}


@pytest.fixture
def store() -> Store:
    return Store(Database(memory=True))


@pytest.fixture
def seeded_store(store: Store, parsed_seeds: dict[str, NewRelease]) -> Store:
    store.add_releases(parsed_seeds[k] for k in sorted(parsed_seeds))
    return store


@pytest.fixture
def seeded_db(tmp_path: Path, parsed_seeds: dict[str, NewRelease]) -> Path:
    path = tmp_path / "annotations.db"
    s = Store.open(path)
    s.add_releases(parsed_seeds[k] for k in sorted(parsed_seeds))
    s.close()
    return path


@pytest.fixture(autouse=True)
def no_user_config(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never read the developer's own ~/.config/hkpr/config.toml."""
    folder = tmp_path_factory.mktemp("config")
    monkeypatch.setenv("HKPR_CONFIG", str(folder / "absent.toml"))
    monkeypatch.setenv("HKPR_LABELS", str(folder / "absent-labels.toml"))


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    """Let workers finish and their messages land."""
    for _ in range(4):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()
