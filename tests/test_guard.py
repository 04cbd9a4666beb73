"""A bug in the checker is one sentence and exit status 70, never a
traceback and never exit status 1 (which means "a property is violated")."""

import subprocess
import sys

import pytest

import explorer.cli as cli
from incli import call


def crash(*args, **kwargs):
    raise ZeroDivisionError("division by zero")


@pytest.mark.parametrize("failure", [ZeroDivisionError("division by zero"), RecursionError("too deep"),
                                     KeyError("P9"), OSError(5, "Input/output error"), MemoryError()])
def test_an_unexpected_exception_is_one_sentence_and_exit_70(monkeypatch, failure):
    def fail(*args, **kwargs):
        raise failure
    monkeypatch.setattr(cli, "verify", fail)
    code, out, err = call("check", "--preset", "tiny")
    assert code == cli.EXIT_INTERNAL == 70
    assert "Traceback" not in out + err
    (line,) = err.strip().splitlines()
    assert line.startswith("gosched-mc: internal error at tests/test_guard.py:")
    assert type(failure).__name__ in line and "please report it" in line and "--debug" in line


def test_debug_shows_the_traceback_and_still_exits_70(monkeypatch):
    monkeypatch.setattr(cli, "verify", crash)
    code, out, err = call("check", "--debug", "--preset", "tiny")
    assert code == 70
    assert "Traceback (most recent call last)" in err and "ZeroDivisionError" in err
    assert err.strip().splitlines()[-1].startswith("gosched-mc: internal error")


def test_debug_is_a_global_flag_in_any_position(monkeypatch):
    monkeypatch.setattr(cli, "verify", crash)
    for argv in (["--debug", "check", "--preset", "tiny"], ["check", "--preset", "tiny", "--debug"]):
        code, _, err = call(*argv)
        assert code == 70 and "Traceback" in err
    assert "--debug" in call("--help")[1]


def test_the_installed_command_exits_70_on_a_crash():
    script = ("import sys, explorer.cli as c; c.COMMANDS['presets'] = lambda plugin, args: 1 / 0; "
              "sys.exit(c.main(['presets']))")
    p = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert p.returncode == 70
    assert "Traceback" not in p.stderr and len(p.stderr.strip().splitlines()) == 1


def test_exit_codes_are_documented_in_the_module_and_the_readme():
    import os
    readme = open(os.path.join(os.path.dirname(__file__), "..", "README.md")).read()
    for code, words in ((0, "every property holds"), (1, "a property is violated"), (2, "bad input"),
                        (3, "a limit"), (4, "within a bound"), (70, "internal error")):
        assert f"{code} " in cli.__doc__ and words in cli.__doc__, code
        assert f"| {code} | " in readme and words in readme, code
