"""Local authentication: a short-lived ES256 JWS signed with the caller's MSP key, carrying its
certificate in `x5c`, addressed to one service (`aud`), verified against the channel's MSP roots.

ECDSA verification accepts both low-S and high-S signatures (Fabric SDKs normalise to low-S, other
signers may not); a signature is still bound to exactly one message and key.
"""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from cryptography import x509

from ledgerml.shared.errors import (
    BadSignature,
    CredentialExpired,
    CredentialMalformed,
    WrongAudience,
    WrongOrganisation,
)
from ledgerml.shared.identity.certificates import CertificateVerifier
from ledgerml.shared.identity.msp import SigningIdentity, TrustStore
from ledgerml.shared.identity.principal import Principal

ALGORITHM = "ES256"
MAX_LIFETIME_S = 300
CLOCK_SKEW_S = 30


def issue_token(identity: SigningIdentity, *, audience: str, lifetime_s: int = 120,
                now: datetime | None = None) -> str:
    if not 0 < lifetime_s <= MAX_LIFETIME_S:
        raise ValueError(f"token lifetime must be within 1..{MAX_LIFETIME_S} s")
    issued = now or datetime.now(UTC)
    claims = {
        "iss": identity.msp_id,
        "sub": identity.certificate.subject.rfc4514_string(),
        "aud": audience,
        "iat": int(issued.timestamp()),
        "exp": int((issued + timedelta(seconds=lifetime_s)).timestamp()),
        "jti": str(uuid.uuid4()),
    }
    x5c = [base64.b64encode(identity.certificate_der).decode()]
    return jwt.encode(claims, identity.private_key, algorithm=ALGORITHM, headers={"x5c": x5c})


def _certificates(header: dict[str, Any]) -> list[x509.Certificate]:
    chain = header.get("x5c")
    if not isinstance(chain, list) or not chain or not all(isinstance(c, str) for c in chain):
        raise CredentialMalformed("token header must carry the caller certificate in x5c")
    try:
        return [x509.load_der_x509_certificate(base64.b64decode(c, validate=True)) for c in chain]
    except ValueError:
        raise CredentialMalformed("x5c does not hold DER certificates") from None


class TokenVerifier:
    def __init__(self, trust: TrustStore, *, audience: str, max_lifetime_s: int = MAX_LIFETIME_S) -> None:
        self._certificates = CertificateVerifier(trust)
        self._audience = audience
        self._max_lifetime_s = max_lifetime_s

    def verify(self, token: str) -> Principal:
        at = datetime.now(UTC)
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError:
            raise CredentialMalformed("bearer token is not a compact JWS") from None
        if header.get("alg") != ALGORITHM:
            raise CredentialMalformed(f"token algorithm must be {ALGORITHM}")
        leaf, *chain = _certificates(header)
        principal = self._certificates.verify(leaf, chain, at=at)
        claims = self._claims(token, leaf, at)
        if claims["iss"] != principal.org:
            raise WrongOrganisation(f"token claims {claims['iss']} but its certificate belongs to another MSP")
        if claims["sub"] != leaf.subject.rfc4514_string():
            raise CredentialMalformed("token subject does not match its certificate")
        if claims["exp"] - claims["iat"] > self._max_lifetime_s:
            raise CredentialMalformed(f"token lifetime exceeds {self._max_lifetime_s} s")
        return principal

    def _claims(self, token: str, leaf: x509.Certificate, at: datetime) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=leaf.public_key(),  # type: ignore[arg-type]
                algorithms=[ALGORITHM],
                audience=self._audience,
                leeway=CLOCK_SKEW_S,
                options={"require": ["iss", "sub", "aud", "iat", "exp"], "verify_iat": True},
            )
        except jwt.InvalidSignatureError:
            raise BadSignature("token signature does not verify with its certificate") from None
        except jwt.ExpiredSignatureError:
            raise CredentialExpired("token has expired") from None
        except jwt.InvalidAudienceError:
            raise WrongAudience(f"token is not addressed to {self._audience}") from None
        except jwt.PyJWTError as exc:
            raise CredentialMalformed(f"token rejected: {type(exc).__name__}") from None
        if abs(at.timestamp() - claims["iat"]) > self._max_lifetime_s + CLOCK_SKEW_S:
            raise CredentialExpired("token was issued too long ago or in the future")
        return claims
