"""The bundle's verify.py, generated from bot/export/verify.py and bot/audit_chain.py (export)."""

from __future__ import annotations

from pathlib import Path

from bot import audit_chain

MARKER = "from bot.audit_chain import verify_events  # bundle: inline bot/audit_chain.py"
_FUTURE = "from __future__ import annotations"


def verifier_source() -> str:
    """verify.py with the audit chain's hash rules pasted in: one file, standard library only.

    Built from the modules' own source at export time, so the rules in the bundle are always
    the rules the chain was written with.
    """
    source = Path(__file__).with_name("verify.py").read_text("utf-8")
    if source.count(MARKER) != 1:
        raise RuntimeError("bot/export/verify.py lost its inline marker")
    rules = Path(audit_chain.__file__).read_text("utf-8")
    body = rules.split(_FUTURE, 1)[1].strip("\n")
    inlined = (
        "# --- the audit chain's hash rules, copied from soc2bot's bot/audit_chain.py ---\n"
        f"{body}\n# --- end of bot/audit_chain.py ---"
    )
    return source.replace(MARKER, inlined)
