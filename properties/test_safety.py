"""Every safety invariant, and freedom from scheduler deadlock, on a matrix of presets."""

import pytest

from explorer.spec import DEADLOCK
from properties.conftest import SAFETY_PRESETS, exploration
from properties.invariants import MAKERS

PROPERTIES = [make.__name__.removeprefix("make_") for make in MAKERS] + [DEADLOCK]


@pytest.mark.parametrize("prop", PROPERTIES)
@pytest.mark.parametrize("name", SAFETY_PRESETS)
def test_property_holds_on_every_reachable_state(name, prop):
    machine, invariants, result = exploration(name)
    assert prop in [inv.name for inv in invariants] + [DEADLOCK]
    failed = [v for v in result.violations if v.property == prop]
    assert not failed, f"{prop} fails on {name}: {failed[0].message} (after {failed[0].length} steps)"
    assert result.complete, f"{name} was not explored completely: {result.stop_reason}"
    assert result.states > 1


@pytest.mark.parametrize("name", SAFETY_PRESETS)
def test_preset_reaches_a_final_state(name):
    """A vacuous model (stuck at the start) would satisfy every invariant."""
    _, _, result = exploration(name)
    assert result.terminals, f"{name} never reaches a final state"
