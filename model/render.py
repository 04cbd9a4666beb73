"""States and steps in the runtime's own vocabulary.

`fields` names every field (queues as lists) for diffs and JSON;
`schedtrace` prints the state the way `GODEBUG=schedtrace=1,scheddetail=1`
does, with the model's extra per-M program counter.
"""

from . import schedtrace
from .actions import ACTIONS
from .layout import NMIDLELOCKED_BIAS, OMEGA
from .names import g_name
from .runtime import signed
from .vocab import (FATAL_NAMES, G_STATUS_NAMES, GF_PREEMPT, GF_TOKEN, M_IDLE, M_NONE,
                    P_STATUS_NAMES, PC_NAMES, SLICE_NAMES, SYSCALL_NAMES, THROWS, WAIT_NAMES)


def _name(prefix: str, i: int) -> str:
    """A G, P or M by its 0-based index, as shown (a G by its goid: model/names.py)."""
    return g_name(i) if prefix == "G" else f"{prefix}{i}"


def _ref(prefix: str, v: int) -> str:
    return _name(prefix, v - 1) if v else "nil"


def _count(mult: int, cutoff: int) -> str:
    return f"more than {cutoff}" if mult == OMEGA else str(mult)


def _queue(prefix: str, s, slots) -> str:
    return "[" + " ".join(_name(prefix, s[o] - 1) for o in slots if s[o]) + "]"


class Renderer:
    def __init__(self, machine):
        self.mc = machine
        self.L = machine.L

    def proc(self, i: int) -> str:
        return self.mc.proc_name(i)

    def label(self, label) -> str:
        name, proc, *params = label
        info = self.mc.action_table.get(name)
        kinds = info.params if info else ("?",) * len(params)
        args = [self.proc(proc)] + [_name(k, v) if k != "?" else str(v) for k, v in zip(kinds, params)]
        return f"{name}({', '.join(args)})"

    def runtime_of(self, label) -> str:
        info = self.mc.action_table.get(label[0])
        text = ", ".join(info.runtime) if info else "?"
        if info is not None and info is not ACTIONS.get(label[0]):
            text += f"; SEEDED BUG {self.mc.config.mutant}"  # the step the mutant changed
        return text

    def nmspinning_text(self, s) -> str:
        n = self.mc.rt.nmspinning(s)
        return str(n) if n == s[self.L.nmspinning] else f"at least {n}"

    def throw_text(self, code: int) -> str:
        if code in FATAL_NAMES:
            return "fatal: " + FATAL_NAMES[code]
        return "throw: " + THROWS[code] if code else "-"

    def g_op(self, g: int, s) -> str:
        program = self.mc.config.workload[g]
        pc = s[self.L.g_pc[g]]
        return f"{pc}:{program[pc]}" if pc < len(program) else str(pc)

    def fields(self, s) -> dict:
        L, out = self.L, {}
        for g in range(L.ng):
            G = g_name(g)
            out[f"{G}.status"] = G_STATUS_NAMES[s[L.g_status[g]]]
            out[f"{G}.pc"] = self.g_op(g, s)
            out[f"{G}.wait"] = WAIT_NAMES[s[L.g_wait[g]]]
            out[f"{G}.timer"] = _ref("P", s[L.g_timerp[g]])
            flags = s[L.g_flags[g]]
            out[f"{G}.flags"] = ",".join(n for bit, n in ((GF_PREEMPT, "preempt"), (GF_TOKEN, "token")) if flags & bit) or "-"
            out[f"{G}.lockedm"] = _ref("M", s[L.g_lockedm[g]])
        for p in range(L.np):
            out[f"P{p}.status"] = P_STATUS_NAMES[s[L.p_status[p]]]
            out[f"P{p}.m"] = _ref("M", s[L.p_m[p]])
            out[f"P{p}.runnext"] = _ref("G", s[L.p_runnext[p]])
            out[f"P{p}.runq"] = _queue("G", s, L.p_runq[p])
            out[f"P{p}.runSafePointFn"] = str(s[L.p_runSafePointFn[p]])
            out[f"P{p}.slice"] = SLICE_NAMES[s[L.p_schedwhen[p]]]
            out[f"P{p}.syscall"] = SYSCALL_NAMES[s[L.p_syscallwhen[p]]]
            out[f"P{p}.schedtick"] = "61k+1 (just took the global queue first)" if s[L.p_tick61[p]] else "-"
        for i in range(L.nm + 1):
            name = L.proc_name(i)
            if i < L.nm and s[L.proc_pc[i]] == M_NONE:
                continue  # a thread not made (yet)
            out[f"{name}.pc"] = PC_NAMES[s[L.proc_pc[i]]]
            out[f"{name}.ret"] = PC_NAMES[s[L.proc_ret[i]]] if s[L.proc_ret[i]] else "-"
            out[f"{name}.hp"] = _ref("P", s[L.proc_hp[i]])
            out[f"{name}.arg"] = str(s[L.proc_arg[i]])
            if i < L.nm:
                for f, prefix in (("p", "P"), ("nextp", "P"), ("oldp", "P"), ("curg", "G"), ("gp", "G"),
                                  ("lockedg", "G")):
                    out[f"{name}.{f}"] = _ref(prefix, s[getattr(L, "m_" + f)[i]])
                out[f"{name}.spinning"] = "true" if s[L.m_spinning[i]] else "false"
                if not L.bounded:
                    out[f"{name}.count"] = _count(s[L.m_mult[i]], L.cutoff)
        out["sched.runq"] = _queue("G", s, L.runq)
        out["sched.pidle"] = _queue("P", s, L.pidle)
        if L.bounded:
            out["sched.midle"] = _queue("M", s, L.midle)
            out["sched.nmidle"] = str(s[L.nmidle])
        out["sched.nmspinning"] = self.nmspinning_text(s)
        for f in ("npidle", "needspinning", "netpolling", "sysmonwait", "netpollBreak"):
            out[f"sched.{f}"] = str(s[getattr(L, f)])
        out["sched.nmidlelocked"] = str(s[L.nmidlelocked] - NMIDLELOCKED_BIAS)
        out["sched.gcwaiting"] = str(s[L.gcwaiting])
        out["sched.stopwait"] = str(signed(s[L.stopwait]))
        out["sched.stopnote"] = str(s[L.stopnote])
        out["sched.safePointWait"] = str(signed(s[L.safePointWait]))
        out["sched.throw"] = self.throw_text(s[L.throw])
        return out

    def count_text(self, mult: int) -> str:
        return _count(mult, self.L.cutoff)

    def schedtrace(self, s, detail: bool = False) -> str:
        """The runtime's schedtrace (and scheddetail) lines: model/schedtrace.py."""
        return "\n".join(schedtrace.lines(self, s, detail))
