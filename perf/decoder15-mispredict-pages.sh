#!/bin/bash
# decoder15: two synthetic lineitem tables for the mispredicted-guess experiment (perf/decoder15-2026-12-02.md).
# mp_a: TPC-H-like Q1 numerics (the walk's guesses miss as on lineitem); mp_b: every Q1 numeric in one shape
# (no miss). usage: decoder15-mispredict-pages.sh PORT, then for v in a b:
#   PGFUSION_BENCH_CONNECTION="Host=127.0.0.1;Port=PORT;Username=postgres;Database=mp_$v" \
#     dotnet perf/PgFusion.Benchmarks/bin/Release/net10.0/PgFusion.Benchmarks.dll abn 7 DecodeQ1 ReadPages
set -e
P="psql -h 127.0.0.1 -p ${1:?port} -U postgres -v ON_ERROR_STOP=1 -q"
sql() {
cat <<SQL
CREATE TABLE lineitem (l_orderkey integer, l_partkey integer, l_suppkey integer, l_linenumber integer, l_quantity numeric(15,2), l_extendedprice numeric(15,2), l_discount numeric(15,2), l_tax numeric(15,2), l_returnflag character(1), l_linestatus character(1), l_shipdate date, l_commitdate date, l_receiptdate date, l_shipinstruct character(25), l_shipmode character(10), l_comment character varying(44));
INSERT INTO lineitem
SELECT i / 4 + 1, (random() * 200000)::int + 1, (random() * 10000)::int + 1, i % 7 + 1, q, $1,
       (ARRAY['A','N','R'])[1 + (random() * 2)::int], (ARRAY['F','O'])[1 + (random())::int],
       date '1992-01-01' + (random() * 2500)::int, date '1992-01-01' + (random() * 2500)::int, date '1992-01-01' + (random() * 2500)::int,
       (ARRAY['DELIVER IN PERSON','COLLECT COD','NONE','TAKE BACK RETURN'])[1 + (random() * 3)::int],
       (ARRAY['AIR','MAIL','SHIP','TRUCK','RAIL','FOB','REG AIR'])[1 + (random() * 6)::int],
       left(md5(i::text) || md5((i * 7)::text), 10 + (random() * 33)::int)
FROM (SELECT i, (1 + (random() * 49)::int)::numeric AS q FROM generate_series(1, 110000) i) s;
VACUUM FREEZE lineitem;
SQL
}
$P -d postgres -c "CREATE DATABASE mp_a" -c "CREATE DATABASE mp_b"
sql "round(q * (900 + random() * 1200)::numeric, 2), (random() * 10)::int / 100.0, (random() * 8)::int / 100.0" | $P -d mp_a
sql "10000 + (random() * 80000)::int + (1 + (random() * 98)::int) / 100.0, (1 + (random() * 9)::int) / 100.0, (1 + (random() * 7)::int) / 100.0" | $P -d mp_b
