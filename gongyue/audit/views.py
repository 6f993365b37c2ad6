from django.core.paginator import Paginator
from django.shortcuts import render

from . import registry
from .forms import LogFilterForm
from .log import verify
from .models import AuditEntry, SignedHead


def log(request):
    """The audit log as the visitor may read it, newest first, filtered, in pages."""
    form = LogFilterForm(request.GET)
    entries = form.filter(
        AuditEntry.objects.visible_to(request.user).select_related("unit").order_by("-seq")
    )
    page = Paginator(entries, form.page_size).get_page(request.GET.get("page"))
    for entry in page:
        entry.action_label = registry.label(entry.action)
    return render(request, "audit/log.html", {"page": page, "filters": form})


def verification(request):
    return render(
        request,
        "audit/verify.html",
        {"result": verify(), "signed": SignedHead.objects.latest_signed()},
    )
