"""The search benchmark's searches: what buyers type, the filters they pick, the sort."""

import random
from dataclasses import dataclass, field

from search_catalog import KINDS, PLACES

# Words of seller names buyers type, and English words the index also holds.
SELLER_QUERIES = [
    "evergreen",
    "lê nhân",
    "chi ninh",
    "thanh hải",
    "triệu tín",
    "linh đan",
    "cánh đồng việt",
    "công trường",
    "quang minh",
    "thái thuận",
]
ENGLISH_QUERIES = [
    "dried grapes",
    "fish sauce",
    "garlic",
    "asparagus tea",
    "red wine",
    "aloe vera",
    "dried goat meat",
    "shallots",
    "sea moss",
    "green apples",
]
# (group, weight) of the search mix.
SEARCH_GROUPS = [
    ("single_word", 15),
    ("phrase", 20),
    ("no_diacritics", 20),
    ("with_place", 15),
    ("typo", 15),
    ("seller", 8),
    ("english", 7),
]
SORT_WEIGHTS = {"relevance": 70, "price_asc": 10, "price_desc": 10, "newest": 10}
UNFILTERED_SHARE = 0.4


@dataclass(frozen=True)
class SearchCase:
    group: str
    query: str
    filters: dict = field(default_factory=dict)
    sort: str = "relevance"


def make_typo(rng: random.Random, text: str) -> str:
    """One edit (swap, drop, double or replace a letter) in a word of 4+ letters."""
    words = text.split()
    candidates = [index for index, word in enumerate(words) if len(word) >= 4]
    if not candidates:
        return text
    index = rng.choice(candidates)
    word = words[index]
    at = rng.randint(1, len(word) - 2)
    edit = rng.choice(("swap", "drop", "double", "replace"))
    if edit == "swap":
        word = word[: at - 1] + word[at] + word[at - 1] + word[at + 1 :]
    elif edit == "drop":
        word = word[:at] + word[at + 1 :]
    elif edit == "double":
        word = word[:at] + word[at] + word[at:]
    else:
        word = word[:at] + rng.choice("aeiouhnmt") + word[at + 1 :]
    words[index] = word
    return " ".join(words)


def query_for(rng: random.Random, group: str) -> str:
    from market.core.folding import fold

    kind = rng.choice(KINDS).name.lower()
    if group == "single_word":
        return rng.choice([word for word in kind.split() if len(word) > 2] or [kind])
    if group == "phrase":
        return kind
    if group == "no_diacritics":
        text = kind if rng.random() < 0.6 else f"{kind} {rng.choice(PLACES).lower()}"
        return fold(text)
    if group == "with_place":
        return f"{kind} {rng.choice(PLACES).lower()}"
    if group == "typo":
        text = kind if rng.random() < 0.5 else fold(kind)
        return make_typo(rng, text)
    if group == "seller":
        seller = rng.choice(SELLER_QUERIES)
        return seller if rng.random() < 0.5 else f"{kind.split()[0]} {seller}"
    return rng.choice(ENGLISH_QUERIES)


def filters_for(rng: random.Random, ids: dict) -> dict:
    """Nothing, or one to three of the filters a storefront's sidebar offers."""
    if rng.random() < UNFILTERED_SHARE:
        return {}
    chosen = rng.sample(
        ["category", "seller_kind", "ocop_stars", "price", "in_stock"], rng.randint(1, 3)
    )
    filters: dict = {}
    if "category" in chosen:
        pool = ids["top_categories"] if rng.random() < 0.3 else ids["leaf_categories"]
        filters["category_ids"] = rng.sample(pool, rng.randint(1, 2))
    if "seller_kind" in chosen:
        filters["seller_kinds"] = rng.sample(
            ["cooperative", "enterprise", "household", "establishment"], rng.randint(1, 2)
        )
    if "ocop_stars" in chosen:
        filters["ocop_stars"] = rng.choice([[3], [4], [5], [3, 4], [4, 5], [3, 4, 5]])
    if "price" in chosen:
        filters["price_ranges"] = rng.sample(
            ["under_50k", "50k_100k", "100k_200k", "200k_500k", "over_500k"], rng.randint(1, 2)
        )
    if "in_stock" in chosen:
        filters["in_stock"] = True
    return filters


def search_mix(count: int, ids: dict, seed: int) -> list[SearchCase]:
    rng = random.Random(seed)
    groups, group_weights = zip(*SEARCH_GROUPS, strict=True)
    sorts, sort_weights = zip(*SORT_WEIGHTS.items(), strict=True)
    cases = []
    for _ in range(count):
        group = rng.choices(groups, group_weights)[0]
        cases.append(
            SearchCase(
                group=group,
                query=query_for(rng, group),
                filters=filters_for(rng, ids),
                sort=rng.choices(sorts, sort_weights)[0],
            )
        )
    return cases


def suggest_prefixes(count: int, seed: int) -> list[str]:
    """What a buyer has typed so far: the start of a name, or of a later word, cut mid-word."""
    from market.core.folding import fold

    rng = random.Random(seed)
    prefixes = []
    for _ in range(count):
        words = f"{rng.choice(KINDS).name} {rng.choice(PLACES)}".lower().split()
        text = " ".join(words[rng.randrange(min(2, len(words))) :])
        if rng.random() < 0.4:
            text = fold(text)
        prefixes.append(text[: rng.randint(2, min(len(text), 14))].rstrip())
    return prefixes


def filter_ids() -> dict:
    from catalog.models import Category

    rows = list(Category.objects.values_list("pk", "parent_id"))
    parents = {parent for _, parent in rows if parent}
    return {
        "top_categories": sorted(pk for pk, parent in rows if parent is None),
        "leaf_categories": sorted(pk for pk, _ in rows if pk not in parents),
    }
