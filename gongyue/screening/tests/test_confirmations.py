"""Removing a term asks first; a term form opened before someone else changed the term is refused."""

from gongyue.audit.models import AuditEntry
from gongyue.core.testing import confirm, form_fields
from gongyue.screening import actions
from gongyue.screening.models import LexiconTerm, LexiconVersion


def test_removing_a_term_says_what_happens_and_only_the_confirmation_removes_it(
    client_for, secretariat, add_term
):
    term = add_term("冰毒")
    client = client_for(secretariat)
    lexicon = client.get("/screening/lexicon/").content.decode()
    assert 'name="confirm_step" value="ask"' in lexicon
    asked = client.post(
        f"/screening/lexicon/{term.pk}/remove/", {"confirm_step": "ask", "note": "不再需要"}
    )
    page = asked.content.decode()
    assert asked.status_code == 200 and "冰毒" in page and "新的词库版本" in page
    term.refresh_from_db()
    assert term.is_active and LexiconVersion.objects.count() == 1
    assert confirm(client, asked).status_code == 302
    term.refresh_from_db()
    assert not term.is_active
    assert LexiconVersion.objects.get(number=2).note == "不再需要"
    assert AuditEntry.objects.filter(action="screening.term_removed").count() == 1


def test_a_stale_term_form_is_refused_keeping_what_was_typed(client_for, secretariat, add_term):
    term = add_term("冰毒")
    client = client_for(secretariat)
    url = f"/screening/lexicon/{term.pk}/"
    _action, fields = form_fields(client.get(url).content.decode(), "term-form")
    actions.do_change_term(term, actor=secretariat, severity=4)  # another tab
    typed = {**fields, "action": "review", "severity": "2", "note": "第一个标签页"}
    refused = client.post(url, typed)
    assert refused.status_code == 409
    page = refused.content.decode()
    assert "有人在您打开表单之后修改了" in page and 'value="第一个标签页"' in page
    term.refresh_from_db()
    assert (term.severity, term.action) == (4, "block")
    assert LexiconVersion.objects.count() == 2
    _action, again = form_fields(page, "term-form")
    assert client.post(url, again).status_code == 302
    assert LexiconTerm.objects.get(pk=term.pk).severity == 2
