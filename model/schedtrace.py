"""`GODEBUG=schedtrace=1,scheddetail=1` lines, exactly as Go 1.25.5's
runtime.schedtrace (proc.go) prints them, so a model trace can be compared
line by line with a real log (tests/test_schedtrace.py parses the format out
of proc.go and checks every field):

    SCHED 0ms: gomaxprocs=2 idleprocs=0 threads=3 spinningthreads=0 needspinning=0 idlethreads=0 runqueue=0 [ 0 1 ] schedticks=[ 0 0 ]

What the runtime counts, the model counts the same way: the per-P numbers
are `runqtail - runqhead`, so `runnext` is not in them; `threads=` is
mcount(), every M made, sysmon's included; `idlethreads=` is sched.nmidle.
Fields the model abstracts away print the runtime's zero value: the clock
(`0ms`), schedtick, syscalltick, gfreecnt, mallocing, throwing, preemptoff,
locks, dying, blocked (a diff against a real log should mask them, as it masks times).
Goroutines are shown by goid, as everywhere (model/names.py: main is
G1); Ms and Ps by the model's numbers. sysmon's M is counted in `threads=` but has no `M` line, since the
model does not number it. With unbounded threads (an abstract state, never
a shown trace) parked Ms are not in the state, so `threads=` reads `N+idle`
and `idlethreads=any`.

What the model adds (each M's program counter and handoff fields, sysmon,
each G's op) is on lines starting "  # ", which the runtime never prints.
"""

from .layout import NMIDLELOCKED_BIAS
from .runtime import signed
from .names import g_name, goid
from .vocab import G_STATUS_NAMES, M_IDLE, M_NONE, PC_NAMES, WAIT_NAMES, WAIT_NETREADY, _Gidle

# The runtime's waitReason strings for the model's wait kinds.
WAIT_REASONS = {WAIT_NETREADY: "IO wait"}


def _id(v: int, of=lambda x: x) -> str:
    return str(of(v - 1)) if v else "nil"


def header(r, s) -> str:
    """The `SCHED` line without the per-P part."""
    L = r.L
    if L.bounded:
        made = sum(1 for m in L.m_range if s[L.proc_pc[m]] != M_NONE)
        threads, idle = str(made + 1), str(s[L.nmidle])  # + sysmon's M: mcount() counts it
    else:
        threads, idle = f"{r.mc.rt.running_ms(s) + 1}+idle", "any"
    return (f"SCHED 0ms: gomaxprocs={L.np} idleprocs={s[L.npidle]} threads={threads} "
            f"spinningthreads={r.nmspinning_text(s)} needspinning={s[L.needspinning]} "
            f"idlethreads={idle} runqueue={sum(1 for o in L.runq if s[o])}")


def _bool(v: int) -> str:
    return "true" if v else "false"


def timerslen(r, s, p: int) -> int:
    """len(pp.timers.heap): the goroutines sleeping on a timer of this P."""
    return sum(1 for g in range(r.L.ng) if s[r.L.g_timerp[g]] == p + 1)


def runqsize(r, s, p: int) -> int:
    """runqtail - runqhead: runnext is not counted, as in the runtime."""
    return sum(1 for o in r.L.p_runq[p] if s[o])


def lines(r, s, detail: bool) -> list[str]:
    L = r.L
    if not detail:
        local = " ".join(str(runqsize(r, s, p)) for p in range(L.np))
        out = [header(r, s) + f" [ {local} ] schedticks=[ " + "0 " * L.np + "]"]
    else:
        out = [header(r, s) + f" gcwaiting={_bool(s[L.gcwaiting])} "
                              f"nmidlelocked={s[L.nmidlelocked] - NMIDLELOCKED_BIAS} stopwait={signed(s[L.stopwait])} "
                              f"sysmonwait={_bool(s[L.sysmonwait])}"]
        for p in range(L.np):
            out.append(f"  P{p}: status={s[L.p_status[p]]} schedtick=0 syscalltick=0 m={_id(s[L.p_m[p]])} "
                       f"runqsize={runqsize(r, s, p)} gfreecnt=0 timerslen={timerslen(r, s, p)}")
        made = [m for m in L.m_range if s[L.proc_pc[m]] != M_NONE]
        for m in reversed(made):  # allm: the newest M first
            out.append(f"  M{m}: p={_id(s[L.m_p[m]])} curg={_id(s[L.m_curg[m]], goid)} mallocing=0 throwing=0 "
                       f"preemptoff= locks=0 dying=0 spinning={'true' if s[L.m_spinning[m]] else 'false'} "
                       f"blocked=false lockedg={_id(s[L.m_lockedg[m]], goid)}")
        on_m = {s[L.m_curg[m]] - 1: m for m in made if s[L.m_curg[m]]}
        for g in range(L.ng):
            status = s[L.g_status[g]]
            if status == _Gidle:
                continue  # not created yet: not in allgs
            wait = s[L.g_wait[g]]
            reason = WAIT_REASONS.get(wait, WAIT_NAMES[wait]) if wait else ""
            out.append(f"  G{goid(g)}: status={status}({reason}) m={on_m[g] if g in on_m else 'nil'} "
                       f"lockedm={_id(s[L.g_lockedm[g]])}")
        out += model_lines(r, s, made)
    if s[L.throw]:
        out.append(f"  # {r.throw_text(s[L.throw])}")
    return out


def model_lines(r, s, made) -> list[str]:
    """What the model adds, on lines the runtime never prints."""
    L, out = r.L, []
    for m in made:
        pc = s[L.proc_pc[m]]
        extra = "" if pc == M_IDLE else (f" nextp={_id(s[L.m_nextp[m]])} oldp={_id(s[L.m_oldp[m]])}"
                                         f" gp={_id(s[L.m_gp[m]], goid)}")
        count = "" if L.bounded or s[L.m_mult[m]] == 1 else f" (x{r.count_text(s[L.m_mult[m]])} Ms)"
        out.append(f"  # M{m}: pc={PC_NAMES[pc]}{extra}{count}")
    for p in range(L.np):
        if s[L.p_runnext[p]] or s[L.p_runSafePointFn[p]]:
            out.append(f"  # P{p}: runnext={_id(s[L.p_runnext[p]], goid)}"
                       + (" runSafePointFn=1" if s[L.p_runSafePointFn[p]] else ""))
    sy = L.sysmon
    out.append(f"  # sysmon: pc={PC_NAMES[s[L.proc_pc[sy]]]} hp={_id(s[L.proc_hp[sy]])}")
    for g in range(L.ng):
        wait = s[L.g_wait[g]]
        out.append(f"  # {g_name(g)}: {G_STATUS_NAMES[s[L.g_status[g]]]}"
                   f"{'(' + WAIT_NAMES[wait] + ')' if wait else ''} pc={r.g_op(g, s)}")
    return out
