"""What every field of a counterexample means, and the runtime name it
abstracts: the one table behind `gosched-mc explain` and the README's
glossary (scripts/make_report.py writes it there; tests/test_explain.py
checks the README holds exactly this text, and that every field a trace
shows, every schedtrace field and every program counter has an entry).

Keys: `G.x`, `P.x`, `M.x` (sysmon's pc, ret, hp and arg are M.x), `sched.x`
for the fields a step changes (`G1.status`, `M0.hp` in a trace); `SCHED.x`
for the schedtrace line, `detail.P.x`, `detail.M.x`, `detail.G.x` for the
scheddetail lines; `pc=NAME` for each program counter a thread can be at.
"""

ZERO = "Not modelled: always the runtime's zero value (mask it in a diff against a real log)."

# (key, the runtime name it abstracts, what it means)
FIELDS = (
    ("G.status", "g.atomicstatus", "The goroutine's status, by the runtime's names (_Grunnable, _Grunning, "
     "_Gsyscall, _Gwaiting, _Gdead); _Gidle also means not created yet (newproc has not run)."),
    ("G.pc", "the goroutine's code position (gp.sched.pc)", "Where the goroutine is in its workload program, as "
     "`op number:op` (`1:syscall`): the op it runs next."),
    ("G.wait", "g.waitreason", "What a _Gwaiting goroutine waits on: chan receive, IO wait, sleep, stopping the "
     "world; `IO wait (fd ready)` means netpoll would return it now."),
    ("G.timer", "the P whose pp.timers heap holds timeSleep's timer", "The P whose timer heap holds this "
     "goroutine's sleep timer; nil when it is not sleeping."),
    ("G.flags", "gp.preempt; a semaphore's count", "`preempt`: sysmon's preemptone (or a stop of the world) set "
     "gp.preempt, and the goroutine stops at its next safe point; `token`: a ready arrived before the goroutine "
     "parked, so its park returns at once."),
    ("G.lockedm", "g.lockedm", "The thread this goroutine is locked to by LockOSThread, or nil."),
    ("P.status", "p.status", "The P's status: _Pidle, _Prunning, _Psyscall (its M is in a syscall), _Pgcstop."),
    ("P.m", "p.m", "The M the P is wired to (acquirep), or nil; a P in _Psyscall keeps its M until it is retaken."),
    ("P.runnext", "p.runnext", "The goroutine that runs next on this P, ahead of its run queue (newproc and ready "
     "put it there)."),
    ("P.runq", "p.runq[runqhead:runqtail]", "The P's local run queue, head first; runnext is not in it."),
    ("P.runSafePointFn", "p.runSafePointFn", "1 while the P owes forEachP's safe-point function."),
    ("P.slice", "sysmon's pd.schedtick and pd.schedwhen", "How old the P's time slice is as sysmon sees it: "
     "young, 10ms old (retake preempts the goroutine), or 10ms old with the preemption pending."),
    ("P.syscall", "sysmon's pd.syscalltick and pd.syscallwhen", "For a P in _Psyscall: whether sysmon has seen "
     "this syscall yet, and whether 10 ms have passed since (what retake decides with)."),
    ("P.schedtick", "p.schedtick % 61", "`61k+1 ...`: findRunnable just took the global queue first, as it does "
     "every 61st schedule for fairness; `-` otherwise."),
    ("M.pc", "the thread's instruction pointer in the scheduler", "Where the thread (or sysmon) is in the "
     "scheduler's code: a step of schedule or findRunnable, a syscall, stopm, a subroutine; `explain pcs` "
     "lists them."),
    ("M.ret", "the subroutine's return address", "The pc the thread returns to when the scheduler subroutine it "
     "is inside (wakep, handoffp, injectglist's startIdle) finishes; `-` outside one."),
    ("M.hp", "the P a subroutine holds (handoffp's pp, startm's pp)", "The P the current subroutine holds: the P "
     "handoffp hands off, the P wakep starts an M for; for sysmon, the P retake looks at or took."),
    ("M.arg", "a subroutine's local (startIdle's n; retake's gp; stealWork's Ps looked at)", "The subroutine's loop count or argument: how "
     "many Ps injectglist's startIdle still starts; in the modern retake, the goroutine whose scan bit it holds; "
     "in stealWork, a bit per P found empty."),
    ("M.p", "m.p", "The P this thread holds (acquirep), or nil."),
    ("M.nextp", "m.nextp", "The P startm handed this thread, which it acquires when it wakes."),
    ("M.oldp", "m.oldp", "The P the thread left in _Psyscall when its goroutine entered a syscall; exitsyscall "
     "tries to take it back."),
    ("M.curg", "m.curg", "The goroutine this thread runs, or is in a syscall for."),
    ("M.gp", "findRunnable's result (schedule's gp); goschedImpl's gp", "The goroutine findRunnable returned, which "
     "schedule runs once resetspinning (or injectglist) is done; or, in goschedImpl, the goroutine that yielded or was "
     "preempted, until it is queued."),
    ("M.lockedg", "m.lockedg", "The goroutine locked to this thread (LockOSThread), or nil."),
    ("M.spinning", "m.spinning", "true while the thread is a spinning M looking for work (counted in "
     "sched.nmspinning)."),
    ("M.count", "none (the counter abstraction of threads)", "With unbounded threads, how many Ms are in exactly "
     "this local state: exact up to the cutoff, `more than N` beyond it; the slot stands for all of them."),
    ("sched.runq", "sched.runq", "The global run queue, head first."),
    ("sched.pidle", "sched.pidle", "The idle Ps, the one pidleget takes first on the left."),
    ("sched.midle", "sched.midle", "The parked (stopm) threads, with numbered threads (--threads N); with "
     "unbounded threads parked ones leave the state."),
    ("sched.nmidle", "sched.nmidle", "How many threads are parked on sched.midle."),
    ("sched.nmspinning", "sched.nmspinning", "How many Ms are spinning; `at least N` when a class of many "
     "spinning Ms is beyond the exact count."),
    ("sched.npidle", "sched.npidle", "How many Ps are idle."),
    ("sched.needspinning", "sched.needspinning", "1 when a P had work but no spinning M could be started "
     "(pidlegetSpinning); a spinning M that stops must look again."),
    ("sched.netpolling", "sched.lastpoll == 0", "1 while a thread is blocked in netpoll."),
    ("sched.sysmonwait", "sched.sysmonwait", "1 while sysmon sleeps because every P is idle; exitsyscall and "
     "others wake it."),
    ("sched.netpollBreak", "netpollBreak's pending wake-up (netpollWakeSig)", "1 when netpollBreak has "
     "interrupted a blocking netpoll and the wake-up is not yet consumed."),
    ("sched.nmidlelocked", "sched.nmidlelocked", "Locked threads parked in stoplockedm; -1 while sysmon's retake "
     "pretends to be a running M (incidlelocked(-1))."),
    ("sched.gcwaiting", "sched.gcwaiting", "1 while a stop of the world is in progress: Ps stop at their next "
     "chance."),
    ("sched.stopwait", "sched.stopwait", "How many Ps the stop of the world still waits for."),
    ("sched.stopnote", "sched.stopnote", "1 when the last P stopped and woke the thread stopping the world."),
    ("sched.safePointWait", "sched.safePointWait", "How many Ps forEachP still waits for."),
    ("sched.throw", "throw(...), fatal(...)", "The runtime throw or fatal error the run reached: a check the "
     "runtime makes on itself; `-` if none."),
    ("SCHED.gomaxprocs", "gomaxprocs", "GOMAXPROCS: how many Ps."),
    ("SCHED.idleprocs", "sched.npidle", "How many Ps are idle."),
    ("SCHED.threads", "mcount()", "Threads made, sysmon's included; with unbounded threads `N+idle`: those "
     "holding something, plus any number parked."),
    ("SCHED.spinningthreads", "sched.nmspinning", "How many Ms are spinning."),
    ("SCHED.needspinning", "sched.needspinning", "As sched.needspinning."),
    ("SCHED.idlethreads", "sched.nmidle", "Parked threads; `any` with unbounded threads."),
    ("SCHED.runqueue", "sched.runqsize", "Length of the global run queue."),
    ("SCHED.[ ]", "each P's runqtail - runqhead", "Per P, the length of its local run queue; runnext is not "
     "counted, as in the runtime."),
    ("SCHED.schedticks", "each P's schedtick", ZERO),
    ("SCHED.gcwaiting", "sched.gcwaiting", "scheddetail: as sched.gcwaiting."),
    ("SCHED.nmidlelocked", "sched.nmidlelocked", "scheddetail: as sched.nmidlelocked."),
    ("SCHED.stopwait", "sched.stopwait", "scheddetail: as sched.stopwait."),
    ("SCHED.sysmonwait", "sched.sysmonwait", "scheddetail: as sched.sysmonwait."),
    ("detail.P.status", "pp.status", "The P's status as a number: 0 _Pidle, 1 _Prunning, 2 _Psyscall, 3 _Pgcstop."),
    ("detail.P.m", "pp.m's id", "The id of the M the P is wired to, or nil."),
    ("detail.P.runqsize", "runqtail - runqhead", "The P's local run queue length, runnext not counted."),
    ("detail.P.timerslen", "len(pp.timers.heap)", "Goroutines sleeping on this P's timers."),
    ("detail.P.schedtick", "pp.schedtick", ZERO),
    ("detail.P.syscalltick", "pp.syscalltick", ZERO),
    ("detail.P.gfreecnt", "pp.gFree.size", ZERO),
    ("detail.M.p", "mp.p's id", "The P the M holds, or nil."),
    ("detail.M.curg", "mp.curg's goid", "The goroutine the M runs, or nil."),
    ("detail.M.spinning", "mp.spinning", "Whether the M is spinning."),
    ("detail.M.lockedg", "mp.lockedg's goid", "The goroutine locked to the M, or nil."),
    ("detail.M.mallocing", "mp.mallocing", ZERO),
    ("detail.M.throwing", "mp.throwing", ZERO),
    ("detail.M.preemptoff", "mp.preemptoff", ZERO),
    ("detail.M.locks", "mp.locks", ZERO),
    ("detail.M.dying", "mp.dying", ZERO),
    ("detail.M.blocked", "mp.blocked", ZERO),
    ("detail.G.status", "gp.atomicstatus (waitreason)", "The goroutine's status as a number (1 _Grunnable, "
     "2 _Grunning, 3 _Gsyscall, 4 _Gwaiting, 6 _Gdead), its wait reason in parentheses."),
    ("detail.G.m", "the id of the M running it", "The M running the goroutine, or nil."),
    ("detail.G.lockedm", "gp.lockedm's id", "The thread the goroutine is locked to, or nil."),
    ("#", "none (the model's own lines)", "Lines starting `  # ` are what the model adds and the runtime never "
     "prints: each M's pc, nextp, oldp, gp and count, runnext, sysmon's pc and hp, each goroutine's op."),
)

# Each program counter a thread or sysmon can be at (M.pc, the `# M` lines), by the name a trace shows
# (vocab.PC_NAMES; tests/test_explain.py checks there is one entry per name).
PCS = {
    "not created": ("newm", "The thread is not made yet."),
    "stopm (idle)": ("stopm, mPark", "Parked on sched.midle until startm wakes it."),
    "acquirep(nextp)": ("mstart / stopm's return: acquirep(mp.nextp)", "Woken (or made) by startm: it acquires "
                        "the P in m.nextp."),
    "findRunnable": ("schedule, findRunnable", "Looking for work: local run queue, global queue, netpoll, "
                     "then becomeSpinning."),
    "findRunnable: stealWork": ("stealWork, runqsteal", "Spinning: looks at the other Ps one at a time and steals "
                                "from one with work; arg has a bit for each P already found empty."),
    "findRunnable: drop P": ("findRunnable: releasep, pidleput", "Found nothing: under sched.lock it re-checks "
                             "and gives its P back to sched.pidle."),
    "findRunnable: stop spinning": ("findRunnable: m.spinning = false; nmspinning.Add(-1)", "Without a P, it "
                                    "stops spinning."),
    "findRunnable: recheck": ("findRunnable's second look after dropping nmspinning", "Re-checks the global "
                              "queue and every P's queue (the \"delicate dance\") before parking."),
    "findRunnable: netpoll or stopm": ("findRunnable's blocking netpoll or stopm", "Blocks in netpoll if some "
                                       "goroutine waits on the network (or a timer), else parks."),
    "netpoll(block)": ("netpoll(delay)", "Blocked in the netpoller, without a P."),
    "netpoll(block), was spinning": ("netpoll(delay), wasSpinning", "Blocked in the netpoller; it was spinning "
                                     "before it dropped its P."),
    "resetspinning": ("schedule: resetspinning", "Found work while spinning: stops spinning and, if no other M "
                      "spins, wakes one (wakep)."),
    "execute": ("execute(gp)", "About to run the goroutine it found."),
    "goschedImpl: globrunqput": ("goschedImpl: lock(&sched.lock); globrunqput(gp)", "Has just yielded or been "
                                 "preempted: the goroutine, _Grunnable, is in its hand until it queues it (globally; "
                                 "Go 1.26+ keeps one preempted for a stop of the world in its P's runnext)."),
    "running G": ("the goroutine's own code", "Running m.curg: its next step is the goroutine's next op."),
    "in syscall": ("entersyscall ... exitsyscall", "In the kernel on behalf of m.curg (_Gsyscall)."),
    "exitsyscallfast_pidle": ("exitsyscallfast_pidle", "Back from a syscall without its old P: tries an idle "
                              "P."),
    "exitsyscall0": ("mcall(exitsyscall0)", "No P to be had: queues the goroutine globally and parks."),
    "stopm": ("stopm", "About to park on sched.midle."),
    "exitsyscallfast (wirep)": ("exitsyscallfast (a seeded bug's second half)", "Mutant only: wires the P it "
                                "took in an earlier step."),
    "runqgrab (runnext)": ("runqgrab (a seeded bug's second half)", "Mutant only: stores runnext 0 after an "
                           "earlier load."),
    "wakep": ("wakep: nmspinning.Load, CompareAndSwap(0, 1)", "Wants a spinning M: claims nmspinning."),
    "wakep: startm": ("wakep: pidlegetSpinning, startm(pp, true)", "Takes an idle P and starts a spinning M "
                      "on it."),
    "wakep (store)": ("wakep (a seeded bug's store)", "Mutant only: stores nmspinning 1 after a separate load."),
    "handoffp": ("handoffp", "Decides whether the P it hands off (hp) needs an M: local or global work, GC, "
                 "no spinning M."),
    "handoffp: CAS nmspinning": ("handoffp: nmspinning.CompareAndSwap(0, 1)", "Starts a spinning M for the P "
                                 "if none spins and no P is idle."),
    "handoffp: lock": ("handoffp under sched.lock", "Global queue, the last P while a netpoll waits, else "
                       "pidleput."),
    "injectglist: startIdle": ("injectglist: startIdle(n)", "Starts Ms on idle Ps for the goroutines netpoll "
                               "returned."),
    "injectglist: runqputbatch": ("injectglist: runqputbatch, wakep", "Puts the rest on its own P's queue."),
    "sysmon loop": ("sysmon", "sysmon between duties: retake, preemptone, netpoll, sleep."),
    "incidlelocked(1)": ("incidlelocked(1), checkdead", "sysmon after retake (or injectglist) undoes its "
                         "incidlelocked(-1) and runs checkdead."),
    "sysmon asleep (sysmonwait)": ("notetsleep(&sched.sysmonnote)", "Every P idle: sysmon sleeps until woken."),
    "retake: CAS": ("retake: CAS(&pp.status, _Psyscall, _Pidle)", "sysmon is about to take the P in hp from "
                    "its syscall."),
    "stopTheWorld: wait": ("stopTheWorldWithSema: notetsleep(&sched.stopnote)", "Waits until every P has "
                           "stopped."),
    "world stopped": ("the world is stopped", "Only this M runs Go code, on its _Pgcstop P."),
    "forEachP": ("forEachP", "Asks every P to run the safe-point function."),
    "forEachP: wait": ("forEachPInternal", "Hands off _Psyscall Ps, then waits for every P."),
    "entersyscall_gcwait": ("entersyscall_gcwait", "Entering a syscall during a stop of the world: gives its P "
                            "to the stop (_Pgcstop)."),
    "stoplockedm": ("stoplockedm", "A locked thread with no P to hand off."),
    "stoplockedm: incidlelocked(1)": ("stoplockedm: incidlelocked(1), mPark", "Counts itself idle-locked and "
                                      "parks."),
    "stoplockedm (parked)": ("stoplockedm's mPark", "Parked until startlockedm hands it a P."),
    "schedule: execute(lockedg)": ("schedule: execute(mp.lockedg) after stoplockedm",
                                   "Holds the P startlockedm handed it; runs its locked goroutine next."),
    "mexit": ("mexit: handoffp(releasep())", "Its locked goroutine exited: the thread exits."),
    "mexit: checkdead": ("mexit: nmfreed++, checkdead", "The thread is gone after checkdead."),
    "exitsyscall0 (unlocked)": ("exitsyscall0 (a seeded bug)", "Mutant only: after unlock, about to read "
                                "gp.lockedm."),
    "reentersyscall: runSafePointFn": ("reentersyscall (a seeded bug)", "Mutant only: runs the safe-point "
                                       "function after publishing _Psyscall."),
    "runSafePointFn (fn)": ("runSafePointFn (a seeded bug)", "Mutant only: running the safe-point function "
                            "on the published P."),
    "entersyscallHandleGCWait": ("entersyscallHandleGCWait", "Modern protocol: entering a syscall during a "
                                 "stop of the world (G _Grunning, P wired)."),
    "reentersyscall: casgstatus": ("reentersyscall: casgstatus(_Grunning, _Gsyscall)", "Modern protocol: about "
                                   "to mark the goroutine _Gsyscall; the P stays _Prunning."),
    "entersyscallblock: casgstatus (no P)": ("entersyscallblock", "Modern protocol: the P already handed off, "
                                             "the goroutine still _Grunning: its CAS next."),
    "exitsyscallTryGetP": ("exitsyscallTryGetP", "Modern protocol: the syscall returned (CAS won) and m.p is "
                           "nil: tries to get a P."),
    "exitsyscallTryGetP: takeP (holds _Gscan)": ("exitsyscallTryGetP: takeP", "Modern protocol: holds the "
                                                 "scan bit of its old P's syscalling goroutine; steals it back "
                                                 "next."),
    "exitsyscallNoP": ("mcall(exitsyscallNoP)", "Modern protocol: no P to be had; queues the goroutine "
                       "globally."),
    "exitsyscallTryGetP: pidleget": ("exitsyscallTryGetP: sched.pidle != 0", "Modern protocol: could not steal "
                                     "its old P back; tries an idle P."),
    "entersyscallblock: handoffp (after the CAS)": ("entersyscallblock (a seeded bug)", "Mutant only: the "
                                                    "classic order, _Gsyscall first, handoffp next."),
    "exitsyscall: CAS (read m.p first)": ("exitsyscall (a seeded bug)", "Mutant only: read m.p before its "
                                          "CAS."),
    "retake: castogscanstatus": ("retake: castogscanstatus", "Modern protocol: sysmon read pp.m and its "
                                 "_Gsyscall goroutine (arg); takes its scan bit next."),
    "retake: holds _Gscan": ("retake: setBlockOnExitSyscall", "Modern protocol: sysmon holds the scan bit; "
                             "the tick rules, takeP next."),
    "retake: resume": ("retake: takeP, then resume", "Modern protocol: sysmon took the P and still holds the "
                       "scan bit."),
}

ENTRIES = FIELDS + tuple((f"pc={name}", runtime, meaning) for name, (runtime, meaning) in PCS.items())
