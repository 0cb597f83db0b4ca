"""Personal-data redaction for exports: e-mail addresses and phone numbers (tagged with a pii label
or found by ``annotate.pii``, full-width and obfuscated forms included) and people tagged in
media-contact blocks are replaced by a placeholder, the same one for the same string everywhere
in the export ([EMAIL_1], [PERSON_2]). A string redacted in one release is redacted wherever it
occurs in every release of its group (its versions in other scripts and conversions), matched
script-folded. Every span is moved to the new text. Headless: no UI code.
"""

from __future__ import annotations

import re
from dataclasses import replace

from hkpr_tui.annotate.pii import find_pii
from hkpr_tui.export.dataset import Document, Span
from hkpr_tui.script import fold

MEDIA_CONTACT = re.compile(
    r"傳媒查詢|传媒查询|媒體查詢|媒体查询|傳媒聯絡|传媒联络|傳媒垂詢|传媒垂询|Media [Ee]nquir|Media [Cc]ontact"
)


def _folded(text: str) -> str:
    folded = fold(text)
    return folded if len(folded) == len(text) else text


class Redactor:
    def __init__(self, pii_labels: set[str]) -> None:
        self.pii_labels = pii_labels
        self.placeholders: dict[tuple[str, str], str] = {}
        self.counts: dict[str, int] = {}
        self.replaced = 0
        self.by_group: dict[str, dict[str, str]] = {}  # group key → folded string → kind

    def prepare(self, docs: list[Document]) -> None:
        """Learn every string to redact in each release group, before any document is redacted."""
        for doc in docs:
            strings = self.by_group.setdefault(doc.group_key, {})
            folded = _folded(doc.text)
            for s, e, kind in self._own_regions(doc):
                if e - s >= 2:
                    strings.setdefault(folded[s:e], kind)

    def placeholder(self, kind: str, text: str) -> str:
        key = (kind, _folded(text))
        if key not in self.placeholders:
            self.counts[kind] = self.counts.get(kind, 0) + 1
            self.placeholders[key] = f"[{kind}_{self.counts[kind]}]"
        return self.placeholders[key]

    def _own_regions(self, doc: Document) -> list[tuple[int, int, str]]:
        """What this document itself marks as personal: pii tags, rule finds, media contacts."""
        found: list[tuple[int, int, str]] = [
            (s.start, s.end, s.label) for s in doc.entities if s.label in self.pii_labels
        ]
        found += [(f.start, f.end, f.kind) for f in find_pii(doc.text)]
        contact = MEDIA_CONTACT.search(doc.text)
        if contact:
            found += [
                (s.start, s.end, "PERSON") for s in doc.entities if s.label == "PERSON" and s.start >= contact.start()
            ]
        return found

    def regions(self, doc: Document) -> list[tuple[int, int, str]]:
        found: dict[tuple[int, int], str] = {}
        for s, e, kind in self._own_regions(doc):
            found.setdefault((s, e), kind)
        folded = _folded(doc.text)
        for string, kind in self.by_group.get(doc.group_key, {}).items():  # the group's other versions
            at = folded.find(string)
            while at >= 0:
                found.setdefault((at, at + len(string)), kind)
                at = folded.find(string, at + 1)
        out, last = [], -1
        for (s, e), kind in sorted(found.items(), key=lambda item: (item[0][0], -item[0][1])):
            if s >= last:  # overlapping finds: the first (the longest of those starting together) wins
                out.append((s, e, kind))
                last = e
        return out

    def __call__(self, doc: Document) -> Document:
        regions = self.regions(doc)
        if not regions:
            return doc
        pieces, mapping, pos, shift = [], [], 0, 0
        for s, e, kind in regions:
            pieces.append(doc.text[pos:s])
            new = self.placeholder(kind, doc.text[s:e])
            pieces.append(new)
            mapping.append((s, e, s + shift, s + shift + len(new)))
            shift += len(new) - (e - s)
            pos = e
            self.replaced += 1
        pieces.append(doc.text[pos:])
        text = "".join(pieces)

        def move(p: int, is_end: bool) -> int:
            """Where position ``p`` lands: shifted past earlier regions; inside one, its edge."""
            delta = 0
            for s, e, ns, ne in mapping:
                if p <= s:
                    return p + delta
                if p < e:
                    return ne if is_end else ns
                delta = ne - e
            return p + delta

        def moved(span: Span) -> Span:
            s, e = move(span.start, False), move(span.end, True)
            return Span(s, e, span.label, text[s:e], span.kind, span.annotation)

        return replace(
            doc,
            text=text,
            entities=[moved(s) for s in doc.entities],
            claims=[moved(s) for s in doc.claims],
            sentences=[(move(s, False), move(e, True)) for s, e in doc.sentences],
        )
