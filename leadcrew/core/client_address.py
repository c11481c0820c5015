"""The address a request comes from, for the login throttle and the logs.

Gunicorn sets REMOTE_ADDR to the peer of the TCP connection (or to the address a PROXY-protocol
header gives): its `forwarded_allow_ips` only decides whether X-Forwarded-Proto is believed, and
it never reads X-Forwarded-For. Behind a proxy, every request would then come from the proxy.
So X-Forwarded-For is read here, only when the peer is one of those same trusted proxies
(LEADCREW_FORWARDED_ALLOW_IPS, else gunicorn's FORWARDED_ALLOW_IPS, else the loopback
addresses), and from the right: the last hop that is not a trusted proxy is the client, as a
proxy appends the address it saw. Whatever a client writes into the header itself stands to the
left of that and is never used.
"""

import ipaddress
import os
from collections.abc import Mapping
from functools import cache
from typing import Any

from django.conf import settings

type Network = ipaddress.IPv4Network | ipaddress.IPv6Network
type Address = ipaddress.IPv4Address | ipaddress.IPv6Address

GUNICORN_DEFAULT = "127.0.0.1,::1"
UNKNOWN = "unknown"


def trusted_proxies_setting() -> str:
    """The proxies `leadcrew serve` tells gunicorn to believe, spelt as gunicorn reads them."""
    configured = settings.LEADCREW_FORWARDED_ALLOW_IPS
    return configured or os.environ.get("FORWARDED_ALLOW_IPS") or GUNICORN_DEFAULT


@cache
def _trusted(spec: str) -> tuple[Network, ...] | None:
    """The trusted networks; None means every peer ("*")."""
    items = [item.strip() for item in spec.split(",") if item.strip()]
    if "*" in items:
        return None
    networks: list[Network] = []
    for item in items:
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            continue  # gunicorn refuses to start on it; nothing to trust here either
    return tuple(networks)


def _parse(value: str) -> Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.partition(":")[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_trusted(address: Address, trusted: tuple[Network, ...] | None) -> bool:
    return trusted is None or any(address in network for network in trusted)


def client_address(meta: Mapping[str, Any]) -> str:
    """The client's address from a request's META (WSGI environ), as a canonical string."""
    peer = _parse(str(meta.get("REMOTE_ADDR") or ""))
    if peer is None:
        return UNKNOWN
    trusted = _trusted(trusted_proxies_setting())
    forwarded = str(meta.get("HTTP_X_FORWARDED_FOR") or "")
    if not forwarded or not _is_trusted(peer, trusted):
        return str(peer)
    hops = [hop for hop in forwarded.split(",") if hop.strip()]
    if trusted is None:
        # Every peer is a trusted proxy ("*"), so no hop can be told apart from a proxy: the
        # one the nearest proxy appended is the only one it vouches for.
        last = _parse(hops[-1]) if hops else None
        return str(last if last is not None else peer)
    client = peer
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            break  # garbage from whoever stands there: keep the last address a proxy vouched for
        client = address
        if not _is_trusted(address, trusted):
            break
    return str(client)
