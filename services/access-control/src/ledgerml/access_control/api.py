"""HTTP routes of the access-control service. Every route here sits behind authentication (`build_app`
mounts this router with `authenticate`): parse, call one function of `service`, map the result."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["access-control"])
