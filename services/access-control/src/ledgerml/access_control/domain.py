"""Pure domain model of the access-control service: access requests and the owner's decisions (grant, deny, revoke).

Imports no FastAPI, Kafka, SQLAlchemy, MinIO, Ray or gRPC. Empty in the skeleton.
"""
