"""Where a webhook delivery may connect: public addresses only, checked when it connects.

An endpoint's address is an admin's input, and the worker that posts to it sits inside the
company's network: without a check, an address (or a host name whose DNS answer changes after
it was registered) could make the worker post to the database host, an internal admin page or a
cloud metadata service. So every connection resolves the host name itself, refuses it if any of
its addresses is not public, and connects to the address it checked (no second DNS lookup that
could answer differently). TLS still verifies the certificate against the host name.

Allowed besides public addresses: loopback where WEBHOOKS_ALLOW_HTTP_LOOPBACK is on (development
and tests), private networks where WEBHOOKS_ALLOW_PRIVATE_NETWORKS is on (a receiver inside the
company's own network). Link-local addresses (cloud metadata services), multicast, unspecified
and reserved ones are never allowed.

Behind an outbound proxy (HTTPS_PROXY in the worker's environment) the proxy makes the
connection, and deciding where it may go is its job.
"""

from __future__ import annotations

import functools
import ipaddress
import socket

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NameResolutionError, NewConnectionError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class BlockedAddress(NewConnectionError):
    """The host resolves to an address deliveries may not reach."""


def _plain(address: Address) -> Address:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def refusal(address: Address, *, loopback: bool, private: bool) -> str | None:
    """Why this address may not receive deliveries, or None when it may."""
    address = _plain(address)
    if address.is_loopback:
        return None if loopback or private else "is this machine (loopback)"
    if address.is_link_local or address.is_multicast or address.is_unspecified:
        return "is a link-local, multicast or unspecified address"
    if address.is_global:
        return None
    if address.is_reserved:
        return "is a reserved address"
    return None if private else "is on a private network"


def _guarded(base: type, loopback: bool, private: bool) -> type:
    class Guarded(base):
        def _new_conn(self):
            try:
                found = socket.getaddrinfo(self._dns_host, self.port, type=socket.SOCK_STREAM)
            except socket.gaierror as exc:
                raise NameResolutionError(self.host, self, exc) from exc
            addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in found]
            for address in addresses:
                why = refusal(address, loopback=loopback, private=private)
                if why:
                    raise BlockedAddress(self, f"{self.host} resolves to {address}, which {why}")
            checked, self._dns_host = self._dns_host, str(addresses[0])
            try:
                return super()._new_conn()
            finally:
                self._dns_host = checked

    return Guarded


@functools.cache
def _pools(loopback: bool, private: bool) -> dict[str, type]:
    http = _guarded(HTTPConnection, loopback, private)
    https = _guarded(HTTPSConnection, loopback, private)
    return {
        "http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http}),
        "https": type("GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https}),
    }


class GuardedAdapter(HTTPAdapter):
    def __init__(self, loopback: bool, private: bool) -> None:
        self._pool_classes = _pools(loopback, private)
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = self._pool_classes


def session(*, loopback: bool, private: bool) -> requests.Session:
    """A requests session whose connections go only where the policy allows."""
    guarded = requests.Session()
    adapter = GuardedAdapter(loopback, private)
    guarded.mount("http://", adapter)
    guarded.mount("https://", adapter)
    return guarded


def blocked_reason(exc: requests.RequestException) -> str | None:
    """The BlockedAddress message inside a failed request, if that is why it failed."""
    seen = exc
    while seen is not None:
        if isinstance(seen, BlockedAddress):
            return str(seen).split(": ", 1)[-1]
        nested = getattr(seen, "reason", None) or (seen.args[0] if seen.args else None)
        seen = nested if isinstance(nested, BaseException) else None
    return None
