"""The export formats. Each builder turns documents into files (name → bytes) in memory and checks
every span it wrote against the text it wrote, in the format's own offset unit, before anything
reaches the disk (``ExportError`` lists what failed). Headless: no UI code.

Offset units: native JSONL, Label Studio, brat and CLUENER use code points (CLUENER's end is
inclusive); doccano uses UTF-16 code units; BIO, Hugging Face and spaCy have one token per
character (white space dropped) and no offsets. Each builder is declared, with its unit, in
``registry.EXPORTS``.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import quoteattr

from hkpr_tui.export.dataset import SPLITS, Collected, Document, Span, span_key


@dataclass(frozen=True)
class ExportFormat:
    """One export format, declared where it is built (``@export_format`` on its builder)."""

    name: str
    unit: str  # the offset unit, as the manifest states it
    flat: bool  # one label per character: nested spans keep the outer one
    with_claims: bool  # claims are counted in the label distribution
    files: str  # README: what the folder holds
    offsets: str  # README: the unit, briefly
    build: Callable[[list[Document], Collected, dict[str, Any]], Built]


EXPORTS: dict[str, ExportFormat] = {}
"""Every export format, in the order they are declared below (the CLI's, the README's order)."""


def export_format(
    name: str, *, unit: str, flat: bool, with_claims: bool, files: str, offsets: str
) -> Callable[
    [Callable[[list[Document], Collected, dict[str, Any]], Built]],
    Callable[[list[Document], Collected, dict[str, Any]], Built],
]:
    """Register the decorated builder as the export format ``name``."""

    def register(
        build: Callable[[list[Document], Collected, dict[str, Any]], Built],
    ) -> Callable[[list[Document], Collected, dict[str, Any]], Built]:
        EXPORTS[name] = ExportFormat(name, unit, flat, with_claims, files, offsets, build)
        return build

    return register


class ExportError(ValueError):
    """An export that failed validation; nothing was written."""


@dataclass
class Built:
    files: dict[str, bytes]
    counts: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def utf16_offset(text: str, index: int) -> int:
    """The UTF-16 code-unit offset of code point ``index`` (astral characters count two)."""
    return index + sum(1 for c in text[:index] if ord(c) > 0xFFFF)


def from_utf16(text: str, units: int) -> int:
    count = 0
    for i, c in enumerate(text):
        if count >= units:
            return i
        count += 2 if ord(c) > 0xFFFF else 1
    return len(text)


def flat(spans: list[Span], problems: list[str], doc_id: str) -> list[Span]:
    """Keep outer spans only (nested ones are reported); spans arrive outer first."""
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if kept and span.start < kept[-1].end:
            problems.append(
                f"{doc_id}: nested {span.label} 「{span.text}」 inside {kept[-1].label} dropped (flat format)"
            )
            continue
        kept.append(span)
    return kept


def _jsonl(records: Iterable[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=False) + "\n" for r in records).encode("utf-8")


def _by_split(docs: list[Document]) -> dict[str, list[Document]]:
    out: dict[str, list[Document]] = {}
    for split in SPLITS:
        chosen = [d for d in docs if d.split == split]
        if chosen:
            out[split] = chosen
    return out


def _check(errors: list[str], doc_id: str, text: str, start: int, end: int, expected: str) -> None:
    if not (0 <= start < end <= len(text)) or text[start:end] != expected:
        errors.append(f"{doc_id}: span {start}–{end} is {text[start:end]!r}, expected {expected!r}")


# -- character sequences (BIO, HF, spaCy, CLUENER) -------------------------------------------


def sentence_units(doc: Document, problems: list[str]) -> list[tuple[int, int, list[Span]]]:
    """Sentences of the document (projected) with the flat entities clipped to each."""
    entities = flat(doc.entities, problems, doc.doc_id)
    sentences = doc.sentences or [(0, len(doc.text))]
    out = []
    for s, e in sentences:
        inside = []
        for span in entities:
            a, b = max(span.start, s), min(span.end, e)
            if a < b:
                if (a, b) != (span.start, span.end):
                    problems.append(f"{doc.doc_id}: {span.label} 「{span.text}」 crosses a sentence end; clipped")
                inside.append(Span(a, b, span.label, doc.text[a:b], span.kind, span.annotation))
        out.append((s, e, inside))
    return out


def char_tags(text: str, start: int, end: int, spans: list[Span], scheme: str) -> list[tuple[str, str]]:
    """(character, tag) for each non-space character of text[start:end]."""
    tags = ["O"] * (end - start)
    for span in spans:
        positions = [i for i in range(span.start, span.end) if not text[i].isspace()]
        for n, i in enumerate(positions):
            if scheme == "bioes" and len(positions) == 1:
                tag = "S"
            elif n == 0:
                tag = "B"
            elif scheme == "bioes" and n == len(positions) - 1:
                tag = "E"
            else:
                tag = "I"
            tags[i - start] = f"{tag}-{span.label}"
    return [(text[i], tags[i - start]) for i in range(start, end) if not text[i].isspace()]


def spans_from_tags(chars: list[str], tags: list[str]) -> list[tuple[str, str]]:
    """(label, text) of each entity in a BIO/BIOES tag sequence: how a reader decodes it."""
    out: list[tuple[str, str]] = []
    label, buf = None, ""
    for char, tag in zip(chars, tags):
        prefix, _, name = tag.partition("-")
        if prefix in ("B", "S") or prefix == "O" or (prefix in ("I", "E") and name != label):
            if label is not None:
                out.append((label, buf))
            label, buf = (name, char) if prefix != "O" else (None, "")
        else:
            buf += char
        if prefix in ("E", "S") and label is not None:
            out.append((label, buf))
            label, buf = None, ""
    if label is not None:
        out.append((label, buf))
    return out


def tag_names(labels: list[str], scheme: str) -> list[str]:
    prefixes = "BIES" if scheme == "bioes" else "BI"
    return ["O"] + [f"{p}-{label}" for label in labels for p in prefixes]


def _sequences(
    docs: list[Document], scheme: str, problems: list[str], errors: list[str]
) -> dict[str, list[dict[str, Any]]]:
    """Per split: one item per sentence with characters and tags, checked by decoding the tags."""
    out: dict[str, list[dict[str, Any]]] = {}
    for split, chosen in _by_split(docs).items():
        items = out.setdefault(split, [])
        for doc in chosen:
            for n, (s, e, spans) in enumerate(sentence_units(doc, problems)):
                pairs = char_tags(doc.text, s, e, spans, scheme)
                if not pairs:
                    continue
                chars, tags = [c for c, _ in pairs], [t for _, t in pairs]
                expected = [(sp.label, "".join(sp.text.split())) for sp in spans]
                if spans_from_tags(chars, tags) != expected:
                    errors.append(
                        f"{doc.doc_id} sentence {n}: tags decode to {spans_from_tags(chars, tags)}, expected {expected}"
                    )
                items.append(
                    {
                        "id": f"{doc.doc_id}-{n}",
                        "tokens": chars,
                        "tags": tags,
                        "doc": doc,
                        "spans": spans,
                        "start": s,
                        "end": e,
                    }
                )
    return out


def entity_labels(collected: Collected, docs: list[Document]) -> list[str]:
    """Entity labels in the database's order, plus any others the documents use."""
    names = [n for n, k in collected.label_kinds.items() if k == "entity"]
    used = {s.label for d in docs for s in d.entities}
    return [
        n for n in names if n in used or not collected.params.get("labels") or n in collected.params["labels"]
    ] + sorted(used - set(names))


# -- builders --------------------------------------------------------------------------------


@export_format(
    "jsonl",
    unit="code points (Python str index), end exclusive",
    flat=False,
    with_claims=True,
    files="`train.jsonl` …: release metadata, canonical text, entities, claims with attributes and normalised values, links, annotator and times of each tag",
    offsets="code points, end exclusive",
)
def build_jsonl(docs: list[Document], collected: Collected, options: dict[str, Any]) -> Built:
    built, errors = Built({}), list[str]()
    claim_key = {
        a.id: span_key(r.content_hash, a.start, a.end, a.label)
        for r in collected.releases
        for a in collected.annotations.get(r.id, [])
    }

    # a claim's subject is another annotation: named by its key, not by this database's id
    def attributes(a: Any) -> dict[str, Any]:
        attrs = dict(a.attributes)
        subject = attrs.pop("subject_id", None)
        if subject in claim_key:
            attrs["subject_key"] = claim_key[subject]
        return attrs

    links_by_release: dict[int, list[dict[str, Any]]] = {}
    source_release = {a.id: a.release_id for anns in collected.annotations.values() for a in anns}
    for link in collected.links:
        links_by_release.setdefault(source_release[link.source_id], []).append(
            {
                "source": claim_key[link.source_id],
                "target": claim_key[link.target_id],
                "kind": link.kind,
                "annotator": link.annotator,
                "created_at": link.created_at,
            }  # fmt: skip
        )

    def span_record(span: Span, doc: Document) -> dict[str, Any]:
        a = span.annotation
        record: dict[str, Any] = {"start": span.start, "end": span.end, "label": span.label, "text": span.text}
        if doc.script != "original":
            record.update(canonical_start=a.start, canonical_end=a.end)
        if span.kind == "claim":
            record["key"] = claim_key[a.id]
        record.update(attributes=attributes(a), annotator=a.annotator, created_at=a.created_at, updated_at=a.updated_at)
        return record

    for split, chosen in _by_split(docs).items():
        records = []
        for doc in chosen:
            r = doc.release
            for span in [*doc.entities, *doc.claims]:
                _check(errors, doc.doc_id, doc.text, span.start, span.end, span.text)
            records.append({
                "id": doc.doc_id, "split": split, "script": doc.script,
                "release": {"title": r.title, "organisation": r.organisation, "date": r.date, "kind": r.kind,
                            "script": r.script, "source": r.source, "status": r.status, "content_hash": r.content_hash,
                            "group": doc.group_key[:16]},
                "text": doc.text,
                "entities": [span_record(s, doc) for s in doc.entities],
                "claims": [span_record(s, doc) for s in doc.claims],
                "links": links_by_release.get(r.id, []) if doc.script == "original" or len(options["scripts"]) == 1 else [],
            })  # fmt: skip
        built.files[f"{split}.jsonl"] = _jsonl(records)
    built.problems = errors
    return built


@export_format(
    "bio",
    unit="characters, one per line (white space dropped); no offsets",
    flat=True,
    with_claims=False,
    files="`train.txt` …: character-level CoNLL (`字\\tB-ORG`, blank line between sentences); `--scheme bioes`",
    offsets="one character per line (white space dropped)",
)
def build_bio(docs: list[Document], collected: Collected, options: dict[str, Any]) -> Built:
    built, errors = Built({}), list[str]()
    for split, items in _sequences(docs, options["scheme"], built.counts.setdefault("notes", []), errors).items():
        lines = []
        for item in items:
            lines += [f"{c}\t{t}" for c, t in zip(item["tokens"], item["tags"])] + [""]
        built.files[f"{split}.txt"] = ("\n".join(lines)).encode("utf-8")
    built.problems = errors
    return built


@export_format(
    "hf",
    unit="characters as tokens (white space dropped); no offsets",
    flat=True,
    with_claims=False,
    files="`train.jsonl` … + `README.md` card: `tokens` and `ner_tags` (ClassLabel); `datasets.load_dataset(DIR)`",
    offsets="characters as tokens",
)
def build_hf(docs: list[Document], collected: Collected, options: dict[str, Any]) -> Built:
    built, errors = Built({}), list[str]()
    names = tag_names(entity_labels(collected, docs), options["scheme"])
    index = {name: i for i, name in enumerate(names)}
    splits: dict[str, int] = {}
    for split, items in _sequences(docs, options["scheme"], built.counts.setdefault("notes", []), errors).items():
        rows = [
            {"id": item["id"], "tokens": item["tokens"], "ner_tags": [index[t] for t in item["tags"]]} for item in items
        ]
        built.files[f"{split}.jsonl"] = _jsonl(rows)
        splits[split] = len(rows)
    class_names = "\n".join(f"          '{i}': {name}" for i, name in enumerate(names))
    data_files = "\n".join(f"  - split: {s}\n    path: {s}.jsonl" for s in splits)
    # datasets reads splits only with name, num_bytes and num_examples (else it warns "splits field
    # malformed" and ignores them): num_bytes is the size of the split's file
    split_info = "\n".join(
        f"  - name: {s}\n    num_bytes: {len(built.files[f'{s}.jsonl'])}\n    num_examples: {n}"
        for s, n in splits.items()
    )
    card = f"""---
language:
- zh
pretty_name: hkpr Hong Kong press releases NER
task_categories:
- token-classification
task_ids:
- named-entity-recognition
configs:
- config_name: default
  data_files:
{data_files}
dataset_info:
  features:
  - name: id
    dtype: string
  - name: tokens
    sequence: string
  - name: ner_tags
    sequence:
      class_label:
        names:
{class_names}
  splits:
{split_info}
  dataset_size: {sum(len(built.files[f"{s}.jsonl"]) for s in splits)}
---

# hkpr NER export

Character-level named-entity recognition data from Hong Kong press releases, annotated with
hkpr (a terminal annotation tool) and exported with `hkpr export --format hf`.

- **Features**: `id` (string), `tokens` (one Chinese character per token; white space dropped),
  `ner_tags` (a ClassLabel sequence, {options["scheme"].upper()} scheme): {", ".join(names)}.
- **Splits**: {", ".join(f"{s} ({n} sentences)" for s, n in splits.items())}; split by release group, so versions
  of one release (Traditional and Simplified copies) never straddle splits.
- **Source**: press releases of Hong Kong organisations (Cyberport, HKSTP, …) and news articles;
  script(s): {", ".join(options["scripts"])}; release status: {collected.params.get("status")}.
- Load with `datasets.load_dataset("PATH_TO_THIS_FOLDER")`.
"""
    built.files["README.md"] = card.encode("utf-8")
    built.counts["tag_names"] = names
    built.problems = errors
    return built


@export_format(
    "spacy",
    unit="characters as tokens (white space dropped); spaCy token indices",
    flat=True,
    with_claims=False,
    files="`train.spacy` … (DocBin; one Doc per sentence, one token per character) for `spacy train` with a blank `zh` pipeline; needs the `spacy` extra",
    offsets="token indices",
)
def build_spacy(docs: list[Document], collected: Collected, options: dict[str, Any]) -> Built:
    try:
        import spacy
        from spacy.tokens import Doc, DocBin
    except ImportError:
        raise ExportError('the spacy format needs spaCy: python -m pip install -e ".[spacy]"') from None
    built, errors = Built({}), list[str]()
    nlp = spacy.blank("zh")
    for split, items in _sequences(docs, "bio", built.counts.setdefault("notes", []), errors).items():
        doc_bin = DocBin(store_user_data=False)
        for item in items:
            doc, s, e = item["doc"], item["start"], item["end"]
            positions = [i for i in range(s, e) if not doc.text[i].isspace()]
            spaces = [p + 1 < e and doc.text[p + 1].isspace() for p in positions]
            sp_doc = Doc(nlp.vocab, words=item["tokens"], spaces=spaces)
            token_of = {p: n for n, p in enumerate(positions)}
            ents = []
            for span in item["spans"]:
                inside = [token_of[i] for i in range(span.start, span.end) if i in token_of]
                ent = sp_doc[inside[0] : inside[-1] + 1]
                ent.label_ = span.label
                if "".join(ent.text.split()) != "".join(span.text.split()):
                    errors.append(f"{item['id']}: spaCy span {ent.text!r} != {span.text!r}")
                ents.append(ent)
            sp_doc.ents = ents
            doc_bin.add(sp_doc)
        built.files[f"{split}.spacy"] = doc_bin.to_bytes()
    built.problems = errors
    return built


@export_format(
    "label-studio",
    unit="code points, end exclusive (Label Studio ≥ 1.0, PR #1559)",
    flat=False,
    with_claims=False,
    files="`train.json` … (tasks with `data.text`, `annotations[].result[]`, one annotation per annotator) + `label_config.xml`",
    offsets="code points, end exclusive",
)
def build_label_studio(docs: list[Document], collected: Collected, options: dict[str, Any]) -> Built:
    built, errors = Built({}), list[str]()
    for split, chosen in _by_split(docs).items():
        tasks = []
        for n, doc in enumerate(chosen, start=1):
            by_annotator: dict[str, list[dict[str, Any]]] = {}
            for k, span in enumerate(doc.entities):
                _check(errors, doc.doc_id, doc.text, span.start, span.end, span.text)
                by_annotator.setdefault(span.annotation.annotator, []).append(
                    {
                        "id": f"e{k}",
                        "from_name": "label",
                        "to_name": "text",
                        "type": "labels",
                        "value": {"start": span.start, "end": span.end, "text": span.text, "labels": [span.label]},
                    }  # fmt: skip
                )
            tasks.append({
                "id": n,
                "data": {"text": doc.text, "doc_id": doc.doc_id, "title": doc.release.title, "date": doc.release.date,
                         "organisation": doc.release.organisation, "script": doc.script},
                "annotations": [{"completed_by": {"email": who}, "result": result} for who, result in by_annotator.items()],
            })  # fmt: skip
        built.files[f"{split}.json"] = json.dumps(tasks, ensure_ascii=False, indent=1).encode("utf-8")
    labels = "".join(f"    <Label value={quoteattr(name)}/>\n" for name in entity_labels(collected, docs))
    built.files["label_config.xml"] = (
        f'<View>\n  <Labels name="label" toName="text">\n{labels}  </Labels>\n  <Text name="text" value="$text"/>\n</View>\n'
    ).encode()
    built.problems = errors
    return built


@export_format(
    "doccano",
    unit="UTF-16 code units, end exclusive (doccano's default)",
    flat=False,
    with_claims=False,
    files='`train.jsonl` …: `{"text", "label": [[start, end, LABEL]]}`',
    offsets="UTF-16 code units (doccano's default)",
)
def build_doccano(docs: list[Document], collected: Collected, options: dict[str, Any]) -> Built:
    built, errors = Built({}), list[str]()
    for split, chosen in _by_split(docs).items():
        rows = []
        for doc in chosen:
            labels = []
            astral = any(ord(c) > 0xFFFF for c in doc.text)  # else UTF-16 units are code points
            for span in doc.entities:
                if astral:
                    s, e = utf16_offset(doc.text, span.start), utf16_offset(doc.text, span.end)
                    back = (from_utf16(doc.text, s), from_utf16(doc.text, e))
                else:
                    s, e = back = (span.start, span.end)
                _check(errors, doc.doc_id, doc.text, *back, span.text)
                labels.append([s, e, span.label])
            rows.append({"text": doc.text, "label": labels, "doc_id": doc.doc_id, "title": doc.release.title})
        built.files[f"{split}.jsonl"] = _jsonl(rows)
    built.problems = errors
    return built


@export_format(
    "brat",
    unit="code points, end exclusive",
    flat=False,
    with_claims=True,
    files="`train/ID.txt` + `ID.ann` per release (claims as `Claim_TYPE`, links inside a release as relations) + `annotation.conf`",
    offsets="code points, end exclusive",
)
def build_brat(docs: list[Document], collected: Collected, options: dict[str, Any]) -> Built:
    built, errors = Built({}), list[str]()
    types: set[str] = set()
    for split, chosen in _by_split(docs).items():
        for doc in chosen:
            lines = []
            claim_ids: dict[int, str] = {}  # this document's claims, for relations inside it
            for n, span in enumerate([*doc.entities, *doc.claims], start=1):
                _check(errors, doc.doc_id, doc.text, span.start, span.end, span.text)
                kind = span.label if span.kind == "entity" else f"Claim_{span.label}"
                types.add(kind)
                # brat keeps one line per annotation: a span that holds a line break is cut in fragments
                fragments, start = [], span.start
                for i in range(span.start, span.end + 1):
                    if i == span.end or doc.text[i] == "\n":
                        if start < i:
                            fragments.append(f"{start} {i}")
                        start = i + 1
                lines.append(f"T{n}\t{kind} {';'.join(fragments)}\t{span.text.replace(chr(10), ' ')}")
                if span.kind == "claim":
                    claim_ids[span.annotation.id] = f"T{n}"
            inside = [link for link in collected.links if link.source_id in claim_ids and link.target_id in claim_ids]
            for r, link in enumerate(inside, start=1):
                lines.append(f"R{r}\t{link.kind} Arg1:{claim_ids[link.source_id]} Arg2:{claim_ids[link.target_id]}")
            built.files[f"{split}/{doc.doc_id}.txt"] = doc.text.encode("utf-8")
            built.files[f"{split}/{doc.doc_id}.ann"] = ("\n".join(lines) + ("\n" if lines else "")).encode("utf-8")
    conf = (
        "[entities]\n"
        + "\n".join(sorted(types))
        + "\n\n[relations]\nsame_metric\tArg1:<ENTITY>, Arg2:<ENTITY>\nrepeats\tArg1:<ENTITY>, Arg2:<ENTITY>\ncontradicts\tArg1:<ENTITY>, Arg2:<ENTITY>\n\n[events]\n\n[attributes]\n"
    )
    built.files["annotation.conf"] = conf.encode("utf-8")
    built.problems = errors
    return built


@export_format(
    "cluener",
    unit="code points, end inclusive",
    flat=True,
    with_claims=False,
    files='`train.json` …: `{"text", "label": {type: {entity: [[start, end]]}}}` per sentence',
    offsets="code points, **end inclusive**",
)
def build_cluener(docs: list[Document], collected: Collected, options: dict[str, Any]) -> Built:
    built, errors = Built({}), list[str]()
    notes = built.counts.setdefault("notes", [])
    for split, chosen in _by_split(docs).items():
        rows = []
        for doc in chosen:
            for s, e, spans in sentence_units(doc, notes):
                text = doc.text[s:e]
                if not text.strip():
                    continue
                label: dict[str, dict[str, list[list[int]]]] = {}
                for span in spans:
                    a, b = span.start - s, span.end - s - 1  # inclusive end
                    _check(errors, doc.doc_id, text, a, b + 1, span.text)
                    label.setdefault(span.label, {}).setdefault(span.text, []).append([a, b])
                rows.append({"text": text, "label": label})
        built.files[f"{split}.json"] = _jsonl(rows)
    built.problems = errors
    return built


def threads(collected: Collected) -> list[list[int]]:
    """Claims joined by same-metric links, as lists of annotation ids (connected components)."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for link in collected.links:
        if link.kind == "same_metric":
            parent[find(link.source_id)] = find(link.target_id)
    groups: dict[int, list[int]] = {}
    for x in list(parent):
        groups.setdefault(find(x), []).append(x)
    return sorted((sorted(g) for g in groups.values()), key=lambda g: g[0])


@export_format(
    "claims",
    unit="code points into the sentence, end exclusive",
    flat=False,
    with_claims=True,
    files="`train.jsonl` …: one row per sentence (is_claim, type, normalised attributes; unclaimed sentences of finished releases are negatives) + `threads.csv`",
    offsets="code points into the sentence",
)
def build_claims(docs: list[Document], collected: Collected, options: dict[str, Any]) -> Built:
    built, errors = Built({}), list[str]()
    keys = ("subject_text", "metric", "value", "unit", "qualifier", "approach", "as_of", "speaker")
    for split, chosen in _by_split(docs).items():
        rows = []
        for doc in chosen:
            for n, (s, e) in enumerate(doc.sentences):
                sentence = doc.text[s:e]
                claims = [c for c in doc.claims if c.start < e and s < c.end]
                if not claims and doc.release.status != "done":
                    continue  # unclaimed sentences are negatives only in finished releases
                for claim in claims or [None]:  # type: ignore[list-item]
                    row: dict[str, Any] = {
                        "id": f"{doc.doc_id}-{n}",
                        "sentence": sentence,
                        "is_claim": claim is not None,
                    }
                    if claim is not None:
                        a, b = max(claim.start, s) - s, min(claim.end, e) - s
                        _check(errors, doc.doc_id, sentence, a, b, doc.text[s + a : s + b])
                        attrs = claim.annotation.attributes
                        row.update(claim_type=claim.label, claim_start=a, claim_end=b, claim_text=sentence[a:b],
                                   attributes={k: attrs.get(k) for k in keys})  # fmt: skip
                    else:
                        row.update(claim_type=None)
                    rows.append(row)
        built.files[f"{split}.jsonl"] = _jsonl(rows)
    by_id = {a.id: (r, a) for r in collected.releases for a in collected.annotations.get(r.id, [])}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["thread", "subject", "metric", "release", "release_title", "date", "value", "unit", "qualifier", "claim_text"]
    )
    for n, members in enumerate(threads(collected), start=1):
        rows_ = sorted(
            (by_id[i] for i in members if i in by_id), key=lambda ra: ra[1].attributes.get("as_of") or ra[0].date or ""
        )
        for release, linked in rows_:
            at = linked.attributes
            writer.writerow([n, at.get("subject_text") or "", at.get("metric") or "", release.content_hash[:16], release.title,
                             at.get("as_of") or release.date or "", "" if at.get("value") is None else at["value"],
                             at.get("unit") or "", at.get("qualifier") or "", linked.text])  # fmt: skip
    built.files["threads.csv"] = out.getvalue().encode("utf-8")
    built.problems = errors
    return built


def label_distribution(docs: list[Document], with_claims: bool) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for doc in docs:
        counts.update(s.label for s in doc.entities)
        if with_claims:
            counts.update(s.label for s in doc.claims)
    return dict(sorted(counts.items()))
