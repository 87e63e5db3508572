"""Text that may go into an XML document (DOCX, XLSX).

XML 1.0 has no place for most C0 control characters, U+FFFE/U+FFFF or lone surrogates:
lxml refuses them ("All strings must be XML compatible") and openpyxl raises
IllegalCharacterError, so one `\\x01` in a comment made an incident's DOCX fail for
everyone. Every DOCX/XLSX writer passes user text through `xml_safe` (the Decree 30 layout
in `vigil.core.documents.docx_layout` does it for every run it writes; the XLSX writers
for every row); tab, line feed and carriage return are kept."""

import re

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(value):
    """`value` without the characters XML 1.0 forbids; anything but text is returned as is."""
    if isinstance(value, str) and _ILLEGAL.search(value):
        return _ILLEGAL.sub("", value)
    return value


def xml_safe_row(values) -> list:
    """A spreadsheet row with each text cell made XML-safe."""
    return [xml_safe(v) for v in values]
