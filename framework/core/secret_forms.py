"""Every way a secret may be written where the framework could show it.

A secret is not always written as itself: an HTTP library's exception shows a header value
as a bytes literal (``b'Bearer abc\\n'``), a server echoes a key JSON-escaped or
percent-encoded, and a Basic ``Authorization`` header carries it base64-encoded after
``user:``. :func:`secret_forms` lists the forms the redactor replaces:

- the secret as text, and as a server shows its UTF-8 bytes when it reads header bytes as
  Latin-1 (HTTP's historical header charset);
- each of those written as the body of a Python string literal (``repr`` and ``ascii``, in
  either quote style), and of a JSON string (with and without ``ensure_ascii``, also with
  ``/`` written ``\\/`` as PHP does and ``<``, ``>``, ``&`` as ``\\u003c`` … as Go does);
- its UTF-8 bytes as the body of a Python bytes literal (what h11 and ``http.client`` show
  of a header value they refuse);
- its UTF-8 bytes in base64 (standard and URL-safe alphabets) at each of the three byte
  alignments, so that it is found inside ``base64("user:" + secret)``. Only the characters
  that depend on the secret alone are matched: at most two characters at each end, which
  hold less than two of its bytes, stay visible.

Percent-encoding is a pattern, not a list (:func:`percent_encoded_pattern`): encoders
differ in which characters they leave alone (``quote``, ``quote_plus``, yarl's path and
query, httpx's parameters), so each character that is not unreserved may be written as
itself or percent-encoded (hex digits in either case; a space also as ``+``).
"""

from __future__ import annotations

import base64
import json
import re

_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_HTML_SAFE_JSON = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}
_MIN_BASE64_CORE = 4  # shorter runs of base64 are too common to hide everywhere


def secret_forms(secret: str) -> set[str]:
    """The distinct non-empty forms of ``secret`` listed in the module's docstring."""
    if not secret:
        return set()
    data = secret.encode("utf-8", errors="surrogatepass")
    texts = {secret, data.decode("latin-1")}
    forms = {form for text in texts for form in {text} | _literal(text) | _json(text)}
    forms |= _quote_styles(repr(data)[1:])
    forms |= _base64_cores(data)
    forms.discard("")
    return forms


def percent_encoded_pattern(secret: str) -> str | None:
    """A regular expression matching ``secret`` (and its Latin-1 reading) percent-encoded
    by any encoder; ``None`` when it has only unreserved characters, which no encoder
    changes."""
    if not secret or _UNRESERVED.issuperset(secret):
        return None
    data = secret.encode("utf-8", errors="surrogatepass")
    texts = sorted({secret, data.decode("latin-1")})
    return "|".join("".join(_percent_choices(char) for char in text) for text in texts)


def _percent_choices(char: str) -> str:
    """A pattern for ``char`` as itself or percent-encoded."""
    if char in _UNRESERVED:
        return char
    encoded = "".join(
        "%" + _either_case(f"{byte:02X}") for byte in char.encode("utf-8", errors="surrogatepass")
    )
    choices = [re.escape(char), encoded] + (["\\+"] if char == " " else [])
    return f"(?:{'|'.join(choices)})"


def _either_case(hex_digits: str) -> str:
    return "".join(f"[{d}{d.lower()}]" if d.isalpha() else d for d in hex_digits)


def _literal(text: str) -> set[str]:
    """The body of a Python string literal of ``text``, in each quote style."""
    return _quote_styles(repr(text)) | _quote_styles(ascii(text))


def _quote_styles(literal: str) -> set[str]:
    """The body of a quoted Python literal, as written between ``'`` and between ``"``."""
    quote_mark, body = literal[0], literal[1:-1]
    if quote_mark == "'":  # every ' is escaped; between " it would not be
        return {body, body.replace("\\'", "'")}
    return {body, body.replace("'", "\\'")}  # no ' is escaped; between ' each would be


def _json(text: str) -> set[str]:
    """The body of a JSON string of ``text``, as common encoders write it."""
    forms = set()
    for ensure_ascii in (True, False):
        body = json.dumps(text, ensure_ascii=ensure_ascii)[1:-1]
        html_safe = "".join(_HTML_SAFE_JSON.get(char, char) for char in body)
        forms |= {body, body.replace("/", "\\/"), html_safe}
    return forms


def _base64_cores(data: bytes) -> set[str]:
    """The base64 characters that only ``data`` determines, wherever it starts in the
    encoded bytes (three alignments, two alphabets)."""
    cores = set()
    for offset in range(3):
        encoded = base64.b64encode(bytes(offset) + data).decode("ascii")
        first = -(-8 * offset // 6)  # the first character with no bit of the bytes before
        last = 8 * (offset + len(data)) // 6  # past the last with no bit of the bytes after
        core = encoded[first:last]
        if len(core) >= _MIN_BASE64_CORE:
            cores |= {core, core.replace("+", "-").replace("/", "_")}
    return cores
