"""The ``hkpr`` command. ``hkpr`` alone opens the app; the other commands run headless.

Headless commands never import Textual: the app is imported inside ``tui`` only, and a test
checks this in a subprocess.
"""

from __future__ import annotations

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
from hkpr_tui.store import Store, StoreError

DEFAULT_DB = "annotations.db"
SEEDS_DIR = "seeds"
PROGRESS_MIN_FILES = 20


class Context:
    def __init__(self, db_path: Path, annotator: str) -> None:
        self.db_path = db_path
        self.annotator = annotator

    def store(self) -> Store:
        try:
            return Store.open(self.db_path)
        except StoreError as exc:
            raise click.ClickException(f"{self.db_path}: {exc}") from None


def _default_annotator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "annotator"


@click.group(cls=DefaultGroup, default="tui", default_if_no_args=True, invoke_without_command=True)
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
    "--annotator", default=_default_annotator, envvar="HKPR_ANNOTATOR", show_envvar=True,
    show_default="your login name", help="Who is annotating (recorded with every action).",
)
@click.version_option(__version__, prog_name="hkpr")
@click.pass_context
def cli(ctx: click.Context, db_path: Path, annotator: str) -> None:
    """Read Hong Kong press releases side by side and turn them into labelled data.

    Run with no command to open the app.
    """
    ctx.obj = Context(db_path, annotator)
    if ctx.invoked_subcommand is None:  # `hkpr --db other.db`: options only, open the app
        ctx.invoke(tui)


@cli.command()
@click.pass_obj
def tui(obj: Context) -> None:
    """Open the app (the default command).

    On the first run, when the database does not exist yet and there is a seeds/ folder here,
    the app imports it.
    """
    first_run = not obj.db_path.exists()
    store = obj.store()  # creates the database, or refuses one it cannot use, before the screen opens
    store.close()
    seed_dir = Path(SEEDS_DIR) if first_run and Path(SEEDS_DIR).is_dir() else None
    from hkpr_tui.annotate.labels import LabelError, load_labels

    try:
        load_labels()
    except LabelError as exc:
        raise click.ClickException(f"labels: {exc}") from None

    from hkpr_tui.app import HkprApp  # the only place the CLI touches Textual

    app = HkprApp(db_path=obj.db_path, annotator=obj.annotator, seed_dir=seed_dir)
    app.run()
    if app.summary:
        click.echo(app.summary)
    if app.return_code:
        sys.exit(app.return_code)


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary and problems.")
@click.pass_obj
def import_(obj: Context, paths: tuple[Path, ...], quiet: bool) -> None:
    """Import releases from files or folders (searched recursively).

    Reads .txt, .md and .html files in UTF-8, UTF-16 (with BOM), Big5-HKSCS or GB18030. A file
    that cannot be read is skipped with the reason, and the rest are imported; the exit status
    is 1 when anything was skipped. Text that is stored already is not stored twice.
    """
    from hkpr_tui.importer import files_count, import_paths

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
            click.echo(f"imported  #{item.release_id}  {item.path}  {item.title}")
        for dup in report.duplicates:
            click.echo(f"duplicate {dup.path}: same text as release #{dup.release_id}")
    for skipped in report.skipped:
        click.echo(f"skipped   {skipped.path}: {skipped.reason}", err=True)
    click.echo(report.summary())
    if report.skipped:
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
    store = obj.store()
    try:
        rows = store.list_releases(sort=sort, descending=desc, limit=limit)
    finally:
        store.close()
    if as_json:
        for row in rows:
            click.echo(json.dumps(release_json(row), ensure_ascii=False))
        return
    if not rows:
        click.echo(f"No releases in {obj.db_path}. Import some with: hkpr import PATH...")
        return
    table = [["id", "date", "organisation", "script", "kind", "entities", "claims", "status", "title"]]
    for row in rows:
        table.append(
            [
                str(row.id),
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
    store = obj.store()
    try:
        result = store.search(query, limit=limit, offset=(page - 1) * limit)
    finally:
        store.close()
    if as_json:
        for hit in result.hits:
            click.echo(
                json.dumps(
                    {
                        "release_id": hit.release_id,
                        "source": hit.source,
                        "title": hit.title,
                        "date": hit.date,
                        "start": hit.start,
                        "end": hit.end,
                        "in_title": hit.in_title,
                        "snippet": hit.snippet,
                    },
                    ensure_ascii=False,
                )
            )
        return
    if not result.hits:
        click.echo(f"No release contains {query!r}." if page == 1 else "No more hits.")
        return
    for hit in result.hits:
        where = "title" if hit.in_title else f"{hit.start}-{hit.end}"
        click.echo(f"#{hit.release_id}  {hit.date or '—'}  {_truncate(hit.title, 60)}  [{where}]")
        click.echo(f"    {hit.snippet}")
    if result.has_more:
        click.echo(f"(more: --page {page + 1})")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as one JSON object.")
@click.pass_obj
def stats(obj: Context, as_json: bool) -> None:
    """Counts of releases and annotations: by release status, label, annotator, tag status and
    session. --json gives the same as JSON (counts by label keyed by label name)."""
    store = obj.store()
    try:
        result = store.stats()
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(asdict(result), ensure_ascii=False, indent=2))
        return
    click.echo(f"releases  {result.releases}")
    click.echo(f"entities  {result.entities}")
    click.echo(f"claims    {result.claims}")
    click.echo(f"sessions  {result.sessions}")
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
            click.echo(f"\n{heading}")
            _echo_table([[name, str(n)] for name, n in counts.items()], header=False)
    if result.by_session:
        click.echo("\nby session")
        rows = [["session", "annotator", "started", "ended", "actions", "tags"]]
        rows += [
            [str(s.id), s.annotator, s.started_at[:19].replace("T", " "), (s.ended_at or "(open)")[:19].replace("T", " "),
             str(s.actions), str(s.tags)]
            for s in result.by_session
        ]  # fmt: skip
        _echo_table(rows)


def _truncate(text: str, width: int) -> str:
    out, used = "", 0
    for char in text:
        w = cell_width(char)
        if used + w > width - 1:
            return out + "…"
        out += char
        used += w
    return out


def _echo_table(rows: list[list[str]], header: bool = True) -> None:
    widths = [max(cell_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        cells = [cell + " " * (widths[i] - cell_width(cell)) for i, cell in enumerate(row)]
        click.echo("  ".join(cells).rstrip())
        if header and n == 0:
            click.echo("  ".join("-" * w for w in widths))


def main() -> None:
    cli(prog_name="hkpr")


if __name__ == "__main__":
    main()
