"""State growth for opening and tagging: the same long release, opened and tagged in the real app
(Pilot, headless, 120×36) in databases of 1,000, 10,000 and 100,000 releases, and whether the
cost per operation stays flat as the database grows (issue 17).

    python -m benchmarks.bench_growth                               # --scales 1000,10000,100000
    python -m benchmarks.bench_growth --scales 1000,10000 --rounds 2
    python -m benchmarks.bench_growth --tags-at anywhere            # the worst case for suggestions (below)

**The databases.** One per size, built once and cached in ``benchmarks/.cache/`` (git-ignored):
the five seeds, one long release (16.7k characters of Traditional text recombined from the seeds,
the text ``bench_app`` opens; the same at every size), then N generated releases
(``benchmarks.corpus.generate``: both scripts, 4–12 paragraphs, ~0.5–3.5k characters). Every
release but the long one carries ``--tags-per-release`` stored entity tags (default 10: 1M tags at
100,000 releases), so the database grows in tags as it grows in releases.
By default the tags are ``corpus.annotation_rows``'s 2–6 character spans walked from each
release's start (header, title, dateline: strings that recur from release to release, as entity
names do). Of the long text's 36k distinct 2–6 character strings, ~750 are tagged somewhere at
1,000 releases and ~1.6k at 100,000; the tagged strings its suggestions read (``known_strings_in``:
those that begin with two characters of the text) are ~2.6k, ~8.7k and ~19k at 1,000, 10,000 and
100,000 releases, giving ~5.9k, ~8.7k and ~9.0k suggestions (the "database" line prints the counts).
``--tags-at anywhere`` puts the tags at random places instead: 17% of those 36k strings are tagged
at 1,000 releases and all of them at 100,000, where the text carries ~76k suggestions (a stress
case, not a team's database).
Tags are inserted in bulk, without an event per tag. Each measurement runs on a fresh copy of the
cached file, since the keys tag it (at 100,000 releases: 2.9 GB, built in ~8 minutes on 2 cores).

**What is measured**, each size in a fresh process (the first open then loads jieba's and
OpenCC's dictionaries at every size alike, and no cache carries over from a smaller size); with
``--rounds R`` the sizes take turns R times and the figures pool the rounds:

1. Opening the long release (``--opens`` times, back to the library in between): CPU time of the
   process (workers included) from pushing the reader until the text is on screen, and until the
   app is idle (suggestions computed and drawn, words segmented). First open and median/p95.
2. Keys in it, each timed as CPU from the key press until the app is idle (workers included),
   as ``bench_session`` does: ``]`` (next sentence), ``i`` (select the word) and a label key
   (``1``–``0``) tagging it, ``--keys`` times; then ``.`` (next suggestion) alternating with ``r``
   (reject, which moves on), every fourth ``r`` an ``a`` (accept).

**The baseline** is a key bound to nothing in the reader (``z``), pressed ``--keys`` times and
timed the same way in the same process: its median (Pilot's round trip and the waits) is
subtracted from every key's CPU. The opens are whole figures, not net of it (its median is printed
beside them). Growth compares each operation's median at the largest size with the smallest, in
the same run: "flat (within 2×)", else "grows N× over M× releases"; a key's net work under
``FLOOR_MS`` (3 ms) at every size is called flat whatever its ratio, which is then of numbers within
the noise (the no-op key's median moves by 1–2 ms from one process to the next). Each growth line
also carries the p95s and, for the opens, the wall time (text on screen: what the user waits for).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.report import emit, p95

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(__file__).resolve().parent / ".cache"
FORMAT = "v1"  # of the cached databases: a change to what build_db makes needs a new one
LONG = "bench_growth.long_release"  # the setting that names the long release in a built database
LABEL_KEYS = "1234567890"  # the default labels' keys (the child runs without the user's config)
FLOOR_MS = 3.0  # the no-op key's median moves by 1–2 ms from one process to the next
KINDS = ("] next sentence", "i select the word", "label key: tag the selection", ". next suggestion",
         "r reject the suggestion", "a accept the suggestion")  # fmt: skip
RESULT = "bench_growth result: "  # the child's one line of raw figures, for the parent


# -- the databases ------------------------------------------------------------------------------


def long_text() -> str:
    """16.7k characters of Traditional text, the release ``bench_app`` opens and toggles."""
    from benchmarks.corpus import generate
    from hkpr_tui.corpus import parse_text

    text = ""
    for r in generate(60, seed=9, paragraphs=(12, 16)):
        if r.script == "hant" and len(text) < 15_000:
            text += parse_text(r.text).text + "\n\n"
    return text


def spread_rows(release_id: int, text: str, count: int, rng: random.Random) -> list[dict[str, object]]:
    """``count`` non-overlapping 2–6 character entity tags at random places in ``text``."""
    rows: list[dict[str, object]] = []
    if len(text) <= 12:
        return rows
    end = 0
    for start in sorted(rng.sample(range(len(text) - 6), min(2 * count, len(text) - 6))):
        size = rng.randint(2, 6)
        span = text[start : start + size]
        if start < end or any(c.isspace() for c in span):
            continue
        rows.append({"release_id": release_id, "kind": "entity", "label": rng.choice(["ORG", "LOC", "MONEY", "DATE"]),
                     "start": start, "end": start + size, "text": span, "annotator": "bench"})  # fmt: skip
        end = start + size
        if len(rows) == count:
            break
    return rows


def db_path(cache: Path, count: int, per_release: int, tags_at: str, seed: int) -> Path:
    return cache / f"growth-{count}-tags{per_release}-{tags_at}-seed{seed}-{FORMAT}.db"


def build_db(cache: Path, count: int, per_release: int, tags_at: str, seed: int) -> Path:
    """The database of one size (see the module's docstring), built once into ``cache``."""
    from benchmarks.corpus import annotation_rows, generate
    from hkpr_tui.corpus import parse_file, parse_text
    from hkpr_tui.store import Store

    path = db_path(cache, count, per_release, tags_at, seed)
    if path.exists():
        return path
    cache.mkdir(parents=True, exist_ok=True)
    part = path.with_suffix(".part")
    part.unlink(missing_ok=True)
    began = time.perf_counter()
    rng = random.Random(seed)
    store = Store.open(part)

    def add(releases: list[Any]) -> None:
        """Add releases and tag each new one ``per_release`` times."""
        rows: list[dict[str, object]] = []
        for release, added in zip(releases, store.add_releases(releases)):
            if added.duplicate:
                continue
            if tags_at == "start":
                rows += annotation_rows([(added.release_id, len(release.text))], {added.release_id: release.text},
                                        per_release, rng)  # fmt: skip
            else:
                rows += spread_rows(added.release_id, release.text, per_release, rng)
        store.insert_annotations(rows)

    add([parse_file(p) for p in sorted((ROOT / "seeds").glob("*.txt"))])
    store.set_setting(LONG, store.add_release(parse_text(long_text(), source="long.txt")).release_id)
    step = 5_000
    for first in range(0, count, step):
        batch = generate(min(step, count - first), seed + first)
        # the titles numbered from 0 in every batch: numbered by batch too, so no two texts are the same
        add([parse_text(r.text.replace(" （", f" （{first}-", 1), source=f"{first}-{r.name}") for r in batch])
    store.seal()
    store.close()
    part.rename(path)
    emit(bench="growth", what="database built", releases=count, tags_per_release=per_release, tags_at=tags_at,
         megabytes=round(path.stat().st_size / 2**20), seconds=round(time.perf_counter() - began, 1))  # fmt: skip
    return path


def describe(path: Path) -> dict[str, int]:
    """What a built database holds, and how much of it the long release's text meets."""
    from hkpr_tui.store import Store

    store = Store.open(path)
    try:
        long_id = int(store.setting(LONG))
        return {
            "releases_in_db": store.count_releases(),
            "tags": store.count_annotations(),
            "distinct_tagged_strings": int(store.db.execute("SELECT count(DISTINCT folded) FROM known_strings").fetchone()[0]),
            "tagged_strings_in_long_text": len(store.known_strings_in(store.release(long_id).text)),
            "long_release_characters": len(store.release(long_id).text),
        }  # fmt: skip
    finally:
        store.close()


# -- one size, in a process of its own ------------------------------------------------------------


async def measure(db: Path, opens: int, keys: int) -> dict[str, Any]:
    """Raw figures (ms) for one database: opens of the long release, then keys in it."""
    from hkpr_tui.app import HkprApp
    from hkpr_tui.screens.reader import ReaderScreen

    app = HkprApp(db_path=db, annotator="bench")
    out: dict[str, Any] = {"open shown": [], "open idle": [], "open shown wall": [], "open idle wall": []}
    async with app.run_test(size=(120, 36)) as pilot:

        async def settle() -> None:
            for _ in range(3):
                await pilot.pause()
                await app.workers.wait_for_complete()

        async def press(key: str) -> float:
            began = time.process_time()  # CPU of the whole process, workers included
            await pilot.press(key)
            await settle()
            return (time.process_time() - began) * 1000

        await settle()
        assert app.store is not None
        release_id = int(app.store.setting(LONG))
        screen = None
        for n in range(opens):
            if n:
                await pilot.press("escape")  # back to the library
                await settle()
            cpu, wall = time.process_time(), time.perf_counter()
            screen = ReaderScreen(db, release_id)
            await app.push_screen(screen)
            while screen.panes[0].loaded is None:
                await pilot.pause(0.001)
            drawn = asyncio.Event()  # the next frame: pilot.pause() would wait for the workers too
            screen.call_after_refresh(drawn.set)
            await drawn.wait()
            out["open shown"].append((time.process_time() - cpu) * 1000)
            out["open shown wall"].append((time.perf_counter() - wall) * 1000)
            await settle()
            out["open idle"].append((time.process_time() - cpu) * 1000)
            out["open idle wall"].append((time.perf_counter() - wall) * 1000)
        assert screen is not None, "--opens must be at least 1"
        out["suggestions"] = len(screen.suggestions.get(release_id, []))

        out["nothing"] = [await press("z") for _ in range(keys)]
        for kind in KINDS:
            out[kind] = []
        for n in range(keys):
            out[KINDS[0]].append(await press("right_square_bracket"))
            out[KINDS[1]].append(await press("i"))
            out[KINDS[2]].append(await press(LABEL_KEYS[n % len(LABEL_KEYS)]))
        tagged = len(screen.tags.get(release_id, []))
        for n in range(keys):
            out[KINDS[3]].append(await press("full_stop"))
            if n % 4 == 3:
                out[KINDS[5]].append(await press("a"))
            else:
                out[KINDS[4]].append(await press("r"))
        out["tagged by label keys"] = tagged
        rows = app.store.annotations(release_id, statuses=("accepted", "rejected"))
        out["accepted or rejected"] = len(rows) - tagged
    return out


def run_child(path: Path, opens: int, keys: int, tmp: Path) -> dict[str, Any]:
    """``measure`` in a fresh process, on a fresh copy of ``path``, without the user's config."""
    copy = tmp / "run.db"
    shutil.copyfile(path, copy)
    config = tmp / "config"
    config.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("HKPR_CONFIG", "HKPR_LABELS")}
    env["XDG_CONFIG_HOME"] = str(config)  # default labels and keys, no keymap
    try:
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.bench_growth", "--child", str(copy), "--opens", str(opens),
             "--keys", str(keys)],
            capture_output=True, text=True, cwd=ROOT, env=env, timeout=1800,
        )  # fmt: skip
    finally:
        for file in tmp.glob("run.db*"):
            file.unlink()
    lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT)]
    if done.returncode != 0 or not lines:
        raise RuntimeError(done.stderr[-3000:] or done.stdout[-3000:])
    result: dict[str, Any] = json.loads(lines[-1].removeprefix(RESULT))
    return result


# -- the report ----------------------------------------------------------------------------------


def verdict(by_size: dict[int, float], sizes: list[int]) -> dict[str, object]:
    first, last = by_size[sizes[0]], by_size[sizes[-1]]
    ratio = last / first if first > 0 else float("inf")
    if ratio <= 2:
        said = "flat (within 2×)"
    elif max(by_size.values()) < FLOOR_MS:
        said = f"flat (under {FLOOR_MS:g} ms at every size: a {ratio:.1f}× ratio of figures within the noise)"
    else:
        said = f"grows {ratio:.1f}× over {sizes[-1] // sizes[0]}× releases"
    return {"ratio_largest_to_smallest": round(ratio, 2), "per_operation": said}


def report(sizes: list[int], runs: dict[int, list[dict[str, Any]]], held: dict[int, dict[str, int]]) -> None:
    """Per size: what the database holds, then each operation's figures; then each operation's growth."""
    growth: dict[str, dict[int, dict[str, float]]] = {}  # operation → size → figures (ms)

    def later(size: int, what: str) -> list[float]:  # the opens after each process's first
        return [v for run in runs[size] for v in run[what][1:]]

    for size in sizes:
        emit(bench="growth", releases=size, what="database", **held[size],
             tagged_by_label_keys=[run["tagged by label keys"] for run in runs[size]],
             suggestions_accepted_or_rejected=[run["accepted or rejected"] for run in runs[size]])  # fmt: skip
        nothing = statistics.median(v for run in runs[size] for v in run["nothing"])
        for what, label in (("open shown", "open the long release: text on screen"),
                            ("open idle", "open the long release: idle (suggestions drawn, words segmented)")):  # fmt: skip
            firsts, rest, walls = [run[what][0] for run in runs[size]], later(size, what), later(size, f"{what} wall")
            first_walls = [run[f"{what} wall"][0] for run in runs[size]]
            growth.setdefault(f"{label}, first in the process", {})[size] = {
                "cpu_median_ms": statistics.median(firsts), "cpu_p95_ms": p95(firsts),
                "wall_median_ms": statistics.median(first_walls),
            }  # fmt: skip
            growth.setdefault(label, {})[size] = {
                "cpu_median_ms": statistics.median(rest), "cpu_p95_ms": p95(rest), "wall_median_ms": statistics.median(walls),
            }  # fmt: skip
            emit(bench="growth", releases=size, what=label, cpu_first_ms=[round(v, 1) for v in firsts],
                 cpu_median_ms=round(statistics.median(rest), 1), cpu_p95_ms=round(p95(rest), 1),
                 wall_first_ms=[round(v, 1) for v in first_walls], wall_median_ms=round(statistics.median(walls), 1),
                 opens_after_first=len(rest),
                 **({"suggestions_in_release": [run["suggestions"] for run in runs[size]]} if what == "open idle" else {}),
                 note="the first open in each process (jieba's and OpenCC's dictionaries load), then the median and p95 "
                      "of the later opens; whole figures, not net of the baseline",
                 baseline_nothing_key_cpu_median_ms=round(nothing, 1))  # fmt: skip
        for kind in KINDS:
            work = [max(0.0, v - nothing) for run in runs[size] for v in run[kind]]
            growth.setdefault(f"key {kind}", {})[size] = {
                "cpu_median_ms": statistics.median(work),
                "cpu_p95_ms": p95(work),
            }
            emit(bench="growth", releases=size, what=f"key {kind}: app work", keys=len(work),
                 cpu_median_ms=round(statistics.median(work), 1), cpu_p95_ms=round(p95(work), 1),
                 baseline=f"CPU of a key bound to nothing (z), same process: median {nothing:.1f} ms, subtracted")  # fmt: skip
    for what, by_size in growth.items():
        figures = {field: {str(n): round(by_size[n][field], 1) for n in sizes} for field in by_size[sizes[0]]}
        medians = {n: by_size[n]["cpu_median_ms"] for n in sizes}
        smallest = medians[sizes[0]]
        emit(bench="growth", what=f"growth: {what}", **figures,
             ratio_to_smallest={str(n): round(m / smallest, 2) if smallest else None for n, m in medians.items()},
             **verdict(medians, sizes), verdict_on="CPU median")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scales", default="1000,10000,100000", help="generated releases, comma-separated")
    parser.add_argument("--tags-per-release", type=int, default=10, help="stored tags on every other release")
    parser.add_argument("--tags-at", choices=["start", "anywhere"], default="start", help="where those tags are")
    parser.add_argument("--opens", type=int, default=7, help="opens of the long release per process")
    parser.add_argument("--keys", type=int, default=20, help="presses of each key per process")
    parser.add_argument("--rounds", type=int, default=1, help="processes per size, the sizes taking turns")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", type=Path, default=CACHE, help="where built databases are kept between runs")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)  # measure this database, print raw figures
    args = parser.parse_args()
    if args.child:
        print(RESULT + json.dumps(asyncio.run(measure(args.child, args.opens, args.keys))), flush=True)
        return
    sizes = sorted(int(n) for n in args.scales.split(","))
    paths = {n: build_db(args.cache, n, args.tags_per_release, args.tags_at, args.seed) for n in sizes}
    held = {n: describe(paths[n]) for n in sizes}
    runs: dict[int, list[dict[str, Any]]] = {n: [] for n in sizes}
    began = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.rounds):
            for n in sizes:
                runs[n].append(run_child(paths[n], args.opens, args.keys, Path(tmp)))
    emit(
        bench="growth", what="measured", sizes=sizes, rounds=args.rounds, seconds=round(time.perf_counter() - began, 1)
    )
    report(sizes, runs, held)


if __name__ == "__main__":
    main()
