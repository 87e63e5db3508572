"""The menu: a sidebar of groups, only what the user may open, the current group open."""

from vigil.core.navigation import menu_for


def test_the_sidebar_groups_entries_by_area_and_marks_the_current_page_and_group(net):
    menu = menu_for(net.users["office_staff"], "/program/tasks/12/")
    groups = {str(item["label"]): item for item in menu if item.get("children")}
    assert list(groups) == [
        "Tổ chức", "Chỉ đạo, điều hành", "Sự cố", "Tri thức mối đe doạ", "Hệ thống thông tin", "Quản trị",
    ]
    organisation = {str(c["label"]) for c in groups["Tổ chức"]["children"]}
    assert {"Cây đơn vị", "Tra cứu chủ sở hữu", "Yêu cầu nhận phạm vi"} <= organisation
    steering = groups["Chỉ đạo, điều hành"]
    children = {str(c["label"]): c for c in steering["children"]}
    assert {"Việc của đơn vị", "Phiên họp", "Nhiệm vụ", "Ma trận nhiệm vụ", "Kiểm tra", "Báo cáo phiên họp"} <= set(children)
    assert steering["active"] and children["Nhiệm vụ"]["active"] and not children["Phiên họp"]["active"]
    assert [g for g in groups.values() if g["active"]] == [steering]  # only the current group is open
    top = [str(item["label"]) for item in menu if not item.get("children")]
    assert top == ["Tổng quan"]
    administration = {str(c["label"]) for c in groups["Quản trị"]["children"]}
    assert administration == {"Webhook"}  # not an auditor, not the network's administrator
    assert len({g["id"] for g in groups.values()}) == len(groups)


def test_the_longest_matching_entry_is_the_current_one(net):
    menu = menu_for(net.users["office_staff"], "/intel/indicators/new/")
    intel = next(item for item in menu if str(item["label"]) == "Tri thức mối đe doạ")
    active = [str(c["label"]) for c in intel["children"] if c["active"]]
    assert active == ["Thêm chỉ báo"]  # not also "Chỉ báo" (/intel/indicators/)
    home = menu_for(net.users["office_staff"], "/")
    assert [str(i["label"]) for i in home if i["active"]] == ["Tổng quan"]
    assert not any(i.get("active") for i in home if i.get("children"))


def test_the_page_renders_the_sidebar_with_the_current_group_open(login, net):
    body = login(net.users["office_staff"]).get("/program/tasks/").content.decode()
    assert 'data-testid="sidebar"' in body and 'data-testid="sidebar-toggle"' in body
    assert body.count('data-testid="nav-group"') == 6
    assert body.count('class="collapse list-unstyled mb-1 show"') == 1  # the steering group, open
    assert 'class="vg-nav-link active" href="/program/tasks/" aria-current="page"' in body
    assert 'data-testid="logout"' in body and 'data-testid="language-select"' in body


def test_the_login_page_has_the_top_bar_without_a_sidebar(client, net):
    body = client.get("/login/").content.decode()
    assert 'data-testid="language-select"' in body
    assert 'data-testid="sidebar"' not in body and 'data-testid="sidebar-toggle"' not in body
