"""Both catalogues are complete and compiled; pages render in each language."""

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

LOCALE = Path(__file__).resolve().parent.parent / "vigil" / "locale"


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_catalogue_is_complete_and_compiled(lang):
    po = LOCALE / lang / "LC_MESSAGES" / "django.po"
    with open(po, "rb") as fh:
        catalog = read_po(fh, locale=lang)
    untranslated = [m.id for m in catalog if m.id and (not m.string or "fuzzy" in m.flags or
                    (isinstance(m.string, tuple) and not all(m.string)))]
    assert not untranslated, untranslated[:20]
    assert len(catalog) > 300
    mo = po.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime - 1


@pytest.mark.django_db
def test_login_page_in_each_language(client):
    vi = client.get("/login/")
    assert 'lang="vi"' in vi.content.decode() and "Đăng nhập Vigil" in vi.content.decode()
    client.cookies["django_language"] = "en"
    en = client.get("/login/")
    assert 'lang="en"' in en.content.decode() and "Đăng nhập Vigil" not in en.content.decode()


@pytest.mark.django_db
def test_api_problem_title_follows_accept_language(client):
    vi = client.get("/api/v1/core/me")
    en = client.get("/api/v1/core/me", HTTP_ACCEPT_LANGUAGE="en")
    assert vi.json()["title"] == "Cần xác thực"
    assert en.json()["title"] == "Authentication required"
    assert vi["Content-Type"] == "application/problem+json"
