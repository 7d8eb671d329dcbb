"""Audit sentences of exports, samples, pulled access reviews and policies."""

from __future__ import annotations

from collections.abc import Callable

from bot.audit.said import Said
from bot.audit.values import human, short_hash


def _exported(e: Said) -> str:
    window = e.get("window") or {}
    span = f"{human(window.get('start'), e.zone)} – {human(window.get('end'), e.zone)}"
    name = f"{e.text('file_name')}, " if e.get("file_name") else ""
    digest = e.get("bundle_sha256")
    what = f" ({name}sha256 {short_hash(str(digest))})" if digest else ""
    return f"{e.who} exported the evidence bundle for {span}{what}"


def _sampled(e: Said) -> str:
    population, seed = e.get("population") or {}, f"seed {e.text('seed')}"
    if e.event.action == "sample.extended":
        added = len(e.get("added") or [])
        return f"{e.who} added {added} to sample {e.sid}, now {e.text('size')} ({seed})"
    drawn = f"{e.text('size')} of {human(population.get('size'), e.zone)}"
    digest = short_hash(str(population.get("sha256")))
    label = human(population.get("label"), e.zone)
    return f"{e.who} drew sample {e.sid}: {drawn} from {label} ({seed}, population sha256 {digest})"


def _policy_version(e: Said) -> str:
    return f"version {e.text('version')}" if e.get("version") else "a version"


def _policy_decided(e: Said) -> str:
    step = f" (step {e.text('step')} of {e.text('steps')})" if e.get("steps") else ""
    said = f": “{e.text('comment')}”" if e.get("comment") else ""
    if e.event.action == "policy.approved":
        return f"{e.who} approved {e.sid} {_policy_version(e)}{step}{e.hashed()}{said}"
    return f"{e.who} asked for changes to {e.sid} {_policy_version(e)}{step}{said}"


def _policy_published(e: Said) -> str:
    replaced = f", replacing version {e.text('superseded')}" if e.get("superseded") else ""
    round_ = f"; camp-{e.text('campaign')} asks {e.text('people')} people to accept it"
    return f"{e.who} published {e.sid} {_policy_version(e)}{replaced}{e.hashed()}{round_}"


MORE: dict[str, Callable[[Said], str]] = {
    "export.created": _exported,
    "sample.drawn": _sampled,
    "sample.extended": _sampled,
    "sample.exported": lambda e: (
        f"{e.who} exported sample {e.sid}’s bundle{e.hashed('bundle_sha256')}"
    ),
    "review.snapshot_taken": lambda e: (
        f"{e.who} froze {e.text('accounts')} accounts from {e.text('source')} for {e.ref}, "
        f"{e.text('flagged')} flagged{e.hashed('json_sha256')}"
    ),
    "review.pull_failed": lambda e: (
        f"{e.who} could not pull the accounts for {e.ref}: {e.text('reason')}"
    ),
    "policy.registered": lambda e: f"{e.who} registered the policy {e.sid}",
    "policy.updated": lambda e: f"{e.who} updated the policy {e.sid}: {e.changes()}",
    "policy.retired": lambda e: f"{e.who} retired the policy {e.sid}{e.because()}",
    "policy.version_registered": lambda e: (
        f"{e.who} registered {e.sid} {_policy_version(e)} from the catalog{e.hashed()}"
    ),
    "policy.reviewed": lambda e: (
        f"{e.who} reviewed {e.sid}: no changes to {_policy_version(e)}"
        + (" (on the owner’s behalf)" if e.get("on_behalf") else "")
    ),
    "policy.version_submitted": lambda e: (
        f"{e.who} submitted {e.sid} {_policy_version(e)} for approval{e.hashed()}"
    ),
    "policy.document_replaced": lambda e: (
        f"{e.who} replaced the document of {e.sid} {_policy_version(e)}{e.hashed()}; "
        f"{e.text('invalidated')} earlier approvals no longer count"
    ),
    "policy.approved": _policy_decided,
    "policy.changes_requested": _policy_decided,
    "policy.published": _policy_published,
}
