"""The scheduler's textbook scenarios are reachable: each has a shortest
witness run that ends as the scenario says, and the run replays."""

import pytest

from explorer.observer import find_witness
from explorer.replay import replay
from explorer.trace import to_json
from properties.plugin import plugin

SCENARIOS = plugin.witnesses()


def test_at_least_ten_scenarios():
    assert len(SCENARIOS) >= 10


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario_is_reachable_and_its_witness_replays(scenario):
    config = plugin.witness_config(scenario)
    machine, _ = plugin.build(config)
    trace, result = find_witness(machine, scenario)
    assert trace is not None, f"{scenario.name} is unreachable in {scenario.preset} ({result.states} states)"
    # The run satisfies the scenario only at its last step: it is a shortest witness.
    obs = scenario.start(machine, trace.steps[0].state)
    accepted_at = None
    for i, step in enumerate(trace.steps[1:], start=1):
        options = scenario.step(machine, obs, step.label, step.state)
        obs = max(options, key=lambda o: o[0])
        if scenario.accepted(obs):
            accepted_at = i
            break
    assert accepted_at == trace.length
    trace.config = config.to_dict()
    assert replay(machine, to_json(machine, trace), set(machine.actions())).length == trace.length
