"""Liveness properties of the scheduler, under weak fairness.

Fairness classes (model/machine.py FAIRNESS_CLASSES): threads, sysmon,
syscalls (every syscall returns), network (every parked read gets data).
A property lists the classes it does not assume. A goroutine's own choice to
loop (`loop`, `spin`) is never forced to end: only scheduler steps, sysmon
and the environment are fair.
"""

from explorer.liveness import Liveness
from model.vocab import (FATAL_DEADLOCK, GRUNNING_NOP_PCS, M_ACQUIRE, M_ENTERSYSCALL_CAS, M_ENTERSYSCALLBLOCK_CAS,
                         M_EXITSYSCALL0,
                         M_EXITSYSCALL_PIDLE, M_EXITSYSCALL_WIRE,
                         M_FOREACHP_WAIT, M_STW_WAIT, WAIT_CHAN, WAIT_NETREADY, _Gdead, _Gidle, _Grunnable, _Grunning,
                         _Gsyscall, _Gwaiting, _Prunning, _Psyscall)
from model.names import g_name
from model.workload import OP_FOREACHP, OP_GC, OP_LOOP, OP_SPIN, OP_STW

from .memo import memoised

RETURNED = (M_EXITSYSCALL_PIDLE, M_EXITSYSCALL0, M_EXITSYSCALL_WIRE)
# Modern: the syscall has returned (exitsyscall's CAS won) and the G, _Grunning, has no P yet.
RETURNED_MODERN = GRUNNING_NOP_PCS - {M_ENTERSYSCALLBLOCK_CAS, M_ENTERSYSCALL_CAS}
STOPPING = (M_STW_WAIT, M_FOREACHP_WAIT)  # waiting for every P to stop, or to run the safe-point function


def liveness_properties(mc) -> list[Liveness]:
    L = mc.L
    ng, np_, nm = L.ng, L.np, L.nm
    status = [L.g_status[g] for g in range(ng)]

    def runnable(g):
        return memoised([status[g]], lambda v: v[0] == _Grunnable)

    def ran(g):
        """G is running, or has run and exited (a runnable G runs before it can exit)."""
        return memoised([status[g]], lambda v: v[0] in (_Grunning, _Gdead))

    modern = mc.config.protocol == "modern"

    def returned(g):
        offs = [status[g]] + list(L.m_curg) + list(L.proc_pc[:nm])
        # classic: still _Gsyscall, exitsyscall under way; modern: _Grunning, looking for a P
        want, pcs_returned = (_Grunning, RETURNED_MODERN) if modern else (_Gsyscall, RETURNED)

        def fn(v):
            if v[0] != want:
                return False
            cur, pcs = v[1:1 + nm], v[1 + nm:]
            return any(c == g + 1 and pc in pcs_returned for c, pc in zip(cur, pcs))
        return memoised(offs, fn)

    def ran_after_syscall(g):
        """G runs Go code on a P (modern: not in an exitsyscall window), or has exited."""
        if not modern:
            return ran(g)
        return memoised([status[g]] + list(L.m_curg) + list(L.proc_pc[:nm]),
                        lambda v: v[0] == _Gdead or (v[0] == _Grunning and not any(
                            c == g + 1 and pc in RETURNED_MODERN for c, pc in zip(v[1:1 + nm], v[1 + nm:]))))

    def net_ready(g):
        return memoised([status[g], L.g_wait[g]], lambda v: v[0] == _Gwaiting and v[1] == WAIT_NETREADY)

    def in_syscall(p, v) -> bool:
        """v: P's status, its m, every M's curg, every G's status."""
        if not modern:
            return v[0] == _Psyscall
        owner = v[1]
        cur = v[2 + owner - 1] if owner else 0
        return v[0] == _Prunning and bool(cur) and v[2 + nm + cur - 1] == _Gsyscall

    def p_in_syscall_with_work(p):
        return memoised([L.p_status[p], L.p_m[p]] + list(L.m_curg) + status,
                        lambda v: in_syscall(p, v) and _Grunnable in v[2 + nm:])

    def p_not_in_syscall(p):
        return memoised([L.p_status[p], L.p_m[p]] + list(L.m_curg) + status, lambda v: not in_syscall(p, v))

    def done(v):
        statuses, waits, throw = v[:ng], v[ng:2 * ng], v[-1]
        if throw == FATAL_DEADLOCK:
            return True
        live = [g for g in range(ng) if statuses[g] not in (_Gidle, _Gdead)]
        return all(statuses[g] == _Gwaiting and waits[g] == WAIT_CHAN for g in live)

    finished = memoised(status + list(L.g_wait) + [L.throw], done)
    everywhere = lambda s: True  # noqa: E731

    def not_underused(v):
        statuses, npidle, nmspinning, pcs = v[:ng], v[ng], v[ng + 1], v[ng + 2:]
        return not (_Grunnable in statuses and npidle > 0 and nmspinning == 0 and M_ACQUIRE not in pcs)

    utilised = memoised(status + [L.npidle, L.nmspinning] + list(L.proc_pc[:nm]), not_underused)
    # One goroutine at most stops the world (workload.py), so one instance:
    # Ms are renamed by the symmetry reduction and have no stable name.
    pcs = list(L.proc_pc[:nm])
    stopping = memoised(pcs, lambda v: any(pc in STOPPING for pc in v))
    not_stopping = memoised(pcs, lambda v: not any(pc in STOPPING for pc in v))

    stops = any(op.code in (OP_GC, OP_STW, OP_FOREACHP) for program in mc.config.workload for op in program)
    infinite = any(op.code in (OP_LOOP, OP_SPIN) for program in mc.config.workload for op in program)

    return [
        Liveness("runnable_g_eventually_runs",
                 "always (G is _Grunnable implies eventually G is _Grunning), for every G",
                 tuple((g_name(g), runnable(g), ran(g)) for g in range(ng))),
        Liveness("runnable_g_runs_even_if_syscalls_block",
                 "always (G is _Grunnable implies eventually G is _Grunning), for every G, without assuming that "
                 "system calls return: a syscall that blocks forever must not hold the others up",
                 tuple((g_name(g), runnable(g), ran(g)) for g in range(ng)), unfair=frozenset({"syscalls"})),
        Liveness("net_ready_g_eventually_runs",
                 "always (G's network read has data implies eventually G is _Grunning), for every G: a netpoll "
                 "(findRunnable's, or sysmon's) returns it and it runs",
                 tuple((g_name(g), net_ready(g), ran(g)) for g in range(ng))),
        Liveness("syscall_return_eventually_runs",
                 "always (G's syscall has returned implies eventually G is _Grunning), for every G",
                 tuple((g_name(g), returned(g), ran_after_syscall(g)) for g in range(ng))),
        Liveness("syscall_p_retaken",
                 "always (P is in a syscall while some G is runnable implies eventually it is not): sysmon "
                 "retakes it and handoffp gives it to an M; the syscall itself may never return (classic: the P "
                 "is _Psyscall; modern: _Prunning with its M's curg _Gsyscall)",
                 tuple((f"P{p}", p_in_syscall_with_work(p), p_not_in_syscall(p)) for p in range(np_)),
                 unfair=frozenset({"syscalls"})),
        Liveness("workload_terminates",
                 "eventually every G is _Gdead, or the program deadlocks by itself (reported like checkdead); "
                 "not applicable to workloads that loop or spin forever",
                 (("program", everywhere, finished),), applies=not infinite),
        Liveness("no_persistent_underutilisation",
                 "never, from some point on forever: a runnable G, an idle P, no spinning M and no M being started",
                 (("system", everywhere, utilised),)),
        Liveness("world_stop_finishes",
                 "always (an M waits in stopTheWorldWithSema or forEachP implies eventually it stops waiting): "
                 "every P stops, or runs the safe-point function, even if a syscall never returns; not "
                 "applicable to workloads that never stop the world",
                 (("stopper", stopping, not_stopping),),
                 unfair=frozenset({"syscalls"}), applies=stops),
    ]
