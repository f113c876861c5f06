"""FQL, the query language of destination subscriptions (``defaultSubscription``).

``compile_subscription('type = "track" and contains(event, "Order")')`` parses the text
once and returns a ``Subscription`` whose ``matches(event)`` decides whether an event is
selected. Invalid text raises ``framework.core.errors.SubscriptionSyntaxError``.

The language: conditions ``field op value`` (``=``, ``!=``, ``<``, ``<=``, ``>``, ``>=``;
values are double-quoted strings, numbers, ``true``, ``false``, ``null``), the functions
``contains(field, "text")`` and ``match(field, "glob*")``, combined with ``not``/``!``,
``and`` and ``or`` (in that order of precedence) and parentheses. A field is a dotted path
into the event, such as ``type``, ``userId``, ``properties.cart.total`` or
``context.ip``; a backslash makes the next character part of a name
(``properties.first\\ name``).
"""

from framework.languages.fql.subscription import Subscription, compile_subscription

__all__ = ["Subscription", "compile_subscription"]
