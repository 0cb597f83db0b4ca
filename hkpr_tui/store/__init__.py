"""SQLite through sqlite-utils: the only package that speaks SQL. No UI code."""

from hkpr_tui.store.annotations import SpanError
from hkpr_tui.store.base import SchemaTooNewError, StoreBusy, StoreError, StoreFull, StoreReadOnly, utc_now
from hkpr_tui.store.store import Store

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
