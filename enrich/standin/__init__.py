"""A local stand-in for the arXiv and Semantic Scholar APIs (tests, benchmark, offline demo).

>>> with StandIn() as server:  # doctest: +SKIP
...     settings = Settings.from_env({}, arxiv_api_url=server.arxiv_url, s2_api_url=server.s2_url)
"""

from enrich.standin.server import Fault, LoggedRequest, StandIn

__all__ = ["Fault", "LoggedRequest", "StandIn"]
