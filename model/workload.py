"""Workloads: each goroutine runs a small bounded program.

A workload is written as one program per goroutine, separated by `;`, with ops
separated by commas or spaces. Program 0 is the main goroutine (shown as G1,
Go's goid 1: model/names.py), running on M0/P0 at the start; program k is the
goroutine shown as G{k+1}, created by exactly one `spawn(k)` (or `spawn(G{k+1})`):

    spawn(1), syscall, exit; net_read, ready(2); park, yield

Ops (what the goroutine does, and the runtime entry point it drives):

  spawn(k)       go statement: newproc creates program k's goroutine, G{k+1} (runqput into runnext, wakep)
  ready(k)       wake program k's goroutine parked on `park` (goready), or leave it a token
  park           block until readied (gopark on a channel/semaphore)
  syscall        a system call (entersyscall ... exitsyscall)
  syscall_block  a known-blocking system call (entersyscallblock ... exitsyscall)
  net_read       a network read: park on the netpoller until the fd is ready
  yield          runtime.Gosched (goschedImpl: to the global run queue)
  compute        a long computation: runs until sysmon preempts it once
  spin           a loop with no preemption points, forever (asyncpreemptoff=1)
  gc             a GC cycle's stops: stop the world, start it, then forEachP (one goroutine only)
  stw            stop the world and start it again, as runtime.ReadMemStats does (no forEachP)
  foreachp       forEachP alone: every P runs a safe-point function, as runtime/trace's StopTrace does
  lock_thread    runtime.LockOSThread: wire the goroutine to its thread
  unlock_thread  runtime.UnlockOSThread (a goroutine that exits locked takes its thread with it)
  loop, loop(k)  go back to the first op, or to op k (last op only; the G runs forever)
  exit           return from the goroutine (goexit0); implied at the end

Numbers are ASCII digits. A G's program counter is one byte of the state, so
a program has at most MAX_PROGRAM_OPS ops, counting the implied `exit`.
"""

import re
from dataclasses import dataclass
from .names import g_name
from .vocab import _Gdead, _Gidle

OP_SPAWN, OP_READY, OP_PARK, OP_SYSCALL, OP_SYSCALL_BLOCK, OP_NET_READ = range(6)
OP_YIELD, OP_COMPUTE, OP_SPIN, OP_LOOP, OP_EXIT = range(6, 11)
OP_GC, OP_LOCK_THREAD, OP_UNLOCK_THREAD, OP_STW = range(11, 15)
OP_SLEEP = 15
OP_FOREACHP = 16

OP_NAMES = {
    OP_SPAWN: "spawn", OP_READY: "ready", OP_PARK: "park", OP_SYSCALL: "syscall",
    OP_SYSCALL_BLOCK: "syscall_block", OP_NET_READ: "net_read", OP_YIELD: "yield",
    OP_COMPUTE: "compute", OP_SPIN: "spin", OP_LOOP: "loop", OP_EXIT: "exit", OP_SLEEP: "sleep",
    OP_GC: "gc", OP_STW: "stw", OP_LOCK_THREAD: "lock_thread", OP_UNLOCK_THREAD: "unlock_thread",
    OP_FOREACHP: "foreachp",
}
OP_CODES = {name: code for code, name in OP_NAMES.items()}
OP_CODES["go"] = OP_SPAWN
OPS_WITH_ARG = {OP_SPAWN, OP_READY}
OPS_WITH_OPTIONAL_ARG = {OP_LOOP}
TERMINAL_OPS = {OP_EXIT, OP_SPIN, OP_LOOP}
MAX_PROGRAM_OPS = 255  # a G's pc is one byte of the state (model/layout.py)
MAX_SPEC_CHARS = 100_000  # far more than MAX_PROGRAM_OPS ops for every goroutine the model allows
_NUMBER = re.compile(r"[0-9]{1,3}")  # ASCII only: str.isdigit() also accepts '²'


class WorkloadError(ValueError):
    """A workload that does not parse or cannot run; the message is one sentence."""


@dataclass(frozen=True)
class Op:
    code: int
    arg: int = -1

    def __str__(self) -> str:
        name = OP_NAMES[self.code]
        if self.code in OPS_WITH_ARG or (self.code in OPS_WITH_OPTIONAL_ARG and self.arg > 0):
            return f"{name}({self.arg})"
        return name


Program = tuple[Op, ...]


def _number(text: str, what: str, example: str) -> int:
    """A small ASCII number (an op's argument), or WorkloadError."""
    if not _NUMBER.fullmatch(text):
        raise WorkloadError(f"{what} must be a number from 0 to 999 in ASCII digits, as in {example}, "
                            f"not {_quote(text)}")
    return int(text)


def parse_op(text: str) -> Op:
    raw = text.strip()
    name, arg = raw, None
    if "(" in raw:
        if not raw.endswith(")"):
            raise WorkloadError(f"op {_quote(raw)} has an unclosed parenthesis")
        name, arg = raw[:-1].split("(", 1)
    elif " " in raw:
        name, arg = raw.split(None, 1)
    name = name.strip()
    if name not in OP_CODES:
        known = ", ".join(sorted(n for n in OP_CODES if n != "go"))
        raise WorkloadError(f"unknown op {_quote(name)}; known ops are {known}")
    code = OP_CODES[name]
    if code in OPS_WITH_ARG:
        if arg is None or not arg.strip():
            raise WorkloadError(f"op {name} needs a goroutine number, as in {name}(1)")
        number = arg.strip()
        if number.startswith("G"):  # spawn(G2): by goid, as goroutines are shown (model/names.py): program 1
            return Op(code, _number(number[1:], f"the goroutine number of {name}", f"{name}(G2)") - 1)
        return Op(code, _number(number, f"the goroutine number of {name}", f"{name}(1)"))
    if code in OPS_WITH_OPTIONAL_ARG and arg is not None and arg.strip():
        return Op(code, _number(arg.strip(), f"the op number of {name}", f"{name}(2)"))
    if arg is not None and arg.strip():
        raise WorkloadError(f"op {name} takes no argument")
    return Op(code)


def _tokens(program_text: str) -> list[str]:
    """Split `spawn(1), syscall exit` or `go 1, syscall` into op texts."""
    tokens: list[str] = []
    for part in program_text.replace(",", " ").split():
        takes_number = tokens and OP_CODES.get(tokens[-1]) in OPS_WITH_ARG | OPS_WITH_OPTIONAL_ARG
        if part.isascii() and part.isdigit() and takes_number:
            tokens[-1] = f"{tokens[-1]}({part})"
        else:
            tokens.append(part)
    return tokens


def parse_program(text: str) -> Program:
    tokens = _tokens(text)
    if len(tokens) > MAX_PROGRAM_OPS:  # before parsing them: a long program is refused in time linear in its text
        raise WorkloadError(f"a program has {len(tokens)} ops; at most {MAX_PROGRAM_OPS} are allowed "
                            "(a goroutine's pc is one byte of the state)")
    ops = [parse_op(tok) for tok in tokens]
    if not ops or ops[-1].code not in TERMINAL_OPS:
        ops.append(Op(OP_EXIT))
    if len(ops) > MAX_PROGRAM_OPS:
        raise WorkloadError(f"a program has {len(ops)} ops counting its implied exit; at most {MAX_PROGRAM_OPS} "
                            "are allowed (a goroutine's pc is one byte of the state)")
    return tuple(ops)


def parse_workload(spec: str | list[str]) -> tuple[Program, ...]:
    """The programs a workload spec describes: a string of programs separated
    by `;`, or a list of one string per goroutine; WorkloadError otherwise."""
    if isinstance(spec, str):
        texts = spec.split(";")
    elif isinstance(spec, (list, tuple)) and all(isinstance(t, str) for t in spec):
        texts = list(spec)
    else:
        raise WorkloadError("the workload must be a string of programs separated by ';', "
                            f"or a list of one program string per goroutine, not {_kind(spec)}")
    size = sum(len(t) for t in texts)
    if size > MAX_SPEC_CHARS:
        raise WorkloadError(f"the workload is {size:,} characters long; at most {MAX_SPEC_CHARS:,} are allowed")
    if not texts or not any(t.strip() for t in texts):
        raise WorkloadError("the workload is empty; give at least one goroutine program")
    return tuple(parse_program(t) for t in texts)


def _quote(text: str) -> str:
    """A user's text in a message: quoted, escaped, and cut short."""
    return repr(text if len(text) <= 40 else text[:40] + "...")


def _kind(value) -> str:
    """How a wrongly typed value is named in a message (never its whole text)."""
    if isinstance(value, (list, tuple)):
        return "a list holding " + ", ".join(sorted({type(v).__name__ for v in value})) if value else "an empty list"
    return f"a {type(value).__name__}"


def _check_thread_locking(g: int, program: Program) -> None:
    """LockOSThread calls do not nest in a workload (the model keeps whether
    a goroutine is locked, not lockedExt's count), so lock_thread may not
    follow lock_thread without an unlock_thread between them, and a loop
    must come back to its target locked exactly as it left it."""
    locked = False
    at = []
    for i, op in enumerate(program):
        at.append(locked)
        if op.code == OP_LOCK_THREAD:
            if locked:
                raise WorkloadError(f"{_prog(g)}: lock_thread at op {i} while already locked; nested LockOSThread "
                                    "is not modelled, so unlock_thread first")
            locked = True
        elif op.code == OP_UNLOCK_THREAD:
            locked = False
    last = program[-1]
    if last.code == OP_LOOP and at[max(last.arg, 0)] != locked:
        raise WorkloadError(f"{_prog(g)}: {last} returns to op {max(last.arg, 0)} with the thread "
                            f"{'locked' if locked else 'unlocked'} but it was "
                            f"{'locked' if at[max(last.arg, 0)] else 'unlocked'} there")


def remaining_readies(program, pc) -> set:
    """The Gs a goroutine can still ready from op pc on (a loop repeats
    its tail from the target)."""
    ops = list(program[pc:])
    if program[-1].code == OP_LOOP:
        ops += list(program[max(program[-1].arg, 0):])
    return {op.arg for op in ops if op.code == OP_READY}


def has_live_waker(programs, status, pcs, g: int) -> bool:
    """Some other live goroutine (or one not yet spawned, from its start)
    can still ready g."""
    return any(status[h] not in (_Gidle, _Gdead) and g in remaining_readies(programs[h], pcs[h])
               or status[h] == _Gidle and g in remaining_readies(programs[h], 0)
               for h in range(len(programs)) if h != g)


def format_program(program: Program) -> str:
    return ", ".join(str(op) for op in program)


def format_workload(programs: tuple[Program, ...]) -> str:
    return "; ".join(format_program(p) for p in programs)


def _prog(k: int) -> str:
    """Program k of the workload (0-based) and the goroutine that runs it, as shown: "program 1 (G2)"."""
    return f"program {k} ({g_name(k)})"


def validate_workload(programs: tuple[Program, ...]) -> None:
    """Raise WorkloadError unless every G is created once and every op can run."""
    ngs = len(programs)
    spawned_by: dict[int, int] = {}
    for g, program in enumerate(programs):
        for i, op in enumerate(program):
            if op.code in TERMINAL_OPS and i != len(program) - 1:
                raise WorkloadError(f"{_prog(g)}: ops after {op} can never run")
            if op.code in OPS_WITH_ARG and not 0 <= op.arg < ngs:
                raise WorkloadError(f"{_prog(g)}: {op} names a program that does not exist (there are {ngs}, 0 to {ngs - 1})")
            if op.code == OP_SPAWN:
                if op.arg == 0:
                    raise WorkloadError(f"{_prog(g)}: program 0 is main (G1), which is never spawned")
                if op.arg in spawned_by:
                    raise WorkloadError(f"{_prog(op.arg)} is spawned twice (by {_prog(spawned_by[op.arg])} and {_prog(g)}); a goroutine is created once")
                spawned_by[op.arg] = g
            if op.code == OP_READY and not any(o.code == OP_PARK for o in programs[op.arg]):
                raise WorkloadError(f"{_prog(g)}: {op} readies {_prog(op.arg)}, which never parks")
        if program[-1].code == OP_LOOP:
            target = max(program[-1].arg, 0)
            if target >= len(program) - 1:
                raise WorkloadError(f"{_prog(g)}: {program[-1]} must go back to an earlier op, leaving something to repeat")
            if any(op.code == OP_SPAWN for op in program[target:]):
                raise WorkloadError(f"{_prog(g)}: spawn inside the loop would create a goroutine twice; loop back past it")
    stoppers = [g for g, program in enumerate(programs)
                if any(op.code in (OP_GC, OP_STW, OP_FOREACHP) for op in program)]
    if len(stoppers) > 1:
        raise WorkloadError(f"{_prog(stoppers[0])} and {_prog(stoppers[1])} both stop the world or run forEachP (gc, "
                            "stw or foreachp); only one goroutine may (worldsema, which serialises them, is not "
                            "modelled)")
    for g, program in enumerate(programs):
        _check_thread_locking(g, program)
    for g in range(1, ngs):
        if g not in spawned_by:
            raise WorkloadError(f"{_prog(g)} is never spawned; add spawn({g}) to some goroutine's program")
    # Every G must descend from G0 (spawn forms a tree rooted at main).
    for g in range(1, ngs):
        seen, cur = set(), g
        while cur != 0:
            if cur in seen:
                raise WorkloadError(f"{_prog(g)} is only spawned from a cycle of goroutines that never starts")
            seen.add(cur)
            cur = spawned_by[cur]
