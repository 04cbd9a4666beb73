import signal
import sys


def _terminate(signum, frame):
    raise KeyboardInterrupt("terminated (SIGTERM)")


# Until the command installs its own handlers, SIGTERM stops it like Ctrl-C: one sentence, exit 3.
signal.signal(signal.SIGTERM, _terminate)
try:
    from .cli import main, interrupted_early

    code = main()
except KeyboardInterrupt:
    from .cli import interrupted_early

    code = interrupted_early()
sys.exit(code)
