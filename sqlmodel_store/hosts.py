"""Primary URLs that list several servers, so a failover needs no configuration change.

SQLAlchemy reads several hosts only as repeated `host=` query parameters
(`postgresql://u@/db?host=db1:5432&host=db2:5432`); libpq's own form,
`postgresql://u@db1:5432,db2:5432/db`, makes `make_url` fail with a message about the port. The
libpq form is rewritten into the query form here, and a URL with several hosts gets
`target_session_attrs=read-write` unless it says otherwise: after a promote, new connections
then find whichever server now takes writes.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from sqlalchemy.engine import URL

_NETLOC_WITH_COMMA = re.compile(
    r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<netloc>[^/?#]*,[^/?#]*)(?P<rest>[/?#].*)?$",
    re.DOTALL,
)
_HOST = re.compile(r"^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.%-]+)(?::[0-9]{1,5})?$")


def translate_host_list(raw: str) -> str:
    """`raw` with a libpq host list (`h1:p1,h2:p2`) moved into `host=` query parameters.

    Raises:
        ValueError: a listed host is not `host` or `host:port`; the message names it (a host
            never holds the password, which stays in the part before `@`).
    """
    match = _NETLOC_WITH_COMMA.match(raw)
    if match is None:
        return raw
    userinfo, at, hosts = match["netloc"].rpartition("@")
    listed = hosts.split(",")
    for host in listed:
        if not _HOST.match(host):
            raise ValueError(
                f"DATABASE_URL lists hosts the libpq way, but {host!r} is not host or "
                "host:port; write postgresql://user@db1:5432,db2:5432/dbname or "
                "postgresql://user@/dbname?host=db1:5432&host=db2:5432"
            )
    path, _, query = (match["rest"] or "/").partition("?")
    parameters = [f"host={quote(host, safe='[]:')}" for host in listed]
    if query:
        parameters.append(query)
    return f"{match['scheme']}://{userinfo}{at}{path}?{'&'.join(parameters)}"


def prefer_writable(url: URL) -> URL:
    """With several hosts and no `target_session_attrs`, connect only to one that takes writes."""
    hosts = url.query.get("host")
    several = isinstance(hosts, tuple) and len(hosts) > 1
    if not several or "target_session_attrs" in url.query:
        return url
    return url.update_query_dict({"target_session_attrs": "read-write"})
