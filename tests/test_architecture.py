"""The layering rule: headless layers and commands never import Textual."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEADLESS = [
    "hkpr_tui.corpus",
    "hkpr_tui.annotate",
    "hkpr_tui.annotate.session",
    "hkpr_tui.export.run",
    "hkpr_tui.export.imports",
    "hkpr_tui.export.merge",
    "hkpr_tui.export.agree",
    "hkpr_tui.store",
    "hkpr_tui.script",
    "hkpr_tui.importer",
    "hkpr_tui.models",
    "hkpr_tui.cli",
]


@pytest.mark.parametrize("module", HEADLESS)
def test_headless_modules_do_not_import_textual(module: str) -> None:
    code = f"import sys, {module}; bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')); print(bad); sys.exit(1 if bad else 0)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, f"{module} imports {result.stdout.strip()} {result.stderr}"


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


def test_sql_lives_only_in_the_store() -> None:
    offenders = []
    for path in (ROOT / "hkpr_tui").rglob("*.py"):
        if "store" in path.relative_to(ROOT / "hkpr_tui").parts:
            continue
        text = path.read_text(encoding="utf-8")
        if "sqlite_utils" in text or "import sqlite3" in text or "SELECT " in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
