"""GraphQL the search tests and ``bench/search_timing.py`` both send.

The benchmark times the same facets the tests check, so a facet added to the storefront's
results page is added here once.
"""

# Every facet of a search with its counts, as a storefront's results page shows them.
SEARCH_FACETS = """
fragment SearchFacetCounts on SearchFacets {
  categories { category { name } count }
  sellers { seller { name } count }
  sellerKinds { kind count }
  ocopStars { stars count }
  priceRanges { range count }
  inStock { inStock count }
}
"""
