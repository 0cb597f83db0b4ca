"""hkpr: read Hong Kong press releases closely and turn them into labelled data.

Layers, headless first (none of these import Textual; ``tests/test_architecture.py`` checks):

- ``corpus``   files → cleaned canonical text, metadata, paragraphs, sentences
- ``script``   原文 / 繁 / 简: character folding, script detection (and script views)
- ``store``    SQLite through sqlite-utils; the only package with SQL
- ``importer`` corpus → store
- ``cli``      the ``hkpr`` command; only its ``tui`` command imports the app

The Textual app lives in ``app`` and ``screens``.
"""

__version__ = "0.1.0"
