"""Stage 3: source records -> paper records (reconciliation and checks)."""
