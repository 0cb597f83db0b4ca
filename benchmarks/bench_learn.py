"""Suggestions that learn (``hkpr_tui.learn``): training time and F1 as the done releases grow,
and the suggestion latency on a ~15,000-character release (target ≤ 50 ms).

Corpus: ``benchmarks.corpus.generate``, with gold-like tags projected: every occurrence (in
either script) of a fixed list of names is tagged, longest first, and the release marked done.
Train on 5, 20 and 100 releases; score on 30 other generated releases (exact span and label).
The generated releases recombine the seeds' paragraphs, so held-out texts share sentences with
the training ones: the F1 is an upper bound for real releases, the timings are what they are.
Baseline in the same run: the ``known`` suggestions (every string tagged before, matched again),
scored on the same held-out releases with the names tagged in the training releases.

    python -m benchmarks.bench_learn [--sizes 5,20,100]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.corpus import generate
from benchmarks.report import emit, p95
from hkpr_tui import learn
from hkpr_tui.annotate.session import Actions
from hkpr_tui.annotate.suggest import Suggestion, known_suggestions
from hkpr_tui.corpus import parse_text
from hkpr_tui.learn.crf import LabelScore, score
from hkpr_tui.script import fold
from hkpr_tui.script.words import word_bounds
from hkpr_tui.store import Store

NAMES = {
    "香港生產力促進局": "ORG",
    "香港貿易發展局": "ORG",
    "香港科技園公司": "ORG",
    "創新科技署": "ORG",
    "投資推廣署": "ORG",
    "特區政府": "ORG",
    "數碼港": "ORG",
    "陳細明": "PERSON",
    "李家超": "PERSON",
    "《財政預算案》": "DOCUMENT",
}
HELD_OUT = 30


def gold(text: str) -> list[tuple[int, int, str]]:
    """Every occurrence of a name (script-folded), longest names first, never overlapping."""
    folded = fold(text)
    taken = [False] * len(text)
    out = []
    for name, label in sorted(NAMES.items(), key=lambda kv: -len(kv[0])):
        key = fold(name)
        start = folded.find(key)
        while start >= 0:
            end = start + len(key)
            if not any(taken[start:end]):
                taken[start:end] = [True] * (end - start)
                out.append((start, end, label))
            start = folded.find(key, end)
    return sorted(out)


def build(path: Path, texts: list[tuple[str, str]]) -> None:
    store = Store.open(path)
    actions = Actions(store, "bench", store.start_session("bench"))
    for i, (text, _script) in enumerate(texts):
        rid = store.add_release(parse_text(text, source=f"gen{i}.txt")).release_id
        stored = store.release(rid).text
        for start, end, label in gold(stored):
            actions.tag(rid, "entity", label, start, end)
        actions.set_status(rid, "done")
    store.close()


def f1_of(scores: dict[str, LabelScore]) -> float:
    micro = LabelScore("all")
    for s in scores.values():
        micro.gold += s.gold
        micro.predicted += s.predicted
        micro.correct += s.correct
    return micro.f1


def release_text(seed: int, script: str) -> str:
    """A release of exactly 15,000 characters, from generated releases in ``script``."""
    text = ""
    for r in generate(40, seed=seed, paragraphs=(12, 16)):
        if r.script == script and len(text) < 15_000:
            text += parse_text(r.text).text + "\n\n"
    return text[:15_000]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="5,20,100")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    corpus = generate(max(sizes) + HELD_OUT, seed=args.seed)
    held = [(parse_text(r.text).text, r.script) for r in corpus[-HELD_OUT:]]
    last_model = None
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            db = Path(tmp) / f"n{size}.db"
            build(db, [(r.text, r.script) for r in corpus[:size]])
            store = Store.open(db)
            try:
                report = learn.train(store, path=learn.model_path(db))
                known = {a.text: a.label for r in store.release_ids() for a in store.annotations(r)}
            finally:
                store.close()
            model = learn.Model.load(report.path)
            assert model is not None
            crf_scores: dict[str, LabelScore] = {}
            known_scores: dict[str, LabelScore] = {}
            for text, script in held:
                found = model.suggest(text, threshold=0.0, script=script)
                score(gold(text), found, found, crf_scores)
                baseline: list[Suggestion] = known_suggestions(text, known)
                score(gold(text), baseline, baseline, known_scores)
            emit(
                bench="learn_train",
                releases=size,
                tags=report.tags,
                texts_with_views=report.sequences,
                characters=report.characters,
                train_s=round(report.seconds, 2),
                f1=round(f1_of(crf_scores), 3),
                per_label_f1={k: round(v.f1, 3) for k, v in sorted(crf_scores.items())},
                baseline_known_strings_f1=round(f1_of(known_scores), 3),
                held_out=HELD_OUT,
            )
            last_model = model
    assert last_model is not None
    timings: dict[str, list[float]] = {"cold": [], "warm": []}
    for seed in range(5):
        text = release_text(100 + seed, "hant")
        for kind in (
            "cold",
            "warm",
            "warm",
            "warm",
        ):  # cold: the text's word segmentation included; warm: cached (as in the reader)
            start = time.perf_counter()
            last_model.suggest(text, threshold=0.5, script="hant")
            timings[kind].append(time.perf_counter() - start)
    segment = []
    for seed in range(5):
        text = release_text(200 + seed, "hant")
        start = time.perf_counter()
        word_bounds(text, "hant")
        segment.append(time.perf_counter() - start)
    emit(
        bench="learn_suggest",
        characters=len(text),
        warm_median_ms=round(statistics.median(timings["warm"]) * 1000, 1),
        warm_p95_ms=round(p95(timings["warm"]) * 1000, 1),
        cold_median_ms=round(statistics.median(timings["cold"]) * 1000, 1),
        baseline_word_bounds_only_ms=round(statistics.median(segment) * 1000, 1),
        target_ms=50,
    )


if __name__ == "__main__":
    main()
