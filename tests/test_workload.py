"""Workload and configuration parsing: what runs, and one clear sentence for what cannot."""

import pytest

from model.config import Config, ConfigError, build, from_toml, validate
from model.workload import OP_EXIT, OP_LOOP, OP_SPAWN, WorkloadError, format_workload, parse_workload


def test_programs_get_an_implicit_exit_and_round_trip():
    w = parse_workload("spawn(1), syscall; go 2 net_read; park, loop")
    assert [op.code for op in w[0]] == [OP_SPAWN, 3, OP_EXIT]
    assert w[1][0].code == OP_SPAWN and w[1][0].arg == 2
    assert w[2][-1].code == OP_LOOP
    assert parse_workload(format_workload(w)) == w


@pytest.mark.parametrize("spec, words", [
    ("spawn(1), fly", "unknown op 'fly'"),
    ("spawn", "needs a goroutine number"),
    ("exit, syscall", "can never run"),
    ("spawn(3); exit", "does not exist"),
    ("spawn(1); exit; exit", "program 2 (G3) is never spawned"),
    ("spawn(1), spawn(1); exit", "spawned twice"),
    ("spawn(0)", "program 0 is main (G1)"),
    ("spawn(G1)", "program 0 is main (G1)"),
    ("spawn(G2); exit", None),
    ("ready(1), spawn(1); exit", "never parks"),
    ("spawn(1), loop; exit", "spawn inside the loop"),
    ("spawn(1), syscall, loop(1); exit", None),
    ("loop", "must go back to an earlier op"),
    ("syscall, loop(1)", "must go back to an earlier op"),
])
def test_bad_workloads_are_one_sentence(spec, words):
    if words is None:  # a valid workload, for contrast
        validate(Config(workload=parse_workload(spec)))
        return
    with pytest.raises((WorkloadError, ConfigError)) as err:
        validate(Config(workload=parse_workload(spec)))
    assert words in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("field, value, words", [
    ("procs", 0, "GOMAXPROCS must be an integer from 1"),
    ("procs", 9, "GOMAXPROCS must be an integer from 1"),
    ("runq", 0, "local run queue capacity"),
    ("threads", 99, "thread limit"),
    ("protocol", "nosuch", "unknown syscall protocol"),
    ("mutant", "nosuch", "no mutant named"),
])
def test_impossible_configurations_are_refused(field, value, words):
    with pytest.raises(ConfigError) as err:
        validate(Config(workload=parse_workload("exit")).with_(**{field: value}))
    assert words in str(err.value)


def test_toml_config_and_its_errors(tmp_path):
    good = tmp_path / "c.toml"
    good.write_text('procs = 1\nworkload = ["spawn(1), syscall", "yield"]\n')
    config = build(Config(), from_toml(str(good)))
    assert config.procs == 1 and len(config.workload) == 2
    bad = tmp_path / "bad.toml"
    bad.write_text("procs = = 1\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        from_toml(str(bad))
    unknown = tmp_path / "u.toml"
    unknown.write_text("gomaxprocs = 1\n")
    with pytest.raises(ConfigError, match="unknown keys: gomaxprocs"):
        from_toml(str(unknown))
    with pytest.raises(ConfigError, match="does not exist"):
        from_toml(str(tmp_path / "missing.toml"))
