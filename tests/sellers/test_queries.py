"""The `sellers` list and `seller` lookup: visibility, filters, sorting, paging."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from market.accounts.models import Address, User
from market.sellers.models import Seller
from tests.factories import MembershipFactory, ProductFactory, SellerFactory, UserFactory

pytestmark = pytest.mark.django_db

SELLERS = """
query Sellers(
  $first: Int, $after: String, $last: Int, $before: String,
  $filter: SellerFilterInput, $sortBy: SellerSortingInput
) {
  sellers(
    first: $first, after: $after, last: $last, before: $before,
    filter: $filter, sortBy: $sortBy
  ) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { name } }
  }
}
"""

SELLER = """
query Seller($id: ID, $slug: String) {
  seller(id: $id, slug: $slug) {
    id name slug kind status isVerified taxCode phone
    address { street ward province formerDistrict }
  }
}
"""


def names(body) -> list[str]:
    return [edge["node"]["name"] for edge in body["data"]["sellers"]["edges"]]


@pytest.fixture
def sellers():
    """Names whose order is the same under every collation (C, H, N, T by first letter)."""
    return {
        "chi_ninh": SellerFactory(
            name="Nước mắm nhĩ Chi Ninh Cà Ná",
            slug="nuoc-mam-nhi-chi-ninh-ca-na",
            kind=Seller.Kind.ESTABLISHMENT,
        ),
        "evergreen": SellerFactory(
            name="HTX Nho Evergreen Ninh Thuận",
            slug="htx-nho-evergreen-ninh-thuan",
            is_verified=True,
        ),
        "trieu_tin": SellerFactory(
            name="Cơ sở Dê Cừu Triệu Tín",
            slug="co-so-de-cuu-trieu-tin",
            kind=Seller.Kind.ESTABLISHMENT,
            is_verified=True,
        ),
        "thanh_hai": SellerFactory(
            name="Thanh Hải – HTX Dịch vụ Nông nghiệp",
            slug="thanh-hai-htx-dich-vu-nong-nghiep",
            status=Seller.Status.SUSPENDED,
        ),
    }


def test_everyone_but_operators_sees_the_active_sellers_by_name(graphql, auth_headers, sellers):
    viewers = {
        "anonymous": None,
        "buyer": UserFactory(),
        "auditor": UserFactory(role=User.Role.AUDITOR),
        "staff of the suspended seller": MembershipFactory(seller=sellers["thanh_hai"]).user,
    }

    for who, user in viewers.items():
        _status, body = graphql(SELLERS, {"first": 10}, **auth_headers(user))

        assert names(body) == [
            "Cơ sở Dê Cừu Triệu Tín",
            "HTX Nho Evergreen Ninh Thuận",
            "Nước mắm nhĩ Chi Ninh Cà Ná",
        ], who
        assert body["data"]["sellers"]["totalCount"] == 3, who


def test_operators_see_suspended_sellers_too(graphql, auth_headers, roles, sellers):
    _status, body = graphql(
        SELLERS,
        {"first": 10, "filter": {"status": "SUSPENDED"}},
        **auth_headers(roles["operator"]),
    )
    assert names(body) == ["Thanh Hải – HTX Dịch vụ Nông nghiệp"]

    _status, body = graphql(
        SELLERS, {"first": 10, "filter": {"status": "SUSPENDED"}}, **auth_headers(roles["buyer"])
    )
    assert names(body) == []


@pytest.mark.parametrize(
    ("filter_input", "expected"),
    [
        ({"kind": "ESTABLISHMENT"}, ["Cơ sở Dê Cừu Triệu Tín", "Nước mắm nhĩ Chi Ninh Cà Ná"]),
        ({"isVerified": True}, ["Cơ sở Dê Cừu Triệu Tín", "HTX Nho Evergreen Ninh Thuận"]),
        ({"isVerified": False}, ["Nước mắm nhĩ Chi Ninh Cà Ná"]),
        ({"search": "nước mắm"}, ["Nước mắm nhĩ Chi Ninh Cà Ná"]),
        ({"search": "nuoc mam"}, ["Nước mắm nhĩ Chi Ninh Cà Ná"]),
        ({"search": "DÊ CỪU"}, ["Cơ sở Dê Cừu Triệu Tín"]),
        ({"search": "de cuu"}, ["Cơ sở Dê Cừu Triệu Tín"]),
        ({"search": "dịch vụ"}, []),
        (
            {"kind": "ESTABLISHMENT", "isVerified": True, "search": "tin"},
            ["Cơ sở Dê Cừu Triệu Tín"],
        ),
    ],
)
def test_filters(graphql, sellers, filter_input, expected):
    _status, body = graphql(SELLERS, {"first": 10, "filter": filter_input})

    assert names(body) == expected
    assert body["data"]["sellers"]["totalCount"] == len(expected)


def test_search_finds_a_tax_code(graphql):
    SellerFactory(name="Công ty TNHH Linh Đan Ninh Thuận", tax_code="4500200004")
    SellerFactory(name="Hộ kinh doanh Quang Minh")

    _status, body = graphql(SELLERS, {"first": 10, "filter": {"search": "4500200004"}})

    assert names(body) == ["Công ty TNHH Linh Đan Ninh Thuận"]


def test_sort_by_name_descending_and_by_creation(graphql, sellers):
    _status, body = graphql(
        SELLERS, {"first": 10, "sortBy": {"field": "NAME", "direction": "DESC"}}
    )
    assert names(body) == [
        "Nước mắm nhĩ Chi Ninh Cà Ná",
        "HTX Nho Evergreen Ninh Thuận",
        "Cơ sở Dê Cừu Triệu Tín",
    ]

    _status, body = graphql(SELLERS, {"first": 10, "sortBy": {"field": "CREATED_AT"}})
    assert names(body) == [
        "Nước mắm nhĩ Chi Ninh Cà Ná",
        "HTX Nho Evergreen Ninh Thuận",
        "Cơ sở Dê Cừu Triệu Tín",
    ]


@pytest.mark.parametrize(
    "sort_by", [None, {"field": "CREATED_AT", "direction": "DESC"}], ids=["name", "created-desc"]
)
def test_pages_forwards_and_backwards_with_cursors(graphql, sort_by):
    for number in range(7):
        SellerFactory(name=f"Hộ kinh doanh số {number}")
    _status, body = graphql(SELLERS, {"first": 100, "sortBy": sort_by})
    everyone = names(body)
    assert len(everyone) == 7

    seen, after, pages = [], None, 0
    while True:
        _status, body = graphql(SELLERS, {"first": 3, "after": after, "sortBy": sort_by})
        connection_ = body["data"]["sellers"]
        assert connection_["totalCount"] == 7
        assert connection_["pageInfo"]["hasPreviousPage"] is (after is not None)
        seen += names(body)
        pages += 1
        if not connection_["pageInfo"]["hasNextPage"]:
            break
        after = connection_["pageInfo"]["endCursor"]
    assert seen == everyone
    assert pages == 3

    _status, body = graphql(
        SELLERS, {"last": 2, "before": connection_["pageInfo"]["startCursor"], "sortBy": sort_by}
    )
    assert names(body) == everyone[4:6]
    assert body["data"]["sellers"]["pageInfo"]["hasPreviousPage"] is True
    assert body["data"]["sellers"]["pageInfo"]["hasNextPage"] is True


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"first": 101}, "exceeds the limit of 100"),
        ({}, "must provide a `first` or `last`"),
        ({"first": 2, "after": "khong-phai-con-tro"}, "Invalid cursor"),
    ],
)
def test_bad_paging_arguments_are_errors_not_500(graphql, variables, message):
    status, body = graphql(SELLERS, variables, HTTP_ACCEPT_LANGUAGE="en")

    assert status == 200
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "INVALID_PAGINATION"
    assert message in body["errors"][0]["message"]


def test_a_page_costs_the_same_queries_at_any_size(graphql, auth_headers, roles):
    query = """
    query ($first: Int) {
      sellers(first: $first) {
        totalCount
        edges { node { name address { ward } memberships { role user { email } } } }
      }
    }
    """
    for number in range(12):
        seller = SellerFactory(
            name=f"HTX Nông nghiệp số {number}",
            address=Address.objects.create(ward="Phước Hậu", former_district="Ninh Phước"),
        )
        MembershipFactory.create_batch(2, seller=seller)
    headers = auth_headers(roles["operator"])

    counts = []
    for first in (2, 12):
        with CaptureQueriesContext(connection) as queries:
            _status, body = graphql(query, {"first": first}, **headers)
        assert "errors" not in body
        assert len(body["data"]["sellers"]["edges"]) == first
        counts.append(len(queries))

    assert counts[0] == counts[1]


# One seller


def test_seller_by_slug_and_by_id(graphql, sellers):
    seller = sellers["evergreen"]
    seller.tax_code = "4500200004"
    seller.phone = "+842593822222"
    seller.address = Address.objects.create(
        street="Thôn Hiếu Thiện", ward="Phước Hậu", former_district="Ninh Phước"
    )
    seller.save()
    expected = {
        "id": to_global_id("Seller", seller.pk),
        "name": "HTX Nho Evergreen Ninh Thuận",
        "slug": "htx-nho-evergreen-ninh-thuan",
        "kind": "COOPERATIVE",
        "status": "ACTIVE",
        "isVerified": True,
        "taxCode": "4500200004",
        "phone": "+842593822222",
        "address": {
            "street": "Thôn Hiếu Thiện",
            "ward": "Phước Hậu",
            "province": "Khánh Hòa",
            "formerDistrict": "Ninh Phước",
        },
    }

    _status, by_slug = graphql(SELLER, {"slug": "htx-nho-evergreen-ninh-thuan"})
    _status, by_id = graphql(SELLER, {"id": expected["id"]})

    assert by_slug == {"data": {"seller": expected}}
    assert by_id == {"data": {"seller": expected}}


def test_a_suspended_seller_is_invisible_to_all_but_operators(
    graphql, auth_headers, roles, sellers
):
    suspended = sellers["thanh_hai"]
    global_id = to_global_id("Seller", suspended.pk)
    node_query = "query ($id: ID!) { node(id: $id) { ... on Seller { name } } }"
    MembershipFactory(seller=suspended, user=roles["own_owner"])

    for who in ("anonymous", "buyer", "auditor", "own_owner"):
        headers = auth_headers(roles[who])
        assert graphql(SELLER, {"slug": suspended.slug}, **headers)[1] == {
            "data": {"seller": None}
        }, who
        assert graphql(node_query, {"id": global_id}, **headers)[1] == {"data": {"node": None}}, who

    headers = auth_headers(roles["operator"])
    assert graphql(SELLER, {"slug": suspended.slug}, **headers)[1]["data"]["seller"]["status"] == (
        "SUSPENDED"
    )
    assert graphql(node_query, {"id": global_id}, **headers)[1]["data"]["node"] == {
        "name": suspended.name
    }


@pytest.mark.parametrize(
    ("variables", "code"),
    [
        ({"id": "khong-phai-id"}, "INVALID_ID"),
        ({"id": to_global_id("Product", 1)}, "INVALID_ID"),
        ({"id": to_global_id("Seller", "abc")}, "INVALID_ID"),
        ({}, "INVALID"),
        ({"id": to_global_id("Seller", 1), "slug": "htx"}, "INVALID"),
    ],
    ids=["garbage", "other-type", "non-numeric", "neither", "both"],
)
def test_bad_seller_arguments_are_typed_errors(graphql, variables, code):
    status, body = graphql(SELLER, variables)

    assert status == 200
    assert body["data"] == {"seller": None}
    assert body["errors"][0]["extensions"]["code"] == code


def test_an_unknown_seller_is_null(graphql):
    _status, body = graphql(SELLER, {"id": to_global_id("Seller", 987654)})

    assert body == {"data": {"seller": None}}


def test_staff_list_is_visible_to_the_sellers_staff_and_operators_only(
    graphql, auth_headers, roles
):
    seller = roles["seller"]
    query = "query ($slug: String) { seller(slug: $slug) { memberships { role user { email } } } }"
    expected = sorted(
        [
            {"role": "STAFF", "user": {"email": roles["own_staff"].email}},
            {"role": "OWNER", "user": {"email": roles["own_owner"].email}},
        ],
        key=lambda member: member["role"],
    )

    for who in ("own_staff", "own_owner", "operator"):
        _status, body = graphql(query, {"slug": seller.slug}, **auth_headers(roles[who]))
        members = body["data"]["seller"]["memberships"]
        assert sorted(members, key=lambda member: member["role"]) == expected, who

    for who in ("anonymous", "buyer", "other_staff", "auditor"):
        _status, body = graphql(query, {"slug": seller.slug}, **auth_headers(roles[who]))
        assert body["data"]["seller"] == {"memberships": None}, who
        assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED", who


def test_seller_products_lists_only_that_sellers_published_products(graphql):
    seller = SellerFactory(name="HTX Nho Evergreen Ninh Thuận", slug="htx-nho-evergreen")
    ProductFactory(seller=seller, name="Nho xanh sấy dẻo")
    ProductFactory(seller=seller, name="Vang nho Ninh Thuận")
    ProductFactory(seller=seller, name="Mật nho (bản nháp)", is_published=False)
    ProductFactory(name="Nước mắm nhĩ cá cơm")
    query = """
    query ($slug: String) {
      seller(slug: $slug) {
        products(first: 1, sortBy: {field: NAME, direction: DESC}) {
          totalCount edges { node { name seller { slug } } }
        }
      }
    }
    """

    _status, body = graphql(query, {"slug": "htx-nho-evergreen"})

    assert body == {
        "data": {
            "seller": {
                "products": {
                    "totalCount": 2,
                    "edges": [
                        {
                            "node": {
                                "name": "Vang nho Ninh Thuận",
                                "seller": {"slug": "htx-nho-evergreen"},
                            }
                        }
                    ],
                }
            }
        }
    }
