"""Stage 1: the schema file: read the TOML, what it may contain, its checks and source lines."""
