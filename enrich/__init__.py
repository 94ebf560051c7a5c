"""awesome-enrich: keep awesome lists of research papers honest.

Data flows one way: list text -> entries -> identifiers -> source records -> paper records ->
snapshot files. Each stage is a module of plain functions over the pydantic models in
:mod:`enrich.models`; the Prefect flows in ``flows/`` only orchestrate them.
"""

__version__ = "0.1.0"
