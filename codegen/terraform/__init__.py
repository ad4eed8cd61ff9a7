"""Stage 5: the schema compared with the Terraform that creates its resources (drift)."""
