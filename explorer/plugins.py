"""Finding the model to check.

A plugin is an object registered under the `gosched_mc.plugins` entry point
(or named by GOSCHED_MC_PLUGIN=module:attribute). It offers:

    name, title, config_error          (the exception class for bad configs)
    add_config_arguments(parser)       flags that describe a configuration
    config_from_args(args)             -> config
    config_from_dict(dict)             -> config (from a saved trace)
    presets()                          -> [(name, about, config)]
    build(config)                      -> (machine, invariants)

and optionally mutants(), witnesses(), liveness(machine). The engine knows
nothing else about the model.
"""

import importlib
import os
from importlib.metadata import entry_points

GROUP = "gosched_mc.plugins"


class PluginError(Exception):
    pass


def _import(spec: str):
    module, _, attr = spec.partition(":")
    try:
        obj = importlib.import_module(module)
    except ImportError as err:
        raise PluginError(f"cannot import plugin module {module!r}: {err}") from None
    for part in filter(None, attr.split(".")):
        obj = getattr(obj, part, None)
        if obj is None:
            raise PluginError(f"plugin {spec!r} has no attribute {part!r}")
    return obj


def liveness_of(plugin, machine) -> list:
    """The plugin's liveness properties for a machine (none if it has none)."""
    return plugin.liveness(machine) if hasattr(plugin, "liveness") else []


def load_plugin():
    spec = os.environ.get("GOSCHED_MC_PLUGIN")
    if spec:
        return _import(spec)
    found = sorted(entry_points(group=GROUP), key=lambda ep: ep.name)
    if not found:
        raise PluginError(f"no model is installed (no `{GROUP}` entry point): run `pip install -e .` "
                          "in the gosched-mc checkout, or set GOSCHED_MC_PLUGIN=module:attribute")
    return found[0].load()
