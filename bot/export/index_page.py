"""The bundle's index.html: controls → occurrences → evidence, offline and escaped (export)."""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from bot.export.records import campaign_rows, file_path
from bot.export.tables import control_rows
from bot.export.window import Window, occurrence_in_window, stream, text
from bot.export.zipout import BundleZip, Entry
from bot.work.occurrences import state_of
from models import Control, Evidence, EvidenceKind, Occurrence, Person, Task

INDEX = "index.html"
Submitter = aliased(Person)
# Nothing in the page may run or load anything: the CSP forbids all but inline styles.
_HEAD = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body{{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:75em;padding:0 1em}}
table{{border-collapse:collapse;width:100%;margin:.5em 0 1.5em}}
th,td{{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}}
th{{background:#f3f3f3}} code{{font-size:90%}} ul{{margin:0;padding-left:1.2em}}
.gap{{color:#a00;font-weight:600}} .superseded{{text-decoration:line-through;color:#777}}
</style></head><body>
"""


def e(value: Any) -> str:
    """Escaped text of any value (the only way text reaches the page)."""
    return html.escape(text(value), quote=True)


def _anchor(key: str) -> str:
    return "c-" + quote(key, safe="")


def write_index(session: Session, bundle: BundleZip, window: Window) -> None:
    title = f"SOC 2 evidence — {window.program.name} — {window.start} to {window.end}"
    with bundle.entry(INDEX) as page:
        page.write_text(_HEAD.format(title=e(title)))
        page.write_text(f"<h1>{e(title)}</h1>\n<p>{_intro(window)}</p>\n")
        _controls_table(session, page, window)
        _occurrences(session, page, window)
        _campaigns(session, page, window)
        page.write_text("</body></html>\n")


def _intro(window: Window) -> str:
    return (
        f"Observation window {e(window.start)} to {e(window.end)} (both days included, program "
        f"timezone {e(window.program.timezone)}). Every occurrence due in the window is listed "
        "with its state at the time the bundle was generated (see <code>manifest.json</code>). "
        "Files open from <code>files/</code>. Run <code>python verify.py --pubkey KEY</code>, "
        "with your organisation's soc2bot public key, to check that nothing in this bundle "
        "was changed: it checks the signature, every file's hash, the audit trail, and every "
        "evidence row and state against the audit trail."
    )


def _controls_table(session: Session, page: Entry, window: Window) -> None:
    page.write_text(
        "<h2>Controls</h2>\n<table><tr><th>Control</th><th>Title</th><th>Criteria</th>"
        "<th>Owner</th><th>Occurrences in window</th></tr>\n"
    )
    for key, title, _, criteria, owner, _, _, in_scope, retired, count in control_rows(
        session, window
    ):
        link = f'<a href="#{e(_anchor(key))}">{e(key)}</a>' if count else e(key)
        note = " (retired)" if retired else ("" if in_scope else " (out of scope)")
        page.write_text(
            f"<tr><td>{link}</td><td>{e(title)}{e(note)}</td><td>{e(criteria)}</td>"
            f"<td>{e(owner)}</td><td>{e(count)}</td></tr>\n"
        )
    page.write_text("</table>\n")


def _rows(session: Session, window: Window) -> Iterator[Any]:
    query = (
        sa.select(
            Occurrence,
            col(Control.key),
            col(Control.title),
            col(Task.title),
            Evidence,
            col(Submitter.email),
        )
        .join(Control, col(Control.id) == Occurrence.control_id)
        .join(Task, col(Task.id) == Occurrence.task_id)
        .outerjoin(Evidence, col(Evidence.occurrence_id) == Occurrence.id)
        .outerjoin(Submitter, col(Submitter.id) == Evidence.submitted_by_id)
        .where(occurrence_in_window(window))
        .order_by(
            col(Control.key),
            col(Task.key),
            col(Occurrence.period_start),
            col(Occurrence.id),
            col(Evidence.id),
        )
    )
    return stream(session, query)


def _occurrences(session: Session, page: Entry, window: Window) -> None:
    """One table per control; rows arrive sorted, so only the current occurrence is held."""
    control: str | None = None
    current: Any = None
    proofs: list[str] = []
    for occ, key, control_title, task_title, evidence, by in _rows(session, window):
        if current is not None and occ.id != current[0].id:
            _occurrence_row(page, window, current, proofs)
            proofs = []
        if key != control:
            if control is not None:
                page.write_text("</table>\n")
            control = key
            page.write_text(
                f'<h2 id="{e(_anchor(key))}">{e(key)} — {e(control_title)}</h2>\n<table><tr>'
                "<th>Period</th><th>Task</th><th>Due</th><th>State</th><th>Evidence</th></tr>\n"
            )
        current = (occ, task_title)
        if evidence is not None:
            proofs.append(_proof(evidence, by))
    if current is not None:
        _occurrence_row(page, window, current, proofs)
        page.write_text("</table>\n")


def _occurrence_row(page: Entry, window: Window, current: Any, proofs: list[str]) -> None:
    occ, task_title = current
    state = state_of(occ, now=window.now, today=window.today)
    shown = e(state) + (f": {e(occ.skip_reason)}" if occ.skip_reason else "")
    css = ' class="gap"' if state == "overdue" else ""
    listed = f"<ul>{''.join(proofs)}</ul>" if proofs else "—"
    page.write_text(
        f"<tr><td>{e(occ.period_key)}<br><small>#{e(occ.id)}</small></td><td>{e(task_title)}</td>"
        f"<td>{e(occ.due_on)}</td><td{css}>{shown}</td><td>{listed}</td></tr>\n"
    )


def _proof(ev: Evidence, by: str | None) -> str:
    css = ' class="superseded"' if ev.superseded_at else ""
    who = f" — {e(by or 'system')}, {e(ev.submitted_at)} via {e(ev.platform)}"
    if ev.kind is EvidenceKind.FILE and ev.sha256:
        name = ev.original_name or ev.sha256
        what = (
            f'file <a href="{e(file_path(ev.sha256))}" download="{e(name)}">{e(name)}</a> '
            f"<code>{e(ev.sha256[:16])}…</code>"
        )
    else:
        what = f"attestation: “{e(ev.statement)}”"
    superseded = f" (superseded: {e(ev.supersede_reason)})" if ev.superseded_at else ""
    return f"<li{css}>{what}{who}{superseded}</li>"


def _campaigns(session: Session, page: Entry, window: Window) -> None:
    page.write_text(
        "<h2>Campaigns</h2>\n<table><tr><th>Campaign</th><th>Kind</th><th>Status</th>"
        "<th>Decided</th><th>Items and decisions</th></tr>\n"
    )
    for row in campaign_rows(session, window):
        cid, kind, name, *_, status, _v, _ch, _by, _at, _done, items, decided, path = row
        page.write_text(
            f"<tr><td>#{e(cid)} {e(name)}</td><td>{e(kind)}</td><td>{e(status)}</td>"
            f'<td>{e(decided)} of {e(items)}</td><td><a href="{e(path)}">{e(path)}</a></td></tr>\n'
        )
    page.write_text("</table>\n")
