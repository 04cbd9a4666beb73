"""Where a trace comes from: a program directory (built and run here with
tracing on), a binary trace file, or a saved `go tool trace -d=parsed` dump.

The trace's Go version picks the protocol: Go 1.22-1.25 traces (header
`go 1.25 trace`) are the classic protocol; Go 1.26 and 1.27 write the
`go 1.26 trace` format and follow the modern protocol.
"""

from dataclasses import dataclass
from pathlib import Path

from . import events as ev
from . import runner, toolchain

DEFAULT_GO = "1.25"
DEFAULT_PROCS = 2


class ConformError(Exception):
    """Bad input for `conform`; the message is one sentence."""


@dataclass
class Source:
    path: str
    kind: str  # "program", "trace" or "dump"
    go: str  # the trace format's Go version ("1.25"; "1.26" for Go 1.26 and 1.27)
    toolchain: str  # the release that built / parsed it ("1.25.5")
    protocol: str  # "classic" or "modern"
    procs: int | None = None  # GOMAXPROCS it ran with, if run here
    run_seconds: float = 0.0
    trace_file: str = ""


def _go_option(go: str | None) -> str | None:
    if go is None:
        return None
    short = ".".join(go.split(".")[:2])
    if short not in toolchain.PINNED:
        raise ConformError(f"--go must be one of {', '.join(toolchain.PINNED)}, not {go!r}")
    return short


def tool_for(trace_go: str) -> str:
    return "1.25" if toolchain.protocol_of(trace_go) == "classic" else "1.27"


def obtain(path: str, go: str | None = None, procs: int | None = None, workdir: Path | None = None,
           log=None):
    """(Source, a context manager yielding the dump's lines) for a program
    directory, a binary trace or a saved dump."""
    p = Path(path)
    go = _go_option(go)
    if not p.exists():
        raise ConformError(f"{path} does not exist")
    if p.is_dir():
        version = go or DEFAULT_GO
        gobin = toolchain.find(version, log=log)
        n = procs or DEFAULT_PROCS
        binary = runner.build(p, gobin, workdir)
        trace_file = workdir / f"{p.name}.p{n}.trace"
        seconds = runner.run(binary, n, trace_file, gobin)
        trace_go = runner.trace_version(trace_file) or version
        src = Source(str(p), "program", trace_go, toolchain.release(version), toolchain.protocol_of(trace_go), n,
                     seconds, str(trace_file))
        return src, runner.dump_lines(trace_file, gobin)
    if procs is not None:
        raise ConformError("--procs applies to a program directory; a trace has the GOMAXPROCS it was run with")
    if runner.is_binary_trace(p):
        trace_go = runner.trace_version(p)
        if trace_go is None:
            raise ConformError(f"{path} starts like a Go trace but has no `go 1.N trace` header")
        if tuple(int(x) for x in trace_go.split(".")) < (1, 22):
            raise ConformError(f"{path} is a Go {trace_go} trace; only traces of Go 1.22 and later can be read")
        tool = tool_for(trace_go)
        if go and go != tool:
            raise ConformError(f"{path} is a go {trace_go} trace, read with Go {tool}, not --go {go}")
        gobin = toolchain.find(tool, log=log)
        src = Source(str(p), "trace", trace_go, toolchain.release(tool), toolchain.protocol_of(trace_go),
                     trace_file=str(p))
        return src, runner.dump_lines(p, gobin)
    try:
        with open(p, errors="replace") as f:
            head = [next(f, "") for _ in range(5)]
    except OSError as err:
        raise ConformError(f"cannot read {path}: {err.strerror}") from None
    trace_go = ev.header_version(head)
    if trace_go is None and not any(line.startswith("M=") for line in head):
        raise ConformError(f"{path} is neither a Go execution trace nor a `go tool trace -d=parsed` dump")
    if trace_go is None:
        if go is None:
            raise ConformError(f"{path} is a -d=parsed dump with no `# go 1.N trace` line; say which Go wrote it "
                               "with --go 1.25 or --go 1.27")
        trace_go = "1.25" if go == "1.25" else "1.26"
    src = Source(str(p), "dump", trace_go, toolchain.release(go or tool_for(trace_go)),
                 toolchain.protocol_of(trace_go), trace_file=str(p))

    class _File:
        def __enter__(self):
            self.f = open(p, errors="replace")
            return self.f

        def __exit__(self, *exc):
            self.f.close()

    return src, _File()
