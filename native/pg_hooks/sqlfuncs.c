/*
 * sqlfuncs.c: SQL-callable functions (CREATE EXTENSION pg_fusion).
 */
#include "pg_fusion.h"

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "parser/analyze.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(pg_fusion_query_tree);
PG_FUNCTION_INFO_V1(pg_fusion_explain);
PG_FUNCTION_INFO_V1(pg_fusion_worker_status);

/* Parse, analyze and rewrite exactly one SELECT, as the planner hook would receive it. */
static Query *
analyze_select(const char *sql)
{
	List	   *raw = pg_parse_query(sql);
	List	   *rewritten;
	Query	   *query;

	if (list_length(raw) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("pg_fusion expects exactly one statement, got %d", list_length(raw))));
	query = parse_analyze_fixedparams(linitial_node(RawStmt, raw), sql, NULL, 0, NULL);
	if (query->commandType != CMD_SELECT || query->utilityStmt != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("pg_fusion expects a SELECT statement")));
	rewritten = pg_rewrite_query(query);
	if (list_length(rewritten) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("pg_fusion expects the SELECT to rewrite into one query, got %d", list_length(rewritten))));
	return linitial_node(Query, rewritten);
}

Datum
pg_fusion_query_tree(PG_FUNCTION_ARGS)
{
	char	   *sql = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Query	   *query = analyze_select(sql);

	PG_RETURN_TEXT_P(cstring_to_text(pgf_query_to_json(query)));
}

Datum
pg_fusion_explain(PG_FUNCTION_ARGS)
{
	char	   *sql = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Query	   *query = analyze_select(sql);
	const char *reason = pgf_unsupported_construct(query, NULL, 0);
	PgfCompileReply reply;

	if (reason != NULL)
		PG_RETURN_TEXT_P(cstring_to_text(psprintf("Unsupported: %s", reason)));
	pgf_compile(PGF_MSG_EXPLAIN, pgf_query_to_json(query), &reply);
	if (reply.type == PGF_MSG_UNSUPPORTED)
		PG_RETURN_TEXT_P(cstring_to_text(psprintf("Unsupported: %s", reply.text)));
	PG_RETURN_TEXT_P(cstring_to_text(reply.text ? reply.text : ""));
}

Datum
pg_fusion_worker_status(PG_FUNCTION_ARGS)
{
	static const char *const states[] = {"not started", "starting", "ready", "failed", "stopped"};
	TupleDesc	tupdesc;
	Datum		values[8];
	bool		nulls[8] = {0};
	int			in_use = 0;
	int			pages_in_use = 0;
	uint32		state;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (pgf_header == NULL)
		ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						errmsg("pg_fusion shared memory is not initialized")));
	for (uint32 i = 0; i < pgf_header->slot_count; i++)
		if (__atomic_load_n(&pgf_slot(i)->state, __ATOMIC_SEQ_CST) != PGF_SLOT_FREE)
			in_use++;
	for (uint32 i = 0; i < pgf_header->page_count; i++)
		if (__atomic_load_n(&pgf_page_state(i)->state, __ATOMIC_SEQ_CST) != PGF_PAGE_FREE)
			pages_in_use++;
	state = __atomic_load_n(&pgf_header->worker_state, __ATOMIC_SEQ_CST);
	values[0] = CStringGetTextDatum(state < lengthof(states) ? states[state] : "unknown");
	values[1] = Int32GetDatum(pgf_header->worker_pid);
	values[2] = Int32GetDatum((int32) pgf_header->worker_epoch);
	values[3] = Int32GetDatum((int32) pgf_header->slot_count);
	values[4] = Int32GetDatum(in_use);
	values[5] = Int32GetDatum((int32) pgf_header->page_count);
	values[6] = Int32GetDatum(pages_in_use);
	values[7] = CStringGetTextDatum(pgf_header->status_message);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
