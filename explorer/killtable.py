"""The kill table: every seeded bug checked against the properties.

A mutant is killed when checking its configuration violates a property; the
row records which property (the first found by breadth-first search, so its
counterexample is a shortest one), the counterexample's length, the states
explored and the time taken.
"""

import time
from dataclasses import dataclass

from .plugins import liveness_of
from .spec import DEADLOCK
from .verify import verify


@dataclass
class KillRow:
    name: str
    preset: str
    kind: str  # which kind of property the catalogue expects to catch it
    killed: bool
    property: str | None
    killed_by: str | None  # "safety" or "liveness"
    trace_length: int | None
    states: int
    seconds: float
    grounding: str
    historical: bool
    prefix_length: int | None = None
    cycle_length: int | None = None
    stop_reason: str | None = None  # why the search did not finish, if it did not

    def to_json(self) -> dict:
        return dict(self.__dict__)


def check_mutant(plugin, mutant: dict, workers: int = 1, properties=None, limits=None) -> KillRow:
    """Check one mutant on its preset: the safety properties, then (if they
    all hold) the liveness properties. `properties` restricts to some names."""
    started = time.perf_counter()
    machine, invariants = plugin.build(plugin.mutant_config(mutant["name"]))
    liveness = liveness_of(plugin, machine)
    if properties is not None:
        invariants = [inv for inv in invariants if inv.name in properties]
        liveness = [p for p in liveness if p.name in properties]
    deadlock = properties is None or DEADLOCK in properties
    v = verify(machine, invariants, liveness, check_deadlock=deadlock, workers=workers, limits=limits)
    where = mutant["preset"] + (f" ({mutant['protocol']})" if mutant.get("protocol") else "")
    row = KillRow(name=mutant["name"], preset=where, kind=mutant["kind"], killed=False, property=None,
                  killed_by=None, trace_length=None, states=v.result.states, seconds=0.0,
                  grounding=mutant["grounding"], historical=mutant["historical"],
                  stop_reason=(v.result.stop_reason if not v.result.complete else
                               v.liveness_skipped if "stopped early" in v.liveness_skipped else None))
    if v.result.violations:
        first = v.result.violations[0]
        row.killed, row.killed_by, row.property, row.trace_length = True, "safety", first.property, first.length
    else:
        failed = [live for live in v.liveness if not live.holds]
        if failed:
            first = failed[0]  # the first liveness property, in the order they are declared
            row.killed, row.killed_by, row.property = True, "liveness", first.name
            row.prefix_length, row.cycle_length = first.lasso.prefix_length, first.lasso.cycle_length
            row.trace_length = row.prefix_length + row.cycle_length
    row.seconds = round(time.perf_counter() - started, 2)
    return row


def format_table(rows: list[KillRow]) -> list[str]:
    lines = [f"{'mutant':<34} {'preset':<20} {'verdict':<8} {'by property':<31} {'trace':>7} {'states':>9} {'seconds':>8}"]
    for r in rows:
        verdict = "killed" if r.killed else "unknown" if r.stop_reason else "SURVIVED"
        prop = r.property or "-"
        if r.killed_by == "liveness":
            length = f"{r.prefix_length}+{r.cycle_length}"
        else:
            length = str(r.trace_length) if r.trace_length is not None else "-"
        lines.append(f"{r.name:<34} {r.preset:<20} {verdict:<8} {prop:<31} {length:>7} {r.states:>9,} {r.seconds:>8.2f}")
    killed = sum(r.killed for r in rows)
    lines.append(f"{killed} of {len(rows)} mutants killed "
                 f"({sum(r.killed_by == 'safety' for r in rows)} by safety, {sum(r.killed_by == 'liveness' for r in rows)} by liveness)")
    return lines
