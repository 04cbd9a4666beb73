"""Building and running a Go program with tracing on, and dumping a trace.

A program is a directory of Go files (package main, standard library only).
It writes its execution trace itself, to the file named by the environment
variable GOSCHED_MC_TRACE (runtime/trace.Start ... trace.Stop), so it traces
exactly the part it means to. It runs with GOMAXPROCS set and GOGC=off: the
model has no garbage collector or stop-the-world, so programs are kept within
what it covers.
"""

import os
import re
import subprocess
from contextlib import contextmanager
from pathlib import Path

from .toolchain import go_env

TRACE_ENV = "GOSCHED_MC_TRACE"
RUN_TIMEOUT = 20  # seconds; the programs take milliseconds
_HEADER = re.compile(rb"go (1\.\d+) trace\x00")


class RunError(Exception):
    """A program that does not build, run or trace; the message is one sentence."""


def _first_error(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip() and not ln.startswith("#")]
    return lines[0] if lines else "no output"


def build(program_dir: Path, go: Path, out_dir: Path) -> Path:
    sources = sorted(str(p.resolve()) for p in program_dir.glob("*.go") if not p.name.endswith("_test.go"))
    if not sources:
        raise RunError(f"{program_dir} has no .go files")
    binary = out_dir / (program_dir.name or "program")
    proc = subprocess.run([str(go), "build", "-o", str(binary), *sources], env=go_env(go), cwd=program_dir,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RunError(f"{program_dir} does not build: {_first_error(proc.stderr)}")
    return binary


def run(binary: Path, procs: int, trace_path: Path, go: Path) -> float:
    """Run the program with GOMAXPROCS=procs, tracing into trace_path;
    return its wall-clock seconds."""
    import time
    env = go_env(go)
    env.update(GOMAXPROCS=str(procs), GOGC="off", **{TRACE_ENV: str(trace_path)})
    start = time.perf_counter()
    try:
        proc = subprocess.run([str(binary)], env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise RunError(f"{binary.name} did not finish within {RUN_TIMEOUT} s") from None
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RunError(f"{binary.name} exited with status {proc.returncode}: {_first_error(proc.stderr)}")
    if not trace_path.is_file() or trace_path.stat().st_size == 0:
        raise RunError(f"{binary.name} wrote no trace: it must call runtime/trace.Start on the file ${TRACE_ENV} names")
    return seconds


def trace_version(path: Path) -> str | None:
    """'1.25' from a binary trace's header (`go 1.25 trace`); None if the
    file is not a binary trace (e.g. a -d=parsed dump)."""
    with open(path, "rb") as f:
        head = f.read(16)
    m = _HEADER.match(head)
    return m.group(1).decode() if m else None


def is_binary_trace(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(3) == b"go "


@contextmanager
def dump_lines(trace_path: Path, go: Path):
    """The lines of `go tool trace -d=parsed TRACE`, streamed (the dump is
    about 400 bytes per event, most of it stacks). Raises RunError if the
    tool fails, e.g. on a corrupt trace."""
    proc = subprocess.Popen([str(go), "tool", "trace", "-d=parsed", str(trace_path)], env=go_env(go),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1 << 16)
    failed = []

    def lines():
        yield from proc.stdout
        proc.stdout.close()
        err = proc.stderr.read()
        if proc.wait() != 0:
            failed.append(err)
            raise RunError(f"`go tool trace` cannot read {trace_path}: {_first_error(err)}")

    try:
        yield lines()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream and not stream.closed:
                stream.close()


def save_dump(trace_path: Path, go: Path, out: Path, version: str) -> None:
    """Write the dump without stacks, headed by `# go <version> trace`."""
    with dump_lines(trace_path, go) as lines, open(out, "w") as f:
        f.write(f"# go {version} trace (go tool trace -d=parsed, stacks removed)\n")
        for line in lines:
            if line.startswith("M="):
                f.write(line)
    os.utime(out)
