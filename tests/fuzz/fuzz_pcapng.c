/*
 * fuzz_pcapng.c - libFuzzer target: the pcapng reader over arbitrary
 * file contents (through fmemopen, so the block reader runs as on a file).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "capture/pcapng.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	struct pcapng *ng;
	struct packet p;
	FILE *f;
	int n = 0;

	if (size == 0 || (f = fmemopen((void *)(uintptr_t)data, size, "rb")) ==
	    NULL)
		return (0);
	if ((ng = pcapng_open(f, err, sizeof(err))) == NULL)
		return (0);
	memset(&p, 0, sizeof(p));
	while (n++ < 10000 && pcapng_next(ng, &p, err, sizeof(err)) == 1) {
		/* Touch every byte the reader hands out. */
		if (p.caplen > 0 && p.frame[p.caplen - 1] == 0xff)
			p.num++;
	}
	pcapng_close(ng);
	return (0);
}
