# ruff: noqa: F811 (fixtures imported from dispute_fixtures)
"""Complaints about the executing body to the authority (Art. 23): the authority's alone."""

from django.contrib import admin

from gongyue.audit.log import record
from gongyue.audit.models import AuditEntry, Visibility
from gongyue.cases import actions
from gongyue.cases.models import Complaint, ComplaintStatus
from gongyue.core.models import Notification

from .dispute_fixtures import (  # noqa: F401
    SCRIPT,
    counts,
    members,
    superuser,
)


def file(client, **extra):
    data = {"target": "staff", "subject": "秘书处工作人员不公正", "body": "在调解中偏袒对方。"}
    data.update(extra)
    return client.post("/cases/complaints/new/", data)


def test_a_member_complains_the_authority_answers_and_closes_and_the_member_follows_it(
    client_for, members, rep_a, secretariat, authority
):
    response = file(client_for(rep_a), staff=secretariat.pk)
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and complaint.staff == secretariat
    assert Notification.objects.filter(recipient=authority, kind="complaint").count() == 1
    assert not Notification.objects.filter(recipient=secretariat).exists()
    # The notification carries no text of the complaint.
    assert "偏袒" not in Notification.objects.get(recipient=authority).body

    page = client_for(authority).get(f"/cases/complaints/{complaint.pk}/").content.decode()
    assert "偏袒" in page and 'data-testid="deadline"' in page
    client = client_for(authority)
    assert (
        client.post(
            f"/cases/complaints/{complaint.pk}/answer/", {"answer": "已责令整改。"}
        ).status_code
        == 302
    )
    assert client.post(f"/cases/complaints/{complaint.pk}/close/", {"note": ""}).status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.CLOSED and complaint.answered_by == authority
    assert Notification.objects.filter(recipient=rep_a, kind="complaint").count() == 2

    page = client_for(rep_a).get(f"/cases/complaints/{complaint.pk}/").content.decode()
    assert "已责令整改" in page and "?actor_kind=secretariat" in page
    entries = AuditEntry.objects.filter(subject_type="cases.complaint")
    assert [e.action for e in entries] == [
        "cases.complaint_filed",
        "cases.complaint_answered",
        "cases.complaint_closed",
    ]
    assert {e.visibility for e in entries} == {Visibility.AUTHORITY}


def test_no_secretariat_account_sees_a_complaint_anywhere(
    client_for, members, rep_a, secretariat, secretariat_head, superuser, authority
):
    complaint = actions.do_file_complaint(
        actor=rep_a, target="secretariat", subject="拖延审批", body="三个月未答复。"
    )
    assert Complaint not in admin.site._registry
    for person in (secretariat, secretariat_head, superuser):
        client = client_for(person)
        assert client.get("/cases/complaints/").status_code == 403, person
        assert client.get(f"/cases/complaints/{complaint.pk}/").status_code == 404, person
        assert (
            client.post(f"/cases/complaints/{complaint.pk}/answer/", {"answer": "x"}).status_code
            == 404
        )
        assert client.get("/api/v1/cases/complaints/").status_code == 403, person
        assert client.get(f"/api/v1/cases/complaints/{complaint.pk}").status_code == 404
        log = client.get("/audit/").content.decode()
        assert str(complaint) not in log and 'title="cases.complaint_filed"' not in log
        assert (
            not AuditEntry.objects.visible_to(person)
            .filter(subject_type="cases.complaint")
            .exists()
        )
    # Even a superuser holding the authority role too is refused.
    from gongyue.accounts.models import Role, RoleGrant

    RoleGrant.objects.create(user=superuser, role=Role.AUTHORITY)
    del superuser.unrevoked_grants
    assert superuser.is_authority
    assert (
        not AuditEntry.objects.visible_to(superuser).filter(subject_type="cases.complaint").exists()
    )
    client = client_for(superuser)
    assert client.get(f"/cases/complaints/{complaint.pk}/").status_code == 404
    changelist = client.get("/admin/audit/auditentry/").content.decode()
    assert "complaint" not in changelist.lower()
    assert client.get(
        f"/admin/audit/auditentry/{AuditEntry.objects.last().pk}/change/"
    ).status_code in (
        302,
        404,
    )
    assert AuditEntry.objects.visible_to(authority).filter(subject_type="cases.complaint").exists()


def test_the_secretariats_actions_are_readable_by_every_member(
    client_for, members, rep_a, secretariat
):
    record("cases.criticism_triaged", actor=secretariat, visibility=Visibility.MEMBERS)
    page = client_for(rep_a).get("/audit/?actor_kind=secretariat").content.decode()
    assert "sec" in page
    listing = client_for(rep_a).get("/cases/complaints/").content.decode()
    assert "/audit/?actor_kind=secretariat" in listing


def test_a_complaint_about_staff_must_name_them_and_nothing_changes(
    client_for, members, rep_a, secretariat
):
    client = client_for(rep_a)
    before = counts()
    response = file(client, staff="")
    assert response.status_code == 400 and counts() == before
    empty = file(client, subject="", body="")
    assert empty.status_code == 400 and counts() == before


def test_a_secretariat_person_cannot_file_and_a_member_cannot_answer(
    client_for, members, rep_a, secretariat
):
    assert file(client_for(secretariat), target="secretariat").status_code == 403
    complaint = actions.do_file_complaint(actor=rep_a, target="secretariat", subject="s", body="b")
    response = client_for(rep_a).post(
        f"/cases/complaints/{complaint.pk}/answer/", {"answer": "自问自答"}
    )
    assert response.status_code == 403
    complaint.refresh_from_db()
    assert complaint.answer == ""


def test_html_in_every_complaint_text_is_rendered_escaped(client_for, members, rep_a, authority):
    file(client_for(rep_a), target="secretariat", subject=SCRIPT, body=SCRIPT)
    complaint = Complaint.objects.get()
    client = client_for(authority)
    client.post(f"/cases/complaints/{complaint.pk}/answer/", {"answer": SCRIPT})
    client.post(f"/cases/complaints/{complaint.pk}/close/", {"note": SCRIPT})
    for person in (authority, rep_a):
        page = client_for(person).get(f"/cases/complaints/{complaint.pk}/").content.decode()
        assert "<script>window.pwned" not in page and "<b>bold</b>" not in page
        assert page.count("&lt;script&gt;") >= 4
    listing = client_for(authority).get("/cases/complaints/").content.decode()
    assert "<script>window.pwned" not in listing
