/*
 * done_spill.c: DONE's spill section (docs/ipc.md 5.4) checked field by field. The worker writes
 * it (DoneSpillSection); a section that does not hold together means the worker and the extension
 * disagree on the format or the message was damaged, so the backend says so (a WARNING naming the
 * field and its offset in DONE) instead of printing wrong figures, and EXPLAIN shows the totals.
 * Plain C without PostgreSQL headers: tests/PgFusion.Ipc.Tests compiles it alone.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "done_spill.h"

#define ENTRY_OFFSET(h, i) (sizeof(PgfDoneSpillHeader) + (uint64_t) (i) * (h)->entry_size)

/*
 * The checks every DONE section shares: its header (header_size bytes) is not cut short. `what` is
 * the prefix of the message ("" for the spill section, "memory " for the memory section).
 */
static bool
header_fits(const char *what, uint64_t len, size_t header_size, uint64_t offset, char *why, size_t why_len)
{
	if (len >= header_size)
		return true;
	snprintf(why, why_len, "%sheader cut short: %llu of %zu bytes at offset %llu",
			 what, (unsigned long long) len, header_size, (unsigned long long) offset);
	return false;
}

/* ... and its count entries of entry_size bytes (at least min_entry) fit in the len - header_size bytes after it. */
static bool
entries_fit(const char *what, uint64_t len, size_t header_size, uint64_t offset,
			uint32_t count, uint32_t entry_size, size_t min_entry, char *why, size_t why_len)
{
	if (entry_size < min_entry)
	{
		snprintf(why, why_len, "%sentry_size %u at offset %llu is below the %zu bytes of an entry",
				 what, entry_size, (unsigned long long) offset + 8, min_entry);
		return false;
	}
	if ((uint64_t) count * entry_size > len - header_size)
	{
		snprintf(why, why_len, "%scount %u at offset %llu: %u entries of %u bytes need %llu bytes, DONE has %llu after the header",
				 what, count, (unsigned long long) offset + 4, count, entry_size,
				 (unsigned long long) count * entry_size, (unsigned long long) (len - header_size));
		return false;
	}
	return true;
}

PgfDoneSpillVerdict
pgf_done_spill_check(const char *data, uint64_t len, uint64_t offset,
					 uint32_t spill_files, uint64_t spill_bytes,
					 PgfDoneSpillHeader *header, char *why, size_t why_len)
{
	PgfDoneSpillHeader h;
	uint64_t	files = 0;
	uint64_t	bytes = 0;

	if (len == 0)
		return PGF_DONE_SPILL_ABSENT;
	if (!header_fits("", len, sizeof(h), offset, why, why_len))
		return PGF_DONE_SPILL_MALFORMED;
	memcpy(&h, data, sizeof(h));
	if (h.version != 1 && h.version != PGF_DONE_SPILL_VERSION)
	{
		snprintf(why, why_len, "version %u at offset %llu (this backend reads 1 and %u)",
				 h.version, (unsigned long long) offset, PGF_DONE_SPILL_VERSION);
		return PGF_DONE_SPILL_MALFORMED;
	}
	if (!entries_fit("", len, sizeof(h), offset, h.count, h.entry_size, sizeof(PgfDoneSpill), why, why_len))
		return PGF_DONE_SPILL_MALFORMED;
	for (uint32_t i = 0; i < h.count; i++)
	{
		PgfDoneSpill e;
		uint64_t	at = ENTRY_OFFSET(&h, i);

		memcpy(&e, data + at, sizeof(e));
		if (e.op == 0 || e.op >= PGF_SPILL_OPERATOR_SLOTS)
		{
			snprintf(why, why_len, "entry %u at offset %llu: op %u is not an operator kind (1..%d)",
					 i, (unsigned long long) (offset + at), e.op, PGF_SPILL_OPERATOR_SLOTS - 1);
			return PGF_DONE_SPILL_MALFORMED;
		}
		if (e.files == 0)
		{
			snprintf(why, why_len, "entry %u at offset %llu: files is 0 (the worker sends only operators that created files)",
					 i, (unsigned long long) (offset + at + 4));
			return PGF_DONE_SPILL_MALFORMED;
		}
		files += e.files;
		bytes += e.bytes;
	}
	if (files != spill_files || bytes != spill_bytes)
	{
		snprintf(why, why_len, "the %u entries add up to %llu files and %llu bytes, DONE's totals are %u files and %llu bytes",
				 h.count, (unsigned long long) files, (unsigned long long) bytes, spill_files,
				 (unsigned long long) spill_bytes);
		return PGF_DONE_SPILL_MALFORMED;
	}
	*header = h;
	return PGF_DONE_SPILL_VALID;
}

PgfDoneSpill
pgf_done_spill_entry(const char *data, const PgfDoneSpillHeader *header, uint32_t i)
{
	PgfDoneSpill e;

	memcpy(&e, data + ENTRY_OFFSET(header, i), sizeof(e));
	if (header->version == 1)
		e.node = 0;
	return e;
}

#define MEMORY_ENTRY_OFFSET(h, i) (sizeof(PgfDoneMemoryHeader) + (uint64_t) (i) * (h)->entry_size)

PgfDoneSpillVerdict
pgf_done_memory_check(const char *data, uint64_t len, uint64_t offset,
					  PgfDoneMemoryHeader *header, char *why, size_t why_len)
{
	PgfDoneMemoryHeader h;

	if (len == 0)
		return PGF_DONE_SPILL_ABSENT;
	if (!header_fits("memory ", len, sizeof(h), offset, why, why_len))
		return PGF_DONE_SPILL_MALFORMED;
	memcpy(&h, data, sizeof(h));
	if (h.version != PGF_DONE_MEMORY_VERSION)
	{
		snprintf(why, why_len, "memory version %u at offset %llu (this backend reads %u)",
				 h.version, (unsigned long long) offset, PGF_DONE_MEMORY_VERSION);
		return PGF_DONE_SPILL_MALFORMED;
	}
	if (!entries_fit("memory ", len, sizeof(h), offset, h.count, h.entry_size, sizeof(PgfDoneMemory), why, why_len))
		return PGF_DONE_SPILL_MALFORMED;
	*header = h;
	return PGF_DONE_SPILL_VALID;
}

PgfDoneMemory
pgf_done_memory_entry(const char *data, const PgfDoneMemoryHeader *header, uint32_t i)
{
	PgfDoneMemory e;

	memcpy(&e, data + MEMORY_ENTRY_OFFSET(header, i), sizeof(e));
	return e;
}
