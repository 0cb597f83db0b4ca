"""Personal-data redaction for exports: e-mail addresses and phone numbers (tagged with a pii label
or found by the suggestion rules) and people tagged in media-contact blocks are replaced by a
placeholder, the same one for the same string everywhere in the export ([EMAIL_1], [PERSON_2]).
Every span is moved to the new text. Headless: no UI code.
"""

from __future__ import annotations

import re
from dataclasses import replace

from hkpr_tui.annotate.suggest import EMAIL, PHONE
from hkpr_tui.export.dataset import Document, Span

MEDIA_CONTACT = re.compile(r"傳媒查詢|传媒查询|媒體查詢|媒体查询|傳媒聯絡|传媒联络|傳媒垂詢|传媒垂询|Media [Ee]nquir|Media [Cc]ontact")


class Redactor:
    def __init__(self, pii_labels: set[str]) -> None:
        self.pii_labels = pii_labels
        self.placeholders: dict[tuple[str, str], str] = {}
        self.counts: dict[str, int] = {}
        self.replaced = 0

    def placeholder(self, kind: str, text: str) -> str:
        key = (kind, text)
        if key not in self.placeholders:
            self.counts[kind] = self.counts.get(kind, 0) + 1
            self.placeholders[key] = f"[{kind}_{self.counts[kind]}]"
        return self.placeholders[key]

    def regions(self, doc: Document) -> list[tuple[int, int, str]]:
        found: dict[tuple[int, int], str] = {}
        for span in doc.entities:
            if span.label in self.pii_labels:
                found[(span.start, span.end)] = span.label
        for pattern, kind in ((EMAIL, "EMAIL"), (PHONE, "PHONE")):
            for m in pattern.finditer(doc.text):
                found.setdefault((m.start(), m.end()), kind)
        contact = MEDIA_CONTACT.search(doc.text)
        if contact:
            for span in doc.entities:
                if span.label == "PERSON" and span.start >= contact.start():
                    found[(span.start, span.end)] = "PERSON"
        out, last = [], -1
        for (s, e), kind in sorted(found.items()):
            if s >= last:  # overlapping finds: the first wins
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
