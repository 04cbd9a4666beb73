"""Shared explorations: each preset is verified once per session (every
safety and liveness property at once) and the tests read their verdicts."""

import functools

from explorer.verify import verify
from model.mutants import CATALOGUE
from model.presets import preset
from properties.plugin import plugin

# The presets every safety property is checked on (readable test ids): under the
# modern protocol (the default), and NAME@classic under the classic one.
CLASSIC = ["tiny@classic", "syscalls@classic", "default@classic", "gc@classic", "stwblock@classic", "locked@classic"]
SAFETY_PRESETS = ["tiny", "syscalls", "preempt", "netpoll", "overflow", "steal", "default", "gc", "stwblock", "locked",
                  "timers"] + CLASSIC
# The presets every liveness property is checked on: these, and every liveness
# mutant's preset, which must satisfy every property without the seeded bug.
LIVENESS_PRESETS = list(dict.fromkeys(["tiny", "syscalls", "preempt", "netpoll", "steal", "default", "gc", "stwblock",
                                       "locked", "timers", "pingpong", "syscalls@classic", "default@classic"]
                                      + [f"{m.preset}@{m.protocol}" if m.protocol != "modern" else m.preset
                                         for m in CATALOGUE if m.kind == "liveness"]))


def config_of(name: str):
    """A preset, or NAME@PROTOCOL: the preset under that syscall protocol."""
    base, _, protocol = name.partition("@")
    return preset(base).with_(protocol=protocol) if protocol else preset(base)


@functools.cache
def verification(name: str, no_fairness: tuple = ()):
    machine, invariants = plugin.build(config_of(name))
    v = verify(machine, invariants, plugin.liveness(machine), stop_at_first=False, workers=2,
               no_fairness=no_fairness)
    return machine, invariants, v
