"""Stage 1: list text -> entries -> identifiers (reading, configuration, extraction)."""
