"""SQLite through sqlite-utils: the only package that speaks SQL. No UI code."""

import sys


def _sqlite_utils_without_pandas() -> None:
    """Import sqlite-utils without pandas and numpy, which it imports whenever they are installed
    (the test extra installs them, through datasets) though hkpr uses no part of it that needs
    them: about 0.25 s of every start-up, the app's first frame included. Only the import made
    here is kept from them; ``import pandas`` elsewhere (datasets) works as usual afterwards."""
    if "sqlite_utils" in sys.modules:
        return
    kept_out = [name for name in ("pandas", "numpy") if name not in sys.modules]
    for name in kept_out:
        sys.modules[name] = None  # type: ignore[assignment]  # import raises ImportError
    try:
        import sqlite_utils  # noqa: F401
    finally:
        for name in kept_out:
            if sys.modules.get(name) is None:
                del sys.modules[name]


_sqlite_utils_without_pandas()

from hkpr_tui.store.annotations import SpanError  # noqa: E402
from hkpr_tui.store.base import SchemaTooNewError, StoreBusy, StoreError, StoreFull, StoreReadOnly, utc_now  # noqa: E402
from hkpr_tui.store.store import Store  # noqa: E402

__all__ = [
    "SchemaTooNewError",
    "SpanError",
    "Store",
    "StoreBusy",
    "StoreError",
    "StoreFull",
    "StoreReadOnly",
    "utc_now",
]
