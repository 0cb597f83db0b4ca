"""Word segmentation speed (``hkpr_tui.script.words``) on a ~15,000-character release.

The first call pays for jieba's dictionary, the 简 view and the cut; a second call on the same
text is a cache hit; another text of the same size (dictionary loaded) is the cost of a new
release. Baseline measured in the same run: jieba's own cut of the same 简 text.

    python -m benchmarks.bench_words
"""

from __future__ import annotations

import statistics
import time

from benchmarks.corpus import generate
from benchmarks.report import emit
from hkpr_tui.corpus import parse_text
from hkpr_tui.script import words
from hkpr_tui.script.views import script_view


def release_text(seed: int, script: str) -> str:
    text = ""
    for r in generate(40, seed=seed, paragraphs=(12, 16)):
        if r.script == script and len(text) < 15_000:
            text += parse_text(r.text).text + "\n\n"
    return text


def main() -> None:
    text = release_text(3, "hant")
    start = time.perf_counter()
    words.word_bounds(text, "hant")
    first = time.perf_counter() - start
    start = time.perf_counter()
    words.word_bounds(text, "hant")
    cached = time.perf_counter() - start
    other = release_text(5, "hant")
    start = time.perf_counter()
    bounds = words.word_bounds(other, "hant")
    new_text = time.perf_counter() - start
    hans = script_view(other, "hant", "hans").text
    segmenter = words._segmenter()
    plain = []
    for _ in range(3):
        t = time.perf_counter()
        list(segmenter.cut(hans, HMM=True))
        plain.append(time.perf_counter() - t)
    emit(
        bench="words",
        characters=len(text),
        first_call_ms=round(first * 1000, 1),
        cached_ms=round(cached * 1000, 3),
        new_release_ms=round(new_text * 1000, 1),
        jieba_cut_only_ms=round(statistics.median(plain) * 1000, 1),
        boundaries=len(bounds),
    )


if __name__ == "__main__":
    main()
