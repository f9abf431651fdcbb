/*
 * ndpi.c - the nDPI 4.2 adapter: the only file that includes nDPI.
 *
 * Call sequence (nDPI 4.2 API, /usr/include/ndpi/ndpi_api.h; it changed
 * in 4.6 and 4.10, hence this one file): the memory hooks first, then
 * ndpi_init_detection_module(ndpi_no_prefs), every protocol enabled with
 * ndpi_set_protocol_detection_bitmask2(), ndpi_finalize_initialization();
 * per flow a zeroed ndpi_flow_malloc(SIZEOF_FLOW_STRUCT); per packet
 * ndpi_detection_process_packet() on the IP header; at the end
 * ndpi_detection_giveup() when undecided, ndpi_free_flow().
 *
 * Matching ndpiReader (example/reader_util.c of 4.2, packet_processing()
 * and node_proto_guess_walker()) matters more than any choice of ours: a
 * user checks espvis against it.  So, as it does: the packet count that
 * ends detection includes the packet just fed, and the flow stops being
 * fed once the app is known and nDPI needs no extra packets, or once that
 * count passes the cap (then giveup if still unknown); a flow that ends
 * before either gets giveup, whatever it knows so far (giveup keeps a
 * known protocol).  The name is ndpi_protocol2name(), "Master.App", what
 * ndpiReader prints in its flow list.  One difference, on purpose: the
 * nDPI flow state is freed as soon as detection is final, not at the
 * flow's end; nothing reads it after that, and it can hold TLS and HTTP
 * strings.
 *
 * Memory: nDPI allocates through set_ndpi_malloc()/set_ndpi_free() and
 * the flow variants, process-wide function pointers.  They are set once,
 * before the first module, to wrappers that count the bytes in use
 * (malloc_usable_size(), so a free needs no size) and the peak.  The
 * counters are atomic: several pipelines may share the process.
 *
 * Threads: each worker builds its own module on its own thread, at the
 * same time as the others (workers.c).  ndpi_init_detection_module()
 * of 4.2 initialises libgcrypt (for QUIC) when nobody did:
 * gcry_check_version() then GCRYCTL_INITIALIZATION_FINISHED, which are
 * not thread-safe.  libgcrypt tests its "initialised" flag in
 * gcry_check_version() and sets it in global_init(): two threads that
 * both test it before either sets it both run global_init(), and the
 * second aborts in _gcry_initialize_fips_mode() ("Ohhhh jeeee:
 * Assertion `!done' failed").  A preemption between the test and the set
 * (a machine under load) is enough.  So libgcrypt is initialised here,
 * once, under the same pthread_once() as the hooks, before any module:
 * nDPI then sees GCRYCTL_INITIALIZATION_FINISHED_P and leaves it alone.
 */
#include <gcrypt.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ndpi_api.h>

#include "ndpi.h"

/* ndpiReader's defaults (-T and -U). */
#define DEFAULT_MAX_TCP_PKTS	80
#define DEFAULT_MAX_UDP_PKTS	24
/*
 * ndpiReader feeds other protocols without a limit; nDPI names them from
 * the first packet (ICMP, GRE, ...) or never, so a cap only bounds work.
 */
#define DEFAULT_MAX_OTHER_PKTS	80

struct dpi_slot {
	struct ndpi_flow_struct	*flow;	/* NULL when done or failed */
	ndpi_protocol		 proto;	/* the latest answer */
	uint64_t		 risk;
	uint32_t		 pkts;	/* fed to nDPI, this one included */
	uint8_t			 l4proto;
	bool			 active;
	bool			 done;
	bool			 guessed;
};

struct dpi {
	struct ndpi_detection_module_struct *mod;
	struct dpi_config	 cfg;
	struct dpi_slot		*slots;
	uint32_t		 nslots;
	uint32_t		 n_flows;	/* slots holding nDPI state */
};

static uint64_t		 mem_in_use;
static uint64_t		 mem_peak;
static pthread_once_t	 init_done = PTHREAD_ONCE_INIT;

static void *
counting_malloc(size_t size)
{
	uint64_t now, peak;
	void *p;

	if ((p = malloc(size)) == NULL)
		return (NULL);
	now = __atomic_add_fetch(&mem_in_use, malloc_usable_size(p),
	    __ATOMIC_RELAXED);
	peak = __atomic_load_n(&mem_peak, __ATOMIC_RELAXED);
	while (now > peak && !__atomic_compare_exchange_n(&mem_peak, &peak,
	    now, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	return (p);
}

static void
counting_free(void *p)
{
	if (p == NULL)
		return;
	__atomic_sub_fetch(&mem_in_use, malloc_usable_size(p),
	    __ATOMIC_RELAXED);
	free(p);
}

/*
 * What nDPI 4.2 does in ndpi_init_detection_module() unless told
 * ndpi_dont_init_libgcrypt, done once for the process.
 */
static void
init_gcrypt(void)
{
	if (gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P))
		return;
	(void)gcry_check_version(NULL);
	gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
}

static void
init_once(void)
{
	init_gcrypt();
	set_ndpi_malloc(counting_malloc);
	set_ndpi_free(counting_free);
	set_ndpi_flow_malloc(counting_malloc);
	set_ndpi_flow_free(counting_free);
}

void
dpi_config_defaults(struct dpi_config *cfg)
{
	cfg->enabled = true;
	cfg->max_tcp_pkts = DEFAULT_MAX_TCP_PKTS;
	cfg->max_udp_pkts = DEFAULT_MAX_UDP_PKTS;
	cfg->max_other_pkts = DEFAULT_MAX_OTHER_PKTS;
}

const char *
dpi_version(void)
{
	return (ndpi_revision());
}

struct dpi *
dpi_new(const struct dpi_config *cfg, uint32_t nslots, char *err,
    size_t errlen)
{
	NDPI_PROTOCOL_BITMASK	 all;
	struct dpi		*d;

	pthread_once(&init_done, init_once);
	if ((d = calloc(1, sizeof(*d))) == NULL ||
	    (d->slots = calloc(nslots, sizeof(*d->slots))) == NULL) {
		snprintf(err, errlen, "out of memory for %u nDPI flows",
		    nslots);
		dpi_free(d);
		return (NULL);
	}
	d->nslots = nslots;
	if (cfg != NULL)
		d->cfg = *cfg;
	else
		dpi_config_defaults(&d->cfg);
	if ((d->mod = ndpi_init_detection_module(ndpi_no_prefs)) == NULL) {
		snprintf(err, errlen, "nDPI %s: cannot create a detection "
		    "module", ndpi_revision());
		dpi_free(d);
		return (NULL);
	}
	NDPI_BITMASK_SET_ALL(all);
	ndpi_set_protocol_detection_bitmask2(d->mod, &all);
	ndpi_finalize_initialization(d->mod);
	return (d);
}

static void
release_flow(struct dpi *d, struct dpi_slot *s)
{
	if (s->flow != NULL) {
		s->risk = s->flow->risk;
		ndpi_free_flow(s->flow);
		s->flow = NULL;
		d->n_flows--;
	}
}

void
dpi_free(struct dpi *d)
{
	uint32_t i;

	if (d == NULL)
		return;
	/* Every flow ended (the end of a run): the slots, as large as the
	   flow table, need not be read again, some for the first time. */
	if (d->slots != NULL)
		for (i = 0; i < d->nslots && d->n_flows > 0; i++)
			release_flow(d, &d->slots[i]);
	free(d->slots);
	if (d->mod != NULL)
		ndpi_exit_detection_module(d->mod);
	free(d);
}

void
dpi_flow_begin(struct dpi *d, uint32_t slot, uint8_t proto, struct stats *st)
{
	struct dpi_slot *s;

	if (slot >= d->nslots)
		return;
	s = &d->slots[slot];
	release_flow(d, s);
	memset(s, 0, sizeof(*s));
	s->active = true;
	s->l4proto = proto;
	if ((s->flow = ndpi_flow_malloc(SIZEOF_FLOW_STRUCT)) == NULL) {
		/* No state, no detection: the flow ends "Unknown". */
		st->ndpi_alloc_failed++;
		s->done = true;
		return;
	}
	d->n_flows++;
	memset(s->flow, 0, SIZEOF_FLOW_STRUCT);
}

static uint32_t
packet_cap(const struct dpi *d, uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return (d->cfg.max_tcp_pkts);
	case IPPROTO_UDP:
		return (d->cfg.max_udp_pkts);
	default:
		break;
	}
	return (d->cfg.max_other_pkts);
}

/* Final answer: guess when still unknown (ndpiReader's -d is off). */
static void
finish(struct dpi *d, struct dpi_slot *s, bool always_giveup)
{
	uint8_t guessed = 0;

	if (s->flow != NULL && (always_giveup ||
	    s->proto.app_protocol == NDPI_PROTOCOL_UNKNOWN)) {
		s->proto = ndpi_detection_giveup(d->mod, s->flow, 1, &guessed);
		s->guessed = guessed != 0;
	}
	s->done = true;
	release_flow(d, s);
}

bool
dpi_packet(struct dpi *d, uint32_t slot, const uint8_t *ip, size_t len,
    uint64_t time_ms, struct stats *st)
{
	struct dpi_slot	*s;
	bool		 enough;

	if (slot >= d->nslots)
		return (false);
	s = &d->slots[slot];
	if (!s->active || s->done || s->flow == NULL)
		return (false);
	s->pkts++;
	st->ndpi_pkts++;
	enough = s->pkts > packet_cap(d, s->l4proto);
	/* nDPI takes 16 bits of length, as ndpiReader's ipsize. */
	if (len > 65535)
		len = 65535;
	s->proto = ndpi_detection_process_packet(d->mod, s->flow, ip,
	    (unsigned short)len, time_ms);
	if (!enough && s->proto.app_protocol == NDPI_PROTOCOL_UNKNOWN)
		return (false);
	/* Known, but nDPI wants more (a TLS certificate, SSH keys): wait. */
	if (!enough && ndpi_extra_dissection_possible(d->mod, s->flow))
		return (false);
	finish(d, s, false);
	return (true);
}

void
dpi_get(struct dpi *d, uint32_t slot, struct dpi_app *out)
{
	struct dpi_slot *s;

	memset(out, 0, sizeof(*out));
	if (slot >= d->nslots)
		return;
	s = &d->slots[slot];
	out->master = s->proto.master_protocol;
	out->app = s->proto.app_protocol;
	out->risk = s->flow != NULL ? s->flow->risk : s->risk;
	out->done = s->done;
	out->guessed = s->guessed;
	ndpi_protocol2name(d->mod, s->proto, out->name, sizeof(out->name));
}

void
dpi_flow_end(struct dpi *d, uint32_t slot, struct dpi_app *out,
    struct stats *st)
{
	struct dpi_slot *s;

	if (slot >= d->nslots) {
		memset(out, 0, sizeof(*out));
		return;
	}
	s = &d->slots[slot];
	if (s->active && !s->done)
		finish(d, s, true);
	dpi_get(d, slot, out);
	if (out->master == NDPI_PROTOCOL_UNKNOWN &&
	    out->app == NDPI_PROTOCOL_UNKNOWN)
		st->ndpi_unknown++;
	else if (out->guessed)
		st->ndpi_guessed++;
	else
		st->ndpi_detected++;
	release_flow(d, s);
	memset(s, 0, sizeof(*s));
}

void
dpi_update_stats(struct stats *st)
{
	st->ndpi_mem_bytes = __atomic_load_n(&mem_in_use, __ATOMIC_RELAXED);
	st->ndpi_mem_peak = __atomic_load_n(&mem_peak, __ATOMIC_RELAXED);
}
