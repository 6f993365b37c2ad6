"""The API of disputes, complaints and public criticism under /api/v1/cases/."""

from ninja import Router

disputes_router = Router(tags=["disputes"])
complaints_router = Router(tags=["complaints"])
criticism_router = Router(tags=["criticism"])
