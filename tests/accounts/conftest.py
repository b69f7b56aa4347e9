import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Every user of these tests has a password; the production hasher costs ~0.2 s each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
