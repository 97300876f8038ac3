"""Who is calling: organisation (MSP id) and its kind, Fabric NodeOU role, and certificate subject."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    CLIENT = "client"
    PEER = "peer"
    ORDERER = "orderer"


class OrgKind(StrEnum):
    """What an organisation is to the consortium, from the MSP folder it was loaded from:
    `peerOrganizations` hold members (auditor organisations among them), `ordererOrganizations` the
    operator's. An organisation nobody declared is `unknown`, and APIs refuse it (deny by default)."""

    MEMBER = "member"
    OPERATOR = "operator"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Principal:
    org: str
    role: Role
    subject: str
    kind: OrgKind = OrgKind.UNKNOWN

    def __str__(self) -> str:
        return f"{self.subject} ({self.role}) of {self.org}"
