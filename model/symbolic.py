"""The model's symbolic view (explorer/symbolic/relation.py): how the
symbolic engine runs this model's own actions on symbolic states.

Nothing here restates an action. The view hands the engine the machine's
own `halted`, `dispatch` and step functions (GoScheduler.successors is made
of exactly these), a Runtime whose `copy`/`freeze`/`choose` build symbolic
successors, and the *domain* of every field: the values it may hold, which
is the model's type invariant (TypeOK in TLA+ terms). The domains come from
the vocabulary's name tables and the layout's field kinds, so a status or a
program counter added to model/vocab.py is in them at once.

Only numbered threads (`--threads N`, config.threads) are supported: the
unbounded threads' counter abstraction renames and sorts M slots after every
step (Layout.canonical), which is not a function of fixed fields.
"""

from contextlib import contextmanager

from .config import ConfigError
from .layout import GLIST_BITS, GSET, NMIDLELOCKED_BIAS, REF_G, REF_M, REF_P
from .machine import GoScheduler
from .vocab import FATAL_NAMES, G_STATUS_NAMES, P_STATUS_NAMES, PC_NAMES, THROWS, WAIT_NAMES


def _field(name: str) -> str:
    """The field part of a layout name: "G0.status" -> "status", "P1.runq[0]" -> "runq"."""
    return name.split(".", 1)[1].split("[", 1)[0]


def domains(machine: GoScheduler) -> list[tuple]:
    """Per field, the values it may hold: references are nil or an existing
    G/P/M, statuses, wait reasons, throw codes and program counters are the
    vocabulary's, a G's pc is an op of its program, counters range up to
    what they count."""
    L = machine.L
    ng, np_, nm = L.ng, L.np, L.nm
    pcs = tuple(sorted(PC_NAMES))
    out = []
    for o, (name, kind) in enumerate(zip(L.names, L.kinds)):
        f = _field(name)
        if kind == REF_G:
            d = range(ng + 1)
        elif kind == REF_P:
            d = range(np_ + 1)
        elif kind == REF_M:
            d = range(nm + 1)
        elif kind == GSET:  # a bitmask of Gs, GLIST_BITS a byte
            k = int(f[len("glist"):] or 0)
            d = range(1 << min(GLIST_BITS, ng - GLIST_BITS * k))
        elif name.startswith("G"):
            g = int(name[1:name.index(".")])
            d = {"status": sorted(G_STATUS_NAMES), "pc": range(len(machine.config.workload[g])),
                 "wait": sorted(WAIT_NAMES), "flags": range(4)}[f]
        elif name.startswith("P"):
            d = sorted(P_STATUS_NAMES)
        elif f == "pc":
            d = pcs
        elif f == "ret":
            d = (0,) + pcs
        elif f == "arg":
            d = range(ng + 1)
        elif f == "spinning":
            d = range(2)
        elif f == "npidle":
            d = range(np_ + 1)
        elif f == "nmspinning":
            d = range(nm + 2)  # the spinning Ms, plus a wakep credit per M and sysmon
        elif f in ("needspinning", "netpolling"):
            d = range(2)
        elif f == "nmidlelocked":
            d = range(NMIDLELOCKED_BIAS + 2)  # -1, 0 and one too many, around the bias
        elif f == "nmidle":
            d = range(nm + 1)
        elif f == "throw":
            d = [0] + sorted(THROWS) + sorted(FATAL_NAMES)
        else:
            raise ValueError(f"no domain for field {name}")
        out.append(tuple(d))
    return out


class SymbolicView:
    """A GoScheduler as the symbolic engine sees it. It uses a machine of
    its own, whose Runtime builds symbolic successors while `symbolic()` is
    active."""

    def __init__(self, machine: GoScheduler):
        if not machine.L.bounded:
            raise ConfigError("symbolic checking needs numbered threads: give --threads N "
                              "(the unbounded threads' abstraction is not supported by bmc and prove)")
        self.machine = GoScheduler(machine.config)
        self.explicit = machine
        L = self.machine.L
        self.size = L.size
        self.names = list(L.names)
        self.domains = domains(self.machine)
        self.processes = self.machine.processes

    def init_states(self):
        return self.machine.init_states()

    def halted(self, s):
        return self.machine.halted(s)

    def dispatch(self, s, proc):
        return self.machine.dispatch(s, proc)

    def run_step(self, step, s, proc, out) -> None:
        step(self.machine.rt, s, proc, out)

    @staticmethod
    def step_name(step) -> str:
        return step.__name__

    def terminal(self, s):
        return self.machine.terminal(s)

    @contextmanager
    def symbolic(self, copy, freeze, choose):
        """Runtime.copy/freeze/choose are the engine's while this is active."""
        rt = self.machine.rt
        rt.copy, rt.freeze, rt.choose = copy, freeze, choose
        try:
            yield
        finally:
            del rt.copy, rt.freeze, rt.choose
