/*
 * ike_run.h - the endpoint's runtime: real UDP sockets (500 and 4500),
 * the ESP data plane with its TUN device, the management API, a poll
 * loop with the endpoint's timers, and a unix control socket (one
 * command a connection, answers as JSON lines).
 *
 * Two homes:
 *   `espvis ike --config FILE`: ike_main() runs it on the main thread
 *   until SIGINT or SIGTERM.
 *   The inspector daemon (espvis.c, a configuration with `ike:`):
 *     r = ike_run_open(cfg, file, verbose, &host, err, len);   main thread,
 *         before privileges are dropped (binds 500/4500, opens the TUN)
 *     ike_run_sandbox(r, &policy); sandbox_apply(...)
 *     thread: ike_run_loop(r);                 returns after ike_run_stop()
 *     ike_run_stop(r); join; ike_run_close(r);
 *
 * Threads: everything the endpoint, the data plane and the API own is
 * touched by the thread in ike_run_loop() only, except ike_run_stop()
 * (any thread, or a signal handler: an atomic store and a write to an
 * eventfd).  ike_run_open() and ike_run_close() run when the loop does
 * not.  The host's key store is thread-safe (util/esp_keys.h); its
 * inspector providers are called on the loop's thread (mgmt_ike.h).
 *
 * Ownership: ike_run_open() allocates; ike_run_close() (NULL-safe)
 * sends the IKE SA deletes, wipes every key, closes every descriptor
 * and frees.  cfg and host's members are borrowed and must outlive
 * ike_run_close().
 */
#ifndef ESPVIS_IKE_RUN_H
#define ESPVIS_IKE_RUN_H

#include <stddef.h>

#include "../mgmt/mgmt.h"
#include "../sandbox.h"
#include "../util/esp_keys.h"
#include "ike_config.h"

struct ike_run_host {
	/* Child SA keys for the inspector, put on child up, removed on
	 * child down and rekey; NULL: none handed over. */
	struct esp_keys			*keys;
	/* The inspector's /v1/stats, /v1/sas and /v1/rules/reload
	 * (ike_json unused); NULL: the endpoint's own answers. */
	const struct mgmt_providers	*inspector;
};

struct ike_run;

/* host may be NULL.  NULL with the reason in err. */
struct ike_run	*ike_run_open(const struct ike_config *cfg,
		    const char *config_file, int verbose,
		    const struct ike_run_host *host, char *err, size_t errlen);
void		 ike_run_loop(struct ike_run *);
void		 ike_run_stop(struct ike_run *);
void		 ike_run_close(struct ike_run *);
/* What the running endpoint still needs from the sandbox: added to sp. */
void		 ike_run_sandbox(const struct ike_run *,
		    struct sandbox_policy *sp);

/*
 * argv[0] is "ike".  Forms:
 *   espvis ike --config FILE [--socket PATH] [-v] [--no-sandbox]
 *                                                     run in the foreground
 *   espvis ike status [--socket PATH | --config FILE]  list IKE/Child SAs
 *   espvis ike initiate NAME | delete NAME|SPI | rekey SPI  [--socket ..]
 * Returns the process exit status.
 */
int	ike_main(int argc, char **argv);

#endif /* ESPVIS_IKE_RUN_H */
