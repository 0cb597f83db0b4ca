"""Files → releases: decode, clean, extract metadata, segment. No UI code, no SQL."""

from hkpr_tui.corpus.decode import MAX_BYTES, DecodeError
from hkpr_tui.corpus.ingest import SUPPORTED_SUFFIXES, Skipped, find_files, parse_file, parse_text

__all__ = [
    "MAX_BYTES",
    "SUPPORTED_SUFFIXES",
    "DecodeError",
    "Skipped",
    "find_files",
    "parse_file",
    "parse_text",
]
