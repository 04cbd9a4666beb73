"""Replaying a saved trace against the model, and re-checking what it claims.

A trace file is accepted only if everything in it is what this tool would
write for that run, checked in this order, the first difference named:

  1. the file: a JSON object of at most MAX_TRACE_BYTES, nested at most as
     deep as JSON parsing allows, with the trace format and exactly the
     version this tool writes, and every field of the right type;
  2. the configuration: its digest (config_sha256) matches, it validates,
     and it is written exactly as the model writes it;
  3. each step: the recorded action is enabled in the state before it and
     leads to exactly the recorded state;
  4. a lasso's loop: the last state is the state at loop_start, and the
     cycle returns there only at its end;
  5. the property: the last state of a safety counterexample violates the
     named invariant with the recorded message (no earlier state does); a
     witness's run is accepted by the named scenario at its last step and
     not before; a lasso violates the named instance of the liveness
     property under exactly the fairness that property assumes (its own
     unfair classes plus the recorded --no-fairness ones): the cycle is fair
     (every weakly fair key enabled throughout it and every strongly fair
     key enabled anywhere on it is taken) or, for a stutter, no fair step is
     enabled at the last state;
  6. everything else the file says (step numbers, action names, rendered
     texts, lengths) is what the model renders.

A file that is not a well-formed trace of this version (1, 2) raises
BadTraceFile (exit status 2); a well-formed trace the model does not
reproduce (3 to 6) raises ReplayMismatch (exit status 1). Properties are
looked up through what the plugin gives (invariants, liveness properties,
scenarios), so nothing here knows the model.
"""

import json
import os
from dataclasses import dataclass, field

from .spec import DEADLOCK
from .trace import FORMAT, VERSION, Step, Trace, config_digest, lasso_message, to_json

MAX_TRACE_BYTES = 100 << 20
KINDS = ("safety", "witness", "liveness")
_COMMON = {"format": str, "version": int, "model": str, "config": dict, "config_sha256": str, "property": str,
           "kind": str, "message": str, "length": int, "steps": list}
_LASSO = {"loop_start": int, "prefix_length": int, "cycle_length": int, "unfair": list, "instance": str}
_STEP = {"index": int, "action": str, "label": list, "text": str, "models": str, "state": dict}
_FIRST_STEP = {"index": int, "action": type(None), "label": type(None), "text": str, "state": dict}


class BadTraceFile(Exception):
    """The file is not a trace this tool wrote (exit status 2)."""


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


# --- 1. the file -----------------------------------------------------------------------------------------

def load(path: str) -> dict:
    """The trace in a file, checked for shape, version and configuration digest."""
    if not path:
        raise BadTraceFile("the trace file name is empty; give the path of a saved trace")
    try:
        with open(path, "rb") as f:
            if os.fstat(f.fileno()).st_size > MAX_TRACE_BYTES:
                raise BadTraceFile(f"{path} is larger than {MAX_TRACE_BYTES >> 20} MB, too big for a trace")
            raw = f.read(MAX_TRACE_BYTES + 1)
    except FileNotFoundError:
        raise BadTraceFile(f"{path} does not exist") from None
    except IsADirectoryError:
        raise BadTraceFile(f"{path} is a directory, not a trace file") from None
    except OSError as err:
        raise BadTraceFile(f"cannot read {path}: {(err.strerror or str(err)).lower()}") from None
    if len(raw) > MAX_TRACE_BYTES:
        raise BadTraceFile(f"{path} is larger than {MAX_TRACE_BYTES >> 20} MB, too big for a trace")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadTraceFile(f"{path} is not a text file, so not a trace") from None
    except json.JSONDecodeError as err:
        raise BadTraceFile(f"{path} is not valid JSON ({err.msg} at line {err.lineno}), so not a trace") from None
    except RecursionError:
        raise BadTraceFile(f"{path} nests JSON too deeply to be a trace") from None
    except ValueError as err:  # e.g. an integer of more than 4,300 digits
        raise BadTraceFile(f"{path} holds a value that cannot be read ({str(err).split(';')[0]}), "
                           "so not a trace") from None
    check_shape(data, path)
    return data


def _type_name(kind) -> str:
    return {int: "an integer", str: "a string", dict: "an object", list: "a list", type(None): "null"}[kind]


def _check_fields(obj: dict, fields: dict, where: str) -> None:
    extra = sorted(set(obj) - set(fields))
    if extra:
        raise BadTraceFile(f"{where} has a field {_shown(extra[0])} that gosched-mc does not write")
    for key, kind in fields.items():
        if key not in obj:
            raise BadTraceFile(f"{where} is missing the trace field \"{key}\" ({_type_name(kind)})")
        value = obj[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
            raise BadTraceFile(f"{where}: the field \"{key}\" must be {_type_name(kind)}, not {_shown(value)}")


def check_shape(data, path: str = "the file") -> None:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BadTraceFile(f"{path} is JSON but not a gosched-mc trace (no \"format\": \"{FORMAT}\")")
    version = data.get("version")
    if version == 1 and not isinstance(version, bool):
        raise BadTraceFile(f"{path} was saved by an older gosched-mc (trace format 1, without a configuration "
                           f"digest); save it again with `check --trace-out`")
    if version != VERSION or isinstance(version, bool):
        raise BadTraceFile(f"{path} has trace format version {_shown(version)}; this gosched-mc reads "
                           f"version {VERSION} only")
    kind = data.get("kind")
    if kind not in KINDS:
        raise BadTraceFile(f"{path}: the trace kind is {_shown(kind)}, not one of {', '.join(KINDS)}")
    _check_fields(data, _COMMON | (_LASSO if kind == "liveness" else {}), path)
    if config_digest(data["config"]) != data["config_sha256"]:
        raise BadTraceFile(f"{path}: its configuration was changed after the trace was saved "
                           "(config_sha256 does not match it)")
    steps = data["steps"]
    if not steps:
        raise BadTraceFile(f"{path} has no steps")
    for i, step in enumerate(steps):
        if not isinstance(step, dict):
            raise BadTraceFile(f"{path}: step {i} is not an object")
        _check_fields(step, _FIRST_STEP if i == 0 else _STEP, f"{path}: step {i}")
        label = step["label"]
        if i and (not label or not isinstance(label[0], str)
                  or not all(isinstance(x, (str, int)) and not isinstance(x, bool) for x in label)):
            raise BadTraceFile(f"{path}: step {i} has no valid action label")
    if kind == "liveness":
        loop = data["loop_start"]
        if not 0 <= loop < len(steps):
            raise BadTraceFile(f"{path}: loop_start {loop} is not one of its steps")
        if not all(isinstance(c, str) for c in data["unfair"]):
            raise BadTraceFile(f"{path}: \"unfair\" must be a list of fairness class names")


def _shown(value) -> str:
    try:
        text = json.dumps(value)
    except (ValueError, RecursionError):
        return f"a {type(value).__name__} too big to show"
    return text if len(text) <= 60 else text[:60] + "..."


# --- 2. the configuration --------------------------------------------------------------------------------

def rebuild_config(plugin, data: dict, path: str):
    """The plugin's configuration for the trace, or BadTraceFile if the
    recorded one does not validate or is not written as the model writes it."""
    if data["model"] != plugin.name:
        raise BadTraceFile(f"{path} is a trace of the model {_shown(data['model'])}, not {plugin.name!r}")
    recorded = dict(data["config"])
    no_fairness = recorded.pop("no_fairness", None)
    classes = tuple(getattr(plugin, "fairness_classes", dict)())
    if (not isinstance(no_fairness, list) or not all(isinstance(c, str) and c in classes for c in no_fairness)
            or no_fairness != sorted(set(no_fairness))):
        raise BadTraceFile(f"{path}: the configuration's no_fairness must be a sorted list of fairness classes "
                           f"({', '.join(classes)}), not {_shown(no_fairness)}")
    try:
        config = plugin.config_from_dict(recorded)
    except plugin.config_error as err:
        raise BadTraceFile(f"{path}: its configuration does not validate: {err}") from None
    written = config.to_dict()
    for key in sorted(set(written) | set(recorded)):
        if recorded.get(key, "(absent)") != written.get(key, "(absent)"):
            raise BadTraceFile(f"{path}: its configuration says {key} is {_shown(recorded.get(key, '(absent)'))}, "
                               f"but the configuration it describes has {_shown(written.get(key, '(absent)'))}")
    return config


# --- 3. the steps ----------------------------------------------------------------------------------------

def _first_difference(recorded: dict, actual: dict) -> str:
    for key in sorted(set(recorded) | set(actual), key=str):
        if recorded.get(key) != actual.get(key):
            return (f"{key} is {_shown(actual.get(key, '(absent)'))} but the trace says "
                    f"{_shown(recorded.get(key, '(absent)'))}")
    return "the states differ"


def replay_steps(machine, data: dict, known_actions: set | None) -> list:
    """Re-execute the recorded steps: the real states, as Steps, or
    BadTraceFile / ReplayMismatch naming the first step that does not replay."""
    steps = data["steps"]
    for i, step in enumerate(steps[1:], start=1):
        if known_actions is not None and step["label"][0] not in known_actions:
            raise BadTraceFile(f"step {i} names an unknown action {_shown(step['label'][0])}")
    init = [s for s in machine.init_states() if machine.fields(s) == steps[0]["state"]]
    if not init:
        actual = machine.fields(machine.init_states()[0])
        raise ReplayMismatch(0, "step 0: the initial state differs: " + _first_difference(steps[0]["state"], actual))
    cur = init[0]
    out = [Step(None, cur)]
    for i, step in enumerate(steps[1:], start=1):
        label = tuple(step["label"])
        matches = [t for lab, t in machine.successors(cur) if lab == label]
        if not matches:
            raise ReplayMismatch(i, f"step {i}: {_shown(step['label'])} is not enabled in the state of step {i - 1}")
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


# --- 4. the loop -----------------------------------------------------------------------------------------

def _check_loop(states: list, loop: int) -> None:
    last = len(states) - 1
    if loop == last:
        return  # a stutter: checked with the property
    if states[loop] != states[last]:
        raise ReplayMismatch(last, f"the cycle does not close: the last state is not the state of step {loop}")
    early = next((i for i in range(loop + 1, last) if states[i] == states[loop]), None)
    if early is not None:
        raise ReplayMismatch(early, f"the cycle closes at step {early}, before the end of the trace: "
                                    f"loop_start {loop} is not where the recorded cycle returns")


# --- 5. the property -------------------------------------------------------------------------------------

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
    inv = next((i for i in catalogue.invariants if i.name == name), None)
    if inv is None:
        known = ", ".join([i.name for i in catalogue.invariants] + [DEADLOCK])
        raise ReplayMismatch(last, f"the trace names the safety property {_shown(name)}, which the model does not "
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
        raise ReplayMismatch(last, f"the trace names the scenario {_shown(name)}, which the model does not have; "
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
        raise ReplayMismatch(last, f"the trace names the liveness property {_shown(name)}, which the model does "
                                   f"not have (it has {known})")
    if not prop.applies:
        raise ReplayMismatch(last, f"{name} does not apply to this configuration, so nothing can violate it")
    assumed_unfair = sorted(set(prop.unfair) | set(data["config"].get("no_fairness") or ()))
    if data["unfair"] != assumed_unfair:
        raise ReplayMismatch(last, f"the trace takes {_classes(data['unfair'])} as unfair, but {name} with the "
                                   f"recorded --no-fairness takes exactly {_classes(assumed_unfair)} as unfair")
    instance = next((inst for inst in prop.instances if inst[0] == data["instance"]), None)
    if instance is None:
        raise ReplayMismatch(last, f"{name} has no instance {_shown(data['instance'])}")
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


# --- 6. everything else, and the whole check -------------------------------------------------------------

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
        return f"{where} is {_shown(recorded)} in the trace but {_shown(expected)} for this run"
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
        raise ReplayMismatch(len(steps) - 1, f"the trace says {_shown(data['message'])}, but the model says "
                                             f"{_shown(message)}")
    trace = Trace(steps=steps, property=data["property"], message=message, kind=kind, loop_start=loop,
                  config=data["config"], model=data["model"], unfair=list(data.get("unfair", [])),
                  instance=data.get("instance", ""))
    different = _json_difference(data, to_json(machine, trace))
    if different:
        raise ReplayMismatch(len(steps) - 1, different)
    return trace
