"""The commands in words: what each does, its syntax and examples per platform; help and usage."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.messages import Field, ListItem, Message, Section
from models import Platform

# How a person is named, and how a channel, in each platform's syntax (the CLI's is Teams').
_PERSON = {Platform.SLACK: "@person", Platform.TEAMS: "<email>"}
_RAJ = {Platform.SLACK: "@raj", Platform.TEAMS: "raj@example.com"}
_CHANNEL = {Platform.SLACK: " [#channel]", Platform.TEAMS: ""}
_SOC2 = {Platform.SLACK: " #soc2", Platform.TEAMS: ""}
NEUTRAL_PERSON = "<@name or email>"  # usage lines after a mistake, which any platform may show


@dataclass(frozen=True)
class Command:
    """One subcommand; `{person}`, `{raj}`, `{channel}` and `{soc2}` are filled per platform."""

    group: str
    syntax: str
    what: str
    example: str


YOUR_WORK, PROGRAM, REVIEWS, ADMIN = "Your work", "The program", "Reviews", "Admin"
COMMANDS: dict[str, Command] = {
    "mine": Command(YOUR_WORK, "mine", "your work, with its buttons", "mine"),
    "done": Command(
        YOUR_WORK, "done <#occurrence> [note]", "mark work done", "done #1234 restore test passed"
    ),
    "evidence": Command(
        YOUR_WORK, "evidence <#occurrence>", "attach evidence to work", "evidence #1234"
    ),
    "ack": Command(YOUR_WORK, "ack <policy>", "accept a policy you read", "ack acceptable-use"),
    "training": Command(YOUR_WORK, "training", "confirm your security training", "training"),
    "whoami": Command(YOUR_WORK, "whoami", "your identity, role and chat accounts", "whoami"),
    "status": Command(PROGRAM, "status", "readiness and overdue work", "status"),
    "controls": Command(PROGRAM, "controls [text]", "the controls, filtered", "controls access"),
    "control": Command(PROGRAM, "control <id>", "one control in detail", "control CC6.1-AR"),
    "audit": Command(
        PROGRAM, "audit <control | #123 | camp-N>", "who did what, and when", "audit CC6.1-AR"
    ),
    "digest": Command(PROGRAM, "digest", "the weekly digest, now (leadership)", "digest"),
    "policy": Command(
        PROGRAM, "policy [id]", "policies: state, versions, who accepted", "policy access-control"
    ),
    "review": Command(
        REVIEWS,
        "review start <name | task-id>{channel} [reviewer {person}]",
        "review accounts: pulled from a system, or a CSV",
        'review start "Q1 prod access"{soc2} reviewer {raj}',
    ),
    "assign": Command(
        ADMIN, "assign <control> {person}", "set a control's owner", "assign CC6.1-AR {raj}"
    ),
    "skip": Command(
        ADMIN, "skip <#occurrence> <reason>", "skip work, with a reason", "skip #1234 host retired"
    ),
    "export": Command(
        ADMIN,
        "export <from> <to>",
        "the evidence bundle (admins, auditors)",
        "export 2026-01-01 2026-06-30",
    ),
    "sample": Command(
        ADMIN,
        "sample <control> <from> <to>",
        "an auditor's sample (auditors, admins)",
        "sample CC6.1-AR 2026-01-01 2026-06-30",
    ),
    "expire": Command(
        ADMIN,
        "expire <evidence> <date|never>",
        "set when evidence stops counting",
        "expire 57 2027-01-31",
    ),
    "help": Command(PROGRAM, "help [command]", "the commands, or one explained", "help assign"),
}
GROUPS = (YOUR_WORK, PROGRAM, REVIEWS, ADMIN)
# The one example each group shows, by subcommand: the ones that name people and channels.
_GROUP_EXAMPLE = {YOUR_WORK: "done", PROGRAM: "audit", REVIEWS: "review", ADMIN: "assign"}
# How the accounts reach a review, per platform, and what the terminal offers instead.
_REVIEW_HOW = {
    Platform.SLACK: "A form opens: attach the CSV of accounts there. A task id whose "
    "catalog names a source pulls its accounts itself.",
    Platform.TEAMS: "A form opens: paste the accounts there, as CSV. A task id whose "
    "catalog names a source pulls its accounts itself.",
    Platform.CLI: "From a terminal: soc2bot campaign review --name … --reviewer EMAIL "
    "--accounts FILE.csv --channel ID, or soc2bot review start TASK-ID to pull a task's source",
}
_SAMPLE_FORMS = (
    "size N, seed S; sample camp-N (a campaign's items), sample follow-ups camp-N, "
    "sample show <n>, sample add <n> <count>"
)
ALIASES = {"?": "help", "-h": "help", "--help": "help", "who-am-i": "whoami", "policies": "policy"}
_POLICY_ACTS = (
    "policy submit <id> <version> with the file attached (or link <url> sha256 <hex>) · "
    "policy approve <id> [comment] · policy changes <id> <comment>"
)


def _fill(text: str, platform: Platform) -> str:
    style = Platform.SLACK if platform is Platform.SLACK else Platform.TEAMS  # the CLI's: Teams'
    return text.format(
        person=_PERSON[style], raj=_RAJ[style], channel=_CHANNEL[style], soc2=_SOC2[style]
    )


def _neutral(text: str) -> str:
    return text.format(person=NEUTRAL_PERSON, raj="raj@example.com", channel=" [#channel]", soc2="")


# After a mistake: the syntax and a typed example (the parser does not know the platform).
USAGE: dict[str, str] = {
    name: f"{_neutral(c.syntax)} — e.g. `{_neutral(c.example)}`" for name, c in COMMANDS.items()
}
GENERAL_USAGE = "Try `help` to see every command."


def command_name(word: str) -> str:
    """The subcommand a word names: casefolded, with aliases resolved."""
    name = word.casefold()
    return ALIASES.get(name, name)


def typed(command: str, platform: Platform) -> str:
    """A command as it is typed on `platform`: `/soc2 mine`, `mine`, `soc2bot ask "mine"`."""
    if platform is Platform.SLACK:
        return f"/soc2 {command}"
    if platform is Platform.TEAMS:
        return command
    return f"soc2bot ask '{command}'"


def example(name: str, platform: Platform) -> str:
    """The example of subcommand `name`, typed as on `platform`."""
    return typed(_fill(COMMANDS[name].example, platform), platform)


def syntax(name: str, platform: Platform) -> str:
    """The syntax of subcommand `name` in `platform`'s words for people and channels."""
    return _fill(COMMANDS[name].syntax, platform)


def _where(platform: Platform) -> str:
    if platform is Platform.SLACK:
        return "Type /soc2 and a command, or mention @soc2bot."
    if platform is Platform.TEAMS:
        return "Send a command in a chat with soc2bot; in a channel, start with @soc2bot."
    return "Run a command with soc2bot ask, as below."


def help_view(platform: Platform) -> Message:
    """`help`: the commands by what people want to do, one example per group in the syntax
    of the platform it is read on."""
    chat = platform in (Platform.SLACK, Platform.TEAMS)
    sections = []
    for group in GROUPS:
        names = [n for n, c in COMMANDS.items() if c.group == group and n != "help"]
        fields = tuple(Field(syntax(n, platform), COMMANDS[n].what) for n in names)
        shown = f"e.g. {example(_GROUP_EXAMPLE[group], platform)}"
        if group == REVIEWS:  # how the accounts get there differs most between platforms
            shown = f"{shown} — {_REVIEW_HOW[platform]}" if chat else _REVIEW_HOW[Platform.CLI]
        sections.append(Section(heading=group, fields=fields, items=(ListItem(shown),)))
    return Message(
        title="soc2bot commands",
        context=_where(platform),
        sections=tuple(sections),
        footer=f"One command explained: {example('help', platform)}",
    )


def help_topic_view(name: str, platform: Platform) -> Message:
    """`help <command>`: its syntax, what it does and an example, as typed on `platform`."""
    command = COMMANDS[name]
    fields = [Field("Usage", syntax(name, platform))]
    chat = platform in (Platform.SLACK, Platform.TEAMS)
    if chat or name != "review":  # a review is started from a terminal by another command
        fields.append(Field("Example", example(name, platform)))
    if name == "review":
        fields.append(Field("The accounts", _REVIEW_HOW[platform if chat else Platform.CLI]))
    if name == "audit":
        whole = f"{typed('audit event 660', platform)}: every detail, hashes whole"
        fields.append(Field("One event", whole))
    if name == "sample":  # the other forms, kept out of `help` itself
        fields.append(Field("Also", _SAMPLE_FORMS))
    if name == "policy":  # the owner's and approvers' words, kept out of `help` itself
        fields.append(Field("Owners and approvers", _POLICY_ACTS))
    what = command.what[:1].upper() + command.what[1:]
    return Message(title=f"help {name}", text=f"{what}.", fields=tuple(fields))
