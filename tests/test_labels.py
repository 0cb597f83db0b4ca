"""Labels: defaults, a user file overriding them, and clear errors for bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from hkpr_tui.annotate.labels import LabelError, load_labels


def test_defaults_follow_the_design(tmp_path: Path) -> None:
    labels = load_labels(tmp_path / "none.toml")
    entities = [(l.name, l.key) for l in labels if l.kind == "entity" and l.key]
    assert entities == [
        ("ORG", "1"), ("PERSON", "2"), ("LOC", "3"), ("FACILITY", "4"), ("PROGRAM", "5"),
        ("DOCUMENT", "6"), ("EVENT", "7"), ("MONEY", "8"), ("QUANTITY", "9"), ("DATE", "0"),
    ]  # fmt: skip
    assert [l.name for l in labels if l.kind == "claim"] == ["STATISTIC", "STATUS", "PLAN", "COMPARISON", "OPINION"]
    assert {l.name for l in labels if l.pii} == {"EMAIL", "PHONE"}


def test_user_file_overrides_by_name_and_adds(tmp_path: Path) -> None:
    path = tmp_path / "labels.toml"
    path.write_text(
        '[[label]]\nname = "ORG"\ncolour = "#ff0000"\n\n'
        '[[label]]\nname = "GPE"\nkind = "entity"\nkey = "Q"\ncolour = "#00ff00"\n',
        encoding="utf-8",
    )
    labels = {l.name: l for l in load_labels(path)}
    assert labels["ORG"].colour == "#ff0000" and labels["ORG"].key == "1"
    assert labels["GPE"].key == "Q"


def test_replace_defaults(tmp_path: Path) -> None:
    path = tmp_path / "labels.toml"
    path.write_text('replace_defaults = true\n[[label]]\nname = "X"\nkind = "entity"\nkey = "1"\n', encoding="utf-8")
    assert [l.name for l in load_labels(path)] == ["X"]


@pytest.mark.parametrize(
    ("body", "line", "field"),
    [
        ('[[label]]\nname = "A"\nkind = "entity"\ncolour = "blue-ish"\n', 4, "colour"),
        ('[[label]]\nname = "A"\nkind = "thing"\n', 3, "kind"),
        ('[[label]]\nname = "A"\nkind = "entity"\nkey = "12"\n', 4, "key"),
        ('[[label]]\nname = "A"\nkind = "entity"\nkey = "x"\n', 4, "key"),  # x deletes a tag
        (
            '[[label]]\nname = "A"\nkind = "entity"\nkey = "Q"\n[[label]]\nname = "B"\nkind = "entity"\nkey = "Q"\n',
            8,
            "key",
        ),
        ('\n\n[[label]]\nname = "NEW"\nkey = "Z"\n', 3, "kind"),
        ('[[label]]\nname = "A"\nkind = "entity"\ncolor = "#fff"\n', 4, "color"),
    ],
)
def test_bad_label_file_names_line_and_field(tmp_path: Path, body: str, line: int, field: str) -> None:
    path = tmp_path / "labels.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(LabelError) as info:
        load_labels(path)
    message = str(info.value)
    assert str(path) in message and f"line {line}" in message and f"'{field}'" in message


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "labels.toml"
    path.write_text('[[label]]\nname = "A\n', encoding="utf-8")
    with pytest.raises(LabelError, match=r"line 2"):
        load_labels(path)


def test_a_key_given_by_the_user_moves_from_the_default(tmp_path: Path) -> None:
    path = tmp_path / "labels.toml"
    path.write_text('[[label]]\nname = "ORG"\nkey = "2"\n', encoding="utf-8")
    labels = {l.name: l for l in load_labels(path)}
    assert labels["ORG"].key == "2" and labels["PERSON"].key is None
