"""A models module that fails while it is imported (bad/models_module_raises.toml)."""

raise RuntimeError("the database of models is not reachable")
