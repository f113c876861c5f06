"""What the fuzz tests share: their hypothesis settings, the tally of inputs tried, the
checks every output must pass (strict JSON, the error shape, no traceback, no secret), and
how the stand-in Perkville echoes the API key back."""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, quote_plus

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests.fuzz.strategies import SECRET_HEAD, SECRET_TAIL
from tests.local_server import LocalServer

ERROR_CODE = re.compile(r"^[A-Z][A-Z0-9_]*$")
TRACEBACK_MARKS = ("Traceback (most recent call last)", 'File "')

# examples run and odd inputs tried (bodies, events, lines), by entry point
TALLY: Counter[str] = Counter()


def fuzz(max_examples: int) -> settings:
    """Bounded, repeatable runs: the same examples every time, no database, no deadline."""
    return settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def count(entry: str, inputs: int = 1) -> None:
    """One example run at ``entry``, holding ``inputs`` odd inputs."""
    TALLY[f"{entry} examples"] += 1
    TALLY[f"{entry} inputs"] += inputs


def strict_json(body: bytes | str, where: str) -> Any:
    """The JSON document ``body`` holds; fails unless it is UTF-8, strict JSON (no
    ``NaN``/``Infinity``) and free of lone surrogates, as every JSON the project writes."""
    text = body.decode("utf-8") if isinstance(body, bytes) else body

    def refuse(token: str) -> None:
        raise AssertionError(f"{where} holds {token}, which is not JSON")

    document = json.loads(text, parse_constant=refuse)
    pending = [document]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            _unicode(value, where)
        elif isinstance(value, dict):
            for key in value:
                _unicode(key, where)
            pending += value.values()
        elif isinstance(value, list):
            pending += value
    return document


def _unicode(text: str, where: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise AssertionError(f"{where} holds a lone surrogate") from None


def error_shape(document: Any, where: str) -> str:
    """The code of an ``{"error": {"code", "message"[, "problems"]}}`` document (the
    ingress repeats ``code`` and ``message`` at the top, where Segment's libraries read)."""
    assert isinstance(document, dict), f"{where}: the error body is not an object"
    assert "error" in document, f"{where}: the error body has keys {list(document)}"
    assert set(document) <= {"error", "code", "message"}, f"{where}: keys {list(document)}"
    error = document["error"]
    for key in set(document) - {"error"}:
        assert document[key] == error.get(key), f"{where}: {key} differs from error.{key}"
    assert isinstance(error, dict), f"{where}: error is not an object"
    assert isinstance(error.get("message"), str), f"{where}: error.message is not a string"
    assert set(error) <= {"code", "message", "problems"}, f"{where}: error keys {list(error)}"
    code = error.get("code")
    assert isinstance(code, str), f"{where}: error.code is not a string"
    assert ERROR_CODE.match(code), f"{where}: error.code {code!r} is not UPPER_SNAKE"
    return code


def no_traceback(text: str, where: str) -> None:
    """``text`` shows no Python traceback."""
    for mark in TRACEBACK_MARKS:
        assert mark not in text, f"{where} shows a traceback: {_around(text, mark)}"


def secret_forms(secret: str) -> dict[str, str]:
    """Each way ``secret`` can be written out, and the first and last four characters of
    its distinctive head and tail, so that a secret cut short is found too."""
    return {
        "raw": secret,
        "repr": repr(secret)[1:-1],
        "JSON-escaped": json.dumps(secret)[1:-1],
        "JSON, non-ASCII kept": json.dumps(secret, ensure_ascii=False)[1:-1],
        "URL-encoded": quote(secret, safe=""),
        "form-encoded": quote_plus(secret),
        "header bytes (Latin-1)": secret.encode("utf-8").decode("latin-1"),
        "head": SECRET_HEAD[:4],
        "tail": SECRET_TAIL[-4:],
    }


def no_secret(secret: str, text: str, where: str) -> None:
    """``text`` holds no form of ``secret``, whole or cut."""
    for name, form in secret_forms(secret).items():
        assert form not in text, f"{where} shows the API key ({name}): {_around(text, form)}"


def no_echo(value: str, text: str, where: str) -> None:
    """``text`` does not repeat ``value``, which was only ever sent as a value."""
    assert value not in text, f"{where} echoes an input value: {_around(text, value)}"


def _around(text: str, found: str) -> str:
    at = text.find(found)
    return repr(text[max(0, at - 60) : at + len(found) + 60])


# -- the stand-in Perkville ------------------------------------------------------------------

PUBLIC_SETTINGS = {
    "business_id": "4242",
    "location_id": "17",
    "event_to_perk_map": {
        "Order Completed": "555",
        "Order Refunded": "555",
        "Checked In": "123456",
        "Referral Sent": "777",
    },
    "send_email": False,
}


@dataclass(frozen=True)
class StandIn:
    """The stand-in Perkville: a loopback server answering as scripted (shown by its URL
    alone in a failing example, not with every request it received)."""

    server: LocalServer = field(repr=False)

    @property
    def url(self) -> str:
        return self.server.url


@dataclass(frozen=True)
class Echo:
    """What the stand-in Perkville answers: ``status``, and a body holding the API key after
    ``filler`` characters (so a cut at any length may split it): a JSON message holding the
    key in one of its written ``form``s, or a JSON string of the key as it is (so that the
    body's text holds it JSON-escaped). A form is never escaped twice."""

    status: int
    form: str
    filler: int
    as_message: bool

    def script(self, api: StandIn, secret: str) -> None:
        """Make ``api`` answer so from now on, echoing ``secret``."""
        written = secret_forms(secret)[self.form] if self.as_message else secret
        text = "x" * self.filler + written + " was refused"
        api.server.status = self.status
        api.server.body = {"message": text} if self.as_message else text  # type: ignore[assignment]
        api.server.received.clear()  # nobody reads them


ECHOES = st.builds(
    Echo,
    st.sampled_from([200, 400, 401, 403, 404, 409, 418, 422]),
    st.sampled_from(["raw", "repr", "JSON-escaped", "URL-encoded", "header bytes (Latin-1)"]),
    # anywhere, or so that the 300 characters an error message keeps end inside the key
    st.integers(0, 400) | st.integers(5, 18).map(lambda kept: 300 - kept),
    st.booleans(),
)


class LogRecorder(logging.Handler):
    """Every log record, formatted with its exception, while attached to the root logger."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def take(self) -> str:
        """What was logged since the last call."""
        text = "\n".join(self.lines)
        self.lines.clear()
        return text
