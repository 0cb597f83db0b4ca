"""Snapshots of every screen at 80×24 and 120×36. Update with: pytest --snapshot-update."""

from __future__ import annotations

from pathlib import Path

import pytest

from hkpr_tui.app import HkprApp
from tests.conftest import SEED_FILES

SIZES = [(80, 24), (120, 36)]


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in tmp_path, where ``seeded_db`` writes annotations.db."""
    monkeypatch.chdir(tmp_path)  # the library shows the database path: keep it the same every run
    return tmp_path


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_library(snap_compare, in_tmp: Path, seeded_db: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(HkprApp(db_path="annotations.db", annotator="t"), terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES)
def test_empty_library(snap_compare, in_tmp: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(HkprApp(db_path="annotations.db", annotator="t"), terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare, in_tmp: Path, seeded_db: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]

    async def open_help(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(HkprApp(db_path="annotations.db", annotator="t"), terminal_size=size, run_before=open_help)


assert SEED_FILES  # the snapshots show the seeds
