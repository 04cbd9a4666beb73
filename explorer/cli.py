"""The `gosched-mc` command (also `python -m explorer`).

Exit status: 0 every property holds, 1 a property is violated (or a trace
does not replay), 2 bad input, 3 a limit stopped the search first.
"""

import argparse
import json
import os
import sys

from .plugins import PluginError, load_plugin
from .progress import Progress
from .replay import BadTraceFile, ReplayMismatch, load, replay
from .search import Limits, explore
from .spec import DEADLOCK
from .trace import Trace, TraceError, concretize, render_text, save, to_json
from . import output

EXIT_OK, EXIT_VIOLATED, EXIT_BAD_INPUT, EXIT_LIMIT = 0, 1, 2, 3
PROG = "gosched-mc"


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit status 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text} must be more than 0")
    return value


def default_workers() -> int:
    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


def _add_limits(p) -> None:
    g = p.add_argument_group("limits (the search stops cleanly, with its statistics so far, exit status 3)")
    g.add_argument("--max-states", type=_positive_int, metavar="N", help="stop after N distinct states")
    g.add_argument("--max-seconds", type=_positive_float, metavar="S", help="stop after S seconds")
    g.add_argument("--max-memory", type=_positive_float, metavar="MB", help="stop when the process uses MB megabytes")


def build_parser(plugin) -> Parser:
    parser = Parser(prog=PROG, description=f"Explicit-state model checker for {plugin.title}.")
    sub = parser.add_subparsers(dest="command", parser_class=Parser)

    check = sub.add_parser("check", help="explore every reachable state and check the properties")
    plugin.add_config_arguments(check)
    check.add_argument("--property", action="append", metavar="NAME",
                       help="check only this property (repeatable); default: all")
    check.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    check.add_argument("--trace-out", metavar="FILE", help="save the counterexample as JSON (for `replay`)")
    check.add_argument("--format", choices=("text", "json", "markdown"), default="text",
                       help="how to print a counterexample (default: text)")
    check.add_argument("--detail", action="store_true", help="print every P, M and G in each trace step")
    check.add_argument("--all-violations", action="store_true",
                       help="keep exploring after a violation, to find the shortest counterexample of every property")
    check.add_argument("--no-symmetry", action="store_true", help="do not merge states that differ only in M numbering")
    check.add_argument("--coverage", action="store_true", help="print how often each action fired")
    check.add_argument("--quiet", action="store_true", help="no progress display")
    check.add_argument("--workers", type=_positive_int, metavar="N", default=default_workers(),
                       help=f"processes that expand states (default: {default_workers()}, the CPUs here); "
                            "results do not depend on it")
    _add_limits(check)

    sub.add_parser("presets", help="list the named configurations")

    rp = sub.add_parser("replay", help="re-execute a saved trace step by step against the model")
    rp.add_argument("file", help="a trace saved by `check --trace-out`")
    rp.add_argument("--format", choices=("text", "markdown"), default="text")
    rp.add_argument("--detail", action="store_true")
    rp.add_argument("--quiet", action="store_true", help="print only the verdict")
    return parser


def _select(invariants, names):
    known = [inv.name for inv in invariants] + [DEADLOCK]
    if not names:
        return invariants, True
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UsageError(f"unknown property {unknown[0]!r}; known properties: {', '.join(known)}")
    return [inv for inv in invariants if inv.name in names], DEADLOCK in names


def cmd_check(plugin, args) -> int:
    config = plugin.config_from_args(args)
    machine, invariants = plugin.build(config)
    selected, deadlock = _select(invariants, args.property)
    names = [inv.name for inv in selected] + ([DEADLOCK] if deadlock else [])
    limits = Limits(args.max_states, args.max_seconds, args.max_memory)
    show_progress = not args.quiet and sys.stderr.isatty()
    symmetry = not args.no_symmetry
    result = explore(machine, selected, check_deadlock=deadlock, symmetry=symmetry, limits=limits,
                     stop_at_first=not args.all_violations, progress=Progress(show_progress), workers=args.workers)
    traces = []
    for v in result.violations:
        steps = concretize(machine, v.path, symmetry)
        traces.append(Trace(steps=steps, property=v.property, message=v.message, kind="safety",
                            config=config.to_dict(), model=plugin.name))
    if args.trace_out and traces:
        save(args.trace_out, to_json(machine, traces[0]))
    actions = machine.actions()
    if args.json:
        print(json.dumps(output.result_json(result, config.to_dict(), names, [(t, machine) for t in traces], actions),
                         indent=1))
    else:
        c = config.to_dict()
        print(f"{PROG} check: {c['name']} ({c['protocol']} protocol){'  mutant: ' + c['mutant'] if c['mutant'] else ''}")
        print(f"  GOMAXPROCS={c['procs']} threads<={c['threads']} runq={c['runq']} goroutines={c['goroutines']}")
        print(f"  workload: {c['workload']}")
        print(f"  properties: {', '.join(names)}")
        for t in traces:
            print()
            print(f"Counterexample for {t.property} ({t.length} steps):")
            if args.format == "json":
                print(json.dumps(to_json(machine, t), indent=1))
            else:
                print(output.trace_text(machine, t, args.format, args.detail))
        print()
        print("\n".join(output.summary_lines(result, names, actions)))
        if args.coverage:
            print("\n".join(output.coverage_lines(result, actions)))
        if args.trace_out and traces:
            print(f"Counterexample saved to {args.trace_out}; re-check it with `{PROG} replay {args.trace_out}`.")
    if result.violations:
        return EXIT_VIOLATED
    return EXIT_OK if result.complete else EXIT_LIMIT


def cmd_presets(plugin, args) -> int:
    for name, about, config in plugin.presets():
        c = config.to_dict()
        print(f"{name:<10} GOMAXPROCS={c['procs']} threads<={c['threads']} runq={c['runq']}  {about}")
        print(f"{'':<10} workload: {c['workload']}")
    return EXIT_OK


def cmd_replay(plugin, args) -> int:
    data = load(args.file)
    try:
        config = plugin.config_from_dict(data["config"])
    except plugin.config_error as err:
        raise BadTraceFile(f"{args.file}: its configuration does not validate: {err}") from None
    machine, _ = plugin.build(config)
    try:
        trace = replay(machine, data, set(machine.actions()))
    except ReplayMismatch as err:
        print(f"{PROG} replay: {args.file} does not replay: {err}")
        return EXIT_VIOLATED
    if not args.quiet:
        print(render_text(machine, trace, detail=args.detail, markdown=args.format == "markdown"))
    what = "cycle closes" if trace.loop_start is not None else "every step replays"
    print(f"{PROG} replay: {args.file}: {what} ({trace.length} steps).")
    return EXIT_OK


COMMANDS = {"check": cmd_check, "presets": cmd_presets, "replay": cmd_replay}


def main(argv=None) -> int:
    try:
        plugin = load_plugin()
    except PluginError as err:
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    parser = build_parser(plugin)
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv = ["check"] + argv  # `gosched-mc` alone checks the default configuration
    try:
        args = parser.parse_args(argv)
        return COMMANDS[args.command](plugin, args)
    except (UsageError, BadTraceFile, plugin.config_error) as err:
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except TraceError as err:
        print(f"{PROG}: internal error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_LIMIT
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
