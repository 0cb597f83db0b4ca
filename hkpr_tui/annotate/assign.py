"""Dealing releases out to annotators (``hkpr assign``). Headless; the store reads and writes.

The unit dealt is a release group (the versions of one release): every version goes to the same
annotators, so nobody annotates one version of a text another annotator saw in its other script.
Each group goes to ``overlap`` distinct annotators, the least loaded first (loads counted in
releases, with what each has already), largest groups first and ties broken by a generator seeded
with ``seed``: the same database, arguments and seed always give the same deal, and the loads
differ by at most about one group. A release assigned already keeps its annotators unless
``replace``; a new version of a group assigned already goes to that group's annotators.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from hkpr_tui.models import ReleaseFilter
from hkpr_tui.store import Store

MAX_NAME = 100


class AssignError(ValueError):
    """Arguments ``assign`` cannot use; the message names what is wrong."""


def parse_annotators(text: str) -> list[str]:
    """Comma-separated annotator names: each non-empty, without control characters, named once."""
    names = [part.strip() for part in text.split(",")]
    for name in names:
        if not name:
            raise AssignError(f"--annotators: an empty name in {text!r} (names are separated by single commas)")
        if any(unicodedata.category(c).startswith("C") for c in name):
            raise AssignError(f"--annotators: {name!r} contains a control character")
        if len(name) > MAX_NAME:
            raise AssignError(f"--annotators: {name[:20]!r}… is longer than {MAX_NAME} characters")
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise AssignError(f"--annotators: {name} is named twice")
        seen.add(name)
    return names


@dataclass(frozen=True)
class Unit:
    """One release group's releases to deal, and the annotators its other versions have (if any)."""

    group_id: int
    release_ids: tuple[int, ...]
    annotators: tuple[str, ...] = ()


def deal(
    units: Sequence[Unit], annotators: Sequence[str], overlap: int, *, seed: int, loads: dict[str, int] | None = None
) -> dict[int, tuple[str, ...]]:
    """Release id → its annotators (sorted). ``loads``: releases each annotator has already."""
    if not 1 <= overlap <= len(annotators):
        raise AssignError(
            f"--overlap {overlap} needs at least {overlap} annotators; --annotators names {len(annotators)}"
        )
    rng = random.Random(seed)
    order = list(units)
    rng.shuffle(order)
    order.sort(key=lambda u: -len(u.release_ids))  # stable: largest first, seeded order among equals
    load = {name: (loads or {}).get(name, 0) for name in annotators}
    out: dict[int, tuple[str, ...]] = {}
    for unit in order:
        if unit.annotators:
            chosen = list(unit.annotators)
        else:
            chosen = sorted(annotators, key=lambda name: (load[name], rng.random()))[:overlap]
        for name in chosen:
            if name in load:
                load[name] += len(unit.release_ids)
        for release_id in unit.release_ids:
            out[release_id] = tuple(sorted(chosen))
    return out


@dataclass
class Plan:
    """What ``assign`` would write: the new assignments, what was kept, and the loads after."""

    new: dict[int, tuple[str, ...]]
    replace: list[int]  # releases whose old assignments are dropped (with --replace)
    kept: int  # matching releases assigned already, left as they were
    groups: int  # groups dealt
    totals: dict[str, int] = field(default_factory=dict)  # annotator → releases assigned after the deal

    def added(self, name: str) -> int:
        return sum(name in names for names in self.new.values())

    def payload(self, annotators: Sequence[str], overlap: int, seed: int, where: ReleaseFilter) -> dict[str, object]:
        return {
            "annotators": list(annotators),
            "overlap": overlap,
            "seed": seed,
            "filter": {k: v for k, v in vars(where).items() if v is not None},
            "replaced": len(self.replace),
            "releases": len(self.new),
            "by_annotator": {name: self.added(name) for name in sorted(self.totals) if self.added(name)},
        }


def plan(
    store: Store,
    annotators: Sequence[str],
    overlap: int,
    *,
    seed: int = 0,
    where: ReleaseFilter | None = None,
    replace: bool = False,
) -> Plan:
    """Deal the releases ``where`` selects (only those not assigned yet, unless ``replace``)."""
    if not 1 <= overlap <= len(annotators):
        raise AssignError(
            f"--overlap {overlap} needs at least {overlap} annotators; --annotators names {len(annotators)}"
        )
    matching = store.release_groups_of(where)
    current = store.assignments()
    replaced = [rid for rid, _ in matching if rid in current] if replace else []
    if replace:
        for rid in replaced:
            del current[rid]
    group_of = dict(store.release_groups_of(None))
    by_group: dict[int, set[str]] = {}
    for rid, names in current.items():
        by_group.setdefault(group_of[rid], set()).update(names)
    pending: dict[int, list[int]] = {}
    kept = 0
    for rid, gid in matching:
        if rid in current:
            kept += 1
        else:
            pending.setdefault(gid, []).append(rid)
    units = [Unit(gid, tuple(rids), tuple(sorted(by_group.get(gid, ())))) for gid, rids in sorted(pending.items())]
    loads: dict[str, int] = {}
    for names in current.values():
        for name in names:
            loads[name] = loads.get(name, 0) + 1
    new = deal(units, annotators, overlap, seed=seed, loads=loads)
    totals = dict(loads)
    for name in annotators:
        totals.setdefault(name, 0)
    for dealt in new.values():
        for name in dealt:
            totals[name] = totals.get(name, 0) + 1
    return Plan(new, replaced, kept, len(units), totals)
