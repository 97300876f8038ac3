"""Pure domain model of the storage service: chunks, manifests, Merkle roots and verified reads.

Imports no FastAPI, Kafka, SQLAlchemy, MinIO, Ray or gRPC. Empty in the skeleton.
"""
