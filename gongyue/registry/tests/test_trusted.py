"""Trusted submitters: the secretariat's page and API of which units' submissions are listed at
once (reviewed later); who may see and change it; what each change records."""

import pytest

from gongyue.audit.models import AuditEntry
from gongyue.core import testing
from gongyue.registry.actions import Item, do_submit_entries
from gongyue.registry.models import Status, TrustedUnit

PAGE = "/registry/trusted/"


def trust_audits(unit) -> list[str]:
    return list(
        AuditEntry.objects.filter(
            action__in=["registry.unit_trusted", "registry.unit_untrusted"], subject_id=str(unit.pk)
        )
        .order_by("pk")
        .values_list("action", flat=True)
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_secretariat_trusts_a_unit_on_the_page_and_its_next_submission_is_listed_at_once(
    client_for, secretariat, rep_a, unit_a, unit_b
):
    client = client_for(secretariat)
    page = client.get(PAGE)
    assert page.status_code == 200
    body = page.content.decode()
    assert unit_a.name in body and unit_b.name in body
    assert f'data-testid="trust-{unit_a.pk}"' in body
    done = client.post(f"{PAGE}{unit_a.pk}/", {"decision": "trust"}, follow=True)
    assert done.redirect_chain == [(PAGE, 302)]
    assert messages_of(done) == [f"{unit_a.name} 现为可信提交单位。"]
    trust = TrustedUnit.objects.get(unit=unit_a)
    assert trust.by == secretariat
    assert trust_audits(unit_a) == ["registry.unit_trusted"]
    assert f'data-testid="untrust-{unit_a.pk}"' in done.content.decode()
    assert not TrustedUnit.objects.filter(unit=unit_b).exists()

    (done,) = do_submit_entries([Item("evil-bank.com", "phishing")], actor=rep_a, unit=unit_a)
    entry = done.entry
    entry.refresh_from_db()
    assert entry.status == Status.LISTED and entry.reviewed_at is None

    again = client.post(f"{PAGE}{unit_a.pk}/", {"decision": "trust"}, follow=True)
    assert messages_of(again) == ["该单位已是可信提交单位。"]
    assert trust_audits(unit_a) == ["registry.unit_trusted"]  # nothing recorded again

    back = client.post(f"{PAGE}{unit_a.pk}/", {"decision": "untrust"}, follow=True)
    assert messages_of(back) == [f"{unit_a.name} 不再是可信提交单位。"]
    assert not TrustedUnit.objects.filter(unit=unit_a).exists()
    assert trust_audits(unit_a) == ["registry.unit_trusted", "registry.unit_untrusted"]
    (done,) = do_submit_entries([Item("evil-shop.com", "fraud")], actor=rep_a, unit=unit_a)
    later = done.entry
    later.refresh_from_db()
    assert later.status == Status.PENDING


@pytest.mark.parametrize("decision", ["", "trust-everyone", "<script>x</script>"])
def test_a_bad_decision_is_refused_and_changes_nothing(client_for, secretariat, unit_a, decision):
    done = client_for(secretariat).post(f"{PAGE}{unit_a.pk}/", {"decision": decision}, follow=True)
    assert done.redirect_chain == [(PAGE, 302)]
    (message,) = messages_of(done)
    assert message and "<script>" not in done.content.decode()
    assert not TrustedUnit.objects.exists() and trust_audits(unit_a) == []


def test_only_the_secretariat_sees_or_changes_who_is_trusted(
    client_for, rep_a, secretariat, unit_a
):
    anonymous = client_for(None)
    assert anonymous.get(PAGE).status_code == 302
    refused = anonymous.post(f"{PAGE}{unit_a.pk}/", {"decision": "trust"})
    assert refused.status_code == 302 and "/accounts/login/" in refused["Location"]
    member = client_for(rep_a)
    assert member.get(PAGE).status_code == 403
    assert member.post(f"{PAGE}{unit_a.pk}/", {"decision": "trust"}).status_code == 403
    assert member.post(f"{PAGE}999999/", {"decision": "trust"}).status_code == 403  # no probing
    assert not TrustedUnit.objects.exists() and trust_audits(unit_a) == []
    assert client_for(secretariat).post(f"{PAGE}999999/", {"decision": "trust"}).status_code == 404
    assert client_for(secretariat).get(f"{PAGE}{unit_a.pk}/").status_code == 405


def test_the_page_lists_members_and_units_still_trusted_with_what_they_submitted(
    client_for, secretariat, rep_a, unit_a, unit_b
):
    from gongyue.registry import actions

    former = testing.make_unit("已退出网络有限公司", "91360100MA35F0QX2K")
    outsider = testing.make_unit("非会员科技有限公司", "91360100MA35F0QX3F")
    actions.do_trust_unit(former, actor=secretariat)  # trusted while a member, say
    entries = [
        done.entry
        for done in do_submit_entries(
            [Item(f"h{n}.evil-bank.com", "phishing") for n in range(4)], actor=rep_a, unit=unit_a
        )
    ]
    actions.do_approve_entry(entries[0], actor=secretariat)
    for entry in entries[1:3]:
        actions.do_reject_entry(entry, actor=secretariat, reason="not harmful")
    body = client_for(secretariat).get(PAGE).content.decode()
    assert former.name in body and outsider.name not in body
    row = body[body.index(f'data-unit="{unit_a.pk}"') :].split("</tr>", 1)[0]
    assert "<td>4</td><td>1</td><td>2</td>" in row  # one still pending


def test_the_page_takes_the_same_queries_for_few_units_or_many(
    client_for, secretariat, unit_a, unit_b, django_assert_num_queries
):
    from gongyue.registry import actions

    client = client_for(secretariat)
    actions.do_trust_unit(unit_a, actor=secretariat)
    client.get(PAGE)
    with django_assert_num_queries(4) as few:  # session, user, grants, the units
        client.get(PAGE)
    for n in range(12):
        unit = testing.make_unit(f"会员{n}网络有限公司", None)
        testing.make_member(unit)
        if n % 2:
            actions.do_trust_unit(unit, actor=secretariat)
    with django_assert_num_queries(len(few)):
        response = client.get(PAGE)
    assert response.content.decode().count("data-unit=") == 14


def test_the_api_lists_who_is_trusted_for_the_secretariat_only(
    api, secretariat_token, member_token, unit_a, unit_b
):
    assert api("get", "/trusted", token=member_token).status_code == 403
    assert api("get", "/trusted").status_code == 401
    assert api("put", f"/trusted/{unit_b.pk}", token=secretariat_token).status_code == 200
    rows = {row["unit"]: row for row in api("get", "/trusted", token=secretariat_token).json()}
    assert set(rows) == {unit_a.pk, unit_b.pk}
    assert rows[unit_a.pk] == {
        "unit": unit_a.pk, "name": unit_a.name, "trusted": False, "since": None,
        "submitted": 0, "listed": 0, "rejected": 0,
    }  # fmt: skip
    assert rows[unit_b.pk]["trusted"] and rows[unit_b.pk]["since"]
    assert api("put", "/trusted/999999", token=secretariat_token).status_code == 404
    assert api("put", "/trusted/999999", token=member_token).status_code == 403
