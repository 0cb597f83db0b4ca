"""Browser mode: `hkpr serve` answers on loopback, runs one app per tab that asks who is annotating,
and records that name; the name screen checks it; the command refuses what it cannot serve."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from hkpr_tui.app import HkprApp
from hkpr_tui.cli import cli
from hkpr_tui.models import annotator_problem
from hkpr_tui.screens.annotator import AnnotatorScreen
from hkpr_tui.screens.library import LibraryScreen
from hkpr_tui.store import Store
from tests.conftest import settle

aiohttp = pytest.importorskip("aiohttp")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"hkpr serve exited: {proc.stdout.read().decode() if proc.stdout else ''}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError("hkpr serve did not listen")


async def _tab(port: int, name: str) -> bytes:
    """A browser tab: open the app's websocket, answer the name question, wait for the library."""
    received = b""

    async def until(needle: bytes, timeout: float = 40) -> None:
        nonlocal received
        deadline = asyncio.get_running_loop().time() + timeout
        while needle not in received:
            left = deadline - asyncio.get_running_loop().time()
            message = await asyncio.wait_for(ws.receive(), max(left, 0.01))
            if message.type == aiohttp.WSMsgType.BINARY:
                received += message.data
            elif message.type == aiohttp.WSMsgType.TEXT:
                received += message.data.encode()
            else:
                raise AssertionError(f"websocket closed before {needle!r}")

    url = f"http://127.0.0.1:{port}/ws?width=100&height=30"
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        await until(b"Who is annotating")
        await ws.send_json(["stdin", name + "\r"])
        await until("鼓勵".encode())  # the release's title in the library
        await ws.send_json(["stdin", "\x11"])  # ctrl+q: the app ends its session
        await asyncio.sleep(2)
    return received


@pytest.mark.skipif(sys.platform == "win32", reason="loopback server test")
def test_serve_answers_on_loopback_and_records_the_annotator_each_tab_names(tmp_path: Path) -> None:
    db = tmp_path / "team.db"
    (tmp_path / "r.txt").write_text("鼓勵市民參與\n\n香港政府今日公布計劃。\n", encoding="utf-8")
    assert CliRunner().invoke(cli, ["--db", str(db), "import", str(tmp_path / "r.txt")]).exit_code == 0
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "hkpr_tui.cli", "--db", str(db), "serve", "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        wait_for_port(port, proc)

        async def page() -> str:
            async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/") as response:
                assert response.status == 200
                return str(await response.text())

        html = asyncio.run(page())
        assert "textual.js" in html
        asyncio.run(_tab(port, "alice"))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    store = Store.open(db, must_exist=True)
    try:
        assert [s.annotator for s in store.session_summaries()] == ["alice"]
    finally:
        store.close()


def test_serve_refuses_a_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(cli, ["--db", str(tmp_path / "a.db"), "serve", "--port", str(port)])
    assert result.exit_code == 1
    assert f"cannot serve on 127.0.0.1:{port}" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("name", "problem"),
    [("", "empty"), ("  ", "empty"), ("a\x1b]52;c;x\x07", "control"), ("gold", "reserved"), ("x" * 65, "at most")],
)
def test_annotator_names_are_checked(name: str, problem: str) -> None:
    assert problem in (annotator_problem(name) or "")
    assert annotator_problem("陳大文") is None


def test_cli_refuses_a_bad_annotator_name(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "a.db"), "--annotator", "gold", "stats"])
    assert result.exit_code == 1
    assert "reserved" in result.output


async def test_the_app_asks_who_is_annotating_before_recording_anything(seeded_db: Path) -> None:
    app = HkprApp(db_path=seeded_db, annotator="ignored", ask_annotator=True)
    async with app.run_test() as pilot:
        assert isinstance(app.screen, AnnotatorScreen)
        assert app.session_id is None  # nothing recorded before a name is given
        await pilot.press("enter")  # empty: refused with the reason on screen
        assert isinstance(app.screen, AnnotatorScreen)
        assert "empty" in str(app.screen.query_one("#annotator-error").render())
        for key in "bob":
            await pilot.press(key)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LibraryScreen)
        assert app.annotator == "bob"
        assert app.session_id is not None
    store = Store.open(seeded_db, must_exist=True)
    try:
        assert [s.annotator for s in store.session_summaries()] == ["bob"]
    finally:
        store.close()
