"""`gosched-mc bmc --depth K` and `gosched-mc prove`: the symbolic engines
(explorer/symbolic/) behind the command line.

A plugin takes part by offering `symbolic_view(machine)` (the model's
adapter, e.g. model/symbolic.py). Exit status follows explorer/verdict.py:
bmc finds a violation (1) or none within K steps (4: bounded, never
"complete"); prove proves every property (0), or fails an induction step
and prints the counterexample to induction (1: not a violation found, but
not proven either), or gives up at a limit (3).
"""

import json
import random
import sys
import time

from . import inputs, output
from .trace import Trace, save, to_json
from .verdict import EXIT_BOUNDED, EXIT_INTERNAL, EXIT_LIMIT, EXIT_VIOLATED

PROG = "gosched-mc"


def _path_limit_argument(p) -> None:
    p.add_argument("--path-limit", type=inputs.positive_int, default=None, metavar="N",
                   help="paths the symbolic executor may follow through any one function (a step of a process, "
                        "an invariant's check) before it gives up (default 200000)")


def _guarded(cmd):
    """A command whose symbolic executor may stop: at its path limit (one
    sentence, exit 3), or because the code asks it what it cannot answer
    (one sentence, exit 70); never a traceback."""
    def run(plugin, args):
        from .symbolic.execute import PathLimit, SymbolicError
        try:
            return cmd(plugin, args)
        except PathLimit as err:
            print(f"{PROG}: the symbolic executor gave up {err.where or 'deriving the relation'}: {err.limit_message} "
                  f"(--path-limit); nothing was checked", file=sys.stderr)
            return EXIT_LIMIT
        except SymbolicError as err:
            print(f"{PROG}: the symbolic executor cannot run this model's code: {err}", file=sys.stderr)
            return EXIT_INTERNAL
    run.__name__ = cmd.__name__
    return run


def add_commands(sub, plugin, add_config_arguments) -> None:
    if not hasattr(plugin, "symbolic_view"):
        return
    b = sub.add_parser("bmc", help="bounded model checking with z3: is a safety violation reachable in K steps?")
    add_config_arguments(plugin, b)
    b.add_argument("--depth", type=inputs.positive_int, metavar="K", required=True,
                   help="check every run of at most K steps")
    b.add_argument("--property", action="append", metavar="NAME",
                   help="check only this safety property (repeatable); default: all")
    b.add_argument("--trace-out", metavar="FILE", help="save the counterexample as JSON (for `replay`)")
    b.add_argument("--format", choices=("text", "markdown"), default="text",
                   help="how to print the counterexample: text (default) or markdown (for a code review); "
                        "--json prints one JSON object")
    b.add_argument("--detail", action="store_true", help="print every P, M and G in each trace step")
    b.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    b.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    _path_limit_argument(b)
    add_prove(sub, plugin, add_config_arguments)


def _log(args):
    if args.quiet or args.json:
        return None
    return lambda message: print(f"{PROG}: {message}", file=sys.stderr, flush=True)


def _problem(plugin, args, config, names, log):
    from .symbolic.problem import build_problem  # z3 is imported only by the commands that use it
    machine, _ = plugin.build(config)
    view = plugin.symbolic_view(machine)
    invs = plugin.invariants_of(view.machine)
    known = [i.name for i in invs] + ["deadlock", "model_error"]
    unknown = [n for n in names or () if n not in known]
    if unknown:
        from .cli import UsageError
        raise UsageError(f"unknown safety property {unknown[0]!r}; known: {', '.join(known)}")
    if names:
        invs = [i for i in invs if i.name in names]
    return machine, build_problem(view, invs, check_deadlock=not names or "deadlock" in names, log=log,
                                  path_limit=args.path_limit)


def cmd_bmc(plugin, args) -> int:
    from .symbolic.bmc import Disagreement, bmc, explicit_steps
    from .cli import _check_outputs, _trace_config
    config = plugin.config_from_args(args)
    _check_outputs(args)
    log = _log(args)
    machine, problem = _problem(plugin, args, config, args.property, log)
    res = bmc(problem, args.depth, log=log)
    c = config.to_dict()
    if res.raises_at is not None:
        raise Disagreement(f"the model's own code raises in a state reachable in {res.raises_at} steps")
    trace = None
    if res.length is not None:
        steps = explicit_steps(machine, res.states)
        prop = res.violated[0]
        last = steps[-1].state
        if prop == "deadlock":
            message = machine.terminal(last)[1]
        elif prop == "model_error":
            try:
                machine.successors(last)
                raise Disagreement("z3 says the model's code raises in the last state, but it does not")
            except machine.model_errors as err:
                message = f"the model cannot take a step from this state: {err}"
        else:
            inv = next(i for i in plugin.invariants_of(machine) if i.name == prop)
            message = inv.check(last)
            if message is None:
                raise Disagreement(f"z3 says the last state violates {prop}, but its check holds there")
        trace = Trace(steps=steps, property=prop, kind="safety", model=plugin.name,
                      config=_trace_config(c), machine=machine, message=message)
    summary = {"engine": "bmc", "depth": args.depth, "checked_depth": res.depth, "properties": problem.names,
               "violated": res.violated, "length": res.length, "seconds": round(res.seconds + problem.seconds, 3),
               "relation_paths": problem.relation.path_count(),
               "verdict": "violated" if trace else "holds_within_bound"}
    exit_code = EXIT_VIOLATED if trace else EXIT_BOUNDED
    summary["exit_code"] = exit_code
    if args.json:
        if trace is not None:
            summary["trace"] = to_json(machine, trace)
        print(json.dumps(summary, indent=1))
    else:
        print(f"{PROG} bmc: {c['name']} ({c['protocol']} protocol){'  mutant: ' + c['mutant'] if c['mutant'] else ''}")
        print(f"  GOMAXPROCS={c['procs']} threads<={c['threads']} runq={c['runq']} goroutines={c['goroutines']}")
        print(f"  safety: {', '.join(problem.names)}")
        print(f"  relation: {problem.relation.path_count():,} guarded updates from the model's actions "
              f"({problem.seconds:.1f} s to derive)")
        if trace is not None:
            print()
            print(f"Counterexample for {trace.property} ({trace.length} steps, the shortest):")
            print(output.trace_text(machine, trace, args.format, args.detail))
            others = [n for n in res.violated if n != trace.property]
            if others:
                print(f"(also violable at {trace.length} steps: {', '.join(others)})")
            print()
            print(f"Verdict: VIOLATED ({', '.join(res.violated)}) at depth {res.length} "
                  f"({res.seconds:.1f} s of z3).")
        else:
            print(f"Verdict: no violation in any run of up to {res.depth} steps (bounded: deeper runs are not "
                  f"checked; {res.seconds:.1f} s of z3).")
    if args.trace_out is not None and trace is not None:
        sys.stdout.flush()
        save(args.trace_out, to_json(machine, trace))
        if not args.json:
            print(f"Counterexample saved to {args.trace_out}; re-check it with `{PROG} replay {args.trace_out}`.")
    return exit_code


COMMANDS = {"bmc": _guarded(cmd_bmc)}


def sample_states(machine, limit: int) -> list:
    """Up to `limit` reachable states, breadth first (the lemmas' filter)."""
    return _breadth_first(machine, limit)[0]


def _breadth_first(machine, limit: int) -> tuple[set, bool]:
    from collections import deque
    init = list(machine.init_states())
    seen, queue = set(init), deque(init)
    while queue and len(seen) < limit:
        s = queue.popleft()
        for _, t in machine.successors(s):
            if t is not None and t not in seen:
                seen.add(t)
                queue.append(t)
    return seen, not queue


def random_runs(machine, walks: int, length: int = 500, seed: int = 1) -> tuple[set, list[int]]:
    """The states of `walks` random runs from the initial states, each until
    no step is left or `length` steps, and the runs' lengths. Seeded: the
    same runs every time."""
    rng = random.Random(seed)
    init = list(machine.init_states())
    seen: set = set()
    lengths = []
    for _ in range(walks):
        s, n = rng.choice(init), 0
        while n < length:
            succ = [t for _, t in machine.successors(s) if t is not None]
            if not succ:
                break
            s, n = rng.choice(succ), n + 1
            seen.add(s)
        lengths.append(n)
    return seen, lengths


def sample(machine, limit: int, walks: int, log=None) -> list:
    """Reachable states to filter the candidate lemmas on: up to `limit`
    breadth first and, when that does not reach them all, the states of
    `walks` random runs too. Breadth first alone samples only the shallow
    levels: a candidate false only deeper survives it and costs Houdini a
    solver call to drop (on GOMAXPROCS 3, 3 threads, five goroutines: 2,287
    of 7,137 candidates survive 20,000 states breadth first, 1,870 when 2,000
    random runs are added)."""
    t0 = time.perf_counter()
    states, complete = _breadth_first(machine, limit)
    if complete:
        if log:
            log(f"prove: {len(states):,} reachable states explored in {time.perf_counter() - t0:.1f} s (all of them)")
        return list(states)
    deep, lengths = random_runs(machine, walks)
    more = len(deep - states)
    states |= deep
    if log:
        log(f"prove: {len(states) - more:,} reachable states breadth first"
            + (f" and {more:,} more from {walks:,} random runs (mean length {sum(lengths) / len(lengths):.0f})"
               if walks else "") + f" in {time.perf_counter() - t0:.1f} s")
    return list(states)


def proof_lemmas(plugin, problem) -> list:
    """The plugin's strengthening lemmas (compiled from their own checks,
    as the invariants are) and its generated candidates, as Houdini's
    candidates."""
    from .symbolic import terms as T
    from .symbolic.induction import Lemma
    from .symbolic.props import compile_invariants
    view = problem.view
    named = getattr(plugin, "lemmas_of", lambda m: [])(view.machine)
    out = [Lemma(s.name, s.doc, T.negate(s.violated), catalogue=True, reason=s.doc)
           for s in compile_invariants(named, problem.domains.values)]
    families = getattr(plugin, "lemma_families", {})
    return out + [Lemma(name, statement, term, reason=families.get(family, ""))
                  for family, name, statement, term in plugin.candidate_lemmas(view.machine, problem.domains.values)]


def default_walks(candidates: str) -> int:
    """--walks when not given: 2,000 random runs to filter the generated
    candidates; none for the named lemmas alone, which are meant to hold on
    every reachable state (Houdini drops one that does not) and whose
    filtering on the runs' states costs minutes for nothing."""
    return 2_000 if candidates == "all" else 0


def run_proof(plugin, machine, problem, k: int, samples: int, log=None, closure: int = 2_000, minimise: bool = True,
              candidates: str = "all", walks: int | None = None):
    """Houdini over the plugin's lemmas (candidates "named": its named
    lemmas only, no generated ones), filtered first on up to `samples`
    reachable states (all of them, for the presets; else `walks` random
    runs' states too: default_walks(candidates) when None), with the
    explicit machine's closure from each CTI (closure states each; 0: none)."""
    from .symbolic.induction import Concrete, houdini
    states = sample(machine, samples, default_walks(candidates) if walks is None else walks, log)
    concrete = None
    if closure:
        invs = [i for i in plugin.invariants_of(machine) if i.name in problem.names]
        concrete = Concrete(machine, invs, problem.domains.values, problem.deadlock is not None)
    lemmas = proof_lemmas(plugin, problem)
    if candidates == "named":
        lemmas = [lm for lm in lemmas if lm.catalogue]
    return houdini(problem, lemmas, states, k, log=log, concrete=concrete, closure_limit=closure, minimise=minimise)


def prove_config(plugin, config, k: int = 1, samples: int = 20_000, all_kept: bool = False) -> str:
    """One word for scripts/symbolic_report.py: proven, CTI or violated
    (all_kept: every lemma Houdini kept, as `prove --all-kept`)."""
    from .symbolic.problem import build_problem
    machine, _ = plugin.build(config)
    problem = build_problem(plugin.symbolic_view(machine), plugin.invariants_of(plugin.symbolic_view(machine).machine))
    r = run_proof(plugin, machine, problem, k, samples, minimise=not all_kept)
    if r.proven:
        named = sum(1 for lm in r.lemmas if lm.catalogue)
        kept = ", all Houdini kept" if all_kept else ""
        return f"proven (k={k}, {len(r.lemmas)} lemmas{kept}: {named} named, {len(r.lemmas) - named} generated)"
    if r.base_violation is not None:
        return "violated"
    return f"CTI ({', '.join(r.broken)})"


def add_prove(sub, plugin, add_config_arguments) -> None:
    p = sub.add_parser("prove", help="prove the safety properties for every run by k-induction with z3")
    add_config_arguments(plugin, p)
    p.add_argument("-k", type=inputs.positive_int, default=1, metavar="K", help="induction depth (default 1)")
    p.add_argument("--samples", type=inputs.positive_int, default=20_000, metavar="N",
                   help="reachable states explored first to discard candidate lemmas that are false (default 20000)")
    p.add_argument("--walks", type=inputs.count, default=None, metavar="N",
                   help="when --samples states do not reach every state: the states of N random runs (seeded, the "
                        "same every time) are sampled too, for the deeper levels breadth first does not reach "
                        "(default 2000 with --candidates all; 0, none, with named: those are meant to hold everywhere, "
                        "Houdini drops one that does not, and filtering them costs time)")
    p.add_argument("--lemmas", action="store_true", help="print every strengthening lemma proven")
    p.add_argument("--candidates", choices=("all", "named"), default="all",
                   help="the lemmas offered: the model's named lemmas and the generated candidates (all, the "
                        "default), or the named lemmas alone (named: far fewer, for configurations where Houdini "
                        "over thousands of candidates does not finish; the verdict is then often a CTI)")
    p.add_argument("--all-kept", action="store_true",
                   help="keep every lemma Houdini kept instead of the subset the proof needs (skips the unsat-core "
                        "minimisation, most of the time once Houdini settles)")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    _path_limit_argument(p)


def print_lemmas(lemmas) -> None:
    """The named lemmas with their reasons, then the generated ones by family."""
    for lm in lemmas:
        if lm.catalogue:
            print(f"  {lm.name}: {lm.reason}")
    by_reason: dict = {}
    for lm in lemmas:
        if not lm.catalogue:
            by_reason.setdefault(lm.reason, []).append(lm)
    for reason, group in by_reason.items():
        print(f"  {len(group)} generated, because: {reason or '(no reason given)'}")
        for lm in group:
            print(f"    {lm.statement}")


def cmd_prove(plugin, args) -> int:
    from .symbolic.bmc import Disagreement
    from .verdict import EXIT_OK
    config = plugin.config_from_args(args)
    log = _log(args)
    machine, problem = _problem(plugin, args, config, None, log)
    if args.walks is None:
        args.walks = default_walks(args.candidates)
    r = run_proof(plugin, machine, problem, args.k, args.samples, log, minimise=not args.all_kept,
                  candidates=args.candidates, walks=args.walks)
    c = config.to_dict()
    summary = {"engine": "k-induction", "k": args.k, "properties": problem.names + ["type_ok", "no_crash"],
               "proven": r.proven, "candidates": args.candidates, "walks": args.walks, "lemmas_offered": r.candidates, "lemmas_after_sampling": r.after_sampling,
               "threads": "bounded by --threads (symbolic checking needs numbered threads)",
               "lemmas": [{"name": lm.name, "statement": lm.statement, "reason": lm.reason, "catalogue": lm.catalogue}
                          for lm in r.lemmas] if r.proven else [],
               "iterations": r.iterations, "seconds": round(r.seconds + problem.seconds, 3)}
    if r.proven:
        code = EXIT_OK
    elif r.base_violation is not None:
        code = EXIT_VIOLATED
    else:
        code = EXIT_VIOLATED  # not proven: the CTI may be unreachable, but nothing is claimed
    summary["exit_code"] = code
    if not args.json:
        print(f"{PROG} prove: {c['name']} ({c['protocol']} protocol){'  mutant: ' + c['mutant'] if c['mutant'] else ''}")
        print(f"  GOMAXPROCS={c['procs']} threads<={c['threads']} runq={c['runq']} goroutines={c['goroutines']} "
              f"(threads bounded: symbolic checking needs numbered threads, so unbounded threads are not proven)")
        print(f"  claim: {', '.join(summary['properties'])}")
        offered = "the model's named lemmas and generated ones" if args.candidates == "all" else \
            "the model's named lemmas only (--candidates named)"
        print(f"  lemmas: {r.candidates:,} candidates ({offered}), "
              f"{r.after_sampling:,} hold on the {r.samples:,} reachable states sampled")
    if r.proven:
        if not args.json:
            named = [lm for lm in r.lemmas if lm.catalogue]
            print(f"Proven by {args.k}-induction with {len(r.lemmas):,} strengthening lemmas ({len(named)} named, "
                  f"{len(r.lemmas) - len(named):,} generated; each proven in the same induction, none assumed; "
                  + ("all" if args.all_kept else "the subset of the") +
                  f" {r.inductive:,} Houdini kept{'' if args.all_kept else ' that the proof needs'}; "
                  f"{r.iterations} Houdini steps, "
                  f"{r.seconds + problem.seconds:.1f} s).")
            if args.lemmas:
                print_lemmas(r.lemmas)
            print("Verdict: every safety property holds in every reachable state (no bound).")
    elif r.base_violation is not None:
        summary["violated"] = r.base_violation.violated
        if not args.json:
            print(f"Verdict: VIOLATED ({', '.join(r.base_violation.violated)}) in a run of "
                  f"{r.base_violation.length} steps; `{PROG} bmc` prints it.")
    else:
        cti = r.cti
        labels = [lab for lab, t in machine.successors(cti[-2]) if t == cti[-1]]
        if not labels:
            raise Disagreement("the CTI's step is not a step of the explicit model")
        invs = {i.name: i for i in plugin.invariants_of(machine)}
        why = {n: (invs[n].check(cti[-1]) if n in invs else n) for n in r.broken}
        from .symbolic.induction import Concrete, confirm_cti
        concrete = Concrete(machine, [i for n, i in invs.items() if n in problem.names], problem.domains.values,
                            problem.deadlock is not None)
        named = {lm.name: lm.check for lm in getattr(plugin, "lemmas_of", lambda m: [])(machine)}
        unconfirmed = confirm_cti(concrete, r.lemmas, cti, r.broken, named)
        if unconfirmed:
            raise Disagreement(f"the CTI is not confirmed on the explicit model: {unconfirmed[0]}")
        summary["cti"] = {"states": [machine.fields(s) for s in cti], "step": machine.label_text(labels[0]),
                          "broken": why, "confirmed": True, "lemmas_left": len(r.lemmas)}
        if not args.json:
            print(f"Not proven: the induction step fails ({r.iterations} Houdini steps, {len(r.lemmas):,} lemmas left).")
            print("Counterexample to induction: a state satisfying every property and lemma,")
            for i, s in enumerate(cti[:-1]):
                print(f"  state {i}:")
                print("\n".join("     " + line for line in machine.view(s, True).splitlines()))
            print(f"  the explicit model's step {machine.label_text(labels[0])}, to:")
            print("\n".join("     " + line for line in machine.view(cti[-1], True).splitlines()))
            for n, msg in why.items():
                print(f"  which breaks {n}: {msg}")
            print(f"  Confirmed on the explicit model: the first state{'s satisfy' if len(cti) > 2 else ' satisfies'} "
                  f"every safety property, TypeOK and the {len(r.lemmas):,} lemmas left (the named ones by their own "
                  f"checks), each step is one of its successors(), and the last state breaks "
                  f"{', '.join(r.broken)} by its own check.")
            print("Verdict: NOT PROVEN (the CTI may be unreachable; bmc finds nothing does not follow).")
    if args.json:
        print(json.dumps(summary, indent=1))
    return code


COMMANDS["prove"] = _guarded(cmd_prove)
