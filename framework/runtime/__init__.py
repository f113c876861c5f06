"""Everything that runs as a server: the delivery runtime (:mod:`.delivery`: ingress,
queues, workers, dead letters), the settings page and its API (:mod:`.server`), the one
HTTP server stack they share (:mod:`.web`) and sandboxes (:mod:`.sandbox`)."""
