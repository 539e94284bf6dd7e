#!/usr/bin/env python3
"""DuckDB doing what `autooptimize bench batch` times of ours: every rule of the sales contract
(../shared/spec/sales-data.md, sections 1-4) and the three Africa tables, from the same files.

    duckdb_africa.py SALES_DIR FX_FILE OUT_DIR

Writes OUT_DIR/{africa_monthly_sales,africa_country_trends,africa_region_trends,rejects}.csv and prints the
seconds it took. DuckDB reads and validates every row (2 threads) in one streaming query (views over the files, no
table of the rows) and sums per month and country exactly (DECIMAL); the small trend tables are then computed in
Python's decimal arithmetic, half-to-even, as the contract's reference does. Each file is read alone (all columns as text, in its own header's order; rows of the
wrong width kept as rejects), as ../shared/PLATFORM.md found necessary for an exact reading.
"""
import csv
import os
import sys
import time
from collections import defaultdict
from decimal import ROUND_HALF_EVEN, Decimal

import duckdb

REGIONS = {}
for region, codes in [
    ("Northern Africa", "DZ EG LY MA SD TN EH"),
    ("Western Africa", "BJ BF CV CI GM GH GN GW LR ML MR NE NG SH SN SL TG"),
    ("Eastern Africa", "IO BI KM DJ ER ET TF KE MG MW MU YT MZ RE RW SC SO SS UG TZ ZM ZW"),
    ("Middle Africa", "AO CM CF TD CG CD GQ GA ST"),
    ("Southern Africa", "BW SZ LS NA ZA"),
]:
    for code in codes.split():
        REGIONS[code] = region
# ISO 3166-1 alpha-2, assigned (Debian iso-codes 4.15).
ASSIGNED = """AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC
CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL
GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI
LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE
PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ
TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW""".split()
REQUIRED = ["sale_id", "sold_at", "country", "dealer_id", "seller_id", "brand", "model", "quantity", "unit_price", "currency", "status"]
CENT = Decimal("0.01")


def main():
    sales, fx, out = sys.argv[1:4]
    start = time.monotonic()
    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.execute("CREATE TABLE country(code VARCHAR PRIMARY KEY)")
    con.executemany("INSERT INTO country VALUES (?)", [(c,) for c in ASSIGNED])
    con.execute(f"CREATE TABLE fx AS SELECT month, currency, CAST(usd_per_unit AS DECIMAL(38,12)) AS rate FROM read_csv('{fx}', all_varchar=true)")
    files = sorted((f for f in os.listdir(sales) if f.endswith(".csv") or f.endswith(".csv.gz")), key=lambda n: n.encode())
    parts, malformed = [], 0
    for number, name in enumerate(files):
        path = os.path.join(sales, name)
        # A view, not a table: the file is read once, by the one query below, as it streams (no copy of its rows).
        source = f"""read_csv('{path}', all_varchar=true, header=true, store_rejects=true, rejects_table='rej{number}',
                          rejects_scan='scan{number}', null_padding=false, quote='"', escape='"')"""
        columns = {c[0] for c in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
        if any(c not in columns for c in REQUIRED):
            malformed += con.execute(f"SELECT count(*) FROM {source}").fetchone()[0]
            malformed += con.execute(f"SELECT count(DISTINCT line) FROM rej{number}").fetchone()[0]
            continue
        # An empty field is read as NULL: back to the empty text the rules speak of.
        fields = [f"coalesce({c}, '') AS {c}" for c in REQUIRED] + ["coalesce(fuel, '') AS fuel" if "fuel" in columns else "'' AS fuel"]
        con.execute(f"CREATE VIEW f{number} AS SELECT {number} AS file_no, row_number() OVER () AS row_no, {', '.join(fields)} FROM {source}")
        parts.append(f"SELECT * FROM f{number}")
    con.execute("CREATE VIEW rows AS " + " UNION ALL ".join(parts))
    # One pass over every row: each row's first broken rule, the first accepted row of each sale_id by a window
    # (a later row with that id is a duplicate, whatever else it breaks), and only the small sums kept.
    summary = con.execute(r"""
        WITH parsed AS (
            SELECT *, regexp_matches(sold_at, '^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$') AS stamp_shape,
                try_strptime(substr(sold_at, 1, 10) || ' ' || substr(sold_at, 12, 8), '%Y-%m-%d %H:%M:%S') AS local_time,
                upper(trim(country, ' ')) AS code
            FROM rows
        ), timed AS (
            SELECT *, CASE WHEN stamp_shape AND local_time IS NOT NULL AND substr(sold_at, 18, 2) <= '59'
                AND (regexp_matches(sold_at, '[Zz]$') OR (substr(sold_at, -5, 2) <= '23' AND substr(sold_at, -2, 2) <= '59'))
                THEN strftime(local_time - CASE WHEN regexp_matches(sold_at, '[Zz]$') THEN INTERVAL 0 MINUTE
                    ELSE (CASE WHEN substr(sold_at, -6, 1) = '-' THEN -1 ELSE 1 END)
                         * (CAST(substr(sold_at, -5, 2) AS INTEGER) * INTERVAL 1 HOUR + CAST(substr(sold_at, -2, 2) AS INTEGER) * INTERVAL 1 MINUTE) END,
                    '%Y-%m') END AS month
            FROM parsed
        ), reasons AS (
            SELECT t.*, f.rate AS rate,
                CASE
                    WHEN trim(coalesce(sale_id, ''), ' \t') = '' THEN 'missing_field'
                    WHEN t.month IS NULL THEN 'bad_timestamp'
                    WHEN code NOT IN (SELECT code FROM country) THEN 'unknown_country'
                    WHEN trim(coalesce(dealer_id, ''), ' \t') = '' OR trim(coalesce(seller_id, ''), ' \t') = ''
                        OR trim(coalesce(brand, ''), ' \t') = '' OR trim(coalesce(model, ''), ' \t') = '' THEN 'missing_field'
                    WHEN NOT regexp_matches(coalesce(quantity, ''), '^[0-9]{1,9}$') OR CAST(quantity AS BIGINT) < 1 THEN 'bad_quantity'
                    WHEN NOT regexp_matches(coalesce(unit_price, ''), '^[0-9]+(\.[0-9]+)?$') OR length(unit_price) > 38
                        OR CAST(unit_price AS DECIMAL(38,10)) <= 0 THEN 'bad_price'
                    WHEN t.currency <> 'USD' AND f.rate IS NULL THEN 'no_fx_rate'
                    WHEN lower(status) NOT IN ('completed', 'cancelled', 'refunded') THEN 'bad_status'
                END AS other
            FROM timed t LEFT JOIN fx f ON f.month = t.month AND f.currency = t.currency
        ), judged AS (
            SELECT *, min(CASE WHEN other IS NULL THEN file_no * 4294967296 + row_no END) OVER (PARTITION BY sale_id) AS first FROM reasons
        ), checked AS (
            SELECT *, CASE
                    WHEN other = 'missing_field' AND trim(coalesce(sale_id, ''), ' \t') = '' THEN 'missing_field'
                    WHEN first IS NOT NULL AND first < file_no * 4294967296 + row_no THEN 'duplicate_sale_id'
                    ELSE other END AS reason
            FROM judged
        )
        SELECT reason, CASE WHEN reason IS NULL AND lower(status) = 'completed' AND code IN (SELECT unnest(?)) THEN month END AS m,
            CASE WHEN reason IS NULL AND lower(status) = 'completed' AND code IN (SELECT unnest(?)) THEN code END AS c,
            count(*), sum(CASE WHEN reason IS NULL THEN CAST(quantity AS BIGINT) END),
            sum(CASE WHEN reason IS NULL THEN CAST(quantity AS BIGINT) * CAST(unit_price AS DECIMAL(38,10)) * coalesce(rate, 1) END)
        FROM checked GROUP BY ALL
    """, [list(REGIONS), list(REGIONS)]).fetchall()
    monthly = [(m, c, n, u, r) for reason, m, c, n, u, r in summary if reason is None and m is not None]
    rejects = {reason: n for reason, m, c, n, u, r in summary if reason is not None}
    for number in range(len(files)):
        if f"f{number}" in {v[0] for v in con.execute("SELECT view_name FROM duckdb_views()").fetchall()}:
            malformed += con.execute(f"SELECT count(DISTINCT line) FROM rej{number}").fetchone()[0]
    if malformed:
        rejects["malformed_row"] = rejects.get("malformed_row", 0) + malformed
    write_tables(out, {(m, c): (o, u, Decimal(str(r))) for m, c, o, u, r in monthly}, rejects)
    print(f"{time.monotonic() - start:.2f}")


def months_back(month, n):
    y, m = map(int, month.split("-"))
    total = y * 12 + m - 1 - n
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def trends(monthly, key_of):
    if not monthly:
        return []
    as_of = max(m for m, _ in monthly)
    last = {months_back(as_of, i) for i in range(12)}
    prev = {months_back(as_of, i) for i in range(12, 24)}
    acc = defaultdict(lambda: [Decimal(0), Decimal(0), 0])
    for (month, country), (_, units, rev) in monthly.items():
        k = key_of(country)
        if month in last:
            acc[k][0] += rev
            acc[k][2] += units
        elif month in prev:
            acc[k][1] += rev
    total = sum(v[0] for v in acc.values())
    rows = []
    for k in sorted(acc):
        last_rev, prev_rev, units = acc[k]
        yoy = "" if prev_rev == 0 else f"{(last_rev - prev_rev) / prev_rev:.10f}"
        share = f"{last_rev / total:.10f}" if total else ""
        rows.append(list(k) + [as_of, money(last_rev), money(prev_rev), yoy, units, share])
    return rows


def money(d):
    return format(d.quantize(CENT, rounding=ROUND_HALF_EVEN), "f")


def write_tables(out, monthly, rejects):
    with open(os.path.join(out, "africa_monthly_sales.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["month", "country", "region", "orders", "units", "revenue_usd"])
        for (month, country), (orders, units, rev) in sorted(monthly.items()):
            w.writerow([month, country, REGIONS[country], orders, units, money(rev)])
    head = ["as_of", "revenue_last_12m", "revenue_prev_12m", "yoy_growth", "units_last_12m", "share_last_12m"]
    with open(os.path.join(out, "africa_country_trends.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["country", "region"] + head)
        w.writerows(trends(monthly, lambda c: (c, REGIONS[c])))
    with open(os.path.join(out, "africa_region_trends.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["region"] + head)
        w.writerows(trends(monthly, lambda c: (REGIONS[c],)))
    with open(os.path.join(out, "rejects.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["reason", "rows"])
        for reason in sorted(rejects):
            w.writerow([reason, rejects[reason]])


if __name__ == "__main__":
    main()
