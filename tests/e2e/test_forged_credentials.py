"""Forged and wrong credentials, against every service of every organisation on the running consortium.

Each kind of bad credential below is sent to one authenticated route of each of the fifteen running
services (five services of Org1..Org3, real processes): every one must be refused with 401, a
problem+json body, and the stable code that names what is wrong. A real User1 token on the same route is
the control: it must not be refused for authentication, so no refusal comes from a broken fixture.

The kinds cover the token (no token, another scheme, not a JWS, `alg: none`, HMAC keyed with the public
certificate, another service's audience, expired, issued in the future, too long a lifetime, claims edited
after signing, another organisation or subject claimed) and the certificate it carries (none, not DER,
self-signed, issued by a look-alike CA, by the organisation's TLS CA, expired, or without the signing key
usage, the last two issued by the organisation's real CA key as an insider with the CA key could).
"""

from __future__ import annotations

import base64
import datetime as dt
import hmac
import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ledgerml.client.connection import SERVICES
from ledgerml.shared.identity import SigningIdentity, issue_token, load_identity

pytestmark = pytest.mark.e2e
ORGS = ("org1", "org2", "org3")
Forge = Callable[["Kit", str], str | None]  # (kit, audience) -> Authorization header value, or None for none


def _ts() -> int:
    """Now, read at each use: the module is imported long before its tests run in a full session."""
    return int(time.time())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Kit:
    """Org1's real User1, its CA and TLS CA keys, and certificates made from them for the forgeries."""

    def __init__(self, pki_root: Path) -> None:
        org = pki_root / "peerOrganizations" / "org1.ledgerml.test"
        self.user = load_identity("Org1MSP", msp_dir=org / "users" / "User1@org1.ledgerml.test" / "msp")
        self.other = load_identity("Org2MSP", msp_dir=pki_root / "peerOrganizations" / "org2.ledgerml.test" /
                                   "users" / "User1@org2.ledgerml.test" / "msp")
        self.ca = self._ca(org / "ca")
        self.tlsca = self._ca(org / "tlsca")

    @staticmethod
    def _ca(folder: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
        cert = x509.load_pem_x509_certificate(next(folder.glob("*-cert.pem")).read_bytes())
        key = serialization.load_pem_private_key((folder / "priv_sk").read_bytes(), password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return cert, key

    def leaf(self, issuer: tuple[x509.Name, ec.EllipticCurvePrivateKey], *, days: tuple[int, int] = (-1, 30),
             signing: bool = True) -> SigningIdentity:
        """A certificate with User1's subject and a fresh key, issued by `issuer` (name, key)."""
        key, now = ec.generate_private_key(ec.SECP256R1()), dt.datetime.now(dt.UTC)
        usage = x509.KeyUsage(digital_signature=signing, content_commitment=False, key_encipherment=not signing,
                              data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                              encipher_only=False, decipher_only=False)
        cert = (x509.CertificateBuilder().subject_name(self.user.certificate.subject).issuer_name(issuer[0])
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now + dt.timedelta(days=days[0])).not_valid_after(now + dt.timedelta(days=days[1]))
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(usage, critical=True)
                .sign(issuer[1], hashes.SHA256()))
        return SigningIdentity("Org1MSP", cert, key)

    def lookalike_ca(self) -> tuple[x509.Name, ec.EllipticCurvePrivateKey]:
        """A CA of its own with exactly the name of Org1's CA."""
        return self.ca[0].subject, ec.generate_private_key(ec.SECP256R1())

    def claims(self, audience: str, **changes: Any) -> dict[str, Any]:
        claims = {"iss": "Org1MSP", "sub": self.user.certificate.subject.rfc4514_string(), "aud": audience,
                  "iat": _ts(), "exp": _ts() + 120, "jti": str(uuid.uuid4())}
        return {**claims, **changes}

    def signed(self, audience: str, *, by: SigningIdentity | None = None, key: Any = None,
               x5c: Any = None, **changes: Any) -> str:
        holder = by or self.user
        chain = x5c if x5c is not None else [base64.b64encode(holder.certificate_der).decode()]
        return "Bearer " + jwt.encode(self.claims(audience, **changes), key or holder.private_key, algorithm="ES256",
                                      headers={"x5c": chain})


def _unsigned(kit: Kit, audience: str) -> str:
    header = {"alg": "none", "typ": "JWT", "x5c": [base64.b64encode(kit.user.certificate_der).decode()]}
    return f"Bearer {_b64(json.dumps(header).encode())}.{_b64(json.dumps(kit.claims(audience)).encode())}."


def _hmac_with_certificate(kit: Kit, audience: str) -> str:
    header = {"alg": "HS256", "typ": "JWT", "x5c": [base64.b64encode(kit.user.certificate_der).decode()]}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(kit.claims(audience)).encode())}"
    # the classic algorithm-confusion forgery: the public certificate used as an HMAC key
    mac = hmac.new(kit.user.certificate_der, signing_input.encode(), "sha256").digest()
    return f"Bearer {signing_input}.{_b64(mac)}"


def _edited_after_signing(kit: Kit, audience: str) -> str:
    header, _, signature = kit.signed(audience).removeprefix("Bearer ").split(".")
    claims = _b64(json.dumps(kit.claims(audience, iss="Org1MSP", exp=_ts() + 280)).encode())
    return f"Bearer {header}.{claims}.{signature}"


FORGERIES: dict[str, tuple[Forge, str]] = {
    "no credential": (lambda kit, aud: None, "LML-2000"),
    "basic scheme": (lambda kit, aud: "Basic " + base64.b64encode(b"User1:adminpw").decode(), "LML-2001"),
    "not a JWS": (lambda kit, aud: "Bearer not.a.token", "LML-2001"),
    "alg none": (_unsigned, "LML-2001"),
    "HMAC keyed with the certificate": (_hmac_with_certificate, "LML-2001"),
    "another service's audience": (lambda kit, aud: kit.signed("registry" if aud != "registry" else "audit"),
                                   "LML-2003"),
    "expired": (lambda kit, aud: kit.signed(aud, iat=_ts() - 900, exp=_ts() - 600),
                "LML-2002"),
    "issued in the future": (lambda kit, aud: kit.signed(aud, iat=_ts() + 900,
                                                         exp=_ts() + 1000), "LML-2001"),
    "lifetime too long": (lambda kit, aud: kit.signed(aud, exp=_ts() + 3600), "LML-2001"),
    "claims edited after signing": (_edited_after_signing, "LML-2005"),
    "signed by another organisation's key": (lambda kit, aud: kit.signed(aud, key=kit.other.private_key),
                                             "LML-2005"),
    "claims another organisation": (lambda kit, aud: kit.signed(aud, iss="Org2MSP"), "LML-2006"),
    "claims another subject": (lambda kit, aud: kit.signed(aud, sub="CN=Admin,OU=admin,O=org1.ledgerml.test,C=US"),
                               "LML-2001"),
    "no certificate": (lambda kit, aud: kit.signed(aud, x5c=[]), "LML-2001"),
    "certificate not DER": (lambda kit, aud: kit.signed(aud, x5c=[base64.b64encode(b"not a certificate").decode()]),
                            "LML-2001"),
    "another organisation's certificate, own claims": (
        lambda kit, aud: kit.signed(aud, by=kit.other, iss="Org1MSP",
                                    sub=kit.user.certificate.subject.rfc4514_string()), "LML-2006"),
}


def _ca_forgeries() -> dict[str, tuple[Forge, str]]:
    def self_signed(kit: Kit, aud: str) -> str:
        key = ec.generate_private_key(ec.SECP256R1())
        ident = kit.leaf((kit.user.certificate.subject, key))
        return kit.signed(aud, by=SigningIdentity("Org1MSP", ident.certificate, ident.private_key))

    return {
        "self-signed certificate": (self_signed, "LML-2004"),
        "certificate from a look-alike CA": (lambda kit, aud: kit.signed(aud, by=kit.leaf(kit.lookalike_ca())),
                                             "LML-2004"),
        "certificate from the TLS CA": (lambda kit, aud: kit.signed(aud, by=kit.leaf((kit.tlsca[0].subject,
                                                                                       kit.tlsca[1]))), "LML-2004"),
        "expired certificate from the real CA": (
            lambda kit, aud: kit.signed(aud, by=kit.leaf((kit.ca[0].subject, kit.ca[1]), days=(-30, -1))), "LML-2002"),
        "certificate without signing usage from the real CA": (
            lambda kit, aud: kit.signed(aud, by=kit.leaf((kit.ca[0].subject, kit.ca[1]), signing=False)), "LML-2007"),
    }


FORGERIES.update(_ca_forgeries())


@pytest.fixture(scope="module")
def kit(pki_root: Path) -> Kit:
    return Kit(pki_root)


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=15) as client:
        yield client


def _route(http: httpx.Client, base: str) -> str:
    """An authenticated GET of the service from its own OpenAPI document, path parameters filled with a
    placeholder (authentication comes before any lookup, so a 404 is as good a control as a 200)."""
    paths = http.get(f"{base}/openapi.json").raise_for_status().json()["paths"]
    routes = sorted((p.count("{"), p) for p, item in paths.items() if "get" in item and item["get"].get("security"))
    assert routes, f"{base} documents no authenticated GET"
    return re.sub(r"\{[^}]+\}", "probe", routes[0][1])


@pytest.mark.parametrize("org", ORGS)
@pytest.mark.parametrize("service", SERVICES)
def test_every_forgery_is_refused_with_its_code(consortium: dict[str, dict[str, str]], kit: Kit,
                                                http: httpx.Client, org: str, service: str) -> None:
    base = consortium[f"Org{org[-1]}MSP"][service]
    url = base + _route(http, base)
    control = http.get(url, headers={"authorization": f"Bearer {issue_token(kit.user, audience=service)}"})
    assert control.status_code != 401, f"the real User1 token is refused at {url}: {control.text[:300]}"

    wrong: dict[str, str] = {}
    for kind, (forge, code) in FORGERIES.items():
        value = forge(kit, service)
        answer = http.get(url, headers={"authorization": value} if value is not None else {})
        body = answer.json() if answer.headers.get("content-type", "").startswith("application/problem+json") else {}
        if answer.status_code != 401 or body.get("code") != code:
            wrong[kind] = f"{answer.status_code} {answer.headers.get('content-type')} {answer.text[:200]}"
    assert not wrong, f"{len(wrong)} of {len(FORGERIES)} forgeries not refused as expected at {url}:\n" + "\n".join(
        f"  {kind} (expected 401 {FORGERIES[kind][1]}): {got}" for kind, got in wrong.items())
