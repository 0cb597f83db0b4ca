"""What every table, view and column of the database holds, in one place: ``docs/schema.md`` and
``hkpr schema --datasette`` (a Datasette ``metadata.json``) are written from it, and
``tests/test_interop.py`` checks that it names every table and column of a migrated database.
No SQL here (``Store.schema_objects`` reads the live schema)."""

from __future__ import annotations

from typing import Any

Described = tuple[str, dict[str, str]]
"""(what the table or view holds, column → what it holds)."""

_ANNOTATION_TIMES = {
    "created_at": "when the tag was made (ISO 8601, UTC)",
    "updated_at": "when it was last changed",
}
_RELEASE = {
    "release_id": "the release (`releases.id`)",
    "release_title": "the release's title",
    "release_date": "the release's date (ISO 8601), NULL when the text gives none",
    "release_organisation": "the organisation that issued the release, NULL when unknown",
}

TABLES: dict[str, Described] = {
    "release_groups": (
        "One row per group of versions of a release (another script, another conversion, small edits).",
        {"id": "the group's id", "key": "hash of the first version's script-folded text; names the group"},
    ),
    "releases": (
        "One row per imported text. Every offset in the database refers to `text` (Unicode code points, end exclusive).",
        {
            "id": "the release's id",
            "group_id": "its group of versions (`release_groups.id`)",
            "title": "the title (front matter, `<h1>`, feed title, else first heading or short line)",
            "organisation": "the issuer, NULL when no trusted source names one",
            "date": "ISO 8601 date from the dateline, front matter or feed, NULL when none",
            "kind": "press release, news article or feed item",
            "script": "hant, hans or mixed",
            "source": "the file (and feed link) it was imported from",
            "encoding": "the encoding the file was decoded from",
            "content_hash": "sha256 of `text`; unique: the same text is never stored twice",
            "status": "todo, in progress or done (exports take done releases by default)",
            "status_version": "time|origin|seq of its last status change: a merge keeps the later one (m006)",
            "raw_text": "the text as decoded, before cleaning",
            "text": "the canonical text: cleaned, paragraphs separated by a blank line",
            "imported_at": "when it was imported (ISO 8601, UTC)",
        },
    ),
    "paragraphs": (
        "Paragraphs of each release's canonical text.",
        {
            "release_id": "the release",
            "idx": "the paragraph's position in the release, from 0",
            "start": "first code point",
            "end": "code point after the last (end exclusive)",
            "kind": "what the paragraph is (body, heading, caption, …)",
            "repeat_of": "idx of the earlier paragraph it repeats verbatim, else NULL",
        },
    ),
    "sentences": (
        "Sentences of each release's canonical text (exports split by them).",
        {
            "release_id": "the release",
            "idx": "the sentence's position in the release, from 0",
            "paragraph": "idx of its paragraph",
            "start": "first code point",
            "end": "code point after the last (end exclusive)",
        },
    ),
    "labels": (
        "The labels of entities and claim types (from labels.toml, the user's file, or added by an import).",
        {
            "name": "the label (letters, digits, _, - and . between letters; at most 40)",
            "kind": "entity or claim",
            "key": "the reader's key for it, NULL when none",
            "colour": "#rrggbb",
            "description": "what it is for",
            "position": "its place in lists and exports",
            "pii": "1 when it marks personal data (redacted by export --redact-pii)",
        },
    ),
    "sessions": (
        "Annotation sessions: one per annotator per start of the app.",
        {
            "id": "the session's id",
            "annotator": "who",
            "started_at": "when it started",
            "ended_at": "when it ended, NULL while open or if the app was killed",
            "actions": "how many actions it made",
        },
    ),
    "annotations": (
        "Every tag: entities and claims, accepted, suggested (rules, imported predictions) or rejected. Deletions are soft.",
        {
            "id": "the tag's id",
            "release_id": "its release",
            "kind": "entity or claim",
            "label": "the label or claim type (`labels.name`)",
            "start": "first code point in the release's canonical text",
            "end": "code point after the last (end exclusive)",
            "text": "the text it covers, so drift is detectable",
            "status": "accepted (gold), suggested (never exported until accepted) or rejected (not proposed again)",
            "attributes": "JSON: claim subject, metric, value, unit, qualifier, as_of, speaker, note; "
            "suggested_by (rule or model:VERSION); relations kept from an import",
            "annotator": "who made it",
            "session_id": "the session that made it, NULL for imports and merges",
            **_ANNOTATION_TIMES,
            "deleted_at": "when it was deleted, NULL while live",
            "uid": "its stable id across databases (origin:seq of the event that made it; `legacy:…` for older rows)",
            "version": "time|origin|seq of its last change: a merge keeps the later version of a tag (m006)",
        },
    ),
    "links": (
        "Links between claims: same metric, repeats, contradicts. Deletions are soft.",
        {
            "id": "the link's id",
            "source_id": "the claim it starts from (`annotations.id`)",
            "target_id": "the claim it points to",
            "kind": "same_metric, repeats or contradicts",
            "annotator": "who made it",
            "created_at": "when",
            "deleted_at": "when it was deleted, NULL while live",
            "uid": "its stable id across databases",
            "version": "time|origin|seq of its last change: a merge keeps the later version (m006)",
        },
    ),
    "events": (
        "Append-only log of every action (triggers refuse updates and deletes).",
        {
            "id": "the event's id",
            "at": "when",
            "annotator": "who",
            "session_id": "the session, NULL outside the app",
            "action": "import, tag, edit, delete, accept, link, status, merge, …",
            "entity": "the table the action touched",
            "entity_id": "the row it touched",
            "payload": "JSON: before and after, enough to undo; `state`: the row after the change, by stable ids",
            "origin": "the id of the database that logged it (`replica.id` there); with seq, its stable id",
            "seq": "its sequence number in that database",
            "uid": "the stable id of the row it touched (`annotations.uid`, `links.uid`, or a release's content hash)",
        },
    ),
    "replica": (
        "One row: this database's origin id for its events' stable ids (m006); a copy of the file draws its own.",
        {
            "id": "the origin id (16 hex digits)",
            "path": "the file the id was drawn for",
            "next_seq": "the sequence number of the next event logged here",
        },
    ),
    "release_fts": (
        "FTS5 trigram index over each release's script-folded (Simplified) title and text; rowid is `releases.id`. "
        "Search it in Simplified characters, at least three per term.",
        {"title": "the folded title", "body": "the folded canonical text"},
    ),
    "release_fts_config": ("FTS5's own configuration of `release_fts`.", {"k": "key", "v": "value"}),
    "release_fts_content": (
        "FTS5's copy of the indexed columns of `release_fts`.",
        {"id": "rowid (`releases.id`)", "c0": "the folded title", "c1": "the folded text"},
    ),
    "release_fts_data": ("FTS5's index data of `release_fts`.", {"id": "block id", "block": "index block"}),
    "release_fts_docsize": ("FTS5's token counts per row of `release_fts`.", {"id": "rowid", "sz": "sizes"}),
    "release_fts_idx": (
        "FTS5's segment index of `release_fts`.",
        {"segid": "segment", "term": "first term", "pgno": "page"},
    ),
    "release_terms": (
        "The trigrams of `release_fts`, one row each (an FTS5 `fts5vocab` table, read-only; m009): search finds "
        "the trigrams that start with a term of one or two characters as a range of them.",
        {
            "term": "a trigram, as the index holds it (case folded)",
            "doc": "rows of `release_fts` that hold it",
            "cnt": "its occurrences in all of them",
        },
    ),
    "release_ends": (
        "The last two characters of each release's folded title and text, together and each alone, lower-cased "
        "for ASCII (m009): where a search term of one or two characters can occur without starting a trigram.",
        {"key": "one or two characters (indexed)", "release_id": "the release"},
    ),
    "release_signatures": (
        "MinHash signature of each release's text, for grouping versions (m003).",
        {"release_id": "the release", "signature": "the signature (bytes)"},
    ),
    "release_bands": (
        "LSH band keys of each release's signature: releases that share one are compared.",
        {"band": "the band's key", "release_id": "the release"},
    ),
    "known_strings": (
        "Every tagged string (accepted, live entities), script-folded, with its label and how many tags it has: "
        "a release's suggestions read only the strings whose first two characters occur in it (m005).",
        {
            "folded": "the tagged text, folded to Simplified (the same length)",
            "label": "the label it was tagged with",
            "key": "its first two folded characters (indexed)",
            "n": "live accepted entity tags with this text and label",
        },
    ),
    "assignments": (
        "Who is to annotate which release: `hkpr assign` deals releases (versions of one release together) "
        "to annotators; `hkpr pack NAME` hands one annotator's releases over; the library's my queue (m007).",
        {
            "release_id": "the release",
            "annotator": "who is to annotate it",
            "assigned_at": "when it was assigned (ISO 8601, UTC)",
            "assigned_by": "who assigned it",
        },
    ),
    "settings": (
        "Settings a database carries with it: `keymap` (JSON, binding id → keys) is the keymap of whoever "
        "ran `hkpr pack`; the app applies it under the user's own config.toml keymap (m007).",
        {"name": "the setting (keymap)", "value": "its value, as JSON"},
    ),
    "_sqlite_migrations": (
        "The schema migrations this database has had (sqlite-utils).",
        {
            "id": "row id",
            "migration_set": "hkpr",
            "name": "the migration (m001_initial, …)",
            "applied_at": "when it was applied",
        },
    ),
}

VIEWS: dict[str, Described] = {
    "accepted_entities": (
        "Live accepted entities (what exports take), with their release and label.",
        {
            "id": "the tag (`annotations.id`)",
            **_RELEASE,
            "label": "the label",
            "label_description": "the label's description",
            "start": "first code point",
            "end": "code point after the last",
            "text": "the text it covers",
            "annotator": "who made it",
            **_ANNOTATION_TIMES,
        },
    ),
    "claim_facts": (
        "Live accepted claims with their attributes as columns.",
        {
            "id": "the claim (`annotations.id`)",
            **_RELEASE,
            "claim_type": "STATISTIC, STATUS, PLAN, COMPARISON, OPINION (or another claim label)",
            "start": "first code point",
            "end": "code point after the last",
            "text": "the claim's text",
            "subject": "who or what the claim is about",
            "metric": "what is measured",
            "value": "the normalised figure",
            "unit": "its unit (HKD, %, 人次, …)",
            "qualifier": "> < ≈ and the like: over, under, about",
            "as_of": "the date the figure is for (ISO 8601)",
            "speaker": "who said it",
            "note": "the annotator's note",
            "annotator": "who tagged it",
            **_ANNOTATION_TIMES,
        },
    ),
    "claim_links": (
        "Live links between live accepted claims, with both ends.",
        {
            "id": "the link (`links.id`)",
            "kind": "same_metric, repeats or contradicts",
            "source_id": "the claim it starts from",
            "source_release_id": "that claim's release",
            "source_text": "that claim's text",
            "target_id": "the claim it points to",
            "target_release_id": "that claim's release",
            "target_text": "that claim's text",
            "annotator": "who linked them",
            "created_at": "when",
        },
    ),
    "claim_threads": (
        "Claim threads: claims joined by same-metric links, as in the claims export's threads.csv.",
        {
            "thread": "the thread, named by its smallest claim id",
            "claim_id": "the claim",
            **_RELEASE,
            "claim_type": "the claim type",
            "subject": "who or what the claim is about",
            "metric": "what is measured",
            "value": "the normalised figure",
            "unit": "its unit",
            "qualifier": "over, under, about",
            "as_of": "the date the figure is for",
            "text": "the claim's text",
        },
    ),
    "label_usage": (
        "Every label (of the labels table, and any other a live tag uses) with how many live tags use it; "
        "key, colour, description, pii and position are NULL for a label the labels table does not have.",
        {
            "name": "the label",
            "kind": "entity or claim",
            "key": "the reader's key",
            "colour": "#rrggbb",
            "description": "what it is for",
            "pii": "1 for personal data",
            "position": "its place in lists",
            "accepted": "live accepted tags",
            "suggested": "live suggestions",
            "rejected": "rejected suggestions",
        },
    ),
    "release_overview": (
        "Releases without their texts, with their group and tag counts. Full-text search: `release_fts`.",
        {
            "id": "the release (`releases.id`)",
            "title": "its title",
            "organisation": "its issuer",
            "date": "its date",
            "kind": "press release, news article or feed item",
            "script": "hant, hans or mixed",
            "status": "todo, in progress or done",
            "source": "the file it came from",
            "group_key": "its group of versions",
            "characters": "length of the canonical text in code points",
            "entities": "live accepted entities",
            "claims": "live accepted claims",
            "imported_at": "when it was imported",
        },
    ),
}

FTS = {"releases": ("release_fts", "id"), "release_overview": ("release_fts", "id")}
"""Tables and views Datasette offers full-text search on: (FTS table, the column its rowid is)."""


def describe(objects: list[tuple[str, str, list[str]]]) -> list[tuple[str, str, str, list[tuple[str, str]]]]:
    """(type, name, description, [(column, description)]) for each of ``objects`` (type, name,
    columns); KeyError names a table, view or column that is not described."""
    out = []
    for kind, name, columns in objects:
        described = (TABLES if kind == "table" else VIEWS).get(name)
        if described is None:
            raise KeyError(f"the {kind} {name} is not described in hkpr_tui/store/schema_doc.py")
        text, cols = described
        missing = [c for c in columns if c not in cols]
        if missing:
            raise KeyError(f"{name}: columns {', '.join(missing)} are not described in hkpr_tui/store/schema_doc.py")
        out.append((kind, name, text, [(c, cols[c]) for c in columns]))
    return out


def markdown(objects: list[tuple[str, str, list[str]]]) -> str:
    """docs/schema.md."""
    lines = [
        "# hkpr — the database",
        "",
        "hkpr keeps everything in one SQLite file (`./annotations.db` unless `--db`). This page is written",
        "from `hkpr_tui/store/schema_doc.py` by `hkpr schema` (the tests check it names every table and",
        "column of a migrated database). The schema is built by the migrations in `hkpr_tui/store/schema.py`;",
        "offsets are Unicode code points into `releases.text`, end exclusive. Only hkpr writes the tables;",
        "the views (migration m004) are for reading: `sqlite3 annotations.db 'SELECT * FROM claim_facts'`.",
        "",
        "Datasette: `hkpr schema --datasette --out metadata.json`, then",
        "`datasette annotations.db --metadata metadata.json` shows every table, view and column described,",
        "and offers full-text search on `releases` and `release_overview` (through `release_fts`; search in",
        "Simplified characters, since the index holds script-folded text, three or more per term).",
        "",
    ]
    for heading, kind in (("Views", "view"), ("Tables", "table")):
        lines += [f"## {heading}", ""]
        for _, name, text, columns in describe([o for o in objects if o[0] == kind]):
            lines += [f"### `{name}`", "", text, "", "| column | what it holds |", "|---|---|"]
            lines += [f"| `{c}` | {d} |" for c, d in columns]
            lines.append("")
    return "\n".join(lines)


def datasette_metadata(objects: list[tuple[str, str, list[str]]], database: str) -> dict[str, Any]:
    """A Datasette ``metadata.json`` describing every table, view and column of ``database``."""
    tables: dict[str, Any] = {}
    for _kind, name, text, columns in describe(objects):
        entry: dict[str, Any] = {"description": text, "columns": dict(columns)}
        if name in FTS:
            entry["fts_table"], entry["fts_pk"] = FTS[name]
        if name.startswith("release_fts_") or name == "_sqlite_migrations":
            entry["hidden"] = True
        tables[name] = entry
    return {
        "title": "hkpr annotations",
        "description": "Hong Kong press releases, their entities, claims and links, as annotated with hkpr. "
        "Offsets are code points into releases.text, end exclusive.",
        "databases": {database: {"tables": tables}},
    }
