"""Composition root: the lifespan builds every client from settings; nothing does I/O at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import ExitStack, asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import Engine

from ledgerml.shared.errors import ConfigurationInvalid
from ledgerml.shared.identity import SigningIdentity, issue_token, load_identity
from ledgerml.shared.peers import AccessControlDecisions, RegistryDirectory, Unconfigured
from ledgerml.shared.runtime import build_ledger, open_runtime
from ledgerml.shared.web.app import build_app
from ledgerml.shared.web.client import ServiceClient
from ledgerml.training import AUDIENCE, SERVICE, __version__, api
from ledgerml.training.adapters.catalog import load_catalog
from ledgerml.training.adapters.db import MIGRATIONS
from ledgerml.training.adapters.models import S3ModelStore
from ledgerml.training.adapters.partners import NoPartners, PartnerTrainingServices
from ledgerml.training.adapters.ray_runner import RayJobsRunner
from ledgerml.training.algorithms import Catalog
from ledgerml.training.domain import DatasetRef
from ledgerml.training.executor import ExecutorPorts
from ledgerml.training.settings import TrainingSettings, get_settings
from ledgerml.training.worker import start_worker

STORAGE_URL_ENV, STORAGE_TOKEN_ENV = "LEDGERML_JOB_STORAGE_URL", "LEDGERML_JOB_STORAGE_TOKEN"


def service_identity(settings: TrainingSettings) -> SigningIdentity:
    if settings.identity_msp_dir is None:
        raise ConfigurationInvalid("set LEDGERML_TRAINING_IDENTITY_MSP_DIR: the training service calls "
                                   "peer services and partner organisations as its own identity")
    return load_identity(settings.msp_id, msp_dir=settings.identity_msp_dir)


def build_store(settings: TrainingSettings) -> S3ModelStore | None:
    if not settings.s3_endpoint:
        return None
    return S3ModelStore(endpoint=settings.s3_endpoint, access_key=settings.s3_access_key.get_secret_value(),
                        secret_key=settings.s3_secret_key.get_secret_value(), bucket=settings.models_bucket_name,
                        secure=settings.s3_secure)


def build_runner(settings: TrainingSettings) -> RayJobsRunner:
    if not settings.ray_address:
        raise ConfigurationInvalid("set LEDGERML_TRAINING_RAY_ADDRESS (the Ray Jobs API) to run training")
    token = settings.ray_auth_token_file.read_text().strip() if settings.ray_auth_token_file else None
    return RayJobsRunner(address=settings.ray_address, catalog_dir=settings.catalog_dir.resolve(),
                         results_dir=settings.results_dir.resolve(), auth_token=token, python=settings.job_python,
                         num_cpus=settings.job_num_cpus)


def _data_source(settings: TrainingSettings, dataset: DatasetRef) -> str:
    if settings.data_source == "file":
        if settings.file_data_dir is None:
            raise ConfigurationInvalid("data_source=file needs LEDGERML_TRAINING_FILE_DATA_DIR")
        return f"file:{settings.file_data_dir.resolve() / dataset.dataset_id / (dataset.version + '.csv')}"
    return f"storage:{dataset.dataset_id}@{dataset.version}"


def _unconfigured(peer: str, setting: str) -> Unconfigured:
    return Unconfigured(lambda: ConfigurationInvalid(f"{peer} is not configured: set {setting}"))


def build_executor(settings: TrainingSettings, *, engine: Engine, catalog: Catalog, identity: SigningIdentity,
                   closing: ExitStack) -> ExecutorPorts:
    store = build_store(settings)
    if store is None:
        raise ConfigurationInvalid("set LEDGERML_TRAINING_S3_ENDPOINT: trained weights are stored there")

    def peer(url: str | None, audience: str) -> ServiceClient | None:
        if url is None:
            return None
        client = ServiceClient(base_url=url, audience=audience, identity=identity)
        closing.callback(client.close)
        return client

    registry, access = peer(settings.registry_url, "registry"), peer(settings.access_control_url, "access-control")
    partners = PartnerTrainingServices(identity=identity, endpoints_file=settings.partner_endpoints_file)
    closing.callback(partners.close)

    def secret_env() -> dict[str, str]:
        if settings.data_source != "storage":
            return {}
        if not settings.storage_url:
            raise ConfigurationInvalid("data_source=storage needs LEDGERML_TRAINING_STORAGE_URL")
        return {STORAGE_URL_ENV: settings.storage_url,
                STORAGE_TOKEN_ENV: issue_token(identity, audience="storage", lifetime_s=300)}

    return ExecutorPorts(
        engine=engine, msp_id=settings.msp_id, org=settings.org, catalog=catalog, runner=build_runner(settings),
        store=store, partners=partners, secret_env=secret_env, job_timeout_s=settings.job_timeout_s,
        directory=(RegistryDirectory(registry) if registry
                   else _unconfigured("registry", "LEDGERML_TRAINING_REGISTRY_URL")),
        decisions=(AccessControlDecisions(access) if access
                   else _unconfigured("access-control", "LEDGERML_TRAINING_ACCESS_CONTROL_URL")),
        data_source=lambda d: _data_source(settings, d))


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: TrainingSettings = app.dependency_overrides.get(get_settings, get_settings)()
    with open_runtime(settings, migrations=MIGRATIONS) as runtime, ExitStack() as closing:
        runtime.install(app, audience=AUDIENCE)
        catalog = load_catalog(settings.catalog_dir)
        identity = service_identity(settings) if settings.identity_msp_dir else None
        partners = (PartnerTrainingServices(identity=identity, endpoints_file=settings.partner_endpoints_file)
                    if identity else None)
        if partners is not None:
            closing.callback(partners.close)
        app.state.training = api.TrainingContext(
            engine=runtime.engine, catalog=catalog, ledger=build_ledger(settings), store=build_store(settings),
            partners=partners or NoPartners())
        if settings.worker_enabled and settings.ray_address and identity is not None:
            ports = build_executor(settings, engine=runtime.engine, catalog=catalog, identity=identity,
                                   closing=closing)
            thread, stop = start_worker(ports, interval_s=settings.worker_interval_s)
            closing.callback(thread.join, 15)
            closing.callback(stop.set)
        yield


def create_app(settings: TrainingSettings | None = None) -> FastAPI:
    config = settings or get_settings()
    app = build_app(service=SERVICE, version=__version__, lifespan=lifespan, routers=[api.router],
                    auditor_orgs=config.auditor_orgs)
    if settings is not None:
        app.dependency_overrides[get_settings] = lambda: settings
    return app
