"""Seeded bugs, kept beside the catalogue and out of the actions a reviewer
reads: a mutant replaces one action (or a few, or one runtime helper) with
its buggy version. `--mutant NAME` selects one; GoScheduler loads the
replacements instead of the originals (see seeded.py)."""

from .catalogue import CATALOGUE, MUTANTS, Mutant
from .seeded import actions_with, runtime_class
from . import seeded_modern  # noqa: F401 (registers the modern protocol's seeded bugs)

__all__ = ["CATALOGUE", "MUTANTS", "Mutant", "actions_with", "runtime_class"]
