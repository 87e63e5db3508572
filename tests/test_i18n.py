"""Both catalogues are complete and compiled; pages render in each language."""

import re
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


class _Args(dict):
    """Any %(name)s placeholder of a message: the count for n, a word for the rest."""

    def __init__(self, n):
        super().__init__(n=n)

    def __missing__(self, key):
        return "X"


# Count messages whose English reads the same for one and many ("3 open").
SAME_IN_ENGLISH = {"%(n)s đang theo dõi"}


def _plural_messages():
    with open(LOCALE / "vi" / "LC_MESSAGES" / "django.po", "rb") as fh:
        catalog = read_po(fh, locale="vi")
    return [(m.context, m.id[0], m.id[1]) for m in catalog if isinstance(m.id, tuple)]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_catalogue_declares_the_languages_plural_rule(lang):
    with open(LOCALE / lang / "LC_MESSAGES" / "django.po", "rb") as fh:
        text = fh.read().decode()
    expected = {"vi": "nplurals=1; plural=0;", "en": "nplurals=2; plural=(n != 1);"}[lang]
    assert f"Plural-Forms: {expected}" in text


def test_every_plural_message_reads_in_both_languages_for_every_count():
    """Each count message (ngettext, blocktranslate count) rendered for n = 0, 1, 2, 5 in
    Vietnamese and English, through Django's compiled catalogues: never empty, English
    never left in Vietnamese, and English says one thing for 1 and another for the rest
    when its two forms differ (no "6 incident")."""
    from django.utils import translation

    messages = _plural_messages()
    assert len(messages) >= 8
    with open(LOCALE / "en" / "LC_MESSAGES" / "django.po", "rb") as fh:
        english = {(m.context, m.id[0]): m.string for m in read_po(fh, locale="en") if isinstance(m.id, tuple)}
    failures = []
    for context, singular, plural in messages:
        for lang in ("vi", "en"):
            with translation.override(lang):
                for n in (0, 1, 2, 5):
                    if context:
                        text = translation.npgettext(context, singular, plural, n)
                    else:
                        text = translation.ngettext(singular, plural, n)
                    try:
                        shown = text % _Args(n) if "%(" in text else text
                    except (KeyError, ValueError, TypeError) as exc:
                        failures.append((lang, n, singular, f"does not format: {exc}"))
                        continue
                    if not shown.strip():
                        failures.append((lang, n, singular, "empty"))
                    elif lang == "en" and text in (singular, plural):
                        failures.append((lang, n, singular, "left in Vietnamese"))
                    elif "%(n)s" in text and str(n) not in shown:
                        failures.append((lang, n, singular, f"does not show the count: {shown!r}"))
                    forms = english.get((context, singular), ("", ""))
                    if lang == "en" and forms[0] == forms[1] and singular not in SAME_IN_ENGLISH:
                        failures.append((lang, n, singular, f"one English form for every count: {forms[0]!r}"))
                    elif lang == "en":
                        wanted = forms[0] if n == 1 else forms[1]
                        if text != wanted:
                            failures.append((lang, n, singular, f"{text!r} instead of {wanted!r}"))
    assert not failures, failures[:20]


def _i18n_script(monkeypatch, tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("vigil_i18n_script", Path(__file__).resolve().parent.parent / "scripts" / "i18n.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    (tmp_path / "en").mkdir()
    monkeypatch.setattr(module, "SOURCES", tmp_path)
    return module


def test_catalogue_build_refuses_one_msgid_translated_two_ways(monkeypatch, tmp_path):
    script = _i18n_script(monkeypatch, tmp_path)
    (tmp_path / "en" / "a.json").write_text('{"nội dung": "content", "Kiểm tra": "Inspections"}', encoding="utf-8")
    (tmp_path / "en" / "b.json").write_text('{"nội dung": "action"}', encoding="utf-8")
    with pytest.raises(script.CatalogueError, match="nội dung.*a.json says 'content', b.json says 'action'"):
        script.english_map()


def test_catalogue_build_keeps_contexts_and_plural_pairs_apart(monkeypatch, tmp_path):
    script = _i18n_script(monkeypatch, tmp_path)
    (tmp_path / "en" / "a.json").write_text(
        '{"Kiểm tra": "Inspections", "%(n)s sự cố": ["%(n)s incident", "%(n)s incidents"],'
        ' "_contexts": {"import": {"Kiểm tra": "Check"}}}', encoding="utf-8")
    (tmp_path / "en" / "b.json").write_text('{"Kiểm tra": "Inspections"}', encoding="utf-8")
    mapping = script.english_map()
    assert mapping[(None, "Kiểm tra")] == "Inspections"
    assert mapping[("import", "Kiểm tra")] == "Check"
    assert mapping[(None, "%(n)s sự cố")] == ("%(n)s incident", "%(n)s incidents")


@pytest.mark.parametrize(("context", "msgid", "english"), [
    ("import", "Kiểm tra", "Check"), (None, "Kiểm tra", "Inspections"),
    ("decision", "nội dung", "action"), (None, "nội dung", "content"),
    ("event", "Giao nhiệm vụ", "Task assigned"), (None, "Giao nhiệm vụ", "Assign a task"),
    ("SLA clock", "Tiếp nhận", "Acknowledgement"), (None, "Tiếp nhận", "Received"),
])
def test_short_ambiguous_labels_read_by_their_context(context, msgid, english):
    from django.utils import translation

    with translation.override("en"):
        shown = translation.pgettext(context, msgid) if context else translation.gettext(msgid)
    assert shown == english


# --------------------------------------------------------------------------- counts

# Non-plural English messages where a number stands before a plural noun, kept so on purpose:
# the number is never a count that can be 1 ("1 tasks" can never show). Every other count
# goes through ngettext / `{% blocktranslate count %}` (issue 13).
COUNTS_THAT_NEED_NO_PLURAL = {
    # Limits: a fixed maximum or minimum of the code, never 1.
    "%(label)s dài quá %(n)s ký tự.",
    "Bình luận dài quá %(n)s ký tự.",
    "Ghi chú dài quá %(n)s ký tự.",
    "Giá trị dài quá %(n)s ký tự.",
    "Mô tả dài quá %(n)s ký tự.",
    "Tiêu đề dài quá %(n)s ký tự.",
    "Tên CPE dài quá %(n)s ký tự.",
    "Từ khoá dài quá %(n)s ký tự.",
    "Địa chỉ dài quá %(n)s ký tự.",
    "Mô tả tối đa %(n)s ký tự.",
    "Tiêu đề tối đa %(n)s ký tự.",
    "Khoá chống gửi lặp tối đa %(n)s ký tự.",
    "Tên quá dài (tối đa %(n)s ký tự).",
    "Địa chỉ nhận quá dài (tối đa %(n)s ký tự).",
    "Tối thiểu %(n)s ký tự.",
    "Tối đa %(n)s ký tự.",
    "Tệp %(name)s chứa một ô hoặc đoạn văn bản dài quá %(n)s ký tự; tệp bị từ chối.",
    "Tối đa %(n)s dấu hiệu trong một báo cáo.",
    "Tối đa %(n)s giá trị mỗi lần.",
    "Tối đa %(n)s hệ thống mỗi lần nhập.",
    "Tối đa %(n)s tệp mỗi báo cáo.",
    "Tối đa %(n)s tệp đính kèm.",
    "Danh mục kiểm tra tối đa %(n)s bước.",
    "JSON lồng nhau quá %(n)s cấp",
    "Nội dung vượt quá giới hạn %(limit)s byte của máy chủ.",
    "Tệp %(name)s có tỉ lệ nén bất thường (hơn %(ratio)s lần); tệp bị từ chối.",
    "Thời hạn phải từ 1 đến %(n)s ngày.",
    "Chu kỳ phải từ %(low)s đến %(high)s phút.",
    # Limits shown as such: the statistics cache lifetime, a list cut at its page size, the
    # first entries of a long warninglist, an export cut at its row limit.
    "Kỳ thống kê: %(since)s – %(until)s. Số liệu tính lúc %(at)s và được làm mới sau tối đa %(minutes)s phút.",
    "Hơn %(n)s sự cố",
    "%(n)s mục đầu tiên",
    "Tệp chỉ gồm %(n)s sự cố đầu tiên trong %(total)s sự cố khớp bộ lọc; hãy thu hẹp bộ lọc.",
    # Ratios: "%(n)s/%(total)s units" reads as a share of a whole, whatever the numbers.
    "%(a)s/%(n)s điểm cầu đã kết nối.",
    "%(matched)s/%(total)s đơn vị khớp",
    "%(n)s/%(total)s dấu hiệu trùng chỉ báo đã biết.",
    "%(shown)s/%(total)s đơn vị.",
    "Có %(n)s/%(total)s dòng lỗi.",
}

# Words ending in -s after a placeholder that are verbs or function words, not plural nouns
# ("%(name)s holds", "%(unit)s already answers").
_NOT_NOUNS = {"is", "was", "has", "does", "its", "as", "this", "thus", "always", "holds", "belongs",
              "lacks", "lies", "asks", "assigns", "needs", "exists", "requires", "answers",
              "determines", "expands", "requests", "runs", "sends", "says", "keeps", "takes"}


def _plural_looking(word: str) -> bool:
    word = word.lower()
    return word.endswith("s") and not word.endswith("ss") and word not in _NOT_NOUNS


def _counts_before_plural_nouns(po_path) -> dict:
    """{msgid: English} of the non-plural messages whose English puts a placeholder right
    before a plural noun ("%(n)s tasks"), or before one word and a plural noun ("%(n)s
    overdue tasks", "and %(n)s more entries"); "day(s)" counts as plural."""
    import re

    placeholder = re.compile(r"%\(\w+\)s\)?((?:\s+[A-Za-z][\w-]*){1,2})")
    with open(po_path, "rb") as fh:
        catalog = read_po(fh, locale="en")
    found = {}
    for m in catalog:
        if not m.id or isinstance(m.id, tuple) or not isinstance(m.string, str):
            continue
        for words in placeholder.findall(m.string.replace("(s)", "s")):
            first, *rest = words.split()
            if _plural_looking(first) or (first.lower() not in _NOT_NOUNS and rest and _plural_looking(rest[0])):
                found[m.id] = m.string
                break
    return found


def test_every_count_before_a_plural_noun_is_a_plural_message():
    """A count shown in a plain message reads "1 tasks" in English: every such message is
    a plural one, or is listed above with the reason it is never 1."""
    found = _counts_before_plural_nouns(LOCALE / "en" / "LC_MESSAGES" / "django.po")
    unexpected = {k: v for k, v in found.items() if k not in COUNTS_THAT_NEED_NO_PLURAL}
    assert not unexpected, [f"{k!r} => {v!r}" for k, v in unexpected.items()][:20]


def test_the_count_guard_catches_one_tasks(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
        'msgid "%(n)s nhiệm vụ"\nmsgstr "%(n)s tasks"\n\n'
        'msgid "Trễ %(n)s ngày"\nmsgstr "%(n)s day(s) late"\n\n'
        'msgid "và %(n)s mục khác"\nmsgstr "and %(n)s more entries"\n\n'
        'msgid "%(u)s đã nhận %(v)s"\nmsgstr "%(u)s already holds %(v)s"\n\n'
        'msgid "Tệp %(name)s bị từ chối"\nmsgstr "The file %(name)s is refused"\n\n'
        'msgid "%(n)s đơn vị"\nmsgid_plural "%(n)s đơn vị"\nmsgstr[0] "%(n)s unit"\nmsgstr[1] "%(n)s units"\n',
        encoding="utf-8",
    )
    assert set(_counts_before_plural_nouns(po)) == {"%(n)s nhiệm vụ", "Trễ %(n)s ngày", "và %(n)s mục khác"}


def test_no_text_is_translated_once_at_import_time():
    """A label written as `label = gettext("…")` in a class or module body is translated
    once, when the module is imported, in the default language: it then stays Vietnamese
    for English readers (issue 13: the export and import format names). Such labels use
    gettext_lazy; eager gettext belongs inside functions."""
    import ast

    root = Path(__file__).resolve().parent.parent / "vigil"
    offenders = []
    for path in root.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        eager = {alias.asname or alias.name for node in tree.body if isinstance(node, ast.ImportFrom)
                 and node.module == "django.utils.translation" for alias in node.names
                 if alias.name in ("gettext", "ngettext", "pgettext", "npgettext")}
        if not eager:
            continue

        def scan(body, where, eager=eager, path=path):
            for node in body:
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                if isinstance(node, ast.ClassDef):
                    scan(node.body, f"{where}{node.name}.")
                    continue
                stack = [node]
                while stack:
                    sub = stack.pop()
                    if isinstance(sub, (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef)):
                        continue
                    if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id in eager:
                        offenders.append(f"{path.relative_to(root)}:{sub.lineno} {where}")
                    stack.extend(ast.iter_child_nodes(sub))

        scan(tree.body, "")
    assert not offenders, offenders


def test_format_names_read_in_the_readers_language():
    from django.utils import translation

    from vigil.intel.formats.blocklists import RpzExport

    with translation.override("en"):
        assert str(RpzExport.label) != "Vùng DNS RPZ"


# --------------------------------------------------------------------------- dates

# Date patterns a template may spell out: the same in both languages and unambiguous in both
# (ISO timestamps of logs, a time alone, a month and year in digits). Any other date goes
# through a format name of vigil/formats (SHORT_DATE_FORMAT: 05/03/2026 in Vietnamese,
# 5 Mar 2026 in English), so that English readers never meet a day/month order they read
# as month/day.
DATE_PATTERNS_OF_BOTH_LANGUAGES = {"Y-m-d H:i:s", "Y-m-d", "H:i:s", "H:i", "m/Y", "c", "U"}


def test_templates_write_dates_by_the_languages_format_names():
    import pathlib

    offenders = []
    for path in sorted(pathlib.Path("vigil").rglob("*.html")):
        for match in re.finditer(r'\|date:"([^"]*)"', path.read_text(encoding="utf-8")):
            pattern = match.group(1)
            if not pattern.endswith("_FORMAT") and pattern not in DATE_PATTERNS_OF_BOTH_LANGUAGES:
                offenders.append(f"{path}: {pattern}")
    assert not offenders, offenders


@pytest.mark.django_db
def test_a_page_and_a_message_write_dates_the_readers_way(net, client):
    """The task page's due date in each language (the account keeps the language chosen)."""
    import datetime as dt

    from django.urls import reverse

    from vigil.core.actors import Actor
    from vigil.program.services import tasks as svc

    task = svc.task_create(
        actor=Actor(user=net.users["office_staff"]), title="Rà soát", assigning_unit=net.units["office"],
        lead_units=[net.units["prov_a"]], due_date=dt.date(2031, 3, 5),
    )
    user = net.users["office_staff"]
    client.force_login(user)
    shown = {}
    for lang in ("vi", "en"):
        user.language = lang  # what the language switch keeps on the account
        user.save(update_fields=["language"])
        page = client.get(reverse("program:task_detail", args=[task.pk]))
        assert page.status_code == 200
        shown[lang] = re.search(r'data-testid="due-date">([^<]*)', page.content.decode()).group(1).strip()
    assert shown == {"vi": "05/03/2031", "en": "5 Mar 2031"}
