"""The catalogue of model actions.

An action is one atomic step of the scheduler: a function
`step(rt, s, proc, out)` that checks its enabling condition on state `s` for
process `proc` (an M, or sysmon) and appends `(label, successor)` pairs to
`out`. A label is a tuple `(name, proc, *params)`; the successor is `None`
when the step would need a thread beyond the thread limit (a cut).

Every action declares the proc.go function(s) it models; its docstring says
what it abstracts away. An action tied to one syscall protocol lists it in
`protocols` (the machine loads only the configured protocol's actions).
"""

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class ActionInfo:
    name: str
    runtime: tuple[str, ...]  # proc.go functions this step models
    params: tuple[str, ...]  # kinds of the label's params after proc: "P", "G", "M"
    actor: str  # "M", "sysmon" or "env"
    pcs: tuple[int, ...]  # program counters at which it can fire (env: none)
    ops: tuple[int, ...]  # at M_RUN: the workload ops it runs
    step: Callable
    doc: str
    mutant_only: bool = False
    protocols: tuple[str, ...] = ()  # the syscall protocols it belongs to; () for all


CLASSIC = ("classic",)  # protocols= of the steps only the classic (_Psyscall) protocol has
MODERN = ("modern",)  # protocols= of the steps only the modern (_Gscan, Go >= 1.26) protocol has

ACTIONS: dict[str, ActionInfo] = {}


def action(name: str, runtime: str, pcs=(), params=(), actor: str = "M", ops=(), mutant_only: bool = False,
           protocols=()):
    """Register a step function as the action `name`."""

    def register(fn):
        if name in ACTIONS:
            raise ValueError(f"action {name} registered twice")
        if not (fn.__doc__ and fn.__doc__.strip()):
            raise ValueError(f"action {name} has no docstring")
        ACTIONS[name] = ActionInfo(
            name=name, runtime=tuple(r.strip() for r in runtime.split(",")), params=tuple(params),
            actor=actor, pcs=tuple(pcs), ops=tuple(ops), step=fn, doc=" ".join(fn.__doc__.split()), mutant_only=mutant_only,
            protocols=tuple(protocols))
        return fn

    return register
