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
 * Fetching ahead (pg_fusion.serve_tuning bit 16, 2026-12-01): a probe's heap tuples sit on
 * scattered pages, and fetched one after another each waited for memory several times (the
 * buffer-mapping lookup, the buffer header, the page header, the line pointer, the tuple): about
 * 70% of the backend's time on TPC-H Q20. The walk therefore collects the items of the next keys
 * before the probe asks for them (TIDs copied out, as above; the snapshot decides at the fetch),
 * pins the heap blocks of the next few items and prefetches their page header and line pointer,
 * prefetches the tuple of an item two ahead, and fetches with heapam's own steps on the pinned
 * buffer (heap_page_prune_opt, heap_hot_search_buffer under the share lock); a leaf it locks is
 * prefetched whole and searched by galloping. Bit 32 adds the buffer guess of read_heap_block,
 * with it the prefetch of lines of items not yet pinned, and the same guess for the step to a
 * leaf's right sibling (guess_sibling), whose page is prefetched on arrival at its neighbour.
 * The rows, their order and the visibility rules are the same either way.
 *
 * Used only where it returns exactly the index AM's tuples in the same order: an MVCC snapshot,
 * not SERIALIZABLE (the AM takes predicate locks on the pages it reads), a single-column-leading
 * ASC NULLS LAST integer key of type int2, int4 or int8. Otherwise (or with
 * pg_fusion.probe_leaf_walk = off) the probe uses the index AM as before.
 */
#include "pg_fusion.h"

#include "access/nbtree.h"
#include "access/relscan.h"
#include "access/heapam.h"
#include "access/tableam.h"
#include "access/visibilitymap.h"
#include "access/xact.h"
#include "catalog/pg_am.h"
#include "catalog/pg_type.h"
#include "executor/tuptable.h"
#include "pgstat.h"
#include "storage/buf_internals.h"
#include "storage/bufmgr.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

bool		pgf_probe_leaf_walk = true;

/* One index item waiting for its heap fetch: the key it was found for and, once pinned ahead, its buffer. */
typedef struct PgfWalkItem
{
	ItemPointerData tid;
	int64		key;
	Buffer		buf;			/* pinned by the walk (one pin per item), or InvalidBuffer */
	bool		fresh;			/* buf came from a lookup (not shared with the item before) */
} PgfWalkItem;

struct PgfLeafWalk
{
	Relation	heap;
	Relation	index;
	Snapshot	snapshot;
	Oid			keytype;		/* the index's first column: INT2OID, INT4OID or INT8OID */
	BTScanInsert insertkey;		/* for descents: one scan key on the first column */
	IndexFetchTableData *fetch; /* without pinning ahead: the table AM's index fetch */
	Buffer		leaf;			/* pinned (not locked) leaf of the last key collected, or InvalidBuffer */
	PgfWalkItem *items;			/* a queue: items[head, tail) in key, then index order */
	uint32		head;
	uint32		tail;
	uint32		pinned;			/* items[head, pinned) hold their buffer's pin */
	uint32		ahead_lookups;	/* of them, those whose pin came from a buffer lookup */
	uint32		hinted;			/* items[pinned, hinted) had their guessed buffer's lines prefetched */
	uint32		items_cap;
	int64		current;		/* the key pgf_leaf_walk_next fetches for */
	int64	   *ahead;			/* keys collected ahead of the probe (a queue), ascending */
	uint32		ahead_head;
	uint32		ahead_tail;
	OffsetNumber hint;			/* on leaf: the offset after the last key's items */
	int64		last_key;		/* the key leaf was found for */
	bool		skip_dead;		/* skip LP_DEAD items: not in a transaction started during recovery */
	bool		pin_ahead;		/* PGF_SERVE_PROBE_PREFETCH: look keys up ahead, pin and prefetch */
	bool		guess;			/* PGF_SERVE_PROBE_GUESS: try the buffer at the last block's offset first */
	bool		guess_live;		/* the last guess was right, or the last lookup found what it would have guessed */
	Buffer		anchor_buf;		/* the last heap block read and its buffer, for the guess */
	BlockNumber anchor_block;
	Buffer		pruned;			/* the buffer heap_page_prune_opt last saw (identity only) */
	uint64		guess_hits;
	bool		index_only;		/* an item on an all-visible heap page answers without a heap fetch */
	Buffer		vmbuf;			/* the visibility map page of the last check, pinned, or InvalidBuffer */
};

#define PGF_WALK_AHEAD_BLOCKS 5		/* distinct heap blocks pinned ahead of the fetch */
#define PGF_WALK_AHEAD_ITEMS 48		/* items looked up ahead of the fetch, at most */
#define PGF_WALK_AHEAD_KEYS 32		/* keys collected ahead of the probe, at most */
#define PGF_WALK_TUPLE_LEAD 2		/* the tuple of the item this far ahead is prefetched */
#define PGF_WALK_HINT_ITEMS 24		/* with the guess: items past the pinned ones whose lines are prefetched */

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

/* Appends a TID of key to the queue (compacting it first when its head has moved far). */
static void
add_item(PgfLeafWalk *walk, ItemPointer tid, int64 key)
{
	if (walk->tail == walk->items_cap)
	{
		if (walk->head > walk->items_cap / 2)
		{
			uint32		n = walk->tail - walk->head;

			memmove(walk->items, walk->items + walk->head, sizeof(PgfWalkItem) * (Size) n);
			walk->pinned -= walk->head;
			walk->hinted = walk->hinted > walk->head ? walk->hinted - walk->head : 0;
			walk->head = 0;
			walk->tail = n;
		}
		else
		{
			walk->items_cap *= 2;
			walk->items = repalloc_huge(walk->items, sizeof(PgfWalkItem) * (Size) walk->items_cap);
		}
	}
	walk->items[walk->tail].tid = *tid;
	walk->items[walk->tail].key = key;
	walk->items[walk->tail].buf = InvalidBuffer;
	walk->tail++;
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

	if (walk->pin_ahead)
	{
		/*
		 * The leaf was prefetched whole (prefetch_leaf): gallop from start, 1, 2, 4... items on,
		 * to bracket the key in a few comparisons, then the binary search below.
		 */
		uint32		step = 1;

		for (;;)
		{
			OffsetNumber next;

			if (low > maxoff || compare_item(walk, key, (IndexTuple) PageGetItem(page, PageGetItemId(page, low))) <= 0)
				return low;
			next = (OffsetNumber) Min((uint32) low + step, (uint32) maxoff + 1);
			if (next <= maxoff && compare_item(walk, key, (IndexTuple) PageGetItem(page, PageGetItemId(page, next))) > 0)
			{
				low = next + 1;
				step *= 2;
				continue;
			}
			/* item low is below key, item next (or the page's end) is not: the first lies in (low, next] */
			low++;
			high = next;
			break;
		}
	}
	else
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
				add_item(walk, BTreeTupleGetPostingN(itup, i), key);
		}
		else
			add_item(walk, &itup->t_tid, key);
	}
	walk->hint = off;
	return true;
}

/*
 * The buffer a leaf's right sibling (block next) sits in if the index lies in consecutive buffers
 * (read in block order, as after CREATE INDEX and pg_prewarm): as far from the pinned leaf's buffer
 * as the blocks are apart. InvalidBuffer without the guess or out of range; only a hint, checked
 * by ReadRecentBuffer before use.
 */
static Buffer
guess_sibling(PgfLeafWalk *walk, Buffer buf, BlockNumber next)
{
	int64		guess;

	if (!walk->guess || next == P_NONE)
		return InvalidBuffer;
	guess = (int64) buf + ((int64) next - (int64) BufferGetBlockNumber(buf));
	return guess >= 1 && guess <= NBuffers ? (Buffer) guess : InvalidBuffer;
}

/*
 * With pinning ahead, prefetches a leaf the walk has just locked, whole: consecutive keys sit a few
 * dozen items apart on it (Q4: about seven keys a leaf), and the forward scans and binary searches
 * over its items otherwise wait for one line after another.
 */
static void
prefetch_leaf(PgfLeafWalk *walk, Buffer buf)
{
	char	   *page = (char *) BufferGetPage(buf);
	Buffer		sibling;

	if (!walk->pin_ahead)
		return;
	for (int off = 0; off < BLCKSZ; off += 64)
		__builtin_prefetch(page + off);
	/* with the guess, the right sibling too: the walk is likely to step there a few keys on */
	sibling = guess_sibling(walk, buf, BTPageGetOpaque((Page) page)->btpo_next);
	if (BufferIsValid(sibling))
	{
		char	   *next = (char *) BufferGetPage(sibling);

		for (int off = 0; off < BLCKSZ; off += 64)
			__builtin_prefetch(next + off);
	}
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
		Buffer		guess = guess_sibling(walk, buf, next);

		_bt_relbuf(walk->index, buf);
		if (next == P_NONE)
			return InvalidBuffer;
		CHECK_FOR_INTERRUPTS();
		if (BufferIsValid(guess) && ReadRecentBuffer(walk->index->rd_node, MAIN_FORKNUM, next, guess))
		{
			/* _bt_getbuf's steps after its ReadBuffer (which the guess skipped: no mapping lookup) */
			pgstat_count_buffer_read(walk->index);
			pgstat_count_buffer_hit(walk->index);
			buf = guess;
			_bt_lockbuf(walk->index, buf, BT_READ);
			_bt_checkpage(walk->index, buf);
		}
		else
			buf = _bt_getbuf(walk->index, next, BT_READ);
		page = BufferGetPage(buf);
		TestForOldSnapshot(walk->snapshot, walk->index, page);
		opaque = BTPageGetOpaque(page);
		if (!P_IGNORE(opaque))
		{
			prefetch_leaf(walk, buf);
			return buf;
		}
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
	walk->items_cap = 256;
	walk->items = palloc(sizeof(PgfWalkItem) * walk->items_cap);
	walk->ahead = palloc(sizeof(int64) * PGF_WALK_AHEAD_KEYS);
	/* pinning ahead fetches heap tuples itself (heapam's functions), so only for heap relations */
	walk->pin_ahead = (pgf_serve_tuning & PGF_SERVE_PROBE_PREFETCH) != 0
		&& heap->rd_rel->relam == HEAP_TABLE_AM_OID && !RelationUsesLocalBuffers(heap);
	walk->guess = walk->pin_ahead && (pgf_serve_tuning & PGF_SERVE_PROBE_GUESS) != 0;
	walk->anchor_buf = InvalidBuffer;
	walk->pruned = InvalidBuffer;
	walk->vmbuf = InvalidBuffer;
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
	if (!walk->pin_ahead)
		walk->fetch = table_index_fetch_begin(heap);
	MemoryContextSwitchTo(old);
	return walk;
}

/* Appends key's items (TIDs in index order) to the queue, walking on from the last key's leaf. */
static void
collect_key(PgfLeafWalk *walk, int64 key)
{
	Buffer		buf = walk->leaf;
	bool		same_leaf;		/* walk->hint belongs to buf */
	Page		page;
	BTPageOpaque opaque;

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
		prefetch_leaf(walk, buf);
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

/* Whether key fits the index's first column (the probe sends int8 keys). */
static bool
key_in_range(PgfLeafWalk *walk, int64 key)
{
	if (walk->keytype == INT2OID)
		return key >= PG_INT16_MIN && key <= PG_INT16_MAX;
	if (walk->keytype == INT4OID)
		return key >= PG_INT32_MIN && key <= PG_INT32_MAX;
	return true;
}

/* Releases the pin a queued item holds, if any. */
static void
unpin_item(PgfLeafWalk *walk, PgfWalkItem *item)
{
	if (!BufferIsValid(item->buf))
		return;
	ReleaseBuffer(item->buf);
	item->buf = InvalidBuffer;
	if (item->fresh)
		walk->ahead_lookups--;
}

/* Removes the queue's first item, releasing its pin. */
static void
pop_item(PgfLeafWalk *walk)
{
	unpin_item(walk, &walk->items[walk->head]);
	walk->head++;
	if (walk->pinned < walk->head)
		walk->pinned = walk->head;
}

/* Drops every queued item and every key collected ahead. */
static void
clear_queue(PgfLeafWalk *walk)
{
	while (walk->head < walk->tail)
		pop_item(walk);
	walk->head = walk->tail = walk->pinned = walk->hinted = 0;
	walk->ahead_head = walk->ahead_tail = 0;
}

/*
 * Reads a heap block to pin it ahead. With the guess, the block is first looked for in the buffer
 * as far from the last block's buffer as the blocks are apart: a relation read into shared
 * buffers in block order (a bulk load, pg_prewarm after a restart) lies in consecutive buffers,
 * and ReadRecentBuffer (it checks the buffer's tag under the header lock, then pins) skips the
 * buffer-mapping hash lookup and its cache misses. A wrong guess costs one header lock, and the
 * guessing stops until a lookup finds a block where it would have guessed (a cache whose buffers
 * have churned pays for one wrong guess, not one per block).
 */
static Buffer
read_heap_block(PgfLeafWalk *walk, BlockNumber block)
{
	Buffer		buf;

	int64		guess = (int64) walk->anchor_buf + ((int64) block - (int64) walk->anchor_block);

	if (walk->guess_live && guess >= 1 && guess <= NBuffers
		&& ReadRecentBuffer(walk->heap->rd_node, MAIN_FORKNUM, block, (Buffer) guess))
	{
		/* the relation's statistics as ReadBufferExtended counts a hit */
		pgstat_count_buffer_read(walk->heap);
		pgstat_count_buffer_hit(walk->heap);
		walk->guess_hits++;
		walk->anchor_buf = (Buffer) guess;
		walk->anchor_block = block;
		return (Buffer) guess;
	}
	buf = ReadBufferExtended(walk->heap, MAIN_FORKNUM, block, RBM_NORMAL, NULL);
	/* a wrong guess stops guessing until a lookup lands where the guess would have */
	walk->guess_live = walk->guess && BufferIsValid(walk->anchor_buf) && (int64) buf == guess;
	walk->anchor_buf = buf;
	walk->anchor_block = block;
	return buf;
}

/*
 * Prefetches the tuple of a pinned item. Its line pointer, prefetched when the item was pinned,
 * is read without the content lock: a concurrent prune may change it, and then only the prefetch
 * goes to the wrong address (the fetch reads it again under the lock).
 */
static void
prefetch_tuple(PgfWalkItem *item)
{
	Page		page = BufferGetPage(item->buf);
	OffsetNumber off = ItemPointerGetOffsetNumber(&item->tid);
	ItemIdData	iid;
	char	   *tuple;

	if (off < FirstOffsetNumber || off > MaxHeapTuplesPerPage)
		return;
	memcpy(&iid, PageGetItemId(page, off), sizeof(iid));
	if (!ItemIdIsNormal(&iid) || ItemIdGetOffset(&iid) + ItemIdGetLength(&iid) > BLCKSZ)
		return;
	tuple = (char *) page + ItemIdGetOffset(&iid);
	__builtin_prefetch(tuple);
	if (ItemIdGetLength(&iid) > 64)
		__builtin_prefetch(tuple + 64);
	if (ItemIdGetLength(&iid) > 128)
		__builtin_prefetch(tuple + 128);
}

/*
 * With the guess, prefetches the lines the next items' pins will touch, before pinning them: the
 * guessed buffer's descriptor (ReadRecentBuffer locks its header) and its page's header and line
 * pointer. The buffer is not pinned, so it may hold another block by then: only a wasted prefetch.
 */
static void
hint_ahead(PgfLeafWalk *walk)
{
	if (!walk->guess_live)
		return;
	if (walk->hinted < walk->pinned)
		walk->hinted = walk->pinned;
	while (walk->hinted < walk->tail && walk->hinted < walk->pinned + PGF_WALK_HINT_ITEMS)
	{
		PgfWalkItem *item = &walk->items[walk->hinted++];
		int64		guess = (int64) walk->anchor_buf +
			((int64) ItemPointerGetBlockNumber(&item->tid) - (int64) walk->anchor_block);
		Page		page;

		if (guess < 1 || guess > NBuffers)
			continue;
		__builtin_prefetch(GetBufferDescriptor(guess - 1), 1);
		page = BufferGetPage((Buffer) guess);
		__builtin_prefetch(page);
		__builtin_prefetch(PageGetItemId(page, ItemPointerGetOffsetNumber(&item->tid)));
	}
}

/*
 * Pins the queued items after the pinned ones, up to PGF_WALK_AHEAD_BLOCKS buffer lookups (or
 * PGF_WALK_AHEAD_ITEMS items) ahead of the fetch, and prefetches each newly pinned page's header
 * and the item's line pointer. A probe's items sit on scattered heap pages: fetched one after
 * another, each waited for the buffer lookup, then the page header (heap_page_prune_opt), the
 * line pointer and the tuple (heap_hot_search_buffer), about 70% of the backend's time on Q20;
 * pinned ahead, those lines are on their way while the earlier items are fetched. An item on the
 * block of the item before it shares that buffer (one more pin of it, no lookup).
 */
static void
pin_ahead(PgfLeafWalk *walk)
{
	while (walk->pinned < walk->tail && walk->ahead_lookups < PGF_WALK_AHEAD_BLOCKS
		   && walk->pinned - walk->head < PGF_WALK_AHEAD_ITEMS)
	{
		PgfWalkItem *item = &walk->items[walk->pinned];
		BlockNumber block = ItemPointerGetBlockNumber(&item->tid);
		PgfWalkItem *prev = walk->pinned > walk->head ? item - 1 : NULL;

		if (prev != NULL && ItemPointerGetBlockNumber(&prev->tid) == block)
		{
			IncrBufferRefCount(prev->buf);
			item->buf = prev->buf;
			item->fresh = false;
		}
		else
		{
			Page		page;

			item->buf = read_heap_block(walk, block);
			item->fresh = true;
			walk->ahead_lookups++;
			page = BufferGetPage(item->buf);
			__builtin_prefetch(page);
			__builtin_prefetch(PageGetItemId(page, ItemPointerGetOffsetNumber(&item->tid)));
		}
		/* with the guess the line pointer was prefetched (hint_ahead) a few items ago */
		if (walk->guess_live)
			prefetch_tuple(item);
		walk->pinned++;
	}
	hint_ahead(walk);
}

/*
 * heapam's index fetch of one TID on its pinned buffer (heapam_index_fetch_tuple's steps with the
 * buffer already read): opportunistic pruning when the page changes, then the member of the TID's
 * HOT chain visible to the snapshot, stored in the buffer slot (which takes a pin of its own).
 */
static bool
fetch_heap_tuple(PgfLeafWalk *walk, ItemPointer tid, Buffer buf, TupleTableSlot *slot)
{
	BufferHeapTupleTableSlot *bslot = (BufferHeapTupleTableSlot *) slot;
	bool		all_dead = false;
	bool		found;

	if (buf != walk->pruned)
	{
		heap_page_prune_opt(walk->heap, buf);
		walk->pruned = buf;
	}
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	found = heap_hot_search_buffer(tid, walk->heap, buf, walk->snapshot, &bslot->base.tupdata, &all_dead, true);
	bslot->base.tupdata.t_self = *tid;
	LockBuffer(buf, BUFFER_LOCK_UNLOCK);
	if (!found)
		return false;
	slot->tts_tableOid = RelationGetRelid(walk->heap);
	ExecStoreBufferHeapTuple(&bslot->base.tupdata, slot, buf);
	return true;
}

/*
 * Collects the items of the keys after key (next[0..nnext), the probe's following keys) while
 * they ascend, until PGF_WALK_AHEAD_ITEMS items are queued or PGF_WALK_AHEAD_KEYS keys are ahead.
 * The keys already collected are the first ones of next (the probe takes them in this order).
 */
static void
collect_ahead(PgfLeafWalk *walk, int64 key, const int64 *next, uint32 nnext)
{
	int64		prev = key;
	int64		collected = key;	/* the last key collected */

	if (walk->ahead_head == walk->ahead_tail)
		walk->ahead_head = walk->ahead_tail = 0;
	else
	{
		collected = walk->ahead[walk->ahead_tail - 1];
		if (walk->ahead_tail == PGF_WALK_AHEAD_KEYS && walk->ahead_head > 0)
		{
			memmove(walk->ahead, walk->ahead + walk->ahead_head, sizeof(int64) * (walk->ahead_tail - walk->ahead_head));
			walk->ahead_tail -= walk->ahead_head;
			walk->ahead_head = 0;
		}
	}
	for (uint32 j = 0; j < nnext && walk->tail - walk->head < PGF_WALK_AHEAD_ITEMS; j++)
	{
		int64		k = next[j];

		if (k <= prev)
			break;				/* a later PROBE_KEYS message starts again from its smallest key */
		prev = k;
		if (k <= collected || !key_in_range(walk, k))
			continue;
		if (walk->ahead_tail == PGF_WALK_AHEAD_KEYS)
			break;
		collect_key(walk, k);
		walk->ahead[walk->ahead_tail++] = k;
		collected = k;
	}
}

/*
 * Positions the walk on key: its items' TIDs, in index order, are fetched by pgf_leaf_walk_next.
 * next[0..nnext) are the keys the probe takes after it. With pinning ahead the walk collects the
 * items of those that ascend from key before they are asked for, so that their heap blocks are
 * pinned and prefetched while earlier items are fetched (TIDs copied out of the index and fetched
 * later, as an MVCC index scan copies a leaf's items: the snapshot decides at the fetch).
 */
void
pgf_leaf_walk_key(PgfLeafWalk *walk, int64 key, const int64 *next, uint32 nnext)
{
	walk->current = key;
	if (walk->ahead_head < walk->ahead_tail && walk->ahead[walk->ahead_head] == key)
	{
		walk->ahead_head++;
		/*
		 * what is left of earlier keys (a first match stops its key early); the queue holds keys
		 * ascending, so the items of the keys after this one stay (a key without items, popping
		 * until an item of its own, dropped theirs: their rows were lost)
		 */
		while (walk->head < walk->tail && walk->items[walk->head].key < key)
			pop_item(walk);
	}
	else
	{
		clear_queue(walk);
		collect_key(walk, key);
	}
	if (walk->pin_ahead)
		collect_ahead(walk, key, next, nnext);
}

/* The next visible heap tuple of the current key into slot; false when its items are done. */
bool
pgf_leaf_walk_next(PgfLeafWalk *walk, TupleTableSlot *slot)
{
	while (walk->head < walk->tail && walk->items[walk->head].key == walk->current)
	{
		ItemPointerData tid = walk->items[walk->head].tid;
		bool		found;

		if (walk->pin_ahead)
		{
			pin_ahead(walk);
			if (walk->head + PGF_WALK_TUPLE_LEAD < walk->pinned)
				prefetch_tuple(&walk->items[walk->head + PGF_WALK_TUPLE_LEAD]);
			found = fetch_heap_tuple(walk, &tid, walk->items[walk->head].buf, slot);
			pop_item(walk);
		}
		else
		{
			bool		call_again = false;
			bool		all_dead = false;

			walk->head++;
			walk->pinned = walk->head;
			/* an MVCC snapshot sees at most one member of a HOT chain: call_again stays false */
			found = table_index_fetch_tuple(walk->fetch, &tid, walk->snapshot, slot, &call_again, &all_dead);
		}
		if (found)
		{
			pgstat_count_heap_fetch(walk->index);
			return true;
		}
	}
	return false;
}

/*
 * Makes the walk answer like an index-only scan (pg_fusion.serve_tuning bit 512, docs/ipc.md 6.3):
 * an item whose heap page the visibility map marks all-visible is visible to every snapshot (as
 * nodeIndexonlyscan.c decides, from TIDs read under the leaf's lock), so it needs no heap fetch;
 * pgf_leaf_walk_next_or_visible says so instead of fetching. Items on other pages are fetched as
 * always. No pinning ahead: the point is not to visit the heap pages at all. Before the first key.
 */
void
pgf_leaf_walk_index_only(PgfLeafWalk *walk, MemoryContext cxt)
{
	walk->index_only = true;
	walk->pin_ahead = false;
	walk->guess = false;
	if (walk->fetch == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(cxt);

		walk->fetch = table_index_fetch_begin(walk->heap);
		MemoryContextSwitchTo(old);
	}
}

/*
 * pgf_leaf_walk_next for a walk made index-only: *visible true (slot untouched) when the current
 * key's next item lies on an all-visible heap page, so the key has a visible row; otherwise the
 * next visible heap tuple into slot as pgf_leaf_walk_next. False when the key's items are done.
 */
bool
pgf_leaf_walk_next_or_visible(PgfLeafWalk *walk, TupleTableSlot *slot, bool *visible)
{
	*visible = false;
	if (!walk->index_only)
		return pgf_leaf_walk_next(walk, slot);
	while (walk->head < walk->tail && walk->items[walk->head].key == walk->current)
	{
		ItemPointerData tid = walk->items[walk->head].tid;
		bool		call_again = false;
		bool		all_dead = false;

		walk->head++;
		walk->pinned = walk->head;
		if (VM_ALL_VISIBLE(walk->heap, ItemPointerGetBlockNumber(&tid), &walk->vmbuf))
		{
			*visible = true;
			return true;
		}
		if (table_index_fetch_tuple(walk->fetch, &tid, walk->snapshot, slot, &call_again, &all_dead))
		{
			pgstat_count_heap_fetch(walk->index);
			return true;
		}
	}
	return false;
}

/* Buffers found by the guess (EXPLAIN). */
uint64
pgf_leaf_walk_guess_hits(PgfLeafWalk *walk)
{
	return walk == NULL ? 0 : walk->guess_hits;
}

/* Releases the pins (the leaf's, the items pinned ahead) and the heap fetch state. */
void
pgf_leaf_walk_end(PgfLeafWalk *walk)
{
	if (walk == NULL)
		return;
	clear_queue(walk);
	if (BufferIsValid(walk->leaf))
	{
		ReleaseBuffer(walk->leaf);
		walk->leaf = InvalidBuffer;
	}
	if (BufferIsValid(walk->vmbuf))
	{
		ReleaseBuffer(walk->vmbuf);
		walk->vmbuf = InvalidBuffer;
	}
	if (walk->fetch != NULL)
	{
		table_index_fetch_end(walk->fetch);
		walk->fetch = NULL;
	}
}
