"""Symbolic checking: the model's own Python actions, run on symbolic states,
become a transition relation that z3 can reason about (bounded model
checking, k-induction). Nothing here knows about Go: a model takes part by
offering the small interface in `protocol.py`.

  terms.py      the expression language (tuples), its concrete evaluation and intervals
  execute.py    the forking executor: symbolic values, symbolic states, path enumeration
  relation.py   the transition relation of a machine, as guarded updates, and its concrete evaluation
  encode.py     translation of terms and of the relation to z3
  bmc.py        bounded model checking
  induction.py  k-induction, Houdini strengthening, counterexamples to induction
"""
