"""State fingerprints and the compact visited set (TLC's fingerprint set).

A state is stored as a 128-bit fingerprint of its encoding (BLAKE2b), not as
itself: 16 bytes instead of a hundred or more. Two different states with the
same fingerprint would be merged and one of them never explored; with n
states the chance that this happens anywhere in a search is at most
n(n-1)/2 / 2**128 (about 1.5e-27 for a million states), which the verdict
states, as TLC does. `--exact` keeps the states too and checks every match,
so a collision would be reported, never silent.

The set numbers states in insertion order and is an open-addressing hash
table of those numbers (linear probing, at most 3/4 full) over two arrays
of fingerprint halves indexed by number. Batches are inserted with numpy,
in order: the numbers a batch receives do not depend on how it was cut.
"""

import hashlib
import pickle

import numpy as np

FP_BYTES = 16
MAX_LOAD = 0.75
GROWTH = 1.25  # growable arrays: small overallocation keeps bytes per state low


def encode(state) -> bytes:
    """The bytes a state is fingerprinted by: itself if it is bytes."""
    return state if type(state) is bytes else pickle.dumps(state, protocol=5)


def fingerprint(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=FP_BYTES).digest()


def collision_probability(n: int) -> float:
    return n * (n - 1) / 2 / 2.0 ** (8 * FP_BYTES)


class GrowArray:
    """A numpy array that grows at the end, with amortised appends."""

    def __init__(self, dtype, capacity: int = 1024):
        self.a = np.zeros(capacity, dtype)
        self.n = 0

    def extend(self, values) -> None:
        values = np.asarray(values, self.a.dtype)
        need = self.n + len(values)
        if need > len(self.a):
            bigger = np.zeros(max(need, int(len(self.a) * GROWTH) + 1024), self.a.dtype)
            bigger[:self.n] = self.a[:self.n]
            self.a = bigger
        self.a[self.n:need] = values
        self.n = need

    def view(self) -> np.ndarray:
        return self.a[:self.n]

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i):
        return self.a[:self.n][i]

    @property
    def nbytes(self) -> int:
        return self.a.nbytes


def split(fps: bytes):
    """A run of fingerprints as (lo, hi) uint64 arrays."""
    both = np.frombuffer(fps, dtype="<u8").reshape(-1, 2)
    return both[:, 0].copy(), both[:, 1].copy()


class FingerprintSet:
    """Fingerprints numbered 0, 1, 2, ... in insertion order."""

    def __init__(self, capacity: int = 1 << 12):
        size = 1 << max(4, (capacity - 1).bit_length())
        self.slots = np.zeros(size, np.uint32)  # number + 1, or 0 for empty
        self.lo = GrowArray(np.uint64)
        self.hi = GrowArray(np.uint64)

    def __len__(self) -> int:
        return len(self.lo)

    @property
    def nbytes(self) -> int:
        return self.slots.nbytes + self.lo.nbytes + self.hi.nbytes

    def _home(self, lo):
        return (lo & np.uint64(len(self.slots) - 1)).astype(np.int64)

    def lookup(self, lo, hi) -> np.ndarray:
        """Numbers of the given fingerprints, -1 where absent."""
        return self._probe(lo, hi)[0]

    def _probe(self, lo, hi):
        """(numbers or -1, the empty slot where each absent one would go)."""
        n = len(lo)
        found = np.full(n, -1, np.int64)
        where = self._home(lo)
        pending = np.arange(n)
        mask = len(self.slots) - 1
        known_lo, known_hi = self.lo.view(), self.hi.view()
        while pending.size:
            pos = where[pending]
            occupant = self.slots[pos].astype(np.int64) - 1
            empty = occupant < 0
            full = ~empty
            cand, num = pending[full], occupant[full]
            same = (known_lo[num] == lo[cand]) & (known_hi[num] == hi[cand])
            found[cand[same]] = num[same]
            moving = cand[~same]
            where[moving] = (where[moving] + 1) & mask
            pending = moving
        return found, where

    def insert(self, lo, hi):
        """Add a batch of distinct fingerprints; returns (numbers, is_new).
        New ones are numbered in batch order after the ones already held."""
        if (len(self) + len(lo)) > MAX_LOAD * len(self.slots):
            self._grow(len(self) + len(lo))
        found, where = self._probe(lo, hi)
        new = found < 0
        first = len(self)
        count = int(new.sum())
        found[new] = np.arange(first, first + count)
        if count:
            self.lo.extend(lo[new])
            self.hi.extend(hi[new])
            self._place(where[new], found[new])
        return found, new

    def _place(self, where, numbers) -> None:
        """Write numbers into the table from their home (or later) slots,
        resolving clashes: one number per slot per round, the rest move on."""
        mask = len(self.slots) - 1
        where = where.copy()
        while where.size:
            taken = self.slots[where] != 0
            if taken.any():
                where[taken] = (where[taken] + 1) & mask
                continue
            _, first = np.unique(where, return_index=True)
            self.slots[where[first]] = (numbers[first] + 1).astype(np.uint32)
            rest = np.ones(len(where), bool)
            rest[first] = False
            where, numbers = (where[rest] + 1) & mask, numbers[rest]

    def _grow(self, need: int) -> None:
        size = len(self.slots)
        while need > MAX_LOAD * size:
            size *= 2
        self.slots = np.zeros(size, np.uint32)
        if len(self):
            self._place(self._home(self.lo.view()), np.arange(len(self), dtype=np.int64))
