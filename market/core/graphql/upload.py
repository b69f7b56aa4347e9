"""The ``Upload`` scalar of the GraphQL multipart request spec.

A client sends files as ``multipart/form-data`` (fields ``operations``, ``map``
and one per file); ``MarketGraphQLView`` places each uploaded file into the
variables at the paths the map names, so a resolver receives Django's
``UploadedFile`` where the schema says ``Upload``. See
https://github.com/jaydenseric/graphql-multipart-request-spec.
"""

import graphene
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from graphql import GraphQLError


class Upload(graphene.Scalar):
    """A file sent in a multipart request; it can only be given through variables."""

    @staticmethod
    def serialize(value):
        # Files are inputs only; an output of this type would be a schema mistake.
        raise GraphQLError(_("Upload values cannot be returned."))

    @staticmethod
    def parse_literal(node, _variables=None):
        raise GraphQLError(
            _(
                "A file cannot be written into the query; send it in a multipart request "
                "and refer to it through a variable."
            )
        )

    @staticmethod
    def parse_value(value):
        if isinstance(value, UploadedFile):
            return value
        raise GraphQLError(
            _(
                "Expected a file sent in a multipart request "
                "(the `map` field must name this variable)."
            )
        )
