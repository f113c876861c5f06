"""What a destination is made of: its definition (:mod:`.definition`), typed fields and
models (:mod:`.fields`, :mod:`.model`, the field-type registry :mod:`.field_types`), their
validation, sample events, generated JSON Schemas and plugin discovery
(:mod:`.registry`). Authors import these names from :mod:`framework` itself."""
