"""Datasets: exports in the formats training tools read, annotation imports, merges and
inter-annotator agreement. Headless: no Textual here.

    dataset.py   what is exported: releases → documents per script, spans projected, splits
    formats.py   one builder per format, each checking its spans in its own offset unit
    redact.py    personal-data redaction
    run.py       export(): validate, manifest, atomic write
    imports.py   import-annotations (jsonl, label-studio, doccano)
    merge.py     union other annotators' databases
    agree.py     pairwise agreement
"""
