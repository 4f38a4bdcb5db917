namespace PgFusion.Planner.Tests.Fixtures;

/// <summary>The captured fixtures: name -> SQL over the table <see cref="Setup"/> creates.</summary>
public static class FixtureQueries
{
    public const string Setup = """
        DROP TABLE IF EXISTS t;
        CREATE TABLE t(a int4 NOT NULL, b int8, c numeric(12,2), d text, e date, f float8, g bool, h varchar(10), i timestamp, j int2, k bpchar(3), l float4);
        INSERT INTO t SELECT i, i * 10, i * 1.5, 'x' || i, date '2020-01-01' + i, i / 3.0, i % 2 = 0, 'v' || i,
            timestamp '2020-01-01' + i * interval '1 hour', i % 100, 'k' || (i % 5), i / 7.0 FROM generate_series(1, 1000) i;
        UPDATE t SET d = NULL WHERE a % 10 = 0;
        UPDATE t SET b = NULL WHERE a % 7 = 0;
        VACUUM ANALYZE t;
        DROP TABLE IF EXISTS u;
        CREATE TABLE u(a int8, name text, w numeric(8,2));
        INSERT INTO u SELECT i * 3, 'u' || i, i * 0.5 FROM generate_series(1, 300) i;
        INSERT INTO u VALUES (NULL, 'null', NULL);
        VACUUM ANALYZE u;
        DROP TABLE IF EXISTS v;
        CREATE TABLE v(x int2, y text);
        INSERT INTO v SELECT i, 'y' || i FROM generate_series(1, 50) i;
        VACUUM ANALYZE v;
        DROP TABLE IF EXISTS pk_cust;
        CREATE TABLE pk_cust(id int4 PRIMARY KEY, name text NOT NULL, bal numeric(12,2), note text);
        INSERT INTO pk_cust SELECT i, 'c' || i, i * 2.5, 'n' || (i % 9) FROM generate_series(1, 200) i;
        VACUUM ANALYZE pk_cust;
        DROP TABLE IF EXISTS pk_ord;
        CREATE TABLE pk_ord(id int4 PRIMARY KEY, cust int4, total numeric(12,2));
        INSERT INTO pk_ord SELECT i, i % 250, i * 1.25 FROM generate_series(1, 2000) i;
        VACUUM ANALYZE pk_ord;
        """;

    public static readonly IReadOnlyDictionary<string, string> All = new Dictionary<string, string>
    {
        ["filter_project"] = "SELECT a, b + 1 AS b1, d FROM t WHERE a > 900 AND d IS NOT NULL",
        ["group_having_order_limit"] = "SELECT d, count(*), sum(c) FROM t WHERE a > 5 AND d IS NOT NULL GROUP BY d HAVING count(*) > 1 ORDER BY 2 DESC NULLS LAST LIMIT 10 OFFSET 2",
        ["aggregates_no_group"] = "SELECT count(*), count(b), sum(a), min(e), max(i), avg(f) FROM t",
        ["group_by_expression"] = "SELECT j % 10 AS m, avg(c), max(h), count(DISTINCT k) FILTER (WHERE g) FROM t GROUP BY j % 10 ORDER BY m",
        ["case_coalesce_in"] = "SELECT CASE WHEN a < 10 THEN 'low' ELSE 'high' END AS size, coalesce(d, 'none') AS d, a IN (1, 2, 3) AS small, nullif(j, 0) AS j FROM t WHERE k IN ('k1', 'k2') ORDER BY a LIMIT 5",
        ["distinct"] = "SELECT DISTINCT k, g FROM t ORDER BY k, g DESC",
        ["constants"] = "SELECT a FROM t WHERE c > 12.5 AND e >= date '2020-06-01' AND i < timestamp '2020-01-10 12:00' AND f <> 'NaN'::float8 AND g IS TRUE AND l < -1e-3::numeric",
        ["count_star"] = "SELECT count(*) FROM t WHERE true OR a > 1",
        ["window_function"] = "SELECT a, row_number() OVER () FROM t",
        ["join_inner"] = "SELECT t.a, u.name FROM t JOIN u ON u.a = t.a WHERE t.j < 50",
        ["derived_output_above_join"] = "SELECT t.a, s.q FROM t JOIN (SELECT a, 100 / w AS q, name FROM u) s ON s.a = t.b WHERE s.name <> 'u7'",
        ["join_left_residual"] = "SELECT t.a, u.w FROM t LEFT JOIN u ON u.a = t.b AND u.w > t.c WHERE t.a < 100",
        ["join_full_using"] = "SELECT a, t.d, u.name FROM t FULL JOIN u USING (a)",
        ["join_three_way_reordered"] = "SELECT count(*) FROM v, t, u WHERE t.j = v.x AND u.a = t.a AND v.y <> 'y3'",
        ["semi_exists_correlated"] = "SELECT a FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.a = t.a AND u.w > 10)",
        ["anti_not_in"] = "SELECT a FROM t WHERE b NOT IN (SELECT a FROM u)",
        ["scalar_correlated"] = "SELECT a, (SELECT max(w) FROM u WHERE u.a = t.b) FROM t WHERE a < 20",
        ["cte_twice"] = "WITH s AS (SELECT a, w FROM u WHERE w > 50) SELECT count(*) FROM s x JOIN s y ON x.a = y.a + 3",
        ["union_all_mixed_types"] = "SELECT a, d FROM t WHERE a < 5 UNION ALL SELECT b, h FROM t WHERE a > 995 ORDER BY 1 LIMIT 3",
        ["union_intersect_except"] = "SELECT k, j FROM t UNION SELECT k, j FROM t WHERE g INTERSECT ALL SELECT k, j FROM t WHERE a < 500 EXCEPT SELECT k, 1::int2 FROM t",
        ["group_by_primary_key"] = "SELECT c.id, c.name, c.bal, c.note, sum(o.total) FROM pk_cust c JOIN pk_ord o ON o.cust = c.id GROUP BY c.id, c.name, c.bal, c.note",
        ["cte_used_twice"] = "WITH w AS (SELECT j, count(*) AS n FROM t GROUP BY j) SELECT x.j, y.n FROM w x JOIN w y ON x.j = y.j + 1",
        ["grouping_sets_join_one_row_values"] = "SELECT t.j FROM t JOIN (VALUES (30::int8)) v(x) ON t.b = v.x WHERE t.f > 2 GROUP BY GROUPING SETS ((t.j), ())",
        ["rollup_grouping"] = "SELECT k, g, GROUPING(k, g), sum(c) FROM t GROUP BY ROLLUP (k, g)",
        ["outer_join_to_inner"] = "SELECT t.a, u.name FROM t LEFT JOIN u ON u.a = t.a WHERE u.w > 10",
        ["full_join_to_left"] = "SELECT t.a, u.name FROM t FULL JOIN u ON u.a = t.b WHERE t.j < 5 OR t.j IS NULL AND t.a > 3",
        ["outer_join_under_inner"] = "SELECT count(*) FROM t LEFT JOIN u ON u.a = t.a JOIN v ON v.x = u.a",
        ["equivalence_class_constant"] = "SELECT t.a, u.name FROM t LEFT JOIN u ON u.a = t.a JOIN v ON v.x = t.a WHERE u.a = 30 AND t.c * 2 > 1",
        ["outer_join_kept"] = "SELECT t.a, u.name FROM t LEFT JOIN u ON u.a = t.a WHERE u.w IS NULL OR t.a < 3",
        ["scalar_correlated_count"] = "SELECT a, (SELECT count(*) FROM u WHERE u.a = t.b) FROM t WHERE a < 20",
        ["scalar_uncorrelated_single_row"] = "SELECT a, (SELECT name FROM u WHERE u.a = 9) FROM t WHERE a < 5",
        ["scalar_correlated_single_row"] = "SELECT a, (SELECT name FROM u WHERE u.a = t.b) FROM t WHERE a < 5",
        ["exists_under_or"] = "SELECT a FROM t WHERE j = 1 OR EXISTS (SELECT 1 FROM u WHERE u.a = t.b)",
        ["in_in_select_list"] = "SELECT a, b IN (SELECT a FROM u WHERE w > 10) FROM t WHERE a < 30",
        ["not_in_correlated"] = "SELECT a FROM t WHERE b NOT IN (SELECT a FROM u WHERE u.w = t.c)",
        ["lateral_order_limit"] = "SELECT t.a, s.name FROM t, LATERAL (SELECT name FROM u WHERE u.a = t.b ORDER BY name LIMIT 1) s",
        ["lateral_aggregate"] = "SELECT t.a, s.n FROM t, LATERAL (SELECT count(*) AS n FROM u WHERE u.a = t.b) s",
        ["lateral_group_by"] = "SELECT t.a, s.w, s.n FROM t, LATERAL (SELECT w, count(*) AS n FROM u WHERE u.a = t.b GROUP BY w) s",
        ["all_uncorrelated"] = "SELECT a FROM t WHERE b < ALL (SELECT a FROM u WHERE w > 100)",
        ["any_correlated_non_equality"] = "SELECT a FROM t WHERE NOT (b > ANY (SELECT a FROM u WHERE u.w < t.c))",
        ["subquery_in_left_join_on"] = "SELECT t.a, u.name FROM t LEFT JOIN u ON u.a = t.b AND EXISTS (SELECT 1 FROM v WHERE v.x = u.a)",
        ["recursive_cte"] = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT n FROM r",
        ["recursive_cte_union"] = "WITH RECURSIVE r(n) AS (SELECT a FROM t WHERE a <= 2 UNION SELECT n + 1 FROM r WHERE n < 5) SELECT n FROM r",
        ["derived_correlated"] = "SELECT a, (SELECT sum(w) FROM (SELECT w FROM u WHERE u.a = t.b) d) FROM t WHERE a < 20",
        ["union_arms_correlated"] = "SELECT id FROM pk_cust c WHERE EXISTS (SELECT 1 FROM pk_ord o WHERE o.cust = c.id UNION ALL SELECT 1 FROM t WHERE t.a = c.id)",
        ["exists_in_exists"] = "SELECT id FROM pk_cust c WHERE EXISTS (SELECT 1 FROM pk_ord o WHERE o.cust = c.id AND EXISTS (SELECT 1 FROM t WHERE t.a = o.id AND t.j = c.id))",
        ["in_correlated_top_n"] = "SELECT id FROM pk_cust c WHERE bal IN (SELECT total FROM pk_ord o WHERE o.cust = c.id ORDER BY o.id DESC LIMIT 2)",
        ["not_exists_division"] = "SELECT id FROM pk_cust c WHERE NOT EXISTS (SELECT 1 FROM v WHERE v.x < 5 AND NOT EXISTS (SELECT 1 FROM pk_ord o WHERE o.cust = c.id AND o.id % 50 = v.x))",
        ["lateral_distinct_on"] = "SELECT c.id, l.id, l.total FROM pk_cust c, LATERAL (SELECT DISTINCT ON (total > 100) id, total FROM pk_ord o WHERE o.cust = c.id ORDER BY total > 100, id) l",
        ["or_over_both_join_inputs"] = "SELECT t.a, u.name FROM t JOIN u ON u.a = t.b WHERE (t.j = 1 AND u.w > 10) OR (t.j = 2 AND u.w < 5)",
        ["join_where_false"] = "SELECT t.a, u.name FROM t LEFT JOIN u ON u.a = t.b WHERE false",
        ["grouped_having_false"] = "SELECT j, count(*) FROM t GROUP BY j HAVING false",
        ["left_join_order_limit"] = "SELECT t.a, t.c, u.name FROM t LEFT JOIN u ON u.a = t.b ORDER BY t.c DESC, t.a LIMIT 5 OFFSET 2",
        ["limit_offset_project"] = "SELECT a, b * 2 AS b2, d || 'z' AS dz FROM t LIMIT 10 OFFSET 5",
        ["union_all_limit"] = "SELECT a, d FROM t UNION ALL SELECT x, y FROM v LIMIT 3",
        ["inner_join_limit_kept"] = "SELECT t.a, u.name FROM t JOIN u ON u.a = t.b LIMIT 4",
    };
}
