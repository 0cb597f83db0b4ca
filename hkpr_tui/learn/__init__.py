"""Suggestions that learn: a character-level CRF trained from the accepted entity tags.

    train(store, *, path)                 -> TrainReport (writes PATH and PATH's JSON sidecar)
    model_path(db_path)                   -> where the model of a database lives (beside it)
    Model.load(path)                      -> Model | None (None: no model, unreadable, or no CRFsuite)
    model.suggest(text, *, threshold, script="hant") -> list[Suggestion]
    evaluate(store, *, split, seed)       -> Evaluation (train on part of the done releases, score the rest)

python-crfsuite is optional (``pip install 'hkpr[learn]'``): it is imported on first use, so
importing this package always works. Headless: no UI code, no SQL (the store gives the data).
"""

from __future__ import annotations

from hkpr_tui.learn.crf import (
    INSTALL_HINT,
    Evaluation,
    LabelScore,
    LearnError,
    LearnUnavailable,
    Model,
    TrainReport,
    available,
    evaluate,
    model_path,
    sidecar_path,
    train,
)

__all__ = [
    "INSTALL_HINT",
    "Evaluation",
    "LabelScore",
    "LearnError",
    "LearnUnavailable",
    "Model",
    "TrainReport",
    "available",
    "evaluate",
    "model_path",
    "sidecar_path",
    "train",
]
