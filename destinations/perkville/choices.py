"""The choices the settings page offers from Perkville's lists (:mod:`destinations.perkville.api`
names every path and field): the businesses the token may administer, the chosen
business's locations, and its perks, labelled by title.

The lists page Tastypie-style: a page's ``meta.next`` is the path of the next page with its
query (the filter, ``limit`` and ``offset``), under the API's own prefix (``/v2/``). The
cursor kept is that query, sent again on the same list path, relative to the base URL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from destinations.perkville import api
from framework import Choice, ChoicePage, DynamicChoices, HttpRequest

if TYPE_CHECKING:
    from destinations.perkville.settings import PerkvilleSettings

LIST_PAGE_SIZE = 100  # items asked for per page

PageRequest = Callable[["PerkvilleSettings", str | None], HttpRequest]


def _list(path: str, business_filter: bool) -> PageRequest:
    """The requests of one list's pages: the first asks for :data:`LIST_PAGE_SIZE` items
    (of the chosen business, with ``business_filter``), the others the cursor's query."""

    def request(settings: PerkvilleSettings, cursor: str | None) -> HttpRequest:
        if cursor is None:
            query = {api.BUSINESS_FILTER: settings.business_id} if business_filter else {}
            cursor = urlencode({**query, api.PAGE_SIZE: LIST_PAGE_SIZE})
        return HttpRequest("GET", f"{path}?{cursor}")

    return request


def _page(id_field: str, label_field: str) -> Callable[[Any], ChoicePage]:
    """Reads a list page: each object's id (as text) labelled by ``label_field`` (its id
    when that is empty), and the query of ``meta.next`` as the next cursor."""

    def parse(body: Any) -> ChoicePage:
        choices = []
        for item in body[api.OBJECTS]:
            value = _identifier(item[id_field], id_field)
            choices.append(Choice(value, str(item.get(label_field) or value)))
        following = (body.get(api.META) or {}).get(api.NEXT)
        return ChoicePage(choices, urlsplit(following).query if following else None)

    return parse


def _identifier(value: object, name: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise ValueError(f"an item's {name} is {type(value).__name__}, not an id")
    return str(value)


BUSINESSES = DynamicChoices(
    _list(api.BUSINESSES, business_filter=False), _page(api.BUSINESS_ID, api.BUSINESS_NAME)
)
LOCATIONS = DynamicChoices(
    _list(api.LOCATIONS, business_filter=True), _page(api.LOCATION_ID, api.LOCATION_NAME)
)
PERKS = DynamicChoices(_list(api.PERKS, business_filter=True), _page(api.PERK_ID, api.PERK_TITLE))
