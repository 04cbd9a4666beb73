"""The runtime's helper functions, over a mutable copy (bytearray) of a state.

Each helper is the model of the proc.go function of the same name and keeps
the runtime's contract: callers hold sched.lock where the runtime does
(the whole calling action is one atomic step). Helpers that the runtime
guards with a throw set sched.throw instead; a state with a throw has no
successors and violates the `no_runtime_throw` invariant.
"""

from operator import itemgetter

from .layout import NMIDLELOCKED_BIAS, OMEGA, CapacityError, Layout, ModelError  # noqa: F401 (re-exported)
from .vocab import (FATAL_DEADLOCK, GF_PREEMPT, GF_PREEMPT_LATE, GF_SCAN, M_ACQUIRE, M_IDLE, M_NONE, M_RUN, SLICE_OLD,
                    SLICE_PENDING, SLICE_YOUNG, SYSCALL_UNSEEN, THROW_CODES, TIMER_WAITS, _Grunnable, _Grunning,
                    _Gsyscall, _Gwaiting, _Pgcstop, _Pidle, _Prunning, _Psyscall)
from .workload import OP_SPIN

NIL = None



def signed(v: int) -> int:
    """A byte holding a counter that may go below zero (int32 in the runtime)."""
    return v - 256 if v >= 128 else v


def field_getter(offsets):
    """s -> the tuple of s[o] for o in offsets (a tuple even for one offset)."""
    offsets = list(offsets)
    return itemgetter(*offsets) if len(offsets) > 1 else (lambda s, o=offsets[0]: (s[o],))


class Runtime:
    """Helpers bound to one layout. `b` is always a bytearray being built into
    a successor state; `s` a read-only state (bytes or bytearray)."""

    # How an action makes and finishes a successor: a mutable copy of the
    # state, then an immutable one. Actions go through these (never
    # bytearray()/bytes() themselves) so the same action code can also run
    # on symbolic states (the z3 engine swaps them).
    copy = bytearray
    freeze = bytes

    @staticmethod
    def choose(options):
        """A nondeterministic choice: `for pp in rt.choose(range(np)):` is a
        loop whose iterations are separate steps (each makes its own
        successor and carries nothing to the next). The explicit engine runs
        every iteration; the symbolic engine follows each on its own path,
        instead of every combination of the paths through all of them."""
        return options

    def __init__(self, layout: Layout, procs: int):
        self.L = layout
        self.gomaxprocs = procs
        L = layout
        self.g_status, self.g_flags = L.g_status, L.g_flags
        self.p_status, self.p_m, self.p_runnext, self.p_runq = L.p_status, L.p_m, L.p_runnext, L.p_runq
        self.p_schedwhen, self.p_syscallwhen, self.p_tick61 = L.p_schedwhen, L.p_syscallwhen, L.p_tick61
        self.pc, self.ret = L.proc_pc, L.proc_ret
        self.m_p, self.m_nextp, self.m_curg, self.m_spinning, self.m_gp = L.m_p, L.m_nextp, L.m_curg, L.m_spinning, L.m_gp
        self.globq, self.pidle_slots, self.midle_slots = L.runq, L.pidle, L.midle
        self.half = max(1, L.cap // 2)
        self.programs = ()
        self.m_pcs = field_getter(L.proc_pc[:L.nm])
        self.g_waits = field_getter(L.g_wait)

    # --- packed queues and stacks -------------------------------------------------
    @staticmethod
    def qlen(s, slots) -> int:
        n = 0
        for o in slots:
            if not s[o]:
                break
            n += 1
        return n

    @staticmethod
    def qpush(b, slots, ref: int) -> bool:
        for o in slots:
            if not b[o]:
                b[o] = ref
                return True
        return False

    @staticmethod
    def qpop(b, slots) -> int:
        """Pop the head (index 0) of a packed queue; 0 if empty."""
        head = b[slots[0]]
        if head:
            last = len(slots) - 1
            for i in range(last):
                b[slots[i]] = b[slots[i + 1]]
            b[slots[last]] = 0
        return head

    # --- throws ----------------------------------------------------------------
    def throw(self, b, message: str) -> None:
        if not b[self.L.throw]:
            b[self.L.throw] = THROW_CODES[message]

    def casgstatus(self, b, g: int, old: int, new: int) -> None:
        if b[self.g_status[g]] != old:
            self.throw(b, "casgstatus: bad incoming values")
        b[self.g_status[g]] = new

    # --- local run queues ------------------------------------------------------------
    def runqempty(self, s, pp: int) -> bool:
        return not s[self.p_runnext[pp]] and not s[self.p_runq[pp][0]]

    def runqput(self, b, pp: int, g: int, next: bool) -> None:
        """runqput: into runnext (kicking the old runnext to the tail) or the
        tail; a full queue moves half of it plus g to the global queue
        (runqputslow). Executed only by the owner of pp."""
        if next:
            old = b[self.p_runnext[pp]]
            b[self.p_runnext[pp]] = g + 1
            if not old:
                return
            g = old - 1
        if self.qpush(b, self.p_runq[pp], g + 1):
            return
        self.runqputslow(b, pp, g)

    def runqputslow(self, b, pp: int, g: int) -> None:
        batch = [self.qpop(b, self.p_runq[pp]) - 1 for _ in range(self.L.cap // 2)]
        batch.append(g)
        self.globrunqputbatch(b, batch)

    def runqget(self, b, pp: int):
        """runqget: runnext first (CAS to 0), else the head of the queue."""
        nxt = b[self.p_runnext[pp]]
        if nxt:
            b[self.p_runnext[pp]] = 0
            return nxt - 1
        head = self.qpop(b, self.p_runq[pp])
        return head - 1 if head else NIL

    def runqputbatch(self, b, pp: int, gs: list) -> list:
        """runqputbatch: as many as fit at the tail; returns the rest."""
        rest = list(gs)
        while rest and self.qpush(b, self.p_runq[pp], rest[0] + 1):
            rest.pop(0)
        return rest

    def runqgrab(self, s, b, p2: int) -> list:
        """runqgrab: half the victim's queue (rounded up) from the head, or,
        if the queue is empty, its runnext (runnext.cas(next, 0))."""
        queue = self.p_runq[p2]
        n = self.qlen(s, queue)
        take = n - n // 2
        if take:
            return [self.qpop(b, queue) - 1 for _ in range(take)]
        nxt = s[self.p_runnext[p2]]
        b[self.p_runnext[p2]] = 0
        return [nxt - 1]

    # --- a process's private list of Gs ----------------------------------------------
    def glist(self, s, proc: int) -> list:
        """The Gs in proc's private list (a batch in hand), in G order."""
        offs = self.L.glist_offsets[proc]
        return [g for g in range(self.L.ng) if s[offs[g // 8]] >> (g % 8) & 1]

    def set_glist(self, b, proc: int, gs) -> None:
        offs = self.L.glist_offsets[proc]
        for o in offs:
            b[o] = 0
        for g in gs:
            b[offs[g // 8]] |= 1 << (g % 8)

    # --- global run queue ----------------------------------------------------------
    def globrunqput(self, b, g: int) -> None:
        self.qpush(b, self.globq, g + 1)

    def globrunqputbatch(self, b, gs) -> None:
        for g in gs:
            self.qpush(b, self.globq, g + 1)

    def globrunqgetbatch(self, b, pp: int):
        """globrunqgetbatch(len(pp.runq)/2): the head G to run, and up to
        min(n, size/gomaxprocs) more moved onto pp's (empty) local queue."""
        size = self.qlen(b, self.globq)
        if not size:
            return NIL
        n = max(1, min(self.half, size, size // self.gomaxprocs + 1))
        gp = self.qpop(b, self.globq) - 1
        batch = [self.qpop(b, self.globq) - 1 for _ in range(n - 1)]
        self.runqputbatch(b, pp, batch)
        return gp

    # --- idle P list (sched.pidle, a stack) -------------------------------------------
    def pidleput(self, b, pp: int) -> None:
        if not self.runqempty(b, pp):
            self.throw(b, "pidleput: P has non-empty run queue")
        slots = self.pidle_slots
        for i in range(len(slots) - 1, 0, -1):
            b[slots[i]] = b[slots[i - 1]]
        b[slots[0]] = pp + 1
        b[self.L.npidle] += 1
        # An idle P's sysmontick is not kept: its next slice starts fresh
        # (see new_slice; README, "Time").
        b[self.p_schedwhen[pp]] = SLICE_YOUNG
        b[self.p_syscallwhen[pp]] = SYSCALL_UNSEEN
        b[self.p_tick61[pp]] = 0  # an over-approximation: schedtick is kept, the model forgets it

    def pidleget(self, b):
        top = self.qpop(b, self.pidle_slots)
        if not top:
            return NIL
        b[self.L.npidle] -= 1
        return top - 1

    def pidlegetSpinning(self, b):
        """pidleget, and if no P is free set needspinning so that an M about to
        drop its P becomes spinning instead ("delicate dance")."""
        pp = self.pidleget(b)
        if pp is NIL:
            b[self.L.needspinning] = 1
        return pp

    # --- idle M list (sched.midle, a stack) ---------------------------------------
    # With unbounded threads a parked M that holds nothing is not kept (see
    # layout.py): mput forgets it, and mget never finds one, so startm always
    # takes a fresh M, which is the same as waking a parked one.
    def mput(self, b, m: int) -> None:
        if self.L.bounded:
            slots = self.midle_slots
            for i in range(len(slots) - 1, 0, -1):
                b[slots[i]] = b[slots[i - 1]]
            b[slots[0]] = m + 1
            b[self.L.nmidle] += 1
        self.checkdead(b)

    def mget(self, b):
        if not self.L.bounded:
            return NIL
        top = self.qpop(b, self.midle_slots)
        if not top:
            return NIL
        b[self.L.nmidle] -= 1
        return top - 1

    # --- what handoffp and exitsyscall look at -----------------------------------------
    def handoff_sees_work(self, s, pp: int) -> bool:
        """handoffp's first check: `!runqempty(pp) || !sched.runq.empty()`.
        handoffp must start an M in any situation where findRunnable would
        return a G to run on pp."""
        return not self.runqempty(s, pp) or self.handoff_sees_global_work(s)

    def handoff_sees_global_work(self, s) -> bool:
        """handoffp, first unlocked then under sched.lock: `!sched.runq.empty()`."""
        return bool(s[self.globq[0]])

    def exitsyscall_sees_idle_p(self, s) -> bool:
        """`sched.pidle != 0`, as exitsyscallfast_pidle reads it and
        exitsyscall0 finds it under sched.lock."""
        return bool(s[self.pidle_slots[0]])

    # --- Ms and Ps -----------------------------------------------------------------
    def own_p(self, s, m: int) -> int:
        """getg().m.p.ptr(): the P an M runs with. Never nil where the runtime
        uses it; a nil m.p here is a model error, not a read of P[-1]."""
        ref = s[self.m_p[m]]
        if not ref:
            raise ModelError(f"{self.L.proc_name(m)} uses its P but m.p is nil")
        return ref - 1

    def acquirep(self, b, m: int, pp: int) -> None:
        """acquirep/wirep: the P must be _Pidle with no M."""
        if b[self.m_p[m]] or b[self.p_m[pp]] or b[self.p_status[pp]] != _Pidle:
            self.throw(b, "acquirep: invalid p state")
        b[self.m_p[m]] = pp + 1
        b[self.p_m[pp]] = m + 1
        b[self.p_status[pp]] = _Prunning

    def releasep(self, b, m: int) -> int:
        pp = b[self.m_p[m]] - 1
        if pp < 0 or b[self.p_m[pp]] != m + 1 or b[self.p_status[pp]] != _Prunning:
            self.throw(b, "releasep: invalid p state")
            return max(pp, 0)
        b[self.m_p[m]] = 0
        b[self.p_m[pp]] = 0
        b[self.p_status[pp]] = _Pidle
        return pp

    def becomeSpinning(self, b, m: int) -> None:
        b[self.m_spinning[m]] = 1
        b[self.L.nmspinning] += 1
        b[self.L.needspinning] = 0

    def startm(self, b, pp: int, spinning: bool) -> bool:
        """startm(pp, spinning): hand pp to an idle M (mget) or a new one
        (newm). Returns False when a new M is needed beyond the thread limit:
        the caller's step is then cut, and reported as such, never faked."""
        m = self.mget(b)
        if m is NIL:
            m = self.newm_slot(b)
            if m is NIL:
                return False
        else:
            if b[self.m_spinning[m]]:
                self.throw(b, "startm: m is spinning")
            if b[self.m_nextp[m]]:
                self.throw(b, "startm: m has p")
        if spinning and not self.runqempty(b, pp):
            self.throw(b, "startm: p has runnable gs")
        b[self.m_spinning[m]] = 1 if spinning else 0
        b[self.m_nextp[m]] = pp + 1
        b[self.pc[m]] = M_ACQUIRE
        return True

    def newm_slot(self, b):
        """A slot for a new thread; NIL at the thread limit (bounded)."""
        for m in range(self.L.nm):
            if b[self.pc[m]] == M_NONE:
                if not self.L.bounded:
                    b[self.L.m_mult[m]] = 1
                return m
        if not self.L.bounded:
            raise CapacityError(f"all {self.L.nm} M slots are in use")
        return NIL

    def nmspinning(self, s) -> int:
        """sched.nmspinning as the runtime sees it. With unbounded threads the
        field holds the exactly counted part; a class of "many" spinning Ms
        stands for at least cutoff+1 more (enough for every test the runtime
        makes: == 0, and 2*nmspinning < gomaxprocs-npidle while the cutoff is
        at least GOMAXPROCS/2)."""
        L = self.L
        n = s[L.nmspinning]
        if L.bounded:
            return n
        for m in self._spinning_many(s):
            n += L.cutoff + 1
        return n

    def _spinning_many(self, s):
        L = self.L
        return [m for m in L.m_range if s[L.m_mult[m]] == OMEGA and s[L.m_spinning[m]]]

    def running_ms(self, b) -> int:
        """mcount - nmidle: threads made and not parked (a count that is
        "many" counts as one more than the cutoff)."""
        L = self.L
        pcs = self.m_pcs(b)
        if L.bounded:
            return L.nm - sum(pc == M_NONE for pc in pcs) - b[L.nmidle]  # a sum, not .count: no branch per M
        run = 0
        for m, pc in enumerate(pcs):
            if pc != M_NONE and pc != M_IDLE:
                mult = b[L.m_mult[m]]
                run += L.cutoff + 1 if mult == OMEGA else mult
        return run

    def execute(self, b, m: int, g: int) -> None:
        """execute(gp, inheritTime): m.curg = gp; _Grunnable -> _Grunning;
        gp.preempt = false. The schedtick++ of a new time slice is done when
        findRunnable picks gp (new_slice); a G that inherits the slice gets
        the preemption sysmon asked for while the M was between two Gs of it
        (SLICE_PENDING: where a look a moment later would have landed)."""
        b[self.m_curg[m]] = g + 1
        b[self.m_gp[m]] = 0
        self.casgstatus(b, g, _Grunnable, _Grunning)
        b[self.g_flags[g]] &= ~(GF_PREEMPT | GF_PREEMPT_LATE)
        pp = b[self.m_p[m]] - 1
        if pp >= 0 and b[self.p_schedwhen[pp]] == SLICE_PENDING:
            b[self.p_schedwhen[pp]] = SLICE_OLD
            b[self.g_flags[g]] |= GF_PREEMPT | GF_PREEMPT_LATE
        b[self.pc[m]] = M_RUN

    def new_slice(self, b, pp: int) -> None:
        """execute(gp, inheritTime=false)'s pp.schedtick++ (proc.go:3355): a
        new time slice, which sysmon has not seen yet."""
        b[self.p_schedwhen[pp]] = SLICE_YOUNG
        b[self.p_tick61[pp]] = 0

    def leave_syscall(self, b, pp: int) -> None:
        """pp leaves _Psyscall (exitsyscall's CAS, retake's CAS) and its
        syscalltick moves on: sysmon's record of the syscall is stale."""
        b[self.p_syscallwhen[pp]] = SYSCALL_UNSEEN

    def sysmonwake(self, b) -> None:
        """`if sched.sysmonwait.Load() { sched.sysmonwait.Store(false);
        notewakeup(&sched.sysmonnote) }` under sched.lock (entersyscall_sysmon,
        exitsyscallfast_pidle, exitsyscall0, startTheWorldWithSema)."""
        b[self.L.sysmonwait] = 0

    def timers_pending(self, s) -> bool:
        """Some P's timer heap is not empty (a sleeping G's timer)."""
        return any(w in TIMER_WAITS for w in self.g_waits(s))

    def checkdead(self, b) -> None:
        """checkdead: with no M running (mcount - nmidle - nmidlelocked == 0),
        a runnable G means a scheduler bug (throw); all Gs blocked means a
        genuine program deadlock (fatal)."""
        L = self.L
        run = self.running_ms(b) - (b[L.nmidlelocked] - NMIDLELOCKED_BIAS)
        if run > 0:
            return
        if run < 0:
            self.throw(b, "checkdead: inconsistent counts")
            return
        waiting = False
        for g in range(L.ng):
            st = b[self.g_status[g]]
            if st in (_Grunnable, _Grunning, _Gsyscall):
                self.throw(b, "checkdead: runnable g")
                return
            if st == _Gwaiting:
                waiting = True
        if self.timers_pending(b):
            return  # "There are no goroutines running, so we can look at the P's": a timer will fire
        if waiting and not b[L.throw]:
            b[L.throw] = FATAL_DEADLOCK

    def incidlelocked(self, b, v: int) -> None:
        """incidlelocked(v) (proc.go:6093): under sched.lock nmidlelocked += v,
        and checkdead when it grows."""
        b[self.L.nmidlelocked] += v
        if v > 0:
            self.checkdead(b)

    # --- stop-the-world and safe points ------------------------------------------------
    def preempt_targets(self, s, m: int, owing_safe_point: bool = False) -> list:
        """The Gs preemptall() (proc.go:6472), called by M m, asks to stop:
        the curg of the M owning each _Prunning P other than m's
        (preemptone skips the caller), unless already asked. A G in a `spin`
        op has no preemption point (asyncpreemptoff=1), so its request never
        lands and is left out. owing_safe_point: only Ps whose
        runSafePointFn is still set."""
        L = self.L
        out = []
        for pp in range(L.np):
            if s[self.p_status[pp]] != _Prunning or (owing_safe_point and not s[L.p_runSafePointFn[pp]]):
                continue
            owner = s[self.p_m[pp]]
            if not owner or owner - 1 == m:
                continue
            cur = s[self.m_curg[owner - 1]]
            if not cur:
                continue
            g = cur - 1
            if s[self.g_status[g]] == _Gsyscall:  # preemptone (1.27): "Don't bother trying to preempt a goroutine in a syscall"
                continue
            if s[self.g_flags[g]] & GF_PREEMPT or self.programs[g][s[L.g_pc[g]]].code == OP_SPIN:
                continue
            out.append(g)
        return out

    def preemptall(self, b, m: int, owing_safe_point: bool = False) -> None:
        for g in self.preempt_targets(b, m, owing_safe_point):
            b[self.g_flags[g]] |= GF_PREEMPT | GF_PREEMPT_LATE  # as preemptone: no safe point has seen it

    def gcstop(self, b, pp: int) -> None:
        """A P stops for the world (gcstopm, handoffp, entersyscall_gcwait):
        pp.status = _Pgcstop; sched.stopwait--, and the last one wakes the
        stopper (notewakeup(&sched.stopnote)). Called under sched.lock."""
        L = self.L
        b[self.p_status[pp]] = _Pgcstop
        b[L.stopwait] = (b[L.stopwait] - 1) & 0xFF
        if not b[L.stopwait]:
            b[L.stopnote] = 1

    # --- who is in a system call: the two protocols ---------------------------------------
    modern = False  # the syscall protocol: classic (_Psyscall, Go <= 1.25) or modern (_Gscan, Go >= 1.26)

    def syscall_g(self, s, pp: int) -> int:
        """The G in a system call on pp, or -1. Classic: pp is _Psyscall
        and the G is the curg of the M whose m.oldp is pp. Modern: pp is
        _Prunning and its M's curg is _Gsyscall (setBlockOnExitSyscall's
        reads, proc.go 1.27:6801; "A P is identified as 'in a system call'
        by looking at the goroutine's state")."""
        L = self.L
        if not self.modern:
            if s[self.p_status[pp]] != _Psyscall:
                return -1
            for m in range(L.nm):
                if s[L.m_oldp[m]] == pp + 1 and s[self.m_curg[m]]:
                    return s[self.m_curg[m]] - 1
            return -1
        owner = s[self.p_m[pp]]
        if s[self.p_status[pp]] != _Prunning or not owner:
            return -1
        cur = s[self.m_curg[owner - 1]]
        if not cur or s[self.g_status[cur - 1]] != _Gsyscall:
            return -1
        return cur - 1

    def in_syscall(self, s, pp: int) -> bool:
        return self.syscall_g(s, pp) >= 0

    def scannable_syscall_g(self, s, pp: int) -> int:
        """setBlockOnExitSyscall(pp) succeeds (modern): the G in a syscall on
        pp, if castogscanstatus can take its scan bit now (nobody holds
        it); else -1. Its racy reads, the CAS and the re-validation are
        one step for the callers that do not model them apart (the stop
        of the world, forEachP): a look between them that fails changes
        nothing, and one that succeeds leaves the G's wiring as read."""
        g = self.syscall_g(s, pp)
        if g < 0 or s[self.g_flags[g]] & GF_SCAN:
            return -1
        return g

    def addGSyscallNoP(self, b) -> None:
        """addGSyscallNoP (proc.go 1.27:5165): sched.nGsyscallNoP++ (no
        cgo-made extra Ms in the model, so isExtraInC is never set)."""
        b[self.L.nGsyscallNoP] = (b[self.L.nGsyscallNoP] + 1) & 0xFF

    def decGSyscallNoP(self, b) -> None:
        """decGSyscallNoP (proc.go 1.27:5183): sched.nGsyscallNoP--."""
        b[self.L.nGsyscallNoP] = (b[self.L.nGsyscallNoP] - 1) & 0xFF

    def releaseP(self, b, pp: int, state: int) -> None:
        """syscallingThread.releaseP (proc.go 1.27:6870), by the holder of
        the syscalling G's scan bit: pp.m = 0, mp.p = 0, pp.status = state
        (_Pidle: takeP; _Pgcstop: gcstopP), addGSyscallNoP, and
        syscalltick++ (sysmon's record of the syscall is stale)."""
        mp = b[self.p_m[pp]] - 1
        b[self.p_m[pp]] = 0
        b[self.m_p[mp]] = 0
        b[self.p_status[pp]] = state
        self.addGSyscallNoP(b)
        self.leave_syscall(b, pp)

    def preempted_for_stw(self, s, g: int) -> bool:
        """goschedImpl (Go >= 1.26, proc.go 1.27:4346): `preempted &&
        sched.gcwaiting.Load()`: a G preempted for a stop of the world stays
        on its P, in runnext. Go 1.25 has no such case (classic: never). At
        M_GOSCHED_PUT, GF_PREEMPT is set only if gopreempt_m led there
        (with it set, a running G's only step is gopreempt_m or a syscall)."""
        return self.modern and bool(s[self.g_flags[g]] & GF_PREEMPT) and bool(s[self.L.gcwaiting])

    def stop_syscall_p(self, b, pp: int) -> None:
        """The stop of the world takes pp from its syscall (under
        sched.lock): classic CAS(&pp.status, _Psyscall, _Pgcstop) (1.25
        proc.go:1665); modern setBlockOnExitSyscall + gcstopP + resume
        (1.27:1678). Then stopwait--."""
        if self.modern:
            self.releaseP(b, pp, _Pgcstop)
        else:
            b[self.p_status[pp]] = _Pgcstop
        b[self.L.stopwait] = (b[self.L.stopwait] - 1) & 0xFF

    def take_syscall_p(self, b, pp: int) -> None:
        """forEachP takes pp from its syscall to hand it off: classic
        CAS(&p2.status, _Psyscall, _Pidle) (1.25 proc.go:2194); modern
        setBlockOnExitSyscall + takeP + resume (1.27:2199)."""
        if self.modern:
            self.releaseP(b, pp, _Pidle)
        else:
            b[self.p_status[pp]] = _Pidle

    def run_safe_point_fn(self, b, pp: int) -> bool:
        """runSafePointFn for pp (proc.go:2247, and handoffp's copy at 3173):
        CAS(&pp.runSafePointFn, 1, 0); the winner runs the function and,
        under sched.lock, safePointWait--. The function itself (mark
        termination's flush of per-P caches) changes no scheduler state."""
        L = self.L
        if not b[L.p_runSafePointFn[pp]]:
            return False
        b[L.p_runSafePointFn[pp]] = 0
        b[L.safePointWait] = (b[L.safePointWait] - 1) & 0xFF
        return True

    def drop_p_rechecks_pass(self, s, m: int) -> bool:
        """findRunnable's re-check under sched.lock before it drops its P
        (proc.go:3583): no stop of the world pending and no safe-point
        function owed, or else it starts over instead."""
        L = self.L
        return not (s[L.gcwaiting] or s[L.p_runSafePointFn[self.own_p(s, m)]])

    # --- subroutine calls --------------------------------------------------------------
    def call(self, b, proc: int, pc: int, ret: int) -> None:
        b[self.ret[proc]] = ret
        b[self.pc[proc]] = pc

    def ret_from(self, b, proc: int) -> None:
        b[self.pc[proc]] = b[self.ret[proc]]
        b[self.ret[proc]] = 0
        b[self.L.proc_hp[proc]] = 0
        b[self.L.proc_arg[proc]] = 0

