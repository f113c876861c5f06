"""What the dynamic choices tests share: an API stand-in on an ``httpx.MockTransport`` that
records each request, Perkville list pages, and a small destination with an action field
and a setting whose choices are dynamic."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from destinations.perkville import api
from framework import (
    Action,
    Choice,
    Destination,
    Field,
    HttpRequest,
    Payload,
    SecretStr,
    Settings,
    path,
)
from framework.authoring.dynamic import ChoicePage, DynamicChoices
from tests.perkville.support import API_KEY, SETTINGS

__all__ = ["API_KEY", "CATALOG_SETTINGS", "SETTINGS", "Api", "catalog", "listing"]

Answer = Callable[[httpx.Request], httpx.Response]


class Api:
    """An API stand-in: answers each request with ``answer`` and records it."""

    def __init__(self, answer: Answer) -> None:
        self.requests: list[httpx.Request] = []
        self._answer = answer
        self.transport = httpx.MockTransport(self._handle)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self._answer(request)

    def shown(self) -> list[str]:
        """Each request as ``METHOD URL``."""
        return [f"{request.method} {request.url}" for request in self.requests]


def listing(objects: list[dict[str, Any]], following: str | None = None) -> dict[str, Any]:
    """A Perkville list page: its objects and, unless last, the path of the next page."""
    return {api.META: {"limit": 2, "offset": 0, api.NEXT: following}, api.OBJECTS: objects}


# A destination of this test suite: the choices of an integer action field, read from
# pages {"items": [{"value", "label"}], "next"}, and a setting whose request builder fails
# quoting the token.


def sizes_page(settings: CatalogSettings, cursor: str | None) -> HttpRequest:
    return HttpRequest("GET", f"/sizes?region={settings.region}&page={cursor or 1}")


def quoting_page(settings: CatalogSettings, cursor: str | None) -> HttpRequest:
    raise RuntimeError(f"cannot list with {settings.token.get_secret_value()}")


def items_page(body: Any) -> ChoicePage:
    items = [Choice(item["value"], item["label"]) for item in body["items"]]
    return ChoicePage(items, body.get("next"))


class CatalogSettings(Settings):
    token: SecretStr = Field(label="Token", description="The API token.")
    region: str = Field(label="Region", description="Where the catalog is.")
    flavour: str | None = Field(
        label="Flavour", description="A flavour.", dynamic=DynamicChoices(quoting_page, items_page)
    )


class Order(Payload):
    size: int = Field(
        label="Size",
        description="A size.",
        default=path("$.properties.size"),
        dynamic=DynamicChoices(sizes_page, items_page),
    )


def bearer(settings: CatalogSettings) -> dict[str, str]:
    return {"Authorization": f"Bearer {settings.token.get_secret_value()}"}


catalog = Destination(
    name="Catalog",
    slug="catalog",
    description="A destination of the dynamic choices tests.",
    settings=CatalogSettings,
    actions={
        "order": Action(
            title="Order",
            description="Orders a size.",
            payload=Order,
            perform=lambda settings, payload: HttpRequest("POST", "/orders", json={}),
        )
    },
    base_url="https://catalog.example",
    extend_request=bearer,
)
CATALOG_SETTINGS = {"token": "cat-s3cr3t-token", "region": "eu"}
