"""What `gosched-mc check` prints: the verdict, statistics and coverage, as
text for people or one JSON object for machines."""

from .search import Result
from .trace import Trace, render_text, to_json


def verdict(result: Result) -> str:
    if result.violations:
        return "violated"
    return "holds" if result.complete else "incomplete"


def _n(x: int) -> str:
    return f"{x:,}"


def summary_lines(result: Result, properties: list[str], known_actions: list[str] | None = None) -> list[str]:
    lines = []
    v = verdict(result)
    if v == "holds":
        lines.append(f"Safety: all {len(properties)} properties hold; the search is complete.")
    elif v == "violated":
        names = ", ".join(sorted({x.property for x in result.violations}))
        lines.append(f"Safety: VIOLATED: {names}.")
    else:
        lines.append(f"Safety: no violation found, but the search is incomplete: {result.stop_reason}.")
    lines += [
        f"  distinct states  {_n(result.states)}",
        f"  transitions      {_n(result.transitions)}",
        f"  depth            {result.depth}",
        f"  time             {result.seconds:.2f} s ({_n(int(result.states_per_second))} states/s)",
    ]
    for why, count in sorted(result.terminals.items()):
        lines.append(f"  final states     {_n(count)}: {why}")
    cut = sum(result.cuts.values())
    if cut:
        lines.append(f"  thread limit reached: {_n(cut)} steps needed one more M than the limit allows and "
                     f"were not explored ({', '.join(sorted(result.cuts))}); raise --threads to explore them")
    if known_actions is not None and result.complete and not result.violations:
        never = [a for a in known_actions if not result.coverage.get(a)]
        if never:
            lines.append(f"  actions never enabled: {', '.join(never)}")
    return lines


def coverage_lines(result: Result, known_actions: list[str]) -> list[str]:
    width = max(len(a) for a in known_actions) if known_actions else 10
    lines = ["Coverage (TLC-style): action, transitions, distinct new states"]
    for a in known_actions:
        lines.append(f"  {a:<{width}}  {result.coverage.get(a, 0):>12,}  {result.distinct.get(a, 0):>10,}")
    return lines


def result_json(result: Result, config: dict, properties: list[str], traces: list[tuple[Trace, object]],
                known_actions: list[str]) -> dict:
    return {
        "verdict": verdict(result),
        "config": config,
        "properties": properties,
        "states": result.states,
        "transitions": result.transitions,
        "depth": result.depth,
        "seconds": round(result.seconds, 3),
        "states_per_second": round(result.states_per_second, 1),
        "complete": result.complete,
        "stop_reason": result.stop_reason or None,
        "coverage": {a: result.coverage.get(a, 0) for a in known_actions},
        "distinct": {a: result.distinct.get(a, 0) for a in known_actions},
        "thread_limit_reached": sum(result.cuts.values()),
        "cuts": dict(sorted(result.cuts.items())),
        "final_states": dict(sorted(result.terminals.items())),
        "violations": [
            {"property": t.property, "message": t.message, "length": t.length, "trace": to_json(machine, t)}
            for t, machine in traces
        ],
    }


def trace_text(machine, trace: Trace, fmt: str, detail: bool) -> str:
    if fmt == "markdown":
        return render_text(machine, trace, detail=detail, markdown=True)
    return render_text(machine, trace, detail=detail)


def overall_verdict(v) -> str:
    """One phrase: holds, VIOLATED (names), INCOMPLETE (why), or what was
    left unchecked when the search was complete but liveness could not run."""
    failed = sorted({x.property for x in v.result.violations} | {x.name for x in v.liveness if not x.holds})
    if failed:
        return f"VIOLATED ({', '.join(failed)})"
    if not v.result.complete:
        return f"INCOMPLETE ({v.result.stop_reason})"
    if v.liveness_skipped.startswith("the graph has"):
        return f"safety holds; liveness not checked ({v.liveness_skipped})"
    return "every property holds"


def final_verdict(v) -> str:
    return f"Verdict: {overall_verdict(v)}."


def liveness_lines(v, classes: dict) -> list[str]:
    if not v.liveness:
        return [f"Liveness: not checked: {v.liveness_skipped}."] if v.liveness_skipped != "not requested" else []
    lines = [f"Liveness under fairness ({len(v.liveness)} properties; "
             f"{v.sccs:,} SCCs, {v.nontrivial_sccs:,} of them cycles):"]
    for live in v.liveness:
        if not live.applies:
            verdict = "not applicable"
        elif live.holds:
            verdict = "holds"
        else:
            verdict = f"VIOLATED (lasso {live.lasso.prefix_length}+{live.lasso.cycle_length}, {live.lasso.instance})"
        assumed = [c for c in classes if c not in live.unfair]
        lines.append(f"  {live.name:<34} {verdict:<24} fair: {', '.join(assumed)}")
    lines.append(f"  time: safety {v.result.seconds:.2f} s, liveness {v.liveness_seconds:.2f} s")
    return lines


def liveness_json(v) -> dict:
    return {
        "safety_seconds": round(v.result.seconds, 3),
        "liveness_seconds": round(v.liveness_seconds, 3),
        "liveness_skipped": v.liveness_skipped or None,
        "sccs": v.sccs,
        "nontrivial_sccs": v.nontrivial_sccs,
        "liveness": [
            {"name": live.name, "holds": live.holds, "applies": live.applies, "unfair": live.unfair,
             "fair_sccs": live.fair_sccs, "seconds": round(live.seconds, 3),
             "prefix_length": live.lasso.prefix_length if live.lasso else None,
             "cycle_length": live.lasso.cycle_length if live.lasso else None,
             "instance": live.lasso.instance if live.lasso else None}
            for live in v.liveness
        ],
    }
