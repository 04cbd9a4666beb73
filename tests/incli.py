"""Running the command in this process, with its output captured: fast
enough for hypothesis to call it hundreds of times."""

import contextlib
import io
import json

from explorer.cli import main

ALLOWED_EXITS = {0, 1, 2, 3, 4}  # 70 (internal error) never: that is a bug


def call(*argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def assert_clean(code: int, out: str, err: str) -> None:
    """The contract for any input: a documented exit status, no traceback,
    and bad input reported in at most one line."""
    assert code in ALLOWED_EXITS, (code, out[-2000:], err[-2000:])
    assert "Traceback" not in out + err, (out[-2000:], err[-2000:])
    if code == 2:
        assert len(err.strip().splitlines()) <= 1, err


def assert_one_line_error(code: int, out: str, err: str, *words: str) -> str:
    """Exit status 2 and exactly one sentence on stderr, containing words."""
    assert code == 2, (code, out[-2000:], err[-2000:])
    assert "Traceback" not in out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gosched-mc: error: "), err
    for w in words:
        assert w in lines[0], (w, lines[0])
    return lines[0]


def write_json(path, data) -> str:
    path.write_text(json.dumps(data))
    return str(path)
