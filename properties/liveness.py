"""Liveness properties of the scheduler, under weak fairness.

Fairness classes (model/machine.py FAIRNESS_CLASSES): threads, sysmon,
syscalls (every syscall returns), network (every parked read gets data).
A property lists the classes it does not assume. A goroutine's own choice to
loop (`loop`, `spin`) is never forced to end: only scheduler steps, sysmon
and the environment are fair.
"""

from explorer.liveness import Liveness
from model.vocab import (FATAL_DEADLOCK, M_ACQUIRE, M_EXITSYSCALL0, M_EXITSYSCALL_PIDLE, M_EXITSYSCALL_WIRE,
                         M_FOREACHP_WAIT, M_STW_WAIT, WAIT_CHAN, WAIT_NETREADY, _Gdead, _Gidle, _Grunnable, _Grunning,
                         _Gsyscall, _Gwaiting, _Psyscall)
from model.names import g_name
from model.workload import OP_GC, OP_LOOP, OP_SPIN, OP_STW

from .memo import memoised

RETURNED = (M_EXITSYSCALL_PIDLE, M_EXITSYSCALL0, M_EXITSYSCALL_WIRE)
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

    def returned(g):
        offs = [status[g]] + list(L.m_curg) + list(L.proc_pc[:nm])

        def fn(v):
            if v[0] != _Gsyscall:
                return False
            cur, pcs = v[1:1 + nm], v[1 + nm:]
            return any(c == g + 1 and pc in RETURNED for c, pc in zip(cur, pcs))
        return memoised(offs, fn)

    def net_ready(g):
        return memoised([status[g], L.g_wait[g]], lambda v: v[0] == _Gwaiting and v[1] == WAIT_NETREADY)

    def p_in_syscall_with_work(p):
        return memoised([L.p_status[p]] + status, lambda v: v[0] == _Psyscall and _Grunnable in v[1:])

    def p_not_in_syscall(p):
        return memoised([L.p_status[p]], lambda v: v[0] != _Psyscall)

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

    stops = any(op.code in (OP_GC, OP_STW) for program in mc.config.workload for op in program)
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
                 tuple((g_name(g), returned(g), ran(g)) for g in range(ng))),
        Liveness("syscall_p_retaken",
                 "always (P is in _Psyscall while some G is runnable implies eventually P leaves _Psyscall): "
                 "sysmon retakes it and handoffp gives it to an M; the syscall itself may never return",
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
