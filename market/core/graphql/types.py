import graphene


class Money(graphene.ObjectType):
    # Not GraphQL's Int (32 bits: 2,147,483,647 đồng): a seller's statement or the
    # province's sales over a year pass it. BigInt is written as a JSON number.
    amount = graphene.BigInt(required=True, description="Whole đồng: VND has no minor unit.")
    currency = graphene.String(required=True)

    class Meta:
        description = "An amount of money, as an integer in the currency's smallest unit."


class DeliveryAddress(graphene.ObjectType):
    full_name = graphene.String(required=True)
    phone = graphene.String(required=True, description="E.164: +84…")
    street = graphene.String(required=True)
    ward = graphene.String(required=True, description="Ward or commune.")
    province = graphene.String(required=True, description="One of the 34 provinces.")

    class Meta:
        description = (
            "A delivery address as `market.core.addresses` validated and normalised it: a "
            "checkout's, or an order's as it was when the order was placed."
        )


def delivery_address_of(stored: dict | None) -> DeliveryAddress | None:
    """A stored address (``address_clean``'s fields) as a ``DeliveryAddress``; None without one."""
    if not stored:
        return None
    return DeliveryAddress(**{name: stored.get(name, "") for name in DeliveryAddress._meta.fields})


def vnd(amount: int | None) -> Money | None:
    return None if amount is None else Money(amount=amount, currency="VND")


def money_of(attribute: str):
    """A resolver answering the root's whole-VND ``attribute`` as ``Money``."""

    def resolve(root, _info):
        return vnd(getattr(root, attribute))

    return resolve


class LanguageCodeEnum(graphene.Enum):
    VI = "vi"
    EN = "en"
