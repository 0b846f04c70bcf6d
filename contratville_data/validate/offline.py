"""No network unless allowed: while validate runs, every connection and name lookup fails.

The references frictionless would follow are refused before it runs (``references``); this guard
makes sure that one nobody foresaw fails too, with a message, instead of reaching the network.
It patches the ``socket`` module for the duration, so it holds for every library in the process.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

MESSAGE = "network access refused: validate reads only local files unless --allow-remote is given"


@contextmanager
def offline(allowed: bool = False) -> Iterator[None]:
    """Refuse every connection and address lookup while active, unless ``allowed``."""
    if allowed:
        yield
        return

    def refuse(*args, **kwargs):
        raise OSError(MESSAGE)

    saved = {name: getattr(socket, name) for name in ("create_connection", "getaddrinfo")}
    saved_methods = {name: getattr(socket.socket, name) for name in ("connect", "connect_ex")}
    try:
        for name in saved:
            setattr(socket, name, refuse)
        for name in saved_methods:
            setattr(socket.socket, name, refuse)
        yield
    finally:
        for name, value in saved.items():
            setattr(socket, name, value)
        for name, value in saved_methods.items():
            setattr(socket.socket, name, value)
