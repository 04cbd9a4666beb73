"""Projections of scheduler states, for readable quotient graphs.

A projection maps a state to a small key; states with the same key are
merged into one node of the quotient graph. Specs:

  p-status   the tuple of P statuses
  g:<id>     one goroutine's life: its status and where it is
  m:<id>     one thread's program counter and whether it holds a P
             (thread numbers mean nothing under symmetry reduction, so this
             one is computed on the unreduced state space)
  syscall    for each G: not in a syscall, in one with its P kept
             (_Psyscall), or in one whose P was taken
"""

from dataclasses import dataclass
from typing import Callable

from .names import g_index, g_name
from .vocab import G_STATUS_NAMES, P_STATUS_NAMES, PC_NAMES, WAIT_NAMES, _Gsyscall, _Psyscall


class ProjectionError(ValueError):
    """An unknown or malformed projection spec (one sentence)."""


@dataclass(frozen=True)
class Projection:
    name: str
    doc: str
    key: Callable  # state -> hashable
    label: Callable  # key -> str
    needs_thread_numbers: bool = False


def _g_where(mc, s, g) -> str:
    L = mc.L
    ref = g + 1
    for p in range(L.np):
        if s[L.p_runnext[p]] == ref:
            return f"P{p}.runnext"
        if ref in (s[o] for o in L.p_runq[p]):
            return f"P{p}.runq"
    if ref in (s[o] for o in L.runq):
        return "global runq"
    for m in range(L.nm):
        if s[L.m_curg[m]] == ref:
            return "on an M"
        if s[L.m_gp[m]] == ref:
            return "in an M's hand"
    wait = s[L.g_wait[g]]
    return WAIT_NAMES[wait] if wait else "-"


def projection(mc, spec: str) -> Projection:
    L = mc.L
    if spec == "p-status":
        return Projection(spec, "the tuple of P statuses",
                          lambda s: tuple(s[o] for o in L.p_status),
                          lambda k: " ".join(f"P{p}={P_STATUS_NAMES[v]}" for p, v in enumerate(k)))
    if spec == "syscall":
        def key(s):
            out = []
            for g in range(L.ng):
                if s[L.g_status[g]] != _Gsyscall:
                    out.append(0)
                    continue
                m = next((m for m in range(L.nm) if s[L.m_curg[m]] == g + 1), None)
                oldp = s[L.m_oldp[m]] - 1 if m is not None else -1
                out.append(1 if oldp >= 0 and s[L.p_status[oldp]] == _Psyscall else 2)
            return tuple(out)
        names = {0: "-", 1: "syscall, P kept", 2: "syscall, P taken"}
        return Projection(spec, "per G: not in a syscall / in one, its P still _Psyscall / in one, its P taken",
                          key, lambda k: "  ".join(f"{g_name(g)}: {names[v]}" for g, v in enumerate(k)))
    kind, _, num = spec.partition(":")
    if kind in ("g", "m") and num.isdigit():
        i = int(num)
        if kind == "g":  # g:<goid>, as goroutines are shown: g:1 is main
            g = g_index(i)
            if not 0 <= g < L.ng:
                raise ProjectionError(f"projection {spec}: there is no G{i} (the workload has {L.ng} goroutines, "
                                      f"G1 to G{L.ng})")
            return Projection(spec, f"{g_name(g)}'s status and where it is",
                              lambda s: (s[L.g_status[g]], _g_where(mc, s, g)),
                              lambda k: f"{g_name(g)}: {G_STATUS_NAMES[k[0]]}, {k[1]}")
        if not L.bounded:
            raise ProjectionError(f"projection {spec} needs numbered threads, and threads are unbounded here: "
                                  f"give --threads N")
        if i >= L.nm:
            raise ProjectionError(f"projection {spec}: there is no M{i} (the thread limit is {L.nm})")

        def mkey(s):
            return (s[L.proc_pc[i]], bool(s[L.m_p[i]]))
        return Projection(spec, f"M{i}'s program counter and whether it holds a P", mkey,
                          lambda k: f"M{i}: {PC_NAMES[k[0]]}{', holds a P' if k[1] else ''}", needs_thread_numbers=True)
    raise ProjectionError(f"unknown projection {spec!r}; use p-status, syscall, g:<id> or m:<id>")
