"""Which host names mean this machine or a private network, and the socket a server of composer's listens on."""

from __future__ import annotations

import ipaddress
import socket

from composer.diagnostics import CommandError

LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


def private_host(host: str) -> bool:
    """This machine or a private network, written as such: `localhost`, or an address that is not on the
    public internet (10.x, 192.168.x, 127.x, fe80::, …). A reader cannot open such a link, and a link check
    that fetched it would be asking the editor's own network. (A public name may still resolve to such an
    address; only the name as written is judged here.)"""
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return not ipaddress.ip_address(host).is_global
    except ValueError:
        return False


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to host:port and listening, or one line saying why not. Bound before the server
    starts, so a port in use is told at once and connections queue until the server is up."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise CommandError(f"cannot listen on {host}:{port} ({error.strerror}); pick another --port") from None
    sock.listen(128)
    return sock
