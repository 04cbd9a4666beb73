"""Named configurations. `default` is what `gosched-mc check` runs with no
arguments; `tiny` takes seconds; `large` is the biggest configuration the
explorer exhausts within ten minutes on a 2-core machine."""

from .config import Config
from .workload import parse_workload


def _preset(name: str, procs: int, threads: int, runq: int, workload: str, about: str) -> tuple[Config, str]:
    return Config(procs=procs, threads=threads, runq=runq, workload=parse_workload(workload), name=name), about


_TABLE = [
    ("tiny", 1, 3, 2, "spawn(1), syscall; yield",
     "GOMAXPROCS=1: main spawns a G and makes a syscall; the other yields. Seconds."),
    ("default", 2, 4, 2, "spawn(1), spawn(2), syscall, ready(2); net_read, yield; park, syscall_block",
     "GOMAXPROCS=2, 3 Gs: syscalls (fast and blocking), a network read, park/ready, Gosched."),
    ("syscalls", 2, 4, 2, "spawn(1), syscall; syscall",
     "GOMAXPROCS=2: two Gs in syscalls at once; retake, handoff and both exitsyscall paths."),
    ("preempt", 1, 3, 2, "spawn(1), compute; syscall",
     "GOMAXPROCS=1: a long computation that sysmon must preempt so a G back from a syscall can run."),
    ("netpoll", 2, 4, 2, "spawn(1), net_read; net_read",
     "GOMAXPROCS=2: two network readers; blocking netpoll, sysmon's netpoll and injectglist."),
    ("overflow", 1, 2, 1, "spawn(1), spawn(2), spawn(3); exit; exit; exit",
     "GOMAXPROCS=1, run queue of 1: spawns overflow runnext and the local queue into the global queue."),
    ("steal", 2, 3, 2, "spawn(1), spawn(2), spawn(3), syscall_block; exit; exit; exit",
     "GOMAXPROCS=2: one P's queue fills and a spinning M steals half of it."),
    ("large", 2, 4, 2, "spawn(1), spawn(2), syscall, ready(2); net_read, yield; park, syscall_block, compute",
     "The default workload with a preemptible computation added: the biggest exhausted within 10 minutes."),
]

PRESETS: dict[str, tuple[Config, str]] = {row[0]: _preset(*row) for row in _TABLE}


def preset(name: str) -> Config:
    return PRESETS[name][0]
