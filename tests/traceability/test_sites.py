"""Sites: registration and its rules, corrections, GAP certificates, the auditors' decisions
(every transition allowed and refused, history, audit log, emails) and the row lock."""

import datetime
import itertools
import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone, translation

from market.core.errors import DomainError, NotFound, PermissionDenied
from tests.factories import GrowingAreaFactory, MembershipFactory, PackingHouseFactory
from traceability.models import AuditEntry, GapCertificate, Site, SiteStatusChange
from traceability.services import sites

pytestmark = pytest.mark.django_db

SQUARE_IN_NINH_PHUOC = {
    "type": "Polygon",
    "coordinates": [
        [[108.92, 11.53], [108.94, 11.53], [108.94, 11.55], [108.92, 11.55], [108.92, 11.53]]
    ],
}


def register(by, seller, **changes):
    fields = {
        "kind": "growing_area",
        "code": "VN-NTOR-0101",
        "name": "Vùng nho Phước Hậu",
        "crops": ["Nho xanh NH01-48"],
        "area_hectares": Decimal("3.2"),
        "street": "Thôn Phước Thiện",
        "ward": "Xã Phước Hậu",
        "province": "Khánh Hòa",
        "former_district": "Huyện Ninh Phước",
        "latitude": Decimal("11.54"),
        "longitude": Decimal("108.93"),
        "boundary": SQUARE_IN_NINH_PHUOC,
    }
    fields.update(changes)
    return sites.site_register(by=by, seller_id=seller.pk, **fields)


def error_fields(excinfo) -> set[str]:
    return set(excinfo.value.message_dict)


# ---------------------------------------------------------------------------
# Registering


@pytest.mark.parametrize("who", ["own_staff", "own_owner", "operator"])
def test_staff_of_the_seller_register_a_pending_site_with_its_history(roles, who):
    site = register(roles[who], roles["seller"])
    assert site.status == Site.Status.PENDING
    assert site.seller == roles["seller"]
    assert site.registered_by == roles[who]
    change = SiteStatusChange.objects.get(site=site)
    assert (change.from_status, change.to_status, change.changed_by) == (
        "",
        "pending",
        roles[who],
    )


def test_the_platform_registers_for_any_seller(roles):
    site = register(None, roles["seller"], code="DEMO-NTOR-0001")
    assert site.registered_by is None
    assert site.status == "pending"


def test_a_packing_house_registers_without_land(roles):
    site = register(
        roles["own_staff"],
        roles["seller"],
        kind="packing_house",
        code="VN-NTPH-0101",
        crops=[],
        area_hectares=None,
        boundary=None,
    )
    assert site.kind == "packing_house"


@pytest.mark.parametrize("who", ["other_staff", "buyer", "auditor"])
def test_others_may_not_register_for_a_seller(roles, who):
    with pytest.raises(PermissionDenied):
        register(roles[who], roles["seller"])
    assert not Site.objects.exists()


def test_signed_out_is_told_to_sign_in(roles):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied) as excinfo:
        register(AnonymousUser(), roles["seller"])
    assert excinfo.value.code == "AUTHENTICATION_REQUIRED"


def test_a_missing_seller_is_refused_as_another_sellers_and_named_to_operators(roles):
    with pytest.raises(PermissionDenied) as missing:
        sites.site_register(
            by=roles["own_staff"], seller_id=10**9, kind="growing_area", code="VN-NTOR-0001",
            name="x", ward="x", latitude=11.5, longitude=108.9,
        )  # fmt: skip
    with pytest.raises(PermissionDenied) as other:
        register(roles["own_staff"], roles["other_seller"])
    assert (missing.value.code, missing.value.message) == (other.value.code, other.value.message)
    with pytest.raises(NotFound):
        sites.site_register(
            by=roles["operator"], seller_id=10**9, kind="growing_area", code="VN-NTOR-0001",
            name="x", ward="x", latitude=11.5, longitude=108.9,
        )  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"code": "NTOR-0001"}, "code"),
        ({"code": "VN-NTOR-01"}, "code"),
        ({"code": "vn-ntor-0001"}, "code"),
        ({"code": "VN-NTPH-0001"}, "code"),  # a packing-house code for a growing area
        (
            {
                "kind": "packing_house",
                "code": "VN-NTOR-0001",
                "area_hectares": None,
                "boundary": None,
            },
            "code",
        ),
        ({"latitude": Decimal("13.7563"), "longitude": Decimal("100.5018")}, "latitude"),
        ({"latitude": Decimal("11.5564"), "longitude": Decimal("104.9282")}, "latitude"),
        ({"latitude": Decimal("48.85"), "longitude": Decimal("2.35")}, "latitude"),
        ({"latitude": "abc"}, "latitude"),
        ({"latitude": None}, "latitude"),
        ({"area_hectares": Decimal("0")}, "area_hectares"),
        ({"area_hectares": Decimal("-1")}, "area_hectares"),
        ({"area_hectares": "NaN"}, "area_hectares"),
        ({"kind": "packing_house", "code": "VN-NTPH-0001", "boundary": None}, "area_hectares"),
        ({"kind": "packing_house", "code": "VN-NTPH-0001", "area_hectares": None}, "boundary"),
        ({"kind": "orchard"}, "kind"),
        ({"name": ""}, "name"),
        ({"ward": ""}, "ward"),
        ({"crops": "nho"}, "crops"),
        ({"crops": ["nho", ""]}, "crops"),
        (
            {
                "boundary": {
                    "type": "Polygon",
                    "coordinates": [[[108.92, 11.53], [108.94, 11.53], [108.94, 11.55]]],
                }
            },
            "boundary",
        ),
        (
            {
                "boundary": {
                    "type": "Polygon",
                    "coordinates": [
                        [[108.92, 11.53], [108.94, 11.53], [108.94, 11.55], [108.92, 11.55]]
                    ],
                }
            },
            "boundary",
        ),
        (
            {
                "boundary": {
                    "type": "Polygon",
                    "coordinates": [
                        [
                            [100.50, 13.75],
                            [100.52, 13.75],
                            [100.52, 13.77],
                            [100.50, 13.77],
                            [100.50, 13.75],
                        ]
                    ],
                }
            },
            "boundary",
        ),
        ({"boundary": {"type": "Point", "coordinates": [108.93, 11.54]}}, "boundary"),
        ({"boundary": "a field"}, "boundary"),
    ],
)
def test_bad_registrations_are_refused_by_field_and_store_nothing(roles, changes, field):
    with pytest.raises(ValidationError) as excinfo:
        register(roles["own_staff"], roles["seller"], **changes)
    assert field in error_fields(excinfo)
    assert not Site.objects.exists()
    assert not SiteStatusChange.objects.exists()


def test_a_taken_code_is_one_error_on_code(roles):
    GrowingAreaFactory(code="VN-NTOR-0101")
    with pytest.raises(ValidationError) as excinfo:
        register(roles["own_staff"], roles["seller"])
    assert excinfo.value.error_dict["code"][0].code == "CODE_TAKEN"


def test_gps_is_kept_to_six_places(roles):
    site = register(
        roles["own_staff"], roles["seller"], latitude=11.540000049, longitude="108.9300001"
    )
    site.refresh_from_db()
    assert (site.latitude, site.longitude) == (Decimal("11.540000"), Decimal("108.930000"))


def test_the_code_pattern_is_a_setting(roles, settings):
    settings.TRACE_GROWING_AREA_CODE_PATTERN = r"^NT\d{3}$"
    assert register(roles["own_staff"], roles["seller"], code="NT123").code == "NT123"
    with pytest.raises(ValidationError):
        register(roles["own_staff"], roles["seller"], code="VN-NTOR-0102")


# ---------------------------------------------------------------------------
# Correcting a pending site


def test_staff_correct_their_pending_site(roles):
    site = register(roles["own_staff"], roles["seller"])
    sites.site_update(
        by=roles["own_owner"], site_id=site.pk, name="Vùng nho Phước Hậu 2", ward="Xã Phước Hữu"
    )
    site.refresh_from_db()
    assert (site.name, site.ward, site.code) == ("Vùng nho Phước Hậu 2", "Xã Phước Hữu", site.code)


def test_an_update_is_checked_like_a_registration(roles):
    site = register(roles["own_staff"], roles["seller"])
    with pytest.raises(ValidationError) as excinfo:
        sites.site_update(
            by=roles["own_staff"], site_id=site.pk, latitude=Decimal("13.7563"),
            longitude=Decimal("100.5018"),
        )  # fmt: skip
    assert "latitude" in error_fields(excinfo)
    site.refresh_from_db()
    assert site.latitude == Decimal("11.54")


def test_code_kind_and_seller_are_not_updatable(roles):
    site = register(roles["own_staff"], roles["seller"])
    for field in ("code", "kind", "seller_id", "status"):
        with pytest.raises(TypeError):
            sites.site_update(by=roles["own_staff"], site_id=site.pk, **{field: "x"})


def test_once_decided_only_operators_correct_and_never_a_revoked_site(roles):
    site = GrowingAreaFactory(seller=roles["seller"])
    with pytest.raises(DomainError) as excinfo:
        sites.site_update(by=roles["own_staff"], site_id=site.pk, name="Khác")
    assert excinfo.value.code == "INVALID_STATUS"
    sites.site_update(by=roles["operator"], site_id=site.pk, name="Đã sửa")
    site.refresh_from_db()
    assert site.name == "Đã sửa"
    sites.site_revoke(by=roles["auditor"], site_id=site.pk, reason="Giả mạo hồ sơ")
    with pytest.raises(DomainError):
        sites.site_update(by=roles["operator"], site_id=site.pk, name="Lần nữa")


def test_a_stranger_gets_the_same_answer_for_a_missing_site_and_another_sellers(roles):
    theirs = GrowingAreaFactory(seller=roles["other_seller"], status="pending")
    answers = []
    for site_id in (theirs.pk, 10**9, "1; drop table"):
        with pytest.raises(PermissionDenied) as excinfo:
            sites.site_update(by=roles["own_staff"], site_id=site_id, name="x")
        answers.append((type(excinfo.value), excinfo.value.code, excinfo.value.message))
    assert len(set(answers)) == 1
    with pytest.raises(NotFound):
        sites.site_update(by=roles["operator"], site_id=10**9, name="x")


# ---------------------------------------------------------------------------
# GAP certificates


def add_certificate(by, site, **changes):
    fields = {
        "scheme": "vietgap",
        "number": "VietGAP-TT-19-01-58-0001",
        "issuer": "Trung tâm Chứng nhận Phù hợp",
        "valid_from": datetime.date(2025, 1, 1),
        "valid_until": datetime.date(2028, 1, 1),
    }
    fields.update(changes)
    return sites.gap_certificate_add(by=by, site_id=site.pk, **fields)


def test_staff_add_and_remove_a_certificate(roles):
    site = GrowingAreaFactory(seller=roles["seller"])
    certificate = add_certificate(roles["own_staff"], site)
    assert list(site.gap_certificates.all()) == [certificate]
    sites.gap_certificate_remove(by=roles["own_owner"], certificate_id=certificate.pk)
    assert not site.gap_certificates.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"scheme": "organic"}, "scheme"),
        ({"number": ""}, "number"),
        ({"issuer": ""}, "issuer"),
        ({"valid_until": datetime.date(2024, 1, 1)}, "valid_until"),
        ({"valid_from": "not a date"}, "valid_from"),
    ],
)
def test_bad_certificates_are_refused_by_field(roles, changes, field):
    site = GrowingAreaFactory(seller=roles["seller"])
    with pytest.raises(ValidationError) as excinfo:
        add_certificate(roles["own_staff"], site, **changes)
    assert field in error_fields(excinfo)
    assert not GapCertificate.objects.exists()


def test_a_certificate_number_is_unique_per_scheme(roles):
    site = GrowingAreaFactory(seller=roles["seller"])
    add_certificate(roles["own_staff"], site)
    with pytest.raises(ValidationError) as excinfo:
        add_certificate(roles["own_staff"], site)
    assert "number" in error_fields(excinfo)
    add_certificate(roles["own_staff"], site, scheme="globalgap")


def test_packing_houses_and_revoked_areas_take_no_certificate(roles):
    with pytest.raises(ValidationError) as excinfo:
        add_certificate(roles["own_staff"], PackingHouseFactory(seller=roles["seller"]))
    assert "site_id" in error_fields(excinfo)
    revoked = GrowingAreaFactory(seller=roles["seller"], status="revoked")
    with pytest.raises(DomainError):
        add_certificate(roles["own_staff"], revoked)


def test_others_may_not_touch_certificates(roles):
    site = GrowingAreaFactory(seller=roles["seller"])
    certificate = add_certificate(roles["own_staff"], site)
    for who in ("other_staff", "buyer", "auditor"):
        with pytest.raises(PermissionDenied):
            add_certificate(roles[who], site, number=f"N-{who}")
        with pytest.raises(PermissionDenied):
            sites.gap_certificate_remove(by=roles[who], certificate_id=certificate.pk)
    with pytest.raises(PermissionDenied):
        sites.gap_certificate_remove(by=roles["other_staff"], certificate_id=10**9)
    assert GapCertificate.objects.count() == 1


# ---------------------------------------------------------------------------
# The auditors' decisions

DECISIONS = {
    "approve": sites.site_approve,
    "suspend": sites.site_suspend,
    "reinstate": sites.site_reinstate,
    "revoke": sites.site_revoke,
}
ALLOWED = {
    ("pending", "approve"): "active",
    ("active", "suspend"): "suspended",
    ("suspended", "reinstate"): "active",
    ("pending", "revoke"): "revoked",
    ("active", "revoke"): "revoked",
    ("suspended", "revoke"): "revoked",
}
ALL_PAIRS = [(s, d) for s in ("pending", "active", "suspended", "revoked") for d in DECISIONS]


@pytest.mark.parametrize(("start", "decision"), ALL_PAIRS)
def test_every_transition_is_allowed_or_refused(
    roles, start, decision, django_capture_on_commit_callbacks
):
    site = GrowingAreaFactory(seller=roles["seller"], status=start)
    with django_capture_on_commit_callbacks(execute=True):
        if (start, decision) in ALLOWED:
            DECISIONS[decision](by=roles["auditor"], site_id=site.pk, reason="Lý do kiểm tra")
            site.refresh_from_db()
            assert site.status == ALLOWED[(start, decision)]
            change = SiteStatusChange.objects.get(site=site)
            assert (change.from_status, change.to_status, change.reason, change.changed_by) == (
                start, site.status, "Lý do kiểm tra", roles["auditor"],
            )  # fmt: skip
            entry = AuditEntry.objects.get(site=site)
            assert (entry.action, entry.actor, entry.reason) == (
                f"site_{decision}", roles["auditor"], "Lý do kiểm tra",
            )  # fmt: skip
        else:
            with pytest.raises(DomainError) as excinfo:
                DECISIONS[decision](by=roles["auditor"], site_id=site.pk, reason="Lý do kiểm tra")
            assert excinfo.value.code == "INVALID_TRANSITION"
            site.refresh_from_db()
            assert site.status == start
            assert not SiteStatusChange.objects.exists()
            assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("decision", ["suspend", "reinstate", "revoke"])
@pytest.mark.parametrize("reason", ["", "   ", None])
def test_suspend_reinstate_and_revoke_need_a_reason(roles, decision, reason):
    start = "suspended" if decision == "reinstate" else "active"
    site = GrowingAreaFactory(seller=roles["seller"], status=start)
    with pytest.raises(ValidationError) as excinfo:
        DECISIONS[decision](by=roles["auditor"], site_id=site.pk, reason=reason)
    assert "reason" in error_fields(excinfo)
    site.refresh_from_db()
    assert site.status == start


def test_approval_needs_no_reason(roles):
    site = GrowingAreaFactory(seller=roles["seller"], status="pending")
    sites.site_approve(by=roles["operator"], site_id=site.pk)
    site.refresh_from_db()
    assert site.status == "active"


@pytest.mark.parametrize("who", ["own_owner", "own_staff", "other_staff", "buyer"])
def test_only_auditors_and_operators_decide(roles, who):
    site = GrowingAreaFactory(seller=roles["seller"], status="pending")
    for decision in DECISIONS.values():
        with pytest.raises(PermissionDenied):
            decision(by=roles[who], site_id=site.pk, reason="x")
    site.refresh_from_db()
    assert site.status == "pending"


def test_a_missing_site_is_not_found_to_auditors(roles):
    with pytest.raises(NotFound):
        sites.site_suspend(by=roles["auditor"], site_id=10**9, reason="x")
    with pytest.raises(NotFound):
        sites.site_suspend(by=roles["auditor"], site_id="abc", reason="x")


def test_a_site_keeps_its_whole_history(roles):
    site = register(roles["own_staff"], roles["seller"])
    sites.site_approve(by=roles["auditor"], site_id=site.pk)
    sites.site_suspend(by=roles["auditor"], site_id=site.pk, reason="Dư lượng thuốc BVTV")
    sites.site_reinstate(by=roles["operator"], site_id=site.pk, reason="Đã khắc phục")
    sites.site_revoke(by=roles["auditor"], site_id=site.pk, reason="Tái phạm")
    history = list(site.status_changes.values_list("from_status", "to_status"))
    assert history == [
        ("", "pending"),
        ("pending", "active"),
        ("active", "suspended"),
        ("suspended", "active"),
        ("active", "revoked"),
    ]
    actions = AuditEntry.objects.filter(site=site).order_by("pk").values_list("action", flat=True)
    assert list(actions) == ["site_approve", "site_suspend", "site_reinstate", "site_revoke"]


# ---------------------------------------------------------------------------
# Emails


@pytest.mark.parametrize(
    ("start", "decision", "subject"),
    [
        ("active", "suspend", "Code %(code)s has been suspended"),
        ("suspended", "reinstate", "Code %(code)s has been reinstated"),
        ("active", "revoke", "Code %(code)s has been revoked"),
    ],
)
def test_each_member_of_the_seller_is_emailed_in_the_marketplace_language(
    roles, start, decision, subject, django_capture_on_commit_callbacks, settings
):
    left = MembershipFactory(seller=roles["seller"])
    left.user.is_active = False
    left.user.save()
    site = GrowingAreaFactory(seller=roles["seller"], status=start, code="VN-NTOR-0777")
    with django_capture_on_commit_callbacks(execute=True):
        DECISIONS[decision](by=roles["auditor"], site_id=site.pk, reason="Dư lượng vượt mức")
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == sorted([roles["own_staff"].email, roles["own_owner"].email])
    with translation.override(settings.LANGUAGE_CODE):
        expected = translation.gettext(subject) % {"code": "VN-NTOR-0777"}
    for message in mail.outbox:
        assert message.subject == expected
        assert "VN-NTOR-0777" in message.body
        assert "Dư lượng vượt mức" in message.body


def test_approval_and_refusals_send_nothing(roles, django_capture_on_commit_callbacks):
    site = GrowingAreaFactory(seller=roles["seller"], status="pending")
    with django_capture_on_commit_callbacks(execute=True):
        sites.site_approve(by=roles["auditor"], site_id=site.pk)
        with pytest.raises(DomainError):
            sites.site_reinstate(by=roles["auditor"], site_id=site.pk, reason="x")
    assert mail.outbox == []


# ---------------------------------------------------------------------------
# Two auditors at once


def _run_at_once(*calls):
    """Run the calls in threads released together; returns each one's outcome."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = call()
        except Exception as error:  # the outcome is what the test looks at
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_auditors_suspending_at_once_write_one_suspension(roles):
    for _round in range(5):
        site = GrowingAreaFactory(seller=roles["seller"])
        outcomes = _run_at_once(
            lambda site=site: sites.site_suspend(by=roles["auditor"], site_id=site.pk, reason="A"),
            lambda site=site: sites.site_suspend(by=roles["operator"], site_id=site.pk, reason="B"),
        )
        refused = [o for o in outcomes if isinstance(o, DomainError)]
        assert len(refused) == 1, outcomes
        assert refused[0].code == "INVALID_TRANSITION"
        assert list(site.status_changes.values_list("from_status", "to_status")) == [
            ("active", "suspended")
        ]
        assert AuditEntry.objects.filter(site=site).count() == 1


@pytest.mark.django_db(transaction=True)
def test_suspensions_and_reinstatements_at_once_leave_a_consistent_history(roles):
    site = GrowingAreaFactory(seller=roles["seller"])
    calls = []
    for index in range(6):
        decision = sites.site_suspend if index % 2 == 0 else sites.site_reinstate
        calls.append(
            lambda decision=decision: decision(by=roles["auditor"], site_id=site.pk, reason="x")
        )
    outcomes = _run_at_once(*calls)
    assert all(isinstance(o, Site | DomainError) for o in outcomes), outcomes
    history = list(site.status_changes.order_by("changed_at", "pk"))
    for before, after in itertools.pairwise(history):
        assert after.from_status == before.to_status
    site.refresh_from_db()
    assert (history[-1].to_status if history else "active") == site.status
    assert len(history) == sum(isinstance(o, Site) for o in outcomes)
    assert site.status_changed_at <= timezone.now()


# ---------------------------------------------------------------------------
# Who sees which sites and lots


def test_visibility_of_sites_and_lots(roles):
    from tests.factories import ProductFactory
    from tests.traceability.trace_setup import harvested_lot, made_from
    from traceability import selectors

    seller, other = roles["seller"], roles["other_seller"]
    area = GrowingAreaFactory(seller=seller)
    house = PackingHouseFactory(seller=seller)
    pending = GrowingAreaFactory(seller=seller, status="pending")
    fresh_area = GrowingAreaFactory(seller=seller, status="suspended")
    hidden_area = GrowingAreaFactory(seller=other)
    sold = harvested_lot(growing_area=area, packing_house=house, seller=seller)
    draft = ProductFactory(seller=seller, is_published=False)
    fresh = harvested_lot(growing_area=fresh_area, product=draft, seller=seller)
    dried = made_from([fresh], product=ProductFactory(seller=seller))
    unsold = harvested_lot(
        growing_area=hidden_area, product=ProductFactory(seller=other, is_published=False)
    )
    public_sites = {area, house, fresh_area}
    public_lots = {sold, fresh, dried}
    expected = {
        "anonymous": (public_sites, public_lots),
        "buyer": (public_sites, public_lots),
        "other_staff": (public_sites | {hidden_area}, public_lots | {unsold}),
        "own_staff": (public_sites | {pending}, public_lots),
        "own_owner": (public_sites | {pending}, public_lots),
        "auditor": (public_sites | {pending, hidden_area}, public_lots | {unsold}),
        "operator": (public_sites | {pending, hidden_area}, public_lots | {unsold}),
    }
    for who, (site_set, lot_set) in expected.items():
        user = roles[who]
        assert set(selectors.sites_visible_to(user)) == site_set, who
        assert set(selectors.lots_visible_to(user)) == lot_set, who
        for lot in (sold, fresh, dried, unsold):
            assert (selectors.lot_visible_to(user, lot.pk) == lot) == (lot in lot_set), who
        for site in (area, pending, hidden_area):
            assert (selectors.site_visible_to(user, site.pk) == site) == (site in site_set), who
    assert selectors.lot_visible_to(roles["auditor"], "1") is None
