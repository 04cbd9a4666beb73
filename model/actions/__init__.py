"""Model actions, one module per area of proc.go. Importing this package
registers every action in registry.ACTIONS."""

from . import clock, environment, goroutine, schedule, subroutines, syscall_classic, sysmon, timers  # noqa: F401
from .registry import ACTIONS, ActionInfo

__all__ = ["ACTIONS", "ActionInfo"]
