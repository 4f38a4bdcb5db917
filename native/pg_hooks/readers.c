/*
 * readers.c: page readers, PostgreSQL parallel workers that read heap blocks into the page pool
 * for a PgFusionScan (pg_fusion.page_readers; docs/parallel.md, "Page readers").
 *
 * The backend running the PgFusionScan (the leader) keeps the whole protocol with the pg_fusion
 * worker. Readers only do what the leader did per block: ReadBuffer (bulk-read strategy), prune,
 * share lock, visibility per line pointer under the query's snapshot, copy into a pool entry, mark
 * it READY. Each block is claimed from a shared counter by whoever comes first (readers and the
 * leader alike), after taking a pool entry for it within the session's quota; the filled entry is
 * published in a per-scan reorder window, and the leader forwards the entries to the worker as
 * PAGE_RUN messages in block order, within the scan's credit, exactly as it sends its own.
 *
 * Why this cannot deadlock or leak:
 * - A block is claimed only with a pool entry already taken for it, and the quota is taken before
 *   the entry (pgf_page_alloc_for_slot), so the claimed blocks not yet forwarded never exceed the
 *   quota: the window (quota entries per scan) never overflows, and the block the leader waits
 *   for next always has its entry and a live process filling it.
 * - Claims stop at the scan's limit, its forwarded blocks plus its credit, so the leader can
 *   always forward what was claimed.
 * - A reader that never starts holds no claim; the leader reads blocks itself when it has nothing
 *   to forward, so it never waits for a reader that does not exist (max_parallel_workers = 0).
 * - Readers exit before the session slot is released: normally the leader stops them and waits
 *   (pgf_readers_finish) before it releases the slot; on ERROR, AbortTransaction destroys the
 *   parallel context (AtEOXact_Parallel, which kills and waits for the workers) before the portal's
 *   memory, whose reset callback releases the slot, is freed. So no process writes into an entry
 *   the worker may already have reclaimed. Entries a reader published but the leader never
 *   forwarded are freed by the leader at the end, or by the worker's reclaim of the slot.
 */
#include "pg_fusion.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/parallel.h"
#include "access/relation.h"
#include "access/table.h"
#include "executor/instrument.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "port/atomics.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#define PGF_READERS_MAGIC 0x52464750u	/* "PGFR" */
#define PGF_READERS_KEY UINT64CONST(0x5047465245414431)
#define PGF_READER_MAX_CHUNK 16		/* blocks claimed at once: one wake of the leader per chunk */

typedef struct PgfReaderEntry
{
	pg_atomic_uint32 block_plus_1;	/* 0: empty; block + 1 once page_index holds that block, READY */
	uint32		page_index;
} PgfReaderEntry;

typedef struct PgfReaderScan
{
	Oid			relid;
	uint32		scan_id;
	uint32		nblocks;
	bool		bulk;			/* read through a bulk-read ring (heapam's rule: over NBuffers / 4) */
	pg_atomic_uint32 next_block;	/* blocks below it are claimed */
	pg_atomic_uint32 limit;		/* blocks below it may be claimed: forwarded + credit */
	pg_atomic_uint32 closed;	/* SCAN_CLOSE: claim nothing more */
} PgfReaderScan;

typedef struct PgfReaderStats
{
	uint64		pages;
	instr_time	t_read;
	instr_time	t_visibility;
	instr_time	t_copy;
	uint32		finished;		/* the reader left its loop normally */
	BufferUsage bufusage;
	WalUsage	walusage;
} PgfReaderStats;

typedef struct PgfReaderShared
{
	uint32		magic;
	int32		slot_index;
	uint32		slot_generation;
	uint32		window;			/* reorder-window entries per scan (= session_page_quota) */
	int32		nreaders;		/* PgfReaderStats entries */
	uint32		chunk;			/* blocks a reader claims at once */
	pg_atomic_uint32 nscans;	/* scans[0..nscans-1] are set up */
	pg_atomic_uint32 stop;		/* the leader asks the readers to return */
	uint32		readers_wake;	/* futex word the readers sleep on (the leader has backend_wake) */
	uint32		readers_sleeping;	/* readers asleep on it */
	PgfReaderScan scans[PGF_READER_SCANS];
	/* then nreaders x PgfReaderStats, then PGF_READER_SCANS x window x PgfReaderEntry */
} PgfReaderShared;

struct PgfReaders
{
	ParallelContext *pcxt;
	PgfReaderShared *shared;
	PgfSlotHeader *slot;
	uint32		next_take[PGF_READER_SCANS];	/* next block to forward, per scan */
	int			planned;
	int			launched;
	/* summed over the readers by pgf_readers_finish */
	uint64		reader_pages;
	instr_time	reader_read;
	instr_time	reader_copy;
};

static Size
stats_offset(void)
{
	return MAXALIGN(sizeof(PgfReaderShared));
}

static Size
entries_offset(int nreaders)
{
	return stats_offset() + MAXALIGN(sizeof(PgfReaderStats) * (Size) Max(nreaders, 1));
}

static Size
shared_size(int nreaders, uint32 window)
{
	return entries_offset(nreaders) + sizeof(PgfReaderEntry) * (Size) PGF_READER_SCANS * window;
}

static PgfReaderStats *
reader_stats(PgfReaderShared *sh, int i)
{
	return (PgfReaderStats *) ((char *) sh + stats_offset()) + i;
}

static PgfReaderEntry *
window_entry(PgfReaderShared *sh, int scan, BlockNumber block)
{
	PgfReaderEntry *base = (PgfReaderEntry *) ((char *) sh + entries_offset(sh->nreaders));

	return &base[(Size) scan * sh->window + block % sh->window];
}

#define ELAPSED_SINCE(acc, start) \
	do { instr_time now_; INSTR_TIME_SET_CURRENT(now_); INSTR_TIME_ACCUM_DIFF(acc, now_, start); start = now_; } while (0)

/* ---------------------------------------------------------------- filling one block */

/*
 * ReadBufferExtended, except that with a guess it first tries the buffer after the previous
 * block's when the previous block also followed its predecessor's. A scan of a relation loaded
 * into shared buffers in block order (pg_prewarm after a restart, a bulk load) finds its blocks in
 * consecutive buffers; ReadRecentBuffer then pins the block after checking the buffer's tag under
 * its header lock, without the buffer-mapping hash lookup, whose two or three cache misses per
 * block were a quarter of the backend's time on a lineitem scan. A wrong guess costs one header
 * lock and falls back to ReadBufferExtended. Only without a bulk-read strategy and for shared
 * buffers (the caller decides). Like a strategy read, ReadRecentBuffer does not raise the
 * buffer's usage count; the relation's block statistics are counted as ReadBufferExtended would.
 */
static Buffer
read_block(Relation rel, BufferAccessStrategy strategy, BlockNumber block, PgfBufferGuess *guess)
{
	Buffer		buffer;

	if (guess == NULL)
		return ReadBufferExtended(rel, MAIN_FORKNUM, block, RBM_NORMAL, strategy);
	if (guess->consecutive && guess->last != InvalidBuffer && guess->last < NBuffers &&
		ReadRecentBuffer(rel->rd_node, MAIN_FORKNUM, block, guess->last + 1))
	{
		pgstat_count_buffer_read(rel);
		pgstat_count_buffer_hit(rel);
		guess->last++;
		guess->hits++;
		return guess->last;
	}
	buffer = ReadBufferExtended(rel, MAIN_FORKNUM, block, RBM_NORMAL, strategy);
	guess->consecutive = guess->last != InvalidBuffer && buffer == guess->last + 1;
	guess->last = buffer;
	return buffer;
}

/*
 * Copies heap block `block` of rel into pool entry page_index (FILLING, owned by the caller's
 * session) with its visibility bitmap, and publishes it (READY). Visibility as heapgetpage
 * computes it: on an all-visible page (snapshot not taken during recovery) every normal line
 * pointer is visible, unless SSI (serializable) or a TOAST collector needs each tuple; otherwise
 * HeapTupleSatisfiesVisibility, plus the serializable conflict-out check when serializable.
 * collect (may be NULL) is called for every visible tuple with external values when may_toast.
 * times (may be NULL: nobody will show them, and four clock reads per page are ~3 % of the
 * backend's time on a lineitem scan) gathers the read, visibility and copy times. guess (may be
 * NULL) tries the buffer after the previous block's first, see read_block.
 *
 * line_range (pg_fusion.serve_tuning bit PGF_SERVE_LINE_RANGE): on such an all-visible page with
 * PD_HAS_FREE_LINES clear, the line pointers are not read at all: bits 1..max are set and
 * `visible` is max, an upper bound (the worker skips every line pointer that is not LP_NORMAL, as
 * it must anyway, and uses `visible` only to size its batches). Reading ~53 line pointers per
 * lineitem page was a quarter of the backend's CPU in shared transfer (their cache lines are
 * cold; the worker, which reads them again, prefetches them a page ahead). Why this marks exactly
 * the tuples the loop would, for as long as the worker may read the page (the pin is held):
 * - an all-visible page has no LP_DEAD item (VACUUM sets PD_ALL_VISIBLE only on pages without
 *   any; only pruning makes new ones, and pruning needs a cleanup lock, which our pin blocks), so
 *   no line pointer turns from dead to unused under us (VACUUM's second heap pass);
 * - the only way a line pointer at or below max becomes a new LP_NORMAL item is an insert
 *   reusing an LP_UNUSED one, and PageAddItemExtended looks for one only when PD_HAS_FREE_LINES
 *   is set; the flag is set only by pruning (cleanup lock) or VACUUM's second pass (pages with
 *   LP_DEAD items), so while it is clear under our pin no unused line pointer is reused;
 * - LP_REDIRECT and LP_UNUSED line pointers stay what they are (pruning again), and the worker
 *   skips them; an LP_NORMAL item keeps its tuple in place (the pin).
 * A copied page is a fixed image, where the same holds trivially.
 *
 * keep_pin NULL: the page is copied into the entry and the buffer released. Otherwise (shared
 * transfer, page_pins.c) nothing is copied: the lock is dropped, the pin kept and returned in
 * *keep_pin, and the entry names the buffer (meta->buffer); the caller remembers the pin.
 */
void
pgf_copy_heap_block(Relation rel, BufferAccessStrategy strategy, Snapshot snapshot, BlockNumber block,
					int page_index, uint32 scan_id, bool serializable, bool may_toast, bool line_range,
					PgfToastCollector collect, void *collect_arg, PgfFillTimes *times,
					PgfBufferGuess *guess, Buffer *keep_pin)
{
	PgfPageMeta *meta;
	Buffer		buffer;
	Page		page;
	OffsetNumber lines;
	bool		all_visible;
	bool		fast;
	bool		lines_read = true;
	uint32		visible = 0;
	instr_time	t;

	if (page_index < 0 || (uint32) page_index >= pgf_header->page_count)
		elog(ERROR, "pg_fusion page %d for block %u is outside the pool (0..%u)", page_index, block, pgf_header->page_count - 1);
	if (times != NULL)
		INSTR_TIME_SET_CURRENT(t);
	meta = pgf_page_meta(page_index);
	memset(meta, 0, PGF_PAGE_META_SIZE);

	buffer = read_block(rel, strategy, block, guess);
	heap_page_prune_opt(rel, buffer);
	LockBuffer(buffer, BUFFER_LOCK_SHARE);
	if (times != NULL)
		ELAPSED_SINCE(times->read, t);
	page = BufferGetPage(buffer);
	lines = PageGetMaxOffsetNumber(page);
	all_visible = PageIsAllVisible(page) && !snapshot->takenDuringRecovery;
	/* all-visible, no SSI, no TOAST to look for: only the line pointers' kinds matter */
	fast = all_visible && !serializable && !may_toast;
	if (fast && line_range && !PageHasFreeLinePointers(page))
	{
		/* the worker tells the kinds apart itself (see above): lines 1..max, none read here */
		visible = Min((uint32) lines, (uint32) PGF_VISIBILITY_BYTES * 8);
		memset(meta->visibility, 0xFF, visible / 8);
		if (visible % 8 != 0)
			meta->visibility[visible / 8] = (uint8) ((1 << (visible % 8)) - 1);
		lines_read = false;
	}
	for (OffsetNumber off = FirstOffsetNumber; lines_read && off <= lines && off <= PGF_VISIBILITY_BYTES * 8; off++)
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
		tuple.t_tableOid = RelationGetRelid(rel);
		tuple.t_data = (HeapTupleHeader) PageGetItem(page, lp);
		tuple.t_len = ItemIdGetLength(lp);
		ItemPointerSet(&tuple.t_self, block, off);
		valid = all_visible || HeapTupleSatisfiesVisibility(&tuple, snapshot, buffer);
		if (serializable)
			HeapCheckForSerializableConflictOut(valid, rel, &tuple, buffer, snapshot);
		if (!valid)
			continue;
		meta->visibility[(off - 1) >> 3] |= (uint8) (1 << ((off - 1) & 7));
		visible++;
		if (may_toast && collect != NULL && HeapTupleHasExternal(&tuple))
			collect(collect_arg, &tuple, off);
	}
	if (times != NULL)
		ELAPSED_SINCE(times->visibility, t);
	if (keep_pin != NULL)
	{
		/* the pin keeps the visible tuples in place until the worker returns the entry */
		LockBuffer(buffer, BUFFER_LOCK_UNLOCK);
		meta->buffer = (uint32) buffer;
		*keep_pin = buffer;
	}
	else
	{
		memcpy((char *) meta + PGF_PAGE_META_SIZE, page, BLCKSZ);
		UnlockReleaseBuffer(buffer);
	}

	meta->block = block;
	meta->scan_id = scan_id;
	meta->line_pointers = lines;
	meta->visible = visible;
	__atomic_store_n(&pgf_page_state(page_index)->state, PGF_PAGE_READY, __ATOMIC_SEQ_CST);
	if (times != NULL)
		ELAPSED_SINCE(times->copy, t);
}

/* ---------------------------------------------------------------- claiming and publishing */

/*
 * Claims up to sh->chunk consecutive claimable blocks of the first shared scan that has any, with
 * a pool entry taken for each first. Returns how many (0: nothing to claim, or no pool entry
 * within the quota); *scan, *first and pages[0..n-1] describe them.
 */
static int
claim_chunk(PgfReaderShared *sh, int *scan, BlockNumber *first, int *pages)
{
	uint32		nscans = pg_atomic_read_u32(&sh->nscans);
	int			npages = 0;

	pg_read_barrier();			/* scans[0..nscans-1] were written before nscans */
	for (uint32 i = 0; i < nscans && i < PGF_READER_SCANS; i++)
	{
		PgfReaderScan *s = &sh->scans[i];
		uint32		b;
		uint32		lim;

		if (pg_atomic_read_u32(&s->closed))
			continue;
		b = pg_atomic_read_u32(&s->next_block);
		lim = Min(pg_atomic_read_u32(&s->limit), s->nblocks);
		if (b >= lim)
			continue;
		while (npages < (int) Min(sh->chunk, lim - b))
		{
			int			page = pgf_page_alloc_for_slot(sh->slot_index);

			if (page < 0)
				break;
			pages[npages++] = page;
		}
		if (npages == 0)
			return 0;
		for (;;)
		{
			uint32		k;

			lim = Min(pg_atomic_read_u32(&s->limit), s->nblocks);
			if (b >= lim)
				break;
			k = Min((uint32) npages, lim - b);
			/* on failure b is reloaded with the current value */
			if (pg_atomic_compare_exchange_u32(&s->next_block, &b, b + k))
			{
				for (int j = (int) k; j < npages; j++)
					pgf_page_free(pages[j]);
				*scan = (int) i;
				*first = b;
				return (int) k;
			}
		}
	}
	for (int j = 0; j < npages; j++)
		pgf_page_free(pages[j]);
	return 0;
}

/* Puts a filled (READY) entry into the scan's reorder window (the caller wakes the leader). */
static void
publish(PgfReaderShared *sh, int scan, BlockNumber block, int page_index)
{
	PgfReaderEntry *e = window_entry(sh, scan, block);

	if (pg_atomic_read_u32(&e->block_plus_1) != 0)
		elog(ERROR, "pg_fusion reorder window entry for block %u of scan %u still holds block %u",
			 block, sh->scans[scan].scan_id, pg_atomic_read_u32(&e->block_plus_1) - 1);
	e->page_index = (uint32) page_index;
	pg_write_barrier();
	pg_atomic_write_u32(&e->block_plus_1, block + 1);
}

/*
 * Fills and publishes a claimed chunk; wakes the leader once for it. rel NULL: the reader's
 * context opens relations (ctx), else the leader's relation is used.
 */
static void
fill_chunk(PgfReaderShared *sh, PgfSlotHeader *slot, Relation rel, BufferAccessStrategy strategy, Snapshot snapshot,
		   int scan, BlockNumber first, const int *pages, int n, PgfFillTimes *times, BlockNumber *current)
{
	for (int j = 0; j < n; j++)
	{
		if (current != NULL)
			*current = first + (BlockNumber) j;
		pgf_copy_heap_block(rel, strategy, snapshot, first + (BlockNumber) j, pages[j], sh->scans[scan].scan_id,
							false, false, (pgf_serve_tuning & PGF_SERVE_LINE_RANGE) != 0, NULL, NULL, times, NULL, NULL);
		publish(sh, scan, first + (BlockNumber) j, pages[j]);
	}
	pgf_wake_backend_of(slot);
}

/* Wakes sleeping readers (more credit, a new scan, pool entries freed, stop). */
static void
wake_readers(PgfReaderShared *sh)
{
	__atomic_add_fetch(&sh->readers_wake, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&sh->readers_sleeping, __ATOMIC_SEQ_CST) != 0)
	{
		pgf_stat_wake_calls++;
		pgf_futex_wake(&sh->readers_wake);
	}
}

/* ---------------------------------------------------------------- the reader process */

typedef struct ReaderContext
{
	Relation	rels[PGF_READER_SCANS];
	Relation	current;
	BlockNumber block;
} ReaderContext;

static void
reader_error_context(void *arg)
{
	ReaderContext *c = (ReaderContext *) arg;

	if (c->current != NULL)
		errcontext("pg_fusion page reader %d reading block %u of relation \"%s\"",
				   ParallelWorkerNumber, c->block, RelationGetRelationName(c->current));
	else
		errcontext("pg_fusion page reader %d", ParallelWorkerNumber);
}

/* The slot still belongs to the leader's execution (it always does while readers run; a check). */
static bool
slot_is_ours(PgfReaderShared *sh, PgfSlotHeader *slot)
{
	return __atomic_load_n(&slot->state, __ATOMIC_SEQ_CST) == PGF_SLOT_ACTIVE &&
		__atomic_load_n(&slot->generation, __ATOMIC_SEQ_CST) == sh->slot_generation;
}

PGDLLEXPORT void pg_fusion_page_reader_main(dsm_segment *seg, shm_toc *toc);

void
pg_fusion_page_reader_main(dsm_segment *seg, shm_toc *toc)
{
	PgfReaderShared *sh = shm_toc_lookup(toc, PGF_READERS_KEY, false);
	PgfReaderStats *stats;
	PgfSlotHeader *slot;
	Snapshot	snapshot = GetActiveSnapshot();
	BufferAccessStrategy strategy = GetAccessStrategy(BAS_BULKREAD);
	ReaderContext ctx;
	ErrorContextCallback errcb;
	PgfFillTimes times;
	int		   *pages;

	if (sh->magic != PGF_READERS_MAGIC)
		elog(ERROR, "pg_fusion page reader found a bad shared state (magic %08x)", sh->magic);
	if (pgf_header == NULL)
		elog(ERROR, "pg_fusion page reader has no pg_fusion shared memory");
	if (ParallelWorkerNumber < 0 || ParallelWorkerNumber >= sh->nreaders)
		elog(ERROR, "pg_fusion page reader number %d is outside 0..%d", ParallelWorkerNumber, sh->nreaders - 1);
	if (sh->slot_index < 0 || (uint32) sh->slot_index >= pgf_header->slot_count)
		elog(ERROR, "pg_fusion page reader got session slot %d, outside 0..%u", sh->slot_index, pgf_header->slot_count - 1);
	if (sh->chunk < 1 || sh->chunk > PGF_READER_MAX_CHUNK)
		elog(ERROR, "pg_fusion page reader got a chunk of %u blocks, outside 1..%d", sh->chunk, PGF_READER_MAX_CHUNK);
	pages = palloc(sizeof(int) * sh->chunk);
	stats = reader_stats(sh, ParallelWorkerNumber);
	slot = pgf_slot((uint32) sh->slot_index);
	memset(&ctx, 0, sizeof(ctx));
	memset(&times, 0, sizeof(times));
	errcb.callback = reader_error_context;
	errcb.arg = &ctx;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;
	InstrStartParallelQuery();

	while (!pg_atomic_read_u32(&sh->stop) && slot_is_ours(sh, slot))
	{
		uint32		seen = __atomic_load_n(&sh->readers_wake, __ATOMIC_SEQ_CST);
		BlockNumber first;
		int			scan;
		int			n;

		CHECK_FOR_INTERRUPTS();
		n = claim_chunk(sh, &scan, &first, pages);
		if (n == 0)
		{
			/* the leader wakes us for more credit, a new scan, freed pool entries or stop; 5 ms at most */
			__atomic_add_fetch(&sh->readers_sleeping, 1, __ATOMIC_SEQ_CST);
			pgf_futex_wait(&sh->readers_wake, seen, 5);
			__atomic_sub_fetch(&sh->readers_sleeping, 1, __ATOMIC_SEQ_CST);
			continue;
		}
		if (ctx.rels[scan] == NULL)
			ctx.rels[scan] = table_open(sh->scans[scan].relid, AccessShareLock);
		ctx.current = ctx.rels[scan];
		ctx.block = first;
		if (pgf_debug_fault == PGF_FAULT_READER_ERROR)
			ereport(ERROR,
					(errcode(ERRCODE_IO_ERROR),
					 errmsg("pg_fusion.debug_fault = reader_error: page reader fails before block %u", first)));
		if (pgf_debug_fault == PGF_FAULT_READER_SLEEP)
			for (int i = 0; i < 6000; i++)
			{
				CHECK_FOR_INTERRUPTS();
				pg_usleep(10000L);
			}
		fill_chunk(sh, slot, ctx.current, sh->scans[scan].bulk ? strategy : NULL, snapshot, scan, first, pages, n, &times, &ctx.block);
		ctx.current = NULL;
		stats->pages += (uint64) n;
	}

	stats->t_read = times.read;
	stats->t_visibility = times.visibility;
	stats->t_copy = times.copy;
	InstrEndParallelQuery(&stats->bufusage, &stats->walusage);
	for (int i = 0; i < PGF_READER_SCANS; i++)
		if (ctx.rels[i] != NULL)
			table_close(ctx.rels[i], AccessShareLock);
	FreeAccessStrategy(strategy);
	error_context_stack = errcb.previous;
	pg_write_barrier();
	stats->finished = 1;
}

/* ---------------------------------------------------------------- the leader's side */

/*
 * Starts up to nreaders page readers for the session's slot, or returns NULL when none was
 * launched (no parallel mode, no DSM segment, max_parallel_workers or max_worker_processes
 * exhausted): the caller then serves every page itself, as without readers. planned/launched
 * are reported for EXPLAIN either way.
 */
PgfReaders *
pgf_readers_start(Snapshot snapshot, PgfSession *session, int nreaders, int *launched)
{
	ParallelContext *pcxt;
	PgfReaderShared *sh;
	PgfReaders *r;
	uint32		window = pgf_header->session_page_quota;
	Size		size;

	*launched = 0;
	if (nreaders <= 0 || !IsInParallelMode() || IsParallelWorker() || session == NULL || session->index < 0)
		return NULL;
	size = shared_size(nreaders, window);
	pcxt = CreateParallelContext("pg_fusion", "pg_fusion_page_reader_main", nreaders);
	shm_toc_estimate_chunk(&pcxt->estimator, size);
	shm_toc_estimate_keys(&pcxt->estimator, 1);
	/* the readers see the query's snapshot as their active snapshot */
	PushActiveSnapshot(snapshot);
	PG_TRY();
	{
		InitializeParallelDSM(pcxt);
	}
	PG_FINALLY();
	{
		PopActiveSnapshot();
	}
	PG_END_TRY();
	if (pcxt->seg == NULL || pcxt->nworkers == 0)
	{
		DestroyParallelContext(pcxt);
		return NULL;
	}
	sh = shm_toc_allocate(pcxt->toc, size);
	memset(sh, 0, size);
	sh->magic = PGF_READERS_MAGIC;
	sh->slot_index = session->index;
	sh->slot_generation = session->generation;
	sh->window = window;
	sh->nreaders = nreaders;
	sh->chunk = Max(1, Min(PGF_READER_MAX_CHUNK, window / 16));
	pg_atomic_init_u32(&sh->nscans, 0);
	pg_atomic_init_u32(&sh->stop, 0);
	for (int i = 0; i < PGF_READER_SCANS; i++)
	{
		pg_atomic_init_u32(&sh->scans[i].next_block, 0);
		pg_atomic_init_u32(&sh->scans[i].limit, 0);
		pg_atomic_init_u32(&sh->scans[i].closed, 0);
	}
	for (Size i = 0; i < (Size) PGF_READER_SCANS * window; i++)
		pg_atomic_init_u32(&((PgfReaderEntry *) ((char *) sh + entries_offset(nreaders)))[i].block_plus_1, 0);
	shm_toc_insert(pcxt->toc, PGF_READERS_KEY, sh);
	LaunchParallelWorkers(pcxt);
	*launched = pcxt->nworkers_launched;
	if (pcxt->nworkers_launched == 0)
	{
		DestroyParallelContext(pcxt);
		return NULL;
	}
	r = palloc0(sizeof(PgfReaders));
	r->pcxt = pcxt;
	r->shared = sh;
	r->slot = pgf_slot((uint32) session->index);
	r->planned = nreaders;
	r->launched = pcxt->nworkers_launched;
	return r;
}

/* Makes a scan claimable by the readers; its index, or -1 when all PGF_READER_SCANS are taken. */
int
pgf_readers_add_scan(PgfReaders *r, Oid relid, uint32 scan_id, BlockNumber nblocks, uint32 credit, bool bulk)
{
	PgfReaderShared *sh = r->shared;
	uint32		i = pg_atomic_read_u32(&sh->nscans);
	PgfReaderScan *s;

	if (i >= PGF_READER_SCANS)
		return -1;
	s = &sh->scans[i];
	s->relid = relid;
	s->scan_id = scan_id;
	s->nblocks = nblocks;
	s->bulk = bulk;
	pg_atomic_write_u32(&s->next_block, 0);
	pg_atomic_write_u32(&s->limit, credit);
	pg_atomic_write_u32(&s->closed, 0);
	r->next_take[i] = 0;
	pg_write_barrier();
	pg_atomic_write_u32(&sh->nscans, i + 1);
	wake_readers(sh);
	return (int) i;
}

/* Blocks below limit may be claimed (the leader's forwarded blocks plus the scan's credit). */
void
pgf_readers_set_limit(PgfReaders *r, int scan, uint32 limit)
{
	PgfReaderScan *s = &r->shared->scans[scan];

	if (limit > pg_atomic_read_u32(&s->limit))
	{
		pg_atomic_write_u32(&s->limit, limit);
		wake_readers(r->shared);
	}
}

void
pgf_readers_close_scan(PgfReaders *r, int scan)
{
	pg_atomic_write_u32(&r->shared->scans[scan].closed, 1);
}

/*
 * The pool entry of the scan's next block in order, if a reader (or the leader) has published
 * it; the caller forwards it to the worker. False when it is not ready yet.
 */
bool
pgf_readers_take(PgfReaders *r, int scan, BlockNumber *block, int *page_index)
{
	BlockNumber b = r->next_take[scan];
	PgfReaderEntry *e = window_entry(r->shared, scan, b);
	uint32		page;

	if (pg_atomic_read_u32(&e->block_plus_1) != b + 1)
		return false;
	pg_read_barrier();
	page = e->page_index;
	if (page >= pgf_header->page_count)
		elog(ERROR, "pg_fusion page reader published page %u for block %u, outside the pool (0..%u)",
			 page, b, pgf_header->page_count - 1);
	pg_atomic_write_u32(&e->block_plus_1, 0);
	r->next_take[scan] = b + 1;
	*block = b;
	*page_index = (int) page;
	return true;
}

/* Frees the published entries of a closed scan that will never be forwarded; returns how many. */
int
pgf_readers_drain(PgfReaders *r, int scan)
{
	BlockNumber block;
	int			page;
	int			n = 0;

	while (pgf_readers_take(r, scan, &block, &page))
	{
		pgf_page_free(page);
		n++;
	}
	return n;
}

/*
 * The leader reads a chunk of blocks itself, like a reader, when it has nothing to forward.
 * True when it did. Its times go to *times.
 */
bool
pgf_readers_fill_one(PgfReaders *r, Relation (*relation_of) (void *arg, uint32 scan_id, BufferAccessStrategy *strategy),
					 void *arg, Snapshot snapshot, PgfFillTimes *times)
{
	BufferAccessStrategy strategy = NULL;
	PgfReaderShared *sh = r->shared;
	int			pages[PGF_READER_MAX_CHUNK];
	BlockNumber first;
	int			scan;
	int			n;
	Relation	rel;

	/* test faults that need the readers to read the blocks */
	if (pgf_debug_fault == PGF_FAULT_READER_ERROR || pgf_debug_fault == PGF_FAULT_READER_SLEEP ||
		pgf_debug_fault == PGF_FAULT_READERS_ONLY)
		return false;
	n = claim_chunk(sh, &scan, &first, pages);
	if (n == 0)
		return false;
	rel = relation_of(arg, sh->scans[scan].scan_id, &strategy);
	if (rel == NULL)
		elog(ERROR, "pg_fusion page readers serve scan %u, which the backend does not know", sh->scans[scan].scan_id);
	fill_chunk(sh, r->slot, rel, strategy, snapshot, scan, first, pages, n, times, NULL);
	return true;
}

/*
 * Readers asleep while there is something to claim and room in the pool: wake them. The worker
 * wakes only the leader (backend_wake) when it frees pool entries; the leader passes it on.
 */
void
pgf_readers_nudge(PgfReaders *r)
{
	PgfReaderShared *sh = r->shared;
	uint32		nscans;

	if (__atomic_load_n(&sh->readers_sleeping, __ATOMIC_SEQ_CST) == 0 ||
		__atomic_load_n(&r->slot->pages_in_use, __ATOMIC_SEQ_CST) >= pgf_header->session_page_quota)
		return;
	nscans = Min(pg_atomic_read_u32(&sh->nscans), PGF_READER_SCANS);
	for (uint32 i = 0; i < nscans; i++)
	{
		PgfReaderScan *s = &sh->scans[i];

		if (!pg_atomic_read_u32(&s->closed) &&
			pg_atomic_read_u32(&s->next_block) < Min(pg_atomic_read_u32(&s->limit), s->nblocks))
		{
			wake_readers(sh);
			return;
		}
	}
}

/*
 * How many of the scan's next blocks, in order, are ready to forward (at most max), and how
 * many are claimed but not forwarded yet (*in_flight).
 */
int
pgf_readers_ready(PgfReaders *r, int scan, int max, uint32 *in_flight)
{
	BlockNumber b = r->next_take[scan];
	int			n = 0;

	*in_flight = pg_atomic_read_u32(&r->shared->scans[scan].next_block) - b;
	while (n < max && pg_atomic_read_u32(&window_entry(r->shared, scan, b + (BlockNumber) n)->block_plus_1) == b + (BlockNumber) n + 1)
		n++;
	return n;
}

/*
 * Whether the next block the leader waits for may never come: a reader stopped without finishing
 * normally. (A reader that fails reports its ERROR to the leader, which CHECK_FOR_INTERRUPTS
 * raises; this catches anything else.) Raises an ERROR naming the reader.
 */
void
pgf_readers_check(PgfReaders *r)
{
	for (int i = 0; i < r->launched; i++)
	{
		pid_t		pid;

		if (r->pcxt->worker == NULL || r->pcxt->worker[i].bgwhandle == NULL)
			continue;
		if (GetBackgroundWorkerPid(r->pcxt->worker[i].bgwhandle, &pid) == BGWH_STOPPED &&
			!reader_stats(r->shared, i)->finished)
		{
			/* its ERROR, if it sent one, comes first */
			pg_atomic_write_u32(&r->shared->stop, 1);
			wake_readers(r->shared);
			WaitForParallelWorkersToFinish(r->pcxt);
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("pg_fusion page reader %d exited before it finished", i)));
		}
	}
}

/*
 * Stops the readers and waits for them (an ERROR a reader raised is raised here), adds their
 * buffer usage to this backend's, frees the published entries the leader did not forward, and
 * destroys the parallel context. Must run before the session slot is released.
 */
void
pgf_readers_finish(PgfReaders *r)
{
	PgfReaderShared *sh = r->shared;
	uint32		nscans;

	pg_atomic_write_u32(&sh->stop, 1);
	wake_readers(sh);
	WaitForParallelWorkersToFinish(r->pcxt);
	for (int i = 0; i < r->launched; i++)
	{
		PgfReaderStats *st = reader_stats(sh, i);

		InstrAccumParallelQuery(&st->bufusage, &st->walusage);
		r->reader_pages += st->pages;
		INSTR_TIME_ADD(r->reader_read, st->t_read);
		INSTR_TIME_ADD(r->reader_copy, st->t_copy);
	}
	nscans = Min(pg_atomic_read_u32(&sh->nscans), PGF_READER_SCANS);
	for (uint32 i = 0; i < nscans; i++)
		pgf_readers_drain(r, (int) i);
	DestroyParallelContext(r->pcxt);
	r->pcxt = NULL;
	r->shared = NULL;
}

void
pgf_readers_report(PgfReaders *r, uint64 *pages, double *read_ms, double *copy_ms)
{
	*pages = r->reader_pages;
	*read_ms = INSTR_TIME_GET_MILLISEC(r->reader_read);
	*copy_ms = INSTR_TIME_GET_MILLISEC(r->reader_copy);
}
