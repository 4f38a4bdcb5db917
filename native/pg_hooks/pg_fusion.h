/*
 * pg_fusion.h: declarations shared by the extension's C files.
 */
#ifndef PG_FUSION_H
#define PG_FUSION_H

#include "postgres.h"

#include "access/htup.h"
#include "lib/stringinfo.h"
#include "portability/instr_time.h"
#include "storage/block.h"
#include "storage/bufmgr.h"
#include "storage/off.h"
#include "utils/snapshot.h"
#include "nodes/parsenodes.h"
#include "nodes/params.h"
#include "nodes/plannodes.h"
#include "utils/relcache.h"

#include "pgfusion_ipc.h"

/* ---- GUCs (pg_fusion.c) ---- */
extern bool pgf_enable;
extern int	pgf_on_unsupported;		/* PGF_ON_UNSUPPORTED_* */
extern int	pgf_debug_fault;		/* PgfDebugFault */
extern int	pgf_slots;
extern int	pgf_pool_pages;
extern int	pgf_session_pages;
extern int	pgf_ring_kb;
extern bool pgf_explain_rules;
extern int	pgf_join_pair_budget;	/* sent to the worker in the Query JSON's settings */
extern char *pgf_disabled_rules;	/* pg_fusion.disabled_rules, sent in the settings when not empty */
extern int	pgf_worker_threads;	/* threads per offloaded query in the worker */
extern int	pgf_work_mem;			/* kB, -1 = work_mem * hash_mem_multiplier */
extern int	pgf_serve_tuning;		/* PGF_SERVE_* bits: how the backend serves heap pages (A/B switch) */
extern int	pgf_page_transfer;		/* PGF_TRANSFER_*: heap pages copied into the pool or read in place */

#define PGF_TRANSFER_COPY 0		/* the backend copies each page into its pool entry */
#define PGF_TRANSFER_SHARED 1	/* the backend keeps the buffer pinned; the worker reads it in shared buffers */

/*
 * pg_fusion.serve_tuning bits (all set by default; clearing one restores the earlier behaviour,
 * for comparisons): see docs/ipc.md, "Serving pages cheaply".
 */
#define PGF_SERVE_ROUND_WAKE	0x1	/* wake the worker once per serving round, not per PAGE_RUN */
#define PGF_SERVE_LONG_RUNS		0x2	/* runs of up to 64 pages, rounds of up to 128 */
#define PGF_SERVE_RECYCLE		0x4	/* reuse this process's recently freed pool entries first */
#define PGF_SERVE_NEXT_BUFFER	0x8	/* look for block b in the buffer after block b-1's first (ReadRecentBuffer) */
#define PGF_SERVE_PROBE_PREFETCH 0x10	/* index probes pin heap blocks ahead and prefetch their lines */
#define PGF_SERVE_PROBE_GUESS	0x20	/* with 0x10: a probe's next block first looked for at the last block's buffer offset */
#define PGF_SERVE_LINE_RANGE	0x40	/* an all-visible page without free line pointers is published as lines 1..max, unread */
#define PGF_SERVE_PROBE_TRUNCATE 0x80	/* an index probe's tuples travel cut after the last attribute the worker decodes */
#define PGF_SERVE_PROBE_TEXT_EQ	0x100	/* an index probe evaluates bpchar/text (in)equality conditions with a constant (docs/ipc.md 6.3) */
#define PGF_SERVE_INDEX_ONLY	0x200	/* a first-match probe that needs only the key answers from the index on all-visible pages; relallvisible in the Query JSON */
#define PGF_SERVE_ALL			0x3FF
#define PGF_SERVE_BATCH_WORKER	0x400	/* the worker's threads of an execution run SCHED_BATCH: a woken one does not preempt the backend (EXECUTE flag 0x400) */
#define PGF_SERVE_MASK			0x7FF	/* every bit the GUC accepts; the default stays PGF_SERVE_ALL */
extern char *pgf_worker_dir;

#define PGF_ON_UNSUPPORTED_FALLBACK 0
#define PGF_ON_UNSUPPORTED_ERROR 1

/* ---- shared memory and sessions (shmem.c) ---- */
extern PgfHeader *pgf_header;

extern Size pgf_shmem_size(void);
extern void pgf_shmem_request(void);
extern void pgf_shmem_startup(void);

static inline PgfSlotHeader *
pgf_slot(uint32 index)
{
	return (PgfSlotHeader *) ((char *) pgf_header + pgf_header->slots_offset + (uint64) index * pgf_header->slot_stride);
}

static inline char *
pgf_slot_ring_data(PgfSlotHeader *slot, bool to_worker)
{
	return (char *) slot + PGF_SLOT_HEADER_SIZE + (to_worker ? 0 : pgf_header->ring_capacity);
}

static inline PgfPageSlotState *
pgf_page_state(uint32 index)
{
	return (PgfPageSlotState *) ((char *) pgf_header + pgf_header->page_states_offset) + index;
}

static inline PgfPageMeta *
pgf_page_meta(uint32 index)
{
	return (PgfPageMeta *) ((char *) pgf_header + pgf_header->pages_offset + (uint64) index * pgf_header->page_stride);
}

/* A backend's claim on a session slot; valid while generation matches. */
typedef struct PgfSession
{
	int			index;			/* -1 when none */
	uint32		generation;
	uint32		epoch;
	/* reader state: a message being received */
	uint32		msg_type;
	uint32		msg_len;
	bool		wake_pending;	/* frames sent with pgf_session_send_quiet, the worker not yet woken */
} PgfSession;

extern const char *pgf_worker_unavailable_reason(void);
extern PgfSession *pgf_session_open(long wait_ms);
extern void pgf_session_close(PgfSession *session);
extern void pgf_session_abandon_current(void);
extern void pgf_session_send(PgfSession *session, uint32 type, const void *prefix, uint32 prefix_len,
							 const void *body, uint32 body_len);
extern void pgf_session_send_quiet(PgfSession *session, uint32 type, const void *prefix, uint32 prefix_len,
								   const void *body, uint32 body_len);
extern void pgf_session_flush_wake(PgfSession *session);
extern bool pgf_session_try_receive(PgfSession *session, StringInfo payload, uint32 *type);
extern void pgf_session_receive(PgfSession *session, StringInfo payload, uint32 *type);
extern uint32 pgf_session_wake_seq(PgfSession *session);
extern void pgf_session_wait(PgfSession *session, uint32 seen, long timeout_ms);
extern void pgf_session_check_worker(PgfSession *session);
extern int	pgf_page_alloc(PgfSession *session);
extern int	pgf_page_alloc_for_slot(int slot_index);
extern void pgf_slot_sleep(PgfSlotHeader *slot, uint32 seen, long timeout_ms);
extern void pgf_wake_backend_of(PgfSlotHeader *slot);
extern void pgf_page_free(int page_index);
extern void pgf_raise_worker_error(const char *payload, uint32 len);
extern void pgf_futex_wake(uint32 *word);
extern void pgf_futex_wait(uint32 *word, uint32 expected, long timeout_ms);
extern void pgf_wake_worker_of(PgfSlotHeader *slot);
extern uint64 pgf_stat_wake_calls;
extern uint64 pgf_stat_send_waits;

/* ---- background worker (worker.c) ---- */
extern void pgf_register_worker(void);
extern PGDLLEXPORT void pg_fusion_worker_main(Datum arg);

/* ---- Query -> JSON (query_json.c) ---- */
extern char *pgf_query_to_json(Query *query);
extern void pgf_append_settings(StringInfo out);

/* ---- index probes (probe.c) ---- */
struct PgfProbeSet;
struct EState;
extern void pgf_append_indexes(StringInfo out, Relation rel);
extern Index pgf_range_table_index(struct EState *estate, Oid relid);
extern void pgf_probe_open(struct PgfProbeSet **setp, struct EState *estate, StringInfo msg);
extern int	pgf_probe_serve(struct PgfProbeSet *set, PgfSession *session, int max_items);
extern void pgf_probe_keys(struct PgfProbeSet *set, struct EState *estate, StringInfo msg);
extern bool pgf_probe_credit(struct PgfProbeSet *set, uint32 scan_id, uint32 pages);
extern bool pgf_probe_close(struct PgfProbeSet *set, uint32 scan_id);
extern void pgf_probe_end(struct PgfProbeSet **setp);

/* ---- the index probe's walk along btree leaves (probe_leaf.c) ---- */
typedef struct PgfLeafWalk PgfLeafWalk;
struct TupleTableSlot;
extern bool pgf_probe_leaf_walk;	/* GUC pg_fusion.probe_leaf_walk */
extern PgfLeafWalk *pgf_leaf_walk_begin(Relation heap, Relation index, Snapshot snapshot, MemoryContext cxt);
extern void pgf_leaf_walk_key(PgfLeafWalk *walk, int64 key, const int64 *next, uint32 nnext);
extern uint64 pgf_leaf_walk_guess_hits(PgfLeafWalk *walk);
extern bool pgf_leaf_walk_next(PgfLeafWalk *walk, struct TupleTableSlot *slot);
extern void pgf_leaf_walk_index_only(PgfLeafWalk *walk, MemoryContext cxt);
extern bool pgf_leaf_walk_next_or_visible(PgfLeafWalk *walk, struct TupleTableSlot *slot, bool *visible);
extern void pgf_leaf_walk_end(PgfLeafWalk *walk);

/* ---- page readers (readers.c) ---- */
#define PGF_READER_SCANS 16		/* scans of one execution the readers can serve; later ones: the leader alone */

typedef struct PgfFillTimes
{
	instr_time	read;			/* ReadBuffer + prune + share lock */
	instr_time	visibility;		/* line pointers and visibility */
	instr_time	copy;			/* page copy into the pool */
} PgfFillTimes;

typedef void (*PgfToastCollector) (void *arg, HeapTuple tuple, OffsetNumber off);

/*
 * PGF_SERVE_NEXT_BUFFER: where a scan's previous blocks sat in shared buffers. When block b - 1
 * sat in the buffer after block b - 2's, block b is looked for in the buffer after b - 1's first.
 */
typedef struct PgfBufferGuess
{
	Buffer		last;			/* buffer of the previous block, or InvalidBuffer */
	bool		consecutive;	/* the previous block's buffer followed its predecessor's */
	uint64		hits;			/* blocks pinned through the guess (EXPLAIN) */
} PgfBufferGuess;

typedef struct PgfReaders PgfReaders;

extern int	pgf_page_readers;
extern void pgf_copy_heap_block(Relation rel, BufferAccessStrategy strategy, Snapshot snapshot, BlockNumber block,
								int page_index, uint32 scan_id, bool serializable, bool may_toast, bool line_range,
								PgfToastCollector collect, void *collect_arg, PgfFillTimes *times,
								PgfBufferGuess *guess, Buffer *keep_pin);

/* ---- shared page transfer: pins in flight (page_pins.c) ---- */
typedef struct PgfPagePins
{
	int			count;
	int			capacity;		/* the session quota: every pinned entry counts in pages_in_use */
	int		   *pages;			/* pool entries published with a pinned buffer */
	Buffer	   *buffers;
	uint64		released;		/* pins dropped after the worker returned the entry (EXPLAIN) */
} PgfPagePins;

extern bool pgf_shared_transfer_available(void);
extern void pgf_pins_init(PgfPagePins *pins, int capacity);
extern void pgf_pins_add(PgfPagePins *pins, int page_index, Buffer buffer);
extern int	pgf_pins_reap(PgfPagePins *pins);
extern void pgf_pins_release_all(PgfPagePins *pins);
extern void pgf_pins_forget(PgfPagePins *pins);
extern PgfReaders *pgf_readers_start(Snapshot snapshot, PgfSession *session, int nreaders, int *launched);
extern int	pgf_readers_add_scan(PgfReaders *r, Oid relid, uint32 scan_id, BlockNumber nblocks, uint32 credit, bool bulk);
extern void pgf_readers_set_limit(PgfReaders *r, int scan, uint32 limit);
extern void pgf_readers_close_scan(PgfReaders *r, int scan);
extern bool pgf_readers_take(PgfReaders *r, int scan, BlockNumber *block, int *page_index);
extern int	pgf_readers_drain(PgfReaders *r, int scan);
extern bool pgf_readers_fill_one(PgfReaders *r,
								 Relation (*relation_of) (void *arg, uint32 scan_id, BufferAccessStrategy *strategy),
								 void *arg, Snapshot snapshot, PgfFillTimes *times);
extern void pgf_readers_nudge(PgfReaders *r);
extern int	pgf_readers_ready(PgfReaders *r, int scan, int max, uint32 *in_flight);
extern void pgf_readers_check(PgfReaders *r);
extern void pgf_readers_finish(PgfReaders *r);
extern void pgf_readers_report(PgfReaders *r, uint64 *pages, double *read_ms, double *copy_ms);

/* ---- planner hook (planner.c) ---- */
extern void pgf_install_planner_hooks(void);
extern const char *pgf_unsupported_construct(Query *query, ParamListInfo boundParams, int cursorOptions);

typedef struct PgfCompileReply
{
	uint32		type;			/* PGF_MSG_COMPILED / UNSUPPORTED / EXPLAINED */
	uint64		plan_handle;
	double		rows;			/* the worker's row estimate */
	int			ncols;
	Oid		   *typids;
	int32	   *typmods;
	char	  **names;
	char	   *text;			/* explain text, unsupported reason or explained text */
} PgfCompileReply;

extern void pgf_compile(uint32 message_type, const char *json, PgfCompileReply *reply);

/* ---- CustomScan (scan.c) ---- */
extern void pgf_register_custom_scan(void);
extern Plan *pgf_make_custom_scan(Query *parse, PgfCompileReply *reply, const char *json);

#endif							/* PG_FUSION_H */
