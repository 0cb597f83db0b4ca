"""Killing the app loses nothing it showed as saved: the real CLI in a terminal, then SIGKILL."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from hkpr_tui.store import Store

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")


class Terminal:
    """``hkpr`` running in a pseudo-terminal: send keys, read what it draws."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 120, 0, 0))
        self.process = subprocess.Popen(
            args, stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=env, start_new_session=True
        )
        os.close(slave)
        self.output = b""

    def read(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if ready:
                try:
                    self.output += os.read(self.master, 65536)
                except OSError:
                    return

    def wait_for(self, text: str, count: int = 1, timeout: float = 30) -> None:
        end = time.monotonic() + timeout
        needle = text.encode()
        while self.output.count(needle) < count:
            if time.monotonic() > end:
                raise AssertionError(f"{text!r} ×{count} not shown; last output: {self.output[-2000:]!r}")
            self.read(0.1)

    def send(self, keys: str) -> None:
        os.write(self.master, keys.encode())
        self.read(0.2)

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        os.close(self.master)


def test_sigkill_loses_no_acknowledged_tag(seeded_db: Path, tmp_path: Path) -> None:
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "36", "HKPR_ANNOTATOR": "killer"}
    term = Terminal([sys.executable, "-m", "hkpr_tui", "--db", str(seeded_db)], tmp_path, env)
    try:
        term.wait_for("Filter")  # the library's footer
        term.read(1.5)  # the first page of the library loads in a worker
        term.send("\r")  # open the first release
        term.wait_for("原文")
        term.read(1.0)
        acknowledged = 0
        for key in "1234":
            term.send("s")  # select the sentence at the cursor …
            term.send(key)  # … and tag it
            acknowledged += 1
            term.wait_for("Saved:", acknowledged)
            term.send("]")  # next sentence
        term.send("s")
        term.send("5")  # sent, maybe not saved yet when the kill comes
    finally:
        term.kill()
    store = Store.open(seeded_db)
    try:
        tags = [a for r in store.list_releases() for a in store.annotations(r.id)]
        events = [e for e in store.events(50) if e["action"] == "tag"]
    finally:
        store.close()
    labels = [a.label for a in sorted(tags, key=lambda a: a.id)]
    assert labels[:acknowledged] == ["ORG", "PERSON", "LOC", "FACILITY"]
    assert len(events) == len(tags) >= acknowledged
    assert all(e["annotator"] == "killer" for e in events)
