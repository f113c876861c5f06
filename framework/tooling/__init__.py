"""The ``actions`` command line (:mod:`.cli`) and what it drives at authoring time:
generated docs, the definition linter, the scaffold and the committed JSON Schemas."""
