"""Every safety invariant, and freedom from scheduler deadlock, on a matrix of presets."""

import pytest

from explorer.spec import DEADLOCK
from properties.conftest import SAFETY_PRESETS, verification
from properties.invariants import CLASSIC_ONLY, MAKERS
from properties.invariants_modern import MAKERS as MODERN_MAKERS

COMMON = [make.__name__.removeprefix("make_") for make in MAKERS if make not in CLASSIC_ONLY] + [DEADLOCK]
OWN = {"classic": [make.__name__.removeprefix("make_") for make in CLASSIC_ONLY],
       "modern": [make.__name__.removeprefix("make_") for make in MODERN_MAKERS]}
CASES = [(name, prop) for name in SAFETY_PRESETS
         for prop in COMMON + OWN["classic" if name.endswith("@classic") else "modern"]]


@pytest.mark.parametrize("name,prop", CASES)
def test_property_holds_on_every_reachable_state(name, prop):
    _, invariants, v = verification(name)
    result = v.result
    assert prop in [inv.name for inv in invariants] + [DEADLOCK]
    failed = [x for x in result.violations if x.property == prop]
    assert not failed, f"{prop} fails on {name}: {failed[0].message} (after {failed[0].length} steps)"
    assert result.complete, f"{name} was not explored completely: {result.stop_reason}"
    assert result.states > 1


@pytest.mark.parametrize("name", SAFETY_PRESETS)
def test_preset_reaches_a_final_state(name):
    """A vacuous model (stuck at the start) would satisfy every invariant."""
    _, _, v = verification(name)
    assert v.result.terminals, f"{name} never reaches a final state"


def test_the_presets_together_fire_every_action():
    fired: set = set()
    actions: set = set()
    for name in SAFETY_PRESETS:
        machine, _, v = verification(name)
        actions |= set(machine.actions())
        fired |= {a for a, n in v.result.coverage.items() if n}
    never = sorted(actions - fired)
    assert not never, f"actions no preset of the suite takes: {never}"
