"""App speed: time to first frame against a bare Textual app, and opening/toggling a long release.

Each first-frame figure is a fresh Python process (imports included) that starts the app
headless and stops at its first rendered screen: for hkpr, the library with its first rows
drawn. Runs alternate between the apps, so load on the machine hits all of them alike.

    python -m benchmarks.bench_app --runs 7 --releases 100000
    python -m benchmarks.bench_app --reader-only --annotations 1000000   # open/toggle with 1M tags stored
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.report import emit, p95

ROOT = Path(__file__).resolve().parent.parent

BARE = """
import time, sys
start = time.perf_counter()
from textual.app import App
from textual.widgets import Static, Footer, Header
class Bare(App):
    def compose(self):
        yield Header(); yield Static("hello"); yield Footer()
    def on_mount(self):
        self.call_after_refresh(self.done)
    def done(self):
        print(time.perf_counter() - start); self.exit()
Bare().run(headless=True, size=(120, 36))
"""

HKPR = """
import time, sys
start = time.perf_counter()
from hkpr_tui.app import HkprApp
from hkpr_tui.screens.library import LibraryScreen
from hkpr_tui.widgets.release_table import ReleaseTable

import hkpr_tui, pathlib
class Timed(HkprApp):
    CSS_PATH = str(pathlib.Path(hkpr_tui.__file__).parent / "app.tcss")  # no source file for a relative path
    def on_mount(self):  # Textual calls HkprApp.on_mount too (handlers run for each class of the MRO)
        self.set_interval(0.002, self.check)
    def check(self):
        screen = self.screen
        if isinstance(screen, LibraryScreen):
            table = screen.query_one(ReleaseTable)
            if table.total and table.row(0) is not None:
                self.call_after_refresh(self.done)
    def done(self):
        if not getattr(self, "reported", False):
            self.reported = True
            print(time.perf_counter() - start); self.exit()
Timed(db_path=sys.argv[1]).run(headless=True, size=(120, 36))
"""


PEAK = """
def peak_mb():  # this process's own peak (VmHWM): ru_maxrss would carry the forking parent's over exec
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
"""

HKPR_READ = (
    PEAK
    + """
import sys, pathlib
from hkpr_tui.app import HkprApp
from hkpr_tui.screens.library import LibraryScreen
from hkpr_tui.screens.reader import ReaderScreen
from hkpr_tui.widgets.release_table import ReleaseTable
import hkpr_tui
class Read(HkprApp):
    CSS_PATH = str(pathlib.Path(hkpr_tui.__file__).parent / "app.tcss")
    def on_mount(self):
        self.set_interval(0.01, self.check)
    def check(self):
        screen = self.screen
        if isinstance(screen, LibraryScreen) and not getattr(self, "opened", False):
            row = screen.query_one(ReleaseTable).row(0)
            if row is not None:
                self.opened = True
                self.push_screen(ReaderScreen(pathlib.Path(sys.argv[1]), row.id))
        elif isinstance(screen, ReaderScreen) and screen.panes and screen.panes[0].loaded is not None:
            if not self.workers._workers:
                print(peak_mb()); self.exit()
Read(db_path=sys.argv[1]).run(headless=True, size=(120, 36))
"""
)

BARE_RSS = PEAK + BARE.replace("print(time.perf_counter() - start)", "print(peak_mb())")


def run(code: str, *args: str) -> float:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT, timeout=120)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return float(out.stdout.strip().splitlines()[-1])


def build_db(path: Path, count: int, seeds: bool) -> None:
    from benchmarks.corpus import generate
    from hkpr_tui.corpus import parse_text
    from hkpr_tui.importer import import_paths
    from hkpr_tui.store import Store

    store = Store.open(path)
    if seeds:
        import_paths(store, [ROOT / "seeds"])
    else:
        # short releases: the first frame does not depend on text length, and 100,000 full texts
        # would take minutes to build
        templates = [parse_text(r.text) for r in generate(200, seed=5, paragraphs=(1, 2))]
        batch = []
        for n in range(count):
            t = templates[n % len(templates)]
            digest = hashlib.sha256(f"{n}".encode()).hexdigest()
            batch.append(dataclasses.replace(t, content_hash=digest, group_key=digest, title=f"{t.title} #{n}"))
            if len(batch) == 2000:
                store.add_releases(batch)
                batch = []
        store.add_releases(batch)
    store.close()


def bench_first_frame(runs: int, count: int) -> None:
    # hkpr's bytecode compiled first, as Python does on a first run (or pip at install): without
    # it, a machine with PYTHONDONTWRITEBYTECODE set would compile hkpr's sources on every start
    # while Textual's come compiled from site-packages, and the ratio would measure that
    import compileall

    compileall.compile_dir(ROOT / "hkpr_tui", quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        seeds_db, big_db = Path(tmp) / "seeds.db", Path(tmp) / "big.db"
        build_db(seeds_db, 0, seeds=True)
        start = time.perf_counter()
        build_db(big_db, count, seeds=False)
        emit(bench="app", what="built database", releases=count, seconds=round(time.perf_counter() - start, 1))
        run(BARE)  # warm the file cache for every app
        run(HKPR, str(seeds_db))
        bare, seeds, big = [], [], []
        for _ in range(runs):
            bare.append(run(BARE))
            seeds.append(run(HKPR, str(seeds_db)))
            big.append(run(HKPR, str(big_db)))
        import asyncio

        asyncio.run(bench_library(big_db, count))
        rss_bare, rss_big = run(BARE_RSS), run(HKPR_READ, str(big_db))
        emit(
            bench="app",
            what=f"peak RSS: hkpr on {count} (short) releases, library shown, one release read",
            megabytes=round(rss_big, 1),
            bare_textual_megabytes=round(rss_bare, 1),
            aim_megabytes=200,
        )
        b = statistics.median(bare)
        for what, values in (("bare Textual app", bare), ("hkpr on seeds", seeds), (f"hkpr on {count} releases", big)):
            m = statistics.median(values)
            emit(
                bench="app",
                what=f"first frame: {what}",
                median_ms=round(m * 1000, 1),
                p95_ms=round(p95(values) * 1000, 1),
                ratio_vs_bare=round(m / b, 2),
                aim_ratio=1.5,
            )


async def bench_reader(repeat: int, annotations: int = 0) -> None:
    import random

    from benchmarks.corpus import annotation_rows, generate
    from hkpr_tui.app import HkprApp
    from hkpr_tui.corpus import parse_text
    from hkpr_tui.screens.reader import ReaderScreen
    from hkpr_tui.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "long.db"
        text = ""
        for r in generate(60, seed=9, paragraphs=(12, 16)):
            if r.script == "hant" and len(text) < 15_000:
                text += parse_text(r.text).text + "\n\n"
        store = Store.open(db)
        release_id = store.add_release(parse_text(text)).release_id
        length = len(store.release(release_id).text)
        if annotations:  # a team's tags on 4,500 other releases: their strings are suggested here too
            store.add_releases(parse_text(r.text, source=r.name) for r in generate(4500, 0))
            ids = [i for i in store.release_ids_where() if i != release_id]
            texts = {r.id: r.text for n in range(0, len(ids), 500) for r in store.releases(ids[n : n + 500])}
            stored = store.insert_annotations(
                annotation_rows([(i, len(texts[i])) for i in ids], texts, annotations, random.Random(0))
            )
            emit(bench="reader", what="set-up", annotations_in_db=stored, distinct_strings=len(store.known_strings()))
            del texts
        store.close()
        app = HkprApp(db_path=db)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            opens, shown, toggles_first, toggles, handler, idle = [], [], [], [], [], []
            for n in range(repeat):
                start = time.perf_counter()
                screen = ReaderScreen(db, release_id)
                await app.push_screen(screen)
                while screen.panes[0].loaded is None:
                    await pilot.pause(0.001)
                shown.append(time.perf_counter() - start)
                await pilot.pause()
                await app.workers.wait_for_complete()  # suggestions and word segmentation ready
                opens.append(time.perf_counter() - start)
                view = screen.panes[0].view
                for script in ("hant", "hans", "original"):
                    start = time.perf_counter()
                    await pilot.press("t")
                    while view.script != script:
                        await pilot.pause(0.001)
                    await pilot.pause()
                    (toggles_first if n == 0 and script != "original" else toggles).append(time.perf_counter() - start)
                # baseline: the same Pilot round trip for a key that does nothing in the reader
                for _ in range(3):
                    start = time.perf_counter()
                    await pilot.press("z")
                    await pilot.pause()
                    idle.append(time.perf_counter() - start)
                # the work a toggle does on the UI thread: switch, then draw every visible line
                for _ in range(3):
                    start = time.perf_counter()
                    screen.action_cycle_script()
                    for y in range(view.scrollable_content_region.height):
                        view.render_line(y)
                    handler.append(time.perf_counter() - start)
                await pilot.press("escape")
                await pilot.pause()
        emit(
            bench="reader",
            what="open release: text on screen",
            characters=length,
            first_ms=round(shown[0] * 1000, 1),
            median_ms=round(statistics.median(shown) * 1000, 1),
            p95_ms=round(p95(shown) * 1000, 1),
            aim_first_ms=150,
        )
        emit(
            bench="reader",
            what="open release: settled (suggestions and word segmentation ready)",
            characters=length,
            first_ms=round(opens[0] * 1000, 1),
            median_ms=round(statistics.median(opens) * 1000, 1),
            p95_ms=round(p95(opens) * 1000, 1),
            note="the first open loads jieba's dictionary (~0.5 s CPU)",
        )
        emit(
            bench="reader",
            what="toggle script, first conversion",
            characters=length,
            each_ms=[round(t * 1000, 1) for t in toggles_first],
        )
        emit(
            bench="reader",
            what="toggle script, once converted (key press to screen, through Pilot)",
            characters=length,
            toggles=len(toggles),
            median_ms=round(statistics.median(toggles) * 1000, 1),
            p95_ms=round(p95(toggles) * 1000, 1),
            aim_p95_ms=50,
        )
        emit(
            bench="reader",
            what="baseline: Pilot key press that does nothing, same waits",
            median_ms=round(statistics.median(idle) * 1000, 1),
            p95_ms=round(p95(idle) * 1000, 1),
        )
        emit(
            bench="reader",
            what="toggle script, once converted (switch and draw the visible lines)",
            characters=length,
            toggles=len(handler),
            median_ms=round(statistics.median(handler) * 1000, 2),
            p95_ms=round(p95(handler) * 1000, 2),
            aim_p95_ms=50,
        )


async def bench_library(db: Path, count: int) -> None:
    """Keys in the library at ``count`` releases: moves (rows already read, or a page read in a
    worker), sorts and filters (a new count and first page): CPU time of the process (workers
    included) from the key to the row under the cursor drawn, the median CPU of a key bound to
    nothing (Pilot's own round trip) subtracted, as bench_session measures app work per key."""
    from hkpr_tui.app import HkprApp
    from hkpr_tui.models import ReleaseFilter
    from hkpr_tui.screens.library import LibraryScreen
    from hkpr_tui.widgets.release_table import ReleaseTable

    app = HkprApp(db_path=db, annotator="bench")
    async with app.run_test(size=(120, 36)) as pilot:

        async def drawn() -> None:
            table = app.screen.query_one(ReleaseTable)
            while not table.total or table.row(table.cursor) is None:
                await pilot.pause(0.001)
            await pilot.pause()

        async def timed(key: str) -> float:
            start = time.process_time()
            await pilot.press(key)
            await drawn()
            return time.process_time() - start

        await drawn()
        screen = app.screen
        assert isinstance(screen, LibraryScreen)
        nothing = [await timed("z") for _ in range(10)]
        moves = [await timed(key) for key in ["down"] * 30 + ["pagedown"] * 15 + ["end", "home"] * 3]
        sorts = [await timed(key) for key in ("s", "s", "s", "S", "S", "s", "s")]
        row = screen.table.row(0)
        filters = []
        for where in (ReleaseFilter(organisation=row.organisation if row else None), ReleaseFilter(status="todo"),
                      ReleaseFilter(script="hans"), ReleaseFilter()):  # fmt: skip
            start = time.process_time()
            screen.filter = where
            screen._requery()  # what choosing in the filter menu does
            await drawn()
            filters.append(time.process_time() - start)
    base = statistics.median(nothing)
    for what, values in (("move (↓, pgdn, end, home)", moves), ("sort (s, S)", sorts), ("filter", filters)):
        work = [max(v - base, 0.0) for v in values]
        emit(
            bench="library",
            releases=count,
            what=f"app work per key: {what}",
            keys=len(values),
            median_ms=round(statistics.median(work) * 1000, 1),
            p95_ms=round(p95(work) * 1000, 1),
            baseline="CPU of a key bound to nothing, same run (subtracted)",
            baseline_median_ms=round(base * 1000, 1),
            aim_p95_ms=30,
        )


def main() -> None:
    import asyncio

    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--releases", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--annotations", type=int, default=0, help="tags stored on other releases, for the reader")
    parser.add_argument("--reader-only", action="store_true", help="only open and toggle a long release")
    args = parser.parse_args()
    asyncio.run(bench_reader(args.repeat, args.annotations))
    if not args.reader_only:
        bench_first_frame(args.runs, args.releases)


if __name__ == "__main__":
    main()
