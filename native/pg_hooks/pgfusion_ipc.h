/*
 * pgfusion_ipc.h: the shared-memory layout and message protocol between backends and the
 * pg_fusion worker. Mirrored field by field in src/PgFusion.Ipc (ShmemLayout.cs); documented in
 * docs/ipc.md. Every offset here is part of the contract: change PGF_LAYOUT_VERSION with it.
 *
 * No PostgreSQL headers: this file describes bytes, so the C# side can be checked against it.
 */
#ifndef PGFUSION_IPC_H
#define PGFUSION_IPC_H

#include <stdint.h>

#define PGF_MAGIC 0x55464750u			/* "PGFU" little-endian */
#define PGF_LAYOUT_VERSION 2u

/* ---- header (offset 0, PGF_HEADER_SIZE bytes) ---- */
#define PGF_HEADER_SIZE 512
#define PGF_STATUS_MESSAGE_BYTES 256

typedef enum PgfWorkerState
{
	PGF_WORKER_NOT_STARTED = 0,
	PGF_WORKER_STARTING = 1,
	PGF_WORKER_READY = 2,
	PGF_WORKER_FAILED = 3,
	PGF_WORKER_STOPPED = 4
} PgfWorkerState;

typedef struct PgfHeader
{
	uint32_t	magic;				/* 0 */
	uint32_t	layout_version;		/* 4 */
	uint64_t	total_size;			/* 8 */
	uint32_t	slot_count;			/* 16 */
	uint32_t	ring_capacity;		/* 20: bytes per direction, power of two */
	uint32_t	page_count;			/* 24: page-pool entries */
	uint32_t	session_page_quota; /* 28: pages one session may hold at once */
	uint32_t	max_message_bytes;	/* 32: payload limit of one framed message */
	uint32_t	worker_state;		/* 36: PgfWorkerState */
	int32_t		worker_pid;			/* 40 */
	uint32_t	dispatcher_wake;	/* 44: futex word, bumped when a slot changes state */
	uint32_t	dispatcher_sleeping;	/* 48 */
	uint32_t	worker_epoch;		/* 52: bumped each time the worker (re)starts */
	uint64_t	slots_offset;		/* 56 */
	uint64_t	slot_stride;		/* 64 */
	uint64_t	page_states_offset; /* 72 */
	uint64_t	pages_offset;		/* 80 */
	uint64_t	page_stride;		/* 88 */
	uint32_t	page_alloc_hint;	/* 96: where the next page search starts */
	uint32_t	reserved0;			/* 100 */
	char		status_message[PGF_STATUS_MESSAGE_BYTES];	/* 104: worker's last failure, NUL-terminated */
	/*
	 * Shared page transfer (pg_fusion.page_transfer = shared; docs/ipc.md 6.5): written by the
	 * worker's C side before .NET starts. Buffer b (1..nbuffers, PostgreSQL's Buffer number) is
	 * the block_size bytes at buffer_blocks + (b - 1) * block_size, at the same address in every
	 * postmaster child. 0 while the worker has not set them: backends then copy.
	 */
	uint64_t	buffer_blocks;	/* 360: BufferBlocks as an address */
	uint32_t	nbuffers;		/* 368: NBuffers */
	uint32_t	block_size;		/* 372: BLCKSZ */
	char		reserved1[PGF_HEADER_SIZE - 376];
} PgfHeader;

/* ---- session slots (slots_offset + i * slot_stride) ---- */
#define PGF_SLOT_HEADER_SIZE 512

typedef enum PgfSlotState
{
	PGF_SLOT_FREE = 0,			/* nobody; a backend may claim it (CAS FREE -> ACTIVE) */
	PGF_SLOT_ACTIVE = 1,		/* a backend uses it; the worker runs a session thread */
	PGF_SLOT_RELEASED = 2,		/* the backend is gone from it; the worker reclaims -> FREE */
	PGF_SLOT_CLAIMING = 3		/* a backend is filling in the slot's fields (FREE -> CLAIMING -> ACTIVE) */
} PgfSlotState;

typedef struct PgfRingPos
{
	uint64_t	value;			/* monotonic byte count */
	char		pad[56];		/* own cache line */
} PgfRingPos;

typedef struct PgfSlotHeader
{
	uint32_t	state;			/* 0: PgfSlotState */
	uint32_t	generation;		/* 4: bumped at each claim */
	int32_t		backend_pid;	/* 8 */
	uint32_t	worker_epoch;	/* 12: header.worker_epoch when claimed */
	uint32_t	backend_wake;	/* 16: futex word the backend sleeps on */
	uint32_t	backend_sleeping;	/* 20 */
	uint32_t	worker_wake;	/* 24: futex word the session thread sleeps on */
	uint32_t	worker_sleeping;	/* 28 */
	uint32_t	pages_in_use;	/* 32: page-pool entries owned by this slot (not FREE) */
	uint32_t	cancel_requested;	/* 36: backend asks the worker to stop the current request */
	char		reserved0[24];	/* 40 */
	PgfRingPos	to_worker_head; /* 64: written by the backend */
	PgfRingPos	to_worker_tail; /* 128: written by the worker */
	PgfRingPos	to_backend_head;	/* 192: written by the worker */
	PgfRingPos	to_backend_tail;	/* 256: written by the backend */
	char		reserved1[PGF_SLOT_HEADER_SIZE - 320];
	/* 512: to_worker data [ring_capacity], then to_backend data [ring_capacity] */
} PgfSlotHeader;

/* ---- page pool: page_count states (8 bytes each), then page_count entries ---- */
typedef enum PgfPageState
{
	PGF_PAGE_FREE = 0,
	PGF_PAGE_FILLING = 1,		/* the owning backend is copying into it */
	PGF_PAGE_READY = 2,			/* published to the worker, which frees it after decoding */
	PGF_PAGE_RETURNED = 3		/* shared entry the worker is done with: its backend drops the pin, then frees it */
} PgfPageState;

typedef struct PgfPageSlotState
{
	uint32_t	state;			/* PgfPageState */
	uint32_t	owner_slot;		/* session slot index that allocated it */
} PgfPageSlotState;

#define PGF_PAGE_META_SIZE 64
#define PGF_VISIBILITY_BYTES 40
#define PGF_PAGE_BYTES 8192

typedef struct PgfPageMeta
{
	uint32_t	block;			/* 0 */
	uint32_t	scan_id;		/* 4 */
	uint32_t	line_pointers;	/* 8: PageGetMaxOffsetNumber */
	uint32_t	visible;		/* 12: set bits in visibility */
	uint8_t		visibility[PGF_VISIBILITY_BYTES];	/* 16: LSB-first, bit i = line pointer i+1 visible */
	uint32_t	buffer;			/* 56: 0: the page follows (copy); else the shared buffer (1..nbuffers) holding it, pinned by the backend */
	uint32_t	reserved;		/* 60 */
	/* 64: the 8192-byte page (copy mode only) */
} PgfPageMeta;

#define PGF_PAGE_STRIDE (PGF_PAGE_META_SIZE + PGF_PAGE_BYTES)

/* ---- messages: u32 type, u32 payload length, payload (no padding) ---- */
#define PGF_MSG_HEADER_SIZE 8

typedef enum PgfMessageType
{
	/* backend -> worker */
	PGF_MSG_COMPILE = 1,		/* u32 flags, u32 reserved, json[] */
	PGF_MSG_EXECUTE = 2,		/* u32 flags, u32 work_mem_kb, u64 plan_handle, json[] */
	PGF_MSG_EXPLAIN = 3,		/* u32 flags, u32 reserved, json[] */
	PGF_MSG_PAGE = 4,			/* u32 scan_id, u32 page_index, u32 block, u32 ntoast, ntoast x toast entry */
	PGF_MSG_SCAN_END = 5,		/* u32 scan_id, u32 pages_sent */
	PGF_MSG_PAGE_RUN = 20,		/* u32 scan_id, u32 count, count x page-run entry */

	/* worker -> backend */
	PGF_MSG_COMPILED = 101,		/* u64 plan_handle, u32 ncols, u32 explain_len, f64 rows, ncols x column, explain[] */
	PGF_MSG_UNSUPPORTED = 102,	/* reason[] */
	PGF_MSG_ERROR = 103,		/* char sqlstate[5], u8 pad[3], u32 message_len, u32 detail_len, message[], detail[] */
	PGF_MSG_SCAN_OPEN = 104,	/* u32 scan_id, u32 relid, u32 credit, u32 natts, natts x u32 attnum */
	PGF_MSG_CREDIT = 105,		/* u32 scan_id, u32 pages */
	PGF_MSG_SCAN_CLOSE = 106,	/* u32 scan_id */
	PGF_MSG_TUPLE = 107,		/* one MinimalTuple (t_len bytes) */
	PGF_MSG_DONE = 108,			/* u64 rows, u64 spill_bytes, u32 spill_files, u32 n, parallel[n], PgfDoneKernels, PgfDoneSpillHeader + entries (docs/ipc.md 5.2) */
	PGF_MSG_EXPLAINED = 109,	/* text[] */
	PGF_MSG_PROBE = 110,		/* u32 scan_id, u32 relid, u32 index_oid, u32 credit, u32 natts, u32 nkeys, u32 flags, u32 nconds, natts x u32 attnum, nconds x condition, nkeys x i64 key */
	PGF_MSG_PROBE_KEYS = 111	/* u32 scan_id, u32 last, nkeys x i64 key */
} PgfMessageType;

/*
 * The tail of DONE after the parallel-pipeline text (read with memcpy: it is not aligned): the
 * kernels of this statement, its planning and its execution, for EXPLAIN ANALYZE.
 */
typedef struct PgfDoneKernels
{
	uint32_t	compiled;		/* kernels compiled for this statement */
	uint32_t	cache_hits;		/* kernels taken from the kernel cache or (plan_cached) the plan cache */
	double		compile_ms;		/* building and compiling the compiled ones, summed over kernels */
	uint32_t	flags;			/* PGF_DONE_PLAN_CACHED */
	uint32_t	reserved;		/* 0 */
} PgfDoneKernels;

#define PGF_DONE_PLAN_CACHED 0x1	/* the plan came from the worker's plan cache: its kernels count as cache hits */

/*
 * DONE's last section, after PgfDoneKernels (unaligned, read with memcpy): the spill files and
 * bytes of this execution by plan node and kind of operator, for EXPLAIN ANALYZE (docs/ipc.md
 * 5.4). A header, then `count` entries of `entry_size` bytes each; a reader takes the fields it
 * knows of each entry and skips to the next by entry_size, so later versions may append fields.
 * Version 1 (before 2026-12-02) had one entry per kind of operator and `node` always 0.
 */
typedef struct PgfDoneSpillHeader
{
	uint32_t	version;		/* PGF_DONE_SPILL_VERSION */
	uint32_t	count;			/* entries that follow, one per (plan node, kind of operator) that spilled */
	uint32_t	entry_size;		/* bytes of each entry, at least sizeof(PgfDoneSpill) */
	uint32_t	reserved;		/* 0 */
} PgfDoneSpillHeader;

typedef struct PgfDoneSpill
{
	uint32_t	op;				/* PgfSpillOperator */
	uint32_t	files;			/* spill files this operator of the node created */
	uint64_t	bytes;			/* bytes it wrote to them */
	uint32_t	node;			/* the node's line in the PgFusion plan EXPLAIN shows (1 = first); 0 = not attributed */
	uint32_t	reserved;		/* 0 */
} PgfDoneSpill;

#define PGF_DONE_SPILL_VERSION 2

/* Kinds of operator that write spill files (SpillOperator in the worker). */
typedef enum PgfSpillOperator
{
	PGF_SPILL_SORT = 1,
	PGF_SPILL_HASH_AGGREGATE = 2,
	PGF_SPILL_AGGREGATE_RUNS = 3,
	PGF_SPILL_HASH_JOIN = 4,
	PGF_SPILL_BLOCK_NESTED_LOOP = 5,
	PGF_SPILL_SET_OP = 6,
	PGF_SPILL_RECURSIVE_UNION = 7,
	PGF_SPILL_RECURSIVE_UNION_SEEN = 8,
	PGF_SPILL_WINDOW = 9,
	PGF_SPILL_INDEX_PROBE_OUTER = 10,
	PGF_SPILL_INDEX_PROBE_KEYS = 11
} PgfSpillOperator;

#define PGF_SPILL_OPERATOR_SLOTS 16	/* operator kinds are below this */

/*
 * DONE's memory section, right after the spill section (docs/ipc.md 5.5): the most bytes the
 * execution's buffering operators held at once, as their memory gauges reported it, in all and
 * by plan node. A header, then `count` entries of `entry_size` bytes each, ordered by node.
 */
typedef struct PgfDoneMemoryHeader
{
	uint32_t	version;		/* PGF_DONE_MEMORY_VERSION */
	uint32_t	count;			/* entries that follow, one per plan node whose operators held rows */
	uint32_t	entry_size;		/* bytes of each entry, at least sizeof(PgfDoneMemory) */
	uint32_t	reserved;		/* 0 */
	uint64_t	peak_bytes;		/* the execution's peak: every node's gauges together */
} PgfDoneMemoryHeader;

typedef struct PgfDoneMemory
{
	uint32_t	node;			/* the node's line in the PgFusion plan EXPLAIN shows (1 = first); 0 = not attributed */
	uint32_t	reserved;		/* 0 */
	uint64_t	peak_bytes;		/* the most bytes the node's operators held at once */
} PgfDoneMemory;

#define PGF_DONE_MEMORY_VERSION 1

/* COMPILE/EXECUTE/EXPLAIN flags: the debug fault (pg_fusion.debug_fault) in the low byte. */
#define PGF_MAX_WORKER_THREADS 64
#define PGF_FLAG_THREADS_SHIFT 16	/* EXECUTE: bits 16..23 of flags, pg_fusion.worker_threads (0 = 1) */
#define PGF_FLAG_EXPLAIN_RULES 0x100	/* EXPLAIN: the logical plan after every rewrite rule (pg_fusion.explain_rules) */
#define PGF_FLAG_SETTINGS_CHANGED 0x200	/* EXECUTE: the JSON carries other settings than the plan's: compile it */
#define PGF_FLAG_BATCH_THREADS 0x400	/* EXECUTE: run this execution's worker threads under SCHED_BATCH (pg_fusion.serve_tuning 1024) */
typedef enum PgfDebugFault
{
	PGF_FAULT_NONE = 0,
	PGF_FAULT_COMPILE = 1,		/* throw a managed exception while compiling */
	PGF_FAULT_EXECUTE = 2,		/* compile a stub plan that reads every page of the first relation, then throws */
	PGF_FAULT_COMPILE_SLEEP = 3,	/* compile waits 60 s (cancellable): tests cancel/timeout while planning */
	PGF_FAULT_EXECUTE_SLEEP = 4,	/* stub plan's execution waits 60 s (cancellable) */
	PGF_FAULT_FORGET_PLAN = 5,	/* EXECUTE ignores its plan handle and compiles the JSON sent with it */
	PGF_FAULT_PROBE_SLEEP = 6,	/* backend: an index probe (PROBE) waits 60 s (cancellable) before its first page; the worker plans normally */
	PGF_FAULT_READER_ERROR = 7, /* backend: a page reader raises an ERROR (58030) at its first block; the backend reads no block of the readers' scans */
	PGF_FAULT_READER_SLEEP = 8, /* backend: a page reader waits 60 s (cancellable) holding its first blocks; the backend reads none of them */
	PGF_FAULT_READERS_ONLY = 9	/* backend: the page readers read every block of their scans, the backend none (tests) */
} PgfDebugFault;

/* COMPILED column entry: u32 typid, i32 typmod, u32 name_len, name[name_len] */
/* PAGE toast entry: u16 offnum, u16 attnum, u32 len, value[len] (payload without varlena header) */
/* PAGE_RUN entry: u32 page_index, u32 block, u32 ntoast, u32 toast_bytes, toast_bytes of PAGE toast entries */

#endif							/* PGFUSION_IPC_H */
