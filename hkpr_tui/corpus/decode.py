"""Bytes → text. UTF-8 (with or without BOM), UTF-16/32 with BOM, UTF-16 without BOM, Big5-HKSCS,
GB18030; an encoding declared in an XML prolog or HTML ``<meta charset>`` is tried first (mapped to
its superset: GB2312 → GB18030, Big5 → Big5-HKSCS). One stray NUL byte in otherwise valid text is
removed with a warning; more make the file binary.

Big5-HKSCS and GB18030 are both double-byte encodings whose byte ranges overlap, so a file
can decode without error as either. When both succeed, the decoding whose result reads like
Chinese wins: full-width punctuation (which lands on different bytes in the two encodings) and
characters specific to the script each encoding is used for. Ties go to Big5-HKSCS: this is a
Hong Kong corpus.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from hkpr_tui.script import script_counts

MAX_BYTES = 5 * 1024 * 1024
"""Files larger than this are skipped: the longest press releases are well under 100 KB."""

_COMMON_PUNCT = frozenset("，。、；：？！「」『』《》（）")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


class DecodeError(ValueError):
    """A file that cannot be read as text; the message says why, for the user."""


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    warnings: tuple[str, ...] = ()


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def check_size(size: int) -> None:
    """Refuse a file over ``MAX_BYTES`` (callers check before reading, so a huge file is never loaded)."""
    if size > MAX_BYTES:
        raise DecodeError(f"too large ({size / 1_048_576:.1f} MB; the limit is {MAX_BYTES // 1_048_576} MB)")


def decode_bytes(data: bytes) -> Decoded:
    """Decode a file's bytes, or raise ``DecodeError`` with a reason a person can act on."""
    check_size(len(data))
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(data.decode(encoding), encoding)
            except UnicodeDecodeError as exc:
                raise DecodeError(
                    f"starts with a {encoding.upper()} byte-order mark but is not valid {encoding.upper()} ({exc.reason} at byte {exc.start})"
                ) from None
    utf16 = _utf16_without_bom(data)
    if utf16:
        return utf16
    warnings: tuple[str, ...] = ()
    nuls = data.count(b"\x00")
    if nuls:
        if nuls > 1 or _has_controls(data.replace(b"\x00", b"")):
            raise DecodeError(f"binary file ({nuls} NUL bytes), not text")
        data = data.replace(b"\x00", b"")
        warnings = ("removed a stray NUL byte from otherwise valid text",)
    declared = _declared_encoding(data)
    try:
        return _checked(data.decode("utf-8"), "utf-8", warnings)
    except UnicodeDecodeError:
        pass
    if declared and declared != "utf-8":
        try:
            return _checked(data.decode(declared), declared, warnings)
        except (UnicodeDecodeError, LookupError):
            pass
    candidates = []
    for encoding in ("big5hkscs", "gb18030"):
        try:
            candidates.append((_plausibility(data.decode(encoding), encoding), encoding))
        except UnicodeDecodeError:
            continue
    if not candidates:
        raise DecodeError("not valid UTF-8, UTF-16 (with BOM), Big5-HKSCS or GB18030 text")
    best = max(candidates, key=lambda c: (c[0], c[1] == "big5hkscs"))
    return _checked(data.decode(best[1]), best[1], warnings)


_DECLARED = re.compile(
    rb"""(?:<\?xml[^>]{0,200}?encoding|<meta[^>]{0,200}?charset)\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE
)
_ENCODING_FAMILY = {
    "big5": "big5hkscs", "big5-hkscs": "big5hkscs", "big5hkscs": "big5hkscs", "cp950": "big5hkscs", "x-big5": "big5hkscs",
    "gb2312": "gb18030", "gbk": "gb18030", "gb18030": "gb18030", "cp936": "gb18030", "x-gbk": "gb18030",
    "euc-cn": "gb18030", "hz-gb-2312": "gb18030", "utf-8": "utf-8", "utf8": "utf-8",
}  # fmt: skip
"""Declared encodings mapped to the superset hkpr decodes with (GB2312 text is valid GB18030)."""


def _declared_encoding(data: bytes) -> str | None:
    """The encoding an XML prolog or HTML ``<meta charset>`` declares in the first 1 KB, if hkpr knows it."""
    match = _DECLARED.search(data[:1024])
    if not match:
        return None
    return _ENCODING_FAMILY.get(match.group(1).decode("ascii", "replace").lower())


_BINARY_BYTES = re.compile(rb"[\x01-\x08\x0e-\x1a\x1c-\x1f]")


def _has_controls(data: bytes) -> bool:
    """Whether bytes other than text's own (tab, newlines, form feed, ESC) are present."""
    return _BINARY_BYTES.search(data) is not None


def _utf16_without_bom(data: bytes) -> Decoded | None:
    """UTF-16 with no byte-order mark: text in the BMP has a NUL in one byte of most code units."""
    if len(data) < 4 or len(data) % 2:
        return None
    even, odd = data[0::2], data[1::2]
    n = len(data) // 2
    for zeros_in, encoding in ((odd, "utf-16-le"), (even, "utf-16-be")):
        other = even if zeros_in is odd else odd
        if zeros_in.count(0) >= 0.3 * n and other.count(0) <= 0.05 * n:
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            return _checked(text.replace("\x00", ""), f"{encoding} (no BOM)")
    # CJK in UTF-16 has few NUL bytes; accept a decoding that is mostly CJK and common punctuation.
    zeros_even, zeros_odd = even.count(0), odd.count(0)
    if (zeros_odd >= max(2, n // 200) and not zeros_even) or (zeros_even >= max(2, n // 200) and not zeros_odd):
        for encoding in ("utf-16-le", "utf-16-be") if zeros_odd else ("utf-16-be",):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            plausible = sum(
                1
                for c in text
                if "\u4e00" <= c <= "\u9fff"
                or c in _COMMON_PUNCT
                or c in " \n\r\t"
                or (c.isascii() and c.isprintable())
            )
            if plausible >= 0.9 * len(text):
                return _checked(text, f"{encoding} (no BOM)")
    return None


def _plausibility(text: str, encoding: str) -> int:
    n_punct = sum(1 for c in text if c in _COMMON_PUNCT)
    n_trad, n_simp = script_counts(text)
    own_script = n_trad if encoding == "big5hkscs" else n_simp
    n_private = sum(1 for c in text if "\ue000" <= c <= "\uf8ff")
    return 3 * n_punct + own_script - 5 * n_private


def _checked(text: str, encoding: str, warnings: tuple[str, ...] = ()) -> Decoded:
    if not text.strip():
        raise DecodeError("empty file (no text)")
    controls = len(_CONTROL_CHARS.findall(text))
    if controls > max(8, len(text) // 10):
        raise DecodeError(f"binary file ({controls} control characters in {len(text)}), not text")
    return Decoded(text, encoding, warnings)
