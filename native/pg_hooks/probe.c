/*
 * probe.c: index probes for the worker's index-probe joins (docs/ipc.md, PROBE).
 *
 * The worker sends a sorted set of integer join keys and names a btree index of a relation of the
 * query. The backend looks every key up with the index AM under the query's snapshot (the
 * relation is locked by the executor; the index is locked here with AccessShareLock, as
 * ExecInitIndexScan does), and packs the visible heap tuples it finds into "virtual" heap pages
 * (PageInit + PageAddItem of tuple copies, every line pointer visible), which travel exactly as
 * the pages of a sequential scan: PAGE messages naming pool entries, then SCAN_END. External
 * TOAST values of the requested attributes are detoasted and sent beside the page, as for
 * ordinary pages.
 *
 * Also: the "indexes" member of a relation in the Query JSON (docs/query-json.md).
 */
#include "pg_fusion.h"

#include "access/detoast.h"
#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/relscan.h"
#include "access/skey.h"
#include "access/stratnum.h"
#include "access/tableam.h"
#include "access/transam.h"
#include "catalog/pg_am.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_index.h"
#include "catalog/pg_opfamily.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "storage/bufpage.h"
#include "utils/fmgroids.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#define PGF_MAX_PROBES 64
#define PGF_PROBE_INTERRUPT_KEYS 256
#define PGF_MAX_PROBE_CONDS 32
#define PGF_PROBE_KEYS_PER_FILL 128	/* keys one fill_page call starts before it yields to the other scans */
#define PGF_PROBE_LOCAL_PAGES 16	/* filled pages a probe holds while the pool or its credit has no room */
#define PGF_PROBE_RUN_PAGES 8		/* ready pages that go out as one PAGE_RUN while the probe goes on filling */

/* A virtual page being filled or waiting for a pool entry. */
typedef struct PgfProbePage
{
	char	   *page;			/* BLCKSZ bytes, MAXALIGNed */
	StringInfoData toast;		/* toast entries of page */
	uint32		ntuples;
	uint32		ntoast;
} PgfProbePage;
#define PGF_PROBE_COND_BYTES 24

/* PROBE flags (docs/ipc.md 6.3) */
#define PGF_PROBE_FIRST_MATCH 0x1	/* per key, stop at the first tuple that passes every condition */
#define PGF_PROBE_MORE_KEYS 0x2		/* PROBE_KEYS messages follow; the last one has last = 1 */
#define PGF_PROBE_FILTER 0x4		/* return only the tuples that pass every condition (not with FIRST_MATCH) */

/* One condition of a first-match probe: func(attr left, attr right | constant), both not NULL. */
typedef struct PgfProbeCond
{
	FmgrInfo	flinfo;
	Oid			collation;		/* C_COLLATION_OID for the text equalities, else InvalidOid */
	int8		text_eq;		/* text equalities: 1 =, -1 <>, with the constant compared in place; 0 otherwise */
	bool		trim;			/* text_eq over bpchar: trailing spaces do not count */
	AttrNumber	left;
	AttrNumber	right;			/* 0: the constant */
	Datum		constant;
} PgfProbeCond;

typedef struct PgfProbe
{
	uint32		scan_id;
	Relation	heap;
	Relation	index;
	IndexScanDesc iscan;		/* the index AM's scan, when the leaf walk does not apply */
	PgfLeafWalk *walk;			/* the walk along the leaves (probe_leaf.c), or NULL */
	TupleTableSlot *tslot;
	Oid			keytype;		/* INT2OID, INT4OID or INT8OID: the index's leading column */
	int64	   *keys;
	uint32		nkeys;
	uint32		next_key;
	bool		in_key;			/* the index scan is positioned inside keys[next_key - 1] */
	bool		pending;		/* tslot holds a tuple that did not fit the last page */
	bool		keys_done;
	bool		filling;		/* local[(head + nready) % N] is being filled across fill_page calls */
	bool		waiting_keys;	/* every key received is probed; PROBE_KEYS still to come */
	bool		closed;			/* SCAN_CLOSE received or SCAN_END sent */
	bool		first_match;	/* stop each key at its first tuple that passes conds */
	bool		filter;			/* return only the tuples that pass conds */
	bool		more_keys;		/* PROBE_KEYS with further keys still to come */
	int			nconds;
	PgfProbeCond *conds;
	uint32		keys_cap;
	uint32		credit;
	uint32		pages_sent;
	int			natts;
	int16	   *attnums;
	int			cut;			/* tuples travel cut after this attribute (the last one decoded), 0: whole */
	HeapTuple	exists_tuple;	/* index-only first match: the tuple standing for a key found visible, or NULL */
	int64		exists_key;		/* the key the pending exists_tuple stands for */
	bool		pending_exists;	/* the pending tuple is exists_tuple for exists_key, not tslot's */
	MemoryContext cxt;
	PgfProbePage local[PGF_PROBE_LOCAL_PAGES];	/* a ring: nready filled pages from head, then the one filling */
	int			head;
	int			nready;
	PgfProbePage *fill;			/* the page being filled */
	StringInfoData run;			/* the PAGE_RUN payload being built (after its 8-byte head) */
} PgfProbe;

typedef struct PgfProbeSet
{
	int			nprobes;
	PgfProbe	probes[PGF_MAX_PROBES];
} PgfProbeSet;

static int	probe_cut(PgfProbe *probe);
static bool exists_only(PgfProbe *probe, AttrNumber keyatt);
static HeapTuple exists_template(PgfProbe *probe, AttrNumber keyatt, MemoryContext cxt);

/* ---------------------------------------------------------------- Query JSON: usable indexes */

/*
 * btree indexes without a predicate whose key columns are plain attributes, valid and usable by
 * this transaction (get_relation_info's checks):
 * {"oid","name","am","unique","primary","immediate","keys":[attnum...]}. "primary" and "immediate"
 * (uniqueness checked at once, not deferred) let the worker treat the keys as a functional key.
 */
void
pgf_append_indexes(StringInfo out, Relation rel)
{
	List	   *oids = RelationGetIndexList(rel);
	ListCell   *lc;
	bool		first = true;

	appendStringInfoChar(out, '[');
	foreach(lc, oids)
	{
		Relation	index = index_open(lfirst_oid(lc), AccessShareLock);
		Form_pg_index form = index->rd_index;
		bool		usable = form->indisvalid && form->indisready && form->indislive
			&& index->rd_rel->relam == BTREE_AM_OID
			&& heap_attisnull(index->rd_indextuple, Anum_pg_index_indpred, NULL)
			&& form->indnkeyatts >= 1;

		if (usable && form->indcheckxmin
			&& !TransactionIdPrecedes(HeapTupleHeaderGetXmin(index->rd_indextuple->t_data), TransactionXmin))
			usable = false;
		for (int k = 0; usable && k < form->indnkeyatts; k++)
			if (form->indkey.values[k] == 0)
				usable = false;	/* an expression column */
		if (usable)
		{
			if (!first)
				appendStringInfoChar(out, ',');
			first = false;
			appendStringInfo(out, "{\"oid\":%u,\"name\":", RelationGetRelid(index));
			escape_json(out, RelationGetRelationName(index));
			appendStringInfo(out, ",\"am\":\"btree\",\"unique\":%s,\"primary\":%s,\"immediate\":%s,\"keys\":[",
							 form->indisunique ? "true" : "false", form->indisprimary ? "true" : "false",
							 form->indimmediate ? "true" : "false");
			for (int k = 0; k < form->indnkeyatts; k++)
				appendStringInfo(out, "%s%d", k > 0 ? "," : "", form->indkey.values[k]);
			appendStringInfoString(out, "]}");
		}
		index_close(index, NoLock);
	}
	appendStringInfoChar(out, ']');
	list_free(oids);
}

/* ---------------------------------------------------------------- PROBE */

static uint32
probe_u32(StringInfo msg, int offset)
{
	uint32		v;

	if (offset + 4 > msg->len)
		ereport(ERROR, (errcode(ERRCODE_PROTOCOL_VIOLATION),
						errmsg("pg_fusion worker sent a truncated PROBE message")));
	memcpy(&v, msg->data + offset, 4);
	return v;
}

static void
close_index_scan(PgfProbe *probe)
{
	if (probe->walk != NULL)
	{
		pgf_leaf_walk_end(probe->walk);
		probe->walk = NULL;
	}
	if (probe->iscan != NULL)
	{
		index_endscan(probe->iscan);
		probe->iscan = NULL;
	}
	if (probe->tslot != NULL)
	{
		ExecDropSingleTupleTableSlot(probe->tslot);
		probe->tslot = NULL;
	}
	if (probe->index != NULL)
	{
		index_close(probe->index, NoLock);
		probe->index = NULL;
	}
}

/*
 * A constant's Datum from its 64-bit wire form (bpchar and text: its first len bytes, at most 8,
 * byte i in bits 8i..8i+7, made a varlena in cxt); false for a type a condition may not use.
 */
static bool
cond_constant(Oid typid, int64 v, uint32 len, MemoryContext cxt, Datum *d)
{
	switch (typid)
	{
		case BPCHAROID:
		case TEXTOID:
			{
				char		bytes[8];
				text	   *t;

				if (len > 8)
					return false;
				for (uint32 i = 0; i < len; i++)
					bytes[i] = (char) (((uint64) v >> (8 * i)) & 0xFF);
				t = MemoryContextAlloc(cxt, VARHDRSZ + len);
				SET_VARSIZE(t, VARHDRSZ + len);
				memcpy(VARDATA(t), bytes, len);
				*d = PointerGetDatum(t);
				return true;
			}
		case BOOLOID:
			*d = BoolGetDatum(v != 0);
			return true;
		case INT2OID:
			*d = Int16GetDatum((int16) v);
			return v >= PG_INT16_MIN && v <= PG_INT16_MAX;
		case INT4OID:
		case DATEOID:
			*d = Int32GetDatum((int32) v);
			return v >= PG_INT32_MIN && v <= PG_INT32_MAX;
		case INT8OID:
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			*d = Int64GetDatum(v);
			return true;
		case FLOAT8OID:
			{
				double		f;

				memcpy(&f, &v, 8);
				*d = Float8GetDatum(f);
				return true;
			}
		default:
			return false;
	}
}

/*
 * The equalities of a collatable type a condition may use: bpchareq, bpcharne, texteq, textne,
 * evaluated under the C collation, that is byte for byte (bpchar ignoring trailing spaces), as
 * the worker evaluates them (docs/ipc.md 6.3).
 */
static bool
cond_text_equality(Oid funcoid)
{
	return funcoid == F_BPCHAREQ || funcoid == F_BPCHARNE || funcoid == F_TEXTEQ || funcoid == F_TEXTNE;
}

/*
 * Whether func(left_type, right_type) may decide a first match here: a strict, leakproof (so it
 * raises no error for any input) two-argument function returning bool whose declared argument
 * types are exactly the operands' types, none of them collatable, or one of the text
 * equalities of cond_text_equality.
 */
static bool
cond_function_usable(Oid funcoid, Oid left_type, Oid right_type)
{
	Oid		   *argtypes;
	int			nargs;
	Oid			rettype;

	if (!OidIsValid(funcoid) || !OidIsValid(left_type) || !OidIsValid(right_type))
		return false;
	if ((type_is_collatable(left_type) || type_is_collatable(right_type))
		&& (!cond_text_equality(funcoid) || (pgf_serve_tuning & PGF_SERVE_PROBE_TEXT_EQ) == 0))
		return false;
	if (!SearchSysCacheExists1(PROCOID, ObjectIdGetDatum(funcoid)))
		return false;
	rettype = get_func_signature(funcoid, &argtypes, &nargs);
	if (rettype != BOOLOID || nargs != 2 || argtypes[0] != left_type || argtypes[1] != right_type)
		return false;
	return func_strict(funcoid) && get_func_leakproof(funcoid) && func_volatile(funcoid) == PROVOLATILE_IMMUTABLE;
}

/*
 * The conditions of a first-match probe; false (and the probe returns every match, which the worker
 * filters as always) when one of them cannot be evaluated here exactly as the worker would.
 */
static bool
parse_conds(PgfProbe *probe, StringInfo msg, int offset, uint32 nconds, MemoryContext cxt)
{
	TupleDesc	td = RelationGetDescr(probe->heap);

	if (nconds > PGF_MAX_PROBE_CONDS)
		return false;
	probe->conds = MemoryContextAllocZero(cxt, sizeof(PgfProbeCond) * Max(nconds, 1));
	for (uint32 c = 0; c < nconds; c++)
	{
		const char *p = msg->data + offset + c * PGF_PROBE_COND_BYTES;
		PgfProbeCond *cond = &probe->conds[c];
		uint32		funcoid;
		int16		left;
		int16		right;
		uint32		consttype;
		uint32		constlen;
		int64		value;
		Oid			right_type;

		memcpy(&funcoid, p, 4);
		memcpy(&left, p + 4, 2);
		memcpy(&right, p + 6, 2);
		memcpy(&consttype, p + 8, 4);
		memcpy(&constlen, p + 12, 4);
		memcpy(&value, p + 16, 8);
		if (left < 1 || left > td->natts || TupleDescAttr(td, left - 1)->attisdropped
			|| right < 0 || right > td->natts || (right > 0 && TupleDescAttr(td, right - 1)->attisdropped))
			return false;
		if (right == 0)
		{
			if (!cond_constant(consttype, value, constlen, cxt, &cond->constant))
				return false;
			right_type = consttype;
		}
		else
			right_type = TupleDescAttr(td, right - 1)->atttypid;
		if (!cond_function_usable(funcoid, TupleDescAttr(td, left - 1)->atttypid, right_type))
			return false;
		fmgr_info_cxt(funcoid, &cond->flinfo, cxt);
		cond->collation = cond_text_equality(funcoid) ? C_COLLATION_OID : InvalidOid;
		cond->text_eq = right == 0 && cond_text_equality(funcoid) ? (funcoid == F_BPCHAREQ || funcoid == F_TEXTEQ ? 1 : -1) : 0;
		cond->trim = funcoid == F_BPCHAREQ || funcoid == F_BPCHARNE;
		cond->left = left;
		cond->right = right;
	}
	probe->nconds = (int) nconds;
	return true;
}

/* Whether the slot's tuple passes every condition (a NULL operand or result fails, as in WHERE). */
static bool
conds_pass(PgfProbe *probe)
{
	for (int c = 0; c < probe->nconds; c++)
	{
		PgfProbeCond *cond = &probe->conds[c];
		LOCAL_FCINFO(fcinfo, 2);
		bool		isnull;
		Datum		a = slot_getattr(probe->tslot, cond->left, &isnull);
		Datum		b;
		Datum		result;

		if (isnull)
			return false;
		if (cond->text_eq != 0 && !VARATT_IS_EXTERNAL(DatumGetPointer(a)) && !VARATT_IS_COMPRESSED(DatumGetPointer(a)))
		{
			/*
			 * bpchareq / texteq (and <>) under the C collation, in place: bytes equal, bpchar's
			 * trailing spaces ignored on both sides (the constant has none: bcTruelen's rule).
			 */
			const char *data = VARDATA_ANY(DatumGetPointer(a));
			int			len = VARSIZE_ANY_EXHDR(DatumGetPointer(a));
			const struct varlena *k = (const struct varlena *) DatumGetPointer(cond->constant);
			int			klen = VARSIZE_ANY_EXHDR(k);
			bool		equal;

			if (cond->trim)
			{
				while (len > 0 && data[len - 1] == ' ')
					len--;
				while (klen > 0 && VARDATA_ANY(k)[klen - 1] == ' ')
					klen--;
			}
			equal = len == klen;
			/* at most 8 bytes: a loop, not memcmp (glibc's masked vector load stalled here) */
			for (int i = 0; equal && i < len; i++)
				equal = data[i] == VARDATA_ANY(k)[i];
			if (equal != (cond->text_eq > 0))
				return false;
			continue;
		}
		if (cond->right > 0)
		{
			b = slot_getattr(probe->tslot, cond->right, &isnull);
			if (isnull)
				return false;
		}
		else
			b = cond->constant;
		InitFunctionCallInfoData(*fcinfo, &cond->flinfo, 2, cond->collation, NULL, NULL);
		fcinfo->args[0].value = a;
		fcinfo->args[0].isnull = false;
		fcinfo->args[1].value = b;
		fcinfo->args[1].isnull = false;
		result = FunctionCallInvoke(fcinfo);
		if (fcinfo->isnull || !DatumGetBool(result))
			return false;
	}
	return true;
}

/* Appends n keys (8 bytes each, at data) to the probe's keys, dropping those already probed. */
static void
append_keys(PgfProbe *probe, const char *data, uint32 n, MemoryContext cxt)
{
	uint32		remaining = probe->nkeys - probe->next_key;

	if (probe->next_key > 0 && remaining > 0)
		memmove(probe->keys, probe->keys + probe->next_key, (Size) remaining * 8);
	probe->nkeys = remaining;
	probe->next_key = 0;
	if ((uint64) remaining + n > probe->keys_cap)
	{
		uint32		cap = Max(probe->keys_cap * 2, remaining + n);

		if (probe->keys == NULL)
			probe->keys = MemoryContextAllocHuge(cxt, sizeof(int64) * Max(cap, 1));
		else
			probe->keys = repalloc_huge(probe->keys, sizeof(int64) * Max(cap, 1));
		probe->keys_cap = cap;
	}
	if (n > 0)
		memcpy(probe->keys + probe->nkeys, data, (Size) n * 8);
	probe->nkeys += n;
}

/*
 * PROBE: u32 scan_id, u32 relid, u32 index_oid, u32 credit, u32 natts, u32 nkeys, u32 flags,
 * u32 nconds, natts x u32 attnum, nconds x condition (24 bytes), nkeys x i64 key (distinct).
 * A condition: u32 funcoid, i16 left attnum, i16 right attnum (0: the constant), u32 const typid,
 * u32 reserved, i64 constant.
 */
void
pgf_probe_open(struct PgfProbeSet **setp, EState *estate, StringInfo msg)
{
	PgfProbeSet *set = *setp;
	uint32		scan_id = probe_u32(msg, 0);
	Oid			relid = probe_u32(msg, 4);
	Oid			indexoid = probe_u32(msg, 8);
	uint32		credit = probe_u32(msg, 12);
	uint32		natts = probe_u32(msg, 16);
	uint32		nkeys = probe_u32(msg, 20);
	uint32		flags = probe_u32(msg, 24);
	uint32		nconds = probe_u32(msg, 28);
	uint64		conds_at = (uint64) 32 + (uint64) natts * 4;
	uint64		keys_at = conds_at + (uint64) nconds * PGF_PROBE_COND_BYTES;
	PgfProbe   *probe;
	Index		rti;
	Form_pg_index form;
	AttrNumber	keyatt;

	if (keys_at + (uint64) nkeys * 8 != (uint64) msg->len)
		ereport(ERROR, (errcode(ERRCODE_PROTOCOL_VIOLATION),
						errmsg("pg_fusion worker sent a PROBE of %d bytes for %u attributes, %u conditions and %u keys", msg->len, natts, nconds, nkeys)));
	rti = pgf_range_table_index(estate, relid);
	if (rti == 0)
		ereport(ERROR, (errcode(ERRCODE_PROTOCOL_VIOLATION),
						errmsg("pg_fusion worker asked to probe relation %u, which the query does not use", relid)));
	if (set == NULL)
		set = *setp = MemoryContextAllocZero(estate->es_query_cxt, sizeof(PgfProbeSet));
	if (set->nprobes >= PGF_MAX_PROBES)
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						errmsg("pg_fusion query opens more than %d index probes", PGF_MAX_PROBES)));
	probe = &set->probes[set->nprobes++];
	memset(probe, 0, sizeof(*probe));
	probe->scan_id = scan_id;
	probe->credit = credit;
	probe->heap = ExecGetRangeTableRelation(estate, rti);
	probe->index = index_open(indexoid, AccessShareLock);
	form = probe->index->rd_index;
	keyatt = form->indnkeyatts >= 1 ? form->indkey.values[0] : 0;
	if (form->indrelid != relid || probe->index->rd_rel->relam != BTREE_AM_OID || keyatt <= 0
		|| probe->index->rd_opfamily[0] != INTEGER_BTREE_FAM_OID || !form->indisvalid)
		ereport(ERROR, (errcode(ERRCODE_PROTOCOL_VIOLATION),
						errmsg("pg_fusion worker asked to probe index %u, which is not a valid integer btree index of relation %u", indexoid, relid)));
	probe->keytype = TupleDescAttr(RelationGetDescr(probe->heap), keyatt - 1)->atttypid;
	if (probe->keytype != INT2OID && probe->keytype != INT4OID && probe->keytype != INT8OID)
		ereport(ERROR, (errcode(ERRCODE_PROTOCOL_VIOLATION),
						errmsg("pg_fusion worker asked to probe index %u, whose leading column is not int2, int4 or int8", indexoid)));
	probe->natts = (int) natts;
	probe->attnums = MemoryContextAllocZero(estate->es_query_cxt, sizeof(int16) * Max(natts, 1));
	for (uint32 a = 0; a < natts; a++)
		probe->attnums[a] = (int16) probe_u32(msg, 32 + 4 * a);
	probe->cut = probe_cut(probe);
	probe->more_keys = (flags & PGF_PROBE_MORE_KEYS) != 0;
	/* a first-match probe whose conditions cannot all be evaluated here returns every match */
	probe->first_match = (flags & PGF_PROBE_FIRST_MATCH) != 0
		&& parse_conds(probe, msg, (int) conds_at, nconds, estate->es_query_cxt);
	/* likewise a filtering probe: without its conditions every match goes back, as without the flag */
	probe->filter = !probe->first_match && (flags & PGF_PROBE_FILTER) != 0
		&& parse_conds(probe, msg, (int) conds_at, nconds, estate->es_query_cxt);
	if (!probe->first_match && !probe->filter)
		probe->nconds = 0;
	append_keys(probe, msg->data + keys_at, nkeys, estate->es_query_cxt);
	probe->cxt = estate->es_query_cxt;
	{
		MemoryContext old = MemoryContextSwitchTo(probe->cxt);

		initStringInfo(&probe->run);
		MemoryContextSwitchTo(old);
	}
	probe->tslot = table_slot_create(probe->heap, NULL);
	probe->walk = pgf_leaf_walk_begin(probe->heap, probe->index, estate->es_snapshot, estate->es_query_cxt);
	if (probe->walk == NULL)
		probe->iscan = index_beginscan(probe->heap, probe->index, estate->es_snapshot, 1, 0);
	else if (exists_only(probe, keyatt))
	{
		pgf_leaf_walk_index_only(probe->walk, estate->es_query_cxt);
		probe->exists_tuple = exists_template(probe, keyatt, estate->es_query_cxt);
	}
}

/*
 * Whether the probe asks only whether each key has a visible row (pg_fusion.serve_tuning bit 512):
 * a first match without conditions whose worker decodes no attribute but the indexed key. Such a
 * key's answer may then come from the index like an index-only scan's (the leaf walk checks the
 * visibility map), and the row that travels is a tuple holding the key alone (exists_template).
 */
static bool
exists_only(PgfProbe *probe, AttrNumber keyatt)
{
	if ((pgf_serve_tuning & PGF_SERVE_INDEX_ONLY) == 0 || !probe->first_match || probe->nconds != 0)
		return false;
	for (int a = 0; a < probe->natts; a++)
		if (probe->attnums[a] != keyatt)
			return false;
	return true;
}

/*
 * A heap tuple of the relation with every attribute NULL but keyatt, whose value exists_add writes
 * per key. It is valid heap format (the worker decodes only keyatt, and a NULL of a NOT NULL
 * column is never read); keyatt's data starts at t_hoff, as every attribute before it is NULL.
 */
static HeapTuple
exists_template(PgfProbe *probe, AttrNumber keyatt, MemoryContext cxt)
{
	TupleDesc	td = RelationGetDescr(probe->heap);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	Datum	   *values = palloc0(sizeof(Datum) * td->natts);
	bool	   *isnull = palloc(sizeof(bool) * td->natts);
	HeapTuple	tuple;

	for (int i = 0; i < td->natts; i++)
		isnull[i] = i != keyatt - 1;
	values[keyatt - 1] = probe->keytype == INT2OID ? Int16GetDatum(0)
		: probe->keytype == INT4OID ? Int32GetDatum(0) : Int64GetDatum(0);
	tuple = heap_form_tuple(td, values, isnull);
	MemoryContextSwitchTo(old);
	return tuple;
}

/*
 * The last attribute the worker decodes when every requested attribute is a user attribute and
 * pg_fusion.serve_tuning has PGF_SERVE_PROBE_TRUNCATE; 0 (tuples travel whole) otherwise. The
 * bytes past it are about half of a TPC-H lineitem row for Q4, Q10 and Q20 (the dates, ship
 * instructions, mode and comment): copied from cold heap pages, packed and decoded for nothing.
 */
static int
probe_cut(PgfProbe *probe)
{
	int			cut = 0;

	if ((pgf_serve_tuning & PGF_SERVE_PROBE_TRUNCATE) == 0)
		return 0;
	for (int a = 0; a < probe->natts; a++)
	{
		if (probe->attnums[a] < 1 || probe->attnums[a] > RelationGetDescr(probe->heap)->natts)
			return 0;
		cut = Max(cut, probe->attnums[a]);
	}
	return cut;
}

/* Positions the index scan on the next key in range of the column's type; false when none is left. */
static bool
next_key(PgfProbe *probe)
{
	while (probe->next_key < probe->nkeys)
	{
		int64		v = probe->keys[probe->next_key++];
		ScanKeyData skey;

		if (probe->next_key % PGF_PROBE_INTERRUPT_KEYS == 0)
			CHECK_FOR_INTERRUPTS();
		if (probe->walk != NULL)
		{
			if ((probe->keytype == INT2OID && (v < PG_INT16_MIN || v > PG_INT16_MAX))
				|| (probe->keytype == INT4OID && (v < PG_INT32_MIN || v > PG_INT32_MAX)))
				continue;
			pgf_leaf_walk_key(probe->walk, v, probe->keys + probe->next_key, probe->nkeys - probe->next_key);
			probe->in_key = true;
			return true;
		}
		if (probe->keytype == INT2OID)
		{
			if (v < PG_INT16_MIN || v > PG_INT16_MAX)
				continue;
			ScanKeyInit(&skey, 1, BTEqualStrategyNumber, F_INT2EQ, Int16GetDatum((int16) v));
		}
		else if (probe->keytype == INT4OID)
		{
			if (v < PG_INT32_MIN || v > PG_INT32_MAX)
				continue;
			ScanKeyInit(&skey, 1, BTEqualStrategyNumber, F_INT4EQ, Int32GetDatum((int32) v));
		}
		else
			ScanKeyInit(&skey, 1, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(v));
		index_rescan(probe->iscan, &skey, 1, NULL, 0);
		probe->in_key = true;
		return true;
	}
	return false;
}

/* External TOAST values of a tuple just stored at offnum, detoasted into the page's toast entries. */
static void
add_toast(PgfProbe *probe, HeapTuple tuple, OffsetNumber offnum)
{
	TupleDesc	td = RelationGetDescr(probe->heap);

	if (!HeapTupleHasExternal(tuple) || probe->natts == 0)
		return;
	for (int a = 0; a < probe->natts; a++)
	{
		int			attnum = probe->attnums[a];
		bool		isnull;
		Datum		d;

		if (attnum < 1 || attnum > td->natts || TupleDescAttr(td, attnum - 1)->attlen != -1)
			continue;
		d = heap_getattr(tuple, attnum, td, &isnull);
		if (!isnull && VARATT_IS_EXTERNAL_ONDISK(DatumGetPointer(d)))
		{
			struct varlena *value = detoast_attr((struct varlena *) DatumGetPointer(d));
			uint16		off16 = offnum;
			uint16		att16 = (uint16) attnum;
			uint32		len = VARSIZE_ANY_EXHDR(value);

			appendBinaryStringInfo(&probe->fill->toast, (char *) &off16, 2);
			appendBinaryStringInfo(&probe->fill->toast, (char *) &att16, 2);
			appendBinaryStringInfo(&probe->fill->toast, (char *) &len, 4);
			appendBinaryStringInfo(&probe->fill->toast, VARDATA_ANY(value), len);
			probe->fill->ntoast++;
		}
	}
}

/*
 * The bytes of the slot's tuple the worker reads: all of it, or, when it has attributes past
 * probe->cut, its header and the data of attributes 1..cut. The offset where attribute cut's data
 * ends is the one the slot's deform keeps (HeapTupleTableSlot.off), so it costs the deform of
 * attributes the probe's conditions have not deformed already (Q4's and Q20's conditions read
 * the last decoded attribute: nothing more).
 */
static uint32
kept_length(PgfProbe *probe, HeapTuple tuple)
{
	TupleTableSlot *slot = probe->tslot;

	if (probe->cut == 0 || HeapTupleHeaderGetNatts(tuple->t_data) <= probe->cut
		|| slot->tts_ops != &TTSOpsBufferHeapTuple || slot->tts_nvalid > probe->cut)
		return tuple->t_len;
	slot_getsomeattrs(slot, probe->cut);
	if (slot->tts_nvalid != probe->cut)
		return tuple->t_len;
	return Min(tuple->t_len, (uint32) tuple->t_data->t_hoff + ((HeapTupleTableSlot *) slot)->off);
}

/*
 * Adds the slot's tuple to the page; false when it does not fit. A tuple cut after attribute
 * probe->cut says so in its attribute count (a tuple with fewer attributes than its relation is
 * valid: ALTER TABLE ADD COLUMN leaves such tuples), and the worker decodes no attribute past
 * the cut. The null bitmap and t_hoff stay as they were (t_hoff still covers the bitmap).
 */
static bool
add_slot_tuple(PgfProbe *probe)
{
	bool		should_free;
	HeapTuple	tuple = ExecFetchSlotHeapTuple(probe->tslot, false, &should_free);
	uint32		len = kept_length(probe, tuple);
	OffsetNumber off;

	off = PageAddItem((Page) probe->fill->page, (Item) tuple->t_data, len, InvalidOffsetNumber, false, true);
	if (off == InvalidOffsetNumber)
	{
		if (should_free)
			heap_freetuple(tuple);
		return false;
	}
	if (len < tuple->t_len)
		HeapTupleHeaderSetNatts((HeapTupleHeader) PageGetItem((Page) probe->fill->page, PageGetItemId((Page) probe->fill->page, off)), probe->cut);
	probe->fill->ntuples++;
	add_toast(probe, tuple, off);
	if (should_free)
		heap_freetuple(tuple);
	return true;
}

/* Adds the tuple standing for key (found visible through the index alone) to the page; false when it does not fit. */
static bool
exists_add(PgfProbe *probe, int64 key)
{
	HeapTupleHeader td = probe->exists_tuple->t_data;
	char	   *data = (char *) td + td->t_hoff;

	if (probe->keytype == INT2OID)
	{
		int16		v = (int16) key;

		memcpy(data, &v, sizeof(v));
	}
	else if (probe->keytype == INT4OID)
	{
		int32		v = (int32) key;

		memcpy(data, &v, sizeof(v));
	}
	else
		memcpy(data, &key, sizeof(key));
	if (PageAddItem((Page) probe->fill->page, (Item) td, probe->exists_tuple->t_len, InvalidOffsetNumber, false, true) == InvalidOffsetNumber)
		return false;
	probe->fill->ntuples++;
	return true;
}

/* pg_fusion.debug_fault = probe_sleep: stall up to 60 s inside the probe, cancellably (tests). */
static void
probe_sleep(void)
{
	for (int i = 0; i < 6000; i++)
	{
		CHECK_FOR_INTERRUPTS();
		pg_usleep(10000L);
	}
}

/*
 * Fills a local page with the next matches: it joins the ready pages when full, or when the last
 * key is probed (if it holds any tuple). A call starts at most PGF_PROBE_KEYS_PER_FILL keys and
 * then returns with the page still filling (likewise when it runs out of keys while PROBE_KEYS are
 * still to come), so that the backend goes back to the sequential scans' pages and the worker's
 * messages between calls. The caller makes sure a local page is free.
 */
static void
fill_page(PgfProbe *probe)
{
	int			started = 0;

	if (pgf_debug_fault == PGF_FAULT_PROBE_SLEEP && probe->pages_sent == 0 && !probe->filling)
		probe_sleep();
	if (!probe->filling)
	{
		PgfProbePage *fill = &probe->local[(probe->head + probe->nready) % PGF_PROBE_LOCAL_PAGES];

		Assert(probe->nready < PGF_PROBE_LOCAL_PAGES);
		if (fill->page == NULL)
		{
			MemoryContext old = MemoryContextSwitchTo(probe->cxt);

			fill->page = palloc0(BLCKSZ);
			initStringInfo(&fill->toast);
			MemoryContextSwitchTo(old);
		}
		probe->fill = fill;
		PageInit((Page) fill->page, BLCKSZ, 0);
		resetStringInfo(&fill->toast);
		fill->ntuples = 0;
		fill->ntoast = 0;
		probe->filling = true;
		if (probe->pending)
		{
			if (!(probe->pending_exists ? exists_add(probe, probe->exists_key) : add_slot_tuple(probe)))
				ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
								errmsg("pg_fusion index probe: a heap tuple does not fit an empty page")));
			probe->pending = false;
		}
	}
	probe->waiting_keys = false;
	for (;;)
	{
		if (!probe->in_key)
		{
			if (started >= PGF_PROBE_KEYS_PER_FILL)
				return;			/* yield; the page stays filling */
			if (!next_key(probe))
			{
				if (probe->more_keys)
				{
					probe->waiting_keys = true;
					return;		/* the page stays filling until PROBE_KEYS come */
				}
				probe->keys_done = true;
				break;
			}
			started++;
		}
		if (probe->exists_tuple != NULL)
		{
			bool		visible;

			if (!pgf_leaf_walk_next_or_visible(probe->walk, probe->tslot, &visible))
			{
				probe->in_key = false;
				continue;
			}
			probe->pending_exists = visible;
			if (visible)
			{
				/* the key has a visible row: the tuple standing for it, and the next key */
				probe->in_key = false;
				probe->exists_key = probe->keys[probe->next_key - 1];
				if (probe->fill->ntuples >= Min(MaxHeapTuplesPerPage, PGF_VISIBILITY_BYTES * 8) || !exists_add(probe, probe->exists_key))
				{
					probe->pending = true;
					break;
				}
				continue;
			}
		}
		else if (!(probe->walk != NULL ? pgf_leaf_walk_next(probe->walk, probe->tslot)
				   : index_getnext_slot(probe->iscan, ForwardScanDirection, probe->tslot)))
		{
			probe->in_key = false;
			continue;
		}
		if (probe->first_match || probe->filter)
		{
			if (!conds_pass(probe))
				continue;
			if (probe->first_match)
				probe->in_key = false;	/* this key is decided: the next tuple belongs to the next key */
		}
		if (probe->fill->ntuples >= Min(MaxHeapTuplesPerPage, PGF_VISIBILITY_BYTES * 8) || !add_slot_tuple(probe))
		{
			probe->pending = true;
			break;
		}
	}
	probe->filling = false;
	if (probe->fill->ntuples > 0)
		probe->nready++;
}

/*
 * Publishes the ready local pages, oldest first, in pool entries as one PAGE_RUN message (as a
 * sequential scan's runs: the worker takes several pages per wake-up and decodes them as one
 * batch); as many as the probe's credit and the session's pool quota allow. Returns how many.
 */
static int
publish_run(PgfProbe *probe, PgfSession *session)
{
	uint32		head[2] = {probe->scan_id, 0};
	int			n = 0;

	resetStringInfo(&probe->run);
	while (probe->nready > 0 && probe->credit > 0)
	{
		PgfProbePage *ready = &probe->local[probe->head];
		int			page_index;
		PgfPageMeta *meta;
		uint32		entry[4];

		/* a run's TOAST values can be large: send what there is once it passes 1 MB */
		if (n > 0 && probe->run.len > 1024 * 1024)
			break;
		page_index = pgf_page_alloc(session);
		if (page_index < 0)
			break;
		meta = pgf_page_meta(page_index);
		memset(meta, 0, PGF_PAGE_META_SIZE);
		memcpy((char *) meta + PGF_PAGE_META_SIZE, ready->page, BLCKSZ);
		meta->block = probe->pages_sent;
		meta->scan_id = probe->scan_id;
		meta->line_pointers = ready->ntuples;
		meta->visible = ready->ntuples;
		for (uint32 i = 0; i < ready->ntuples; i++)
			meta->visibility[i >> 3] |= (uint8) (1 << (i & 7));
		__atomic_store_n(&pgf_page_state(page_index)->state, PGF_PAGE_READY, __ATOMIC_SEQ_CST);
		entry[0] = (uint32) page_index;
		entry[1] = probe->pages_sent;
		entry[2] = ready->ntoast;
		entry[3] = (uint32) ready->toast.len;
		appendBinaryStringInfo(&probe->run, (char *) entry, sizeof(entry));
		appendBinaryStringInfo(&probe->run, ready->toast.data, ready->toast.len);
		probe->head = (probe->head + 1) % PGF_PROBE_LOCAL_PAGES;
		probe->nready--;
		probe->credit--;
		probe->pages_sent++;
		n++;
	}
	if (n > 0)
	{
		head[1] = (uint32) n;
		pgf_session_send(session, PGF_MSG_PAGE_RUN, head, sizeof(head), probe->run.data, probe->run.len);
	}
	return n;
}

/*
 * Serves up to max_items pages (and end markers) of the open probes; returns how many, counting
 * a fill step as one (it made progress). A probe goes on filling local pages while the pool or
 * its credit has no room, so the index work overlaps the worker's reading of other pages.
 */
int
pgf_probe_serve(struct PgfProbeSet *set, PgfSession *session, int max_items)
{
	int			served = 0;

	if (set == NULL)
		return 0;
	for (int i = 0; i < set->nprobes && served < max_items; i++)
	{
		PgfProbe   *probe = &set->probes[i];

		while (!probe->closed && served < max_items)
		{
			/* filled pages go out in runs: once PGF_PROBE_RUN_PAGES are ready, or no more can be filled now */
			bool		can_fill = !(probe->keys_done && !probe->filling) && probe->nready < PGF_PROBE_LOCAL_PAGES;

			if (probe->nready > 0 && probe->credit > 0 && (probe->nready >= PGF_PROBE_RUN_PAGES || !can_fill)
				&& publish_run(probe, session) > 0)
			{
				served++;
				continue;
			}
			if (probe->keys_done && !probe->filling)
			{
				if (probe->nready > 0 || probe->pending)
					break;		/* waiting for credit or pool room */
				{
					uint32		end[2] = {probe->scan_id, probe->pages_sent};

					pgf_session_send(session, PGF_MSG_SCAN_END, end, sizeof(end), NULL, 0);
				}
				probe->closed = true;
				close_index_scan(probe);
				served++;
				break;
			}
			if (probe->nready >= PGF_PROBE_LOCAL_PAGES)
				break;			/* every local page waits for credit or pool room */
			{
				int			ready_before = probe->nready;

				fill_page(probe);
				if (probe->nready > ready_before)
					continue;	/* a full page: publish the run once it is long enough */
			}
			if (probe->keys_done)
				continue;		/* the last pages, then the end marker */
			/* yielded, or waiting for keys: what is ready goes out now rather than next round */
			if (probe->nready > 0 && probe->credit > 0)
				publish_run(probe, session);
			if (!probe->waiting_keys)
				served++;		/* yielded with keys left: progress */
			break;
		}
	}
	return served;
}

static PgfProbe *
find_probe(struct PgfProbeSet *set, uint32 scan_id)
{
	if (set == NULL)
		return NULL;
	for (int i = 0; i < set->nprobes; i++)
		if (set->probes[i].scan_id == scan_id)
			return &set->probes[i];
	return NULL;
}

/* CREDIT for a probe; false when scan_id is not a probe. */
bool
pgf_probe_credit(struct PgfProbeSet *set, uint32 scan_id, uint32 pages)
{
	PgfProbe   *probe = find_probe(set, scan_id);

	if (probe == NULL)
		return false;
	probe->credit += pages;
	return true;
}

/*
 * PROBE_KEYS: u32 scan_id, u32 last, nkeys x i64 key (the rest of the payload): more keys of a
 * probe opened with PGF_PROBE_MORE_KEYS. Keys of a closed probe are ignored.
 */
void
pgf_probe_keys(struct PgfProbeSet *set, EState *estate, StringInfo msg)
{
	uint32		scan_id = probe_u32(msg, 0);
	uint32		last = probe_u32(msg, 4);
	PgfProbe   *probe = find_probe(set, scan_id);

	if (probe == NULL || (msg->len - 8) % 8 != 0)
		ereport(ERROR, (errcode(ERRCODE_PROTOCOL_VIOLATION),
						errmsg("pg_fusion worker sent PROBE_KEYS of %d bytes for scan %u, which is not an open index probe", msg->len, scan_id)));
	if (probe->closed)
		return;
	if (!probe->more_keys)
		ereport(ERROR, (errcode(ERRCODE_PROTOCOL_VIOLATION),
						errmsg("pg_fusion worker sent PROBE_KEYS for scan %u after its last keys", scan_id)));
	append_keys(probe, msg->data + 8, (uint32) ((msg->len - 8) / 8), estate->es_query_cxt);
	if (last != 0)
		probe->more_keys = false;
}

/* SCAN_CLOSE for a probe: stop sending; false when scan_id is not a probe. */
bool
pgf_probe_close(struct PgfProbeSet *set, uint32 scan_id)
{
	PgfProbe   *probe = find_probe(set, scan_id);

	if (probe == NULL)
		return false;
	probe->closed = true;
	close_index_scan(probe);
	return true;
}

/* End of execution (not on ERROR: resource owners release pins and relcache references then). */
void
pgf_probe_end(struct PgfProbeSet **setp)
{
	PgfProbeSet *set = *setp;

	if (set == NULL)
		return;
	for (int i = 0; i < set->nprobes; i++)
		close_index_scan(&set->probes[i]);
	set->nprobes = 0;
}
