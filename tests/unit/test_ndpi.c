/*
 * test_ndpi.c - the nDPI adapter (src/classify/ndpi.c) on whole inner
 * sessions built from bytes (data/inner_vectors.h: the functions behind
 * pcaps/gen/apps_*): HTTP, DNS and TLS named as ndpiReader names them;
 * feeding stops when detection is final (TLS waits for the certificate);
 * the packet cap gives up on a protocol nobody owns; a flow that ends
 * early is guessed; nDPI's memory is counted and all given back;
 * modules built at once on several threads (--workers) find libgcrypt
 * initialised.
 */
#include <dlfcn.h>
#include <gcrypt.h>
#include <pthread.h>
#include <string.h>

#include <ndpi_api.h>

#include "unit.h"
#include "data/inner_vectors.h"
#include "classify/ndpi.h"

/*
 * Every module the adapter makes comes through here (this definition in
 * the program comes before libndpi's): nDPI 4.2's own libgcrypt
 * initialisation in ndpi_init_detection_module() is not thread-safe
 * (two threads at once can both run libgcrypt's global_init(), and the
 * second aborts), so the adapter must have done it before any module.
 * Counted: the calls that found libgcrypt not yet initialised.
 */
static unsigned gcrypt_uninit_calls;

struct ndpi_detection_module_struct *
ndpi_init_detection_module(ndpi_init_prefs prefs)
{
	static struct ndpi_detection_module_struct *(*real)(ndpi_init_prefs);

	if (!gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P))
		__atomic_add_fetch(&gcrypt_uninit_calls, 1, __ATOMIC_RELAXED);
	if (__atomic_load_n(&real, __ATOMIC_ACQUIRE) == NULL)
		__atomic_store_n(&real, (struct ndpi_detection_module_struct *
		    (*)(ndpi_init_prefs))dlsym(RTLD_NEXT,
		    "ndpi_init_detection_module"), __ATOMIC_RELEASE);
	ck_assert_ptr_nonnull(real);
	return (real(prefs));
}

#define NSLOTS	8
#define T0_MS	1795694400000ull

static struct dpi *
new_dpi(void)
{
	struct dpi	*d;
	char		 err[128];

	d = dpi_new(NULL, NSLOTS, err, sizeof(err));
	ck_assert_msg(d != NULL, "dpi_new: %s", err);
	return (d);
}

/*
 * Feed pkts[0 .. n - 1] to slot (fresh flow of protocol proto); returns
 * the index of the packet that made detection final, or -1.
 */
static int
feed(struct dpi *d, uint32_t slot, uint8_t proto, const struct vec_pkt *pkts,
    size_t n, struct stats *st)
{
	size_t	i;
	int	final = -1;

	dpi_flow_begin(d, slot, proto, st);
	for (i = 0; i < n; i++)
		if (dpi_packet(d, slot, pkts[i].bytes, pkts[i].len,
		    T0_MS + i, st) && final < 0)
			final = (int)i;
	return (final);
}

#define NPKTS(a)	(sizeof(a) / sizeof((a)[0]))

START_TEST(test_http)
{
	struct dpi	*d = new_dpi();
	struct stats	 st;
	struct dpi_app	 app;
	int		 final;

	memset(&st, 0, sizeof(st));
	final = feed(d, 3, 6, http_pkts, NPKTS(http_pkts), &st);
	/* The GET names it; nDPI then wants the answer too. */
	ck_assert_int_ge(final, 3);
	ck_assert_int_lt(final, (int)NPKTS(http_pkts) - 1);
	ck_assert_uint_eq(st.ndpi_pkts, (uint64_t)final + 1);
	dpi_flow_end(d, 3, &app, &st);
	ck_assert_str_eq(app.name, "HTTP");
	ck_assert(app.done);
	ck_assert(!app.guessed);
	ck_assert_uint_ne(app.app, 0);
	ck_assert_uint_eq(st.ndpi_detected, 1);
	dpi_free(d);
}
END_TEST

START_TEST(test_dns)
{
	struct dpi	*d = new_dpi();
	struct stats	 st;
	struct dpi_app	 app;

	memset(&st, 0, sizeof(st));
	ck_assert_int_ge(feed(d, 0, 17, dns_pkts, NPKTS(dns_pkts), &st), 0);
	dpi_flow_end(d, 0, &app, &st);
	ck_assert_str_eq(app.name, "DNS");
	dpi_free(d);
}
END_TEST

/* The ClientHello names TLS; detection is final with the certificate. */
START_TEST(test_tls)
{
	struct dpi	*d = new_dpi();
	struct stats	 st;
	struct dpi_app	 app;
	size_t		 i;

	memset(&st, 0, sizeof(st));
	dpi_flow_begin(d, 5, 6, &st);
	/* SYN, SYN-ACK, ACK, ClientHello */
	for (i = 0; i < 4; i++)
		ck_assert(!dpi_packet(d, 5, tls_pkts[i].bytes, tls_pkts[i].len,
		    T0_MS + i, &st));
	dpi_get(d, 5, &app);
	ck_assert_str_eq(app.name, "TLS");
	ck_assert(!app.done);
	for (; i < NPKTS(tls_pkts); i++)
		if (dpi_packet(d, 5, tls_pkts[i].bytes, tls_pkts[i].len,
		    T0_MS + i, &st))
			break;
	ck_assert_uint_lt(i, NPKTS(tls_pkts));
	dpi_get(d, 5, &app);
	ck_assert(app.done);
	ck_assert_str_eq(app.name, "TLS");
	dpi_flow_end(d, 5, &app, &st);
	ck_assert_str_eq(app.name, "TLS");
	dpi_free(d);
}
END_TEST

/* ndpiReader's UDP cap: the 25th packet ends detection, unknown. */
START_TEST(test_udp_cap)
{
	struct dpi	*d = new_dpi();
	struct stats	 st;
	struct dpi_app	 app;

	memset(&st, 0, sizeof(st));
	ck_assert_uint_ge(NPKTS(chatter_pkts), 26);
	ck_assert_int_eq(feed(d, 1, 17, chatter_pkts, NPKTS(chatter_pkts),
	    &st), 24);
	ck_assert_uint_eq(st.ndpi_pkts, 25);
	dpi_flow_end(d, 1, &app, &st);
	ck_assert_str_eq(app.name, "Unknown");
	ck_assert_uint_eq(app.master, 0);
	ck_assert_uint_eq(app.app, 0);
	ck_assert_uint_eq(st.ndpi_unknown, 1);
	dpi_free(d);
}
END_TEST

/* Only the TCP handshake to port 80: giving up guesses from the port. */
START_TEST(test_guess_at_end)
{
	struct dpi	*d = new_dpi();
	struct stats	 st;
	struct dpi_app	 app;

	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(feed(d, 2, 6, http_pkts, 3, &st), -1);
	dpi_get(d, 2, &app);
	ck_assert(!app.done);
	dpi_flow_end(d, 2, &app, &st);
	ck_assert_str_eq(app.name, "HTTP");
	ck_assert(app.guessed);
	ck_assert_uint_eq(st.ndpi_guessed, 1);
	dpi_free(d);
}
END_TEST

/* A slot ends and is reused by another flow with nothing left over. */
START_TEST(test_slot_reuse)
{
	struct dpi	*d = new_dpi();
	struct stats	 st;
	struct dpi_app	 app;

	memset(&st, 0, sizeof(st));
	feed(d, 7, 17, dns_pkts, NPKTS(dns_pkts), &st);
	dpi_flow_end(d, 7, &app, &st);
	ck_assert_str_eq(app.name, "DNS");
	feed(d, 7, 6, http_pkts, NPKTS(http_pkts), &st);
	dpi_flow_end(d, 7, &app, &st);
	ck_assert_str_eq(app.name, "HTTP");
	/* Out of range slots are ignored. */
	ck_assert(!dpi_packet(d, NSLOTS, dns_0, sizeof(dns_0), T0_MS, &st));
	dpi_free(d);
}
END_TEST

/*
 * Every byte nDPI allocates goes through the counting hooks: the module
 * and the flows raise the count, and freeing them brings it back to
 * where it started.
 */
START_TEST(test_memory)
{
	struct stats	 before, during, after;
	struct dpi	*d;
	struct dpi_app	 app;
	uint32_t	 s;

	memset(&before, 0, sizeof(before));
	dpi_update_stats(&before);
	d = new_dpi();
	during = before;
	for (s = 0; s < NSLOTS; s++)
		feed(d, s, 6, tls_pkts, 4, &during);
	dpi_update_stats(&during);
	ck_assert_uint_gt(during.ndpi_mem_bytes, before.ndpi_mem_bytes);
	ck_assert_uint_ge(during.ndpi_mem_peak, during.ndpi_mem_bytes);
	for (s = 0; s < NSLOTS; s++)
		dpi_flow_end(d, s, &app, &during);
	dpi_free(d);
	after = during;
	dpi_update_stats(&after);
	ck_assert_uint_eq(after.ndpi_mem_bytes, before.ndpi_mem_bytes);
	ck_assert_uint_ge(after.ndpi_mem_peak, during.ndpi_mem_bytes);
}
END_TEST

#define PARALLEL	3

static pthread_barrier_t start_line;

static void *
make_module(void *arg)
{
	char err[128];

	pthread_barrier_wait(&start_line);
	*(struct dpi **)arg = dpi_new(NULL, NSLOTS, err, sizeof(err));
	return (NULL);
}

/* As the workers do: modules made on several threads at the same time. */
START_TEST(test_parallel_modules)
{
	pthread_t	 th[PARALLEL];
	struct dpi	*d[PARALLEL];
	int		 i;

	ck_assert_int_eq(pthread_barrier_init(&start_line, NULL, PARALLEL), 0);
	for (i = 0; i < PARALLEL; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, make_module,
		    &d[i]), 0);
	for (i = 0; i < PARALLEL; i++)
		ck_assert_int_eq(pthread_join(th[i], NULL), 0);
	pthread_barrier_destroy(&start_line);
	for (i = 0; i < PARALLEL; i++) {
		ck_assert_ptr_nonnull(d[i]);
		dpi_free(d[i]);
	}
	ck_assert(gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P));
	ck_assert_uint_eq(gcrypt_uninit_calls, 0);
}
END_TEST

START_TEST(test_version)
{
	ck_assert_str_eq(dpi_version(), "4.2.0");
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("ndpi");
	TCase *tc = tcase_create("adapter");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_http);
	tcase_add_test(tc, test_dns);
	tcase_add_test(tc, test_tls);
	tcase_add_test(tc, test_udp_cap);
	tcase_add_test(tc, test_guess_at_end);
	tcase_add_test(tc, test_slot_reuse);
	tcase_add_test(tc, test_memory);
	tcase_add_test(tc, test_version);
	tcase_add_test(tc, test_parallel_modules);
	suite_add_tcase(s, tc);
	return (s);
}

UNIT_MAIN
