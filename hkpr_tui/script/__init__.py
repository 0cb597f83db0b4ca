"""Scripts: character knowledge (``chars``) and script views with offset maps. No UI code."""

from hkpr_tui.script.chars import (
    CONFLICT_MESSAGE,
    OpenCCConflictError,
    Script,
    detect_script,
    fold,
    script_counts,
    search_key,
    search_key_of_folded,
)

__all__ = [
    "CONFLICT_MESSAGE",
    "OpenCCConflictError",
    "Script",
    "detect_script",
    "fold",
    "script_counts",
    "search_key",
    "search_key_of_folded",
]
