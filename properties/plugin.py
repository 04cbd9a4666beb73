"""The gosched-mc plugin: what the generic `gosched-mc` command (explorer/cli.py)
checks. It binds the Go scheduler model to its properties and turns command
line flags and TOML files into model configurations.

The explorer finds it through the `gosched_mc.plugins` entry point, so the
engine never imports the model.
"""

import argparse
import re
from dataclasses import asdict

from explorer.spec import Invariant
from explorer.suggest import did_you_mean
from model.config import GO_PROTOCOLS, Config, ConfigError, build, from_toml
from model.lemmas import FAMILIES, lemmas
from model.machine import GoScheduler
from model.mutants import CATALOGUE, MUTANTS
from model.presets import PRESETS, preset
from model.projections import ProjectionError, projection
from model.timeline import timeline as trace_timeline

from . import conformance
from .invariants import invariants
from .liveness import liveness_properties
from .memo import memoised, memoised_parts
from .witnesses import SCENARIOS

DEFAULT_PRESET = "default"
_PROJECTION = re.compile(r"p-status|syscall|[gm]:[0-9]{1,3}")  # ASCII digits: int() would take '٣' too
# The configuration fields a flag, a TOML file or a saved trace may set.
CONFIG_FIELDS = ("procs", "threads", "runq", "workload", "protocol", "mutant", "cutoff")


def _whole_number(text: str) -> int:
    """A flag's whole number in ASCII digits (int() would also take '٣' and
    '1_0'); its range is checked with the rest of the configuration."""
    if not re.fullmatch(r"-?[0-9]{1,9}", text.strip()):
        shown = repr(text if len(text) <= 20 else text[:20] + "...")
        raise argparse.ArgumentTypeError(f"{shown} is not a whole number")
    return int(text)


class GoSchedPlugin:
    name = "gosched"
    title = "Go's M:P:G scheduler around system calls"
    config_error = ConfigError
    input_errors = (ProjectionError,)

    def add_config_arguments(self, parser: argparse.ArgumentParser) -> None:
        g = parser.add_argument_group("configuration (flags override the preset or file)")
        g.add_argument("--preset", metavar="NAME", help=f"a named configuration (default: {DEFAULT_PRESET}); see `presets`")
        g.add_argument("--config", metavar="FILE", help="a TOML file with procs, threads, runq, workload, protocol")
        g.add_argument("--procs", type=_whole_number, metavar="N", help="GOMAXPROCS: the number of Ps")
        g.add_argument("--threads", type=_whole_number, metavar="N",
                       help="bound the number of Ms (threads): steps that need more are cut, and the verdict only "
                            "holds within the bound (default: unbounded, as in the runtime)")
        g.add_argument("--cutoff", type=_whole_number, metavar="K",
                       help="unbounded threads: Ms in one local state are counted exactly up to K, then as "
                            "'more than K' (default: 1); a higher K only refines the abstraction")
        g.add_argument("--runq", type=_whole_number, metavar="N", help="capacity of each P's local run queue")
        g.add_argument("--workload", metavar="SPEC",
                       help="one program per goroutine, separated by ';' (e.g. 'spawn(1), syscall; net_read')")
        g.add_argument("--protocol", metavar="NAME", choices=("modern", "classic"),
                       help="syscall protocol: modern (Go 1.26+, checked against Go 1.27.3; the default) or classic "
                            "(Go 1.14-1.25, _Psyscall, checked against Go 1.25.5)")
        g.add_argument("--go", metavar="VERSION", choices=sorted(GO_PROTOCOLS),
                       help="the Go release whose syscall protocol to check: 1.25 (classic) or 1.26/1.27 (modern); "
                            "the same as --protocol")
        g.add_argument("--mutant", metavar="NAME", help="check a seeded bug (see `mutants`; its protocol is the default)")

    def config_from_args(self, args) -> Config:
        """The configuration the flags describe; ConfigError on bad input."""
        overrides: dict = {}
        preset_name = args.preset
        if args.config is not None:
            data = from_toml(args.config)
            toml_preset = data.pop("preset", None)
            preset_name = toml_preset if preset_name is None else preset_name
            overrides.update(data)
        for key in CONFIG_FIELDS:
            value = getattr(args, key, None)
            if value is not None:
                overrides[key] = value
        go = getattr(args, "go", None)
        if go is not None:
            if args.protocol is not None and args.protocol != GO_PROTOCOLS[go]:
                raise ConfigError(f"--go {go} means the {GO_PROTOCOLS[go]} protocol, but --protocol says {args.protocol}")
            overrides["protocol"] = GO_PROTOCOLS[go]
        return self.make_config(DEFAULT_PRESET if preset_name is None else preset_name, overrides)

    def make_config(self, preset_name: str, overrides: dict) -> Config:
        if preset_name not in PRESETS:
            raise ConfigError(f"no preset named {preset_name!r}{did_you_mean(preset_name, PRESETS)}; "
                              f"known presets: {', '.join(PRESETS)}")
        base = preset(preset_name)
        changed = {k: v for k, v in overrides.items() if v is not None and k not in ("name", "preset")}
        shape = sorted(k for k in changed if k != "mutant")
        mutant = changed.get("mutant")
        if isinstance(mutant, str) and mutant in MUTANTS and "protocol" not in changed:
            changed["protocol"] = MUTANTS[mutant].protocol  # a seeded bug names its protocol
        config = build(base, changed)
        if shape and "name" not in overrides:
            config = config.with_(name=f"{preset_name}+" + ",".join(shape))
        elif "name" in overrides:
            config = config.with_(name=str(overrides["name"]))
        return config

    def config_from_dict(self, data: dict) -> Config:
        """Rebuild a configuration saved in a trace file (Config.to_dict)."""
        if not isinstance(data, dict):
            raise ConfigError("the trace's config is not an object")
        fields = {k: data.get(k) for k in CONFIG_FIELDS}
        return build(Config(name=str(data.get("name", "saved"))), fields)

    def presets(self) -> list[tuple[str, str, Config]]:
        return [(name, about, config) for name, (config, about) in PRESETS.items()]

    def mutants(self) -> list[dict]:
        """The seeded bugs: name, action, change, breaks, grounding, kind, preset, historical."""
        return [asdict(m) for m in CATALOGUE]

    def mutant_config(self, name: str) -> Config:
        if name not in MUTANTS:
            raise ConfigError(f"no mutant named {name!r}{did_you_mean(name, MUTANTS)}; "
                              "`gosched-mc mutants --list` lists them")
        return preset(MUTANTS[name].preset).with_(mutant=name, protocol=MUTANTS[name].protocol)

    def witnesses(self):
        """Reachability scenarios (explorer.observer.Scenario), each with its preset."""
        return list(SCENARIOS)

    # Witnesses bind threads by number, so they run with numbered threads; a
    # run found within this bound is a real run (a "sometimes" needs no more).
    WITNESS_THREADS = 6

    def witness_config(self, scenario, overrides: dict | None = None) -> Config:
        """The scenario's preset with numbered threads; overrides (workload, procs, runq, mutant) change it
        (`witness NAME --workload SPEC`), named "<preset>+workload" and so on."""
        changed = {k: v for k, v in (overrides or {}).items() if v is not None}
        base = preset(scenario.preset).with_(threads=self.WITNESS_THREADS, **dict(scenario.settings))
        if not changed:
            return base
        return build(base, changed).with_(name=f"{scenario.preset}+" + ",".join(sorted(changed)))

    def glossary(self) -> tuple:
        """(key, runtime name, meaning) for every field a counterexample shows (model/glossary.py)."""
        from model.glossary import ENTRIES
        return ENTRIES

    def liveness(self, machine):
        """The liveness properties (explorer.liveness.Liveness) for a machine."""
        return liveness_properties(machine)

    def fairness_classes(self) -> dict:
        return dict(GoScheduler.FAIRNESS_CLASSES)

    def projection(self, machine, spec: str):
        """A Projection (model/projections.py) for `graph --project`."""
        if not _PROJECTION.fullmatch(spec):
            shown = repr(spec if len(spec) <= 20 else spec[:20] + "...")
            raise ProjectionError(f"unknown projection {shown}; use p-status, syscall, g:<id> or m:<id> "
                                  "(<id> a number in ASCII digits)")
        return projection(machine, spec)

    def projection_names(self) -> list[str]:
        return ["p-status", "syscall", "g:<id>", "m:<id>"]

    def invariants_of(self, machine):
        """The safety invariants, bound to this machine's state layout."""
        return invariants(machine)

    def timeline(self, data: dict) -> dict:
        """A saved trace (explorer/trace.py:to_json) as the lanes, spans and
        arrows `gosched-mc view` draws (model/timeline.py)."""
        return trace_timeline(data)

    # --- conformance with real Go execution traces (`gosched-mc conform`) ---------------
    def add_conform_arguments(self, parser: argparse.ArgumentParser) -> None:
        conformance.add_arguments(parser)

    def conform(self, args, log=None):
        """Check the trace args.input names (see properties/conformance.py);
        the result has exit_status, text(detail) and json()."""
        return conformance.from_args(args, log)

    @property
    def conform_errors(self) -> tuple:
        return conformance.INPUT_ERRORS

    def symbolic_view(self, machine):
        """The model as the symbolic engines (`bmc`, `prove`) run it (model/symbolic.py)."""
        from model.symbolic import SymbolicView
        return SymbolicView(machine)

    def candidate_lemmas(self, machine, domains):
        """Candidate strengthening invariants for `prove` (model/symbolic.py)."""
        from model.symbolic import candidate_lemmas
        return candidate_lemmas(machine, domains)

    @property
    def lemma_families(self) -> dict:
        """Why each family of generated candidates holds (model/lemmas.py)."""
        return FAMILIES

    def lemmas_of(self, machine):
        """The strengthening lemmas of model/lemmas.py as named predicates
        (the safety invariants' form: the explicit search can check them and
        the symbolic engine compiles them)."""
        return [Invariant(lm.name, memoised_parts(lm.offsets, lm.parts, lm.fn) if lm.parts is not None else memoised(lm.offsets, lm.fn),
                          lm.reason) for lm in lemmas(machine)]

    def build(self, config: Config):
        """(machine, invariants) for a configuration."""
        machine = GoScheduler(config)
        return machine, invariants(machine)


plugin = GoSchedPlugin()
