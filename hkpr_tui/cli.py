"""The ``hkpr`` command. ``hkpr`` alone opens the app; the other commands run headless.

Headless commands never import Textual: the app is imported inside ``tui`` only, and a test
checks this in a subprocess.
"""

from __future__ import annotations

import errno
import getpass
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click
from click_default_group import DefaultGroup

from hkpr_tui import __version__
from hkpr_tui.corpus.clean import cell_width
from hkpr_tui.export.conll import SCHEMES as CONLL_SCHEMES
from hkpr_tui.export.registry import EXPORTS, IMPORTS
from hkpr_tui.models import annotator_problem
from hkpr_tui.store import Store, StoreError
from hkpr_tui.store.annotations import GOLD
from hkpr_tui.store.base import DatabaseFault, translate
from hkpr_tui.textsafe import safe, safe_json

DEFAULT_DB = "annotations.db"
SEEDS_DIR = "seeds"
PROGRESS_MIN_FILES = 20


class Failure(click.ClickException):
    """A one-line error for the user (exit status 1); made safe for the terminal."""

    def format_message(self) -> str:
        return safe(self.message, lines=True)


def echo(message: object = "", *, err: bool = False) -> None:
    """Print a line whose text may come from files or databases: controls shown as escapes."""
    click.echo(safe(message, lines=True), err=err)


def echo_json(value: Any, **dumps: Any) -> None:
    click.echo(safe_json(json.dumps(value, ensure_ascii=False, **dumps)))


class Context:
    def __init__(self, db_path: Path, annotator: str) -> None:
        self.db_path = db_path
        self.annotator = annotator

    def store(self, *, must_exist: bool = False) -> Store:
        """The database; ``must_exist`` for commands that only read (they never create one)."""
        try:
            return Store.open(self.db_path, must_exist=must_exist)
        except StoreError as exc:
            raise Failure(str(exc)) from None


class Group(DefaultGroup):
    """Every command's database and disk errors end as one clear line, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except StoreError as exc:
            raise Failure(str(exc)) from None
        except DatabaseFault as exc:
            raise Failure(str(translate(exc, str(ctx.obj.db_path) if ctx.obj else ""))) from None
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise Failure(f"disk full{': ' + exc.filename if exc.filename else ''}; nothing was written") from None
            raise


def _default_annotator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "annotator"


@click.group(cls=Group, default="tui", default_if_no_args=True, invoke_without_command=True)
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_DB,
    show_default=True,
    envvar="HKPR_DB",
    show_envvar=True,
    help="The annotation database (created when missing).",
)
@click.option(
    "--annotator",
    default=_default_annotator,
    envvar="HKPR_ANNOTATOR",
    show_envvar=True,
    show_default="your login name",
    help="Who is annotating (recorded with every action).",
)
@click.version_option(__version__, prog_name="hkpr")
@click.pass_context
def cli(ctx: click.Context, db_path: Path, annotator: str) -> None:
    """Read Hong Kong press releases side by side and turn them into labelled data.

    Run with no command to open the app.
    """
    problem = annotator_problem(annotator)
    if problem:
        raise Failure(f"--annotator: {problem}")
    ctx.obj = Context(db_path, annotator)
    if ctx.invoked_subcommand is None:  # `hkpr --db other.db`: options only, open the app
        ctx.invoke(tui)


@cli.command()
@click.option("--ask-annotator", is_flag=True, hidden=True, help="Ask who is annotating first (hkpr serve).")
@click.pass_obj
def tui(obj: Context, ask_annotator: bool = False) -> None:
    """Open the app (the default command).

    While the database holds no release and there is a seeds/ folder here, the app imports it
    (so a first run that was interrupted is finished on the next start).
    """
    store = obj.store()  # creates the database, or refuses one it cannot use, before the screen opens
    try:
        empty = store.count_releases() == 0 and not store.read_only
    finally:
        store.close()
    seed_dir = Path(SEEDS_DIR) if empty and Path(SEEDS_DIR).is_dir() else None
    from hkpr_tui.annotate.labels import LabelError, load_labels

    try:
        load_labels()
    except LabelError as exc:
        raise Failure(f"labels: {exc}") from None

    from hkpr_tui.app import HkprApp  # the only place the CLI touches Textual

    app = HkprApp(db_path=obj.db_path, annotator=obj.annotator, seed_dir=seed_dir, ask_annotator=ask_annotator)
    app.run()
    if app.summary:
        echo(app.summary)
    if app.return_code:
        sys.exit(app.return_code)


@cli.command()
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback only unless told)."
)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.pass_obj
def serve(obj: Context, host: str, port: int) -> None:
    """Serve the app to web browsers (textual-serve, the optional extra `serve`).

    Each browser tab runs its own app on the --db database, asking first who is annotating; the
    tabs write safely side by side. There is NO authentication: anyone who can reach the address
    can read and tag. Keep the default 127.0.0.1 and reach it through an SSH tunnel
    (ssh -L 8000:127.0.0.1:8000 host) or an authenticating proxy.
    """
    import shlex

    try:
        from textual_serve.server import Server
    except ImportError:
        raise Failure('hkpr serve needs textual-serve: pip install "hkpr[serve]"') from None
    obj.store().close()  # creates the database, or refuses one it cannot use, before serving
    if host not in ("127.0.0.1", "localhost", "::1"):
        echo(f"warning: serving on {host}: hkpr has no authentication; anyone who can reach it can tag", err=True)
    command = shlex.join(
        [sys.executable, "-m", "hkpr_tui.cli", "--db", str(obj.db_path.resolve()), "tui", "--ask-annotator"]
    )
    try:
        Server(command, host=host, port=port, title="hkpr").serve()
    except OSError as exc:
        raise Failure(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary and problems.")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show each file's kind, title, date, organisation, group and first lines; store nothing.",
)
@click.pass_obj
def import_(obj: Context, paths: tuple[Path, ...], quiet: bool, dry_run: bool) -> None:
    """Import releases from files or folders (searched recursively).

    Reads .txt, .md, .html and .xml (RSS/Atom feeds: one release per item) files in UTF-8,
    UTF-16, Big5-HKSCS or GB18030; the kind of a file is read from its content. A file that
    cannot be read is skipped with the reason, and the rest are imported; the exit status is 1
    when anything was skipped. Text that is stored already is not stored twice. With --dry-run
    nothing is written and no database is created.
    """
    from hkpr_tui.importer import files_count, import_paths

    if dry_run:
        _import_dry_run(paths)
        return
    store = obj.store()
    total = files_count(paths)
    try:
        if total >= PROGRESS_MIN_FILES and not quiet:
            with click.progressbar(length=total, label="Importing", file=sys.stderr) as bar:
                report = import_paths(store, paths, annotator=obj.annotator, on_file=lambda _: bar.update(1))
        else:
            report = import_paths(store, paths, annotator=obj.annotator)
    finally:
        store.close()
    if not quiet:
        for item in report.imported:
            echo(f"imported  #{item.release_id}  {item.path}  {item.title}")
        for dup in report.duplicates:
            echo(f"duplicate {dup.path}: same text as release #{dup.release_id}")
    for warning in report.warnings:
        echo(f"warning   {warning.path}: {warning.message}", err=True)
    for skipped in report.skipped:
        echo(f"skipped   {skipped.path}: {skipped.reason}", err=True)
    echo(report.summary())
    if report.skipped:
        sys.exit(1)


DRY_RUN_LINES = 3


def _import_dry_run(paths: tuple[Path, ...]) -> None:
    """``hkpr import --dry-run``: what each file would give, with no database opened or created."""
    from hkpr_tui.corpus.ingest import KIND_NAMES
    from hkpr_tui.importer import Preview, preview_paths

    releases = skipped = 0
    last_path = None
    for item in preview_paths(paths):
        if not isinstance(item, Preview):
            skipped += 1
            echo(f"skipped   {item.path}: {item.reason}", err=True)
            continue
        releases += 1
        rel = item.release
        if item.path != last_path:
            echo(f"{item.path}  [{KIND_NAMES.get(item.kind, item.kind)}, {item.encoding}]")
            for warning in item.warnings:
                echo(f"  warning: {warning}")
            last_path = item.path
        if rel.source != item.path:
            echo(f"  item {rel.source[len(item.path) + 1 :]}")
        echo(f"  kind:         {rel.kind or '—'}")
        echo(f"  title:        {rel.title}")
        echo(f"  date:         {rel.date or '— (none in the text)'}")
        echo(f"  organisation: {rel.organisation or '—'}")
        echo(f"  script:       {rel.script}")
        echo(f"  group:        {item.group}")
        for para in [rel.text[p.start : p.end] for p in rel.paragraphs][:DRY_RUN_LINES]:
            echo(f"  | {_truncate(para, 100)}")
        echo("")
    echo(f"dry run: {releases} release(s) would be read, {skipped} file(s) skipped; nothing was stored")
    if skipped:
        sys.exit(1)


@cli.command()
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary and refusals.")
@click.pass_obj
def reclean(obj: Context, quiet: bool) -> None:
    """Re-derive stored releases' canonical text, metadata and groups with the current cleaner.

    Each release is re-cleaned from its raw text. A release whose annotations would no longer
    cover the same text is left unchanged and listed (exit status 1); so is one whose new text
    another release already has.
    """
    from hkpr_tui.importer import reclean as reclean_releases

    store = obj.store(must_exist=True)
    try:
        report = reclean_releases(store, annotator=obj.annotator)
    finally:
        store.close()
    if not quiet:
        for release_id in report.changed:
            echo(f"recleaned #{release_id}")
        for release_id in report.regrouped:
            echo(f"regrouped #{release_id}")
    for release_id, reason in report.refused:
        echo(f"refused   #{release_id}: {reason}", err=True)
    echo(report.summary())
    if report.refused:
        sys.exit(1)


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per release (JSON Lines).")
@click.option(
    "--sort",
    type=click.Choice(["date", "organisation", "title", "script", "status", "id"]),
    default="date",
    show_default=True,
)
@click.option("--desc", is_flag=True, help="Sort in descending order.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many releases.")
@click.pass_obj
def list_(obj: Context, as_json: bool, sort: str, desc: bool, limit: int | None) -> None:
    """List the releases in the database."""
    store = obj.store(must_exist=True)
    try:
        rows = store.list_releases(sort=sort, descending=desc, limit=limit)
    finally:
        store.close()
    if as_json:
        for row in rows:
            echo_json(release_json(row))
        return
    if not rows:
        echo(f"No releases in {obj.db_path}. Import some with: hkpr import PATH...")
        return
    table = [["id", "group", "date", "organisation", "script", "kind", "entities", "claims", "status", "title"]]
    for row in rows:
        table.append(
            [
                str(row.id),
                str(row.group_id),
                row.date or "—",
                row.organisation or "—",
                row.script,
                row.kind or "—",
                str(row.n_entities),
                str(row.n_claims),
                row.status,
                _truncate(row.title, 48),
            ]
        )
    _echo_table(table)


def release_json(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "title": row.title,
        "organisation": row.organisation,
        "date": row.date,
        "kind": row.kind,
        "script": row.script,
        "source": row.source,
        "status": row.status,
        "group": row.group_id,
        "counts": {
            "paragraphs": row.n_paragraphs,
            "sentences": row.n_sentences,
            "entities": row.n_entities,
            "claims": row.n_claims,
        },
    }


@cli.command()
@click.argument("query")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per hit (JSON Lines).")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="Hits per page.")
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True, help="Which page of hits.")
@click.pass_obj
def search(obj: Context, query: str, as_json: bool, limit: int, page: int) -> None:
    """Find releases containing QUERY, in Traditional or Simplified script.

    A query in either script (or mixed) finds releases in both: 数码港 finds 數碼港. Words
    separated by spaces must all occur. Quotes, *, OR and other symbols are searched as text.
    """
    store = obj.store(must_exist=True)
    try:
        result = store.search(query, limit=limit, offset=(page - 1) * limit)
    finally:
        store.close()
    if as_json:
        for hit in result.hits:
            echo_json(
                {
                    "release_id": hit.release_id,
                    "source": hit.source,
                    "title": hit.title,
                    "date": hit.date,
                    "start": hit.start,
                    "end": hit.end,
                    "in_title": hit.in_title,
                    "snippet": hit.snippet,
                }
            )
        return
    if not result.hits:
        echo(f"No release contains {query!r}." if page == 1 else "No more hits.")
        return
    for hit in result.hits:
        where = "title" if hit.in_title else f"{hit.start}-{hit.end}"
        echo(f"#{hit.release_id}  {hit.date or '—'}  {_truncate(hit.title, 60)}  [{where}]")
        echo(f"    {hit.snippet}")
    if result.ranked_among:
        echo(f"(many releases match: best first among the newest {result.ranked_among:,} matches)")
    if result.has_more:
        echo(f"(more: --page {page + 1})")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as one JSON object.")
@click.pass_obj
def stats(obj: Context, as_json: bool) -> None:
    """Counts of releases and annotations: by release status, label, annotator, tag status and
    session. --json gives the same as JSON (counts by label keyed by label name)."""
    store = obj.store(must_exist=True)
    try:
        result = store.stats()
    finally:
        store.close()
    if as_json:
        echo_json(asdict(result), indent=2)
        return
    echo(f"releases  {result.releases}")
    echo(f"entities  {result.entities}")
    echo(f"claims    {result.claims}")
    echo(f"sessions  {result.sessions}")
    for heading, counts in (
        ("releases by status", result.by_status),
        ("by script", result.by_script),
        ("by kind", result.by_kind),
        ("by organisation", result.by_organisation),
        ("by label", result.by_label),
        ("by annotator", result.by_annotator),
        ("tags by status (accepted, suggested, rejected)", result.by_annotation_status),
    ):
        if counts:
            echo(f"\n{heading}")
            _echo_table([[name, str(n)] for name, n in counts.items()], header=False)
    if result.by_session:
        echo("\nby session")
        rows = [["session", "annotator", "started", "ended", "actions", "tags"]]
        rows += [
            [str(s.id), s.annotator, s.started_at[:19].replace("T", " "), (s.ended_at or "(open)")[:19].replace("T", " "),
             str(s.actions), str(s.tags)]
            for s in result.by_session
        ]  # fmt: skip
        _echo_table(rows)


# -- datasets --------------------------------------------------------------------------------


def _labels() -> list[Any]:
    from hkpr_tui.annotate.labels import LabelError, load_labels

    try:
        return load_labels()
    except LabelError as exc:
        raise Failure(f"labels: {exc}") from None


@cli.command()
@click.option("--format", "fmt", type=click.Choice(list(EXPORTS)), required=True, help="The dataset format.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="The folder to write (created; must be empty unless --force).",
)
@click.option(
    "--script",
    type=click.Choice(["original", "hant", "hans", "all"]),
    default="original",
    show_default=True,
    help="Texts as published, in 繁 (HK) or 简, or all three (spans projected through the offset maps).",
)
@click.option(
    "--split", "split_text", default=None, help="train/validation/test percentages, e.g. 80/10/10 (by release group)."
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the split.")
@click.option(
    "--status",
    type=click.Choice(["done", "all"]),
    default="done",
    show_default=True,
    help="Releases marked done, or all.",
)
@click.option("--labels", default=None, help="Only these labels, comma-separated (e.g. ORG,PERSON).")
@click.option(
    "--annotator",
    "annotators",
    multiple=True,
    help="Only this annotator's tags (repeatable); --annotator gold: only the adjudicated layer.",
)
@click.option(
    "--gold",
    is_flag=True,
    help="Per release, the adjudicated (gold) tags where there are any, else its only annotator's; "
    "releases whose annotators disagree with nothing adjudicated are left out and listed.",
)
@click.option(
    "--redact-pii", is_flag=True, help="Replace e-mails, phone numbers and media contacts' names consistently."
)
@click.option(
    "--scheme", type=click.Choice(["bio", "bioes"]), default="bio", show_default=True, help="Tag scheme for bio and hf."
)
@click.option(
    "--force", is_flag=True, help="Replace --out when it is an earlier hkpr export (nothing else is ever deleted)."
)
@click.option("--skip-bad", is_flag=True, help="Leave out stored tags that no longer match their text, and list them.")
@click.pass_obj
def export(obj: Context, fmt: str, out: Path, script: str, split_text: str | None, seed: int, status: str,
           labels: str | None, annotators: tuple[str, ...], gold: bool, redact_pii: bool, scheme: str, force: bool,
           skip_bad: bool) -> None:  # fmt: skip
    """Export accepted tags as a labelled dataset folder, with manifest.json.

    Every span is checked against the exported text in the format's offset unit before anything
    is written; the folder appears only when the whole export succeeded.
    """
    from hkpr_tui.export.dataset import parse_split
    from hkpr_tui.export.formats import ExportError
    from hkpr_tui.export.run import export as run_export

    try:
        split = parse_split(split_text) if split_text else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--split") from None
    if gold and annotators:
        raise click.UsageError(
            "--gold chooses the tags per release: leave out --annotator (--annotator gold is gold only)"
        )
    store = obj.store(must_exist=True)
    if not store.read_only:
        store.sync_labels(_labels())  # the label set (and its order) the export declares
    bar = None
    try:

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if total >= 200 and bar is None:
                bar = click.progressbar(length=total, label="Checking", file=sys.stderr)
                bar.__enter__()
            if bar is not None:
                bar.update(1)

        result = run_export(
            store, fmt, out, script=script, split=split, seed=seed, status=status,
            labels=[l.strip() for l in labels.split(",") if l.strip()] if labels else None,
            annotators=list(annotators) or None, redact_pii=redact_pii, scheme=scheme, force=force, skip_bad=skip_bad,
            gold=gold, progress=progress,
        )  # fmt: skip
        layers = [] if gold or annotators else store.annotators()  # who the exported tags are by
        partial: list[Any] = []
        if gold or GOLD in annotators:  # gold exported while items are still open: say which releases
            from hkpr_tui.annotate.adjudicate import to_adjudicate

            partial = [
                r for r in to_adjudicate(store)
                if r.open and r.decided and (status == "all" or store.release_status(r.release_id) == status)
            ]  # fmt: skip
    except ExportError as exc:
        raise Failure(f"export failed, nothing written: {exc}") from None
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
        store.close()
    counts = result.manifest["counts"]
    named = ("skipped: ", "left out: ")
    skipped = [n for n in result.notes if n.startswith(named)]
    notes = [n for n in result.notes if not n.startswith(named)]
    for note in skipped:  # every tag and release left out is named
        echo(note, err=True)
    for note in notes[:10]:
        echo(f"note  {note}", err=True)
    if len(notes) > 10:
        echo(f"note  … and {len(notes) - 10} more", err=True)
    echo(
        f"exported {counts['documents']} documents ({counts['releases']} releases, {counts['entities']} entities, "
        f"{counts['claims']} claims) as {fmt} to {result.out}"
    )
    for r in partial:
        echo(
            f"note  release #{r.release_id} ({r.title[:30]}): gold exported with {r.open} item(s) still open", err=True
        )
    if gold:
        echo(f"gold: {counts['left_out_without_gold']} release(s) left out (several annotators who disagree, no gold)")
    if len(layers) > 1:
        echo(
            f"warning  the tags of {len(layers)} annotators ({', '.join(layers[:6])}{' …' if len(layers) > 6 else ''}) "
            "are exported together, their versions of a span side by side (flat formats keep one); "
            "--gold takes the adjudicated layer, --annotator NAME one annotator's tags",
            err=True,
        )
    if counts["releases"] == 0:
        echo(
            "nothing to export: no release matched (releases are exported when marked done; try --status all)", err=True
        )


@cli.command("import-annotations")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(IMPORTS)),
    required=True,
    help="; ".join(f"{f.name}: {f.help}" for f in IMPORTS.values()),
)
@click.option(
    "--skip-bad",
    is_flag=True,
    help="Store the good records when some are bad (without it, a bad record stores nothing).",
)
@click.option(
    "--scheme",
    type=click.Choice(list(CONLL_SCHEMES)),
    default="auto",
    show_default=True,
    help="conll/bio: the tag scheme (auto detects it from the tags; iob2 is bio; iob1 reads I- after O as a start).",
)
@click.pass_obj
def import_annotations(obj: Context, path: Path, fmt: str, skip_bad: bool, scheme: str) -> None:
    """Import tags from an hkpr JSONL export, Label Studio tasks, doccano JSONL or CoNLL/BIO files (file or folder).

    Every record is checked first (types, label names, spans against their text, crossing spans);
    a bad one is named with its file, record (or line) and field, and then nothing is stored
    unless --skip-bad is given. Tasks are matched to releases by the hash of their text; a text no
    release has is added as a new release. Labels this database does not know are added and
    reported. Predictions arrive as suggestions, never as gold.
    """
    from hkpr_tui.export.imports import ImportError_
    from hkpr_tui.export.imports import import_annotations as run_import

    store = obj.store()
    store.sync_labels(_labels())
    try:
        report = run_import(store, path, fmt, annotator=obj.annotator, skip_bad=skip_bad, scheme=scheme)
    except ImportError_ as exc:
        raise Failure(str(exc)) from None
    finally:
        store.close()
    for note in report.notes:
        echo(f"note      {note}", err=True)
    for problem in report.problems:
        echo(f"skipped   {problem}", err=True)
    if report.labels_added:
        echo(f"new labels added to this database: {', '.join(report.labels_added)}")
    echo(report.summary())
    if report.problems:
        sys.exit(1)


@cli.command()
@click.argument("others", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.pass_obj
def merge(obj: Context, others: tuple[Path, ...]) -> None:
    """Replay other annotators' databases into this one: the events this one has not seen
    (tags, edits, deletes, undos, links, statuses), each tag keeping its annotator.

    Merging twice, or A into B and B into A, gives the same state. A tag changed in both places
    since they last synced is a conflict: the later version wins, and it is listed. The other
    files are only read. Their releases and tags are checked like imported ones; what fails (a
    hash that is not its text's, a tag whose text does not match) is listed and refused, and the
    exit status is 1. Writes are committed in batches, so an open app keeps working.
    """
    from hkpr_tui.export.merge import RULE
    from hkpr_tui.export.merge import merge as run_merge

    store = obj.store()
    refused = False
    try:
        for other in others:

            def progress(stage: str, done: int, total: int, name: str = other.name) -> None:
                if total >= 1000:
                    click.echo(f"\r{safe(name)}: {stage} {done:,}/{total:,}", err=True, nl=done >= total)

            report = run_merge(store, other, annotator=obj.annotator, progress=progress)
            for problem in report.refused:
                echo(f"refused   {problem}", err=True)
            refused = refused or bool(report.refused)
            echo(report.summary())
            echo(
                f"          {report.batches} write batches, longest held the write lock {report.longest_batch_ms:.0f} ms"
            )
            for conflict in report.conflicts:
                echo(f"  conflict  {conflict}")
            if report.conflicts:
                echo(f"  conflicts resolved by the rule: {RULE}")
    finally:
        store.close()
    if refused:
        sys.exit(1)


@cli.command()
@click.option("--annotators", "names", required=True, help="Who annotates, comma-separated (e.g. alice,bob,carol).")
@click.option("--overlap", type=click.IntRange(min=1), default=1, show_default=True, help="Annotators per release.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the deal (the same seed, the same deal).")
@click.option("--organisation", default=None, help="Only releases of this organisation.")
@click.option("--year", default=None, help="Only releases of this year (e.g. 2025).")
@click.option("--status", type=click.Choice(["todo", "in progress", "done"]), default=None, help="Only releases with this status.")  # fmt: skip
@click.option("--script", type=click.Choice(["hant", "hans", "mixed"]), default=None, help="Only releases in this script.")  # fmt: skip
@click.option("--replace", is_flag=True, help="Deal the matching releases assigned already again (else they keep theirs).")  # fmt: skip
@click.option("--dry-run", is_flag=True, help="Show the deal; write nothing.")
@click.pass_obj
def assign(obj: Context, names: str, overlap: int, seed: int, organisation: str | None, year: str | None,
           status: str | None, script: str | None, replace: bool, dry_run: bool) -> None:  # fmt: skip
    """Deal releases out to annotators: each to --overlap of them, loads balanced.

    Versions of one release (a release group) go to the same annotators. Releases assigned
    already keep their annotators (a new version of a group goes to the group's), so running it
    again after an import deals only the new releases; --replace deals the matching ones again.
    The same database, arguments and --seed give the same deal. Prints each annotator's load.
    """
    from hkpr_tui.annotate.assign import AssignError, parse_annotators, plan
    from hkpr_tui.models import ReleaseFilter

    if year is not None and not (len(year) == 4 and year.isdigit()):
        raise Failure(f"--year takes a year of four digits such as 2025, not {year!r}")
    try:
        annotators = parse_annotators(names)
        if overlap > len(annotators):
            raise AssignError(
                f"--overlap {overlap} needs at least {overlap} annotators; --annotators names {len(annotators)}"
            )
    except AssignError as exc:
        raise Failure(str(exc)) from None
    where = ReleaseFilter(organisation=organisation, year=year, status=status, script=script)
    store = obj.store(must_exist=True)
    try:
        deal = plan(store, annotators, overlap, seed=seed, where=where, replace=replace)
        if deal.new and not dry_run:
            store.assign(
                deal.new,
                assigned_by=obj.annotator,
                replace=deal.replace,
                payload=deal.payload(annotators, overlap, seed, where),
            )
    finally:
        store.close()
    if not deal.new:
        kept = (
            f"; {deal.kept} matching release(s) are assigned already (--replace deals them again)" if deal.kept else ""
        )
        echo(f"nothing to assign: no release matches that is not assigned yet{kept}")
        return
    rows = [["annotator", "new", "assigned"]]
    for name in [*annotators, *sorted(set(deal.totals) - set(annotators))]:
        rows.append([name, str(deal.added(name)), str(deal.totals.get(name, 0))])
    _echo_table(rows)
    verb = "would assign" if dry_run else "assigned"
    echo(
        f"{verb} {len(deal.new)} release(s) in {deal.groups} group(s), {overlap} annotator(s) each (seed {seed})"
        + (f"; {deal.kept} assigned already kept" if deal.kept else "")
        + (f"; {len(deal.replace)} dealt again" if deal.replace else "")
        + ("; nothing was written (dry run)" if dry_run else "")
    )


@cli.command()
@click.argument("name")
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="The database to write (an existing one is replaced only with --force, and only an hkpr database).",
)
@click.option("--force", is_flag=True, help="Replace --out when it is an hkpr database.")
@click.pass_obj
def pack(obj: Context, name: str, out: Path, force: bool) -> None:
    """Write a database holding NAME's assigned releases, to hand to NAME.

    It holds the releases (with their versions' groups, paragraphs, sentences, search index and
    statuses), every label, NAME's assignments and NAME's own tags on them (no other
    annotator's), and the keymap of your config.toml, which the app applies when the file is
    opened (under the user's own keymap). NAME opens it with hkpr --db FILE --annotator NAME,
    and you bring the work back with hkpr merge FILE.
    """
    import os
    import secrets

    from hkpr_tui.config import ConfigError, config_path, load_config

    try:
        keymap = load_config().keymap
    except ConfigError as exc:
        raise Failure(f"the keymap to pack cannot be read: {exc}") from None
    if out.is_dir():
        raise Failure(f"{out}: is a folder; --out names the database file to write")
    if not out.parent.is_dir():
        raise Failure(f"{out}: the folder {out.parent} does not exist")
    if out.exists() or out.is_symlink():
        if not force:
            raise Failure(f"{out} exists; --force replaces it (when it is an hkpr database)")
        if out.resolve() == obj.db_path.resolve():
            raise Failure(f"{out} is the database being packed; choose another --out")
        if not out.is_file() or not Store.is_hkpr_database(out):
            raise Failure(
                f"{out} is not an hkpr database; --force replaces only an hkpr database (nothing was changed)"
            )
    store = obj.store(must_exist=True)
    if not store.assigned_release_ids(name):
        who = ", ".join(store.assignment_counts()) or "nobody (hkpr assign deals releases)"
        store.close()
        raise Failure(f"nothing is assigned to {name} in {obj.db_path}; releases are assigned to: {who}")
    labels = _labels()
    tmp = out.with_name(f".{out.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")  # beside --out: renamed into place
    companions = [tmp.with_name(tmp.name + suffix) for suffix in ("-wal", "-shm", "-journal")]
    try:
        target = Store.open(tmp)
        try:
            counts = store.pack_into(target, name)
            target.sync_labels(labels)  # the label set in use here (labels.toml), over the stored one
            n_labels = len(target.stored_labels())
            if keymap:
                target.set_setting("keymap", keymap)
            with target.write():
                target.log_event(obj.annotator, "pack", "assignments",
                                 {"from": str(obj.db_path), "for": name, "releases": counts.releases})  # fmt: skip
            target.seal()
        finally:
            target.close()
        if out.exists():
            for suffix in ("-wal", "-shm"):  # the replaced database's: they must not meet the new file
                out.with_name(out.name + suffix).unlink(missing_ok=True)
        tmp.replace(out)
    finally:
        store.close()
        for path in [tmp, *companions]:
            path.unlink(missing_ok=True)
    echo(
        f"packed {counts.releases} release(s) in {counts.groups} group(s), {counts.annotations} of {name}'s tag(s), "
        f"{counts.links} link(s) and {n_labels} label(s) into {out}"
    )
    if keymap:
        echo(f"with the keymap of {config_path()} ({len(keymap)} binding(s)), applied when the file is opened")
    echo(
        f"{name} opens it with: hkpr --db {out.name} --annotator {name}; bring the work back with: hkpr --db {obj.db_path} merge {out}"
    )


@cli.command()
@click.option(
    "--json", "as_json", is_flag=True, help="Print JSON (every release, undefined coefficients as null with a reason)."
)
@click.option("--labels", default=None, help="Only these labels, comma-separated.")
@click.option(
    "--releases",
    "top",
    type=click.IntRange(0),
    default=10,
    show_default=True,
    help="How many releases to list, worst agreement first.",
)
@click.pass_obj
def agree(obj: Context, as_json: bool, labels: str | None, top: int) -> None:
    """Agreement between annotators: span F1 (exact and overlapping) per label and Cohen's kappa
    on claim sentences per pair; Fleiss' kappa and Krippendorff's alpha for three or more; and
    per release, worst first (mean pairwise exact entity F1, open disagreements), to find the
    releases worth adjudicating. Claim coefficients are given twice, each labelled: claim type
    and claim/no-claim. A coefficient with no variation is undefined, never 1."""
    from hkpr_tui.annotate.adjudicate import to_adjudicate
    from hkpr_tui.export.agree import MEASURES, agreement

    store = obj.store(must_exist=True)
    try:
        open_items = {r.release_id: r.open for r in to_adjudicate(store)}
        result = agreement(
            store, labels=[l.strip() for l in labels.split(",")] if labels else None, open_items=open_items
        )
    finally:
        store.close()
    if as_json:
        echo_json(result, indent=2)
        return
    if len(result["annotators"]) < 2:
        echo(
            f"agreement needs two annotators; this database has {len(result['annotators'])} (hkpr merge OTHER.db adds theirs)"
        )
        return

    def value(k: dict[str, Any], key: str) -> str:
        return f"{k[key]}" if k[key] is not None else f"undefined ({k['reason']})"

    def score(n: float, of: int) -> str:
        return f"{n:.3f}" if of else "—"  # a precision or recall over no span is undefined

    first = True
    for pair in result["pairs"]:
        if not pair["releases"]:
            continue  # no release both tagged: nothing to compare
        echo(("" if first else "\n") + f"{pair['a']} × {pair['b']}: {_count(pair['releases'], 'release')} both annotated"
             f" (precision counts {pair['b']}'s spans found by {pair['a']}, recall {pair['a']}'s found by {pair['b']})")  # fmt: skip
        first = False
        rows = [["label", f"n {pair['a']}"[:14], f"n {pair['b']}"[:14], "exact P", "exact R", "exact F1", "overlap F1"]]
        for label, sc in pair["labels"].items():
            rows.append([label, str(sc["a"]), str(sc["b"]), score(sc["exact"]["precision"], sc["b"]),
                         score(sc["exact"]["recall"], sc["a"]), score(sc["exact"]["f1"], sc["a"] and sc["b"]),
                         score(sc["overlap"]["f1"], sc["a"] and sc["b"])])  # fmt: skip
        if len(rows) > 1:
            _echo_table(rows)
        for name, k in pair["claims"].items():
            echo(f"claims, {MEASURES[name]}: Cohen's kappa {value(k, 'kappa')} over {k['sentences']} sentences")
    if "all" in result:
        every = result["all"]
        echo(
            f"\nall {every['annotators']} annotators: Fleiss' kappa over the {every['releases_all_tagged']} releases "
            f"every one tagged; Krippendorff's alpha (nominal) over the {every['releases_two_or_more']} releases two or more tagged"
        )
        for name in MEASURES:
            fleiss, alpha = every[name]["fleiss"], every[name]["krippendorff_nominal"]
            echo(
                f"claims, {MEASURES[name]}: Fleiss' kappa {value(fleiss, 'kappa')} over {fleiss['sentences']} sentences; "
                f"Krippendorff's alpha {value(alpha, 'alpha')} over {alpha['sentences']} sentences"
            )
    releases = result["releases"]
    if releases and top:
        shown = releases[:top]
        echo(
            f"\nreleases, worst agreement first ({len(shown)} of {len(releases)}; --releases N shows more, --json all)"
        )
        rows = [["release", "title", "annotators", "entity F1", "open"]]
        rows += [
            [f"#{r['release_id']}", r["title"][:30], ", ".join(r["annotators"]),
             "—" if r["entity_f1"] is None else f"{r['entity_f1']:.3f}", str(r["open_items"])]
            for r in shown
        ]  # fmt: skip
        _echo_table(rows)


@cli.command()
@click.option("--datasette", is_flag=True, help="Print a Datasette metadata.json instead of the Markdown schema.")
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write to this file instead of printing (an existing file is replaced only with --force).",
)
@click.option("--force", is_flag=True, help="Replace --out when it exists.")
@click.pass_obj
def schema(obj: Context, datasette: bool, out: Path | None, force: bool) -> None:
    """Describe the database: every table, view and column (docs/schema.md is this output).

    With --datasette, a Datasette metadata.json for the --db file (its name is the database's
    name in Datasette), with full-text search on releases through release_fts:
    datasette annotations.db --metadata metadata.json. Reads no database: the schema is this
    hkpr's (run hkpr once on an older database to upgrade it)."""
    from hkpr_tui.store.schema_doc import datasette_metadata, markdown

    objects = Store.current_schema()
    if datasette:
        text = json.dumps(datasette_metadata(objects, obj.db_path.stem), ensure_ascii=False, indent=2) + "\n"
    else:
        text = markdown(objects)
    if out is None:
        click.echo(text, nl=False)
        return
    if out.exists() and not force:
        raise Failure(f"{out} exists; --force replaces it")
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    echo(f"wrote {out}")


@cli.command()
@click.option(
    "--eval", "evaluate_", is_flag=True, help="Train on part of the done releases and score the rest; writes no model."
)
@click.option("--split", "split_text", default="80/20", show_default=True, help="With --eval: train/test shares.")
@click.option("--seed", type=int, default=0, show_default=True, help="With --eval: seed of the split.")
@click.option(
    "--threshold",
    type=click.FloatRange(0, 1),
    default=0.5,
    show_default=True,
    help="With --eval: the confidence a suggestion needs to count as covering a tag.",
)
@click.pass_obj
def learn(obj: Context, evaluate_: bool, split_text: str, seed: int, threshold: float) -> None:
    """Train the model that suggests entities from the accepted tags of releases marked done
    (in their text and their 繁/简 views), and write it beside the database.

    With --eval, train on a split of the done releases (by release group) and print precision,
    recall and F1 per label on the held-out ones (exact span and label), and the share of their
    tags a suggestion would have covered."""
    from hkpr_tui import learn as learning

    if not learning.available():
        raise Failure(learning.INSTALL_HINT)
    store = obj.store(must_exist=True)
    try:
        if evaluate_:
            parts = split_text.split("/")
            if len(parts) != 2 or not all(p.strip().isdigit() for p in parts) or 0 in (int(parts[0]), int(parts[1])):
                raise Failure(f"--split takes two whole numbers above 0 such as 80/20, not {split_text!r}")
            split = (int(parts[0]), int(parts[1]))
            try:
                result = learning.evaluate(store, split=split, seed=seed, threshold=threshold)
            except learning.LearnError as exc:
                raise Failure(str(exc)) from None
        else:
            try:
                report = learning.train(store, path=learning.model_path(obj.db_path))
            except learning.LearnError as exc:
                raise Failure(str(exc)) from None
    finally:
        store.close()
    if not evaluate_:
        echo(
            f"trained on {report.releases} done releases, {report.tags} tags ({', '.join(report.labels)}), "
            f"{report.sequences} texts with their 繁/简 views, {report.characters:,} characters, in {report.seconds:.1f} s"
        )
        echo(f"wrote {report.path} and {report.sidecar}")
        return
    echo(
        f"trained on {result.train_releases} done releases ({result.train.tags} tags, {result.train.seconds:.1f} s), "
        f"scored on {result.test_releases} held out (split {split_text}, seed {seed})"
    )
    rows = [["label", "gold", "predicted", "precision", "recall", "F1", "covered"]]
    for sc in [*result.scores, result.micro]:
        rows.append([sc.label, str(sc.gold), str(sc.predicted), f"{sc.precision:.3f}", f"{sc.recall:.3f}", f"{sc.f1:.3f}",
                     f"{sc.covered / sc.gold:.0%}" if sc.gold else "—"])  # fmt: skip
    _echo_table(rows)
    echo(f"suggestions at confidence ≥ {threshold:.2f} would have covered {result.coverage:.0%} of the held-out tags")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def _truncate(text: str, width: int) -> str:
    out, used = "", 0
    for char in safe(text):
        w = cell_width(char)
        if used + w > width - 1:
            return out + "…"
        out += char
        used += w
    return out


def _echo_table(rows: list[list[str]], header: bool = True) -> None:
    rows = [[safe(cell) for cell in row] for row in rows]  # escapes widen a cell: measure them
    widths = [max(cell_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        cells = [cell + " " * (widths[i] - cell_width(cell)) for i, cell in enumerate(row)]
        echo("  ".join(cells).rstrip())
        if header and n == 0:
            echo("  ".join("-" * w for w in widths))


def main() -> None:
    cli(prog_name="hkpr")


if __name__ == "__main__":
    main()
