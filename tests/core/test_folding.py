"""The SQL folding is ``fold`` itself, cut to Vietnamese, not a second letter table."""

import unicodedata

import pytest
from django.db import connection
from django.db.models import Value
from django.db.models.sql import Query

from market.core.folding import FoldedText, fold

VIETNAMESE_LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
TONES = "\u0300\u0301\u0303\u0309\u0323"


def every_vietnamese_letter() -> str:
    letters = []
    for letter in VIETNAMESE_LETTERS + VIETNAMESE_LETTERS.upper():
        letters.append(letter)
        if letter.lower() in "aăâeêioôơuưy":
            letters.extend(unicodedata.normalize("NFC", letter + tone) for tone in TONES)
    return "".join(letters)


def folded_in_sql(text: str) -> str:
    compiler = Query(None).get_compiler(connection=connection)
    sql, params = FoldedText(Value(text)).as_sql(compiler, connection)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql}", params)
        return cursor.fetchone()[0]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text",
    [
        every_vietnamese_letter(),
        unicodedata.normalize("NFD", every_vietnamese_letter()),
        "Nước mắm Cà Ná – ĐẶC SẢN Ninh Thuận",
    ],
    ids=["composed", "decomposed", "name"],
)
def test_sql_folds_vietnamese_as_fold_does(text):
    assert connection.vendor == "postgresql"
    assert folded_in_sql(text) == fold(text)
