"""Stage 3: the model rendered into files, ``{path: source}``, and written or compared with disk."""
