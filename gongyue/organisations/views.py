"""Pages for applying, signing, leaving and the public registers. Each view finds its object
through access.py and changes state only through actions.py."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.syndication.views import Feed
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongyue.accounts.backends import LOGIN_BACKEND
from gongyue.accounts.models import Role, RoleGrant, User
from gongyue.convention import actions as convention_actions
from gongyue.convention.models import Convention, Founder
from gongyue.convention.templatetags.articles import article_of, citation
from gongyue.core.access import login_required, secretariat_required
from gongyue.core.deadlines import china_date
from gongyue.core.errors import ActionRefused
from gongyue.core.forms import Outcome, ask_to_confirm, guard_edits, perform, show_refusal
from gongyue.core.paging import filtered_page
from gongyue.core.ratelimit import hit
from gongyue.core.refusals import FileRefused
from gongyue.core.textfiles import excel_csv
from gongyue.core.uploads import serve_upload

from . import actions, queries
from .access import (
    InvalidClaimLink,
    get_application_for_user,
    get_current_convention,
    get_delegate_grant_for_user,
    get_invitation_for_claim,
    get_public_unit,
    get_register_list,
    get_signature_for_user,
    get_unit_for_user,
    get_withdrawal_for_user,
)
from .forms import (
    ApplicationForm,
    ClaimAccountForm,
    ClaimForm,
    ConventionDatesForm,
    DelegateForm,
    DirectoryForm,
    FoundersForm,
    ImportForm,
    PublishConventionForm,
    RegisterPublishForm,
    RegistrationForm,
    ReviewForm,
    ScanForm,
    SignForm,
    WithdrawalForm,
)
from .importing import check_member_csv
from .models import (
    Application,
    ApplicationStatus,
    LegalRepInvitation,
    RegisterList,
    Signature,
    Unit,
    Withdrawal,
    WithdrawalStatus,
)
from .pdf import signature_page_pdf
from .periods import period_from_key
from .registers import current_period, register_period_kind, sheet_for_period, sheet_for_record

DIRECTORY_PAGE_SIZE = 50


def _posted(request, *, files=False) -> tuple:
    """Form arguments: the posted data (even when empty) on POST, nothing on GET."""
    if request.method != "POST":
        return (None, None) if files else (None,)
    return (request.POST, request.FILES) if files else (request.POST,)


# Public pages ------------------------------------------------------------------------------------


def directory(request):
    """Members as of today, searchable by name or code and filterable by category and city."""
    form = DirectoryForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    units = queries.directory(
        q=filters.get("q", ""), category=filters.get("category", ""), city=filters.get("city", "")
    )
    page, query = filtered_page(request, units, DIRECTORY_PAGE_SIZE)
    return render(
        request,
        "organisations/directory.html",
        {
            "form": form,
            "page": page,
            "cities": queries.member_cities(),
            "query": query,
            "convention": Convention.objects.current(),
        },
    )


DIRECTORY_CSV_COLUMNS = ["单位名称", "统一社会信用代码", "类别", "城市", "加入日期", "categories"]


def directory_csv(request):
    """The directory as filtered, for Excel: Chinese names and labels, then the category codes;
    the member import reads it back (its Chinese column names are the import's)."""
    form = DirectoryForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    units = queries.directory(
        q=filters.get("q", ""), category=filters.get("category", ""), city=filters.get("city", "")
    )
    with translation.override("zh-hans"):
        rows = [DIRECTORY_CSV_COLUMNS] + [
            [
                unit.name,
                unit.uscc or "",
                "；".join(str(label) for label in unit.category_display),
                unit.city,
                china_date(unit.member_since).isoformat(),
                ";".join(unit.category_codes),
            ]
            for unit in units
        ]
    response = HttpResponse(excel_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="members.csv"'
    return response


def public_unit(request, unit_id):
    """A unit's public page: what it does, since when it is (or was) a member, what it signed."""
    unit = get_public_unit(unit_id)
    now = timezone.now()
    return render(
        request,
        "organisations/public_unit.html",
        {
            "unit": unit,
            "membership": unit.current_membership(now),
            "memberships": unit.memberships.order_by("started_at"),
            "signatures": unit.signatures.select_related("version").order_by("signed_at"),
            "now": now,
        },
    )


def convention_status(request):
    """The convention's three dates (生效, 公布, 施行), its founders and its signatories."""
    convention = get_current_convention()
    founders = Founder.objects.filter(convention=convention).select_related("unit")
    signed = set(
        Signature.objects.filter(version__convention=convention).values_list("unit_id", flat=True)
    )
    return render(
        request,
        "organisations/convention_status.html",
        {
            "convention": convention,
            "version": convention.version_in_force,
            "founders": [(f.unit, f.unit_id in signed) for f in founders],
            "deadline": convention.publication_deadline,
            "member_count": Unit.objects.members().count(),
        },
    )


def registers(request):
    """Every published list, newest period first, with the current period's provisional list."""
    records = RegisterList.objects.current().order_by("-starts_on")
    period = current_period()
    return render(
        request,
        "organisations/registers.html",
        {
            "records": records,
            "current": period,
            "previous": period.previous(),
            "kind": register_period_kind(),
        },
    )


def _sheet_response(request, sheet, fmt):
    if fmt == "csv":
        response = HttpResponse(sheet.as_csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="members-{sheet.period.key}.csv"'
        return response
    if fmt == "json":
        return JsonResponse(sheet.as_dict(), json_dumps_params={"ensure_ascii": False})
    history = []
    if sheet.record is not None:
        history = list(
            RegisterList.objects.filter(period=sheet.period.key).order_by("published_at")
        )
    return render(
        request,
        "organisations/register_list.html",
        {
            "sheet": sheet,
            "history": history,
            "closed": sheet.period.is_closed(timezone.now()),
        },
    )


def register_period(request, period, fmt="html"):
    sheet = sheet_for_period(period)
    if sheet is None:
        raise Http404
    return _sheet_response(request, sheet, fmt)


def register_record(request, list_id, fmt="html"):
    """One published record, also one that a correction superseded."""
    return _sheet_response(request, sheet_for_record(get_register_list(list_id)), fmt)


class RegisterFeed(Feed):
    """The published lists as an Atom feed, newest first."""

    feed_type = Atom1Feed
    title = gettext_lazy("Units that joined and left the convention")

    def subtitle(self):
        article = article_of(Convention.objects.current(), "register_period")
        return _("The periodic lists the secretariat publishes.") + citation(article)

    def link(self):
        return reverse("organisations:registers")

    def items(self):
        return RegisterList.objects.order_by("-published_at")[:50]

    def item_title(self, item):
        title = _("Units that joined and left: %(period)s") % {
            "period": sheet_for_record(item).period.label
        }
        return _("%(title)s (correction)") % {"title": title} if item.corrects_id else title

    def item_description(self, item):
        return _("%(joined)s joined, %(left)s left. SHA-256 %(sha)s") % {
            "joined": len(item.joined),
            "left": len(item.left),
            "sha": item.sha256,
        }

    def item_link(self, item):
        return reverse("organisations:register_record", args=[item.pk])

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.published_at


# Applying ----------------------------------------------------------------------------------------


def register_account(request):
    """An organisation's representative opens an account, then fills in the application."""
    if request.user.is_authenticated:
        return redirect("organisations:apply")
    form = RegistrationForm(*_posted(request))
    if request.method == "POST":
        if not hit("organisations.register", request):
            form.add_error(
                None, _("Too many registrations from your address; try again in an hour.")
            )
            return render(request, "organisations/register.html", {"form": form}, status=429)
        if form.is_valid():
            user = form.save()
            login(request, user, backend=LOGIN_BACKEND)
            messages.success(request, _("Your account is ready. Now fill in the application."))
            return redirect("organisations:apply")
    return render(
        request, "organisations/register.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
def mine(request):
    """Where "my unit" leads: the unit's page, else the application in progress, else a new one."""
    if request.user.unit_id:
        return redirect("organisations:unit", request.user.unit_id)
    return redirect("organisations:apply")


@login_required
def apply(request):
    """Start an application (or continue the one in progress)."""
    existing = Application.objects.open().filter(applicant=request.user).first()
    if existing:
        return redirect("organisations:application", existing.pk)
    submitting = "submit" in request.POST
    form = ApplicationForm(*_posted(request, files=True), submitting=submitting)
    done = Outcome()
    if request.method == "POST":

        def create(data):
            application = actions.do_create_application(actor=request.user, data=data)
            return _licence_and_submit(request, application, data, submitting)

        if done := perform(form, create):
            messages.success(
                request,
                _("Your application was submitted.") if submitting else _("Your draft was saved."),
            )
            return redirect("organisations:application", done.result.pk)
    status = done.status
    return render(
        request,
        "organisations/application_form.html",
        {"form": form, "application": None},
        status=status,
    )


def _licence_and_submit(request, application, data, submitting):
    """The steps after saving the fields: keep the licence scan if one came, then submit."""
    if data.get("licence"):
        application = actions.do_attach_licence(
            application, actor=request.user, upload=data["licence"]
        )
    if submitting:
        return actions.do_submit_application(application, actor=request.user)
    return application


@login_required
def application_licence(request, application_id):
    """The licence scan: the applicant's and the secretariat's only."""
    application = get_application_for_user(request.user, application_id)
    return serve_upload(application.licence_scan, f"licence-{application.pk}")


def claim_legal_rep(request, token):
    """The invited legal representative's link: sign in (or open an account) and claim."""
    try:
        invitation, nonce = get_invitation_for_claim(token)
    except InvalidClaimLink as invalid:
        return render(
            request,
            "organisations/claim.html",
            {"invitation": None, "refusal": [str(invalid)]},
            status=404,
        )
    person = request.user if request.user.is_authenticated else None
    now = timezone.now()
    refusal, status = invitation.link_blockers(nonce, now), 410
    if not refusal and person is not None:
        refusal, status = invitation.person_blockers(person), 403
    has_account = User.objects.filter(email__iexact=invitation.email).exists()
    form_class = ClaimForm if person is not None else ClaimAccountForm
    form = None if refusal or (person is None and has_account) else form_class(*_posted(request))
    answer = status if refusal else 200
    if request.method == "POST" and form is None and not refusal:
        answer = 409  # an account holder who is not signed in: the page says to sign in
    if request.method == "POST" and form is not None:
        done = perform(
            form,
            lambda data: actions.do_claim_legal_rep(
                invitation,
                nonce=nonce,
                actor=request.user,
                account=None
                if person
                else {
                    "username": data["username"],
                    "display_name": data["display_name"],
                    "password": data["password1"],
                },
            ),
        )
        if done:
            if person is None:
                login(request, done.result.user, backend=LOGIN_BACKEND)
            messages.success(
                request,
                _("You are the legal representative of %(unit)s and may sign for it.")
                % {"unit": invitation.unit.name},
            )
            return redirect("organisations:unit", invitation.unit_id)
        answer = done.status
    return render(
        request,
        "organisations/claim.html",
        {"invitation": invitation, "refusal": refusal, "form": form, "has_account": has_account},
        status=answer,
    )


@login_required
def application(request, application_id):
    """The application's status; while a draft or returned, the form to change and submit it."""
    application = get_application_for_user(request.user, application_id)
    editable = application.is_editable and application.applicant_id == request.user.pk
    if request.method != "POST":
        form = guard_edits(ApplicationForm(instance=application), application) if editable else None
        return render(
            request, "organisations/application.html", {"application": application, "form": form}
        )
    application = get_application_for_user(request.user, application_id, to="edit")
    if not application.is_editable:
        return render(
            request,
            "organisations/application.html",
            {
                "application": application,
                "form": None,
                "refusal": _("Only a draft or a returned application can be changed."),
            },
            status=409,
        )
    submitting = "submit" in request.POST
    form = guard_edits(
        ApplicationForm(request.POST, request.FILES, instance=application, submitting=submitting),
        application,
    )

    def update(data):
        # A fresh instance: the form's copy already holds the unsaved new values.
        updated = actions.do_update_application(
            Application.objects.get(pk=application.pk), actor=request.user, data=data
        )
        return _licence_and_submit(request, updated, data, submitting)

    if done := perform(form, update):
        messages.success(
            request,
            _("Your application was submitted.") if submitting else _("Your draft was saved."),
        )
        return redirect("organisations:application", application.pk)
    status = done.status
    application.refresh_from_db()
    return render(
        request,
        "organisations/application.html",
        {"application": application, "form": form},
        status=status,
    )


# The unit's own pages ----------------------------------------------------------------------------


def _unit_page(request, unit, *, status=200, **forms):
    today = timezone.localdate()
    grants = (
        RoleGrant.objects.filter(unit=unit, role=Role.DELEGATE)
        .select_related("user")
        .order_by("-granted_at")
    )
    now = timezone.now()
    membership = unit.current_membership(now)
    convention = Convention.objects.current()
    version = convention.version_in_force if convention else None
    is_legal_rep = request.user.has_role(Role.LEGAL_REP, unit=unit)
    # The same rule signs and gives notice: the legal representative or a valid delegate.
    can_sign = unit.signing_grant(request.user, today) is not None
    context = {
        "unit": unit,
        "membership": membership,
        "pending_withdrawal": Withdrawal.objects.filter(membership=membership)
        .exclude(status=WithdrawalStatus.RETRACTED)
        .first()
        if membership
        else None,
        "signatures": unit.signatures.select_related("version", "signer").order_by("-signed_at"),
        "grants": grants,
        "today": today,
        "is_legal_rep": is_legal_rep,
        "can_sign": can_sign,
        "version": version,
        "sign_blockers": unit.blockers_to_sign(request.user, now, version=version)
        if version
        else [],
        "application": unit.applications.order_by("-created_at").first(),
        "delegate_form": forms.get("delegate_form") or DelegateForm(),
        "withdrawal_form": forms.get("withdrawal_form") or WithdrawalForm(),
        "scan_form": forms.get("scan_form") or ScanForm(),
        "scan_error_for": forms.get("scan_error_for"),
    }
    return render(request, "organisations/unit.html", context, status=status)


@login_required
def unit_home(request, unit_id):
    unit = get_unit_for_user(request.user, unit_id)
    return _unit_page(request, unit)


@login_required
def sign(request, unit_id):
    """Read the exact text of the version in force, confirm, sign."""
    unit = get_unit_for_user(request.user, unit_id)
    convention = get_current_convention()
    version = convention.version_in_force
    if version is None:
        raise Http404
    form = SignForm(*_posted(request), initial={"sha256": version.sha256})
    done = Outcome()
    if request.method == "POST":
        get_unit_for_user(request.user, unit_id, to="act")
        done = perform(
            form,
            lambda data: actions.do_sign_convention(
                unit, actor=request.user, version=version, sha256=data["sha256"]
            ),
        )
        if done:
            messages.success(
                request, _("Signed. Download the signature page, seal it and hand in its scan.")
            )
            return redirect(
                reverse("organisations:unit", args=[unit.pk]) + f"#signature-{done.result.pk}"
            )
    status = done.status
    return render(
        request,
        "organisations/sign.html",
        {
            "unit": unit,
            "convention": convention,
            "version": version,
            "form": form,
            "blockers": unit.blockers_to_sign(request.user, timezone.now(), version=version),
        },
        status=status,
    )


@login_required
@require_POST
def authorise_delegate(request, unit_id):
    unit = get_unit_for_user(request.user, unit_id, to="authorise")
    form = DelegateForm(request.POST, request.FILES)
    done = perform(
        form, lambda data: actions.do_authorise_delegate(unit, actor=request.user, **data)
    )
    if done:
        messages.success(request, _("The delegate is authorised."))
        return redirect("organisations:unit", unit.pk)
    return _unit_page(request, unit, status=done.status, delegate_form=form)


@login_required
@require_POST
def revoke_delegate(request, grant_id):
    grant = get_delegate_grant_for_user(request.user, grant_id, to="revoke")
    if page := ask_to_confirm(
        request,
        _(
            "Revoke the authorisation of %(person)s: from now on they can no longer sign or "
            "vote for %(unit)s. A new authorisation needs a new signed letter."
        )
        % {"person": grant.user, "unit": grant.unit.name},
        button=_("Revoke"),
    ):
        return page
    try:
        actions.do_revoke_delegate(grant, actor=request.user)
        messages.success(request, _("The authorisation was revoked."))
    except ActionRefused as refused:
        messages.error(request, "; ".join(refused.blockers))
    return redirect("organisations:unit", grant.unit_id)


@login_required
def delegate_letter(request, grant_id):
    grant = get_delegate_grant_for_user(request.user, grant_id)
    return serve_upload(grant.document, f"authorisation-{grant.pk}")


@login_required
@require_POST
def withdraw(request, unit_id):
    unit = get_unit_for_user(request.user, unit_id, to="act")
    form = WithdrawalForm(request.POST)
    if form.is_valid() and (
        page := ask_to_confirm(
            request,
            _(
                "Give notice that %(unit)s withdraws from the convention: it stops being a "
                "member on %(day)s and is named in that period's list of units that left."
            )
            % {
                "unit": unit.name,
                "day": form.cleaned_data["effective_on"] or timezone.localdate(),
            },
            button=_("Give notice of withdrawal"),
        )
    ):
        return page
    done = perform(
        form, lambda data: actions.do_give_withdrawal_notice(unit, actor=request.user, **data)
    )
    if done:
        messages.success(
            request,
            _("The notice of withdrawal was received; the unit leaves on %(day)s.")
            % {"day": done.result.effective_on},
        )
        return redirect("organisations:unit", unit.pk)
    return _unit_page(request, unit, status=done.status, withdrawal_form=form)


@login_required
@require_POST
def retract_withdrawal(request, withdrawal_id):
    """Take back a notice of withdrawal; refused (409, the page with the reason) once it took
    effect."""
    withdrawal = get_withdrawal_for_user(request.user, withdrawal_id, to="act")
    try:
        actions.do_retract_withdrawal(withdrawal, actor=request.user)
    except ActionRefused as refused:
        messages.error(request, "; ".join(refused.blockers))
        return _unit_page(request, withdrawal.unit, status=refused.status)
    messages.success(request, _("The notice of withdrawal is retracted; the unit stays a member."))
    return redirect("organisations:unit", withdrawal.unit_id)


@login_required
def signature_page(request, signature_id):
    """The printable signature page as PDF, for the unit to seal."""
    signature = get_signature_for_user(request.user, signature_id)
    response = HttpResponse(signature_page_pdf(signature), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="signature-page-{signature.pk}.pdf"'
    return response


@login_required
def sealed_scan(request, signature_id):
    """GET: the sealed page on file (private). POST: hand it in."""
    if request.method != "POST":
        signature = get_signature_for_user(request.user, signature_id)
        return serve_upload(signature.sealed_scan, f"sealed-page-{signature.pk}")
    signature = get_signature_for_user(request.user, signature_id, to="attach")
    form = ScanForm(request.POST, request.FILES)
    done = perform(
        form,
        lambda data: actions.do_attach_sealed_scan(
            signature, actor=request.user, upload=data["scan"]
        ),
    )
    if done:
        messages.success(request, _("The sealed page is on file."))
        if request.user.is_secretariat and not request.user.unit_id == signature.unit_id:
            return redirect("organisations:dashboard")
        return redirect("organisations:unit", signature.unit_id)
    return _unit_page(
        request, signature.unit, status=done.status, scan_form=form, scan_error_for=signature.pk
    )


# The secretariat ---------------------------------------------------------------------------------


def _dashboard_context(convention):
    now = timezone.now()
    context = {
        "convention": convention,
        "now": now,
        "queue_count": Application.objects.queue().count(),
        "member_count": Unit.objects.members(now).count(),
    }
    if convention is not None:
        founders = Founder.objects.filter(convention=convention).select_related("unit")
        signed = set(
            Signature.objects.filter(version__convention=convention).values_list(
                "unit_id", flat=True
            )
        )
        deadline = convention.publication_deadline
        context.update(
            founders=[(f.unit, f.unit_id in signed) for f in founders],
            deadline=deadline,
            remaining=deadline.remaining_days(timezone.localdate(now)) if deadline else None,
            overdue=bool(deadline and convention.published_on is None and deadline.has_passed(now)),
        )
    period = current_period(now).previous()
    context.update(
        due_period=period,
        due_published=RegisterList.objects.filter(period=period.key).exists(),
        unsealed=Signature.objects.filter(sealed_scan="").count(),
    )
    from gongyue.cases.queries import overdue

    context["case_overdue"] = overdue(now)
    return context


@secretariat_required
def dashboard(request):
    convention = Convention.objects.current()
    context = _dashboard_context(convention)
    context.update(publish_form=PublishConventionForm(), dates_form=ConventionDatesForm())
    return render(request, "organisations/dashboard.html", context)


@secretariat_required
@require_POST
def publish_convention(request):
    convention = get_current_convention()
    form = PublishConventionForm(request.POST)
    if done := perform(
        form,
        lambda data: convention_actions.do_publish_convention(
            convention, actor=request.user, **data
        ),
    ):
        messages.success(request, _("The convention is published and in force."))
        return redirect("organisations:dashboard")
    context = _dashboard_context(convention)
    context.update(publish_form=form, dates_form=ConventionDatesForm())
    return render(request, "organisations/dashboard.html", context, status=done.status)


@secretariat_required
@require_POST
def convention_dates(request):
    convention = get_current_convention()
    form = ConventionDatesForm(request.POST)
    if done := perform(
        form,
        lambda data: convention_actions.do_record_convention_dates(
            convention, actor=request.user, **data
        ),
    ):
        messages.success(request, _("The convention's dates are recorded."))
        return redirect("organisations:dashboard")
    status = done.status
    context = _dashboard_context(convention)
    context.update(publish_form=PublishConventionForm(), dates_form=form)
    return render(request, "organisations/dashboard.html", context, status=status)


# How many units a search of the founders page shows at most, besides the founders named.
FOUNDER_SEARCH_LIMIT = 50


@secretariat_required
def founders(request):
    """Name the founders; read-only once the convention took effect. With hundreds of units the
    page lists the founders named and the units a search finds, not every unit."""
    convention = get_current_convention()
    named = Unit.objects.filter(founded__convention=convention).order_by("name")
    if convention.effective_at is not None:
        if request.method == "POST":
            messages.error(
                request,
                _("The convention has already taken effect; its founders can no longer change."),
            )
        signed = set(
            Signature.objects.filter(version__convention=convention).values_list(
                "unit_id", flat=True
            )
        )
        return render(
            request,
            "organisations/founders.html",
            {
                "convention": convention,
                "read_only": True,
                "founders": [(unit, unit.pk in signed) for unit in named],
            },
            status=409 if request.method == "POST" else 200,
        )
    q = request.GET.get("q", "").strip()[:100]
    form = FoundersForm(*_posted(request), initial={"units": named})
    total = Unit.objects.count()
    if request.method != "POST":
        found = Unit.objects.order_by("name")
        if q:
            found = found.filter(Q(name__icontains=q) | Q(uscc__iexact=q))
        shown = list(named) + [u for u in found[: FOUNDER_SEARCH_LIMIT + 1] if u not in named]
        form.fields["units"].queryset = Unit.objects.filter(
            pk__in=[u.pk for u in shown[: len(named) + FOUNDER_SEARCH_LIMIT]]
        ).order_by("name")
        more = len(shown) > len(named) + FOUNDER_SEARCH_LIMIT
    done = Outcome()
    if request.method == "POST":
        if done := perform(
            form,
            lambda data: convention_actions.do_name_founders(
                convention, actor=request.user, units=data["units"]
            ),
        ):
            messages.success(request, _("The founders are named."))
            return redirect("organisations:dashboard")
    status = done.status
    return render(
        request,
        "organisations/founders.html",
        {
            "form": form,
            "convention": convention,
            "q": q,
            "total": total,
            "more": request.method != "POST" and more,
        },
        status=status,
    )


@secretariat_required
def queue(request):
    """Applications by status; the submitted ones, oldest first, are the work to do."""
    status = request.GET.get("status") or ApplicationStatus.SUBMITTED
    if status not in ApplicationStatus.values:
        status = ApplicationStatus.SUBMITTED
    applications = (
        Application.objects.filter(status=status)
        .select_related("applicant")
        .order_by("submitted_at", "pk")
    )
    counts = dict(Application.objects.values_list("status").annotate(n=Count("pk")))
    return render(
        request,
        "organisations/queue.html",
        {
            "applications": applications,
            "status": status,
            "statuses": [
                (value, label, counts.get(value, 0)) for value, label in ApplicationStatus.choices
            ],
        },
    )


@secretariat_required
def review(request, application_id):
    """Approve, return for correction (with reasons) or reject (with reasons)."""
    application = get_application_for_user(request.user, application_id, to="review")
    form = ReviewForm(*_posted(request))
    status = 200
    if request.method == "POST":
        decisions = {
            "approve": (
                lambda data: actions.do_approve_application(
                    application,
                    actor=request.user,
                    note=data["reasons"],
                    confirm_legal_rep=data["confirm_legal_rep"],
                ),
                _("The application was approved."),
            ),
            "invite": (
                lambda data: actions.do_resend_legal_rep_invitation(
                    application, actor=request.user
                ),
                _("A new invitation was sent to the legal representative."),
            ),
            "return": (
                lambda data: actions.do_return_application(
                    application, actor=request.user, reasons=data["reasons"]
                ),
                _("The application was returned for correction."),
            ),
            "reject": (
                lambda data: actions.do_reject_application(
                    application, actor=request.user, reasons=data["reasons"]
                ),
                _("The application was rejected."),
            ),
        }
        choice = request.POST.get("decision")
        decision = decisions.get(choice)
        confirmations = {
            "approve": _(
                "Approve the application of %(name)s: the unit is recorded, the applicant's "
                "account becomes its legal representative's and may sign the convention, and "
                "the applicant is told."
            ),
            "reject": _(
                "Reject the application of %(name)s with the reasons given: the applicant is "
                "told, and this application is closed for good (a new one can be made)."
            ),
        }
        # Rejecting needs reasons: their absence is refused before anything is confirmed.
        if (
            choice in confirmations
            and (choice != "reject" or request.POST.get("reasons", "").strip())
            and (
                page := ask_to_confirm(
                    request,
                    confirmations[choice] % {"name": application.name},
                    form=form,
                    button=_("Approve") if choice == "approve" else _("Reject"),
                )
            )
        ):
            return page
        if decision is None:
            form.add_error(None, _("Choose approve, return or reject."))
            status = 400
        elif done := perform(form, decision[0]):
            messages.success(request, decision[1])
            return redirect("organisations:queue")
        else:
            status = done.status
    return render(
        request,
        "organisations/review.html",
        {
            "application": application,
            "form": form,
            "blockers": application.blockers_to_approve()
            if application.status == ApplicationStatus.SUBMITTED
            else [],
            "invitations": LegalRepInvitation.objects.filter(application=application),
            "now": timezone.now(),
        },
        status=status,
    )


@secretariat_required
def register_admin(request):
    """Preview a period's list from the timeline and publish it (or a correction)."""
    form = RegisterPublishForm(*_posted(request))
    status = 200
    if request.method == "POST":
        if form.is_valid() and (
            page := ask_to_confirm(
                request,
                _(
                    "Publish the list for %(period)s as the membership records show it now. A "
                    "published list never changes; a mistake is put right by a correction."
                )
                % {"period": form.cleaned_data["period"].label},
                button=_("Publish"),
            )
        ):
            return page

        def publish(data):
            corrects = (
                RegisterList.objects.filter(pk=data["corrects"]).first()
                if data.get("corrects")
                else None
            )
            return actions.do_publish_register(
                data["period"], actor=request.user, corrects=corrects, note=data["note"]
            )

        if done := perform(form, publish):
            messages.success(
                request,
                _("The list for %(period)s is published.")
                % {"period": form.cleaned_data["period"].label},
            )
            return redirect("organisations:register_record", done.result.pk)
        status = done.status
    now = timezone.now()
    period = current_period(now).previous()
    if key := request.GET.get("period"):
        period = period_from_key(key) or period
    sheet = sheet_for_period(period.key, now)
    fresh = queries.register_rows(period, now)
    return render(
        request,
        "organisations/register_admin.html",
        {
            "form": form,
            "period": period,
            "sheet": sheet,
            "fresh": fresh,
            "closed": period.is_closed(now),
            "differs": sheet is not None and sheet.is_published and not sheet.record.matches(fresh),
            "recent": [period.previous().previous(), period.previous(), period, period.next()],
        },
        status=status,
    )


@secretariat_required
def import_members(request):
    """Check and import an association's existing member list (CSV), all or nothing."""
    form = ImportForm(*_posted(request, files=True))
    context = {"form": form}
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            name, data = form.cleaned_data["file"]
            if form.cleaned_data["dry_run"]:
                rows, problems = check_member_csv(data)
                context.update(checked=True, rows=rows, problems=problems)
                status = 400 if problems else 200
            else:
                try:
                    batch = actions.do_import_members(data, actor=request.user, source_name=name)
                    messages.success(
                        request, _("%(count)s members imported.") % {"count": batch.count}
                    )
                    return redirect("organisations:directory")
                except FileRefused as refused:
                    context.update(checked=True, rows=[], problems=refused.problems)
                    status = refused.status
                except ActionRefused as refused:
                    show_refusal(form, refused)
                    status = refused.status
    return render(request, "organisations/import.html", context, status=status)
