"""The adapter generator: schema TOML -> validated model -> Jinja -> typed Python.

Stages, one module each: ``load`` -> ``validate``/``build`` -> ``model`` ->
``render`` -> ``write``. ``drift`` compares the schema with the Terraform
that ``terraform`` reads.
"""
