"""`vigil who-owns VALUE --as USER [--json]`: the unit that answers for an IP address or
block, a domain (or a URL / e-mail address), or an ASN, as far as USER may know."""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from vigil.core.errors import DomainError
from vigil.core.management.commands._cli import as_command_error
from vigil.org.selectors.constituency import who_owns

from .units import acting_user, add_identity_arguments


class Command(BaseCommand):
    help = "Which unit owns an IP address, a domain or an ASN (longest match wins)."

    def add_arguments(self, parser):
        parser.add_argument("value")
        add_identity_arguments(parser)

    def handle(self, *args, value, **options):
        try:
            user = acting_user(options)
            answer = who_owns(user=user, value=value)
        except (DomainError, ValidationError) as exc:
            raise as_command_error(exc) from exc
        if options["json"]:
            self.stdout.write(json.dumps({
                "query": answer.query, "kind": answer.kind, "value": answer.value,
                "owners": [
                    {"unit": e.unit.code, "unit_name": e.unit.name, "entry_id": e.pk, "matched": e.value}
                    for e in answer.owners
                ],
                "matches": [{"unit": e.unit.code, "matched": e.value} for e in answer.matches],
            }, ensure_ascii=False, indent=2))
            return
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
