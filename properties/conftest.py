"""Shared explorations: each preset is explored once per session, checking
every property at once, and the tests read their verdicts from it."""

import functools

from explorer.search import explore
from model.presets import preset
from properties.plugin import plugin

# The presets every safety property is checked on (readable test ids).
SAFETY_PRESETS = ["tiny", "syscalls", "preempt", "netpoll", "overflow", "steal", "default"]


@functools.lru_cache(maxsize=None)
def exploration(name: str, mutant: str | None = None):
    config = preset(name) if mutant is None else preset(name).with_(mutant=mutant)
    machine, invariants = plugin.build(config)
    result = explore(machine, invariants, stop_at_first=False, workers=2)
    return machine, invariants, result
