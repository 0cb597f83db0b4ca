"""Annotation logic without UI: labels, the quantity normaliser, dates, suggestions, and the
session's actions with undo/redo (writing through the store). No Textual here."""
