"""A local HTTP server that behaves like the arXiv query API and the Semantic Scholar Graph API.

Test equipment and demo backend: it serves the catalogue in ``data/papers.json`` (plus optional
generated papers), answers 429 to clients faster than the real services allow, plays scripted
faults, and logs every request so tests can count them.

Faults are a FIFO queue per service; each request to that service consumes the next one. A
request refused for pace does not consume a fault. Poison ids (:meth:`StandIn.poison`) are a
standing fault: every S2 batch naming one of them answers 500, as some real ids do
(https://github.com/allenai/s2-folks/issues/38).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

from enrich.models import STANDIN_HEADER
from enrich.standin import responses
from enrich.standin.catalog import Catalog

Service = Literal["arxiv", "s2"]
SERVICES: tuple[Service, ...] = ("arxiv", "s2")
S2_BATCH_LIMIT = 500

FaultKind = Literal[
    "http",
    "rate_limit",
    "stall",
    "drop",
    "trickle",
    "empty_page",
    "truncated_feed",
    "html",
    "malformed_json",
    "shuffled",
    "unidentified",
]
_ARXIV_ONLY = {"empty_page", "truncated_feed"}
_S2_ONLY = {"malformed_json", "shuffled", "unidentified"}

# Old-style archives (frozen since April 2007): https://info.arxiv.org/help/arxiv_identifier.html
_OLD_ARCHIVES = frozenset(
    [
        "acc-phys",
        "adap-org",
        "alg-geom",
        "ao-sci",
        "astro-ph",
        "atom-ph",
        "bayes-an",
        "chao-dyn",
        "chem-ph",
        "cmp-lg",
        "comp-gas",
        "cond-mat",
        "cs",
        "dg-ga",
        "funct-an",
        "gr-qc",
        "hep-ex",
        "hep-lat",
        "hep-ph",
        "hep-th",
        "math",
        "math-ph",
        "mtrl-th",
        "nlin",
        "nucl-ex",
        "nucl-th",
        "patt-sol",
        "physics",
        "plasm-ph",
        "q-alg",
        "q-bio",
        "quant-ph",
        "solv-int",
        "supr-con",
    ]
)
_NEW_ID = re.compile(r"^(\d\d)(\d\d)\.(\d{4,5})(v[1-9]\d*)?$")
_OLD_ID = re.compile(r"^([a-z]+(?:-[a-z]+)?)(\.[A-Z]{2})?/(\d\d)(\d\d)\d{3}(v[1-9]\d*)?$")


def arxiv_accepts(arxiv_id: str) -> bool:
    """Whether the real arXiv API would accept ``arxiv_id`` as well-formed (else HTTP 400)."""
    new = _NEW_ID.match(arxiv_id)
    if new:
        yymm = int(new.group(1) + new.group(2))
        digits = len(new.group(3))
        return 1 <= int(new.group(2)) <= 12 and yymm >= 704 and (digits == 4) == (yymm <= 1412)
    old = _OLD_ID.match(arxiv_id)
    if old:
        return old.group(1) in _OLD_ARCHIVES and 1 <= int(old.group(4)) <= 12
    return False


@dataclass(frozen=True)
class Fault:
    """One scripted misbehaviour, consumed by the next request to the service it is queued for."""

    kind: FaultKind
    status: int = 200
    #: The Retry-After header of a 429: seconds, an HTTP date as text, or None for no header.
    retry_after: float | str | None = None
    seconds: float = 0.0

    @classmethod
    def http(cls, status: int) -> Fault:
        """Answer with this HTTP status and a short error body."""
        if not 400 <= status <= 599:
            raise ValueError(f"Fault.http needs an error status (400..599), got {status}")
        return cls("http", status=status)

    @classmethod
    def rate_limit(cls, retry_after: float | str | None = 1.0) -> Fault:
        """Answer 429 with a ``Retry-After`` header: ``retry_after`` seconds, or an HTTP date
        given as text, or no header at all for None (what real S2 429s carry, API_NOTES.md)."""
        return cls("rate_limit", status=429, retry_after=retry_after)

    @classmethod
    def stall(cls, seconds: float) -> Fault:
        """Wait ``seconds`` before answering normally (longer than the client's timeout)."""
        return cls("stall", seconds=seconds)

    @classmethod
    def trickle(cls, seconds_per_byte: float) -> Fault:
        """Answer normally, but send the body one byte every ``seconds_per_byte`` (a connection
        that never goes quiet long enough for a read timeout)."""
        if seconds_per_byte <= 0:
            raise ValueError(f"trickle needs a positive pause per byte, got {seconds_per_byte}")
        return cls("trickle", seconds=seconds_per_byte)

    @classmethod
    def drop(cls) -> Fault:
        """Close the connection without answering."""
        return cls("drop", status=0)

    @classmethod
    def empty_page(cls) -> Fault:
        """arXiv only: a well-formed feed with no entries and status 200."""
        return cls("empty_page")

    @classmethod
    def truncated_feed(cls) -> Fault:
        """arXiv only: the normal answer cut off inside its first entry, sent as a complete HTTP
        response (status 200, a Content-Length that matches what is sent)."""
        return cls("truncated_feed")

    @classmethod
    def html(cls) -> Fault:
        """An HTML error page with status 200 (what a proxy in front of the API may send)."""
        return cls("html")

    @classmethod
    def malformed_json(cls) -> Fault:
        """S2 only: status 200 with a truncated JSON body."""
        return cls("malformed_json")

    @classmethod
    def shuffled(cls) -> Fault:
        """S2 only: a batch answer with its items in reverse order (each still carrying its
        ``paperId`` and ``externalIds``)."""
        return cls("shuffled")

    @classmethod
    def unidentified(cls) -> Fault:
        """S2 only: a batch answer whose items lack ``externalIds``, all the first paper's (a
        misbehaving answer that position alone would spread over every id asked)."""
        return cls("unidentified")


@dataclass
class LoggedRequest:
    """One request as the stand-in received it. ``status`` is 0 while unanswered or if dropped."""

    service: str
    method: str
    path: str
    query: dict[str, list[str]]
    body: bytes
    headers: dict[str, str]
    at: float
    status: int = 0
    fault: str | None = None


@dataclass
class _Reply:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


def _json_reply(status: int, payload: Any, headers: dict[str, str] | None = None) -> _Reply:
    return _Reply(status, json.dumps(payload).encode(), "application/json", headers or {})


def _format_seconds(seconds: float) -> str:
    return f"{seconds:g}"


def _retry_after_headers(retry_after: float | str | None) -> dict[str, str]:
    if retry_after is None:
        return {}
    if isinstance(retry_after, str):
        return {"Retry-After": retry_after}
    return {"Retry-After": _format_seconds(retry_after)}


class StandIn:
    """The stand-in server, run on a background thread. Use as a context manager.

    ``pace_slack`` is how much earlier than the pace a request may arrive without a 429; it
    absorbs the network jitter between a client starting a request and the server seeing it.
    ``clock`` times arrivals for the pace check: a test whose client runs on a fake clock passes
    the same one, so the pace is judged in the time the client sees.
    ``titles`` (paper id -> title) adds papers known only by id and title to the catalogue
    (:meth:`Catalog.add_paper`), e.g. the titles a list's correct rows give its ids.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        arxiv_pace: float = 0.0,
        s2_pace: float = 0.0,
        synthetic: int = 0,
        pace_slack: float = 0.05,
        clock: Callable[[], float] = time.monotonic,
        titles: Mapping[str, str] | None = None,
    ) -> None:
        self.catalog = Catalog(synthetic=synthetic)
        for paper_id, title in (titles or {}).items():
            self.catalog.add_paper(paper_id, title)
        self.clock = clock
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._log: list[LoggedRequest] = []
        self._faults: dict[str, deque[Fault]] = {service: deque() for service in SERVICES}
        self._poison: set[str] = set()
        self._paces: dict[str, float] = {}
        self._last_arrival: dict[str, float] = {}
        self._violations: dict[str, int] = {}
        self.pace_slack = pace_slack
        self.set_pace("arxiv", arxiv_pace)
        self.set_pace("s2", s2_pace)
        self._httpd = ThreadingHTTPServer((host, port), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.standin = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None
        bound_host, bound_port = self._httpd.server_address[:2]
        self.url = f"http://{bound_host!s}:{bound_port}"
        self.arxiv_url = self.url + "/api/query"
        self.s2_url = self.url

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> StandIn:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="standin",
                daemon=True,
            )
            self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> StandIn:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def serve_forever(self) -> None:
        """Serve on the calling thread until interrupted (for ``python -m enrich.standin``)."""
        try:
            self._httpd.serve_forever(poll_interval=0.2)
        finally:
            self._stop.set()
            self._httpd.server_close()

    # ------------------------------------------------------------------ scripting

    @staticmethod
    def _check_service(service: str) -> None:
        if service not in SERVICES:
            raise ValueError(f"unknown service {service!r}; expected one of {SERVICES}")

    def inject(self, service: str, *faults: Fault) -> None:
        """Queue ``faults`` for ``service``; each is consumed by the next request to it."""
        self._check_service(service)
        for fault in faults:
            if service == "s2" and fault.kind in _ARXIV_ONLY:
                raise ValueError(f"fault {fault.kind!r} applies to arxiv only")
            if service == "arxiv" and fault.kind in _S2_ONLY:
                raise ValueError(f"fault {fault.kind!r} applies to s2 only")
        with self._lock:
            self._faults[service].extend(faults)

    def poison(self, *s2_ids: str) -> None:
        """Make every S2 batch that names one of ``s2_ids`` (as sent, e.g. ``ARXIV:2401.04088``)
        answer HTTP 500, until :meth:`reset`."""
        with self._lock:
            self._poison.update(s2_ids)

    def pending_faults(self, service: str) -> int:
        self._check_service(service)
        with self._lock:
            return len(self._faults[service])

    def set_pace(self, service: str, seconds: float) -> None:
        """Answer 429 to requests arriving sooner than ``seconds`` after the previous one."""
        self._check_service(service)
        if seconds < 0:
            raise ValueError(f"pace must be >= 0, got {seconds}")
        with self._lock:
            self._paces[service] = seconds

    def reset(self) -> None:
        """Forget logged requests, queued faults, poison ids, pace violations and arrivals."""
        with self._lock:
            self._log.clear()
            for queue in self._faults.values():
                queue.clear()
            self._poison.clear()
            self._violations.clear()
            self._last_arrival.clear()

    # ------------------------------------------------------------------ inspection

    @property
    def requests(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._log)

    def count(self, service: str, path: str | None = None) -> int:
        """Requests received for ``service`` (optionally only those to ``path``)."""
        with self._lock:
            return sum(
                1
                for logged in self._log
                if logged.service == service and (path is None or logged.path == path)
            )

    @property
    def pace_violations(self) -> dict[str, int]:
        with self._lock:
            return dict(self._violations)

    @property
    def known_ids(self) -> list[str]:
        return self.catalog.known_ids

    # ------------------------------------------------------------------ request handling

    def _admit(self, logged: LoggedRequest) -> _Reply | Fault | None:
        """Log the request; return a pace 429, the fault to play, or None to answer normally."""
        with self._lock:
            self._log.append(logged)
            service = logged.service
            if service not in SERVICES:
                return None
            pace = self._paces[service]
            previous = self._last_arrival.get(service)
            self._last_arrival[service] = logged.at
            if pace > 0 and previous is not None and logged.at - previous < pace - self.pace_slack:
                self._violations[service] = self._violations.get(service, 0) + 1
                logged.fault = "pace"
                if service == "s2":
                    # As real S2 does (API_NOTES.md): no Retry-After, the client must back off.
                    return _json_reply(
                        429,
                        {"message": "Too Many Requests. Please wait and try again.", "code": "429"},
                        {"x-amzn-ErrorType": "TooManyRequestsException"},
                    )
                wait = _format_seconds(pace)
                return _Reply(429, b"Rate exceeded.\n", "text/plain", {"Retry-After": wait})
            if self._faults[service]:
                fault = self._faults[service].popleft()
                logged.fault = fault.kind
                return fault
            return None

    def wait_stopping(self, seconds: float) -> bool:
        """Sleep ``seconds`` unless the server is shutting down; True if it is."""
        return self._stop.wait(seconds)

    def fault_reply(self, service: str, fault: Fault) -> _Reply | None:
        """The reply a fault makes, or None for faults that answer normally (stall)."""
        if fault.kind == "http":
            if service == "s2":
                return _json_reply(fault.status, {"message": f"stand-in fault HTTP {fault.status}"})
            return _Reply(fault.status, f"HTTP {fault.status}\n".encode(), "text/plain")
        if fault.kind == "rate_limit":
            headers = _retry_after_headers(fault.retry_after)
            if service == "s2":
                return _json_reply(429, {"message": "Too Many Requests", "code": "429"}, headers)
            return _Reply(429, b"Rate exceeded.\n", "text/plain", headers)
        if fault.kind == "html":
            page = (
                b"<!DOCTYPE html>\n<html><head><title>Service Unavailable</title></head>"
                b"<body><h1>Our servers are busy</h1><p>Please try again later.</p></body></html>\n"
            )
            return _Reply(200, page, "text/html; charset=utf-8")
        if fault.kind == "malformed_json":
            return _Reply(200, b'[{"paperId": "0f3e", "title": "Trunc', "application/json")
        if fault.kind == "empty_page":
            return _Reply(200, responses.arxiv_feed({}, [], 0, 0), "application/atom+xml")
        return None

    def reshape(self, fault: Fault, reply: _Reply) -> _Reply:
        """The normal ``reply`` as a body fault (truncated, shuffled, unidentified) turns it."""
        if reply.status != 200:
            return reply
        if fault.kind == "truncated_feed":
            body = reply.body
            cut = body.find(b"<entry>")
            cut = len(body) // 2 if cut < 0 else cut + len(b"<entry>") + 20
            return _Reply(200, body[:cut], reply.content_type, reply.headers)
        if fault.kind in ("shuffled", "unidentified"):
            items = json.loads(reply.body)
            if not isinstance(items, list):
                return reply
            if fault.kind == "shuffled":
                return _json_reply(200, items[::-1], reply.headers)
            first = next((item for item in items if item is not None), None)
            anonymous = (
                None
                if first is None
                else {key: value for key, value in first.items() if key != "externalIds"}
            )
            return _json_reply(200, [anonymous for _ in items], reply.headers)
        return reply

    def answer(self, logged: LoggedRequest) -> _Reply:
        """The normal answer to a request."""
        if logged.service == "arxiv" and logged.method == "GET":
            return self._arxiv_query(logged.query)
        if logged.service == "s2":
            return self._s2(logged)
        return _Reply(404, b"Not Found\n", "text/plain")

    # ------------------------------------------------------------------ arXiv

    def _arxiv_query(self, query: dict[str, list[str]]) -> _Reply:
        flat = {name: values[-1] for name, values in query.items()}
        atom = "application/atom+xml; charset=utf-8"
        try:
            start = int(flat.get("start", "0"))
            max_results = int(flat.get("max_results", "10"))
        except ValueError:
            return _Reply(
                400,
                responses.arxiv_error_feed(flat, "start and max_results must be integers"),
                atom,
            )
        if start < 0 or max_results < 0:
            return _Reply(
                400, responses.arxiv_error_feed(flat, "start and max_results must be >= 0"), atom
            )
        ids = [part.strip() for part in flat.get("id_list", "").split(",") if part.strip()]
        if not ids:
            # The stand-in serves id_list queries only; a free-text search finds nothing.
            return _Reply(200, responses.arxiv_feed(flat, [], 0, start), atom)
        for requested in ids:
            if not arxiv_accepts(requested):
                message = f"incorrect id format for {requested}"
                return _Reply(400, responses.arxiv_error_feed(flat, message), atom)
        found = {}
        for requested in ids:
            entry = self.catalog.arxiv_entry(requested)
            if entry is not None:
                found[requested] = entry
        # The real API does not promise any order; a fixed scramble keeps clients honest.
        ordered = [found[key] for key in sorted(found, key=lambda key: key[::-1])]
        page = ordered[start : start + max_results]
        return _Reply(200, responses.arxiv_feed(flat, page, len(ordered), start), atom)

    # ------------------------------------------------------------------ Semantic Scholar

    def _s2(self, logged: LoggedRequest) -> _Reply:
        path = logged.path
        prefix = "/graph/v1/paper/"
        if not path.startswith(prefix):
            return _json_reply(404, {"message": "Not Found"})
        fields, error = _s2_fields(logged.query)
        if error is not None:
            return error
        rest = path[len(prefix) :]
        if rest == "batch" and logged.method == "POST":
            return self._s2_batch(logged.body, fields)
        if rest == "search/match" and logged.method == "GET":
            return self._s2_match(logged.query, fields)
        if logged.method == "GET" and rest and rest not in ("batch", "search/match", "search"):
            paper_id = unquote(rest)
            paper = self.catalog.s2_lookup(paper_id)
            if paper is None:
                return _json_reply(404, {"error": f"Paper with id {paper_id} not found"})
            return _json_reply(200, responses.s2_paper(paper, fields))
        return _json_reply(404, {"message": "Not Found"})

    def _s2_batch(self, body: bytes, fields: list[str]) -> _Reply:
        try:
            payload = json.loads(body or b"null")
        except ValueError:
            return _json_reply(400, {"error": "Request body is not valid JSON"})
        ids = payload.get("ids") if isinstance(payload, dict) else None
        if not isinstance(ids, list) or not all(isinstance(one, str) for one in ids):
            return _json_reply(400, {"error": 'Body must be {"ids": [<string>, ...]}'})
        if len(ids) > S2_BATCH_LIMIT:
            return _json_reply(400, {"error": f"Cannot process more than {S2_BATCH_LIMIT} ids"})
        with self._lock:
            poisoned = self._poison.intersection(ids)
        if poisoned:
            return _json_reply(500, {"message": "Internal Server Error"})
        papers = [self.catalog.s2_lookup(one) for one in ids]
        if not any(paper is not None for paper in papers):
            return _json_reply(400, {"error": "No valid paper ids given"})
        return _json_reply(
            200, [None if paper is None else responses.s2_paper(paper, fields) for paper in papers]
        )

    def _s2_match(self, query: dict[str, list[str]], fields: list[str]) -> _Reply:
        title = query.get("query", [""])[-1]
        if not title.strip():
            return _json_reply(400, {"error": "Missing required parameter: 'query'"})
        year_range = None
        if "year" in query:
            match = re.fullmatch(r"(\d{4})?(-)?(\d{4})?", query["year"][-1].strip())
            if not match or not (match.group(1) or match.group(3)):
                return _json_reply(400, {"error": f"Invalid year: {query['year'][-1]}"})
            low = int(match.group(1)) if match.group(1) else 0
            high = int(match.group(3)) if match.group(3) else (9999 if match.group(2) else low)
            year_range = (low, high)
        found = self.catalog.title_match(title, year_range)
        if found is None:
            return _json_reply(404, {"error": "Title match not found"})
        paper, similarity = found
        # matchScore is on the stand-in's own scale (100 x title similarity), not S2's.
        score = round(100 * similarity, 3)
        return _json_reply(200, {"data": [responses.s2_paper(paper, fields, match_score=score)]})


def _s2_fields(query: dict[str, list[str]]) -> tuple[list[str], _Reply | None]:
    raw = ",".join(query.get("fields", []))
    requested = [name.strip() for name in raw.split(",") if name.strip()]
    fields: list[str] = []
    unknown: list[str] = []
    for name in requested:
        top = name.split(".", 1)[0] if name.startswith("authors.") else name
        if top not in responses.S2_FIELDS:
            unknown.append(name)
        elif top not in fields:
            fields.append(top)
    if unknown:
        return [], _json_reply(400, {"error": f"Unrecognized or unsupported fields: {unknown}"})
    return [name for name in fields if name != "paperId"], None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Idle keep-alive connections are closed after this long, so handler threads end.
    timeout = 30
    # Headers and body go out in two writes; with Nagle's algorithm the body waits for the
    # client's delayed ACK of the headers (40 ms on Linux), which made every request on a
    # kept-alive connection 40 ms slower than the real services.
    disable_nagle_algorithm = True
    server_version = "awesome-enrich-standin/1"

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log: the stand-in keeps its own request log."""

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        standin: StandIn = self.server.standin  # type: ignore[attr-defined]
        arrived = standin.clock()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        parts = urlsplit(self.path)
        path = parts.path
        if path == "/api/query":
            service = "arxiv"
        elif path.startswith("/graph/"):
            service = "s2"
        else:
            service = "other"
        logged = LoggedRequest(
            service=service,
            method=self.command,
            path=path,
            query=parse_qs(parts.query, keep_blank_values=True),
            body=body,
            headers={name.lower(): value for name, value in self.headers.items()},
            at=arrived,
        )
        verdict = standin._admit(logged)
        reply: _Reply | None
        if isinstance(verdict, _Reply):
            reply = verdict
        elif isinstance(verdict, Fault):
            if verdict.kind == "drop":
                self.close_connection = True
                return
            if verdict.kind == "stall" and standin.wait_stopping(verdict.seconds):
                self.close_connection = True
                return
            reply = standin.fault_reply(service, verdict) or standin.reshape(
                verdict, standin.answer(logged)
            )
            if verdict.kind == "trickle":
                logged.status = reply.status
                self._send(reply, seconds_per_byte=verdict.seconds, standin=standin)
                return
        else:
            reply = standin.answer(logged)
        logged.status = reply.status
        self._send(reply)

    def _send(
        self, reply: _Reply, *, seconds_per_byte: float = 0.0, standin: StandIn | None = None
    ) -> None:
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            # Every answer says it is made up, so a snapshot built on it says so too.
            self.send_header(STANDIN_HEADER, "made-up data of the awesome-enrich stand-in")
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if standin is None or seconds_per_byte <= 0:
                self.wfile.write(reply.body)
            else:
                self.wfile.flush()
                for index in range(len(reply.body)):
                    if standin.wait_stopping(seconds_per_byte):
                        self.close_connection = True
                        return
                    self.wfile.write(reply.body[index : index + 1])
                    self.wfile.flush()
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (e.g. timed out during a stall): nothing left to do.
            self.close_connection = True
