"""The README says what the code does: its tables are checked against the registries and the CLI."""

from __future__ import annotations

import re
import string
from pathlib import Path

import click
from textual.binding import Binding
from textual.keys import _character_to_key

from hkpr_tui.annotate.labels import RESERVED_KEYS
from hkpr_tui.app import HkprApp, binding_ids
from hkpr_tui.cli import cli
from hkpr_tui.export.registry import EXPORTS, IMPORTS, import_table, readme_table

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def section(heading: str) -> str:
    start = README.index(f"## {heading}")
    end = README.find("\n## ", start + 1)
    return README[start : end if end > 0 else None]


def test_datasets_table_is_the_export_registry() -> None:
    assert readme_table() in section("Datasets"), "regenerate the table with hkpr_tui.export.registry.readme_table()"


def test_cli_table_names_every_command_and_only_those() -> None:
    table = section("Command line")
    documented = set(re.findall(r"^\| `hkpr ([a-z-]+)", table, re.MULTILINE)) - {"--version"}
    commands = set(cli.commands) - {"tui"}  # `hkpr` alone opens the app (first row)
    assert documented == commands


def test_cli_format_choices_come_from_the_registries() -> None:
    def choices(command: str) -> list[str]:
        option = next(p for p in cli.commands[command].params if p.name == "fmt")
        assert isinstance(option.type, click.Choice)
        return list(option.type.choices)

    assert choices("export") == list(EXPORTS)
    assert choices("import-annotations") == list(IMPORTS)
    assert "\\|".join(IMPORTS) in section("Command line")
    assert import_table() in section("Datasets"), "regenerate the table with hkpr_tui.export.registry.import_table()"


def test_every_binding_id_in_the_readme_exists() -> None:
    ids = set(binding_ids())
    mentioned = {m.rstrip(" …") for m in re.findall(r"\[([a-z_]+\.[A-Za-z0-9_.]+)", section("Keys"))}
    assert mentioned - ids <= {"annotate.select_", "annotate.select_word_"}  # "annotate.select_*" names a group
    assert {"annotate.select_up", "annotate.select_word_left"} <= ids


def test_reserved_label_keys_are_the_readers_keys() -> None:
    """A label may not take a key the reader uses: the reserved set is exactly those keys."""
    from hkpr_tui.screens.reader import ReaderScreen
    from hkpr_tui.widgets.release_view import ReleaseView

    bound = {
        key.strip()
        for owner in (HkprApp, ReaderScreen, ReleaseView)
        for b in owner.BINDINGS
        if isinstance(b, Binding)
        for key in b.key.split(",")
    }
    reader_chars = {c for c in string.printable if c.strip() and _character_to_key(c) in bound}
    assert reader_chars == RESERVED_KEYS
