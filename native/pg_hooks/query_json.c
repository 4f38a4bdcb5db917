/*
 * query_json.c: the Query JSON the worker plans from (QUERY_JSON_CONTRACT.md, docs/query-json.md).
 *
 * The "query" member is PostgreSQL's own node serialization (nodeToString, outfuncs.c) converted
 * token by token, so every node kind and field PostgreSQL 15 writes arrives with its own name.
 * Beside it go what the worker cannot look up itself: each relation's column layout and
 * pg_statistic rows, and names for every OID the query uses.
 */
#include "pg_fusion.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/relation.h"
#include "access/tupdesc.h"
#include "access/tupdesc_details.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_database.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_statistic.h"
#include "catalog/pg_type.h"
#include "executor/nodeHash.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/plancat.h"
#include "pgtime.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "fmgr.h"
#include "utils/float.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

/* ---------------------------------------------------------------- nodeToString -> JSON */

typedef struct Tokenizer
{
	const char *p;
} Tokenizer;

/* pg_strtok's rules (read.c): whitespace separates, ( ) { } are tokens, backslash escapes. */
static const char *
next_token(Tokenizer *t, int *len)
{
	const char *s = t->p;
	const char *start;

	while (*s == ' ' || *s == '\n' || *s == '\t')
		s++;
	if (*s == '\0')
	{
		t->p = s;
		*len = -1;
		return NULL;
	}
	start = s;
	if (*s == '(' || *s == ')' || *s == '{' || *s == '}')
		s++;
	else
	{
		while (*s != '\0' && *s != ' ' && *s != '\n' && *s != '\t' &&
			   *s != '(' && *s != ')' && *s != '{' && *s != '}')
		{
			if (*s == '\\' && s[1] != '\0')
				s += 2;
			else
				s++;
		}
	}
	t->p = s;
	*len = (int) (s - start);
	if (*len == 2 && start[0] == '<' && start[1] == '>')
		*len = 0;
	return start;
}

static const char *
peek_token(Tokenizer *t, int *len)
{
	Tokenizer	copy = *t;

	return next_token(&copy, len);
}

static char *
unescape(const char *tok, int len)
{
	char	   *out = palloc(len + 1);
	int			n = 0;

	for (int i = 0; i < len; i++)
	{
		if (tok[i] == '\\' && i + 1 < len)
			i++;
		out[n++] = tok[i];
	}
	out[n] = '\0';
	return out;
}

static bool
token_is(const char *tok, int len, const char *what)
{
	return len == (int) strlen(what) && strncmp(tok, what, len) == 0;
}

static bool
looks_numeric(const char *tok, int len)
{
	if (len <= 0)
		return false;
	if (isdigit((unsigned char) tok[0]))
		return true;
	if ((tok[0] == '+' || tok[0] == '-') && len > 1 && (isdigit((unsigned char) tok[1]) || tok[1] == '.'))
		return true;
	return tok[0] == '.' && len > 1 && isdigit((unsigned char) tok[1]);
}

static void
append_double(StringInfo out, double v)
{
	if (isnan(v) || isinf(v))
		appendStringInfoString(out, "null");
	else
		appendStringInfo(out, "%.17g", v);
}

/* A number token as JSON; false when the token is not exactly a number. */
static bool
append_number(StringInfo out, const char *tok, int len)
{
	char	   *s = pnstrdup(tok, len);
	char	   *end;
	bool		integer = true;
	int			start = (s[0] == '+' || s[0] == '-') ? 1 : 0;

	for (int i = start; i < len; i++)
		if (!isdigit((unsigned char) s[i]))
			integer = false;
	if (integer && len > start)
	{
		const char *digits = s + (s[0] == '+' ? 1 : 0);

		/* JSON has no leading zeros: normalise through a wide integer when possible */
		if (len - start < 19)
			appendStringInfo(out, "%lld", strtoll(digits, NULL, 10));
		else
			appendStringInfoString(out, digits);
		pfree(s);
		return true;
	}
	{
		double		v = strtod(s, &end);

		if (*end != '\0' || isnan(v) || isinf(v))
		{
			pfree(s);
			return false;
		}
		append_double(out, v);
	}
	pfree(s);
	return true;
}

static void convert_value(Tokenizer *t, const char *tok, int len, StringInfo out);

/* outDatum: LEN [ b0 b1 ... ] with bytes printed as signed chars. */
static void
convert_datum(Tokenizer *t, const char *lentok, int lenlen, StringInfo out)
{
	int			len;
	const char *tok = next_token(t, &len);	/* "[" */

	appendStringInfoString(out, "{\"len\":");
	append_number(out, lentok, lenlen);
	appendStringInfoString(out, ",\"bytes\":\"");
	(void) tok;
	for (;;)
	{
		tok = next_token(t, &len);
		if (tok == NULL || token_is(tok, len, "]"))
			break;
		{
			char	   *s = pnstrdup(tok, len);
			int			b = atoi(s);

			appendStringInfo(out, "%02x", (unsigned) (b & 0xFF));
			pfree(s);
		}
	}
	appendStringInfoString(out, "\"}");
}

static void
convert_node(Tokenizer *t, StringInfo out)
{
	int			len;
	const char *tok = next_token(t, &len);
	char	   *name = tok ? unescape(tok, len) : pstrdup("");

	appendStringInfoString(out, "{\"node\":");
	escape_json(out, name);
	for (;;)
	{
		tok = next_token(t, &len);
		if (tok == NULL || token_is(tok, len, "}"))
			break;
		if (len > 0 && tok[0] == ':')
		{
			char	   *field = pnstrdup(tok + 1, len - 1);
			StringInfoData values;
			int			nvalues = 0;

			appendStringInfoChar(out, ',');
			escape_json(out, field);
			appendStringInfoChar(out, ':');
			initStringInfo(&values);
			/* usually one value; outfuncs' plain arrays (WRITE_*_ARRAY) write several */
			for (;;)
			{
				int			plen;
				const char *p = peek_token(t, &plen);

				if (p == NULL || (plen > 0 && p[0] == ':') || token_is(p, plen, "}"))
					break;
				tok = next_token(t, &len);
				if (nvalues++ > 0)
					appendStringInfoChar(&values, ',');
				convert_value(t, tok, len, &values);
			}
			if (nvalues == 0)
				appendStringInfoString(out, "null");
			else if (nvalues == 1)
				appendBinaryStringInfo(out, values.data, values.len);
			else
			{
				appendStringInfoChar(out, '[');
				appendBinaryStringInfo(out, values.data, values.len);
				appendStringInfoChar(out, ']');
			}
			pfree(values.data);
		}
		else
			elog(ERROR, "pg_fusion: unexpected token \"%.*s\" in node %s", len, tok, name);
	}
	appendStringInfoChar(out, '}');
}

static void
convert_list(Tokenizer *t, StringInfo out)
{
	int			len;
	const char *tok = peek_token(t, &len);
	bool		first = true;

	appendStringInfoChar(out, '[');
	if (tok && (token_is(tok, len, "i") || token_is(tok, len, "o") || token_is(tok, len, "b") || token_is(tok, len, "x")))
	{
		(void) next_token(t, &len);
		for (;;)
		{
			tok = next_token(t, &len);
			if (tok == NULL || token_is(tok, len, ")"))
				break;
			if (!first)
				appendStringInfoChar(out, ',');
			first = false;
			if (!append_number(out, tok, len))
				escape_json(out, unescape(tok, len));
		}
	}
	else
	{
		for (;;)
		{
			tok = next_token(t, &len);
			if (tok == NULL || token_is(tok, len, ")"))
				break;
			if (!first)
				appendStringInfoChar(out, ',');
			first = false;
			convert_value(t, tok, len, out);
		}
	}
	appendStringInfoChar(out, ']');
}

static void
convert_value(Tokenizer *t, const char *tok, int len, StringInfo out)
{
	if (tok == NULL || len == 0)
		appendStringInfoString(out, "null");
	else if (token_is(tok, len, "{"))
		convert_node(t, out);
	else if (token_is(tok, len, "("))
		convert_list(t, out);
	else if (tok[0] == '"' && len >= 2 && tok[len - 1] == '"')
		escape_json(out, unescape(tok + 1, len - 2));
	else if (token_is(tok, len, "true") || token_is(tok, len, "false"))
		appendBinaryStringInfo(out, tok, len);
	else if (looks_numeric(tok, len))
	{
		int			plen;
		const char *p = peek_token(t, &plen);

		if (p && token_is(p, plen, "["))
			convert_datum(t, tok, len, out);
		else if (!append_number(out, tok, len))
			escape_json(out, unescape(tok, len));
	}
	else
		escape_json(out, unescape(tok, len));
}

static void
node_string_to_json(const char *s, StringInfo out)
{
	Tokenizer	t = {s};
	int			len;
	const char *tok = next_token(&t, &len);

	convert_value(&t, tok, len, out);
}

/* ---------------------------------------------------------------- what the query uses */

typedef struct Collected
{
	List	   *relids;
	List	   *funcs;
	List	   *ops;
	List	   *types;
} Collected;

static void
collect_sortgroup(List *clauses, Collected *c)
{
	ListCell   *lc;

	foreach(lc, clauses)
	{
		SortGroupClause *sgc = lfirst_node(SortGroupClause, lc);

		if (OidIsValid(sgc->eqop))
			c->ops = list_append_unique_oid(c->ops, sgc->eqop);
		if (OidIsValid(sgc->sortop))
			c->ops = list_append_unique_oid(c->ops, sgc->sortop);
	}
}

static void
add_type(Collected *c, Oid typid)
{
	if (OidIsValid(typid))
		c->types = list_append_unique_oid(c->types, typid);
}

static void
add_func(Collected *c, Oid funcid)
{
	if (OidIsValid(funcid))
		c->funcs = list_append_unique_oid(c->funcs, funcid);
}

static void
add_op(Collected *c, Oid opno, Oid funcid)
{
	if (OidIsValid(opno))
	{
		/*
		 * The negator too: the worker rewrites x <> ALL (sub) as NOT (x = ANY (sub)), which
		 * needs the "=" operator the query does not name.
		 */
		Oid			negator = get_negator(opno);

		c->ops = list_append_unique_oid(c->ops, opno);
		if (OidIsValid(negator))
		{
			c->ops = list_append_unique_oid(c->ops, negator);
			add_func(c, get_opcode(negator));
		}
	}
	add_func(c, funcid);
}

static bool
collect_walker(Node *node, Collected *c)
{
	if (node == NULL)
		return false;
	if (IsA(node, Query))
	{
		Query	   *q = (Query *) node;
		ListCell   *lc;

		collect_sortgroup(q->sortClause, c);
		collect_sortgroup(q->groupClause, c);
		collect_sortgroup(q->distinctClause, c);
		foreach(lc, q->windowClause)
		{
			WindowClause *wc = lfirst_node(WindowClause, lc);

			collect_sortgroup(wc->partitionClause, c);
			collect_sortgroup(wc->orderClause, c);
		}
		return query_tree_walker(q, collect_walker, c, QTW_EXAMINE_RTES_BEFORE);
	}
	if (IsA(node, RangeTblEntry))
	{
		RangeTblEntry *rte = (RangeTblEntry *) node;

		if (rte->rtekind == RTE_RELATION)
			c->relids = list_append_unique_oid(c->relids, rte->relid);
		return false;
	}
	switch (nodeTag(node))
	{
		case T_Var:
			add_type(c, ((Var *) node)->vartype);
			break;
		case T_Const:
			add_type(c, ((Const *) node)->consttype);
			break;
		case T_Param:
			add_type(c, ((Param *) node)->paramtype);
			break;
		case T_Aggref:
			{
				Aggref	   *a = (Aggref *) node;
				ListCell   *lc;

				add_func(c, a->aggfnoid);
				add_type(c, a->aggtype);
				foreach(lc, a->aggargtypes)
					add_type(c, lfirst_oid(lc));
				break;
			}
		case T_WindowFunc:
			add_func(c, ((WindowFunc *) node)->winfnoid);
			add_type(c, ((WindowFunc *) node)->wintype);
			break;
		case T_FuncExpr:
			add_func(c, ((FuncExpr *) node)->funcid);
			add_type(c, ((FuncExpr *) node)->funcresulttype);
			break;
		case T_OpExpr:
		case T_DistinctExpr:
		case T_NullIfExpr:
			add_op(c, ((OpExpr *) node)->opno, ((OpExpr *) node)->opfuncid);
			add_type(c, ((OpExpr *) node)->opresulttype);
			break;
		case T_ScalarArrayOpExpr:
			add_op(c, ((ScalarArrayOpExpr *) node)->opno, ((ScalarArrayOpExpr *) node)->opfuncid);
			break;
		case T_RowCompareExpr:
			{
				ListCell   *lc;

				foreach(lc, ((RowCompareExpr *) node)->opnos)
					add_op(c, lfirst_oid(lc), InvalidOid);
				break;
			}
		case T_RelabelType:
			add_type(c, ((RelabelType *) node)->resulttype);
			break;
		case T_CoerceViaIO:
			add_type(c, ((CoerceViaIO *) node)->resulttype);
			break;
		case T_ArrayCoerceExpr:
			add_type(c, ((ArrayCoerceExpr *) node)->resulttype);
			break;
		case T_CaseExpr:
			add_type(c, ((CaseExpr *) node)->casetype);
			break;
		case T_CoalesceExpr:
			add_type(c, ((CoalesceExpr *) node)->coalescetype);
			break;
		case T_MinMaxExpr:
			add_type(c, ((MinMaxExpr *) node)->minmaxtype);
			break;
		case T_ArrayExpr:
			add_type(c, ((ArrayExpr *) node)->array_typeid);
			break;
		default:
			break;
	}
	return expression_tree_walker(node, collect_walker, c);
}

/* fix_opfuncids everywhere: expression_tree_walker alone does not descend into sub-Queries. */
static bool
fix_opfuncids_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Query))
		return query_tree_walker((Query *) node, fix_opfuncids_walker, context, 0);
	if (IsA(node, OpExpr) || IsA(node, DistinctExpr) || IsA(node, NullIfExpr))
		set_opfuncid((OpExpr *) node);
	else if (IsA(node, ScalarArrayOpExpr))
		set_sa_opfuncid((ScalarArrayOpExpr *) node);
	return expression_tree_walker(node, fix_opfuncids_walker, context);
}

/* ---------------------------------------------------------------- relations */

static void
append_hex(StringInfo out, const char *bytes, Size len)
{
	appendStringInfoChar(out, '"');
	for (Size i = 0; i < len; i++)
		appendStringInfo(out, "%02x", (unsigned) (unsigned char) bytes[i]);
	appendStringInfoChar(out, '"');
}

static void
append_missing(StringInfo out, Form_pg_attribute att, TupleDesc td, int i)
{
	AttrMissing *am;

	if (!att->atthasmissing || td->constr == NULL || td->constr->missing == NULL ||
		!td->constr->missing[i].am_present)
	{
		appendStringInfoString(out, "null");
		return;
	}
	am = &td->constr->missing[i];
	if (att->attbyval)
	{
		char		buf[8];

		store_att_byval(buf, am->am_value, att->attlen);
		append_hex(out, buf, att->attlen);
	}
	else if (att->attlen == -1)
		append_hex(out, DatumGetPointer(am->am_value), VARSIZE_ANY(DatumGetPointer(am->am_value)));
	else if (att->attlen == -2)
		append_hex(out, DatumGetPointer(am->am_value), strlen(DatumGetPointer(am->am_value)) + 1);
	else
		append_hex(out, DatumGetPointer(am->am_value), att->attlen);
}

static void
append_text_values(StringInfo out, Oid valuetype, Datum *values, int n)
{
	Oid			outfunc;
	bool		isvarlena;

	getTypeOutputInfo(valuetype, &outfunc, &isvarlena);
	appendStringInfoChar(out, '[');
	for (int i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoChar(out, ',');
		escape_json(out, OidOutputFunctionCall(outfunc, values[i]));
	}
	appendStringInfoChar(out, ']');
}

static void
append_numbers(StringInfo out, float4 *numbers, int n)
{
	appendStringInfoChar(out, '[');
	for (int i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoChar(out, ',');
		append_double(out, numbers[i]);
	}
	appendStringInfoChar(out, ']');
}

/* pg_statistic rows (inh = false) the current user may read, as pg_stats shows them. */
static void
append_stats(StringInfo out, Relation rel)
{
	TupleDesc	td = RelationGetDescr(rel);
	Oid			relid = RelationGetRelid(rel);
	bool		whole_table = pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) == ACLCHECK_OK;
	bool		first = true;

	appendStringInfoChar(out, '[');
	for (int i = 0; i < td->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(td, i);
		HeapTuple	tup;
		Form_pg_statistic st;
		AttStatsSlot sslot;

		if (att->attisdropped)
			continue;
		if (!whole_table && pg_attribute_aclcheck(relid, att->attnum, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
			continue;
		tup = SearchSysCache3(STATRELATTINH, ObjectIdGetDatum(relid), Int16GetDatum(att->attnum), BoolGetDatum(false));
		if (!HeapTupleIsValid(tup))
			continue;
		st = (Form_pg_statistic) GETSTRUCT(tup);
		if (!first)
			appendStringInfoChar(out, ',');
		first = false;
		appendStringInfo(out, "{\"attnum\":%d,\"null_frac\":", att->attnum);
		append_double(out, st->stanullfrac);
		appendStringInfo(out, ",\"avg_width\":%d,\"n_distinct\":", st->stawidth);
		append_double(out, st->stadistinct);
		if (get_attstatsslot(&sslot, tup, STATISTIC_KIND_MCV, InvalidOid, ATTSTATSSLOT_VALUES | ATTSTATSSLOT_NUMBERS))
		{
			appendStringInfoString(out, ",\"mcv_values\":");
			append_text_values(out, sslot.valuetype, sslot.values, sslot.nvalues);
			appendStringInfoString(out, ",\"mcv_freqs\":");
			append_numbers(out, sslot.numbers, sslot.nnumbers);
			free_attstatsslot(&sslot);
		}
		else
			appendStringInfoString(out, ",\"mcv_values\":null,\"mcv_freqs\":null");
		appendStringInfoString(out, ",\"histogram\":");
		if (get_attstatsslot(&sslot, tup, STATISTIC_KIND_HISTOGRAM, InvalidOid, ATTSTATSSLOT_VALUES))
		{
			append_text_values(out, sslot.valuetype, sslot.values, sslot.nvalues);
			free_attstatsslot(&sslot);
		}
		else
			appendStringInfoString(out, "null");
		appendStringInfoString(out, ",\"correlation\":");
		if (get_attstatsslot(&sslot, tup, STATISTIC_KIND_CORRELATION, InvalidOid, ATTSTATSSLOT_NUMBERS) && sslot.nnumbers > 0)
		{
			append_double(out, sslot.numbers[0]);
			free_attstatsslot(&sslot);
		}
		else
			appendStringInfoString(out, "null");
		appendStringInfoChar(out, '}');
		ReleaseSysCache(tup);
	}
	appendStringInfoChar(out, ']');
}

static void
append_relation(StringInfo out, Oid relid, Collected *c)
{
	Relation	rel = relation_open(relid, AccessShareLock);
	TupleDesc	td = RelationGetDescr(rel);
	char		relkind[2] = {rel->rd_rel->relkind, '\0'};

	appendStringInfo(out, "{\"relid\":%u,\"name\":", relid);
	escape_json(out, RelationGetRelationName(rel));
	appendStringInfoString(out, ",\"namespace\":");
	escape_json(out, get_namespace_name(RelationGetNamespace(rel)));
	appendStringInfoString(out, ",\"relkind\":");
	escape_json(out, relkind);
	appendStringInfo(out, ",\"relpages\":%d,\"reltuples\":", (int) rel->rd_rel->relpages);
	append_double(out, rel->rd_rel->reltuples);
	/*
	 * What PostgreSQL's planner takes for the relation's size (get_relation_info: estimate_rel_size):
	 * the current block count (at least 10 pages while never vacuumed or analyzed) times the tuple
	 * density of pg_class, or of the attribute widths when pg_class has none. The worker estimates
	 * rows and distinct values from the tuples, as PostgreSQL does from rel->tuples, and prices a
 * sequential scan by the pages (rel->pages).
	 */
	if (rel->rd_rel->relkind == RELKIND_RELATION || rel->rd_rel->relkind == RELKIND_MATVIEW)
	{
		BlockNumber est_pages;
		double		est_tuples;
		double		allvisfrac;

		estimate_rel_size(rel, NULL, &est_pages, &est_tuples, &allvisfrac);
		appendStringInfoString(out, ",\"est_tuples\":");
		append_double(out, est_tuples);
		appendStringInfo(out, ",\"est_pages\":%u", est_pages);
	}
	/* the worker prices index-only first-match probes by it (serve_tuning bit 512: the backend answers them so) */
	if ((pgf_serve_tuning & PGF_SERVE_INDEX_ONLY) != 0)
		appendStringInfo(out, ",\"relallvisible\":%d", (int) rel->rd_rel->relallvisible);
	appendStringInfoString(out, ",\"attributes\":[");
	for (int i = 0; i < td->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(td, i);
		char		align[2] = {att->attalign, '\0'};

		if (i > 0)
			appendStringInfoChar(out, ',');
		appendStringInfo(out, "{\"attnum\":%d,\"name\":", att->attnum);
		escape_json(out, NameStr(att->attname));
		appendStringInfo(out, ",\"typid\":%u,\"typmod\":%d,\"len\":%d,\"byval\":%s,\"align\":",
						 att->atttypid, att->atttypmod, att->attlen, att->attbyval ? "true" : "false");
		escape_json(out, align);
		appendStringInfo(out, ",\"notnull\":%s,\"dropped\":%s,\"hasmissing\":%s,\"missing\":",
						 att->attnotnull ? "true" : "false", att->attisdropped ? "true" : "false",
						 att->atthasmissing ? "true" : "false");
		append_missing(out, att, td, i);
		appendStringInfo(out, ",\"collation\":%u}", att->attcollation);
		if (!att->attisdropped)
			add_type(c, att->atttypid);
	}
	appendStringInfoString(out, "],\"indexes\":");
	pgf_append_indexes(out, rel);
	appendStringInfoString(out, ",\"stats\":");
	append_stats(out, rel);
	appendStringInfoChar(out, '}');
	relation_close(rel, NoLock);
}

/* ---------------------------------------------------------------- catalog */

/*
 * pg_proc.procost: the planner orders the quals of a scan or join by their estimated cost
 * (order_qual_clauses), and a function's cost is procost x cpu_operator_cost.
 */
static float4
func_cost(Oid funcid)
{
	HeapTuple	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(funcid));
	float4		cost = 1;

	if (HeapTupleIsValid(tup))
	{
		cost = ((Form_pg_proc) GETSTRUCT(tup))->procost;
		ReleaseSysCache(tup);
	}
	return cost;
}

static void
append_catalog(StringInfo out, Collected *c)
{
	ListCell   *lc;
	bool		first = true;

	/* operators' and functions' types belong in "types" too: collect them first */
	foreach(lc, c->ops)
	{
		HeapTuple	tup = SearchSysCache1(OPEROID, ObjectIdGetDatum(lfirst_oid(lc)));

		if (HeapTupleIsValid(tup))
		{
			Form_pg_operator op = (Form_pg_operator) GETSTRUCT(tup);

			add_type(c, op->oprleft);
			add_type(c, op->oprright);
			add_type(c, op->oprresult);
			add_func(c, op->oprcode);
			ReleaseSysCache(tup);
		}
	}
	foreach(lc, c->funcs)
		add_type(c, get_func_rettype(lfirst_oid(lc)));

	appendStringInfoString(out, "{\"functions\":[");
	foreach(lc, c->funcs)
	{
		Oid			oid = lfirst_oid(lc);
		char	   *name = get_func_name(oid);

		if (name == NULL)
			continue;
		if (!first)
			appendStringInfoChar(out, ',');
		first = false;
		appendStringInfo(out, "{\"oid\":%u,\"name\":", oid);
		escape_json(out, name);
		appendStringInfoString(out, ",\"namespace\":");
		escape_json(out, get_namespace_name(get_func_namespace(oid)));
		appendStringInfo(out, ",\"rettype\":%u,\"cost\":%g}", get_func_rettype(oid), func_cost(oid));
	}
	appendStringInfoString(out, "],\"operators\":[");
	first = true;
	foreach(lc, c->ops)
	{
		Oid			oid = lfirst_oid(lc);
		HeapTuple	tup = SearchSysCache1(OPEROID, ObjectIdGetDatum(oid));
		Form_pg_operator op;

		if (!HeapTupleIsValid(tup))
			continue;
		op = (Form_pg_operator) GETSTRUCT(tup);
		if (!first)
			appendStringInfoChar(out, ',');
		first = false;
		appendStringInfo(out, "{\"oid\":%u,\"name\":", oid);
		escape_json(out, NameStr(op->oprname));
		appendStringInfo(out, ",\"left\":%u,\"right\":%u,\"result\":%u,\"funcid\":%u,\"negator\":%u}",
						 op->oprleft, op->oprright, op->oprresult, op->oprcode, op->oprnegate);
		ReleaseSysCache(tup);
	}
	appendStringInfoString(out, "],\"types\":[");
	first = true;
	foreach(lc, c->types)
	{
		Oid			oid = lfirst_oid(lc);
		HeapTuple	tup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(oid));
		Form_pg_type typ;
		char		align[2];
		char		category[2];

		if (!HeapTupleIsValid(tup))
			continue;
		typ = (Form_pg_type) GETSTRUCT(tup);
		align[0] = typ->typalign;
		align[1] = '\0';
		category[0] = typ->typcategory;
		category[1] = '\0';
		if (!first)
			appendStringInfoChar(out, ',');
		first = false;
		appendStringInfo(out, "{\"oid\":%u,\"name\":", oid);
		escape_json(out, NameStr(typ->typname));
		appendStringInfo(out, ",\"len\":%d,\"byval\":%s,\"align\":", typ->typlen, typ->typbyval ? "true" : "false");
		escape_json(out, align);
		appendStringInfoString(out, ",\"category\":");
		escape_json(out, category);
		appendStringInfo(out, ",\"elem\":%u}", typ->typelem);
		ReleaseSysCache(tup);
	}
	appendStringInfoString(out, "]}");
}

/* ---------------------------------------------------------------- envelope */

/*
 * The database's encoding and default collation (pg_database's datcollate, datctype and
 * datlocprovider), fixed for the life of a backend and so read once: the worker orders text by
 * bytes only when the default collation does, and maps case as C.UTF-8 does only under that
 * LC_CTYPE; anything else it declines (docs/query-json.md, "settings").
 */
static void
append_database_locale(StringInfo out)
{
	static char *cached = NULL;

	if (cached == NULL)
	{
		HeapTuple	tuple = SearchSysCache1(DATABASEOID, ObjectIdGetDatum(MyDatabaseId));
		StringInfoData buf;
		bool		isnull;
		Datum		collate;
		Datum		ctype;

		if (!HeapTupleIsValid(tuple))
			elog(ERROR, "pg_fusion: cache lookup failed for database %u", MyDatabaseId);
		collate = SysCacheGetAttr(DATABASEOID, tuple, Anum_pg_database_datcollate, &isnull);
		Assert(!isnull);
		ctype = SysCacheGetAttr(DATABASEOID, tuple, Anum_pg_database_datctype, &isnull);
		Assert(!isnull);
		initStringInfo(&buf);
		appendStringInfoString(&buf, ",\"server_encoding\":");
		escape_json(&buf, GetDatabaseEncodingName());
		appendStringInfoString(&buf, ",\"lc_collate\":");
		escape_json(&buf, TextDatumGetCString(collate));
		appendStringInfoString(&buf, ",\"lc_ctype\":");
		escape_json(&buf, TextDatumGetCString(ctype));
		appendStringInfo(&buf, ",\"locale_provider\":\"%s\"",
						 ((Form_pg_database) GETSTRUCT(tuple))->datlocprovider == COLLPROVIDER_ICU ? "icu" : "libc");
		ReleaseSysCache(tuple);
		cached = MemoryContextStrdup(TopMemoryContext, buf.data);
		pfree(buf.data);
	}
	appendStringInfoString(out, cached);
}

/*
 * The members of the envelope's "settings" object: pg_fusion.join_pair_budget (and
 * pg_fusion.disabled_rules when it names any rule), the database's
 * encoding and default collation (append_database_locale), and the session
 * settings that decide how values print as text (date_out, timestamp_out,
 * interval_out, float4out/float8out, byteaout), and TimeZone (as SHOW prints it), which timestamptz
 * output, casts, EXTRACT, date_trunc and interval arithmetic read, so the worker computes them
 * exactly as this session would or declines. And hash_mem_kb, get_hash_memory_limit() (work_mem x
 * hash_mem_multiplier) in kB: whether an uncorrelated IN sub-query's SubPlan is hashed (subplan_is_hashable),
 * which decides where PostgreSQL tests it among a scan's quals. Their values are part of the JSON and so of the plan cache's key.
 */
void
pgf_append_settings(StringInfo out)
{
	static const char *const names[] = {"DateStyle", "IntervalStyle", "bytea_output"};
	const char *zone = session_timezone != NULL ? pg_get_timezone_name(session_timezone) : NULL;

	appendStringInfo(out, "\"join_pair_budget\":%d", pgf_join_pair_budget);
	if (pgf_disabled_rules != NULL && pgf_disabled_rules[0] != '\0')
	{
		appendStringInfoString(out, ",\"disabled_rules\":");
		escape_json(out, pgf_disabled_rules);
	}
	for (int i = 0; i < lengthof(names); i++)
	{
		const char *value = GetConfigOption(names[i], true, false);

		if (value == NULL)
			continue;
		appendStringInfo(out, ",\"%s\":", names[i]);
		escape_json(out, value);
	}
	appendStringInfo(out, ",\"extra_float_digits\":%d", extra_float_digits);
	appendStringInfo(out, ",\"hash_mem_kb\":%zu", get_hash_memory_limit() / 1024);

	/*
	 * TimeZone as SHOW prints it: the zone's canonical name, not the string the session set
	 * (SET TIME ZONE -5.5 leaves "-5.5" in the GUC variable, while the zone is "<-05:30>+05:30";
	 * 'america/new_york' is the file America/New_York).
	 */
	if (zone != NULL)
	{
		appendStringInfoString(out, ",\"TimeZone\":");
		escape_json(out, zone);
	}
	append_database_locale(out);
}

char *
pgf_query_to_json(Query *query)
{
	Query	   *copy = copyObject(query);
	StringInfoData out;
	Collected	c = {0};
	ListCell   *lc;
	bool		first = true;

	fix_opfuncids_walker((Node *) copy, NULL);
	collect_walker((Node *) copy, &c);

	initStringInfo(&out);
	appendStringInfo(&out, "{\"version\":1,\"server_version_num\":%d,\"settings\":{", PG_VERSION_NUM);
	pgf_append_settings(&out);
	appendStringInfoString(&out, "},\"query\":");
	node_string_to_json(nodeToString(copy), &out);
	appendStringInfoString(&out, ",\"relations\":[");
	foreach(lc, c.relids)
	{
		if (!first)
			appendStringInfoChar(&out, ',');
		first = false;
		append_relation(&out, lfirst_oid(lc), &c);
	}
	appendStringInfoString(&out, "],\"catalog\":");
	append_catalog(&out, &c);
	appendStringInfoChar(&out, '}');
	return out.data;
}
