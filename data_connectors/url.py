"""Warehouse URLs, parsed once: ``scheme:[//netloc]path[?query]``.

``urllib.parse.urlsplit`` is not used on the whole URL: it rejects ``spark://local[2]`` (brackets
outside an IPv6 host) and would split a mapping's ``?source=URL`` at that URL's own ``?``. Each
backend reads the parts it needs from the ``WarehouseURL`` it is handed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl

# what a URL may hold that must never be printed: a password in an authority (also in a mapping's
# ``?source=URL``), a query or Spark Connect option named like a secret (``password=``, ``;token=``,
# ``private_key=``, ...)
_SECRETS = (
    (re.compile(r"([a-z][a-z0-9+.-]*://[^:/?#@\s]*:)[^@/]*@", re.IGNORECASE), r"\1***@"),
    # the same in a mistyped URL (``postgresql//u:pw@h``, ``postgres:/u:pw@h``, ``u:pw@h``): any
    # ``name:secret@`` at the start or after ``/``, ``=`` or a quote
    (re.compile(r"((?:^|[/='\"\s])[^:/?#@\s'\"]+:)(?!\*\*\*@)[^@/\s'\"]*@"), r"\1***@"),
    (re.compile(r"([?&;]\s*[a-z_]*(?:password|token|secret|key)[a-z_]*=)[^&;?]*", re.IGNORECASE), r"\1***"),
)


def url_scheme(url: str) -> str:
    """The scheme of a warehouse URL, lower-cased (``""`` when there is none)."""
    scheme, sep, _ = url.partition(":")
    return scheme.lower() if sep else ""


def redact(url: str) -> str:
    """``url`` with passwords and tokens replaced by ``***``: what messages and reprs may show."""
    for pattern, replacement in _SECRETS:
        url = pattern.sub(replacement, url)
    return url


@dataclass(frozen=True)
class WarehouseURL:
    """One warehouse URL split into its parts (nothing decoded but the query options).

    ``text`` is the URL as given (it may hold a password: show ``redacted``, never ``text``);
    ``netloc`` is what follows ``//`` up to the next ``/`` or ``?`` (empty without ``//``);
    ``path`` the rest up to the first ``?``; ``query`` everything after it, verbatim;
    ``options`` the query as ``(key, value)`` pairs, in order, repeats kept.
    """

    text: str
    scheme: str
    netloc: str
    path: str
    query: str
    options: tuple[tuple[str, str], ...]

    @property
    def redacted(self) -> str:
        return redact(self.text)

    @property
    def location(self) -> str:
        """The file or folder a file URL names: ``duckdb:///abs/path``, ``duckdb:////abs/path``,
        ``duckdb://relative/path`` and ``duckdb:relative/path`` (relative to the working directory)."""
        location = self.netloc + self.path
        if location.startswith("//"):
            location = "/" + location.lstrip("/")
        return location


def parse_url(text: str) -> WarehouseURL:
    """Split ``text`` (``scheme`` is empty when there is none: the registry then names the forms)."""
    scheme = url_scheme(text)
    rest = text.partition(":")[2] if scheme else text
    rest, _, query = rest.partition("?")
    netloc = ""
    if rest.startswith("//"):
        netloc, slash, path = rest[2:].partition("/")
        path = slash + path
    else:
        path = rest
    return WarehouseURL(
        text=text,
        scheme=scheme,
        netloc=netloc,
        path=path,
        query=query,
        options=tuple(parse_qsl(query, keep_blank_values=True)),
    )
