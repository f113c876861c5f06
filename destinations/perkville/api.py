"""Perkville's v2 API as this destination uses it: every path, parameter and field name in
one place (the destination, its dynamic choices and its sandbox all read them from here).

What Perkville's own documentation (perkville.com/developers/docs/v2) confirms: the
authorization URL, the authorization code grant with the PKCE extension, bearer tokens,
``/transactions/`` and ``trans_source_id``. What is taken from other clients of the API
and not confirmed by Perkville: the token URL and its HTTP Basic client authentication,
the scope names, the list paths, their ``business`` filter, Tastypie-style paging
(``objects``, ``meta.next``, ``limit``/``offset``) and the list field names. See
docs/perkville.md.
"""

from __future__ import annotations

AUTHORIZE_URL = "https://www.perkville.com/api/authorize/"  # confirmed
TOKEN_URL = "https://www.perkville.com/api/token/"  # assumed (other clients)
SCOPES = ("PUBLIC", "ADMIN_CUSTOMER_GRANT_POINTS", "ADMIN_PERK", "ADMIN_LOCATION")  # assumed

TRANSACTIONS = "/transactions/"
BUSINESS = "/businesses/{business}/"
BUSINESSES = "/businesses/"
LOCATIONS = "/locations/"
PERKS = "/perks/"
BUSINESS_FILTER = "business"  # ?business=<id> on the location and perk lists
PAGE_SIZE = "limit"
PAGE_OFFSET = "offset"

OBJECTS = "objects"  # a list page's items
META = "meta"  # its paging: limit, offset, total_count, next (a path, or null)
NEXT = "next"

BUSINESS_ID, BUSINESS_NAME = "business_id", "name"
LOCATION_ID, LOCATION_NAME = "location_id", "name"
PERK_ID, PERK_TITLE = "perk_id", "title"
