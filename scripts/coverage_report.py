"""Branch coverage of the model (model/) over the presets' full searches.

    python scripts/coverage_report.py [--presets a,b] [--jobs 2] [--text]

Each preset is explored completely (safety search, every state expanded, one
worker so coverage.py sees every step) in its own process under coverage.py
with branch measurement; the data are combined, and the script prints the
branch coverage of each model file and every branch never taken, with the
reason the catalogue below gives for it being unreachable, or "NOT
EXPLAINED" for a branch no preset reaches that should get a preset.

What is measured: model/ without the trace importer (model/gotrace, checked by
the conformance tests), the seeded bugs (model/mutants, run by the kill
table), the presentation code (render, timeline, projections) and the
checking of user input (config, workload, presets: tests/test_bad_input.py).
"""

import argparse
import fnmatch
import io
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

OMIT = ["*/model/gotrace/*", "*/model/mutants/*", "*/model/render.py", "*/model/timeline.py",
        "*/model/projections.py", "*/model/config.py", "*/model/workload.py", "*/model/presets.py"]
SKIP = ("large",)  # a superset of default's workload: minutes more, no branch of its own

# Why a branch cannot be taken by any run of the correct model on the presets, by what its target does
# (the first rule whose pattern is in the source lines the branch would run) or by file:line. A missed
# branch that none explains is reported as NOT EXPLAINED.
RULES = (
    ("throw(", "a runtime throw: reached only by a broken model (seeded bugs reach them; no_runtime_throw)"),
    ("raise ModelError", "a model error: reached only by a broken model (tests/test_verdicts.py)"),
    ("raise CapacityError", "a model error: more M slots than the layout has"),
    ("bounded", "numbered threads only (`--threads N`); the presets are unbounded (tests/test_abstraction.py)"),
)
UNREACHABLE = {
}


def reason_for(key: str, lines: list[str]) -> str:
    if key in UNREACHABLE:
        return UNREACHABLE[key]
    text = "\n".join(lines)
    return next((reason for pattern, reason in RULES if pattern in text), "NOT EXPLAINED")

_CHILD = r"""
import sys
sys.path.insert(0, {root!r})
from explorer.search import explore
from model.presets import preset
from properties.plugin import plugin
for protocol in ("modern", "classic"):  # each preset under both syscall protocols
    machine, invariants = plugin.build(preset({name!r}).with_(protocol=protocol))
    r = explore(machine, invariants, workers=1)
    print(protocol, r.states, r.complete)
"""


_SOURCES: dict = {}


def source(path: str) -> list[str]:
    if path not in _SOURCES:
        with open(path) as f:
            _SOURCES[path] = f.read().splitlines()
    return _SOURCES[path]


def measure(presets: list[str], jobs: int, data_dir: str) -> None:
    def one(name):
        path = os.path.join(data_dir, f"child_{name}.py")
        with open(path, "w") as f:
            f.write(_CHILD.format(root=ROOT, name=name))
        cmd = [sys.executable, "-m", "coverage", "run", "--branch", "--parallel-mode", f"--source={ROOT}/model",
               f"--data-file={data_dir}/.coverage", path]
        p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        if p.returncode:
            raise SystemExit(f"coverage_report: preset {name} failed: {p.stderr.strip()[-300:]}")
        return name, p.stdout.strip()

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for name, out in pool.map(one, presets):
            print(f"  {name}: {out}", file=sys.stderr, flush=True)


def main(argv=None) -> int:
    import coverage
    from model.presets import PRESETS

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--presets", help="comma-separated presets (default: every preset but large)")
    ap.add_argument("--jobs", type=int, default=2, help="presets measured at once")
    ap.add_argument("--text", action="store_true", help="plain text instead of markdown")
    args = ap.parse_args(argv)
    presets = args.presets.split(",") if args.presets else [p for p in PRESETS if p not in SKIP]
    unknown = [p for p in presets if p not in PRESETS]
    if unknown:
        ap.error(f"unknown preset {unknown[0]!r}")
    with tempfile.TemporaryDirectory() as tmp:
        measure(presets, max(1, args.jobs), tmp)
        cov = coverage.Coverage(data_file=f"{tmp}/.coverage", branch=True, omit=OMIT)
        cov.combine([tmp])
        cov.load()
        buf = io.StringIO()
        total = cov.report(file=buf, omit=OMIT, show_missing=False,
                           output_format="text" if args.text else "markdown")
        lines = [f"Presets: {', '.join(presets)} (full safety searches under both syscall protocols, one worker each).", "", buf.getvalue().strip(),
                 "", f"Branch coverage of the model, all files: {total:.1f}%.", ""]
        missed = []
        for path in sorted(cov.get_data().measured_files()):
            rel = os.path.relpath(path, ROOT)
            if any(fnmatch.fnmatch(path, o) for o in OMIT):
                continue
            analysis = cov._analyze(path)  # noqa: SLF001 (coverage has no public API for missed arcs)
            for line, targets in sorted(analysis.missing_branch_arcs().items()):
                text = source(path)
                src = text[line - 1].strip()
                key = f"{rel}:{line}"
                near = [src] + [text[t - 1] for t in targets if t > 0] + [text[t] for t in targets if 0 < t < len(text)]
                missed.append((key, targets, src, reason_for(key, near)))
        lines += ["Branches never taken (line -> the line it would go to; negative: leaves the function):", ""]
        lines += (["| where | to | code | why |", "|---|---|---|---|"] if not args.text else [])
        for key, targets, src, why in missed:
            to = ", ".join(map(str, targets))
            lines.append(f"| `{key}` | {to} | `{src[:70].replace('|', '/')}` | {why} |" if not args.text
                         else f"  {key:32} -> {to:10} {src[:60]:60} {why}")
        if not missed:
            lines.append("none")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
