"""The local API stand-in answers like arXiv and Semantic Scholar, paces, and plays faults."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from xml.etree import ElementTree

import arxiv
import httpx
import pytest

from enrich.models import STANDIN_HEADER
from enrich.standin import Fault, StandIn
from enrich.standin.catalog import DATA_FILE, Catalog

NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "opensearch": "http://a9.com/-/spec/opensearch/1.1/",
    "arxiv": "http://arxiv.org/schemas/atom",
}
BATCH = "/graph/v1/paper/batch"
MATCH = "/graph/v1/paper/search/match"


def feed(standin: StandIn, **params: str) -> tuple[int, ElementTree.Element]:
    response = httpx.get(standin.arxiv_url, params=params)
    return response.status_code, ElementTree.fromstring(response.content)


def entry_ids(root: ElementTree.Element) -> list[str]:
    return [e.findtext("atom:id", namespaces=NS) or "" for e in root.findall("atom:entry", NS)]


def batch(standin: StandIn, ids: list[str], fields: str = "title,externalIds") -> httpx.Response:
    return httpx.post(f"{standin.s2_url}{BATCH}", params={"fields": fields}, json={"ids": ids})


# --------------------------------------------------------------------------- data


def test_every_answer_says_it_comes_from_the_stand_in(standin: StandIn) -> None:
    standin.inject("s2", Fault.http(503))
    answers = [
        httpx.get(standin.arxiv_url, params={"id_list": "2401.04088"}),
        batch(standin, ["ARXIV:2401.04088"]),  # the injected 503
        batch(standin, ["ARXIV:2401.04088"]),
        httpx.get(f"{standin.s2_url}{MATCH}", params={"query": "no such title at all"}),
    ]
    assert [a.status_code for a in answers] == [200, 503, 200, 404]
    assert all(STANDIN_HEADER in answer.headers for answer in answers)


def test_catalogue_says_which_values_are_made_up_and_keeps_real_titles() -> None:
    raw = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    assert "MADE UP" in raw["note"]
    assert "s2.citationCount" in raw["made_up_everywhere"]
    titles = {paper["key"]: paper["title"] for paper in raw["papers"]}
    assert titles["arxiv:2401.04088"] == "Mixtral of Experts"
    assert all(title for title in titles.values())


def test_made_up_values_are_deterministic_across_loads() -> None:
    first, second = Catalog(), Catalog()
    paper_a, paper_b = first.s2_lookup("ARXIV:2401.04088"), second.s2_lookup("ARXIV:2401.04088")
    assert paper_a is not None and paper_b is not None
    assert paper_a.s2 == paper_b.s2
    assert len(paper_a.s2["paperId"]) == 40


# --------------------------------------------------------------------------- arXiv


def test_arxiv_feed_has_namespaces_total_and_known_entries_only(standin: StandIn) -> None:
    status, root = feed(standin, id_list="2401.04088,2412.99999,2401.15947", max_results="10")
    assert status == 200
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    assert root.findtext("opensearch:totalResults", namespaces=NS) == "2"
    ids = sorted(entry_ids(root))
    # The unknown id is simply absent; the latest version is in <id>.
    assert ids == ["http://arxiv.org/abs/2401.04088v1", "http://arxiv.org/abs/2401.15947v5"]
    entry = root.find("atom:entry", NS)
    assert entry is not None
    for tag in ("atom:published", "atom:updated", "atom:title", "arxiv:primary_category"):
        assert entry.find(tag, NS) is not None, tag


def test_arxiv_pinned_version_gets_that_version(standin: StandIn) -> None:
    _, root = feed(standin, id_list="2401.15947v2")
    assert entry_ids(root) == ["http://arxiv.org/abs/2401.15947v2"]
    _, root = feed(standin, id_list="2401.15947v9")
    assert entry_ids(root) == []


def test_arxiv_paging_with_start_and_max_results(standin: StandIn) -> None:
    ids = "2401.04088,2401.15947,1701.06538,2407.06204,2401.15969"
    _, first = feed(standin, id_list=ids, start="0", max_results="2")
    _, second = feed(standin, id_list=ids, start="2", max_results="2")
    _, third = feed(standin, id_list=ids, start="4", max_results="2")
    pages = [entry_ids(page) for page in (first, second, third)]
    assert [len(page) for page in pages] == [2, 2, 1]
    assert first.findtext("opensearch:totalResults", namespaces=NS) == "5"
    assert len({i for page in pages for i in page}) == 5


def test_arxiv_malformed_id_is_a_400_error_feed(standin: StandIn) -> None:
    status, root = feed(standin, id_list="2401.04088,not-an-id")
    assert status == 400
    entry = root.find("atom:entry", NS)
    assert entry is not None
    assert entry.findtext("atom:title", namespaces=NS) == "Error"
    assert "incorrect id format for not-an-id" in (
        entry.findtext("atom:summary", namespaces=NS) or ""
    )


@pytest.mark.parametrize("bad", ["2413.00001", "1501.0001", "1412.00001", "foo-bar/9901001"])
def test_arxiv_rejects_ids_arxiv_would_reject(standin: StandIn, bad: str) -> None:
    status, _ = feed(standin, id_list=bad)
    assert status == 400


def test_real_arxiv_package_parses_the_feed(standin: StandIn) -> None:
    client = arxiv.Client(delay_seconds=0, num_retries=0)
    client.query_url_format = standin.arxiv_url + "?{}"
    results = list(client.results(arxiv.Search(id_list=["2401.04088", "2210.15257"])))
    by_id = {result.get_short_id(): result for result in results}
    assert set(by_id) == {"2401.04088v1", "2210.15257v1"}
    cvpr = by_id["2210.15257v1"]
    assert cvpr.doi == "10.1109/CVPR52729.2023.00977"
    assert cvpr.primary_category == "cs.CV"
    assert cvpr.pdf_url == "https://arxiv.org/pdf/2210.15257v1"
    assert by_id["2401.04088v1"].authors[-1].name == "William El Sayed"


# --------------------------------------------------------------------------- S2


def test_s2_batch_is_aligned_with_nulls(standin: StandIn) -> None:
    ids = [
        "ARXIV:2401.04088",
        "ARXIV:2401.04088v1",  # versioned: unknown to S2
        "DOI:10.1145/3219819.3220007".upper(),  # DOIs are case-insensitive
        "ACL:2022.naacl-main.116",
        "URL:https://arxiv.org/abs/2404.13046",
        "URL:https://dl.acm.org/doi/10.1145/3219819.3220007",
        "URL:https://aclanthology.org/2024.acl-long.70/",
        "no-such-id",
    ]
    response = batch(standin, ids)
    assert response.status_code == 200
    answer = response.json()
    assert len(answer) == len(ids)
    assert [paper is None for paper in answer] == [
        False,
        True,
        False,
        False,
        False,
        False,
        False,
        True,
    ]
    assert answer[0]["title"] == "Mixtral of Experts"
    assert answer[0]["externalIds"]["ArXiv"] == "2401.04088"
    assert answer[5]["paperId"] == answer[2]["paperId"]


def test_s2_batch_resolves_corpus_and_paper_ids(standin: StandIn) -> None:
    first = batch(standin, ["ARXIV:2401.04088"]).json()[0]
    corpus = first["externalIds"]["CorpusId"]
    again = batch(standin, [first["paperId"], f"CorpusId:{corpus}"]).json()
    assert [paper["paperId"] for paper in again] == [first["paperId"]] * 2


def test_s2_batch_all_unknown_is_400(standin: StandIn) -> None:
    response = batch(standin, ["ARXIV:2412.99999", "DOI:10.0/none"])
    assert response.status_code == 400
    assert response.json() == {"error": "No valid paper ids given"}


def test_s2_batch_over_500_ids_is_400(standin: StandIn) -> None:
    response = batch(standin, ["ARXIV:2401.04088"] * 501)
    assert response.status_code == 400


def test_s2_fields_are_honoured(standin: StandIn) -> None:
    paper = batch(standin, ["ARXIV:2404.13046"], fields="year,venue,citationCount").json()[0]
    assert set(paper) == {"paperId", "year", "venue", "citationCount"}
    assert paper["venue"] == "Neural Information Processing Systems"
    assert paper["year"] == 2024
    assert batch(standin, ["ARXIV:2404.13046"], fields="title,bogus").status_code == 400


def test_s2_preprint_without_venue_has_empty_venue(standin: StandIn) -> None:
    paper = batch(standin, ["ARXIV:2401.04088"], fields="venue,publicationVenue").json()[0]
    assert paper["venue"] == ""
    assert paper["publicationVenue"] is None


def test_s2_paper_without_pdf_has_empty_open_access_url(standin: StandIn) -> None:
    paper = batch(standin, ["DOI:10.1145/3219819.3220007"], fields="openAccessPdf").json()[0]
    assert paper["openAccessPdf"]["url"] == ""


def test_s2_title_match_finds_openreview_paper_and_404s_otherwise(standin: StandIn) -> None:
    url = f"{standin.s2_url}{MATCH}"
    title = "Switch-NeRF: Learning Scene Decomposition with Mixture of Experts for Large-scale"
    found = httpx.get(url, params={"query": title + " Neural Radiance Fields", "fields": "year"})
    assert found.status_code == 200
    [paper] = found.json()["data"]
    assert paper["year"] == 2023 and paper["matchScore"] > 0
    assert httpx.get(url, params={"query": "Mixture of Experts"}).status_code == 404
    wrong_year = httpx.get(url, params={"query": title + " Neural Radiance Fields", "year": "2020"})
    assert wrong_year.status_code == 404
    assert wrong_year.json() == {"error": "Title match not found"}


def test_s2_single_paper_by_url_and_404(standin: StandIn) -> None:
    url = f"{standin.s2_url}/graph/v1/paper/URL:https://arxiv.org/abs/2401.04088"
    response = httpx.get(url, params={"fields": "title,authors"})
    assert response.status_code == 200
    assert response.json()["authors"][0]["name"] == "Albert Q. Jiang"
    assert httpx.get(f"{standin.s2_url}/graph/v1/paper/ARXIV:2412.99999").status_code == 404


# --------------------------------------------------------------------------- pace, faults, log


def test_too_fast_requests_get_429_without_retry_after_from_s2_and_with_it_from_arxiv(
    standin: StandIn,
) -> None:
    standin.set_pace("s2", 5.0)
    standin.set_pace("arxiv", 5.0)
    assert batch(standin, ["ARXIV:2401.04088"]).status_code == 200
    refused = batch(standin, ["ARXIV:2401.04088"])
    assert refused.status_code == 429
    # As real S2 answers (API_NOTES.md): no Retry-After, an AWS error type.
    assert "retry-after" not in refused.headers
    assert refused.headers["x-amzn-errortype"] == "TooManyRequestsException"
    assert refused.json()["code"] == "429"
    assert feed(standin, id_list="2401.04088")[0] == 200
    arxiv_refused = httpx.get(standin.arxiv_url, params={"id_list": "2401.04088"})
    assert (arxiv_refused.status_code, arxiv_refused.headers["retry-after"]) == (429, "5")
    assert standin.pace_violations == {"s2": 1, "arxiv": 1}
    standin.reset()
    assert standin.pace_violations == {}


def test_requests_at_the_pace_are_served(standin: StandIn) -> None:
    standin.set_pace("arxiv", 0.1)
    for _ in range(3):
        assert feed(standin, id_list="2401.04088")[0] == 200
        time.sleep(0.1)
    assert standin.pace_violations == {}


def test_faults_are_consumed_in_order_by_their_service(standin: StandIn) -> None:
    standin.inject("s2", Fault.http(503), Fault.rate_limit(retry_after=2.0), Fault.http(502))
    standin.inject("arxiv", Fault.http(500))
    assert httpx.get(standin.arxiv_url, params={"id_list": "2401.04088"}).status_code == 500
    first, second = batch(standin, ["ARXIV:2401.04088"]), batch(standin, ["ARXIV:2401.04088"])
    assert (first.status_code, second.status_code) == (503, 429)
    assert second.headers["retry-after"] == "2"
    assert batch(standin, ["ARXIV:2401.04088"]).status_code == 502
    assert batch(standin, ["ARXIV:2401.04088"]).status_code == 200
    assert standin.pending_faults("s2") == 0


def test_body_faults_answer_200_with_unusable_bodies(standin: StandIn) -> None:
    standin.inject("s2", Fault.malformed_json(), Fault.html())
    standin.inject("arxiv", Fault.empty_page())
    malformed = batch(standin, ["ARXIV:2401.04088"])
    assert malformed.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(malformed.content)
    html = batch(standin, ["ARXIV:2401.04088"])
    assert html.status_code == 200 and html.text.lstrip().startswith("<!DOCTYPE html>")
    status, root = feed(standin, id_list="2401.04088")
    assert status == 200 and entry_ids(root) == []
    assert root.findtext("opensearch:totalResults", namespaces=NS) == "0"


def test_drop_and_stall_faults_break_the_exchange(standin: StandIn) -> None:
    standin.inject("s2", Fault.drop(), Fault.stall(1.0))
    with pytest.raises(httpx.RemoteProtocolError):
        batch(standin, ["ARXIV:2401.04088"])
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(f"{standin.s2_url}{BATCH}", json={"ids": ["ARXIV:2401.04088"]}, timeout=0.2)
    assert time.monotonic() - started < 0.9
    assert [r.fault for r in standin.requests] == ["drop", "stall"]


def test_rate_limit_faults_carry_seconds_a_date_or_no_retry_after(standin: StandIn) -> None:
    date = "Fri, 02 Jan 2026 03:04:35 GMT"
    standin.inject("s2", Fault.rate_limit(retry_after=None), Fault.rate_limit(retry_after=date))
    standin.inject("arxiv", Fault.rate_limit(retry_after=3.0))
    bare, dated = batch(standin, ["ARXIV:2401.04088"]), batch(standin, ["ARXIV:2401.04088"])
    assert (bare.status_code, dated.status_code) == (429, 429)
    assert "retry-after" not in bare.headers and dated.headers["retry-after"] == date
    assert httpx.get(standin.arxiv_url, params={"id_list": "1"}).headers["retry-after"] == "3"


def test_trickle_sends_the_normal_answer_one_byte_at_a_time(standin: StandIn) -> None:
    expected = batch(standin, ["ARXIV:2401.04088"]).content
    standin.inject("s2", Fault.trickle(0.001))
    started = time.monotonic()
    with httpx.stream(
        "POST",
        f"{standin.s2_url}{BATCH}",
        params={"fields": "title,externalIds"},
        json={"ids": ["ARXIV:2401.04088"]},
        timeout=1.0,
    ) as response:
        chunks = list(response.iter_raw())
    assert b"".join(chunks) == expected
    assert len(chunks) > 10  # it really arrived in pieces
    assert time.monotonic() - started >= 0.001 * len(expected)
    with pytest.raises(ValueError, match="positive"):
        Fault.trickle(0)


def test_truncated_feed_is_a_complete_http_answer_cut_inside_an_entry(standin: StandIn) -> None:
    standin.inject("arxiv", Fault.truncated_feed())
    response = httpx.get(standin.arxiv_url, params={"id_list": "2401.04088,2312.07987"})
    assert response.status_code == 200
    assert int(response.headers["content-length"]) == len(response.content)
    assert b"<entry>" in response.content and b"</feed>" not in response.content
    with pytest.raises(ElementTree.ParseError):
        ElementTree.fromstring(response.content)


def test_s2_poison_ids_make_every_batch_naming_them_answer_500(standin: StandIn) -> None:
    standin.poison("ARXIV:1701.06538")
    assert batch(standin, ["ARXIV:2401.04088", "ARXIV:1701.06538"]).status_code == 500
    assert batch(standin, ["ARXIV:1701.06538"]).status_code == 500
    assert batch(standin, ["ARXIV:2401.04088"]).status_code == 200
    standin.reset()
    assert batch(standin, ["ARXIV:1701.06538"]).status_code == 200


def test_shuffled_and_unidentified_batch_answers(standin: StandIn) -> None:
    ids = ["ARXIV:2401.04088", "ARXIV:1701.06538", "ARXIV:2412.99999"]
    normal = batch(standin, ids).json()
    standin.inject("s2", Fault.shuffled(), Fault.unidentified())
    assert batch(standin, ids).json() == normal[::-1]
    anonymous = batch(standin, ids).json()
    assert len(anonymous) == 3 and all("externalIds" not in item for item in anonymous)
    assert {item["paperId"] for item in anonymous} == {normal[0]["paperId"]}


def test_fault_for_the_wrong_service_is_refused(standin: StandIn) -> None:
    with pytest.raises(ValueError, match="arxiv only"):
        standin.inject("s2", Fault.empty_page())
    with pytest.raises(ValueError, match="unknown service"):
        standin.inject("crossref", Fault.http(503))
    with pytest.raises(ValueError, match="error status"):
        Fault.http(200)


def test_request_log_records_headers_query_body_and_status(standin: StandIn) -> None:
    httpx.post(
        f"{standin.s2_url}{BATCH}",
        params={"fields": "title"},
        json={"ids": ["ARXIV:2401.04088"]},
        headers={"x-api-key": "test-key-123"},
    )
    feed(standin, id_list="2401.04088")
    [logged] = [r for r in standin.requests if r.service == "s2"]
    assert logged.method == "POST" and logged.path == BATCH
    assert logged.headers["x-api-key"] == "test-key-123"
    assert logged.query == {"fields": ["title"]}
    assert json.loads(logged.body) == {"ids": ["ARXIV:2401.04088"]}
    assert logged.status == 200
    assert standin.count("s2", path=BATCH) == 1
    assert standin.count("arxiv") == 1


# --------------------------------------------------------------------------- synthetic, CLI


def test_synthetic_papers_are_served_by_both_services() -> None:
    with StandIn(synthetic=250) as server:
        assert "arxiv:2501.00250" in server.known_ids
        assert "arxiv:2501.00251" not in server.known_ids
        _, root = feed(server, id_list="2501.00001,2501.00250,2501.00251")
        assert len(entry_ids(root)) == 2
        answer = batch(server, ["ARXIV:2501.00250", "ARXIV:2501.00251"]).json()
        assert answer[0]["externalIds"]["ArXiv"] == "2501.00250" and answer[1] is None
        by_paper_id = batch(server, [answer[0]["paperId"]]).json()
        assert by_paper_id[0]["externalIds"]["ArXiv"] == "2501.00250"


def test_module_runs_in_the_foreground_and_prints_urls(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "enrich.standin", "--port", "0", "--arxiv-pace", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        arxiv_line = process.stdout.readline().strip()
        s2_line = process.stdout.readline().strip()
        assert arxiv_line.startswith("ARXIV_API_URL=http://127.0.0.1:")
        assert s2_line.startswith("S2_API_URL=http://127.0.0.1:")
        arxiv_url = arxiv_line.split("=", 1)[1]
        assert httpx.get(arxiv_url, params={"id_list": "2401.04088"}).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_module_refuses_bad_options_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    from enrich.standin.__main__ import main

    with pytest.raises(SystemExit) as exited:
        main(["--port", "0", "--synthetic", "-1"])
    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert "synthetic must be between" in error and "Traceback" not in error
