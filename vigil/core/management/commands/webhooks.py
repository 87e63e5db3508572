"""`vigil webhooks …`: a unit's signed webhook endpoints and their delivery log, through
the same services (and access rules) as the pages and the API.

    vigil webhooks list [--unit CODE] --as USER [--json]
    vigil webhooks create --unit CODE --name N --url URL [--kind K ...] [--descendants] --as USER [--json]
                                      (prints the signing secret, once)
    vigil webhooks disable ID [--enable] --as USER
    vigil webhooks rotate ID --as USER  (prints the new secret, once)
    vigil webhooks deliveries ID [--status S] --as USER [--json]
    vigil webhooks deliver-due [--json]  (the sweeper the worker runs every minute)
"""

import json

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from vigil.core.refs import is_pk
from vigil.org.management.commands.people import cli_actor, run_guarded
from vigil.org.selectors.units import unit_get

from ...errors import NotFound
from ...notify import webhooks
from ._cli import acting_user, add_identity_arguments


def endpoint_dict(ep) -> dict:
    return {"id": ep.pk, "unit": ep.unit.code, "name": ep.name, "url": ep.url, "kinds": ep.kinds,
            "include_descendants": ep.include_descendants, "is_active": ep.is_active}


def delivery_dict(d) -> dict:
    return {"id": d.pk, "event_id": d.event_id, "kind": d.kind, "status": d.status, "attempts": d.attempts,
            "last_status_code": d.last_status_code, "last_error": d.last_error,
            "created_at": d.created_at.isoformat(),
            "next_attempt_at": d.next_attempt_at.isoformat() if d.next_attempt_at else None,
            "delivered_at": d.delivered_at.isoformat() if d.delivered_at else None}


class Command(BaseCommand):
    help = "Signed webhooks of a unit: list, create, disable, rotate the secret, deliveries, deliver due retries."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        ls = sub.add_parser("list", help="endpoints of the units you manage")
        ls.add_argument("--unit", default=None)
        add_identity_arguments(ls)
        create = sub.add_parser("create", help="register an endpoint (prints its secret once)")
        create.add_argument("--unit", required=True)
        create.add_argument("--name", required=True)
        create.add_argument("--url", required=True)
        create.add_argument("--kind", action="append", default=[], help="notification kind (repeat); none: all")
        create.add_argument("--descendants", action="store_true", help="also notifications about units below")
        add_identity_arguments(create)
        disable = sub.add_parser("disable", help="disable an endpoint (--enable: enable it again)")
        disable.add_argument("webhook_id", type=int)
        disable.add_argument("--enable", action="store_true")
        add_identity_arguments(disable)
        rotate = sub.add_parser("rotate", help="new signing secret (printed once)")
        rotate.add_argument("webhook_id", type=int)
        add_identity_arguments(rotate)
        deliveries = sub.add_parser("deliveries", help="the delivery log of an endpoint")
        deliveries.add_argument("webhook_id", type=int)
        deliveries.add_argument("--status", choices=[s for s, _l in webhooks.Status.choices], default=None)
        add_identity_arguments(deliveries)
        due = sub.add_parser("deliver-due", help="attempt every delivery whose retry time has come")
        due.add_argument("--json", action="store_true")

    def handle(self, *args, action, **options):
        self.as_json = options.get("json", False)
        if action == "deliver-due":
            result = webhooks.deliver_due()
            return self.emit(result, [_("Đã thử gửi %(n)s: %(d)s thành công, %(f)s lỗi, %(g)s dừng thử lại.") % {
                "n": result["attempted"], "d": result["delivered"], "f": result["failed"], "g": result["gave_up"]}])
        user = acting_user(options)
        return getattr(self, action.replace("-", "_"))(user, options)

    def emit(self, data, lines):
        if self.as_json:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            for line in lines:
                self.stdout.write(line)

    def _unit(self, user, code):
        def find():
            try:
                return unit_get(user=user, unit_id=int(code)) if is_pk(code) else unit_get(user=user, code=code)
            except NotFound:
                raise NotFound(_("Không tìm thấy đơn vị %(u)s.") % {"u": code}, field="--unit") from None

        return run_guarded(find)

    def list(self, user, options):
        unit = self._unit(user, options["unit"]) if options["unit"] else None
        data = [endpoint_dict(ep) for ep in webhooks.endpoint_list(user=user, unit=unit)]
        self.emit(data, [
            f"#{d['id']}  {d['unit']}  {d['name']}  {d['url']}  {'on' if d['is_active'] else 'off'}" for d in data
        ] or [_("Chưa có webhook nào.")])

    def create(self, user, options):
        unit = self._unit(user, options["unit"])
        ep, secret = run_guarded(lambda: webhooks.endpoint_create(
            actor=cli_actor(user), unit=unit, name=options["name"], url=options["url"], kinds=options["kind"],
            include_descendants=options["descendants"],
        ))
        self.emit({**endpoint_dict(ep), "secret": secret}, [
            _("Đã tạo webhook #%(id)s. Khoá ký (chỉ hiển thị một lần):") % {"id": ep.pk}, secret,
        ])

    def _get(self, user, webhook_id):
        return run_guarded(lambda: webhooks.endpoint_get(user=user, webhook_id=webhook_id))

    def disable(self, user, options):
        ep = self._get(user, options["webhook_id"])
        ep = run_guarded(lambda: webhooks.endpoint_update(actor=cli_actor(user), endpoint=ep,
                                                          is_active=options["enable"]))
        self.emit(endpoint_dict(ep), [_("Đã bật webhook.") if ep.is_active else _("Đã tắt webhook.")])

    def rotate(self, user, options):
        ep = self._get(user, options["webhook_id"])
        ep, secret = run_guarded(lambda: webhooks.endpoint_rotate_secret(actor=cli_actor(user), endpoint=ep))
        self.emit({**endpoint_dict(ep), "secret": secret},
                  [_("Khoá ký mới (chỉ hiển thị một lần):"), secret])

    def deliveries(self, user, options):
        ep = self._get(user, options["webhook_id"])
        rows = webhooks.delivery_list(user=user, endpoint=ep, status=options["status"])[:200]
        data = [delivery_dict(d) for d in rows]
        self.emit(data, [
            f"#{d['id']}  {d['created_at']}  {d['kind']}  {d['status']}  x{d['attempts']}  "
            f"{d['last_status_code'] or ''} {d['last_error']}".rstrip()
            for d in data
        ] or [_("Chưa có lần gửi nào.")])
