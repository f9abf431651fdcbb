/*
 * stats.c - adding up the counters of several pipelines (--workers).
 */
#include "stats.h"

#define MAX(a, b)	((a) > (b) ? (a) : (b))

void
stats_add(struct stats *dst, const struct stats *src)
{
	int r;

#define SUM(f)	dst->f += src->f
	SUM(read); SUM(decoded); SUM(dropped);
	for (r = 0; r < SKIP_MAX; r++)
		dst->skipped[r] += src->skipped[r];
	SUM(esp); SUM(wesp); SUM(esp_udp); SUM(frag_reassembled);
	SUM(frag_timeouts); SUM(frag_evicted); SUM(frag_overlaps);
	SUM(sa_created); SUM(sa_null); SUM(sa_encrypted); SUM(sa_undecided);
	SUM(sa_evicted); SUM(sa_timeouts); SUM(inner_found); SUM(held);
	SUM(held_released); SUM(held_expired);
	SUM(keys_icv_ok); SUM(keys_icv_failed); SUM(keys_decrypted);
	SUM(keys_unchecked); SUM(keys_unusable);
	SUM(flow_created); SUM(flow_ended); SUM(flow_evicted);
	SUM(flow_timeouts); SUM(flow_untracked);
	SUM(ndpi_pkts); SUM(ndpi_detected); SUM(ndpi_guessed);
	SUM(ndpi_unknown); SUM(ndpi_alloc_failed);
	SUM(alerts);
	SUM(nfq_accepted); SUM(nfq_dropped); SUM(nfq_undecided);
	SUM(nfq_held); SUM(nfq_hold_expired); SUM(nfq_hold_full);
	SUM(nfq_overflows); SUM(nfq_verdict_msgs); SUM(nfq_verdict_errors);
	SUM(inner_written); SUM(eve_events); SUM(eve_errors);
	SUM(eve_dropped); SUM(eve_reconnects); SUM(eve_redis_errors);
#undef SUM
	/* Process-wide, or copies of one shared handle: not per pipeline. */
	dst->ndpi_mem_bytes = MAX(dst->ndpi_mem_bytes, src->ndpi_mem_bytes);
	dst->ndpi_mem_peak = MAX(dst->ndpi_mem_peak, src->ndpi_mem_peak);
	dst->rules_loaded = MAX(dst->rules_loaded, src->rules_loaded);
	dst->rules_reloads = MAX(dst->rules_reloads, src->rules_reloads);
	dst->rules_reload_errors = MAX(dst->rules_reload_errors,
	    src->rules_reload_errors);
	dst->nfq_on = dst->nfq_on || src->nfq_on;
	dst->keys_on = dst->keys_on || src->keys_on;
}
