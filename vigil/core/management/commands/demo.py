"""`vigil demo`: the embedded platform in one command.

Migrates, loads reference data and the demo dataset (both idempotent), prints the URL and
the demo logins, then serves. Each app contributes its own demo data through the loader
its AppConfig names (`VigilAppConfig.demo`), called by `demo_order` with the same actor.
"""

from django.core.management import call_command
from django.db import transaction

from vigil.core.actors import system_actor
from vigil.core.appconfig import load_object, ordered
from vigil.core.commands import VigilCommand


class Command(VigilCommand):
    help = "Set up the demo platform (SQLite by default) and serve it."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="prepare the data and stop")

    def handle(self, *args, host, port, no_serve, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("load_reference", verbosity=0)
        logins = []
        actor = system_actor("cli")
        with transaction.atomic():
            for app in ordered("demo"):
                logins.extend(load_object(app.demo)(actor=actor) or [])
        if not no_serve:
            call_command("collectstatic", interactive=False, verbosity=0)
        shown = f"[{host}]" if ":" in host else host
        self.stdout.write(self.style.SUCCESS(f"\nVigil is ready: http://{shown}:{port}/\n"))
        self.stdout.write("Demo logins (username / password — who):")
        for username, password, who in logins:
            self.stdout.write(f"  {username:<18} {password:<18} {who}")
        self.stdout.write("")
        if not no_serve:
            call_command("serve", host=host, port=port)
