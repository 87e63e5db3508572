"""`vigil core notifications list|read ... --as USER`: your notifications, through the same
selectors and services as the pages and the API.

    vigil core notifications list [--unread] [--kind KIND] [--limit N] --as USER [--json]
    vigil core notifications read ID [ID ...] --as USER
    vigil core notifications read --all --as USER

`--as` may be replaced by the environment variable VIGIL_USER.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vigil.core.api.notifications import NotificationOut
from vigil.core.commands import VigilCommand, add_identity_arguments, usage_error
from vigil.core.notify import selectors as notify_selectors
from vigil.core.notify import services as notify_services


class Command(VigilCommand):
    help = "Your notifications: list them, mark them read."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="your notifications, newest first")
        listing.add_argument("--unread", action="store_true", help="only the unread ones")
        listing.add_argument("--kind", default=None, help="only this kind (e.g. program.digest)")
        listing.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
        add_identity_arguments(listing)
        read = sub.add_parser("read", help="mark notifications read")
        read.add_argument("ids", nargs="*", help="notification ids")
        read.add_argument("--all", action="store_true", help="every unread notification")
        add_identity_arguments(read)

    def do_list(self, user, options):
        if options["limit"] < 1:
            raise usage_error(_("--limit phải là số nguyên dương."))
        qs = notify_selectors.notification_list(
            user=user, unread=True if options["unread"] else None, kind=options["kind"]
        )
        rows = list(qs[: options["limit"]])
        if options["json"]:
            return self.emit_schema(NotificationOut, rows, many=True)
        for n in rows:
            mark = " " if n.read_at else "*"
            when = timezone.localtime(n.created_at).strftime("%d/%m/%Y %H:%M")
            self.stdout.write(f"{mark} {n.pk:>7}  {when}  {n.kind:<28} {n.display_title}")
        self.stdout.write(
            ngettext("%(n)s thông báo, %(u)s chưa đọc.", "%(n)s thông báo, %(u)s chưa đọc.", len(rows))
            % {"n": len(rows), "u": notify_selectors.unread_count(user=user)}
        )

    def do_read(self, user, options):
        actor = self.actor(user)
        if options["all"]:
            if options["ids"]:
                raise usage_error(_("Hãy chọn hoặc các mã thông báo, hoặc --all."))
            count = notify_services.notification_mark_all_read(actor=actor)
        else:
            if not options["ids"]:
                raise usage_error(_("Hãy cho biết mã thông báo, hoặc --all."))
            found = [notify_selectors.notification_get(user=user, notification_id=i) for i in options["ids"]]
            count = 0
            for n in found:
                was_unread = n.read_at is None
                notify_services.notification_mark_read(actor=actor, notification=n)
                count += int(was_unread)
        self.stdout.write(self.style.SUCCESS(ngettext(
            "Đã đánh dấu %(n)s thông báo là đã đọc.", "Đã đánh dấu %(n)s thông báo là đã đọc.", count,
        ) % {"n": count}))
