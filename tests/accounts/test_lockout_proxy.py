"""Lockout behind a reverse proxy (issue 13): failed logins are counted per username and the client's
real address — the entry the trusted proxy appended to X-Forwarded-For when BIANZHI_TRUSTED_PROXIES
says there is one, REMOTE_ADDR otherwise — so one address behind the proxy cannot lock an account for
everyone, and a client cannot choose its own address by writing the header. The administrator sees
the attempts in the admin and unlocks with `bianzhi axes_reset_username`."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client, RequestFactory

from bianzhi.accounts.addresses import client_address

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"  # the reverse proxy, as Django sees it
PASSWORD = "pw-lockout-123"


@pytest.fixture
def leader(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return User.objects.create_user("leader", password=PASSWORD)


def log_in(password: str, *, remote: str, forwarded: str | None = None, username: str = "leader"):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return Client().post("/login/", {"username": username, "password": password}, **headers)


def lock_out(*, remote: str, forwarded: str | None = None, **kwargs) -> None:
    for _ in range(5):
        log_in("wrong", remote=remote, forwarded=forwarded, **kwargs)
    assert log_in(PASSWORD, remote=remote, forwarded=forwarded, **kwargs).status_code == 429


def test_behind_a_trusted_proxy_one_client_locked_out_does_not_lock_another(leader, settings):
    settings.TRUSTED_PROXIES = 1
    # Both reach Django from the proxy's address; the proxy appended each one's own address.
    lock_out(remote=PROXY, forwarded="198.51.100.7")
    other = log_in(PASSWORD, remote=PROXY, forwarded="198.51.100.8")
    assert other.status_code == 302 and other["Location"] == "/"
    assert list(AccessAttempt.objects.values_list("username", "ip_address")) == [("leader", "198.51.100.7")]


def test_behind_a_trusted_proxy_what_the_client_wrote_into_the_header_is_not_read(leader, settings):
    settings.TRUSTED_PROXIES = 1
    # The client at .7 forges a different address each time; the proxy appends the real one last.
    for n in range(5):
        log_in("wrong", remote=PROXY, forwarded=f"203.0.113.{n}, 198.51.100.7")
    assert log_in(PASSWORD, remote=PROXY, forwarded="203.0.113.99, 198.51.100.7").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}
    # The address it forged is not locked by any of this.
    assert log_in(PASSWORD, remote=PROXY, forwarded="203.0.113.1").status_code == 302


def test_without_a_trusted_proxy_a_forged_header_is_ignored(leader, settings):
    settings.TRUSTED_PROXIES = 0
    for n in range(5):
        log_in("wrong", remote="192.0.2.9", forwarded=f"203.0.113.{n}")
    # Forging yet another address does not escape the lockout of the real one …
    assert log_in(PASSWORD, remote="192.0.2.9", forwarded="203.0.113.200").status_code == 429
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["192.0.2.9"]
    # … and another client, whatever it writes, is not locked.
    assert log_in(PASSWORD, remote="192.0.2.10", forwarded="192.0.2.9").status_code == 302


def test_the_administrator_sees_the_attempts_and_unlocks(leader, settings):
    lock_out(remote="192.0.2.9")
    admin = User.objects.create_superuser("root", password=PASSWORD)
    client = Client()
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    listing = client.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "leader" in listing.content.decode()
    call_command("axes_reset_username", "leader", verbosity=0)
    assert log_in(PASSWORD, remote="192.0.2.9").status_code == 302


@pytest.mark.parametrize(
    ("hops", "remote", "forwarded", "expected"),
    [
        (0, "192.0.2.1", "203.0.113.5", "192.0.2.1"),
        (0, "2001:db8::1", None, "2001:db8::1"),
        (1, PROXY, "203.0.113.5", "203.0.113.5"),
        (1, PROXY, "1.2.3.4, 203.0.113.5", "203.0.113.5"),
        (1, PROXY, "203.0.113.5:51000", "203.0.113.5"),
        (1, PROXY, "[2001:db8::7]:443", "2001:db8::7"),
        (1, PROXY, None, PROXY),  # not through the proxy after all: the nearest sender
        (2, PROXY, "1.2.3.4, 203.0.113.5, 10.0.0.2", "203.0.113.5"),
        (2, PROXY, "10.0.0.2", PROXY),  # fewer entries than trusted hops
        (1, PROXY, "1.2.3.4, not-an-address", PROXY),
    ],
)
def test_client_address(settings, hops, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = hops
    headers = {"REMOTE_ADDR": remote} | ({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {})
    assert client_address(RequestFactory().get("/", **headers)) == expected
