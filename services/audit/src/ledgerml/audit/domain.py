"""Pure domain model of the audit service: the append-only audit log, its proofs and anchored tree heads.

Imports no FastAPI, Kafka, SQLAlchemy, MinIO, Ray or gRPC. Empty in the skeleton.
"""
