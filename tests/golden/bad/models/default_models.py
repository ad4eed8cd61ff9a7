"""A model whose optional field defaults to something other than None
(bad/optional_field_defaults_to_a_value.toml)."""

from pydantic import BaseModel


class Shelf(BaseModel):
    shelf_id: str
    label: str | None = "unlabelled"
