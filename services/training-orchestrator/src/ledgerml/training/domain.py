"""Pure domain model of the training service: training jobs, their dispatch to Ray and their results.

Imports no FastAPI, Kafka, SQLAlchemy, MinIO, Ray or gRPC. Empty in the skeleton.
"""
