"""The M:P:G state machine, behind the explorer's model interface:
init_states, successors, and ways to name and render states and steps."""

from .actions import ACTIONS
from .config import Config, validate
from .layout import NMIDLELOCKED_BIAS, Layout
from .render import Renderer
from .runtime import Runtime
from .vocab import (FATAL_DEADLOCK, GF_PREEMPT, M_RUN, SY_IDLE, WAIT_CHAN, _Gdead, _Gidle,
                    _Grunning, _Gwaiting, _Pidle, _Prunning)
from .workload import OP_SPIN


class GoScheduler:
    """One configuration of the model. States are `bytes` (see layout.py)."""

    def __init__(self, config: Config):
        self.config = validate(config)
        self.L = Layout(self.config)
        self.rt = Runtime(self.L, self.config.procs)
        self.rt.programs = self.config.workload
        self.rt.mutant = self.config.mutant or ""
        self.env = self.L.nm + 1  # process index of the environment in labels
        self.render = Renderer(self)
        self._by_pc: dict[int, list] = {}
        self._by_op: dict[int, list] = {}
        self._env_steps = []
        self._proc_offsets = [(i, self.L.proc_pc[i], self.L.m_curg[i] if i < self.L.nm else 0)
                              for i in range(self.L.nm + 1)]
        self._exclusive = [pc != SY_IDLE for pc in range(256)]  # sysmon's loop chooses among its duties
        for info in ACTIONS.values():
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
        self._by_pc = [tuple(self._by_pc.get(pc, ())) for pc in range(256)]
        self._run_steps = [[tuple(self._by_op.get(op.code, ())) for op in program] for program in self.config.workload]
        self._preempted = (ACTIONS["gopreempt_m"].step,)

    # --- the explorer's interface --------------------------------------------------
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
        for p in range(1, L.np):  # procresize leaves P1 on top of sched.pidle
            b[L.p_status[p]] = _Pidle
            b[L.pidle[p - 1]] = p + 1
        b[L.npidle] = L.np - 1
        b[L.proc_pc[L.sysmon]] = SY_IDLE
        b[L.nmidlelocked] = NMIDLELOCKED_BIAS
        return [bytes(b)]

    def successors(self, s: bytes) -> list:
        """All (label, successor) pairs; successor None marks a step cut by the
        thread limit. A state with a runtime throw or fatal has none."""
        L = self.L
        out: list = []
        if s[L.throw]:
            return out
        rt, by_pc, run_steps, g_pc, g_flags = self.rt, self._by_pc, self._run_steps, L.g_pc, L.g_flags
        preempted = self._preempted
        exclusive = self._exclusive
        for i, o_pc, o_curg in self._proc_offsets:
            pc = s[o_pc]
            if pc == M_RUN:
                g = s[o_curg] - 1
                # A pending preemption (gp.preempt) lands before the G's next op.
                steps = preempted if s[g_flags[g]] & GF_PREEMPT else run_steps[g][s[g_pc[g]]]
            else:
                steps = by_pc[pc]
            if exclusive[pc]:
                # The actions at this pc have mutually exclusive guards
                # (tests/test_model.py checks it): stop at the first that fires.
                n = len(out)
                for step in steps:
                    step(rt, s, i, out)
                    if len(out) != n:
                        break
            else:
                for step in steps:
                    step(rt, s, i, out)
        env = self.env
        for step in self._env_steps:
            step(rt, s, env, out)
        return out

    def canonical(self, s: bytes) -> bytes:
        """Symmetry reduction: Ms are interchangeable (see Layout.canonical)."""
        return self.L.canonical(s)

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
        return [name for name, info in ACTIONS.items() if (not info.mutant_only or self.config.mutant)
                and (not info.protocols or self.config.protocol in info.protocols)]

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
            return "ok", f"G{spinning[0]} runs `spin` forever"
        if all(s[L.g_status[g]] == _Gwaiting and s[L.g_wait[g]] == WAIT_CHAN for g in live):
            return "ok", "program deadlock: every live goroutine is parked and nothing can ready it"
        blocked = ", ".join(f"G{g}" for g in live)
        return "deadlock", f"no step is enabled but {blocked} cannot finish: scheduler deadlock"

    # --- fairness (explorer/liveness.py) ------------------------------------------
    FAIRNESS_CLASSES = {
        "threads": "every M that can take a scheduler step eventually does (weak fairness per thread)",
        "sysmon": "sysmon eventually performs each of its duties that stays possible: retake of each P, "
                  "preemption of each long-running G, its netpoll",
        "syscalls": "every system call eventually returns",
        "network": "every parked network read eventually has data",
    }

    def fairness_class(self, label) -> str:
        name, proc = label[0], label[1]
        if name in ("exitsyscall", "exitsyscall_lostp"):
            return "syscalls"  # the kernel's move: the M cannot step until the call returns
        if name == "netpollready":
            return "network"
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
            m = label[1]
            return (cls, s[L.m_base + m * L.m_size: L.m_base + (m + 1) * L.m_size])
        if cls == "syscalls":
            return (cls, s[L.m_curg[label[1]]])
        if cls == "network":
            return (cls, label[2])
        if s[L.proc_pc[L.sysmon]] == SY_IDLE:
            return (cls,) + tuple(label)  # each duty of the sysmon loop on its own
        return (cls, "subroutine")

    def fairness_strong(self, key) -> bool:
        """sysmon's retake of a P is strongly fair: a P that is in a syscall
        again and again is eventually retaken, because after 10ms without a
        schedule on that P retake sets sysretake and takes it at the next
        look (time, which the model abstracts, is what forces it). Weak
        fairness would let a G that loops on short syscalls starve its P's
        run queue forever."""
        return len(key) > 1 and key[0] == "sysmon" and key[1] == "retake"
