"""`vigil createuser USERNAME --password P --unit CODE --role CODE [--full-name N] [--email E]`

Non-interactive: creates the login, the person (home unit) and a membership starting
today, through `core.services.accounts.account_create`, with audit. The password may come
from --password, from --password-stdin (first line of standard input) or from the
VIGIL_PASSWORD environment variable (handy for scripts: it stays out of `ps`).
"""

import os
import sys

from django.utils.translation import gettext as _

from vigil.core.commands import VigilCommand, platform_actor, usage_error
from vigil.core.services.accounts import account_create


class Command(VigilCommand):
    help = "Create a user account with a person and a first membership (unit + role)."
    stealth_options = ("stdin",)  # tests pass a stream in place of standard input

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--password", help="the password (or use --password-stdin / VIGIL_PASSWORD)")
        parser.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
        parser.add_argument("--unit", required=True, help="code of the home unit")
        parser.add_argument("--role", required=True, help="code of the role in that unit")
        parser.add_argument("--full-name", default="")
        parser.add_argument("--email", default="")

    def _password(self, options) -> str:
        if options["password"] is not None and options["password_stdin"]:
            raise usage_error(_("Chỉ dùng một trong --password và --password-stdin."))
        if options["password_stdin"]:
            stream = options.get("stdin") or sys.stdin
            return stream.readline().rstrip("\r\n")
        if options["password"] is not None:
            return options["password"]
        if os.environ.get("VIGIL_PASSWORD"):
            return os.environ["VIGIL_PASSWORD"]
        raise usage_error(
            _("Thiếu mật khẩu: dùng --password, --password-stdin hoặc biến môi trường VIGIL_PASSWORD.")
        )

    needs_user = False  # an operator's command: the platform creates the account

    def handle(self, *args, **options):
        password = self._password(options)
        user = self.guarded(lambda: account_create(
            actor=platform_actor(),
            username=options["username"],
            password=password,
            unit_code=options["unit"],
            role_code=options["role"],
            full_name=options["full_name"],
            email=options["email"],
        ))
        self.stdout.write(
            _("Đã tạo tài khoản %(u)s (đơn vị %(unit)s, vai trò %(role)s).")
            % {"u": user.username, "unit": options["unit"], "role": options["role"]}
        )
