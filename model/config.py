"""Configuration of one model instance: bounds, workload, protocol, mutant."""

import tomllib
from dataclasses import dataclass, field, replace

from .workload import Program, WorkloadError, format_workload, parse_workload, validate_workload

PROTOCOLS = ("modern", "classic")
# The syscall protocol each pinned Go release uses (--go): classic up to 1.25, modern from 1.26.
GO_PROTOCOLS = {"1.25": "classic", "1.26": "modern", "1.27": "modern"}
PROTOCOL_RELEASES = {"classic": "Go 1.14-1.25, checked against Go 1.25.5",
                     "modern": "Go 1.26+, checked against Go 1.27.3"}
MAX_PROCS = 4
MAX_THREADS = 16
MAX_CUTOFF = 8
DEFAULT_CUTOFF = 1
MAX_GOROUTINES = 12  # real traces: main, three runtime/trace goroutines, runtime goroutines, the program's own
MAX_RUNQ = 8
MAX_TOML_BYTES = 1 << 20  # a configuration is a few lines; anything bigger is not one
# The type each configuration field must have, wherever it comes from (a flag, a TOML file, a saved trace).
_INTEGER, _STRING = (int, "an integer"), (str, "a string")
FIELD_TYPES = {"procs": _INTEGER, "threads": _INTEGER, "runq": _INTEGER, "protocol": _STRING, "mutant": _STRING,
               "name": _STRING, "preset": _STRING, "workload": ((str, list), "a string or a list of strings")}


class ConfigError(ValueError):
    """A configuration that cannot be checked; the message is one sentence."""


@dataclass(frozen=True)
class Config:
    procs: int = 2  # GOMAXPROCS
    threads: int = 0  # max Ms; 0: unbounded (threads are made whenever startm needs one)
    runq: int = 2  # local run queue capacity (len(p.runq))
    workload: tuple[Program, ...] = field(default_factory=lambda: parse_workload("exit"))
    protocol: str = "modern"  # the syscall protocol: modern (Go 1.26+) or classic (_Psyscall, Go 1.14-1.25)
    mutant: str | None = None
    name: str = "custom"
    cutoff: int = DEFAULT_CUTOFF  # unbounded threads: Ms in one local state are counted exactly up to this

    @property
    def goroutines(self) -> int:
        return len(self.workload)

    @property
    def bounded(self) -> bool:
        """A thread limit was set (--threads N): steps needing more are cut."""
        return bool(self.threads)

    @property
    def threads_text(self) -> str:
        return f"<={self.threads}" if self.threads else f"unbounded (cutoff {self.cutoff})"

    def to_dict(self) -> dict:
        return {
            "name": self.name, "protocol": self.protocol, "procs": self.procs,
            "threads": self.threads or "unbounded", "cutoff": self.cutoff, "runq": self.runq,
            "goroutines": self.goroutines, "workload": format_workload(self.workload), "mutant": self.mutant,
        }

    def with_(self, **changes) -> "Config":
        return replace(self, **changes)


def _shown(value) -> str:
    """A value in a message: its repr, cut short (a file may hold a huge one)."""
    try:
        text = repr(value)
    except (ValueError, RecursionError):  # an integer of thousands of digits, a deeply nested list
        return f"a {type(value).__name__} too big to show"
    return text if len(text) <= 40 else text[:40] + "..."


def _check_range(what: str, value, low: int, high: int, flag: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ConfigError(f"{what} must be an integer from {low} to {high} ({flag}), not {_shown(value)}")


def check_types(data: dict, where: str) -> None:
    """Raise ConfigError unless every known field in data has its type (None
    means unset); `where` names the source, e.g. "config file c.toml"."""
    for key, (kind, wanted) in FIELD_TYPES.items():
        value = data.get(key)
        if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
            raise ConfigError(f"{where}: {key} must be {wanted}, not {_shown(value)}")


def validate(config: Config) -> Config:
    """Return config if it describes a model that can run, else raise ConfigError."""
    _check_range("GOMAXPROCS", config.procs, 1, MAX_PROCS, "--procs")
    if config.threads != 0:
        _check_range("the thread limit", config.threads, 1, MAX_THREADS, "--threads")
    _check_range("the thread-count cutoff", config.cutoff, 1, MAX_CUTOFF, "--cutoff")
    _check_range("the local run queue capacity", config.runq, 1, MAX_RUNQ, "--runq")
    if config.mutant is not None:
        from .mutants import MUTANTS
        if config.mutant not in MUTANTS:
            import difflib
            close = difflib.get_close_matches(str(config.mutant), list(MUTANTS), n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(f"no mutant named {_shown(config.mutant)}{hint}; `gosched-mc mutants --list` lists them")
    if config.protocol not in PROTOCOLS:
        raise ConfigError(f"unknown syscall protocol {_shown(config.protocol)}; known: {', '.join(PROTOCOLS)}")
    if config.mutant is not None:
        from .mutants import MUTANTS
        if MUTANTS[config.mutant].protocol != config.protocol:
            raise ConfigError(f"the mutant {config.mutant} seeds a bug in the {MUTANTS[config.mutant].protocol} "
                              f"protocol, not the {config.protocol} one (--protocol "
                              f"{MUTANTS[config.mutant].protocol})")
    if not 1 <= config.goroutines <= MAX_GOROUTINES:
        raise ConfigError(f"the workload has {config.goroutines} goroutines; the model allows 1 to {MAX_GOROUTINES}")
    try:
        validate_workload(config.workload)
    except WorkloadError as err:
        raise ConfigError(f"bad workload: {err}") from None
    return config


def from_toml(path: str) -> dict:
    """Read config fields from a TOML file: procs, threads, runq, protocol,
    mutant, and workload (a string, or a list of one program per goroutine)."""
    if not path:
        raise ConfigError("the config file name is empty; give the path of a TOML file")
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_TOML_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except OSError as err:
        raise ConfigError(f"cannot read config file {path}: {(err.strerror or str(err)).lower()}") from None
    if len(raw) > MAX_TOML_BYTES:
        raise ConfigError(f"config file {path} is larger than {MAX_TOML_BYTES >> 20} MB, so not a configuration")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"config file {path} is not UTF-8 text, so not TOML") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"config file {path} is not valid TOML: {err}") from None
    except RecursionError:
        raise ConfigError(f"config file {path} nests arrays or tables too deeply to be a configuration") from None
    except ValueError as err:  # e.g. an integer of more than 4,300 digits
        raise ConfigError(f"config file {path} holds a value that cannot be read: {str(err).split(';')[0]}") from None
    known = {"procs", "threads", "runq", "protocol", "mutant", "workload", "name", "preset", "cutoff"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"config file {path} has unknown keys: {', '.join(unknown)}")
    check_types(data, f"config file {path}")
    return data


def build(base: Config, overrides: dict) -> Config:
    """Apply overrides (from flags or TOML) to base, parse the workload, validate."""
    changes = {k: v for k, v in overrides.items() if v is not None and k != "preset"}
    check_types(changes, "the configuration")
    if "workload" in changes:
        try:
            changes["workload"] = parse_workload(changes["workload"])
        except WorkloadError as err:
            raise ConfigError(f"bad workload: {err}") from None
    return validate(replace(base, **changes))
