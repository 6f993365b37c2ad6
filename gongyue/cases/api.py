"""The API of cases under /api/v1/cases/."""

from ninja import Router

router = Router(tags=["cases"])
