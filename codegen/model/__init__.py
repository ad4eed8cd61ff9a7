"""Stage 2: the typed, frozen model built from the schema, with the access-pattern kinds."""
