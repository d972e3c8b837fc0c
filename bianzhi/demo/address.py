"""The demo's serving address (``bianzhi demo 127.0.0.1:8001``, ``make demo ADDR=…``): read like
``runserver`` reads it, and checked free BEFORE the demo is built — a busy port is reported in
Chinese in a second, not after a minute of building and a runserver error in English."""

from __future__ import annotations

import errno
import re
import socket
from dataclasses import dataclass

DEFAULT_ADDRESS = "127.0.0.1:8000"

# As django.core.management.commands.runserver reads ``addrport``: [host:]port.
_ADDRESS = re.compile(
    r"""^(?:(?P<host>
        \d{1,3}(?:\.\d{1,3}){3} |             # IPv4
        \[[a-fA-F0-9:]+\] |                   # [IPv6]
        [a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*     # host name
    ):)?(?P<port>\d+)$""",
    re.X,
)


class AddressError(ValueError):
    """An address the demo cannot serve on, with its reason in Chinese."""


@dataclass(frozen=True)
class Address:
    host: str  # without the brackets of an IPv6 address
    port: int

    @property
    def ipv6(self) -> bool:
        return ":" in self.host

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if self.ipv6 else f"{self.host}:{self.port}"


def parse_address(text: str) -> Address:
    """``"127.0.0.1:8001"``, ``"8001"`` (on 127.0.0.1), ``"0.0.0.0:8001"``, ``"[::1]:8001"``, ``"localhost:8001"``."""
    match = _ADDRESS.match(text.strip())
    if match is None:
        raise AddressError(f"服务地址“{text}”无效：请写成 主机:端口（如 127.0.0.1:8001）或只写端口（如 8001）")
    port = int(match["port"])
    if not 1 <= port <= 65535:
        raise AddressError(f"端口 {port} 无效：端口须在 1 到 65535 之间")
    host = match["host"] or "127.0.0.1"
    if host.startswith("["):
        host = host[1:-1]
    return Address(host=host, port=port)


def check_free(address: Address) -> None:
    """Bind the address as the development server will (SO_REUSEADDR, so a port a stopped demo
    left in TIME_WAIT counts as free) and let it go; :class:`AddressError` if it cannot be bound."""
    family = socket.AF_INET6 if address.ipv6 else socket.AF_INET
    try:
        infos = socket.getaddrinfo(address.host, address.port, family, socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise AddressError(f"无法解析主机名“{address.host}”：{error.strerror}") from error
    family, kind, proto, _, sockaddr = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(sockaddr)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                host = f"[{address.host}]" if address.ipv6 else address.host
                raise AddressError(
                    f"端口 {address.port} 已被占用：请用 make demo ADDR={host}:其他端口 另选端口"
                ) from error
            if error.errno == errno.EACCES:
                raise AddressError(f"没有权限在端口 {address.port} 上提供服务：请选择 1024 以上的端口") from error
            raise AddressError(f"无法在 {address} 上提供服务：{error.strerror}") from error
