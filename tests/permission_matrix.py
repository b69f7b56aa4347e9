"""The verdict of one permission-matrix cell, the same in every app's matrix: an allowed
role's call changes something; a refused one gets the typed error its role earns
(``AUTHENTICATION_REQUIRED`` signed out, else ``PERMISSION_DENIED``) and changes nothing,
no row and no email."""


def assert_matrix_cell(
    *, body: dict, mutation: str, role: str, allowed, signed_out, before, snapshot, mailoutbox,
    payload_empty_when_refused: bool = False,
) -> None:  # fmt: skip
    assert "errors" not in body, body
    answer = body["data"][mutation]
    errors = answer["errors"]
    if role in allowed:
        assert errors == [], f"{role} should be allowed to run {mutation}: {errors}"
        assert snapshot() != before, f"{mutation} by {role} changed nothing"
        return
    expected = "AUTHENTICATION_REQUIRED" if role in signed_out else "PERMISSION_DENIED"
    assert [error["code"] for error in errors] == [expected], errors
    if payload_empty_when_refused:
        assert [value for name, value in answer.items() if name != "errors"] == [None]
    assert snapshot() == before, f"a refused {mutation} by {role} changed data"
    assert mailoutbox == [], f"a refused {mutation} by {role} sent an email"
