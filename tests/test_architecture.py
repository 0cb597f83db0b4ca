"""The layering rules: import-linter's contracts (pyproject.toml), and at run time the headless
commands never load Textual."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold() -> None:
    """The layer order and the headless and SQL rules, as import-linter contracts in pyproject.toml."""
    script = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports())"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    "args",
    [["list"], ["stats", "--json"], ["import", "--help"], ["export", "--help"], ["agree", "--json"], ["merge", "--help"],
     ["import-annotations", "--help"]],
)  # fmt: skip
def test_headless_commands_do_not_import_textual(tmp_path: Path, args: list[str]) -> None:
    code = (
        "import sys; from hkpr_tui.cli import cli\n"
        "try:\n    cli.main(args=sys.argv[1:], prog_name='hkpr', standalone_mode=False)\n"
        "finally:\n    bad = [m for m in sys.modules if m.split('.')[0] == 'textual']\n"
        "    print('TEXTUAL' if bad else 'CLEAN')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "--db", str(tmp_path / "a.db"), *args], capture_output=True, text=True, cwd=ROOT
    )
    assert result.stdout.strip().endswith("CLEAN"), result.stdout + result.stderr


def test_sql_text_lives_only_in_the_store() -> None:
    """No SQL statement is written outside the store (import-linter checks the imports)."""
    offenders = []
    for path in (ROOT / "hkpr_tui").rglob("*.py"):
        if "store" in path.relative_to(ROOT / "hkpr_tui").parts:
            continue
        text = path.read_text(encoding="utf-8")
        if "sqlite_utils" in text or "import sqlite3" in text or "SELECT " in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
