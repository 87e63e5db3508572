"""Every URL and API route, for users of two sibling provinces and of the national office.

Routes are enumerated from the URL resolver and the OpenAPI document, so a route added
later is covered automatically. Path parameters are filled by name from OBJECTS below;
a route with a parameter name that has no entry fails the test, which is how a new kind
of object gets its row here.

What is proved, for every route:
- anonymous: pages redirect to the login page, the API answers 401 (except PUBLIC);
- a user of province B never reads province A's objects (403/404 on A's ids, and no
  response of any GET route contains A's marker strings) and never changes them (no
  2xx, and no row of any Vigil table changes);
- the national office reads A's AMBER objects but never its TLP:AMBER+STRICT or RED ones;
- no route answers 500 to any of these requests.
"""

import functools
import hashlib
import json
import re
from datetime import date

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from vigil.api import api
from vigil.core.actors import Actor
from vigil.core.models import TLP, ApiToken, AuditEntry, Notification
from vigil.core.services.auth import token_create
from vigil.org.models import (
    ConstituencyEntry,
    DecisionItem,
    Membership,
    MembershipDecision,
    Person,
    Role,
)

pytestmark = pytest.mark.django_db(transaction=False)

# Routes anyone may open without logging in.
PUBLIC = {
    "login/", "login/otp/", "health", "metrics", "i18n/setlang/", "api/v1/docs",
    "api/v1/openapi.json", "logout/",
}
API_PREFIX = "api/v1/"
PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
WRITE_METHODS = ("post", "put", "patch", "delete")
MARKERS_A = (
    "MARKER-A-UNIT", "MARKER-A-PERSON", "MARKER-A-DECISION", "marker-a.example",
    "MARKER-A-MEETING", "MARKER-A-TASK", "MARKER-A-PROGRAMME", "MARKER-A-INSPECTION",
    "MARKER-A-SYSTEM", "MARKER-A-INCIDENT", "marker-a-incident.example", "MARKER-A-WEBHOOK",
    "MARKER-A-INTEL", "intel.marker-a.example",
)
MARKERS_SECRET = ("MARKER-A-RED", "MARKER-A-STRICT", "marker-a-red-incident.example",
                  "marker-a-strict-incident.example")
# Oversight roles (the office, the standing agency, an auditor) and a parent unit above
# province A: they read A's AMBER objects but never its TLP:AMBER+STRICT or RED ones.
OVERSIGHT = ("office_staff", "agency_analyst", "auditor", "national_viewer")


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def page_routes():
    """Non-API routes as Django patterns ('org/units/<int:unit_id>/')."""
    return sorted(r for r in set(_walk(get_resolver().url_patterns)) if not r.startswith(API_PREFIX))


def api_routes():
    """API routes as (path pattern with <name>, [methods]) from the OpenAPI document."""
    schema = _schema()
    out = []
    for path, ops in schema["paths"].items():
        route = re.sub(r"\{(\w+)\}", r"<\1>", path.lstrip("/"))
        route = route.removeprefix(API_PREFIX)
        out.append((route, sorted(m for m in ops if m in ("get", *WRITE_METHODS))))
    return sorted(out)


@pytest.fixture
def world(net):
    """Province A's objects, with marker strings a leak would show."""
    u = net.units
    dept = u["prov_a_dept"]
    dept.name = "Sở MARKER-A-UNIT"
    dept.save()
    person = Person.objects.create(full_name="MARKER-A-PERSON Nguyễn", home_unit=dept)
    role = Role.objects.get(code="member")
    membership = Membership.objects.create(person=person, unit=dept, role=role, since=date(2025, 2, 1))

    def decision(number, title, tlp):
        d = MembershipDecision.objects.create(
            owner_unit=dept, number=number, date=date(2025, 1, 5), effective_date=date(2025, 1, 10),
            issuer="UBND tỉnh A", title=title, tlp=tlp, created_by=net.users["a_head"],
        )
        item = DecisionItem.objects.create(decision=d, action="appoint", person=person, role=role)
        return d, item

    amber, amber_item = decision("01/QĐ-A", "MARKER-A-DECISION", TLP.AMBER)
    red, red_item = decision("02/QĐ-A", "MARKER-A-RED", TLP.RED)
    strict, strict_item = decision("03/QĐ-A", "MARKER-A-STRICT", TLP.AMBER_STRICT)
    entry = ConstituencyEntry.objects.create(  # a delegation request awaiting province A (issue 11)
        unit=dept, kind="domain", value="marker-a.example", match_key="example.marker-a.",
        status=ConstituencyEntry.Status.PENDING,
    )
    entry.consent_units.set([u["prov_a"]])
    _token, _secret = token_create(actor=Actor(user=net.users["a_analyst"]), user=net.users["a_analyst"], name="A")
    program = _program_world(net, person)
    incidents = _incidents_world(net)
    secret_incidents = {tlp: _secret_incident_world(net, tlp) for tlp in (TLP.RED, TLP.AMBER_STRICT)}
    intel = _intel_world(net)
    notification = Notification.objects.create(
        recipient=net.users["a_analyst"], unit=u["prov_a"], kind="program.task.due_soon",
        title="MARKER-A-TASK due soon", body="MARKER-A-TASK", url="/program/",
    )
    audit_entry = AuditEntry.objects.filter(unit=dept).order_by("-seq").first() or AuditEntry.objects.order_by("-seq").first()
    return {
        "net": net,
        "amber": {"unit_id": dept.pk, "person_id": person.pk, "membership_id": membership.pk,
                  "decision_id": amber.pk, "item_id": amber_item.pk, "constituency_entry_id": entry.pk,
                  "audit_entry_id": audit_entry.pk, "token_id": _token.pk, "key_id": _token.key_id,
                  "notification_id": notification.pk, **program, **incidents, **intel["amber"]},
        "red": {"decision_id": red.pk, "item_id": red_item.pk, **intel["red"], **secret_incidents[TLP.RED]},
        "strict": {"decision_id": strict.pk, "item_id": strict_item.pk, **intel["strict"],
                   **secret_incidents[TLP.AMBER_STRICT]},
        "global": {"role_id": Role.objects.get(code="analyst").pk, "stage_id": _reporting_stage().pk,
                   **intel["global"]},
    }


def _program_world(net, person):
    """Province A's committee work: its subcommittee's meeting, its programme, a task it
    leads (assigned by the province to its department), a report with evidence, an
    extension request, an inspection of its department."""
    from django.core.files.base import ContentFile

    from vigil.program.models import (
        Conclusion,
        EvidenceFile,
        ExtensionRequest,
        Finding,
        Inspection,
        InspectionTarget,
        Meeting,
        MeetingAttendee,
        MeetingDocument,
        MeetingSite,
        ProgressReport,
        Task,
        TaskEvent,
        WorkProgramme,
    )

    u = net.units
    meeting = Meeting.objects.create(
        body_unit=u["prov_a_sub"], title="MARKER-A-MEETING", held_on=date(2026, 3, 2), is_online=True,
    )
    attendee = MeetingAttendee.objects.create(meeting=meeting, person=person)
    site = MeetingSite.objects.create(meeting=meeting, unit=u["prov_a_dept"], attended=True)
    document = MeetingDocument(meeting=meeting, title="MARKER-A-MEETING notice", sha256="0" * 64, size=4)
    document.file.save("marker.pdf", ContentFile(b"%PDF"), save=True)
    conclusion = Conclusion.objects.create(meeting=meeting, number=1, text="MARKER-A-MEETING conclusion")
    programme = WorkProgramme.objects.create(unit=u["prov_a"], year=2026, title="MARKER-A-PROGRAMME")
    task = Task.objects.create(
        title="MARKER-A-TASK", assigning_unit=u["prov_a"], lead_unit=u["prov_a_dept"],
        conclusion=conclusion, source="conclusion", start_date=date(2026, 3, 2),
        due_date=date(2026, 6, 30), original_due_date=date(2026, 6, 30),
    )
    event = TaskEvent.objects.create(task=task, kind="created", note="MARKER-A-TASK")
    report = ProgressReport.objects.create(task=task, percent=30, text="MARKER-A-TASK report")
    evidence = EvidenceFile(report=report, name="marker.pdf", sha256="0" * 64, size=4)
    evidence.file.save("marker.pdf", ContentFile(b"%PDF"), save=True)
    extension = ExtensionRequest.objects.create(
        task=task, old_due_date=task.due_date, new_due_date=date(2026, 9, 30), reason="MARKER-A-TASK",
    )
    inspection = Inspection.objects.create(
        inspecting_unit=u["prov_a"], title="MARKER-A-INSPECTION", year=2026,
        planned_start=date(2026, 5, 1), planned_end=date(2026, 5, 10),
    )
    target = InspectionTarget.objects.create(inspection=inspection, unit=u["prov_a_dept"])
    finding = Finding.objects.create(inspection=inspection, unit=u["prov_a_dept"], number=1, text="MARKER-A-INSPECTION")
    return {
        "meeting_id": meeting.pk, "attendee_id": attendee.pk, "site_id": site.pk,
        "document_id": document.pk, "conclusion_id": conclusion.pk, "programme_id": programme.pk,
        "task_id": task.pk, "event_id": event.pk, "report_id": report.pk, "evidence_id": evidence.pk,
        "extension_id": extension.pk, "inspection_id": inspection.pk, "target_id": target.pk,
        "finding_id": finding.pk,
    }


def _reporting_stage():
    from vigil.incidents.models import ReportingStage

    stage, _ = ReportingStage.objects.get_or_create(
        code="initial", sector="", defaults={"name": "Báo cáo ban đầu", "name_en": "Initial notification",
                                             "due_hours": 24, "fields": [{"name": "summary", "label": "Tóm tắt",
                                                                          "label_en": "Summary", "type": "text"}]},
    )
    return stage


def _incidents_world(net):
    """Province A's information system and an AMBER incident its department owns and the
    province leads, with every kind of object hanging off it; a webhook of the department."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from vigil.assets.models import InformationSystem, SoftwareItem, SystemAddress
    from vigil.core.models import WebhookDelivery, WebhookEndpoint
    from vigil.incidents.models import (
        ChecklistItem,
        Comment,
        EvidenceFile,
        Incident,
        IncidentTask,
        IncidentUnit,
        Observable,
        SlaBreach,
        StageReport,
        TimelineEvent,
    )

    u = net.units
    system = InformationSystem.objects.create(owner_unit=u["prov_a_dept"], code="A-SYS", name="MARKER-A-SYSTEM portal")
    address = SystemAddress.objects.create(system=system, kind="domain", value="portal.marker-a.example",
                                           match_key="example.marker-a.portal")
    software = SoftwareItem.objects.create(system=system, cpe="cpe:2.3:a:apache:http_server:2.4.58:*:*:*:*:*:*:*",
                                           part="a", vendor="apache", product="http_server", version="2.4.58")
    incident = Incident.objects.create(
        owner_unit=u["prov_a_dept"], lead_unit=u["prov_a"], tlp=TLP.AMBER, reference="SC-2026-MARKA1",
        title="MARKER-A-INCIDENT defacement", description="MARKER-A-INCIDENT", state="assigned",
        severity="high", created_by=net.users["a_analyst"], reported_by=net.users["a_analyst"],
    )
    incident.systems.add(system)
    lead = IncidentUnit.objects.create(incident=incident, unit=u["prov_a"], role="lead")
    TimelineEvent.objects.create(incident=incident, kind="reported", text="MARKER-A-INCIDENT")
    comment = Comment.objects.create(incident=incident, author=net.users["a_analyst"], body="MARKER-A-INCIDENT note")
    task = IncidentTask.objects.create(incident=incident, title="MARKER-A-INCIDENT task", unit=u["prov_a"])
    item = ChecklistItem.objects.create(task=task, text="MARKER-A-INCIDENT step")
    observable = Observable.objects.create(incident=incident, kind="domain", value="marker-a-incident.example")
    evidence = EvidenceFile(incident=incident, name="marker.txt", size=4, sha256="0" * 64, content_type="text/plain")
    evidence.file.save("marker.txt", ContentFile(b"MARK"), save=True)
    stage_report = StageReport.objects.create(incident=incident, stage=_reporting_stage(), due_at=timezone.now())
    breach = SlaBreach.objects.create(incident=incident, clock="acknowledge", level=1, due_at=timezone.now(),
                                      escalated_to=u["national"])
    webhook = WebhookEndpoint.objects.create(unit=u["prov_a_dept"], name="MARKER-A-WEBHOOK",
                                             url="http://127.0.0.1:9/hook", secret="whsec_x")
    delivery = WebhookDelivery.objects.create(endpoint=webhook, event_id="evt-marker-a", kind="x",
                                              payload={"title": "MARKER-A-WEBHOOK"})
    return {
        "system_id": system.pk, "address_id": address.pk, "software_id": software.pk,
        "incident_id": incident.pk, "reference": incident.reference, "incident_unit_id": lead.pk,
        "comment_id": comment.pk, "incident_task_id": task.pk, "checklist_item_id": item.pk,
        "observable_id": observable.pk, "incident_evidence_id": evidence.pk,
        "stage_report_id": stage_report.pk, "breach_id": breach.pk, "webhook_id": webhook.pk,
        "delivery_id": delivery.pk,
    }


def _secret_incident_world(net, tlp):
    """An incident of province A under TLP:RED (no recipient, no handling unit but its
    owner) or AMBER+STRICT (led by the province), with every kind of object hanging off it.
    The standing agency declined to support it and the office's request was withdrawn:
    neither counts. Its SLA breach escalated to the national committee (a parent unit)."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from vigil.incidents.models import (
        ChecklistItem,
        Comment,
        EvidenceFile,
        Incident,
        IncidentTask,
        IncidentUnit,
        Observable,
        SlaBreach,
        StageReport,
        TimelineEvent,
    )

    u = net.units
    marker = "MARKER-A-RED" if tlp == TLP.RED else "MARKER-A-STRICT"
    slug = marker.lower()
    incident = Incident.objects.create(
        owner_unit=u["prov_a"], lead_unit=None if tlp == TLP.RED else u["prov_a"], tlp=tlp,
        reference=f"SC-2026-{'RED' if tlp == TLP.RED else 'STR'}A1", title=f"{marker} incident",
        description=marker, state="triaged" if tlp == TLP.RED else "in_progress", severity="high",
        created_by=net.users["a_analyst"], reported_by=net.users["a_analyst"],
    )
    if tlp != TLP.RED:
        IncidentUnit.objects.create(incident=incident, unit=u["prov_a"], role="lead", answer="accepted")
    declined = IncidentUnit.objects.create(incident=incident, unit=u["agency"], role="support", answer="declined",
                                           reason=marker)
    IncidentUnit.objects.create(incident=incident, unit=u["office"], role="support", answer="accepted", active=False)
    TimelineEvent.objects.create(incident=incident, kind="reported", text=f"{marker} timeline")
    comment = Comment.objects.create(incident=incident, author=net.users["a_analyst"], body=f"{marker} comment")
    task = IncidentTask.objects.create(incident=incident, title=f"{marker} task", unit=u["prov_a"])
    item = ChecklistItem.objects.create(task=task, text=f"{marker} step")
    observable = Observable.objects.create(incident=incident, kind="domain", value=f"{slug}-incident.example")
    # Values that A's AMBER incident and AMBER indicator also carry: their "seen elsewhere"
    # and correlation panels must not name this incident to those who may not read it.
    for value in ("marker-a-incident.example", "intel.marker-a.example"):
        Observable.objects.create(incident=incident, kind="domain", value=value)
    evidence = EvidenceFile(incident=incident, name="secret.txt", size=len(marker), sha256="0" * 64,
                            content_type="text/plain")
    evidence.file.save("secret.txt", ContentFile(marker.encode()), save=True)
    stage_report = StageReport.objects.create(incident=incident, stage=_reporting_stage(), due_at=timezone.now(),
                                              data={"summary": f"{marker} report"})
    breach = SlaBreach.objects.create(incident=incident, clock="acknowledge", level=1, due_at=timezone.now(),
                                      escalated_to=u["national"])
    return {
        "incident_id": incident.pk, "reference": incident.reference, "incident_unit_id": declined.pk,
        "comment_id": comment.pk, "incident_task_id": task.pk, "checklist_item_id": item.pk,
        "observable_id": observable.pk, "incident_evidence_id": evidence.pk,
        "stage_report_id": stage_report.pk, "breach_id": breach.pk,
    }


def _intel_world(net):
    """Province A's intelligence: an AMBER source with a feed, an import and the only claim
    on an indicator; RED and AMBER+STRICT sources with indicators of their own; a STIX
    object it shared at AMBER and the status of that TAXII request."""
    import uuid

    from django.utils import timezone

    from vigil.intel import reference as reference_data
    from vigil.intel.models import (
        Feed,
        ImportJob,
        Indicator,
        IndicatorSource,
        Sighting,
        Source,
        StixObject,
        TaxiiCollection,
        TaxiiStatus,
        Warninglist,
    )

    reference_data.upsert_collections()
    u = net.units
    now = timezone.now()
    later = now + timezone.timedelta(days=30)

    def indicator(value, tlp, source, marker):
        ind = Indicator.objects.create(
            type="domain", value=value, stix_uuid=Indicator.uuid_for("domain", value), tlp=tlp, confidence=80,
            first_seen=now, last_seen=now, expires_at=later, description=marker,
        )
        IndicatorSource.objects.create(indicator=ind, source=source, tlp=tlp, confidence=80, first_seen=now,
                                       last_seen=now, expires_at=later, description=marker)
        return ind

    amber = Source.objects.create(owner_unit=u["prov_a"], name="MARKER-A-INTEL source", tlp=TLP.AMBER,
                                  created_by=net.users["a_analyst"])
    red = Source.objects.create(owner_unit=u["prov_a"], name="MARKER-A-RED source", tlp=TLP.RED,
                                created_by=net.users["a_analyst"])
    strict = Source.objects.create(owner_unit=u["prov_a"], name="MARKER-A-STRICT source", tlp=TLP.AMBER_STRICT,
                                   created_by=net.users["a_analyst"])
    ind = indicator("intel.marker-a.example", TLP.AMBER, amber, "MARKER-A-INTEL indicator")
    red_ind = indicator("red-intel-a.example", TLP.RED, red, "MARKER-A-RED indicator")
    strict_ind = indicator("strict-intel-a.example", TLP.AMBER_STRICT, strict, "MARKER-A-STRICT indicator")
    Sighting.objects.create(indicator=ind, owner_unit=u["prov_a"], tlp=TLP.AMBER, note="MARKER-A-INTEL seen")
    feed = Feed.objects.create(source=amber, name="MARKER-A-INTEL feed", url="http://127.0.0.1:9/feed.txt")
    job = ImportJob.objects.create(source=amber, format="list", filename="MARKER-A-INTEL.txt", sha256="0" * 64,
                                   status="done", counts={"read": 1})
    shared = TaxiiCollection.objects.get(alias="shared-amber")
    stix_id = f"indicator--{uuid.uuid4()}"
    StixObject.objects.create(collection=shared, source=amber, owner_unit=u["prov_a"], tlp=TLP.AMBER,
                              stix_id=stix_id, type="indicator", version="2026-01-01T00:00:00.000Z",
                              data={"type": "indicator", "id": stix_id, "name": "MARKER-A-INTEL object"})
    status = TaxiiStatus.objects.create(uuid=uuid.uuid4(), collection=shared, user=net.users["a_analyst"],
                                        status="complete", total_count=1, success_count=1,
                                        successes=[{"id": stix_id, "message": "MARKER-A-INTEL"}])
    warninglist = Warninglist.objects.create(slug="matrix-list", name="Matrix list", kind="string",
                                             entries=["benign.example"], entry_count=1)
    return {
        "amber": {"indicator_id": ind.pk, "intel_source_id": amber.pk, "feed_id": feed.pk, "import_job_id": job.pk,
                  "object_id": stix_id, "status_id": str(status.uuid)},
        "red": {"indicator_id": red_ind.pk, "intel_source_id": red.pk},
        "strict": {"indicator_id": strict_ind.pk, "intel_source_id": strict.pk},
        "global": {"warninglist_id": warninglist.pk, "export_format": "list", "collection_id": str(shared.uuid)},
    }


def fill(route: str, world, which: str = "amber"):
    """Substitute path parameters; returns (url, kinds) or raises with the missing name."""
    kinds = set()
    # Regular-expression routes (TAXII): named groups become parameters, optional slashes plain.
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", route).replace("/?", "/")

    def sub(match):
        name = match.group(2)
        if name == "entry_id":  # two families share the name: audit entries and constituency
            name = "audit_entry_id" if route.startswith(("audit", f"{API_PREFIX}audit")) else "constituency_entry_id"
        for bag in (which, "amber", "global"):
            if name in world.get(bag, {}):
                kinds.add("global" if bag == "global" else "private")
                return str(world[bag][name])
        raise LookupError(
            f"route {route!r} has path parameter {name!r} with no object in "
            "tests/test_access_matrix.py: add one to the `world` fixture"
        )

    url = "/" + PARAM.sub(sub, route)
    return url.replace("^", "").replace("$", ""), kinds


def fingerprint() -> str:
    """A hash of every row of every Vigil table (audit log aside: reads may append to it)."""
    h = hashlib.sha256()
    for model in apps.get_models():
        if not model.__module__.startswith("vigil.") or model is AuditEntry or model._meta.proxy:
            continue
        if model.__name__ == "AuditChainHead":
            continue
        if model is ApiToken:
            rows = model.objects.order_by("pk").values("pk", "revoked_at", "expires_at", "scope", "name")
        else:
            rows = model.objects.order_by("pk").values()
            if model.__name__ == "User":
                rows = rows.values("pk", "username", "password", "is_active", "session_epoch")
        h.update(json.dumps(list(rows), default=str, sort_keys=True).encode())
    return h.hexdigest()


def token_client(user):
    _t, secret = token_create(actor=Actor(user=user), user=user, name="matrix", scope="write")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    client.is_token = True
    return client


def session_client(user):
    c = Client()
    c.force_login(user)
    return c


# --------------------------------------------------------------------------- valid bodies
#
# A refusal proves something only when the request would otherwise have been carried
# out: a body that fails validation answers 422 before any permission check runs. Every
# write operation with a request body therefore has a recipe below; the body is built
# from the operation's OpenAPI schema (every required field gets a valid value) and the
# recipe adds the fields that must name real objects: A's units, A's people, A's source.
# A recipe is keyed "METHOD route" as in api_routes() without an app's API prefix (so
# "POST units" serves /api/v1/units and /api/v1/org/units alike); a value that is a
# callable receives the world. A new write operation with a body and no recipe fails
# test_every_write_operation_has_a_body_recipe.

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _reference(get):
    """A recipe value naming an object (see refusal_failures: a refusal may name its field)."""
    get.names_an_object = True
    return get


def _a(key):
    """The id of one of province A's objects, for a recipe."""
    return _reference(lambda w: w["amber"][key])


def _unit(key):
    """The id of a unit of the standard network, for a recipe."""
    return _reference(lambda w: w["net"].units[key].pk)


def _dept_list():
    """[A's department], for the fields that take several units."""
    return _reference(lambda w: [w["amber"]["unit_id"]])


def _file(name, content, content_type):
    return lambda w: SimpleUploadedFile(name, content, content_type=content_type)


A_UNIT, A_DEPT, A_SUB = _unit("prov_a"), _a("unit_id"), _unit("prov_a_sub")
RECIPES = {
    "PATCH me": {"language": "en"},
    "POST tokens": {"name": "matrix"},
    "PATCH roles/<role_id>": {"requires_2fa": True},
    "PUT notifications/preferences": {"preferences": []},
    "POST units": {"parent_id": A_DEPT, "code": "matrix-unit", "name": "Matrix", "kind": "provincial_department"},
    "PATCH units/<unit_id>": {"name": "Matrix"},
    "POST units/<unit_id>/move": {"parent_id": _unit("prov_b")},
    "POST units/<unit_id>/constituency": {"kind": "domain", "value": "matrix.marker-a.example"},
    "POST constituency/requests/<entry_id>/decision": {"accept": True},
    "POST people": {"full_name": "Matrix", "home_unit_id": A_DEPT},
    "PATCH people/<person_id>": {"full_name": "Matrix"},
    "POST memberships": {"person_id": _a("person_id"), "unit_id": A_DEPT, "role": "member"},
    "POST memberships/<membership_id>/end": {"until": "2026-12-31"},
    "POST decisions": {"unit_id": A_DEPT, "number": "09/QĐ-M", "date": "2026-01-05", "issuer": "UBND tỉnh A",
                       "title": "Matrix"},
    "PATCH decisions/<decision_id>": {"title": "Matrix"},
    "POST decisions/<decision_id>/items": {"action": "appoint", "person_id": _a("person_id"), "role": "member"},
    "POST decisions/<decision_id>/file": {"signed_file": _file("signed.pdf", PDF, "application/pdf")},
    "PUT completeness/target": {"target_date": "2026-12-31"},
    "POST meetings": {"body_unit_id": A_SUB, "title": "Matrix", "held_on": "2026-07-01"},
    "PATCH meetings/<meeting_id>": {"title": "Matrix"},
    "POST meetings/<meeting_id>/status": {"status": "held"},
    "POST meetings/<meeting_id>/conclude": {},
    "POST meetings/<meeting_id>/attendees": {"person_id": _a("person_id")},
    "POST meetings/<meeting_id>/attendees/members": {},
    "PATCH meetings/<meeting_id>/attendees/<attendee_id>": {"presence": "present"},
    "POST meetings/<meeting_id>/sites": {"unit_id": A_UNIT},
    "PATCH meetings/<meeting_id>/sites/<site_id>": {"attended": True},
    "POST meetings/<meeting_id>/documents": {"file": _file("notice.pdf", PDF, "application/pdf"), "title": "Matrix"},
    "POST meetings/<meeting_id>/conclusions": {"text": "Matrix"},
    "PATCH meetings/<meeting_id>/conclusions/<conclusion_id>": {"text": "Matrix"},
    "POST meetings/<meeting_id>/conclusions/<conclusion_id>/tasks": {"due_date": "2026-12-31", "title": "Matrix",
                                                                      "lead_unit_ids": _dept_list()},
    "POST programmes": {"unit_id": A_UNIT, "year": 2027, "title": "Matrix"},
    "PATCH programmes/<programme_id>": {"title": "Matrix"},
    "POST programmes/<programme_id>/tasks": {"title": "Matrix", "due_date": "2026-12-31"},
    "POST tasks": {"title": "Matrix", "assigning_unit": A_UNIT, "due_date": "2026-12-31",
                   "lead_units": _dept_list()},
    "PATCH tasks/<task_id>": {"title": "Matrix"},
    "POST tasks/<task_id>/confirm": {},
    "POST tasks/<task_id>/accept": {},
    "POST tasks/<task_id>/return": {"reason": "Matrix"},
    "POST tasks/<task_id>/cancel": {"reason": "Matrix"},
    "POST tasks/<task_id>/cascade": {"lead_units": _dept_list()},
    "POST tasks/<task_id>/reports": {"percent": 40, "text": "Matrix"},
    "POST tasks/<task_id>/extensions": {"new_due_date": "2026-12-31", "reason": "Matrix"},
    "POST extensions/<extension_id>/decide": {"approve": True},
    "POST inspections": {"inspecting_unit_id": A_UNIT, "title": "Matrix", "year": 2026,
                         "planned_start": "2026-07-01", "planned_end": "2026-07-10"},
    "PATCH inspections/<inspection_id>": {"title": "Matrix"},
    "POST inspections/<inspection_id>/status": {"status": "in_progress"},
    "POST inspections/<inspection_id>/targets": {"unit_id": A_SUB},
    "PATCH inspections/<inspection_id>/targets/<target_id>": {"note": "Matrix"},
    "POST inspections/<inspection_id>/findings": {"unit_id": A_DEPT, "text": "Matrix"},
    "PATCH findings/<finding_id>": {"text": "Matrix"},
    "POST findings/<finding_id>/tasks": {"due_date": "2026-12-31", "title": "Matrix"},
    "POST findings/<finding_id>/close": {"note": "Matrix"},
    "POST findings/<finding_id>/reopen": {"reason": "Matrix"},
    "POST webhooks": {"unit_id": A_DEPT, "name": "Matrix", "url": "https://hooks.example.org/matrix"},
    "PATCH webhooks/<webhook_id>": {"name": "Matrix"},
    "POST assets/systems": {"owner_unit": A_DEPT, "code": "M-SYS", "name": "Matrix"},
    "POST assets/systems/import": {"file": lambda w: SimpleUploadedFile(
        "systems.csv", f"owner_unit,code,name\n{w['net'].units['prov_a_dept'].code},M-SYS,Matrix\n".encode(),
        content_type="text/csv")},
    "PATCH assets/systems/<system_id>": {"name": "Matrix"},
    "POST assets/systems/<system_id>/addresses": {"kind": "domain", "value": "matrix.marker-a.example"},
    "POST assets/systems/<system_id>/software": {"cpe": "cpe:2.3:a:nginx:nginx:1.25.0:*:*:*:*:*:*:*"},
    "POST incidents/reports": {"title": "Matrix"},
    "POST incidents/<incident_id>/triage": {"incident_type": "defacement", "impact": 2, "urgency": 2},
    "POST incidents/<incident_id>/merge": {"into": "SC-2026-MARKA1", "reason": "Matrix"},
    "POST incidents/<incident_id>/assign": {"lead_unit": A_UNIT},
    "POST incidents/<incident_id>/units/<incident_unit_id>/answer": {"accept": True},
    "POST incidents/<incident_id>/transition": {"to_state": "in_progress"},
    "POST incidents/<incident_id>/close": {"root_cause": "Matrix", "lessons_learned": "Matrix"},
    "POST incidents/<incident_id>/reopen": {"reason": "Matrix"},
    "POST incidents/<incident_id>/comments": {"body": "Matrix"},
    "POST incidents/<incident_id>/tasks": {"unit": A_UNIT, "title": "Matrix"},
    "POST incidents/<incident_id>/tasks/<incident_task_id>/complete": {"force": True},
    "POST incidents/<incident_id>/tasks/<incident_task_id>/cancel": {"reason": "Matrix"},
    "PUT incidents/<incident_id>/tasks/<incident_task_id>/items/<checklist_item_id>": {"done": True},
    "POST incidents/<incident_id>/observables": {"value": "matrix.marker-a.example"},
    "POST incidents/<incident_id>/evidence": {"file": _file("note.txt", b"Matrix", "text/plain")},
    "POST incidents/<incident_id>/related": {"reference": "SC-2026-MARKA1"},
    "POST incidents/<incident_id>/stage-reports/<stage_report_id>/submit": {"data": {"summary": "Matrix"}},
    "POST intel/indicators": {"type": "domain", "value": "matrix.marker-a.example", "unit": A_UNIT},
    "POST intel/indicators/<indicator_id>/revoke": {"reason": "Matrix"},
    "POST intel/indicators/<indicator_id>/allow": {"reason": "Matrix"},
    "POST intel/indicators/<indicator_id>/sightings": {"unit": A_UNIT},
    "POST intel/sources": {"owner_unit": A_UNIT, "name": "Matrix"},
    "PATCH intel/sources/<intel_source_id>": {"name": "Matrix"},
    "POST intel/feeds": {"source_id": _a("intel_source_id"), "name": "Matrix", "url": "https://feeds.example.org/x.txt"},
    "PATCH intel/feeds/<feed_id>": {"name": "Matrix"},
    "POST intel/imports": {"file": _file("list.txt", b"matrix.marker-a.example\n", "text/plain"),
                           "source_id": _a("intel_source_id"), "format": "list", "type": "domain"},
    "POST intel/warninglists/<warninglist_id>/enable": {"enabled": False},
}
# Writes any member may make on their own behalf (their tokens, their notifications, an
# incident report): no refused user to prove anything with, so the refusal sweeps skip
# them when their path names no object of province A.
SELF_SERVICE = {"POST tokens", "PUT notifications/preferences", "POST incidents/reports",
                "POST me/logout-everywhere", "POST notifications/read-all", "PATCH me"}
# Path-less writes whose recipe aims at province A's units or objects: a user of
# province B must be refused them like the writes whose path names one of A's objects.
AIMED_AT_A = {key for key in RECIPES if "<" not in key and key not in SELF_SERVICE
              and key not in ("PUT completeness/target",)}
# Writes on reference data only a network-wide administrator changes.
ADMIN_ONLY = {"PUT completeness/target"}


def _app_prefixes():
    return {getattr(app, "api_prefix", None) for app in apps.get_app_configs()} - {None, ""}


def route_variants(route: str) -> list[str]:
    """An API route as is, and without its app's prefix ("org/units" -> "units"): tables
    keyed by route serve an app's prefixed routes and their unprefixed aliases alike."""
    head, _, rest = route.partition("/")
    return [route, rest] if rest and head in _app_prefixes() else [route]


def recipe_key(method: str, route: str) -> str | None:
    """The RECIPES key of an operation: its route as is, or without its app's prefix."""
    for candidate in route_variants(route):
        key = f"{method.upper()} {candidate}"
        if key in RECIPES or key in SELF_SERVICE:
            return key
    return None


@functools.cache
def _schema():
    """The OpenAPI document, built once per run (a third of a second each time, and the
    sweeps below consult it for every request they send). Read only: never modified."""
    return api.get_openapi_schema()


def _resolve(schema, components):
    while isinstance(schema, dict) and "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def example(schema, components, name=""):
    """A valid value for a JSON schema: every required property, the smallest legal value."""
    schema = _resolve(schema, components)
    for combinator in ("anyOf", "oneOf", "allOf"):
        if combinator in schema:
            options = [o for o in schema[combinator] if _resolve(o, components).get("type") != "null"]
            return example(options[0], components, name)
    if "enum" in schema:
        return schema["enum"][0]
    kind, fmt = schema.get("type"), schema.get("format", "")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {key: example(props[key], components, key) for key in schema.get("required", [])}
    if kind == "array":
        return [example(schema.get("items", {}), components, name) for _ in range(schema.get("minItems", 0))]
    if kind == "boolean":
        return False
    if kind in ("integer", "number"):
        return max(int(schema.get("minimum", 1)), 1) if "maximum" not in schema else schema.get("minimum", 0)
    if fmt == "date":
        return "2026-12-31"
    if fmt == "date-time":
        return "2026-12-31T08:00:00+07:00"
    if fmt in ("email", "idn-email"):
        return "matrix@example.org"
    if fmt in ("uri", "url"):
        return "https://example.org/matrix"
    return "Matrix" + "x" * max(int(schema.get("minLength", 0)) - 6, 0)


@functools.cache
def write_operations():
    """(method, route, operation) of every API write operation, from the OpenAPI document."""
    out = []
    for path, ops in _schema()["paths"].items():
        route = re.sub(r"\{(\w+)\}", r"<\1>", path.lstrip("/")).removeprefix(API_PREFIX)
        for method, op in ops.items():
            if method in WRITE_METHODS:
                out.append((method, route, op))
    return tuple(sorted(out, key=lambda item: (item[1], item[0])))


@functools.cache
def _operations():
    return {(method, route): op for method, route, op in write_operations()}


def request_body(method: str, route: str, world):
    """(content type, body) of a valid request to the operation: JSON, multipart or none."""
    op = _operations().get((method, route))
    content = (op or {}).get("requestBody", {}).get("content", {})
    if not content:
        return None, None
    key = recipe_key(method, route)
    if key is None:
        raise LookupError(f"{method.upper()} {route} takes a body and has no recipe in tests/test_access_matrix.py")
    components = _schema().get("components", {}).get("schemas", {})
    content_type, media = next(iter(content.items()))
    schema = _resolve(media.get("schema", {}), components)
    body = {}
    for name in schema.get("required", []):
        prop = _resolve(schema["properties"][name], components)
        if prop.get("format") != "binary":
            body[name] = example(prop, components, name)
    for name, value in RECIPES.get(key, {}).items():
        body[name] = value(world) if callable(value) else value
    return content_type, body


def _request(client, method, url, world, route):
    """Send an API write with a valid body (see RECIPES): JSON, or multipart with its files."""
    content_type, body = request_body(method, route, world)
    if content_type is None:
        return getattr(client, method)(url)
    if content_type.startswith("multipart/"):
        form = {k: (json.dumps(v) if isinstance(v, (dict, list)) else v) for k, v in body.items()}
        return client.post(url, form)
    return getattr(client, method)(url, content_type="application/json", data=json.dumps(body))


# Objects named inside an uploaded file rather than in a field (the column of A's unit).
FILE_REFERENCES = {"POST assets/systems/import": {"owner_unit"}}


def _names_only_objects(resp, key) -> bool:
    """Whether a 400/422 answer refuses only the objects the recipe names (fields whose
    value names A's objects, or a file's column naming one): the service did not find them
    among the objects the user may act on, which is a refusal that tells nothing more."""
    references = {name for name, value in RECIPES.get(key, {}).items() if getattr(value, "names_an_object", False)}
    references |= FILE_REFERENCES.get(key, set())
    try:
        problem = json.loads(resp.content)
    except ValueError:
        return False
    if str(problem.get("type", "")).endswith("#problems-validation"):
        return False
    named = {e.get("field") or e.get("column") for e in problem.get("errors") or [] if isinstance(e, dict)}
    return bool(named) and named <= references


def refusal_failures(client, method, route, world, which="amber"):
    """[] when the API write was refused (403, 404, or a 400/422 refusing only the objects
    the body names); otherwise why not. A 422 of schema validation means the recipe's body
    is invalid: the permission check never ran and the refusal proves nothing."""
    url, _kinds = fill(f"{API_PREFIX}{route}", world, which)
    resp = _request(client, method, url, world, route)
    if resp.status_code in (403, 404):
        return []
    if resp.status_code in (400, 422) and _names_only_objects(resp, recipe_key(method, route)):
        return []
    if resp.status_code == 422:
        return [(method, url, 422, "the recipe's body is invalid: the permission check never ran",
                 resp.content.decode(errors="replace")[:300])]
    return [(method, url, resp.status_code, resp.content.decode(errors="replace")[:200])]


def test_routes_are_enumerated():
    assert "org/" in " ".join(page_routes()) or page_routes()
    assert any(r.startswith("core/me") for r, _ in api_routes())


def test_anonymous_is_sent_to_login_or_refused(world):
    anon = Client()
    failures = []
    for route in page_routes():
        if route in PUBLIC or route.startswith("static"):
            continue
        url, _ = fill(route, world)
        resp = anon.get(url)
        if not (resp.status_code in (302, 401, 403, 404, 405) and (resp.status_code != 302 or "/login/" in resp["Location"])):
            failures.append((url, resp.status_code))
    for route, methods in api_routes():
        if f"{API_PREFIX}{route}" in PUBLIC:
            continue
        url, _ = fill(f"{API_PREFIX}{route}", world)
        for method in methods:
            resp = anon.get(url) if method == "get" else _request(anon, method, url, world, route)
            if resp.status_code != 401:
                failures.append((method, url, resp.status_code))
    assert not failures, failures


def test_every_write_operation_has_a_body_recipe():
    """A new write operation with a request body needs a recipe (RECIPES), and a recipe
    whose operation is gone is removed: otherwise the refusal sweeps below would send it
    an invalid body, get 422 before any permission check and prove nothing."""
    used, missing = set(), []
    for method, route, op in write_operations():
        key = recipe_key(method, route)
        if key:
            used.add(key)
        elif op.get("requestBody"):
            missing.append(f"{method.upper()} {route}")
    assert not missing, f"add a body recipe to RECIPES for: {missing}"
    stale = sorted(set(RECIPES) - used)
    assert not stale, f"recipes of operations that no longer exist: {stale}"


def _body(resp) -> str:
    """The response text, for ordinary and streaming (file download) responses alike."""
    raw = b"".join(resp.streaming_content) if resp.streaming else resp.content
    return raw.decode(errors="replace")


def _sweep_reads(client, routes_pages, routes_api, world, which, seen=None):
    """GET every route; returns {url: (status, body, kinds)}. With `seen` (a set kept by the
    caller across sweeps of the same client), a URL already fetched is not fetched again:
    routes without one of A's objects in their path read the same whichever TLP's objects
    fill the others, so the RED and STRICT sweeps only add the routes that name them."""
    if getattr(client, "is_token", False):
        # A Bearer token is not a browser session: pages treat it as anonymous. TAXII, which
        # members reach with their tokens, is swept with them.
        routes_pages = [r for r in routes_pages if r.startswith("taxii2")]
    seen = set() if seen is None else seen
    urls = []
    for route in routes_pages:
        if route not in PUBLIC:
            urls.append(fill(route, world, which))
    for route, methods in routes_api:
        if "get" in methods:
            urls.append(fill(f"{API_PREFIX}{route}", world, which))
    out = {}
    for url, kinds in urls:
        if url in seen:
            continue
        seen.add(url)
        resp = client.get(url)
        out[url] = (resp.status_code, _body(resp), kinds)
    return out


def test_sibling_province_reads_nothing_of_province_a(world):
    b = world["net"].users["b_analyst"]
    failures = []
    for client in (session_client(b), token_client(b)):
        for url, (status, body, kinds) in _sweep_reads(client, page_routes(), api_routes(), world, "amber").items():
            if status >= 500:
                failures.append((url, status, "server error"))
            if "private" in kinds and status not in (401, 403, 404, 405):
                failures.append((url, status, "A's object answered"))
            leaked = [m for m in MARKERS_A + MARKERS_SECRET if m in body]
            if leaked:
                failures.append((url, status, f"leaks {leaked}"))
    assert not failures, failures


def test_sibling_province_changes_nothing_of_province_a(world):
    """Province B's analyst sends a valid body to every write naming one of A's objects,
    in its path or (path-less writes, AIMED_AT_A) in its body: each is refused with 403 or
    404, never 422 (an invalid body, the permission check never ran), and no row changes."""
    b = world["net"].users["b_analyst"]
    failures = []
    clients = {"page": session_client(b), "api": token_client(b)}
    before = fingerprint()
    for route in page_routes():
        url, kinds = fill(route, world)
        if route in PUBLIC or "private" not in kinds:
            continue
        resp = clients["page"].post(url, {})
        if 200 <= resp.status_code < 300 or resp.status_code >= 500:
            failures.append(("post", url, resp.status_code))
    swept = 0
    for method, route, _op in write_operations():
        _url, kinds = fill(f"{API_PREFIX}{route}", world)
        if "private" not in kinds and recipe_key(method, route) not in AIMED_AT_A:
            continue
        swept += 1
        failures += refusal_failures(clients["api"], method, route, world)
    assert not failures, failures
    assert swept > 100, swept
    assert fingerprint() == before, "a refused write changed data"


def test_national_office_reads_amber_but_never_strict_or_red(world):
    office = world["net"].users["office_staff"]
    client = token_client(office)
    session = session_client(office)
    failures = []
    seen = {id(client): set(), id(session): set()}
    for which in ("amber", "red", "strict"):
        for c in (client, session):
            for url, (status, body, _kinds) in _sweep_reads(c, page_routes(), api_routes(), world, which,
                                                            seen[id(c)]).items():
                if status >= 500:
                    failures.append((url, status, "server error"))
                leaked = [m for m in MARKERS_SECRET if m in body]
                if leaked:
                    failures.append((url, status, f"leaks {leaked}"))
    # and the office does see A's ordinary (AMBER) decision through the API
    routes = dict(api_routes())
    if "org/decisions/<decision_id>" in routes:
        resp = client.get(f"/{API_PREFIX}org/decisions/{world['amber']['decision_id']}")
        assert resp.status_code == 200 and "MARKER-A-DECISION" in resp.content.decode()
    assert not failures, failures


@pytest.mark.parametrize("username", [u for u in OVERSIGHT if u != "office_staff"])
def test_oversight_and_parent_scopes_never_read_strict_or_red(world, username):
    """The standing agency, an auditor and a member of the parent unit above province A
    (the office: the test above) read none of A's AMBER+STRICT or RED objects, incidents
    and everything hanging off them included, on any page or API route."""
    user = world["net"].users[username]
    failures = []
    # "amber": A's AMBER objects, whose panels (seen elsewhere, correlations, merge
    # candidates) must not name the secret incidents either.
    # The API through a token, the pages through a session (the office's test above and the
    # sibling province's sweep both clients over the API: the way in does not change the
    # decision, which `access` makes from the user alone).
    sweeps = ((token_client(user), api_routes(), set()), (session_client(user), [], set()))
    for which in ("amber", "red", "strict"):
        for c, routes_api, seen in sweeps:
            for url, (status, body, _kinds) in _sweep_reads(c, page_routes(), routes_api, world, which, seen).items():
                if status >= 500:
                    failures.append((url, status, "server error"))
                leaked = [m for m in MARKERS_SECRET if m in body]
                if leaked:
                    failures.append((url, status, f"leaks {leaked}"))
    assert not failures, failures


SECRET_INCIDENT_PARAMS = ("incident_id", "reference", "incident_unit_id", "comment_id", "incident_task_id",
                          "checklist_item_id", "observable_id", "incident_evidence_id", "stage_report_id",
                          "breach_id")


@pytest.mark.parametrize("username", OVERSIGHT)
def test_oversight_and_parent_scopes_cannot_change_strict_or_red_incidents(world, username):
    """No write route reaches A's AMBER+STRICT or RED incidents, or what hangs off them,
    for oversight roles (the office holds `change` network-wide) or a parent unit."""
    user = world["net"].users[username]
    clients = {"page": session_client(user), "api": token_client(user)}
    before = fingerprint()
    failures = []
    for which in ("red", "strict"):
        for route in page_routes():
            if not any(f"<{p}>" in route or f":{p}>" in route for p in SECRET_INCIDENT_PARAMS):
                continue
            url, _ = fill(route, world, which)
            resp = clients["page"].post(url, {})
            if 200 <= resp.status_code < 300 or resp.status_code >= 500:
                failures.append(("post", url, resp.status_code))
        for method, route, _op in write_operations():
            if any(f"<{p}>" in route for p in SECRET_INCIDENT_PARAMS):
                failures += refusal_failures(clients["api"], method, route, world, which)
    assert not failures, failures
    assert fingerprint() == before, "a refused write changed data"


def test_national_office_cannot_change_red_or_strict_decisions(world):
    office = world["net"].users["office_staff"]
    client = token_client(office)
    before = fingerprint()
    failures = []
    for which in ("red", "strict"):
        for method, route, _op in write_operations():
            if "decision_id" in route:
                failures += refusal_failures(client, method, route, world, which)
    assert not failures, failures
    assert fingerprint() == before


def test_non_admins_cannot_change_global_reference_data(world):
    failures = []
    for username in ("b_analyst", "office_staff", "a_head"):
        client = token_client(world["net"].users[username])
        before = fingerprint()
        for method, route, _op in write_operations():
            _url, kinds = fill(f"{API_PREFIX}{route}", world)
            if kinds == {"global"} or recipe_key(method, route) in ADMIN_ONLY:
                failures += [(username, *f) for f in refusal_failures(client, method, route, world)]
        if fingerprint() != before:
            failures.append((username, "data changed"))
    assert not failures, failures
