"""Evidence store on S3 or an S3-compatible service (MinIO…), content-addressed and write-once."""

from __future__ import annotations

import base64
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import IO, Any, BinaryIO
from urllib.parse import quote, urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from bot.core.errors import InvalidInput, NotFound
from bot.evidence.store import (
    CHUNK_SIZE,
    EvidenceStoreUnavailable,
    StoredFile,
    UploadPolicy,
    is_valid_key,
)

ENDPOINT_ENV = "SOC2BOT_S3_ENDPOINT_URL"
SPOOL_MEMORY_BYTES = 8 * 1024 * 1024
# A single PUT (the only kind that takes If-None-Match) is capped at 5 GiB by S3.
MAX_SINGLE_PUT_BYTES = 5 * 1024**3
_MISSING_CODES = {"404", "NoSuchKey", "NotFound"}


class S3EvidenceStore:
    """Objects at `prefix/sha256/ab/cd/<sha256>` in `bucket`; an existing object is never replaced.

    Uploads use `put_object` with `IfNoneMatch="*"` rather than `upload_fileobj`: the transfer
    manager does not accept that condition, and it buffers multipart chunks in memory.
    """

    def __init__(
        self,
        bucket: str,
        prefix: str,
        *,
        max_bytes: int,
        allowed_types: Sequence[str],
        client: Any = None,
        endpoint_url: str | None = None,
    ) -> None:
        if max_bytes > MAX_SINGLE_PUT_BYTES:
            raise InvalidInput("SOC2BOT_EVIDENCE_MAX_BYTES may be at most 5 GiB with S3 storage")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.policy = UploadPolicy(max_bytes, tuple(allowed_types))
        self.endpoint_url = endpoint_url or os.environ.get(ENDPOINT_ENV) or None
        self._client = client if client is not None else self._make_client()

    def _make_client(self) -> Any:
        # Custom endpoints (MinIO…) rarely resolve bucket sub-domains, so use path-style there.
        style = "path" if self.endpoint_url else "auto"
        config = Config(
            s3={"addressing_style": style},
            connect_timeout=10,
            read_timeout=60,
            retries={"max_attempts": 3, "mode": "standard"},
        )
        try:
            return boto3.client("s3", endpoint_url=self.endpoint_url, config=config)
        except (BotoCoreError, ValueError) as exc:
            raise self._unavailable(exc, "connect") from exc

    def describe(self) -> str:
        where = f"s3://{self.bucket}/{self.prefix}"
        if self.endpoint_url:
            # Only scheme and host: an endpoint URL could carry credentials in its user part.
            url = urlsplit(self.endpoint_url)
            where += f" at {url.scheme}://{url.hostname}" + (f":{url.port}" if url.port else "")
        return f"S3 evidence store {where}"

    def object_key(self, key: str) -> str:
        """The bucket key of a store key."""
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(
        self, stream: BinaryIO, *, original_name: str, media_type: str | None = None
    ) -> StoredFile:
        # Spooled so small files stay in memory and large ones go to disk, never all in RAM.
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES) as spool:
            try:
                stored = self.policy.receive(
                    stream, spool, original_name=original_name, media_type=media_type
                )
            except OSError as exc:
                raise EvidenceStoreUnavailable(
                    f"Evidence upload failed while buffering ({exc.strerror or exc}); "
                    "nothing was saved. Please try again later."
                ) from exc
            if self._object_exists(stored.key):
                return replace(stored, deduplicated=True)
            spool.seek(0)
            return self._upload(spool, stored)

    def _upload(self, body: IO[bytes], stored: StoredFile) -> StoredFile:
        try:
            self._client.put_object(
                Bucket=self.bucket,
                Key=self.object_key(stored.key),
                Body=body,
                ContentLength=stored.size,
                ContentType=stored.media_type,
                Metadata={"original-name": quote(stored.original_name), "sha256": stored.sha256},
                # S3 verifies the bytes it received against the digest computed on intake.
                ChecksumSHA256=base64.b64encode(bytes.fromhex(stored.sha256)).decode(),
                # Write-once even when two uploads of the same content race past the check.
                IfNoneMatch="*",
            )
        except ClientError as exc:
            if _status(exc) == 412:
                return replace(stored, deduplicated=True)
            raise self._unavailable(exc, "PutObject") from exc
        except BotoCoreError as exc:
            raise self._unavailable(exc, "PutObject") from exc
        return stored

    def _object_exists(self, key: str) -> bool:
        try:
            self._client.head_object(Bucket=self.bucket, Key=self.object_key(key))
        except ClientError as exc:
            if _code(exc) in _MISSING_CODES:
                return False
            raise self._unavailable(exc, "HeadObject") from exc
        except BotoCoreError as exc:
            raise self._unavailable(exc, "HeadObject") from exc
        return True

    def exists(self, key: str) -> bool:
        return is_valid_key(key) and self._object_exists(key)

    def open(self, key: str) -> Iterator[bytes]:
        if not is_valid_key(key):
            raise NotFound(f"No evidence file with key {key}")
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=self.object_key(key))
        except ClientError as exc:
            if _code(exc) in _MISSING_CODES:
                raise NotFound(f"No evidence file with key {key}") from None
            raise self._unavailable(exc, "GetObject") from exc
        except BotoCoreError as exc:
            raise self._unavailable(exc, "GetObject") from exc
        return self._read(response["Body"])

    def _read(self, body: Any) -> Iterator[bytes]:
        try:
            yield from body.iter_chunks(CHUNK_SIZE)
        except BotoCoreError as exc:
            raise self._unavailable(exc, "GetObject") from exc
        finally:
            body.close()

    def _unavailable(self, exc: Exception, action: str) -> EvidenceStoreUnavailable:
        # Only the error code or class reaches the message: never request details or keys.
        reason = _code(exc) if isinstance(exc, ClientError) else type(exc).__name__
        return EvidenceStoreUnavailable(
            f"Evidence storage is unavailable ({action} failed: {reason}); nothing was stored. "
            "Please try again later or ask an administrator to check the S3 bucket."
        )


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", "Unknown"))


def _status(exc: ClientError) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
