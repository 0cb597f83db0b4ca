"""The Textual app. Importable for scripts and tests as ``HkprApp(db_path=...)``."""

from __future__ import annotations

import gc
import getpass
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode
from textual.notifications import SeverityLevel

from hkpr_tui.annotate.labels import Label, LabelError, default_labels, load_labels
from hkpr_tui.commands import HkprCommands, context_bindings
from hkpr_tui.config import Config, ConfigError, load_config
from hkpr_tui.messages import ImportFinished, OpenRelease, PickRelease
from hkpr_tui.screens.library import LibraryScreen
from hkpr_tui.store import Store, StoreError
from hkpr_tui.textsafe import safe

if TYPE_CHECKING:  # the reader's modules load when a release is first opened, not for the first frame
    from hkpr_tui.annotate.session import Actions
    from hkpr_tui.widgets.pane import Layout

UI_BUSY_TIMEOUT_MS = 1_000


def binding_owners() -> list[type[DOMNode]]:
    """Every class of the app that declares bindings: the app, each screen and widget, found by
    walking ``hkpr_tui.screens`` and ``hkpr_tui.widgets`` (a new screen needs no list kept by hand)."""
    import importlib
    import pkgutil

    import hkpr_tui.screens
    import hkpr_tui.widgets

    for package in (hkpr_tui.screens, hkpr_tui.widgets):
        for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
            importlib.import_module(info.name)
    owners: list[type[DOMNode]] = []
    pending: list[type[DOMNode]] = [DOMNode]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            pending.append(sub)
            if sub.__module__.startswith("hkpr_tui.") and "BINDINGS" in vars(sub) and sub not in owners:
                owners.append(sub)
    return sorted({HkprApp, *owners}, key=lambda c: (c.__module__, c.__qualname__))


def binding_ids() -> list[str]:
    """Every hkpr binding id (what a user keymap can rebind): those the app's classes declare,
    and one per entity label with a key."""
    from hkpr_tui.screens.annotating import tag_bindings

    static = [b.id for owner in binding_owners() for b in owner.BINDINGS if isinstance(b, Binding) and b.id]
    try:
        labels = load_labels()
    except LabelError:
        labels = default_labels()
    return static + [b.id for b in tag_bindings(labels) if b.id]


class HkprApp(App[None]):
    TITLE = "hkpr"
    SUB_TITLE = "Hong Kong press releases"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {HkprCommands}
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="app.help", tooltip="List every key binding"),
        Binding(
            "ctrl+q",
            "quit",
            "Quit",
            show=False,
            id="app.quit",
            tooltip="Quit hkpr (everything is saved as you go)",
            priority=True,
        ),
    ]

    def __init__(
        self,
        db_path: str | Path = "annotations.db",
        annotator: str | None = None,
        seed_dir: str | Path | None = None,
        config_path: Path | None = None,
        labels_path: Path | None = None,
        ask_annotator: bool = False,
    ) -> None:
        super().__init__()
        # what is loaded by now (modules, classes, Textual's tables) lives as long as the process:
        # out of the collector's full passes, which would otherwise walk it again and again (one
        # such pass took 15-25 ms of the first frame, and of a key now and then)
        gc.freeze()
        self.db_path = Path(db_path)
        self.annotator = annotator or getpass.getuser()
        self.seed_dir = Path(seed_dir) if seed_dir else None
        self.session_id: int | None = None
        self.config_path = config_path
        self.labels_path = labels_path
        self.ask_annotator = ask_annotator  # `hkpr serve`: each browser tab names its annotator
        self.labels: list[Label] = []
        self.store: Store | None = None  # the UI thread's connection: annotation actions commit here
        self._actions: Actions | None = None
        self.summary: str | None = None  # one line printed on quit (see cli)
        self.layouts: dict[int, Layout] = {}  # release id → how its reader was left (this session)
        self.config = Config()
        self.model: Any = None  # learn.Model once loaded or trained: more suggestions
        # (model, release, threshold) → the model's suggestions for that release's text
        self.model_suggestions: dict[tuple[int, int, float], list[Any]] = {}
        self.done_since_training = 0
        self.model_requested = False
        self._collecting = gc.isenabled()  # whether the collector ran before the app (see on_mount)

    @property
    def actions(self) -> Actions:
        """Annotation actions with undo, on the UI thread's connection (made on first use: the
        library does not need them, so their modules stay out of the first frame)."""
        if self._actions is None:
            from hkpr_tui.annotate.session import Actions

            assert self.store is not None, "the app is not mounted"
            self._actions = Actions(self.store, self.annotator, self.session_id)
        return self._actions

    def on_mount(self) -> None:
        # most of what the start-up makes (the store, the first screen's widgets and styles)
        # lives as long as the app: the collector's ~30 passes until the first screen is drawn
        # (5-7 ms of the first frame) mostly walked it again. The cycles they freed (a few
        # thousand small objects) wait until it is drawn (``_drawn``), or the app stops
        self._collecting = gc.isenabled()
        gc.disable()
        if self.ask_annotator:
            from hkpr_tui.screens.annotator import AnnotatorScreen

            self.push_screen(AnnotatorScreen(), self._named)
            self.call_after_refresh(self._drawn)
            return
        self.start()

    def _drawn(self) -> None:
        """The first screen is drawn: what was made by now is frozen (see ``__init__``), and the
        collector runs again."""
        gc.freeze()
        if self._collecting:
            gc.enable()

    def _named(self, annotator: str | None) -> None:
        if annotator:
            self.annotator = annotator
            self.start()

    def start(self) -> None:
        """Open the database, start the session under ``self.annotator`` and show the library."""
        self.labels = self.load_label_set()
        # the UI thread's connection waits briefly for the write lock; an action still refused is
        # retried by the reader (see AnnotatingMixin._do), so the screen never freezes for long
        self.store = store = Store.open(self.db_path, busy_timeout_ms=UI_BUSY_TIMEOUT_MS)
        self.apply_keymap(store.setting("keymap"))
        try:
            self.session_id = store.start_session(self.annotator)
            store.sync_labels(self.labels)
        except StoreError as exc:
            self.notify(f"Tags will not be saved: {exc}", severity="error", timeout=20)
        self.push_screen(LibraryScreen(self.db_path, annotator=self.annotator))
        self.call_after_refresh(self._drawn)  # the first screen's widgets and styles frozen too, once drawn
        if self.seed_dir is not None:
            self.notify(f"First run: importing {self.seed_dir}/ …")
            self.import_seeds(self.seed_dir)

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:  # fmt: skip
        """Notifications carry file names, titles and errors: made safe, and never read as markup."""
        super().notify(safe(message), title=safe(title), severity=severity, timeout=timeout, markup=False)

    def load_label_set(self) -> list[Label]:
        """The user's labels; a bad label file is reported and the defaults are used."""
        try:
            return load_labels(self.labels_path)
        except LabelError as exc:
            self.notify(f"Labels not loaded, using the defaults: {exc}", severity="error", timeout=20)
            return default_labels()

    def apply_keymap(self, packed: object = None) -> None:
        """Rebind keys from the user's config file (and take its learn settings); a bad file is
        reported and ignored. ``packed``: the keymap the database carries (``hkpr pack`` puts the
        coordinator's there), applied under the user's own."""
        keymap: dict[str, str] = {}
        if isinstance(packed, dict) and all(isinstance(k, str) and isinstance(v, str) and v for k, v in packed.items()):
            keymap.update(packed)
        elif packed is not None:
            self.notify("The database's keymap is not a table of binding id → keys; not applied", severity="warning")
        try:
            config = load_config(self.config_path)
        except ConfigError as exc:
            self.notify(f"Configuration not applied: {exc}", severity="error", timeout=15)
            config = Config()
        self.config = config
        keymap.update(config.keymap)
        if not keymap:
            return
        unknown = sorted(set(keymap) - set(binding_ids()))
        if unknown:
            self.notify(
                f"Keymap: no binding with id {', '.join(unknown)} (see ? for ids)", severity="warning", timeout=15
            )
        self.set_keymap({k: v for k, v in keymap.items() if k not in unknown})

    # -- suggestions that learn ---------------------------------------------------------------

    def want_model(self) -> None:
        """Load the model the first time a release is read (never at start-up: it is not needed
        for the library, and loading it would slow the first frame)."""
        if not self.model_requested:
            self.model_requested = True
            self.load_model()

    @work(thread=True, exclusive=True, group="model", exit_on_error=False)
    def load_model(self) -> None:
        """The model trained on this database's done releases, if there is one (a worker)."""
        from hkpr_tui import learn

        model = learn.Model.load(learn.model_path(self.db_path))
        if model is not None:
            self.call_from_thread(self._model_loaded, model)

    def _model_loaded(self, model: object) -> None:
        self.model = model
        refresh = getattr(self.screen, "refresh_tags", None)
        if callable(refresh):
            refresh()  # the open reader's suggestions now include the model's

    def release_done(self) -> None:
        """A release was marked done: every ``retrain_every`` of them, the model learns again."""
        self.done_since_training += 1
        if self.done_since_training >= self.config.retrain_every:
            self.done_since_training = 0
            self.retrain()

    @work(thread=True, exclusive=True, group="learn", exit_on_error=False)
    def retrain(self) -> None:
        """Train on the done releases in a worker (the app goes on), then use the new model."""
        from hkpr_tui import learn

        if not learn.available():
            return
        try:
            with closing(Store.connect(self.db_path)) as store:
                report = learn.train(store, path=learn.model_path(self.db_path))
        except (learn.LearnError, StoreError) as exc:
            self.call_from_thread(self.notify, f"Suggestions model not trained: {exc}", severity="warning")
            return
        model = learn.Model.load(report.path)
        self.call_from_thread(self._model_trained, model, report.releases, report.tags)

    def _model_trained(self, model: object, releases: int, tags: int) -> None:
        self.model = model
        self.model_suggestions.clear()
        self.notify(f"Suggestions model trained on {releases} done releases ({tags} tags)")
        refresh = getattr(self.screen, "refresh_tags", None)
        if callable(refresh):
            refresh()  # the reader's suggestions now include the model's

    @work(thread=True, exclusive=True, group="import", exit_on_error=False)
    def import_seeds(self, folder: Path) -> None:
        from hkpr_tui.importer import import_paths  # only a first run imports: keep it off start-up

        try:
            store = Store.open(self.db_path)
            try:
                report = import_paths(store, [folder], annotator=self.annotator)
            finally:
                store.close()
        except StoreError as exc:
            self.call_from_thread(self.notify, f"{folder}/ not imported: {exc} (it is tried again on the next start)",
                                  severity="error", timeout=20)  # fmt: skip
            return
        self.post_message(ImportFinished(report))

    @on(ImportFinished)
    def _imported(self, message: ImportFinished) -> None:
        report = message.report
        self.notify(report.summary(), severity="warning" if report.skipped else "information")
        for skipped in report.skipped:
            self.notify(f"{skipped.path}: {skipped.reason}", severity="warning", timeout=10)
        if isinstance(self.screen, LibraryScreen):
            self.screen.action_reload()

    @on(OpenRelease)
    def open_release(self, message: OpenRelease) -> None:
        from hkpr_tui.screens.reader import ReaderScreen  # the reader loads on first use, not at start-up

        closed = message.closed
        self.push_screen(
            ReaderScreen(self.db_path, message.release_id, cursor=message.cursor, find=message.find),
            (lambda _: closed()) if closed else None,
        )

    @on(PickRelease)
    def pick_release(self, message: PickRelease) -> None:
        self.push_screen(LibraryScreen(self.db_path, pick=True, annotator=self.annotator), message.chosen)

    def action_help(self) -> None:
        from hkpr_tui.screens.help import HelpScreen  # loads on first use

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen([binding for _, binding in context_bindings(self)]))

    def on_unmount(self) -> None:
        gc.unfreeze()  # another app in this process (tests) starts from a collector that sees everything
        if self._collecting:
            gc.enable()  # and that runs (had the first screen never been drawn)
        store = self.store
        if store is None:
            return
        self.store = None
        try:
            if self.session_id is not None:
                store.end_session(self.session_id)
                self.summary = session_line(store, self.session_id)
        except StoreError as exc:
            self.summary = f"hkpr: the session's end was not recorded ({exc}); every acknowledged action was saved."
        finally:
            store.close()


def session_line(store: Store, session_id: int) -> str:
    """One line for the end of a session: time spent, tags made, actions."""
    import datetime as dt

    s = store.session_summary(session_id)
    spent = dt.datetime.fromisoformat(s.ended_at or s.started_at) - dt.datetime.fromisoformat(s.started_at)
    minutes, seconds = divmod(int(spent.total_seconds()), 60)
    hours, minutes = divmod(minutes, 60)
    took = f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {seconds:02d} s"
    return f"hkpr session {s.id} ({s.annotator}): {took}, {s.tags} tag{'s' * (s.tags != 1)} made, {s.actions} action{'s' * (s.actions != 1)}."
