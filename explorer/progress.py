"""A progress line on stderr for runs longer than a couple of seconds (tqdm):
the phase, states (with thousands separators), depth, queue and memory."""

import sys

from tqdm import tqdm

DELAY_SECONDS = 2.0


class Progress:
    def __init__(self, enabled: bool = True, what: str = "safety"):
        self.enabled = enabled
        self.bar = None
        self.what = what
        self.last = 0
        if enabled:
            self.bar = tqdm(desc=what, unit=" states", file=sys.stderr, delay=DELAY_SECONDS, dynamic_ncols=True,
                            leave=False, mininterval=0.5, unit_scale=False,
                            bar_format="{desc}: {n:,}{unit} [{elapsed}, {rate_fmt}] {postfix}")

    def update(self, states: int, depth: int, queue: int, memory_mb: float = 0.0) -> None:
        if self.bar is None:
            return
        self.bar.update(states - self.last)
        self.last = states
        mem = f", {memory_mb:,.0f} MB" if memory_mb else ""
        self.bar.set_postfix_str(f"depth {depth}, queue {queue:,}{mem}", refresh=False)

    def phase(self, what: str, total: int | None = None) -> "Progress":
        """A new bar for a later phase (liveness, export), same enablement."""
        self.close()
        return Progress(self.enabled, what)

    def tick(self, done: int, note: str = "") -> None:
        if self.bar is None:
            return
        self.bar.update(done - self.last)
        self.last = done
        if note:
            self.bar.set_postfix_str(note, refresh=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
