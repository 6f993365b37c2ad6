"""Membership API under /api/v1/members/: the pages' access helpers, forms and actions."""

from datetime import date, datetime

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from gongyue.accounts.models import Role, RoleGrant
from gongyue.api.auth import public
from gongyue.api.errors import ApiError, Error, cleaned
from gongyue.convention import actions as convention_actions
from gongyue.convention.models import Founder

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
    require_secretariat,
)
from .forms import (
    ApplicationForm,
    ClaimForm,
    DelegateForm,
    DirectoryForm,
    FoundersForm,
    ImportForm,
    LicenceForm,
    PublishConventionForm,
    ReasonsForm,
    RegisterPublishForm,
    ReviewForm,
    ScanForm,
    SignForm,
    WithdrawalForm,
)
from .importing import check_member_csv, refuse
from .models import APPLICATION_FIELDS, Application, RegisterList, Signature, Unit
from .pdf import signature_page_pdf
from .registers import sheet_for_period, sheet_for_record

router = Router(tags=["members"])


# Schemas -----------------------------------------------------------------------------------------


class ApplicationIn(Schema):
    name: str | None = None
    uscc: str | None = None
    legal_rep_name: str | None = None
    legal_rep_id_type: str | None = None
    legal_rep_id_last4: str | None = None
    legal_rep_email: str | None = None
    applicant_is_legal_rep: bool | None = None
    accepts_rules: bool | None = None
    categories: list[str] | None = None
    icp_numbers: list[str] | None = None
    websites: list[str] | None = None
    city: str | None = None
    address: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    submit: bool = False


class ApplicationOut(Schema):
    id: int
    status: str
    name: str
    uscc: str
    legal_rep_name: str
    legal_rep_id_type: str
    legal_rep_id_last4: str
    legal_rep_email: str
    applicant_is_legal_rep: bool
    accepts_rules: bool
    licence: bool
    legal_rep_confirmed: bool
    categories: list[str]
    icp_numbers: list[str]
    websites: list[str]
    city: str
    address: str
    contact_name: str
    contact_phone: str
    contact_email: str
    reasons: str
    times_returned: int
    submitted_at: datetime | None
    decided_at: datetime | None
    joined_at: datetime | None
    unit_id: int | None


class ReasonsIn(Schema):
    reasons: str = ""


class ApplicationApproveIn(Schema):
    reasons: str = ""
    confirm_legal_rep: bool = False


class LegalRepInvitationOut(Schema):
    id: int
    unit_id: int
    unit: str
    name: str
    email: str
    expires_at: datetime
    claimed: bool


class LegalRepClaimIn(Schema):
    confirm: bool = False


class LegalRepClaimOut(Schema):
    unit_id: int
    person: str
    username: str
    role: str


class DelegateIn(Schema):
    name: str | None = None
    email: str | None = None
    valid_from: str | None = None
    valid_until: str | None = None


class DelegateGrantOut(Schema):
    id: int
    person: str
    email: str
    valid_from: date
    valid_until: date | None
    revoked_at: datetime | None


class SignIn(Schema):
    sha256: str = ""
    confirm: bool = False


class SignatureOut(Schema):
    id: int
    unit_id: int
    version_id: int
    version_number: int
    signer: str
    capacity: str
    signed_at: datetime
    sha256: str
    text_format: str
    sealed_page: bool


class WithdrawalIn(Schema):
    effective_on: date | None = None
    reason: str = ""


class WithdrawalOut(Schema):
    id: int
    unit_id: int
    received_at: datetime
    effective_on: date
    effective_at: datetime
    status: str


class UnitOut(Schema):
    id: int
    name: str
    uscc: str | None
    categories: list[str]
    city: str
    icp_numbers: list[str]
    websites: list[str]
    member_since: datetime | None


class MembershipOut(Schema):
    started_at: datetime
    joined_by: str
    ended_at: datetime | None
    ended_by: str


class PublicUnitOut(UnitOut):
    memberships: list[MembershipOut]
    signatures: list[SignatureOut]


class DirectoryOut(Schema):
    count: int
    page: int
    pages: int
    results: list[UnitOut]


class DeadlineOut(Schema):
    last_day: date
    ends_at: datetime
    rule: str


class FoundingStatusOut(Schema):
    id: int
    title: str
    effective_at: datetime | None
    published_on: date | None
    in_force_from: date | None
    publication_deadline: DeadlineOut | None
    founders: list[dict]
    version: dict | None
    members: int


class FoundersIn(Schema):
    units: list[int] = []


class PublishIn(Schema):
    published_on: date | None = None


class RegisterIn(Schema):
    period: str = ""
    corrects: int | None = None
    note: str = ""


class RegisterOut(Schema):
    period: str
    starts_on: str
    ends_on: str
    status: str
    id: int | None
    published_at: str | None
    sha256: str | None
    corrects: int | None
    note: str
    joined: list[dict]
    left: list[dict]


class ImportIn(Schema):
    dry_run: bool = False


class MemberImportOut(Schema):
    imported: int
    checked: int
    problems: list[dict]


def application_out(application) -> dict:
    return {
        **{
            name: getattr(application, name)
            for name in ApplicationOut.model_fields
            if hasattr(application, name)
        },
        "licence": bool(application.licence_scan),
    }


def invitation_out(invitation) -> dict:
    """What a link shows its holder: the address masked, as on the page."""
    return {
        "id": invitation.pk,
        "unit_id": invitation.unit_id,
        "unit": invitation.unit.name,
        "name": invitation.name,
        "email": invitation.masked_email,
        "expires_at": invitation.expires_at,
        "claimed": invitation.claimed_at is not None,
    }


def _claim_link(token: str):
    try:
        return get_invitation_for_claim(token)
    except InvalidClaimLink as invalid:
        raise ApiError(404, "invalid_link", str(invalid)) from None


def signature_out(signature) -> dict:
    return {
        "id": signature.pk,
        "unit_id": signature.unit_id,
        "version_id": signature.version_id,
        "version_number": signature.version.number,
        "signer": signature.signer_name,
        "capacity": signature.capacity,
        "signed_at": signature.signed_at,
        "sha256": signature.sha256,
        "text_format": signature.text_format,
        "sealed_page": bool(signature.sealed_scan),
    }


def unit_out(unit) -> dict:
    return {
        "id": unit.pk,
        "name": unit.name,
        "uscc": unit.uscc,
        "categories": unit.category_codes,
        "city": unit.city,
        "icp_numbers": unit.icp_numbers,
        "websites": unit.websites,
        "member_since": getattr(unit, "member_since", None),
    }


def grant_out(grant) -> dict:
    return {
        "id": grant.pk,
        "person": str(grant.user),
        "email": grant.user.email,
        "valid_from": grant.valid_from,
        "valid_until": grant.valid_until,
        "revoked_at": grant.revoked_at,
    }


# Applications ------------------------------------------------------------------------------------


@router.post("/applications", response={201: ApplicationOut})
def create_application(request, payload: ApplicationIn):
    """Save a draft application; with `submit: true`, also submit it for review."""
    data = payload.dict(exclude={"submit"}, exclude_none=True)
    form = ApplicationForm(data, submitting=payload.submit)
    application = actions.do_create_application(actor=request.user, data=cleaned(form))
    if payload.submit:
        application = actions.do_submit_application(application, actor=request.user)
    return Status(201, application_out(application))


@router.get("/applications", response=list[ApplicationOut])
def list_applications(request, status: str = ""):
    """Your applications; for the secretariat, every application (filter by `status`)."""
    applications = (
        Application.objects.all()
        if request.user.is_secretariat
        else Application.objects.filter(applicant=request.user)
    )
    if status:
        applications = applications.filter(status=status)
    return [application_out(a) for a in applications.order_by("submitted_at", "pk")[:500]]


@router.get("/applications/{application_id}", response=ApplicationOut)
def read_application(request, application_id: int):
    return application_out(get_application_for_user(request.user, application_id))


@router.put("/applications/{application_id}", response=ApplicationOut)
def update_application(request, application_id: int, payload: ApplicationIn):
    """Change a draft or returned application (fields left out keep their value)."""
    application = get_application_for_user(request.user, application_id, to="edit")
    current = {name: getattr(application, name) for name in APPLICATION_FIELDS}
    form = ApplicationForm(
        {**current, **payload.dict(exclude={"submit"}, exclude_none=True)},
        instance=Application.objects.get(pk=application.pk),
        submitting=payload.submit,
    )
    application = actions.do_update_application(application, actor=request.user, data=cleaned(form))
    if payload.submit:
        application = actions.do_submit_application(application, actor=request.user)
    return application_out(application)


@router.post("/applications/{application_id}/submit", response=ApplicationOut)
def submit_application(request, application_id: int):
    application = get_application_for_user(request.user, application_id, to="edit")
    return application_out(actions.do_submit_application(application, actor=request.user))


@router.post("/applications/{application_id}/licence", response=ApplicationOut)
def attach_licence(request, application_id: int, licence: File[UploadedFile] = None):
    """Attach the scan of the business licence (multipart `licence`: PDF, PNG or JPEG)."""
    application = get_application_for_user(request.user, application_id, to="edit")
    data = cleaned(LicenceForm(request.POST, request.FILES))
    return application_out(
        actions.do_attach_licence(application, actor=request.user, upload=data["licence"])
    )


@router.post("/applications/{application_id}/approve", response=ApplicationOut)
def approve_application(request, application_id: int, payload: ApplicationApproveIn):
    """Approve. `confirm_legal_rep: true` records that the secretariat checked, against the
    licence, that the applicant is the legal representative; otherwise the named legal
    representative is invited by mail to claim the role."""
    application = get_application_for_user(request.user, application_id, to="review")
    data = cleaned(ReviewForm(payload.dict()))
    return application_out(
        actions.do_approve_application(
            application,
            actor=request.user,
            note=data["reasons"],
            confirm_legal_rep=data["confirm_legal_rep"],
        )
    )


@router.post("/applications/{application_id}/invitation", response={201: LegalRepInvitationOut})
def resend_invitation(request, application_id: int):
    """Send the legal representative a new claim link; the previous one stops working."""
    application = get_application_for_user(request.user, application_id, to="review")
    invitation = actions.do_resend_legal_rep_invitation(application, actor=request.user)
    return Status(201, invitation_out(invitation))


@router.get("/claims/{token}", response=LegalRepInvitationOut, auth=public)
def read_claim(request, token: str):
    """The invitation a claim link names (the address masked)."""
    invitation, _nonce = _claim_link(token)
    return invitation_out(invitation)


@router.post("/claims/{token}", response={200: LegalRepClaimOut, 410: Error})
def claim(request, token: str, payload: LegalRepClaimIn):
    """Claim the unit's legal representative role as the signed-in owner of the invited
    address; `confirm: true`. Accounts for new people are opened on the link's page."""
    invitation, nonce = _claim_link(token)
    cleaned(ClaimForm(payload.dict()))
    grant = actions.do_claim_legal_rep(invitation, nonce=nonce, actor=request.user)
    return {
        "unit_id": grant.unit_id,
        "person": str(grant.user),
        "username": grant.user.username,
        "role": grant.role,
    }


@router.post("/applications/{application_id}/return", response=ApplicationOut)
def return_application(request, application_id: int, payload: ReasonsIn):
    """Return for correction; `reasons` is required."""
    application = get_application_for_user(request.user, application_id, to="review")
    reasons = cleaned(ReasonsForm(payload.dict()))["reasons"]
    return application_out(
        actions.do_return_application(application, actor=request.user, reasons=reasons)
    )


@router.post("/applications/{application_id}/reject", response=ApplicationOut)
def reject_application(request, application_id: int, payload: ReasonsIn):
    """Reject; `reasons` is required."""
    application = get_application_for_user(request.user, application_id, to="review")
    reasons = cleaned(ReasonsForm(payload.dict()))["reasons"]
    return application_out(
        actions.do_reject_application(application, actor=request.user, reasons=reasons)
    )


# Delegates, signatures, withdrawal ---------------------------------------------------------------


@router.get("/units/{unit_id}/delegates", response=list[DelegateGrantOut])
def list_delegates(request, unit_id: int):
    unit = get_unit_for_user(request.user, unit_id)
    grants = (
        RoleGrant.objects.filter(unit=unit, role=Role.DELEGATE)
        .select_related("user")
        .order_by("-granted_at")
    )
    return [grant_out(g) for g in grants]


@router.post("/units/{unit_id}/delegates", response={201: DelegateGrantOut})
def authorise_delegate(
    request, unit_id: int, payload: Form[DelegateIn], letter: File[UploadedFile] = None
):
    """Authorise a delegate (multipart: name, email, valid_from, valid_until and the letter)."""
    unit = get_unit_for_user(request.user, unit_id, to="authorise")
    data = cleaned(DelegateForm(request.POST, request.FILES))
    grant = actions.do_authorise_delegate(
        unit,
        actor=request.user,
        email=data["email"],
        name=data["name"],
        valid_from=data["valid_from"],
        valid_until=data["valid_until"],
        letter=data["letter"],
    )
    return Status(201, grant_out(grant))


@router.delete("/delegates/{grant_id}", response=DelegateGrantOut)
def revoke_delegate(request, grant_id: int):
    grant = get_delegate_grant_for_user(request.user, grant_id, to="revoke")
    return grant_out(actions.do_revoke_delegate(grant, actor=request.user))


@router.get("/units/{unit_id}/signatures", response=list[SignatureOut])
def list_signatures(request, unit_id: int):
    unit = get_unit_for_user(request.user, unit_id)
    return [signature_out(s) for s in unit.signatures.select_related("version")]


@router.post("/units/{unit_id}/signatures", response={201: SignatureOut})
def sign(request, unit_id: int, payload: SignIn):
    """Sign the version in force: send its `sha256` (the text you read) and `confirm: true`."""
    unit = get_unit_for_user(request.user, unit_id, to="act")
    version = get_current_convention().version_in_force
    if version is None:
        raise ApiError(409, "no_version", "There is no version in force to sign.")
    data = cleaned(SignForm(payload.dict()))
    signature = actions.do_sign_convention(
        unit, actor=request.user, version=version, sha256=data["sha256"]
    )
    return Status(201, signature_out(signature))


@router.get("/signatures/{signature_id}/page.pdf", response={200: None})
def signature_page(request, signature_id: int):
    """The printable signature page (PDF) for the unit to seal."""
    signature = get_signature_for_user(request.user, signature_id)
    response = HttpResponse(signature_page_pdf(signature), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="signature-page-{signature.pk}.pdf"'
    return response


@router.post("/signatures/{signature_id}/sealed", response=SignatureOut)
def attach_sealed_page(request, signature_id: int, scan: File[UploadedFile] = None):
    """Hand in the scan of the sealed signature page (multipart `scan`: PDF, PNG or JPEG)."""
    signature = get_signature_for_user(request.user, signature_id, to="attach")
    data = cleaned(ScanForm(request.POST, request.FILES))
    return signature_out(
        actions.do_attach_sealed_scan(signature, actor=request.user, upload=data["scan"])
    )


@router.post("/units/{unit_id}/withdrawal", response={201: WithdrawalOut})
def withdraw(request, unit_id: int, payload: WithdrawalIn):
    """Give notice of withdrawal, effective on `effective_on` (default: today)."""
    unit = get_unit_for_user(request.user, unit_id, to="act")
    data = cleaned(WithdrawalForm({k: v for k, v in payload.dict().items() if v is not None}))
    withdrawal = actions.do_give_withdrawal_notice(
        unit, actor=request.user, effective_on=data["effective_on"], reason=data["reason"]
    )
    return Status(201, withdrawal_out(withdrawal))


def withdrawal_out(withdrawal) -> dict:
    return {
        "id": withdrawal.pk,
        "unit_id": withdrawal.unit_id,
        "received_at": withdrawal.received_at,
        "effective_on": withdrawal.effective_on,
        "effective_at": withdrawal.effective_at,
        "status": withdrawal.status,
    }


@router.post("/withdrawals/{withdrawal_id}/retract", response=WithdrawalOut)
def retract_withdrawal(request, withdrawal_id: int):
    """Take back a notice of withdrawal before it takes effect; the unit stays a member."""
    withdrawal = get_withdrawal_for_user(request.user, withdrawal_id, to="act")
    return withdrawal_out(actions.do_retract_withdrawal(withdrawal, actor=request.user))


# The convention's founders, taking effect and publication ----------------------------------------


def convention_out(convention) -> dict:
    deadline = convention.publication_deadline
    version = convention.version_in_force
    signed = set(
        Signature.objects.filter(version__convention=convention).values_list("unit_id", flat=True)
    )
    return {
        "id": convention.pk,
        "title": convention.title,
        "effective_at": convention.effective_at,
        "published_on": convention.published_on,
        "in_force_from": convention.in_force_from,
        "publication_deadline": {
            "last_day": deadline.last_day,
            "ends_at": deadline.ends_at,
            "rule": deadline.rule,
        }
        if deadline
        else None,
        "founders": [
            {"unit": f.unit_id, "name": f.unit.name, "signed": f.unit_id in signed}
            for f in Founder.objects.filter(convention=convention).select_related("unit")
        ],
        "version": {"id": version.pk, "number": version.number, "sha256": version.sha256}
        if version
        else None,
        "members": Unit.objects.members().count(),
    }


@router.get("/convention", response=FoundingStatusOut, auth=public)
def convention(request):
    """The convention's dates (took effect, published, in force from), founders and version."""
    return convention_out(get_current_convention())


@router.put("/convention/founders", response=FoundingStatusOut)
def name_founders(request, payload: FoundersIn):
    require_secretariat(request.user)
    convention = get_current_convention()
    data = cleaned(FoundersForm({"units": payload.units}))
    convention_actions.do_name_founders(convention, actor=request.user, units=data["units"])
    convention.refresh_from_db()
    return convention_out(convention)


@router.post("/convention/publish", response=FoundingStatusOut)
def publish_convention(request, payload: PublishIn):
    """Publish the convention that took effect; in force from `published_on` (default today)."""
    require_secretariat(request.user)
    data = cleaned(
        PublishConventionForm({k: v for k, v in payload.dict().items() if v is not None})
    )
    convention = convention_actions.do_publish_convention(
        get_current_convention(), actor=request.user, published_on=data["published_on"]
    )
    return convention_out(convention)


# Directory and registers -------------------------------------------------------------------------


@router.get("/directory", response=DirectoryOut, auth=public)
def directory(request, q: str = "", category: str = "", city: str = "", page: int = 1):
    """Members as of today, 100 per page."""
    form = DirectoryForm({"q": q, "category": category, "city": city})
    filters = cleaned(form)
    units = queries.directory(**filters)
    count = units.count()
    size = 100
    pages = max(1, -(-count // size))
    page = min(max(page, 1), pages)
    return {
        "count": count,
        "page": page,
        "pages": pages,
        "results": [unit_out(u) for u in units[(page - 1) * size : page * size]],
    }


@router.get("/directory/{unit_id}", response=PublicUnitOut, auth=public)
def public_unit(request, unit_id: int):
    unit = get_public_unit(unit_id)
    membership = unit.current_membership()
    return {
        **unit_out(unit),
        "member_since": membership.started_at if membership else None,
        "memberships": list(unit.memberships.order_by("started_at")),
        "signatures": [signature_out(s) for s in unit.signatures.select_related("version")],
    }


@router.get("/lists", response=list[RegisterOut], auth=public)
def list_registers(request):
    """Every published list in force (a correction replaces what it corrects), newest first."""
    return [
        sheet_for_record(r).as_dict() for r in RegisterList.objects.current().order_by("-starts_on")
    ]


@router.get("/lists/records/{list_id}", response=RegisterOut, auth=public)
def read_register_record(request, list_id: int):
    return sheet_for_record(get_register_list(list_id)).as_dict()


@router.get("/lists/{period}", response=RegisterOut, auth=public)
def read_register(request, period: str):
    """A period's list (2026-Q3, 2026-07, 2026-H2, 2026): published, or provisional until it is."""
    sheet = sheet_for_period(period)
    if sheet is None:
        raise ApiError(404, "not_found", "No such period.")
    return sheet.as_dict()


@router.post("/lists", response={201: RegisterOut})
def publish_register(request, payload: RegisterIn):
    """Publish a closed period's list; a correction cites its list in `corrects`, with a `note`."""
    require_secretariat(request.user)
    data = cleaned(RegisterPublishForm(payload.dict()))
    corrects = (
        get_object_or_404(RegisterList, pk=data["corrects"]) if data.get("corrects") else None
    )
    record = actions.do_publish_register(
        data["period"], actor=request.user, corrects=corrects, note=data["note"]
    )
    return Status(201, sheet_for_record(record).as_dict())


@router.post("/import", response={200: MemberImportOut, 201: MemberImportOut})
def import_members(request, payload: Form[ImportIn], file: File[UploadedFile] = None):
    """Import an existing member list (multipart `file`, CSV); `dry_run` only checks it.

    Bad rows answer 400 with each problem as `row N: reason` and nothing is imported."""
    require_secretariat(request.user)
    data = cleaned(ImportForm(request.POST, request.FILES))
    name, content = data["file"]
    if data["dry_run"]:
        rows, problems = check_member_csv(content)
        if problems:
            raise refuse(problems)
        return Status(200, {"imported": 0, "checked": len(rows), "problems": []})
    batch = actions.do_import_members(content, actor=request.user, source_name=name)
    return Status(201, {"imported": batch.count, "checked": batch.count, "problems": []})
