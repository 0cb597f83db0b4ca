"""Bytes → text. UTF-8 (with or without BOM), UTF-16/32 with BOM, Big5-HKSCS, GB18030.

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
                raise DecodeError(f"starts with a {encoding.upper()} byte-order mark but is not valid {encoding.upper()} ({exc.reason} at byte {exc.start})") from None
    if b"\x00" in data:
        raise DecodeError("binary file (contains NUL bytes), not text")
    try:
        return _checked(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
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
    return _checked(data.decode(best[1]), best[1])


def _plausibility(text: str, encoding: str) -> int:
    n_punct = sum(1 for c in text if c in _COMMON_PUNCT)
    n_trad, n_simp = script_counts(text)
    own_script = n_trad if encoding == "big5hkscs" else n_simp
    n_private = sum(1 for c in text if "\ue000" <= c <= "\uf8ff")
    return 3 * n_punct + own_script - 5 * n_private


def _checked(text: str, encoding: str) -> Decoded:
    if not text.strip():
        raise DecodeError("empty file (no text)")
    controls = len(_CONTROL_CHARS.findall(text))
    if controls > max(8, len(text) // 10):
        raise DecodeError(f"binary file ({controls} control characters in {len(text)}), not text")
    return Decoded(text, encoding)
