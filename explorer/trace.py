"""Counterexample traces: rebuilding them, rendering them, saving them.

The search keeps canonical states (one per symmetry class). A trace shown
to a person must be one real run, so `concretize` replays the canonical path
from a real initial state, at each step taking the first successor whose
canonical form is the next state on the path. Thread names then stay
consistent from the first step to the last.
"""

import builtins
import hashlib
import json
from dataclasses import dataclass, field

from . import atomic
from .spec import Machine

FORMAT = "gosched-mc-trace"
# 2: the configuration's digest (config_sha256), the --no-fairness classes in
# the configuration, and a lasso's instance. Version 1 had no digest, so an
# edited configuration could not be told from the real one: it is not read.
VERSION = 2


@dataclass
class Step:
    label: tuple | None  # None for the initial state
    state: object


@dataclass
class Trace:
    steps: list  # of Step; steps[0] is the initial state
    property: str = ""
    message: str = ""
    kind: str = "safety"  # "safety", "witness" (reachability) or "liveness"
    loop_start: int | None = None  # liveness: the step the cycle returns to
    config: dict = field(default_factory=dict)
    model: str = ""
    unfair: list = field(default_factory=list)  # liveness: fairness classes not assumed
    machine: object = field(default=None, repr=False, compare=False)  # the machine the steps belong to
    instance: str = ""  # liveness: which instance of the property (e.g. "G1") the lasso violates

    @builtins.property
    def cycle_length(self) -> int:
        return 0 if self.loop_start is None else len(self.steps) - 1 - self.loop_start

    @builtins.property
    def length(self) -> int:
        return len(self.steps) - 1


class TraceError(Exception):
    """A path that the model cannot follow."""


class Spurious(TraceError):
    """An abstract path that no run of the concrete twin follows: the
    abstraction allowed something the model itself cannot do."""


def concretize(machine: Machine, path: list, symmetry: bool = True) -> list:
    """Steps of one real run through the canonical states in `path`.

    A machine with a concrete twin (machine.concrete() -> (twin, alpha); an
    abstraction of a model, e.g. of unboundedly many threads) has its path
    followed by runs of the twin: breadth first, keeping every twin state
    whose image under alpha is the path's next state (one per symmetry
    class of the twin), so a run is found whenever one exists. If none
    exists the path is spurious, and Spurious says at which step."""
    twin = getattr(machine, "concrete", lambda: None)()
    if twin is not None:
        return _concretize_twin(twin[0], twin[1], path)
    _, canon = run_view(machine, symmetry)
    cur = first_match(machine.init_states(), canon, path[0])
    if cur is None:
        raise TraceError("the path does not start in an initial state")
    steps = [Step(None, cur)]
    for i, target in enumerate(path[1:], start=1):
        step = first_match(machine.successors(cur), canon, target, labelled=True)
        if step is None:
            raise TraceError(f"step {i} of the path is not a successor of step {i - 1}")
        steps.append(Step(*step))
        cur = step[1]
    return steps


def run_view(machine: Machine, symmetry: bool = True):
    """(the machine whose runs are shown, key): key(t) is the searched
    (canonical) state that a state t of a shown run stands for. The shown
    machine is the concrete twin when the machine has one (unbounded
    threads), else the machine itself, its states keyed by their canonical
    form (by themselves without symmetry reduction)."""
    twin = getattr(machine, "concrete", lambda: None)()
    if twin is not None:
        return twin
    return machine, (machine.canonical if symmetry else (lambda s: s))


def first_match(candidates, key, target, labelled: bool = False):
    """The first candidate state t (or (label, t) pair, if labelled) with
    key(t) == target, or None: how a run's next step is chosen, so that
    every state shown for a path (a trace's, a graph node's) is the same."""
    for c in candidates:
        t = c[1] if labelled else c
        if t is not None and key(t) == target:
            return c
    return None


def shown_run(machine: Machine, path: list, symmetry: bool = True):
    """(the machine whose run it is, its steps): the run to show for a path
    of canonical states (of the concrete twin, when the machine has one)."""
    twin = getattr(machine, "concrete", lambda: None)()
    return (twin[0] if twin is not None else machine), concretize(machine, path, symmetry)


def run_config(shown, steps, config: dict) -> dict:
    """The configuration to save with a run: the model may narrow it to
    what the run needs (e.g. the threads it uses)."""
    narrow = getattr(shown, "run_config", None)
    return narrow([st.state for st in steps], config) if narrow else config


def _concretize_twin(twin, alpha, path: list) -> list:
    layer = {}
    for s in twin.init_states():
        if alpha(s) == path[0]:
            layer.setdefault(twin.canonical(s), (s, None, None))
    if not layer:
        raise Spurious("the path does not start in an initial state of the concrete model")
    layers = [layer]
    for i, target in enumerate(path[1:], start=1):
        nxt: dict = {}
        for key, (cur, _, _) in layer.items():
            for label, t in twin.successors(cur):
                if t is not None and alpha(t) == target:
                    nxt.setdefault(twin.canonical(t), (t, label, key))
        if not nxt:
            raise Spurious(f"no run of the concrete model follows the abstract path at step {i}")
        layers.append(nxt)
        layer = nxt
    key = next(iter(layer))
    steps = []
    for depth in range(len(layers) - 1, -1, -1):
        state, label, parent = layers[depth][key]
        steps.append(Step(label, state))
        key = parent
    return steps[::-1]


def portable_label(machine, label) -> list:
    """A label as saved: the acting process by name ("M3", "sysmon"), not by
    its index, which depends on how many threads the model can hold."""
    name = getattr(machine, "proc_name", None)
    return [label[0], name(label[1]) if name else label[1], *label[2:]]


def diff(before: dict, after: dict) -> list[tuple[str, str, str]]:
    return [(k, before.get(k, ""), v) for k, v in after.items() if before.get(k) != v]


def _note(machine, label) -> str:
    note = getattr(machine, "label_note", None)
    return note(label) if note else ""


SEEDED = "SEEDED BUG"  # what a model's label_note says of a step a seeded bug changed


def render_text(machine: Machine, trace: Trace, detail: bool = False, markdown: bool = False) -> str:
    """Numbered steps: the action, the runtime functions it models, what
    changed, and the state in the model's own vocabulary. A state view the
    same as the step before's is folded into one line. markdown: a summary
    table of the steps, then every step's detail in a <details> fold, for
    pasting into a review."""
    if markdown:
        return render_markdown(machine, trace, detail)
    out = []
    prev, prev_view = None, None
    for i, step in enumerate(trace.steps):
        fields = machine.fields(step.state)
        marker = ""
        if trace.loop_start == i:
            marker = "  <- the cycle starts here" if trace.cycle_length else "  <- it stays here forever"
        if step.label is None:
            head = f"{i:>3}  initial state{marker}"
            changes = []
        else:
            note = _note(machine, step.label)
            head = f"{i:>3}  {machine.label_text(step.label)}" + (f"    [{note}]" if note else "") + marker
            if SEEDED in note:
                head += "  <- the seeded bug's step"
            changes = diff(prev, fields)
        view = machine.view(step.state, detail)
        out.append(head)
        if changes:
            out.append("     changed: " + "; ".join(f"{k}: {a} -> {b}" for k, a, b in changes))
        if view == prev_view:
            out.append("     (state lines unchanged)")
        else:
            out += ["     " + line for line in view.splitlines()]
        prev, prev_view = fields, view
    out += _ending(trace, markdown=False)
    return "\n".join(out)


def _ending(trace: Trace, markdown: bool) -> list[str]:
    out = []
    if trace.loop_start is not None and trace.cycle_length:
        out.append(("" if markdown else "     ") + f"... back to step {trace.loop_start}: the cycle repeats forever")
    if trace.property:
        verdict = "reached" if trace.kind == "witness" else "violated"
        if trace.kind == "liveness":
            shape = (f"lasso: {trace.loop_start} steps to the cycle, cycle of {trace.cycle_length}"
                     if trace.cycle_length else f"{trace.loop_start} steps, then it stutters forever")
            out.append(f"({shape})")
        out.append((f"**{trace.property} {verdict}**: {_md(trace.message)}" if markdown
                    else f"{trace.property} {verdict}: {trace.message}"))
    return out


def _md(text: str) -> str:
    """Text in a Markdown table cell or paragraph: pipes escaped."""
    return str(text).replace("|", "\\|")


def render_markdown(machine: Machine, trace: Trace, detail: bool = False) -> str:
    """A summary table (one row per step: the action, the runtime functions, the fields it changed,
    the seeded bug's step and the cycle marked), then each step's changes and state lines folded in
    <details>, and the verdict: paste-ready for a GitHub review."""
    rows, details = [], []
    prev, prev_view = None, None
    for i, step in enumerate(trace.steps):
        fields = machine.fields(step.state)
        mark = []
        if trace.loop_start == i:
            mark.append("cycle starts here" if trace.cycle_length else "stays here forever")
        if step.label is None:
            action, note, changes = "initial state", "", []
        else:
            action, note = machine.label_text(step.label), _note(machine, step.label)
            changes = diff(prev, fields)
            if SEEDED in note:
                mark.append("**seeded bug**")
                note = note.split(f"; {SEEDED}")[0]
        changed = ", ".join(f"`{k}`" for k, _, _ in changes)
        rows.append(f"| {i} | `{action}` {' '.join(mark)} | {_md(note)} | {changed} |")
        view = machine.view(step.state, detail)
        details.append(f"**{i}. {action}**" + (f" ({', '.join(m.strip('*') for m in mark)})" if mark else ""))
        details.append("")
        if changes:
            details += ["| field | before | after |", "|---|---|---|"]
            details += [f"| `{k}` | {_md(a)} | {_md(b)} |" for k, a, b in changes]
            details.append("")
        details += (["(state lines unchanged)", ""] if view == prev_view else ["```", view, "```", ""])
        prev, prev_view = fields, view
    out = ["| # | step | runtime functions | changed |", "|---:|---|---|---|"] + rows + [""]
    out += [f"<details><summary>{len(trace.steps) - 1} steps: every change and the schedtrace lines</summary>", ""]
    out += details + ["</details>", ""]
    out += _ending(trace, markdown=True)
    return "\n".join(out)


def config_digest(config: dict) -> str:
    """sha256 of the configuration's canonical JSON: a saved trace carries it,
    so `replay` can tell an edited configuration from the one the run used."""
    text = json.dumps(config, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def lasso_message(instance: str, stutters: bool, unfair) -> str:
    """What a lasso violates, in one sentence (saved with it and re-derived by `replay`)."""
    return (f"liveness violated by {instance}: a fair run stays forever where it is not fulfilled"
            + ("; no fair step is enabled at the last state (it stutters forever)" if stutters else "")
            + (f"; not assumed fair: {', '.join(unfair)}" if unfair else ""))


def to_json(machine: Machine, trace: Trace) -> dict:
    steps = []
    for i, step in enumerate(trace.steps):
        entry = {"index": i, "action": None, "label": None, "text": "initial state", "state": machine.fields(step.state)}
        if step.label is not None:
            entry.update(action=step.label[0], label=portable_label(machine, step.label),
                         text=machine.label_text(step.label),
                         models=_note(machine, step.label))
        steps.append(entry)
    data = {"format": FORMAT, "version": VERSION, "model": trace.model, "config": trace.config,
            "config_sha256": config_digest(trace.config), "property": trace.property, "kind": trace.kind,
            "message": trace.message, "length": trace.length, "steps": steps}
    if trace.loop_start is not None:
        data.update(loop_start=trace.loop_start, prefix_length=trace.loop_start,
                    cycle_length=trace.cycle_length, unfair=list(trace.unfair), instance=trace.instance)
    return data


def save(path: str, data: dict) -> None:
    """Write a trace file atomically (the old file survives a failed write)."""
    atomic.write_text(path, json.dumps(data, indent=1) + "\n", "trace file")
