"""The two languages a destination is configured in: the mapping language
(:mod:`framework.languages.mapping`) and FQL, the subscription language
(:mod:`framework.languages.fql`). Both compile once and run per event; they import only
:mod:`framework.core`."""
