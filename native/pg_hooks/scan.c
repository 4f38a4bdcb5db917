/*
 * scan.c: CustomScan "PgFusionScan", the root of an offloaded query's plan.
 *
 * Execution: send EXECUTE(plan handle); then serve the heap pages the worker asks for (SCAN_OPEN
 * with credit, CREDIT) and hand the MinimalTuples it sends (TUPLE) to the executor, until DONE or
 * ERROR. Pages are read as a sequential scan reads them (bulk-read strategy, share lock,
 * visibility per line pointer as heapgetpage computes it) and copied into the shared page pool.
 *
 * EndCustomScan is not called on ERROR: a reset callback on the query's memory context releases
 * the session slot (the worker then cancels and reclaims its pages).
 */
#include "pg_fusion.h"

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
#include "parser/parsetree.h"
#include "portability/instr_time.h"
#include "storage/bufmgr.h"
#include "storage/predicate.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#define PGF_MAX_SCANS 64
#define PGF_PAGES_PER_ROUND 64
#define PGF_PROBE_PAGES_PER_ROUND 4	/* index probes: few pages per round, so sequential scans are served between them */
#define PGF_MAX_RUN_PAGES 32

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
	int			run_pages;		/* pages per PAGE_RUN: a quarter of the session quota, at most 32 */
	bool		serializable;	/* SSI: every visible tuple goes through the conflict-out check */
	BufferAccessStrategy strategy;
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
	struct PgfProbeSet *probes; /* index probes (probe.c) */
	/* EXPLAIN ANALYZE: where the backend's time goes while it serves pages */
	uint64		messages;		/* PAGE_RUN messages */
	uint64		waits;			/* sleeps on backend_wake while executing */
	uint64		wake_calls0;	/* pgf_stat_wake_calls when execution started */
	uint64		send_waits0;	/* pgf_stat_send_waits when execution started */
	uint64		wake_calls;		/* FUTEX_WAKE calls of this execution (set at its end) */
	uint64		send_waits;		/* sends that waited for ring space */
	instr_time	t_read;			/* ReadBuffer + prune + share lock */
	instr_time	t_visibility;	/* line pointers and visibility */
	instr_time	t_copy;			/* page copy into the pool */
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
static bool scan_may_toast(PgfScanStream *scan);

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
	state->run_pages = Max(1, Min(PGF_MAX_RUN_PAGES, (int) pgf_header->session_page_quota / 4));
	state->serializable = IsolationIsSerializable();
	state->strategy = GetAccessStrategy(BAS_BULKREAD);
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

static void
start_execution(PgfScanState *state)
{
	uint32		prefix[4] = {(uint32) pgf_debug_fault | ((uint32) pgf_worker_threads << PGF_FLAG_THREADS_SHIFT), 0, 0, 0};
	const char *unavailable = pgf_worker_unavailable_reason();

	if (unavailable != NULL || (state->session = pgf_session_open(-1)) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_CONNECTION_FAILURE),
				 errmsg("pg_fusion cannot execute the compiled plan: %s", unavailable ? unavailable : "this backend holds too many pg_fusion sessions")));
	state->work_mem_kb = pgf_effective_work_mem_kb();
	prefix[1] = state->work_mem_kb;
	memcpy(&prefix[2], &state->plan_handle, 8);
	state->wake_calls0 = pgf_stat_wake_calls;
	state->send_waits0 = pgf_stat_send_waits;
	pgf_session_send(state->session, PGF_MSG_EXECUTE, prefix, sizeof(prefix), state->query_json, strlen(state->query_json));
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
	PredicateLockRelation(scan->rel, estate->es_snapshot);
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
	PgfPageMeta *meta;
	Buffer		buffer;
	Page		page;
	OffsetNumber lines;
	bool		all_visible;
	bool		fast;
	uint32		visible = 0;
	List	   *toast = NIL;
	ListCell   *lc;
	uint32		entry[4];
	int			entry_at;
	instr_time	t;

	if (page_index < 0)
		return false;
	INSTR_TIME_SET_CURRENT(t);
	state->filling_page = page_index;
	meta = pgf_page_meta(page_index);
	memset(meta, 0, PGF_PAGE_META_SIZE);

	buffer = ReadBufferExtended(scan->rel, MAIN_FORKNUM, block, RBM_NORMAL, state->strategy);
	heap_page_prune_opt(scan->rel, buffer);
	LockBuffer(buffer, BUFFER_LOCK_SHARE);
	ELAPSED_SINCE(state->t_read, t);
	page = BufferGetPage(buffer);
	lines = PageGetMaxOffsetNumber(page);
	all_visible = PageIsAllVisible(page) && !snapshot->takenDuringRecovery;
	/* all-visible, no SSI, no TOAST to look for: only the line pointers' kinds matter */
	fast = all_visible && !state->serializable && !scan->may_toast;
	for (OffsetNumber off = FirstOffsetNumber; off <= lines && off <= PGF_VISIBILITY_BYTES * 8; off++)
	{
		ItemId		lp = PageGetItemId(page, off);
		HeapTupleData tuple;
		bool		valid;

		if (!ItemIdIsNormal(lp))
			continue;
		if (fast)
		{
			meta->visibility[(off - 1) >> 3] |= (uint8) (1 << ((off - 1) & 7));
			visible++;
			continue;
		}
		tuple.t_tableOid = RelationGetRelid(scan->rel);
		tuple.t_data = (HeapTupleHeader) PageGetItem(page, lp);
		tuple.t_len = ItemIdGetLength(lp);
		ItemPointerSet(&tuple.t_self, block, off);
		valid = all_visible || HeapTupleSatisfiesVisibility(&tuple, snapshot, buffer);
		if (state->serializable)
			HeapCheckForSerializableConflictOut(valid, scan->rel, &tuple, buffer, snapshot);
		if (!valid)
			continue;
		meta->visibility[(off - 1) >> 3] |= (uint8) (1 << ((off - 1) & 7));
		visible++;
		if (scan->may_toast && HeapTupleHasExternal(&tuple))
			toast = collect_toast(scan, &tuple, off, toast);
	}
	ELAPSED_SINCE(state->t_visibility, t);
	memcpy((char *) meta + PGF_PAGE_META_SIZE, page, BLCKSZ);
	UnlockReleaseBuffer(buffer);

	meta->block = block;
	meta->scan_id = scan->scan_id;
	meta->line_pointers = lines;
	meta->visible = visible;
	__atomic_store_n(&pgf_page_state(page_index)->state, PGF_PAGE_READY, __ATOMIC_SEQ_CST);
	state->filling_page = -1;	/* the worker owns it now (or reclaims it with the slot) */
	ELAPSED_SINCE(state->t_copy, t);

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
	while (n < max_pages && scan->credit > 0 && scan->next < scan->nblocks)
	{
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
	pgf_session_send(state->session, PGF_MSG_PAGE_RUN, head, sizeof(head), state->run.data, state->run.len);
	ELAPSED_SINCE(state->t_send, t);
	state->messages++;
	return n;
}

/* Serves up to PGF_PAGES_PER_ROUND pages, in runs, over the scans with credit; returns how many. */
static int
serve_pages(PgfScanState *state)
{
	int			served = 0;

	for (int i = 0; i < state->nscans && served < PGF_PAGES_PER_ROUND; i++)
	{
		PgfScanStream *scan = &state->scans[i];

		while (!scan->closed && served < PGF_PAGES_PER_ROUND)
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
			n = serve_run(state, scan, Min(state->run_pages, PGF_PAGES_PER_ROUND - served));
			if (n == 0)
				break;
			served += n;
		}
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
						find_scan(state, msg_u32(&state->msg, 0, "CREDIT"), "CREDIT")->credit += msg_u32(&state->msg, 4, "CREDIT");
					break;
				case PGF_MSG_SCAN_CLOSE:
					if (!pgf_probe_close(state->probes, msg_u32(&state->msg, 0, "SCAN_CLOSE")))
						find_scan(state, msg_u32(&state->msg, 0, "SCAN_CLOSE"), "SCAN_CLOSE")->closed = true;
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
					}
					state->done = true;
					release_session(state);
					return ExecClearTuple(state->slot);
				case PGF_MSG_ERROR:
					pgf_raise_worker_error(state->msg.data, state->msg.len);
					break;
				default:
					ereport(ERROR, (errcode(ERRCODE_PROTOCOL_VIOLATION),
									errmsg("pg_fusion worker sent unexpected message type %u during execution", type)));
			}
		}
		if (serve_pages(state) > 0)
			progress = true;
		if (pgf_probe_serve(state->probes, state->session, PGF_PROBE_PAGES_PER_ROUND) > 0)
			progress = true;
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

	release_session(state);
	pgf_probe_end(&state->probes);
	if (state->strategy)
	{
		FreeAccessStrategy(state->strategy);
		state->strategy = NULL;
	}
}

static void
rescan(CustomScanState *node)
{
	PgfScanState *state = (PgfScanState *) node;

	release_session(state);
	pgf_probe_end(&state->probes);
	state->started = false;
	state->done = false;
	state->nscans = 0;
	state->rows = 0;
	state->pages = 0;
	state->spill_bytes = 0;
	state->spill_files = 0;
	state->parallel = NULL;
	state->messages = 0;
	state->waits = 0;
	state->wake_calls = 0;
	state->send_waits = 0;
	INSTR_TIME_SET_ZERO(state->t_read);
	INSTR_TIME_SET_ZERO(state->t_visibility);
	INSTR_TIME_SET_ZERO(state->t_copy);
	INSTR_TIME_SET_ZERO(state->t_toast);
	INSTR_TIME_SET_ZERO(state->t_send);
	INSTR_TIME_SET_ZERO(state->t_wait);
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
		ExplainPropertyUInteger("Worker Memory Budget", "kB", state->work_mem_kb, es);
		if (state->spill_files > 0 || es->format != EXPLAIN_FORMAT_TEXT)
		{
			ExplainPropertyUInteger("Spill Files", NULL, state->spill_files, es);
			ExplainPropertyUInteger("Spilled", "kB", (state->spill_bytes + 1023) / 1024, es);
		}
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
		ExplainPropertyFloat("Backend Read Time", "ms", INSTR_TIME_GET_MILLISEC(state->t_read), 1, es);
		ExplainPropertyFloat("Backend Visibility Time", "ms", INSTR_TIME_GET_MILLISEC(state->t_visibility), 1, es);
		ExplainPropertyFloat("Backend Copy Time", "ms", INSTR_TIME_GET_MILLISEC(state->t_copy), 1, es);
		ExplainPropertyFloat("Backend Detoast Time", "ms", INSTR_TIME_GET_MILLISEC(state->t_toast), 1, es);
		ExplainPropertyFloat("Backend Send Time", "ms", INSTR_TIME_GET_MILLISEC(state->t_send), 1, es);
		ExplainPropertyFloat("Backend Wait Time", "ms", INSTR_TIME_GET_MILLISEC(state->t_wait), 1, es);
		ExplainPropertyUInteger("Backend Waits", NULL, state->waits, es);
		ExplainPropertyUInteger("Backend Worker Wakes", NULL, state->wake_calls, es);
		ExplainPropertyUInteger("Backend Send Waits", NULL, state->send_waits, es);
	}
}
