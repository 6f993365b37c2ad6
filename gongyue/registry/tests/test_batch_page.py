"""The batch page: up to REGISTRY_MAX_BATCH indicators pasted or in a CSV file, all or none,
each bad line or row named by the number the person sees; the API's batch checks rows alike."""

from django.core.files.uploadedfile import SimpleUploadedFile

from gongyue.audit.models import AuditEntry
from gongyue.registry.models import Entry, Sighting

PAGE = "/registry/submit/batch/"


def csv_file(text: str, encoding="utf-8"):
    return SimpleUploadedFile("list.csv", text.encode(encoding), content_type="text/csv")


def submitted():
    return AuditEntry.objects.filter(action="registry.entries_submitted").count()


def test_a_member_pastes_a_batch_and_sees_what_became_of_each(
    client_for, rep_a, rep_b, unit_b, listed
):
    known = listed("evil-bank.com")
    client = client_for(rep_a)
    page = client.get(PAGE)
    assert page.status_code == 200 and 'data-testid="batch-form"' in page.content.decode()
    before = submitted()
    response = client.post(
        PAGE,
        {
            "values": "# from our mail gateway\nhttp://Fraud-Shop.com/pay#x\n\n45.33.32.0/24\n",
            "category": "fraud",
            "evidence": "seen in spam",
        },
    )
    assert response.status_code == 201, response.content.decode()[:2000]
    html = response.content.decode()
    assert 'data-testid="batch-results"' in html
    assert set(Entry.objects.exclude(pk=known.pk).values_list("indicator", "category")) == {
        ("http://fraud-shop.com/pay", "fraud"),
        ("45.33.32.0/24", "fraud"),
    }
    assert "http://fraud-shop.com/pay" in html and "45.33.32.0/24" in html
    assert submitted() == before + 1
    audit = AuditEntry.objects.filter(action="registry.entries_submitted").latest("pk")
    assert audit.new["indicators"] == ["http://fraud-shop.com/pay", "45.33.32.0/24"]
    assert audit.new["created"] == 2
    assert set(Sighting.objects.exclude(entry=known).values_list("evidence", flat=True)) == {
        "seen in spam"
    }
    # Already known: another unit's batch adds a sighting to the entry, not a second entry.
    response = client_for(rep_b).post(PAGE, {"values": "EVIL-BANK.com", "category": "phishing"})
    assert response.status_code == 201
    assert 'data-outcome="sighted"' in response.content.decode()
    assert Entry.objects.filter(indicator="evil-bank.com").count() == 1
    assert Sighting.objects.filter(entry=known).count() == 2


def test_a_bad_batch_names_each_bad_line_and_submits_nothing(client_for, rep_a):
    client = client_for(rep_a)
    response = client.post(
        PAGE,
        {
            "values": "good-one.com\n\n10.1.1.1\nnot a domain\ngood-two.com\ngood-one.com\n"
            "<script>alert(1)</script>\n",
            "category": "phishing",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    # Lines as the person numbers them (the blank line 2 counts), each with its value.
    assert "第 3 行：10.1.1.1" in html and "第 4 行：not a domain" in html
    assert "第 6 行：good-one.com" in html  # the same indicator twice in one batch
    assert "第 1 行" not in html and "第 5 行" not in html
    assert "第 7 行：&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert not Entry.objects.exists() and submitted() == 0
    # Nothing to submit, both sources, or more than the limit: refused before any row is read.
    for data in (
        {"values": "\n# only a comment\n", "category": "phishing"},
        {"values": "a.com", "file": csv_file("value\nb.com\n"), "category": "phishing"},
        {"values": "\n".join(f"h{n}.evil.com" for n in range(1001)), "category": "phishing"},
    ):
        response = client.post(PAGE, data)
        assert response.status_code == 400, data
        assert 'data-testid="form-errors"' in response.content.decode()
    assert "1,001" in response.content.decode()
    assert not Entry.objects.exists() and submitted() == 0


def test_a_csv_file_from_a_chinese_spreadsheet_gives_each_row_its_own_columns(client_for, rep_a):
    client = client_for(rep_a)
    text = (
        "值,类别,含子域名,证据\r\n"
        "赌场.中国,赌博,是,群聊中的链接\r\n"
        '"http://evil.com/a,b",网络钓鱼,,"两行\n证据"\r\n'
        ",,,\r\n"
        "d41d8cd98f00b204e9800998ecf8427e,,,\r\n"
    )
    response = client.post(PAGE, {"file": csv_file(text, "gb18030"), "category": "malware"})
    assert response.status_code == 201, response.content.decode()[:3000]
    rows = {e.indicator: e for e in Entry.objects.all()}
    assert rows["*." + "赌场.中国".encode("idna").decode()].category == "gambling"
    assert rows["http://evil.com/a,b"].category == "phishing"
    assert rows["d41d8cd98f00b204e9800998ecf8427e"].category == "malware"  # the form's default
    assert Sighting.objects.get(entry=rows["http://evil.com/a,b"]).evidence == "两行\n证据"
    # A bad row is named by its spreadsheet row (the header is row 1).
    response = client.post(
        PAGE,
        {
            "file": csv_file(
                "value,category\nok.com,phishing\nbad..com,phishing\nx.com,nonsense\n"
            ),
            "category": "malware",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "第 3 行：bad..com" in html and "第 4 行：x.com" in html and "第 2 行" not in html
    assert Entry.objects.count() == 3
    for bad in (b"\xff\xfe\x00<\x00h\x00t", b"category\nphishing\n", b""):
        response = client.post(
            PAGE,
            {
                "file": SimpleUploadedFile("x.csv", bad, content_type="text/csv"),
                "category": "fraud",
            },
        )
        assert response.status_code == 400, bad
    assert Entry.objects.count() == 3


def test_only_member_units_people_submit_a_batch(client_for, no_unit_user, secretariat):
    for person in (no_unit_user, secretariat):
        assert client_for(person).get(PAGE).status_code == 403
        response = client_for(person).post(PAGE, {"values": "evil.com", "category": "fraud"})
        assert response.status_code == 403
    assert client_for(None).get(PAGE).status_code == 302
    assert not Entry.objects.exists()
