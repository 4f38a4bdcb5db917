/*
 * shmem.c: the pg_fusion shared-memory segment (layout in pgfusion_ipc.h, docs/ipc.md) and the
 * backend's side of a session: claiming a slot, byte rings, futex waits, page-pool entries.
 *
 * Every wait here sleeps at most a few milliseconds and then runs CHECK_FOR_INTERRUPTS, so
 * statement_timeout, pg_cancel_backend and postmaster death stop a backend that waits on the worker.
 */
#include "pg_fusion.h"

#include <limits.h>
#include <linux/futex.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "miscadmin.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/pmsignal.h"
#include "storage/shmem.h"
#include "utils/elog.h"
#include "utils/timestamp.h"

PgfHeader  *pgf_header = NULL;

/* Slots this backend holds, released by on_shmem_exit if the backend exits while holding one. */
#define PGF_MAX_HELD 16
static PgfSession held[PGF_MAX_HELD];
static bool exit_callback_registered = false;

static uint32
ring_capacity(void)
{
	uint64		want = (uint64) pgf_ring_kb * 1024;
	uint64		cap = 4096;

	while (cap < want)
		cap <<= 1;
	return (uint32) cap;
}

static uint64
align_up(uint64 v, uint64 a)
{
	return (v + a - 1) & ~(a - 1);
}

Size
pgf_shmem_size(void)
{
	uint64		stride = PGF_SLOT_HEADER_SIZE + 2 * (uint64) ring_capacity();
	uint64		size = PGF_HEADER_SIZE;

	size += (uint64) pgf_slots * stride;
	size = align_up(size, 64);
	size += (uint64) pgf_pool_pages * sizeof(PgfPageSlotState);
	size = align_up(size, 4096);
	size += (uint64) pgf_pool_pages * PGF_PAGE_STRIDE;
	return (Size) size;
}

void
pgf_shmem_request(void)
{
	RequestAddinShmemSpace(pgf_shmem_size());
}

void
pgf_shmem_startup(void)
{
	bool		found;
	Size		size = pgf_shmem_size();

	StaticAssertStmt(sizeof(PgfHeader) == PGF_HEADER_SIZE, "PgfHeader size");
	StaticAssertStmt(sizeof(PgfSlotHeader) == PGF_SLOT_HEADER_SIZE, "PgfSlotHeader size");
	StaticAssertStmt(sizeof(PgfPageMeta) == PGF_PAGE_META_SIZE, "PgfPageMeta size");
	StaticAssertStmt(offsetof(PgfSlotHeader, to_backend_tail) == 256, "ring positions");
	StaticAssertStmt(offsetof(PgfHeader, buffer_blocks) == 360, "shared buffers in the header");
	StaticAssertStmt(offsetof(PgfPageMeta, buffer) == 56, "buffer in the page meta");

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	pgf_header = ShmemInitStruct("pg_fusion", size, &found);
	if (!found)
	{
		uint64		offset;

		memset(pgf_header, 0, PGF_HEADER_SIZE);
		pgf_header->magic = PGF_MAGIC;
		pgf_header->layout_version = PGF_LAYOUT_VERSION;
		pgf_header->total_size = size;
		pgf_header->slot_count = pgf_slots;
		pgf_header->ring_capacity = ring_capacity();
		pgf_header->page_count = pgf_pool_pages;
		pgf_header->session_page_quota = Min(pgf_session_pages, pgf_pool_pages);
		pgf_header->max_message_bytes = 256 * 1024 * 1024;
		pgf_header->worker_state = PGF_WORKER_NOT_STARTED;
		offset = PGF_HEADER_SIZE;
		pgf_header->slots_offset = offset;
		pgf_header->slot_stride = PGF_SLOT_HEADER_SIZE + 2 * (uint64) ring_capacity();
		offset += (uint64) pgf_slots * pgf_header->slot_stride;
		offset = align_up(offset, 64);
		pgf_header->page_states_offset = offset;
		offset += (uint64) pgf_pool_pages * sizeof(PgfPageSlotState);
		offset = align_up(offset, 4096);
		pgf_header->pages_offset = offset;
		pgf_header->page_stride = PGF_PAGE_STRIDE;
		/* slot headers and page states start zeroed: FREE, empty rings */
		for (int i = 0; i < pgf_slots; i++)
			memset(pgf_slot(i), 0, PGF_SLOT_HEADER_SIZE);
		memset(pgf_page_state(0), 0, (Size) pgf_pool_pages * sizeof(PgfPageSlotState));
	}
	LWLockRelease(AddinShmemInitLock);
}

/* ---------------------------------------------------------------- futexes */

void
pgf_futex_wait(uint32 *word, uint32 expected, long timeout_ms)
{
	struct timespec ts;

	ts.tv_sec = timeout_ms / 1000;
	ts.tv_nsec = (timeout_ms % 1000) * 1000000L;
	/* shared (non-PRIVATE) futex: the waker is another process */
	(void) syscall(SYS_futex, word, FUTEX_WAIT, expected, &ts, NULL, 0);
}

void
pgf_futex_wake(uint32 *word)
{
	(void) syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/* This process's FUTEX_WAKE calls and sends that waited for ring space (EXPLAIN ANALYZE). */
uint64		pgf_stat_wake_calls = 0;
uint64		pgf_stat_send_waits = 0;

/* Bump the word; make the syscall only when the other side said it is about to sleep. */
static void
wake_word(uint32 *word, uint32 *sleeping)
{
	__atomic_add_fetch(word, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(sleeping, __ATOMIC_SEQ_CST) != 0)
	{
		pgf_stat_wake_calls++;
		pgf_futex_wake(word);
	}
}

void
pgf_wake_worker_of(PgfSlotHeader *slot)
{
	wake_word(&slot->worker_wake, &slot->worker_sleeping);
}

static void
wake_dispatcher(void)
{
	wake_word(&pgf_header->dispatcher_wake, &pgf_header->dispatcher_sleeping);
}

/* ---------------------------------------------------------------- sessions */

const char *
pgf_worker_unavailable_reason(void)
{
	if (pgf_header == NULL)
		return "pg_fusion shared memory is not initialized";
	switch (__atomic_load_n(&pgf_header->worker_state, __ATOMIC_SEQ_CST))
	{
		case PGF_WORKER_READY:
			return NULL;
		case PGF_WORKER_NOT_STARTED:
		case PGF_WORKER_STARTING:
			return "pg_fusion worker is not ready yet";
		case PGF_WORKER_FAILED:
			return psprintf("pg_fusion worker failed to start: %s", pgf_header->status_message);
		default:
			return "pg_fusion worker is not running";
	}
}

static void
release_slot(int index, uint32 generation)
{
	PgfSlotHeader *slot = pgf_slot(index);

	if (__atomic_load_n(&slot->generation, __ATOMIC_SEQ_CST) != generation)
		return;
	__atomic_store_n(&slot->cancel_requested, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&slot->state, PGF_SLOT_RELEASED, __ATOMIC_SEQ_CST);
	pgf_wake_worker_of(slot);
	wake_dispatcher();
}

static void
release_held_at_exit(int code, Datum arg)
{
	for (int i = 0; i < PGF_MAX_HELD; i++)
		if (held[i].index >= 0)
		{
			release_slot(held[i].index, held[i].generation);
			held[i].index = -1;
		}
}

/* One attempt to claim a FREE slot (CAS FREE -> CLAIMING, fill in, -> ACTIVE) into session. */
static bool
try_claim_slot(PgfSession *session)
{
	uint32		count = pgf_header->slot_count;
	uint32		start = (uint32) MyProcPid % count;

	for (uint32 n = 0; n < count; n++)
	{
		uint32		index = (start + n) % count;
		PgfSlotHeader *slot = pgf_slot(index);
		uint32		expected = PGF_SLOT_FREE;

		if (!__atomic_compare_exchange_n(&slot->state, &expected, PGF_SLOT_CLAIMING, false,
										 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			continue;
		slot->generation++;
		slot->backend_pid = MyProcPid;
		slot->worker_epoch = pgf_header->worker_epoch;
		slot->cancel_requested = 0;
		session->index = index;
		session->generation = slot->generation;
		session->epoch = slot->worker_epoch;
		session->msg_type = 0;
		session->msg_len = 0;
		session->wake_pending = false;
		__atomic_store_n(&slot->state, PGF_SLOT_ACTIVE, __ATOMIC_SEQ_CST);
		wake_dispatcher();
		return true;
	}
	return false;
}

/*
 * Claims a session slot. A released slot becomes FREE only once the worker has ended its session
 * thread and reclaimed it, so under load every slot may be RELEASED for a moment: then this waits
 * up to wait_ms (-1: until one is free; statement_timeout and cancel still apply), polling with a
 * backoff from 0.5 to 8 ms and waking the dispatcher. NULL when the worker is unavailable, when this backend
 * already holds PGF_MAX_HELD slots, or when the wait ran out.
 */
PgfSession *
pgf_session_open(long wait_ms)
{
	PgfSession *session = NULL;
	TimestampTz started = 0;

	if (pgf_worker_unavailable_reason() != NULL)
		return NULL;
	if (!exit_callback_registered)
	{
		for (int i = 0; i < PGF_MAX_HELD; i++)
			held[i].index = -1;
		on_shmem_exit(release_held_at_exit, (Datum) 0);
		exit_callback_registered = true;
	}
	for (int i = 0; i < PGF_MAX_HELD; i++)
		if (held[i].index < 0)
		{
			session = &held[i];
			break;
		}
	if (session == NULL)
		return NULL;

	for (long pause_us = 500;; pause_us = Min(pause_us * 2, 8000))
	{
		if (try_claim_slot(session))
			return session;
		if (started == 0)
			started = GetCurrentTimestamp();
		else if (wait_ms >= 0 && TimestampDifferenceExceeds(started, GetCurrentTimestamp(), (int) wait_ms))
			return NULL;
		wake_dispatcher();
		pg_usleep(pause_us);
		CHECK_FOR_INTERRUPTS();
		if (pgf_worker_unavailable_reason() != NULL)
			return NULL;
	}
}

void
pgf_session_close(PgfSession *session)
{
	if (session == NULL || session->index < 0)
		return;
	release_slot(session->index, session->generation);
	session->index = -1;
}

uint32
pgf_session_wake_seq(PgfSession *session)
{
	return __atomic_load_n(&pgf_slot(session->index)->backend_wake, __ATOMIC_SEQ_CST);
}

/* ERROR when the worker or the slot is no longer ours (worker restarted, slot reclaimed). */
void
pgf_session_check_worker(PgfSession *session)
{
	PgfSlotHeader *slot = pgf_slot(session->index);

	if (__atomic_load_n(&pgf_header->worker_state, __ATOMIC_SEQ_CST) != PGF_WORKER_READY ||
		__atomic_load_n(&pgf_header->worker_epoch, __ATOMIC_SEQ_CST) != session->epoch)
		ereport(ERROR,
				(errcode(ERRCODE_CONNECTION_FAILURE),
				 errmsg("pg_fusion worker stopped while serving this query")));
	if (__atomic_load_n(&slot->state, __ATOMIC_SEQ_CST) != PGF_SLOT_ACTIVE ||
		__atomic_load_n(&slot->generation, __ATOMIC_SEQ_CST) != session->generation)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("pg_fusion session slot %d was reclaimed while in use", session->index)));
}

/*
 * Sleeps on a slot's backend_wake word until it moves from seen or timeout_ms pass.
 * backend_sleeping counts the sleepers (the backend and its page readers share the word); the
 * worker only tests it for non-zero before making the FUTEX_WAKE call.
 */
void
pgf_slot_sleep(PgfSlotHeader *slot, uint32 seen, long timeout_ms)
{
	__atomic_add_fetch(&slot->backend_sleeping, 1, __ATOMIC_SEQ_CST);
	pgf_futex_wait(&slot->backend_wake, seen, timeout_ms);
	__atomic_sub_fetch(&slot->backend_sleeping, 1, __ATOMIC_SEQ_CST);
}

/* Wakes whoever sleeps on a slot's backend_wake word: the backend and its page readers. */
void
pgf_wake_backend_of(PgfSlotHeader *slot)
{
	wake_word(&slot->backend_wake, &slot->backend_sleeping);
}

void
pgf_session_wait(PgfSession *session, uint32 seen, long timeout_ms)
{
	/* never sleep while the worker may sleep too without knowing what this backend sent */
	pgf_session_flush_wake(session);
	pgf_slot_sleep(pgf_slot(session->index), seen, timeout_ms);
	CHECK_FOR_INTERRUPTS();
	if (!PostmasterIsAlive())
		ereport(FATAL,
				(errcode(ERRCODE_ADMIN_SHUTDOWN),
				 errmsg("terminating connection due to unexpected postmaster exit")));
	pgf_session_check_worker(session);
}

/* ---------------------------------------------------------------- rings */

typedef struct Ring
{
	uint64	   *head;
	uint64	   *tail;
	char	   *data;
	uint32		capacity;
} Ring;

static Ring
session_ring(PgfSession *session, bool to_worker)
{
	PgfSlotHeader *slot = pgf_slot(session->index);
	Ring		r;

	r.head = to_worker ? &slot->to_worker_head.value : &slot->to_backend_head.value;
	r.tail = to_worker ? &slot->to_worker_tail.value : &slot->to_backend_tail.value;
	r.data = pgf_slot_ring_data(slot, to_worker);
	r.capacity = pgf_header->ring_capacity;
	return r;
}

/* Copies as much of src as fits; returns the bytes written. Only the backend writes to_worker. */
static uint32
ring_write_some(Ring *r, const char *src, uint32 len)
{
	uint64		head = __atomic_load_n(r->head, __ATOMIC_RELAXED);
	uint64		tail = __atomic_load_n(r->tail, __ATOMIC_ACQUIRE);
	uint32		space = r->capacity - (uint32) (head - tail);
	uint32		n = Min(space, len);
	uint32		at = (uint32) (head & (r->capacity - 1));
	uint32		first = Min(n, r->capacity - at);

	if (n == 0)
		return 0;
	memcpy(r->data + at, src, first);
	if (n > first)
		memcpy(r->data, src + first, n - first);
	/* sequentially consistent: the next attempt's tail load must not pass it (see ring_read_some) */
	__atomic_store_n(r->head, head + n, __ATOMIC_SEQ_CST);
	return n;
}

static uint32
ring_available(Ring *r)
{
	return (uint32) (__atomic_load_n(r->head, __ATOMIC_ACQUIRE) - __atomic_load_n(r->tail, __ATOMIC_RELAXED));
}

/*
 * Copies up to len available bytes. *was_full tells whether the writer may be waiting for space:
 * it writes what fits and sleeps only when nothing does, i.e. when it saw head - tail = capacity
 * with the tail before this read. The check runs after the new tail is stored: both sides store
 * their position and then load the other's with sequentially consistent atomics, so either the
 * writer sees the space freed here or this read sees the head that filled the ring (no lost wakeup).
 */
static uint32
ring_read_some(Ring *r, char *dst, uint32 len, bool *was_full)
{
	uint64		tail = __atomic_load_n(r->tail, __ATOMIC_RELAXED);
	uint64		head = __atomic_load_n(r->head, __ATOMIC_ACQUIRE);
	uint32		n = Min((uint32) (head - tail), len);
	uint32		at = (uint32) (tail & (r->capacity - 1));
	uint32		first = Min(n, r->capacity - at);

	if (n == 0)
	{
		*was_full = false;
		return 0;
	}
	memcpy(dst, r->data + at, first);
	if (n > first)
		memcpy(dst + first, r->data, n - first);
	/* the copy must finish before the writer may reuse the space */
	__atomic_store_n(r->tail, tail + n, __ATOMIC_SEQ_CST);
	head = __atomic_load_n(r->head, __ATOMIC_SEQ_CST);
	*was_full = head - tail >= r->capacity;
	return n;
}

static void
write_all(PgfSession *session, Ring *r, const char *src, uint32 len)
{
	PgfSlotHeader *slot = pgf_slot(session->index);

	while (len > 0)
	{
		uint32		seen = pgf_session_wake_seq(session);
		uint32		n = ring_write_some(r, src, len);

		if (n > 0)
		{
			src += n;
			len -= n;
			pgf_wake_worker_of(slot);
			continue;
		}
		pgf_stat_send_waits++;
		pgf_session_wait(session, seen, 5);
	}
}

/* Copies len bytes to stream position pos of the ring (the caller checked the space). */
static void
ring_copy_at(Ring *r, uint64 pos, const char *src, uint32 len)
{
	uint32		at = (uint32) (pos & (r->capacity - 1));
	uint32		first = Min(len, r->capacity - at);

	memcpy(r->data + at, src, first);
	if (len > first)
		memcpy(r->data, src + first, len - first);
}

/*
 * Writes a whole frame (header, prefix, body) and publishes it with one head store and one wake
 * when the ring has room for all of it; false (nothing written) otherwise. One wake per message
 * matters: a worker woken by the header alone wakes up, finds no payload, sleeps, and is woken
 * again for each part, and on a loaded machine every wake can cost the backend its CPU.
 */
static bool
ring_write_frame(Ring *r, const uint32 *hdr, const void *prefix, uint32 prefix_len,
				 const void *body, uint32 body_len)
{
	uint64		head = __atomic_load_n(r->head, __ATOMIC_RELAXED);
	uint64		tail = __atomic_load_n(r->tail, __ATOMIC_ACQUIRE);
	uint32		space = r->capacity - (uint32) (head - tail);
	uint64		total = (uint64) 2 * sizeof(uint32) + prefix_len + body_len;

	if (total > space)
		return false;
	ring_copy_at(r, head, (const char *) hdr, 2 * sizeof(uint32));
	head += 2 * sizeof(uint32);
	if (prefix_len > 0)
	{
		ring_copy_at(r, head, prefix, prefix_len);
		head += prefix_len;
	}
	if (body_len > 0)
	{
		ring_copy_at(r, head, body, body_len);
		head += body_len;
	}
	__atomic_store_n(r->head, head, __ATOMIC_SEQ_CST);
	return true;
}

/*
 * Sends one framed message: header, then prefix and body (either may be empty). A frame that fits
 * in the ring's free space goes in at once; a larger one streams through the ring.
 */
void
pgf_session_send(PgfSession *session, uint32 type, const void *prefix, uint32 prefix_len,
				 const void *body, uint32 body_len)
{
	Ring		r = session_ring(session, true);
	uint32		hdr[2];

	if ((uint64) prefix_len + body_len > pgf_header->max_message_bytes)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("pg_fusion message of %llu bytes exceeds the limit of %u bytes",
						(unsigned long long) prefix_len + body_len, pgf_header->max_message_bytes)));
	hdr[0] = type;
	hdr[1] = prefix_len + body_len;
	if (ring_write_frame(&r, hdr, prefix, prefix_len, body, body_len))
	{
		session->wake_pending = false;
		pgf_wake_worker_of(pgf_slot(session->index));
		return;
	}
	write_all(session, &r, (const char *) hdr, sizeof(hdr));
	if (prefix_len > 0)
		write_all(session, &r, prefix, prefix_len);
	if (body_len > 0)
		write_all(session, &r, body, body_len);
	session->wake_pending = false;	/* write_all woke the worker after its last write */
}

/*
 * Sends one message like pgf_session_send but, when the frame fits at once, leaves the worker's
 * wake for later (pgf_session_flush_wake): a worker asleep because it has consumed everything is
 * woken once for several PAGE_RUNs instead of once each. Nearly every PAGE_RUN found the worker
 * asleep, and a send cost the backend 16-20 us, mostly the FUTEX_WAKE of a sleeping thread on
 * another (virtual) CPU, or the woken thread taking the backend's own. The caller must flush before it stops producing; pgf_session_wait
 * flushes before it sleeps, so a deferred wake can delay the worker but never strand it.
 */
void
pgf_session_send_quiet(PgfSession *session, uint32 type, const void *prefix, uint32 prefix_len,
					   const void *body, uint32 body_len)
{
	Ring		r = session_ring(session, true);
	uint32		hdr[2];

	hdr[0] = type;
	hdr[1] = prefix_len + body_len;
	if ((uint64) prefix_len + body_len <= pgf_header->max_message_bytes &&
		ring_write_frame(&r, hdr, prefix, prefix_len, body, body_len))
	{
		session->wake_pending = true;
		return;
	}
	pgf_session_send(session, type, prefix, prefix_len, body, body_len);
}

/* Wakes the worker for frames sent with pgf_session_send_quiet, if any. */
void
pgf_session_flush_wake(PgfSession *session)
{
	if (session == NULL || session->index < 0 || !session->wake_pending)
		return;
	session->wake_pending = false;
	pgf_wake_worker_of(pgf_slot(session->index));
}

static void
read_all(PgfSession *session, Ring *r, char *dst, uint32 len)
{
	PgfSlotHeader *slot = pgf_slot(session->index);

	while (len > 0)
	{
		uint32		seen = pgf_session_wake_seq(session);
		bool		was_full;
		uint32		n = ring_read_some(r, dst, len, &was_full);

		if (n > 0)
		{
			dst += n;
			len -= n;
			if (was_full)
				pgf_wake_worker_of(slot);	/* the worker waits for space only when the ring is full */
			continue;
		}
		pgf_session_wait(session, seen, 5);
	}
}

/*
 * Receives one message when its header is already in the ring (then waits for the rest of a
 * streamed payload); returns false without waiting otherwise. payload is reset and filled.
 */
bool
pgf_session_try_receive(PgfSession *session, StringInfo payload, uint32 *type)
{
	Ring		r = session_ring(session, false);
	uint32		hdr[2];

	if (ring_available(&r) < sizeof(hdr))
		return false;
	read_all(session, &r, (char *) hdr, sizeof(hdr));
	if (hdr[1] > pgf_header->max_message_bytes)
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("pg_fusion worker sent a message of %u bytes (type %u), over the limit of %u",
						hdr[1], hdr[0], pgf_header->max_message_bytes)));
	resetStringInfo(payload);
	enlargeStringInfo(payload, (int) hdr[1] + 1);
	read_all(session, &r, payload->data, hdr[1]);
	payload->len = (int) hdr[1];
	payload->data[payload->len] = '\0';
	*type = hdr[0];
	return true;
}

void
pgf_session_receive(PgfSession *session, StringInfo payload, uint32 *type)
{
	for (;;)
	{
		uint32		seen = pgf_session_wake_seq(session);

		if (pgf_session_try_receive(session, payload, type))
			return;
		pgf_session_wait(session, seen, 5);
	}
}

/* ERROR message payload: char sqlstate[5], pad[3], u32 message_len, u32 detail_len, message, detail. */
void
pgf_raise_worker_error(const char *payload, uint32 len)
{
	uint32		mlen;
	uint32		dlen;
	char	   *message;
	char	   *detail;
	const char *s = payload;

	if (len < 16)
		ereport(ERROR, (errcode(ERRCODE_PROTOCOL_VIOLATION),
						errmsg("pg_fusion worker sent a truncated ERROR message (%u bytes)", len)));
	memcpy(&mlen, payload + 8, 4);
	memcpy(&dlen, payload + 12, 4);
	if ((uint64) 16 + mlen + dlen > len)
		ereport(ERROR, (errcode(ERRCODE_PROTOCOL_VIOLATION),
						errmsg("pg_fusion worker sent an ERROR message with bad lengths")));
	message = pnstrdup(payload + 16, mlen);
	detail = dlen > 0 ? pnstrdup(payload + 16 + mlen, dlen) : NULL;
	for (int i = 0; i < 5; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z')))
			s = "XX000";
	ereport(ERROR,
			(errcode(MAKE_SQLSTATE(s[0], s[1], s[2], s[3], s[4])),
			 errmsg_internal("%s", message),
			 detail ? errdetail_internal("%s", detail) : 0));
}

/* ---------------------------------------------------------------- page pool */

/* CAS FREE -> FILLING of entry index for slot_index; false when it is not FREE. */
static bool
try_take_entry(uint32 index, int slot_index)
{
	PgfPageSlotState *st = pgf_page_state(index);
	uint32		expected = PGF_PAGE_FREE;

	if (__atomic_load_n(&st->state, __ATOMIC_RELAXED) != PGF_PAGE_FREE)
		return false;
	if (!__atomic_compare_exchange_n(&st->state, &expected, PGF_PAGE_FILLING, false,
									 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		return false;
	st->owner_slot = (uint32) slot_index;
	return true;
}

/*
 * Recycling (PGF_SERVE_RECYCLE): this process remembers, in allocation order, the entries it
 * took for one session slot, and first tries the oldest of them again. The worker frees a scan's
 * entries in the order they were sent, so the oldest is usually free by now, and it was read by
 * the worker a moment ago: its lines are still in the caches, and the copy into it does not pay
 * for fetching cold lines from memory (read-for-ownership) as an entry picked round-robin from the
 * whole pool (2048 x 8 KB = 16 MB, beyond the caches once a scan streams through them) does. The
 * set of entries cycled stays as small as the most pages ever in flight at once. Only a hint: an
 * entry is taken only by the CAS FREE -> FILLING, so another session may have it meanwhile.
 */
#define PGF_RECYCLE_MAX 1024

static int	recycle_slot = -1;	/* the slot the remembered entries were taken for */
static uint32 recycle_entries[PGF_RECYCLE_MAX];
static uint32 recycle_head;		/* oldest */
static uint32 recycle_count;

static void
remember_entry(int slot_index, uint32 index)
{
	if (recycle_slot != slot_index)
	{
		recycle_slot = slot_index;
		recycle_head = 0;
		recycle_count = 0;
	}
	if (recycle_count == PGF_RECYCLE_MAX)
	{
		recycle_head = (recycle_head + 1) % PGF_RECYCLE_MAX;
		recycle_count--;
	}
	recycle_entries[(recycle_head + recycle_count) % PGF_RECYCLE_MAX] = index;
	recycle_count++;
}

/* The oldest remembered entry if it is free again (taken, and remembered as the newest), or -1. */
static int
recycled_entry(int slot_index)
{
	if (recycle_slot != slot_index)
		return -1;
	while (recycle_count > 0)
	{
		uint32		index = recycle_entries[recycle_head];
		PgfPageSlotState *st;

		recycle_head = (recycle_head + 1) % PGF_RECYCLE_MAX;
		recycle_count--;
		if (index >= pgf_header->page_count)
			continue;			/* cannot happen: entries come from this segment */
		if (try_take_entry(index, slot_index))
		{
			remember_entry(slot_index, index);
			return (int) index;
		}
		/* still in flight for this slot: the younger ones are too; keep it and look elsewhere */
		st = pgf_page_state(index);
		if (__atomic_load_n(&st->state, __ATOMIC_RELAXED) != PGF_PAGE_FREE &&
			__atomic_load_n(&st->owner_slot, __ATOMIC_RELAXED) == (uint32) slot_index)
		{
			recycle_head = (recycle_head + PGF_RECYCLE_MAX - 1) % PGF_RECYCLE_MAX;
			recycle_count++;
			return -1;
		}
		/* another session's now (or free again after a lost race): forget it */
	}
	return -1;
}

/* A free page-pool entry owned by this session, or -1 (pool exhausted or quota reached). */
int
pgf_page_alloc(PgfSession *session)
{
	return pgf_page_alloc_for_slot(session->index);
}

/*
 * A free page-pool entry owned by session slot slot_index, or -1. Several processes allocate for
 * one slot when page readers run (readers.c): the quota is taken first (increment, then undo when
 * over it), so pages_in_use never exceeds session_page_quota even for a moment; the readers'
 * reorder window relies on that bound.
 */
int
pgf_page_alloc_for_slot(int slot_index)
{
	PgfSlotHeader *slot;
	uint32		count = pgf_header->page_count;
	uint32		start;

	if (slot_index < 0 || (uint32) slot_index >= pgf_header->slot_count)
		elog(ERROR, "pg_fusion page allocation for session slot %d, outside 0..%u", slot_index, pgf_header->slot_count - 1);
	slot = pgf_slot(slot_index);
	if (__atomic_add_fetch(&slot->pages_in_use, 1, __ATOMIC_SEQ_CST) > pgf_header->session_page_quota)
	{
		__atomic_sub_fetch(&slot->pages_in_use, 1, __ATOMIC_SEQ_CST);
		return -1;
	}
	if ((pgf_serve_tuning & PGF_SERVE_RECYCLE) != 0)
	{
		int			index = recycled_entry(slot_index);

		if (index >= 0)
			return index;
	}
	start = __atomic_fetch_add(&pgf_header->page_alloc_hint, 1, __ATOMIC_RELAXED) % count;
	for (uint32 n = 0; n < count; n++)
	{
		uint32		index = (start + n) % count;

		if (!try_take_entry(index, slot_index))
			continue;
		__atomic_store_n(&pgf_header->page_alloc_hint, index + 1, __ATOMIC_RELAXED);
		remember_entry(slot_index, index);
		return (int) index;
	}
	__atomic_sub_fetch(&slot->pages_in_use, 1, __ATOMIC_SEQ_CST);
	return -1;
}

/* Gives back an entry the backend allocated but did not publish. */
void
pgf_page_free(int page_index)
{
	PgfPageSlotState *st;
	PgfSlotHeader *slot;

	if (page_index < 0 || (uint32) page_index >= pgf_header->page_count)
		elog(ERROR, "pg_fusion page %d to free is outside the pool (0..%u)", page_index, pgf_header->page_count - 1);
	st = pgf_page_state(page_index);
	slot = pgf_slot(st->owner_slot);

	__atomic_store_n(&st->state, PGF_PAGE_FREE, __ATOMIC_SEQ_CST);
	__atomic_sub_fetch(&slot->pages_in_use, 1, __ATOMIC_SEQ_CST);
}
