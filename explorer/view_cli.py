"""`gosched-mc view TRACE.json -o trace.html`, and `--html FILE` on `check`,
`witness` and `replay`: a trace drawn as a timeline page.

The plugin turns a saved trace into a timeline description
(`plugin.timeline(data)`); explorer/view.py draws it. Each step also gets
the model's own rendering of its state (`Machine.view`, the schedtrace
lines), which a saved trace does not hold: `view` replays the trace to get
it, and draws without it if the model no longer produces the trace.
"""

import argparse
import os
import sys

from .replay import BadTraceFile, ReplayMismatch, load, replay
from .trace import TraceError, to_json
from .view import render


class ViewError(Exception):
    """The page cannot be drawn or written (exit status 2)."""


def output_path(text: str) -> str:
    """An HTML file to write (argparse type): checked before any search runs,
    so a typo in the folder does not cost a whole check."""
    if os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"{text} is a folder; give a file name such as "
                                         f"{os.path.join(text, 'trace.html')}")
    folder = os.path.dirname(os.path.abspath(text))
    if not os.path.isdir(folder):
        raise argparse.ArgumentTypeError(f"cannot write {text}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"cannot write {text}: no permission to write in {folder}")
    return text


def add_html_option(parser) -> None:
    parser.add_argument("--html", type=output_path, metavar="FILE",
                        help="also draw the trace as a timeline in one self-contained HTML page")


def add_view_command(sub) -> None:
    v = sub.add_parser("view", help="draw a saved trace as a timeline in one self-contained HTML page")
    v.add_argument("file", help="a trace saved by --trace-out")
    v.add_argument("-o", "--output", required=True, type=output_path, metavar="FILE", help="the HTML file to write")


def trace_dict(machine, trace) -> dict:
    """The trace as `--trace-out` saves it, plus each state's schedtrace lines."""
    data = to_json(machine, trace)
    for entry, step in zip(data["steps"], trace.steps):
        entry["view"] = machine.view(step.state, True)
    return data


def page(plugin, data: dict) -> str:
    timeline = getattr(plugin, "timeline", None)
    if timeline is None:
        raise ViewError(f"the model {getattr(plugin, 'name', '?')!r} cannot draw timelines (its plugin has no timeline())")
    return render(timeline(data))


def write(path: str, text: str) -> None:
    """Write atomically (a temporary file in the same folder, then os.replace),
    so a browser or a script never reads half a page."""
    tmp = os.path.join(os.path.dirname(os.path.abspath(path)), f".{os.path.basename(path)}.{os.getpid()}.tmp")
    created = False
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        created = True
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as err:
        if created and os.path.exists(tmp):
            os.unlink(tmp)
        raise ViewError(f"cannot write {path}: {err.strerror or err}") from None


def write_trace(plugin, machine, trace, path: str) -> None:
    """`--html FILE`: draw a trace the command has just found or replayed."""
    from .cli import PROG

    write(path, page(plugin, trace_dict(machine, trace)))
    print(f"{PROG}: timeline written to {path}; open it in a browser", file=sys.stderr)


def write_first(plugin, machine, traces: list, path: str) -> None:
    """`check --html FILE`: draw the first counterexample or lasso, as --trace-out saves it."""
    from .cli import PROG

    if traces:
        write_trace(plugin, machine, traces[0], path)
    else:
        print(f"{PROG}: no counterexample to draw, so {path} is not written", file=sys.stderr)


def _with_views(plugin, data: dict) -> tuple[dict, str]:
    """The trace with each state's schedtrace lines, by replaying it; or the
    trace as it is and why it does not replay."""
    try:
        machine, _ = plugin.build(plugin.config_from_dict(data["config"]))
        actions = set(machine.actions()) if hasattr(machine, "actions") else {s["label"][0] for s in data["steps"][1:]}
        trace = replay(machine, data, actions)
    except (plugin.config_error, BadTraceFile, ReplayMismatch, TraceError, *getattr(plugin, "input_errors", ())) as err:
        return data, str(err)
    steps = [dict(entry, view=machine.view(step.state, True)) for entry, step in zip(data["steps"], trace.steps)]
    return dict(data, steps=steps), ""


def cmd_view(plugin, args) -> int:
    from .cli import PROG

    data, why = _with_views(plugin, load(args.file))
    write(args.output, page(plugin, data))
    if why:
        print(f"{PROG} view: note: {args.file} does not replay against this model ({why}); "
              "the page is drawn from its recorded fields, without schedtrace lines", file=sys.stderr)
    print(f"{PROG} view: {args.file}: {len(data['steps']) - 1} steps drawn in {args.output}")
    return 0
