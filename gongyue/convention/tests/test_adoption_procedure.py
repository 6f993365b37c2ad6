"""The binding text changes only by procedure (issue 8.1): before the convention takes effect the
secretariat head adopts the founding text after confirming, and members and founders are told;
after it took effect no page, endpoint or command adopts a text, except as the outcome of an
adopted amendment (the `origin` hook). Imports stay possible as drafts."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from gongyue.accounts.models import ApiToken
from gongyue.audit.models import AuditEntry
from gongyue.convention.actions import do_adopt_version, do_change_rules
from gongyue.convention.models import Convention, Founder, Version, VersionStatus
from gongyue.convention.testing import SAMPLE_V2, make_version
from gongyue.core.errors import ActionRefused
from gongyue.core.models import Notification
from gongyue.core.testing import make_member

API = "/api/v1/convention"


def bearer(user):
    _token, secret = ApiToken.issue(user, "test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def draft(db, secretariat):
    """Version 1 adopted at setup, version 2 a draft; the convention has not taken effect."""
    make_version(actor=secretariat)
    return make_version(SAMPLE_V2.read_bytes(), actor=secretariat, adopt=False)


@pytest.fixture
def in_force(draft):
    Convention.objects.update(effective_at=timezone.now() - timedelta(days=10))
    return draft


def unchanged(draft):
    version = Version.objects.get(pk=draft.pk)
    return (
        version.status == VersionStatus.DRAFT
        and not AuditEntry.objects.filter(
            action="convention.version_adopted", subject_id=str(draft.pk)
        ).exists()
    )


def test_the_head_adopts_the_founding_text_after_confirming_and_members_and_founders_are_told(
    client_for, draft, secretariat_head, rep_a, unit_a, rep_b, unit_b, no_unit_user
):
    make_member(unit_a)
    Founder.objects.create(convention=draft.convention, unit=unit_b)
    client = client_for(secretariat_head)
    page = client.get(f"/convention/v/{draft.number}/").content.decode()
    assert 'data-testid="adopt-confirm"' in page and "成员单位和发起单位" in page
    unconfirmed = client.post(f"/convention/v/{draft.number}/adopt/")
    assert unconfirmed.status_code == 400 and unchanged(draft)
    response = client.post(f"/convention/v/{draft.number}/adopt/", {"confirm": "on"})
    assert response.status_code == 302
    assert Version.objects.get(pk=draft.pk).status == VersionStatus.ADOPTED
    entry = AuditEntry.objects.get(action="convention.version_adopted", subject_id=str(draft.pk))
    assert entry.actor == secretariat_head and entry.new["origin"] is None
    told = set(Notification.objects.filter(kind="convention").values_list("recipient", flat=True))
    assert told == {rep_a.pk, rep_b.pk}


def test_secretariat_staff_cannot_adopt_the_founding_text_by_page_api_or_action(
    client, client_for, draft, secretariat
):
    page = client_for(secretariat).post(f"/convention/v/{draft.number}/adopt/", {"confirm": "on"})
    assert page.status_code == 403 and "执行机构负责人" in page.content.decode()
    api = client.post(
        f"{API}/versions/{draft.number}/adopt",
        {"confirm": True},
        content_type="application/json",
        **bearer(secretariat),
    )
    assert api.status_code == 403 and api.json()["code"] == "adoption_by_procedure_only"
    with pytest.raises(ActionRefused) as refused:
        do_adopt_version(draft, actor=secretariat)
    assert refused.value.status == 403
    assert unchanged(draft)


def test_the_api_needs_the_confirmation_too(client, draft, secretariat_head):
    response = client.post(
        f"{API}/versions/{draft.number}/adopt",
        {"confirm": False},
        content_type="application/json",
        **bearer(secretariat_head),
    )
    assert response.status_code == 400 and "confirm" in response.json()["fields"]
    assert unchanged(draft)


def test_once_in_force_no_page_or_endpoint_adopts_and_the_refusal_cites_the_change_rule(
    client, client_for, in_force, secretariat_head
):
    page = client_for(secretariat_head).post(
        f"/convention/v/{in_force.number}/adopt/", {"confirm": "on"}
    )
    assert page.status_code == 403 and "第二十六条" in page.content.decode()
    api = client.post(
        f"{API}/versions/{in_force.number}/adopt",
        {"confirm": True},
        content_type="application/json",
        **bearer(secretariat_head),
    )
    assert api.status_code == 403 and "第二十六条" in api.json()["message"]
    assert "2/3" in api.json()["message"]
    assert unchanged(in_force)


def test_the_refusal_cites_the_article_the_rule_settings_name(in_force, secretariat_head):
    do_change_rules(
        in_force.convention,
        actor=secretariat_head,
        values={"adoption_numerator": 3, "adoption_denominator": 4},
        articles={"adoption_numerator": 12},
    )
    with pytest.raises(ActionRefused) as refused:
        do_adopt_version(in_force, actor=secretariat_head)
    [message] = refused.value.blockers
    assert "第十二条" in message and "3/4" in message and "第二十六条" not in message


def test_once_in_force_the_command_adopts_nothing_but_still_imports_drafts(
    in_force, secretariat_head
):
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_convention", str(SAMPLE_V2), "--user", "sec_head", "--adopt", stderr=err
        )
    assert "第二十六条" in err.getvalue()
    assert Version.objects.count() == 2  # the refused adoption left no draft behind
    call_command("import_convention", str(SAMPLE_V2), "--user", "sec_head", stderr=io.StringIO())
    assert Version.objects.get(number=3).status == VersionStatus.DRAFT
    assert unchanged(in_force)


def test_the_command_adopts_only_for_a_named_person(draft):
    with pytest.raises(CommandError, match="--user"):
        call_command("import_convention", str(SAMPLE_V2), "--adopt", stderr=io.StringIO())


class Amendment:
    """What the amendments app will pass as `origin`: it says whether it carries the version."""

    def __init__(self, carries):
        self.carries, self.pk = carries, 7

    def blockers_to_adopt(self, version):
        return [] if version.pk == self.carries else ["This amendment carries another text."]

    def __str__(self):
        return "amendment 7"


def test_an_adopted_amendment_is_the_only_way_to_a_new_text_once_in_force(in_force):
    with pytest.raises(ActionRefused) as refused:
        do_adopt_version(in_force, actor="system", origin=Amendment(carries=-1))
    assert refused.value.blockers == ["This amendment carries another text."]
    adopted = do_adopt_version(in_force, actor="system", origin=Amendment(carries=in_force.pk))
    assert adopted.status == VersionStatus.ADOPTED
    entry = AuditEntry.objects.get(action="convention.version_adopted", subject_id=str(adopted.pk))
    assert entry.new["origin"] == "amendment 7"
