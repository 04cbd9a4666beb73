"""Strengthening lemmas for `gosched-mc prove`: facts every reachable state
of the model satisfies that the safety invariants do not say, so that the
invariants together with them are inductive (a step from a state satisfying
all of them leads to one that does too).

Each lemma is written like a safety invariant (properties/invariants.py): a
name, one sentence on why the model maintains it, the fields it reads, and
a check over them returning None (holds) or a sentence (broken). The same
check runs in the explicit search (tests/test_symbolic.py checks every
lemma on every reachable state of small presets, so a wrong lemma is
caught) and, compiled by the symbolic engine, in the induction, where each
is proven together with the invariants (none is assumed).

`prove` also offers generated candidates (model/symbolic.py:
candidate_lemmas): one field's value per program counter or status. Those
it keeps are listed by `prove --lemmas` with the family's reason.
"""

from dataclasses import dataclass

from .names import g_name
from .workload import OP_PARK, has_live_waker
from .vocab import (
    FATAL_DEADLOCK,
    GF_TOKEN,
    HP_LOOKS_PCS,
    M_ACQUIRE,
    M_DROPP,
    M_IDLE,
    M_LOCKEDIDLE,
    M_NONE,
    M_RECHECK,
    M_SCHEDULE,
    M_STEAL,
    M_STOPSPIN,
    PC_HANDOFF2,
    PC_HANDOFF3,
    PC_STARTIDLE,
    _Grunnable,
    _Grunning,
    _Gsyscall,
    _Psyscall,
)


@dataclass(frozen=True)
class Lemma:
    name: str
    reason: str  # one sentence: why every reachable state satisfies it
    offsets: tuple  # the fields the check reads
    fn: object  # values at offsets -> None (holds) or a sentence (broken); with parts, (values, part) -> the same
    parts: tuple | None = None  # a conjunction, one conjunct per part (properties/memo.py:memoised_parts); None: one check


PARKED = (M_NONE, M_IDLE, M_LOCKEDIDLE)
LOOKING = (M_SCHEDULE, M_STEAL, M_DROPP, M_STOPSPIN, M_RECHECK, M_ACQUIRE)  # an M that will still look at the queues


class _Helpers:
    """The fields that say whether some thread will still find work, and that test."""

    def __init__(self, L):
        self.nm = L.nm
        self.offsets = list(L.m_p) + list(L.m_nextp) + list(L.proc_pc) + list(L.proc_hp) + list(L.p_status)

    def someone_looks(self, v, awake_counts: bool) -> bool:
        """Some M owns a P or was handed one (nextp), or is in findRunnable
        before its last recheck (or, with awake_counts, is not parked at
        all), or some process holds a P it is handing off (hp), or is in
        injectglist's startIdle loop, or some P is _Psyscall: its M's exit
        takes it back (and then owns it), or a retake, forEachP or
        stopTheWorld CASes it away and hands it off (handoffp looks at the
        global run queue). Retake's hp before the P is taken (HP_LOOKS_PCS:
        classic before its CAS, modern until takeP) counts only while that P
        is still _Psyscall, for the same reason: a modern retake may find the
        G out of its syscall and give up, and the P it looked at is counted
        through its owner anyway."""
        nm = self.nm
        mp, nextp, pcs = v[:nm], v[nm:2 * nm], v[2 * nm:3 * nm + 1]
        hp, status = v[3 * nm + 1:4 * nm + 2], v[4 * nm + 2:]
        handing = [h for i, h in enumerate(hp)
                   if i < nm or pcs[nm] not in HP_LOOKS_PCS or (h and status[h - 1] == _Psyscall)]
        if awake_counts and any(pc not in PARKED for pc in pcs[:nm]):
            return True
        return bool(any(mp) or any(nextp) or any(handing) or any(pc in LOOKING for pc in pcs[:nm])
                    or any(pc == PC_STARTIDLE for pc in pcs) or _Psyscall in status)


def work_has_a_thread(mc) -> Lemma:
    L = mc.L
    h = _Helpers(L)
    ng = L.ng

    def each_g(v, g):
        if v[g] in (_Grunnable, _Grunning, _Gsyscall) and not h.someone_looks(v[ng:], True):
            return f"{g_name(g)} can run but every M is parked and nobody hands a P on"
        return None

    return Lemma("work_has_a_thread",
                 "A G is made runnable (or kept running) only by an M that is awake, and an M parks only after "
                 "findRunnable found nothing, or after handing its P (and the work) to another M or to sysmon.",
                 tuple(list(L.g_status) + h.offsets), each_g, tuple(range(ng)))


def global_work_is_picked_up(mc) -> Lemma:
    L = mc.L
    h = _Helpers(L)

    def fn(v):
        if v[0] and v[1] and not h.someone_looks(v[2:], False):
            return "sched.runq has a G and sched.pidle a P, but no M has a P or will look at the run queues"
        return None

    return Lemma("global_work_is_picked_up",
                 "globrunqput runs on an M that holds a P, or in exitsyscall0 when no P is idle, and injectglist "
                 "starts an M per idle P after it (startIdle); an M parks only after its last recheck, under "
                 "sched.lock, saw the global run queue empty; and a P left in a syscall (_Psyscall) goes back to "
                 "its M or is handed off by handoffp, which looks at the global run queue.",
                 tuple([L.runq[0], L.pidle[0]] + h.offsets), fn)


def queues_packed(mc) -> Lemma:
    L = mc.L
    queues = [(f"P{p}.runq", L.p_runq[p]) for p in range(L.np)] + [("sched.runq", L.runq), ("sched.pidle", L.pidle)]
    queues += [("sched.midle", L.midle)] if L.midle else []
    offs, cuts = [], []
    for name, slots in queues:
        cuts.append((name, len(offs), len(offs) + len(slots)))
        offs += slots

    def fn(v):
        for name, a, b in cuts:
            for i in range(a + 1, b):
                if v[i] and not v[i - 1]:
                    return f"{name} has an entry after an empty slot"
        return None

    return Lemma("queues_packed",
                 "Every queue (a P's run queue, the global run queue, the idle P and M lists) is packed from its "
                 "head: qpush fills the first empty slot and qpop shifts the rest up, so no entry follows a hole.",
                 tuple(offs), fn)


def _held_p_is_empty(mc, name: str, reason: str, offsets: list, holding, parts) -> Lemma:
    """A lemma, one conjunct per part: every P that holding(values at
    offsets, part) names, as (who, P reference) pairs, has an empty local
    run queue (runnext and runq)."""
    L = mc.L
    n, np_ = len(offsets), L.np

    def each(v, i):
        runnext, head = v[n:n + np_], v[n + np_:]
        for who, ref in holding(v[:n], i):
            if ref and (runnext[ref - 1] or head[ref - 1]):
                return f"{who} but P{ref - 1} has Gs in its run queue"
        return None

    return Lemma(name, reason, tuple(list(offsets) + list(L.p_runnext) + [q[0] for q in L.p_runq]), each, tuple(parts))


def handoff_past_work_check(mc) -> Lemma:
    L = mc.L
    n = L.nm + 1

    def holding(v, i):
        return [(f"{L.proc_name(i)} is past handoffp's work check", v[n + i])] if v[i] in (PC_HANDOFF2, PC_HANDOFF3) else []

    return _held_p_is_empty(mc, "handoff_past_work_check",
                            "handoffp goes on past its first check only when the P it holds has an empty local run "
                            "queue, and a P being handed off has no owner to put a G on it.",
                            list(L.proc_pc) + list(L.proc_hp), holding, range(n))


def spinning_m_has_an_empty_p(mc) -> Lemma:
    L = mc.L
    nm = L.nm

    def holding(v, m):
        if v[nm + m] and v[m] in (M_ACQUIRE, M_SCHEDULE, M_STEAL, M_DROPP):
            return [(f"M{m} is spinning in findRunnable", ref) for ref in (v[2 * nm + m], v[3 * nm + m])]
        return []

    return _held_p_is_empty(mc, "spinning_m_has_an_empty_p",
                            "A spinning M got its P from the idle list (empty run queues) and only a P's owner puts "
                            "Gs on it, so until it finds a G the M's P has nothing local to run.",
                            list(L.proc_pc[:nm]) + list(L.m_spinning) + list(L.m_p) + list(L.m_nextp), holding,
                            range(nm))


def park_ahead_has_a_waker(mc) -> Lemma:
    L = mc.L
    ng = L.ng
    programs = mc.config.workload

    def part(v, g):  # one conjunct per G whose program parks (no other G can break it)
        status, pcs, flags = v[:ng], v[ng:2 * ng], v[2 * ng:3 * ng]
        if v[3 * ng] == FATAL_DEADLOCK:
            return None  # the program deadlocked and checkdead said so (parked_g_has_a_waker allows it)
        if status[g] not in (_Grunnable, _Grunning, _Gsyscall) or programs[g][pcs[g]].code != OP_PARK:
            return None
        if flags[g] & GF_TOKEN:
            return None  # a send is buffered: its park will not block
        if not has_live_waker(programs, status, pcs, g):
            return f"{g_name(g)} is about to park, holds no send and no live goroutine can still ready it"
        return None

    return Lemma("park_ahead_has_a_waker",
                 "parked_g_has_a_waker one step early: a G whose next op is a park and that holds no buffered send "
                 "will park on the channel, so some other live goroutine can still ready it; a ready is used up "
                 "only by the G it names (waking it, or buffering the send its next park takes).",
                 tuple(list(L.g_status) + list(L.g_pc) + list(L.g_flags) + [L.throw]), part,
                 tuple(g for g in range(ng) if any(op.code == OP_PARK for op in programs[g])))


# The generated candidates' families (model/symbolic.py:candidate_lemmas): why
# an instance that holds in every sampled reachable state is maintained.
FAMILIES = {
    "pc_fields": "A thread's program counter says which step of the scheduler it is at, and every path to that step "
                 "leaves its locals (and the sched counters it changes under sched.lock) the same way.",
    "ret_fields": "A subroutine (wakep, handoffp, startIdle) is called from few places, each with its own locals, "
                  "and keeps them until it returns.",
    "pc_refs": "A thread at this step holds this G or P exclusively, and set its status itself on the way there, so "
               "no other thread changes it.",
    "pc_p_empty": "An M reaches this step only after finding its P's local run queue empty, and only a P's owner "
                  "puts Gs on it.",
    "held": "A G or P in this status is always held by some thread: the status and the reference are changed "
            "together, in one step.",
    "work_awake": "Work is queued only by a thread that is awake, and it stays awake or hands the work on.",
    "g_fields": "A goroutine's status, its place in its program and its wait reason change together, in the steps "
                "that run, park and ready it.",
    "g_progress": "A goroutine past an op has done it (a spawn created its G), and its program only moves forward.",
    "p_fields": "A P's status and its owner (P.m) are changed together (acquirep, releasep, handoff).",
}


MAKERS = (park_ahead_has_a_waker, spinning_m_has_an_empty_p, handoff_past_work_check, queues_packed, work_has_a_thread,
          global_work_is_picked_up)


def lemmas(mc) -> list[Lemma]:
    """The catalogue, bound to this machine's state layout."""
    return [make(mc) for make in MAKERS]
