\echo Use "CREATE EXTENSION pg_fusion" to load this file. \quit

-- The JSON the planner hook sends to the worker for this SELECT (docs/query-json.md).
CREATE FUNCTION pg_fusion_query_tree(query text) RETURNS json
AS 'MODULE_PATHNAME', 'pg_fusion_query_tree'
LANGUAGE C STRICT VOLATILE;

-- The worker's compile-and-dump output for this SELECT (plan text and kernels), or why it is unsupported.
CREATE FUNCTION pg_fusion_explain(query text) RETURNS text
AS 'MODULE_PATHNAME', 'pg_fusion_explain'
LANGUAGE C STRICT VOLATILE;

-- The worker's state as the shared-memory header records it.
CREATE FUNCTION pg_fusion_worker_status(
    OUT state text, OUT pid int, OUT epoch int, OUT slots int, OUT slots_in_use int,
    OUT pool_pages int, OUT pool_pages_in_use int, OUT message text)
AS 'MODULE_PATHNAME', 'pg_fusion_worker_status'
LANGUAGE C STRICT VOLATILE;
