"""Stack components in start order."""

from ledgerml.stack.components.base import Component
from ledgerml.stack.components.kafka import Kafka
from ledgerml.stack.components.ledger import LedgerNetwork
from ledgerml.stack.components.minio import MinIO
from ledgerml.stack.components.postgres import Postgres
from ledgerml.stack.components.ray import Ray
from ledgerml.stack.components.versitygw import VersityGW

ALL: tuple[type[Component], ...] = (Postgres, MinIO, VersityGW, Kafka, Ray, LedgerNetwork)

__all__ = ["ALL", "Component", "Kafka", "LedgerNetwork", "MinIO", "Postgres", "Ray", "VersityGW"]
