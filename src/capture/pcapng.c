/*
 * pcapng.c - pcapng blocks: Section Header (SHB), Interface Description
 * (IDB), Enhanced Packet (EPB), Simple Packet (SPB) and the obsolete
 * Packet Block; every other block type is skipped by its length.
 *
 * Each block is read whole into one buffer allocated at open (its size
 * is the cap on a block) and then parsed through the bounded cursor, so a
 * length field can never take a read outside the block.  The byte order
 * of a section comes from its SHB's byte-order magic.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../util/cursor.h"
#include "pcapng.h"

#define BLOCK_MAX	(16u * 1024 * 1024)	/* larger = corrupt */
#define BLOCK_START	(64u * 1024)	/* grown to the largest block read:
					   16 MiB up front cost every open
					   (and the fuzzer 100x its speed) */
#define MAX_IFACES	256
#define BOM		0x1a2b3c4dU
#define BT_IDB		1
#define BT_PB		2	/* obsolete Packet Block */
#define BT_SPB		3
#define BT_EPB		6
#define OPT_END		0
#define OPT_TSRESOL	9
#define OPT_TSOFFSET	14

struct iface {
	int		linktype;
	uint32_t	snaplen;
	bool		res_pow2;	/* if_tsresol MSB: 2^-n, else 10^-n */
	uint8_t		res_exp;
	int64_t		ts_offset;	/* if_tsoffset, seconds */
};

struct pcapng {
	FILE		*f;		/* owned; NULL for a memory reader */
	bool		 big_endian;	/* section is big-endian */
	bool		 in_section;
	uint32_t	 n_ifaces;
	struct iface	 ifaces[MAX_IFACES];
	uint8_t		*block;		/* block_size bytes */
	uint32_t	 block_size;	/* BLOCK_START .. BLOCK_MAX */
};

static uint32_t
get32(struct pcapng *ng, struct cursor *c)
{
	uint32_t v = cur_be32(c);

	return (ng->big_endian ? v : __builtin_bswap32(v));
}

static uint16_t
get16(struct pcapng *ng, struct cursor *c)
{
	uint16_t v = cur_be16(c);

	return (ng->big_endian ? v : __builtin_bswap16(v));
}

static struct pcapng *
alloc_reader(void)
{
	struct pcapng *ng;

	if ((ng = calloc(1, sizeof(*ng))) == NULL)
		return (NULL);
	if ((ng->block = malloc(BLOCK_START)) == NULL) {
		free(ng);
		return (NULL);
	}
	ng->block_size = BLOCK_START;
	return (ng);
}

struct pcapng *
pcapng_new_memory(void)
{
	return (alloc_reader());
}

struct pcapng *
pcapng_open(FILE *f, char *err, size_t errlen)
{
	struct pcapng *ng;

	if ((ng = alloc_reader()) == NULL) {
		snprintf(err, errlen, "out of memory");
		fclose(f);
		return (NULL);
	}
	ng->f = f;
	return (ng);
}

void
pcapng_close(struct pcapng *ng)
{
	if (ng == NULL)
		return;
	if (ng->f != NULL)
		fclose(ng->f);
	free(ng->block);
	free(ng);
}

/* Options (code, length, value padded to 4): only the IDB's are used. */
static int
parse_idb_options(struct pcapng *ng, struct cursor *c, struct iface *ifc)
{
	uint16_t code, len;
	struct cursor val;

	while (cur_left(c) >= 4) {
		code = get16(ng, c);
		len = get16(ng, c);
		if (code == OPT_END)
			break;
		if (!cur_sub(c, len, &val))
			return (-1);
		cur_skip(c, (4 - len % 4) % 4);
		if (code == OPT_TSRESOL && len >= 1) {
			uint8_t r = cur_u8(&val);

			ifc->res_pow2 = (r & 0x80) != 0;
			ifc->res_exp = r & 0x7f;
		} else if (code == OPT_TSOFFSET && len >= 8) {
			uint64_t hi = get32(ng, &val), lo = get32(ng, &val);

			/* Stored as one 64-bit value in section order. */
			ifc->ts_offset = (int64_t)(ng->big_endian ? hi << 32 | lo :
			    lo << 32 | hi);
		}
	}
	return (cur_ok(c) ? 0 : -1);
}

static int
parse_idb(struct pcapng *ng, struct cursor *c, char *err, size_t errlen)
{
	struct iface *ifc;

	if (ng->n_ifaces == MAX_IFACES) {
		snprintf(err, errlen, "more than %d interfaces", MAX_IFACES);
		return (-1);
	}
	ifc = &ng->ifaces[ng->n_ifaces];
	memset(ifc, 0, sizeof(*ifc));
	ifc->res_exp = 6;	/* default: microseconds */
	ifc->linktype = get16(ng, c);
	cur_skip(c, 2);
	ifc->snaplen = get32(ng, c);
	if (!cur_ok(c) || parse_idb_options(ng, c, ifc) != 0) {
		snprintf(err, errlen, "corrupt interface description block");
		return (-1);
	}
	/* A resolution finer than 2^-63 or 10^-19 does not fit in 64 bits. */
	if ((ifc->res_pow2 && ifc->res_exp > 63) ||
	    (!ifc->res_pow2 && ifc->res_exp > 19)) {
		snprintf(err, errlen, "unsupported timestamp resolution");
		return (-1);
	}
	ng->n_ifaces++;
	return (0);
}

static void
set_time(const struct iface *ifc, uint64_t ts, struct packet *p)
{
	uint64_t units = 1, sec, frac;
	uint8_t i;

	if (ifc->res_pow2) {
		sec = ifc->res_exp == 0 ? ts : ts >> ifc->res_exp;
		frac = ifc->res_exp == 0 ? 0 :
		    ts & ((UINT64_C(1) << ifc->res_exp) - 1);
		p->ts_usec = (uint32_t)(ifc->res_exp == 0 ? 0 :
		    (unsigned __int128)frac * 1000000 >> ifc->res_exp);
	} else {
		for (i = 0; i < ifc->res_exp; i++)
			units *= 10;
		sec = ts / units;
		frac = ts % units;
		p->ts_usec = (uint32_t)((unsigned __int128)frac * 1000000 /
		    units);
	}
	p->ts_sec = (int64_t)sec + ifc->ts_offset;
}

/* EPB and the obsolete PB share their layout after the interface id. */
static int
parse_packet(struct pcapng *ng, struct cursor *c, uint32_t type,
    struct packet *p, char *err, size_t errlen)
{
	uint32_t ifid, caplen, origlen;
	uint64_t ts;

	if (type == BT_PB) {
		ifid = get16(ng, c);
		cur_skip(c, 2);		/* drops count */
	} else
		ifid = get32(ng, c);
	ts = (uint64_t)get32(ng, c) << 32;
	ts |= get32(ng, c);
	caplen = get32(ng, c);
	origlen = get32(ng, c);
	if (!cur_ok(c) || ifid >= ng->n_ifaces) {
		snprintf(err, errlen, "packet block for an undeclared "
		    "interface %u", ifid);
		return (-1);
	}
	if ((p->frame = cur_bytes(c, caplen)) == NULL) {
		snprintf(err, errlen, "packet block shorter than its "
		    "captured length %u", caplen);
		return (-1);
	}
	p->caplen = caplen;
	p->wirelen = origlen < caplen ? caplen : origlen;
	p->linktype = ng->ifaces[ifid].linktype;
	set_time(&ng->ifaces[ifid], ts, p);
	return (1);
}

/* SPB: interface 0, no timestamp; captured = min(original, block). */
static int
parse_spb(struct pcapng *ng, struct cursor *c, struct packet *p, char *err,
    size_t errlen)
{
	uint32_t origlen = get32(ng, c);
	uint32_t caplen;

	if (!cur_ok(c) || ng->n_ifaces == 0) {
		snprintf(err, errlen, "simple packet block before any "
		    "interface");
		return (-1);
	}
	caplen = (uint32_t)cur_left(c);
	if (origlen < caplen)
		caplen = origlen;
	if (ng->ifaces[0].snaplen != 0 && caplen > ng->ifaces[0].snaplen)
		caplen = ng->ifaces[0].snaplen;
	p->frame = cur_bytes(c, caplen);
	p->caplen = caplen;
	p->wirelen = origlen < caplen ? caplen : origlen;
	p->linktype = ng->ifaces[0].linktype;
	p->ts_sec = 0;
	p->ts_usec = 0;
	return (1);
}

/* The SHB's byte-order magic fixes the order of the whole section. */
static int
parse_shb(struct pcapng *ng, struct cursor *c, char *err, size_t errlen)
{
	uint32_t bom = cur_be32(c);
	uint16_t major;

	if (bom == BOM)
		ng->big_endian = true;
	else if (bom == __builtin_bswap32(BOM))
		ng->big_endian = false;
	else {
		snprintf(err, errlen, "bad pcapng byte-order magic");
		return (-1);
	}
	major = get16(ng, c);
	if (!cur_ok(c) || major != 1) {
		snprintf(err, errlen, "unsupported pcapng version %u", major);
		return (-1);
	}
	ng->in_section = true;
	ng->n_ifaces = 0;
	return (0);
}

int
pcapng_parse_block(struct pcapng *ng, const uint8_t *block, size_t len,
    struct packet *p, char *err, size_t errlen)
{
	struct cursor c, body;
	uint32_t type, total;

	cur_init(&c, block, len);
	type = cur_be32(&c);
	if (type == PCAPNG_SHB_TYPE) {
		/* The length's order is only known after the magic. */
		cur_skip(&c, 4);
		if (parse_shb(ng, &c, err, errlen) != 0)
			return (-1);
		cur_init(&c, block, len);
		cur_skip(&c, 4);
	} else if (!ng->in_section) {
		snprintf(err, errlen, "not a pcapng file");
		return (-1);
	} else {
		cur_init(&c, block, len);
		type = get32(ng, &c);
	}
	total = get32(ng, &c);
	if (!cur_ok(&c) || total < 12 || total % 4 != 0 || total != len) {
		snprintf(err, errlen, "bad pcapng block length %u", total);
		return (-1);
	}
	cur_sub(&c, total - 12, &body);
	switch (type) {
	case PCAPNG_SHB_TYPE:
		return (0);
	case BT_IDB:
		return (parse_idb(ng, &body, err, errlen));
	case BT_EPB:
	case BT_PB:
		return (parse_packet(ng, &body, type, p, err, errlen));
	case BT_SPB:
		return (parse_spb(ng, &body, p, err, errlen));
	default:
		return (0);
	}
}

/* Read one whole block into ng->block: its length, or 0 at EOF, -1. */
static long
read_block(struct pcapng *ng, char *err, size_t errlen)
{
	uint8_t *b = ng->block;
	uint32_t total;
	size_t n;

	n = fread(b, 1, 8, ng->f);
	if (n == 0 && feof(ng->f))
		return (0);
	if (n != 8) {
		snprintf(err, errlen, "truncated pcapng block header");
		return (-1);
	}
	if (((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3]) == PCAPNG_SHB_TYPE) {
		/* Peek the byte-order magic to read this length. */
		if (fread(b + 8, 1, 4, ng->f) != 4) {
			snprintf(err, errlen, "truncated section header");
			return (-1);
		}
		ng->big_endian = b[8] == 0x1a;
		n = 12;
	}
	total = ng->big_endian ?
	    (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 |
	    (uint32_t)b[6] << 8 | b[7] :
	    (uint32_t)b[7] << 24 | (uint32_t)b[6] << 16 |
	    (uint32_t)b[5] << 8 | b[4];
	if (total < 12 || total > BLOCK_MAX || total % 4 != 0 || total < n) {
		snprintf(err, errlen, "bad pcapng block length %u", total);
		return (-1);
	}
	if (total > ng->block_size) {
		uint32_t size = ng->block_size;

		while (size < total)
			size *= 2;		/* BLOCK_MAX is a power of 2 */
		if ((b = realloc(ng->block, size)) == NULL) {
			snprintf(err, errlen, "out of memory for a pcapng "
			    "block of %u bytes", total);
			return (-1);
		}
		ng->block = b;
		ng->block_size = size;
	}
	if (fread(b + n, 1, total - n, ng->f) != total - n) {
		snprintf(err, errlen, "truncated pcapng block (%u bytes "
		    "declared)", total);
		return (-1);
	}
	return ((long)total);
}

int
pcapng_next(struct pcapng *ng, struct packet *p, char *err, size_t errlen)
{
	long len;
	int rc;

	for (;;) {
		if ((len = read_block(ng, err, errlen)) <= 0)
			return ((int)len);
		rc = pcapng_parse_block(ng, ng->block, (size_t)len, p, err,
		    errlen);
		if (rc != 0)
			return (rc);
	}
}
