"""A bundle's files, read from its zip or extracted folder, and the report of what was found."""

# Pasted into the bundle's verify.py (see bot/export/script.py): standard library and
# Python 3.8 syntax only.

from __future__ import annotations

import csv
import io
import os
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

FORMAT = "soc2bot-evidence-bundle"
# 2: the manifest is signed (manifest.sig) and the tables can be cross-checked against the
# audit log, whose segment starts early enough to hold every event about them.
FORMAT_VERSION = 2
MANIFEST, SIGNATURE, AUDIT_LOG, SCRIPT = (
    "manifest.json",
    "manifest.sig",
    "audit_log.jsonl",
    "verify.py",
)


class Reader:
    """The bundle's files, from a zip or an extracted folder, by posix path."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip = zipfile.ZipFile(path) if path.is_file() else None
        if self.zip is not None:
            names = [i.filename for i in self.zip.infolist() if not i.is_dir()]
        else:
            names = sorted(_walk(path))
        self.names = set(names)
        self.duplicates = sorted(n for n, k in Counter(names).items() if k > 1)

    def open(self, name: str) -> IO[bytes]:
        if self.zip is not None:
            return self.zip.open(name)
        return (self.path / name).open("rb")

    def read(self, name: str) -> bytes:
        with self.open(name) as fh:
            return fh.read()

    def rows(self, name: str) -> Iterator[dict[str, str]]:
        """The CSV file's rows as dicts (nothing when the bundle lacks the file)."""
        if name not in self.names:
            return
        with self.open(name) as raw:
            yield from csv.DictReader(io.TextIOWrapper(raw, "utf-8", newline=""))

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()


def _walk(root: Path) -> Iterator[str]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != "__pycache__"]  # Python's own cache, not bundle data
        for name in files:
            yield Path(folder, name).relative_to(root).as_posix()


@dataclass
class Report:
    """What verification found: `problems` name the file (and line) of each finding; `notes`
    say what was not checked and why."""

    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files: int = 0
    events: int = 0
    head_seq: int = 0
    head_hash: str = ""
    cross_checked: bool = False
    signed_by: str = ""  # the public key (hex) the signature was checked with
    witnessed: int = 0  # witnessed heads that the chain was checked to extend

    @property
    def ok(self) -> bool:
        return not self.problems
