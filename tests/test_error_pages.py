def test_a_missing_page_answers_404_in_the_sites_own_page(client, db, settings):
    settings.DEBUG = False

    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 404
    page = response.content.decode()
    assert "找不到页面" in page
    assert 'href="/search/"' in page


def test_the_language_switch_names_each_language_in_itself(client, db):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert ">English</option>" in page
    assert ">简体中文</option>" in page
