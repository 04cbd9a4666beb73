"""Command-line conventions a user expects: usage for a bare command, --version,
"did you mean" for typos, help text on every option, one JSON flag."""

import argparse
import json

import pytest

from explorer.cli import build_parser
from explorer.plugins import load_plugin
from tests.incli import assert_one_line_error, call


def test_bare_command_prints_usage_and_exits_2_without_checking():
    code, out, err = call()
    assert code == 2 and out == ""
    assert err.startswith("usage: gosched-mc") and "gosched-mc check" in err
    assert "distinct states" not in out + err


def test_version():
    code, out, _ = call("--version")
    assert code == 0 and out.startswith("gosched-mc ") and out.split()[1][0].isdigit()


@pytest.mark.parametrize("argv, wanted", [
    (["chek"], "'check'"),
    (["check", "--preset", "tiyn"], "'tiny'"),
    (["check", "--mutant", "exitsyscall_nocas"], "'exitsyscall_no_cas'"),
    (["check", "--preset", "tiny", "--property", "p_acounting"], "'p_accounting'"),
    (["mutants", "--list", "dance_reverse"], "'dance_reversed'"),
    (["witness", "syscall_handof"], "'syscall_handoff'"),
])
def test_typos_get_did_you_mean(argv, wanted):
    assert_one_line_error(*call(*argv), "did you mean", wanted)


def test_no_suggestion_for_a_name_like_nothing_known():
    line = assert_one_line_error(*call("check", "--preset", "zzzzzz"))
    assert "did you mean" not in line


def _options(parser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from ((f"{name} {a}", h) for a, h in _options(sub))
        elif not isinstance(action, argparse._HelpAction):
            yield "/".join(action.option_strings) or action.dest, action.help


def test_every_option_has_help_text():
    missing = [name for name, text in _options(build_parser(load_plugin())) if not text]
    assert not missing, missing


def test_only_liveness_properties_do_not_claim_safety_holds():
    code, out, _ = call("check", "--preset", "tiny", "--property", "workload_terminates", "--quiet", "--workers", "1")
    assert code == 0, out
    assert "Safety: all 0" not in out and "no safety property selected" in out


def test_format_json_is_the_same_as_json():
    args = ("check", "--preset", "syscalls", "--mutant", "exitsyscall_no_cas", "--workers", "1")
    a = json.loads(call(*args, "--json")[1])
    b = json.loads(call(*args, "--format", "json")[1])
    for key in ("verdict", "states", "violations", "properties"):
        assert a[key] == b[key]
    w = json.loads(call("witness", "syscall_handoff", "--json")[1])
    assert w["property"] == "syscall_handoff" and w["kind"] == "witness"
