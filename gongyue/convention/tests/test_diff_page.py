def test_the_diff_page_marks_the_changed_characters_inside_the_changed_article(
    client, amended_version
):
    response = client.get("/convention/diff/", {"from": 1, "to": 2})
    assert response.status_code == 200
    html = response.content.decode()
    assert "从第 1 版到第 2 版" in html
    assert "修改 1 条 · 新增 0 条 · 删除 0 条 · 调整编号 0 条 · 未变 29 条" in " ".join(
        html.split()
    )
    entry = html[html.index('id="diff-art-9"') :]
    entry = entry[: entry.index("</div>")]
    assert 'data-kind="changed"' in entry and "第九条" in entry
    assert "（二）不链接<ins>、不推荐</ins>含有有害信息的网站" in entry
    assert "未变的 29 条" in html


def test_the_diff_can_go_backwards(client, amended_version):
    html = client.get("/convention/diff/", {"from": 2, "to": 1}).content.decode()
    assert "不链接<del>、不推荐</del>含有有害信息的网站" in html


def test_the_diff_page_without_a_choice_offers_the_two_latest_versions(client, amended_version):
    response = client.get("/convention/diff/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<option value="1" selected>' in html and '<option value="2" selected>' in html
    assert 'data-testid="diff"' not in html


def test_comparing_a_version_with_itself_is_refused_with_a_message_next_to_the_field(
    client, amended_version
):
    response = client.get("/convention/diff/", {"from": 2, "to": 2})
    assert response.status_code == 400
    html = response.content.decode()
    error = html[html.index('data-testid="error-to"') :]
    assert "请选择两个不同的版本" in error[:200]
    assert 'data-testid="diff"' not in html


def test_comparing_with_an_unknown_version_is_refused_next_to_the_field(client, amended_version):
    response = client.get("/convention/diff/", {"from": 1, "to": 9})
    assert response.status_code == 400
    html = response.content.decode()
    assert "没有第 9 版。" in html[html.index('data-testid="error-to"') :]


def test_a_draft_cannot_be_compared_by_the_public_but_can_by_the_secretariat(
    client_for, draft_version, secretariat
):
    assert client_for(None).get("/convention/diff/", {"from": 1, "to": 2}).status_code == 400
    response = client_for(secretariat).get("/convention/diff/", {"from": 1, "to": 2})
    assert response.status_code == 200 and "<ins>、不推荐</ins>" in response.content.decode()


def test_a_new_article_and_renumbering_show_as_such(
    client, db, secretariat, sample_bytes, sample_v2_bytes
):
    from gongyue.convention.testing import make_version

    make_version(sample_bytes, actor=secretariat)
    make_version(sample_v2_bytes, actor=secretariat)
    html = " ".join(client.get("/convention/diff/", {"from": 1, "to": 2}).content.decode().split())
    assert "修改 1 条 · 新增 1 条 · 删除 0 条 · 调整编号 4 条 · 未变 7 条" in html
    assert "对用户投诉在十<del>五</del>个工作日内作出答复<ins>，并告知处理结果</ins>。" in html
    assert "第九条 → 第十条" in html
