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


def _in_service(html: str) -> str:
    return html.split('data-testid="version-in-service">', 1)[1].split("<", 1)[0].strip()


def test_the_lexicon_pages_agree_on_the_version_in_service(client_for, secretariat, add_term):
    client = client_for(secretariat)
    pages = ["/screening/lexicon/", "/screening/lexicon/versions/", "/screening/try/"]
    assert {_in_service(client.get(url).content.decode()) for url in pages} == {
        "尚未发布任何版本：所有内容均通过。"
    }
    add_term("冰毒")
    add_term("赌球")
    said = {_in_service(client.get(url).content.decode()) for url in pages}
    assert said == {"第 2 版投入使用，共 2 个词条"}
    versions = client.get("/screening/lexicon/versions/").content.decode()
    assert versions.count('data-testid="in-service"') == 1
    newest = versions.split('<tr data-version="2">', 1)[1].split("</tr>", 1)[0]
    assert 'data-testid="in-service"' in newest
    assert "本版词条数" in versions and "导出 CSV 的 SHA-256" in versions
    tried = client.post("/screening/try/", {"text": "冰毒"}).content.decode()
    assert "词库第 2 版" in tried
