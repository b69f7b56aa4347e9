"""Casso's and SePay's webhook authentication and order codes in transfers, without models."""

import datetime
import hmac
import json

import pytest

from payments.protocols import bank_notifications as bank

# The vector of Casso's webhook v2 PHP sample (its own sample checksum key).
CASSO_KEY = "mgExMrjj4i7a1p8Cs6LmFbpCd8lbw4sSX4LZXPag7TKazeIogtR90tvWYTkwQbvs"
CASSO_PAYLOAD = {
    "error": 0,
    "data": {
        "id": 0,
        "reference": "MA_GIAO_DICH_THU_NGHIEM",
        "description": "giao dich thu nghiem",
        "amount": 599000,
        "runningBalance": 25000000,
        "transactionDateTime": "2024-10-03 15:06:37",
        "accountNumber": "88888888",
        "bankName": "VPBank",
        "bankAbbreviation": "VPB",
        "virtualAccountNumber": "",
        "virtualAccountName": "",
        "counterAccountName": "NGUYEN VAN A",
        "counterAccountNumber": "8888888888",
        "counterAccountBankId": "970415",
        "counterAccountBankName": "VietinBank",
    },
}
CASSO_TIMESTAMP_MS = 1727948258788
CASSO_HEADER = (
    "t=1727948258788,v1=ed0a4bd2e826d5cb69988cdb141e6c1a080e21f3b57eb72cd78192220042b9e7"
    "dde0868fc667faea8e224900fa7904e7c88dfa098032fb2d6b6996856e8b7ff3"
)
SIGNED_AT = datetime.datetime.fromtimestamp(CASSO_TIMESTAMP_MS / 1000, datetime.UTC)


def check(header=CASSO_HEADER, payload=None, key=CASSO_KEY, *, now=SIGNED_AT, **options):
    bank.check_casso_signature(
        header, CASSO_PAYLOAD if payload is None else payload, key, now=now, **options
    )


def refusal(**arguments) -> str:
    with pytest.raises(bank.BankNotificationError) as caught:
        check(**arguments)
    assert caught.value.message
    return caught.value.code


# ---------------------------------------------------------------- Casso


def test_cassos_published_vector_verifies():
    check()

    assert bank.verify_casso_signature(CASSO_HEADER, CASSO_PAYLOAD, CASSO_KEY, now=SIGNED_AT)


def test_the_raw_body_is_accepted_in_any_key_order_and_spacing():
    body = json.dumps(
        {"data": dict(reversed(list(CASSO_PAYLOAD["data"].items()))), "error": 0}, indent=2
    )

    check(payload=body.encode("utf-8"))
    check(payload=body)


def test_the_header_is_casso_signature_header_of_the_payload():
    assert bank.casso_signature_header(CASSO_PAYLOAD, CASSO_KEY, CASSO_TIMESTAMP_MS) == (
        CASSO_HEADER
    )


def test_the_canonical_json_is_sorted_compact_and_utf8():
    payload = {"b": {"z": 1, "a": [{"y": 2.0, "x": "Nguyễn Văn Đức"}]}, "a": None}

    assert bank.canonical_json(payload) == (
        '{"a":null,"b":{"a":[{"x":"Nguyễn Văn Đức","y":2}],"z":1}}'
    )


def test_a_vietnamese_payload_round_trips():
    payload = {"error": 0, "data": {"id": 7, "description": "Chuyển tiền OCOP2026000123"}}
    header = bank.casso_signature_header(payload, CASSO_KEY, CASSO_TIMESTAMP_MS)

    check(header=header, payload=json.dumps(payload, ensure_ascii=True))


@pytest.mark.parametrize(
    "changes",
    [
        {"amount": 5990000},
        {"description": "OCOP2026000123"},
        {"accountNumber": "99999999"},
        {"id": 1},
        {"extra": "field"},
    ],
)
def test_a_tampered_payload_fails(changes):
    tampered = {**CASSO_PAYLOAD, "data": {**CASSO_PAYLOAD["data"], **changes}}

    assert refusal(payload=tampered) == bank.SIGNATURE_MISMATCH


def test_a_signature_made_with_another_key_fails():
    forged = bank.casso_signature_header(CASSO_PAYLOAD, "attacker-key", CASSO_TIMESTAMP_MS)

    assert refusal(header=forged) == bank.SIGNATURE_MISMATCH
    assert refusal(key="another-key") == bank.SIGNATURE_MISMATCH


def test_moving_the_timestamp_breaks_the_signature():
    moved = CASSO_HEADER.replace("t=1727948258788", "t=1727948558788")

    assert refusal(header=moved) == bank.SIGNATURE_MISMATCH


def test_a_stale_or_future_signature_is_refused():
    assert refusal(now=SIGNED_AT + datetime.timedelta(seconds=301)) == bank.TIMESTAMP_STALE
    assert refusal(now=SIGNED_AT - datetime.timedelta(seconds=301)) == bank.TIMESTAMP_STALE
    check(now=SIGNED_AT + datetime.timedelta(seconds=299))


def test_an_absurd_timestamp_with_a_valid_signature_is_stale_not_a_crash():
    far_future = 10**14
    header = bank.casso_signature_header(CASSO_PAYLOAD, CASSO_KEY, far_future)

    assert refusal(header=header) == bank.TIMESTAMP_STALE
    assert refusal(header=bank.casso_signature_header(CASSO_PAYLOAD, CASSO_KEY, 0)) == (
        bank.TIMESTAMP_STALE
    )


def test_the_tolerance_is_an_argument():
    later = SIGNED_AT + datetime.timedelta(seconds=11)

    assert refusal(now=later, tolerance_seconds=10) == bank.TIMESTAMP_STALE
    check(now=later, tolerance_seconds=12)
    check(now=SIGNED_AT + datetime.timedelta(hours=1), tolerance_seconds=3600)


def test_now_defaults_to_the_clock_so_the_old_vector_is_stale():
    with pytest.raises(bank.BankNotificationError) as caught:
        bank.check_casso_signature(CASSO_HEADER, CASSO_PAYLOAD, CASSO_KEY)

    assert caught.value.code == bank.TIMESTAMP_STALE


def test_a_fresh_signature_passes_with_the_clock():
    now_ms = int(datetime.datetime.now(datetime.UTC).timestamp() * 1000)
    header = bank.casso_signature_header(CASSO_PAYLOAD, CASSO_KEY, now_ms)

    assert bank.verify_casso_signature(header, CASSO_PAYLOAD, CASSO_KEY) is True


def test_a_naive_now_is_a_programming_error():
    with pytest.raises(ValueError, match="aware"):
        check(now=datetime.datetime(2024, 10, 3, 9, 37, 38))  # noqa: DTZ001 - the point


@pytest.mark.parametrize("header", [None, ""])
def test_a_missing_signature_is_refused(header):
    assert refusal(header=header) == bank.SIGNATURE_MISSING


@pytest.mark.parametrize(
    "header",
    [
        "v1=ed0a4bd2",
        "t=1727948258788",
        "t=abc,v1=ed0a4bd2",
        "t=1727948258788,v1=not-hex",
        "t=1727948258788,t=1727948258788,v1=ed0a4bd2",
        "t=١٧٢٧,v1=ed0a4bd2",
        "sha512=ed0a4bd2",
        "t=1727948258788,v1=chữký",
        "t=" + "9" * 16 + ",v1=ed0a4bd2",
        "t=" + "9" * 5000 + ",v1=ed0a4bd2",
    ],
)
def test_a_malformed_signature_is_refused(header):
    assert refusal(header=header) == bank.SIGNATURE_MALFORMED


@pytest.mark.parametrize("body", [b"not json", b'{"amount": NaN}', b"\xff\xfe", "[1, 2"])
def test_a_body_that_is_not_json_is_refused(body):
    assert refusal(payload=body) == bank.PAYLOAD_INVALID


def test_verify_is_false_for_every_refusal():
    assert bank.verify_casso_signature("t=1,v1=00", CASSO_PAYLOAD, CASSO_KEY) is False
    assert bank.verify_casso_signature(None, CASSO_PAYLOAD, CASSO_KEY) is False
    assert bank.verify_casso_signature(CASSO_HEADER, b"{", CASSO_KEY, now=SIGNED_AT) is False
    assert bank.verify_casso_signature(CASSO_HEADER, CASSO_PAYLOAD, "", now=SIGNED_AT) is False


def test_the_casso_signature_is_compared_in_constant_time(monkeypatch):
    calls = []
    original = hmac.compare_digest

    def recording(left, right):
        calls.append(1)
        return original(left, right)

    monkeypatch.setattr(bank.hmac, "compare_digest", recording)

    check()
    assert calls == [1]


# ---------------------------------------------------------------- SePay

SEPAY_KEY = "sepay-test-key-0123456789"


def test_sepays_api_key_header_is_accepted():
    header = bank.sepay_authorization_header(SEPAY_KEY)

    assert header == f"Apikey {SEPAY_KEY}"
    assert bank.verify_sepay_authorization(header, SEPAY_KEY) is True
    assert bank.verify_sepay_authorization(f"apikey {SEPAY_KEY}", SEPAY_KEY) is True
    assert bank.verify_sepay_authorization(f"  APIKEY {SEPAY_KEY} ", SEPAY_KEY) is True


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Apikey",
        "Apikey ",
        "Apikey wrong-key",
        f"Apikey {SEPAY_KEY[:-1]}",
        f"Apikey {SEPAY_KEY}0",
        f"Bearer {SEPAY_KEY}",
        SEPAY_KEY,
        f"Apikey {SEPAY_KEY.upper()}",
        "Apikey khóa-giả",
    ],
)
def test_a_wrong_or_missing_api_key_is_refused(header):
    assert bank.verify_sepay_authorization(header, SEPAY_KEY) is False


def test_an_unset_api_key_accepts_nothing():
    assert bank.verify_sepay_authorization("Apikey ", "") is False
    assert bank.verify_sepay_authorization("Apikey x", "") is False


def test_the_api_key_is_compared_in_constant_time(monkeypatch):
    calls = []
    original = hmac.compare_digest

    def recording(left, right):
        calls.append(1)
        return original(left, right)

    monkeypatch.setattr(bank.hmac, "compare_digest", recording)

    assert bank.verify_sepay_authorization(f"Apikey {SEPAY_KEY}", SEPAY_KEY) is True
    assert calls == [1]


# ---------------------------------------------------------------- order codes


@pytest.mark.parametrize(
    "number", ["OCOP-2026-000123", "OCOP2026000123", "ocop-2026-000123", "OCOP 2026 000123"]
)
def test_the_transfer_code_of_an_order_number_has_no_separators(number):
    assert bank.transfer_code(number) == "OCOP2026000123"


def test_a_sequence_past_999999_keeps_its_digits():
    assert bank.transfer_code("OCOP-2026-1000000") == "OCOP20261000000"


@pytest.mark.parametrize(
    "number", ["", "OCOP-26-000123", "OCOP-2026-00123", "OCOP-2026-000123-2", "DH2026000123", 7]
)
def test_something_that_is_not_an_order_number_is_refused(number):
    with pytest.raises(bank.BankNotificationError) as caught:
        bank.transfer_code(number)

    assert caught.value.code == bank.INVALID_ORDER_CODE


@pytest.mark.parametrize(
    "content",
    [
        "OCOP2026000123",
        "CHUYEN TIEN OCOP 2026 000123",
        "ocop-2026-000123 nho xanh",
        "Chuyển tiền đơn hàng OCOP-2026-000123",
        "MBVCB.3278614254.OCOP2026000123.CT tu 0011001234567 NGUYEN VAN A",
        "IBFT OCOP.2026.000123",
        "CKOCOP2026000123NHOXANH",
        "OCOP 2026 000123 150000d",
        "OCOP-2026-000123-2",
        "ÔCOP 2026 000123",
        "OCOP２０２６０００１２３",  # full-width digits, as some phones type them
        "thanh toan ocop_2026_000123",
    ],
)
def test_the_order_code_is_found_however_the_bank_wrote_it(content):
    assert bank.order_code_in(content, "OCOP-2026-000123") is True
    assert bank.order_code_in(content, "OCOP2026000123") is True


@pytest.mark.parametrize(
    "content",
    [
        "OCOP20260001234",
        "OCOP 2026 0001234",
        "OCOP2026000124",
        "OCOP2025000123",
        "OCOP2026 0000123",
        "OCOP 202 6000123",
        "OCOP20 26 000123",
        "OCOP 2026 000 123",
        "0COP2026000123",
        "OCOP12026000123",
        "CHUYEN TIEN DON HANG 2026000123",
        "",
    ],
)
def test_a_lookalike_code_does_not_match(content):
    assert bank.order_code_in(content, "OCOP2026000123") is False


def test_a_longer_code_is_not_matched_by_its_prefix_either_way():
    assert bank.order_code_in("OCOP2026000123", "OCOP20260001234") is False
    assert bank.order_code_in("OCOP20260001234", "OCOP20260001234") is True


def test_every_code_of_a_content_is_listed_once_in_order():
    content = "ocop 2026 000124, OCOP-2026-000123 va OCOP2026000124; OCOP20260001234"

    assert bank.order_codes_in(content) == ["OCOP2026000124", "OCOP2026000123", "OCOP20260001234"]
    assert bank.order_codes_in(None) == []


def test_folding_drops_diacritics_and_reads_d_with_stroke():
    assert bank.fold("Chuyển khoản đơn hàng Đà Lạt") == "CHUYEN KHOAN DON HANG DA LAT"
