from __future__ import annotations

import base64
import datetime as dt
import json

import jwt
import pytest

from ledgerml.shared.errors import (
    AuthenticationFailed,
    BadSignature,
    CertificateRejected,
    CredentialExpired,
    CredentialMalformed,
    UnknownCertificateAuthority,
    WrongAudience,
    WrongOrganisation,
)
from ledgerml.shared.identity import Role, SigningIdentity, TokenVerifier, issue_token

from .pki_helpers import NOW, make_ca, trust_store

ORG1 = make_ca("Org1MSP", "org1.ledgerml.test")
ORG2 = make_ca("Org2MSP", "org2.ledgerml.test")
ROGUE = make_ca("Org1MSP", "org1.ledgerml.test")  # same names, different key: not in the store
VERIFIER = TokenVerifier(trust_store(ORG1, ORG2), audience="registry")
P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _code_of(token: str) -> str:
    with pytest.raises(AuthenticationFailed) as caught:
        VERIFIER.verify(token)
    return caught.value.code


def test_valid_token_yields_principal_from_certificate() -> None:
    user = ORG1.issue("User1", "client")
    principal = VERIFIER.verify(issue_token(user, audience="registry"))
    assert (principal.org, principal.role, principal.subject) == ("Org1MSP", Role.CLIENT,
                                                                  "User1@org1.ledgerml.test")


def test_admin_role_comes_from_node_ou() -> None:
    assert VERIFIER.verify(issue_token(ORG2.issue("Admin", "admin"), audience="registry")).role is Role.ADMIN


def test_expired_token_refused() -> None:
    token = issue_token(ORG1.issue("User1"), audience="registry", lifetime_s=60,
                        now=NOW - dt.timedelta(minutes=10))
    assert _code_of(token) == CredentialExpired.code


def test_wrong_audience_refused() -> None:
    assert _code_of(issue_token(ORG1.issue("User1"), audience="storage")) == WrongAudience.code


def test_unknown_ca_refused() -> None:
    assert _code_of(issue_token(ROGUE.issue("User1"), audience="registry")) == UnknownCertificateAuthority.code


def test_tampered_claims_refused() -> None:
    header, payload, signature = issue_token(ORG1.issue("User1"), audience="storage").split(".")
    claims = json.loads(_unb64(payload))
    claims["aud"] = "registry"
    assert _code_of(".".join([header, _b64(json.dumps(claims).encode()), signature])) == BadSignature.code


def test_signature_by_another_key_refused() -> None:
    user, other = ORG1.issue("User1"), ORG1.issue("User2")
    header, payload, _ = issue_token(user, audience="registry").split(".")
    _, _, foreign = issue_token(SigningIdentity("Org1MSP", user.certificate, other.private_key),
                                audience="registry").split(".")
    assert _code_of(".".join([header, payload, foreign])) == BadSignature.code


def test_token_claiming_another_org_refused() -> None:
    user = ORG2.issue("User1")
    forged = SigningIdentity("Org1MSP", user.certificate, user.private_key)
    assert _code_of(issue_token(forged, audience="registry")) == WrongOrganisation.code


def test_high_s_signature_accepted() -> None:
    header, payload, signature = issue_token(ORG1.issue("User1"), audience="registry").split(".")
    raw = _unb64(signature)
    r, s = raw[:32], int.from_bytes(raw[32:], "big")
    flipped = r + (P256_N - s).to_bytes(32, "big")
    assert VERIFIER.verify(".".join([header, payload, _b64(flipped)])).org == "Org1MSP"


def test_lifetime_above_five_minutes_refused() -> None:
    user = ORG1.issue("User1")
    now = int(dt.datetime.now(dt.UTC).timestamp())
    claims = {"iss": "Org1MSP", "sub": user.certificate.subject.rfc4514_string(), "aud": "registry",
              "iat": now, "exp": now + 3600}
    x5c = [base64.b64encode(user.certificate_der).decode()]
    token = jwt.encode(claims, user.private_key, algorithm="ES256", headers={"x5c": x5c})
    assert _code_of(token) == CredentialMalformed.code


def test_expired_certificate_refused() -> None:
    user = ORG1.issue("User1", not_before=NOW - dt.timedelta(days=3), not_after=NOW - dt.timedelta(days=1))
    assert _code_of(issue_token(user, audience="registry")) == CredentialExpired.code


def test_ca_certificate_or_no_signing_usage_refused() -> None:
    assert _code_of(issue_token(ORG1.issue("Sub", ca=True), audience="registry")) == CertificateRejected.code
    no_sign = ORG1.issue("User1", digital_signature=False)
    assert _code_of(issue_token(no_sign, audience="registry")) == CertificateRejected.code


def test_certificate_without_node_ou_refused() -> None:
    assert _code_of(issue_token(ORG1.issue("User1", role=None), audience="registry")) == CertificateRejected.code


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "eyJhbGciOiJub25lIn0.e30."])
def test_garbage_refused_as_malformed(token: str) -> None:
    assert _code_of(token) == CredentialMalformed.code


def test_other_algorithms_refused() -> None:
    user = ORG1.issue("User1")
    x5c = [base64.b64encode(user.certificate_der).decode()]
    token = jwt.encode({"aud": "registry"}, "k" * 32, algorithm="HS256", headers={"x5c": x5c})
    assert _code_of(token) == CredentialMalformed.code
