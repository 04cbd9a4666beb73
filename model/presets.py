"""Named configurations. `default` is what `gosched-mc check` runs with no
arguments; `tiny` takes seconds; `large` is the biggest, for the report.
Threads are unbounded in every preset (`--threads N` bounds them)."""

from .config import Config
from .workload import parse_workload


def _preset(name: str, procs: int, threads: int, runq: int, workload: str, about: str) -> tuple[Config, str]:
    return Config(procs=procs, threads=threads, runq=runq, workload=parse_workload(workload), name=name), about


_TABLE = [
    ("tiny", 1, 0, 2, "spawn(1), syscall; yield",
     "GOMAXPROCS=1: main spawns a G and makes a syscall; the other yields. Seconds."),
    ("default", 2, 0, 2, "spawn(1), syscall, ready(1); park, syscall_block, compute",
     "GOMAXPROCS=2, 2 Gs: a fast and a blocking syscall, park/ready, a preemptible computation, for any "
     "number of threads (Gosched is in `netyield` and `large`)."),
    ("syscalls", 2, 0, 2, "spawn(1), syscall; syscall",
     "GOMAXPROCS=2: two Gs in syscalls at once; retake, handoff and both exitsyscall paths."),
    ("preempt", 1, 0, 2, "spawn(1), syscall; compute",
     "GOMAXPROCS=1: a G back from a syscall waits for sysmon to preempt a long computation."),
    ("netpoll", 2, 0, 2, "spawn(1), net_read; net_read",
     "GOMAXPROCS=2: two network readers; blocking netpoll, sysmon's netpoll and injectglist."),
    ("overflow", 1, 0, 1, "spawn(1), spawn(2), spawn(3); exit; exit; exit",
     "GOMAXPROCS=1, run queue of 1: spawns overflow runnext and the local queue into the global queue."),
    ("steal", 2, 0, 2, "spawn(1), spawn(2), spawn(3), syscall_block; exit; exit; exit",
     "GOMAXPROCS=2: one P's queue fills and a spinning M steals half of it."),
    ("steal4", 2, 0, 4, "spawn(1), spawn(2), spawn(3), spawn(4), syscall_block; exit; exit; exit; exit",
     "GOMAXPROCS=2, run queues of 4: a spinning M steals half of a queue of three."),
    ("lostwakeup", 2, 0, 2, "spawn(1), spawn(2), spin; exit; exit",
     "GOMAXPROCS=2: main spawns twice and then never yields its P; the second G runs only if a spinning M "
     "finds it. The spinning protocol's lost-wakeup races live here."),
    ("spinners", 3, 0, 2, "spawn(1), spawn(2), spin; spin; exit",
     "GOMAXPROCS=3: two Gs that never yield; the third runs only if the spinner that found the first wakes "
     "another (resetspinning's wakep)."),
    ("handoff3", 3, 0, 2, "spawn(1), spawn(2), spin; spin; syscall",
     "GOMAXPROCS=3: a G back from a syscall is queued globally while two Ps are held forever; handoffp must "
     "start an M for the global queue."),
    ("netspin", 2, 0, 2, "spawn(1), spawn(2); net_read, spin; net_read",
     "GOMAXPROCS=2: two network readers become ready together; the one that runs first spins forever, so the "
     "other runs only if injectglist's final wakep starts an M for it."),
    ("syscallspin", 2, 0, 2, "spawn(1), spin; syscall",
     "GOMAXPROCS=2: main never yields; the other G's syscall loses its P, and when it returns it must take "
     "the idle P to run at all."),
    ("netyield", 1, 0, 2, "spawn(1), yield, loop(1); net_read",
     "GOMAXPROCS=1: main yields forever, so findRunnable always finds work before its netpoll; the reader "
     "whose data is ready runs only because sysmon polls the network."),
    ("syscallloop", 1, 0, 2, "spawn(1), syscall, loop(1); exit",
     "GOMAXPROCS=1: main makes short syscalls forever; the other G runs only if sysmon retakes the P: each "
     "syscall is new to sysmon, so only sysretake (the slice is 10 ms old) takes it (go.dev/issue/28701)."),
    ("gc", 2, 0, 2, "spawn(1), gc; syscall",
     "GOMAXPROCS=2: main stops the world, starts it and runs forEachP while the other G makes a syscall: "
     "the stop and forEachP CAS its _Psyscall P against exitsyscall and retake; entersyscall_gcwait."),
    ("stwblock", 3, 0, 2, "spawn(1), stw; syscall_block",
     "GOMAXPROCS=3: main stops the world while the other G hands its P off for a blocking syscall: "
     "handoffp's gcwaiting branch, gcstopm of spinning Ms."),
    ("locked", 1, 0, 2, "spawn(1), yield, compute; syscall, lock_thread, syscall, yield, unlock_thread, lock_thread",
     "GOMAXPROCS=1: a goroutine locks its thread after a syscall, makes another and yields: stoplockedm (from "
     "exitsyscall0 and schedule), startlockedm, and mexit when it exits locked."),
    ("pingpong", 1, 0, 2, "spawn(1), spawn(2), syscall; ready(2), park, loop(0); park, ready(1), loop(0)",
     "GOMAXPROCS=1: G1 and G2 wake each other through runnext forever, sharing one time slice (inheritTime); "
     "main, back from a syscall, waits on the global queue until sysmon preempts the pair. Every property "
     "holds (without time-slice preemption it starves)."),
    ("spinstarve", 1, 0, 2, "spawn(1), syscall; spin",
     "GOMAXPROCS=1: G1 spins with no preemption point (asyncpreemptoff=1); main, back from its syscall, never "
     "runs. Expected verdict: VIOLATED (runnable_g_eventually_runs, syscall_return_eventually_runs, "
     "runnable_g_runs_even_if_syscalls_block)."),
    ("timers", 1, 0, 2, "spawn(1), syscall; sleep",
     "GOMAXPROCS=1: G1 sleeps on a timer while main is in a syscall; the M that drops the P polls the network "
     "until the timer is due, netpoll returns empty, and checkTimers readies the sleeper."),
    ("handoffstall", 2, 0, 2, "spawn(1), syscall, exit; spawn(2), spin; exit",
     "GOMAXPROCS=2, issue 12 item 11 (docs/finding-handoffp.md): sysmon's handoffp idles a retaken P while a "
     "wakep finds none, and G2 waits beside the idle P while its spawner spins. Expected verdict: VIOLATED "
     "(runnable_g_eventually_runs, no_persistent_underutilisation, runnable_g_runs_even_if_syscalls_block), "
     "confirmed on the real runtime."),
    ("large", 2, 0, 2, "spawn(1), spawn(2), syscall, ready(2); net_read, yield; park, syscall_block, compute",
     "GOMAXPROCS=2, 3 Gs: syscalls (fast and blocking), a network read, park/ready, Gosched, a preemptible "
     "computation; millions of states, for the report."),
]

PRESETS: dict[str, tuple[Config, str]] = {row[0]: _preset(*row) for row in _TABLE}


def preset(name: str) -> Config:
    return PRESETS[name][0]
