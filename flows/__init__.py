"""Prefect flows orchestrating :mod:`enrich`. They only schedule and observe the library's stages;
deleting this package leaves :mod:`enrich.pipeline` fully usable."""
