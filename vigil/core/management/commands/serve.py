"""`vigil serve`: the WSGI app on waitress; in embedded mode a Huey worker beside it."""

import atexit
import signal
import subprocess
import sys

from django.conf import settings

from vigil.core.commands import VigilCommand


class Command(VigilCommand):
    help = "Run the Vigil web server (and, in embedded mode, a background worker)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-worker", action="store_true", help="do not start the embedded worker")

    def handle(self, *args, host, port, threads, no_worker, **options):
        from waitress import serve

        from vigil.core.proxies import serve_proxy_options
        from vigil.wsgi import application

        worker = None
        if settings.MODE == "embedded" and not no_worker and not settings.HUEY.get("immediate"):
            worker = subprocess.Popen([sys.executable, "-m", "vigil", "worker"])
            atexit.register(worker.terminate)
            # SIGTERM (a service manager, a test) must stop the worker too, not orphan it.
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        shown = f"[{host}]" if ":" in host else host
        self.stdout.write(f"Vigil: http://{shown}:{port}/  (Ctrl-C to stop)")
        try:
            serve(application, host=host, port=port, threads=threads, ident="vigil", **serve_proxy_options())
        finally:
            if worker is not None:
                worker.terminate()
