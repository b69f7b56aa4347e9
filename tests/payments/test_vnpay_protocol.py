"""VNPay 2.1.0's signed strings, payment URL, IPN check and answers, without models."""

import datetime
import hashlib
import hmac
from urllib.parse import parse_qsl, urlsplit

import pytest

from payments.protocols import vnpay

# shared/DOMAIN.md, "VNPay": the test vector.
SECRET = "VNPAYTESTSECRET0123456789ABCDEFG"
PARAMS = {
    "vnp_Amount": 15000000,
    "vnp_Command": "pay",
    "vnp_CreateDate": "20250101103000",
    "vnp_CurrCode": "VND",
    "vnp_ExpireDate": "20250101104500",
    "vnp_IpAddr": "203.113.1.10",
    "vnp_Locale": "vn",
    "vnp_OrderInfo": "Thanh toan don hang OCOP20250101001: Nho xanh Ninh Thuan",
    "vnp_OrderType": "other",
    "vnp_ReturnUrl": "https://shop.example.vn/payment/vnpay/return",
    "vnp_TmnCode": "DEMOV210",
    "vnp_TxnRef": "OCOP20250101001",
    "vnp_Version": "2.1.0",
}
SIGNED_STRING = (
    "vnp_Amount=15000000&vnp_Command=pay&vnp_CreateDate=20250101103000&vnp_CurrCode=VND"
    "&vnp_ExpireDate=20250101104500&vnp_IpAddr=203.113.1.10&vnp_Locale=vn"
    "&vnp_OrderInfo=Thanh+toan+don+hang+OCOP20250101001%3A+Nho+xanh+Ninh+Thuan"
    "&vnp_OrderType=other"
    "&vnp_ReturnUrl=https%3A%2F%2Fshop.example.vn%2Fpayment%2Fvnpay%2Freturn"
    "&vnp_TmnCode=DEMOV210&vnp_TxnRef=OCOP20250101001&vnp_Version=2.1.0"
)
SIGNATURE = (
    "8ece722c3ce5539376a7c86825f24e5864ee16b31005ce1256d43e41dc83fc29"
    "826d7f9401e4f369ba451957414c20081f89a80b45e1c7bc467db3a648c71995"
)
SANDBOX = "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html"

# shared/DOMAIN.md, caveats: the community `vnpay` library's IPN vector (secret test_secret).
COMMUNITY_IPN = (
    "vnp_Amount=1000000&vnp_BankCode=NCB&vnp_BankTranNo=VNP14422574&vnp_CardType=ATM"
    "&vnp_OrderInfo=Thanh+toan+don+hang+2024-05-21T02%3A17%3A31.249Z&vnp_PayDate=20240521091806"
    "&vnp_ResponseCode=00&vnp_TmnCode=TEST_TMN_CODE&vnp_TransactionNo=14422574"
    "&vnp_TransactionStatus=00&vnp_TxnRef=1716257871703"
)
COMMUNITY_SIGNATURE = (
    "649982421beb422556a1374713c74e58e716ecbd05007c0c0e1f7effdfaf361d"
    "bf146889ca446139afe11b9954c4d5c486e99e3b86fcfab6957f29eb0be72895"
)


def ipn(**changes):
    """The community vector as the IPN view would read it (decoded, one value each)."""
    params = dict(parse_qsl(COMMUNITY_IPN, keep_blank_values=True))
    params["vnp_SecureHash"] = COMMUNITY_SIGNATURE
    params.update(changes)
    return params


# ---------------------------------------------------------------- the test vector


def test_the_canonical_query_is_domain_mds_string_exactly():
    assert vnpay.canonical_query(PARAMS) == SIGNED_STRING


def test_the_test_vector_signs_to_its_expected_hash():
    assert vnpay.sign(PARAMS, SECRET) == SIGNATURE


def test_parameter_order_does_not_matter():
    reversed_params = dict(reversed(list(PARAMS.items())))

    assert vnpay.canonical_query(reversed_params) == SIGNED_STRING


def test_the_payment_url_carries_the_signed_query_and_its_hash():
    url = vnpay.payment_url(SANDBOX, PARAMS, SECRET)

    assert url == f"{SANDBOX}?{SIGNED_STRING}&vnp_SecureHash={SIGNATURE}"


def test_a_base_url_with_a_query_gets_the_parameters_after_an_ampersand():
    url = vnpay.payment_url(f"{SANDBOX}?lang=vi", PARAMS, SECRET)

    assert url.startswith(f"{SANDBOX}?lang=vi&vnp_Amount=15000000&")


def test_the_payment_url_as_vnpay_decodes_it_verifies():
    url = vnpay.payment_url(SANDBOX, PARAMS, SECRET)
    received = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))

    assert vnpay.verify(received, SECRET) is True


# ---------------------------------------------------------------- encoding


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        ("Nho xanh", "Nho+xanh"),
        ("a:b/c?d=e&f", "a%3Ab%2Fc%3Fd%3De%26f"),
        ("~", "%7E"),  # PHP urlencode; Python's quote_plus would keep "~"
        ("*", "%2A"),
        ("-_.", "-_."),
        ("Đ", "%C4%90"),
        ("+", "%2B"),
    ],
)
def test_values_are_encoded_as_php_urlencode_does(value, encoded):
    assert vnpay.encode_value(value) == encoded


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("name", "value", "code"),
    [
        ("vnp_BankCode", "", vnpay.EMPTY_PARAMETER),
        ("vnp_OrderInfo", "Thanh toán đơn hàng", vnpay.INVALID_PARAMETER),
        ("vnp_OrderInfo", "Nho xanh\n", vnpay.INVALID_PARAMETER),
        ("vnp_TxnRef", "OCOP-2025-000001", vnpay.INVALID_PARAMETER),
        ("vnp_TxnRef", "ĐƠN1", vnpay.INVALID_PARAMETER),
        ("vnp_ReturnUrl", "https://shop.example.vn/~buyer/return", vnpay.INVALID_PARAMETER),
        ("vnp_OrderInfo", "Nho xanh (2 kg)", vnpay.INVALID_PARAMETER),
        ("vnp_OrderInfo", "Nho*xanh", vnpay.INVALID_PARAMETER),
        ("vnp_Amount", True, vnpay.INVALID_PARAMETER),
        ("vnp_Amount", 150000.0, vnpay.INVALID_PARAMETER),
        ("vnp_SecureHashType", "HmacSHA512", vnpay.INVALID_PARAMETER),
        ("vnp_SecureHash", SIGNATURE, vnpay.INVALID_PARAMETER),
        ("lang", "vi", vnpay.INVALID_PARAMETER),
    ],
)
def test_a_parameter_vnpay_would_refuse_or_misread_is_refused(name, value, code):
    with pytest.raises(vnpay.VnpayParameterError) as caught:
        vnpay.canonical_query({**PARAMS, name: value})

    assert caught.value.code == code
    assert caught.value.field == name
    assert caught.value.message


def test_no_parameters_at_all_are_refused():
    with pytest.raises(vnpay.VnpayParameterError):
        vnpay.canonical_query({})


def test_an_empty_secret_is_refused():
    with pytest.raises(vnpay.VnpayParameterError) as caught:
        vnpay.sign(PARAMS, "")

    assert caught.value.field == "secret"


# ---------------------------------------------------------------- verify


def test_the_community_ipn_vector_verifies():
    assert vnpay.verify(ipn(), "test_secret") is True


def test_the_hash_type_and_other_parameters_are_ignored():
    params = ipn(vnp_SecureHashType="HmacSHA512", utm_source="zalo")

    assert vnpay.verify(params, "test_secret") is True


def test_an_uppercase_hash_verifies():
    assert vnpay.verify(ipn(vnp_SecureHash=COMMUNITY_SIGNATURE.upper()), "test_secret") is True


def test_an_empty_parameter_is_left_out_as_vnpay_leaves_it_out():
    assert vnpay.verify(ipn(vnp_CardType=""), "test_secret") is False  # it was signed
    assert vnpay.verify(ipn(vnp_BankBranch=""), "test_secret") is True  # it was not


@pytest.mark.parametrize(
    "changes",
    [
        {"vnp_Amount": "100000000"},
        {"vnp_TxnRef": "1716257871704"},
        {"vnp_ResponseCode": "24"},
        {"vnp_TmnCode": "OTHERTMN"},
        {"vnp_PromotionCode": "FREE"},
        {"vnp_SecureHash": COMMUNITY_SIGNATURE[:-1] + "4"},
        {"vnp_SecureHash": ""},
        {"vnp_SecureHash": "không phải hex"},
        {"vnp_SecureHash": ["a", "b"]},
        {"vnp_Amount": ["1000000"]},
    ],
)
def test_a_tampered_or_forged_ipn_fails(changes):
    assert vnpay.verify(ipn(**changes), "test_secret") is False


def test_an_ipn_without_a_hash_or_with_another_secret_fails():
    params = ipn()
    del params["vnp_SecureHash"]

    assert vnpay.verify(params, "test_secret") is False
    assert vnpay.verify(ipn(), "other_secret") is False
    assert vnpay.verify(ipn(), "") is False
    assert vnpay.verify({"vnp_SecureHash": COMMUNITY_SIGNATURE}, "test_secret") is False


def test_the_comparison_is_constant_time(monkeypatch):
    calls = []
    original = hmac.compare_digest

    def recording(left, right):
        calls.append((left, right))
        return original(left, right)

    monkeypatch.setattr(vnpay.hmac, "compare_digest", recording)

    assert vnpay.verify(ipn(), "test_secret") is True
    assert calls == [(COMMUNITY_SIGNATURE.encode(), COMMUNITY_SIGNATURE.encode())]


@pytest.mark.parametrize(
    ("response_code", "transaction_status", "succeeded"),
    [("00", "00", True), ("00", "02", False), ("24", "00", False), ("24", "02", False)],
)
def test_a_payment_succeeded_only_when_both_codes_are_00(
    response_code, transaction_status, succeeded
):
    params = {"vnp_ResponseCode": response_code, "vnp_TransactionStatus": transaction_status}

    assert vnpay.payment_succeeded(params) is succeeded


# ---------------------------------------------------------------- IPN answers


def test_the_ipn_answer_codes_are_vnpays():
    assert {code.name: code.value for code in vnpay.RspCode} == {
        "CONFIRMED": "00",
        "ORDER_NOT_FOUND": "01",
        "ALREADY_CONFIRMED": "02",
        "INVALID_AMOUNT": "04",
        "INVALID_SIGNATURE": "97",
        "UNKNOWN_ERROR": "99",
    }
    assert set(vnpay.RSP_MESSAGES) == set(vnpay.RspCode)
    assert {vnpay.RspCode.CONFIRMED, vnpay.RspCode.ALREADY_CONFIRMED} == vnpay.FINAL_ANSWERS


def test_an_ipn_answer_is_the_json_body_vnpay_reads():
    assert vnpay.ipn_answer(vnpay.RspCode.INVALID_SIGNATURE) == {
        "RspCode": "97",
        "Message": "Invalid signature",
    }
    assert vnpay.ipn_answer("00") == {"RspCode": "00", "Message": "Confirm Success"}
    with pytest.raises(ValueError, match="03"):
        vnpay.ipn_answer("03")


# ---------------------------------------------------------------- amounts and dates


def test_amounts_are_hundredths_of_a_dong_on_the_wire():
    assert vnpay.amount_parameter(150_000) == "15000000"
    assert vnpay.amount_vnd("15000000") == 150_000


@pytest.mark.parametrize("amount", [0, -1, True, 1.5, "150000"])
def test_an_amount_that_is_not_a_positive_whole_number_is_refused(amount):
    with pytest.raises(vnpay.VnpayParameterError):
        vnpay.amount_parameter(amount)


@pytest.mark.parametrize("parameter", ["15000050", "", "-100", "1e5", "١٠٠", "1" * 5000])
def test_a_vnpay_amount_that_is_not_whole_dong_is_refused(parameter):
    with pytest.raises(vnpay.VnpayParameterError):
        vnpay.amount_vnd(parameter)


def test_dates_are_written_in_vietnam_time():
    moment = datetime.datetime(2025, 1, 1, 3, 30, tzinfo=datetime.UTC)

    assert vnpay.timestamp(moment) == "20250101103000"
    assert vnpay.parse_timestamp("20250101103000") == moment


def test_a_naive_or_malformed_date_is_refused():
    with pytest.raises(vnpay.VnpayParameterError):
        vnpay.timestamp(datetime.datetime(2025, 1, 1, 10, 30))  # noqa: DTZ001 - the point
    for value in ("2025010110300", "20251301103000", "2025-01-01 10:30"):
        with pytest.raises(vnpay.VnpayParameterError):
            vnpay.parse_timestamp(value)


# ---------------------------------------------------------------- querydr and refund

QUERYDR = {
    "vnp_RequestId": "Q1",
    "vnp_Version": "2.1.0",
    "vnp_Command": "querydr",
    "vnp_TmnCode": "DEMOV210",
    "vnp_TxnRef": "OCOP20250101001",
    "vnp_TransactionDate": "20250101103000",
    "vnp_CreateDate": "20250101120000",
    "vnp_IpAddr": "127.0.0.1",
    "vnp_OrderInfo": "Truy van OCOP20250101001",
}
REFUND = {
    "vnp_RequestId": "R1",
    "vnp_Version": "2.1.0",
    "vnp_Command": "refund",
    "vnp_TmnCode": "DEMOV210",
    "vnp_TransactionType": vnpay.REFUND_PARTIAL,
    "vnp_TxnRef": "OCOP20250101001",
    "vnp_Amount": 5000000,
    "vnp_TransactionNo": "14422574",
    "vnp_TransactionDate": "20250101103000",
    "vnp_CreateBy": "operator@example.vn",
    "vnp_CreateDate": "20250102090000",
    "vnp_IpAddr": "127.0.0.1",
    "vnp_OrderInfo": "Hoan tien OCOP20250101001",
}


def test_the_querydr_string_is_its_fields_in_vnpays_order():
    assert vnpay.querydr_signature_data(dict(reversed(list(QUERYDR.items())))) == (
        "Q1|2.1.0|querydr|DEMOV210|OCOP20250101001|20250101103000|20250101120000|127.0.0.1"
        "|Truy van OCOP20250101001"
    )


def test_the_refund_string_is_its_fields_in_vnpays_order():
    assert vnpay.refund_signature_data(REFUND) == (
        "R1|2.1.0|refund|DEMOV210|03|OCOP20250101001|5000000|14422574|20250101103000"
        "|operator@example.vn|20250102090000|127.0.0.1|Hoan tien OCOP20250101001"
    )
    assert vnpay.REFUND_FULL == "02"


def test_querydr_and_refund_are_hmac_sha512_of_their_strings():
    def expected(data):
        return hmac.new(SECRET.encode(), data.encode(), hashlib.sha512).hexdigest()

    assert vnpay.sign_querydr(QUERYDR, SECRET) == expected(vnpay.querydr_signature_data(QUERYDR))
    assert vnpay.sign_refund(REFUND, SECRET) == expected(vnpay.refund_signature_data(REFUND))


def test_a_missing_field_or_a_pipe_in_a_value_is_refused():
    without_ip = {name: value for name, value in REFUND.items() if name != "vnp_IpAddr"}

    with pytest.raises(vnpay.VnpayParameterError) as missing:
        vnpay.sign_refund(without_ip, SECRET)
    with pytest.raises(vnpay.VnpayParameterError) as piped:
        vnpay.sign_querydr({**QUERYDR, "vnp_OrderInfo": "a|b"}, SECRET)

    assert missing.value.field == "vnp_IpAddr"
    assert piped.value.field == "vnp_OrderInfo"


def test_an_empty_optional_field_is_signed_empty():
    data = vnpay.refund_signature_data({**REFUND, "vnp_TransactionNo": ""})

    assert "|5000000||20250101103000|" in data


QUERYDR_RESPONSE = {
    "vnp_ResponseId": "4f7e",
    "vnp_Command": "querydr",
    "vnp_ResponseCode": "00",
    "vnp_Message": "QueryDR Success",
    "vnp_TmnCode": "DEMOV210",
    "vnp_TxnRef": "OCOP20250101001",
    "vnp_Amount": "15000000",
    "vnp_BankCode": "NCB",
    "vnp_PayDate": "20250101103500",
    "vnp_TransactionNo": "14422574",
    "vnp_TransactionType": "01",
    "vnp_TransactionStatus": "00",
    "vnp_OrderInfo": "Thanh toan OCOP20250101001",
}


def test_a_querydr_answer_verifies_with_absent_promotion_fields_as_empty():
    expected_string = (
        "4f7e|querydr|00|QueryDR Success|DEMOV210|OCOP20250101001|15000000|NCB|20250101103500"
        "|14422574|01|00|Thanh toan OCOP20250101001||"
    )
    answer = {
        **QUERYDR_RESPONSE,
        "vnp_SecureHash": hmac.new(
            SECRET.encode(), expected_string.encode(), hashlib.sha512
        ).hexdigest(),
    }

    assert vnpay.verify_querydr_response(answer, SECRET) is True
    assert vnpay.verify_querydr_response({**answer, "vnp_Amount": "1500000000"}, SECRET) is False
    assert vnpay.verify_querydr_response({**answer, "vnp_SecureHash": ""}, SECRET) is False


def test_a_refund_answer_verifies_and_a_tampered_one_fails():
    response = {**QUERYDR_RESPONSE, "vnp_Command": "refund", "vnp_TransactionType": "03"}
    response["vnp_SecureHash"] = vnpay.sign_refund_response(response, SECRET)

    assert vnpay.verify_refund_response(response, SECRET) is True
    assert vnpay.verify_refund_response({**response, "vnp_TransactionStatus": "09"}, SECRET) is (
        False
    )
    assert vnpay.verify_refund_response({**response, "vnp_Amount": 1.5}, SECRET) is False
