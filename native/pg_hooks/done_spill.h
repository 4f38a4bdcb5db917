/*
 * done_spill.h: checking DONE's spill section (docs/ipc.md 5.4) before the backend takes its
 * entries. No PostgreSQL headers, so a test can compile done_spill.c alone and feed it bytes.
 */
#ifndef PGFUSION_DONE_SPILL_H
#define PGFUSION_DONE_SPILL_H

#include <stddef.h>
#include <stdint.h>

#include "pgfusion_ipc.h"

typedef enum PgfDoneSpillVerdict
{
	PGF_DONE_SPILL_ABSENT = 0,	/* no section: a worker that predates it */
	PGF_DONE_SPILL_VALID = 1,
	PGF_DONE_SPILL_MALFORMED = 2	/* `why` says which field, at which offset of DONE */
} PgfDoneSpillVerdict;

/*
 * Checks the section at data[0..len), which starts at byte `offset` of DONE's payload, against
 * DONE's totals (spill_files, spill_bytes). On PGF_DONE_SPILL_VALID, *header holds its header;
 * on PGF_DONE_SPILL_MALFORMED, `why` (why_len bytes, NUL-terminated) names the field and offset.
 */
extern PgfDoneSpillVerdict pgf_done_spill_check(const char *data, uint64_t len, uint64_t offset,
												uint32_t spill_files, uint64_t spill_bytes,
												PgfDoneSpillHeader *header, char *why, size_t why_len);

/* Entry i of a section pgf_done_spill_check found valid (version 1 entries read as node 0). */
extern PgfDoneSpill pgf_done_spill_entry(const char *data, const PgfDoneSpillHeader *header, uint32_t i);

/*
 * Checks DONE's memory section (docs/ipc.md 5.5) at data[0..len), which starts at byte `offset`
 * of DONE's payload (right after the spill section): ABSENT when len is 0 (a worker that predates
 * it), MALFORMED with `why` when the header is cut short, its version is not
 * PGF_DONE_MEMORY_VERSION, entry_size is below an entry or the entries run past len.
 */
extern PgfDoneSpillVerdict pgf_done_memory_check(const char *data, uint64_t len, uint64_t offset,
												 PgfDoneMemoryHeader *header, char *why, size_t why_len);

/* Entry i of a memory section pgf_done_memory_check found valid. */
extern PgfDoneMemory pgf_done_memory_entry(const char *data, const PgfDoneMemoryHeader *header, uint32_t i);

#endif
