"""The symbolic engines beside the explicit search, as a markdown table.

    python scripts/symbolic_report.py [--threads N] [--max-depth K] [--only NAME ...] [--prove]
    python scripts/symbolic_report.py --prove-only [--threads N] [--only NAME ...] [--protocol classic] [--all-kept]

For every preset (with numbered threads) and every safety mutant: the
breadth-first search's states, depth and time, then BMC to the BFS depth
(or to the BFS's shortest counterexample) with its verdict and time, and
whether the two agree (nothing found where BFS finds nothing; the same
property at exactly the BFS length). With --prove, also k-induction (k=1,
with the model's candidate lemmas, Houdini) on the presets; --prove-only
prints only that (configuration, verdict with the lemmas kept, seconds). The
tests (tests/test_symbolic.py) run a fast subset of this table;
make_report.py can call `table()` for REPORT.md.
"""

import argparse
import sys
import time

from explorer.symbolic.agreement import bmc_agrees
from model.mutants import CATALOGUE
from model.presets import PRESETS, preset
from properties.plugin import plugin


def row(*cells) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def configs(threads: int, only, protocol=None):
    """The presets (under `protocol`, default each preset's own) and the safety mutants (under theirs)."""
    for name in PRESETS:
        if not only or name in only:
            c = preset(name).with_(threads=threads)
            yield name, (c.with_(protocol=protocol) if protocol else c)
    for m in CATALOGUE:
        if m.kind == "safety" and (not only or m.name in only):
            yield m.name, preset(m.preset).with_(threads=threads, mutant=m.name, protocol=m.protocol)


def table(threads: int = 2, max_depth=None, only=(), prove: bool = False, log=print, protocol=None) -> list[str]:
    lines = [row("configuration", "BFS states", "BFS depth", "BFS s", "BFS finds", "BMC depth", "BMC finds",
                 "BMC s (derive + z3)", "agree") + ("| k-induction |" if prove else ""),
             row(*["---"] * 9) + ("---|" if prove else "")]
    for name, config in configs(threads, only, protocol):
        r = bmc_agrees(plugin, config, name, max_depth)
        bfs = f"{r.bfs_property} at {r.bfs_length}" if r.bfs_property else "nothing"
        found = f"{', '.join(r.bmc_property)} at {r.bmc_length}" if r.bmc_length is not None else "nothing"
        cut = "" if max_depth is None or r.bmc_depth >= (r.bfs_length or r.bfs_depth) else " (capped)"
        cells = [name, f"{r.bfs_states:,}", r.bfs_depth, f"{r.bfs_seconds:.1f}", bfs, f"{r.bmc_depth}{cut}", found,
                 f"{r.derive_seconds:.1f} + {r.bmc_seconds:.1f}", "yes" if r.agrees else ("capped" if cut else "NO")]
        line = row(*cells)
        if prove and not config.mutant:
            from explorer.symbolic_cli import prove_config
            t0 = time.perf_counter()
            outcome = prove_config(plugin, config)
            line += f" {outcome} ({time.perf_counter() - t0:.1f} s) |"
        elif prove:
            line += " |"
        lines.append(line)
        if log:
            log(line)
    return lines


def prove_table(threads: int = 1, only=(), log=print, protocol="classic", all_kept: bool = False) -> list[str]:
    """`prove` (k=1) on the presets alone: the verdict, the lemmas the proof
    needs (named in model/lemmas.py, generated) and the time. The named
    lemmas are written for the classic protocol (README)."""
    from explorer.symbolic_cli import prove_config
    lines = [row("configuration", "protocol", "threads", "k-induction", "s"), row(*["---"] * 5)]
    for name, config in configs(threads, only, protocol):
        if config.mutant:
            continue
        t0 = time.perf_counter()
        outcome = prove_config(plugin, config, all_kept=all_kept)
        lines.append(row(name, config.protocol, threads, outcome, f"{time.perf_counter() - t0:.1f}"))
        if log:
            log(lines[-1])
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-depth", type=int, help="cap BMC's depth (the row says 'capped')")
    ap.add_argument("--only", nargs="*", default=[], help="presets or mutants to run")
    ap.add_argument("--prove", action="store_true", help="also run k-induction on the presets")
    ap.add_argument("--prove-only", action="store_true", help="only k-induction on the presets (no BFS, no BMC)")
    ap.add_argument("--all-kept", action="store_true", help="--prove-only: keep every lemma Houdini kept (no "
                    "unsat-core minimisation), as `prove --all-kept`")
    ap.add_argument("--protocol", choices=("classic", "modern"), help="the presets' protocol (default: each "
                    "preset's own for the table, classic for --prove-only, whose lemmas are the classic protocol's)")
    args = ap.parse_args()
    if args.prove_only:
        print("\n".join(prove_table(args.threads, args.only, log=lambda line: print(line, file=sys.stderr),
                                     protocol=args.protocol or "classic", all_kept=args.all_kept)))
        return 0
    lines = table(args.threads, args.max_depth, args.only, args.prove, log=lambda line: print(line, file=sys.stderr),
                  protocol=args.protocol)
    print("\n".join(lines))
    return 0 if all("| NO |" not in line for line in lines) else 1


if __name__ == "__main__":
    sys.exit(main())
