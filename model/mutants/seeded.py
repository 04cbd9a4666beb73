"""The seeded bugs themselves: for each mutant, the actions (or runtime
helpers) it replaces, each the runtime's version with the one slip the
catalogue describes, and any extra step the slip needs (the second half of a
check-then-act that should have been one CAS).

`actions_with(ACTIONS, name)` is the action table with the mutant's
replacements and extras; `runtime_class(name)` the Runtime (sub)class."""

from dataclasses import replace

from ..actions.common import advance, current_op, found, injectglist, netpoll_ready
from ..actions.registry import CLASSIC, ActionInfo
from ..actions.subroutines import _ret
from ..layout import NMIDLELOCKED_BIAS
from ..runtime import Runtime
from ..layout import OMEGA
from ..vocab import (GF_PREEMPT, M_ACQUIRE, M_EXITSYSCALL0_UNLOCKED, M_EXITSYSCALL_PIDLE, M_EXITSYSCALL_WIRE, M_NETBLOCK,
                     M_NETPOLL, M_RECHECK, M_RUN, M_SCHEDULE, M_STEALNEXT, M_STOPLOCKEDM, M_STOPM, M_STOPSPIN, M_STW_WAIT,
                     M_SYSCALL, M_SYSCALL_GCWAIT, M_SYSCALL_SAFEPOINT, M_SYSCALL_SAFEPOINT_FN, PC_INJECT_LOCAL,
                     PC_WAKEP2, PC_WAKEP_STORE, SY_IDLE, SY_INCIDLELOCKED, SY_RETAKE, SYSCALL_SEEN, SYSCALL_UNSEEN, WAIT_CHAN,
                     WAIT_NONE, WAIT_STW, _Grunnable, _Grunning, _Gsyscall, _Gwaiting, _Pgcstop, _Pidle, _Prunning,
                     _Psyscall)

_REPLACES: dict = {}  # mutant -> {action name: step}
_EXTRA: dict = {}  # mutant -> [ActionInfo]
_RUNTIME: dict = {}  # mutant -> Runtime subclass


def replaces(mutant: str, *actions: str):
    """The decorated step is `mutant`'s version of each named action."""
    def register(fn):
        if not (fn.__doc__ and fn.__doc__.strip()):
            raise ValueError(f"the seeded {actions} of {mutant} has no docstring")
        for name in actions:
            _REPLACES.setdefault(mutant, {})[name] = fn
        return fn
    return register


def extra(mutant: str, name: str, runtime: str, pcs, params=(), actor: str = "M", protocols=()):
    """A step only `mutant` has (its slip split an atomic step in two)."""
    def register(fn):
        _EXTRA.setdefault(mutant, []).append(ActionInfo(
            name=name, runtime=tuple(r.strip() for r in runtime.split(",")), params=tuple(params), actor=actor,
            pcs=tuple(pcs), ops=(), step=fn, doc=" ".join(fn.__doc__.split()), mutant_only=True,
            protocols=tuple(protocols)))
        return fn
    return register


def runtime_helper(mutant: str):
    """The decorated Runtime subclass holds `mutant`'s version of a helper."""
    def register(cls):
        _RUNTIME[mutant] = cls
        return cls
    return register


def actions_with(actions: dict, mutant: str | None) -> dict:
    if not mutant:
        return actions
    out = {name: (replace(info, step=_REPLACES[mutant][name]) if name in _REPLACES.get(mutant, {}) else info)
           for name, info in actions.items()}
    for info in _EXTRA.get(mutant, ()):
        out[info.name] = info
    return out


def runtime_class(mutant: str | None) -> type:
    return _RUNTIME.get(mutant, Runtime) if mutant else Runtime


def replaced(mutant: str) -> set:
    """The names of the actions a mutant changes (for tests)."""
    return set(_REPLACES.get(mutant, {})) | {i.name for i in _EXTRA.get(mutant, ())} | (
        {"(runtime helper)"} if mutant in _RUNTIME else set())


def _syscall_g(rt, s, m):
    return s[rt.m_curg[m]] - 1


# --- syscalls (classic protocol) -----------------------------------------------------------------------

@replaces("exitsyscall_no_cas", "exitsyscall")
def exitsyscall_no_cas(rt, s, m, out):
    """exitsyscallfast takes its old P back whenever m.oldp is set, without
    CAS(&oldp.status, _Psyscall, _Pidle)."""
    oldp = s[rt.L.m_oldp[m]] - 1
    if oldp < 0:
        return
    b = rt.copy(s)
    _wire(rt, b, m, oldp)
    out.append((("exitsyscall", m, _syscall_g(rt, s, m), oldp), rt.freeze(b)))


@replaces("exitsyscall_no_cas", "exitsyscall_lostp")
def exitsyscall_lostp_no_cas(rt, s, m, out):
    """With no CAS, the fast path never fails while m.oldp is set: the slow
    path is only for an M whose P was handed off at entersyscallblock."""
    if s[rt.L.m_oldp[m]]:
        return
    b = rt.copy(s)
    b[rt.pc[m]] = M_EXITSYSCALL_PIDLE
    out.append((("exitsyscall_lostp", m, _syscall_g(rt, s, m)), rt.freeze(b)))


def _wire(rt, b, m, oldp) -> None:
    from ..actions.common import restore_stackguard
    g = b[rt.m_curg[m]] - 1
    b[rt.p_status[oldp]] = _Pidle
    rt.leave_syscall(b, oldp)
    b[rt.L.m_oldp[m]] = 0
    rt.acquirep(b, m, oldp)
    rt.casgstatus(b, g, _Gsyscall, _Grunning)
    restore_stackguard(rt, b, g)
    b[rt.pc[m]] = M_RUN


@replaces("exitsyscall_load_store", "exitsyscall")
def exitsyscall_load(rt, s, m, out):
    """exitsyscallfast loads oldp.status == _Psyscall now and stores _Pidle
    and wires the P in a later step (exitsyscall_wirep), instead of one CAS."""
    oldp = s[rt.L.m_oldp[m]] - 1
    if oldp < 0 or s[rt.p_status[oldp]] != _Psyscall:
        return
    b = rt.copy(s)
    b[rt.pc[m]] = M_EXITSYSCALL_WIRE
    out.append((("exitsyscall", m, _syscall_g(rt, s, m), oldp), rt.freeze(b)))


@extra("exitsyscall_load_store", "exitsyscall_wirep", "exitsyscallfast, wirep", pcs=(M_EXITSYSCALL_WIRE,),
       params=("P",), protocols=CLASSIC)
def exitsyscall_wirep(rt, s, m, out):
    """The second half of a non-atomic exitsyscallfast: store _Pidle and wire
    the P, whatever happened to it since the load. Sysmon can retake the P in
    between. Abstracts: as exitsyscall."""
    oldp = s[rt.L.m_oldp[m]] - 1
    b = rt.copy(s)
    b[rt.L.m_oldp[m]] = 0
    b[rt.m_p[m]] = oldp + 1
    b[rt.p_m[oldp]] = m + 1
    b[rt.p_status[oldp]] = _Prunning
    rt.leave_syscall(b, oldp)
    rt.casgstatus(b, b[rt.m_curg[m]] - 1, _Gsyscall, _Grunning)
    b[rt.pc[m]] = M_RUN
    out.append((("exitsyscall_wirep", m, oldp), rt.freeze(b)))


@replaces("exitsyscall0_loses_g", "exitsyscall0_globrunqput")
def exitsyscall0_forgets_globrunqput(rt, s, m, out):
    """exitsyscall0 with no idle P makes the G _Grunnable and stops the M
    without globrunqput: the G is in no queue."""
    if rt.exitsyscall_sees_idle_p(s):
        return
    b = rt.copy(s)
    g = _syscall_g(rt, s, m)
    rt.casgstatus(b, g, _Gsyscall, _Grunnable)
    b[rt.m_curg[m]] = 0
    b[rt.pc[m]] = M_STOPM
    out.append((("exitsyscall0_globrunqput", m, g), rt.freeze(b)))


@replaces("entersyscallblock_no_handoffp", "entersyscallblock")
def entersyscallblock_forgets_handoffp(rt, s, m, out):
    """entersyscallblock releases its P (releasep) and never hands it off."""
    g, _ = current_op(rt, s, m)
    b = rt.copy(s)
    rt.casgstatus(b, g, _Grunning, _Gsyscall)
    pp = rt.releasep(b, m)
    advance(rt, b, g)
    b[rt.pc[m]] = M_SYSCALL
    out.append((("entersyscallblock", m, g, pp), rt.freeze(b)))


@replaces("entersyscall_keeps_grunning", "entersyscall")
def entersyscall_without_casgstatus(rt, s, m, out):
    """reentersyscall publishes the P as _Psyscall but leaves the G _Grunning."""
    g, _ = current_op(rt, s, m)
    b = rt.copy(s)
    pp = b[rt.m_p[m]] - 1
    b[rt.p_m[pp]] = 0
    b[rt.L.m_oldp[m]] = pp + 1
    b[rt.m_p[m]] = 0
    b[rt.p_status[pp]] = _Psyscall
    advance(rt, b, g)
    b[rt.pc[m]] = M_SYSCALL
    out.append((("entersyscall", m, g, pp), rt.freeze(b)))


@runtime_helper("exitsyscall_ignores_idle_p")
class IgnoresIdleP(Runtime):
    def exitsyscall_sees_idle_p(self, s) -> bool:
        """A G back from a syscall never sees an idle P."""
        return False


# --- sysmon --------------------------------------------------------------------------------------------

@replaces("retake_no_handoffp", "retake")
def retake_forgets_handoffp(rt, s, i, out):
    """retake CASes the P from _Psyscall to _Pidle and hands it to nobody."""
    pp = s[rt.L.proc_hp[i]] - 1
    if s[rt.p_status[pp]] != _Psyscall:
        return
    b = rt.copy(s)
    b[rt.p_status[pp]] = _Pidle
    rt.leave_syscall(b, pp)
    b[rt.L.proc_hp[i]] = 0
    b[rt.pc[i]] = SY_INCIDLELOCKED
    out.append((("retake", i, pp), rt.freeze(b)))


@replaces("retake_no_incidlelocked", "retake_decide")
def retake_without_incidlelocked(rt, s, i, out):
    """retake goes for the CAS without incidlelocked(-1) first."""
    from ..actions.sysmon import _syscall_decision
    for pp in range(rt.L.np):
        if s[rt.p_status[pp]] != _Psyscall or _syscall_decision(rt, s, pp) != "retake":
            continue
        b = rt.copy(s)
        b[rt.L.proc_hp[i]] = pp + 1
        b[rt.pc[i]] = SY_RETAKE
        out.append((("retake_decide", i, pp), rt.freeze(b)))


@replaces("retake_no_incidlelocked", "incidlelocked")
def incidlelocked_without_decrement(rt, s, i, out):
    """...and so, after it, no incidlelocked(1) for a retake (injectglist's
    pair stays: its decrement is still there)."""
    b = rt.copy(s)
    if b[rt.L.nmidlelocked] < NMIDLELOCKED_BIAS:
        b[rt.L.nmidlelocked] += 1
    b[rt.pc[i]] = SY_IDLE
    rt.checkdead(b)
    out.append((("incidlelocked", i), rt.freeze(b)))


def _decision_without_sysretake(rt, s, pp):
    """retake's skip rules without sysretake: a syscalltick sysmon has not
    seen is recorded and skipped, however old the P's time slice is."""
    seen = s[rt.p_syscallwhen[pp]]
    if seen == SYSCALL_UNSEEN:
        return "record"
    if rt.runqempty(s, pp) and rt.nmspinning(s) + s[rt.L.npidle] > 0 and seen == SYSCALL_SEEN:
        return None
    return "retake"


@replaces("retake_no_sysretake", "retake_syscalltick")
def retake_syscalltick_always(rt, s, i, out):
    """retake records a new syscalltick and skips the P even when its slice
    is 10 ms old (no sysretake)."""
    for pp in range(rt.L.np):
        if s[rt.p_status[pp]] != _Psyscall or _decision_without_sysretake(rt, s, pp) != "record":
            continue
        b = rt.copy(s)
        b[rt.p_syscallwhen[pp]] = SYSCALL_SEEN
        out.append((("retake_syscalltick", i, pp), rt.freeze(b)))


@replaces("retake_no_sysretake", "retake_decide")
def retake_decide_without_sysretake(rt, s, i, out):
    """retake goes for the CAS only for a syscall it has already seen (no
    sysretake)."""
    for pp in range(rt.L.np):
        if s[rt.p_status[pp]] != _Psyscall or _decision_without_sysretake(rt, s, pp) != "retake":
            continue
        b = rt.copy(s)
        b[rt.L.nmidlelocked] -= 1
        b[rt.L.proc_hp[i]] = pp + 1
        b[rt.pc[i]] = SY_RETAKE
        out.append((("retake_decide", i, pp), rt.freeze(b)))


@replaces("sysmon_never_retakes", "retake_decide")
def retake_never(rt, s, i, out):
    """sysmon never retakes a P from a syscall."""


@replaces("sysmon_never_preempts", "preemptone", "preemptone_between")
def preemptone_never(rt, s, i, out):
    """sysmon never preempts a long-running G."""


@replaces("injectglist_drops_gs", "sysmon_netpoll")
def sysmon_netpoll_drops_gs(rt, s, i, out):
    """sysmon's netpoll marks every ready G runnable but injectglist queues
    only the first."""
    if s[rt.L.netpolling]:
        return
    ready = netpoll_ready(rt, s)
    if not ready:
        return
    b = rt.copy(s)
    for g in ready[1:]:
        rt.casgstatus(b, g, _Gwaiting, _Grunnable)
        b[rt.L.g_wait[g]] = WAIT_NONE
    b[rt.L.nmidlelocked] -= 1
    injectglist(rt, b, i, None, ready[:1], SY_INCIDLELOCKED)
    out.append((("sysmon_netpoll", i, ready[0]), rt.freeze(b)))


# --- stealing ------------------------------------------------------------------------------------------

@runtime_helper("runqsteal_no_remove")
class GrabWithoutRemove(Runtime):
    def runqgrab(self, s, b, p2: int) -> list:
        """runqgrab copies half the victim's queue but never advances its head."""
        queue = self.p_runq[p2]
        n = self.qlen(s, queue)
        take = n - n // 2
        if take:
            return [s[queue[i]] - 1 for i in range(take)]
        nxt = s[self.p_runnext[p2]]
        b[self.p_runnext[p2]] = 0
        return [nxt - 1]


@replaces("runqsteal_runnext_no_cas", "runqsteal")
def runqsteal_runnext_load(rt, s, m, out):
    """runqgrab loads the victim's runnext now and stores 0 in a later step
    (runqsteal_runnext_store), instead of runnext.cas(next, 0)."""
    from ..actions.schedule import _has_work, _own_p, _unvisited, stealing
    if not stealing(rt, s, m):
        return
    pp = _own_p(rt, s, m)
    for p2 in [p2 for p2 in _unvisited(rt, s, m, pp) if _has_work(rt, s, p2)]:
        b = rt.copy(s)
        b[rt.L.proc_arg[m]] = 0
        queue = rt.p_runq[p2]
        if rt.qlen(s, queue):
            batch = rt.runqgrab(s, b, p2)
            gp = batch.pop()
            if rt.runqputbatch(b, pp, batch):
                rt.throw(b, "runqsteal: runq overflow")
            found(rt, b, m, gp)
        else:
            gp = s[rt.p_runnext[p2]] - 1
            b[rt.m_gp[m]] = gp + 1
            b[rt.L.proc_hp[m]] = p2 + 1
            b[rt.pc[m]] = M_STEALNEXT
        out.append((("runqsteal", m, pp, p2, gp), rt.freeze(b)))


@extra("runqsteal_runnext_no_cas", "runqsteal_runnext_store", "runqgrab", pcs=(M_STEALNEXT,), params=("P", "G"))
def runqsteal_runnext_store(rt, s, m, out):
    """The second half of a runnext steal done as a load then a store: the
    owner may have run the G in between, and now both have it. Abstracts: as
    runqsteal."""
    p2 = s[rt.L.proc_hp[m]] - 1
    gp = s[rt.m_gp[m]] - 1
    b = rt.copy(s)
    b[rt.p_runnext[p2]] = 0
    b[rt.L.proc_hp[m]] = 0
    b[rt.m_gp[m]] = 0
    found(rt, b, m, gp)
    out.append((("runqsteal_runnext_store", m, p2, gp), rt.freeze(b)))


# --- the spinning protocol -----------------------------------------------------------------------------

@replaces("dance_reversed", "findRunnable_releasep")
def releasep_then_recheck(rt, s, m, out):
    """A spinning M that dropped its P re-checks the run queues before it
    drops nmspinning (the "delicate dance" reversed)."""
    if s[rt.globq[0]] or (not s[rt.m_spinning[m]] and s[rt.L.needspinning]):
        return
    b = rt.copy(s)
    pp = rt.releasep(b, m)
    rt.pidleput(b, pp)
    b[rt.pc[m]] = M_RECHECK if b[rt.m_spinning[m]] else M_NETBLOCK
    out.append((("findRunnable_releasep", m, pp), rt.freeze(b)))


@replaces("dance_reversed", "findRunnable_recheck_none")
def recheck_then_stopspinning(rt, s, m, out):
    """...finding nothing, it then drops nmspinning."""
    from ..actions.schedule import _work_ps
    work = bool(s[rt.globq[0]]) or bool(_work_ps(rt, s))
    if work and s[rt.pidle_slots[0]]:
        return
    b = rt.copy(s)
    if work:
        b[rt.L.needspinning] = 1
    b[rt.pc[m]] = M_STOPSPIN
    out.append((("findRunnable_recheck_none", m), rt.freeze(b)))


@replaces("dance_reversed", "findRunnable_stopspinning")
def stopspinning_last(rt, s, m, out):
    """...and goes on to netpoll or stopm after the decrement."""
    b = rt.copy(s)
    b[rt.m_spinning[m]] = 0
    if not b[rt.L.nmspinning]:
        rt.throw(b, "findRunnable: negative nmspinning")
    else:
        b[rt.L.nmspinning] -= 1
    b[rt.pc[m]] = M_NETBLOCK
    out.append((("findRunnable_stopspinning", m), rt.freeze(b)))


@runtime_helper("dance_reversed")
class StillSpinningAtRecheck(Runtime):
    def becomeSpinning(self, b, m: int) -> None:
        """A re-checking M is still spinning when it takes a P (it has not
        dropped nmspinning yet), so it does not count itself again."""
        if not b[self.m_spinning[m]]:
            Runtime.becomeSpinning(self, b, m)


@runtime_helper("pidlegetspinning_no_needspinning")
class NoNeedSpinning(Runtime):
    def pidlegetSpinning(self, b):
        """pidlegetSpinning does not set sched.needspinning when no P is free."""
        return self.pidleget(b)


@replaces("wakep_no_cas", "wakep_cas")
def wakep_load(rt, s, i, out):
    """wakep checks nmspinning == 0 now and stores 1 in a later step
    (wakep_store), instead of CompareAndSwap(0, 1)."""
    if rt.nmspinning(s):
        return
    b = rt.copy(s)
    b[rt.pc[i]] = PC_WAKEP_STORE
    out.append((("wakep_cas", i), rt.freeze(b)))


@extra("wakep_no_cas", "wakep_store", "wakep", pcs=(PC_WAKEP_STORE,), actor="any")
def wakep_store(rt, s, i, out):
    """The second half: store nmspinning = 1 without a CAS; two racing wakeps
    both get here and both start a spinning M, yet nmspinning counts one.
    Abstracts: as wakep_cas."""
    b = rt.copy(s)
    b[rt.L.nmspinning] = 1
    b[rt.pc[i]] = PC_WAKEP2
    out.append((("wakep_store", i), rt.freeze(b)))


@replaces("wakep_never_wakes", "wakep_noop")
def wakep_returns(rt, s, i, out):
    """wakep returns at once, never starting a spinning M."""
    b = rt.copy(s)
    _ret(rt, b, i)
    out.append((("wakep_noop", i), rt.freeze(b)))


@replaces("wakep_never_wakes", "wakep_cas")
def wakep_never_cas(rt, s, i, out):
    """(so its CAS is never reached)."""


@replaces("resetspinning_no_wakep", "resetspinning")
def resetspinning_forgets_wakep(rt, s, m, out):
    """resetspinning drops nmspinning but does not call wakep."""
    from ..vocab import M_EXECUTE
    b = rt.copy(s)
    b[rt.m_spinning[m]] = 0
    if not b[rt.L.nmspinning]:
        rt.throw(b, "findRunnable: negative nmspinning")
    else:
        b[rt.L.nmspinning] -= 1
    b[rt.pc[m]] = M_EXECUTE
    out.append((("resetspinning", m, s[rt.m_gp[m]] - 1), rt.freeze(b)))


@replaces("injectglist_no_wakep", "injectglist_done")
def injectglist_done_forgets_wakep(rt, s, i, out):
    """injectglist (with a P) omits its final wakep."""
    n = s[rt.L.proc_arg[i]]
    if n and s[rt.pidle_slots[0]]:
        return
    b = rt.copy(s)
    if n:
        rt.pidlegetSpinning(b)
    b[rt.L.proc_arg[i]] = 0
    if rt.glist(s, i):
        b[rt.pc[i]] = PC_INJECT_LOCAL
    else:
        _ret(rt, b, i)
    out.append((("injectglist_done", i), rt.freeze(b)))


@replaces("injectglist_no_wakep", "injectglist_runqputbatch")
def injectglist_local_without_wakep(rt, s, i, out):
    """...nor after putting its private Gs on its local queue."""
    pp = rt.own_p(s, i)
    b = rt.copy(s)
    rt.globrunqputbatch(b, rt.runqputbatch(b, pp, rt.glist(s, i)))
    rt.set_glist(b, i, ())
    _ret(rt, b, i)
    out.append((("injectglist_runqputbatch", i, pp), rt.freeze(b)))


# --- handoffp ------------------------------------------------------------------------------------------

@runtime_helper("handoffp_skips_local_work")
class HandoffSkipsLocalWork(Runtime):
    def handoff_sees_work(self, s, pp: int) -> bool:
        """handoffp ignores pp's own run queue: only global work starts an M."""
        return self.handoff_sees_global_work(s)


@runtime_helper("handoffp_ignores_globrunq")
class HandoffIgnoresGlobrunq(Runtime):
    def handoff_sees_global_work(self, s) -> bool:
        """handoffp never looks at the global run queue."""
        return False


# --- execute -------------------------------------------------------------------------------------------

@runtime_helper("execute_keeps_preempt")
class KeepsPreempt(Runtime):
    def execute(self, b, m: int, g: int) -> None:
        """execute does not clear gp.preempt."""
        flag = b[self.g_flags[g]] & GF_PREEMPT
        Runtime.execute(self, b, m, g)
        b[self.g_flags[g]] |= flag



# --- startm --------------------------------------------------------------------------------------------

@runtime_helper("newm_uncounted")
class NewmUncounted(Runtime):
    def running_ms(self, b) -> int:
        """startm's newm counts the new M only once it runs (no mReserveID
        under sched.lock): an M started for a P but not yet running is
        invisible to checkdead."""
        L = self.L
        started = sum((L.cutoff + 1 if b[L.m_mult[m]] == OMEGA else b[L.m_mult[m]]) if not L.bounded else 1
                      for m in L.m_range if b[self.pc[m]] == M_ACQUIRE)
        return Runtime.running_ms(self, b) - started


@runtime_helper("checkdead_ignores_netpoller")
class CheckdeadIgnoresNetpoller(Runtime):
    def running_ms(self, b) -> int:
        """checkdead counts the M blocked in netpoll(delay) as idle: it is not
        on sched.midle, but the slip subtracts it like one."""
        L = self.L
        polling = sum((L.cutoff + 1 if b[L.m_mult[m]] == OMEGA else b[L.m_mult[m]]) if not L.bounded else 1
                      for m in L.m_range if b[self.pc[m]] == M_NETPOLL)
        return Runtime.running_ms(self, b) - polling


# --- goroutines ----------------------------------------------------------------------------------------

@replaces("chanrecv_unlocked_check", "gopark")
def gopark_unlocked_check(rt, s, m, out):
    """chanrecv looks at the buffer before taking c.lock: a send that lands
    between the look and the park is missed, and the G parks with a value
    waiting for it (a lost wakeup)."""
    g, _ = current_op(rt, s, m)
    b = rt.copy(s)
    rt.casgstatus(b, g, _Grunning, _Gwaiting)
    b[rt.L.g_wait[g]] = WAIT_CHAN
    b[rt.m_curg[m]] = 0
    advance(rt, b, g)
    b[rt.pc[m]] = M_SCHEDULE
    out.append((("gopark", m, g), rt.freeze(b)))


# --- entersyscall --------------------------------------------------------------------------------------

@replaces("entersyscall_no_oldp", "entersyscall")
def entersyscall_no_oldp(rt, s, m, out):
    """reentersyscall publishes the P as _Psyscall but does not record it in
    m.oldp: the M in the syscall no longer knows which P it left."""
    g, _ = current_op(rt, s, m)
    b = rt.copy(s)
    pp = rt.own_p(b, m)
    rt.casgstatus(b, g, _Grunning, _Gsyscall)
    b[rt.p_m[pp]] = 0
    b[rt.m_p[m]] = 0
    b[rt.p_status[pp]] = _Psyscall
    advance(rt, b, g)
    b[rt.pc[m]] = M_SYSCALL
    out.append((("entersyscall", m, g, pp), rt.freeze(b)))


@replaces("sysmon_never_polls", "sysmon_netpoll")
def sysmon_never_polls(rt, s, i, out):
    """sysmon never polls the network: a ready G is found only by an M that
    reaches findRunnable's netpoll, which a busy P never does."""
    return

# --- stop-the-world and forEachP -----------------------------------------------------------------------

@replaces("exitsyscall_takes_gcstop_p", "exitsyscall")
def exitsyscall_takes_stopped_p(rt, s, m, out):
    """exitsyscallfast takes its old P back if it is _Psyscall or _Pgcstop:
    a syscall returning while the world is stopped keeps running."""
    oldp = s[rt.L.m_oldp[m]] - 1
    if oldp < 0 or s[rt.p_status[oldp]] not in (_Psyscall, _Pgcstop):
        return
    b = rt.copy(s)
    _wire(rt, b, m, oldp)
    out.append((("exitsyscall", m, _syscall_g(rt, s, m), oldp), rt.freeze(b)))


@replaces("exitsyscall_takes_gcstop_p", "exitsyscall_lostp")
def exitsyscall_lostp_unless_stopped(rt, s, m, out):
    """...so the slow path is left only for a P that is neither."""
    oldp = s[rt.L.m_oldp[m]] - 1
    if oldp >= 0 and s[rt.p_status[oldp]] in (_Psyscall, _Pgcstop):
        return
    b = rt.copy(s)
    b[rt.L.m_oldp[m]] = 0
    b[rt.pc[m]] = M_EXITSYSCALL_PIDLE
    out.append((("exitsyscall_lostp", m, _syscall_g(rt, s, m)), rt.freeze(b)))


@replaces("stw_uncounted_syscall_p", "stopTheWorldWithSema")
def stop_the_world_uncounted(rt, s, m, out):
    """stopTheWorldWithSema CASes each _Psyscall P to _Pgcstop but does not
    count it off stopwait."""
    from ..actions.stw import _suspend, _world_stopped
    g, _ = current_op(rt, s, m)
    L = rt.L
    b = rt.copy(s)
    pp = rt.own_p(b, m)
    _suspend(rt, b, g, WAIT_STW)
    b[L.stopwait] = rt.gomaxprocs
    b[L.gcwaiting] = 1
    rt.preemptall(b, m)
    b[rt.p_status[pp]] = _Pgcstop
    b[L.stopwait] -= 1
    for p2 in range(L.np):
        if b[rt.p_status[p2]] == _Psyscall:
            b[rt.p_status[p2]] = _Pgcstop
    while (p2 := rt.pidleget(b)) is not None:
        b[rt.p_status[p2]] = _Pgcstop
        b[L.stopwait] -= 1
    if b[L.stopwait]:
        b[rt.pc[m]] = M_STW_WAIT
    else:
        _world_stopped(rt, b, m)
    out.append((("stopTheWorldWithSema", m, g, pp), rt.freeze(b)))


@replaces("entersyscall_gcwait_no_stopwait", "entersyscall_gcwait")
def entersyscall_gcwait_uncounted(rt, s, m, out):
    """entersyscall_gcwait CASes its P to _Pgcstop but does not count it off
    stopwait (nor wake the stopper)."""
    pp = s[rt.L.m_oldp[m]] - 1
    b = rt.copy(s)
    if b[rt.L.stopwait] and b[rt.p_status[pp]] == _Psyscall:
        b[rt.p_status[pp]] = _Pgcstop
    b[rt.pc[m]] = M_SYSCALL
    out.append((("entersyscall_gcwait", m, pp), rt.freeze(b)))


@replaces("gcstopm_wakes_early", "gcstopm")
def gcstopm_notewakeup_always(rt, s, m, out):
    """gcstopm wakes the stopper (notewakeup(&sched.stopnote)) every time it
    stops a P, not only when stopwait reaches 0."""
    from ..actions.stw import gcstopm
    stopped: list = []
    gcstopm(rt, s, m, stopped)
    for label, t in stopped:
        b = rt.copy(t)
        b[rt.L.stopnote] = 1
        out.append((label, rt.freeze(b)))


@replaces("gcstopm_ignores_spinning", "gcstopm")
def gcstopm_drops_nmspinning_always(rt, s, m, out):
    """gcstopm does nmspinning.Add(-1) whether or not this M is spinning."""
    L = rt.L
    if s[L.m_lockedg[m]] or not s[L.gcwaiting]:
        return
    b = rt.copy(s)
    b[rt.m_spinning[m]] = 0
    if not b[L.nmspinning]:
        rt.throw(b, "gcstopm: negative nmspinning")
    else:
        b[L.nmspinning] -= 1
    pp = rt.releasep(b, m)
    rt.gcstop(b, pp)
    b[rt.pc[m]] = M_STOPM
    out.append((("gcstopm", m, pp), rt.freeze(b)))


@runtime_helper("runsafepointfn_no_cas")
class SafePointFnWithoutCAS(Runtime):
    def run_safe_point_fn(self, b, pp: int) -> bool:
        """runSafePointFn loads pp.runSafePointFn instead of CASing it to 0:
        the function runs and is counted off safePointWait, but the request
        stays."""
        if not b[self.L.p_runSafePointFn[pp]]:
            return False
        b[self.L.safePointWait] = (b[self.L.safePointWait] - 1) & 0xFF
        return True


@runtime_helper("findRunnable_drops_p_owing")
class DropPIgnoresRechecks(Runtime):
    def drop_p_rechecks_pass(self, s, m: int) -> bool:
        """findRunnable drops its P without re-checking gcwaiting and
        runSafePointFn under sched.lock."""
        return True


@replaces("runsafepointfn_after_psyscall", "entersyscall")
def entersyscall_publishes_first(rt, s, m, out):
    """reentersyscall publishes _Psyscall first and runs the safe-point
    function its P owes after (runSafePointFn_late)."""
    g, _ = current_op(rt, s, m)
    b = rt.copy(s)
    pp = rt.own_p(b, m)
    rt.casgstatus(b, g, _Grunning, _Gsyscall)
    b[rt.p_m[pp]] = 0
    b[rt.L.m_oldp[m]] = pp + 1
    b[rt.m_p[m]] = 0
    b[rt.p_status[pp]] = _Psyscall
    advance(rt, b, g)
    b[rt.pc[m]] = M_SYSCALL_SAFEPOINT if b[rt.L.p_runSafePointFn[pp]] else (
        M_SYSCALL_GCWAIT if b[rt.L.gcwaiting] else M_SYSCALL)
    out.append((("entersyscall", m, g, pp), rt.freeze(b)))


@extra("runsafepointfn_after_psyscall", "runSafePointFn_late", "reentersyscall, runSafePointFn",
       pcs=(M_SYSCALL_SAFEPOINT,), params=("P",), protocols=CLASSIC)
def run_safe_point_fn_late(rt, s, m, out):
    """The safe-point function after the P was published: CAS
    runSafePointFn 1 -> 0 on m.oldp; the winner works on that P (hp) while
    it is _Psyscall, free for any other thread to take. Abstracts: as
    runSafePointFn."""
    pp = s[rt.L.m_oldp[m]] - 1
    b = rt.copy(s)
    if b[rt.L.p_runSafePointFn[pp]]:
        b[rt.L.p_runSafePointFn[pp]] = 0
        b[rt.L.proc_hp[m]] = pp + 1
        b[rt.pc[m]] = M_SYSCALL_SAFEPOINT_FN
    else:
        b[rt.pc[m]] = M_SYSCALL_GCWAIT if b[rt.L.gcwaiting] else M_SYSCALL
    out.append((("runSafePointFn_late", m, pp), rt.freeze(b)))


@extra("runsafepointfn_after_psyscall", "runSafePointFn_late_done", "runSafePointFn",
       pcs=(M_SYSCALL_SAFEPOINT_FN,), params=("P",), protocols=CLASSIC)
def run_safe_point_fn_late_done(rt, s, m, out):
    """...the function done, under sched.lock safePointWait--; the M goes on
    into its syscall. Abstracts: as runSafePointFn."""
    pp = s[rt.L.proc_hp[m]] - 1
    b = rt.copy(s)
    b[rt.L.safePointWait] = (b[rt.L.safePointWait] - 1) & 0xFF
    b[rt.L.proc_hp[m]] = 0
    b[rt.pc[m]] = M_SYSCALL_GCWAIT if b[rt.L.gcwaiting] else M_SYSCALL
    out.append((("runSafePointFn_late_done", m, pp), rt.freeze(b)))


# --- LockOSThread --------------------------------------------------------------------------------------

@replaces("exitsyscall0_lockedm_after_unlock", "exitsyscall0_globrunqput")
def exitsyscall0_reads_lockedm_late(rt, s, m, out):
    """exitsyscall0 with no idle P queues the G and unlocks sched.lock
    before it reads gp.lockedm (exitsyscall0_read_lockedm)."""
    if rt.exitsyscall_sees_idle_p(s):
        return
    b = rt.copy(s)
    g = _syscall_g(rt, s, m)
    rt.casgstatus(b, g, _Gsyscall, _Grunnable)
    b[rt.m_curg[m]] = 0
    rt.globrunqput(b, g)
    b[rt.L.proc_arg[m]] = g + 1  # the G this M still means to check, by pointer
    b[rt.pc[m]] = M_EXITSYSCALL0_UNLOCKED
    out.append((("exitsyscall0_globrunqput", m, g), rt.freeze(b)))


@extra("exitsyscall0_lockedm_after_unlock", "exitsyscall0_read_lockedm", "exitsyscall0, stoplockedm, stopm",
       pcs=(M_EXITSYSCALL0_UNLOCKED,), params=("G",), protocols=CLASSIC)
def exitsyscall0_read_lockedm(rt, s, m, out):
    """After the unlock, `locked = gp.lockedm != 0`: by now another M may
    have run the G, and the G may have locked that M's thread; this M then
    stoplockedm()s for a G locked to another thread. Abstracts: as
    exitsyscall0_globrunqput."""
    g = s[rt.L.proc_arg[m]] - 1
    b = rt.copy(s)
    b[rt.L.proc_arg[m]] = 0
    b[rt.pc[m]] = M_STOPLOCKEDM if b[rt.L.g_lockedm[g]] else M_STOPM
    out.append((("exitsyscall0_read_lockedm", m, g), rt.freeze(b)))


@replaces("schedule_ignores_lockedm", "startlockedm")
def schedule_runs_locked_g_here(rt, s, m, out):
    """schedule() runs a G locked to another thread on this M instead of
    handing it over (startlockedm)."""
    gp = s[rt.m_gp[m]] - 1
    if not s[rt.L.g_lockedm[gp]]:
        return
    b = rt.copy(s)
    rt.execute(b, m, gp)
    out.append((("startlockedm", m, gp, s[rt.m_p[m]] - 1), rt.freeze(b)))
