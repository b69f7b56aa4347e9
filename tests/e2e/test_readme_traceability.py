"""The README's traceability example is true of the demo data: the Digital Link answers
the page and the JSON-LD it describes, and the GraphQL example answers what it says."""

import json
import re
from pathlib import Path

import pytest

from market.demo import trace
from market.demo.loader import load_demo

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCK = re.compile(r"```\n(?P<body>.*?)\n```", re.S)


def section() -> str:
    text = README.read_text(encoding="utf-8")
    return text.split("## Traceability", 1)[1].split("\n## ", 1)[0]


def blocks() -> list[str]:
    return [match["body"] for match in BLOCK.finditer(section())]


def contains(whole, part) -> bool:
    """Whether ``part`` (the README's abridged JSON) is found within ``whole``."""
    if isinstance(part, dict):
        return isinstance(whole, dict) and all(
            key in whole and contains(whole[key], value) for key, value in part.items()
        )
    if isinstance(part, list) and part and isinstance(part[0], dict):
        return (
            isinstance(whole, list)
            and len(whole) == len(part)
            and all(contains(w, p) for w, p in zip(whole, part, strict=True))
        )
    return whole == part


@pytest.fixture
def demo(db, settings):
    settings.ELASTICSEARCH_URL = None  # the demo's embedded default
    settings.TRACE_RESOLVER_BASE = "http://127.0.0.1:8000"
    load_demo()


def test_the_digital_link_answers_the_page_and_the_json_ld_of_the_readme(demo, client):
    text = section()
    link = re.search(r"`(http://127\.0\.0\.1:8000(/01/\d{14}/10/[^`]+))`", text)
    assert link, "the README names the lot's Digital Link"
    path = link[2]
    assert trace.demo_gtin(6) in path

    page = client.get(path, HTTP_ACCEPT="text/html", HTTP_ACCEPT_LANGUAGE="vi")
    assert page.status_code == 200
    html = page.content.decode()
    for shown in (
        "Nguồn gốc đã xác minh",
        "DEMO-NTOR-0002",
        "DEMO-NTPH-0002",
        "Vùng nho Phước Hữu",
        "Ninh Phước",
        "VietGAP",
        "HTX Nho Evergreen Ninh Thuận",
        "DEMO-EVG-NX-2501",
        "DEMO-EVG-ND-2501",
    ):
        assert shown in html, shown

    answer = client.get(path, HTTP_ACCEPT="application/ld+json")
    assert answer.status_code == 200
    document = json.loads(answer.content)
    assert contains(document, json.loads(blocks()[0]))
    assert document["@id"] == link[1]
    assert document["ocop:ocopStars"] == 4


def test_the_lot_without_gtin_has_its_page_at_the_project_url(demo, client):
    from traceability.digital_link import lot_page_path

    assert "`/lots/DEMO-CT-TOI-2501`" in section()
    page = client.get(lot_page_path("DEMO-CT-TOI-2501"), HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    assert "DEMO-NTOR-0003" in page.content.decode()


def test_the_graphql_example_answers_what_the_readme_says(demo, graphql):
    status, body = graphql(blocks()[1])

    assert status == 200
    assert "errors" not in body, body
    (edge,) = body["data"]["products"]["edges"]
    node = edge["node"]
    assert node["name"] == "Tỏi Công Trường"
    assert node["origin"]["verified"] is False
    assert "AREA_SUSPENDED" in node["origin"]["reasons"]
    (lot,) = [e["node"] for e in node["origin"]["lots"]["edges"]]
    assert lot["code"] == "DEMO-CT-TOI-2501"
    assert lot["growingArea"] == {"code": "DEMO-NTOR-0003", "status": "SUSPENDED"}
    assert lot["origin"] == {"verified": False, "reasons": ["AREA_SUSPENDED"]}
