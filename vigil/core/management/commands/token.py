"""`vigil token create|list|revoke`: personal API tokens from the shell.

    vigil token create USER [--name N] [--scope read|write] [--days D]   prints only the token
    vigil token list USER
    vigil token revoke USER KEY_ID
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.core import selectors
from vigil.core.commands import VigilCommand, platform_actor
from vigil.core.services.auth import DEFAULT_TOKEN_DAYS, token_create, token_revoke


class Command(VigilCommand):
    help = "Create, list and revoke personal API tokens."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token; prints only the token")
        create.add_argument("user")
        create.add_argument("--name", default="cli")
        create.add_argument("--scope", choices=["read", "write"], default="read")
        create.add_argument("--days", type=int, default=DEFAULT_TOKEN_DAYS)
        listing = sub.add_parser("list", help="list a user's tokens")
        listing.add_argument("user")
        revoke = sub.add_parser("revoke", help="revoke a token by its key id")
        revoke.add_argument("user")
        revoke.add_argument("key_id")

    needs_user = False  # an operator's command: the platform acts on the named account

    def handle(self, *args, action, **options):
        user = self.guarded(lambda: selectors.user_by_username(options["user"]))
        return self.guarded(lambda: getattr(self, f"_{action}")(user, options))

    def _create(self, user, options):
        _token, secret = token_create(
            actor=platform_actor(), user=user, name=options["name"], scope=options["scope"],
            days=options["days"],
        )
        # Only the token on stdout, so that `$(vigil token create …)` captures it.
        self.stdout.write(secret)

    def _list(self, user, options):
        now = timezone.now()
        rows = list(selectors.token_list(user=user))
        if not rows:
            self.stdout.write(_("Tài khoản %(u)s chưa có khoá API.") % {"u": user.username})
            return
        self.stdout.write(f"{'KEY_ID':<14}{'SCOPE':<7}{'STATUS':<9}{'EXPIRES':<18}NAME")
        for t in rows:
            status = "revoked" if t.revoked_at else ("active" if t.expires_at > now else "expired")
            expires = timezone.localtime(t.expires_at).strftime("%Y-%m-%d %H:%M")
            self.stdout.write(f"{t.key_id:<14}{t.scope:<7}{status:<9}{expires:<18}{t.name}")

    def _revoke(self, user, options):
        token = selectors.token_get_by_key(user=user, key_id=options["key_id"])
        was_revoked = token.revoked_at is not None
        token_revoke(actor=platform_actor(), token=token)
        if was_revoked:
            self.stdout.write(_("Khoá %(k)s đã bị thu hồi từ trước.") % {"k": token.key_id})
        else:
            self.stdout.write(_("Đã thu hồi khoá %(k)s.") % {"k": token.key_id})
