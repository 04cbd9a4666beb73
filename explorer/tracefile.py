"""Reading a saved trace file: the file, its version and its configuration.

A trace is accepted only if it is a JSON object of at most MAX_TRACE_BYTES,
nested at most as deep as JSON parsing allows, with the trace format and
exactly the version this tool writes, every field of the right type and no
other, and a configuration whose digest (config_sha256) matches, which
validates, and which is written exactly as the model writes it. Anything
else raises BadTraceFile (exit status 2). What the trace claims is checked
by explorer/replay.py.
"""

import json
import os

from .trace import FORMAT, VERSION, config_digest

MAX_TRACE_BYTES = 100 << 20
KINDS = ("safety", "witness", "liveness")
_COMMON = {"format": str, "version": int, "model": str, "config": dict, "config_sha256": str, "property": str,
           "kind": str, "message": str, "length": int, "steps": list}
_LASSO = {"loop_start": int, "prefix_length": int, "cycle_length": int, "unfair": list, "instance": str}
_STEP = {"index": int, "action": str, "label": list, "text": str, "models": str, "state": dict}
_FIRST_STEP = {"index": int, "action": type(None), "label": type(None), "text": str, "state": dict}


class BadTraceFile(Exception):
    """The file is not a trace this tool wrote (exit status 2)."""


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
        raise BadTraceFile(f"{where} has a field {shown(extra[0])} that gosched-mc does not write")
    for key, kind in fields.items():
        if key not in obj:
            raise BadTraceFile(f"{where} is missing the trace field \"{key}\" ({_type_name(kind)})")
        value = obj[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
            raise BadTraceFile(f"{where}: the field \"{key}\" must be {_type_name(kind)}, not {shown(value)}")


def check_shape(data, path: str = "the file") -> None:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BadTraceFile(f"{path} is JSON but not a gosched-mc trace (no \"format\": \"{FORMAT}\")")
    version = data.get("version")
    if version == 1 and not isinstance(version, bool):
        raise BadTraceFile(f"{path} was saved by an older gosched-mc (trace format 1, without a configuration "
                           f"digest); save it again with `check --trace-out`")
    if version != VERSION or isinstance(version, bool):
        raise BadTraceFile(f"{path} has trace format version {shown(version)}; this gosched-mc reads "
                           f"version {VERSION} only")
    kind = data.get("kind")
    if kind not in KINDS:
        raise BadTraceFile(f"{path}: the trace kind is {shown(kind)}, not one of {', '.join(KINDS)}")
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


def shown(value) -> str:
    """A value from the file in a message: as JSON, cut short."""
    try:
        text = json.dumps(value)
    except (ValueError, RecursionError):
        return f"a {type(value).__name__} too big to show"
    return text if len(text) <= 60 else text[:60] + "..."


def rebuild_config(plugin, data: dict, path: str):
    """The plugin's configuration for the trace, or BadTraceFile if the
    recorded one does not validate or is not written as the model writes it."""
    if data["model"] != plugin.name:
        raise BadTraceFile(f"{path} is a trace of the model {shown(data['model'])}, not {plugin.name!r}")
    recorded = dict(data["config"])
    no_fairness = recorded.pop("no_fairness", None)
    classes = tuple(getattr(plugin, "fairness_classes", dict)())
    if (not isinstance(no_fairness, list) or not all(isinstance(c, str) and c in classes for c in no_fairness)
            or no_fairness != sorted(set(no_fairness))):
        raise BadTraceFile(f"{path}: the configuration's no_fairness must be a sorted list of fairness classes "
                           f"({', '.join(classes)}), not {shown(no_fairness)}")
    try:
        config = plugin.config_from_dict(recorded)
    except plugin.config_error as err:
        raise BadTraceFile(f"{path}: its configuration does not validate: {err}") from None
    written = config.to_dict()
    for key in sorted(set(written) | set(recorded)):
        if recorded.get(key, "(absent)") != written.get(key, "(absent)"):
            raise BadTraceFile(f"{path}: its configuration says {key} is {shown(recorded.get(key, '(absent)'))}, "
                               f"but the configuration it describes has {shown(written.get(key, '(absent)'))}")
    return config
