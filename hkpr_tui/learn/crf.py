"""Train, load and apply the CRF (python-crfsuite), and evaluate it on held-out releases.

What it learns from: the accepted entity tags (claims are left out) of releases marked **done**:
a done release is one whose every entity was tagged, so its untagged characters are true
negatives; a release still in progress would teach the model that its untagged names are not
names. Each release is learnt in its own text and, as augmentation, in its 繁 and 简 views
(tags projected through the offset maps; a view identical to the text is not repeated).
Nested tags: the outer one is kept (BIO cannot nest).

Files: the model at ``model_path(db)`` (``annotations.db.model.crfsuite`` beside
``annotations.db``) and a JSON sidecar beside it (``….crfsuite.json``: labels, releases, tags,
when). Both are written to a temporary file first and renamed, so a reader never sees half.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hkpr_tui.annotate.suggest import Suggestion
from hkpr_tui.export.dataset import Collected, collect, documents, split_of
from hkpr_tui.learn.features import bio, features, spans
from hkpr_tui.script.words import word_bounds
from hkpr_tui.store import Store

INSTALL_HINT = "suggestions that learn need python-crfsuite: pip install 'hkpr[learn]' (or pip install python-crfsuite)"
FORMAT = 1
# L1 and L2 penalties and the iteration cap: a few seconds for a hundred releases
PARAMS = {"c1": 0.05, "c2": 0.01, "max_iterations": 100, "feature.possible_transitions": True}


class LearnUnavailable(RuntimeError):
    """python-crfsuite is not installed."""


class LearnError(ValueError):
    """Nothing to learn from (no done release with accepted entity tags)."""


def available() -> bool:
    try:
        import pycrfsuite  # noqa: F401
    except ImportError:
        return False
    return True


def _crfsuite() -> Any:
    try:
        import pycrfsuite
    except ImportError:
        raise LearnUnavailable(INSTALL_HINT) from None
    return pycrfsuite


def model_path(db_path: str | Path) -> Path:
    """Where the model of the database at ``db_path`` lives: beside it."""
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".model.crfsuite")


def sidecar_path(path: str | Path) -> Path:
    path = Path(path)
    return path.with_name(path.name + ".json")


@dataclass(frozen=True)
class TrainReport:
    path: Path
    sidecar: Path
    labels: list[str]
    releases: int  # done releases with at least one accepted entity tag
    tags: int  # accepted entity tags in them (nested ones included)
    sequences: int  # texts learnt: releases × distinct script views
    characters: int
    seconds: float
    trained_at: str


def _bounds(text: str, script: str) -> list[int]:
    """Word boundaries, or none but the ends when segmentation fails on odd text."""
    try:
        return word_bounds(text, script)
    except Exception:  # noqa: BLE001  # a suggestion must never fail on odd text: no word features then
        return [0, len(text)]


def _sequences(
    collected: Collected, release_ids: set[int] | None = None
) -> tuple[list[tuple[str, str, list[str]]], int]:
    """(text, script, BIO tags) per release and distinct view, and how many tags were used."""
    out: list[tuple[str, str, list[str]]] = []
    seen: set[str] = set()
    tags = 0
    for doc in documents(collected, script="all"):
        if release_ids is not None and doc.release.id not in release_ids:
            continue
        if not doc.entities:
            continue
        if doc.script == "original":
            tags += len(doc.entities)
        key = f"{doc.release.id}\0{doc.text}"
        if key in seen:
            continue
        seen.add(key)
        script = doc.release.script if doc.script == "original" else doc.script
        out.append((doc.text, script, bio(len(doc.text), [(s.start, s.end, s.label) for s in doc.entities])))
    return out, tags


def _fit(sequences: list[tuple[str, str, list[str]]], path: Path) -> None:
    crf = _crfsuite()
    trainer = crf.Trainer(verbose=False)
    for text, script, tags in sequences:
        trainer.append(features(text, _bounds(text, script)), tags)
    trainer.set_params(PARAMS)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        trainer.train(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _write_json(path: Path, value: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(value, f, ensure_ascii=False, indent=2)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _train(collected: Collected, path: Path, release_ids: set[int] | None = None) -> TrainReport:
    started = time.perf_counter()
    _crfsuite()  # fail before any work when the package is missing
    sequences, tags = _sequences(collected, release_ids)
    if not sequences:
        raise LearnError("nothing to learn from: no release marked done has accepted entity tags")
    labels = sorted({t[2:] for _, _, seq in sequences for t in seq if t != "O"})
    releases = sum(
        1
        for r in collected.releases
        if (release_ids is None or r.id in release_ids)
        and any(a.kind == "entity" for a in collected.annotations.get(r.id, []))
    )
    path = Path(path)
    _fit(sequences, path)
    report = TrainReport(
        path=path,
        sidecar=sidecar_path(path),
        labels=labels,
        releases=releases,
        tags=tags,
        sequences=len(sequences),
        characters=sum(len(text) for text, _, _ in sequences),
        seconds=time.perf_counter() - started,
        trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    _write_json(
        report.sidecar,
        {
            "format": FORMAT,
            "labels": report.labels,
            "releases": report.releases,
            "tags": report.tags,
            "sequences": report.sequences,
            "characters": report.characters,
            "trained_on": "accepted entity tags of releases marked done, in the text and its 繁/简 views",
            "seconds": round(report.seconds, 3),
            "trained_at": report.trained_at,
        },
    )
    return report


def train(store: Store, *, path: str | Path) -> TrainReport:
    """Learn from the accepted entity tags of the done releases; write the model to ``path``
    (see ``model_path``) and its JSON sidecar. Raises LearnUnavailable without python-crfsuite,
    LearnError when there is nothing to learn from."""
    return _train(collect(store, status="done"), Path(path))


class Model:
    """A trained model; ``suggest`` is safe to call from several threads (one at a time inside)."""

    def __init__(self, tagger: Any, meta: dict[str, Any], path: Path) -> None:
        self._tagger = tagger
        self._lock = threading.Lock()
        self.meta = meta
        self.path = path
        self.labels: list[str] = list(meta.get("labels", []))

    @classmethod
    def load(cls, path: str | Path) -> Model | None:
        """The model at ``path``, or None when it is missing or unreadable, or without python-crfsuite."""
        path = Path(path)
        try:
            crf = _crfsuite()
        except LearnUnavailable:
            return None
        try:
            meta = json.loads(sidecar_path(path).read_text(encoding="utf-8"))
            if not isinstance(meta, dict) or meta.get("format") != FORMAT:
                return None
            tagger = crf.Tagger()
            tagger.open(str(path))
        except (OSError, ValueError, UnicodeDecodeError):
            return None
        return cls(tagger, meta, path)

    def suggest(self, text: str, *, threshold: float = 0.5, script: str = "hant") -> list[Suggestion]:
        """Entity spans the model finds in ``text``, in its offsets, with source
        ``model:0.87`` (the mean of the span's per-character marginal probabilities); only those
        at or above ``threshold``. ``script`` is the release's script, for word boundaries
        (cached per text, so the reader's word movement and this share one segmentation)."""
        if not isinstance(text, str) or not text:
            return []
        xseq = features(text, _bounds(text, script))
        out: list[Suggestion] = []
        with self._lock:
            self._tagger.set(xseq)
            tags = self._tagger.tag()
            for start, end, label in spans(tags):
                probs = [self._tagger.marginal(("B-" if i == start else "I-") + label, i) for i in range(start, end)]
                confidence = statistics.fmean(probs)
                if confidence >= threshold:
                    out.append(Suggestion(start, end, label, f"model:{confidence:.2f}", text[start:end]))
        return out


@dataclass
class LabelScore:
    label: str
    gold: int = 0
    predicted: int = 0
    correct: int = 0
    covered: int = 0  # gold spans a suggestion of the same label overlaps (at the threshold)

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Evaluation:
    train: TrainReport
    train_releases: int
    test_releases: int
    threshold: float
    scores: list[LabelScore] = field(default_factory=list)
    micro: LabelScore = field(default_factory=lambda: LabelScore("all"))

    @property
    def coverage(self) -> float:
        return self.micro.covered / self.micro.gold if self.micro.gold else 0.0


def score(
    gold: Sequence[tuple[int, int, str]],
    predicted: Sequence[Suggestion],
    covering: Sequence[Suggestion],
    into: dict[str, LabelScore],
) -> None:
    """Add one text's counts: exact span-and-label matches (seqeval's definition), and gold spans
    overlapped by a same-label suggestion from ``covering``."""
    found = {(s.start, s.end, s.label) for s in predicted}
    for start, end, label in gold:
        entry = into.setdefault(label, LabelScore(label))
        entry.gold += 1
        entry.correct += (start, end, label) in found
        entry.covered += any(s.label == label and s.start < end and start < s.end for s in covering)
    for s in predicted:
        into.setdefault(s.label, LabelScore(s.label)).predicted += 1


def evaluate(
    store: Store,
    *,
    split: tuple[int, int] = (80, 20),
    seed: int = 0,
    threshold: float = 0.5,
    folder: str | Path | None = None,
) -> Evaluation:
    """Train on a split of the done releases (by release group, as exports split) and score the
    held-out ones: P/R/F1 per label on the decoded spans (threshold 0), and the share of gold
    spans a suggestion at ``threshold`` would have covered."""
    collected = collect(store, status="done")
    tagged = [r for r in collected.releases if any(a.kind == "entity" for a in collected.annotations.get(r.id, []))]
    held = {
        r.id
        for r in tagged
        if split_of(collected.group_keys.get(r.id, r.content_hash), seed, (split[0], 0, split[1])) == "test"
    }
    train_ids = {r.id for r in tagged} - held
    if not train_ids or not held:
        raise LearnError(
            f"too few done releases with tags to split ({len(tagged)}): {len(train_ids)} to train on, {len(held)} to test"
        )
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        report = _train(collected, Path(tmp) / "eval.crfsuite", train_ids)
        model = Model.load(report.path)
        if model is None:
            raise LearnError("the model just trained could not be read back")
        by_label: dict[str, LabelScore] = {}
        for release in tagged:
            if release.id not in held:
                continue
            gold = sorted(
                {(a.start, a.end, a.label) for a in collected.annotations.get(release.id, []) if a.kind == "entity"}
            )
            gold_bio = spans(bio(len(release.text), gold))  # what the model could learn: nested tags left out
            predicted = model.suggest(release.text, threshold=0.0, script=release.script)
            covering = [s for s in predicted if float(s.source.partition(":")[2]) >= threshold]
            score(gold_bio, predicted, covering, by_label)
    micro = LabelScore("all")
    for entry in by_label.values():
        micro.gold += entry.gold
        micro.predicted += entry.predicted
        micro.correct += entry.correct
        micro.covered += entry.covered
    return Evaluation(
        report, len(train_ids), len(held), threshold, sorted(by_label.values(), key=lambda s: s.label), micro
    )
