"""Dates as Vigil's readers write them (settings.FORMAT_MODULE_PATH): 05/03/2026 and
14:00 05/03/2026 in Vietnamese, as officials write them (Django's own are 05-03-2026);
5 Mar 2026 and 5 Mar 2026, 14:00 in English, never 03/05/2026, which a reader of either
language takes for a different day. The same formats as the texts notifications render
(`core.notify.text`). What is not set here comes from Django's own locale formats."""
