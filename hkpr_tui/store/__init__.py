"""SQLite: the only package that speaks SQL (sqlite3, and sqlite-utils for migrations). No UI code.

sqlite-utils is imported only when a database must be migrated (``schema.apply_migrations``):
opening a current database and reading it go through ``sqlite3`` alone (``base.Connection``),
so the app's first frame does not pay for its import."""

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
