#!/bin/bash
# usage: PGFUSION_PORT=<port> perf/domain-decorrelation.sh DB   (from the repository root)
# Runs each query three times with pg_fusion off, then on (on_unsupported = error), and prints psql \timing.
DB=$1
declare -A Q
Q[rank_in_nation]="SELECT count(*), sum(length(s.s_name)) FROM supplier s WHERE (SELECT count(*) FROM supplier s2 WHERE s2.s_nationkey = s.s_nationkey AND s2.s_acctbal > s.s_acctbal) < 5"
Q[part_cheap_supply]="SELECT count(*) FROM part p WHERE p.p_retailprice > (SELECT 10 * min(ps_supplycost) FROM partsupp WHERE ps_partkey = p.p_partkey AND ps_availqty > p.p_size * 100)"
Q[latest_order_per_customer]="SELECT count(*), sum((SELECT o_totalprice FROM orders WHERE o_custkey = c_custkey ORDER BY o_orderdate DESC, o_orderkey DESC LIMIT 1)) FROM customer"
for name in rank_in_nation part_cheap_supply latest_order_per_customer; do
  for mode in off on; do
    out=$(./pgfusion psql -X -q -d $DB -c "SET pg_fusion.enable=$mode; SET pg_fusion.on_unsupported=error; SET max_parallel_workers_per_gather=2;" -c '\timing on' -c "${Q[$name]}" -c "${Q[$name]}" -c "${Q[$name]}" 2>&1)
    times=$(echo "$out" | grep -o 'Time: [0-9.]* ms' | awk '{print $2}' | tr '\n' ' ')
    res=$(echo "$out" | grep -v Time | grep -E '^ *[0-9]' | head -1)
    err=$(echo "$out" | grep ERROR | head -1)
    echo "$name $mode times_ms: $times result: $res $err"
  done
done
