"""What `gosched-mc check` prints: the verdict, statistics and coverage, as
text for people or one JSON object for machines."""

from .search import Result
from .trace import Trace, render_text, to_json
from .verdict import bound_phrase

# The version of explorer/schema/check-result.schema.json that `check --json` follows:
# raised whenever a field is removed or changes meaning.
SCHEMA_VERSION = 1


def _n(x: int) -> str:
    return f"{x:,}"


def safety_phrase(machine, result: Result, properties: list[str]) -> str:
    if result.violations:
        return "Safety: VIOLATED: " + ", ".join(sorted({x.property for x in result.violations})) + "."
    if not result.complete:
        return f"Safety: no violation found, but the search is incomplete: {result.stop_reason}."
    bound = bound_phrase(machine, result)
    if bound:
        return (f"Safety: all {len(properties)} properties hold {bound}; nothing beyond that bound was "
                f"explored.")
    return f"Safety: all {len(properties)} properties hold; the search is complete."


def summary_lines(machine, result: Result, properties: list[str], known_actions: list[str] | None = None) -> list[str]:
    lines = [safety_phrase(machine, result, properties)] if properties else [
        "Safety: no safety property selected."]
    lines += [
        f"  distinct states  {_n(result.states)}",
        f"  transitions      {_n(result.transitions)}",
        f"  depth            {result.depth}",
        f"  time             {result.seconds:.2f} s ({_n(int(result.states_per_second))} states/s, "
        f"{result.workers} worker{'s' if result.workers != 1 else ''})",
        f"  memory           {result.peak_memory_mb:,.0f} MB peak; {result.space.bytes_per_state():.1f} bytes per "
        f"stored state (fingerprint collision probability {result.space.collision_probability():.1e})",
    ]
    for why, count in sorted(result.terminals.items()):
        lines.append(f"  final states     {_n(count)}: {why}")
    if result.cut_steps:
        lines.append(f"  bound reached: {_n(result.cut_steps)} steps needed more than "
                     f"{getattr(machine, 'bound_text', 'the bound')} and were not explored "
                     f"({', '.join(sorted(result.cuts))})")
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


def result_json(machine, v, verdict, config: dict, properties: list[str], traces: list, known_actions: list[str]) -> dict:
    result = v.result
    data = {"schema_version": SCHEMA_VERSION, **verdict.to_json()}
    data.update({
        "config": config,
        "properties": properties,
        "states": result.states,
        "transitions": result.transitions,
        "depth": result.depth,
        "seconds": round(result.seconds, 3),
        "states_per_second": round(result.states_per_second, 1),
        "workers": result.workers,
        "cpu_seconds": {"main": round(result.cpu_main, 3), "workers": round(result.cpu_workers, 3)},
        "peak_memory_mb": round(result.peak_memory_mb, 1),
        "bytes_per_state": round(result.space.bytes_per_state(), 1),
        "fingerprint_collision_probability": result.space.collision_probability(),
        "complete": result.complete and not result.bounded and (v.liveness_complete or not v.liveness_requested),
        "search_exhausted": result.complete,
        "stop_reason": result.stop_reason or None,
        "bounded": ({"bound": getattr(machine, "bound_text", ""), "cut_steps": result.cut_steps}
                    if result.bounded else None),
        "coverage": {a: result.coverage.get(a, 0) for a in known_actions},
        "distinct": {a: result.distinct.get(a, 0) for a in known_actions},
        "cut_steps": result.cut_steps,
        "cuts": dict(sorted(result.cuts.items())),
        "final_states": dict(sorted(result.terminals.items())),
        "violations": [
            {"property": t.property, "message": t.message, "length": t.length, "trace": to_json(t.machine or machine, t)}
            for t in traces
        ],
    })
    return data


def markdown_report(config: dict, properties: list[str], liveness: list, traces: list, verdict, detail: bool,
                    statistics: list[str]) -> str:
    """`check --format markdown`: one paste-ready Markdown document: a heading with the verdict, a table
    of what was checked, each trace (summary table, steps folded) and the statistics folded."""
    name = config["name"] + (f", mutant `{config['mutant']}`" if config.get("mutant") else "")
    out = [f"### gosched-mc check: {verdict.text} ({name})", "", "| | |", "|---|---|",
           f"| configuration | GOMAXPROCS={config['procs']}, threads {config['threads']}, runq {config['runq']}, "
           f"{config['goroutines']} goroutines |",
           f"| workload | `{config['workload']}` |",
           f"| safety | {', '.join(f'`{n}`' for n in properties) or '(none)'} |",
           f"| liveness | {', '.join(f'`{p.name}`' for p in liveness) or '(none)'} |",
           f"| verdict | **{verdict.text}** |", ""]
    for t in traces:
        kind = "Lasso" if t.kind == "liveness" else "Counterexample"
        out += [f"#### {kind} for `{t.property}` ({t.length} steps)", "",
                render_text(t.machine, t, detail=detail, markdown=True), ""]
    out += ["<details><summary>Statistics</summary>", "", "```text"] + statistics + ["```", "", "</details>"]
    return "\n".join(out)


def trace_text(machine, trace: Trace, fmt: str, detail: bool) -> str:
    if fmt == "markdown":
        return render_text(machine, trace, detail=detail, markdown=True)
    return render_text(machine, trace, detail=detail)


def liveness_lines(v, classes: dict, within: str = "") -> list[str]:
    """within: the bound phrase when the graph was cut ("for up to ..."):
    then "holds" means holds within it."""
    if not v.liveness:
        return [f"Liveness: not checked: {v.liveness_skipped}."] if v.liveness_skipped != "not requested" else []
    lines = [f"Liveness under fairness ({len(v.liveness)} of {v.liveness_requested} properties; "
             f"{v.sccs:,} SCCs, {v.nontrivial_sccs:,} of them cycles)"
             + (f", on a graph cut at the bound: each holds only {within}:" if within else ":")]
    if v.liveness_skipped:
        lines.append(f"  not finished: {v.liveness_skipped}")
    for live in v.liveness:
        if not live.applies:
            verdict = "not applicable"
        elif live.holds:
            verdict = "holds within the bound" if within else "holds"
        else:
            verdict = f"VIOLATED (lasso {live.lasso.prefix_length}+{live.lasso.cycle_length}, {live.lasso.instance})"
        assumed = [c for c in classes if c not in live.unfair]
        lines.append(f"  {live.name:<34} {verdict:<24} fair: {', '.join(assumed)}")
    lines.append(f"  time: safety {v.result.seconds:.2f} s, liveness {v.liveness_seconds:.2f} s")
    return lines


def liveness_json(v, within: str = "") -> dict:
    return {
        "liveness_within_bound": within or None,
        "liveness_complete": v.liveness_complete,
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
