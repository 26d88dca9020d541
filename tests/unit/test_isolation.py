"""Suites running side by side (make test runs SQLite and PostgreSQL at once)
must not take each other's ports."""

from __future__ import annotations

import errno
import socket

import pytest


def _bind(port: int) -> None:
    with socket.socket() as other, pytest.raises(OSError) as refused:
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as asyncio servers do
        other.bind(("127.0.0.1", port))
    assert refused.value.errno == errno.EADDRINUSE


def test_the_smtp_servers_port_stays_its_own_while_it_is_stopped(smtp):
    _bind(smtp.port)
    smtp.stop()  # as the tests of a server that is down do
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", smtp.port), timeout=30).close()
    _bind(smtp.port)
    smtp.start()
    with socket.create_connection(("127.0.0.1", smtp.port), timeout=30) as client:
        assert client.recv(1024).startswith(b"220")
