"""Tag all of seed 000 through the app, as a careful annotator would, counting keys and timing them.

The gold annotation is ``tests/gold_seed_000.py``. The script drives the real app with Pilot
(headless, 120×36) on a fresh database of the seeds:

1. Walk the suggestions: ``.`` to the first, then one key per decision: ``a`` when the suggestion
   is a gold span with its label, else ``r`` (both move on to the next).
2. Every gold entity still untagged: ``f`` + the text (typed characters are not counted, as in
   the target) + ``enter`` (selects the match), then ``*`` and the label key, which tags every
   occurrence at once; when all occurrences but some are tagged, ``enter`` until an untagged one
   and the label key.
3. Every gold claim: find its sentence (``f`` + fragment + ``enter``: finding, not counted),
   then ``escape`` (the sentence, not the fragment) ``c`` and ``ctrl+s`` (the form's prefill).

Printed (JSON lines): keys per accepted suggestion, per manual entity, per claim; spans correct;
and the app's work per key: the process's CPU time from the key press until the app is idle
(workers included) minus the median for a key bound to nothing, measured the same way in the
same run (wall time in a Pilot run is mostly Pilot's own pacing).

    python -m benchmarks.bench_session
    python -m benchmarks.bench_session --annotations 1000000   # the same with a team's million tags stored

With ``--annotations N`` the database also holds 4,500 generated releases carrying N stored tags
(2–6 character spans: many of their strings occur in seed 000, so every suggestion refresh looks
them up); the suggestion walk is then capped at ``--walk`` decisions, since junk strings would make
it thousands of keys long. The key counts are only meaningful without ``--annotations``.
Targets (issue 12): ≤1 key per accepted suggestion, ≤3 keys per manual entity, ≤4 per claim,
p95 ≤30 ms of app work for a key that only moves or tags.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.corpus import annotation_rows, generate
from benchmarks.report import emit, p95
from hkpr_tui.app import HkprApp
from hkpr_tui.corpus import parse_file, parse_text
from hkpr_tui.screens.reader import ReaderScreen
from hkpr_tui.store import Store

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.gold_seed_000 import CLAIMS, ENTITIES  # noqa: E402

TYPING = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


class Keys:
    """Presses keys through Pilot, timing each until the app is idle, and counting them by phase."""

    def __init__(self, pilot: Any) -> None:
        self.pilot = pilot
        self.counts: dict[str, int] = {}
        self.timings: dict[str, list[float]] = {}
        self.by_key: dict[str, list[float]] = {}

    async def settle(self) -> None:
        for _ in range(3):
            await self.pilot.pause()
            await self.pilot.app.workers.wait_for_complete()

    async def press(self, phase: str, *keys: str, counted: bool = True, kind: str = "act") -> None:
        for key in keys:
            began = (
                time.process_time()
            )  # CPU of the whole process, workers included: wall time here is mostly Pilot's pacing
            await self.pilot.press(key)
            await self.settle()
            spent = (time.process_time() - began) * 1000
            self.timings.setdefault(kind, []).append(spent)
            self.by_key.setdefault(key, []).append(spent)
            if counted:
                self.counts[phase] = self.counts.get(phase, 0) + 1

    async def type(self, text: str) -> None:
        await self.pilot.press(*text)


def gold_spans(text: str) -> set[tuple[int, int, str]]:
    out = set()
    for needle, label in ENTITIES:
        at = text.find(needle)
        while at >= 0:
            out.add((at, at + len(needle), label))
            at = text.find(needle, at + 1)
    return out


async def session(db: Path, release_id: int, walk_limit: int | None = None) -> dict[str, Any]:
    app = HkprApp(db_path=db, annotator="bench")
    async with app.run_test(size=(120, 36)) as pilot:
        keys = Keys(pilot)
        await keys.settle()
        reader = ReaderScreen(db, release_id)
        await app.push_screen(reader)
        await keys.settle()
        view = reader.panes[0].view
        text = view.text
        gold = gold_spans(text)
        label_keys = {label.name: label.key for label in app.labels if label.key}
        for _ in range(20):  # a key bound to nothing: the baseline of a key's round trip
            await keys.press("baseline", "z", counted=False, kind="nothing")

        # 1. walk the suggestions
        accepted = rejected = 0
        await keys.press("walk", "full_stop", kind="move")
        seen: set[tuple[int, int, str]] = set()
        while True:
            found = reader._to_decide(reader.panes[0])  # what the status line names: what a and r decide
            if found is None or (found.start, found.end, found.label) in seen:
                break
            if walk_limit is not None and len(seen) >= walk_limit:
                break
            seen.add((found.start, found.end, found.label))
            if (found.start, found.end, found.label) in gold:
                await keys.press("walk", "a", kind="tag")
                accepted += 1
            else:
                await keys.press("walk", "r", kind="tag")
                rejected += 1

        # 2. the gold entities still untagged
        def tagged() -> set[tuple[int, int, str]]:
            return {(a.start, a.end, a.label) for a in reader.tags.get(release_id, []) if a.kind == "entity"}

        manual_spans = 0
        for needle, label in ENTITIES:
            missing = sorted(s for s in gold if text[s[0] : s[1]] == needle and s[2] == label and s not in tagged())
            if not missing:
                continue
            await keys.press("manual", "f", kind="find bar")
            await keys.type(needle)
            await keys.press("manual", "enter", kind="find bar")  # from the find bar back to the text
            if len(missing) > 1 or not any(text[s[0] : s[1]] == needle for s in tagged()):
                await keys.press("manual", "asterisk", kind="move")
                await keys.press("manual", label_keys[label], kind="tag")
            else:
                for _ in range(text.count(needle)):
                    if view.selection == (missing[0][0], missing[0][1]):
                        break
                    await keys.press("manual", "enter", kind="move")
                await keys.press("manual", label_keys[label], kind="tag")
            manual_spans += len(missing)
            await keys.press("manual", "escape", counted=False, kind="move")  # find's highlights off

        # 3. claims
        for fragment, _type in CLAIMS:
            await keys.press("claim-find", "f", counted=False, kind="find bar")
            await keys.type(fragment)
            await keys.press("claim-find", "enter", counted=False, kind="find bar")
            await keys.press("claim", "escape", kind="move")
            await keys.press("claim", "c", kind="claim form")  # opens a modal form
            await keys.press("claim", "ctrl+s", kind="claim form")  # saves and closes it
            await keys.press("claim", "escape", counted=False, kind="move")
        store = Store.open(db)
        stored = {(a.start, a.end, a.label) for a in store.annotations(release_id) if a.kind == "entity"}
        claims = [a for a in store.annotations(release_id) if a.kind == "claim"]
        typed_right = sum(
            1 for fragment, kind in CLAIMS for a in claims if fragment in a.text and a.label == kind
        )  # the form's type guess, saved unchanged
        store.close()
    nothing = statistics.median(keys.timings["nothing"])
    work = {kind: [max(0.0, t - nothing) for t in ts] for kind, ts in keys.timings.items() if kind != "nothing"}
    return {
        "counts": keys.counts, "accepted": accepted, "rejected": rejected, "manual_spans": manual_spans,
        "gold": len(gold), "gold_found": len(gold & stored), "extra": len(stored - gold), "claims": len(claims), "claims_typed_right": typed_right,
        "nothing_median_ms": nothing, "work": work,
        "by_key": {k: round(statistics.median(v) - nothing, 1) for k, v in keys.by_key.items()},
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--annotations", type=int, default=0, help="stored tags on 4,500 other releases")
    parser.add_argument("--walk", type=int, default=60, help="suggestion decisions at most, with --annotations")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        store = Store.open(db)
        store.add_releases(parse_file(p) for p in sorted((ROOT / "seeds").glob("*.txt")))
        release_id = next(r.id for r in store.list_releases(sort="id") if Path(r.source).name.startswith("000"))
        if args.annotations:
            began = time.perf_counter()
            store.add_releases(parse_text(r.text, source=r.name) for r in generate(4500, 0))
            ids = [i for i in store.release_ids_where() if i != release_id]
            texts = {r.id: r.text for n in range(0, len(ids), 500) for r in store.releases(ids[n : n + 500])}
            others = [(i, len(texts[i])) for i in ids]
            stored = store.insert_annotations(annotation_rows(others, texts, args.annotations, random.Random(0)))
            emit(bench="session", what="set-up", releases=len(others) + 1, annotations=stored,
                 distinct_strings=len(store.known_strings()), seconds=round(time.perf_counter() - began, 1))  # fmt: skip
            del texts
        store.close()
        began = time.perf_counter()
        r = asyncio.run(session(db, release_id, args.walk if args.annotations else None))
        seconds = time.perf_counter() - began
    counts = r["counts"]
    emit(bench="session", release="seed 000", gold_entities=r["gold"], tagged_right=r["gold_found"], extra=r["extra"],
         claims=r["claims"], claims_with_the_gold_type=r["claims_typed_right"], seconds=round(seconds, 1))  # fmt: skip
    decisions = r["accepted"] + r["rejected"]
    emit(bench="keys", phase="walk the suggestions", keys=counts.get("walk", 0), decisions=decisions,
         accepted=r["accepted"], keys_per_accepted=round(counts.get("walk", 0) / max(r["accepted"], 1), 2),
         keys_per_decision=round(counts.get("walk", 0) / max(decisions, 1), 2), target="≤1 per accepted suggestion")  # fmt: skip
    emit(bench="keys", phase="manual entities", keys=counts.get("manual", 0), spans=r["manual_spans"],
         keys_per_entity=round(counts.get("manual", 0) / max(r["manual_spans"], 1), 2),
         note="typed characters not counted", target="≤3 per manual entity")  # fmt: skip
    emit(bench="keys", phase="claims", keys=counts.get("claim", 0), claims=len(CLAIMS),
         keys_per_claim=round(counts.get("claim", 0) / len(CLAIMS), 2),
         note="escape c ctrl+s once the cursor is in the sentence (finding it not counted)", target="≤4 per claim")  # fmt: skip
    emit(bench="app work per key", by_key_median_ms=r["by_key"])
    for kind, values in r["work"].items():
        if values:
            emit(bench="app work per key", kind=kind, keys=len(values), median_ms=round(statistics.median(values), 1),
                 p95_ms=round(p95(values), 1),
                 baseline=f"CPU of a key bound to nothing, same run: median {r['nothing_median_ms']:.1f} ms (subtracted)",
                 target="p95 ≤30 ms for keys that move or tag" if kind in ("move", "tag") else "none set")  # fmt: skip


if __name__ == "__main__":
    main()
