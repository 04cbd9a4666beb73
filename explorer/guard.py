"""The command's last line of defence: standard output that fails in one
sentence, and internal errors reported in one sentence instead of a
traceback (explorer/cli.py main)."""

import contextlib
import os
import sys
import traceback


class StdoutFailed(Exception):
    """Standard output cannot be written (a full disk, /dev/full, a closed pipe)."""

    def __init__(self, err: OSError):
        super().__init__((err.strerror or str(err)).lower())
        self.errno = err.errno


class _CheckedStream:
    """A text stream whose write and flush raise StdoutFailed instead of
    OSError, so a failure to print is told apart from a failure inside the
    checker."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text):
        try:
            return self._stream.write(text)
        except OSError as err:
            raise StdoutFailed(err) from None

    def flush(self):
        try:
            return self._stream.flush()
        except OSError as err:
            raise StdoutFailed(err) from None

    def __getattr__(self, name):
        return getattr(self._stream, name)


@contextlib.contextmanager
def checked_stdout():
    """Within the block, print() to stdout raises StdoutFailed on an OS
    error; the block's output is flushed before it ends."""
    original = sys.stdout
    sys.stdout = _CheckedStream(original)
    try:
        yield
        sys.stdout.flush()
    finally:
        sys.stdout = original


def silence_stdout() -> None:
    """Send whatever is still buffered for stdout nowhere, so Python's own
    flush at exit does not fail again (with a traceback of its own)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass  # not a real file (e.g. captured by a test): nothing to protect


def one_line(text) -> str:
    """A message on one line: line breaks and other control characters (from
    a user's text) shown escaped, as in a Python string literal."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in str(text))


def internal_error_sentence(prog: str, err: BaseException) -> str:
    """One sentence for a bug in the checker: what, where, what to report."""
    frames = traceback.extract_tb(err.__traceback__)
    where = ""
    if frames:
        last = frames[-1]
        where = f" at {'/'.join(last.filename.split(os.sep)[-2:])}:{last.lineno}"
    what = one_line(f"{type(err).__name__}: {err}" if str(err) else type(err).__name__)
    if len(what) > 200:
        what = what[:200] + "..."
    return (f"{prog}: internal error{where} ({what}); this is a bug in {prog}: please report it with the "
            f"command line and the traceback that the same command prints with --debug")
