"""The control plane: connections stored and applied live, their secrets, their delivery.

- :mod:`~framework.runtime.control.connections`: a connection, its JSON, secrets masked
- :mod:`~framework.runtime.control.secrets`: secrets sealed at rest (Fernet), keys
- :mod:`~framework.runtime.control.store`: the stores (:mod:`~.sqlite_store`,
  :mod:`~.redis_store`; what they share: :mod:`~.stored`), chosen by URL
- :mod:`~framework.runtime.control.service`: the operations the API offers
- :mod:`~framework.runtime.control.stats`: delivery statistics (:mod:`~.sqlite_stats`,
  :mod:`~.redis_stats`) and :mod:`~framework.runtime.control.delivery_view`, what the page
  shows of them
- :mod:`~framework.runtime.control.opened`: a configuration's control plane, opened
"""
