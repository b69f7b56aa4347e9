import graphene


class Money(graphene.ObjectType):
    amount = graphene.Int(required=True, description="Whole đồng: VND has no minor unit.")
    currency = graphene.String(required=True)

    class Meta:
        description = "An amount of money, as an integer in the currency's smallest unit."


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
