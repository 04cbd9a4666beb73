"""Conformance with real Go execution traces: where the model's Go-trace side
(model/gotrace) meets the explorer's trace validation (explorer/conform.py).

    report = conform("tests/goprograms/chanpark", go="1.25", procs=2)
    report.verdict          # "accepted", "rejected", "limit" or "not checked"
    print(report.text())

Used by `gosched-mc conform`, scripts/conformance.py and tests/test_conform.py.
"""

import tempfile
import time
from pathlib import Path

from explorer.conform import WithoutActions, reachable, validate
from model.gotrace import events as ev
from model.gotrace import mapping, runner, toolchain
from model.gotrace.check import INPUT_ERRORS, Report, Spec, model_for
from model.mutants import MUTANTS
from model.gotrace.mapping import Unsupported
from model.gotrace.source import ConformError, obtain, tool_for

__all__ = ["INPUT_ERRORS", "conform", "add_arguments", "from_args"]
PRELUDE_LIMIT = 200_000  # model states the unobserved prelude may take


def conform(path: str, go: str | None = None, procs: int | None = None, mutant: str | None = None,
            without=(), keep: str | None = None, window: int | None = None, max_nodes: int | None = None,
            max_seconds: float | None = None, max_memory: float | None = None, against: str | None = None,
            log=None) -> Report:
    """Obtain the trace (running the program if path is a directory), map
    it to a model instance and validate it against the model of its
    protocol (classic for Go <= 1.25 traces, modern for Go >= 1.26). `without`
    removes actions from the model and `mutant` seeds a bug, to show a trace
    being rejected; `against` checks a trace against the other protocol's
    model anyway (a cross-check, not conformance).
    Raises model.gotrace.check.INPUT_ERRORS on bad input."""
    clock = time.perf_counter
    seconds = {}
    if against not in (None, "classic", "modern"):
        raise ConformError(f"--against must be classic or modern, not {against!r}")
    if mutant is not None and mutant not in MUTANTS:
        raise ConformError(f"no mutant named {mutant!r}; `gosched-mc mutants --list` lists them")
    with tempfile.TemporaryDirectory(prefix="gosched-mc-conform-") as tmp:
        workdir = Path(keep) if keep else Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        t0 = clock()
        src, dump = obtain(path, go, procs, workdir, log)
        seconds["run"] = src.run_seconds
        with dump as lines:
            try:
                events = list(ev.parse(lines, src.trace_file or path))
                inst = mapping.instantiate(events)
            except Unsupported as err:
                seconds["parse"] = clock() - t0 - src.run_seconds
                return Report(src, "not checked", str(err), seconds=seconds)
        seconds["parse"] = clock() - t0 - src.run_seconds
        if keep and src.kind == "program":
            trace = Path(src.trace_file)
            runner.save_dump(trace, toolchain.find(tool_for(src.go), install=False), trace.with_suffix(".txt"),
                             src.go)
    search = dict(mutant=mutant, without=without, against=against, window=window, max_nodes=max_nodes,
                  max_memory=max_memory)
    deadline = None if max_seconds is None else clock() + max_seconds
    report = _check(src, inst, dict(seconds), deadline=deadline, **search)
    # Where several sets of locked goroutines explain the hand-offs equally
    # (rule "locked thread"), the trace is accepted if one of them explains
    # it, and rejected only if every one is; --max-seconds covers them all,
    # --max-nodes and the prelude's limit apply to each.
    tried = [report]
    spent = ""
    for k in range(1, len(inst.readings)):
        if report.verdict == "accepted":
            break
        if deadline is not None and clock() >= deadline:
            spent = f"the limit of {max_seconds:g} s, spent before reading {k + 1} of {len(inst.readings)}"
            break
        try:
            other = _check(src, mapping.instantiate(events, k), dict(seconds), deadline=deadline, **search)
        except Unsupported:
            continue
        tried.append(other)
        if other.verdict == "accepted":
            report = other
    if report.verdict != "accepted":
        # No reading explains it: a limit or an unchecked reading leaves the
        # answer open; only rejections by all of them reject it.
        report = next((r for r in tried if r.verdict in ("limit", "not checked")), report)
        if spent and report.verdict == "rejected":
            report.verdict, report.reason = "limit", f"the search stopped at {spent}"
        elif inst.readings_cut and report.verdict == "rejected":
            report.verdict = "limit"  # readings past the first MAX_READINGS were not tried
            report.reason = f"the first {mapping.MAX_READINGS} readings of which goroutines are locked are rejected; " \
                            "more explain the hand-offs equally and were not tried"
    report.readings = [(r.instance.readings[r.instance.reading], r.verdict,
                        r.validation.first_unexplained if r.validation is not None else None) for r in tried]
    report.seconds["search"] = sum(r.seconds.get("search", 0) for r in tried)
    report.seconds["prelude"] = sum(r.seconds.get("prelude", 0) for r in tried)
    return report


def _check(src, inst, seconds, mutant, without, against, window, max_nodes, max_memory, deadline) -> Report:
    """Validate the trace's instance (one reading of it) against the model."""
    clock = time.perf_counter
    max_seconds = None if deadline is None else max(0.0, deadline - clock())
    report = Report(src, "not checked", instance=inst, seconds=seconds)
    protocol = against or src.protocol
    try:
        base = model_for(inst, mutant, protocol)
    except Unsupported as err:
        report.reason = str(err)
        return report
    machine = base
    if without:
        try:
            machine = WithoutActions(base, without)
        except ValueError as err:
            raise ConformError(str(err)) from None
    report.model = _model_text(inst, base, mutant, without, src.protocol, protocol)
    spec = report.spec = Spec(base, inst)

    kwargs = {"window": window} if window else {}
    t1 = clock()
    try:
        found, report.prelude_states = reachable(machine, machine.init_states(), spec.prelude_within,
                                                 spec.prelude_done, PRELUDE_LIMIT)
    except OverflowError as err:
        seconds["prelude"] = clock() - t1
        return _bounded_preludes(report, machine, spec, inst, f"the prelude before the trace's first event has {err}",
                                 dict(max_nodes=max_nodes, max_seconds=max_seconds, max_memory_mb=max_memory,
                                      **kwargs))
    starts = list(dict.fromkeys(machine.canonical(v) for s in found for v in spec.start_variants(s)))
    seconds["prelude"] = clock() - t1
    if not starts:
        report.verdict = "rejected"
        report.reason = "no run of the model reaches the trace's first observation (the prelude finds none)"
        return report

    t2 = clock()
    result = validate(machine, spec, inst.checked, starts, max_nodes=max_nodes, max_seconds=max_seconds,
                      max_memory_mb=max_memory, label_text=spec.label_text, **kwargs)
    seconds["search"] = clock() - t2
    report.validation = result
    if result.accepted:
        report.verdict = "accepted"
    elif not result.complete:
        report.verdict, report.reason = "limit", f"the search stopped at {result.stopped_by}"
    else:
        report.verdict = "rejected"
    return report


def _bounded_preludes(report, machine, spec, inst, overflow: str, search: dict):
    """The whole prelude is past its limit: try its runs with at most k
    threads active at once (k = 2, 3, ...: Spec.prelude_within_threads)
    until one explains the trace, or that prelude is past the limit too.
    Its start states are states of the model, so an explaining run is a
    run of the model and the trace is accepted; a failure only says that
    these runs do not explain it, so the verdict stays a limit."""
    seconds = report.seconds
    report.verdict, report.reason, report.prelude_limit = "limit", overflow, PRELUDE_LIMIT
    for k in range(2, machine.L.nm + 1):
        t1 = time.perf_counter()
        try:
            found, states = reachable(machine, machine.init_states(), spec.prelude_within_threads(k),
                                      spec.prelude_done, PRELUDE_LIMIT)
        except OverflowError:
            break
        seconds["prelude"] = seconds.get("prelude", 0) + time.perf_counter() - t1
        starts = list(dict.fromkeys(machine.canonical(v) for s in found for v in spec.start_variants(s)))
        if not starts:
            continue
        t2 = time.perf_counter()
        result = validate(machine, spec, inst.checked, starts, label_text=spec.label_text, **search)
        seconds["search"] = seconds.get("search", 0) + time.perf_counter() - t2
        report.validation, report.prelude_states, report.prelude_threads = result, states, k
        if result.accepted:
            report.verdict, report.reason = "accepted", ""
            return report
        if not result.complete:
            report.reason = f"{overflow}; from its runs with at most {k} threads active at once the search stopped " \
                            f"at {result.stopped_by}"
            return report
        report.reason = (f"{overflow}; from its runs with at most {k} threads active at once no run explains "
                         f"checked event {result.explained + 1}")
    return report


def _model_text(inst, machine, mutant, without, trace_protocol, protocol) -> str:
    cross = f" (a cross-check: the trace follows the {trace_protocol} protocol)" if protocol != trace_protocol else ""
    return (f"{len(inst.programs)} goroutines, GOMAXPROCS={inst.gomaxprocs}, up to {machine.L.nm} Ms, "
            f"{protocol} protocol{cross}" + (f", mutant {mutant}" if mutant else "")
            + (f", without {', '.join(without)}" if without else ""))


def add_arguments(parser) -> None:
    """The `conform` subcommand's own flags."""
    parser.add_argument("input", metavar="PROGRAM_DIR_OR_TRACE",
                        help="a Go program directory (built and run here, writing its trace to $GOSCHED_MC_TRACE), "
                             "a binary execution trace, or a saved `go tool trace -d=parsed` dump")
    parser.add_argument("--go", metavar="VERSION", help="the Go toolchain for a program: 1.25 (default; classic "
                        "protocol) or 1.27 (modern protocol); for a trace, what must have written it")
    parser.add_argument("--procs", type=int, metavar="N", help="GOMAXPROCS to run a program with (default 2)")
    parser.add_argument("--mutant", metavar="NAME", help="check against the model with this seeded bug")
    parser.add_argument("--without", action="append", default=[], metavar="ACTION",
                        help="check against the model with this action removed (repeatable)")
    parser.add_argument("--against", choices=("classic", "modern"),
                        help="check the trace against this protocol's model instead of its own (a cross-check)")
    parser.add_argument("--keep", metavar="DIR", help="keep the program's trace and its dump in DIR")
    parser.add_argument("--window", type=int, metavar="N",
                        help="how far ahead of the first unexplained event a step may explain (default 6; a run of "
                             "events the trace reader held back, and the event it waited for, may go further)")
    parser.add_argument("--max-nodes", type=int, metavar="N", help="stop the search after N (state, position) nodes")
    parser.add_argument("--max-seconds", type=float, metavar="S", help="stop the search after S seconds")
    parser.add_argument("--max-memory", type=float, metavar="MB",
                        help="stop the search when this process's resident memory reaches MB megabytes")
    parser.add_argument("--detail", action="store_true", help="print the programs and the whole explaining run")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def from_args(args, log=None) -> Report:
    if args.procs is not None and not 1 <= args.procs <= 256:
        raise ConformError(f"--procs must be from 1 to 256, not {args.procs}")
    for flag, value in (("--window", args.window), ("--max-nodes", args.max_nodes), ("--max-seconds", args.max_seconds),
                        ("--max-memory", args.max_memory)):
        if value is not None and not value > 0:
            raise ConformError(f"{flag} must be more than 0, not {value}")
    return conform(args.input, go=args.go, procs=args.procs, mutant=args.mutant, without=tuple(args.without),
                   keep=args.keep, window=args.window, max_nodes=args.max_nodes, max_seconds=args.max_seconds,
                   max_memory=args.max_memory, against=args.against, log=log)
