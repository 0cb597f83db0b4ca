"""Make strings safe for a terminal. Headless, no dependencies: every layer may use it.

Titles, label names, annotator names, file names and imported texts come from files and other
people's databases. Written raw, a label named ``a\\x1b]52;c;…\\x07`` sets the user's clipboard
(OSC 52), a C1 ``\\x9b`` starts an 8-bit CSI sequence, and a right-to-left override (U+202E) in
a cut title leaves every later character of the line reversed. ``safe()`` shows each of them as a
visible escape (``\\x1b``, ``\\x9b``, ``\\u202e``), so the text stays readable and nothing in it
is interpreted by the terminal.
"""

from __future__ import annotations

import re

# C0 controls, DEL, C1 controls; bidi embeddings/overrides (U+202A–U+202E) and isolates
# (U+2066–U+2069); line and paragraph separators, which some terminals treat as new lines.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
_UNSAFE_KEEP_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")  # JSON escapes C0 itself


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe(text: object, *, lines: bool = False) -> str:
    """``text`` with every control, C1 and bidi control character shown as a visible escape.
    With ``lines``, new lines and tabs are kept (for multi-line output such as a report)."""
    string = text if isinstance(text, str) else str(text)
    return (_UNSAFE_KEEP_LINES if lines else _UNSAFE).sub(_escape, string)


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟, Unicode's control pictures
    return "\u2421" if code == 0x7F else "\ufffd"


def visible(text: str) -> str:
    """``text`` with each unsafe character replaced by one visible character (␛ for ESC, � for
    C1 and bidi controls): the same length, so offsets into the text still hold."""
    return _UNSAFE.sub(_picture, text)


def safe_json(text: str) -> str:
    """JSON text (from ``json.dumps(..., ensure_ascii=False)``) with C1 and bidi controls written
    as ``\\uXXXX`` escapes: the same JSON value, safe to print (C0 controls JSON escapes already)."""
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def is_safe(text: str) -> bool:
    return _UNSAFE.search(text) is None
