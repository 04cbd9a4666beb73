"""`gosched-mc explain`: every field a counterexample shows has an entry (with the runtime name it
abstracts), a typo gets "did you mean", and the README's glossary is the same table."""

import os
import re

from explorer.explain import PC, lookup, markdown
from model.glossary import ENTRIES, PCS
from model.vocab import PC_NAMES
from properties.plugin import plugin
from tests.incli import assert_one_line_error, call

README = os.path.join(os.path.dirname(__file__), "..", "README.md")


def _machines():
    """Numbered threads (sched.midle, nmidle) and unbounded ones (M.count), with a locked thread and timers."""
    for name in ("locked", "timers", "gc"):
        config = next(c for n, _, c in plugin.presets() if n == name)
        yield plugin.build(config)[0]
        yield plugin.build(config.with_(threads=3))[0]


def _a_busy_state(machine, steps=12):
    """A state some steps in, with more than one M made (the first successor each time)."""
    s = machine.init_states()[0]
    for _ in range(steps):
        succ = [t for _, t in machine.successors(s) if t is not None]
        s = succ[-1] if succ else s
    return s


def test_every_field_a_trace_shows_has_exactly_its_entry():
    for machine in _machines():
        for key in machine.fields(_a_busy_state(machine)):
            scope, name = key.split(".", 1)
            want = "sched" if scope == "sched" else "M" if scope == "sysmon" else scope[0]
            found = lookup(ENTRIES, key)
            assert [e[0] for e in found] == [f"{want}.{name}"], key
            assert found[0][1] and found[0][2].endswith(".")


def test_every_schedtrace_and_scheddetail_field_has_an_entry():
    keys = {e[0] for e in ENTRIES}
    for machine in _machines():
        s = _a_busy_state(machine)
        for line in (machine.view(s) + "\n" + machine.view(s, detail=True)).splitlines():
            line = line.strip()
            if line.startswith("#"):
                continue
            scope = "SCHED" if line.startswith("SCHED") else "detail." + line[0]
            for name in re.findall(r"(\w+)=", line):
                assert f"{scope}.{name}" in keys, (scope, name, line)
        assert re.search(r"runqueue=\d+ \[ [\d ]+\]", machine.view(s))  # the per-P counts: SCHED.[ ]
    assert {"#", "SCHED.[ ]"} <= keys


def test_every_program_counter_has_one_entry():
    assert set(PCS) == set(PC_NAMES.values())
    for name in PC_NAMES.values():
        (key, runtime, meaning), = lookup(ENTRIES, name)
        assert key == PC + name and runtime and meaning


def test_the_command_explains_a_field_lists_them_and_suggests_on_a_typo():
    code, out, _ = call("explain", "M3.hp")
    assert code == 0 and out.startswith("M.hp  (runtime: ") and "handoffp" in out
    assert call("explain", "hp")[1] == out == call("explain", "sysmon.hp")[1]
    code, out, _ = call("explain", "findRunnable:", "recheck")  # a pc's name, several words
    assert code == 0 and "delicate dance" in out
    code, listing, _ = call("explain")
    assert code == 0 and "M.hp" in listing and "SCHED.threads" in listing and "mcount()" in listing
    assert_one_line_error(*call("explain", "hpp"), "no field named 'hpp'", "did you mean 'hp'")
    assert_one_line_error(*call("explain", "xyzzy"), "no field named 'xyzzy'", "gosched-mc explain")


def test_the_readme_glossary_is_the_commands_table():
    text = open(README).read()
    block = text.split("<!-- glossary -->\n", 1)[1].split("\n<!-- /glossary -->", 1)[0]
    assert block == markdown(ENTRIES)
    assert call("explain", "--markdown")[1].rstrip("\n") == block
    assert "gosched-mc explain FIELD" in text
