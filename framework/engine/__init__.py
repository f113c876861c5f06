"""The engine: runs one destination action for one event (:mod:`.execute`: settings,
mapping, validation, ``perform``) and sends what it builds (:mod:`.http` and the async
client in :mod:`.client`, :mod:`.transport`, :mod:`.flow`, on the process's event loop,
:mod:`.loop`), classifying each outcome into a :class:`~.results.Result`."""
