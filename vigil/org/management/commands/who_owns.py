"""`vigil org who-owns VALUE --as USER [--json]`: the unit that answers for an IP address or
block, a domain (or a URL / e-mail address), or an ASN, as far as USER may know."""

from django.utils.translation import gettext as _

from vigil.core.commands import VigilCommand, add_identity_arguments
from vigil.org.api.units import WhoOwnsOut
from vigil.org.selectors.constituency import who_owns


class Command(VigilCommand):
    help = "Which unit owns an IP address, a domain or an ASN (longest match wins)."

    def add_arguments(self, parser):
        parser.add_argument("value")
        add_identity_arguments(parser)

    def handle(self, *args, value, **options):
        user = self.user(options)
        with self.language_of(user):
            self.guarded(lambda: self.answer(user, value, options))

    def answer(self, user, value, options):
        answer = who_owns(user=user, value=value)
        if options["json"]:
            return self.emit_schema(WhoOwnsOut, {
                "query": answer.query, "kind": answer.kind, "value": answer.value,
                "owner": answer.owner, "owners": answer.owners, "matches": answer.matches,
            })
        w = self.stdout.write
        if answer.owners:
            for e in answer.owners:
                w(_("%(value)s thuộc %(unit)s [%(code)s] (khai báo %(matched)s)")
                  % {"value": answer.value, "unit": e.unit.name, "code": e.unit.code, "matched": e.value})
            if len(answer.owners) > 1:
                w(_("Lưu ý: nhiều đơn vị cùng khai báo giá trị này (xung đột)."))
            wider = [e for e in answer.matches if e not in answer.owners]
            for e in wider:
                w("  " + _("trong phạm vi rộng hơn của %(unit)s [%(code)s]: %(matched)s")
                  % {"unit": e.unit.name, "code": e.unit.code, "matched": e.value})
        if not answer.found:
            w(_("Không có khai báo nào bạn được xem bao trùm %(value)s; Cơ quan thường trực có thể "
                "xác định đơn vị chịu trách nhiệm.") % {"value": answer.value})
