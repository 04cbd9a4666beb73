"""Model actions, one module per area of proc.go. Importing this package
registers every action in registry.ACTIONS."""

from . import (clock, environment, goroutine, lockosthread, retake_modern, schedule, stw, subroutines,  # noqa: F401
               syscall_classic, syscall_modern,
               sysmon, timers)
from .registry import ACTIONS, ActionInfo

__all__ = ["ACTIONS", "ActionInfo"]
