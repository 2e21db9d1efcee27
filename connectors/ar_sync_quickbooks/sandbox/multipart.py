"""Reading ``POST /upload`` bodies: ``multipart/form-data`` with LF or CRLF line endings.

python-quickbooks writes its upload body with ``textwrap.dedent``: boundary
``-------------PythonMultipartPost``, **LF-only** line endings and a leading blank line, parts
``file_metadata_01`` (the Attachable JSON) and ``file_content_01`` (``Content-Transfer-Encoding:
base64``). Intuit's recorded request (a Ruby client) uses CRLF and a binary part. Both parse:
a part's headers end at the first empty line, its content at the line break before the next
delimiter. ``base64`` content is decoded (whitespace ignored); other content is kept as is.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

_PARAM_RE = re.compile(r'(\w+)="([^"]*)"')


class MultipartError(ValueError):
    """The body is not the multipart the Content-Type announces."""


@dataclass(frozen=True)
class Part:
    name: str
    filename: str | None
    content_type: str | None
    data: bytes


def boundary_of(content_type: str) -> str:
    match = re.search(r'boundary="?([^";]+)"?', content_type or "")
    if not match:
        raise MultipartError("Content-Type has no multipart boundary")
    return match.group(1)


def parse(body: bytes, boundary: str) -> dict[str, Part]:
    """The parts by name; raises ``MultipartError``."""
    delimiter = b"--" + boundary.encode("latin-1")
    chunks = body.split(delimiter)
    if len(chunks) < 3:
        raise MultipartError("no multipart parts found")
    parts: dict[str, Part] = {}
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = _strip_one(chunk, leading=True)
        chunk = _strip_one(chunk, leading=False)
        crlf, lf = chunk.find(b"\r\n\r\n"), chunk.find(b"\n\n")
        if crlf == -1 and lf == -1:
            raise MultipartError("a part has no empty line after its headers")
        if lf == -1 or (crlf != -1 and crlf < lf):
            raw_headers, data = chunk[:crlf], chunk[crlf + 4 :]
        else:
            raw_headers, data = chunk[:lf], chunk[lf + 2 :]
        headers = {}
        for line in raw_headers.decode("latin-1").splitlines():
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        params = dict(_PARAM_RE.findall(headers.get("content-disposition", "")))
        if "name" not in params:
            raise MultipartError("a part has no Content-Disposition name")
        if headers.get("content-transfer-encoding", "").lower() == "base64":
            try:
                data = base64.b64decode(b"".join(data.split()), validate=True)
            except (binascii.Error, ValueError):
                raise MultipartError(f"part {params['name']}: invalid base64 content") from None
        parts[params["name"]] = Part(
            params["name"], params.get("filename"), headers.get("content-type"), data
        )
    return parts


def _strip_one(chunk: bytes, *, leading: bool) -> bytes:
    for ending in (b"\r\n", b"\n"):
        if leading and chunk.startswith(ending):
            return chunk[len(ending) :]
        if not leading and chunk.endswith(ending):
            return chunk[: -len(ending)]
    return chunk
