"""The GS1 Digital Link resolver over HTTP: negotiation, errors, the page, QR codes, labels."""

import io
import json
import re
from datetime import timedelta
from urllib.parse import quote

import pytest
import zxingcpp
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from market.accounts.models import User
from tests.factories import (
    MembershipFactory,
    OcopCertificateFactory,
    ProductFactory,
    SellerFactory,
    UserFactory,
)
from tests.traceability import resolver_setup
from tests.traceability.resolver_setup import INTERNAL_NOTE, PRODUCT_NAME, gtin14
from traceability import resolver, selectors
from traceability.models import Lot
from traceability.services.events import event_record
from traceability.services.sites import site_suspend

pytestmark = pytest.mark.django_db

GTIN = gtin14("0893612345001")
OTHER_GTIN = gtin14("0893612345002")
BASE = "https://truyxuat.ocop-ninhthuan.vn"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
JSON = "application/json"


@pytest.fixture(autouse=True)
def resolver_base(settings):
    settings.TRACE_RESOLVER_BASE = BASE


@pytest.fixture
def lot():
    found = resolver_setup.fresh_lot(gtin=GTIN)
    OcopCertificateFactory(product=found.product, stars=4)
    return found


def link(lot, suffix="") -> str:
    return f"/01/{lot.gtin}/10/{quote(lot.code, safe='')}{suffix}"


def get(client, path, accept=BROWSER, language="vi", **extra):
    return client.get(path, HTTP_ACCEPT=accept, HTTP_ACCEPT_LANGUAGE=language, **extra)


def error_code(response) -> str:
    return response.json()["errors"][0]["extensions"]["code"]


# ---------------------------------------------------------------- the page


def test_a_browser_gets_the_page_in_vietnamese(client, lot):
    response = get(client, link(lot))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    page = response.content.decode()
    assert '<html lang="vi">' in page
    assert PRODUCT_NAME in page
    assert lot.code in page
    assert lot.seller.name in page
    assert "Nguồn gốc đã xác minh" in page
    assert 'data-verified="true"' in page
    for step in ("Gieo trồng", "Phun thuốc", "Thu hoạch", "Đóng gói", "Vận chuyển"):
        assert step in page
    area = lot.growing_area
    for fact in (area.code, area.ward, area.province, area.former_district, "Nho xanh NH01-48"):
        assert fact in page
    assert f"VietGAP VietGAP-TT-{area.pk:04d}" in page
    assert "★★★★" in page
    assert "Difenoconazole" in page


def test_english_by_accept_language(client, lot):
    response = get(client, link(lot), language="en")

    page = response.content.decode()
    assert '<html lang="en">' in page
    assert "Origin verified" in page
    assert "Where it grew" in page
    for step in ("Planting", "Spraying", "Harvesting", "Packing", "Shipping"):
        assert step in page
    assert response["Content-Language"] == "en"


def test_times_are_shown_in_vietnam_time(client, lot):
    harvest = lot.events.get(sequence=3)
    shown = harvest.event_time.astimezone(resolver.documents.VIETNAM).strftime("%H:%M %d/%m/%Y")

    page = get(client, link(lot)).content.decode()

    assert shown in page


def test_internal_notes_are_never_shown(client, lot):
    assert lot.events.filter(document__has_key="ocop:internalNote").exists()

    page = get(client, link(lot)).content.decode()
    document = get(client, link(lot), accept="application/ld+json").content.decode()

    for answer in (page, document):
        assert INTERNAL_NOTE not in answer
        assert "12.000" not in answer


def test_the_page_uses_no_external_asset(client, lot):
    page = get(client, link(lot)).content.decode()

    assert "<script" not in page
    assert not re.search(
        r"""(src|href)=["']?(https?:)?//""",
        page.replace(BASE, "").replace("http://testserver/", "/"),
    )
    assert "<svg" in page  # the QR code, inline
    assert "<?xml" not in page


def test_text_is_escaped(client):
    lot = resolver_setup.fresh_lot(gtin=GTIN)
    lot.product.name = "<script>alert('nho')</script>"
    lot.product.save()

    page = get(client, link(lot)).content.decode()

    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;nho&#x27;)&lt;/script&gt;" in page


def test_a_suspended_area_shows_not_verified_with_the_reason(client, lot):
    auditor = UserFactory(role=User.Role.AUDITOR)
    site_suspend(by=auditor, site_id=lot.growing_area_id, reason="Dư lượng thuốc vượt ngưỡng")

    page = get(client, link(lot), language="en").content.decode()
    document = get(client, link(lot), accept="application/ld+json").json()

    assert 'data-verified="false"' in page
    assert "Not verified" in page
    assert 'data-problem="AREA_SUSPENDED"' in page
    assert "The agriculture department has suspended the code of its growing area." in page
    assert "Nguồn gốc đã xác minh" not in get(client, link(lot)).content.decode()
    assert document["ocop:originVerified"] is False
    assert [problem["ocop:code"] for problem in document["ocop:originProblems"]] == [
        "AREA_SUSPENDED"
    ]


def test_a_lot_past_best_before_shows_expired_before_the_daily_refresh_runs(client, lot):
    # The stored reasons are refreshed by the daily task; the date is read at once.
    Lot.objects.filter(pk=lot.pk).update(best_before=timezone.localdate() - timedelta(days=1))
    assert Lot.objects.get(pk=lot.pk).origin_problems == []

    document = get(client, link(lot), accept="application/ld+json").json()

    assert document["ocop:originVerified"] is False
    assert [problem["ocop:code"] for problem in document["ocop:originProblems"]] == ["EXPIRED"]


def test_every_origin_problem_has_a_sentence():
    assert set(resolver.ORIGIN_PROBLEM_SENTENCES) == set(selectors.ORIGIN_PROBLEMS)
    for sentence in resolver.ORIGIN_PROBLEM_SENTENCES.values():
        assert str(sentence).endswith(".")


def test_a_processed_lot_lists_its_fresh_lots_and_their_areas(client):
    dried, first, second = resolver_setup.dried_lot(gtin=OTHER_GTIN)

    page = get(client, link(dried), language="en").content.decode()
    document = get(client, link(dried), accept="application/ld+json").json()

    assert resolver_setup.DRIED_NAME in page
    assert "Made from" in page
    for fresh in (first, second):
        assert fresh.code in page
        assert fresh.growing_area.code in page
        assert fresh.growing_area.ward in page
        assert f'href="/lots/{fresh.code}"' in page
    assert "Made from the lots below" in page
    assert {row["gs1:hasBatchLotNumber"] for row in document["ocop:inputs"]} == {
        first.code,
        second.code,
    }
    assert {area["identifier"] for area in document["ocop:growingAreas"]} == {
        first.growing_area.code,
        second.growing_area.code,
    }
    assert document["ocop:originVerified"] is True


def test_a_lot_without_gtin_has_its_page_at_the_project_url(client):
    lot = resolver_setup.fresh_lot()

    response = get(client, resolver.digital_link.lot_page_path(lot.code))

    assert response.status_code == 200
    assert lot.code in response.content.decode()
    assert resolver.lot_uri(lot) == f"{BASE}/lots/{lot.code}"


def test_the_project_url_of_a_lot_with_a_gtin_redirects_to_its_digital_link(client, lot):
    response = get(client, f"/lots/{lot.code}?linkType=all")

    assert response.status_code == 301
    assert response["Location"] == f"{link(lot)}?linkType=all"


def test_a_lot_code_holding_a_slash_resolves_from_the_raw_uri(client):
    lot = resolver_setup.fresh_lot(code="NT25/NHO/7", gtin=GTIN)
    path = link(lot)
    assert "%2F" in path

    # As gunicorn passes it: the request target as sent, before percent-decoding.
    response = get(client, path, accept="application/json", RAW_URI=path)

    assert response.status_code == 200
    assert response.json()["gs1:hasBatchLotNumber"] == "NT25/NHO/7"


def test_an_expiry_that_contradicts_the_lot_still_answers_with_the_lot_s_own_date(client, lot):
    on_label = "301231"

    page = get(client, link(lot, f"?17={on_label}"), language="en").content.decode()
    document = get(client, link(lot, f"?17={on_label}"), accept="application/json").json()
    agreeing = lot.best_before.strftime("%y%m%d")
    same = get(client, link(lot, f"?17={agreeing}"), accept="application/json").json()

    assert "The date on this label (31/12/2030) differs" in page
    assert lot.best_before.strftime("%d/%m/%Y") in page
    assert document["gs1:bestBeforeDate"] == lot.best_before.isoformat()
    assert document["ocop:expiryOnLabel"] == "2030-12-31"
    assert document["ocop:expiryMatchesRecord"] is False
    assert same["ocop:expiryMatchesRecord"] is True
    assert (
        "differs" not in get(client, link(lot, f"?17={agreeing}"), language="en").content.decode()
    )


def test_a_serial_is_accepted(client, lot):
    response = get(client, link(lot, "/21/HOP-0042"), accept="application/ld+json")

    assert response.status_code == 200
    assert response.json()["gs1:hasSerialNumber"] == "HOP-0042"


# ---------------------------------------------------------------- JSON-LD and the linkset


def _undeclared_terms(node, prefixes: set[str]) -> list[str]:
    """Keys that expand to nothing: a prefix:term whose prefix the @context lacks."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if ":" in key and not key.startswith("http") and key.split(":")[0] not in prefixes:
                found.append(key)
            found += _undeclared_terms(value, prefixes)
    elif isinstance(node, list):
        for item in node:
            found += _undeclared_terms(item, prefixes)
    return found


@pytest.mark.parametrize("accept", ["application/ld+json", "application/json"])
def test_json_ld_for_machines(client, lot, accept):
    response = get(client, link(lot), accept=accept)

    assert response.status_code == 200
    assert response["Content-Type"] == accept
    document = json.loads(response.content)
    context = document["@context"]
    assert context["@vocab"] == "https://schema.org/"
    assert context["gs1"] == "https://gs1.org/voc/"
    assert context["ocop"].startswith("https://")
    assert not _undeclared_terms(document, {key for key in context if not key.startswith("@")})
    assert document["@id"] == f"{BASE}{link(lot)}"
    assert document["@type"] == ["Product", "gs1:Product"]
    assert document["name"] == PRODUCT_NAME
    assert document["gs1:gtin"] == GTIN
    assert document["gs1:hasBatchLotNumber"] == lot.code
    assert document["manufacturer"] == {"@type": "Organization", "name": lot.seller.name}
    assert document["ocop:originVerified"] is True
    assert document["ocop:originProblems"] == []
    assert document["ocop:ocopStars"] == 4
    (area,) = document["ocop:growingAreas"]
    assert area["identifier"] == lot.growing_area.code
    assert area["address"]["addressLocality"] == "Xã Phước Hậu"
    assert area["ocop:gapCertificates"][0]["name"] == "VietGAP"
    steps = [event["ocop:step"] for event in document["ocop:timeline"]]
    assert steps == ["planting", "spraying", "harvesting", "packing", "shipping"]
    assert document["ocop:timeline"][2]["ocop:eventTime"].endswith("+07:00")
    assert document["ocop:timeline"][2]["ocop:quantityKg"] == 120.0
    assert document["ocop:epcisDocument"] == f"http://testserver/epcis/lots/{lot.code}"


@pytest.mark.parametrize(
    ("suffix", "accept"),
    [("?linkType=all", BROWSER), ("?linkType=linkset", BROWSER), ("", "application/linkset+json")],
)
def test_the_linkset(client, lot, suffix, accept):
    response = get(client, link(lot, suffix), accept=accept)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/linkset+json"
    assert 'rel="http://www.w3.org/ns/json-ld#context"' in response["Link"]
    (links,) = response.json()["linkset"]
    anchor = f"{BASE}{link(lot)}"
    assert links["anchor"] == anchor
    for link_type in ("pip", "defaultLink", "traceability"):
        (page,) = links[f"https://gs1.org/voc/{link_type}"]
        assert page["href"] == anchor
        assert page["type"] == "text/html"
        assert page["hreflang"] == ["vi", "en"]
    (epcis,) = links["https://gs1.org/voc/epcis"]
    assert epcis["href"] == f"http://testserver/epcis/lots/{lot.code}"
    assert epcis["type"] == "application/ld+json"
    assert lot.code in epcis["title"]
    assert links["describedby"][0]["type"] == "application/ld+json"
    qr = links["https://ocop.ninhthuan.gov.vn/voc/qrCode"]
    assert [(item["type"], item["href"]) for item in qr] == [
        ("image/png", f"http://testserver/trace/lots/{lot.code}/qr.png"),
        ("image/svg+xml", f"http://testserver/trace/lots/{lot.code}/qr.svg"),
    ]
    for item in links.values():
        if isinstance(item, list):
            assert all("href" in target for target in item)


def test_every_answer_names_its_links_in_headers(client, lot):
    for accept in (BROWSER, "application/ld+json"):
        header = get(client, link(lot), accept=accept)["Link"]
        assert f'<{BASE}{link(lot)}?linkType=all>; rel="linkset"' in header
        assert 'rel="https://gs1.org/voc/pip"' in header
        assert f'<http://testserver/epcis/lots/{lot.code}>; rel="https://gs1.org/voc/epcis"' in (
            header
        )


def test_link_type_epcis_redirects_to_the_epcis_document(client, lot):
    response = get(client, link(lot, "?linkType=gs1:epcis"))

    assert response.status_code == 307
    assert response["Location"] == f"http://testserver/epcis/lots/{lot.code}"


def test_an_unknown_link_type_answers_the_default(client, lot):
    response = get(client, link(lot, "?linkType=gs1:recipeInfo"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


# ---------------------------------------------------------------- HTTP manners


def test_answers_vary_on_accept_and_language_and_are_cached_briefly(client, lot):
    for accept in (BROWSER, "application/ld+json", "application/linkset+json"):
        response = get(client, link(lot), accept=accept)
        vary = {part.strip() for part in response["Vary"].split(",")}
        assert {"Accept", "Accept-Language"} <= vary
        assert response["Cache-Control"] in ("public, max-age=60", "max-age=60, public")


def test_head_answers_like_get_without_a_body(client, lot):
    response = client.head(link(lot), HTTP_ACCEPT="application/ld+json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    assert response.content == b""


def test_other_methods_are_refused(client, lot):
    response = client.post(link(lot), HTTP_ACCEPT="application/json")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert error_code(response) == "METHOD_NOT_ALLOWED"


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("path", "code"),
    [
        (f"/01/{GTIN[:-1]}9/10/NT25", "INVALID_GTIN"),  # wrong check digit
        ("/01/893612345001/10/NT25", "INVALID_GTIN"),  # 12 digits
        (f"/01/{GTIN}/10/NT25/", "INVALID_SYNTAX"),  # trailing slash
        (f"/01/{GTIN}//10/NT25", "INVALID_SYNTAX"),  # empty segment
        (f"/01/{GTIN}?10=NT25", "INVALID_SYNTAX"),  # the lot in the query
        (f"/01/{GTIN}/10/NT25/10/NT26", "INVALID_SYNTAX"),  # a duplicate AI
        (f"/01/{GTIN}/10/NT25/99/X", "INVALID_SYNTAX"),  # an AI that is no qualifier
        (f"/01/{GTIN}/21/S1/10/NT25", "INVALID_SYNTAX"),  # qualifiers out of order
        (f"/01/{GTIN}/10/NT25?17=251340", "INVALID_EXPIRY"),  # month 13
        (f"/01/{GTIN}/10/{'X' * 21}", "INVALID_LOT"),  # longer than 20
        (f"/01/{GTIN}/10/NT%C3%A925", "INVALID_LOT"),  # é is not in set 82
        (f"/01/{GTIN}", "INVALID_LOT"),  # no lot at all
    ],
)
def test_a_malformed_digital_link_answers_400(client, path, code):
    as_json = get(client, path, accept="application/json")
    as_page = get(client, path)

    assert as_json.status_code == 400
    assert as_json["Content-Type"] == "application/json"
    assert error_code(as_json) == code
    assert as_json.json()["errors"][0]["message"]
    assert as_page.status_code == 400
    assert as_page["Content-Type"] == "text/html; charset=utf-8"
    assert "Không đọc được đường dẫn này" in as_page.content.decode()
    assert code in as_page.content.decode()


def test_a_bad_lot_code_on_the_project_url_answers_400(client):
    response = get(client, "/lots/NT%C3%A925", accept="application/json")

    assert response.status_code == 400
    assert error_code(response) == "INVALID_LOT"


def test_an_unknown_lot_answers_404(client, lot):
    for path in (f"/01/{GTIN}/10/KHONG-CO", "/lots/KHONG-CO"):
        as_json = get(client, path, accept="application/ld+json")
        as_page = get(client, path)
        assert as_json.status_code == 404
        assert error_code(as_json) == "NOT_FOUND"
        assert as_page.status_code == 404
        assert "Không tìm thấy lô hàng" in as_page.content.decode()


def test_a_lot_under_another_gtin_answers_404(client, lot):
    other = get(client, f"/01/{OTHER_GTIN}/10/{lot.code}", accept="application/json")
    no_gtin = resolver_setup.fresh_lot(code="NT25-KHONG-GTIN")
    claimed = get(client, f"/01/{GTIN}/10/{no_gtin.code}", accept="application/json")

    assert other.status_code == claimed.status_code == 404
    assert other.json() == claimed.json() == get(client, "/lots/X-1", accept=JSON).json()


def test_a_lot_the_public_may_not_see_answers_404(client, lot):
    lot.product.is_published = False
    lot.product.save()

    assert get(client, link(lot), accept=JSON).status_code == 404
    assert client.get(f"/trace/lots/{lot.code}/qr.png").status_code == 404


def test_an_input_lot_of_a_published_product_is_public(client):
    _dried, first, _second = resolver_setup.dried_lot()
    first.product.is_published = False
    first.product.save()

    assert get(client, f"/lots/{first.code}", accept=JSON).status_code == 200


def test_an_unexpected_failure_answers_500_without_a_traceback(settings, lot, monkeypatch):
    settings.DEBUG = True

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(resolver, "_trace", broken)
    client = Client(raise_request_exception=False)

    as_json = get(client, link(lot), accept=JSON)
    as_page = get(client, link(lot))

    assert as_json.status_code == as_page.status_code == 500
    assert error_code(as_json) == "INTERNAL_ERROR"
    assert "no-store" in as_json["Cache-Control"]
    for answer in (as_json, as_page):
        assert b"secret internals" not in answer.content
        assert b"Traceback" not in answer.content


def test_the_answer_costs_the_same_queries_however_long_the_history(client):
    short = resolver_setup.fresh_lot(code="NT25-NGAN", gtin=GTIN)
    long = resolver_setup.fresh_lot(code="NT25-DAI", gtin=OTHER_GTIN)
    for _ in range(5):
        event_record(by=None, lot_id=long.pk, step="inspecting", event_time=long.created_at)

    counts = []
    for each in (short, long):
        with CaptureQueriesContext(connection) as queries:
            assert get(client, link(each), accept=JSON).status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1]


# ---------------------------------------------------------------- QR codes


def test_the_qr_png_holds_the_digital_link(client, lot):
    response = client.get(f"/trace/lots/{lot.code}/qr.png")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    (decoded,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)))
    assert decoded.text == f"{BASE}/01/{GTIN}/10/{lot.code}"
    assert "public" in response["Cache-Control"]


def test_the_qr_of_a_lot_without_gtin_holds_its_page(client):
    lot = resolver_setup.fresh_lot(code="NT25-TRANG")

    png = client.get(f"/trace/lots/{lot.code}/qr.png")
    svg = client.get(f"/trace/lots/{lot.code}/qr.svg")

    (decoded,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
    assert decoded.text == f"{BASE}/lots/NT25-TRANG"
    assert svg.status_code == 200
    assert svg["Content-Type"] == "image/svg+xml"
    assert b"<svg" in svg.content


def test_the_qr_of_an_unknown_lot_is_404(client):
    assert client.get("/trace/lots/KHONG-CO/qr.svg").status_code == 404


# ---------------------------------------------------------------- labels


def _labels(client, auth_headers, user, code, query=""):
    return client.get(f"/trace/lots/{code}/labels.pdf{query}", **auth_headers(user))


def test_labels_are_for_the_lot_s_staff_and_operators(client, auth_headers, lot):
    owner = MembershipFactory(seller=lot.seller, role="owner").user
    staff = MembershipFactory(seller=lot.seller).user
    others = MembershipFactory().user
    expected = {
        None: 401,
        UserFactory(): 403,
        others: 403,
        UserFactory(role=User.Role.AUDITOR): 403,
        staff: 200,
        owner: 200,
        UserFactory(role=User.Role.OPERATOR): 200,
    }
    for user, status in expected.items():
        response = _labels(client, auth_headers, user, lot.code)
        assert response.status_code == status, user
        if status == 200:
            assert response["Content-Type"] == "application/pdf"
            assert response.content.startswith(b"%PDF")
            assert "no-store" in response["Cache-Control"]
        else:
            code = "AUTHENTICATION_REQUIRED" if status == 401 else "PERMISSION_DENIED"
            assert error_code(response) == code


def test_labels_of_a_missing_lot_tell_only_operators(client, auth_headers, lot):
    staff = MembershipFactory(seller=lot.seller).user
    operator = UserFactory(role=User.Role.OPERATOR)

    assert _labels(client, auth_headers, staff, "KHONG-CO").status_code == 403
    assert _labels(client, auth_headers, operator, "KHONG-CO").status_code == 404


def test_the_count_of_labels_is_bounded(client, auth_headers, lot):
    staff = MembershipFactory(seller=lot.seller).user

    for count in ("0", "201", "abc", "-1", "٣"):
        response = _labels(client, auth_headers, staff, lot.code, f"?count={count}")
        assert response.status_code == 400, count
        assert error_code(response) == "INVALID"
        assert response.json()["errors"][0]["extensions"]["field"] == "count"
    one_page = _labels(client, auth_headers, staff, lot.code, "?count=10").content
    three_pages = _labels(client, auth_headers, staff, lot.code, "?count=21").content
    assert one_page.count(b"/Type /Page\n") == 1
    assert three_pages.count(b"/Type /Page\n") == 3


def test_labels_show_an_unpublished_product_to_its_staff(client, auth_headers):
    seller = SellerFactory()
    lot = resolver_setup.fresh_lot(
        seller=seller, product=ProductFactory(seller=seller, is_published=False)
    )
    staff = MembershipFactory(seller=lot.seller).user

    assert _labels(client, auth_headers, staff, lot.code).status_code == 200
