"""The abstraction of unboundedly many threads is sound: every state (and
step) reachable with a fixed number of numbered threads maps into the
abstract state space, and its runs map step by step onto abstract runs.

This is what lets `gosched-mc check` answer for any number of threads; if
the abstraction ever dropped a behaviour, a test here would find the
concrete state it cannot account for."""

import pytest

from explorer.search import explore
from explorer.trace import concretize
from model.machine import GoScheduler
from model.presets import preset
from properties.plugin import plugin

SMALL = ["tiny", "syscalls", "preempt", "overflow", "steal", "lostwakeup", "syscallspin", "syscallloop",
         "handoff3", "spinners", "locked"]


@pytest.fixture(scope="module")
def abstract_spaces():
    cache = {}

    def get(name):
        if name not in cache:
            m = GoScheduler(preset(name))
            cache[name] = (m, explore(m, [], workers=1))
        return cache[name]
    return get


@pytest.mark.parametrize("threads", [3, 4, 5, 6, 7, 8])
@pytest.mark.parametrize("name", SMALL)
def test_every_state_with_n_numbered_threads_maps_into_the_abstract_space(abstract_spaces, name, threads):
    abstract, ares = abstract_spaces(name)
    assert ares.complete and not ares.bounded
    bounded = GoScheduler(preset(name).with_(threads=threads))
    res = explore(bounded, [], workers=1, keep_states=True)  # alpha forgets thread numbers: a representative per orbit suffices
    assert res.complete
    missing = [s for s in res.space.states
               if ares.space.number_of(abstract, abstract.abstract_of(s, bounded)) < 0]
    assert not missing, f"{len(missing)} states with {threads} threads have no abstract image, e.g.\n" + \
        bounded.view(missing[0], True)


@pytest.mark.parametrize("name", ["tiny", "syscalls", "steal", "syscallloop"])
def test_every_numbered_step_is_an_abstract_step_of_the_same_action(name):
    abstract = GoScheduler(preset(name))
    bounded = GoScheduler(preset(name).with_(threads=5))
    res = explore(bounded, [], workers=1, keep_states=True)
    succ_cache: dict = {}
    for s in res.space.states:
        a = abstract.abstract_of(s, bounded)
        if a not in succ_cache:
            succ_cache[a] = {(lab[0], t) for lab, t in abstract.successors(a)}
        for label, t in bounded.successors(s):
            if t is None:
                continue
            assert (label[0], abstract.abstract_of(t, bounded)) in succ_cache[a], \
                f"{bounded.label_text(label)} has no abstract counterpart"


def test_the_unbounded_search_has_no_cut_and_reaches_beyond_any_small_bound():
    """syscallloop never saturated under a thread limit (1,277 states at 3
    threads ... 71,287 at 8); unbounded, it is finite and complete."""
    m, inv = plugin.build(preset("syscallloop"))
    res = explore(m, inv, workers=1)
    assert res.complete and not res.bounded and not res.violations
    eight = explore(GoScheduler(preset("syscallloop").with_(threads=8)), [], workers=1)
    assert eight.bounded  # eight threads still cut steps


def test_an_abstract_counterexample_is_shown_as_a_run_with_numbered_threads():
    m, inv = plugin.build(preset("syscalls").with_(mutant="exitsyscall_no_cas", protocol="classic"))
    res = explore(m, inv, workers=1)
    (v,) = res.violations
    steps = concretize(m, v.path)
    twin, alpha = m.concrete()
    assert [alpha(st.state) for st in steps] == v.path
    prev = steps[0].state
    for st in steps[1:]:
        assert any(lab == st.label and t == st.state for lab, t in twin.successors(prev))
        prev = st.state
