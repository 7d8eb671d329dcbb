"""The commands in words: each one's syntax, what it does and an example; help and usage lines."""

from __future__ import annotations

# syntax (its first word is the subcommand), what it does, example
_TABLE: tuple[tuple[str, str, str], ...] = (
    ("help [topic]", "list the commands, or explain one", "help assign"),
    ("status", "readiness, overdue, due soon, Type II window coverage", "status"),
    ("mine", "your open and upcoming work, with its buttons", "mine"),
    ("controls [text]", "list controls, optionally filtered", "controls access"),
    ("control <id>", "one control: owner, criteria, tasks, evidence, history", "control CC6.1-AR"),
    ("assign <control> <@user>", "(admin) set a control's owner", "assign CC6.1-AR @raj"),
    ("evidence <occurrence>", "attach evidence to an occurrence", "evidence #1234"),
    (
        "review start <name> [#channel] [reviewer <@user>]",
        "start an access review from an attached CSV",
        'review start "Q1 prod access" #soc2 reviewer @raj',
    ),
    ("ack <policy>", "acknowledge that you read a policy", "ack acceptable-use"),
    ("training", "confirm your security-awareness training", "training"),
    ("digest", "(leadership, admin) the weekly digest, now", "digest"),
    ("audit <control|occurrence|campaign>", "who did what, and when", "audit CC6.1-AR"),
    ("export <from> <to>", "(admin, auditor) the evidence bundle", "export 2026-01-01 2026-06-30"),
    ("whoami", "your identity, role and linked chat ids", "whoami"),
    ("done <occurrence> [note]", "mark an occurrence done", "done #1234 restore test passed"),
    ("skip <occurrence> <reason>", "(admin) skip an occurrence", "skip #1234 host retired"),
)
USAGE: dict[str, str] = {syntax.split()[0]: f"{syntax} — e.g. `{ex}`" for syntax, _, ex in _TABLE}
HELP_LINES: tuple[str, ...] = tuple(f"`{syntax}` — {what}" for syntax, what, _ in _TABLE)
GENERAL_USAGE = "Try `help` to see every command."
ALIASES = {"?": "help", "-h": "help", "--help": "help", "who-am-i": "whoami"}


def command_name(word: str) -> str:
    """The subcommand a word names: casefolded, with aliases resolved."""
    name = word.casefold()
    return ALIASES.get(name, name)
