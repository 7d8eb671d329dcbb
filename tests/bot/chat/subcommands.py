"""The subcommands of the command language, as the tests list them."""

from __future__ import annotations

SUBCOMMANDS = [
    "help",
    "status",
    "mine",
    "controls",
    "control",
    "assign",
    "evidence",
    "review",
    "ack",
    "training",
    "digest",
    "audit",
    "export",
    "whoami",
    "done",
    "skip",
    "sample",
    "expire",
    "policy",
]
