"""The M:P:G state machine, behind the explorer's model interface:
init_states, successors, and ways to name and render states and steps."""

from .actions import ACTIONS
from .config import Config, validate
from .layout import NMIDLELOCKED_BIAS, Layout
from .render import Renderer
from .runtime import Runtime
from .vocab import (FATAL_DEADLOCK, M_NONE, M_RUN, SY_IDLE, WAIT_CHAN, _Gdead, _Gidle, _Grunning,
                    _Gwaiting, _Pidle, _Prunning)
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
        self._proc_offsets = [(self.L.proc_pc[i], self.L.m_curg[i] if i < self.L.nm else 0)
                              for i in range(self.L.nm + 1)]
        for info in ACTIONS.values():
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
        rt, by_pc, run_steps, g_pc = self.rt, self._by_pc, self._run_steps, L.g_pc
        for i, (o_pc, o_curg) in enumerate(self._proc_offsets):
            pc = s[o_pc]
            if pc == M_RUN:
                g = s[o_curg] - 1
                steps = run_steps[g][s[g_pc[g]]]
            else:
                steps = by_pc[pc]
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
        return [name for name, info in ACTIONS.items() if not info.mutant_only or self.config.mutant]

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

    def created_threads(self, s: bytes) -> int:
        return sum(1 for m in range(self.L.nm) if s[self.L.proc_pc[m]] != M_NONE)
