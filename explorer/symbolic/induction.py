"""k-induction of the safety properties.

The claim is a conjunction of named state predicates: the safety
invariants, "no deadlock", "no model_error", TypeOK (every field within the
value-set analysis's domains, domains.py: the relation is exact only there)
and "no crash" (the code raises nothing but the model's own errors), together with any auxiliary strengthening
invariants the model offers. It is proven by

  base   no run of fewer than k steps from an initial state breaks it (bmc.py);
  step   from k consecutive states that all satisfy it, linked by steps, the
         next state satisfies it too.

Auxiliary invariants are lemmas: each is part of the conjunction, so each
is proven by the same induction (none is assumed). When the step fails,
the counterexample to induction (CTI) is the k states, the step, and the
predicate the last state breaks.
"""

import time
from dataclasses import dataclass, field

import z3

from .bmc import bmc
from .encode import solver as new_solver

TYPE_OK = "type_ok"
NO_CRASH = "no_crash"


def claims(enc, k: int, domains) -> dict:
    """{name: the predicate holding in frame k}: every property, TypeOK and no crash."""
    out = {name: z3.Not(bad) for name, bad in enc.violated(k).items()}
    out[TYPE_OK] = enc.in_domains(k, domains)
    out[NO_CRASH] = z3.Not(enc.raises(k))
    return out


class Concrete:
    """The explicit machine's own step and checks, for Houdini's closure:
    which parts of the claim a concrete state breaks (the invariants' own
    checks, TypeOK over the analysed domains, deadlock by `terminal`,
    model_error and no_crash by what successors() raises), and its
    successors."""

    def __init__(self, machine, invariants, domains, deadlock: bool = True):
        self.machine = machine
        self.invariants = list(invariants)
        self.domains = [frozenset(d) for d in domains]
        self.deadlock = deadlock
        self.cache: dict = {}

    def look(self, s) -> tuple[list, list]:
        """(the claim's parts s breaks, its successors (label, state))."""
        hit = self.cache.get(s)
        if hit is not None:
            return hit
        broken = []
        if any(v not in d for v, d in zip(s, self.domains)):
            broken.append(TYPE_OK)
        succ: list = []
        if not broken:  # the checks and the step are exact only inside the domains
            for inv in self.invariants:
                try:
                    bad = inv.check(s) is not None
                except Exception:  # noqa: BLE001 -- a check raising is "not holds", as props.py compiles it
                    bad = True
                if bad:
                    broken.append(inv.name)
            try:
                succ = self.machine.successors(s)
            except self.machine.model_errors:
                broken.append("model_error")
            except Exception:  # noqa: BLE001 -- the model's code raises something else: no_crash is broken
                broken.append(NO_CRASH)
            else:
                if not succ and self.deadlock and self.machine.terminal(s)[0] == "deadlock":
                    broken.append("deadlock")
        if len(self.cache) > 200_000:
            self.cache.clear()
        self.cache[s] = (broken, succ)
        return broken, succ


def closure(concrete, lemmas, active: list, pre, limit: int):
    """Houdini without the solver, from a state `pre` that satisfies the
    claim and every active lemma: search the explicit successors breadth
    first; a state breaking an active lemma drops it (its predecessor
    satisfied every lemma still active, so no inductive subset has it), and
    then satisfies every lemma left, so its own successors count too; a
    state breaking the claim ends the search with a CTI no subset of the
    lemmas can rule out. Returns (active left, (pre-state, state, broken)
    or None, states searched)."""
    from collections import deque
    from . import terms as T
    fns = {j: T.compiled(lemmas[j].term) for j in active}
    active = list(active)
    seen, queue, n = {pre}, deque([pre]), 0
    while queue and n < limit:
        x = queue.popleft()
        n += 1
        _, succ = concrete.look(x)
        for _, t in succ:
            if t is None or t in seen:
                continue
            seen.add(t)
            broken, _ = concrete.look(t)
            if broken:
                return active, (x, t, broken), n
            if not all(fns[j](t) for j in active):
                active = [j for j in active if fns[j](t)]
            queue.append(t)
    return active, None, n


def confirm_cti(concrete, lemmas, states, broken, named_checks=None) -> list:
    """Replay-style checking of a CTI on the explicit machine: every state
    but the last satisfies the claim (the invariants' own checks, TypeOK,
    deadlock, model_error, no_crash) and every lemma left (a named lemma by
    its own check, if named_checks has it: {name: check}), each step is one
    of successors(), and the last state breaks what the CTI says. Returns
    what fails (empty: confirmed)."""
    from . import terms as T
    named_checks = named_checks or {}
    bad = []
    for i, s in enumerate(states[:-1]):
        wrong, succ = concrete.look(s)
        if wrong:
            bad.append(f"state {i} breaks {', '.join(wrong)}")
        for lm in lemmas:
            check = named_checks.get(lm.name)
            if (check(s) is not None) if check is not None else not T.evaluate(lm.term, s):
                bad.append(f"state {i} breaks the lemma {lm.name}")
        if not any(t == states[i + 1] for _, t in succ):
            bad.append(f"state {i + 1} is not a successor of state {i}")
    wrong, _ = concrete.look(states[-1])
    if not set(broken) <= set(wrong):
        bad.append(f"the last state breaks {', '.join(wrong) or 'nothing'}, not {', '.join(broken)}")
    return bad


@dataclass
class Lemma:
    name: str
    statement: str
    term: tuple
    catalogue: bool = False  # one of the model's named lemmas (not a generated candidate)
    reason: str = ""  # why it holds: the lemma's own sentence, or its family's


@dataclass
class ProofResult:
    proven: bool
    k: int
    lemmas: list  # the strengthening lemmas proven with the properties
    candidates: int  # lemmas offered
    after_sampling: int  # lemmas left after the sampled reachable states
    iterations: int
    base_violation: object = None
    cti: list = field(default_factory=list)
    broken: list = field(default_factory=list)
    seconds: float = 0.0
    inductive: int = 0  # lemmas Houdini kept (`lemmas` is the subset the proof needs)
    samples: int = 0  # reachable states the candidates were filtered on


class _Step:
    """The induction step for a set of lemmas, on one incremental solver:
    lemma j is assumed in frames 0..k-1 under a flag (an assumption of the
    check), and each check asks for a step breaking the claim or one of the
    lemmas given, under a fresh round flag retired afterwards; so z3 keeps
    what it learned from one check to the next."""

    def __init__(self, enc, k: int, domains, lemmas):
        self.solver = new_solver()
        for i in range(k):
            self.solver.add(z3.And(list(claims(enc, i, domains).values())))
            self.solver.add(enc.step(i))
        self.last = claims(enc, k, domains)
        self.flags = [z3.Bool(f"assume {j}") for j in range(len(lemmas))]
        for f, lm in zip(self.flags, lemmas):
            self.solver.add(z3.Implies(f, z3.And([enc.term(lm.term, i) for i in range(k)])))
        self.concl = [enc.term(lm.term, k) for lm in lemmas]
        self.rounds = 0

    def check(self, active: list):
        """z3's verdict on: the lemmas `active` (indices) in frames 0..k-1,
        and the claim or one of them broken in frame k."""
        self.rounds += 1
        go = z3.Bool(f"round {self.rounds}")
        self.solver.add(z3.Implies(go, z3.Or([z3.Not(c) for c in self.last.values()]
                                             + [z3.Not(self.concl[j]) for j in active])))
        verdict = self.solver.check([self.flags[j] for j in active] + [go])
        self.model = self.solver.model() if verdict == z3.sat else None
        self.core = {str(x) for x in self.solver.unsat_core()} if verdict == z3.unsat else set()
        self.solver.add(z3.Not(go))
        if verdict not in (z3.sat, z3.unsat):
            raise RuntimeError(f"z3 answered {verdict} on the induction step: {self.solver.reason_unknown()}")
        return verdict

    def holds(self, c) -> bool:
        return z3.is_true(self.model.eval(c, model_completion=True))

    def needed(self, active: list) -> list:
        """A subset of an inductive set of lemmas that is still inductive with
        the claim: assume only the lemmas in the step's unsat core, and repeat
        until the core keeps them all (each round's set proves itself and the
        claim, so the last one is a proof of its own)."""
        while True:
            if self.check(active) != z3.unsat:
                raise RuntimeError("a subset of an inductive set of lemmas is not inductive")
            keep = [j for j in active if str(self.flags[j]) in self.core]
            if len(keep) == len(active):
                return active
            active = keep


def houdini(problem, lemmas, samples=(), k: int = 1, log=None, max_iterations: int = 10_000,
            minimise: bool = True, on_drop=None, concrete=None, closure_limit: int = 2_000) -> ProofResult:
    """k-induction of the properties strengthened by the largest subset of
    `lemmas` that is inductive together with them (Houdini): a lemma the
    step breaks is dropped, and the step is tried again; when the step
    breaks only the properties themselves, that is the CTI. on_drop(lemmas,
    states), if given, sees each step that drops lemmas (for finding new ones).

    With `concrete` (a Concrete) and k = 1, each CTI's pre-state also seeds
    `closure`: up to closure_limit states of the explicit machine searched
    from it, dropping every lemma they break at once (one solver call then
    drops tens of lemmas instead of the one z3's model happens to break)."""
    from . import terms as T
    started = time.perf_counter()
    offered = len(lemmas)
    init = problem.view.init_states()
    samples = list(samples)
    lemmas = [lm for lm in lemmas if all(T.evaluate(lm.term, s) for s in list(init) + samples)]
    sampled = len(lemmas)
    if log:
        log(f"prove: {offered:,} candidate lemmas, {sampled:,} hold in the initial and the {len(samples):,} sampled states")
    base = bmc(problem, k - 1, log=log)
    if base.length is not None:
        return ProofResult(False, k, [], offered, sampled, 0, base_violation=base,
                           seconds=time.perf_counter() - started)
    enc = problem.encoding()
    step = _Step(enc, k, problem.domains.values, lemmas)
    active = list(range(len(lemmas)))
    iterations = 0
    while iterations < max_iterations:
        iterations += 1
        if step.check(active) == z3.unsat:
            needed = step.needed(active) if minimise else active
            if log and minimise:
                log(f"prove: {len(needed):,} of the {len(active):,} lemmas suffice (unsat cores)")
            return ProofResult(True, k, [lemmas[j] for j in needed], offered, sampled, iterations,
                               seconds=time.perf_counter() - started, inductive=len(active), samples=len(samples))
        keep = [j for j in active if step.holds(step.concl[j])]
        searched = 0
        if concrete is not None and k == 1 and len(keep) < len(active):
            pre = enc.state(step.model, 0)
            keep, found, searched = closure(concrete, lemmas, keep, pre, closure_limit)
            if found is not None:
                x, t, broken = found
                if log:
                    log(f"prove: step {iterations}: the explicit search from the CTI's pre-state reached a step, from a state "
                        f"satisfying every lemma left, to one breaking {', '.join(broken)}")
                return ProofResult(False, k, [lemmas[j] for j in keep], offered, sampled, iterations, cti=[x, t],
                                   broken=broken, seconds=time.perf_counter() - started, samples=len(samples))
        if log:
            gone = [lemmas[j].name for j in active if j not in set(keep)]
            log(f"prove: step {iterations} ({time.perf_counter() - started:.0f} s): {len(gone)} lemmas dropped, "
                f"{len(keep):,} left"
                + (f" ({searched:,} explicit states searched)" if searched else "")
                + (f" ({', '.join(gone[:8])}{', ...' if len(gone) > 8 else ''})" if gone else ""))
        if on_drop is not None and len(keep) < len(active):
            on_drop([lemmas[j] for j in active if j not in set(keep)], [enc.state(step.model, i) for i in range(k + 1)])
        if len(keep) == len(active):
            states = [enc.state(step.model, i) for i in range(k + 1)]
            broken = [name for name, c in step.last.items() if not step.holds(c)]
            return ProofResult(False, k, [lemmas[j] for j in active], offered, sampled, iterations, cti=states,
                               broken=broken, seconds=time.perf_counter() - started, samples=len(samples))
        active = keep
    raise RuntimeError("Houdini did not settle")
