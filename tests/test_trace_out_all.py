"""`check --all-violations --trace-out FILE` saves every trace found, each in its own file, and says which is which."""

import json

from tests.incli import call


def test_every_violation_is_saved_and_each_replays(tmp_path):
    out_path = tmp_path / "t.json"
    code, out, err = call("check", "--preset", "syscallloop", "--mutant", "sysmon_never_retakes", "--all-violations",
                          "--trace-out", out_path, "--workers", "1", "--quiet")
    assert code == 1, err
    files = [out_path] + [tmp_path / f"t.{i}.json" for i in range(2, 10) if (tmp_path / f"t.{i}.json").exists()]
    assert len(files) >= 2, out
    names = [json.loads(f.read_text())["property"] for f in files]
    assert len(set(names)) == len(names)
    assert f"{len(files)} traces saved" in out
    for f, name in zip(files, names):
        assert f"  {f}: " in out and f"for {name} (" in out
        code, text, err = call("replay", f, "--quiet")
        assert code == 0 and name in text, (text, err)
