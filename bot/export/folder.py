"""The chat exports folder: private to the service, never followed through links, swept daily."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import re
import stat
import time
from io import BufferedReader
from pathlib import Path

from bot.core.errors import InvalidInput, NotFound

log = logging.getLogger(__name__)

# Bundle names are ours (`soc2-evidence_<from>_<to>_<time>[-n].zip`): nothing else is served.
BUNDLE_NAME = re.compile(r"soc2-evidence_[0-9A-Za-z_-]{1,80}\.zip")
# What an interrupted build leaves behind (bot.export.bundle writes `.<name>.<random>.part`).
_PARTIAL = re.compile(r"\.soc2-evidence_[0-9A-Za-z_-]{1,80}\.zip\.[^/]{1,40}\.part")
# A bundle outlives its link: links are made after the build, and a build takes minutes.
SWEEP_MARGIN = dt.timedelta(hours=1)
NOT_AVAILABLE = "This download link is not valid (it may have expired); ask for a new export."


class UnsafeExportFolder(InvalidInput):
    """SOC2BOT_EXPORT_DIR can be read or changed by someone other than the service."""

    def __init__(self, folder: Path, why: str) -> None:
        super().__init__(
            "Exports are switched off until an admin fixes the server's export folder "
            "(SOC2BOT_EXPORT_DIR): it must belong to the service and be private (mode 700). "
            "Nothing was built."
        )
        self.folder, self.why = folder, why


def prepare_folder(folder: Path) -> Path:
    """`folder`, created 0700 if missing; refused unless the service owns it and it is private.

    A folder someone else owns or can write to lets them swap a bundle before it is sent or
    read other people's bundles, so nothing is built or served from it.
    """
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise _unsafe(folder, f"cannot create it ({exc.strerror or exc})") from exc
    return check_folder(folder)


def check_folder(folder: Path) -> Path:
    """`folder` if it is a folder the service owns and nobody else can enter; else refused."""
    try:
        info = folder.stat()
    except OSError as exc:
        raise _unsafe(folder, f"cannot read it ({exc.strerror or exc})") from exc
    if not stat.S_ISDIR(info.st_mode):
        raise _unsafe(folder, "it is not a folder")
    if info.st_uid != os.geteuid():
        raise _unsafe(folder, f"it belongs to uid {info.st_uid}, not to the service's user")
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        raise _unsafe(folder, f"mode {mode:o} lets other users in; run chmod 700 on it")
    return folder


def _unsafe(folder: Path, why: str) -> UnsafeExportFolder:
    log.error("SOC2BOT_EXPORT_DIR %s is refused: %s", folder, why)
    return UnsafeExportFolder(folder, why)


def open_bundle(path: Path) -> tuple[BufferedReader, int]:
    """The bundle at `path` opened for reading, and its size; never through a symbolic link.

    O_NOFOLLOW makes a link planted under a bundle's name fail to open; O_NONBLOCK keeps a
    FIFO from hanging the request. Anything but a regular file is "not found".
    """
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(path, flags)
    except OSError:
        raise NotFound(NOT_AVAILABLE) from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise NotFound(NOT_AVAILABLE)
    return os.fdopen(fd, "rb"), info.st_size


def sweep_expired(folder: Path, lifetime: dt.timedelta, *, now: float | None = None) -> int:
    """Delete bundles (and interrupted builds) older than `lifetime` plus a margin; a count.

    Uses the files' own modification times (wall clock), one directory listing: cheap enough
    to run before every export. Only our names are touched, and links are removed, not followed.
    """
    cutoff = (time.time() if now is None else now) - (lifetime + SWEEP_MARGIN).total_seconds()
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        if not (BUNDLE_NAME.fullmatch(entry.name) or _PARTIAL.fullmatch(entry.name)):
            continue
        with contextlib.suppress(OSError):  # another replica may have removed it first
            if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                os.unlink(entry.path)
                removed += 1
    if removed:
        log.info("Deleted %d expired evidence bundle(s) from the exports folder", removed)
    return removed


def delete_bundle(path: Path) -> None:
    """Remove one bundle whose link has expired (already gone is fine)."""
    if BUNDLE_NAME.fullmatch(path.name):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            log.info("Deleted evidence bundle %s: its link has expired", path.name)
