"""A progress line on stderr for runs longer than a couple of seconds (tqdm)."""

import sys

from tqdm import tqdm

DELAY_SECONDS = 2.0


class Progress:
    def __init__(self, enabled: bool = True, what: str = "exploring"):
        self.bar = None
        if enabled:
            self.bar = tqdm(desc=what, unit=" states", file=sys.stderr, delay=DELAY_SECONDS,
                            dynamic_ncols=True, leave=False, mininterval=0.5)
        self.last = 0

    def update(self, states: int, depth: int, queue: int) -> None:
        if self.bar is None:
            return
        self.bar.update(states - self.last)
        self.last = states
        self.bar.set_postfix_str(f"depth {depth}, queue {queue}", refresh=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
