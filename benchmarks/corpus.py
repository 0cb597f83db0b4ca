"""A deterministic corpus generator shared by every benchmark.

Releases are built by recombining the seeds' paragraphs: a press-release header, a title taken
from a seed heading, a dateline with a generated date and organisation, then body paragraphs
drawn from all seeds, hard-wrapped like the PDF copies are. Half the releases are Traditional
and half Simplified: the paragraph pool is converted with OpenCC once, up front, so generating
100,000 releases stays cheap. The same ``seed`` always gives the same corpus.

    python -m benchmarks.corpus OUT_DIR --count 1000 --seed 7
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from hkpr_tui.corpus.clean import clean

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
ORGANISATIONS = ["數碼港", "香港科技園公司", "創新科技署", "香港貿易發展局", "投資推廣署", "香港生產力促進局"]


@dataclass(frozen=True)
class GeneratedRelease:
    name: str
    text: str
    script: str  # "hant" | "hans"


@cache
def _pools() -> dict[str, tuple[list[str], list[str]]]:
    """Per script: (headings, body paragraphs) from the seeds' cleaned texts."""
    from opencc import OpenCC

    headings: list[str] = []
    bodies: list[str] = []
    for path in sorted(SEEDS.glob("*.txt")):
        cleaned = clean(path.read_text(encoding="utf-8"))
        for p in cleaned.paragraphs:
            text = cleaned.text[p.start : p.end]
            if p.kind == "heading" or (len(text) < 40 and "，" not in text):
                headings.append(text)
            elif len(text) >= 40:
                bodies.append(text)
    to_hans, to_hant = OpenCC("t2s"), OpenCC("s2hk")
    return {
        "hant": ([to_hant.convert(t) for t in headings], [to_hant.convert(t) for t in bodies]),
        "hans": ([to_hans.convert(t) for t in headings], [to_hans.convert(t) for t in bodies]),
    }


def _wrap(paragraph: str, rng: random.Random) -> str:
    """Hard-wrap like a PDF copy: lines of ~40 characters, a blank line after each, sometimes."""
    if rng.random() < 0.5:
        return paragraph
    width = 40
    lines = [paragraph[i : i + width] for i in range(0, len(paragraph), width)]
    return "\n\n".join(lines)


def generate(count: int, seed: int = 0, paragraphs: tuple[int, int] = (4, 12)) -> list[GeneratedRelease]:
    rng = random.Random(seed)
    pools = _pools()
    out = []
    for n in range(count):
        script = "hant" if n % 2 == 0 else "hans"
        headings, bodies = pools[script]
        org = rng.choice(ORGANISATIONS)
        year, month, day = rng.randint(2015, 2026), rng.randint(1, 12), rng.randint(1, 28)
        header = "新聞稿\n\n即時發布" if script == "hant" else "新闻稿\n\n即时发布"
        title = f"{org}{rng.choice(headings)} （{n}）"
        dateline = f"香港，{year}年{month}月{day}日 – {org}歡迎{rng.choice(bodies)}"
        body = [_wrap(rng.choice(bodies), rng) for _ in range(rng.randint(*paragraphs))]
        text = "\n\n".join([header, title, dateline, *body, f"{n + 1}"])
        out.append(GeneratedRelease(f"{n:06d}_{script}.txt", text, script))
    return out


def write(folder: Path, releases: list[GeneratedRelease]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for release in releases:
        path = folder / release.name
        path.write_text(release.text, encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    paths = write(args.out, generate(args.count, args.seed))
    print(f"wrote {len(paths)} releases to {args.out}")


if __name__ == "__main__":
    main()
