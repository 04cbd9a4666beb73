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
from .names import g_name
from .vocab import (FATAL_NAMES, G_STATUS_NAMES, GF_PREEMPT, GF_PREEMPT_LATE, GF_SCAN, GF_TOKEN, M_IDLE, M_NONE,
                    P_STATUS_NAMES, PC_NAMES, SLICE_NAMES, SY_IDLE, SY_INCIDLELOCKED, SYSCALL_NAMES, THROWS, WAIT_NAMES,
                    _Grunnable)

# A G's flags: any combination of its flag bits.
G_FLAG_VALUES = tuple(sorted({a | b | c | d for a in (0, GF_PREEMPT) for b in (0, GF_TOKEN) for c in (0, GF_PREEMPT_LATE)
                              for d in (0, GF_SCAN)}))


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
                 "wait": sorted(WAIT_NAMES), "flags": G_FLAG_VALUES}[f]
        elif name.startswith("P") and f == "status":
            d = sorted(P_STATUS_NAMES)
        elif name.startswith("P") and f == "schedwhen":
            d = sorted(SLICE_NAMES)
        elif name.startswith("P") and f == "syscallwhen":
            d = sorted(SYSCALL_NAMES)
        elif f in ("tick61", "sysmonwait", "netpollBreak") or f in ("runSafePointFn", "gcwaiting", "stopnote"):
            d = range(2)
        elif f in ("stopwait", "safePointWait"):  # signed counters of Ps, one too many either way
            d = sorted({v % 256 for v in range(-np_ - 1, np_ + 2)})
        elif f == "nGsyscallNoP":  # signed count of syscalling Gs without a P, one too many either way
            d = sorted({v % 256 for v in range(-1, ng + 2)})
        elif f == "nmidlelocked":  # around the bias: sysmon's -1, locked Ms either way, one too many
            d = range(NMIDLELOCKED_BIAS - nm - 2, NMIDLELOCKED_BIAS + nm + 2)
        elif f == "pc":
            d = pcs
        elif f == "ret":
            d = (0,) + pcs
        elif f == "arg":  # a count of Gs, or stealWork's bit per P looked at
            d = range(max(ng + 1, 1 << np_))
        elif f == "spinning":
            d = range(2)
        elif f == "npidle":
            d = range(np_ + 1)
        elif f == "nmspinning":
            d = range(nm + 2)  # the spinning Ms, plus a wakep credit per M and sysmon
        elif f in ("needspinning", "netpolling"):
            d = range(2)
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

    def finished(self, s):
        return self.machine.finished(s)

    @property
    def quiet_processes(self):
        return self.machine.quiet_processes

    def run_step(self, step, s, proc, out) -> None:
        step(self.machine.rt, s, proc, out)

    @staticmethod
    def step_name(step) -> str:
        return step.__name__

    def terminal(self, s):
        return self.machine.terminal(s)

    def model_error_names(self) -> set:
        """The exceptions that are the violation model_error, not a crash (GoScheduler.model_errors)."""
        out, todo = set(), list(self.machine.model_errors)
        while todo:
            cls = todo.pop()
            out.add(cls.__name__)
            todo += cls.__subclasses__()
        return out

    @contextmanager
    def symbolic(self, copy, freeze, choose):
        """Runtime.copy/freeze/choose are the engine's while this is active."""
        rt = self.machine.rt
        rt.copy, rt.freeze, rt.choose = copy, freeze, choose
        try:
            yield
        finally:
            del rt.copy, rt.freeze, rt.choose


def candidate_lemmas(machine: GoScheduler, domains: list) -> list[tuple]:
    """Candidate strengthening invariants, in the runtime's vocabulary:
    (family, name, statement, term that holds); the family's reason is
    model/lemmas.py:FAMILIES's. Each says what a thread's (or
    sysmon's) locals, or sched's counters, are while it is at one program
    counter, or what a G's or P's fields are in one status:

        "M0 at findRunnable: drop P => M0.p != nil"

    They are only candidates: `prove` keeps those that hold in every
    reachable state it samples and then proves the survivors, together with
    the safety properties, by one induction (Houdini), dropping any the
    step breaks. A lemma that survives is proven, not assumed."""
    L = machine.L
    names = L.names
    out = []

    def show(o, v):
        f = _field(names[o])
        if v == 0 and L.kinds[o] in (REF_G, REF_P, REF_M):
            return "nil"
        if f == "pc" and names[o].startswith("G"):
            return f"op {v}"
        if f == "ret" and v == 0:
            return "none"
        if f == "pc" or f == "ret":
            return PC_NAMES.get(v, str(v))
        if f == "status":
            return (G_STATUS_NAMES if names[o].startswith("G") else P_STATUS_NAMES).get(v, str(v))
        if L.kinds[o] == REF_G:
            return g_name(v - 1)
        if L.kinds[o] in (REF_P, REF_M):
            return f"{L.kinds[o]}{v - 1}"
        if o == L.nmidlelocked:
            return str(v - NMIDLELOCKED_BIAS)
        return str(v)

    sched = [L.npidle, L.nmspinning, L.needspinning, L.nmidlelocked, L.netpolling] + ([L.nmidle] if L.bounded else [])
    sched += [L.runq[0]]  # "M0 at findRunnable: netpoll or stopm => sched.runq is empty"

    def lemmas_for(family, key_o, label, fields):
        for kv in domains[key_o]:
            when = ("==", ("v", key_o), ("c", kv))
            for o in fields:
                if o == key_o or len(domains[o]) < 2:
                    continue
                head = f"{label} {show(key_o, kv)} => {names[o]}"
                for v in domains[o]:
                    out.append((family, f"{names[key_o]}={kv}=>{names[o]}={v}", f"{head} = {show(o, v)}",
                                ("or", ("!=", ("v", key_o), ("c", kv)), ("==", ("v", o), ("c", v)))))
                if 0 in domains[o] and len(domains[o]) > 2:
                    out.append((family, f"{names[key_o]}={kv}=>{names[o]}!=0", f"{head} != {show(o, 0)}",
                                ("or", ("!=", ("v", key_o), ("c", kv)), ("!=", ("v", o), ("c", 0)))))
            del when

    for i in range(L.nm + 1):
        pc = L.proc_pc[i]
        own = [getattr(L, "proc_" + f)[i] for f in L.proc_fields]
        if i < L.nm:
            own += [getattr(L, "m_" + f)[i] for f in ("p", "nextp", "oldp", "curg", "spinning", "gp")]
        lemmas_for("pc_fields", pc, f"{L.proc_name(i)} at", own + sched)
        lemmas_for("ret_fields", L.proc_ret[i], f"{L.proc_name(i)} returning to", own)  # inside wakep/handoffp, called from
    # "M0 at running G => M0.curg is _Grunning": what an M's reference points at, per pc
    family = "pc_refs"
    for i in range(L.nm + 1):
        pc = L.proc_pc[i]
        refs = [("hp", L.proc_hp[i], L.p_status, P_STATUS_NAMES)]
        if i < L.nm:
            refs += [(f, getattr(L, "m_" + f)[i], L.g_status, G_STATUS_NAMES) for f in ("curg", "gp")]
            refs += [(f, getattr(L, "m_" + f)[i], L.p_status, P_STATUS_NAMES) for f in ("p", "nextp", "oldp")]
        for kv in domains[pc]:
            for f, ref, status, status_names in refs:
                if len(domains[ref]) < 2:
                    continue
                for sv in sorted({v for o in status for v in domains[o]}):
                    parts = [("or", ("!=", ("v", ref), ("c", x + 1)), ("==", ("v", status[x]), ("c", sv)))
                             for x in range(len(status)) if x + 1 in domains[ref]]
                    out.append((family, f"{names[pc]}={kv}=>{f}.status={sv}",
                                f"{L.proc_name(i)} at {show(pc, kv)} => {L.proc_name(i)}.{f} is nil or "
                                f"{status_names.get(sv, sv)}",
                                ("or", ("!=", ("v", pc), ("c", kv)), ("and", *parts))))
    # "M0 at findRunnable: drop P => M0.p's run queue is empty"
    family = "pc_p_empty"
    for i in range(L.nm):
        pc, ref = L.proc_pc[i], L.m_p[i]
        for kv in domains[pc]:
            for what, field in (("runnext is nil", L.p_runnext), ("runq is empty", [q[0] for q in L.p_runq])):
                parts = [("or", ("!=", ("v", ref), ("c", x + 1)), ("==", ("v", field[x]), ("c", 0)))
                         for x in range(L.np) if x + 1 in domains[ref]]
                if parts:
                    out.append((family, f"{names[pc]}={kv}=>p.{what}", f"M{i} at {show(pc, kv)} => M{i}.p's {what}",
                                ("or", ("!=", ("v", pc), ("c", kv)), ("and", *parts))))
    # "P0 _Psyscall => some M has oldp = P0": who holds a G or P in a status
    family = "held"
    holders = [(L.p_status, P_STATUS_NAMES, "P", [("p", L.m_p), ("nextp", L.m_nextp), ("oldp", L.m_oldp),
                                                  ("hp", L.proc_hp)]),
               (L.g_status, G_STATUS_NAMES, "G", [("curg", L.m_curg), ("gp", L.m_gp)])]
    for status, status_names, kind, fields in holders:
        for x, so in enumerate(status):
            who = g_name(x) if kind == "G" else f"{kind}{x}"
            for sv in domains[so]:
                for f, offs in fields:
                    parts = [("==", ("v", o), ("c", x + 1)) for o in offs if x + 1 in domains[o]]
                    if not parts:
                        continue
                    out.append((family, f"{names[so]}={sv}=>some.{f}={kind}{x}",
                                f"{who} {status_names.get(sv, sv)} => some thread's {f} is {who}",
                                ("or", ("!=", ("v", so), ("c", sv)), ("or", *parts) if len(parts) > 1 else parts[0])))
    # "sched.runq has a G => some M is not parked": work is never left with every thread asleep
    family = "work_awake"
    work = [("sched.runq has a G", ("!=", ("v", L.runq[0]), ("c", 0)))]
    work += [(f"P{p}.runnext has a G", ("!=", ("v", L.p_runnext[p]), ("c", 0))) for p in range(L.np)]
    work += [(f"P{p}.runq has a G", ("!=", ("v", L.p_runq[p][0]), ("c", 0))) for p in range(L.np)]
    work += [(f"{g_name(g)} is _Grunnable", ("==", ("v", L.g_status[g]), ("c", _Grunnable))) for g in range(L.ng)]
    for text, cond in work:
        for what, bad in (("parked", (M_IDLE,)), ("parked or not created", (M_IDLE, M_NONE))):
            awake = [("and", *[("!=", ("v", L.proc_pc[m]), ("c", b)) for b in bad]) for m in range(L.nm)]
            out.append((family, f"{text}=>some M not {what}", f"{text} => some M is not {what}",
                        ("or", ("not", cond), ("or", *awake) if len(awake) > 1 else awake[0])))
            sysmon_busy = ("and", *[("!=", ("v", L.proc_pc[L.sysmon]), ("c", pc)) for pc in (SY_IDLE, SY_INCIDLELOCKED)])
            out.append((family, f"{text}=>some M not {what} or sysmon busy",
                        f"{text} => some M is not {what}, or sysmon is handing off a P",
                        ("or", ("not", cond), *awake, sysmon_busy)))
    for g in range(L.ng):
        lemmas_for("g_fields", L.g_status[g], g_name(g), [L.g_pc[g], L.g_wait[g], L.g_flags[g]])
        lemmas_for("g_progress", L.g_pc[g], f"{g_name(g)} at", list(L.g_status))  # "G0 past spawn(1) => G1 is not _Gidle"
    for p in range(L.np):
        lemmas_for("p_fields", L.p_status[p], f"P{p}", [L.p_m[p], L.p_runnext[p]])
    return out
