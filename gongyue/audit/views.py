from django.core.paginator import Paginator
from django.shortcuts import render

from .log import verify
from .models import AuditEntry


def log(request):
    """The audit log as the visitor may read it, newest first, with the chain's head."""
    entries = AuditEntry.objects.visible_to(request.user).order_by("-seq")
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "audit/log.html", {"page": page})


def verification(request):
    return render(request, "audit/verify.html", {"result": verify()})
