"""Stage 4: paper records -> snapshot files (snapshots, history)."""
