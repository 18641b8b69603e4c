"""Where did:web resolution may connect: one policy for every resolver the project builds.

A did:web names a host, and whoever writes the DID (a wallet's key proof ``kid``, a
credential's ``issuer``) chooses it. Unchecked, a verifier or an issuer opens a connection
wherever it is told: to its own loopback services, the cloud metadata service at
169.254.169.254, or any host of a private network, and the errors tell a port scanner what
answered. So ``DidWebPolicy``:

* resolves the host name itself and checks every address it resolves to (not only the name:
  ``localtest.me`` is 127.0.0.1), then connects to a checked address (no second lookup that
  a rebinding DNS server could answer differently);
* allows only public unicast addresses by default; never link-local (169.254.0.0/16,
  fe80::/10), private (10/8, 172.16/12, 192.168/16, fc00::/7), shared (100.64/10),
  unspecified, multicast or reserved ones;
* allows loopback (127/8, ::1) only when configured: ``allow_loopback=True`` (tests and local
  demos, ``DidWebPolicy.loopback()``), or a loopback host named in ``insecure_http_hosts``;
* bounds the time of a whole resolution (``timeout`` seconds, including a slow trickle of
  bytes) and the size of the document (``max_document_bytes``).

Error codes (CouldNotCheckError): ``did_web_forbidden_host`` (the policy refuses the host or
one of its addresses), ``did_web_unreachable`` (the name does not resolve, the connection
fails or the time is up). Messages name the host and never an exception class.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from passport.errors import CouldNotCheckError

__all__ = ["DEFAULT_POLICY", "DidWebPolicy", "HostResolver", "system_host_resolver"]

HostResolver = Callable[[str, int], Sequence[str]]
"""``(host, port) -> IP address strings``; raises OSError when the name does not resolve."""

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def system_host_resolver(host: str, port: int) -> list[str]:
    """The addresses ``getaddrinfo`` gives for ``host`` (TCP), in its order, without repeats."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: dict[str, None] = {}
    for *_, sockaddr in infos:
        seen.setdefault(str(sockaddr[0]), None)
    return list(seen)


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def _ip(text: str) -> IPAddress | None:
    try:
        ip = ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return ip


def _kind(ip: IPAddress) -> str | None:
    """Why ``ip`` is not a public unicast address (None when it is one)."""
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_multicast:
        return "multicast"
    if ip.is_private:
        return "private"
    if ip.is_reserved or not ip.is_global:
        return "reserved"
    return None


@dataclass(frozen=True)
class DidWebPolicy:
    """The did:web resolution policy (see the module docstring)."""

    allow_loopback: bool = False
    insecure_http_hosts: frozenset[str] = frozenset()
    timeout: float = 5.0
    max_document_bytes: int = 256 * 1024
    resolve_host: HostResolver = field(default=system_host_resolver, compare=False, repr=False)

    def __post_init__(self) -> None:
        hosts = frozenset(h.lower() for h in self.insecure_http_hosts)
        object.__setattr__(self, "insecure_http_hosts", hosts)

    @classmethod
    def loopback(cls, **kwargs: object) -> DidWebPolicy:
        """Loopback allowed, over plain http: tests and local demos on 127.0.0.1."""
        args: dict[str, object] = {"allow_loopback": True, "insecure_http_hosts": LOOPBACK_HOSTS}
        args.update(kwargs)
        return cls(**args)  # type: ignore[arg-type]

    def with_http_hosts(self, hosts: Iterable[str]) -> DidWebPolicy:
        """This policy, with plain http (and, for loopback names, loopback) also for ``hosts``."""
        from dataclasses import replace

        extra = frozenset(h.lower() for h in hosts)
        return (
            self
            if extra <= self.insecure_http_hosts
            else replace(self, insecure_http_hosts=self.insecure_http_hosts | extra)
        )

    def uses_http(self, host: str) -> bool:
        return host.lower() in self.insecure_http_hosts

    def _loopback_ok(self, host: str) -> bool:
        return self.allow_loopback or host.lower() in self.insecure_http_hosts

    def addresses(self, did: str, host: str, port: int) -> list[str]:
        """The checked addresses to connect to for ``host``.

        Raises ``did_web_forbidden_host`` when the host or any address it resolves to is
        outside the policy, ``did_web_unreachable`` when the name does not resolve.
        """
        literal = _ip(host)
        if literal is not None:
            candidates = [str(literal)]
        else:
            try:
                candidates = list(self.resolve_host(host, port))
            except (OSError, UnicodeError):
                raise CouldNotCheckError(
                    "did_web_unreachable",
                    f"The host {host} of {did} does not resolve; check the DID or try later.",
                    details={"did": did, "host": host},
                ) from None
        if not candidates:
            raise CouldNotCheckError(
                "did_web_unreachable",
                f"The host {host} of {did} has no address; check the DID or try later.",
                details={"did": did, "host": host},
            )
        for text in candidates:
            ip = _ip(text)
            kind = "invalid" if ip is None else _kind(ip)
            if kind is None or (kind == "loopback" and self._loopback_ok(host)):
                continue
            raise CouldNotCheckError(
                "did_web_forbidden_host",
                f"{did} points at a {kind} address ({host}); this resolver connects only to "
                "public hosts"
                + (" (loopback only when configured)" if kind == "loopback" else "")
                + ". Use a DID on a public https host.",
                details={"did": did, "host": host, "address_kind": kind},
            )
        return [str(_ip(c)) for c in candidates]


DEFAULT_POLICY = DidWebPolicy()
"""Public https hosts only, 5 s, 256 KiB."""
