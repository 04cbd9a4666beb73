"""The environment: the kernel and the network, outside the scheduler.

A syscall's return is part of the exitsyscall steps (the returning M takes
them); here is the network: a parked reader's fd becomes ready.
"""

from ..vocab import WAIT_NET, WAIT_NETREADY, _Gwaiting
from .common import emit
from .registry import action


@action("netpollready", "netpollready, netpollunblock", params=("G",), actor="env")
def netpollready(rt, s, i, out):
    """Data arrives on the fd a G parked on (op net_read): the netpoller
    would now return it (netpollready -> netpollunblock). It stays
    _Gwaiting until netpoll runs and injectglist makes it runnable.
    Abstracts: epoll, edge/level triggering, deadlines."""
    for g in range(rt.L.ng):
        if s[rt.g_status[g]] == _Gwaiting and s[rt.L.g_wait[g]] == WAIT_NET:
            b = bytearray(s)
            b[rt.L.g_wait[g]] = WAIT_NETREADY
            emit(out, ("netpollready", i, g), b)
