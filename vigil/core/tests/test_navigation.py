"""The menu: only what the user may open, grouped entries in one drop-down."""

from vigil.core.navigation import menu_for


def test_steering_pages_share_one_drop_down_marked_active_on_its_pages(net):
    menu = menu_for(net.users["office_staff"], "/program/tasks/12/")
    groups = {str(item["label"]): item for item in menu if item.get("children")}
    assert set(groups) == {"Phạm vi quản lý", "Chỉ đạo, điều hành", "Sự cố", "Tri thức mối đe doạ"}
    constituency = {str(c["label"]) for c in groups["Phạm vi quản lý"]["children"]}
    assert constituency == {"Tra cứu chủ sở hữu", "Yêu cầu nhận phạm vi"}
    steering, incidents = groups["Chỉ đạo, điều hành"], groups["Sự cố"]
    children = {str(c["label"]): c for c in steering["children"]}
    assert {"Phiên họp", "Nhiệm vụ", "Ma trận nhiệm vụ", "Kiểm tra", "Báo cáo phiên họp"} <= set(children)
    assert steering["active"] and children["Nhiệm vụ"]["active"] and not children["Phiên họp"]["active"]
    assert not incidents["active"]  # only the group of the page being shown is marked
    top = [str(item["label"]) for item in menu if not item.get("children")]
    assert "Việc của đơn vị" in top and "Nhật ký kiểm toán" not in top  # not an auditor


def test_the_page_renders_the_drop_down(login, net):
    body = login(net.users["a_analyst"]).get("/program/tasks/").content.decode()
    assert 'data-testid="nav-group"' in body and "dropdown-item active" in body
