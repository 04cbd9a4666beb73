"""The catalogue of seeded bugs: what each changes, what it breaks, and
where it comes from: a real historical Go scheduler bug (an issue or
commit), a race that the runtime's own comments describe, or an invented but
plausible slip. The changes themselves are in model/mutants/seeded.py."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Mutant:
    name: str
    action: str  # the model action it changes
    change: str  # what the seeded bug does
    breaks: str  # what goes wrong
    grounding: str  # where it comes from
    kind: str  # "safety" or "liveness": which kind of property should catch it
    preset: str  # the smallest preset that reaches it
    historical: bool  # reproduces a real bug or a race the runtime's comments describe
    protocol: str = "classic"  # the syscall protocol whose action it changes


CATALOGUE = [
    Mutant("exitsyscall_no_cas", "exitsyscall",
           "exitsyscallfast takes its old P back whenever m.oldp is set, without CAS(&oldp.status, _Psyscall, _Pidle).",
           "If sysmon retook the P and handed it to another M, two Ms now run on one P.",
           "runtime2.go, _Psyscall: \"Leaving _Psyscall must be done with a CAS ... ABA hazard\"; "
           "the atomic fast path of CL 4723042 (2011).", "safety", "syscalls", True),
    Mutant("exitsyscall_load_store", "exitsyscall",
           "exitsyscallfast loads oldp.status == _Psyscall, and in a later step stores _Pidle and wires the P: "
           "a check-then-act instead of one CAS.",
           "sysmon's retake CAS can land between the load and the store: both think they own the P.",
           "runtime2.go, _Psyscall: \"Leaving _Psyscall must be done with a CAS\".", "safety", "syscalls", True),
    Mutant("exitsyscall0_loses_g", "exitsyscall0_globrunqput",
           "exitsyscall0, finding no idle P, makes the G _Grunnable and stops the M without globrunqput.",
           "The goroutine is runnable but in no queue: it never runs again.",
           "exitsyscall0's contract (\"Failed to acquire P, enqueue gp as runnable\"); invented slip.",
           "safety", "syscalls", False),
    Mutant("retake_no_handoffp", "retake",
           "sysmon's retake CASes the P from _Psyscall to _Pidle and then does not call handoffp.",
           "The P is owned by nobody and on no list: GOMAXPROCS shrinks by one for good.",
           "retake's comment \"Handoff the P for some other thread to run it\"; invented slip.",
           "safety", "tiny", False),
    Mutant("entersyscallblock_no_handoffp", "entersyscallblock",
           "entersyscallblock releases its P (releasep) but never hands it off.",
           "The P leaks as with retake_no_handoffp, but without waiting for sysmon.",
           "entersyscallblock_handoff: handoffp(releasep()); invented slip.", "safety", "default", False),
    Mutant("handoffp_skips_local_work", "handoffp_startm",
           "handoffp ignores pp's own run queue (`!runqempty(pp)`) and only starts an M for global work.",
           "A P with runnable Gs is put on the idle list, where nobody looks for them.",
           "handoffp: \"handoffp must start an M in any situation where findRunnable would return a G to run on pp\"; "
           "pidleput throws \"P has non-empty run queue\".", "safety", "default", True),
    Mutant("runqsteal_runnext_no_cas", "runqsteal",
           "runqgrab steals the victim's runnext with a load and a later store of 0, not runnext.cas(next, 0).",
           "The victim's owner can runqget the same G in between: one G on two Ms.",
           "go.dev/issue/10573 (runnext stealing races, found when runnext was introduced); runqgrab's CAS.",
           "safety", "steal", True),
    Mutant("runqsteal_no_remove", "runqsteal",
           "runqgrab copies half the victim's queue without advancing its head (the CAS on runqhead is lost).",
           "The stolen Gs are in two run queues and run twice.",
           "runqgrab: \"cas-release, commits consume\"; invented slip.", "safety", "steal", False),
    Mutant("injectglist_drops_gs", "sysmon_netpoll",
           "injectglist marks every G from netpoll runnable but queues only the first.",
           "Goroutines whose network I/O completed are runnable and in no queue: lost.",
           "injectglist's contract (\"adds each runnable G on the list to some run queue\"); invented slip.",
           "safety", "netpoll", False),
    Mutant("wakep_no_cas", "wakep_cas",
           "wakep checks nmspinning == 0 and later stores 1, instead of CompareAndSwap(0, 1).",
           "Two racing wakeps both start a spinning M while nmspinning counts one; it later goes negative.",
           "wakep: \"Be conservative about spinning threads, only start one if none exist already\"; the "
           "\"wakep: negative nmspinning\" throw.", "safety", "default", True),
    Mutant("retake_no_incidlelocked", "retake",
           "sysmon's retake does not call incidlelocked(-1) before taking the P (nor +1 after).",
           "The M leaving the syscall can park and run checkdead while sysmon holds the P: "
           "\"checkdead: runnable g\" on a healthy program.",
           "go.dev/issue/6070 (false deadlock report); retake's comment \"Need to decrement number of idle "
           "locked M's (pretending that one more is running) before the CAS\".", "safety", "tiny", True),
    Mutant("dance_reversed", "findRunnable_releasep",
           "A spinning M that found nothing re-checks the run queues first and drops nmspinning after.",
           "Work submitted between the re-check and the decrement sees a spinning M and wakes nobody: "
           "a lost wakeup, runnable work with an idle P.",
           "findRunnable's \"Delicate dance\" comment and the spinning protocol at the top of proc.go.",
           "liveness", "lostwakeup", True),
    Mutant("pidlegetspinning_no_needspinning", "wakep_nopidle",
           "pidlegetSpinning does not set sched.needspinning when it finds no idle P.",
           "An M about to drop its P does not know a spinner found work it could not take.",
           "go.dev/issue/45867 (broken work conservation after CL 310850); pidlegetSpinning's comment.",
           "liveness", "lostwakeup", True),
    Mutant("handoffp_ignores_globrunq", "handoffp_startm",
           "handoffp ignores the global run queue in both of its checks.",
           "A P goes idle while the global queue holds work it would have run.",
           "handoffp: \"handoffp must start an M in any situation where findRunnable would return a G to run on pp\".",
           "liveness", "handoff3", True),
    Mutant("wakep_never_wakes", "wakep_cas",
           "wakep returns at once, never starting a spinning M.",
           "Newly runnable work waits for its own P even while other Ps are idle.",
           "proc.go header: \"We unpark an additional thread when we submit work if there is an idle P\".",
           "liveness", "lostwakeup", True),
    Mutant("resetspinning_no_wakep", "resetspinning",
           "resetspinning drops nmspinning but does not call wakep.",
           "\"If the last spinning thread finds work and stops spinning, it must unpark a new spinning thread\" is broken.",
           "proc.go header comment on the spinning protocol.", "liveness", "spinners", True),
    Mutant("injectglist_no_wakep", "injectglist_done",
           "injectglist (with a P) omits its final wakep.",
           "Ps that went idle after injectglist read npidle stay idle while Gs wait in the queues.",
           "go.dev/issue/63555 and injectglist's comment on the hedging wakep.", "liveness", "netspin", True),
    Mutant("sysmon_never_retakes", "retake",
           "sysmon never retakes a P from a syscall.",
           "A P stuck in a long syscall keeps its run queue from running.",
           "retake: \"retake P's blocked in syscalls\"; invented (the whole mechanism removed).",
           "liveness", "syscallloop", False),
    Mutant("sysmon_never_preempts", "preemptone",
           "sysmon never preempts a long-running G.",
           "A G in a long computation keeps every other G of its P from running.",
           "retake/preemptone: \"preempt long running G's\"; invented (the mechanism removed). With "
           "GOMAXPROCS=1 the run ends with a G that can never finish: a scheduler deadlock.",
           "safety", "preempt", False),
    Mutant("entersyscall_keeps_grunning", "entersyscall",
           "reentersyscall publishes the P as _Psyscall but leaves the G _Grunning instead of casgstatus to _Gsyscall.",
           "A G blocked in the kernel looks like it runs Go code: the GC would try to preempt and scan a running "
           "stack, and checkdead counts it as running.",
           "reentersyscall: \"Disable preemption because during this function g is in Gsyscall status, but can have "
           "inconsistent g->sched, do not let GC observe it\"; invented slip.", "safety", "tiny", False),
]

CATALOGUE += [
    Mutant("exitsyscall_ignores_idle_p", "exitsyscallfast_pidle",
           "A G back from a syscall that lost its P never takes an idle P (neither exitsyscallfast_pidle nor "
           "exitsyscall0's pidleget): it always goes to the global queue and its M stops.",
           "With the other Ps busy, the G waits on the global queue next to an idle P that nobody starts.",
           "exitsyscallfast: \"Try to get any other idle P\" and exitsyscall0's pidleget; invented slip.",
           "liveness", "syscallspin", False),
    Mutant("execute_keeps_preempt", "execute",
           "execute does not clear gp.preempt when it starts a G.",
           "A G preempted once is preempted again before each op: it runs forever without getting anywhere.",
           "execute: \"gp.preempt = false\"; invented slip.", "liveness", "preempt", False),
]

CATALOGUE += [
    Mutant("newm_uncounted", "startm (newm)",
           "startm's newm path counts the new M (mcount) only when the thread runs, not under sched.lock "
           "(no mReserveID): between startm's unlock and the new M's first step, checkdead cannot see it.",
           "An M that parks meanwhile runs checkdead, counts no running M while a G is runnable, and throws "
           "\"checkdead: runnable g\" on a healthy program.",
           "go.dev/issue/40368 (checkdead: runnable g, startm from sysmon; fixed by mReserveID under sched.lock).",
           "safety", "tiny", True),
]

CATALOGUE += [
    Mutant("checkdead_ignores_netpoller", "checkdead (runtime helper)",
           "checkdead counts the M blocked in netpoll as idle: run = mcount - nmidle - nmidlelocked - (Ms in netpoll).",
           "With one G waiting on the network and the other Ms parked, checkdead finds no running M and reports "
           "\"all goroutines are asleep - deadlock!\" on a program whose read is about to complete.",
           "checkdead: \"run := mcount() - sched.nmidle - sched.nmidlelocked - sched.nmsys\" (the M in "
           "findRunnable's blocking netpoll is not on sched.midle); invented slip.", "safety", "netpoll", False),
    Mutant("chanrecv_unlocked_check", "gopark",
           "chanrecv checks the channel buffer before taking c.lock and parks on an empty look: a send landing "
           "in between is buffered but the receiver parks anyway.",
           "A lost wakeup: the receiver sleeps with a value waiting for it, and nothing will ever ready it.",
           "chan.go chanrecv: \"lock(&c.lock) ... if c.qcount > 0\" (the check is under the lock so a send "
           "cannot slip in); the classic lost-wakeup race.", "safety", "default", True),
    Mutant("entersyscall_no_oldp", "entersyscall",
           "reentersyscall stores _Psyscall into the P but does not set m.oldp.",
           "No M owns the _Psyscall P any more: exitsyscallfast cannot take it back, and only sysmon's retake "
           "ever frees it.",
           "reentersyscall: \"pp.m = 0; gp.m.oldp.set(pp); gp.m.p = 0\" before the _Psyscall store; invented "
           "slip.", "safety", "syscalls", False),
]

CATALOGUE += [
    Mutant("sysmon_never_polls", "sysmon_netpoll",
           "sysmon never calls netpoll(0), however long since the last poll.",
           "A goroutine whose network read is ready waits forever while the only P keeps finding other work "
           "(a goroutine that yields in a loop): findRunnable reaches its netpoll only with no work at all.",
           "sysmon: \"poll network if not polled for more than 10ms\" (the reason sysmon polls at all); "
           "invented slip.", "liveness", "netyield", False),
    Mutant("retake_no_sysretake", "retake_syscalltick, retake_decide",
           "retake's skip rule without sysretake: a P in a syscall whose syscalltick sysmon has not seen is "
           "recorded and skipped, however long its time slice has run.",
           "A goroutine that makes short syscalls in a loop shows sysmon a new syscalltick at every look: its P "
           "is never retaken and the goroutines queued on it starve.",
           "go.dev/issue/28701 (goroutine starvation: retake \"invoked frequently but choosing not to actually "
           "retake any Ps\", the syscallticks \"permanently misaligned\"); retake's `!sysretake && "
           "pd.syscalltick != t` (proc.go:6429).", "liveness", "syscallloop", True),
]

# Stop-the-world, forEachP and LockOSThread (issue 12, items 1, 2 and 8).
CATALOGUE += [
    Mutant("exitsyscall_takes_gcstop_p", "exitsyscall",
           "exitsyscallfast takes its old P back when it is _Pgcstop as well as when it is _Psyscall.",
           "A syscall that returns while the world is stopped runs Go code on a P the stopper has already counted "
           "as stopped: the world is not stopped when the GC thinks it is.",
           "runtime2.go, _Pgcstop: \"halted for STW and owned by the M that stopped the world\", and "
           "exitsyscallfast's CAS from _Psyscall only, so that a syscall returning during a stop waits in "
           "exitsyscall0 for start-the-world: the STW-versus-syscall interaction of go.dev/issue/36273 (\"runtime: "
           "syscall hangs during STW\"; its root cause is not reproduced here).", "safety", "gc", True),
    Mutant("stw_uncounted_syscall_p", "stopTheWorldWithSema",
           "stopTheWorldWithSema CASes each _Psyscall P to _Pgcstop but does not count it off sched.stopwait.",
           "stopwait never reaches 0: the stopper waits for a P that is already stopped, and the world never "
           "restarts.",
           "stopTheWorldWithSema's loop \"try to retake all P's in Psyscall status\" (proc.go:1661-1672); the hang "
           "has the symptom of go.dev/issue/15051 (gccgo: STW waiting with stop_wait == 1 on a Psyscall P), whose "
           "cause was not published; the slip itself is invented.", "safety", "gc", False),
    Mutant("entersyscall_gcwait_no_stopwait", "entersyscall_gcwait",
           "entersyscall_gcwait CASes its just-published P from _Psyscall to _Pgcstop but does not do stopwait-- "
           "(nor wake the stopper).",
           "A P stopped by its own syscall entry is never counted: the stopper sleeps forever.",
           "entersyscall_gcwait (proc.go:4687-4706): \"if sched.stopwait > 0 && atomic.Cas(&pp.status, _Psyscall, "
           "_Pgcstop) { ... sched.stopwait--\"; the gcwait step of reentersyscall's ordering; invented slip.",
           "safety", "gc", False),
    Mutant("runsafepointfn_after_psyscall", "entersyscall",
           "reentersyscall publishes _Psyscall first and runs the safe-point function its P owes afterwards.",
           "The M works on a P it has already given up: forEachP, retake or a returning syscall may take the P and "
           "run on it while the function still runs on it.",
           "commit edfc979 \"run safe-point function before entering _Psyscall\" (go.dev/issue/11640, corrupted "
           "GC work buffers; per reference/go-scheduler-bugs.md, not re-verified here); runSafePointFn's comment "
           "(proc.go:2243-2246) and reentersyscall's order (4629 before 4640).", "safety", "gc", True),
    Mutant("findRunnable_drops_p_owing", "findRunnable_releasep",
           "findRunnable drops its P without its re-check under sched.lock of gcwaiting and runSafePointFn.",
           "A P goes idle while the world is stopping or while it owes forEachP's function: nobody stops it or "
           "runs the function for it, so the stopper or forEachP waits for a P that sits on the idle list.",
           "findRunnable (proc.go:3583) and runSafePointFn's comment: \"runSafePointFn must be checked on any "
           "transition in to _Pidle or _Psyscall to avoid a race where forEachP sees that the P is running just "
           "before the P goes into _Pidle/_Psyscall and neither forEachP nor the P run the safe-point function\".",
           "safety", "gc", True),
    Mutant("runsafepointfn_no_cas", "forEachP",
           "The safe-point function is claimed with a load of p.runSafePointFn instead of CAS(1, 0): it runs and "
           "is counted off safePointWait, but the P's request stays set.",
           "forEachP's count reaches 0 while Ps still owe the function, and the function runs again for them.",
           "runSafePointFn: \"Resolve the race between forEachP running the safe-point function on this P's "
           "behalf and this P running the safe-point function directly\" (proc.go:2249-2254) and forEachP's check "
           "\"forEachP: P did not run fn\" (2226); invented slip.", "safety", "gc", False),
    Mutant("gcstopm_wakes_early", "gcstopm",
           "gcstopm wakes the stopper (notewakeup(&sched.stopnote)) every time it stops a P, not only when "
           "stopwait reaches 0.",
           "The stopper wakes while other Ps still run Go code and goes on as if the world were stopped.",
           "gcstopm: \"if sched.stopwait == 0 { notewakeup(&sched.stopnote) }\" (proc.go:3320) and "
           "stopTheWorld's \"not stopped (stopwait != 0)\" check (1718); invented slip.", "safety", "stwblock",
           False),
    Mutant("gcstopm_ignores_spinning", "gcstopm",
           "gcstopm does nmspinning.Add(-1) whether or not its M is spinning.",
           "nmspinning undercounts the spinning Ms and goes negative.",
           "gcstopm's \"if gp.m.spinning\" and its throw \"gcstopm: negative nmspinning\" (proc.go:3307-3313); "
           "invented slip.", "safety", "stwblock", False),
    Mutant("exitsyscall0_lockedm_after_unlock", "exitsyscall0_globrunqput",
           "exitsyscall0, finding no idle P, queues the G and unlocks sched.lock before it reads gp.lockedm.",
           "Another M can run the G in between and the G can lock that M's thread: this M then calls stoplockedm "
           "for a G locked to another thread (\"stoplockedm: inconsistent locking\").",
           "go.dev/issue/46524 (release-blocker, \"stoplockedm: inconsistent locking\") and exitsyscall0's "
           "comment (proc.go:4989-4994): \"we must check if gp is locked prior to committing the release by "
           "unlocking sched.lock\".", "safety", "locked", True),
    Mutant("schedule_ignores_lockedm", "startlockedm",
           "schedule() runs a G locked to another thread on the M that found it, instead of handing its P to the "
           "locked M (startlockedm).",
           "A locked goroutine runs on a thread that is not its own: the per-thread state it locked the thread for "
           "(setns, a GUI event loop, thread-local C state) is not there.",
           "LockOSThread's contract: \"The calling goroutine will always execute in that thread\" and schedule's "
           "`if gp.lockedm != 0 { startlockedm(gp) }` (proc.go:4198); invented slip.", "safety", "locked", False),
    # --- the modern protocol (Go >= 1.26, checked against Go 1.27.3) ---
    Mutant("retake_no_scan_bit", "retake_castogscanstatus",
           "retake sees gp in _Gsyscall on the P it read and goes on to takeP without castogscanstatus.",
           "The G can leave its syscall and run Go code on a P that sysmon takes and hands to another M.",
           "The commit that removed _Psyscall (\"The point of synchronization is the _Gscan bit on curg's "
           "status\", runtime2.go 1.27) and retake's \"because we have the scan bit, the goroutine is at worst "
           "stuck spinning in exitsyscall\"; invented slip.", "safety", "tiny", False, "modern"),
    Mutant("setblock_no_revalidate", "retake_castogscanstatus",
           "setBlockOnExitSyscall takes gp's scan bit and does not re-validate gp.m == mp && mp.p == pp.",
           "If gp left the P it was read on (its P was taken and handed to another M), retake takes that P from "
           "the M now running Go code on it.",
           "setBlockOnExitSyscall's comment \"validate that it's still connected to the *same* M and P\" "
           "(proc.go 1.27:6813); invented slip.", "safety", "syscalls", False, "modern"),
    Mutant("retake_forgets_resume", "retake_resume_early",
           "retake returns early under the scan bit (a new syscalltick, or a P to leave alone) without "
           "thread.resume().",
           "The scan bit is never released: the G's exitsyscall spins forever.",
           "setBlockOnExitSyscall's contract \"Callers must call resume on the resulting thread state once "
           "they're done with thread, otherwise it will remain blocked forever\"; invented slip.",
           "safety", "syscalls", False, "modern"),
    Mutant("exitsyscall_reads_p_first", "exitsyscall_fast",
           "exitsyscall reads m.p before its CAS _Gsyscall -> _Grunning and takes the fast path with the P it "
           "read.",
           "sysmon can takeP and hand the P off between the read and the CAS: the G runs Go code on a P another "
           "M owns, or with none.",
           "exitsyscall's comment \"Before this point, our P wiring is not ours. Once we get past this point, we "
           "can access our P if we have it\" (proc.go 1.27:4941); invented slip.", "safety", "tiny", False,
           "modern"),
    Mutant("stealback_running_p", "exitsyscallTryGetP_setBlock",
           "exitsyscallTryGetP steals its old P back whenever it is _Prunning, not only when it serves another "
           "M's syscall.",
           "The M takes a P from under a G running Go code.",
           "exitsyscallTryGetP's \"Try to steal our old P back\" through setBlockOnExitSyscall, which succeeds "
           "only for a G in _Gsyscall; invented slip.", "safety", "syscalls", False, "modern"),
    Mutant("nGsyscallNoP_miscount", "exitsyscallTryGetP_pidleget",
           "exitsyscallTryGetP gets an idle P and does not decGSyscallNoP.",
           "sched.nGsyscallNoP counts a G that has its P back: the count of Gs in syscalls without a P (read by "
           "the runtime's metrics) drifts up for good.",
           "go.dev/issue/76435 (unmatched nGsyscallNoP increments and decrements in Go 1.26's new accounting; "
           "decGSyscallNoP's \"This logic must match, to avoid unmatched increments and decrements\").",
           "safety", "syscalls", True, "modern"),
    Mutant("entersyscallblock_classic_order", "entersyscallblock_handoffp",
           "entersyscallblock does casgstatus(_Grunning, _Gsyscall) first and handoffp(releasep()) after, as Go "
           "1.25 did.",
           "Once the G is _Gsyscall its P is up for grabs: sysmon can take it before releasep, which then throws "
           "\"releasep: invalid p state\" (or the P is handed off twice).",
           "entersyscallblock 1.27: \"Once we switch to _Gsyscall, we can't safely touch our P anymore, so we "
           "need to hand it off beforehand\" (proc.go 1.27:4869).", "safety", "default", True, "modern"),
]

MUTANTS = {m.name: m for m in CATALOGUE}
