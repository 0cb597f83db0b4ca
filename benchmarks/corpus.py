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
from collections.abc import Iterator
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


# -- every kind of file issue 11 names ------------------------------------------------------

KINDS = ("text", "docx-md", "docx-md-rerun", "pdf-html", "html-page", "article-md", "english", "feed")
_ENGLISH = [
    "The Government announced today a series of measures to support innovation and technology start-ups.",
    "The measures include funding of up to $2 million per start-up, a mentorship programme and office space.",
    "A spokesman said, \u201cThe measures will help young companies grow and create jobs for Hong Kong.\u201d",
    "Applications will open in January and the first results are expected by the middle of the year.",
    "Members of the public may call the hotline or visit the website for further information.",
    "The Secretary for Innovation, Technology and Industry will officiate at the launch ceremony.",
]


def _entities(text: str) -> str:
    return "".join(f"&#{ord(c)};" if ord(c) > 127 else c for c in text)


def _paragraphs(release: GeneratedRelease) -> list[str]:
    """The release's paragraphs, unwrapped (header, 即時發布, title, dateline, body…)."""
    return clean(release.text).text.split("\n\n")


def render(release: GeneratedRelease, kind: str, n: int, rng: random.Random) -> tuple[str, bytes]:
    """One generated release written as a file of ``kind`` (a feed is written by ``generate_files``)."""
    stem = release.name.rsplit(".", 1)[0]
    paras = _paragraphs(release)
    head, title, dateline, body = paras[:2], paras[2], paras[3], paras[4:]
    if kind == "text":
        return release.name, release.text.encode("utf-8")
    if kind in ("docx-md", "docx-md-rerun"):
        date = dateline.split("–", 1)
        bold_dateline = f"**{date[0]}**–{date[1]}" if len(date) == 2 else dateline
        if kind == "docx-md-rerun":
            bold_dateline = bold_dateline.replace("歡迎", '<a href="https://unrelated.example/x">歡迎</a>', 1)
        text = (
            f"---\nsource: docx\nfileId: {stem}-{rng.randint(10**9, 10**10)}\nprocessTime: 2025-04-27T21:15:{n % 60:02d}Z\n---\n\n"
            f'<a id="_Hlk{n}"></a>**{head[0]}**\n\n## <a id="_t{n}"></a>{title}\n\n![](https://cdn.example.com/{stem}.png)\n\n'
            f"{bold_dateline}\n\n"
            + "\n\n".join(body)
            + "\n\n詳情請瀏覽[www.cyberport.hk ](http://www.cyberport.hk/)。\n\n"
            "<table><tr><td>**傳媒查詢**</td></tr><tr><td>陳小姐</td><td>電話：（852）3166 3626</td></tr></table>\n"
        )
        return f"{stem}_{kind}.md", text.encode("utf-8")
    if kind == "pdf-html":
        lines = [head[0], title]
        for para in [dateline, *body]:
            lines.extend(para[i : i + 38] for i in range(0, len(para), 38))
        spans, top, page = [], 40, 1
        for line in lines:
            spans.append(f'<span style="position:absolute;left:72px;top:{top}px">{_entities(line)}</span>')
            top += 20
            if top > 760:
                spans.append(f'<span style="position:absolute;left:300px;top:800px">{page}</span>')
                top, page = 40, page + 1
        text = (
            '<!DOCTYPE html>\r\n<html><head><meta charset="utf-8"><title>x.pdf</title></head><body>\r\n'
            + "\r\n".join(spans)
            + "\r\n</body></html>\r\n"
        )
        return f"{stem}_pdf.html", text.encode("utf-8")
    if kind == "html-page":
        body_html = "".join(f"<p>{p}</p>\n" for p in [dateline, *body])
        text = (
            f"<!DOCTYPE html>\n<html><head><title>新聞公報</title><style>p{{margin:0}}</style></head><body>\n"
            f"<header><a href='/'>主頁</a></header><nav><ul><li>政府資訊</li><li>便民服務</li></ul></nav>\n"
            f"<div class='breadcrumb'>主頁 &gt; 新聞公報</div>\n<main><h1>{title}</h1>\n{body_html}</main>\n"
            f"<footer>私隱政策 | 重要告示 | 2025 ©</footer></body></html>\n"
        )
        return f"{stem}_page{'.txt' if n % 3 == 0 else '.html'}", text.encode("utf-8")
    if kind == "article-md":
        published = f"{rng.randint(2015, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        text = (
            f'---\ntitle: "{title}"\ndate: "{published}"\nauthor: "記者"\ntags:\n  - "科技"\n---\n\n# {title}\n\n'
            f'<figure>\n<img src="https://web.archive.org/web/2021im_/https://www.example.com/{stem}.jpg" alt="">\n'
            f"<figcaption>活動現場。記者攝</figcaption>\n</figure>\n\n" + "\n\n".join(body) + "\n"
        )
        return f"{stem}_article.md", text.encode("utf-8")
    if kind == "english":
        sentences = [rng.choice(_ENGLISH) for _ in range(rng.randint(4, 10))]
        lines = [f"Hong Kong announces measures for start-ups ({n})"]
        for i in range(0, len(sentences), 2):
            para = " ".join(sentences[i : i + 2])
            words, line, out = para.split(), "", []
            for w in words:
                if len(line) + len(w) > 78:
                    out.append(line)
                    line = ""
                line = f"{line} {w}".strip()
            out.append(line)
            lines.append("  " + "\n".join(out))
        return f"{stem}_en.txt", "\n".join(lines).encode("utf-8")
    raise ValueError(kind)


def generate_files(count: int, seed: int = 0) -> list[tuple[str, bytes, int]]:
    """``count`` releases as files of every kind in turn: (name, bytes, releases in the file).
    Feeds hold five items each, in GB18030 (Simplified) or Big5-HKSCS (Traditional)."""
    rng = random.Random(seed)
    releases = generate(count, seed)
    files: list[tuple[str, bytes, int]] = []
    i = 0
    while i < len(releases):
        kind = KINDS[len(files) % len(KINDS)]
        if kind == "feed":
            group = releases[i : i + 5]
            items = []
            for r in group:
                paras = _paragraphs(r)
                items.append(
                    f"<item><title><![CDATA[{paras[2]}]]></title><link>http://news.example/{r.name}</link>"
                    f"<pubDate>Wed, 18 Oct 2023 09:30:00 +0800</pubDate>"
                    f"<description><![CDATA[{''.join(f'<p>{p}</p>' for p in paras[3:])}]]></description></item>"
                )
            encoding = "gb18030" if group[0].script == "hans" else "big5hkscs"
            declared = "GB2312" if encoding == "gb18030" else "Big5"
            text = (
                f'<?xml version="1.0" encoding="{declared}"?>\n<rss version="2.0"><channel><title>新聞</title>\n'
                + "\n".join(items)
                + "\n</channel></rss>\n"
            )
            try:
                data = text.encode(encoding)
            except UnicodeEncodeError:
                data = text.replace(f'encoding="{declared}"', 'encoding="UTF-8"').encode("utf-8")
            files.append((f"{group[0].name.rsplit('.', 1)[0]}_feed.xml", data, len(group)))
            i += len(group)
        else:
            name, data = render(releases[i], kind, i, rng)
            files.append((name, data, 1))
            i += 1
    return files


def write_files(folder: Path, files: list[tuple[str, bytes, int]]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data, _ in files:
        path = folder / name
        path.write_bytes(data)
        paths.append(path)
    return paths


def annotation_rows(
    releases: list[tuple[int, int]], texts: dict[int, str], count: int, rng: random.Random
) -> Iterator[dict[str, object]]:
    """``count`` stored-annotation rows for ``Store.insert_annotations``: non-overlapping 2–6
    character entity spans, walking each of ``releases`` ((id, text length)) from its start."""
    per_release = 2 * (count // max(len(releases), 1) + 1)  # short texts take fewer
    made = 0
    for rid, length in releases:
        pos = 0
        for _ in range(per_release):
            size = rng.randint(2, 6)
            if pos + size >= length or made >= count:
                break
            yield {"release_id": rid, "kind": "entity", "label": rng.choice(["ORG", "LOC", "MONEY", "DATE"]),
                   "start": pos, "end": pos + size, "text": texts[rid][pos : pos + size], "annotator": "bench"}  # fmt: skip
            made += 1
            pos += size + rng.randint(0, 1)
