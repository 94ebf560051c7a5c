"""Stage 2: identifiers -> source records (arXiv, Semantic Scholar; pacing and cache)."""
