"""k-induction of the safety properties.

The claim is a conjunction of named state predicates: the safety
invariants, "no deadlock", TypeOK (every field within the value-set
analysis's domains, domains.py: the relation is exact only there) and "the
model's code does not raise", together with any auxiliary strengthening
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


@dataclass
class InductionResult:
    k: int
    proven: bool
    base_violation: object = None  # a BmcResult with a counterexample, if the base case fails
    cti: list = field(default_factory=list)  # the states of the failed step
    broken: list = field(default_factory=list)  # predicates the CTI's last state breaks
    seconds: float = 0.0
    base_seconds: float = 0.0
    step_seconds: float = 0.0


TYPE_OK = "type_ok"
NO_MODEL_ERROR = "no_model_error"


def claims(enc, k: int, domains) -> dict:
    """{name: the predicate holding in frame k}: every property, TypeOK and no model error."""
    out = {name: z3.Not(bad) for name, bad in enc.violated(k).items()}
    out[TYPE_OK] = enc.in_domains(k, domains)
    out[NO_MODEL_ERROR] = z3.Not(enc.raises(k))
    return out


def k_induction(problem, k: int = 1, log=None) -> InductionResult:
    started = time.perf_counter()
    domains = problem.domains.values
    base = bmc(problem, k - 1, log=log)
    base_seconds = time.perf_counter() - started
    if base.length is not None:
        return InductionResult(k, False, base_violation=base, seconds=base_seconds, base_seconds=base_seconds)
    t0 = time.perf_counter()
    enc = problem.encoding()
    solver = z3.Solver()
    for i in range(k):
        solver.add(z3.And(list(claims(enc, i, domains).values())))
        solver.add(enc.step(i))
    last = claims(enc, k, domains)
    solver.add(z3.Or([z3.Not(c) for c in last.values()]))
    verdict = solver.check()
    step_seconds = time.perf_counter() - t0
    if verdict == z3.unsat:
        return InductionResult(k, True, seconds=time.perf_counter() - started, base_seconds=base_seconds,
                               step_seconds=step_seconds)
    if verdict != z3.sat:
        raise RuntimeError(f"z3 answered {verdict} on the induction step: {solver.reason_unknown()}")
    model = solver.model()
    states = [enc.state(model, i) for i in range(k + 1)]
    broken = [name for name, c in last.items() if not z3.is_true(model.eval(c, model_completion=True))]
    return InductionResult(k, False, cti=states, broken=broken, seconds=time.perf_counter() - started,
                           base_seconds=base_seconds, step_seconds=step_seconds)
