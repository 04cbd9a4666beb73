"""How a goroutine is named wherever a person or a program reads it.

The model keeps goroutines 0-based (G index g, the first program in the
workload is g = 0); Go numbers them by goid, and main is goid 1. Every text
and JSON the tool shows goes through `goid`/`g_name`, so main is G1 and the
goroutine a `spawn(k)` creates (the workload's program k, 0-based) is
G{k+1}: the workload `spawn(1), syscall; exit` is main (G1) creating G2.
(The runtime's own goroutines take goids 2, 3, ... in a real program, so a
real trace's numbers differ by a constant; the order is the same.)
"""


def goid(g: int) -> int:
    """The goid of the model's goroutine index g (0-based)."""
    return g + 1


def g_name(g: int) -> str:
    return f"G{goid(g)}"


def g_index(name: str) -> int:
    """The model's index of a goroutine named as g_name names it ("G1" -> 0)."""
    return int(name.lstrip("Gg")) - 1
