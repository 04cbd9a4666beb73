"""The runtime's vocabulary: G and P statuses, wait reasons, M program counters.

Status numbers are the runtime's own (runtime2.go), so a state dump reads like
`GODEBUG=scheddetail=1` output.
"""

# G statuses (runtime2.go). _Gidle doubles as "not yet created by newproc".
_Gidle = 0
_Grunnable = 1
_Grunning = 2
_Gsyscall = 3
_Gwaiting = 4
_Gdead = 6

G_STATUS_NAMES = {
    _Gidle: "_Gidle", _Grunnable: "_Grunnable", _Grunning: "_Grunning",
    _Gsyscall: "_Gsyscall", _Gwaiting: "_Gwaiting", _Gdead: "_Gdead",
}

# P statuses (runtime2.go, Go <= 1.25 for _Psyscall).
_Pidle = 0
_Prunning = 1
_Psyscall = 2
_Pgcstop = 3  # halted for stop-the-world, owned by the M that stopped the world

P_STATUS_NAMES = {_Pidle: "_Pidle", _Prunning: "_Prunning", _Psyscall: "_Psyscall", _Pgcstop: "_Pgcstop"}

# What a _Gwaiting G waits for (g.waitreason, refined by the netpoller's view).
WAIT_NONE = 0
WAIT_CHAN = 1  # gopark on a channel/semaphore; goready makes it runnable
WAIT_NET = 2  # gopark on the netpoller (waitReasonIOWait); fd not ready yet
WAIT_NETREADY = 3  # fd is ready: netpoll would return this G
# casGToWaitingForSuspendG: the goroutine that stops the world (or runs
# forEachP) waits on its own M, its stack scannable, until the others stop.
WAIT_STW = 4  # waitReasonStoppingTheWorld
WAIT_FOREACHP = 5  # waitReasonFlushProcCaches (mark termination's forEachP; StopTrace's too)
SUSPENDED_WAITS = frozenset({WAIT_STW, WAIT_FOREACHP})

WAIT_TIMER = 8  # timeSleep: parked until its timer (on the P in G.timerp) fires
WAIT_TIMER_DUE = 9  # the timer's when has passed: the next timers.check of that P readies the G

WAIT_NAMES = {WAIT_NONE: "-", WAIT_CHAN: "chan receive", WAIT_NET: "IO wait",
              WAIT_NETREADY: "IO wait (fd ready)", WAIT_STW: "stopping the world",
              WAIT_FOREACHP: "flushing proc caches", WAIT_TIMER: "sleep", WAIT_TIMER_DUE: "sleep (timer due)"}
TIMER_WAITS = (WAIT_TIMER, WAIT_TIMER_DUE)

# G flag bits.
GF_PREEMPT = 1  # gp.preempt: sysmon's preemptone asked this G to stop
GF_TOKEN = 2  # a goready arrived before the G parked (semaphore count of 1)
# gp.preempt is set but no safe point has seen it yet: the G may still reach
# entersyscall first (the request then survives the syscall, and exitsyscall
# restores stackguard0 = stackPreempt so that it lands at the next call).
GF_PREEMPT_LATE = 0x10
# The modern protocol (Go >= 1.26): the _Gscan bit on a _Gsyscall G's status
# (castogscanstatus): the thread holding it owns the G's M/P wiring, and the
# G cannot leave _Gsyscall (exitsyscall's CAS spins) until it is released.
GF_SCAN = 0x20

# P.schedwhen: sysmon's view of the P's time slice (pd.schedtick/schedwhen in
# retake), abstracted to what retake decides with.
SLICE_YOUNG = 0  # schedtick changed since sysmon's last look, or less than forcePreemptNS ago
SLICE_OLD = 1  # the same schedtick for forcePreemptNS (10 ms): retake preempts, sysretake
SLICE_PENDING = 2  # old, and sysmon looked while the P's M was between two goroutines of the slice
SLICE_NAMES = {SLICE_YOUNG: "young", SLICE_OLD: "10ms old", SLICE_PENDING: "10ms old, preempt pending"}
# P.syscallwhen: sysmon's view of the P's syscall (pd.syscalltick/syscallwhen), only while _Psyscall.
SYSCALL_UNSEEN = 0  # pd.syscalltick != pp.syscalltick: sysmon has not looked at this syscall yet
SYSCALL_SEEN = 1  # sysmon recorded it less than 10 ms ago
SYSCALL_OLD = 2  # recorded 10 ms ago or more
SYSCALL_NAMES = {SYSCALL_UNSEEN: "unseen", SYSCALL_SEEN: "seen <10ms", SYSCALL_OLD: "seen >=10ms"}

# Runtime throws and fatals the model can reach (sched.throw field).
THROWS = {
    2: "findRunnable: negative nmspinning",
    3: "wakep: negative nmspinning",
    4: "stopm holding p",
    5: "stopm spinning",
    6: "startm: m is spinning",
    7: "startm: m has p",
    8: "startm: p has runnable gs",
    9: "pidleput: P has non-empty run queue",
    10: "acquirep: invalid p state",
    11: "releasep: invalid p state",
    12: "checkdead: runnable g",
    13: "checkdead: inconsistent counts",
    14: "runqsteal: runq overflow",
    15: "casgstatus: bad incoming values",
    # Stop-the-world, safe points and locked threads (codes 20-39).
    20: "stopTheWorld: not stopped (stopwait != 0)",
    21: "stopTheWorld: not stopped (status != _Pgcstop)",
    22: "gcstopm: negative nmspinning",
    23: "forEachP: P did not run fn",
    24: "stoplockedm: inconsistent locking",
}
THROW_CODES = {msg: code for code, msg in THROWS.items()}
# fatal(): a genuine program deadlock, reported like checkdead does; not a scheduler bug.
FATAL_DEADLOCK = 100
FATAL_NAMES = {FATAL_DEADLOCK: "all goroutines are asleep - deadlock!"}

# Program counters of a thread (M) or of sysmon: where in the scheduler it is.
M_NONE = 0  # thread not created yet (newm creates it)
M_IDLE = 1  # stopm: parked on sched.midle
M_ACQUIRE = 2  # woken by startm / started by newm: acquirep(m.nextp)
M_SCHEDULE = 3  # schedule -> findRunnable: local runq, global runq, netpoll, steal
M_DROPP = 4  # findRunnable: lock; recheck; releasep; pidleput
M_STOPSPIN = 5  # findRunnable: m.spinning = false; nmspinning.Add(-1)
M_RECHECK = 6  # findRunnable: recheck global runq and all runqs after dropping nmspinning
M_NETBLOCK = 7  # findRunnable: block in netpoll, or stopm
M_NETPOLL = 8  # blocked in netpoll(-1)
M_RESETSPIN = 9  # schedule: resetspinning before running the found G
M_EXECUTE = 10  # execute(gp)
M_RUN = 11  # running its curg's Go code
M_SYSCALL = 12  # blocked in the kernel; curg is _Gsyscall
M_EXITSYSCALL_PIDLE = 13  # exitsyscallfast_pidle
M_EXITSYSCALL0 = 14  # mcall(exitsyscall0)
M_STOPM = 15  # stopm (after exitsyscall0 or netpoll injection)
M_EXITSYSCALL_WIRE = 16  # (mutant only) second half of a non-atomic exitsyscallfast
M_STEALNEXT = 17  # (mutant only) second half of a non-atomic runnext steal
M_STEAL = 18  # findRunnable: spinning, in stealWork's loop over the other Ps (arg: a bit per P found empty)
# Subroutines shared by Ms and sysmon (return to the record's `ret`).
PC_WAKEP1 = 20  # wakep: nmspinning.Load, CAS(0, 1)
PC_WAKEP2 = 21  # wakep: lock; pidlegetSpinning; startm(pp, true)
PC_HANDOFF1 = 22  # handoffp: work -> startm; no spinning/idle Ms -> CAS nmspinning, startm
PC_HANDOFF2 = 23  # handoffp: loaded nmspinning+npidle == 0; CAS nmspinning 0 -> 1 next
PC_HANDOFF3 = 24  # handoffp: lock; global runq / last P polling; else pidleput
PC_WAKEP_STORE = 26  # (mutant only) wakep's store after a separate load
PC_STARTIDLE = 25  # injectglist: startIdle(n) loop
PC_INJECT_LOCAL = 27  # injectglist: runqputbatch of the private rest, then wakep
# sysmon's own.
SY_IDLE = 30  # sysmon loop: retake, preemptone, netpoll
SY_INCIDLELOCKED = 31  # incidlelocked(1) after retake / injectglist (runs checkdead)
# Stop-the-world, forEachP and locked threads (an M's own, 40-59).
M_STW_WAIT = 40  # stopTheWorldWithSema: sleeping on sched.stopnote until every P stops
M_STW_STOPPED = 41  # the world is stopped: only this M runs Go code, on its _Pgcstop P
M_FOREACHP = 42  # forEachP: ask every P to run the safe-point function
M_FOREACHP_WAIT = 43  # forEachPInternal: hand off _Psyscall Ps, then wait for every P
M_SYSCALL_GCWAIT = 44  # reentersyscall saw gcwaiting after publishing _Psyscall: entersyscall_gcwait
M_STOPLOCKEDM = 45  # exitsyscall0 -> stoplockedm (no P to hand off)
M_STOPLOCKEDM_PARK = 46  # stoplockedm: incidlelocked(1), then mPark
M_LOCKEDIDLE = 47  # stoplockedm: parked until startlockedm hands it a P (m.nextp)
M_MEXIT = 48  # a locked G exited: the thread exits (mexit: handoffp(releasep()))
M_MEXIT_CHECKDEAD = 49  # mexit: nmfreed++, checkdead; the thread is gone
M_EXITSYSCALL0_UNLOCKED = 50  # (mutant only) exitsyscall0 after unlock, about to read gp.lockedm
M_SYSCALL_SAFEPOINT = 51  # (mutant only) reentersyscall after publishing _Psyscall: runSafePointFn
M_SYSCALL_SAFEPOINT_FN = 52  # (mutant only) running the safe-point function on the published P
SY_SLEEP = 60  # notetsleep(&sched.sysmonnote): deep sleep with sched.sysmonwait set
SY_RETAKE = 61  # retake after incidlelocked(-1), about to CAS(&pp.status, _Psyscall, _Pidle) (hp = pp)
M_NETPOLL_SPUN = 62  # blocked in netpoll(delay), and was spinning before it dropped its P (wasSpinning)
# The modern syscall protocol (Go >= 1.26, model/actions/syscall_modern.py, retake_modern.py).
M_ENTERSYSCALL_GCWAIT = 53  # reentersyscall saw gcwaiting: entersyscallHandleGCWait (G _Grunning, P wired)
M_ENTERSYSCALL_CAS = 54  # reentersyscall: about to CAS _Grunning -> _Gsyscall (the P stays _Prunning, wired)
M_ENTERSYSCALLBLOCK_CAS = 55  # entersyscallblock after handoffp(releasep()): _Grunning without a P, CAS next
M_EXITSYSCALL_TRYGETP = 56  # exitsyscall won its CAS and found m.p nil: exitsyscallTryGetP (no P)
M_EXITSYSCALL_STEAL = 57  # exitsyscallTryGetP holds the scan bit of oldp's syscalling G: takeP next
M_EXITSYSCALL_NOP = 58  # mcall(exitsyscallNoP): no P to be had
M_EXITSYSCALL_READP = 59  # (mutant only) exitsyscall read m.p before its CAS: the CAS next
M_EXITSYSCALL_TRYPIDLE = 66  # exitsyscallTryGetP could not steal oldp back: `if sched.pidle != 0` next
M_ENTERSYSCALLBLOCK_HANDOFF = 67  # (mutant only) entersyscallblock in the classic order: _Gsyscall, handoffp next
M_LOCKED_EXECUTE = 68  # stoplockedm returned with the P it was handed: schedule's execute(mp.lockedg) next
M_GOSCHED_PUT = 69  # goschedImpl after dropg: lock(&sched.lock); globrunqput(gp) next (gp in hand)
SY_SETBLOCK = 63  # retake read pp.m, mp.curg in _Gsyscall (hp = pp, arg = G+1): castogscanstatus next
SY_SCANNED = 64  # retake holds the G's scan bit, the wiring re-validated: the tick rules, takeP next
SY_TAKEN = 65  # retake took the P (takeP: hp = pp, arg = G+1) and still holds the scan bit: resume next

PC_NAMES = {
    M_NONE: "not created", M_IDLE: "stopm (idle)", M_ACQUIRE: "acquirep(nextp)",
    M_SCHEDULE: "findRunnable", M_DROPP: "findRunnable: drop P", M_STOPSPIN: "findRunnable: stop spinning",
    M_RECHECK: "findRunnable: recheck", M_NETBLOCK: "findRunnable: netpoll or stopm",
    M_NETPOLL: "netpoll(block)", M_RESETSPIN: "resetspinning", M_EXECUTE: "execute", M_GOSCHED_PUT: "goschedImpl: globrunqput",
    M_RUN: "running G", M_SYSCALL: "in syscall", M_EXITSYSCALL_PIDLE: "exitsyscallfast_pidle",
    M_EXITSYSCALL0: "exitsyscall0", M_STOPM: "stopm", M_EXITSYSCALL_WIRE: "exitsyscallfast (wirep)",
    M_STEALNEXT: "runqgrab (runnext)", M_STEAL: "findRunnable: stealWork",
    PC_WAKEP1: "wakep", PC_WAKEP2: "wakep: startm", PC_HANDOFF1: "handoffp", PC_HANDOFF2: "handoffp: CAS nmspinning",
    PC_HANDOFF3: "handoffp: lock", PC_INJECT_LOCAL: "injectglist: runqputbatch", PC_WAKEP_STORE: "wakep (store)", PC_STARTIDLE: "injectglist: startIdle",
    SY_IDLE: "sysmon loop", SY_INCIDLELOCKED: "incidlelocked(1)",
    M_STW_WAIT: "stopTheWorld: wait", M_STW_STOPPED: "world stopped", M_FOREACHP: "forEachP",
    M_FOREACHP_WAIT: "forEachP: wait", M_SYSCALL_GCWAIT: "entersyscall_gcwait",
    M_STOPLOCKEDM: "stoplockedm", M_STOPLOCKEDM_PARK: "stoplockedm: incidlelocked(1)",
    M_LOCKEDIDLE: "stoplockedm (parked)", M_LOCKED_EXECUTE: "schedule: execute(lockedg)", M_MEXIT: "mexit", M_MEXIT_CHECKDEAD: "mexit: checkdead",
    M_EXITSYSCALL0_UNLOCKED: "exitsyscall0 (unlocked)", M_SYSCALL_SAFEPOINT: "reentersyscall: runSafePointFn",
    M_SYSCALL_SAFEPOINT_FN: "runSafePointFn (fn)",
    SY_IDLE: "sysmon loop", SY_INCIDLELOCKED: "incidlelocked(1)", SY_SLEEP: "sysmon asleep (sysmonwait)",
    SY_RETAKE: "retake: CAS", M_NETPOLL_SPUN: "netpoll(block), was spinning",
    M_ENTERSYSCALL_GCWAIT: "entersyscallHandleGCWait", M_ENTERSYSCALL_CAS: "reentersyscall: casgstatus",
    M_ENTERSYSCALLBLOCK_CAS: "entersyscallblock: casgstatus (no P)",
    M_EXITSYSCALL_TRYGETP: "exitsyscallTryGetP", M_EXITSYSCALL_STEAL: "exitsyscallTryGetP: takeP (holds _Gscan)",
    M_EXITSYSCALL_NOP: "exitsyscallNoP", M_EXITSYSCALL_TRYPIDLE: "exitsyscallTryGetP: pidleget",
    M_ENTERSYSCALLBLOCK_HANDOFF: "entersyscallblock: handoffp (after the CAS)", M_EXITSYSCALL_READP: "exitsyscall: CAS (read m.p first)",
    SY_SETBLOCK: "retake: castogscanstatus", SY_SCANNED: "retake: holds _Gscan", SY_TAKEN: "retake: resume",
}

# The M is inside a system call on behalf of its curg (curg is _Gsyscall), from
# entersyscall until exitsyscall changes the G's status. entersyscallblock's
# handoffp (a subroutine returning to M_SYSCALL) counts too.
SYSCALL_PCS = frozenset({M_SYSCALL, M_EXITSYSCALL_PIDLE, M_EXITSYSCALL_WIRE, M_EXITSYSCALL0, M_SYSCALL_GCWAIT,
                         M_SYSCALL_SAFEPOINT, M_SYSCALL_SAFEPOINT_FN, M_EXITSYSCALL_READP,
                         M_ENTERSYSCALLBLOCK_HANDOFF})
HANDOFF_PCS = frozenset({PC_HANDOFF1, PC_HANDOFF2, PC_HANDOFF3})
# handoffp and what it tail-calls (wakeNetPoller's wakep): an M at one of these
# pcs is still in the call made by its `ret` (entersyscallblock's handoffp
# returns to the syscall, or to the modern status CAS).
HANDOFF_CALL_PCS = HANDOFF_PCS | frozenset({PC_WAKEP1, PC_WAKEP2, PC_WAKEP_STORE})
# The modern protocol's documented windows where a G is _Grunning on an M
# without a P (proc.go 1.27: entersyscallblock's "small window where we are in
# _Grunning without a P", exitsyscall's "window where we may be in _Grunning
# without a P", and reentersyscall after entersyscallHandleGCWait gave the P to
# the stop of the world); entersyscallblock's handoffp returns to
# M_ENTERSYSCALLBLOCK_CAS.
GRUNNING_NOP_PCS = frozenset({M_ENTERSYSCALLBLOCK_CAS, M_EXITSYSCALL_TRYGETP, M_EXITSYSCALL_STEAL,
                              M_EXITSYSCALL_TRYPIDLE, M_EXITSYSCALL_NOP,
                              M_ENTERSYSCALL_CAS})  # only without a P: after entersyscallHandleGCWait gave it up
# Where an M's syscalling G may be without a P and counted in nGsyscallNoP
# (modern): from addGSyscallNoP (entersyscallblock, entersyscallHandleGCWait,
# takeP by another thread) until decGSyscallNoP (exitsyscallTryGetP, exitsyscallNoP).
NOP_SYSCALL_PCS = frozenset({M_SYSCALL, M_ENTERSYSCALL_CAS, M_EXITSYSCALL_READP} | GRUNNING_NOP_PCS)
# sysmon's pcs where its hp names a P it looks at but does not hold (the P
# stays wired to its M): classic retake before its CAS; modern retake until takeP.
HP_LOOKS_PCS = frozenset({SY_RETAKE, SY_SETBLOCK, SY_SCANNED})
# Threads holding the _Gscan bit of a syscalling G (modern): retake (arg = G+1)
# and exitsyscallTryGetP's steal-back (the G on its oldp's M).
SCAN_HOLDING_PCS = frozenset({SY_SCANNED, SY_TAKEN, M_EXITSYSCALL_STEAL})
# The M stopping the world keeps its P, in _Pgcstop, at these pcs.
STW_PCS = frozenset({M_STW_WAIT, M_STW_STOPPED})
