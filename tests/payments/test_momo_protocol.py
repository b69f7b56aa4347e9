"""MoMo AIO v2's raw signature strings and HMAC-SHA256 signatures, without models."""

import hashlib
import hmac

import pytest

from payments.protocols import momo

# shared/DOMAIN.md, caveats: the MoMo create vector (secret test-secret).
ACCESS_KEY = "test-access"
SECRET_KEY = "test-secret"
CREATE = {
    "partnerCode": "TESTPARTNER",
    "requestId": "OCOP001-1",
    "amount": 150000,
    "orderId": "OCOP001",
    "orderInfo": "Thanh toán đơn hàng OCOP001 Nho xanh",
    "redirectUrl": "https://shop.example.vn/momo/return",
    "ipnUrl": "https://shop.example.vn/momo/ipn",
    "requestType": "captureWallet",
    "extraData": "",
    "lang": "vi",
}
CREATE_RAW = (
    "accessKey=test-access&amount=150000&extraData=&ipnUrl=https://shop.example.vn/momo/ipn"
    "&orderId=OCOP001&orderInfo=Thanh toán đơn hàng OCOP001 Nho xanh&partnerCode=TESTPARTNER"
    "&redirectUrl=https://shop.example.vn/momo/return&requestId=OCOP001-1"
    "&requestType=captureWallet"
)
CREATE_SIGNATURE = "3488acbe9550178dad635f4d1950b349a36b9248067a8537b763cf355d9aad17"

IPN = {
    "partnerCode": "TESTPARTNER",
    "orderId": "OCOP001",
    "requestId": "OCOP001-1",
    "amount": 150000,
    "orderInfo": "Thanh toán đơn hàng OCOP001 Nho xanh",
    "orderType": "momo_wallet",
    "transId": 4088878653,
    "resultCode": 0,
    "message": "Thành công.",
    "payType": "qr",
    "responseTime": 1721720663942,
    "extraData": "eyJza3VzIjoiIn0=",
}


def signed_ipn(**changes):
    body = {**IPN, **changes}
    body["signature"] = momo.sign_ipn(body, ACCESS_KEY, SECRET_KEY)
    return body


# ---------------------------------------------------------------- create


def test_the_create_raw_signature_is_domain_mds_string_exactly():
    assert momo.create_raw_signature(CREATE, ACCESS_KEY) == CREATE_RAW


def test_the_create_vector_signs_to_its_expected_hash_over_utf8():
    assert momo.sign_create(CREATE, ACCESS_KEY, SECRET_KEY) == CREATE_SIGNATURE


def test_the_create_fields_are_in_momos_order_whatever_the_body_order():
    shuffled = dict(reversed(list(CREATE.items())))

    assert momo.create_raw_signature(shuffled, ACCESS_KEY) == CREATE_RAW
    assert momo.CREATE_SIGNED_FIELDS == (
        "accessKey",
        "amount",
        "extraData",
        "ipnUrl",
        "orderId",
        "orderInfo",
        "partnerCode",
        "redirectUrl",
        "requestId",
        "requestType",
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"orderId": "OCOP 001"}, "orderId"),
        ({"orderId": "-OCOP001"}, "orderId"),
        ({"orderId": "OCOP001."}, "orderId"),
        ({"amount": 0}, "amount"),
        ({"amount": True}, "amount"),
        ({"amount": "150000"}, "amount"),
        ({"requestType": "payWithBitcoin"}, "requestType"),
        ({"extraData": "not base64!"}, "extraData"),
        ({"extraData": None}, "extraData"),
        ({"ipnUrl": None}, "ipnUrl"),
        ({"orderInfo": 12.5}, "orderInfo"),
    ],
)
def test_a_create_request_momo_would_refuse_is_refused(changes, field):
    with pytest.raises(momo.MomoParameterError) as caught:
        momo.sign_create({**CREATE, **changes}, ACCESS_KEY, SECRET_KEY)

    assert caught.value.field == field
    assert caught.value.message


def test_base64_extra_data_is_signed_as_sent():
    raw = momo.create_raw_signature({**CREATE, "extraData": "eyJza3VzIjoiIn0="}, ACCESS_KEY)

    assert "&extraData=eyJza3VzIjoiIn0=&" in raw


def test_missing_keys_are_refused():
    with pytest.raises(momo.MomoParameterError) as no_access_key:
        momo.sign_create(CREATE, "", SECRET_KEY)
    with pytest.raises(momo.MomoParameterError) as no_secret_key:
        momo.sign_create(CREATE, ACCESS_KEY, "")

    assert no_access_key.value.field == "accessKey"
    assert no_secret_key.value.field == "secretKey"


# ---------------------------------------------------------------- IPN


def test_the_ipn_raw_signature_has_the_ipn_fields_in_momos_order():
    assert momo.ipn_raw_signature(IPN, ACCESS_KEY) == (
        "accessKey=test-access&amount=150000&extraData=eyJza3VzIjoiIn0=&message=Thành công."
        "&orderId=OCOP001&orderInfo=Thanh toán đơn hàng OCOP001 Nho xanh&orderType=momo_wallet"
        "&partnerCode=TESTPARTNER&payType=qr&requestId=OCOP001-1&responseTime=1721720663942"
        "&resultCode=0&transId=4088878653"
    )


def test_a_signed_ipn_verifies():
    body = signed_ipn()
    expected = hmac.new(
        SECRET_KEY.encode(), momo.ipn_raw_signature(IPN, ACCESS_KEY).encode(), hashlib.sha256
    ).hexdigest()

    assert body["signature"] == expected
    assert momo.verify_ipn(body, ACCESS_KEY, SECRET_KEY) is True


def test_fields_outside_the_signature_do_not_matter():
    body = {**signed_ipn(), "lang": "en", "paymentOption": "momo"}

    assert momo.verify_ipn(body, ACCESS_KEY, SECRET_KEY) is True


@pytest.mark.parametrize(
    "changes",
    [
        {"amount": 15000},
        {"orderId": "OCOP002"},
        {"resultCode": 1006},
        {"transId": 4088878654},
        {"partnerCode": "OTHERPARTNER"},
        {"orderInfo": "Thanh toan don hang OCOP001 Nho xanh"},  # diacritics stripped
        {"message": "Thành công"},
        {"amount": "150000.0"},
    ],
)
def test_a_tampered_ipn_fails(changes):
    assert momo.verify_ipn({**signed_ipn(), **changes}, ACCESS_KEY, SECRET_KEY) is False


def test_a_forged_or_unsigned_ipn_fails():
    body = signed_ipn()
    unsigned = {name: value for name, value in body.items() if name != "signature"}

    assert momo.verify_ipn(unsigned, ACCESS_KEY, SECRET_KEY) is False
    assert momo.verify_ipn({**body, "signature": ""}, ACCESS_KEY, SECRET_KEY) is False
    assert momo.verify_ipn({**body, "signature": 12}, ACCESS_KEY, SECRET_KEY) is False
    assert momo.verify_ipn({**body, "signature": "chữ ký"}, ACCESS_KEY, SECRET_KEY) is False
    assert momo.verify_ipn(body, "other-access", SECRET_KEY) is False
    assert momo.verify_ipn(body, ACCESS_KEY, "other-secret") is False
    assert momo.verify_ipn(body, "", SECRET_KEY) is False
    assert momo.verify_ipn({**body, "amount": [150000]}, ACCESS_KEY, SECRET_KEY) is False


def test_a_field_momo_left_out_counts_as_empty():
    without_pay_type = {name: value for name, value in IPN.items() if name != "payType"}
    body = {
        **without_pay_type,
        "signature": momo.sign_ipn(without_pay_type, ACCESS_KEY, SECRET_KEY),
    }

    assert "&payType=&" in momo.ipn_raw_signature(without_pay_type, ACCESS_KEY)
    assert momo.verify_ipn(body, ACCESS_KEY, SECRET_KEY) is True
    assert momo.verify_ipn({**body, "payType": "qr"}, ACCESS_KEY, SECRET_KEY) is False


def test_the_ipn_signature_is_compared_in_constant_time(monkeypatch):
    calls = []
    original = hmac.compare_digest

    def recording(left, right):
        calls.append(1)
        return original(left, right)

    monkeypatch.setattr(momo.hmac, "compare_digest", recording)

    assert momo.verify_ipn(signed_ipn(), ACCESS_KEY, SECRET_KEY) is True
    assert calls == [1]


# ---------------------------------------------------------------- query and refund


def test_the_query_raw_signature_is_momos_four_fields_in_order():
    query = {"partnerCode": "TESTPARTNER", "requestId": "Q-1", "orderId": "OCOP001", "lang": "vi"}

    assert momo.query_raw_signature(query, ACCESS_KEY) == (
        "accessKey=test-access&orderId=OCOP001&partnerCode=TESTPARTNER&requestId=Q-1"
    )
    assert (
        momo.sign_query(query, ACCESS_KEY, SECRET_KEY)
        == hmac.new(
            SECRET_KEY.encode(),
            momo.query_raw_signature(query, ACCESS_KEY).encode(),
            hashlib.sha256,
        ).hexdigest()
    )


REFUND = {
    "partnerCode": "TESTPARTNER",
    "orderId": "OCOP001-R1",
    "requestId": "OCOP001-R1",
    "amount": 50000,
    "transId": 4088878653,
    "lang": "vi",
    "description": "Hoàn tiền phần của người bán",
}


def test_the_refund_raw_signature_is_momos_fields_in_order():
    assert momo.refund_raw_signature(REFUND, ACCESS_KEY) == (
        "accessKey=test-access&amount=50000&description=Hoàn tiền phần của người bán"
        "&orderId=OCOP001-R1&partnerCode=TESTPARTNER&requestId=OCOP001-R1&transId=4088878653"
    )
    assert (
        momo.sign_refund(REFUND, ACCESS_KEY, SECRET_KEY)
        == hmac.new(
            SECRET_KEY.encode(),
            momo.refund_raw_signature(REFUND, ACCESS_KEY).encode(),
            hashlib.sha256,
        ).hexdigest()
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"transId": None}, "transId"),
        ({"transId": ""}, "transId"),
        ({"amount": -1}, "amount"),
        ({"description": None}, "description"),
        ({"orderId": "OCOP001 R1"}, "orderId"),
    ],
)
def test_a_refund_momo_would_refuse_is_refused(changes, field):
    with pytest.raises(momo.MomoParameterError) as caught:
        momo.sign_refund({**REFUND, **changes}, ACCESS_KEY, SECRET_KEY)

    assert caught.value.field == field


# ---------------------------------------------------------------- result codes


def test_result_codes_say_what_they_mean():
    assert momo.ResultCode.SUCCESS == 0
    assert momo.ResultCode.AUTHORIZED == 9000
    assert momo.ResultCode.BAD_SIGNATURE == 13
    assert momo.ResultCode.DUPLICATE_ORDER_ID == 41
    assert set(momo.RESULT_MEANINGS) == set(momo.ResultCode)


@pytest.mark.parametrize(
    ("code", "paid", "pending"),
    [
        (0, True, False),
        (9000, False, False),
        (1000, False, True),
        (7000, False, True),
        (7002, False, True),
        (8000, False, True),
        (1006, False, False),
        (99, False, False),
    ],
)
def test_only_zero_is_paid_and_the_waiting_codes_are_pending(code, paid, pending):
    assert momo.is_paid(code) is paid
    assert momo.is_pending(code) is pending
