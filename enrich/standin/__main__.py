"""``python -m enrich.standin``: run the stand-in in the foreground until interrupted."""

from __future__ import annotations

import argparse
import contextlib

from enrich.standin.server import StandIn


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m enrich.standin",
        description="Serve a local stand-in of the arXiv and Semantic Scholar APIs.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--arxiv-pace", type=float, default=3.0, help="seconds between requests")
    parser.add_argument("--s2-pace", type=float, default=1.0, help="seconds between requests")
    parser.add_argument("--synthetic", type=int, default=0, help="generated papers to add")
    args = parser.parse_args(argv)
    try:
        server = StandIn(
            host=args.host,
            port=args.port,
            arxiv_pace=args.arxiv_pace,
            s2_pace=args.s2_pace,
            synthetic=args.synthetic,
        )
    except (OSError, ValueError) as error:  # port taken, bad host, pace or synthetic count
        parser.exit(
            2, f"python -m enrich.standin: cannot start on {args.host}:{args.port}: {error}\n"
        )
    print(f"ARXIV_API_URL={server.arxiv_url}")
    print(f"S2_API_URL={server.s2_url}")
    print("serving; press Ctrl-C to stop", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
