"""Behind `soc2bot manifest teams`: the public host name check and where the package goes."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from urllib.parse import urlsplit

import idna

PACKAGE_NAME = "soc2bot-teams.zip"
MAX_HOST_NAME = 253  # RFC 1035: 255 octets on the wire, 253 characters written out
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
# Names no public resolver answers for (RFC 6761, 6762, 7686, 9476, ICANN's .internal):
# a Teams client anywhere else could never reach a host under them.
_SPECIAL_USE = frozenset(
    ("alt", "arpa", "example", "internal", "invalid", "local", "localhost", "onion", "test")
)


class OptionError(ValueError):
    """An option's value is wrong; the text is the one line shown to the user."""


def public_host_name(text: str) -> str:
    """`text` as a public DNS host name in ASCII (IDNA 2008, lower case); else OptionError.

    Teams' validDomains lists host names: no scheme, path or port, and no wildcard here
    because the one host is soc2bot's own.
    """
    if "://" in text:
        host = urlsplit(text).hostname
        hint = f": try --domain {host}" if host else ""
        raise OptionError(f"--domain takes a host name, not a URL{hint}")
    if _is_ip_address(text):
        raise OptionError(f"--domain {text!r} is an IP address: Teams needs a host name")
    if any(mark in text for mark in "/?#@\\"):
        raise OptionError(f"--domain {text!r}: a host name has no path, query or user part")
    if ":" in text:
        raise OptionError(f"--domain {text!r}: give the host name alone, without a port")
    name = text[:-1] if text.endswith(".") else text  # the written form of a rooted name
    try:
        ascii_name = idna.encode(name, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError) as exc:
        reason = str(exc) or "not a DNS name"
        raise OptionError(f"--domain {text!r} is not a valid host name ({reason})") from None
    labels = ascii_name.split(".")
    if len(ascii_name) > MAX_HOST_NAME or not all(_LABEL.fullmatch(lab) for lab in labels):
        raise OptionError(f"--domain {text!r} is not a valid host name")
    if len(labels) < 2 or labels[-1].isdigit():
        raise OptionError(f"--domain {text!r}: give a public host name such as soc2bot.acme.com")
    if labels[-1] in _SPECIAL_USE:
        raise OptionError(f"--domain {text!r}: .{labels[-1]} names are not public")
    return ascii_name


def _is_ip_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text.removeprefix("[").removesuffix("]"))
    except ValueError:
        return False
    return True


def package_path(out: Path) -> Path:
    """The zip to write: `out` when it names a .zip file, else soc2bot-teams.zip inside it.

    An existing folder is always written into, whatever its name; a path that does not
    exist and does not end in .zip is taken as a folder to create.
    """
    if out.is_dir():
        return out / PACKAGE_NAME
    if out.suffix.lower() != ".zip":
        if out.exists():
            raise OptionError(f"--out {out} is a file, not a .zip: give FILE.zip or a folder")
        return out / PACKAGE_NAME
    return out


def write_teams_package(app_id: str, out: Path, *, domain: str | None) -> Path:
    """Write the package where `out` says (folders created); OSError becomes OptionError.

    It is written beside its final name and renamed, so a failed write never leaves half a
    zip where an earlier good package was.
    """
    from handlers.teams.manifest import write_package

    try:
        target = package_path(out)
        partial = target.with_name(f".{target.name}.partial")
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            write_package(app_id, partial, domain=domain)
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)
    except OSError as exc:
        # mkdir says "File exists" when a file stands where a folder is needed.
        reason = "a file is in the way" if isinstance(exc, FileExistsError) else exc.strerror
        raise OptionError(f"--out {out}: cannot write there ({reason or exc})") from None
    return target
