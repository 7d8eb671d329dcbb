"""Does an upload's content match its declared type? Leading-byte signatures, streamed text scan."""

from __future__ import annotations

import codecs

from bot.core.errors import InvalidInput
from bot.core.markup import script_marker


class EvidenceRejected(InvalidInput):
    """The uploaded file cannot be accepted as evidence (size, type or content)."""


_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy binary Office (.doc, .xls, .ppt)
_ZIP = b"PK\x03\x04"
# What each binary type starts with. WebP ("RIFF", size, "WEBP") is checked on its own.
_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "application/zip": (_ZIP,),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (_ZIP,),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (_ZIP,),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (_ZIP,),
    "application/msword": (_OLE2,),
    "application/vnd.ms-excel": (_OLE2,),
    "application/vnd.ms-powerpoint": (_OLE2,),
    "image/bmp": (b"BM",),
    "image/tiff": (b"II*\x00", b"MM\x00*"),
}
_WHAT = {  # how a signature's type is named when content turns out to be that
    b"%PDF-": "a PDF",
    b"\x89PNG\r\n\x1a\n": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF87a": "a GIF image",
    b"GIF89a": "a GIF image",
    _ZIP: "a ZIP archive (or Office document)",
    _OLE2: "a legacy Office document",
}
# Types that run scripts in a browser: refused even when an admin allows them.
SCRIPTABLE_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "text/javascript",
        "application/javascript",
        "application/x-javascript",
        "text/ecmascript",
        "application/ecmascript",
    }
)
# Markup that makes text a web page, an SVG or a script carrier, anywhere in a text file.
# Searched in lower-cased bytes: a literal-led regex and plain finds scan at hundreds of MB/s,
# where one case-insensitive alternation crawls at tens.
_OVERLAP = len(b"<!doctype html") - 1  # a marker split across two chunks is still found
_LEAD = b"\xef\xbb\xbf \t\r\n"
_TYPE_LABELS = {  # names people know; simple subtypes (pdf, png, csv…) are shown upper-cased
    "text/plain": "text",
    "text/markdown": "Markdown",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel (.xlsx)",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word (.docx)",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint",
    "application/vnd.ms-excel": "Excel (.xls)",
    "application/msword": "Word (.doc)",
}


def type_label(media_type: str) -> str:
    """A media type as people call it (PDF, Excel (.xlsx), text…)."""
    subtype = media_type.rsplit("/", 1)[-1]
    return _TYPE_LABELS.get(media_type) or (subtype.upper() if subtype.isalnum() else media_type)


def is_text_type(media_type: str) -> bool:
    return media_type.startswith("text/") or media_type == "application/json"


class ContentScan:
    """One upload's content check: the leading bytes once, then every chunk as it streams.

    Binary types are judged by their signature alone; text types are scanned as they pass
    (UTF-8, no NUL, no markup), so the store keeps its streaming copy and its throughput.
    """

    def __init__(self, name: str, media_type: str, head: bytes) -> None:
        self.name, self.media_type = name, media_type
        self._text = is_text_type(media_type)
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._tail = b""
        _check_head(name, media_type, head)

    def feed(self, chunk: bytes) -> None:
        """Scan the next chunk (the head included); raise `EvidenceRejected` on bad text."""
        if not self._text:
            return
        if b"\x00" in chunk:
            raise self._not_text()
        try:
            self._decoder.decode(chunk)
        except UnicodeDecodeError:
            raise self._not_utf8() from None
        window = self._tail + chunk
        if marker := script_marker(window):
            raise _scripted(self.name, marker)
        self._tail = window[-_OVERLAP:]

    def finish(self) -> None:
        """The end of the stream: a text file must not stop inside a UTF-8 character."""
        if not self._text:
            return
        try:
            self._decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise self._not_utf8() from None

    def _not_text(self) -> EvidenceRejected:
        # A zip (or any binary) named .csv/.txt: text never holds NUL bytes.
        return EvidenceRejected(
            f"{self.name} is declared as {type_label(self.media_type)} but is not text"
        )

    def _not_utf8(self) -> EvidenceRejected:
        return EvidenceRejected(
            f"{self.name} is declared as {type_label(self.media_type)} but is not UTF-8 text; "
            "save it as UTF-8 and send it again"
        )


def _check_head(name: str, media_type: str, head: bytes) -> None:
    if media_type in SCRIPTABLE_TYPES:
        raise EvidenceRejected(
            f"{name}: {type_label(media_type)} files can carry scripts and are never "
            "accepted as evidence; send a PDF or an image instead"
        )
    what = looks_like(head)
    if what == "a program":
        raise EvidenceRejected(f"{name} is a program; executables are not accepted as evidence")
    if what == "a web page":
        # Also what Slack answers a failed file download with: its HTML sign-in page.
        raise EvidenceRejected(
            f"{name} is a web page (declared as {type_label(media_type)}); web pages are not "
            "accepted as evidence (a failed download? please upload it again)"
        )
    if what == "an SVG image":
        raise EvidenceRejected(
            f"{name} is an SVG image, which can carry scripts; send it as PNG or PDF instead"
        )
    if not _matches(media_type, head):
        raise EvidenceRejected(
            f"{name} is declared as {type_label(media_type)} but its content is "
            f"{what}; nothing was stored. Send the file in the format its name says"
        )


def _matches(media_type: str, head: bytes) -> bool:
    if media_type == "image/webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    signatures = _SIGNATURES.get(media_type)
    if signatures is not None:
        return head.startswith(signatures)
    # An image type we know no signature of cannot be shown to be one. Text is judged as it
    # streams; other types an admin allows are taken by name.
    return not media_type.startswith("image/")


def looks_like(head: bytes) -> str:
    """What the leading bytes are, in words ("a PDF", "a web page", "text"…)."""
    if head.startswith((b"MZ", b"\x7fELF")):
        return "a program"
    for signature, what in _WHAT.items():
        if head.startswith(signature):
            return what
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "a WebP image"
    lead = head.lstrip(_LEAD)
    if lead.startswith(b"<"):
        marker = script_marker(lead) or ""
        if marker == "<svg":
            return "an SVG image"
        if marker.startswith("<") or lead[:14].lower().startswith(b"<!doctype html"):
            return "a web page"
    return "text" if b"\x00" not in head and _utf8_prefix(head) else "binary data"


def _utf8_prefix(data: bytes) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data)  # a cut last character is fine
    except UnicodeDecodeError:
        return False
    return True


def _scripted(name: str, marker: str) -> EvidenceRejected:
    return EvidenceRejected(
        f"{name} contains web page or script markup (“{marker}”); files with HTML, SVG or "
        "scripts are not accepted as evidence"
    )
