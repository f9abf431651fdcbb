/*
 * mgmt_ike.c - the providers of `espvis ike` (mgmt_ike.h): snapshots of
 * the endpoint and the data plane written with util/json, on the
 * endpoint's thread (mgmt.h: no internal thread, so no lock).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt.h"
#include "mgmt_ike.h"

#define SNAP_IKE_MAX	128
#define SNAP_CHILD_MAX	512
#define RESPONSE_MAX	(1024 * 1024)

struct mgmt_ike {
	struct mgmt			*m;
	struct mgmt_config		 cfg;
	const struct ike_endpoint	*ep;
	const struct esp_plane		*plane;
	const struct mgmt_providers	*insp;		/* NULL: none here */
	struct ike_sa_view		*ikes;		/* SNAP_IKE_MAX */
	struct ike_child_view		*children;	/* SNAP_CHILD_MAX */
	size_t				 n_ike, n_child;
};

static void
snapshot(struct mgmt_ike *mi)
{
	ike_endpoint_snapshot(mi->ep, mi->ikes, SNAP_IKE_MAX, &mi->n_ike,
	    mi->children, SNAP_CHILD_MAX, &mi->n_child);
	if (mi->n_ike > SNAP_IKE_MAX)
		mi->n_ike = SNAP_IKE_MAX;
	if (mi->n_child > SNAP_CHILD_MAX)
		mi->n_child = SNAP_CHILD_MAX;
}

static void
json_esp_sa(struct json *j, const struct esp_sa *sa)
{
	const struct esp_sa_stats *st = &sa->stats;
	uint64_t in_err = 0, out_err = 0;
	int e;

	for (e = 1; e < ESP_ERR_COUNT; e++) {
		in_err += st->in_err[e];
		out_err += st->out_err[e];
	}
	json_open_object(j, "esp");
	json_u64(j, "in_packets", st->in_packets);
	json_u64(j, "in_bytes", st->in_bytes);
	json_u64(j, "out_packets", st->out_packets);
	json_u64(j, "out_bytes", st->out_bytes);
	json_u64(j, "in_errors", in_err);
	json_u64(j, "out_errors", out_err);
	json_close_object(j);
}

/* GET /v1/ike: what `espvis ike status` prints, as one document, with
 * each Child SA's data plane counters and the IKE_SA_INIT counters. */
static int
ike_json(void *ctx, struct json *j)
{
	struct mgmt_ike *mi = ctx;
	struct ike_init_stats init;
	size_t i;

	snapshot(mi);
	json_open_array(j, "ike_sas");
	for (i = 0; i < mi->n_ike; i++) {
		json_open_object(j, NULL);
		ike_sa_view_json(j, &mi->ikes[i]);
		json_close_object(j);
	}
	json_close_array(j);
	json_open_array(j, "child_sas");
	for (i = 0; i < mi->n_child; i++) {
		const struct ike_child_view *c = &mi->children[i];
		const struct esp_sa *sa;

		json_open_object(j, NULL);
		ike_child_view_json(j, c);
		if (mi->plane != NULL &&
		    (sa = esp_plane_sa(mi->plane, c->spi_in)) != NULL)
			json_esp_sa(j, sa);
		json_close_object(j);
	}
	json_close_array(j);
	json_bool(j, "truncated", mi->n_ike == SNAP_IKE_MAX ||
	    mi->n_child == SNAP_CHILD_MAX);
	ike_endpoint_init_stats(mi->ep, &init);
	json_open_object(j, "ike_init");
	ike_init_stats_json(j, &init);
	json_close_object(j);
	return (0);
}

/* GET /v1/stats: SA counts, the data plane's counters (its own and the
 * sum over the installed SAs) and the API's. */
static int
stats_json(void *ctx, struct json *j)
{
	struct mgmt_ike *mi = ctx;
	const struct esp_plane_stats *ps;
	const struct mgmt_counters *mc;
	struct esp_sa_stats sum;
	uint64_t established = 0, n_sa = 0;
	const struct esp_sa *sa;
	size_t i;
	int e;

	snapshot(mi);
	for (i = 0; i < mi->n_ike; i++)
		if (strcmp(mi->ikes[i].state, "ESTABLISHED") == 0)
			established++;
	json_str(j, "process", mi->insp != NULL ? "espvis" : "ike");
	/* The inspector's counters first: if its thread does not answer
	 * in time, the whole request is 503 (mgmt_inspector.h). */
	if (mi->insp != NULL && mi->insp->stats_json != NULL &&
	    mi->insp->stats_json(mi->insp->ctx, j) != 0)
		return (-1);
	json_open_object(j, "ike");
	json_u64(j, "ike_sas", mi->n_ike);
	json_u64(j, "ike_sas_established", established);
	json_u64(j, "child_sas", mi->n_child);
	json_close_object(j);
	if (mi->plane != NULL) {
		memset(&sum, 0, sizeof(sum));
		for (i = 0; i < mi->n_child; i++) {
			if ((sa = esp_plane_sa(mi->plane,
			    mi->children[i].spi_in)) == NULL)
				continue;
			n_sa++;
			sum.in_packets += sa->stats.in_packets;
			sum.in_bytes += sa->stats.in_bytes;
			sum.out_packets += sa->stats.out_packets;
			sum.out_bytes += sa->stats.out_bytes;
			for (e = 0; e < ESP_ERR_COUNT; e++) {
				sum.in_err[e] += sa->stats.in_err[e];
				sum.out_err[e] += sa->stats.out_err[e];
			}
		}
		ps = esp_plane_stats(mi->plane);
		json_open_object(j, "esp");
		json_u64(j, "sas", n_sa);
		json_u64(j, "in_packets", sum.in_packets);
		json_u64(j, "in_bytes", sum.in_bytes);
		json_u64(j, "out_packets", sum.out_packets);
		json_u64(j, "out_bytes", sum.out_bytes);
		json_open_object(j, "in_errors");
		for (e = 1; e < ESP_ERR_COUNT; e++)
			json_u64(j, esp_err_str((enum esp_err)e),
			    sum.in_err[e]);
		json_close_object(j);
		json_open_object(j, "out_errors");
		for (e = 1; e < ESP_ERR_COUNT; e++)
			json_u64(j, esp_err_str((enum esp_err)e),
			    sum.out_err[e]);
		json_close_object(j);
		json_u64(j, "tun_in", ps->tun_in);
		json_u64(j, "tun_out", ps->tun_out);
		json_u64(j, "no_sa_out", ps->no_sa_out);
		json_u64(j, "no_sa_in", ps->no_sa_in);
		json_u64(j, "policy_in", ps->policy_in);
		json_u64(j, "not_esp", ps->not_esp);
		json_u64(j, "send_err", ps->send_err);
		json_u64(j, "tun_err", ps->tun_err);
		json_close_object(j);
	}
	mc = mgmt_counters(mi->m);
	json_open_object(j, "mgmt");
	json_u64(j, "requests", mc->requests);
	json_u64(j, "ok", mc->ok);
	json_u64(j, "client_errors", mc->client_err);
	json_u64(j, "server_errors", mc->server_err);
	json_close_object(j);
	return (0);
}

/* GET /v1/sas and POST /v1/rules/reload: the inspector's, as is. */
static int
sas_json(void *ctx, struct json *j)
{
	const struct mgmt_ike *mi = ctx;

	return (mi->insp->sas_json(mi->insp->ctx, j));
}

static int
reload(void *ctx, char *msg, size_t msglen)
{
	const struct mgmt_ike *mi = ctx;

	return (mi->insp->reload(mi->insp->ctx, msg, msglen));
}

int
mgmt_ike_new(struct mgmt_ike **out, const char *config_file,
    const char *tun_name, const struct ipaddr *tun_addr,
    const struct ike_endpoint *ep, const struct esp_plane *plane,
    const struct mgmt_providers *inspector, char *err, size_t errlen)
{
	struct mgmt_providers prov;
	struct mgmt_ike *mi;
	char a[IPADDR_STRLEN], b[IPADDR_STRLEN];
	bool present;

	*out = NULL;
	if ((mi = calloc(1, sizeof(*mi))) == NULL) {
		snprintf(err, errlen, "mgmt: out of memory");
		return (-1);
	}
	mgmt_config_defaults(&mi->cfg);
	mi->cfg.response_max = RESPONSE_MAX;
	if (mgmt_config_load(&mi->cfg, config_file, &present, err,
	    errlen) != 0)
		goto fail;
	if (!present) {
		free(mi);
		return (0);
	}
	/* DESIGN.md 5: reachable only through an authenticated tunnel. */
	if (mi->cfg.listen.family == 0 && tun_addr->family != 0)
		mi->cfg.listen = *tun_addr;
	if (mi->cfg.listen.family != 0 && tun_addr->family == 0) {
		snprintf(err, errlen, "mgmt: listen needs the TUN device's "
		    "address (tun:), the API is served inside the tunnel "
		    "only; use unix_socket alone without a TUN device");
		goto fail;
	}
	if (mi->cfg.listen.family != 0 &&
	    !ipaddr_eq(&mi->cfg.listen, tun_addr)) {
		snprintf(err, errlen, "mgmt: listen %s is not the TUN "
		    "address %s", ipaddr_str(&mi->cfg.listen, a, sizeof(a)),
		    ipaddr_str(tun_addr, b, sizeof(b)));
		goto fail;
	}
	if (mi->cfg.listen.family != 0)
		snprintf(mi->cfg.device, sizeof(mi->cfg.device), "%s",
		    tun_name);
	mi->ep = ep;
	mi->plane = plane;
	mi->insp = inspector;
	mi->ikes = calloc(SNAP_IKE_MAX, sizeof(*mi->ikes));
	mi->children = calloc(SNAP_CHILD_MAX, sizeof(*mi->children));
	if (mi->ikes == NULL || mi->children == NULL) {
		snprintf(err, errlen, "mgmt: out of memory");
		goto fail;
	}
	memset(&prov, 0, sizeof(prov));
	prov.ctx = mi;
	prov.stats_json = stats_json;
	prov.ike_json = ike_json;
	/* Without an inspector in the process (`espvis ike`), mgmt.c
	 * answers /v1/sas with an empty list that says so, and the reload
	 * with 501: no rules here. */
	if (inspector != NULL && inspector->sas_json != NULL)
		prov.sas_json = sas_json;
	if (inspector != NULL && inspector->reload != NULL)
		prov.reload = reload;
	if ((mi->m = mgmt_new(&mi->cfg, &prov, err, errlen)) == NULL)
		goto fail;
	*out = mi;
	return (0);
fail:
	mgmt_ike_free(mi);
	return (-1);
}

void
mgmt_ike_free(struct mgmt_ike *mi)
{
	if (mi == NULL)
		return;
	mgmt_free(mi->m);
	free(mi->ikes);
	free(mi->children);
	free(mi);
}

size_t
mgmt_ike_fds(const struct mgmt_ike *mi, struct pollfd *pfd, size_t max)
{
	return (mi != NULL ? mgmt_fds(mi->m, pfd, max) : 0);
}

int
mgmt_ike_timeout_ms(const struct mgmt_ike *mi)
{
	return (mi != NULL ? mgmt_timeout_ms(mi->m) : -1);
}

void
mgmt_ike_sandbox(const struct mgmt_ike *mi, struct sandbox_policy *sp)
{
	if (mi != NULL && mi->cfg.unix_socket[0] != '\0')
		(void)sandbox_allow_remove(sp, mi->cfg.unix_socket);
}

void
mgmt_ike_service(struct mgmt_ike *mi)
{
	if (mi != NULL)
		mgmt_service(mi->m);
}

const char *
mgmt_ike_where(const struct mgmt_ike *mi, char *buf, size_t cap)
{
	char a[IPADDR_STRLEN];

	if (mi == NULL) {
		snprintf(buf, cap, "off");
		return (buf);
	}
	snprintf(buf, cap, "%s%s%s%u%s%s", mi->cfg.listen.family == 6 ? "[" :
	    "", mi->cfg.listen.family != 0 ? ipaddr_str(&mi->cfg.listen, a,
	    sizeof(a)) : "", mi->cfg.listen.family == 6 ? "]:" : ":",
	    mi->cfg.port, mi->cfg.unix_socket[0] != '\0' ? " unix:" : "",
	    mi->cfg.unix_socket);
	if (mi->cfg.listen.family == 0)
		snprintf(buf, cap, "unix:%s", mi->cfg.unix_socket);
	return (buf);
}
