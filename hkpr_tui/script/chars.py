"""Character-level script knowledge taken from OpenCC's own dictionaries.

Two things here are used on hot paths (import, search), so they avoid OpenCC's phrase
converter and work one code point at a time with ``str.translate``:

* ``fold`` maps Traditional characters to Simplified ones. It never changes the length of a
  string, so an offset into the folded text *is* an offset into the original. The store indexes
  folded text for search across scripts, and releases whose folded texts match are versions of one
  release.
* ``detect_script`` counts characters that only one script uses.

The dictionaries ship with opencc-python-reimplemented. The C++ ``opencc`` package installs a
module with the same name; ``load_opencc`` refuses to run with it and says what to uninstall.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

Script = Literal["hant", "hans", "mixed"]

CONFLICT_MESSAGE = (
    "hkpr needs the pure-Python 'opencc-python-reimplemented' package, but the module 'opencc' "
    "comes from the C++ 'opencc' package, which installs the same module name. "
    "Fix it with: pip uninstall -y opencc && pip install --force-reinstall opencc-python-reimplemented"
)


class OpenCCConflictError(RuntimeError):
    """The ``opencc`` module on the path is not opencc-python-reimplemented."""


@cache
def opencc_dir() -> Path:
    """The folder of the opencc-python-reimplemented package, checked to be that package."""
    import opencc

    base = Path(opencc.__file__).parent
    other_dist = _installed("opencc")
    if other_dist or not (base / "dictionary" / "TSCharacters.txt").is_file():
        raise OpenCCConflictError(CONFLICT_MESSAGE)
    return base


def _installed(dist: str) -> bool:
    import importlib.metadata  # here, not at import: it loads email, csv and more (~4 ms of every start)

    try:
        importlib.metadata.distribution(dist)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def _read_char_table(name: str) -> dict[int, str]:
    """One-to-one character table (first candidate of each entry) as a translate table."""
    table: dict[int, str] = {}
    with open(opencc_dir() / "dictionary" / name, encoding="utf-8") as fh:
        for line in fh:
            key, _, values = line.rstrip("\n").partition("\t")
            first = values.split(" ")[0]
            if len(key) == 1 and len(first) == 1 and key != first:
                table[ord(key)] = first
    return table


@cache
def _t2s_table() -> dict[int, str]:
    return _read_char_table("TSCharacters.txt")


@cache
def _script_sets() -> tuple[frozenset[str], frozenset[str]]:
    """(characters only Traditional text uses, characters only Simplified text uses)."""
    t2s = {chr(k): v for k, v in _t2s_table().items()}
    s2t = {chr(k): v for k, v in _read_char_table("STCharacters.txt").items()}
    trad = frozenset(c for c in t2s if c not in s2t)
    simp = frozenset(c for c in s2t if c not in t2s)
    return trad, simp


def fold(text: str) -> str:
    """Traditional → Simplified, one character for one character (length is preserved)."""
    return text.translate(_t2s_table())


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def search_key(text: str) -> str:
    """Text as search compares it: folded, ASCII lower-cased. The length never changes, so an
    offset found in the key is an offset in ``text``."""
    return fold(text).translate(_ASCII_LOWER)


def search_key_of_folded(folded: str) -> str:
    """``search_key`` of a text given already folded (as the full-text index stores it)."""
    return folded.translate(_ASCII_LOWER)


def script_counts(text: str) -> tuple[int, int]:
    """How many characters of ``text`` only Traditional, and only Simplified, text uses."""
    trad, simp = _script_sets()
    chars = set(text)
    n_trad = sum(text.count(c) for c in chars & trad)
    n_simp = sum(text.count(c) for c in chars & simp)
    return n_trad, n_simp


def detect_script(text: str, mixed_share: float = 0.2) -> Script:
    """hant or hans by the script-specific characters; mixed when the minority reaches ``mixed_share``.

    A Simplified release quoting a Traditional contact block stays ``hans``: a few borrowed names
    are well under the share.
    """
    n_trad, n_simp = script_counts(text)
    total = n_trad + n_simp
    if total == 0:
        return "hant"  # no script-specific character at all: nothing to convert either way
    minority = min(n_trad, n_simp) / total
    if minority >= mixed_share:
        return "mixed"
    return "hant" if n_trad > n_simp else "hans"
