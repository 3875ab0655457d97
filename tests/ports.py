"""Ports of 127.0.0.1 for the servers the tests start, safe when tests run in parallel."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def reserved_port() -> Iterator[int]:
    """Reserve a free TCP port of 127.0.0.1 for the block, and return it.

    A socket holds the port, bound but not listening: the kernel gives the port to no
    other process (another test worker, or an outgoing connection) until the block ends,
    while a server the test starts binds it as well (SO_REUSEADDR, which aiosmtpd,
    gunicorn and Dovecot set) and may stop and start again on it. While no server
    listens, connections to the port are refused.
    """
    with socket.socket() as holder:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        holder.bind(("127.0.0.1", 0))
        yield holder.getsockname()[1]
