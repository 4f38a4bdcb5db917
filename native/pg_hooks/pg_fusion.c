/*
 * pg_fusion.c: module entry point. GUCs, shared-memory hooks, the worker and the planner hook.
 * Loaded only through shared_preload_libraries (the worker and shared memory need the postmaster).
 */
#include "pg_fusion.h"

#include <limits.h>

#include "fmgr.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "utils/guc.h"

PG_MODULE_MAGIC;

bool		pgf_enable = false;
int			pgf_on_unsupported = PGF_ON_UNSUPPORTED_FALLBACK;
int			pgf_debug_fault = PGF_FAULT_NONE;
int			pgf_slots = 32;
int			pgf_pool_pages = 2048;
int			pgf_session_pages = 256;
int			pgf_ring_kb = 256;
int			pgf_join_pair_budget = 100000;
char	   *pgf_disabled_rules = NULL;
bool		pgf_explain_rules = false;
int			pgf_work_mem = -1;
int			pgf_serve_tuning = PGF_SERVE_ALL;
int			pgf_worker_threads = 2;
int			pgf_page_transfer = PGF_TRANSFER_SHARED;
int			pgf_page_readers = 0;
char	   *pgf_worker_dir = NULL;

static const struct config_enum_entry on_unsupported_options[] = {
	{"fallback", PGF_ON_UNSUPPORTED_FALLBACK, false},
	{"error", PGF_ON_UNSUPPORTED_ERROR, false},
	{NULL, 0, false}
};

static const struct config_enum_entry page_transfer_options[] = {
	{"copy", PGF_TRANSFER_COPY, false},
	{"shared", PGF_TRANSFER_SHARED, false},
	{NULL, 0, false}
};

static const struct config_enum_entry debug_fault_options[] = {
	{"none", PGF_FAULT_NONE, false},
	{"compile", PGF_FAULT_COMPILE, false},
	{"execute", PGF_FAULT_EXECUTE, false},
	{"compile_sleep", PGF_FAULT_COMPILE_SLEEP, false},
	{"execute_sleep", PGF_FAULT_EXECUTE_SLEEP, false},
	{"forget_plan", PGF_FAULT_FORGET_PLAN, false},
	{"probe_sleep", PGF_FAULT_PROBE_SLEEP, false},
	{"reader_error", PGF_FAULT_READER_ERROR, false},
	{"reader_sleep", PGF_FAULT_READER_SLEEP, false},
	{"readers_only", PGF_FAULT_READERS_ONLY, false},
	{NULL, 0, false}
};

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static void
pgf_shmem_request_hook(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	pgf_shmem_request();
}

static void
pgf_shmem_startup_hook(void)
{
	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	pgf_shmem_startup();
}

void		_PG_init(void);

void
_PG_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("pg_fusion must be loaded via shared_preload_libraries"),
				 errhint("Add pg_fusion to shared_preload_libraries in postgresql.conf and restart the server.")));

	DefineCustomBoolVariable("pg_fusion.enable",
							 "Offloads eligible top-level SELECTs to the pg_fusion worker.",
							 NULL, &pgf_enable, false, PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomEnumVariable("pg_fusion.on_unsupported",
							 "What a query the worker cannot run does: fall back to PostgreSQL's planner, or raise an error.",
							 NULL, &pgf_on_unsupported, PGF_ON_UNSUPPORTED_FALLBACK, on_unsupported_options,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomEnumVariable("pg_fusion.debug_fault",
							 "Test hook: makes the worker fail (or stall) at a stage of the query.",
							 NULL, &pgf_debug_fault, PGF_FAULT_NONE, debug_fault_options,
							 PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("pg_fusion.slots",
							"Session slots in shared memory (concurrent offloaded requests).",
							NULL, &pgf_slots, 32, 2, 4096, PGC_POSTMASTER, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("pg_fusion.pool_pages",
							"Heap pages the shared page pool holds (8 KB each).",
							NULL, &pgf_pool_pages, 2048, 16, 1048576, PGC_POSTMASTER, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("pg_fusion.session_pages",
							"Pool pages one query may hold at once (backpressure).",
							NULL, &pgf_session_pages, 256, 1, 65536, PGC_POSTMASTER, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("pg_fusion.ring_size",
							"Bytes of each session ring (per direction); rounded up to a power of two.",
							NULL, &pgf_ring_kb, 256, 64, 1048576, PGC_POSTMASTER, GUC_UNIT_KB, NULL, NULL, NULL);
	DefineCustomIntVariable("pg_fusion.join_pair_budget",
							"Most csg-cmp pairs the DPHyp join enumerator may emit per join region before the planner orders that region greedily.",
							NULL, &pgf_join_pair_budget, 100000, 1, PG_INT32_MAX, PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("pg_fusion.disabled_rules",
							   "Rewrite rules the worker's planner skips, by name, separated by commas (for comparisons).",
							   "Sent in the Query JSON's settings; an unknown name makes the query unsupported, naming the rules.",
							   &pgf_disabled_rules, "", PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("pg_fusion.explain_rules",
							 "pg_fusion_explain shows the logical plan after binding and after every rewrite rule.",
							 NULL, &pgf_explain_rules, false, PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("pg_fusion.work_mem",
							"Memory one buffering operator of an offloaded query (hash aggregate, sort, hash join build, set operation) may hold before it spills to temporary files.",
							"-1 uses work_mem times hash_mem_multiplier, as PostgreSQL's hash nodes do.",
							&pgf_work_mem, -1, -1, MAX_KILOBYTES, PGC_USERSET, GUC_UNIT_KB, NULL, NULL, NULL);
	DefineCustomIntVariable("pg_fusion.worker_threads",
							"Threads the worker runs one offloaded query's scan pipelines on (decode, filter, projection, partial aggregation).",
							"1 runs every query on one thread (decoding still overlaps the operators).",
							&pgf_worker_threads, 2, 1, PGF_MAX_WORKER_THREADS, PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("pg_fusion.page_readers",
							"Parallel workers that read heap pages into the page pool for one offloaded query, besides its backend.",
							"Capped by max_parallel_workers_per_gather; started for a scan of at least min_parallel_table_scan_size, if max_parallel_workers allows. 0 serves every page from the backend.",
							&pgf_page_readers, 0, 0, 64, PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("pg_fusion.probe_leaf_walk",
							 "Index probes look each next key up from the previous key's btree leaf instead of descending from the root.",
							 "Off: every key goes through the index access method (index_rescan), as before; for tests and comparisons.",
							 &pgf_probe_leaf_walk, true, PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("pg_fusion.serve_tuning",
							"Developer option: bit mask of the backend's page-serving optimizations (1 one worker wake per round, 2 long runs, 4 recycled pool entries, 8 the next block looked for in the buffer after the previous one's, 16 index probes pin heap blocks ahead and prefetch them, 32 with 16: a probe's block looked for at the last block's buffer offset first, 64 all-visible pages without free line pointers published without reading their line pointers, 128 a probe's tuples cut after the last attribute the worker decodes, 256 a probe evaluates the bpchar/text equality conditions the worker sends, 512 a first-match probe that needs only the key answers from the index on all-visible heap pages; 1024, not in the default, the worker's threads of an execution run under SCHED_BATCH so that a woken one does not preempt the backend).",
							"Clearing a bit restores the earlier behaviour, for A/B comparisons; results are the same either way.",
							&pgf_serve_tuning, PGF_SERVE_ALL, 0, PGF_SERVE_MASK, PGC_USERSET, GUC_NOT_IN_SAMPLE, NULL, NULL, NULL);
	DefineCustomEnumVariable("pg_fusion.page_transfer",
							 "How heap pages reach the worker: copied into the page pool (copy), or read in place in shared buffers while the backend keeps them pinned (shared).",
							 "Results are the same either way; docs/ipc.md, \"Shared page transfer\".",
							 &pgf_page_transfer, PGF_TRANSFER_SHARED, page_transfer_options,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("pg_fusion.worker_dir",
							   "Folder holding PgFusion.Worker.dll and PgFusion.Worker.runtimeconfig.json.",
							   NULL, &pgf_worker_dir, PGFUSION_DEFAULT_WORKER_DIR, PGC_POSTMASTER, 0, NULL, NULL, NULL);
	MarkGUCPrefixReserved("pg_fusion");

	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = pgf_shmem_request_hook;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = pgf_shmem_startup_hook;

	pgf_register_worker();
	pgf_register_custom_scan();
	pgf_install_planner_hooks();
}
