"""Pages for bulletins, requests and submissions. Each view finds its object through access.py
and changes state only through actions.py, with the forms the API uses too."""

import csv
import io

from django.contrib import messages
from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongyue.core.access import (
    is_authority,
    is_secretariat,
    login_required,
    role_required,
    secretariat_required,
)
from gongyue.core.errors import ActionRefused
from gongyue.core.forms import Outcome, perform
from gongyue.core.uploads import serve_upload

from . import actions, queries
from .access import get_bulletin_for_user, get_request_for_user, get_submission_for_user
from .forms import (
    AnswerForm,
    BulletinForm,
    ForwardForm,
    ReplyForm,
    RequestForm,
    SummaryForm,
    files_of,
)
from .models import (
    Bulletin,
    BulletinAttachment,
    BulletinKind,
    Receipt,
    Request,
    RequestAttachment,
    RequestStatus,
    Submission,
)

PAGE_SIZE = 50
# The authority's own pages: anonymous visitors go to login, other roles get 403.
authority_required = role_required(is_authority)


def _posted(request):
    if request.method != "POST":
        return (None,)
    return (request.POST, files_of(request.FILES))


# Bulletins: reading ------------------------------------------------------------------------------


def bulletin_list(request):
    """Published bulletins the visitor may read: public ones for everyone, members-only ones
    after login."""
    kind = request.GET.get("kind", "")
    bulletins = queries.visible_bulletins(request.user).order_by("-published_at", "-pk")
    if kind in BulletinKind.values:
        bulletins = bulletins.filter(kind=kind)
    page = Paginator(bulletins, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "bulletins/list.html",
        {"page": page, "kind": kind, "kinds": BulletinKind.choices},
    )


@login_required
def inbox(request):
    """The bulletins addressed to the person's unit, with its read receipt and acknowledgement."""
    if not request.user.unit_id:
        return redirect("bulletins:list")
    page = Paginator(queries.inbox(request.user.unit_id), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "bulletins/inbox.html", {"page": page, "now": timezone.now()})


def _bulletin_page(request, bulletin, *, status=200, refusal=None):
    receipt = None
    if request.user.is_authenticated and request.user.unit_id:
        receipt = (
            Receipt.objects.filter(bulletin=bulletin, unit=request.user.unit_id)
            .select_related("read_by", "acknowledged_by")
            .first()
        )
    return render(
        request,
        "bulletins/bulletin.html",
        {
            "bulletin": bulletin,
            "attachments": bulletin.attachments.all(),
            "receipt": receipt,
            "deadline": bulletin.ack_deadline(),
            "can_acknowledge": bool(
                receipt
                and bulletin.ack_required
                and not receipt.acknowledged_at
                and request.user.unit.signing_grant(request.user, timezone.localdate()) is not None
            ),
            "refusal": refusal,
        },
        status=status,
    )


def bulletin(request, bulletin_id):
    """A bulletin; opening it records the unit's read receipt if it is the unit's first."""
    bulletin = get_bulletin_for_user(request.user, bulletin_id)
    actions.do_record_read(bulletin, reader=request.user)
    return _bulletin_page(request, bulletin)


def bulletin_attachment(request, bulletin_id, attachment_id):
    bulletin = get_bulletin_for_user(request.user, bulletin_id)
    attachment = get_object_or_404(BulletinAttachment, pk=attachment_id, bulletin=bulletin)
    return serve_upload(attachment.file, attachment.download_stem)


@login_required
@require_POST
def acknowledge(request, bulletin_id):
    bulletin = get_bulletin_for_user(request.user, bulletin_id, to="acknowledge")
    try:
        actions.do_acknowledge_bulletin(bulletin, actor=request.user)
    except ActionRefused as refused:
        return _bulletin_page(
            request, bulletin, status=refused.status, refusal="; ".join(refused.blockers)
        )
    messages.success(request, _("Your unit's acknowledgement is recorded."))
    return redirect("bulletins:bulletin", bulletin.pk)


class BulletinFeed(Feed):
    """Public bulletins as an Atom feed, newest first."""

    feed_type = Atom1Feed
    title = gettext_lazy("Bulletins of the convention's secretariat")
    subtitle = gettext_lazy("Laws, policies and self-discipline information (Art. 18).")

    def link(self):
        return reverse("bulletins:list")

    def items(self):
        return Bulletin.objects.public().order_by("-published_at", "-pk")[:50]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        # Already sanitised (markup.render); the feed escapes it once more as Atom content.
        return item.body_html

    def item_link(self, item):
        return reverse("bulletins:bulletin", args=[item.pk])

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.published_at

    def item_categories(self, item):
        return [item.get_kind_display()]


# Bulletins: the secretariat ----------------------------------------------------------------------


@secretariat_required
def manage(request):
    """Every bulletin with its counts of addressed, read and acknowledged units."""
    bulletins = Bulletin.objects.annotate(
        addressed=Count("receipts"),
        read=Count("receipts", filter=Q(receipts__read_at__isnull=False)),
        acknowledged=Count("receipts", filter=Q(receipts__acknowledged_at__isnull=False)),
    ).order_by("status", "-published_at", "-pk")
    page = Paginator(bulletins, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "bulletins/manage.html", {"page": page})


@secretariat_required
def new_bulletin(request):
    """Write a bulletin; save it as a draft, publish it now or at the time given."""
    form = BulletinForm(*_posted(request))
    done = Outcome()
    if request.method == "POST":
        publish = request.POST.get("publish") == "1"

        def create(data):
            bulletin = actions.do_create_bulletin(
                actor=request.user, data=data, attachments=data["attachments"]
            )
            if publish:
                bulletin = actions.do_publish_bulletin(
                    bulletin, actor=request.user, at=data["publish_at"]
                )
            return bulletin

        if done := perform(form, create):
            bulletin = done.result
            if bulletin.is_published:
                messages.success(
                    request,
                    _("Published to %(n)s member units.") % {"n": bulletin.receipts.count()},
                )
            elif bulletin.status == "scheduled":
                messages.success(request, _("Scheduled."))
            else:
                messages.success(request, _("Draft saved."))
            return redirect("bulletins:receipts", bulletin.pk)
    return render(request, "bulletins/form.html", {"form": form}, status=done.status)


@secretariat_required
@require_POST
def publish(request, bulletin_id):
    """Publish a draft now."""
    bulletin = get_bulletin_for_user(request.user, bulletin_id, to="manage")
    try:
        actions.do_publish_bulletin(bulletin, actor=request.user)
        messages.success(request, _("Published."))
    except ActionRefused as refused:
        messages.error(request, "; ".join(refused.blockers))
    return redirect("bulletins:receipts", bulletin.pk)


@secretariat_required
def receipts(request, bulletin_id):
    """Which addressed units have read (first reader, time) and acknowledged the bulletin."""
    bulletin = get_bulletin_for_user(request.user, bulletin_id, to="manage")
    rows = list(queries.receipts(bulletin))
    now = timezone.now()
    return render(
        request,
        "bulletins/receipts.html",
        {
            "bulletin": bulletin,
            "rows": rows,
            "read": sum(1 for r in rows if r.read_at),
            "acknowledged": sum(1 for r in rows if r.acknowledged_at),
            "deadline": bulletin.ack_deadline(),
            "overdue": bool(bulletin.ack_due_at and now >= bulletin.ack_due_at),
            "now": now,
        },
    )


@secretariat_required
@require_POST
def remind(request, bulletin_id):
    bulletin = get_bulletin_for_user(request.user, bulletin_id, to="manage")
    try:
        count = actions.do_remind_unread(
            bulletin, actor=request.user, acknowledgement=request.POST.get("what") == "ack"
        )
        messages.success(request, _("%(n)s units reminded.") % {"n": count})
    except ActionRefused as refused:
        messages.error(request, "; ".join(refused.blockers))
    return redirect("bulletins:receipts", bulletin.pk)


@secretariat_required
def overdue(request):
    """Across bulletins and campaigns: every unit whose acknowledgement or answers are overdue,
    with the deadline and how many days have passed since; a fixed number of queries."""
    now = timezone.now()
    acks = Paginator(queries.overdue_acknowledgements(now), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    answers = Paginator(queries.overdue_campaign_responses(now), PAGE_SIZE).get_page(
        request.GET.get("campaigns_page")
    )
    return render(
        request,
        "bulletins/overdue.html",
        {
            "acks": acks,
            "ack_rows": queries.with_overdue_days(
                acks.object_list, lambda r: r.bulletin.ack_due_at, now
            ),
            "answers": answers,
            "answer_rows": queries.with_overdue_days(
                answers.object_list, lambda r: r.campaign.due_at, now
            ),
        },
    )


# Requests ----------------------------------------------------------------------------------------


@login_required
def request_list(request):
    """The unit's requests; for the secretariat every request (and the forwarding form); for the
    authority those forwarded to it."""
    requests = (
        queries.visible_requests(request.user)
        .select_related("unit", "submission")
        .order_by("-received_at", "-pk")
    )
    status = request.GET.get("status", "")
    if status in RequestStatus.values:
        requests = requests.filter(status=status)
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "bulletins/requests.html",
        {
            "page": page,
            "status": status,
            "statuses": RequestStatus.choices,
            "forward_form": ForwardForm() if is_secretariat(request.user) else None,
        },
    )


@login_required
def new_request(request):
    form = RequestForm(*_posted(request))
    done = Outcome()
    if request.method == "POST":
        if done := perform(
            form,
            lambda data: actions.do_send_request(
                actor=request.user, data=data, attachments=data["attachments"]
            ),
        ):
            messages.success(request, _("Sent to the secretariat."))
            return redirect("bulletins:request", done.result.pk)
    return render(request, "bulletins/request_form.html", {"form": form}, status=done.status)


def _request_page(request, obj, *, status=200, answer_form=None):
    return render(
        request,
        "bulletins/request.html",
        {
            "req": obj,
            "attachments": obj.attachments.all(),
            "submission": obj.submission,
            "answer_form": answer_form or AnswerForm(),
            "handles": is_secretariat(request.user),
        },
        status=status,
    )


@login_required
def request_detail(request, request_id):
    return _request_page(request, get_request_for_user(request.user, request_id))


def request_attachment(request, request_id, attachment_id):
    obj = get_request_for_user(request.user, request_id)
    attachment = get_object_or_404(RequestAttachment, pk=attachment_id, request=obj)
    return serve_upload(attachment.file, attachment.download_stem)


@secretariat_required
@require_POST
def answer_request(request, request_id):
    obj = get_request_for_user(request.user, request_id, to="handle")
    form = AnswerForm(request.POST)
    if done := perform(
        form, lambda data: actions.do_answer_request(obj, actor=request.user, answer=data["answer"])
    ):
        messages.success(request, _("Answered."))
        return redirect("bulletins:request", obj.pk)
    return _request_page(request, obj, status=done.status, answer_form=form)


@secretariat_required
@require_POST
def close_request(request, request_id):
    obj = get_request_for_user(request.user, request_id, to="handle")
    try:
        actions.do_close_request(obj, actor=request.user)
        messages.success(request, _("Closed."))
    except ActionRefused as refused:
        messages.error(request, "; ".join(refused.blockers))
    return redirect("bulletins:request", obj.pk)


@secretariat_required
@require_POST
def forward(request):
    form = ForwardForm(request.POST)
    done = perform(
        form,
        lambda data: actions.do_forward_requests(
            data["requests"], actor=request.user, title=data["title"], body=data["body"]
        ),
    )
    if done:
        messages.success(request, _("Forwarded to the authority."))
        return redirect("bulletins:submission", done.result.pk)
    requests = Request.objects.select_related("unit", "submission").order_by("-received_at")
    page = Paginator(requests, PAGE_SIZE).get_page(1)
    return render(
        request,
        "bulletins/requests.html",
        {"page": page, "statuses": RequestStatus.choices, "forward_form": form},
        status=done.status,
    )


@login_required
def submissions(request):
    """The authority's inbox of forwarded submissions (the secretariat sees it too)."""
    if not (is_authority(request.user) or is_secretariat(request.user)):
        raise Http404
    rows = Submission.objects.annotate(n=Count("requests")).order_by("replied_at", "-forwarded_at")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "bulletins/submissions.html", {"page": page})


def _submission_page(request, submission, *, status=200, reply_form=None):
    mine_only = not (is_authority(request.user) or is_secretariat(request.user))
    linked = submission.requests.select_related("unit").order_by("pk")
    if mine_only:
        # A submitter sees its own request beside the merged text, never the others'.
        linked = linked.filter(unit=request.user.unit_id)
    return render(
        request,
        "bulletins/submission.html",
        {
            "submission": submission,
            "linked": linked,
            "mine_only": mine_only,
            "reply_form": reply_form or ReplyForm(),
            "can_reply": is_authority(request.user) and not submission.is_answered,
        },
        status=status,
    )


@login_required
def submission(request, submission_id):
    return _submission_page(request, get_submission_for_user(request.user, submission_id))


@authority_required
@require_POST
def reply(request, submission_id):
    obj = get_submission_for_user(request.user, submission_id, to="reply")
    form = ReplyForm(request.POST)
    if done := perform(
        form,
        lambda data: actions.do_reply_to_submission(obj, actor=request.user, reply=data["reply"]),
    ):
        messages.success(request, _("Your reply is recorded and sent to the submitters."))
        return redirect("bulletins:submission", obj.pk)
    return _submission_page(request, obj, status=done.status, reply_form=form)


@secretariat_required
def summary(request, fmt="html"):
    """The year's requests by kind and outcome, and the median days to an answer."""
    form = SummaryForm(request.GET or None)
    year = (form.cleaned_data.get("year") if form.is_valid() else None) or timezone.now().year
    data = queries.yearly_summary(year)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["kind", *data["outcomes"], "total"])
        for row in data["table"]:
            writer.writerow([row["kind"], *row["counts"], row["total"]])
        writer.writerow(["median_days_to_answer", data["median_days"] or ""])
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="requests-{year}.csv"'
        return response
    labels = dict(RequestStatus.choices)
    outcome_labels = [
        labels.get(o, _("open")) if o != "open" else _("open") for o in data["outcomes"]
    ]
    return render(
        request,
        "bulletins/summary.html",
        {"data": data, "year": year, "outcome_labels": outcome_labels},
    )
