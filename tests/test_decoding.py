"""Every encoding the corpus reads, and every kind of bad file, through ``hkpr import``'s path."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from hkpr_tui.corpus import MAX_BYTES, DecodeError, parse_file
from hkpr_tui.corpus.decode import decode_bytes
from hkpr_tui.importer import import_paths
from hkpr_tui.store import Store

HANT = "新聞稿\n\n數碼港歡迎預算案\n\n香港，2026年2月25日 - 數碼港歡迎特區政府公布《財政預算案》，𨋢內有數碼港職員。"
HANS = "新闻稿\n\n数码港欢迎预算案\n\n香港，2024年2月28日 – 数码港欢迎特区政府公布《财政预算案》，推动人工智能发展。"


@pytest.mark.parametrize(
    ("text", "encoding", "detected"),
    [
        (HANT, "utf-8", "utf-8"),
        (HANT, "utf-8-sig", "utf-8-sig"),
        (HANT, "utf-16", "utf-16"),  # Python writes a BOM
        (HANS, "utf-16-be", "utf-16"),
        (HANT, "big5hkscs", "big5hkscs"),  # 𨋢 (U+282E2, outside the BMP) is in HKSCS
        (HANS, "gb18030", "gb18030"),
        (HANT, "gb18030", "gb18030"),  # GB18030 can encode Traditional text too
    ],
)
def test_encodings(tmp_path: Path, text: str, encoding: str, detected: str) -> None:
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    path = tmp_path / "release.txt"
    path.write_bytes(data)
    release = parse_file(path)
    assert release.encoding == detected
    assert release.raw_text == text
    assert "數碼港" in release.text or "数码港" in release.text


def test_big5hkscs_keeps_the_astral_character(tmp_path: Path) -> None:
    path = tmp_path / "hkscs.txt"
    path.write_bytes(HANT.encode("big5hkscs"))
    release = parse_file(path)
    assert "𨋢內有數碼港職員" in release.text
    index = release.text.index("𨋢")
    assert release.text[index + 1 : index + 2] == "內"  # code-point offsets, not UTF-16


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"  \n\n\t ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
        (bytes(range(1, 32)) * 20, "binary"),
        (b"\xff\xfe\x00\xd8", "UTF-16"),  # BOM, then a lone surrogate
        (b"\x80\x80\x80\xff\xff", "not valid"),
    ],
)
def test_bad_bytes_are_refused_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(DecodeError, match=reason):
        decode_bytes(data)


def test_too_large_file(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with open(path, "wb") as fh:
        fh.truncate(MAX_BYTES + 1)
    with pytest.raises(DecodeError, match="too large"):
        parse_file(path)


def test_markup_only_file_has_no_readable_text(tmp_path: Path) -> None:
    path = tmp_path / "only.md"
    path.write_text("##\n\n###\n\n4\n\n---\n", encoding="utf-8")
    with pytest.raises(DecodeError, match="no readable text"):
        parse_file(path)


def test_import_skips_bad_files_and_keeps_going(tmp_path: Path, store: Store) -> None:
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "good.txt").write_text(HANT, encoding="utf-8")
    (folder / "sub" / "good2.md").write_bytes(HANS.encode("gb18030"))
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02 binary")
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff")  # other types in folders are passed over
    (folder / ".hidden.txt").write_text(HANT, encoding="utf-8")
    report = import_paths(store, [folder, tmp_path / "missing.txt"])
    assert sorted(Path(i.path).name for i in report.imported) == ["good.txt", "good2.md"]
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert set(reasons) == {"empty.txt", "binary.txt", "missing.txt"}
    assert "empty" in reasons["empty.txt"] and "binary" in reasons["binary.txt"]
    assert "no such file" in reasons["missing.txt"]
    assert store.count_releases() == 2


def test_same_content_is_stored_once(tmp_path: Path, store: Store) -> None:
    (tmp_path / "a.txt").write_text(HANT, encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(HANT.encode("big5hkscs"))  # same text, other encoding
    (tmp_path / "c.txt").write_text(
        HANT.replace("\n\n", "\r\n\r\n") + "\n\n3\n", encoding="utf-8"
    )  # same after cleaning
    report = import_paths(store, [tmp_path])
    assert len(report.imported) == 1 and len(report.duplicates) == 2
    assert {d.release_id for d in report.duplicates} == {report.imported[0].release_id}
    again = import_paths(store, [tmp_path])
    assert len(again.imported) == 0 and len(again.duplicates) == 3
    assert store.count_releases() == 1


def test_versions_in_other_scripts_share_a_group(tmp_path: Path, store: Store) -> None:
    from opencc import OpenCC

    (tmp_path / "hant.txt").write_text(HANT, encoding="utf-8")
    (tmp_path / "hans.txt").write_text(OpenCC("t2s").convert(HANT), encoding="utf-8")
    report = import_paths(store, [tmp_path])
    assert len(report.imported) == 2
    a, b = (store.release(i.release_id) for i in report.imported)
    assert a.script != b.script and a.group_id == b.group_id


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_read(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "release.txt"
    path.write_bytes(HANT.encode(encoding))  # no byte-order mark
    release = parse_file(path)
    assert release.raw_text == HANT and release.encoding == f"{encoding} (no BOM)"


def test_one_stray_nul_is_removed_with_a_warning(tmp_path: Path, store: Store) -> None:
    data = HANT.encode("utf-8")
    cut = data.index("香港".encode())
    path = tmp_path / "nul.txt"
    path.write_bytes(data[:cut] + b"\x00" + data[cut:])
    report = import_paths(store, [path])
    assert len(report.imported) == 1 and not report.skipped
    assert [w.message for w in report.warnings] == ["removed a stray NUL byte from otherwise valid text"]
    assert store.release(report.imported[0].release_id).raw_text == HANT
    with pytest.raises(DecodeError, match="binary"):  # two NULs and control bytes: binary, as before
        decode_bytes(b"\x00\x00\x01text")


def test_eight_bit_csi_sequence_is_removed_whole() -> None:
    from hkpr_tui.corpus import parse_text

    release = parse_text("標題\n\n數碼港\x9b31m歡迎\x9b0m預算案，\x9d0;title\x07內容。")
    assert release.text == "標題\n\n數碼港歡迎預算案，內容。"


def test_a_file_that_breaks_a_parser_is_skipped_not_a_traceback(tmp_path: Path, store: Store) -> None:
    hostile = {
        "deep.html": "<div>" * 5000 + "深層內容。" + "</div>" * 10,
        "broken.xml": '<?xml version="1.0"?><rss><item><title><![CDATA[未完',
        "tags.md": "<<<>>>&#99999999;&#xD800;**]](([[!![" * 50,
        "head.html": "<html><head><title>站</title><body><p>沒有關閉的 head 之後的內文。</p>",
    }
    for name, text in hostile.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    report = import_paths(store, [tmp_path])
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    names = {Path(i.path.split("#")[0]).name for i in report.imported}
    assert names | set(reasons) == set(hostile)
    assert "head.html" in names
    head = next(i for i in report.imported if i.path.endswith("head.html"))
    assert store.release(head.release_id).text == "沒有關閉的 head 之後的內文。"
