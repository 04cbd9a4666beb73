"""How a goroutine is named wherever a person or a program reads it.

The model keeps goroutines 0-based inside (G index g; the workload's
program g, program 0 being main); Go numbers them by goid, and main is goid 1.
Every text and JSON the tool shows (traces, fields, messages, graphs,
liveness instances, schedtrace lines) goes through `g_name`, so main is G1
and the goroutine running the workload's program k, the one `spawn(k)`
creates, is G{k+1}: the workload `spawn(1), syscall; exit` is main (G1)
creating G2. (In a real program the runtime's own goroutines take some goids
first, so a real trace's numbers may be shifted; the order is the same.)
"""


def goid(g: int) -> int:
    """The goid of the model's goroutine index g (0-based)."""
    return g + 1


def g_name(g: int) -> str:
    """The name shown for the model's goroutine index g: "G1" for main."""
    return f"G{goid(g)}"


def g_index(number: int) -> int:
    """The model's goroutine index of goid `number` (the inverse of goid)."""
    return number - 1
