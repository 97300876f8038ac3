"""Who is calling: organisation (MSP id), Fabric NodeOU role, and certificate subject."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    CLIENT = "client"
    PEER = "peer"
    ORDERER = "orderer"


@dataclass(frozen=True)
class Principal:
    org: str
    role: Role
    subject: str

    def __str__(self) -> str:
        return f"{self.subject} ({self.role}) of {self.org}"
