"""Province A's intelligence shared by the page and API tests: an AMBER source asserting a
live phishing URL and an address, a GREEN source asserting a domain."""

from vigil.core.actors import Actor
from vigil.intel import reference as reference_data
from vigil.intel.models import ImportJob, Indicator
from vigil.intel.services.ingest import import_bytes
from vigil.intel.services.sources import source_create

LIVE_URL = "http://lua-dao-a.xyz/dang-nhap?ngan-hang=1"
SAFE_URL = "hxxp://lua-dao-a[.]xyz/dang-nhap?ngan-hang=1"
GREEN_DOMAIN = "gia-mao-b.xyz"
RED_NAME = "Nguồn mật MARKER-RED"


def make_source(net, user="a_analyst", unit="prov_a", tlp="amber", name=None, **fields):
    return source_create(actor=Actor(user=net.users[user]), owner_unit=net.units[unit],
                         name=name or f"Nguồn {unit} {tlp}", tlp=tlp, **fields)


def seed(net, source, text: str, *, fmt="list", user="a_analyst", **kwargs):
    job = import_bytes(actor=Actor(user=net.users[user]), source=source, data=text.encode(), format=fmt,
                       filename=f"{source.name}-{len(text)}.txt", **kwargs)
    assert job.status == ImportJob.Status.DONE, job.errors
    return job


def build_intel_world(net):
    reference_data.load_all()
    amber = make_source(net)
    seed(net, amber, f"{LIVE_URL}\n185.220.101.7\n")
    green = make_source(net, tlp="green", name="Nguồn xanh tỉnh A")
    seed(net, green, f"{GREEN_DOMAIN}\n")
    net.amber_source, net.green_source = amber, green
    net.url = Indicator.objects.get(type="url")
    net.ip = Indicator.objects.get(type="ipv4")
    net.green = Indicator.objects.get(type="domain", value=GREEN_DOMAIN)
    return net
