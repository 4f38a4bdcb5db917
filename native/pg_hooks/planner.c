/*
 * planner.c: the planner hook. A top-level SELECT with pg_fusion.enable = on goes to the worker
 * as JSON; the worker answers Compiled (-> one CustomScan PgFusionScan), Unsupported(reason)
 * (-> standard_planner, or ERROR 0A000 with on_unsupported = error) or Error (-> ERROR).
 */
#include "pg_fusion.h"

#include "access/heapam.h"
#include "access/parallel.h"
#include "catalog/pg_am.h"
#include "jit/jit.h"
#include "access/relation.h"
#include "access/table.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_proc.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/cost.h"
#include "optimizer/planner.h"
#include "tcop/utility.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

/* How long planning waits for a session slot before it falls back (or fails, per on_unsupported). */
#define PGF_COMPILE_SLOT_WAIT_MS 1000

static planner_hook_type prev_planner_hook = NULL;
static ExecutorRun_hook_type prev_executor_run = NULL;
static ExecutorFinish_hook_type prev_executor_finish = NULL;
static ProcessUtility_hook_type prev_process_utility = NULL;

/*
 * How deep we are inside something that plans queries on its own behalf: the executor (functions
 * running SQL), utility statements (DO, CREATE TABLE AS, ...), or the planner itself. Only
 * queries planned at depth 0 are top-level.
 */
static int	nesting = 0;

/* ---------------------------------------------------------------- eligibility */

typedef struct Eligibility
{
	const char *reason;
} Eligibility;

static const char *
relation_unsupported(RangeTblEntry *rte)
{
	Relation	rel;
	const char *reason = NULL;

	if (rte->tablesample)
		return psprintf("TABLESAMPLE on relation \"%s\"", get_rel_name(rte->relid));
	if (rte->securityQuals != NIL)
		return psprintf("security barrier quals on relation \"%s\"", get_rel_name(rte->relid));
	rel = relation_open(rte->relid, NoLock);
	if (rel->rd_rel->relkind == RELKIND_VIEW)
		;						/* a rewritten view's permission-check entry: nothing is scanned */
	else if (rel->rd_rel->relkind != RELKIND_RELATION && rel->rd_rel->relkind != RELKIND_MATVIEW)
	{
		if (rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE)
			reason = psprintf("partitioned table \"%s\"", RelationGetRelationName(rel));
		else
			reason = psprintf("relation \"%s\" of relkind '%c'", RelationGetRelationName(rel), rel->rd_rel->relkind);
	}
	else if (rel->rd_rel->relam != HEAP_TABLE_AM_OID)
		reason = psprintf("relation \"%s\" uses a non-heap access method", RelationGetRelationName(rel));
	else if (rel->rd_rel->relpersistence == RELPERSISTENCE_TEMP)
		reason = psprintf("temporary table \"%s\"", RelationGetRelationName(rel));
	else if (rel->rd_rel->relrowsecurity)
		reason = psprintf("row-level security on relation \"%s\"", RelationGetRelationName(rel));
	else if (rte->inh && has_subclass(rte->relid))
		reason = psprintf("inheritance children of relation \"%s\"", RelationGetRelationName(rel));
	relation_close(rel, NoLock);
	return reason;
}

static bool
eligibility_walker(Node *node, Eligibility *e)
{
	if (node == NULL || e->reason != NULL)
		return e->reason != NULL;
	if (IsA(node, Query))
	{
		Query	   *q = (Query *) node;

		if (q->commandType != CMD_SELECT)
			e->reason = "data-modifying statement in WITH";
		else if (q->rowMarks != NIL)
			e->reason = "FOR UPDATE/SHARE";
		else if (q->utilityStmt != NULL)
			e->reason = "utility statement";
		if (e->reason)
			return true;
		return query_tree_walker(q, eligibility_walker, e, QTW_EXAMINE_RTES_BEFORE);
	}
	if (IsA(node, RangeTblEntry))
	{
		RangeTblEntry *rte = (RangeTblEntry *) node;

		if (rte->rtekind == RTE_RELATION)
			e->reason = relation_unsupported(rte);
		return e->reason != NULL;
	}
	/* PARAM_SUBLINK is an ANY/IN SubLink's reference to its subquery's output: the worker binds it. */
	if (IsA(node, Param) && ((Param *) node)->paramkind != PARAM_SUBLINK)
	{
		e->reason = "query parameters";
		return true;
	}
	return expression_tree_walker(node, eligibility_walker, e);
}

/* Why the C side will not offer this query to the worker, or NULL. */
const char *
pgf_unsupported_construct(Query *query, ParamListInfo boundParams, int cursorOptions)
{
	Eligibility e = {NULL};

	if (query->commandType != CMD_SELECT || query->utilityStmt != NULL)
		return "not a SELECT";
	if (query->hasModifyingCTE)
		return "data-modifying statement in WITH";
	if (cursorOptions & (CURSOR_OPT_BINARY | CURSOR_OPT_SCROLL | CURSOR_OPT_NO_SCROLL |
						 CURSOR_OPT_INSENSITIVE | CURSOR_OPT_ASENSITIVE | CURSOR_OPT_HOLD))
		return "cursors";
	if (boundParams != NULL && boundParams->numParams > 0)
		return "query parameters";
	eligibility_walker((Node *) query, &e);
	return e.reason;
}

/* ---------------------------------------------------------------- compile round trip */

static uint32
read_u32(const char *p)
{
	uint32		v;

	memcpy(&v, p, 4);
	return v;
}

static void
protocol_error(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROTOCOL_VIOLATION),
			 errmsg("pg_fusion worker sent a malformed %s message", what)));
}

static void
parse_compiled(StringInfo msg, PgfCompileReply *reply)
{
	const char *p = msg->data;
	const char *end = msg->data + msg->len;
	uint32		explain_len;

	if (msg->len < 24)
		protocol_error("COMPILED");
	memcpy(&reply->plan_handle, p, 8);
	reply->ncols = (int) read_u32(p + 8);
	explain_len = read_u32(p + 12);
	memcpy(&reply->rows, p + 16, 8);
	p += 24;
	if (reply->ncols < 0 || reply->ncols > MaxTupleAttributeNumber)
		protocol_error("COMPILED");
	reply->typids = palloc0(sizeof(Oid) * Max(reply->ncols, 1));
	reply->typmods = palloc0(sizeof(int32) * Max(reply->ncols, 1));
	reply->names = palloc0(sizeof(char *) * Max(reply->ncols, 1));
	for (int i = 0; i < reply->ncols; i++)
	{
		uint32		name_len;

		if (end - p < 12)
			protocol_error("COMPILED");
		reply->typids[i] = read_u32(p);
		reply->typmods[i] = (int32) read_u32(p + 4);
		name_len = read_u32(p + 8);
		p += 12;
		if ((uint64) (end - p) < name_len)
			protocol_error("COMPILED");
		reply->names[i] = pnstrdup(p, name_len);
		p += name_len;
	}
	if ((uint64) (end - p) < explain_len)
		protocol_error("COMPILED");
	reply->text = pnstrdup(p, explain_len);
}

/*
 * Sends COMPILE or EXPLAIN with the query JSON and waits for the answer. An ERROR from the
 * worker (or a cancel) propagates; the session slot is released either way.
 */
void
pgf_compile(uint32 message_type, const char *json, PgfCompileReply *reply)
{
	PgfSession *session;
	uint32		flags[2] = {(uint32) pgf_debug_fault | (pgf_explain_rules ? PGF_FLAG_EXPLAIN_RULES : 0), 0};
	const char *unavailable = pgf_worker_unavailable_reason();

	memset(reply, 0, sizeof(*reply));
	if (unavailable != NULL || (session = pgf_session_open(PGF_COMPILE_SLOT_WAIT_MS)) == NULL)
	{
		reply->type = PGF_MSG_UNSUPPORTED;
		reply->text = unavailable ? pstrdup(unavailable)
			: psprintf("no free pg_fusion session slot within %d ms (pg_fusion.slots = %d)", PGF_COMPILE_SLOT_WAIT_MS, pgf_slots);
		return;
	}
	PG_TRY();
	{
		StringInfoData msg;
		uint32		type;

		pgf_session_send(session, message_type, flags, sizeof(flags), json, strlen(json));
		initStringInfo(&msg);
		pgf_session_receive(session, &msg, &type);
		reply->type = type;
		switch (type)
		{
			case PGF_MSG_COMPILED:
				parse_compiled(&msg, reply);
				break;
			case PGF_MSG_UNSUPPORTED:
			case PGF_MSG_EXPLAINED:
				reply->text = pnstrdup(msg.data, msg.len);
				break;
			case PGF_MSG_ERROR:
				pgf_raise_worker_error(msg.data, msg.len);
				break;
			default:
				ereport(ERROR,
						(errcode(ERRCODE_PROTOCOL_VIOLATION),
						 errmsg("pg_fusion worker answered with unexpected message type %u", type)));
		}
	}
	PG_FINALLY();
	{
		pgf_session_close(session);
	}
	PG_END_TRY();
}

/* ---------------------------------------------------------------- the hook */

static PlannedStmt *
call_next_planner(Query *parse, const char *query_string, int cursorOptions, ParamListInfo boundParams)
{
	if (prev_planner_hook)
		return prev_planner_hook(parse, query_string, cursorOptions, boundParams);
	return standard_planner(parse, query_string, cursorOptions, boundParams);
}

static void
unsupported(const char *reason)
{
	if (pgf_on_unsupported == PGF_ON_UNSUPPORTED_ERROR)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("pg_fusion cannot run this query: %s", reason)));
	ereport(DEBUG1, (errmsg_internal("pg_fusion falls back to PostgreSQL's planner: %s", reason)));
}

typedef struct RangeTableFlattener
{
	List	   *rtable;
	List	   *relids;
	int			depth;
} RangeTableFlattener;

static bool
flatten_walker(Node *node, RangeTableFlattener *f)
{
	if (node == NULL)
		return false;
	if (IsA(node, Query))
	{
		bool		r;

		f->depth++;
		r = query_tree_walker((Query *) node, flatten_walker, f, QTW_EXAMINE_RTES_BEFORE);
		f->depth--;
		return r;
	}
	if (IsA(node, RangeTblEntry))
	{
		RangeTblEntry *rte = (RangeTblEntry *) node;

		if (rte->rtekind == RTE_RELATION)
		{
			f->relids = list_append_unique_oid(f->relids, rte->relid);
			/* the top level's entries are already in the range table */
			if (f->depth > 1)
				f->rtable = lappend(f->rtable, copyObject(rte));
		}
		return false;
	}
	return expression_tree_walker(node, flatten_walker, f);
}

/*
 * The plan's range table: the query's own entries (same indexes), then a copy of every relation
 * entry of subqueries, sublinks and CTEs, so that ExecCheckRTPerms checks permissions on all of
 * them and AcquireExecutorLocks locks them, as set_plan_references' flattening would.
 * relationOids makes DDL on any of them invalidate the cached plan.
 */
static void
finish_range_table(PlannedStmt *stmt, Query *parse)
{
	RangeTableFlattener f = {NIL, NIL, 0};

	f.rtable = list_copy_deep(parse->rtable);
	flatten_walker((Node *) parse, &f);
	stmt->rtable = f.rtable;
	stmt->relationOids = f.relids;
	stmt->resultRelations = NIL;
	stmt->appendRelations = NIL;
	stmt->subplans = NIL;
	stmt->rewindPlanIDs = NULL;
	stmt->rowMarks = NIL;
	stmt->invalItems = NIL;
	stmt->paramExecTypes = NIL;
	stmt->utilityStmt = NULL;
}

/* Checks the worker's output columns against the query's non-junk target list. */
static const char *
output_mismatch(Query *parse, PgfCompileReply *reply)
{
	ListCell   *lc;
	int			i = 0;

	foreach(lc, parse->targetList)
	{
		TargetEntry *te = lfirst_node(TargetEntry, lc);

		if (te->resjunk)
			continue;
		if (i >= reply->ncols)
			return psprintf("worker returns %d columns, the query %d", reply->ncols, list_length(parse->targetList));
		if (exprType((Node *) te->expr) != reply->typids[i])
			return psprintf("worker's column %d has type %u, the query's %u", i + 1, reply->typids[i], exprType((Node *) te->expr));
		i++;
	}
	if (i != reply->ncols)
		return psprintf("worker returns %d columns, the query %d", reply->ncols, i);
	return NULL;
}

/*
 * Whether the plan runs in parallel mode, so that its PgFusionScan may start page readers
 * (readers.c): ExecutePlan then enters parallel mode when the plan runs to completion in one go
 * (not for cursors or fetches of a few rows at a time). The tests standard_planner makes before
 * it considers parallel plans, and pg_fusion.page_readers > 0 when the query is planned.
 */
static bool
wants_page_readers(Query *parse, int cursorOptions)
{
	return pgf_page_readers > 0 && max_parallel_workers_per_gather > 0 &&
		(cursorOptions & CURSOR_OPT_PARALLEL_OK) != 0 && IsUnderPostmaster && !IsParallelWorker() &&
		!parse->hasModifyingCTE && max_parallel_hazard(parse) != PROPARALLEL_UNSAFE;
}

static PlannedStmt *
pgf_planner(Query *parse, const char *query_string, int cursorOptions, ParamListInfo boundParams)
{
	const char *reason;
	PgfCompileReply reply;
	PlannedStmt *result;

	if (!pgf_enable || nesting > 0 || IsParallelWorker() || parse->commandType != CMD_SELECT ||
		parse->utilityStmt != NULL || parse->querySource != QSRC_ORIGINAL)
		return call_next_planner(parse, query_string, cursorOptions, boundParams);

	reason = pgf_unsupported_construct(parse, boundParams, cursorOptions);
	if (reason == NULL)
	{
		char	   *json;

		nesting++;
		PG_TRY();
		{
			instr_time	t0,
						t1,
						t2;

			INSTR_TIME_SET_CURRENT(t0);
			json = pgf_query_to_json(parse);
			INSTR_TIME_SET_CURRENT(t1);
			pgf_compile(PGF_MSG_COMPILE, json, &reply);
			INSTR_TIME_SET_CURRENT(t2);
			INSTR_TIME_SUBTRACT(t2, t1);
			INSTR_TIME_SUBTRACT(t1, t0);
			ereport(DEBUG1, (errmsg_internal("pg_fusion planning: query JSON %zu bytes in %.3f ms, COMPILE round trip %.3f ms",
											 strlen(json), INSTR_TIME_GET_MILLISEC(t1), INSTR_TIME_GET_MILLISEC(t2))));
		}
		PG_FINALLY();
		{
			nesting--;
		}
		PG_END_TRY();
		if (reply.type == PGF_MSG_COMPILED)
		{
			reason = output_mismatch(parse, &reply);
			if (reason == NULL)
			{
				result = makeNode(PlannedStmt);
				result->commandType = CMD_SELECT;
				result->queryId = parse->queryId;
				result->hasReturning = false;
				result->hasModifyingCTE = false;
				result->canSetTag = parse->canSetTag;
				result->transientPlan = false;
				result->dependsOnRole = false;
				result->parallelModeNeeded = wants_page_readers(parse, cursorOptions);
				result->jitFlags = PGJIT_NONE;
				result->planTree = pgf_make_custom_scan(parse, &reply, json);
				result->stmt_location = parse->stmt_location;
				result->stmt_len = parse->stmt_len;
				finish_range_table(result, parse);
				return result;
			}
		}
		else
			reason = reply.text;
	}
	unsupported(reason);
	/* functions the planner runs (constant folding) plan their queries nested */
	nesting++;
	PG_TRY();
	{
		result = call_next_planner(parse, query_string, cursorOptions, boundParams);
	}
	PG_FINALLY();
	{
		nesting--;
	}
	PG_END_TRY();
	return result;
}

/* ---------------------------------------------------------------- nesting */

static void
pgf_executor_run(QueryDesc *queryDesc, ScanDirection direction, uint64 count, bool execute_once)
{
	nesting++;
	PG_TRY();
	{
		if (prev_executor_run)
			prev_executor_run(queryDesc, direction, count, execute_once);
		else
			standard_ExecutorRun(queryDesc, direction, count, execute_once);
	}
	PG_FINALLY();
	{
		nesting--;
	}
	PG_END_TRY();
}

static void
pgf_executor_finish(QueryDesc *queryDesc)
{
	nesting++;
	PG_TRY();
	{
		if (prev_executor_finish)
			prev_executor_finish(queryDesc);
		else
			standard_ExecutorFinish(queryDesc);
	}
	PG_FINALLY();
	{
		nesting--;
	}
	PG_END_TRY();
}

static void
pgf_process_utility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
					ProcessUtilityContext context, ParamListInfo params,
					QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *stmt = pstmt->utilityStmt;

	/* EXPLAIN and EXECUTE plan the top-level query on the client's behalf: not nested */
	bool		counts = !(IsA(stmt, ExplainStmt) || IsA(stmt, ExecuteStmt));

	if (counts)
		nesting++;
	PG_TRY();
	{
		if (prev_process_utility)
			prev_process_utility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
		else
			standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
	}
	PG_FINALLY();
	{
		if (counts)
			nesting--;
	}
	PG_END_TRY();
}

void
pgf_install_planner_hooks(void)
{
	prev_planner_hook = planner_hook;
	planner_hook = pgf_planner;
	prev_executor_run = ExecutorRun_hook;
	ExecutorRun_hook = pgf_executor_run;
	prev_executor_finish = ExecutorFinish_hook;
	ExecutorFinish_hook = pgf_executor_finish;
	prev_process_utility = ProcessUtility_hook;
	ProcessUtility_hook = pgf_process_utility;
}
