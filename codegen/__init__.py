"""The adapter generator: schema TOML -> validated model -> Jinja -> typed Python.

Stages, one package each, in the order data flows: ``schema`` (load, validate)
-> ``model`` (build the typed model) -> ``render`` (templates, write) -> ``iam``
(policies) -> ``terraform`` (drift against the Terraform); ``cli`` on top. A
stage imports only earlier stages, through their package; ``make lint`` checks
it (import-linter). The map: ``docs/concepts/architecture.md``.
"""
