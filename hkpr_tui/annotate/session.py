"""``Actions``: every annotation action of one session, with undo and redo. Headless.

Each method does its work through the store (one commit, one event-log entry, so it is on disk
when the method returns) and remembers how to reverse it. ``undo`` and ``redo`` replay those
reversals in order, also through the store and the event log ("undo tag", "redo tag", …).
They act only while the rows are still as this session left them: another annotator (another
hkpr on the same database, a merge) may have changed or deleted them since, and then the step
is refused with who changed what, checked and written in one transaction. The app calls these
methods; so can scripts and tests, without Textual.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from hkpr_tui.annotate.suggest import Suggestion
from hkpr_tui.models import Annotation, Link
from hkpr_tui.store import SpanError, Store

STATUS_CYCLE = {"todo": "in progress", "in progress": "done", "done": "todo"}


@dataclass
class Step:
    """One action as the user sees it, and how to reverse and replay it."""

    name: str  # tag, edit, delete, accept, accept all, reject, link, status
    description: str
    undo: Callable[[str], object]  # called with the event-log action name
    redo: Callable[[str], object]
    release_ids: set[int] = field(default_factory=set)  # whose views need a refresh
    state: Callable[[], object] = lambda: None  # reads the step's rows as they are now
    left: object = None  # the rows as this session last left them


class StaleStep(ValueError):
    """Undo or redo refused: someone else changed the step's rows since; the message says who."""


class Actions:
    def __init__(self, store: Store, annotator: str, session_id: int | None = None) -> None:
        self.store = store
        self.annotator = annotator
        self.session_id = session_id
        self.done: list[Step] = []
        self.undone: list[Step] = []

    @property
    def _who(self) -> dict[str, Any]:
        return {"annotator": self.annotator, "session_id": self.session_id}

    def _push(self, step: Step) -> None:
        step.left = step.state()
        self.done.append(step)
        self.undone.clear()

    def _annotations_state(self, *ids: int) -> Callable[[], object]:
        """What the rows say (not when they were written: undoing a later step rewrites them)."""

        def state() -> object:
            rows = [self.store.annotation(i) for i in ids]
            return [(a.label, a.start, a.end, a.status, a.attributes, a.deleted_at is None) for a in rows]

        return state

    def _delete(self, annotation_id: int) -> Callable[[str], object]:
        return lambda action: self.store.set_annotation_deleted(annotation_id, True, action=action, **self._who)

    def _restore(self, annotation_id: int) -> Callable[[str], object]:
        return lambda action: self.store.set_annotation_deleted(annotation_id, False, action=action, **self._who)

    # -- actions ---------------------------------------------------------------------------

    def tag(
        self, release_id: int, kind: str, label: str, start: int, end: int, attributes: dict[str, Any] | None = None
    ) -> Annotation:
        made = self.store.add_annotation(release_id, kind, label, start, end, attributes=attributes, **self._who)
        self._push(
            Step("tag", f"{label} 「{made.text}」", self._delete(made.id), self._restore(made.id), {release_id},
                 self._annotations_state(made.id))
        )  # fmt: skip
        return made

    def edit(
        self,
        annotation_id: int,
        *,
        label: str | None = None,
        start: int | None = None,
        end: int | None = None,
        attributes: dict[str, Any] | None = None,
    ) -> Annotation:
        before = self.store.annotation(annotation_id)
        after = self.store.update_annotation(
            annotation_id, label=label, start=start, end=end, attributes=attributes, **self._who
        )

        def put(state: Annotation) -> Callable[[str], object]:
            return lambda action: self.store.update_annotation(
                annotation_id, label=state.label, start=state.start, end=state.end,
                attributes=state.attributes, action=action, **self._who,
            )  # fmt: skip

        self._push(Step("edit", f"{after.label} 「{after.text}」", put(before), put(after), {after.release_id},
                        self._annotations_state(annotation_id)))  # fmt: skip
        return after

    def delete(self, annotation_id: int) -> Annotation:
        gone = self.store.set_annotation_deleted(annotation_id, True, **self._who)
        self._push(
            Step(
                "delete",
                f"{gone.label} 「{gone.text}」",
                self._restore(annotation_id),
                self._delete(annotation_id),
                {gone.release_id},
                self._annotations_state(annotation_id),
            )
        )
        return gone

    def accept(self, release_id: int, suggestion: Suggestion) -> Annotation:
        made = self.store.add_annotation(
            release_id, "entity", suggestion.label, suggestion.start, suggestion.end,
            attributes={"suggested_by": suggestion.source}, action="accept", **self._who,
        )  # fmt: skip
        self._push(Step("accept", f"{made.label} 「{made.text}」", self._delete(made.id), self._restore(made.id), {release_id},
                        self._annotations_state(made.id)))  # fmt: skip
        return made

    def accept_all(self, release_id: int, suggestions: Sequence[Suggestion]) -> tuple[list[Annotation], list[str]]:
        """Accept every suggestion given, in one commit and one undo step; spans that cannot be
        taken (they would cross an earlier one) are skipped and their reasons returned."""
        spans = [(s.start, s.end, s.label, {"suggested_by": s.source}) for s in suggestions]
        return self._tag_many(release_id, spans, action="accept", step="accept all")

    def tag_all(
        self, release_id: int, label: str, spans: Sequence[tuple[int, int]]
    ) -> tuple[list[Annotation], list[str]]:
        """Tag every span ``label`` (every match of a find), in one commit and one undo step;
        spans that cannot be taken (already tagged, crossing) are skipped and their reasons returned."""
        return self._tag_many(release_id, [(s, e, label, None) for s, e in spans], action="tag", step="tag all")

    def _tag_many(
        self,
        release_id: int,
        spans: Sequence[tuple[int, int, str, dict[str, Any] | None]],
        *,
        action: str,
        step: str,
    ) -> tuple[list[Annotation], list[str]]:
        made: list[Annotation] = []
        refused: list[str] = []
        with self.store.write():
            for start, end, label, attributes in spans:
                try:
                    made.append(
                        self.store.add_annotation(
                            release_id, "entity", label, start, end, attributes=attributes, action=action, **self._who
                        )
                    )
                except SpanError as exc:
                    refused.append(str(exc))
        ids = [a.id for a in made]

        def each(fn: Callable[[int], Callable[[str], object]]) -> Callable[[str], object]:
            def run(action: str) -> None:
                with self.store.write():
                    for annotation_id in ids:
                        fn(annotation_id)(action)

            return run

        if made:
            description = f"{len(made)} × {made[0].label}"
            self._push(
                Step(
                    step,
                    description,
                    each(self._delete),
                    each(self._restore),
                    {release_id},
                    self._annotations_state(*ids),
                )
            )
        return made, refused

    def reject(self, release_id: int, suggestion: Suggestion) -> Annotation:
        """Remember a refused suggestion (status rejected), so it is not proposed again."""
        made = self.store.add_annotation(
            release_id, "entity", suggestion.label, suggestion.start, suggestion.end,
            status="rejected", attributes={"suggested_by": suggestion.source}, action="reject", **self._who,
        )  # fmt: skip
        self._push(Step("reject", f"{made.label} 「{made.text}」", self._delete(made.id), self._restore(made.id), {release_id},
                        self._annotations_state(made.id)))  # fmt: skip
        return made

    def link(self, source_id: int, target_id: int, kind: str) -> Link:
        link = self.store.add_link(source_id, target_id, kind, **self._who)
        releases = {self.store.annotation(source_id).release_id, self.store.annotation(target_id).release_id}
        self._push(
            Step(
                "link",
                kind.replace("_", " "),
                lambda action: self.store.set_link_deleted(link.id, True, action=action, **self._who),
                lambda action: self.store.set_link_deleted(link.id, False, action=action, **self._who),
                releases,
                lambda: self.store.link_deleted_at(link.id) is None,
            )
        )
        return link

    def set_status(self, release_id: int, status: str) -> str:
        before = self.store.set_status(release_id, status, **self._who)
        self._push(
            Step(
                "status",
                f"{before} → {status}",
                lambda action: self.store.set_status(release_id, before, action=action, **self._who),
                lambda action: self.store.set_status(release_id, status, action=action, **self._who),
                {release_id},
                lambda: self.store.release_status(release_id),
            )
        )
        return before

    def cycle_status(self, release_id: int, current: str) -> str:
        new = STATUS_CYCLE.get(current, "todo")
        self.set_status(release_id, new)
        return new

    # -- undo and redo ---------------------------------------------------------------------

    def undo(self) -> Step | None:
        """Reverse the last action still done; None when there is nothing to undo."""
        if not self.done:
            return None
        step = self.done[-1]
        self._replay(step, step.undo, "undo")
        self.undone.append(self.done.pop())
        return step

    def redo(self) -> Step | None:
        if not self.undone:
            return None
        step = self.undone[-1]
        self._replay(step, step.redo, "redo")
        self.done.append(self.undone.pop())
        return step

    def _replay(self, step: Step, fn: Callable[[str], object], verb: str) -> None:
        """Check that the step's rows are as this session left them and reverse (or replay) it,
        in one transaction; refused with ``StaleStep`` when someone else changed them since."""
        with self.store.write():
            if step.state() != step.left:
                who = self.store.last_change(step.release_ids, not_session=self.session_id)
                raise StaleStep(
                    f"cannot {verb} {step.name} {step.description}: changed since by {who or 'someone else'}; nothing was changed"
                )
            fn(f"{verb} {step.name}")
            step.left = step.state()
