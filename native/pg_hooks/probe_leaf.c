/*
 * probe_leaf.c: the index probe's walk along btree leaves for ascending keys (docs/ipc.md 6.3).
 *
 * A PROBE sends its keys ascending (within one message; the next PROBE_KEYS starts again from its
 * smallest key, and the walk then starts from the root). Looking each one up through the index AM (index_rescan +
 * index_getnext_slot) descends from the root for every key: at SF1 the 57,214 keys of TPC-H Q4
 * each paid three buffer lookups and locks and three binary searches through the opclass's
 * comparison function, although consecutive keys mostly sit on the same leaf page (lineitem's
 * order keys: about four keys a leaf in Q4's sample). The walk keeps the last leaf pinned and
 * looks the next key up there first; it descends (_bt_search) only when the key lies beyond
 * that leaf and its right sibling.
 *
 * Why the leaf it holds is a valid starting point (Lehman and Yao's btree, as nbtree keeps it):
 * the previous key was found on this leaf or its left neighbours, so its lower bound is at most
 * the previous key and below the next one; splits move items only to the right, and the page's
 * high key, read under the page's share lock, bounds what it holds now. A key below the high
 * key's first attribute has every item on this page; a key equal to it may continue on the right
 * sibling, which is followed, as _bt_readnextpage does, through the sibling link read under the
 * lock (a split after that moves items the walk has already read). A page deleted or half-dead
 * since (P_IGNORE) sends the walk back to the root; a deleted page is not recycled while this
 * transaction's snapshot is older than its deletion, so a pinned page is never a stranger's.
 *
 * The TIDs of one key are copied out under the leaf's lock, then fetched from the heap without
 * it (table_index_fetch_tuple: HOT chains and visibility under the query's snapshot), as an MVCC
 * index scan does when it drops its leaf lock and pin early. LP_DEAD items are skipped, as an
 * MVCC scan skips them (dead to every snapshot), except in a transaction started during recovery.
 * Unlike such a scan the walk keeps its last leaf pinned between keys (until the probe ends): a
 * VACUUM of that one page waits for the pin, as it does for an index-only scan's.
 *
 * Used only where it returns exactly the index AM's tuples in the same order: an MVCC snapshot,
 * not SERIALIZABLE (the AM takes predicate locks on the pages it reads), a single-column-leading
 * ASC NULLS LAST integer key of type int2, int4 or int8. Otherwise (or with
 * pg_fusion.probe_leaf_walk = off) the probe uses the index AM as before.
 */
#include "pg_fusion.h"

#include "access/nbtree.h"
#include "access/relscan.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/tuptable.h"
#include "pgstat.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

bool		pgf_probe_leaf_walk = true;

struct PgfLeafWalk
{
	Relation	heap;
	Relation	index;
	Snapshot	snapshot;
	Oid			keytype;		/* the index's first column: INT2OID, INT4OID or INT8OID */
	BTScanInsert insertkey;		/* for descents: one scan key on the first column */
	IndexFetchTableData *fetch;
	Buffer		leaf;			/* pinned (not locked) leaf of the last key, or InvalidBuffer */
	ItemPointerData *tids;		/* the current key's TIDs in index order */
	uint32		ntids;
	uint32		next_tid;
	uint32		tids_cap;
	OffsetNumber hint;			/* on leaf: the offset after the last key's items */
	int64		last_key;		/* the key leaf was found for */
	bool		skip_dead;		/* skip LP_DEAD items: not in a transaction started during recovery */
};

#define PGF_LEAF_SCAN_ITEMS 32	/* items scanned forward from the hint before a binary search */

/* The first attribute of an index tuple as int64; false when it is NULL. */
static inline bool
item_key(PgfLeafWalk *walk, IndexTuple itup, int64 *value)
{
	bool		isnull;
	Datum		d = index_getattr(itup, 1, RelationGetDescr(walk->index), &isnull);

	if (isnull)
		return false;
	switch (walk->keytype)
	{
		case INT2OID:
			*value = DatumGetInt16(d);
			break;
		case INT4OID:
			*value = DatumGetInt32(d);
			break;
		default:
			*value = DatumGetInt64(d);
			break;
	}
	return true;
}

/* -1, 0, 1: key against the item's first attribute (a NULL sorts after every value: NULLS LAST). */
static inline int
compare_item(PgfLeafWalk *walk, int64 key, IndexTuple itup)
{
	int64		v;

	if (!item_key(walk, itup, &v))
		return -1;
	return key < v ? -1 : key > v ? 1 : 0;
}

/* Whether key lies beyond the locked leaf: greater than its high key's first attribute. */
static bool
beyond_leaf(PgfLeafWalk *walk, Page page, BTPageOpaque opaque, int64 key)
{
	if (P_RIGHTMOST(opaque))
		return false;
	return compare_item(walk, key, (IndexTuple) PageGetItem(page, PageGetItemId(page, P_HIKEY))) > 0;
}

/* Whether items equal to key may continue on the right sibling of the locked leaf. */
static bool
may_continue_right(PgfLeafWalk *walk, Page page, BTPageOpaque opaque, int64 key)
{
	if (P_RIGHTMOST(opaque))
		return false;
	return compare_item(walk, key, (IndexTuple) PageGetItem(page, PageGetItemId(page, P_HIKEY))) >= 0;
}

static void
add_tid(PgfLeafWalk *walk, ItemPointer tid)
{
	if (walk->ntids == walk->tids_cap)
	{
		walk->tids_cap *= 2;
		walk->tids = repalloc_huge(walk->tids, sizeof(ItemPointerData) * (Size) walk->tids_cap);
	}
	walk->tids[walk->ntids++] = *tid;
}

/*
 * The first item at or after start whose key is >= key. Keys come ascending and the next one is
 * usually a few dozen items further on the same leaf: a short forward scan from the last key's
 * stopping point reads neighbouring line pointers and tuples (the hardware prefetches them) where
 * a binary search over the whole page takes about nine cache misses; beyond that, binary search.
 */
static OffsetNumber
first_at_or_above(PgfLeafWalk *walk, Page page, OffsetNumber start, OffsetNumber maxoff, int64 key)
{
	OffsetNumber low = start;
	OffsetNumber high = maxoff + 1;

	for (int i = 0; i < PGF_LEAF_SCAN_ITEMS && low <= maxoff; i++, low++)
		if (compare_item(walk, key, (IndexTuple) PageGetItem(page, PageGetItemId(page, low))) <= 0)
			return low;
	while (low < high)
	{
		OffsetNumber mid = low + (high - low) / 2;

		if (compare_item(walk, key, (IndexTuple) PageGetItem(page, PageGetItemId(page, mid))) > 0)
			low = mid + 1;
		else
			high = mid;
	}
	return low;
}

/*
 * Where key's search may start on the locked leaf: the last key's stopping point when every item
 * before it is still below key (the page is sorted, so checking the one item before it is enough:
 * items inserted or deleted since move offsets, and then the check or the search from the first
 * item finds the right place), else the first data item.
 */
static OffsetNumber
search_start(PgfLeafWalk *walk, Page page, BTPageOpaque opaque, OffsetNumber maxoff, int64 key)
{
	OffsetNumber first = P_FIRSTDATAKEY(opaque);
	OffsetNumber hint = walk->hint;

	if (hint <= first || hint > maxoff + 1)
		return first;
	if (compare_item(walk, key, (IndexTuple) PageGetItem(page, PageGetItemId(page, hint - 1))) > 0)
		return hint;
	return first;
}

/*
 * Copies the TIDs of key's items on the locked leaf (from the first item >= key on); true when
 * they reach the end of the page, so they may continue on the right sibling. Leaves the offset
 * after them in walk->hint.
 */
static bool
collect_from_leaf(PgfLeafWalk *walk, Page page, BTPageOpaque opaque, int64 key, bool use_hint)
{
	OffsetNumber maxoff = PageGetMaxOffsetNumber(page);
	OffsetNumber start = use_hint ? search_start(walk, page, opaque, maxoff, key) : P_FIRSTDATAKEY(opaque);
	OffsetNumber off;

	for (off = first_at_or_above(walk, page, start, maxoff, key); off <= maxoff; off++)
	{
		ItemId		iid = PageGetItemId(page, off);
		IndexTuple	itup = (IndexTuple) PageGetItem(page, iid);

		if (compare_item(walk, key, itup) != 0)
		{
			walk->hint = off;
			return false;
		}
		if (walk->skip_dead && ItemIdIsDead(iid))
			continue;
		if (BTreeTupleIsPosting(itup))
		{
			int			n = BTreeTupleGetNPosting(itup);

			for (int i = 0; i < n; i++)
				add_tid(walk, BTreeTupleGetPostingN(itup, i));
		}
		else
			add_tid(walk, &itup->t_tid);
	}
	walk->hint = off;
	return true;
}

/*
 * The locked leaf's right sibling (next, read under its lock), locked, skipping deleted and
 * half-dead pages; invalid at the end. Interrupts are checked between pages (one key's items may
 * span many).
 */
static Buffer
step_right(PgfLeafWalk *walk, Buffer buf, BlockNumber next)
{
	for (;;)
	{
		Page		page;
		BTPageOpaque opaque;

		_bt_relbuf(walk->index, buf);
		if (next == P_NONE)
			return InvalidBuffer;
		CHECK_FOR_INTERRUPTS();
		buf = _bt_getbuf(walk->index, next, BT_READ);
		page = BufferGetPage(buf);
		TestForOldSnapshot(walk->snapshot, walk->index, page);
		opaque = BTPageGetOpaque(page);
		if (!P_IGNORE(opaque))
			return buf;
		next = opaque->btpo_next;
	}
}

/* Descends from the root to the leaf where key's first item would be (locked), or InvalidBuffer. */
static Buffer
descend(PgfLeafWalk *walk, int64 key)
{
	Buffer		buf;
	BTStack		stack;

	switch (walk->keytype)
	{
		case INT2OID:
			walk->insertkey->scankeys[0].sk_argument = Int16GetDatum((int16) key);
			break;
		case INT4OID:
			walk->insertkey->scankeys[0].sk_argument = Int32GetDatum((int32) key);
			break;
		default:
			walk->insertkey->scankeys[0].sk_argument = Int64GetDatum(key);
			break;
	}
	stack = _bt_search(walk->index, walk->insertkey, &buf, BT_READ, walk->snapshot);
	_bt_freestack(stack);
	return buf;
}

/*
 * Starts the walk, or NULL when it does not apply to this index and snapshot (the caller uses the
 * index AM). keytype is the heap column's type; the walk compares the index's own first column.
 */
PgfLeafWalk *
pgf_leaf_walk_begin(Relation heap, Relation index, Snapshot snapshot, MemoryContext cxt)
{
	PgfLeafWalk *walk;
	Oid			keytype = TupleDescAttr(RelationGetDescr(index), 0)->atttypid;
	MemoryContext old;
	bool		heapkeyspace;
	bool		allequalimage;

	if (!pgf_probe_leaf_walk || !IsMVCCSnapshot(snapshot) || IsolationIsSerializable()
		|| index->rd_rel->relam != BTREE_AM_OID || index->rd_indoption[0] != 0
		|| (keytype != INT2OID && keytype != INT4OID && keytype != INT8OID))
		return NULL;
	old = MemoryContextSwitchTo(cxt);
	walk = palloc0(sizeof(PgfLeafWalk));
	walk->heap = heap;
	walk->index = index;
	walk->snapshot = snapshot;
	walk->keytype = keytype;
	walk->leaf = InvalidBuffer;
	/* as btree's ignore_killed_tuples: a standby's LP_DEAD bits come from the primary's horizon */
	walk->skip_dead = !TransactionStartedDuringRecovery();
	walk->tids_cap = 256;
	walk->tids = palloc(sizeof(ItemPointerData) * walk->tids_cap);
	/* the insertion scan key _bt_first builds for one = key on the first column */
	_bt_metaversion(index, &heapkeyspace, &allequalimage);
	walk->insertkey = palloc0(offsetof(BTScanInsertData, scankeys) + sizeof(ScanKeyData));
	walk->insertkey->heapkeyspace = heapkeyspace;
	walk->insertkey->allequalimage = allequalimage;
	walk->insertkey->anynullkeys = false;
	walk->insertkey->nextkey = false;
	walk->insertkey->pivotsearch = false;
	walk->insertkey->scantid = NULL;
	walk->insertkey->keysz = 1;
	ScanKeyEntryInitializeWithInfo(&walk->insertkey->scankeys[0], 0, 1, InvalidStrategy, InvalidOid,
								   index->rd_indcollation[0], index_getprocinfo(index, 1, BTORDER_PROC), (Datum) 0);
	walk->fetch = table_index_fetch_begin(heap);
	MemoryContextSwitchTo(old);
	return walk;
}

/* Positions the walk on key: its items' TIDs, in index order, are fetched by pgf_leaf_walk_next. */
void
pgf_leaf_walk_key(PgfLeafWalk *walk, int64 key)
{
	Buffer		buf = walk->leaf;
	bool		same_leaf;		/* walk->hint belongs to buf */
	Page		page;
	BTPageOpaque opaque;

	walk->ntids = 0;
	walk->next_tid = 0;
	walk->leaf = InvalidBuffer;
	pgstat_count_index_scan(walk->index);
	/* keys ascend within one PROBE or PROBE_KEYS message only: a smaller key starts from the root */
	if (BufferIsValid(buf) && key <= walk->last_key)
	{
		ReleaseBuffer(buf);
		buf = InvalidBuffer;
	}
	same_leaf = BufferIsValid(buf);
	walk->last_key = key;
	if (BufferIsValid(buf))
	{
		/* the last key's leaf, or its right sibling, when key lies there */
		_bt_lockbuf(walk->index, buf, BT_READ);
		page = BufferGetPage(buf);
		TestForOldSnapshot(walk->snapshot, walk->index, page);
		opaque = BTPageGetOpaque(page);
		if (P_IGNORE(opaque) || !P_ISLEAF(opaque))
		{
			_bt_relbuf(walk->index, buf);
			buf = InvalidBuffer;
		}
		else if (beyond_leaf(walk, page, opaque, key))
		{
			same_leaf = false;
			buf = step_right(walk, buf, opaque->btpo_next);
			if (BufferIsValid(buf))
			{
				page = BufferGetPage(buf);
				opaque = BTPageGetOpaque(page);
				if (beyond_leaf(walk, page, opaque, key))
				{
					_bt_relbuf(walk->index, buf);
					buf = InvalidBuffer;
				}
			}
		}
	}
	if (!BufferIsValid(buf))
	{
		same_leaf = false;
		buf = descend(walk, key);
		if (!BufferIsValid(buf))
			return;				/* an empty index */
	}
	for (;;)
	{
		BlockNumber next;

		page = BufferGetPage(buf);
		opaque = BTPageGetOpaque(page);
		if (!collect_from_leaf(walk, page, opaque, key, same_leaf) || !may_continue_right(walk, page, opaque, key))
			break;
		same_leaf = false;
		/* key's items may go on to the right: follow the sibling link read under this lock */
		next = opaque->btpo_next;
		buf = step_right(walk, buf, next);
		if (!BufferIsValid(buf))
			return;
	}
	_bt_unlockbuf(walk->index, buf);
	walk->leaf = buf;
}

/* The next visible heap tuple of the current key into slot; false when its items are done. */
bool
pgf_leaf_walk_next(PgfLeafWalk *walk, TupleTableSlot *slot)
{
	while (walk->next_tid < walk->ntids)
	{
		ItemPointerData tid = walk->tids[walk->next_tid++];
		bool		call_again = false;
		bool		all_dead = false;

		/* an MVCC snapshot sees at most one member of a HOT chain: call_again stays false */
		if (table_index_fetch_tuple(walk->fetch, &tid, walk->snapshot, slot, &call_again, &all_dead))
		{
			pgstat_count_heap_fetch(walk->index);
			return true;
		}
	}
	return false;
}

/* Releases the leaf's pin and the heap fetch state. */
void
pgf_leaf_walk_end(PgfLeafWalk *walk)
{
	if (walk == NULL)
		return;
	if (BufferIsValid(walk->leaf))
	{
		ReleaseBuffer(walk->leaf);
		walk->leaf = InvalidBuffer;
	}
	if (walk->fetch != NULL)
	{
		table_index_fetch_end(walk->fetch);
		walk->fetch = NULL;
	}
}
