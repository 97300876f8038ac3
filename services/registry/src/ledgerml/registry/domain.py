"""Pure domain model of the registry service: datasets, dataset versions and models as the ledger records them.

Imports no FastAPI, Kafka, SQLAlchemy, MinIO, Ray or gRPC. Empty in the skeleton.
"""
