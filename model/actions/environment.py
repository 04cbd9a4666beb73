"""The environment: the kernel and the network, outside the scheduler.

A syscall's return is part of the exitsyscall steps (the returning M takes
them); here is the network: a parked reader's fd becomes ready.
"""

from ..vocab import WAIT_NET, WAIT_NETREADY, _Gwaiting
from .registry import action


@action("netpollready", "netpollready, netpollunblock", params=("G",), actor="env")
def netpollready(rt, s, i, out):
    """Data arrives on the fd a G parked on (op net_read): the netpoller
    would now return it (netpollready -> netpollunblock). It stays
    _Gwaiting until netpoll runs and injectglist makes it runnable.
    Abstracts: epoll, edge/level triggering, deadlines."""
    waits = rt.g_waits(s)
    if WAIT_NET not in waits:
        return
    for g, w in rt.choose(enumerate(waits)):
        if w == WAIT_NET and s[rt.g_status[g]] == _Gwaiting:
            b = rt.copy(s)
            b[rt.L.g_wait[g]] = WAIT_NETREADY
            out.append((("netpollready", i, g), rt.freeze(b)))
