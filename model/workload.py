"""Workloads: each goroutine runs a small bounded program.

A workload is written as one program per goroutine, separated by `;`, with ops
separated by commas or spaces. G0 is the main goroutine, running on M0/P0 at
the start; every other G must be created by exactly one `spawn`:

    spawn(1), syscall, exit; net_read, ready(2); park, yield

Ops (what the goroutine does, and the runtime entry point it drives):

  spawn(k)       go statement: newproc creates G k (runqput into runnext, wakep)
  ready(k)       wake G k parked on `park` (goready), or leave it a token
  park           block until readied (gopark on a channel/semaphore)
  syscall        a system call (entersyscall ... exitsyscall)
  syscall_block  a known-blocking system call (entersyscallblock ... exitsyscall)
  net_read       a network read: park on the netpoller until the fd is ready
  yield          runtime.Gosched (goschedImpl: to the global run queue)
  compute        a long computation: runs until sysmon preempts it once
  spin           a loop with no preemption points, forever (asyncpreemptoff=1)
  loop, loop(k)  go back to the first op, or to op k (last op only; the G runs forever)
  exit           return from the goroutine (goexit0); implied at the end
"""

from dataclasses import dataclass

OP_SPAWN, OP_READY, OP_PARK, OP_SYSCALL, OP_SYSCALL_BLOCK, OP_NET_READ = range(6)
OP_YIELD, OP_COMPUTE, OP_SPIN, OP_LOOP, OP_EXIT = range(6, 11)

OP_NAMES = {
    OP_SPAWN: "spawn", OP_READY: "ready", OP_PARK: "park", OP_SYSCALL: "syscall",
    OP_SYSCALL_BLOCK: "syscall_block", OP_NET_READ: "net_read", OP_YIELD: "yield",
    OP_COMPUTE: "compute", OP_SPIN: "spin", OP_LOOP: "loop", OP_EXIT: "exit",
}
OP_CODES = {name: code for code, name in OP_NAMES.items()}
OP_CODES["go"] = OP_SPAWN
OPS_WITH_ARG = {OP_SPAWN, OP_READY}
OPS_WITH_OPTIONAL_ARG = {OP_LOOP}
TERMINAL_OPS = {OP_EXIT, OP_SPIN, OP_LOOP}


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


def parse_op(text: str) -> Op:
    raw = text.strip()
    name, arg = raw, None
    if "(" in raw:
        if not raw.endswith(")"):
            raise WorkloadError(f"op {raw!r} has an unclosed parenthesis")
        name, arg = raw[:-1].split("(", 1)
    elif " " in raw:
        name, arg = raw.split(None, 1)
    name = name.strip()
    if name not in OP_CODES:
        known = ", ".join(sorted(n for n in OP_CODES if n != "go"))
        raise WorkloadError(f"unknown op {name!r}; known ops are {known}")
    code = OP_CODES[name]
    if code in OPS_WITH_ARG:
        if arg is None or not arg.strip().lstrip("G").isdigit():
            raise WorkloadError(f"op {name} needs a goroutine number, as in {name}(1)")
        return Op(code, int(arg.strip().lstrip("G")))
    if code in OPS_WITH_OPTIONAL_ARG and arg is not None and arg.strip():
        if not arg.strip().isdigit():
            raise WorkloadError(f"op {name} takes an op number to go back to, as in {name}(2)")
        return Op(code, int(arg))
    if arg is not None and arg.strip():
        raise WorkloadError(f"op {name} takes no argument")
    return Op(code)


def _tokens(program_text: str) -> list[str]:
    """Split `spawn(1), syscall exit` or `go 1, syscall` into op texts."""
    tokens: list[str] = []
    for part in program_text.replace(",", " ").split():
        if part.isdigit() and tokens and OP_CODES.get(tokens[-1]) in OPS_WITH_ARG | OPS_WITH_OPTIONAL_ARG:
            tokens[-1] = f"{tokens[-1]}({part})"
        else:
            tokens.append(part)
    return tokens


def parse_program(text: str) -> Program:
    ops = [parse_op(tok) for tok in _tokens(text)]
    if not ops or ops[-1].code not in TERMINAL_OPS:
        ops.append(Op(OP_EXIT))
    return tuple(ops)


def parse_workload(spec: str | list[str]) -> tuple[Program, ...]:
    texts = spec.split(";") if isinstance(spec, str) else list(spec)
    if not texts or not any(t.strip() for t in texts):
        raise WorkloadError("the workload is empty; give at least one goroutine program")
    return tuple(parse_program(t) for t in texts)


def format_program(program: Program) -> str:
    return ", ".join(str(op) for op in program)


def format_workload(programs: tuple[Program, ...]) -> str:
    return "; ".join(format_program(p) for p in programs)


def validate_workload(programs: tuple[Program, ...]) -> None:
    """Raise WorkloadError unless every G is created once and every op can run."""
    ngs = len(programs)
    spawned_by: dict[int, int] = {}
    for g, program in enumerate(programs):
        for i, op in enumerate(program):
            if op.code in TERMINAL_OPS and i != len(program) - 1:
                raise WorkloadError(f"G{g}: ops after {op} can never run")
            if op.code in OPS_WITH_ARG and not 0 <= op.arg < ngs:
                raise WorkloadError(f"G{g}: {op} names a goroutine that does not exist (there are {ngs})")
            if op.code == OP_SPAWN:
                if op.arg == 0:
                    raise WorkloadError(f"G{g}: G0 is the main goroutine and is never spawned")
                if op.arg in spawned_by:
                    raise WorkloadError(f"G{op.arg} is spawned twice (by G{spawned_by[op.arg]} and G{g}); a goroutine is created once")
                spawned_by[op.arg] = g
            if op.code == OP_READY and not any(o.code == OP_PARK for o in programs[op.arg]):
                raise WorkloadError(f"G{g}: {op} readies G{op.arg}, whose program never parks")
        if program[-1].code == OP_LOOP:
            target = max(program[-1].arg, 0)
            if target >= len(program) - 1:
                raise WorkloadError(f"G{g}: {program[-1]} must go back to an earlier op, leaving something to repeat")
            if any(op.code == OP_SPAWN for op in program[target:]):
                raise WorkloadError(f"G{g}: spawn inside the loop would create a goroutine twice; loop back past it")
    for g in range(1, ngs):
        if g not in spawned_by:
            raise WorkloadError(f"G{g} is never spawned; add spawn({g}) to some goroutine's program")
    # Every G must descend from G0 (spawn forms a tree rooted at main).
    for g in range(1, ngs):
        seen, cur = set(), g
        while cur != 0:
            if cur in seen:
                raise WorkloadError(f"G{g} is only spawned from a cycle of goroutines that never starts")
            seen.add(cur)
            cur = spawned_by[cur]
