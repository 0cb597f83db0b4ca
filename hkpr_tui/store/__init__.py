"""SQLite through sqlite-utils: the only package that speaks SQL. No UI code."""

from hkpr_tui.store.annotations import SpanError
from hkpr_tui.store.store import SchemaTooNewError, Store, StoreError, utc_now

__all__ = ["SchemaTooNewError", "SpanError", "Store", "StoreError", "utc_now"]
