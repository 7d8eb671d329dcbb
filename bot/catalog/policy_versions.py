"""A catalog policy's current document: registered once as its published version, kept safe."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from sqlmodel import Session, select

from bot.audit.trail import record_event
from bot.catalog.schema import PolicySpec
from bot.core.actor import Actor
from bot.core.errors import InvalidInput
from bot.core.permissions import Action, require
from models import Policy, PolicyVersion, VersionStatus, utcnow


class StoredDocument(Protocol):
    """What the evidence store says it kept (`bot.evidence.store.StoredFile`)."""

    @property
    def key(self) -> str: ...
    @property
    def sha256(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def media_type(self) -> str: ...
    @property
    def original_name(self) -> str: ...


class DocumentStore(Protocol):
    """The evidence store, as far as the catalog needs it (the store lives a layer up)."""

    def put(
        self, stream: BinaryIO, *, original_name: str, media_type: str | None = None
    ) -> StoredDocument: ...


@dataclass(frozen=True)
class PolicyDocuments:
    """Where `file` documents are read (the catalog file's folder) and kept (the store)."""

    base_dir: Path | None = None
    store: DocumentStore | None = None


@dataclass
class _Log:
    session: Session
    actor: Actor
    changes: list[str]

    def log(self, action: str, subject_type: str, subject_id: str, **details: Any) -> None:
        record_event(
            session=self.session, actor=self.actor, action=action,
            subject_type=subject_type, subject_id=subject_id, details=details,
        )  # fmt: skip
        # The same report line as the rest of the catalog sync.
        summary = ", ".join(sorted(details.get("changes", {})))
        self.changes.append(f"{action} {subject_id}" + (f" ({summary})" if summary else ""))


def register_policy_versions(
    *,
    session: Session,
    actor: Actor,
    specs: list[PolicySpec],
    documents: PolicyDocuments,
    changes: list[str],
) -> None:
    """Make each policy's catalog version a published version (after `sync_catalog`).

    A version is registered once: later syncs check that its document did not change.
    Each change is logged and described in `changes` (the sync report's lines).
    """
    require(actor, Action.SYNC_CATALOG)
    ctx = _Log(session, actor, changes)
    for spec in specs:
        policy = session.exec(select(Policy).where(Policy.key == spec.id.lower())).one()
        _sync_version(ctx, policy, spec, documents)


def _sync_version(ctx: _Log, policy: Policy, spec: PolicySpec, documents: PolicyDocuments) -> None:
    """Register the catalog's version as published, once; a version is never rewritten."""
    session, doc = ctx.session, spec.document
    content = _read_file(spec, documents) if doc.file is not None else None
    sha256 = hashlib.sha256(content).hexdigest() if content is not None else None
    if doc.sha256 is not None and sha256 is not None and sha256 != doc.sha256.lower():
        raise InvalidInput(
            f"policy {spec.id}: document {doc.file} has SHA-256 {sha256}, "
            f"but the catalog says {doc.sha256.lower()}"
        )
    sha256 = sha256 or str(doc.sha256).lower()
    query = select(PolicyVersion).where(
        PolicyVersion.policy_id == policy.id, PolicyVersion.version == spec.version
    )
    existing = session.exec(query).first()
    if existing is not None:
        if existing.sha256 != sha256:
            raise InvalidInput(
                f"policy {spec.id}: version {spec.version} is registered with another document "
                f"(SHA-256 {existing.sha256}); give the changed document a new version"
            )
        if doc.link is not None and existing.link not in (None, doc.link):
            # The same document (same hash), served from a new address.
            ctx.log("policy.updated", "policy", policy.key, version=spec.version,
                    changes={"link": [existing.link, doc.link]})  # fmt: skip
            existing.link = doc.link
        return
    version = _new_version(policy, spec, sha256, content, documents)
    session.add(version)
    session.flush()
    superseded = []
    published = select(PolicyVersion).where(
        PolicyVersion.policy_id == policy.id,
        PolicyVersion.status == VersionStatus.PUBLISHED,
        PolicyVersion.id != version.id,
    )
    for earlier in session.exec(published).all():
        earlier.status = VersionStatus.SUPERSEDED
        superseded.append(earlier.version)
    policy.current_version_id = version.id
    ctx.log(
        "policy.version_registered", "policy", policy.key, version=spec.version, sha256=sha256,
        document=doc.link or version.document_name, storage_key=version.storage_key,
        status=VersionStatus.PUBLISHED.value, superseded=superseded, source="catalog",
    )  # fmt: skip


def _new_version(
    policy: Policy,
    spec: PolicySpec,
    sha256: str,
    content: bytes | None,
    documents: PolicyDocuments,
) -> PolicyVersion:
    now = utcnow()
    version = PolicyVersion(
        policy_id=policy.id or 0, version=spec.version, status=VersionStatus.PUBLISHED,
        sha256=sha256, link=spec.document.link, submitted_by_id=None, submitted_at=now,
        published_at=now, details={"from": "catalog"},
    )  # fmt: skip
    if content is None:
        return version
    if documents.store is None:
        raise InvalidInput(
            f"policy {spec.id}: its document is a file, and no evidence store was given to "
            "keep it in (`soc2bot catalog sync FILE` uses the configured one); or give a link"
        )
    stored = documents.store.put(
        io.BytesIO(content), original_name=Path(str(spec.document.file)).name
    )
    if stored.sha256 != sha256:  # the store hashes what it kept: it must be what was read
        raise InvalidInput(f"policy {spec.id}: document {spec.document.file} changed while read")
    version.storage_key, version.document_name = stored.key, stored.original_name
    version.media_type, version.size = stored.media_type, stored.size
    return version


def _read_file(spec: PolicySpec, documents: PolicyDocuments) -> bytes:
    name = str(spec.document.file)
    if documents.base_dir is None:
        raise InvalidInput(
            f"policy {spec.id}: its document is a file ({name}), read from the catalog file's "
            "folder, and none was given (`soc2bot catalog sync FILE` gives the file's)"
        )
    path = documents.base_dir / name
    try:
        return path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InvalidInput(
            f"policy {spec.id}: cannot read document file {name} ({reason}); the path is "
            f"relative to the catalog file's folder, {documents.base_dir}"
        ) from None
