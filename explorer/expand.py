"""The per-state work of the search, done chunk by chunk (in this process or
in a worker): check the invariants, list the successors, put them in
canonical form and fingerprint them.

A chunk's result is compact, because it may cross a pipe: fingerprints as
one bytes object, labels and fairness keys as small numbers (interned here;
new ones travel once, with their number), and a successor state only the
first time this process meets it (the main process has merged every earlier
chunk, so a state met before is known there). Everything the main process
needs to number states and draw edges is in it, in successor order.
"""

from array import array
from dataclasses import dataclass, field

from .fingerprint import FP_BYTES, encode, fingerprint
from .spec import MODEL_ERROR

NO_STATE = bytes(FP_BYTES)  # the fingerprint slot of a step cut at a model bound
SENT_MAX = 2_000_000  # fingerprints a process remembers having sent; forgetting only costs traffic


@dataclass
class ChunkResult:
    verdicts: list  # per state: None, ("bad", [(property, message)]) or ("terminal", (kind, why))
    counts: array  # per state: number of successors
    fps: bytes  # per successor: its fingerprint, NO_STATE for a cut step
    labels: array  # per successor: label number (this process's numbering)
    new_labels: list  # (number, label) first sent in this chunk
    states: list  # (successor position in the chunk, state) for states not sent before
    bits: array | None = None  # per state: liveness predicate bits
    keys: array | None = None  # per successor: fairness key number (this process's numbering)
    new_keys: list = field(default_factory=list)


class Expander:
    """expand(s) -> (violations, terminal, successors); chunk(states) -> ChunkResult."""

    def __init__(self, machine, invariants, check_deadlock: bool, symmetry: bool, predicates=(),
                 fairness: bool = False):
        self.machine = machine
        self.checks = [(inv.name, inv.check) for inv in invariants]
        self.check_deadlock = check_deadlock
        # A model whose successors are canonical already says so (and is not asked twice).
        self.canon = machine.canonical if symmetry and not getattr(machine, "successors_canonical", False) else None
        self.encode = getattr(machine, "encode", encode)
        self.predicates = list(predicates)
        self.fairness_key = machine.fairness_key if fairness else None
        self.model_errors = tuple(getattr(machine, "model_errors", ()))
        self._label_ids: dict = {}
        self._key_ids: dict = {}
        self._sent: set = set()

    def reset_interning(self) -> None:
        self._label_ids, self._key_ids, self._sent = {}, {}, set()

    def expand(self, s):
        bad = None
        for name, check in self.checks:
            message = check(s)
            if message is not None:
                bad = bad or []
                bad.append((name, message))
        if bad:
            return bad, None, ()
        try:
            succ = self.machine.successors(s)
        except self.model_errors as err:
            return [(MODEL_ERROR, f"the model cannot take a step from this state: {err}")], None, ()
        if not succ:
            return None, self.machine.terminal(s) if self.check_deadlock else None, ()
        canon = self.canon
        if canon is not None:
            succ = [(label, canon(t) if t is not None else None) for label, t in succ]
        return None, None, succ

    def chunk(self, states, send_all: bool = False) -> ChunkResult:
        label_ids, sent, enc = self._label_ids, self._sent, self.encode
        if len(sent) > SENT_MAX:
            sent.clear()
        verdicts, counts, fps, labels, new_labels, payload = [], array("I"), bytearray(), array("I"), [], []
        preds, fkey = self.predicates, self.fairness_key
        bits = array("Q") if preds else None
        keys = array("I") if fkey else None
        new_keys: list = []
        pos = 0
        for s in states:
            bad, terminal, succ = self.expand(s)
            verdicts.append(("bad", bad) if bad else ("terminal", terminal) if terminal else None)
            counts.append(len(succ))
            if bits is not None:
                b = 0
                for i, p in enumerate(preds):
                    if p(s):
                        b |= 1 << i
                bits.append(b)
            for label, t in succ:
                lid = label_ids.get(label)
                if lid is None:
                    lid = label_ids[label] = len(label_ids)
                    new_labels.append((lid, label))
                labels.append(lid)
                if t is None:
                    fps += NO_STATE
                else:
                    fp = fingerprint(enc(t))
                    fps += fp
                    if send_all:
                        payload.append((pos, t))
                    elif fp not in sent:
                        sent.add(fp)
                        payload.append((pos, t))
                if keys is not None:
                    k = fkey(s, label)
                    kid = self._key_ids.get(k)
                    if kid is None:
                        kid = self._key_ids[k] = len(self._key_ids)
                        new_keys.append((kid, k))
                    keys.append(kid)
                pos += 1
        return ChunkResult(verdicts, counts, bytes(fps), labels, new_labels, payload, bits, keys, new_keys)
