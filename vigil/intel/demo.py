"""The demo's threat intelligence, loaded after the incidents so that it correlates with them:

- the standing agency's shared source (TLP:GREEN) fed by a file feed of Vietnamese scam
  domains (a sample of the MIT-licensed hostsVN list, see demo_data/), run once;
- the indicators of the Ministry of Finance phishing incident (the look-alike tax domain, its
  URL, the sending server) asserted by the agency, so the incident and the indicators link;
- Hà Nội's own AMBER source with a scam phone number and a mule bank account;
- a sighting of the sending server by Hồ Chí Minh City, and one false positive revoked.

Everything goes through the services as the demo users. Idempotent: a source that exists
is reused, a file already imported changes nothing, indicators are upserted.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from django.conf import settings

from vigil.core.actors import Actor
from vigil.core.models import User
from vigil.org.models import Unit

from .models import Feed, Indicator, Source
from .services import feeds, indicators, sources

SAMPLE = Path(__file__).resolve().parent / "demo_data" / "hostsvn-threat-vn-sample.txt"
AGENCY_SOURCE = "CQTT – Chỉ báo chia sẻ toàn mạng lưới"


def _actor(username: str) -> Actor | None:
    user = User.objects.filter(username=username, is_active=True).first()
    return Actor(user=user, channel="cli") if user else None


def _source(actor: Actor, unit: Unit, name: str, **fields) -> Source:
    existing = Source.objects.filter(owner_unit=unit, name=name).first()
    return existing or sources.source_create(actor=actor, owner_unit=unit, name=name, **fields)


def load(*, actor: Actor) -> list:
    """Load the demo intelligence; it adds no login of its own."""
    agency_actor, hanoi_actor, hcm_actor = _actor("phantich"), _actor("hanoi"), _actor("hcm")
    agency, hanoi, hcm = (Unit.objects.filter(code=c, is_active=True).first() for c in ("cqtt", "ha-noi", "ho-chi-minh"))
    if not (agency_actor and agency):
        return []
    shared = _source(agency_actor, agency, AGENCY_SOURCE, tlp="green", kind=Source.Kind.PARTNER,
                     reliability=Source.Reliability.B, default_confidence=80,
                     description="Chỉ báo do Cơ quan thường trực tổng hợp và chia sẻ cho mọi thành viên.")
    feed_source = _source(agency_actor, agency, "hostsVN – tên miền lừa đảo tại Việt Nam", tlp="clear",
                          kind=Source.Kind.FEED, reliability=Source.Reliability.C, default_confidence=60,
                          description="Mẫu danh sách hostsVN (giấy phép MIT), dùng cho bản trình diễn.")
    folder = Path(settings.DATA_DIR) / "feeds"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / SAMPLE.name
    if not target.exists():
        shutil.copyfile(SAMPLE, target)
    feed = Feed.objects.filter(source=feed_source).first() or feeds.feed_create(
        actor=agency_actor, source=feed_source, name="hostsVN threat-VN (mẫu)", path=str(target), format="list",
        indicator_type="domain", interval_minutes=1440,
    )
    if feed.last_run_at is None:
        feeds.feed_run(actor=agency_actor, feed=feed)
    for type_code, value, note in (
        ("domain", "thuedientu-gdt.example", "Tên miền giả mạo cổng thuế điện tử"),
        ("url", "https://thuedientu-gdt.example/dang-nhap", "Trang đăng nhập giả mạo"),
        ("ipv4", "185.220.101.1", "Máy chủ gửi thư lừa đảo"),
        ("email", "hotro@thuedientu-gdt.example", "Địa chỉ gửi thư lừa đảo"),
    ):
        indicators.indicator_add(actor=agency_actor, source=shared, type=type_code, value=value, confidence=85,
                                 description=note, tags=('rsit:fraud="phishing"', "tlp:green"),
                                 attack_ids=("T1566.002",))
    if hanoi_actor and hanoi:
        local = _source(hanoi_actor, hanoi, "Hà Nội – Tiếp nhận phản ánh lừa đảo", tlp="amber",
                        kind=Source.Kind.MANUAL, reliability=Source.Reliability.B, default_confidence=70)
        indicators.indicator_add(actor=hanoi_actor, source=local, type="phone", value="0912 000 111",
                                 description="Số điện thoại mạo danh công an gọi lừa chuyển tiền")
        indicators.indicator_add(actor=hanoi_actor, source=local, type="bank_account", value="VCB:0011 0022 0033",
                                 description="Tài khoản nhận tiền lừa đảo")
    server = Indicator.objects.filter(stix_uuid=Indicator.uuid_for("ipv4", "185.220.101.1")).first()
    if hcm_actor and hcm and server and not server.sightings.exists():
        indicators.sighting_add(actor=hcm_actor, indicator=server, unit=hcm, count=14,
                                note="Thấy trong nhật ký cổng thư điện tử của Thành phố")
    false_positive = Indicator.objects.filter(stix_uuid=Indicator.uuid_for("domain", "ibmgroup.co.uk")).first()
    if false_positive and not false_positive.revoked_at:
        indicators.indicator_revoke(actor=agency_actor, indicator=false_positive,
                                    reason="Tên miền của một doanh nghiệp hợp pháp, bị đưa nhầm vào danh sách.")
    return []
