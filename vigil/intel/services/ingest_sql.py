"""The SQL of an import batch: the stage table (COPY on PostgreSQL), then the upserts of the
indicators and of the source's claims and their tags, each one set-based statement
whatever the batch size, writing only rows that change. Portable between PostgreSQL and
SQLite (GREATEST/LEAST versus MAX/MIN, COPY versus executemany)."""

from __future__ import annotations

import datetime as dt
import json

from django.db import connection

from vigil.core.models import TLP

from ..models import Indicator, Source

TLP_RANK = {t.value: i for i, t in enumerate([TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED])}
STAGE_COLUMNS = ("type", "value", "stix_uuid", "tlp", "confidence", "first_seen", "last_seen", "expires_at", "warning",
                 "description", "external_id", "attack_ids", "kill_chain")


def _sql_fns():
    if connection.vendor == "postgresql":
        return "GREATEST", "LEAST"
    return "MAX", "MIN"


def _rank(col: str) -> str:
    cases = " ".join(f"WHEN '{code}' THEN {rank}" for code, rank in TLP_RANK.items())
    return f"(CASE {col} {cases} ELSE 9 END)"


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(text: str) -> str:
    """A value in PostgreSQL's COPY text format."""
    return text.translate(_COPY_ESCAPES) if text else text


def _json_list(items) -> str:
    return json.dumps(items) if items else "[]"


class _Stamps:
    """ISO timestamps for COPY, formatted once per distinct value (a batch shares a few)."""

    def __init__(self):
        self.cache: dict = {}

    def __call__(self, value: dt.datetime) -> str:
        text = self.cache.get(value)
        if text is None:
            text = self.cache[value] = value.isoformat()
        return text


def copy_payload(rows: list) -> str:
    """The stage table's rows in PostgreSQL's COPY text format. Built by the importing
    thread: psycopg's per-row adaptation costs more than the database side of the import,
    and the writer thread should only wait on the database."""
    stamp = _Stamps()
    uuid_for = Indicator.uuid_for
    lines = [
        "\t".join((
            r.type, _copy_text(r.value), str(uuid_for(r.type, r.value)), r.tlp, str(r.confidence),
            stamp(r.first_seen), stamp(r.last_seen), stamp(r.expires_at), _copy_text(r.warning),
            _copy_text(r.description), _copy_text(r.external_id), _json_list(r.attack_ids),
            _copy_text(_json_list(r.kill_chain)),
        ))
        for r in rows
    ]
    lines.append("")
    return "\n".join(lines)


def _stage(cursor, rows: list, payload: str | None = None) -> None:
    pg = connection.vendor == "postgresql"
    json_type = "jsonb" if pg else "text"
    ts = "timestamptz" if pg else "text"
    uuid_type = "uuid" if pg else "char(32)"
    cursor.execute("DROP TABLE IF EXISTS intel_stage")
    cursor.execute("DROP TABLE IF EXISTS intel_stage_tags")
    cursor.execute(
        f"CREATE TEMP TABLE intel_stage (type varchar(16), value text, stix_uuid {uuid_type}, tlp varchar(16), confidence smallint, "
        f"first_seen {ts}, last_seen {ts}, expires_at {ts}, warning text, description text, external_id text, "
        f"attack_ids {json_type}, kill_chain {json_type})"
    )
    cursor.execute(f"CREATE TEMP TABLE intel_stage_tags (stix_uuid {uuid_type}, tag text)")
    tags = [(Indicator.uuid_for(r.type, r.value) if pg else Indicator.uuid_for(r.type, r.value).hex, t)
            for r in rows for t in sorted(r.tags)]
    if pg:
        raw = cursor.cursor
        payload = payload if payload is not None else copy_payload(rows)
        with raw.copy(f"COPY intel_stage ({', '.join(STAGE_COLUMNS)}) FROM STDIN") as copy:
            copy.write(payload)
        if tags:
            with raw.copy("COPY intel_stage_tags (stix_uuid, tag) FROM STDIN") as copy:
                for t in tags:
                    copy.write_row(t)
    else:
        adapt = connection.ops.adapt_datetimefield_value
        cursor.executemany(
            f"INSERT INTO intel_stage ({', '.join(STAGE_COLUMNS)}) VALUES ({', '.join(['%s'] * len(STAGE_COLUMNS))})",
            [(r.type, r.value, Indicator.uuid_for(r.type, r.value).hex, r.tlp, r.confidence, adapt(r.first_seen), adapt(r.last_seen), adapt(r.expires_at),
              r.warning, r.description, r.external_id, _json_list(r.attack_ids), _json_list(r.kill_chain))
             for r in rows],
        )
        if tags:
            cursor.executemany("INSERT INTO intel_stage_tags (stix_uuid, tag) VALUES (%s, %s)", tags)
        cursor.execute("CREATE INDEX intel_stage_tv ON intel_stage (stix_uuid)")


def _claims_sql(greatest: str, least: str) -> str:
    """The claims' upsert from the stage joined to indicator ids (`{origin}`: a FROM clause
    giving `s` the stage and `i` rows with `id`)."""
    claim = "intel_indicatorsource"
    return f"""
            INSERT INTO intel_indicatorsource (indicator_id, source_id, tlp, confidence, first_seen, last_seen,
                expires_at, description, external_id, attack_ids, kill_chain, created_at, updated_at)
            SELECT i.id, %s, s.tlp, s.confidence, s.first_seen, s.last_seen, s.expires_at, s.description,
                   s.external_id, s.attack_ids, s.kill_chain, %s, %s
            {{origin}}
            ON CONFLICT (indicator_id, source_id) DO UPDATE SET
                tlp = excluded.tlp,
                confidence = excluded.confidence,
                first_seen = {least}({claim}.first_seen, excluded.first_seen),
                last_seen = {greatest}({claim}.last_seen, excluded.last_seen),
                expires_at = {greatest}({claim}.expires_at, excluded.expires_at),
                description = CASE WHEN excluded.description <> '' THEN excluded.description
                                   ELSE {claim}.description END,
                external_id = CASE WHEN excluded.external_id <> '' THEN excluded.external_id
                                   ELSE {claim}.external_id END,
                attack_ids = excluded.attack_ids,
                kill_chain = excluded.kill_chain,
                updated_at = excluded.updated_at
            WHERE excluded.tlp <> {claim}.tlp
               OR excluded.confidence <> {claim}.confidence
               OR excluded.first_seen < {claim}.first_seen
               OR excluded.last_seen > {claim}.last_seen
               OR excluded.expires_at > {claim}.expires_at
               OR (excluded.description <> '' AND excluded.description <> {claim}.description)
               OR (excluded.external_id <> '' AND excluded.external_id <> {claim}.external_id)
               OR excluded.attack_ids <> {claim}.attack_ids
               OR excluded.kill_chain <> {claim}.kill_chain
            """


def loosest_claim_rank(source: Source) -> int | None:
    """The most permissive label among `source`'s claims, as a rank (None: no claims yet).
    Read once per import: a batch whose labels are all at or under it cannot make any of the
    source's claims stricter, so it skips the look-up below."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT min({_rank('tlp')}) FROM intel_indicatorsource WHERE source_id = %s", [source.pk])
        row = cursor.fetchone()
    return None if row is None else row[0]


def _tightened_claims(cursor, source: Source, rows: list, floor: int | None) -> list[int]:
    """Indicators whose claim from `source` this batch makes stricter (GREEN to AMBER): their
    roll-up label may have to follow. An indicator's label only loosens in the upsert, so
    these are recomputed afterwards. Only looked up when the batch holds a label stricter
    than the source's loosest claim before the import (`floor`): never for a first import
    or a re-import at the same label."""
    if floor is None or max(TLP_RANK[r.tlp] for r in rows) <= floor:
        return []
    cursor.execute(
        f"""
        SELECT c.indicator_id FROM intel_stage s
        JOIN intel_indicator i ON i.stix_uuid = s.stix_uuid
        JOIN intel_indicatorsource c ON c.indicator_id = i.id AND c.source_id = %s
        WHERE {_rank('s.tlp')} > {_rank('c.tlp')}
        """,
        [source.pk],
    )
    return [row[0] for row in cursor.fetchall()]


def _relabel(cursor, indicator_ids: list[int], stamp) -> None:
    """Set each indicator's label to the most permissive of its claims' labels."""
    for start in range(0, len(indicator_ids), 5000):
        chunk = indicator_ids[start:start + 5000]
        marks = ", ".join(["%s"] * len(chunk))
        cursor.execute(
            f"""
            UPDATE intel_indicator SET
                tlp = (SELECT c.tlp FROM intel_indicatorsource c WHERE c.indicator_id = intel_indicator.id
                       ORDER BY {_rank('c.tlp')} LIMIT 1),
                updated_at = %s
            WHERE id IN ({marks})
            """,
            [stamp, *chunk],
        )


def write_batch(rows: list, source: Source, now: dt.datetime, payload: str | None = None,
                floor: int | None = None) -> tuple[int, int]:
    """Upsert one deduplicated batch; (indicators created, claims written)."""
    greatest, least = _sql_fns()
    pg = connection.vendor == "postgresql"
    where_true = "" if pg else "WHERE true"
    with connection.cursor() as cursor:
        if pg:
            # The batch commits with its checkpoint: a commit lost in a crash loses the
            # checkpoint too, and the resumed import writes the batch again.
            cursor.execute("SET LOCAL synchronous_commit = off")
        _stage(cursor, rows, payload)
        existing = 0
        if not pg:
            cursor.execute(
                "SELECT count(*) FROM intel_stage s JOIN intel_indicator i ON i.stix_uuid = s.stix_uuid"
            )
            existing = cursor.fetchone()[0]
        stamp = connection.ops.adapt_datetimefield_value(now)
        tightened = _tightened_claims(cursor, source, rows, floor)
        ind = "intel_indicator"
        upsert = (
            f"""
            INSERT INTO intel_indicator (type, value, stix_uuid, tlp, confidence, first_seen, last_seen, expires_at,
                                         warning, warning_allowed_reason, revoked_reason, description, created_at,
                                         updated_at)
            SELECT type, value, stix_uuid, tlp, confidence, first_seen, last_seen, expires_at, warning, '', '', '',
                   %s, %s
            FROM intel_stage {where_true}
            ON CONFLICT (stix_uuid) DO UPDATE SET
                tlp = CASE WHEN {_rank('excluded.tlp')} < {_rank(f'{ind}.tlp')} THEN excluded.tlp ELSE {ind}.tlp END,
                confidence = {greatest}({ind}.confidence, excluded.confidence),
                first_seen = {least}({ind}.first_seen, excluded.first_seen),
                last_seen = {greatest}({ind}.last_seen, excluded.last_seen),
                expires_at = {greatest}({ind}.expires_at, excluded.expires_at),
                warning = excluded.warning,
                updated_at = excluded.updated_at
            WHERE {_rank('excluded.tlp')} < {_rank(f'{ind}.tlp')}
               OR excluded.confidence > {ind}.confidence
               OR excluded.first_seen < {ind}.first_seen
               OR excluded.last_seen > {ind}.last_seen
               OR excluded.expires_at > {ind}.expires_at
               OR excluded.warning <> {ind}.warning
            """
        )
        claims = _claims_sql(greatest, least)
        if pg:
            # One statement: the indicators' upsert hands its ids straight to the claims
            # (rows it inserted or changed); the unchanged ones, which it does not return,
            # are found in the table as it was before the statement.
            cursor.execute(
                f"""
                WITH w AS ({upsert} RETURNING id, stix_uuid, (xmax = 0) AS fresh),
                pairs AS (
                    SELECT w.id, w.stix_uuid FROM w
                    UNION ALL
                    SELECT i.id, i.stix_uuid FROM intel_stage s2
                    JOIN intel_indicator i ON i.stix_uuid = s2.stix_uuid
                    WHERE NOT EXISTS (SELECT 1 FROM w WHERE w.stix_uuid = s2.stix_uuid)
                ),
                c AS ({claims.format(origin="FROM intel_stage s JOIN pairs i ON i.stix_uuid = s.stix_uuid")}
                      RETURNING 1)
                SELECT (SELECT count(*) FILTER (WHERE fresh) FROM w), (SELECT count(*) FROM c)
                """,
                [stamp, stamp, source.pk, stamp, stamp],
            )
            created, claims_written = cursor.fetchone()
        else:
            cursor.execute(upsert, [stamp, stamp])
            created = len(rows) - existing
            cursor.execute(
                claims.format(origin="FROM intel_stage s JOIN intel_indicator i ON i.stix_uuid = s.stix_uuid WHERE true"),
                [source.pk, stamp, stamp],
            )
            claims_written = cursor.rowcount
        if tightened:
            _relabel(cursor, tightened, stamp)
        cursor.execute("SELECT count(*) FROM intel_stage_tags")
        if cursor.fetchone()[0]:
            cursor.execute(
                f"INSERT INTO intel_tag (name, description, colour) SELECT DISTINCT tag, '', '' FROM intel_stage_tags "
                f"{where_true} ON CONFLICT (name) DO NOTHING"
            )
            cursor.execute(
                f"""
                INSERT INTO intel_indicatorsource_tags (indicatorsource_id, tag_id)
                SELECT DISTINCT c.id, t.id FROM intel_stage_tags st
                JOIN intel_indicator i ON i.stix_uuid = st.stix_uuid
                JOIN intel_indicatorsource c ON c.indicator_id = i.id AND c.source_id = %s
                JOIN intel_tag t ON t.name = st.tag {where_true}
                ON CONFLICT (indicatorsource_id, tag_id) DO NOTHING
                """,
                [source.pk],
            )
        cursor.execute("DROP TABLE IF EXISTS intel_stage")
        cursor.execute("DROP TABLE IF EXISTS intel_stage_tags")
    return created, claims_written
