/*
 * scan.c: CustomScan "PgFusionScan", the root of an offloaded query's plan.
 *
 * Execution: send EXECUTE(plan handle); then serve the heap pages the worker asks for (SCAN_OPEN
 * with credit, CREDIT) and hand the MinimalTuples it sends (TUPLE) to the executor, until DONE or
 * ERROR. Pages are read as a sequential scan reads them (share lock, visibility per line pointer as
 * heapgetpage computes it; the bulk-read ring only for relations larger than a quarter of
 * shared_buffers, as initscan decides) and copied into the shared page pool, or, with
 * pg_fusion.page_transfer = shared, left pinned in shared buffers for the worker to read in place
 * (page_pins.c).
 *
 * EndCustomScan is not called on ERROR: a reset callback on the query's memory context releases
 * the session slot (the worker then cancels and reclaims its pages).
 */
#include "pg_fusion.h"
#include "done_spill.h"

#include "access/detoast.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/relscan.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "executor/nodeHash.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "nodes/extensible.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/cost.h"
#include "optimizer/paths.h"
#include "parser/parsetree.h"
#include "portability/instr_time.h"
#include "storage/bufmgr.h"
#include "storage/predicate.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#define PGF_MAX_SCANS 64
#define PGF_PAGES_PER_ROUND 64
#define PGF_LONG_PAGES_PER_ROUND 128	/* PGF_SERVE_LONG_RUNS */
#define PGF_PROBE_PAGES_PER_ROUND 4	/* index probes: few pages per round, so sequential scans are served between them */
#define PGF_MAX_RUN_PAGES 32
#define PGF_LONG_RUN_PAGES 64		/* PGF_SERVE_LONG_RUNS */

typedef struct PgfScanStream
{
	uint32		scan_id;
	Relation	rel;
	BlockNumber nblocks;
	BlockNumber next;
	uint32		credit;
	uint32		pages_sent;
	bool		closed;			/* SCAN_CLOSE received or SCAN_END sent */
	int			natts;
	int16	   *attnums;		/* attributes the worker reads: their external values are detoasted */
	bool		may_toast;		/* a varlena attribute of attnums and a TOAST table: look for external values */
	int			shared;			/* its index among the page readers' scans, or -1: the backend reads it alone */
	bool		bulk;			/* read through the bulk-read ring (a relation over a quarter of shared_buffers) */
	PgfBufferGuess guess;		/* PGF_SERVE_NEXT_BUFFER */
	bool		pinned;			/* shared transfer: its pages stay pinned in shared buffers */
} PgfScanStream;

typedef struct PgfScanState
{
	CustomScanState css;
	uint64		plan_handle;
	char	   *explain;
	char	   *query_json;		/* sent with EXECUTE: the worker recompiles it if the handle is gone */
	PgfSession *session;
	bool		started;
	bool		done;
	TupleTableSlot *slot;
	StringInfoData msg;
	StringInfoData run;			/* the PAGE_RUN payload being built (after its 8-byte head) */
	int			run_pages;		/* pages per PAGE_RUN: a quarter of the session quota, at most 32 (64) */
	int			round_pages;	/* pages served per round before reading messages again */
	int			tuning;			/* pg_fusion.serve_tuning when execution started */
	bool		serializable;	/* SSI: every visible tuple goes through the conflict-out check */
	BufferAccessStrategy strategy;
	bool		shared_transfer;	/* pg_fusion.page_transfer = shared when execution began, and available */
	PgfPagePins pins;			/* shared transfer: entries published with their buffer pinned */
	MemoryContextCallback cleanup;
	int			filling_page;
	int			nscans;
	PgfScanStream scans[PGF_MAX_SCANS];
	uint64		rows;
	uint64		pages;
	uint32		work_mem_kb;	/* budget sent with EXECUTE */
	uint64		spill_bytes;	/* from DONE: bytes written to spill files */
	uint32		spill_files;	/* from DONE: spill files created */
	char	   *parallel;		/* from DONE: pipelines run on several threads, one per line, or NULL */
	bool		have_kernels;	/* DONE carried the kernel figures (a worker that predates them sends none) */
	PgfDoneKernels kernels;		/* from DONE: this statement's kernels compiled and found cached */
	bool		have_spill_ops;	/* DONE carried the spill figures by node and operator */
	uint32		nspill_ops;		/* entries in spill_ops */
	PgfDoneSpill *spill_ops;	/* from DONE: files and bytes by (node, PgfSpillOperator), in es_query_cxt */
	bool		have_memory;	/* DONE carried the memory peaks (docs/ipc.md 5.5) */
	uint64		memory_peak;	/* from DONE: the most bytes the worker's operators held at once */
	uint32		nmemory;		/* entries in memory */
	PgfDoneMemory *memory;		/* from DONE: peak bytes by plan node, in es_query_cxt */
	struct PgfProbeSet *probes; /* index probes (probe.c) */
	/* page readers (readers.c): started at the first scan big enough, if pg_fusion.page_readers > 0 */
	PgfReaders *readers;
	bool		readers_tried;
	int			readers_planned;
	int			readers_launched;
	uint64		reader_pages;	/* pages the readers read (the rest: this backend) */
	double		reader_read_ms;
	double		reader_copy_ms;
	/* EXPLAIN ANALYZE: where the backend's time goes while it serves pages */
	uint64		messages;		/* PAGE_RUN messages */
	uint64		waits;			/* sleeps on backend_wake while executing */
	uint64		wake_calls0;	/* pgf_stat_wake_calls when execution started */
	uint64		send_waits0;	/* pgf_stat_send_waits when execution started */
	uint64		wake_calls;		/* FUTEX_WAKE calls of this execution (set at its end) */
	uint64		send_waits;		/* sends that waited for ring space */
	PgfFillTimes times;			/* this backend's own reads: ReadBuffer, visibility, copy */
	instr_time	t_toast;		/* detoasting external values */
	instr_time	t_send;			/* PAGE_RUN into the ring */
	instr_time	t_wait;			/* sleeping for credit, quota or the worker's messages */
} PgfScanState;

static Node *create_scan_state(CustomScan *cscan);
static void begin_scan(CustomScanState *node, EState *estate, int eflags);
static TupleTableSlot *exec_scan(CustomScanState *node);
static void end_scan(CustomScanState *node);
static void rescan(CustomScanState *node);
static void explain_scan(CustomScanState *node, List *ancestors, ExplainState *es);
static void note_kernels(PgfScanState *state, const char *data);
static uint64 note_spill_ops(PgfScanState *state, const char *data, uint64 len, uint64 offset);
static void note_memory(PgfScanState *state, const char *data, uint64 len, uint64 offset);
static void shutdown_scan(CustomScanState *node);
static bool scan_may_toast(PgfScanStream *scan);
static void share_scan(PgfScanState *state, PgfScanStream *scan);

static CustomScanMethods scan_methods = {
	.CustomName = "PgFusionScan",
	.CreateCustomScanState = create_scan_state,
};

static CustomExecMethods exec_methods = {
	.CustomName = "PgFusionScan",
	.BeginCustomScan = begin_scan,
	.ExecCustomScan = exec_scan,
	.EndCustomScan = end_scan,
	.ReScanCustomScan = rescan,
	.ExplainCustomScan = explain_scan,
	.ShutdownCustomScan = shutdown_scan,
};

void
pgf_register_custom_scan(void)
{
	RegisterCustomScanMethods(&scan_methods);
}

/*
 * The plan node. custom_scan_tlist holds the query's output expressions (what EXPLAIN VERBOSE
 * shows); the node's targetlist reads the scan tuple, which the worker fills, column by column.
 */
Plan *
pgf_make_custom_scan(Query *parse, PgfCompileReply *reply, const char *json)
{
	CustomScan *cs = makeNode(CustomScan);
	List	   *scan_tlist = NIL;
	List	   *tlist = NIL;
	ListCell   *lc;
	AttrNumber	resno = 0;
	int			width = 0;

	foreach(lc, parse->targetList)
	{
		TargetEntry *te = lfirst_node(TargetEntry, lc);
		Node	   *expr = (Node *) te->expr;
		Var		   *var;

		if (te->resjunk)
			continue;
		resno++;
		scan_tlist = lappend(scan_tlist, makeTargetEntry((Expr *) copyObject(expr), resno, te->resname ? pstrdup(te->resname) : NULL, false));
		var = makeVar(INDEX_VAR, resno, exprType(expr), exprTypmod(expr), exprCollation(expr), 0);
		tlist = lappend(tlist, makeTargetEntry((Expr *) var, resno, te->resname ? pstrdup(te->resname) : NULL, false));
		width += 8;
	}
	cs->scan.plan.targetlist = tlist;
	cs->scan.plan.qual = NIL;
	cs->scan.plan.startup_cost = 0;
	cs->scan.plan.total_cost = 0;
	cs->scan.plan.plan_rows = reply->rows > 0 ? reply->rows : 1;
	cs->scan.plan.plan_width = width;
	cs->scan.plan.parallel_aware = false;
	cs->scan.plan.parallel_safe = false;
	cs->scan.scanrelid = 0;
	cs->flags = 0;
	cs->custom_plans = NIL;
	cs->custom_exprs = NIL;
	/*
	 * The Query JSON travels with the plan: EXECUTE sends it beside the handle, so a worker whose
	 * bounded plan cache has dropped the handle (or a prepared statement kept for days) recompiles it.
	 */
	cs->custom_private = list_make3(makeString(psprintf(UINT64_FORMAT, reply->plan_handle)),
									makeString(pstrdup(reply->text ? reply->text : "")),
									makeString(pstrdup(json)));
	cs->custom_scan_tlist = scan_tlist;
	cs->custom_relids = NULL;
	cs->methods = &scan_methods;
	return (Plan *) cs;
}

static Node *
create_scan_state(CustomScan *cscan)
{
	PgfScanState *state = (PgfScanState *) newNode(sizeof(PgfScanState), T_CustomScanState);

	state->css.methods = &exec_methods;
	state->plan_handle = strtou64(strVal(linitial(cscan->custom_private)), NULL, 10);
	state->explain = strVal(lsecond(cscan->custom_private));
	state->query_json = strVal(lthird(cscan->custom_private));
	state->filling_page = -1;
	return (Node *) state;
}

/* Releases the session and any page being filled; runs on ERROR (context reset) and at the end. */
static void
release_session(void *arg)
{
	PgfScanState *state = (PgfScanState *) arg;

	/*
	 * Normal ends stop the readers first (finish_readers). Here they are still set only on ERROR,
	 * where AbortTransaction has already destroyed their parallel context, before freeing the
	 * portal memory whose reset callback brings us here: the pointer is stale, not to be used.
	 */
	state->readers = NULL;
	/*
	 * Pins: a normal end dropped them already (end_execution); on ERROR the resource owner
	 * releases them, so they are only forgotten here.
	 */
	pgf_pins_forget(&state->pins);
	if (state->session == NULL)
		return;
	state->wake_calls = pgf_stat_wake_calls - state->wake_calls0;
	state->send_waits = pgf_stat_send_waits - state->send_waits0;
	if (state->filling_page >= 0)
	{
		pgf_page_free(state->filling_page);
		state->filling_page = -1;
	}
	pgf_session_close(state->session);
	state->session = NULL;
}

static void
begin_scan(CustomScanState *node, EState *estate, int eflags)
{
	PgfScanState *state = (PgfScanState *) node;

	state->slot = ExecInitExtraTupleSlot(estate, node->ss.ps.ps_ResultTupleDesc, &TTSOpsMinimalTuple);
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;
	initStringInfo(&state->msg);
	initStringInfo(&state->run);
	state->tuning = pgf_serve_tuning;
	state->run_pages = Max(1, Min((state->tuning & PGF_SERVE_LONG_RUNS) ? PGF_LONG_RUN_PAGES : PGF_MAX_RUN_PAGES,
								  (int) pgf_header->session_page_quota / 4));
	state->round_pages = (state->tuning & PGF_SERVE_LONG_RUNS) ? PGF_LONG_PAGES_PER_ROUND : PGF_PAGES_PER_ROUND;
	state->serializable = IsolationIsSerializable();
	state->strategy = GetAccessStrategy(BAS_BULKREAD);
	state->shared_transfer = pgf_page_transfer == PGF_TRANSFER_SHARED && pgf_shared_transfer_available();
	if (state->shared_transfer)
		pgf_pins_init(&state->pins, (int) pgf_header->session_page_quota);
	state->cleanup.func = release_session;
	state->cleanup.arg = state;
	MemoryContextRegisterResetCallback(estate->es_query_cxt, &state->cleanup);
}

/*
 * The memory budget of one buffering operator in the worker, in kB: pg_fusion.work_mem, or when
 * it is -1 the session's work_mem x hash_mem_multiplier (get_hash_memory_limit), the limit
 * PostgreSQL's own hash aggregate and hash join use.
 */
static uint32
pgf_effective_work_mem_kb(void)
{
	size_t		bytes;

	if (pgf_work_mem > 0)
		return (uint32) pgf_work_mem;
	bytes = get_hash_memory_limit() / 1024;
	return bytes > (size_t) PG_UINT32_MAX ? PG_UINT32_MAX : (uint32) Max(bytes, 64);
}

/*
 * The plan's Query JSON with the session's current "settings" object. The output settings
 * (DateStyle, extra_float_digits, ...) decide how the compiled plan prints values as text, and a
 * cached PlannedStmt may run after the session changed them: then the JSON goes with the
 * current settings and PGF_FLAG_SETTINGS_CHANGED, and the worker compiles it for them.
 * Returns NULL when the settings are those the plan was made under.
 */
static char *
json_with_current_settings(const char *json)
{
	static const char open_tag[] = "\"settings\":{";
	static const char close_tag[] = "},\"query\":";
	const char *start = strstr(json, open_tag);
	const char *end;
	StringInfoData now;
	StringInfoData out;

	if (start == NULL)
		return NULL;
	start += strlen(open_tag);
	end = strstr(start, close_tag);
	if (end == NULL)
		return NULL;
	initStringInfo(&now);
	pgf_append_settings(&now);
	if ((size_t) now.len == (size_t) (end - start) && memcmp(now.data, start, now.len) == 0)
	{
		pfree(now.data);
		return NULL;
	}
	initStringInfo(&out);
	appendBinaryStringInfo(&out, json, start - json);
	appendBinaryStringInfo(&out, now.data, now.len);
	appendStringInfoString(&out, end);
	pfree(now.data);
	return out.data;
}

static void
start_execution(PgfScanState *state)
{
	uint32		prefix[4] = {(uint32) pgf_debug_fault | ((uint32) pgf_worker_threads << PGF_FLAG_THREADS_SHIFT), 0, 0, 0};
	const char *unavailable = pgf_worker_unavailable_reason();
	const char *json = state->query_json;
	char	   *changed;

	if (unavailable != NULL || (state->session = pgf_session_open(-1)) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_CONNECTION_FAILURE),
				 errmsg("pg_fusion cannot execute the compiled plan: %s", unavailable ? unavailable : "this backend holds too many pg_fusion sessions")));
	state->work_mem_kb = pgf_effective_work_mem_kb();
	prefix[1] = state->work_mem_kb;
	memcpy(&prefix[2], &state->plan_handle, 8);
	state->wake_calls0 = pgf_stat_wake_calls;
	state->send_waits0 = pgf_stat_send_waits;
	if ((state->tuning & PGF_SERVE_BATCH_WORKER) != 0)
		prefix[0] |= PGF_FLAG_BATCH_THREADS;
	if ((changed = json_with_current_settings(state->query_json)) != NULL)
	{
		prefix[0] |= PGF_FLAG_SETTINGS_CHANGED;
		json = changed;
	}
	pgf_session_send(state->session, PGF_MSG_EXECUTE, prefix, sizeof(prefix), json, strlen(json));
	state->started = true;
}

/* ---------------------------------------------------------------- page serving */

/*
 * The range-table index of a plain relation the plan reads, or 0: the worker may only name
 * relations of the query's range table (locked and permission-checked by the executor).
 */
Index
pgf_range_table_index(EState *estate, Oid relid)
{
	ListCell   *lc;
	Index		i = 0;

	foreach(lc, estate->es_range_table)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);

		i++;
		if (rte->rtekind == RTE_RELATION && rte->relid == relid)
			return i;
	}
	return 0;
}

static uint32
msg_u32(StringInfo msg, int offset, const char *what)
{
	uint32		v;

	if (offset + 4 > msg->len)
		ereport(ERROR, (errcode(ERRCODE_PROTOCOL_VIOLATION),
						errmsg("pg_fusion worker sent a truncated %s message", what)));
	memcpy(&v, msg->data + offset, 4);
	return v;
}

static PgfScanStream *
find_scan(PgfScanState *state, uint32 scan_id, const char *what)
{
	for (int i = 0; i < state->nscans; i++)
		if (state->scans[i].scan_id == scan_id)
			return &state->scans[i];
	ereport(ERROR, (errcode(ERRCODE_PROTOCOL_VIOLATION),
					errmsg("pg_fusion worker sent %s for unknown scan %u", what, scan_id)));
	return NULL;
}

/*
 * SCAN_OPEN: the worker may only read relations of this plan's range table, which the executor
 * has locked and checked permissions on.
 */
static void
open_scan(PgfScanState *state, StringInfo msg)
{
	EState	   *estate = state->css.ss.ps.state;
	uint32		scan_id = msg_u32(msg, 0, "SCAN_OPEN");
	Oid			relid = msg_u32(msg, 4, "SCAN_OPEN");
	uint32		credit = msg_u32(msg, 8, "SCAN_OPEN");
	uint32		natts = msg_u32(msg, 12, "SCAN_OPEN");
	PgfScanStream *scan;
	Index		rti;

	rti = pgf_range_table_index(estate, relid);
	if (rti == 0)
		ereport(ERROR, (errcode(ERRCODE_PROTOCOL_VIOLATION),
						errmsg("pg_fusion worker asked for relation %u, which the query does not use", relid)));
	if (state->nscans >= PGF_MAX_SCANS)
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						errmsg("pg_fusion query opens more than %d scans", PGF_MAX_SCANS)));
	if ((uint64) 16 + (uint64) natts * 4 > (uint64) msg->len)
		ereport(ERROR, (errcode(ERRCODE_PROTOCOL_VIOLATION),
						errmsg("pg_fusion worker sent a truncated SCAN_OPEN message")));
	scan = &state->scans[state->nscans++];
	memset(scan, 0, sizeof(*scan));
	scan->scan_id = scan_id;
	scan->rel = ExecGetRangeTableRelation(estate, rti);
	scan->nblocks = RelationGetNumberOfBlocks(scan->rel);
	scan->credit = credit;
	scan->natts = (int) natts;
	scan->attnums = palloc0(sizeof(int16) * Max(natts, 1));
	for (uint32 a = 0; a < natts; a++)
		scan->attnums[a] = (int16) msg_u32(msg, 16 + 4 * a, "SCAN_OPEN");
	scan->may_toast = scan_may_toast(scan);
	scan->shared = -1;
	/*
	 * As heapam's initscan: only a relation larger than a quarter of shared_buffers is read
	 * through the bulk-read ring; a smaller one stays cached in shared buffers (reading it through
	 * the 256 kB ring made every scan of TPC-H's orders read each page from the kernel again).
	 */
	scan->bulk = scan->nblocks > (BlockNumber) (NBuffers / 4);
	PredicateLockRelation(scan->rel, estate->es_snapshot);
	share_scan(state, scan);
	/* page readers are other processes (their pins end with them) and local buffers are private: copy */
	scan->pinned = state->shared_transfer && scan->shared < 0 && !RelationUsesLocalBuffers(scan->rel);
}

/* ---------------------------------------------------------------- page readers */

/*
 * Page readers (readers.c) read blocks for this execution besides the backend: started once, at
 * the first scan of at least min_parallel_table_scan_size blocks, when the plan runs in parallel
 * mode (es_use_parallel_mode: planned with pg_fusion.page_readers > 0 and run to completion in
 * one go). SERIALIZABLE transactions (SSI checks per tuple), scans that ship TOAST values and
 * temporary relations stay with the backend alone.
 */
static void
share_scan(PgfScanState *state, PgfScanStream *scan)
{
	EState	   *estate = state->css.ss.ps.state;

	if (scan->may_toast || state->serializable || RelationUsesLocalBuffers(scan->rel))
		return;
	if (state->readers == NULL)
	{
		int			n = Min(pgf_page_readers, max_parallel_workers_per_gather);

		if (state->readers_tried || n <= 0 || !estate->es_use_parallel_mode ||
			scan->nblocks < (BlockNumber) Max(min_parallel_table_scan_size, 1))
			return;
		state->readers_tried = true;
		state->readers_planned = n;
		state->readers = pgf_readers_start(estate->es_snapshot, state->session, n, &state->readers_launched);
		if (state->readers == NULL)
			return;
	}
	scan->shared = pgf_readers_add_scan(state->readers, RelationGetRelid(scan->rel), scan->scan_id,
										scan->nblocks, scan->credit, scan->bulk);
}

/*
 * The relation and access strategy of one of this execution's scans (the backend reads blocks
 * for the readers' scans too).
 */
static Relation
relation_of_scan(void *arg, uint32 scan_id, BufferAccessStrategy *strategy)
{
	PgfScanState *state = (PgfScanState *) arg;

	for (int i = 0; i < state->nscans; i++)
		if (state->scans[i].scan_id == scan_id)
		{
			*strategy = state->scans[i].bulk ? state->strategy : NULL;
			return state->scans[i].rel;
		}
	return NULL;
}

/*
 * Stops the page readers (an ERROR one raised is raised here), frees the pages they filled that
 * were not forwarded, and keeps their figures for EXPLAIN. Runs before the session is released.
 */
static void
finish_readers(PgfScanState *state)
{
	PgfReaders *readers = state->readers;

	if (readers == NULL)
		return;
	state->readers = NULL;
	pgf_readers_finish(readers);
	pgf_readers_report(readers, &state->reader_pages, &state->reader_read_ms, &state->reader_copy_ms);
}

/*
 * A normal end of the execution (DONE, EndCustomScan, ReScan): stops the readers, drops the pins
 * of the shared transfer, then releases the session slot (the worker reclaims what is left).
 */
static void
end_execution(PgfScanState *state)
{
	finish_readers(state);
	pgf_pins_release_all(&state->pins);
	release_session(state);
}

typedef struct ToastRef
{
	uint16		offnum;
	uint16		attnum;
	struct varlena *pointer;	/* a copy of the external TOAST pointer */
} ToastRef;

/*
 * Whether a visible tuple of this scan may carry an external TOAST value the worker needs: only
 * if the relation has a TOAST table and the worker reads a varlena attribute.
 */
static bool
scan_may_toast(PgfScanStream *scan)
{
	TupleDesc	td = RelationGetDescr(scan->rel);

	if (!OidIsValid(scan->rel->rd_rel->reltoastrelid))
		return false;
	for (int a = 0; a < scan->natts; a++)
	{
		int			attnum = scan->attnums[a];

		if (attnum >= 1 && attnum <= td->natts && TupleDescAttr(td, attnum - 1)->attlen == -1)
			return true;
	}
	return false;
}

/* Appends tuple's external TOAST pointers in the attributes the worker reads to *toast. */
static List *
collect_toast(PgfScanStream *scan, HeapTuple tuple, OffsetNumber off, List *toast)
{
	TupleDesc	td = RelationGetDescr(scan->rel);

	for (int a = 0; a < scan->natts; a++)
	{
		int			attnum = scan->attnums[a];
		bool		isnull;
		Datum		d;

		if (attnum < 1 || attnum > td->natts || TupleDescAttr(td, attnum - 1)->attlen != -1)
			continue;
		d = heap_getattr(tuple, attnum, td, &isnull);
		if (!isnull && VARATT_IS_EXTERNAL_ONDISK(DatumGetPointer(d)))
		{
			ToastRef   *ref = palloc(sizeof(ToastRef));
			Size		sz = VARSIZE_ANY(DatumGetPointer(d));

			ref->offnum = off;
			ref->attnum = (uint16) attnum;
			ref->pointer = palloc(sz);
			memcpy(ref->pointer, DatumGetPointer(d), sz);
			toast = lappend(toast, ref);
		}
	}
	return toast;
}

#define ELAPSED_SINCE(acc, start) \
	do { instr_time now_; INSTR_TIME_SET_CURRENT(now_); INSTR_TIME_ACCUM_DIFF(acc, now_, start); start = now_; } while (0)

typedef struct ToastCollect
{
	PgfScanStream *scan;
	List	   *toast;
} ToastCollect;

static void
toast_collector(void *arg, HeapTuple tuple, OffsetNumber off)
{
	ToastCollect *c = (ToastCollect *) arg;

	c->toast = collect_toast(c->scan, tuple, off, c->toast);
}

/*
 * Whether the scan's blocks are looked for in the buffer after the previous block's first
 * (readers.c, read_block): not through a bulk-read ring (its buffers are a ring of its own, and
 * ReadRecentBuffer takes no strategy) and not for local buffers.
 */
static bool
use_guess(PgfScanState *state, PgfScanStream *scan)
{
	return (state->tuning & PGF_SERVE_NEXT_BUFFER) != 0 && !scan->bulk && !RelationUsesLocalBuffers(scan->rel);
}

/*
 * Fills one pool page with block scan->next, publishes it (READY) and appends its PAGE_RUN entry
 * to state->run; false when the pool has no room for this session.
 */
static bool
fill_page(PgfScanState *state, PgfScanStream *scan)
{
	Snapshot	snapshot = state->css.ss.ps.state->es_snapshot;
	BlockNumber block = scan->next;
	int			page_index = pgf_page_alloc(state->session);
	ToastCollect collect = {scan, NIL};
	List	   *toast;
	ListCell   *lc;
	uint32		entry[4];
	int			entry_at;
	instr_time	t;
	Buffer		pinned = InvalidBuffer;

	/* entries the worker returned still count in the quota until their pins are dropped */
	if (page_index < 0 && state->pins.count > 0 && pgf_pins_reap(&state->pins) > 0)
		page_index = pgf_page_alloc(state->session);
	if (page_index < 0)
		return false;
	state->filling_page = page_index;
	pgf_copy_heap_block(scan->rel, scan->bulk ? state->strategy : NULL, snapshot, block, page_index, scan->scan_id,
						state->serializable, scan->may_toast, (state->tuning & PGF_SERVE_LINE_RANGE) != 0, toast_collector, &collect,
						state->css.ss.ps.instrument != NULL ? &state->times : NULL,
						use_guess(state, scan) ? &scan->guess : NULL,
						scan->pinned ? &pinned : NULL);
	if (scan->pinned)
		pgf_pins_add(&state->pins, page_index, pinned);
	state->filling_page = -1;	/* the worker owns it now (or reclaims it with the slot) */
	toast = collect.toast;
	if (toast != NIL)
		INSTR_TIME_SET_CURRENT(t);

	/* the run entry; external values fetched and decompressed here, sent beside the page */
	entry[0] = (uint32) page_index;
	entry[1] = block;
	entry[2] = (uint32) list_length(toast);
	entry[3] = 0;
	entry_at = state->run.len;
	appendBinaryStringInfo(&state->run, (char *) entry, sizeof(entry));
	foreach(lc, toast)
	{
		ToastRef   *ref = lfirst(lc);
		struct varlena *value = detoast_attr(ref->pointer);
		uint32		len = VARSIZE_ANY_EXHDR(value);

		appendBinaryStringInfo(&state->run, (char *) &ref->offnum, 2);
		appendBinaryStringInfo(&state->run, (char *) &ref->attnum, 2);
		appendBinaryStringInfo(&state->run, (char *) &len, 4);
		appendBinaryStringInfo(&state->run, VARDATA_ANY(value), len);
	}
	entry[3] = (uint32) (state->run.len - entry_at - (int) sizeof(entry));
	memcpy(state->run.data + entry_at + 12, &entry[3], 4);
	if (toast != NIL)
	{
		list_free_deep(toast);
		ELAPSED_SINCE(state->t_toast, t);
	}

	scan->next++;
	scan->credit--;
	scan->pages_sent++;
	state->pages++;
	return true;
}

/*
 * Serves one run of consecutive blocks of a scan as one PAGE_RUN message: up to run_pages pages,
 * fewer when credit or the pool quota runs out. Returns the pages served.
 */
static int
serve_run(PgfScanState *state, PgfScanStream *scan, int max_pages)
{
	uint32		head[2] = {scan->scan_id, 0};
	int			n = 0;
	instr_time	t;

	resetStringInfo(&state->run);
	if (scan->shared >= 0)
	{
		/*
		 * The readers' pages go out in block order, in runs as long as the backend's own: a
		 * shorter run only when everything claimed so far is ready (what comes next needs pool
		 * entries, which the worker may free only once it has these pages).
		 */
		int			want = (int) Min((uint32) max_pages, Min(scan->credit, scan->nblocks - scan->next));
		uint32		in_flight;
		int			ready = want > 0 ? pgf_readers_ready(state->readers, scan->shared, want, &in_flight) : 0;

		if (ready == 0 || (ready < want && (uint32) ready < in_flight))
			return 0;
		max_pages = ready;
	}
	while (n < max_pages && scan->credit > 0 && scan->next < scan->nblocks)
	{
		if (scan->shared >= 0)
		{
			uint32		entry[4] = {0, 0, 0, 0};
			BlockNumber block;
			int			page_index;

			if (!pgf_readers_take(state->readers, scan->shared, &block, &page_index))
				break;
			if (block != scan->next)
				ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
								errmsg("pg_fusion page readers delivered block %u of scan %u, expected %u",
									   block, scan->scan_id, scan->next)));
			entry[0] = (uint32) page_index;
			entry[1] = block;
			appendBinaryStringInfo(&state->run, (char *) entry, sizeof(entry));
			scan->next++;
			scan->credit--;
			scan->pages_sent++;
			state->pages++;
			n++;
			continue;
		}
		/* a run's TOAST values can be large: send what there is once it passes 1 MB */
		if (n > 0 && state->run.len > 1024 * 1024)
			break;
		if (!fill_page(state, scan))
			break;
		n++;
	}
	if (n == 0)
		return 0;
	head[1] = (uint32) n;
	INSTR_TIME_SET_CURRENT(t);
	if ((state->tuning & PGF_SERVE_ROUND_WAKE) != 0)
		pgf_session_send_quiet(state->session, PGF_MSG_PAGE_RUN, head, sizeof(head), state->run.data, state->run.len);
	else
		pgf_session_send(state->session, PGF_MSG_PAGE_RUN, head, sizeof(head), state->run.data, state->run.len);
	ELAPSED_SINCE(state->t_send, t);
	state->messages++;
	return n;
}

/*
 * Serves up to round_pages pages, in runs, over the scans with credit; returns how many. With
 * PGF_SERVE_ROUND_WAKE the round's PAGE_RUNs wake the worker once, at its end.
 */
static int
serve_pages(PgfScanState *state)
{
	int			served = 0;

	for (int i = 0; i < state->nscans && served < state->round_pages; i++)
	{
		PgfScanStream *scan = &state->scans[i];

		/* pages readers filled for a scan the worker closed: nobody will read them */
		if (scan->closed && scan->shared >= 0 && state->readers != NULL)
			pgf_readers_drain(state->readers, scan->shared);
		while (!scan->closed && served < state->round_pages)
		{
			int			n;

			if (scan->next >= scan->nblocks)
			{
				uint32		end[2] = {scan->scan_id, scan->pages_sent};

				pgf_session_send(state->session, PGF_MSG_SCAN_END, end, sizeof(end), NULL, 0);
				scan->closed = true;
				served++;
				break;
			}
			n = serve_run(state, scan, Min(state->run_pages, state->round_pages - served));
			if (n == 0)
				break;
			served += n;
		}
	}
	if (served > 0)
	{
		instr_time	t;

		INSTR_TIME_SET_CURRENT(t);
		pgf_session_flush_wake(state->session);
		ELAPSED_SINCE(state->t_send, t);
	}
	return served;
}

/* ---------------------------------------------------------------- executor callbacks */

static TupleTableSlot *
exec_scan(CustomScanState *node)
{
	PgfScanState *state = (PgfScanState *) node;
	uint32		type;

	if (state->done)
		return ExecClearTuple(state->slot);
	if (!state->started)
		start_execution(state);

	for (;;)
	{
		uint32		seen = pgf_session_wake_seq(state->session);
		bool		progress = false;

		while (pgf_session_try_receive(state->session, &state->msg, &type))
		{
			progress = true;
			switch (type)
			{
				case PGF_MSG_TUPLE:
					{
						MinimalTuple mtup;
						uint32		t_len;

						if (state->msg.len < (int) SizeofMinimalTupleHeader)
							ereport(ERROR, (errcode(ERRCODE_PROTOCOL_VIOLATION),
											errmsg("pg_fusion worker sent a TUPLE of %d bytes", state->msg.len)));
						memcpy(&t_len, state->msg.data, 4);
						if (t_len != (uint32) state->msg.len)
							ereport(ERROR, (errcode(ERRCODE_PROTOCOL_VIOLATION),
											errmsg("pg_fusion worker sent a TUPLE whose t_len %u differs from its %d bytes", t_len, state->msg.len)));
						/* the ring space is reused: the tuple lives in backend memory, freed by the slot */
						mtup = (MinimalTuple) MemoryContextAlloc(state->css.ss.ps.state->es_query_cxt, state->msg.len);
						memcpy(mtup, state->msg.data, state->msg.len);
						state->rows++;
						return ExecStoreMinimalTuple(mtup, state->slot, true);
					}
				case PGF_MSG_SCAN_OPEN:
					open_scan(state, &state->msg);
					break;
				case PGF_MSG_PROBE:
					pgf_probe_open(&state->probes, state->css.ss.ps.state, &state->msg);
					break;
				case PGF_MSG_PROBE_KEYS:
					pgf_probe_keys(state->probes, state->css.ss.ps.state, &state->msg);
					break;
				case PGF_MSG_CREDIT:
					if (!pgf_probe_credit(state->probes, msg_u32(&state->msg, 0, "CREDIT"), msg_u32(&state->msg, 4, "CREDIT")))
					{
						PgfScanStream *scan = find_scan(state, msg_u32(&state->msg, 0, "CREDIT"), "CREDIT");
						uint64		credit = (uint64) scan->credit + msg_u32(&state->msg, 4, "CREDIT");

						scan->credit = (uint32) Min(credit, (uint64) PG_UINT32_MAX);
						if (scan->shared >= 0 && state->readers != NULL)
							pgf_readers_set_limit(state->readers, scan->shared,
												  (uint32) Min((uint64) scan->next + scan->credit, (uint64) scan->nblocks));
					}
					break;
				case PGF_MSG_SCAN_CLOSE:
					if (!pgf_probe_close(state->probes, msg_u32(&state->msg, 0, "SCAN_CLOSE")))
					{
						PgfScanStream *scan = find_scan(state, msg_u32(&state->msg, 0, "SCAN_CLOSE"), "SCAN_CLOSE");

						scan->closed = true;
						if (scan->shared >= 0 && state->readers != NULL)
							pgf_readers_close_scan(state->readers, scan->shared);
					}
					break;
				case PGF_MSG_DONE:
					if (state->msg.len >= 20)
					{
						memcpy(&state->spill_bytes, state->msg.data + 8, 8);
						memcpy(&state->spill_files, state->msg.data + 16, 4);
					}
					if (state->msg.len >= 24)
					{
						uint32		n;

						memcpy(&n, state->msg.data + 20, 4);
						if (n > 0 && (uint64) n <= (uint64) state->msg.len - 24)
						{
							/* kept for EXPLAIN, which runs after this call's memory context is reset */
							MemoryContext old = MemoryContextSwitchTo(state->css.ss.ps.state->es_query_cxt);

							state->parallel = pnstrdup(state->msg.data + 24, n);
							MemoryContextSwitchTo(old);
						}
						if ((uint64) n + 24 + sizeof(PgfDoneKernels) <= (uint64) state->msg.len)
						{
							uint64		at = (uint64) n + 24 + sizeof(PgfDoneKernels);

							note_kernels(state, state->msg.data + 24 + n);
							uint64		used = note_spill_ops(state, state->msg.data + at, state->msg.len - at, at);

							state->have_memory = false;
							if (used > 0)
								note_memory(state, state->msg.data + at + used, state->msg.len - at - used, at + used);
						}
					}
					state->done = true;
					end_execution(state);
					return ExecClearTuple(state->slot);
				case PGF_MSG_ERROR:
					pgf_raise_worker_error(state->msg.data, state->msg.len);
					break;
				default:
					ereport(ERROR, (errcode(ERRCODE_PROTOCOL_VIOLATION),
									errmsg("pg_fusion worker sent unexpected message type %u during execution", type)));
			}
		}
		/* shared transfer: drop the pins of the entries the worker returned (it woke us for them) */
		if (state->pins.count > 0)
			pgf_pins_reap(&state->pins);
		if (serve_pages(state) > 0)
			progress = true;
		if (pgf_probe_serve(state->probes, state->session, PGF_PROBE_PAGES_PER_ROUND) > 0)
			progress = true;
		/* nothing to forward: read a block for the readers' scans like a reader would */
		if (!progress && state->readers != NULL &&
			pgf_readers_fill_one(state->readers, relation_of_scan, state,
								 state->css.ss.ps.state->es_snapshot, &state->times))
			progress = true;
		if (state->readers != NULL)
			pgf_readers_nudge(state->readers);
		if (!progress && state->readers != NULL)
			pgf_readers_check(state->readers);
		if (!progress)
		{
			instr_time	t;

			INSTR_TIME_SET_CURRENT(t);
			pgf_session_wait(state->session, seen, 5);
			ELAPSED_SINCE(state->t_wait, t);
			state->waits++;
		}
		else
			CHECK_FOR_INTERRUPTS();
	}
}

static void
end_scan(CustomScanState *node)
{
	PgfScanState *state = (PgfScanState *) node;

	end_execution(state);
	pgf_probe_end(&state->probes);
	if (state->strategy)
	{
		FreeAccessStrategy(state->strategy);
		state->strategy = NULL;
	}
}

/*
 * ExecutePlan calls this before it leaves parallel mode; the page readers' parallel context must
 * be gone by then.
 */
static void
shutdown_scan(CustomScanState *node)
{
	finish_readers((PgfScanState *) node);
}

static void
rescan(CustomScanState *node)
{
	PgfScanState *state = (PgfScanState *) node;

	end_execution(state);
	pgf_probe_end(&state->probes);
	state->started = false;
	state->readers_tried = false;
	state->readers_planned = 0;
	state->readers_launched = 0;
	state->reader_pages = 0;
	state->reader_read_ms = 0;
	state->reader_copy_ms = 0;
	state->done = false;
	state->nscans = 0;
	state->rows = 0;
	state->pages = 0;
	state->spill_bytes = 0;
	state->spill_files = 0;
	state->have_spill_ops = false;
	state->nspill_ops = 0;
	state->spill_ops = NULL;
	state->have_memory = false;
	state->memory_peak = 0;
	state->nmemory = 0;
	state->memory = NULL;
	state->parallel = NULL;
	state->messages = 0;
	state->waits = 0;
	state->wake_calls = 0;
	state->send_waits = 0;
	memset(&state->times, 0, sizeof(state->times));
	INSTR_TIME_SET_ZERO(state->t_toast);
	INSTR_TIME_SET_ZERO(state->t_send);
	INSTR_TIME_SET_ZERO(state->t_wait);
}

/*
 * DONE's kernel figures. A rescan executes the plan again, which the worker reports as a plan
 * cache hit: the first execution's figures stand (that is where the compile happened), plus
 * whatever later executions compiled on first use.
 */
static void
note_kernels(PgfScanState *state, const char *data)
{
	PgfDoneKernels k;

	memcpy(&k, data, sizeof(k));
	if (!state->have_kernels)
	{
		state->kernels = k;
		state->have_kernels = true;
		return;
	}
	state->kernels.compiled += k.compiled;
	state->kernels.compile_ms += k.compile_ms;
}

/*
 * DONE's spill section (docs/ipc.md 5.4): a header, then entries of entry_size bytes, one per plan
 * node and kind of operator (version 2) or per kind of operator (version 1, whose node field was
 * reserved and 0); fields a later version appends to an entry are skipped. A section that does not
 * hold together (cut short, an unknown version, entries past the end, an operator kind out of
 * range, entries that do not add up to DONE's totals: pgf_done_spill_check) is reported as a
 * WARNING naming the field and its offset in DONE, and left out (EXPLAIN then shows the totals
 * only); the query's rows are not affected. Like the totals, the figures are those of the last
 * execution (a rescan's DONE replaces them). Kept in es_query_cxt, since EXPLAIN runs after the
 * executor's per-call memory is reset.
 */
static uint64
note_spill_ops(PgfScanState *state, const char *data, uint64 len, uint64 offset)
{
	PgfDoneSpillHeader h;
	MemoryContext old;
	char		why[256];

	switch (pgf_done_spill_check(data, len, offset, state->spill_files, state->spill_bytes, &h, why, sizeof(why)))
	{
		case PGF_DONE_SPILL_ABSENT:
			return 0;
		case PGF_DONE_SPILL_MALFORMED:
			state->have_spill_ops = false;
			state->nspill_ops = 0;
			ereport(WARNING,
					(errcode(ERRCODE_PROTOCOL_VIOLATION),
					 errmsg("pg_fusion worker sent a malformed spill section in DONE: %s", why),
					 errdetail("The section (docs/ipc.md 5.4) is %llu bytes at offset %llu of a %llu-byte DONE message; EXPLAIN ANALYZE shows the spill totals only.",
							   (unsigned long long) len, (unsigned long long) offset,
							   (unsigned long long) (offset + len))));
			return 0;
		case PGF_DONE_SPILL_VALID:
			break;
	}
	old = MemoryContextSwitchTo(state->css.ss.ps.state->es_query_cxt);
	state->spill_ops = h.count > 0 ? palloc(sizeof(PgfDoneSpill) * h.count) : NULL;
	MemoryContextSwitchTo(old);
	state->nspill_ops = 0;
	for (uint32 i = 0; i < h.count; i++)
		state->spill_ops[state->nspill_ops++] = pgf_done_spill_entry(data, &h, i);
	state->have_spill_ops = true;
	return sizeof(PgfDoneSpillHeader) + (uint64) h.count * h.entry_size;
}

/*
 * DONE's memory section (docs/ipc.md 5.5), after a valid spill section: the execution's peak of
 * what the worker's buffering operators held, and each plan node's. A malformed one is reported
 * as a WARNING and left out, as the spill section; the figures are those of the last execution.
 */
static void
note_memory(PgfScanState *state, const char *data, uint64 len, uint64 offset)
{
	PgfDoneMemoryHeader h;
	MemoryContext old;
	char		why[256];

	state->nmemory = 0;
	switch (pgf_done_memory_check(data, len, offset, &h, why, sizeof(why)))
	{
		case PGF_DONE_SPILL_ABSENT:
			return;
		case PGF_DONE_SPILL_MALFORMED:
			ereport(WARNING,
					(errcode(ERRCODE_PROTOCOL_VIOLATION),
					 errmsg("pg_fusion worker sent a malformed memory section in DONE: %s", why),
					 errdetail("The section (docs/ipc.md 5.5) is %llu bytes at offset %llu of a %llu-byte DONE message; EXPLAIN ANALYZE shows no memory peaks.",
							   (unsigned long long) len, (unsigned long long) offset,
							   (unsigned long long) (offset + len))));
			return;
		case PGF_DONE_SPILL_VALID:
			break;
	}
	old = MemoryContextSwitchTo(state->css.ss.ps.state->es_query_cxt);
	state->memory = h.count > 0 ? palloc(sizeof(PgfDoneMemory) * h.count) : NULL;
	MemoryContextSwitchTo(old);
	for (uint32 i = 0; i < h.count; i++)
		state->memory[state->nmemory++] = pgf_done_memory_entry(data, &h, i);
	state->memory_peak = h.peak_bytes;
	state->have_memory = true;
}

/*
 * EXPLAIN ANALYZE: the most the worker's buffering operators held at once (their memory gauges:
 * docs/spill.md), "Worker Memory Peak: 4012 kB", then per plan node that held rows, TEXT:
 * "Memory: node 3 peak 3990 kB"; other formats: a "Memory by Node" list of {Node, Peak kB}.
 */
static void
explain_memory(PgfScanState *state, ExplainState *es)
{
	ExplainPropertyUInteger("Worker Memory Peak", "kB", (state->memory_peak + 1023) / 1024, es);
	if (es->format != EXPLAIN_FORMAT_TEXT)
		ExplainOpenGroup("Memory by Node", "Memory by Node", false, es);
	for (uint32 i = 0; i < state->nmemory; i++)
	{
		const PgfDoneMemory *e = &state->memory[i];
		uint64		kb = (e->peak_bytes + 1023) / 1024;

		if (es->format == EXPLAIN_FORMAT_TEXT)
		{
			ExplainPropertyText("Memory", psprintf("node %u peak " UINT64_FORMAT " kB", e->node, kb), es);
			continue;
		}
		ExplainOpenGroup("Memory", NULL, true, es);
		ExplainPropertyUInteger("Node", NULL, e->node, es);
		ExplainPropertyUInteger("Peak", "kB", kb, es);
		ExplainCloseGroup("Memory", NULL, true, es);
	}
	if (es->format != EXPLAIN_FORMAT_TEXT)
		ExplainCloseGroup("Memory by Node", "Memory by Node", false, es);
}

static const char *
spill_operator_name(uint32 op)
{
	switch ((PgfSpillOperator) op)
	{
		case PGF_SPILL_SORT:
			return "Sort";
		case PGF_SPILL_HASH_AGGREGATE:
			return "HashAggregate";
		case PGF_SPILL_AGGREGATE_RUNS:
			return "Aggregate Runs";
		case PGF_SPILL_HASH_JOIN:
			return "Hash Join";
		case PGF_SPILL_BLOCK_NESTED_LOOP:
			return "Block Nested Loop";
		case PGF_SPILL_SET_OP:
			return "SetOp";
		case PGF_SPILL_RECURSIVE_UNION:
			return "Recursive Union";
		case PGF_SPILL_RECURSIVE_UNION_SEEN:
			return "Recursive Union Seen Set";
		case PGF_SPILL_WINDOW:
			return "WindowAgg";
		case PGF_SPILL_INDEX_PROBE_OUTER:
			return "Index Probe Outer";
		case PGF_SPILL_INDEX_PROBE_KEYS:
			return "Index Probe Keys";
	}
	return NULL;
}

/*
 * EXPLAIN ANALYZE: which operators of which plan nodes spilled, in the worker's order (by node,
 * then kind). TEXT: one line per entry, "Spill: WindowAgg (node 2) 4 files, 13565 kB written",
 * where node n is the n-th line of the PgFusion plan printed above (the node is left out when the
 * worker did not attribute the files). Other formats: a "Spill by Operator" list of
 * {Node, Operator, Files, Written kB}, empty when nothing spilled (Node 0: not attributed).
 */
static void
explain_spill_ops(PgfScanState *state, ExplainState *es)
{
	if (es->format != EXPLAIN_FORMAT_TEXT)
		ExplainOpenGroup("Spill by Operator", "Spill by Operator", false, es);
	for (uint32 i = 0; i < state->nspill_ops; i++)
	{
		const PgfDoneSpill *e = &state->spill_ops[i];
		const char *name = spill_operator_name(e->op);
		char		unknown[32];
		char		node[32];
		uint64		kb = (e->bytes + 1023) / 1024;

		if (name == NULL)
		{
			snprintf(unknown, sizeof(unknown), "operator %u", e->op);
			name = unknown;
		}
		if (es->format == EXPLAIN_FORMAT_TEXT)
		{
			node[0] = '\0';
			if (e->node > 0)
				snprintf(node, sizeof(node), " (node %u)", e->node);
			ExplainPropertyText("Spill",
								psprintf("%s%s %u file%s, " UINT64_FORMAT " kB written", name, node,
										 e->files, e->files == 1 ? "" : "s", kb),
								es);
			continue;
		}
		ExplainOpenGroup("Spill", NULL, true, es);
		ExplainPropertyUInteger("Node", NULL, e->node, es);
		ExplainPropertyText("Operator", name, es);
		ExplainPropertyUInteger("Files", NULL, e->files, es);
		ExplainPropertyUInteger("Written", "kB", kb, es);
		ExplainCloseGroup("Spill", NULL, true, es);
	}
	if (es->format != EXPLAIN_FORMAT_TEXT)
		ExplainCloseGroup("Spill by Operator", "Spill by Operator", false, es);
}

/*
 * EXPLAIN ANALYZE: the statement's kernels, e.g. "Kernels: 7 compiled in 12.3 ms, 3 cache hits";
 * ", plan cached" when the worker's plan cache had the whole plan (then nothing compiled at
 * planning and every kernel of the plan is a hit). Other formats get one property per figure.
 */
static void
explain_kernels(const PgfDoneKernels *k, ExplainState *es)
{
	bool		plan_cached = (k->flags & PGF_DONE_PLAN_CACHED) != 0;

	if (es->format == EXPLAIN_FORMAT_TEXT)
	{
		char	   *line = psprintf("%u compiled in %.1f ms, %u cache hit%s%s",
									k->compiled, k->compile_ms, k->cache_hits,
									k->cache_hits == 1 ? "" : "s",
									plan_cached ? ", plan cached" : "");

		ExplainPropertyText("Kernels", line, es);
		return;
	}
	ExplainPropertyUInteger("Kernels Compiled", NULL, k->compiled, es);
	ExplainPropertyFloat("Kernel Compile Time", "ms", k->compile_ms, 3, es);
	ExplainPropertyUInteger("Kernel Cache Hits", NULL, k->cache_hits, es);
	ExplainPropertyBool("Plan Cached", plan_cached, es);
}

static void
explain_scan(CustomScanState *node, List *ancestors, ExplainState *es)
{
	PgfScanState *state = (PgfScanState *) node;

	if (es->format == EXPLAIN_FORMAT_TEXT)
	{
		char	   *text = pstrdup(state->explain);
		char	   *line;
		char	   *save = NULL;

		for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
		{
			appendStringInfoSpaces(es->str, es->indent * 2);
			appendStringInfo(es->str, "  %s\n", line);
		}
	}
	else
		ExplainPropertyText("PgFusion Plan", state->explain, es);
	if (es->verbose)
		ExplainPropertyUInteger("PgFusion Plan Handle", NULL, state->plan_handle, es);
	if (es->analyze)
	{
		ExplainPropertyUInteger("Pages Served", NULL, state->pages, es);
		if (state->readers_planned > 0 || es->format != EXPLAIN_FORMAT_TEXT)
		{
			ExplainPropertyInteger("Page Readers Planned", NULL, state->readers_planned, es);
			ExplainPropertyInteger("Page Readers Launched", NULL, state->readers_launched, es);
			ExplainPropertyUInteger("Pages Read by Readers", NULL, state->reader_pages, es);
			ExplainPropertyFloat("Readers Read Time", "ms", state->reader_read_ms, 1, es);
			ExplainPropertyFloat("Readers Copy Time", "ms", state->reader_copy_ms, 1, es);
		}
		if (state->have_kernels)
			explain_kernels(&state->kernels, es);
		ExplainPropertyUInteger("Worker Memory Budget", "kB", state->work_mem_kb, es);
		if (state->have_memory)
			explain_memory(state, es);
		if (state->spill_files > 0 || es->format != EXPLAIN_FORMAT_TEXT)
		{
			ExplainPropertyUInteger("Spill Files", NULL, state->spill_files, es);
			ExplainPropertyUInteger("Spilled", "kB", (state->spill_bytes + 1023) / 1024, es);
		}
		if (state->have_spill_ops || es->format != EXPLAIN_FORMAT_TEXT)
			explain_spill_ops(state, es);
		if (es->format != EXPLAIN_FORMAT_TEXT)
			ExplainPropertyText("Parallel Pipelines", state->parallel ? state->parallel : "", es);
		else if (state->parallel != NULL)
		{
			char	   *text = pstrdup(state->parallel);
			char	   *line;
			char	   *save = NULL;

			for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
				ExplainPropertyText("Parallel Pipeline", line, es);
		}
		ExplainPropertyUInteger("Page Messages", NULL, state->messages, es);
		if (state->shared_transfer || es->format != EXPLAIN_FORMAT_TEXT)
		{
			ExplainPropertyText("Page Transfer", state->shared_transfer ? "shared" : "copy", es);
			ExplainPropertyUInteger("Pins Dropped", NULL, state->pins.released, es);
		}
		if ((state->tuning & PGF_SERVE_NEXT_BUFFER) != 0 || es->format != EXPLAIN_FORMAT_TEXT)
		{
			uint64		hits = 0;

			for (int i = 0; i < state->nscans; i++)
				hits += state->scans[i].guess.hits;
			ExplainPropertyUInteger("Pages Found After the Previous Buffer", NULL, hits, es);
		}
		ExplainPropertyFloat("Backend Read Time", "ms", INSTR_TIME_GET_MILLISEC(state->times.read), 1, es);
		ExplainPropertyFloat("Backend Visibility Time", "ms", INSTR_TIME_GET_MILLISEC(state->times.visibility), 1, es);
		ExplainPropertyFloat("Backend Copy Time", "ms", INSTR_TIME_GET_MILLISEC(state->times.copy), 1, es);
		ExplainPropertyFloat("Backend Detoast Time", "ms", INSTR_TIME_GET_MILLISEC(state->t_toast), 1, es);
		ExplainPropertyFloat("Backend Send Time", "ms", INSTR_TIME_GET_MILLISEC(state->t_send), 1, es);
		ExplainPropertyFloat("Backend Wait Time", "ms", INSTR_TIME_GET_MILLISEC(state->t_wait), 1, es);
		ExplainPropertyUInteger("Backend Waits", NULL, state->waits, es);
		ExplainPropertyUInteger("Backend Worker Wakes", NULL, state->wake_calls, es);
		ExplainPropertyUInteger("Backend Send Waits", NULL, state->send_waits, es);
	}
}
