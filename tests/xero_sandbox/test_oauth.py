"""OAuth 2.0: authorization code with PKCE, refresh rotation and grace, revocation, connections."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from xero_python.exceptions import AccountingBadRequestException, HTTPStatusException

CLIENT_ID = "ar-sync-test-client"  # what conftest's ``connect`` uses (``client_credentials``)
CLIENT_SECRET = "ar-sync-test-secret"
REDIRECT = "http://127.0.0.1:53682/callback"
VERIFIER = "correct-horse-battery-staple-" * 3


def _challenge(verifier: str) -> str:
    return (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )


def _basic(client_id: str = CLIENT_ID, secret: str = CLIENT_SECRET) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def _authorize(http, sandbox, **extra: str):
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
        "scope": "offline_access accounting.transactions",
        "state": "xyz-123",
        **extra,
    }
    return http("GET", f"{sandbox.authorize_url}?{urlencode(params)}")


def _code(http, sandbox, **extra: str) -> str:
    response = _authorize(http, sandbox, **extra)
    assert response.status == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = parse_qs(location.query)
    assert query["state"] == ["xyz-123"]
    assert query["scope"] == ["offline_access accounting.transactions"]
    return query["code"][0]


def _token(http, sandbox, form: dict[str, str], headers: dict[str, str] | None = None):
    return http("POST", sandbox.token_url, fields=form, headers=headers)


def test_client_matches_the_fixtures(client_credentials) -> None:
    assert client_credentials == (CLIENT_ID, CLIENT_SECRET)


def test_code_exchange_with_pkce(http, sandbox, connect) -> None:
    code = _code(http, sandbox, code_challenge=_challenge(VERIFIER), code_challenge_method="S256")
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": VERIFIER,
    }
    response = _token(http, sandbox, form, _basic())
    assert response.status == 200
    token = json.loads(response.data)
    assert set(token) == {
        "id_token",
        "access_token",
        "expires_in",
        "token_type",
        "refresh_token",
        "scope",
    }
    assert (token["expires_in"], token["token_type"], token["scope"]) == (
        1800,
        "Bearer",
        "offline_access accounting.transactions",
    )
    assert len(token["access_token"]) >= 64 and len(token["refresh_token"]) >= 48
    # The code is single-use.
    again = _token(http, sandbox, form, _basic())
    assert (again.status, json.loads(again.data)) == (400, {"error": "invalid_grant"})
    # The token works with the SDK.
    xero = connect(sandbox, token)
    (connection,) = xero.identity.get_connections()
    assert (connection.tenant_id, connection.tenant_name, connection.tenant_type) == (
        sandbox.tenant_ids[0],
        "Kiwi Widgets Ltd",
        "ORGANISATION",
    )


def test_wrong_or_missing_verifier_is_refused(http, sandbox) -> None:
    for verifier in ("not-the-verifier-" * 3, None):
        code = _code(
            http, sandbox, code_challenge=_challenge(VERIFIER), code_challenge_method="S256"
        )
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
        if verifier:
            form["code_verifier"] = verifier
        response = _token(http, sandbox, form, _basic())
        assert response.status == 400
        assert json.loads(response.data)["error"] == "invalid_grant"


def test_public_pkce_client_needs_no_secret_but_others_do(http, sandbox) -> None:
    code = _code(http, sandbox, code_challenge=_challenge(VERIFIER), code_challenge_method="S256")
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": VERIFIER,
        "client_id": CLIENT_ID,
    }
    assert _token(http, sandbox, form).status == 200
    code = _code(http, sandbox)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": CLIENT_ID,
    }
    response = _token(http, sandbox, form)
    assert (response.status, json.loads(response.data)) == (400, {"error": "invalid_client"})


def test_code_bound_to_redirect_uri_and_client(http, sandbox) -> None:
    code = _code(http, sandbox)
    wrong_uri = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT + "/other",
    }
    assert json.loads(_token(http, sandbox, wrong_uri, _basic()).data) == {"error": "invalid_grant"}
    code = _code(http, sandbox)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    assert json.loads(_token(http, sandbox, form, _basic("someone-else")).data) == {
        "error": "invalid_grant"
    }


@pytest.mark.parametrize(
    ("override", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"client_id": ""}, "invalid_request"),
        ({"redirect_uri": "not a url"}, "invalid_request"),
        ({"scope": ""}, "invalid_scope"),
        (
            {"code_challenge": _challenge(VERIFIER), "code_challenge_method": "plain"},
            "invalid_request",
        ),
    ],
)
def test_authorize_refuses_bad_parameters(
    http, sandbox, override: dict[str, str], error: str
) -> None:
    response = _authorize(http, sandbox, **override)
    assert response.status == 400
    assert json.loads(response.data)["error"] == error


def test_refresh_rotates_and_the_old_token_has_a_grace_period(http, make_sandbox, connect) -> None:
    sandbox = make_sandbox(refresh_grace=1)
    xero = connect(sandbox)
    first = dict(xero.token)
    xero.client.refresh_oauth2_token()  # the SDK posts credentials in the form body
    second = xero.token
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert xero.api.get_organisations(xero.tenant).organisations[0].name == "Kiwi Widgets Ltd"
    # A lost response: the old refresh token still works within the grace, issuing a fresh pair.
    retry = {
        "grant_type": "refresh_token",
        "refresh_token": first["refresh_token"],
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    regranted = _token(http, sandbox, retry)
    assert regranted.status == 200
    assert json.loads(regranted.data)["refresh_token"] not in (
        first["refresh_token"],
        second["refresh_token"],
    )
    time.sleep(1.2)
    expired = _token(http, sandbox, retry)
    assert (expired.status, json.loads(expired.data)) == (400, {"error": "invalid_grant"})
    # The newest refresh token is unaffected.
    xero.client.refresh_oauth2_token()
    assert len(xero.saved) == 2


def test_sdk_refreshes_on_its_own_before_expiry(sandbox, connect) -> None:
    xero = connect(sandbox)
    original = xero.token["refresh_token"]
    xero.token = {**xero.token, "expires_at": time.time() + 30}  # inside the SDK's 60 s buffer
    xero.api.get_organisations(xero.tenant)
    (saved,) = xero.saved
    assert saved["refresh_token"] != original
    assert saved["scope"] == xero.token["scope"] and isinstance(saved["scope"], list)


def test_tokens_belong_to_their_client(http, sandbox, connect) -> None:
    token = connect(sandbox).token
    other = {
        "grant_type": "refresh_token",
        "refresh_token": token["refresh_token"],
        "client_id": "another-client",
        "client_secret": CLIENT_SECRET,
    }
    assert json.loads(_token(http, sandbox, other).data) == {"error": "invalid_grant"}
    wrong_secret = {**other, "client_id": CLIENT_ID, "client_secret": "wrong"}
    assert json.loads(_token(http, sandbox, wrong_secret).data) == {"error": "invalid_client"}
    unknown_grant = {**other, "grant_type": "password"}
    assert json.loads(_token(http, sandbox, unknown_grant).data) == {
        "error": "unsupported_grant_type"
    }


def test_revocation_ends_the_grant(http, sandbox, connect) -> None:
    xero = connect(sandbox)
    token = dict(xero.token)
    response = http(
        "POST", sandbox.revocation_url, fields={"token": token["refresh_token"]}, headers=_basic()
    )
    assert response.status == 200
    with pytest.raises(HTTPStatusException) as refused:
        xero.api.get_organisations(xero.tenant)
    assert refused.value.status == 401
    assert json.loads(refused.value.body)["Detail"] == "AuthenticationUnsuccessful"
    # A refresh during an accounting call fails as AccountingBadRequestException (notes §6).
    xero.token = {**token, "expires_at": time.time() + 10}
    with pytest.raises(AccountingBadRequestException) as bad_grant:
        xero.api.get_organisations(xero.tenant)
    assert json.loads(bad_grant.value.body) == {"error": "invalid_grant"}


def test_expired_access_token_gets_xeros_401_and_refresh_recovers(http, sandbox, xero) -> None:
    http.json("POST", f"{sandbox.url}/_sandbox/faults", body={"kind": "expire_tokens"})
    with pytest.raises(HTTPStatusException) as expired:
        xero.api.get_invoices(xero.tenant)
    error = expired.value
    body = json.loads(error.body)
    assert (error.status, body["Type"], body["Title"], body["Status"]) == (
        401,
        None,
        "Unauthorized",
        401,
    )
    assert body["Detail"].startswith("TokenExpired: token expired at ")
    assert error.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    xero.client.refresh_oauth2_token()
    assert len(xero.api.get_invoices(xero.tenant).invoices) == 14


def test_missing_token_and_foreign_tenant(http, sandbox, xero) -> None:
    response = http("GET", f"{sandbox.api_url}/Invoices", headers={"xero-tenant-id": xero.tenant})
    assert response.status == 401
    assert json.loads(response.data)["Detail"] == "AuthenticationUnsuccessful"
    assert response.headers["WWW-Authenticate"] == "Bearer"
    with pytest.raises(HTTPStatusException) as forbidden:
        xero.api.get_invoices("00000000-0000-4000-8000-000000000000")
    assert forbidden.value.status == 403


def test_connections_list_and_delete(sandbox, xero) -> None:
    (connection,) = xero.identity.get_connections()
    assert connection.auth_event_id and connection.created_date_utc.tzinfo is not None
    xero.identity.delete_connection(connection.id)
    assert xero.identity.get_connections() == []
    with pytest.raises(HTTPStatusException) as forbidden:
        xero.api.get_organisations(xero.tenant)
    assert forbidden.value.status == 403
