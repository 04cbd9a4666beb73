"""The M:P:G state machine, behind the explorer's model interface:
init_states, successors, and ways to name and render states and steps."""

from zlib import crc32

from .actions import ACTIONS
from .actions.clock import CLOCK
from .actions.sysmon import LOOKS
from .config import MAX_THREADS, Config, validate
from .layout import NMIDLELOCKED_BIAS, OMEGA, CapacityError, Layout, ModelError
from .render import Renderer
from .mutants import actions_with, runtime_class
from .names import g_name
from .vocab import (FATAL_DEADLOCK, GF_PREEMPT, GF_PREEMPT_LATE, M_IDLE, M_NONE, M_RUN, M_SCHEDULE, M_STEAL, SY_IDLE,
                    WAIT_CHAN, _Gdead, _Gidle, _Grunning, _Gwaiting, _Pidle, _Prunning)
from .workload import OP_SPIN, OP_SYSCALL, OP_SYSCALL_BLOCK


# Program counters where a process chooses among the actions that fire (every
# other pc's actions exclude each other: the first that fires is the step).
CHOICE_PCS = (SY_IDLE, M_SCHEDULE, M_STEAL)


class GoScheduler:
    """One configuration of the model. States are `bytes` (see layout.py)."""

    def __init__(self, config: Config):
        self.config = validate(config)
        self.L = Layout(self.config)
        self.rt = runtime_class(self.config.mutant)(self.L, self.config.procs)
        self.rt.programs = self.config.workload
        self.rt.modern = self.config.protocol == "modern"
        self.action_table = actions_with(ACTIONS, self.config.mutant)  # a seeded bug replaces its actions
        self.env = self.L.nm + 1  # process index of the environment in labels
        self.render = Renderer(self)
        self.successors_canonical = not self.L.bounded  # unbounded: successors() returns normal forms
        self.model_errors = (ModelError,)  # what successors() raises on a step the model cannot take
        self._twin = None
        self._shared: dict = {}  # per source layout: (offset here, offset there) of fields outside M records
        self._by_pc: dict[int, list] = {}
        self._by_op: dict[int, list] = {}
        self._env_steps = []
        self._processes = tuple(range(self.L.nm + 1)) + (self.env,)
        self._quiet = (self.L.sysmon, self.env)
        # sysmon's loop chooses among its duties; findRunnable's top may take
        # the global queue first (schedtick%61) whatever else it could do;
        # stealWork chooses which P to look at next.
        self._exclusive = [pc not in CHOICE_PCS for pc in range(256)]
        for info in self.action_table.values():
            if info.protocols and self.config.protocol not in info.protocols:
                continue
            if info.actor == "env" and not info.pcs:
                self._env_steps.append(info.step)
            for pc in info.pcs:
                if pc == M_RUN:
                    for op in info.ops:
                        self._by_op.setdefault(op, []).append(info.step)
                else:
                    self._by_pc.setdefault(pc, []).append(info.step)
        # findRunnable runs due timers first (checkTimers at its top): at
        # M_SCHEDULE that step is tried first and, if it fires, alone.
        first = self.action_table["findRunnable_checkTimers"].step
        self._first = first
        if M_SCHEDULE in self._by_pc and first in self._by_pc[M_SCHEDULE]:
            self._by_pc[M_SCHEDULE].remove(first)
            self._by_pc[M_SCHEDULE].insert(0, first)
        self._by_pc = [tuple(self._by_pc.get(pc, ())) for pc in range(256)]
        self._run_steps = [[tuple(self._by_op.get(op.code, ())) for op in program] for program in self.config.workload]
        self._preempted = (self.action_table["gopreempt_m"].step,)
        # A pending preemption lands at the G's next safe point; a system call
        # may come first (reentersyscall is no safe point). A request no safe
        # point has seen yet (GF_PREEMPT_LATE: sysmon's preemptone, or
        # stopTheWorld's preemptall) may land after the G's syscall instead;
        # after the syscall, exitsyscall re-arms it for the next op.
        self._preempted_late = [[self._preempted + (steps if op.code in (OP_SYSCALL, OP_SYSCALL_BLOCK) else ())
                                 for op, steps in zip(program, row)]
                                for program, row in zip(self.config.workload, self._run_steps)]
        self._env_steps = tuple(self._env_steps)
        # What ends a list of steps (see dispatch): per step, whether the list
        # ends once it fires. At an exclusive pc every step does; elsewhere
        # only findRunnable's timer check (`first`) does. A pending preemption
        # and the environment offer choices only. Indexed by exclusive (0/1).
        def stops(steps, exclusive):
            return (True,) * len(steps) if exclusive else tuple(step is first for step in steps)

        self._pc_stops = [[stops(steps, x) for steps in self._by_pc] for x in (False, True)]
        self._run_stops = [[[stops(steps, x) for steps in row] for row in self._run_steps] for x in (False, True)]
        self._preempted_stops = stops(self._preempted, False)
        self._late_stops = [[(False,) * len(steps) for steps in row] for row in self._preempted_late]
        self._env_stops = (False,) * len(self._env_steps)

    # --- the explorer's interface --------------------------------------------------
    def affinity(self, s: bytes) -> int:
        """Which worker the parallel search gives s to (any integer; it never
        changes a result): states with the same M block go to the same
        worker, whose cache of normal forms (Layout.canonical, keyed on the
        M block) then serves their successors too."""
        return crc32(s[self.L.m_base:self.L.midle_end])

    def init_states(self) -> list[bytes]:
        L = self.L
        b = bytearray(L.size)
        for g in range(L.ng):
            b[L.g_status[g]] = _Gidle
        b[L.g_status[0]] = _Grunning
        b[L.p_status[0]] = _Prunning
        b[L.p_m[0]] = 1
        b[L.proc_pc[0]] = M_RUN
        b[L.m_p[0]] = 1
        b[L.m_curg[0]] = 1
        if not L.bounded:
            b[L.m_mult[0]] = 1
        for p in range(1, L.np):  # procresize leaves P1 on top of sched.pidle
            b[L.p_status[p]] = _Pidle
            b[L.pidle[p - 1]] = p + 1
        b[L.npidle] = L.np - 1
        b[L.proc_pc[L.sysmon]] = SY_IDLE
        b[L.nmidlelocked] = NMIDLELOCKED_BIAS
        return [bytes(b)]

    def successors(self, s: bytes) -> list:
        """All (label, successor) pairs; successor None marks a step cut by the
        thread limit. A state with a runtime throw or fatal has none. With
        unbounded threads, a step of one of several interchangeable Ms takes
        one of them out of the count first (and, from "many", leaves "many"
        or exactly the cutoff), and every successor is in normal form."""
        L = self.L
        if self.halted(s):
            return []
        if L.bounded:
            return self._finished(s, self._steps(s))
        out = []
        mult, size, base = L.m_mult, L.m_size, L.m_base
        for i in L.m_range:
            k = s[mult[i]]
            if k > 1 and s[L.proc_pc[i]] not in (M_NONE, M_IDLE):
                free = next((m for m in L.m_range if s[L.proc_pc[m]] == M_NONE), None)
                if free is None:
                    raise CapacityError(f"the model needs more than {L.nm} M slots")
                rec = s[base + i * size: base + (i + 1) * size - 1] + b"\x01"
                spinning = s[L.m_spinning[i]]
                for rest in ((OMEGA, L.cutoff) if k == OMEGA else (k - 1,)):
                    b = bytearray(s)
                    b[mult[i]] = rest
                    if spinning and k == OMEGA:  # these spinning Ms are now counted exactly in nmspinning
                        b[L.nmspinning] += 1 if rest == OMEGA else rest + 1
                    b[base + free * size: base + (free + 1) * size] = rec
                    for label, t in self._steps(bytes(b), only=free):
                        out.append(((label[0], i) + label[2:], t))
        out += self._steps(s, skip_counted=True)
        canon = L.canonical
        return self._finished(s, [(label, canon(t) if t is not None else None) for label, t in out])

    def _finished(self, s: bytes, out: list) -> list:
        """Every goroutine has exited and every M is parked: only sysmon and
        time could still move (sysmon's sleep timing out, forever). The
        program is over (Go's process would exit with main), so the state is
        final, as it was before sysmon slept. (The symbolic engine applies
        the same rule from `finished` and `quiet_processes`.)"""
        if not out or not self.finished(s):
            return out
        quiet = self._quiet
        return [] if all(label[1] in quiet for label, _ in out) else out

    def finished(self, s) -> bool:
        """Every goroutine has exited (or never started): if, in addition,
        only the quiet processes (sysmon, the environment) can step, the
        state has no successors."""
        L = self.L
        return all(s[L.g_status[g]] == _Gidle or s[L.g_status[g]] == _Gdead for g in range(L.ng))

    @property
    def quiet_processes(self) -> tuple:
        """The processes whose steps alone do not keep a finished program going (see _finished)."""
        return self._quiet

    def _steps(self, s: bytes, only: int | None = None, skip_counted: bool = False) -> list:
        """The steps of every process (or of M `only`), and the environment's.
        skip_counted: leave out Ms that stand for several (their steps are
        taken one M at a time, above)."""
        L = self.L
        out: list = []
        rt, dispatch = self.rt, self.dispatch
        procs = self._processes if only is None else (only,)
        mult = L.m_mult if skip_counted else None
        for i in procs:
            if mult is not None and i < L.nm and s[mult[i]] > 1:
                continue
            steps, stops = dispatch(s, i)
            for step, stop in zip(steps, stops):
                if stop:
                    n = len(out)
                    step(rt, s, i, out)
                    if len(out) != n:
                        break
                else:
                    step(rt, s, i, out)
        return out

    # --- what the symbolic engine runs (model/symbolic.py): successors() is made of these -----------
    def halted(self, s) -> bool:
        """No process can step: the runtime threw (or reported a fatal error)."""
        return bool(s[self.L.throw])

    @property
    def processes(self) -> tuple:
        """Every process that takes steps: the Ms, sysmon, and the environment."""
        return self._processes

    def dispatch(self, s, i: int):
        """(steps, stops): the step functions `step(rt, s, i, out)` that
        process i may take in s, in order, and per step whether the list ends
        once that step fires (adds a step): successors() runs the steps in
        order and stops there. The explicit and the symbolic engine
        (explorer/symbolic/relation.py) both take their steps from here.

        At a pc whose actions exclude each other (tests/test_model.py checks
        it) every step ends the list: the first that fires is the only one.
        At findRunnable's top (M_SCHEDULE) the timer check comes first and,
        if it fires, alone (due timers run before anything else); the other
        steps there are choices (the schedtick%61 global-queue check beside
        the rest), as are sysmon's duties and the P stealWork looks at next
        (a steal, or a P found empty). A running M takes its G's current
        op (exclusive), or the preemption that is pending on it: gopreempt_m
        alone, or, for a request no safe point has seen yet
        (GF_PREEMPT_LATE), gopreempt_m or the G's syscall, two choices."""
        if i == self.env:
            return self._env_steps, self._env_stops
        L = self.L
        pc = s[L.proc_pc[i]]
        if pc == M_RUN:
            g = s[L.m_curg[i]] - 1
            op = s[L.g_pc[g]]
            # A pending preemption (gp.preempt) lands before the G's next op.
            flags = s[L.g_flags[g]]
            if flags & GF_PREEMPT:
                if flags & GF_PREEMPT_LATE:
                    return self._preempted_late[g][op], self._late_stops[g][op]
                return self._preempted, self._preempted_stops
            return self._run_steps[g][op], self._run_stops[self._exclusive[pc]][g][op]
        return self._by_pc[pc], self._pc_stops[self._exclusive[pc]][pc]

    def canonical(self, s: bytes) -> bytes:
        """Symmetry reduction: Ms are interchangeable (see Layout.canonical)."""
        return self.L.canonical(s)

    @property
    def bound_text(self) -> str:
        return f"{self.config.threads} threads (--threads)"

    def run_config(self, states, config: dict) -> dict:
        """The configuration a run of this machine replays in: the threads it
        made (a run of the concrete twin of an unbounded search needs no
        more)."""
        L = self.L
        used = max(sum(1 for m in L.m_range if s[L.proc_pc[m]] != M_NONE) for s in states)
        out = dict(self.config.to_dict())
        out.update(name=config.get("name", out["name"]), threads=used)
        return out

    # --- unbounded threads: the concrete twin and the abstraction ------------------
    def concrete(self):
        """(machine with numbered threads, alpha): with unbounded threads, a
        run of this machine is shown and replayed as a run of its concrete
        twin (every thread a numbered M, up to the most the model allows),
        and alpha maps the twin's states to this machine's. None when
        threads are already numbered (bounded)."""
        if self.L.bounded:
            return None
        if self._twin is None:
            self._twin = GoScheduler(self.config.with_(threads=MAX_THREADS))
        return self._twin, self.abstract_of

    def abstract_of(self, cs: bytes, source=None) -> bytes:
        """alpha: the state of this (unbounded) machine that a state of a
        machine with numbered threads (the concrete twin, or `source`: the
        same configuration under --threads N) stands for: parked Ms with
        nothing of their own dropped, Ms holding nothing counted, slots
        sorted. Every run of the bounded machine maps step by step onto a
        run of this one (tests/test_abstraction.py)."""
        source = source or self.concrete()[0]
        L, T = self.L, source.L
        hit = self._shared.get(id(T))
        if hit is None or hit[0] is not T:  # an id is reused once its layout is gone: check it is the same one
            at = {n: i for i, n in enumerate(T.names)}
            hit = self._shared[id(T)] = (T, [(o, at[n]) for o, n in enumerate(L.names)
                                             if not L.m_base <= o < L.m_end and n in at])
        shared = hit[1]
        b = bytearray(L.size)
        for o, t in shared:
            b[o] = cs[t]
        slot = 0
        new_id = [0] * (T.nm + 1)
        for m in T.m_range:
            if cs[T.proc_pc[m]] == M_NONE:
                continue
            base = L.m_base + slot * L.m_size
            b[base:base + T.m_size] = T.record(cs, m)
            b[L.m_mult[slot]] = 1
            new_id[m + 1] = slot + 1
            slot += 1
        for o in L.m_ref_offsets:  # P.m and the like: now numbered as here
            b[o] = new_id[b[o]]
        return L.canonical(bytes(b))

    def abstract_note(self, s: bytes, shown=None) -> str:
        """What a searched state leaves open that a shown state of it (a
        state of the concrete twin; None: none found) fixes: the Ms of a
        "many" class (more than the cutoff in one local state) have no one
        numbering, and the shown run has just some of them. "" if nothing."""
        L = self.L
        if L.bounded:
            return ""
        if shown is None:
            return ("no run of numbered threads was found that reaches this state (the counter abstraction "
                    "over-approximates): Ms are the model's slots, not the runtime's numbers")
        T = self.concrete()[0].L
        notes = []
        for i in L.m_range:
            if s[L.proc_pc[i]] == M_NONE or s[L.m_mult[i]] != OMEGA:
                continue
            record = L.record(s, i)[:T.m_size]  # the twin's record is this one without the count
            ms = [f"M{m}" for m in T.m_range if shown[T.proc_pc[m]] != M_NONE and T.record(shown, m) == record]
            notes.append(f"{', '.join(ms)} ({len(ms)} in this run) stand for any number of Ms above the cutoff "
                         f"({L.cutoff}) in this state")
        return "; ".join(notes)

    def proc_name(self, i: int) -> str:
        return "env" if i == self.env else self.L.proc_name(i)

    def label_text(self, label) -> str:
        return self.render.label(label)

    def label_note(self, label) -> str:
        """The proc.go functions the step models."""
        return self.render.runtime_of(label)

    def actions(self) -> list[str]:
        """Names of the actions this configuration can take (seeded-bug-only
        actions appear only when a mutant is selected)."""
        return [name for name, info in self.action_table.items()
                if not info.protocols or self.config.protocol in info.protocols]

    def fields(self, s: bytes) -> dict:
        return self.render.fields(s)

    def view(self, s: bytes, detail: bool = False) -> str:
        return self.render.schedtrace(s, detail)

    # --- terminal states ------------------------------------------------------------
    def terminal(self, s: bytes) -> tuple[str, str]:
        """Classify a state with no successors: ("ok", why) for a finished
        program, a genuine program deadlock or Gs spinning forever;
        ("deadlock", why) for a scheduler deadlock. Throws are left to the
        no_runtime_throw invariant."""
        L, programs = self.L, self.config.workload
        if s[L.throw] == FATAL_DEADLOCK:
            return "ok", "program deadlock: fatal error: all goroutines are asleep - deadlock! (checkdead)"
        if s[L.throw]:
            return "ok", "the runtime threw"
        live = [g for g in range(L.ng) if s[L.g_status[g]] not in (_Gidle, _Gdead)]
        if not live:
            return "ok", "every goroutine exited"
        spinning = [g for g in live if s[L.g_status[g]] == _Grunning and programs[g][s[L.g_pc[g]]].code == OP_SPIN]
        if spinning:
            return "ok", f"{g_name(spinning[0])} runs `spin` forever"
        if all(s[L.g_status[g]] == _Gwaiting and s[L.g_wait[g]] == WAIT_CHAN for g in live):
            return "deadlock", ("every live goroutine is parked and nothing can ready it, but checkdead did not "
                                "report it (\"all goroutines are asleep\" is missing)")
        blocked = ", ".join(g_name(g) for g in live)
        return "deadlock", f"no step is enabled but {blocked} cannot finish: scheduler deadlock"

    # --- fairness (explorer/liveness.py) ------------------------------------------
    FAIRNESS_CLASSES = {
        "threads": "every M that can take a scheduler step eventually does (weak fairness per thread)",
        "sysmon": "sysmon eventually performs each of its duties that stays possible: a look at each P that "
                  "is not idle (retake, preemptone), its netpoll, its sleep",
        "time": "time passes: a time slice or a syscall sysmon has seen eventually is 10 ms old, sysmon's "
                "sleep times out, a timer fires",
        "syscalls": "every system call eventually returns",
        "network": "every parked network read eventually has data",
    }

    def fairness_class(self, label) -> str:
        name, proc = label[0], label[1]
        if name in ("exitsyscall", "exitsyscall_lostp", "exitsyscall_fast", "exitsyscall_nop_window"):
            return "syscalls"  # the kernel's move: the M cannot step until the call returns
        if name == "netpollready":
            return "network"
        if name in CLOCK:
            return "time"
        return "sysmon" if proc == self.L.sysmon else "threads"

    def fairness_key(self, s: bytes, label):
        """Which weakly fair "process" a step belongs to. A thread is keyed by
        its own fields (its M record), not its number, so keys survive the
        renaming of symmetry reduction; an enabled thread that never moves
        keeps its record, since only its own steps change it (startm writes
        only to parked Ms, which have no steps)."""
        cls = self.fairness_class(label)
        L = self.L
        if cls == "threads":
            m = label[1]  # with unbounded threads: the M's local state, not how many share it
            return (cls, s[L.m_base + m * L.m_size: L.m_base + (m + 1) * L.m_size - (0 if L.bounded else 1)])
        if cls == "syscalls":
            return (cls, s[L.m_curg[label[1]]])
        if cls == "network":
            return (cls, label[2])
        if cls == "time":
            return (cls, label[0]) + tuple(label[2:])  # each clock of its own: a P's slice, its syscall, ...
        if s[L.proc_pc[L.sysmon]] == SY_IDLE:
            if label[0] in LOOKS:
                # retake's loop body for one P, whatever it does there: sysmon
                # keeps looking at every P that is not idle. Only weak: a P
                # that enters and leaves syscalls is retaken because its
                # slice ages (sysretake), not by assumption (README, "Time").
                return (cls, "look", label[2])
            return (cls, label[0]) + tuple(label[2:])  # each other duty of the sysmon loop on its own
        if label[0] in ("retake", "retake_castogscanstatus"):
            return (cls, "retake_cas", label[2])  # retake's CAS wins (modern: castogscanstatus)
        return (cls, "subroutine")

    def fairness_strong(self, key) -> bool:
        """retake's CAS on a P is strongly fair: it is not lost every time.
        The CAS loses only when the syscall returns in the few instructions
        between retake's incidlelocked(-1) and its CAS; the model assumes it
        does not land there at every one of infinitely many tries. retake's
        decision to try is not assumed: it follows from the skip rules and
        the weakly fair clock (README, "Time"); dropping this assumption gives
        the lasso properties/test_liveness.py shows."""
        return len(key) > 2 and key[0] == "sysmon" and key[1] == "retake_cas"
