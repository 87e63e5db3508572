"""Explicit registry of import and export formats (no registration by import side effect)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from vigil.core.errors import DomainError

IMPORTERS = {
    "stix": "vigil.intel.formats.stix.StixImport",
    "misp": "vigil.intel.formats.misp.MispImport",
    "csv": "vigil.intel.formats.csvfmt.CsvImport",
    "list": "vigil.intel.formats.plain.PlainList",
    "hosts": "vigil.intel.formats.plain.HostsFile",
}
EXPORTERS = {
    "stix": "vigil.intel.formats.stix.StixExport",
    "misp": "vigil.intel.formats.misp.MispExport",
    "csv": "vigil.intel.formats.csvfmt.CsvExport",
    "list": "vigil.intel.formats.plain.PlainListExport",
    "rpz": "vigil.intel.formats.blocklists.RpzExport",
    "nftables": "vigil.intel.formats.blocklists.NftablesExport",
    "ipset": "vigil.intel.formats.blocklists.IpsetExport",
    "suricata": "vigil.intel.formats.blocklists.SuricataExport",
}


def _load(dotted: str):
    from django.utils.module_loading import import_string

    return import_string(dotted)


def importer(code: str, **options):
    if code not in IMPORTERS:
        raise DomainError(_("Định dạng nhập không hỗ trợ: %(format)s (có: %(known)s).")
                          % {"format": code, "known": ", ".join(IMPORTERS)}, field="format")
    return _load(IMPORTERS[code])(**options)


def exporter(code: str):
    if code not in EXPORTERS:
        raise DomainError(_("Định dạng xuất không hỗ trợ: %(format)s (có: %(known)s).")
                          % {"format": code, "known": ", ".join(EXPORTERS)}, field="format")
    return _load(EXPORTERS[code])()
