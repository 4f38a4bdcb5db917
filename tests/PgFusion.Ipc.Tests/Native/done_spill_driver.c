/*
 * Test driver for native/pg_hooks/done_spill.c (DoneSpillCheckTests): reads from stdin a u32
 * spill_files, a u64 spill_bytes and a u64 offset (DONE's totals and where the section starts in
 * DONE), then the section's bytes, and prints the verdict: "absent", "valid <count>" followed by
 * one "op files bytes node" line per entry, or "malformed: <why>". Bytes after a valid spill
 * section are DONE's memory section (docs/ipc.md 5.5): "memory valid <count> <peak>" and one
 * "node peak" line per entry, or "memory malformed: <why>" (nothing when there are none).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "done_spill.h"

int
main(void)
{
	static char buf[1 << 16];
	size_t		n = fread(buf, 1, sizeof(buf), stdin);
	uint32_t	files;
	uint64_t	bytes;
	uint64_t	offset;
	PgfDoneSpillHeader h;
	char		why[256];
	const char *section = buf + 20;

	if (n < 20)
		return 2;
	memcpy(&files, buf, 4);
	memcpy(&bytes, buf + 4, 8);
	memcpy(&offset, buf + 12, 8);
	switch (pgf_done_spill_check(section, n - 20, offset, files, bytes, &h, why, sizeof(why)))
	{
		case PGF_DONE_SPILL_ABSENT:
			printf("absent\n");
			break;
		case PGF_DONE_SPILL_VALID:
			printf("valid %u\n", h.count);
			for (uint32_t i = 0; i < h.count; i++)
			{
				PgfDoneSpill e = pgf_done_spill_entry(section, &h, i);

				printf("%u %u %llu %u\n", e.op, e.files, (unsigned long long) e.bytes, e.node);
			}
			{
				uint64_t	used = sizeof(PgfDoneSpillHeader) + (uint64_t) h.count * h.entry_size;
				PgfDoneMemoryHeader mh;

				switch (pgf_done_memory_check(section + used, n - 20 - used, offset + used, &mh, why, sizeof(why)))
				{
					case PGF_DONE_SPILL_ABSENT:
						break;
					case PGF_DONE_SPILL_VALID:
						printf("memory valid %u %llu\n", mh.count, (unsigned long long) mh.peak_bytes);
						for (uint32_t i = 0; i < mh.count; i++)
						{
							PgfDoneMemory e = pgf_done_memory_entry(section + used, &mh, i);

							printf("%u %llu\n", e.node, (unsigned long long) e.peak_bytes);
						}
						break;
					case PGF_DONE_SPILL_MALFORMED:
						printf("memory malformed: %s\n", why);
						break;
				}
			}
			break;
		case PGF_DONE_SPILL_MALFORMED:
			printf("malformed: %s\n", why);
			break;
	}
	return 0;
}
