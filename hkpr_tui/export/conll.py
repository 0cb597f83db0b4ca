"""CoNLL-style tagged files (``import-annotations --format conll``, alias ``bio``), read as tasks.

One token per line: the token in the first column, its tag in the last, tab or space separated;
a blank line ends a sentence. Character-per-line files (MSRA, People's Daily, hkpr's own ``bio``
export) and token-per-line files (CoNLL-2003) are both read: single characters are joined as
they are, longer tokens with a space between two that are not Chinese. Weibo NER's position
digits (``大0``, ``学1``) are stripped when every token of a file carries one.

Tag schemes: BIO (= IOB2), IOB1, BIOES, BMES and BILOU, detected from the prefixes a file uses or
given (``--scheme``). Label suffixes are kept (``B-PER.NAM`` is the label ``PER.NAM``). Every
scheme but IOB1 is strict: an ``I-`` (``M-``, ``E-``, ``L-``) that does not continue an entity
of its label is an error naming the line. A line with another number of columns than the file's
first token line is an error naming the line.

Each sentence becomes a task (a release of its own), unless the file has document separators
(``-DOCSTART-`` lines, or ``# newdoc`` comments): then each document is one task, its sentences
on lines of their own, and the release keeps the file's sentence boundaries.

Headless: no UI code, no SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hkpr_tui.export.records import MAX_TEXT, RecordError, Task, label_name

SCHEMES = ("auto", "bio", "iob2", "iob1", "bioes", "bmes", "bilou")
"""``--scheme`` choices: auto detects from the prefixes a file uses; iob2 is bio."""
PREFIXES = {
    "bio": "BI",
    "iob2": "BI",
    "iob1": "BI",
    "bioes": "BIES",
    "bmes": "BMES",
    "bilou": "BILU",
}
_TAG = re.compile(r"([A-Z])-(.+)")
_POSITION = re.compile(r"(.)(\d+)", re.DOTALL)
_COMMENT = re.compile(r"# \S+ = ")  # CoNLL-U comment lines (# sent_id = …, # text = …)
_START_SINGLE = "SU"  # one-token entities
_INSIDE = "IMEL"  # continue an entity
_END = "EL"  # close it


@dataclass
class _Token:
    line: int
    token: str
    tag: str


@dataclass
class _Sentence:
    line: int
    tokens: list[_Token] = field(default_factory=list)
    error: RecordError | None = None


@dataclass
class _Document:
    line: int
    sentences: list[_Sentence] = field(default_factory=list)


@dataclass
class _Found:
    start: int
    end: int
    label: str
    line: int


def line_error(number: int, problem: str) -> RecordError:
    """A RecordError that reads "line N: problem" (a line is this format's field)."""
    error = RecordError(f"line {number}", problem)
    error.args = (f"line {number}: {problem}",)
    return error


@dataclass
class ConllFile:
    """What one file yields: (where, task or the error of that sentence/document), and notes."""

    records: list[tuple[str, Task | RecordError]]
    notes: list[str]
    scheme: str


def _is_cjk(char: str) -> bool:
    return ord(char) >= 0x2E80


def _parse(raw: str) -> tuple[list[_Document], bool]:
    """Documents of sentences of tokens; a line with a bad column count marks its sentence bad."""
    documents = [_Document(1)]
    has_separators = False
    sentence: _Sentence | None = None
    columns: int | None = None
    for number, line in enumerate(raw.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            sentence = None
            continue
        cells = line.split("\t") if "\t" in line else line.split()
        if cells[0] == "-DOCSTART-" or line.startswith("# newdoc"):
            has_separators = True
            sentence = None
            if documents[-1].sentences:
                documents.append(_Document(number))
            else:
                documents[-1].line = number
            continue
        if _COMMENT.match(line):
            continue
        if sentence is None:
            sentence = _Sentence(number)
            documents[-1].sentences.append(sentence)
        if sentence.error is not None:
            continue
        if len(cells) < 2:
            sentence.error = line_error(
                number, "has one column; a token and its tag (tab or space separated) are needed"
            )
            continue
        if columns is None:
            columns = len(cells)
        elif len(cells) != columns:
            sentence.error = line_error(number, f"has {len(cells)} columns; the file's first token line has {columns}")
            continue
        token, tag = cells[0], cells[-1].strip()
        if not token:
            sentence.error = line_error(number, "has an empty token")
            continue
        sentence.tokens.append(_Token(number, token, tag))
    return [d for d in documents if d.sentences], has_separators


def _detect(prefixes: set[str]) -> str:
    if prefixes & set("LU"):
        return "bilou"
    if "M" in prefixes:
        return "bmes"
    if prefixes & set("ES"):
        return "bioes"
    return "bio"


def _sentence_text(tokens: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """The sentence's text and each token's (start, end) in it."""
    text, offsets = "", []
    for n, token in enumerate(tokens):
        if n and len(token) + len(tokens[n - 1]) > 2 and not _is_cjk(tokens[n - 1][-1]) and not _is_cjk(token[0]):
            text += " "
        offsets.append((len(text), len(text) + len(token)))
        text += token
    return text, offsets


def _spans(sentence: _Sentence, offsets: list[tuple[int, int]], scheme: str, base: int) -> list[_Found]:
    """Decode the tags of one sentence into spans (offsets from ``base``); RecordError on a bad tag."""
    allowed = PREFIXES[scheme]
    strict = scheme != "iob1"
    spans: list[_Found] = []
    open_: _Found | None = None
    for token, (s, e) in zip(sentence.tokens, offsets):
        if token.tag == "O":
            open_ = None
            continue
        m = _TAG.fullmatch(token.tag)
        if not m:
            raise line_error(token.line, f"tag {token.tag[:40]!r} is neither O nor PREFIX-LABEL (B-ORG, I-PER.NAM)")
        prefix, label = m.groups()
        if prefix not in allowed:
            raise line_error(
                token.line,
                f"tag {token.tag[:40]!r}: {prefix}- is not a {scheme.upper()} prefix ({'/'.join(allowed)} and O)"
                + ("" if scheme == "auto" else "; --scheme auto detects the file's scheme"),
            )
        try:
            label_name(label, "")
        except RecordError as exc:
            raise line_error(token.line, f"tag {token.tag[:40]!r}: {str(exc).partition(': ')[2]}") from None
        continues = prefix in _INSIDE and open_ is not None and open_.label == label
        if prefix in _INSIDE and not continues and strict:
            before = f"{open_.label} (from line {open_.line})" if open_ is not None else "O"
            raise line_error(
                token.line,
                f"{token.tag} follows {before}: an entity starts with B- ({scheme.upper()} is strict; "
                "--scheme iob1 reads I- after O as a start)",
            )
        if continues and open_ is not None:
            open_.end = base + e
        else:
            open_ = _Found(base + s, base + e, label, token.line)
            spans.append(open_)
        if prefix in _END or prefix in _START_SINGLE:
            open_ = None
    return spans


def read_conll(raw: str, file_name: str, *, scheme: str = "auto") -> ConllFile:
    """Every sentence (or document) of a CoNLL file as a task, or the error naming its line."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}; choose one of {', '.join(SCHEMES)}")
    documents, has_separators = _parse(raw)
    tokens = [t for d in documents for s in d.sentences for t in s.tokens]
    notes: list[str] = []
    if tokens and all(len(t.token) > 1 and _POSITION.fullmatch(t.token) for t in tokens):
        for t in tokens:
            t.token = t.token[0]
        notes.append(f"{file_name}: word-position digits after each character (Weibo NER: 大0, 学1) stripped")
    if scheme == "auto":
        prefixes = {m.group(1) for t in tokens if (m := _TAG.fullmatch(t.tag))}
        scheme = _detect(prefixes)
    scheme = "bio" if scheme == "iob2" else scheme
    records: list[tuple[str, Task | RecordError]] = []
    groups = (
        [(f"{file_name}, document {n} (line {d.line})", d.sentences) for n, d in enumerate(documents, start=1)]
        if has_separators
        else [
            (f"{file_name}, sentence {n} (line {s.line})", [s])
            for n, s in enumerate((s for d in documents for s in d.sentences), start=1)
        ]
    )
    for where, sentences in groups:
        try:
            records.append((where, _task(where, sentences, scheme)))
        except RecordError as exc:
            records.append((where, exc))
    return ConllFile(records, notes, scheme)


def _task(where: str, sentences: list[_Sentence], scheme: str) -> Task:
    text, spans, bounds = "", list[_Found](), list[tuple[int, int]]()
    for sentence in sentences:
        if sentence.error is not None:
            raise sentence.error
        if text:
            text += "\n"
        sentence_text, offsets = _sentence_text([t.token for t in sentence.tokens])
        for found in _spans(sentence, offsets, scheme, len(text)):
            spans.append(found)
        bounds.append((len(text), len(text) + len(sentence_text)))
        text += sentence_text
        if len(text) > MAX_TEXT:
            raise line_error(sentence.line, f"the text is longer than {MAX_TEXT:,} characters")
    if not text.strip():
        raise line_error(sentences[0].line, "the sentence has no characters but white space")
    out = []
    for found in spans:
        out.append({
            "start": found.start, "end": found.end, "label": found.label, "kind": "entity", "unit": "code points",
            "text": text[found.start : found.end], "annotator": None, "attributes": {}, "created_at": None,
            "updated_at": None, "field": f"line {found.line}",
        })  # fmt: skip
    return Task(text, out, {"status": "done", "sentences": bounds}, where=where)
