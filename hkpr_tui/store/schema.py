"""The database schema, as an ordered set of migrations.

Add a new migration function at the end; never edit one that has shipped. A database that has
applied a migration this code does not know was written by a newer hkpr and is refused (see
``Store.open``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

from hkpr_tui.script import search_key_of_folded
from hkpr_tui.store.base import import_sqlite_utils, sqlite_utils_database

if TYPE_CHECKING:
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

MIGRATION_SET = "hkpr"
MIGRATIONS_TABLE = "_sqlite_migrations"
"""Where sqlite-utils records the migrations applied (``Migrations.migrations_table``): the store
reads it with plain SQL, so that checking a database's schema imports no sqlite-utils."""
KNOWN_MIGRATIONS: list[str] = []
_REGISTERED: list[Callable[[Database], None]] = []


def migration(fn: Callable[[Database], None]) -> Callable[[Database], None]:
    """Register ``fn`` as the next migration, remembering its name."""
    KNOWN_MIGRATIONS.append(fn.__name__)
    _REGISTERED.append(fn)
    return fn


@cache
def sqlite_utils_migrations() -> Migrations:
    """The migrations as a sqlite-utils ``Migrations`` set (made, and sqlite-utils imported, on
    first use: only a database that needs migrating needs it)."""
    import_sqlite_utils()
    from sqlite_utils.migrations import Migrations

    registered = Migrations(MIGRATION_SET)
    for fn in _REGISTERED:
        registered()(fn)
    return registered


def apply_migrations(conn: sqlite3.Connection) -> None:
    """Apply the pending migrations on ``conn`` (in the caller's transaction, as savepoints)."""
    sqlite_utils_migrations().apply(sqlite_utils_database(conn))


def __getattr__(name: str) -> Migrations:
    if name == "migrations":  # tests apply some of them, to make a database of an older schema
        return sqlite_utils_migrations()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@migration
def m001_initial(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE release_groups (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE            -- hash of the script-folded text
        );
        CREATE TABLE releases (
            id INTEGER PRIMARY KEY,
            group_id INTEGER NOT NULL REFERENCES release_groups(id),
            title TEXT NOT NULL,
            organisation TEXT,
            date TEXT,                          -- ISO 8601, NULL when the text gives none
            kind TEXT,                          -- 'press release' | 'news article' | NULL
            script TEXT NOT NULL CHECK (script IN ('hant', 'hans', 'mixed')),
            source TEXT NOT NULL,
            encoding TEXT NOT NULL,
            content_hash TEXT NOT NULL UNIQUE,  -- sha256 of the canonical text
            status TEXT NOT NULL DEFAULT 'todo' CHECK (status IN ('todo', 'in progress', 'done')),
            raw_text TEXT NOT NULL,
            text TEXT NOT NULL,                 -- canonical: every offset refers to it
            imported_at TEXT NOT NULL
        );
        CREATE INDEX releases_date ON releases(date);
        CREATE INDEX releases_organisation ON releases(organisation);
        CREATE INDEX releases_group ON releases(group_id);

        CREATE TABLE paragraphs (
            release_id INTEGER NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            kind TEXT NOT NULL,
            repeat_of INTEGER,                  -- idx of the earlier paragraph it repeats verbatim
            PRIMARY KEY (release_id, idx)
        ) WITHOUT ROWID;
        CREATE TABLE sentences (
            release_id INTEGER NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            paragraph INTEGER NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            PRIMARY KEY (release_id, idx)
        ) WITHOUT ROWID;

        CREATE TABLE labels (
            name TEXT PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('entity', 'claim')),
            key TEXT,
            colour TEXT,
            description TEXT,
            position INTEGER NOT NULL DEFAULT 0
        );

        CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            annotator TEXT NOT NULL,
            started_at TEXT NOT NULL,
            ended_at TEXT,
            actions INTEGER NOT NULL DEFAULT 0
        );

        CREATE TABLE annotations (
            id INTEGER PRIMARY KEY,
            release_id INTEGER NOT NULL REFERENCES releases(id),
            kind TEXT NOT NULL CHECK (kind IN ('entity', 'claim')),
            label TEXT NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL CHECK ("end" > start),
            text TEXT NOT NULL,                 -- the covered text, so drift is detectable
            status TEXT NOT NULL DEFAULT 'accepted' CHECK (status IN ('accepted', 'suggested', 'rejected')),
            attributes TEXT NOT NULL DEFAULT '{}',  -- JSON: claim subject, metric, value, unit, ...
            annotator TEXT NOT NULL,
            session_id INTEGER REFERENCES sessions(id),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            deleted_at TEXT                     -- deletions are soft, so they can be undone
        );
        CREATE INDEX annotations_release ON annotations(release_id, start);
        CREATE INDEX annotations_label ON annotations(label);

        CREATE TABLE links (
            id INTEGER PRIMARY KEY,
            source_id INTEGER NOT NULL REFERENCES annotations(id),
            target_id INTEGER NOT NULL REFERENCES annotations(id),
            kind TEXT NOT NULL CHECK (kind IN ('same_metric', 'repeats', 'contradicts')),
            annotator TEXT NOT NULL,
            created_at TEXT NOT NULL,
            deleted_at TEXT
        );
        CREATE INDEX links_source ON links(source_id);
        CREATE INDEX links_target ON links(target_id);

        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            annotator TEXT NOT NULL,
            session_id INTEGER REFERENCES sessions(id),
            action TEXT NOT NULL,               -- import, tag, edit, delete, accept, link, status, ...
            entity TEXT NOT NULL,               -- the table the action touched
            entity_id INTEGER,
            payload TEXT NOT NULL DEFAULT '{}'  -- JSON: before/after, enough to undo
        );
        CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
            BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
        CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
            BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;

        -- Full-text index over the script-folded (Simplified) title and text. Folding keeps
        -- lengths, so match offsets are canonical offsets. Trigram: any substring of 3+
        -- characters is indexed, which suits Chinese (no word segmentation needed).
        CREATE VIRTUAL TABLE release_fts USING fts5(title, body, tokenize = 'trigram');
        """
    )


@migration
def m002_annotation_indexes(db: Database) -> None:
    db.executescript(
        """
        ALTER TABLE labels ADD COLUMN pii INTEGER NOT NULL DEFAULT 0;
        -- live spans of one release, for the crossing check and the reader
        CREATE INDEX annotations_live ON annotations(release_id, kind, status, start) WHERE deleted_at IS NULL;
        -- every string tagged anywhere, for suggestions
        CREATE INDEX annotations_text ON annotations(kind, text, label) WHERE deleted_at IS NULL AND status = 'accepted';
        CREATE INDEX annotations_session ON annotations(session_id);
        CREATE INDEX releases_status ON releases(status);
        """
    )


@migration
def m003_near_duplicates(db: Database) -> None:
    db.executescript(
        """
        -- MinHash signatures and LSH band keys of each release's canonical text
        -- (hkpr_tui/corpus/neardup.py): a new release is compared only with releases that share
        -- a band, so near-duplicate versions are grouped without an all-pairs comparison.
        CREATE TABLE release_signatures (
            release_id INTEGER PRIMARY KEY REFERENCES releases(id) ON DELETE CASCADE,
            signature BLOB NOT NULL
        );
        CREATE TABLE release_bands (
            band INTEGER NOT NULL,
            release_id INTEGER NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
            PRIMARY KEY (band, release_id)
        ) WITHOUT ROWID;
        CREATE INDEX release_bands_release ON release_bands(release_id);
        """
    )


@migration
def m004_views(db: Database) -> None:
    db.executescript(
        """
        -- Views for people who query the database (sqlite3, Datasette): what the app and the
        -- exports read, joined and named. Read-only; docs/schema.md describes every column.

        -- live accepted entities, with their release and label
        CREATE VIEW accepted_entities AS
        SELECT a.id, a.release_id, r.title AS release_title, r.date AS release_date,
               r.organisation AS release_organisation, a.label, l.description AS label_description,
               a.start, a."end", a.text, a.annotator, a.created_at, a.updated_at
        FROM annotations a
        JOIN releases r ON r.id = a.release_id
        LEFT JOIN labels l ON l.name = a.label
        WHERE a.kind = 'entity' AND a.status = 'accepted' AND a.deleted_at IS NULL;

        -- live accepted claims, their attributes as columns
        CREATE VIEW claim_facts AS
        SELECT a.id, a.release_id, r.title AS release_title, r.date AS release_date,
               r.organisation AS release_organisation, a.label AS claim_type, a.start, a."end", a.text,
               json_extract(a.attributes, '$.subject_text') AS subject,
               json_extract(a.attributes, '$.metric') AS metric,
               json_extract(a.attributes, '$.value') AS value,
               json_extract(a.attributes, '$.unit') AS unit,
               json_extract(a.attributes, '$.qualifier') AS qualifier,
               json_extract(a.attributes, '$.as_of') AS as_of,
               json_extract(a.attributes, '$.speaker') AS speaker,
               json_extract(a.attributes, '$.note') AS note,
               a.annotator, a.created_at, a.updated_at
        FROM annotations a
        JOIN releases r ON r.id = a.release_id
        WHERE a.kind = 'claim' AND a.status = 'accepted' AND a.deleted_at IS NULL
          AND json_valid(a.attributes);

        -- live links between live claims, with both ends
        CREATE VIEW claim_links AS
        SELECT k.id, k.kind, k.source_id, s.release_id AS source_release_id, s.text AS source_text,
               k.target_id, t.release_id AS target_release_id, t.text AS target_text, k.annotator, k.created_at
        FROM links k
        JOIN annotations s ON s.id = k.source_id AND s.deleted_at IS NULL AND s.status = 'accepted'
        JOIN annotations t ON t.id = k.target_id AND t.deleted_at IS NULL AND t.status = 'accepted'
        WHERE k.deleted_at IS NULL;

        -- claim threads: claims joined by same-metric links (connected components, named by
        -- their smallest claim id), as the claims export's threads.csv
        CREATE VIEW claim_threads AS
        WITH RECURSIVE
          edges(a, b) AS (
            SELECT source_id, target_id FROM claim_links WHERE kind = 'same_metric'
            UNION SELECT target_id, source_id FROM claim_links WHERE kind = 'same_metric'
          ),
          reach(claim_id, member_id) AS (
            SELECT a, a FROM edges
            UNION SELECT r.claim_id, e.b FROM reach r JOIN edges e ON e.a = r.member_id
          ),
          threads(claim_id, thread) AS (SELECT claim_id, MIN(member_id) FROM reach GROUP BY claim_id)
        SELECT t.thread, f.id AS claim_id, f.release_id, f.release_title, f.release_date, f.claim_type, f.subject,
               f.metric, f.value, f.unit, f.qualifier, f.as_of, f.text
        FROM threads t JOIN claim_facts f ON f.id = t.claim_id;

        -- every label (those of the labels table, and any other a tag uses) with how much it is used
        CREATE VIEW label_usage AS
        SELECT n.name, COALESCE(l.kind, (SELECT a.kind FROM annotations a WHERE a.label = n.name LIMIT 1)) AS kind,
               l.key, l.colour, l.description, l.pii, l.position,
               (SELECT count(*) FROM annotations a WHERE a.label = n.name AND a.deleted_at IS NULL AND a.status = 'accepted') AS accepted,
               (SELECT count(*) FROM annotations a WHERE a.label = n.name AND a.deleted_at IS NULL AND a.status = 'suggested') AS suggested,
               (SELECT count(*) FROM annotations a WHERE a.label = n.name AND a.deleted_at IS NULL AND a.status = 'rejected') AS rejected
        FROM (SELECT name FROM labels UNION SELECT label FROM annotations WHERE deleted_at IS NULL) n
        LEFT JOIN labels l ON l.name = n.name;

        -- releases without their texts, with their group and tag counts
        CREATE VIEW release_overview AS
        SELECT r.id, r.title, r.organisation, r.date, r.kind, r.script, r.status, r.source, g.key AS group_key,
               length(r.text) AS characters,
               (SELECT count(*) FROM annotations a WHERE a.release_id = r.id AND a.kind = 'entity' AND a.status = 'accepted' AND a.deleted_at IS NULL) AS entities,
               (SELECT count(*) FROM annotations a WHERE a.release_id = r.id AND a.kind = 'claim' AND a.status = 'accepted' AND a.deleted_at IS NULL) AS claims,
               r.imported_at
        FROM releases r JOIN release_groups g ON g.id = r.group_id;
        """
    )


@migration
def m005_known_strings(db: Database) -> None:
    """Every string tagged (accepted, live entities) by its script-folded text and label, with a
    count, keyed by its first two folded characters: suggestions for a release read only the
    strings whose first two characters occur in it, whatever the database's size."""
    from hkpr_tui.script import fold

    db.executescript(
        """
        CREATE TABLE known_strings (
            folded TEXT NOT NULL,               -- the tagged text, script-folded
            label TEXT NOT NULL,
            key TEXT NOT NULL,                  -- its first two folded characters
            n INTEGER NOT NULL,                 -- live accepted tags with this text and label
            PRIMARY KEY (folded, label)
        ) WITHOUT ROWID;
        CREATE INDEX known_strings_key ON known_strings(key);
        """
    )
    rows = db.execute(
        "SELECT text, label, count(*) FROM annotations WHERE kind = 'entity' AND status = 'accepted' "
        "AND deleted_at IS NULL GROUP BY text, label"
    ).fetchall()
    counts: dict[tuple[str, str], int] = {}
    for text, label, n in rows:
        folded = fold(text)
        counts[(folded, label)] = counts.get((folded, label), 0) + n
    db.conn.executemany(
        "INSERT INTO known_strings (folded, label, key, n) VALUES (?, ?, ?, ?)",
        [(folded, label, folded[:2], n) for (folded, label), n in counts.items()],
    )


def legacy_uid(*parts: object) -> str:
    """The stable id of a row written before m006 (or without one): a hash of what identifies it
    (for a tag: its release's content hash, kind, label, span, annotator, status and creation
    time), so two databases that hold the same old row, upgraded apart, give it the same id."""
    import hashlib

    return "legacy:" + hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:24]


def legacy_event_origin(*parts: object) -> str:
    """The origin given to an event logged before m006: a hash of the event (id, time, who, what),
    so the same old event gets the same stable id (origin, seq = its id) wherever it is upgraded."""
    import hashlib

    return "L" + hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:15]


@migration
def m006_replicas(db: Database) -> None:
    """Stable ids, so a merge can replay another database's events (hkpr_tui/export/merge.py):
    the database's own random origin id and event counter (``replica``); every event gets
    (origin, seq) and the stable id of the row it touched; tags and links get a stable ``uid``
    and a ``version`` stamp (time|origin|seq, which sorts by time), release statuses a
    ``status_version``. Rows and events already there are given ids derived from their content."""
    import secrets

    db.executescript(
        """
        CREATE TABLE replica (
            id TEXT NOT NULL,                   -- this database's origin id (16 hex)
            path TEXT,                          -- the file it was drawn for: a copy draws its own
            next_seq INTEGER NOT NULL           -- the sequence number of its next event
        );
        ALTER TABLE events ADD COLUMN origin TEXT;
        ALTER TABLE events ADD COLUMN seq INTEGER;
        ALTER TABLE events ADD COLUMN uid TEXT;
        ALTER TABLE annotations ADD COLUMN uid TEXT;
        ALTER TABLE annotations ADD COLUMN version TEXT;
        ALTER TABLE links ADD COLUMN uid TEXT;
        ALTER TABLE links ADD COLUMN version TEXT;
        ALTER TABLE releases ADD COLUMN status_version TEXT;
        """
    )
    conn = db.conn
    conn.execute("INSERT INTO replica (id, path, next_seq) VALUES (?, NULL, 1)", (secrets.token_hex(8),))
    taken: set[str] = set()

    def unique(uid: str, row_id: int) -> str:
        uid = uid if uid not in taken else f"{uid}:{row_id}"
        taken.add(uid)
        return uid

    tags = conn.execute(
        'SELECT a.id, r.content_hash, a.kind, a.label, a.start, a."end", a.annotator, a.status, a.created_at, '
        "a.updated_at FROM annotations a JOIN releases r ON r.id = a.release_id ORDER BY a.id"
    ).fetchall()
    tag_uids = {row[0]: unique(legacy_uid(*row[1:9]), row[0]) for row in tags}
    conn.executemany(
        "UPDATE annotations SET uid = ?, version = ? WHERE id = ?",
        [(tag_uids[row[0]], f"{row[9]}||", row[0]) for row in tags],
    )
    links = conn.execute(
        "SELECT id, source_id, target_id, kind, annotator, created_at, deleted_at FROM links"
    ).fetchall()
    link_uids = {
        row[0]: unique(legacy_uid(tag_uids.get(row[1]), tag_uids.get(row[2]), *row[3:6]), row[0]) for row in links
    }
    conn.executemany(
        "UPDATE links SET uid = ?, version = ? WHERE id = ?",
        [(link_uids[row[0]], f"{row[6] or row[5]}||", row[0]) for row in links],
    )
    conn.execute(
        "UPDATE releases SET status_version = (SELECT max(at) || '||' FROM events e WHERE e.entity = 'releases' "
        "AND e.entity_id = releases.id AND e.action LIKE '%status%')"
    )
    hashes = dict(conn.execute("SELECT id, content_hash FROM releases").fetchall())
    # the log is append-only; its rows are given their ids here, once, with the guard lifted
    conn.execute("DROP TRIGGER IF EXISTS events_append_only_update")
    events = conn.execute("SELECT id, at, annotator, action, entity, entity_id, payload FROM events").fetchall()
    by_entity = {"annotations": tag_uids, "links": link_uids, "releases": hashes}
    conn.executemany(
        "UPDATE events SET origin = ?, seq = ?, uid = ? WHERE id = ?",
        [(legacy_event_origin(*row), row[0], by_entity.get(row[4], {}).get(row[5]), row[0]) for row in events],
    )
    db.executescript(
        """
        CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
            BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
        CREATE UNIQUE INDEX events_origin_seq ON events(origin, seq);
        CREATE INDEX events_uid ON events(uid);
        CREATE UNIQUE INDEX annotations_uid ON annotations(uid);
        CREATE UNIQUE INDEX links_uid ON links(uid);
        """
    )


@migration
def m007_assignments(db: Database) -> None:
    """Who is to annotate which release (``hkpr assign``), and settings a database carries with
    it (``hkpr pack`` embeds the coordinator's keymap, which the app applies under the user's own)."""
    db.executescript(
        """
        CREATE TABLE assignments (
            release_id INTEGER NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
            annotator TEXT NOT NULL,
            assigned_at TEXT NOT NULL,
            assigned_by TEXT NOT NULL,
            PRIMARY KEY (release_id, annotator)
        ) WITHOUT ROWID;
        CREATE INDEX assignments_annotator ON assignments(annotator, release_id);

        CREATE TABLE settings (
            name TEXT PRIMARY KEY,              -- 'keymap', ...
            value TEXT NOT NULL                 -- JSON
        );
        """
    )


@migration
def m008_library_indexes(db: Database) -> None:
    """The library sorts by title and script and filters by script, organisation and status at
    100,000 releases: without these, each such key read every release row (~100–200 ms)."""
    db.executescript(
        """
        CREATE INDEX IF NOT EXISTS releases_title ON releases(title);
        CREATE INDEX IF NOT EXISTS releases_script ON releases(script);
        CREATE INDEX IF NOT EXISTS releases_script_date ON releases(script, date);
        CREATE INDEX IF NOT EXISTS releases_organisation_date ON releases(organisation, date);
        CREATE INDEX IF NOT EXISTS releases_status_date ON releases(status, date);
        """
    )


def end_keys(folded: str) -> set[str]:
    """The keys ``release_ends`` holds for one script-folded title or text: its last two
    characters as one string and each of them alone, ASCII lower-cased as search compares them (a
    text of one character gives that character). These are exactly the places a string of one or
    two characters can occur without starting one of the text's trigrams."""
    tail = search_key_of_folded(folded[-2:])
    return set(tail) | ({tail} if len(tail) == 2 else set())


@migration
def m009_search_ends(db: Database) -> None:
    """Search for terms of one and two characters through the trigram index (``Store.search``):
    ``release_terms`` lists the index's trigrams, so the trigrams that start with a short term are
    found by a range of terms; ``release_ends`` holds each release's last characters, the only
    places a short term can occur without starting a trigram. Backfilled from the index."""
    db.executescript(
        """
        -- the trigrams of release_fts (read-only; FTS5 computes it from the index)
        CREATE VIRTUAL TABLE release_terms USING fts5vocab(release_fts, 'row');
        -- the last two characters of each release's folded title and text, together and alone
        CREATE TABLE release_ends (
            key TEXT NOT NULL,
            release_id INTEGER NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
            PRIMARY KEY (key, release_id)
        ) WITHOUT ROWID;
        CREATE INDEX release_ends_release ON release_ends(release_id);
        """
    )
    rows = db.execute("SELECT rowid, substr(title, -2), substr(body, -2) FROM release_fts").fetchall()
    db.conn.executemany(
        "INSERT OR IGNORE INTO release_ends (key, release_id) VALUES (?, ?)",
        [(key, rowid) for rowid, title, body in rows for key in end_keys(title or "") | end_keys(body or "")],
    )
