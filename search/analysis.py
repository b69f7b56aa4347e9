"""How both search backends match Vietnamese text with and without diacritics.

Buyers type "nuoc mam" for "nước mắm" and "dac san" for "đặc sản": every
text is indexed as written and folded by ``market.core.folding.fold``.

Elasticsearch decision: the only Elasticsearch 8 distribution that the
package registries serve is the integ-test zip, which ships without the
analysis-common module, so ``asciifolding``, ``edge_ngram`` and friends do not
exist on the server. Folding is therefore done in Python, once, and both
the original and the folded text are indexed with the built-in ``standard``
tokenizer and ``lowercase`` filter. Querying both fields, with the original
boosted, ranks an exact-diacritics match above a folded one.
"""

from elasticsearch.dsl import Q, analyzer

from market.core.folding import fold

# Built from the standard tokenizer and the lowercase filter only: both are in
# Elasticsearch's server core, so the analyzer works on every distribution.
vietnamese_analyzer = analyzer("vietnamese", tokenizer="standard", filter=["lowercase"])


def folded_match(field: str, text: str, *, boost: float = 1.0, **match_options) -> Q:
    """Match ``text`` against ``field`` (with diacritics) and ``field_folded``.

    The exact field gets twice the weight, so "nước mắm" ranks a product named
    "nước mắm" above one named "nước mâm" although both match when folded.
    """
    return Q(
        "bool",
        should=[
            Q("match", **{field: {"query": text, "boost": 2 * boost, **match_options}}),
            Q(
                "match",
                **{f"{field}_folded": {"query": fold(text), "boost": boost, **match_options}},
            ),
        ],
        minimum_should_match=1,
    )
