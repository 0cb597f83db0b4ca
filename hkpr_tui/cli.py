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
@click.option("--dry-run", is_flag=True, help="Show each file's kind, title, date, organisation, group and first lines; store nothing.")
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
            click.echo(f"imported  #{item.release_id}  {item.path}  {item.title}")
        for dup in report.duplicates:
            click.echo(f"duplicate {dup.path}: same text as release #{dup.release_id}")
    for warning in report.warnings:
        click.echo(f"warning   {warning.path}: {warning.message}", err=True)
    for skipped in report.skipped:
        click.echo(f"skipped   {skipped.path}: {skipped.reason}", err=True)
    click.echo(report.summary())
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
            click.echo(f"skipped   {item.path}: {item.reason}", err=True)
            continue
        releases += 1
        rel = item.release
        if item.path != last_path:
            click.echo(f"{item.path}  [{KIND_NAMES.get(item.kind, item.kind)}, {item.encoding}]")
            for warning in item.warnings:
                click.echo(f"  warning: {warning}")
            last_path = item.path
        if rel.source != item.path:
            click.echo(f"  item {rel.source[len(item.path) + 1 :]}")
        click.echo(f"  kind:         {rel.kind or '—'}")
        click.echo(f"  title:        {rel.title}")
        click.echo(f"  date:         {rel.date or '— (none in the text)'}")
        click.echo(f"  organisation: {rel.organisation or '—'}")
        click.echo(f"  script:       {rel.script}")
        click.echo(f"  group:        {item.group}")
        for para in [rel.text[p.start : p.end] for p in rel.paragraphs][:DRY_RUN_LINES]:
            click.echo(f"  | {_truncate(para, 100)}")
        click.echo("")
    click.echo(f"dry run: {releases} release(s) would be read, {skipped} file(s) skipped; nothing was stored")
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

    if not obj.db_path.exists():
        click.echo(f"No database at {obj.db_path}: nothing to reclean.", err=True)
        sys.exit(1)
    store = obj.store()
    try:
        report = reclean_releases(store, annotator=obj.annotator)
    finally:
        store.close()
    if not quiet:
        for release_id in report.changed:
            click.echo(f"recleaned #{release_id}")
        for release_id in report.regrouped:
            click.echo(f"regrouped #{release_id}")
    for release_id, reason in report.refused:
        click.echo(f"refused   #{release_id}: {reason}", err=True)
    click.echo(report.summary())
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


# -- datasets --------------------------------------------------------------------------------

def _labels() -> list[Any]:
    from hkpr_tui.annotate.labels import LabelError, load_labels

    try:
        return load_labels()
    except LabelError as exc:
        raise click.ClickException(f"labels: {exc}") from None


EXPORT_FORMATS = ["jsonl", "bio", "hf", "spacy", "label-studio", "doccano", "brat", "cluener", "claims"]


@cli.command()
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), required=True, help="The dataset format.")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="The folder to write (created; must be empty unless --force).")
@click.option("--script", type=click.Choice(["original", "hant", "hans", "all"]), default="original", show_default=True,
              help="Texts as published, in 繁 (HK) or 简, or all three (spans projected through the offset maps).")
@click.option("--split", "split_text", default=None, help="train/validation/test percentages, e.g. 80/10/10 (by release group).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the split.")
@click.option("--status", type=click.Choice(["done", "all"]), default="done", show_default=True, help="Releases marked done, or all.")
@click.option("--labels", default=None, help="Only these labels, comma-separated (e.g. ORG,PERSON).")
@click.option("--annotator", "annotators", multiple=True, help="Only this annotator's tags (repeatable).")
@click.option("--redact-pii", is_flag=True, help="Replace e-mails, phone numbers and media contacts' names consistently.")
@click.option("--scheme", type=click.Choice(["bio", "bioes"]), default="bio", show_default=True, help="Tag scheme for bio and hf.")
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@click.pass_obj
def export(obj: Context, fmt: str, out: Path, script: str, split_text: str | None, seed: int, status: str,
           labels: str | None, annotators: tuple[str, ...], redact_pii: bool, scheme: str, force: bool) -> None:  # fmt: skip
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
    store = obj.store()
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
            annotators=list(annotators) or None, redact_pii=redact_pii, scheme=scheme, force=force, progress=progress,
        )  # fmt: skip
    except ExportError as exc:
        raise click.ClickException(f"export failed, nothing written: {exc}") from None
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
        store.close()
    counts = result.manifest["counts"]
    for note in result.notes[:10]:
        click.echo(f"note  {note}", err=True)
    if len(result.notes) > 10:
        click.echo(f"note  … and {len(result.notes) - 10} more", err=True)
    click.echo(
        f"exported {counts['documents']} documents ({counts['releases']} releases, {counts['entities']} entities, "
        f"{counts['claims']} claims) as {fmt} to {result.out}"
    )
    if counts["releases"] == 0:
        click.echo("nothing to export: no release matched (releases are exported when marked done; try --status all)", err=True)


@cli.command("import-annotations")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["jsonl", "label-studio", "doccano"]), required=True)
@click.pass_obj
def import_annotations(obj: Context, path: Path, fmt: str) -> None:
    """Import tags from an hkpr JSONL export, Label Studio tasks or doccano JSONL (file or folder).

    Tasks are matched to releases by the hash of their text; a text no release has is added as a
    new release. Labels this database does not know are added and reported.
    """
    from hkpr_tui.export.imports import ImportError_, import_annotations as run_import

    store = obj.store()
    store.sync_labels(_labels())
    try:
        report = run_import(store, path, fmt, annotator=obj.annotator)
    except ImportError_ as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        store.close()
    for problem in report.problems:
        click.echo(f"skipped   {problem}", err=True)
    if report.labels_added:
        click.echo(f"new labels added to this database: {', '.join(report.labels_added)}")
    click.echo(report.summary())
    if report.problems:
        sys.exit(1)


@cli.command()
@click.argument("others", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.pass_obj
def merge(obj: Context, others: tuple[Path, ...]) -> None:
    """Union other annotators' databases into this one (idempotent; each tag keeps its annotator)."""
    from hkpr_tui.export.merge import merge as run_merge

    store = obj.store()
    try:
        for other in others:
            try:
                click.echo(run_merge(store, other, annotator=obj.annotator).summary())
            except StoreError as exc:
                raise click.ClickException(str(exc)) from None
    finally:
        store.close()


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--labels", default=None, help="Only these labels, comma-separated.")
@click.pass_obj
def agree(obj: Context, as_json: bool, labels: str | None) -> None:
    """Pairwise agreement between annotators: span F1 (exact and overlapping) per label, and
    Cohen's kappa on claim sentences, over the releases both annotated."""
    from hkpr_tui.export.agree import agreement

    store = obj.store()
    try:
        result = agreement(store, labels=[l.strip() for l in labels.split(",")] if labels else None)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    if len(result["annotators"]) < 2:
        click.echo(f"agreement needs two annotators; this database has {len(result['annotators'])} (hkpr merge OTHER.db adds theirs)")
        return
    for pair in result["pairs"]:
        click.echo(f"\n{pair['a']} × {pair['b']}: {pair['releases']} releases both annotated")
        rows = [["label", "n a", "n b", "exact P", "exact R", "exact F1", "overlap F1"]]
        for label, sc in pair["labels"].items():
            rows.append([label, str(sc["a"]), str(sc["b"]), f"{sc['exact']['precision']:.3f}", f"{sc['exact']['recall']:.3f}",
                         f"{sc['exact']['f1']:.3f}", f"{sc['overlap']['f1']:.3f}"])  # fmt: skip
        if len(rows) > 1:
            _echo_table(rows)
        k = pair["claims"]
        click.echo(f"claims: Cohen's kappa {k['kappa'] if k['kappa'] is not None else '—'} over {k['sentences']} sentences")


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
