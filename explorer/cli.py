"""The `gosched-mc` command (also `python -m explorer`).

Exit status:
  0   every property holds and the search is complete
  1   a property is violated (or a saved trace no longer replays)
  2   bad input: a flag, workload, configuration file, trace file or output
      path that cannot be used (one sentence on stderr, before any search
      where it can be known before)
  3   a limit (--max-states, --max-seconds, --max-memory) or Ctrl-C stopped
      the search first; the statistics so far are printed
  4   every property holds, but only within a bound (e.g. the thread limit)
  70  internal error (EX_SOFTWARE): a bug in gosched-mc, reported in one
      sentence; `--debug` shows the traceback

A crash never exits 1, so a CI job can tell a bug found in the model from a
bug in the checker.
"""

import argparse
import importlib.metadata
import errno
import json
import os
import sys
import traceback

from . import atomic, explain, graph, guard, inputs, output, userprops
from .killtable import check_mutant, format_table
from .observer import find_witness
from .plugins import PluginError, liveness_of, load_plugin
from .progress import Progress
from .replay import ReplayMismatch, replay_fixed, verify_file
from .limits import Limits, install_signal_handlers, restore_signal_handlers, save_signal_handlers
from .search import explore
from .suggest import did_you_mean
from .spec import DEADLOCK, MODEL_ERROR
from .shown import shown_graph
from .trace import Spurious, Trace, lasso_message, render_text, run_config, save, shown_run, to_json
from .tracefile import BadTraceFile
from .verdict import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_LIMIT, EXIT_OK, EXIT_VIOLATED, bound_phrase, judge
from .verify import lasso_trace, verify
from . import symbolic_cli, view_cli

PROG = "gosched-mc"


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit status 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def version() -> str:
    try:
        return importlib.metadata.version("gosched-mc")
    except importlib.metadata.PackageNotFoundError:
        return "(not installed)"


def default_workers() -> int:
    return min(4, inputs.available_cpus())


def _limits(args) -> Limits:
    """A fresh Limits from --max-states/--max-seconds/--max-memory (each run its own clock)."""
    return Limits(args.max_states, args.max_seconds, args.max_memory)


def _add_limits(p) -> None:
    g = p.add_argument_group("limits (the search stops cleanly, with its statistics so far, exit status 3)")
    g.add_argument("--max-states", type=inputs.positive_int, metavar="N", help="stop after N distinct states")
    g.add_argument("--max-seconds", type=inputs.positive_float, metavar="S", help="stop after S seconds")
    g.add_argument("--max-memory", type=inputs.positive_float, metavar="MB",
                   help="stop when the process uses MB megabytes")


def _add_workers(p, what: str = "processes that expand states") -> None:
    cpus = inputs.available_cpus()
    p.add_argument("--workers", type=inputs.worker_count, metavar="N", default=default_workers(),
                   help=f"{what} (default: {default_workers()}; at most the {cpus} CPUs available here unless "
                        "--force-workers); results do not depend on it")
    p.add_argument("--force-workers", action="store_true",
                   help="use --workers N even if N is more than the CPUs available")


def _add_config_arguments(plugin, p) -> None:
    """The plugin's configuration flags; their names are remembered (as
    args.config_dests) so a command can tell whether any was given."""
    before = {a.dest for a in p._actions}
    plugin.add_config_arguments(p)
    p.set_defaults(config_dests=tuple(a.dest for a in p._actions if a.dest not in before))


def build_parser(plugin) -> Parser:
    parser = Parser(prog=PROG, description=f"Explicit-state model checker for {plugin.title}.",
                    epilog="Exit status: 0 every property holds, 1 a property is violated, 2 bad input, "
                           "3 a limit stopped the search, 4 holds within a bound only, 70 internal error.")
    parser.add_argument("--debug", action="store_true",
                        help="show the Python traceback of an internal error (for a bug report); any position")
    parser.add_argument("--version", action="version", version=f"{PROG} {version()}",
                        help="print the version and exit")
    sub = parser.add_subparsers(dest="command", parser_class=Parser)

    check = sub.add_parser("check", help="explore every reachable state and check the properties")
    _add_config_arguments(plugin, check)
    check.add_argument("--property", action="append", metavar="NAME",
                       help="check only this property (repeatable); default: all")
    check.add_argument("--properties", metavar="FILE.py",
                       help="add your own invariants and liveness properties from a Python file defining INVARIANTS "
                            "= {name: check(fields)} and/or LIVENESS = {name: (p(fields), q(fields))} "
                            "(explorer/userprops.py)")
    check.add_argument("--json", action="store_true",
                       help="print one JSON object instead of text (explorer/schema/check-result.schema.json)")
    check.add_argument("--trace-out", metavar="FILE", help="save the counterexample as JSON (for `replay`)")
    check.add_argument("--format", choices=("text", "json", "markdown"), default="text",
                       help="text (default), markdown (for a code review), or json (the same as --json)")
    check.add_argument("--detail", action="store_true", help="print every P, M and G in each trace step")
    view_cli.add_html_option(check)
    check.add_argument("--all-violations", action="store_true",
                       help="keep exploring after a violation, to find the shortest counterexample of every property")
    check.add_argument("--no-symmetry", action="store_true",
                       help="do not merge states that differ only in M numbering (with --threads N)")
    check.add_argument("--exact", action="store_true",
                       help="keep every state as well as its fingerprint, and check that no two states share one")
    check.add_argument("--coverage", action="store_true", help="print how often each action fired")
    check.add_argument("--quiet", action="store_true", help="no progress display")
    check.add_argument("--no-liveness", action="store_true", help="check only the safety properties")
    check.add_argument("--no-fairness", action="append", metavar="CLASS", default=[],
                       choices=sorted(getattr(plugin, "fairness_classes", lambda: {})()),
                       help="drop a fairness assumption for the liveness check (repeatable): "
                            + "; ".join(f"{k}: {v}" for k, v in getattr(plugin, "fairness_classes", lambda: {})().items()))
    _add_workers(check)
    _add_limits(check)

    sub.add_parser("presets", help="list the named configurations")

    if hasattr(plugin, "glossary"):
        ex = sub.add_parser("explain", help="what a counterexample's field means and the runtime name it abstracts "
                                            "(no FIELD: list them)")
        ex.add_argument("field", nargs="*", metavar="FIELD",
                        help="a field as a trace shows it (M3.hp, G1.flags, sched.runq), its last part (hp), a "
                             "schedtrace field (threads), a program counter's name, or `pcs`")
        ex.add_argument("--markdown", action="store_true", help="print the whole glossary as Markdown tables "
                                                                 "(the README's)")

    mu = sub.add_parser("mutants", help="check every seeded bug and print the kill table")
    _add_limits(mu)
    mu.add_argument("names", nargs="*", metavar="NAME", help="only these mutants")
    mu.add_argument("--list", action="store_true", help="list the mutants without checking them")
    mu.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    _add_workers(mu)

    gr = sub.add_parser("graph", help="export the explored state graph (DOT, GraphML, JSON, SVG), whole or projected")
    _add_config_arguments(plugin, gr)
    gr.add_argument("-o", "--output", required=True, metavar="FILE", help="where to write the graph")
    gr.add_argument("--format", choices=("dot", "graphml", "json", "svg"),
                    help="output format (default: from the file name's extension)")
    gr.add_argument("--project", metavar="KEY", help="merge states by a projection: "
                    + ", ".join(getattr(plugin, "projection_names", lambda: [])()))
    gr.add_argument("--highlight", metavar="TRACE", help="mark a saved trace's states and steps")
    gr.add_argument("--max-nodes", type=inputs.positive_int, metavar="N",
                    help=f"refuse bigger graphs (default: {DOT_LIMIT} for dot/svg, {DATA_LIMIT} for graphml/json)")
    gr.add_argument("--no-symmetry", action="store_true",
                    help="do not merge states that differ only in M numbering (with --threads N)")
    gr.add_argument("--quiet", action="store_true", help="no progress display")
    _add_workers(gr)
    _add_limits(gr)

    wi = sub.add_parser("witness", help="print the shortest run of a scenario (no NAME: list the scenarios)")
    _add_limits(wi)
    wi.add_argument("name", nargs="?", metavar="NAME", help="the scenario (no NAME: list them)")
    wi.add_argument("--workload", metavar="SPEC", help="look for the scenario in this workload instead of its preset's")
    wi.add_argument("--procs", type=inputs.positive_int, metavar="N", help="GOMAXPROCS instead of the preset's")
    wi.add_argument("--mutant", metavar="NAME", help="look for the scenario with a seeded bug")
    wi.add_argument("--json", action="store_true", help="print the witness as one JSON object (the --trace-out format)")
    wi.add_argument("--format", choices=("text", "json", "markdown"), default="text",
                    help="text, markdown (for a code review), or json (the same as --json)")
    wi.add_argument("--detail", action="store_true", help="print every P, M and G in each step")
    wi.add_argument("--trace-out", metavar="FILE", help="save the witness as JSON (for `replay`)")
    view_cli.add_html_option(wi)

    if hasattr(plugin, "add_conform_arguments"):
        co = sub.add_parser("conform", help="check an execution trace of a real program against the model "
                                            "(trace validation)")
        plugin.add_conform_arguments(co)

    rp = sub.add_parser("replay", help="re-execute a saved trace step by step against the model")
    rp.add_argument("file", help="a trace saved by `check --trace-out`")
    rp.add_argument("--format", choices=("text", "markdown"), default="text",
                    help="text, or markdown (for a code review)")
    rp.add_argument("--detail", action="store_true", help="print every P, M and G in each step")
    rp.add_argument("--quiet", action="store_true", help="print only the verdict")
    rp.add_argument("--model", choices=("saved", "fixed"), default="saved",
                    help="saved (default): the model the trace records; fixed: the same configuration without its "
                         "seeded bug, to show the step where the fix stops the run (exit 0 if it does)")
    view_cli.add_html_option(rp)
    view_cli.add_view_command(sub)
    symbolic_cli.add_commands(sub, plugin, _add_config_arguments)
    return parser


def _quoted(text: str) -> str:
    """A user's text in a message: quoted, escaped, cut short."""
    return repr(text if len(text) <= 40 else text[:40] + "...")


def _select(invariants, liveness, names):
    known = [inv.name for inv in invariants] + [DEADLOCK] + [p.name for p in liveness]
    if not names:
        return invariants, True, liveness
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UsageError(f"unknown property {_quoted(unknown[0])}{did_you_mean(unknown[0], known)}; "
                         f"known properties: {', '.join(known)}")
    return ([inv for inv in invariants if inv.name in names], DEADLOCK in names,
            [p for p in liveness if p.name in names])


def _check_outputs(args) -> None:
    """Every file the command will write is checked before any search starts."""
    if getattr(args, "trace_out", None) is not None:
        atomic.check_output_path(args.trace_out, "trace file")
    if getattr(args, "output", None) is not None:
        atomic.check_output_path(args.output, "graph file")


def _workers(args) -> int:
    return inputs.capped_workers(args.workers, args.force_workers)


def _trace_config(config: dict, no_fairness=()) -> dict:
    """The configuration a saved trace records: the run's, and the fairness
    classes the check did not assume (replay checks a lasso against them)."""
    return {**config, "no_fairness": sorted(set(no_fairness))}


def _lasso(machine, v, live, symmetry: bool, trace_config: dict, model: str) -> Trace:
    trace = lasso_trace(machine, v, live, symmetry, trace_config, model)
    trace.instance = live.lasso.instance
    trace.message = lasso_message(trace.instance, not live.lasso.cycle_edges, trace.unfair)
    return trace


def cmd_check(plugin, args) -> int:
    args.json = args.json or args.format == "json"  # --format json is the same as --json
    config = plugin.config_from_args(args)
    _check_outputs(args)
    machine, invariants = plugin.build(config)
    liveness_all = liveness_of(plugin, machine)
    user = ({}, {})
    if args.properties is not None:
        known = {inv.name for inv in invariants} | {p.name for p in liveness_all} | {DEADLOCK, MODEL_ERROR}
        user = userprops.load(args.properties, known)
        invariants = invariants + userprops.invariants_for(machine, user[0])
        liveness_all = liveness_all + userprops.liveness_for(machine, user[1])
    args.user_invariants = user[0]
    selected, deadlock, liveness = _select(invariants, liveness_all, args.property)
    names = [inv.name for inv in selected] + ([DEADLOCK] if deadlock else [])
    limits = Limits(args.max_states, args.max_seconds, args.max_memory)
    show_progress = not args.quiet and sys.stderr.isatty()
    symmetry = not args.no_symmetry
    c = config.to_dict()
    markdown = args.format == "markdown" and not args.json
    if not args.json and not markdown:
        _print_header(c, names, liveness)
    v = verify(machine, selected, liveness, check_liveness=not args.no_liveness, no_fairness=args.no_fairness,
               limits=limits, workers=_workers(args), progress=Progress(show_progress),
               stop_at_first=not args.all_violations, symmetry=symmetry, check_deadlock=deadlock,
               exact=args.exact)
    result = v.result
    traces, spurious = [], ""
    try:
        for viol in result.violations:
            shown, steps = shown_run(machine, viol.path, symmetry)
            traces.append(Trace(steps=steps, property=viol.property, kind="safety", model=plugin.name,
                                config=_trace_config(run_config(shown, steps, c), args.no_fairness),
                                machine=shown, message=_restate(plugin, shown, selected, viol, steps[-1].state,
                                                                args.user_invariants)))
        for live in v.liveness:
            if not live.holds:
                t = _lasso(machine, v, live, symmetry, c, plugin.name)
                t.config = _trace_config(run_config(t.machine, t.steps, c), args.no_fairness)
                traces.append(t)
    except Spurious as err:
        spurious = (f"the abstraction found a counterexample that the model itself cannot follow: {err}; "
                    f"rerun with a higher --cutoff, or with --threads N")
    verdict = judge(machine, v, spurious)
    within = bound_phrase(machine, result)
    actions = machine.actions()
    if args.json:
        data = output.result_json(machine, v, verdict, c, names, traces, actions)
        data.update(output.liveness_json(v, within))
        print(json.dumps(data, indent=1))
    elif markdown:
        print(output.markdown_report(c, names, liveness, traces, verdict, args.detail,
                                     output.summary_lines(machine, result, names, actions)
                                     + output.liveness_lines(v, getattr(plugin, "fairness_classes", lambda: {})(),
                                                             within)))
    else:
        for t in traces:
            print()
            kind = "Lasso" if t.kind == "liveness" else "Counterexample"
            print(f"{kind} for {t.property} ({t.length} steps"
                  + (f", {t.config['threads']} threads" if c["threads"] == "unbounded" else "") + "):")
            print(output.trace_text(t.machine, t, args.format, args.detail))
        print()
        print("\n".join(output.summary_lines(machine, result, names, actions)))
        print("\n".join(output.liveness_lines(v, getattr(plugin, "fairness_classes", lambda: {})(), within)))
        print(f"Verdict: {verdict.text}.")
        if args.coverage:
            print("\n".join(output.coverage_lines(result, actions)))
    if args.trace_out is not None and traces:
        sys.stdout.flush()  # the results first: a failed save must not hide them
        _save_traces(args, traces, quiet=args.json or markdown)
    if args.html:
        view_cli.write_first(plugin, traces[0].machine if traces else machine, traces, args.html)
    return verdict.exit_code


def trace_paths(path: str, n: int) -> list[str]:
    """Where `--trace-out FILE` saves n traces: FILE, then FILE's stem .2, .3, ... (t.json, t.2.json, ...)."""
    root, ext = os.path.splitext(path)
    return [path] + [f"{root}.{i}{ext}" for i in range(2, n + 1)]


def _save_traces(args, traces, quiet: bool = False) -> None:
    """Every counterexample and lasso found (several with --all-violations), each in its own file, saying
    which is which; a model error is no property `replay` can re-check, so it has none."""
    saved = [t for t in traces if t.property != MODEL_ERROR]
    skipped = len(traces) - len(saved)
    if skipped and not quiet:
        print(f"{PROG}: a model error (a step the model could not take) is not a property `replay` can "
              "re-check: it has no trace file.")
    if not saved:
        if not quiet:
            print(f"{PROG}: {args.trace_out} was not written.")
        return
    paths = trace_paths(args.trace_out, len(saved))
    for t, path in zip(saved, paths):
        save(path, to_json(t.machine, t))
    if quiet:
        return
    if len(saved) == 1:
        print(f"Counterexample saved to {paths[0]}; re-check it with `{PROG} replay {paths[0]}`.")
        return
    print(f"{len(saved)} traces saved (re-check each with `{PROG} replay FILE`):")
    for t, path in zip(saved, paths):
        what = "lasso" if t.kind == "liveness" else "counterexample"
        print(f"  {path}: {what} for {t.property} ({t.length} steps)")


def _print_header(c: dict, names: list, liveness: list) -> None:
    """What is being checked, printed before the search starts."""
    threads = f"<={c['threads']}" if c["threads"] != "unbounded" else f"unbounded (cutoff {c['cutoff']})"
    print(f"{PROG} check: {c['name']} ({c['protocol']} protocol){'  mutant: ' + c['mutant'] if c['mutant'] else ''}")
    print(f"  GOMAXPROCS={c['procs']} threads={threads} runq={c['runq']} goroutines={c['goroutines']}")
    print(f"  workload: {c['workload']}")
    print(f"  safety: {', '.join(names) or '(none)'}")
    if liveness:
        print(f"  liveness: {', '.join(p.name for p in liveness)}")
    sys.stdout.flush()


def _restate(plugin, shown, invariants, viol, concrete, user_invariants=None) -> str:
    """The violation's message in the shown run's own thread numbers (the
    search found it on a renamed, canonical or abstract state)."""
    if viol.property == DEADLOCK:
        return shown.terminal(concrete)[1]
    if viol.property == MODEL_ERROR:
        return viol.message
    invs = plugin.invariants_of(shown) if hasattr(plugin, "invariants_of") else invariants
    invs = list(invs) + userprops.invariants_for(shown, user_invariants or {})
    inv = next(i for i in invs if i.name == viol.property)
    return inv.check(concrete) or viol.message


def cmd_presets(plugin, args) -> int:
    for name, about, config in plugin.presets():
        c = config.to_dict()
        print(f"{name:<10} GOMAXPROCS={c['procs']} threads<={c['threads']} runq={c['runq']}  {about}")
        print(f"{'':<10} workload: {c['workload']}")
    return EXIT_OK


def cmd_explain(plugin, args) -> int:
    entries = plugin.glossary()
    if args.markdown:
        print(explain.markdown(entries))
    elif not args.field:
        print(explain.listing(entries))
    else:
        print(explain.text(explain.lookup(entries, " ".join(args.field))))
    return EXIT_OK


def cmd_replay_fixed(plugin, args) -> int:
    """A mutant's trace on the unmutated model: exit 0 if the fixed model stops following it (or it no longer
    violates its property), 1 if the fixed model reproduces the violation too."""
    r = replay_fixed(plugin, args.file)
    if not args.quiet and r.steps:
        print(render_text(r.machine, Trace(steps=r.steps), detail=args.detail, markdown=args.format == "markdown"))
    if r.stop_step is not None:
        print(f"{PROG} replay --model fixed: {args.file}: without the seeded bug {r.mutant}, the run stops at step "
              f"{r.stop_step} of {r.length}: {r.stop_reason.removeprefix(f'step {r.stop_step}: ')}.")
        return EXIT_OK
    print(f"{PROG} replay --model fixed: {args.file}: without the seeded bug {r.mutant}, {r.stop_reason}.")
    return EXIT_VIOLATED if r.still_violated else EXIT_OK


def cmd_replay(plugin, args) -> int:
    if args.model == "fixed":
        return cmd_replay_fixed(plugin, args)
    try:
        _, machine, trace = verify_file(plugin, args.file)
    except ReplayMismatch as err:
        print(f"{PROG} replay: {args.file} does not replay: {err}")
        return EXIT_VIOLATED
    if args.html:
        view_cli.write_trace(plugin, machine, trace, args.html)
    if not args.quiet:
        print(render_text(machine, trace, detail=args.detail, markdown=args.format == "markdown"))
    if trace.loop_start is None:
        what = "every step replays"
    elif trace.cycle_length:
        what = f"every step replays and the cycle closes (back to step {trace.loop_start})"
    else:
        what = "every step replays and the last state has no fair step (a stutter)"
    claim = {"safety": "its last state violates", "witness": "it completes",
             "liveness": "it violates"}[trace.kind]
    line = f"{args.file}: {what} ({trace.length} steps); {claim} {trace.property}."
    print(f"\n**{PROG} replay**: {line}" if args.format == "markdown" else f"{PROG} replay: {line}")
    return EXIT_OK


def cmd_mutants(plugin, args) -> int:
    catalogue = plugin.mutants()
    known = {m["name"] for m in catalogue}
    unknown = [n for n in args.names if n not in known]
    if unknown:
        raise UsageError(f"no mutant named {_quoted(unknown[0])}{did_you_mean(unknown[0], known)}; "
                         f"`{PROG} mutants --list` lists them")
    chosen = [m for m in catalogue if not args.names or m["name"] in args.names]
    if args.list:
        if args.json:
            print(json.dumps(chosen, indent=1))
        else:
            for m in chosen:
                print(f"{m['name']:<34} {m['kind']:<8} preset {m['preset']:<9} {m['change']}")
                print(f"{'':<34} grounding: {m['grounding']}")
        return EXIT_OK
    rows = []
    if not args.json:
        print(format_table([])[0], flush=True)
    for m in chosen:
        rows.append(check_mutant(plugin, m, workers=_workers(args), limits=_limits(args)))
        if not args.json:
            print(format_table(rows[-1:])[1], flush=True)  # one row at a time: runs can take a while
        if rows[-1].stop_reason and "interrupted" in rows[-1].stop_reason:
            print(f"{PROG} mutants: interrupted during {m['name']}; the table so far is above", file=sys.stderr)
            return EXIT_LIMIT
    if args.json:
        print(json.dumps([r.to_json() for r in rows], indent=1))
    else:
        print(format_table(rows)[-1])
    if all(r.killed for r in rows):
        return EXIT_OK
    return EXIT_VIOLATED if any(not r.killed and not r.stop_reason for r in rows) else EXIT_LIMIT


def cmd_witness(plugin, args) -> int:
    scenarios = plugin.witnesses()
    if not args.name:
        for sc in scenarios:
            print(f"{sc.name:<28} (preset {sc.preset}) {sc.doc}")
        return EXIT_OK
    by_name = {sc.name: sc for sc in scenarios}
    if args.name not in by_name:
        raise UsageError(f"no scenario named {_quoted(args.name)}{did_you_mean(args.name, by_name)}; "
                         f"`{PROG} witness` lists them")
    _check_outputs(args)
    sc = by_name[args.name]
    overrides = {"workload": args.workload, "procs": args.procs, "mutant": args.mutant}
    config = plugin.witness_config(sc, overrides) if any(v is not None for v in overrides.values()) \
        else plugin.witness_config(sc)
    machine, _ = plugin.build(config)
    trace, result = find_witness(machine, sc, _limits(args))
    if trace is None and not result.complete:
        print(f"{PROG} witness: the search stopped before finding {sc.name}: {result.stop_reason} "
              f"({result.states:,} states explored)")
        return EXIT_LIMIT
    if trace is None:
        print(f"{PROG} witness: {sc.name} is not reachable in {config.name} ({result.states:,} states explored)")
        return EXIT_VIOLATED
    trace.config, trace.model = _trace_config(config.to_dict()), plugin.name
    if args.json or args.format == "json":
        print(json.dumps(to_json(machine, trace), indent=1))
    else:
        print(f"{PROG} witness: {sc.name} on {'preset ' + sc.preset if config.name == sc.preset else config.name}: "
              f"{trace.length} steps (shortest)")
        print(output.trace_text(machine, trace, args.format, args.detail))
    if args.trace_out is not None:
        sys.stdout.flush()
        save(args.trace_out, to_json(machine, trace))
    if args.html:
        view_cli.write_trace(plugin, machine, trace, args.html)
    return EXIT_OK


DOT_LIMIT = 2000
DATA_LIMIT = 300_000


def cmd_graph(plugin, args) -> int:
    fmt = args.format or os.path.splitext(args.output)[1].lstrip(".").lower()
    if fmt not in ("dot", "graphml", "json", "svg"):
        raise UsageError(f"cannot tell the format from {_quoted(args.output)}; give --format dot|graphml|json|svg")
    config = plugin.config_from_args(args)
    _check_outputs(args)
    highlighted = None
    if args.highlight is not None:
        try:
            traced, _, highlighted = verify_file(plugin, args.highlight)
        except ReplayMismatch as err:
            raise UsageError(f"the trace to highlight, {args.highlight}, does not replay: {err}") from None
        if traced.to_dict() | {"name": ""} != config.to_dict() | {"name": ""}:
            if any(getattr(args, k) is not None for k in args.config_dests):
                raise UsageError("the trace to highlight was made with another configuration than the flags give")
            config = traced
    machine, invariants = plugin.build(config)
    proj = plugin.projection(machine, args.project) if args.project is not None else None
    symmetry = not args.no_symmetry and not (proj and proj.needs_thread_numbers)
    limit = args.max_nodes or (DOT_LIMIT if fmt in ("dot", "svg") else DATA_LIMIT)
    max_states = args.max_states
    if proj is None:  # stop as soon as the whole graph is known to be too big
        max_states = min(max_states or limit + 1, limit + 1)
    limits = Limits(max_states, args.max_seconds, args.max_memory)
    result = explore(machine, invariants, symmetry=symmetry, limits=limits, stop_at_first=False, keep_edges=True,
                     workers=_workers(args), progress=Progress(not args.quiet and sys.stderr.isatty()))
    space = result.space
    c = config.to_dict()
    canon = machine.canonical if symmetry else (lambda s: s)
    states = space.all_states(machine, canon) if space.n_nodes <= limit or proj is not None else []
    if proj is None and space.n_nodes > limit:
        raise UsageError(f"the state graph has more than {limit:,} states, too many for {fmt}: "
                         f"use --project ({', '.join(plugin.projection_names())}), --format graphml, or --max-nodes")
    if proj is None:
        g = graph.full_graph(space, machine, result, c, states, shown_graph(space, machine, states, symmetry))
    else:
        g = graph.quotient_graph(space, machine, proj.key, proj.label, c, proj.name, states,
                                 [(viol.number, viol.property) for viol in result.violations])
        if g.number_of_nodes() > limit:
            raise UsageError(f"the projected graph has {g.number_of_nodes():,} nodes, more than {limit:,}; "
                             f"use a coarser projection or --max-nodes")
    marked = None
    if highlighted is not None:
        steps = highlighted.steps
        _check_in_graph(g, space, canon, proj, steps, result, machine)
        marked = (graph.highlight_full(g, space, canon, steps, machine) if proj is None
                  else graph.highlight_quotient(g, proj.key, steps))
    info = graph.facts(g, space, result, proj is not None)
    g.graph.update(info)
    graph.write(g, fmt, args.output)
    what = f"projected on {proj.name} ({proj.doc})" if proj else "every explored state"
    print(f"{PROG} graph: {c['name']}: {what}{'' if symmetry else ', without symmetry reduction'}")
    print(f"  nodes {info['nodes']:,}, edges {info['edges']:,}, strongly connected components "
          f"{info['strongly_connected_components']:,}, final states {info['final_states']:,}, "
          f"diameter from the initial state {info['diameter_from_initial']}")
    print(f"  explored: {info['explored_states']:,} states, {info['explored_transitions']:,} transitions"
          + (f" ({info['cut_steps']:,} cut at the thread limit, not edges)" if info["cut_steps"] else ""))
    if not result.complete:
        print(f"  the search stopped early: {result.stop_reason}")
    if marked is not None:
        print(f"  highlighted: the trace's {len(steps)} states and {marked} of its steps")
    print(f"  written to {args.output} ({fmt})")
    return EXIT_OK if result.complete else EXIT_LIMIT


def _check_in_graph(g, space, canon, proj, steps, result, machine) -> None:
    """A trace can be highlighted only where the search went: every state and
    step of it must be in the graph (a limit may have stopped the search)."""
    if proj is None:
        where = [n if (n := space.number_of(machine, canon(st.state))) >= 0 else None for st in steps]
        pairs = zip(where, where[1:])
        nodes = [f"s{n}" for n in where if n is not None]
    else:
        node_of = g.graph["node_of_key"]
        where = [node_of.get(repr(proj.key(st.state))) for st in steps]
        pairs = ((a, b) for a, b in zip(where, where[1:]) if a != b)
        nodes = [n for n in where if n is not None]
    missing = len(nodes) < len(steps)
    if not missing:
        as_node = (lambda n: f"s{n}") if proj is None else (lambda n: n)
        missing = any(not g.has_edge(as_node(a), as_node(b)) for a, b in pairs)
    if missing:
        why = f" (the search stopped early: {result.stop_reason})" if not result.complete else ""
        raise UsageError(f"the trace to highlight leaves the explored graph{why}; raise the limit or drop --highlight")


def cmd_conform(plugin, args) -> int:
    """Does some run of the model explain a real execution trace?
    0 yes, 1 no (the first unexplained event is printed), 2 bad input or a
    trace the model cannot be instantiated for, 3 a search limit."""
    result = plugin.conform(args, log=lambda message: print(f"{PROG}: {message}", file=sys.stderr))
    print(result.json() if args.json else result.text(args.detail))
    if result.exit_status == EXIT_BAD_INPUT and result.reason:
        print(f"{PROG}: not checked: {result.reason}", file=sys.stderr)
    return result.exit_status


COMMANDS = {"check": cmd_check, "conform": cmd_conform, "explain": cmd_explain, "graph": cmd_graph, "presets": cmd_presets, "replay": cmd_replay, "mutants": cmd_mutants,
            "witness": cmd_witness, "view": view_cli.cmd_view, **symbolic_cli.COMMANDS}



def _error(message: str) -> None:
    print(f"{PROG}: error: {guard.one_line(message)}", file=sys.stderr)


def run(plugin, argv: list[str]) -> int:
    """Parse argv and run the command; bad input becomes one sentence and
    exit status 2. Unexpected exceptions propagate (main() guards them)."""
    parser = build_parser(plugin)
    if not argv:  # `gosched-mc` alone: how to use it, not a 30-second check
        parser.print_usage(sys.stderr)
        print(f"{PROG}: give a command; `{PROG} check` checks the default configuration, "
              f"`{PROG} --help` lists the commands", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        if not argv[0].startswith("-") and argv[0] not in COMMANDS:
            raise UsageError(f"unknown command {_quoted(argv[0])}{did_you_mean(argv[0], COMMANDS)}; "
                             f"commands: {', '.join(sorted(COMMANDS))}")
        flag = inputs.empty_value_flag(argv)
        if flag:
            raise UsageError(f"argument {flag}: expected a value, not '--' (see `{PROG} --help`)")
        with guard.checked_stdout():
            try:
                args = parser.parse_args(argv)
            except SystemExit as done:  # --help printed: the status, returned rather than raised
                return done.code if isinstance(done.code, int) else EXIT_OK
            return COMMANDS[args.command](plugin, args)
    except (UsageError, BadTraceFile, graph.GraphError, explain.UnknownField, userprops.BadPropertiesFile, userprops.UserError, view_cli.ViewError, atomic.OutputError,
            plugin.config_error, *getattr(plugin, "input_errors", ()), *getattr(plugin, "conform_errors", ())) as err:
        _error(str(err))
        return EXIT_BAD_INPUT
    except guard.StdoutFailed as err:
        guard.silence_stdout()
        if err.errno == errno.EPIPE:
            return EXIT_OK  # the reader stopped reading (`| head`): nothing more to say
        _error(f"cannot write to standard output: {err}")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_LIMIT


def main(argv=None) -> int:
    """The command. Any exception left over is a bug: one sentence on
    stderr and exit status 70 (after the traceback, with --debug)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    argv = [a for a in argv if a != "--debug"]
    if argv and argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version"):
        argv = ["check"] + argv  # `gosched-mc --preset tiny` is `gosched-mc check --preset tiny`
    saved = save_signal_handlers()
    try:
        install_signal_handlers()  # SIGTERM stops a run like Ctrl-C: cleanly, with the statistics so far
        try:
            plugin = load_plugin()
        except PluginError as err:
            _error(str(err))
            return EXIT_BAD_INPUT
        return run(plugin, argv)
    except KeyboardInterrupt:  # before the search started (the search handles its own and prints its statistics)
        return interrupted_early()
    except Exception as err:  # noqa: BLE001 -- the last line of defence: never a traceback, never exit 1
        if debug:  # the traceback, for a bug report; still exit status 70, not Python's 1
            traceback.print_exc()
        print(guard.internal_error_sentence(PROG, err), file=sys.stderr)
        return EXIT_INTERNAL
    finally:
        restore_signal_handlers(saved)


def interrupted_early() -> int:
    print(f"{PROG}: interrupted before a search started: nothing was checked", file=sys.stderr)
    return EXIT_LIMIT


if __name__ == "__main__":
    sys.exit(main())
