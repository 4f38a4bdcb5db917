/*
 * page_pins.c: the backend's side of the shared page transfer (pg_fusion.page_transfer = shared;
 * docs/ipc.md 6.5, "Shared page transfer").
 *
 * In shared mode the backend does not copy a heap page into its pool entry: it reads the block,
 * share-locks it, computes the visibility bitmap, unlocks and KEEPS THE PIN, and publishes the
 * entry with the buffer's number. The worker reads the page where it lies in shared buffers.
 * PostgreSQL's own page-at-a-time scans rely on the same invariant (heapam.c, heapgetpage and
 * heapgettup_pagemode): while a pin is held, nobody can prune or defragment the page, which needs
 * a cleanup lock (a pin count of one, bufmgr.c LockBufferForCleanup /
 * ConditionalLockBufferForCleanup; pruneheap.c heap_page_prune_opt), so the line pointers and the
 * data of the tuples the bitmap marks visible stay where they are; only hint bits, xmax and new
 * items in free space change, and the worker reads none of them.
 *
 * When the worker is done with a shared entry it marks it RETURNED instead of FREE (the entry
 * still counts in the session's quota, so pins in flight never exceed session_page_quota). This
 * file remembers which entries carry a pin; pgf_pins_reap drops the pins of RETURNED entries and
 * frees them. At a normal end every pin is dropped (pgf_pins_release_all); on ERROR the resource
 * owner has already dropped them or is about to (AtAbort_Portals deletes the executor's memory
 * before ResourceOwnerRelease), so pgf_pins_forget only forgets them: calling ReleaseBuffer then
 * would release a pin twice.
 */
#include "pg_fusion.h"

#include "storage/bufmgr.h"
#include "utils/memutils.h"

/*
 * Whether the worker may read this backend's shared buffers in place: the worker published the
 * buffer pool's address, count and page size, and they are this process's (always so for
 * postmaster children on platforms that fork; checked rather than assumed). And the pins it may
 * leave in flight are few against shared buffers: all backends together pin at most page_count
 * buffers for pg_fusion, which must stay within a quarter of NBuffers (the share heapam leaves
 * to a bulk-read scan), so that a small shared_buffers (a 2048-page pool against 16MB of
 * buffers) never runs other backends out of unpinned buffers; otherwise pages are copied.
 */
bool
pgf_shared_transfer_available(void)
{
	return pgf_header->buffer_blocks != 0 &&
		pgf_header->buffer_blocks == (uint64) (uintptr_t) BufferBlocks &&
		pgf_header->nbuffers == (uint32) NBuffers &&
		pgf_header->block_size == BLCKSZ &&
		(uint64) pgf_header->page_count * 4 <= (uint64) NBuffers;
}

/* Room for capacity pins, in the current memory context (the query's). */
void
pgf_pins_init(PgfPagePins *pins, int capacity)
{
	pins->count = 0;
	pins->capacity = Max(capacity, 1);
	pins->pages = palloc(sizeof(int) * pins->capacity);
	pins->buffers = palloc(sizeof(Buffer) * pins->capacity);
	pins->released = 0;
}

/* Remembers that pool entry page_index was published with buffer pinned. */
void
pgf_pins_add(PgfPagePins *pins, int page_index, Buffer buffer)
{
	/* cannot happen: each entry here counts in pages_in_use, which stays within the quota */
	if (pins->count >= pins->capacity)
		elog(ERROR, "pg_fusion holds %d pinned pages, the session quota", pins->count);
	pins->pages[pins->count] = page_index;
	pins->buffers[pins->count] = buffer;
	pins->count++;
}

/*
 * Drops the pin of every entry the worker has returned and frees the entry (quota back to the
 * session). Keeps the others in their order. Returns how many were dropped.
 */
int
pgf_pins_reap(PgfPagePins *pins)
{
	int			kept = 0;
	int			dropped = 0;

	for (int i = 0; i < pins->count; i++)
	{
		PgfPageSlotState *st = pgf_page_state((uint32) pins->pages[i]);

		if (__atomic_load_n(&st->state, __ATOMIC_ACQUIRE) != PGF_PAGE_RETURNED)
		{
			pins->pages[kept] = pins->pages[i];
			pins->buffers[kept] = pins->buffers[i];
			kept++;
			continue;
		}
		/* the pin first: once FREE, the entry may be taken by anyone */
		ReleaseBuffer(pins->buffers[i]);
		pgf_page_free(pins->pages[i]);
		dropped++;
	}
	pins->count = kept;
	pins->released += dropped;
	return dropped;
}

/*
 * The end of an execution (DONE, EndCustomScan, ReScan), before the session slot is released:
 * drops every pin. Entries the worker returned are freed here; the others (pages it never read,
 * as under a LIMIT) are freed by its reclaim of the slot. A worker still decoding such a page
 * reads whatever the buffer holds next: its reads stay inside the page's 8 KB of shared buffers
 * and its results go to a session that is gone (docs/ipc.md 6.5).
 */
void
pgf_pins_release_all(PgfPagePins *pins)
{
	for (int i = 0; i < pins->count; i++)
	{
		PgfPageSlotState *st = pgf_page_state((uint32) pins->pages[i]);
		uint32		expected = PGF_PAGE_RETURNED;

		ReleaseBuffer(pins->buffers[i]);
		if (__atomic_compare_exchange_n(&st->state, &expected, PGF_PAGE_FILLING, false,
										__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			pgf_page_free(pins->pages[i]);
		pins->released++;
	}
	pins->count = 0;
}

/* ERROR: the resource owner releases the pins (quietly, as on any abort); only forget them. */
void
pgf_pins_forget(PgfPagePins *pins)
{
	pins->count = 0;
}
