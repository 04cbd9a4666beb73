"""Replaying a saved trace against the model, and re-checking what it claims.

A trace file (read and checked by explorer/tracefile.py: its shape, version
and configuration) is accepted only if everything in it is what this tool
would write for that run, checked in this order, the first difference named:

  1. each step: the recorded action is enabled in the state before it and
     leads to exactly the recorded state;
  2. a lasso's loop: the last state is the state at loop_start, and the
     cycle returns there only at its end;
  3. the property: the last state of a safety counterexample violates the
     named invariant with the recorded message (no earlier state does); a
     witness's run is accepted by the named scenario at its last step and
     not before; a lasso violates the named instance of the liveness
     property under exactly the fairness that property assumes (its own
     unfair classes plus the recorded --no-fairness ones): the cycle is fair
     (every weakly fair key enabled throughout it and every strongly fair
     key enabled anywhere on it is taken) or, for a stutter, no fair step is
     enabled at the last state;
  4. everything else the file says (step numbers, action names, rendered
     texts, lengths) is what the model renders.

A well-formed trace the model does not reproduce raises ReplayMismatch
(exit status 1). Properties are looked up through what the plugin gives
(invariants, liveness properties, scenarios), so nothing here knows the
model.
"""

from dataclasses import dataclass, field

from .spec import DEADLOCK, MODEL_ERROR
from .trace import Step, Trace, lasso_message, portable_label, to_json
from .tracefile import BadTraceFile, load, rebuild_config, shown  # noqa: F401  (BadTraceFile, load: for callers)


class ReplayMismatch(Exception):
    """The trace is well formed but the model no longer produces it (exit status 1)."""

    def __init__(self, step: int, message: str):
        super().__init__(message)
        self.step = step


@dataclass
class Catalogue:
    """What a trace may claim, as the plugin gives it for one machine."""

    invariants: list = field(default_factory=list)  # spec.Invariant
    liveness: list = field(default_factory=list)  # liveness.Liveness
    scenarios: list = field(default_factory=list)  # observer.Scenario
    fairness_classes: tuple = ()


# --- 1. the steps ----------------------------------------------------------------------------------------

def _first_difference(recorded: dict, actual: dict) -> str:
    for key in sorted(set(recorded) | set(actual), key=str):
        if recorded.get(key) != actual.get(key):
            return (f"{key} is {shown(actual.get(key, '(absent)'))} but the trace says "
                    f"{shown(recorded.get(key, '(absent)'))}")
    return "the states differ"


def replay_steps(machine, data: dict, known_actions: set | None) -> list:
    """Re-execute the recorded steps: the real states, as Steps, or
    BadTraceFile / ReplayMismatch naming the first step that does not replay."""
    steps = data["steps"]
    for i, step in enumerate(steps[1:], start=1):
        if known_actions is not None and step["label"][0] not in known_actions:
            raise BadTraceFile(f"step {i} names an unknown action {shown(step['label'][0])}")
    init = [s for s in machine.init_states() if machine.fields(s) == steps[0]["state"]]
    if not init:
        actual = machine.fields(machine.init_states()[0])
        raise ReplayMismatch(0, "step 0: the initial state differs: " + _first_difference(steps[0]["state"], actual))
    cur = init[0]
    out = [Step(None, cur)]
    for i, step in enumerate(steps[1:], start=1):
        saved = list(step["label"])
        found = [(lab, t) for lab, t in machine.successors(cur) if portable_label(machine, lab) == saved]
        if not found:
            raise ReplayMismatch(i, f"step {i}: {shown(step['label'])} is not enabled in the state of step {i - 1}")
        label = found[0][0]
        matches = [t for _, t in found]
        text = machine.label_text(label)
        real = [t for t in matches if t is not None]
        if not real:
            raise ReplayMismatch(i, f"step {i}: {text} needs a thread beyond the configured limit")
        same = [t for t in real if machine.fields(t) == step["state"]]
        if not same:
            raise ReplayMismatch(i, f"step {i}: {text} leads to a different state: "
                                    + _first_difference(step["state"], machine.fields(real[0])))
        cur = same[0]
        out.append(Step(label, cur))
    return out


def replay(machine, data: dict, known_actions: set | None) -> Trace:
    """Steps and loop only (3 and 4, and a stutter's last state): the
    recorded run as a Trace of real states. `verify_trace` checks the rest."""
    steps = replay_steps(machine, data, known_actions)
    loop, unfair = data.get("loop_start"), set(data.get("unfair") or ())
    if loop is not None:
        _check_loop([st.state for st in steps], loop)
        if loop == len(steps) - 1:
            _check_stutter(machine, steps[-1].state, loop, unfair)
    return Trace(steps=steps, property=data["property"], message=data.get("message", ""), kind=data["kind"],
                 loop_start=loop, config=data["config"], model=data.get("model", ""), unfair=sorted(unfair),
                 instance=data.get("instance", ""))


# --- 2. the loop -----------------------------------------------------------------------------------------

def _check_loop(states: list, loop: int) -> None:
    last = len(states) - 1
    if loop == last:
        return  # a stutter: checked with the property
    if states[loop] != states[last]:
        raise ReplayMismatch(last, f"the cycle does not close: the last state is not the state of step {loop}")
    # A fair cycle may pass its first state more than once (each lap meets other fairness
    # obligations), but a lap run twice adds nothing: a trace that repeats one is padded.
    returns = [i for i in range(loop + 1, last + 1) if states[i] == states[loop]]
    laps, start = [], loop
    for end in returns:
        lap = tuple(states[start:end + 1])
        if lap in laps:
            raise ReplayMismatch(end, f"the cycle closes at step {start} and runs the same lap again up to "
                                      f"step {end}: a lap repeated adds nothing to a lasso")
        laps.append(lap)
        start = end


# --- 3. the property -------------------------------------------------------------------------------------

def _check_safety(machine, catalogue: Catalogue, states: list, data: dict) -> str:
    name, last = data["property"], len(states) - 1
    if name == DEADLOCK:
        succ = machine.successors(states[last])
        if succ:
            raise ReplayMismatch(last, f"the last state has a step ({machine.label_text(succ[0][0])}), "
                                       "so it is not a deadlock")
        kind, why = machine.terminal(states[last])
        if kind != DEADLOCK:
            raise ReplayMismatch(last, f"the last state is a normal end ({why}), not a deadlock")
        return why
    if name == MODEL_ERROR:
        try:
            machine.successors(states[last])
        except tuple(getattr(machine, "model_errors", ())) as err:
            return f"the model cannot take a step from this state: {err}"
        raise ReplayMismatch(last, "the model takes its steps from the last state: it is not a model error")
    inv = next((i for i in catalogue.invariants if i.name == name), None)
    if inv is None:
        known = ", ".join([i.name for i in catalogue.invariants] + [DEADLOCK])
        raise ReplayMismatch(last, f"the trace names the safety property {shown(name)}, which the model does not "
                                   f"have (it has {known})")
    for i, s in enumerate(states[:-1]):
        if inv.check(s) is not None:
            raise ReplayMismatch(i, f"step {i} already violates {name}; a counterexample ends at its first violation")
    message = inv.check(states[last])
    if message is None:
        raise ReplayMismatch(last, f"the last state (step {last}) does not violate {name}")
    return message


def _check_witness(machine, catalogue: Catalogue, steps: list, data: dict) -> str:
    name, last = data["property"], len(steps) - 1
    sc = next((s for s in catalogue.scenarios if s.name == name), None)
    if sc is None:
        raise ReplayMismatch(last, f"the trace names the scenario {shown(name)}, which the model does not have; "
                                   "`witness` lists them")
    observers = {sc.start(machine, steps[0].state)}
    for i, step in enumerate(steps):
        if i:
            observers = {n for o in observers for n in sc.step(machine, o, step.label, step.state)}
        accepted = any(sc.accepted(o) for o in observers)
        if accepted and i < last:
            raise ReplayMismatch(i, f"{name} is already complete at step {i}; a witness ends where it completes")
    if not accepted:
        raise ReplayMismatch(last, f"the run does not complete the scenario {name}")
    return sc.doc


def _check_liveness(machine, catalogue: Catalogue, steps: list, data: dict) -> str:
    name, last, loop = data["property"], len(steps) - 1, data["loop_start"]
    prop = next((p for p in catalogue.liveness if p.name == name), None)
    if prop is None:
        known = ", ".join(p.name for p in catalogue.liveness) or "none"
        raise ReplayMismatch(last, f"the trace names the liveness property {shown(name)}, which the model does "
                                   f"not have (it has {known})")
    if not prop.applies:
        raise ReplayMismatch(last, f"{name} does not apply to this configuration, so nothing can violate it")
    assumed_unfair = sorted(set(prop.unfair) | set(data["config"].get("no_fairness") or ()))
    if data["unfair"] != assumed_unfair:
        raise ReplayMismatch(last, f"the trace takes {_classes(data['unfair'])} as unfair, but {name} with the "
                                   f"recorded --no-fairness takes exactly {_classes(assumed_unfair)} as unfair")
    instance = next((inst for inst in prop.instances if inst[0] == data["instance"]), None)
    if instance is None:
        raise ReplayMismatch(last, f"{name} has no instance {shown(data['instance'])}")
    label, p, q = instance
    states = [st.state for st in steps]
    start = len(states)  # the run from `start` on never fulfils q
    while start > 0 and not q(states[start - 1]):
        start -= 1
    if start > loop:
        raise ReplayMismatch(start - 1, f"{name} is fulfilled for {label} at step {start - 1}, which the run "
                                        "comes back to forever, so the lasso does not violate it")
    if not any(p(s) for s in states[start:]):
        raise ReplayMismatch(last, f"{name} is never required of {label} from step {start} on, where it stays "
                                   "unfulfilled, so the lasso does not violate it")
    unfair = set(assumed_unfair)
    if loop == last:
        _check_stutter(machine, states[last], loop, unfair)
    else:
        _check_fair_cycle(machine, steps, loop, unfair)
    return lasso_message(label, loop == last, assumed_unfair)


def _check_stutter(machine, state, loop: int, unfair: set) -> None:
    fair_steps = [lab for lab, _ in machine.successors(state) if machine.fairness_class(lab) not in unfair]
    if fair_steps:
        raise ReplayMismatch(loop, f"the trace ends in a stutter but {machine.label_text(fair_steps[0])} is "
                                   "enabled there and fair")


def _classes(names) -> str:
    return "[" + ", ".join(names) + "]" if names else "no class"


def _check_fair_cycle(machine, steps: list, loop: int, unfair: set) -> None:
    """The cycle steps[loop] -> ... -> steps[-1] (= steps[loop]) is fair: it
    takes every weakly fair key enabled in all of its states and every
    strongly fair key enabled in any of them (explorer/liveness.py)."""
    strong = getattr(machine, "fairness_strong", lambda key: False)
    taken = {machine.fairness_key(steps[i - 1].state, steps[i].label)
             for i in range(loop + 1, len(steps)) if machine.fairness_class(steps[i].label) not in unfair}
    weak_everywhere, strong_anywhere, example = None, set(), {}
    for st in steps[loop:-1]:
        keys = set()
        for lab, _ in machine.successors(st.state):
            if machine.fairness_class(lab) not in unfair:
                key = machine.fairness_key(st.state, lab)
                keys.add(key)
                example.setdefault(key, lab)
        strong_anywhere |= {k for k in keys if strong(k)}
        weak = {k for k in keys if not strong(k)}
        weak_everywhere = weak if weak_everywhere is None else weak_everywhere & weak
    missing = ((weak_everywhere or set()) - taken) | (strong_anywhere - taken)
    if missing:
        key = min(missing, key=repr)
        how = "on some state of" if strong(key) else "throughout"
        raise ReplayMismatch(loop, f"the cycle is not fair: {machine.label_text(example[key])} is enabled {how} "
                                   f"it and fair, but never taken")


# --- 4. everything else, and the whole check -------------------------------------------------------------

def _json_difference(recorded, expected, where: str = "") -> str | None:
    if isinstance(recorded, dict) and isinstance(expected, dict):
        for key in list(expected) + [k for k in recorded if k not in expected]:
            found = _json_difference(recorded.get(key, "(absent)"), expected.get(key, "(absent)"),
                                     f"{where}.{key}" if where else str(key))
            if found:
                return found
        return None
    if isinstance(recorded, list) and isinstance(expected, list) and len(recorded) == len(expected):
        for i, (a, b) in enumerate(zip(recorded, expected)):
            found = _json_difference(a, b, f"{where}[{i}]")
            if found:
                return found
        return None
    if recorded != expected or type(recorded) is not type(expected):
        return f"{where} is {shown(recorded)} in the trace but {shown(expected)} for this run"
    return None


def verify_trace(machine, catalogue: Catalogue, data: dict) -> Trace:
    """Replay a loaded trace (see load) and re-check its property; return it
    as a Trace of real states, or raise BadTraceFile / ReplayMismatch."""
    steps = replay_steps(machine, data, set(machine.actions()) if hasattr(machine, "actions") else None)
    kind, loop = data["kind"], data.get("loop_start")
    if kind == "liveness":
        _check_loop([st.state for st in steps], loop)
        message = _check_liveness(machine, catalogue, steps, data)
    elif kind == "witness":
        message = _check_witness(machine, catalogue, steps, data)
    else:
        message = _check_safety(machine, catalogue, [st.state for st in steps], data)
    if data["message"] != message:
        raise ReplayMismatch(len(steps) - 1, f"the trace says {shown(data['message'])}, but the model says "
                                             f"{shown(message)}")
    trace = Trace(steps=steps, property=data["property"], message=message, kind=kind, loop_start=loop,
                  config=data["config"], model=data["model"], unfair=list(data.get("unfair", [])),
                  instance=data.get("instance", ""))
    different = _json_difference(data, to_json(machine, trace))
    if different:
        raise ReplayMismatch(len(steps) - 1, different)
    return trace


def verify_file(plugin, path: str):
    """(config, machine, Trace) for a saved trace that loads, replays and
    whose property re-checks; BadTraceFile or ReplayMismatch otherwise."""
    data = load(path)
    config = rebuild_config(plugin, data, path)
    machine, invariants = plugin.build(config)
    liveness = plugin.liveness(machine) if hasattr(plugin, "liveness") else []
    catalogue = Catalogue(invariants, liveness, plugin.witnesses() if hasattr(plugin, "witnesses") else [],
                          tuple(getattr(plugin, "fairness_classes", dict)()))
    return config, machine, verify_trace(machine, catalogue, data)


# --- against the fixed model ----------------------------------------------------------------------------

@dataclass
class FixedReplay:
    """A trace made with a seeded bug, replayed on the model without it."""

    mutant: str
    steps: list  # the Steps the fixed model takes (all of them if none stops)
    length: int  # the trace's length
    stop_step: int | None  # the first step the fixed model cannot take, or None
    stop_reason: str  # why it stops there, or what happens at the end
    still_violated: bool  # every step replays and the property is still violated: the fix does not remove it
    machine: object = None


def _why_stopped(machine, data: dict, steps: list, err: ReplayMismatch) -> str:
    """The recorded step the fixed model cannot take, named as a step is printed, and what it can do instead."""
    if not steps or err.step >= len(data["steps"]):
        return str(err)
    saved = data["steps"][err.step]["label"]
    procs = {machine.proc_name(i): i for i in range(len(machine.L.proc_pc) + 1)} if hasattr(machine, "L") else {}
    text = saved[0]
    if saved[1] in procs and hasattr(machine, "label_text"):
        try:
            text = machine.label_text((saved[0], procs[saved[1]], *saved[2:]))
        except (KeyError, IndexError, TypeError, ValueError):
            pass
    if "is not enabled" not in str(err):
        return str(err).removeprefix(f"step {err.step}: ")
    instead = [machine.label_text(lab) for lab, _ in machine.successors(steps[-1].state)]
    return (f"the trace's {text} is not enabled there"
            + (f"; the fixed model can take {', '.join(instead)}" if instead else "; the fixed model has no step"))


def replay_fixed(plugin, path: str) -> FixedReplay:
    """Replay a trace saved with a seeded bug (--mutant) on the same configuration without it,
    and say where the unmutated model stops following it. BadTraceFile if the trace is not a
    mutant's or does not load."""
    data = load(path)
    config = rebuild_config(plugin, data, path)  # the saved trace is checked as `replay` checks it
    mutant = data["config"].get("mutant")
    if not mutant:
        raise BadTraceFile(f"{path} was made without a seeded bug (its configuration has no mutant), so there is "
                           "no fixed model to replay it against")
    recorded = {k: v for k, v in data["config"].items() if k != "no_fairness"}
    fixed = plugin.config_from_dict(recorded | {"mutant": None})
    machine, invariants = plugin.build(fixed)
    n = len(data["steps"]) - 1
    try:
        steps = replay_steps(machine, data, None)
    except ReplayMismatch as err:
        partial = data | {"steps": data["steps"][:err.step]}
        shown_steps = replay_steps(machine, partial, None) if err.step else []
        return FixedReplay(mutant, shown_steps, n, err.step, _why_stopped(machine, data, shown_steps, err),
                           False, machine)
    liveness = plugin.liveness(machine) if hasattr(plugin, "liveness") else []
    catalogue = Catalogue(invariants, liveness, plugin.witnesses() if hasattr(plugin, "witnesses") else [],
                          tuple(getattr(plugin, "fairness_classes", dict)()))
    try:
        if data["kind"] == "liveness":
            _check_loop([st.state for st in steps], data["loop_start"])
            _check_liveness(machine, catalogue, steps, data)
        elif data["kind"] == "safety":
            _check_safety(machine, catalogue, [st.state for st in steps], data)
        else:
            _check_witness(machine, catalogue, steps, data)
    except ReplayMismatch as err:
        return FixedReplay(mutant, steps, n, None, f"every step replays, but {err}", False, machine)
    del config
    return FixedReplay(mutant, steps, n, None, f"every step replays and {data['property']} is still "
                       "violated: the trace does not depend on the seeded bug", True, machine)
