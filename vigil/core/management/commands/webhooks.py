"""`vigil core webhooks …`: a unit's signed webhook endpoints and their delivery log, through
the same services (and access rules) as the pages and the API.

    vigil core webhooks list [--unit CODE] --as USER [--json]
    vigil core webhooks create --unit CODE --name N --url URL [--kind K ...] [--descendants] --as USER [--json]
                                      (prints the signing secret, once)
    vigil core webhooks disable ID [--enable] --as USER
    vigil core webhooks rotate ID --as USER  (prints the new secret, once)
    vigil core webhooks deliveries ID [--status S] --as USER [--json]
    vigil core webhooks deliver-due [--json]  (the sweeper the worker runs every minute)
"""

from django.utils.translation import gettext as _

from vigil.core.api.webhooks import DeliveryOut, WebhookOut, WebhookSecretOut, _with_secret
from vigil.core.commands import VigilCommand, add_identity_arguments, schema_data

from ...notify import webhooks


class Command(VigilCommand):
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
        add_identity_arguments(due, as_user=False)

    platform_subcommands = ("deliver-due",)  # the sweeper: the platform acts, like the worker

    def emit(self, options, data, lines):
        if options.get("json"):
            self.emit_json(data)
        else:
            for line in lines:
                self.stdout.write(line)

    def do_deliver_due(self, user, options):
        result = webhooks.deliver_due()
        self.emit(options, result, [_("Đã thử gửi %(n)s: %(d)s thành công, %(f)s lỗi, %(g)s dừng thử lại.") % {
            "n": result["attempted"], "d": result["delivered"], "f": result["failed"], "g": result["gave_up"]}])

    def do_list(self, user, options):
        unit = self.unit(user, options["unit"], field="--unit")
        rows = list(webhooks.endpoint_list(user=user, unit=unit))
        self.emit(options, schema_data(WebhookOut, rows, many=True), [
            f"#{ep.pk}  {ep.unit.code}  {ep.name}  {ep.url}  {'on' if ep.is_active else 'off'}" for ep in rows
        ] or [_("Chưa có webhook nào.")])

    def do_create(self, user, options):
        unit = self.unit(user, options["unit"], field="--unit")
        ep, secret = webhooks.endpoint_create(
            actor=self.actor(user), unit=unit, name=options["name"], url=options["url"], kinds=options["kind"],
            include_descendants=options["descendants"],
        )
        self.emit(options, schema_data(WebhookSecretOut, _with_secret(ep, secret)), [
            _("Đã tạo webhook #%(id)s. Khoá ký (chỉ hiển thị một lần):") % {"id": ep.pk}, secret,
        ])

    def _get(self, user, webhook_id):
        return webhooks.endpoint_get(user=user, webhook_id=webhook_id)

    def do_disable(self, user, options):
        ep = self._get(user, options["webhook_id"])
        ep = webhooks.endpoint_update(actor=self.actor(user), endpoint=ep, is_active=options["enable"])
        self.emit(options, schema_data(WebhookOut, ep),
                  [_("Đã bật webhook.") if ep.is_active else _("Đã tắt webhook.")])

    def do_rotate(self, user, options):
        ep = self._get(user, options["webhook_id"])
        ep, secret = webhooks.endpoint_rotate_secret(actor=self.actor(user), endpoint=ep)
        self.emit(options, schema_data(WebhookSecretOut, _with_secret(ep, secret)),
                  [_("Khoá ký mới (chỉ hiển thị một lần):"), secret])

    def do_deliveries(self, user, options):
        ep = self._get(user, options["webhook_id"])
        rows = list(webhooks.delivery_list(user=user, endpoint=ep, status=options["status"])[:200])
        self.emit(options, schema_data(DeliveryOut, rows, many=True), [
            f"#{d.pk}  {d.created_at.isoformat()}  {d.kind}  {d.status}  x{d.attempts}  "
            f"{d.last_status_code or ''} {d.last_error}".rstrip()
            for d in rows
        ] or [_("Chưa có lần gửi nào.")])
