"""Model actions, one module per area of proc.go. Importing this package
registers every action in registry.ACTIONS."""

from . import (clock, environment, goroutine, lockosthread, schedule, stw, subroutines, syscall_classic,  # noqa: F401
               sysmon, timers)
from .registry import ACTIONS, ActionInfo

__all__ = ["ACTIONS", "ActionInfo"]
