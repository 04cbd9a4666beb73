"""gosched-mc's model of Go's M:P:G scheduler around system calls."""

from .config import Config, ConfigError
from .machine import GoScheduler

__all__ = ["Config", "ConfigError", "GoScheduler"]
