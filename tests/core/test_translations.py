"""Every message in one language: Vietnamese by default, English on request.

Messages are English in the code and go through Django's translation; the
Vietnamese catalog (locale/vi) is committed with its compiled .mo, so a
fresh machine needs no gettext tools to serve it. These tests check that
``Accept-Language`` chooses the language of every message of a response,
that emails are written in the recipient's language whoever caused them,
and that the committed catalogs translate every message the code has.
"""

import gettext
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from graphql_relay import to_global_id

from market.accounts.jwt import ACCESS, REFRESH, encode
from market.sellers.models import SellerMembership
from tests.factories import CategoryFactory, MembershipFactory, SellerFactory, UserFactory

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
# What `makemessages` must skip: the same list as the command in the catalogs' header.
MAKEMESSAGES_IGNORE = (
    ".venv",
    ".cache",
    "node_modules",
    "tests",
    "bench",
    "static",
    "build",
    "media",
)
SOURCE_SUFFIXES = {".py", ".html", ".txt"}  # makemessages' default extensions

SIGN_IN = """
mutation SignIn($email: String!, $password: String!) {
  tokenCreate(email: $email, password: $password) { token errors { field code message } }
}
"""

# One request, several errors from several apps: accounts (a refresh token that is an
# access token, a wrong password) and the catalog (a missing product, bad fields).
SEVERAL_ERRORS = """
mutation Several($access: String!, $product: ID!, $category: ID!, $seller: ID!) {
  refresh: tokenRefresh(refreshToken: $access) { errors { field code message } }
  signIn: tokenCreate(email: "khong-co@example.vn", password: "sai-mat-khau") {
    errors { field code message }
  }
  gone: productUpdate(id: $product, input: {name: "Muối Cà Ná"}) { errors { field code message } }
  bad: productCreate(
    input: {name: "Nho sấy", slug: "nho say", category: $category, seller: $seller}
  ) {
    errors { field code message }
  }
}
"""

VIETNAMESE = [
    ("refreshToken", "JWT_INVALID", "Đây không phải là mã làm mới (refresh token)."),
    ("email", "INVALID_CREDENTIALS", "Sai email hoặc mật khẩu."),
    ("id", "NOT_FOUND", "Không tìm thấy sản phẩm 987654."),
    ("category", "NOT_FOUND", "Không tìm thấy danh mục 987653."),
    ("slug", "INVALID", "Chỉ dùng chữ cái không dấu, chữ số, dấu gạch ngang và dấu gạch dưới."),
]
ENGLISH = [
    ("refreshToken", "JWT_INVALID", "This is not a refresh token."),
    ("email", "INVALID_CREDENTIALS", "Wrong email or password."),
    ("id", "NOT_FOUND", "Product 987654 does not exist."),
    ("category", "NOT_FOUND", "Category 987653 does not exist."),
    ("slug", "INVALID", "Use only letters, digits, hyphens and underscores."),
]


@pytest.fixture
def operator(db):
    return UserFactory(role="operator")


def several_errors(graphql, auth_headers, user, **headers) -> list[tuple]:
    CategoryFactory()
    seller = SellerFactory()
    access = encode(user_id=user.pk, token_type=ACCESS, ttl_seconds=300)["token"]
    status, body = graphql(
        SEVERAL_ERRORS,
        {
            "access": access,
            "product": to_global_id("Product", 987_654),
            "category": to_global_id("Category", 987_653),
            "seller": to_global_id("Seller", seller.pk),
        },
        **auth_headers(user),
        **headers,
    )
    assert status == 200, body
    assert "errors" not in body, body
    return [
        (error["field"], error["code"], error["message"])
        for payload in body["data"].values()
        for error in payload["errors"]
    ]


# ---------------------------------------------------------------- the API


@pytest.mark.django_db
def test_without_accept_language_messages_are_vietnamese(graphql):
    status, body = graphql(SIGN_IN, {"email": "khong-co@example.vn", "password": "sai"})

    assert status == 200
    assert body["data"]["tokenCreate"]["errors"] == [
        {"field": "email", "code": "INVALID_CREDENTIALS", "message": "Sai email hoặc mật khẩu."}
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [
        ("en", "Wrong email or password."),
        ("en-US,en;q=0.9,vi;q=0.8", "Wrong email or password."),
        ("vi", "Sai email hoặc mật khẩu."),
        ("vi-VN,vi;q=0.9,en;q=0.5", "Sai email hoặc mật khẩu."),
        # A language the marketplace does not speak falls back to its own.
        ("fr-FR,fr;q=0.9", "Sai email hoặc mật khẩu."),
    ],
)
def test_accept_language_chooses_the_language(client, accept_language, expected):
    response = client.post(
        "/graphql/",
        {"query": SIGN_IN, "variables": {"email": "khong-co@example.vn", "password": "sai"}},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE=accept_language,
    )

    (error,) = response.json()["data"]["tokenCreate"]["errors"]
    assert error["message"] == expected
    # A cache in front must keep the languages apart.
    assert "Accept-Language" in response["Vary"]
    assert response["Content-Language"] == ("en" if expected.startswith("Wrong") else "vi")


def test_a_response_with_several_errors_is_all_vietnamese(graphql, auth_headers, operator):
    assert several_errors(graphql, auth_headers, operator) == VIETNAMESE


def test_a_response_with_several_errors_is_all_english_on_request(graphql, auth_headers, operator):
    english = several_errors(graphql, auth_headers, operator, HTTP_ACCEPT_LANGUAGE="en")

    assert english == ENGLISH


def test_the_language_of_one_request_does_not_stay_for_the_next(graphql, auth_headers, operator):
    several_errors(graphql, auth_headers, operator, HTTP_ACCEPT_LANGUAGE="en")

    assert several_errors(graphql, auth_headers, operator) == VIETNAMESE


REGISTER = """
mutation Register($email: String!, $password: String!) {
  accountRegister(input: {email: $email, password: $password}) { errors { field code message } }
}
"""


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            {},
            [
                "Vui lòng nhập một địa chỉ email hợp lệ.",
                "Mật khẩu quá ngắn: cần có ít nhất 8 ký tự.",
                "Mật khẩu này quá phổ biến, dễ bị đoán ra.",
                "Mật khẩu không được chỉ gồm chữ số.",
                "Mật khẩu quá giống với email hoặc tên của bạn.",
            ],
        ),
        (
            {"HTTP_ACCEPT_LANGUAGE": "en"},
            [
                "Enter a valid email address.",
                "This password is too short. It must contain at least 8 characters.",
                "This password is too common.",
                "This password is entirely numeric.",
                "This password is too similar to your email or name.",
            ],
        ),
    ],
    ids=["vi", "en"],
)
def test_the_messages_of_django_s_validators_are_in_the_same_language(graphql, headers, expected):
    """Django's Vietnamese catalog lacks 5.2's "too short" message: it must not slip through."""
    _status, weak = graphql(REGISTER, {"email": "khong-hop-le", "password": "123"}, **headers)
    _status, like_email = graphql(
        REGISTER, {"email": "nguyen.van.an@example.vn", "password": "nguyen.van.an"}, **headers
    )

    messages = [
        error["message"]
        for body in (weak, like_email)
        for error in body["data"]["accountRegister"]["errors"]
    ]
    assert messages == expected


@pytest.mark.django_db
def test_the_authentication_middlewares_refusal_follows_accept_language(client):
    refresh = encode(user_id=1, token_type=REFRESH, ttl_seconds=300)["token"]

    answers = {
        language: client.post(
            "/graphql/",
            {"query": "{ me { email } }"},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {refresh}",
            **({"HTTP_ACCEPT_LANGUAGE": language} if language else {}),
        )
        for language in (None, "en")
    }

    assert [answer.status_code for answer in answers.values()] == [401, 401]
    assert answers[None].json()["errors"][0]["message"] == (
        "Đây không phải là mã truy cập (access token)."
    )
    assert answers["en"].json()["errors"][0]["message"] == "This is not an access token."


# ---------------------------------------------------------------- emails


@pytest.fixture
def storefront(settings):
    settings.STOREFRONT_SET_PASSWORD_URL = "https://cho.example.vn/dat-mat-khau"


REQUEST_RESET = """
mutation Reset($email: String!) { requestPasswordReset(email: $email) { errors { code } } }
"""


@pytest.mark.django_db
@pytest.mark.parametrize("accept_language", [None, "en"])
def test_the_password_reset_email_is_vietnamese_whoever_asks(
    graphql, storefront, mailoutbox, django_capture_on_commit_callbacks, accept_language
):
    """The account records no language: the email is in the marketplace's, even when the
    request that caused it (anyone may ask for anyone's reset) asked for English."""
    UserFactory(email="tran.thi.hoa@example.vn", first_name="Hoa")
    headers = {"HTTP_ACCEPT_LANGUAGE": accept_language} if accept_language else {}

    with django_capture_on_commit_callbacks(execute=True):
        _status, body = graphql(REQUEST_RESET, {"email": "tran.thi.hoa@example.vn"}, **headers)

    assert body["data"]["requestPasswordReset"]["errors"] == []
    (message,) = mailoutbox
    assert message.subject == "Đặt lại mật khẩu tài khoản Sàn OCOP Ninh Thuận"
    assert message.body.startswith(
        "Xin chào Hoa,\n\n"
        "Sàn OCOP Ninh Thuận vừa nhận được yêu cầu đặt mật khẩu cho tài khoản "
        "tran.thi.hoa@example.vn.\n"
        "Mở liên kết sau để đặt mật khẩu mới (liên kết chỉ dùng được một lần):\n\n"
        "https://cho.example.vn/dat-mat-khau?"
    )
    assert message.body.endswith(
        "\n\nNếu bạn không yêu cầu, hãy bỏ qua thư này: mật khẩu hiện tại vẫn giữ nguyên.\n"
    )


INVITE = """
mutation Invite($seller: ID!, $email: String!) {
  sellerStaffInvite(sellerId: $seller, email: $email) { errors { code } }
}
"""


@pytest.mark.django_db
def test_an_invitation_from_an_english_speaking_owner_is_vietnamese(
    graphql, auth_headers, storefront, mailoutbox, django_capture_on_commit_callbacks
):
    seller = SellerFactory(name="HTX Nho Thái An")
    owner = MembershipFactory(seller=seller, role=SellerMembership.Role.OWNER).user

    with django_capture_on_commit_callbacks(execute=True):
        _status, body = graphql(
            INVITE,
            {"seller": to_global_id("Seller", seller.pk), "email": "le.van.binh@example.vn"},
            HTTP_ACCEPT_LANGUAGE="en",
            **auth_headers(owner),
        )

    assert body["data"]["sellerStaffInvite"]["errors"] == []
    (message,) = mailoutbox
    assert message.subject == "Bạn được mời tham gia HTX Nho Thái An trên Sàn OCOP Ninh Thuận"
    assert (
        'Bạn được mời tham gia "HTX Nho Thái An" trên Sàn OCOP Ninh Thuận với vai trò nhân viên.'
        in message.body
    )
    assert message.body.startswith("Xin chào,\n\n")
    assert "Tài khoản của bạn (le.van.binh@example.vn) chưa có mật khẩu." in message.body
    assert message.body.endswith(
        "\nNếu bạn không mong đợi lời mời này, hãy từ chối hoặc bỏ qua thư này: "
        "bạn sẽ không trở thành nhân viên của cơ sở.\n"
    )


# ---------------------------------------------------------------- the catalogs


def run(*command: str) -> str:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stderr}"
    return result.stdout


def catalog(mo_file: Path) -> gettext.GNUTranslations:
    with mo_file.open("rb") as handle:
        return gettext.GNUTranslations(handle)


def msgid(key) -> str:
    """A catalog key without its plural form's index: ``(msgid, n)`` for plural entries."""
    return key[0] if isinstance(key, tuple) else key


def copy_sources(destination: Path) -> None:
    """The files `makemessages` reads, without the committed catalogs."""
    for directory, subdirectories, files in os.walk(settings.BASE_DIR):
        subdirectories[:] = [
            name
            for name in subdirectories
            if name not in MAKEMESSAGES_IGNORE and name != "locale" and not name.startswith(".")
        ]
        for name in files:
            source = Path(directory) / name
            if source.suffix in SOURCE_SUFFIXES:
                target = destination / source.relative_to(settings.BASE_DIR)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)


@pytest.fixture(scope="module")
def fresh_messages(tmp_path_factory) -> set:
    """Every msgid of the code as it is now, from `makemessages` run on a copy of it."""
    work = tmp_path_factory.mktemp("makemessages")
    copy_sources(work / "src")
    locale = work / "src" / "locale"
    previous = Path.cwd()
    os.chdir(work / "src")
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(settings, "LOCALE_PATHS", [locale])
            call_command(
                "makemessages",
                locale=["vi"],
                ignore_patterns=list(MAKEMESSAGES_IGNORE),
                add_location="never",
                verbosity=0,
            )
    finally:
        os.chdir(previous)
    fresh = locale / "vi" / "LC_MESSAGES" / "django.po"
    # Every msgstr set to its msgid, so that compiling keeps every entry.
    filled = work / "filled.po"
    run("msgen", "--output-file", str(filled), str(fresh))
    run("msgfmt", "--use-fuzzy", "--output-file", str(work / "fresh.mo"), str(filled))
    keys = {msgid(key) for key in catalog(work / "fresh.mo")._catalog} - {""}
    assert len(keys) > 100, "makemessages found too few messages: is the copy complete?"
    return keys


def test_every_message_of_the_code_has_a_vietnamese_translation(fresh_messages, tmp_path):
    compiled = tmp_path / "vi.mo"
    # --check: placeholders (%(sku)s…) agree between msgid and msgstr, header complete.
    run(
        "msgfmt",
        "--check",
        "--output-file",
        str(compiled),
        str(LOCALE_DIR / "vi/LC_MESSAGES/django.po"),
    )
    vietnamese = catalog(compiled)

    translated = {msgid(key) for key, text in vietnamese._catalog.items() if text.strip()}
    missing = sorted(fresh_messages - translated)
    assert missing == [], "untranslated in locale/vi/LC_MESSAGES/django.po"
    assert vietnamese.info()["plural-forms"] == "nplurals=1; plural=0;"


@pytest.mark.parametrize("language", ["vi", "en"])
def test_no_catalog_entry_is_fuzzy(language):
    po = (LOCALE_DIR / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")

    flags = [line for line in po.splitlines() if line.startswith("#,")]
    assert [line for line in flags if "fuzzy" in line] == []
    # Nor a guess makemessages left behind, nor a message that is gone from the code.
    assert [line for line in po.splitlines() if line.startswith(("#|", "#~"))] == []


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_committed_mo_files_are_the_compiled_po_files(language, tmp_path):
    messages = LOCALE_DIR / language / "LC_MESSAGES"
    compiled = tmp_path / "django.mo"
    # As `compilemessages` compiles them.
    run("msgfmt", "--check-format", "--output-file", str(compiled), str(messages / "django.po"))

    committed, fresh = catalog(messages / "django.mo"), catalog(compiled)

    assert committed._catalog == fresh._catalog
    assert [committed.plural(n) for n in range(3)] == [fresh.plural(n) for n in range(3)]


def test_the_english_catalog_leaves_the_code_s_english_as_it_is():
    """English msgstrs stay empty: the msgid is the English text, kept in one place."""
    english = catalog(LOCALE_DIR / "en/LC_MESSAGES/django.mo")

    assert set(english._catalog) == {""}
    assert english.info()["language"] == "en"
