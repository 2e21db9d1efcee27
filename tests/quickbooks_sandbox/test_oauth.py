"""OAuth through the real intuit-oauth: discovery, authorize, code exchange, refresh rotation,
revocation, and the gateway's 401/403 as python-quickbooks sees them."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from intuitlib.client import AuthClient
from intuitlib.enums import Scopes
from intuitlib.exceptions import AuthClientError
from quickbooks.exceptions import AuthorizationException
from quickbooks.objects.customer import Customer

from tests.quickbooks_sandbox.conftest import (
    CLIENT_ID,
    CLIENT_SECRET,
    REDIRECT_URI,
    connect_client,
)


def _auth_client(sandbox, client_id=CLIENT_ID, secret=CLIENT_SECRET) -> AuthClient:
    return AuthClient(client_id, secret, REDIRECT_URI, environment=sandbox.discovery_url)


def test_discovery_document_points_at_the_sandbox(sandbox) -> None:
    for url in (sandbox.discovery_url, sandbox.discovery_url + "/"):
        doc = requests.get(url, timeout=10).json()
        assert doc["token_endpoint"] == f"{sandbox.url}/oauth2/v1/tokens/bearer"
        assert doc["authorization_endpoint"] == f"{sandbox.url}/connect/oauth2"
        assert doc["revocation_endpoint"] == f"{sandbox.url}/v2/oauth2/tokens/revoke"
        assert {"issuer", "userinfo_endpoint", "jwks_uri"} <= set(doc)


def test_authorize_then_exchange_the_code(sandbox) -> None:
    auth = _auth_client(sandbox)
    url = auth.get_authorization_url([Scopes.ACCOUNTING], state_token="xyz")
    answer = requests.get(url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    query = parse_qs(location.query)
    assert query["state"] == ["xyz"] and query["realmId"] == [sandbox.realm_ids[0]]
    auth.get_bearer_token(query["code"][0], realm_id=query["realmId"][0])
    assert auth.access_token and auth.refresh_token
    assert auth.expires_in == 3600 and auth.x_refresh_token_expires_in == 8640000
    assert auth.id_token is None
    with pytest.raises(AuthClientError) as reused:  # codes are single-use
        auth.get_bearer_token(query["code"][0])
    assert reused.value.status_code == 400 and b"invalid_grant" in reused.value.content
    assert reused.value.intuit_tid


def test_authorize_errors_are_pages_not_redirects(sandbox) -> None:
    for params in (
        {"redirect_uri": REDIRECT_URI, "response_type": "code"},
        {"client_id": CLIENT_ID, "response_type": "code"},
    ):
        answer = requests.get(
            f"{sandbox.url}/connect/oauth2", params=params, allow_redirects=False, timeout=10
        )
        assert answer.status_code == 400 and "text/html" in answer.headers["Content-Type"]


def test_consent_picks_the_realm(make_sandbox, sample_company) -> None:
    from datetime import date

    from ar_sync_quickbooks.sandbox import generate_company

    other = generate_company(customers=2, invoices=1, paid=0, seed=3, today=date(2026, 1, 15))
    sandbox = make_sandbox([sample_company, other])
    requests.post(f"{sandbox.url}/_sandbox/consent", json={"realmId": other.realm_id}, timeout=10)
    auth = _auth_client(sandbox)
    answer = requests.get(
        auth.get_authorization_url([Scopes.ACCOUNTING]), allow_redirects=False, timeout=10
    )
    assert parse_qs(urlsplit(answer.headers["Location"]).query)["realmId"] == [other.realm_id]


def test_every_refresh_rotates_and_the_old_token_fails(sandbox) -> None:
    tokens = sandbox.issue_tokens(CLIENT_ID, CLIENT_SECRET)
    auth = _auth_client(sandbox)
    auth.refresh(refresh_token=tokens["refresh_token"])
    first = auth.refresh_token
    assert first != tokens["refresh_token"]
    auth.refresh()
    assert auth.refresh_token != first
    for stale in (tokens["refresh_token"], first):
        with pytest.raises(AuthClientError) as refused:
            auth.refresh(refresh_token=stale)
        assert refused.value.status_code == 400
        assert refused.value.response.json() == {
            "error": "invalid_grant",
            "error_description": "Incorrect or invalid refresh token",
        }


def test_a_grant_belongs_to_its_client_pair(sandbox) -> None:
    tokens = sandbox.issue_tokens("someone-else", "their-secret")
    with pytest.raises(AuthClientError) as wrong_id:
        _auth_client(sandbox).refresh(refresh_token=tokens["refresh_token"])
    assert wrong_id.value.status_code == 400
    with pytest.raises(AuthClientError) as wrong_secret:
        _auth_client(sandbox, "someone-else", "not-their-secret").refresh(
            refresh_token=tokens["refresh_token"]
        )
    assert wrong_secret.value.status_code == 401
    auth = _auth_client(sandbox, "someone-else", "their-secret")
    auth.refresh(refresh_token=tokens["refresh_token"])  # the right pair works


def test_token_endpoint_needs_basic_auth(sandbox) -> None:
    answer = requests.post(
        f"{sandbox.url}/oauth2/v1/tokens/bearer",
        data={"grant_type": "refresh_token", "refresh_token": "x"},
        timeout=10,
    )
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    answer = requests.post(
        f"{sandbox.url}/oauth2/v1/tokens/bearer",
        data={"grant_type": "password"},
        headers={"Authorization": f"Basic {basic}"},
        timeout=10,
    )
    assert answer.status_code == 400 and answer.json()["error"] == "unsupported_grant_type"


def test_revoke_ends_the_whole_grant(sandbox) -> None:
    connected = connect_client(sandbox)
    assert Customer.count(qb=connected.qb) == 4
    assert connected.auth.revoke() is True
    with pytest.raises(AuthorizationException) as refused:
        Customer.count(qb=connected.qb)
    assert refused.value.error_code == 401
    with pytest.raises(AuthClientError):
        connected.auth.refresh()


def test_expired_token_gets_the_gateway_401(sandbox) -> None:
    connected = connect_client(sandbox)
    requests.post(f"{sandbox.url}/_sandbox/faults", json={"kind": "expire_tokens"}, timeout=10)
    answer = requests.get(connected.url("customer/1"), headers=connected.bearer, timeout=10)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == 'Bearer realm="Intuit", error="invalid_token"'
    assert answer.headers["intuit_tid"]
    body = answer.json()
    assert body["fault"]["type"] == "AUTHENTICATION"
    (error,) = body["fault"]["error"]
    assert error["code"] == "3200" and error["detail"].startswith("Token expired: ")
    assert error["message"] == "message=AuthenticationFailed; errorCode=003200; statusCode=401"
    with pytest.raises(AuthorizationException):
        Customer.count(qb=connected.qb)
    connected.auth.refresh()  # the refresh token still works; a new session works again
    connected.qb._start_session()
    assert Customer.count(qb=connected.qb) == 4


def test_missing_token_gets_401(sandbox) -> None:
    answer = requests.get(
        f"{sandbox.api_url}/company/{sandbox.realm_ids[0]}/customer/1", timeout=10
    )
    assert answer.status_code == 401 and answer.json()["fault"]["error"][0]["code"] == "3200"


def test_a_token_for_another_realm_is_forbidden(make_sandbox, sample_company) -> None:
    from datetime import date

    from ar_sync_quickbooks.sandbox import generate_company

    other = generate_company(customers=2, invoices=1, paid=0, seed=3, today=date(2026, 1, 15))
    sandbox = make_sandbox([sample_company, other])
    connected = connect_client(sandbox, other.realm_id)
    answer = requests.get(
        f"{sandbox.api_url}/company/{sample_company.realm_id}/customer/1",
        headers=connected.bearer,
        timeout=10,
    )
    assert answer.status_code == 403
    (error,) = answer.json()["Fault"]["Error"]
    assert error["code"] == "3100" and "ApplicationAuthorizationFailed" in error["Message"]
    assert Customer.count("Active IN (true, false)", qb=connected.qb) == 2  # its own realm
