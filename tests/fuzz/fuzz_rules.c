/*
 * fuzz_rules.c - libFuzzer target: the rule loader and the configuration
 * loader over arbitrary file contents (an in-memory file reached by its
 * /proc/self/fd path, since both read files), and a match on each set
 * that loads.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "classify/rules.h"
#include "config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
on_match(void *arg, const struct rule *r, const struct rule_subject *s)
{
	struct alert_report a;

	rules_alert_report(&a, r, s);
	*(uint32_t *)arg += a.signature_id;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rules_errors errs;
	struct rule_subject s;
	struct doc_error e;
	struct config *cfg;
	struct rules *rules;
	const char *p;
	char path[64];
	uint32_t sum = 0;
	int fd;

	if ((fd = memfd_create("fuzz", 0)) < 0)
		return (0);
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return (0);
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	p = path;
	if ((rules = rules_new()) != NULL &&
	    rules_load(rules, &p, 1, &errs) == 0) {
		memset(&s, 0, sizeof(s));
		s.verdict = VERDICT_NULL;
		s.src.family = s.dst.family = 4;
		(void)rules_match(rules, &s, on_match, &sum);
		s.flow_level = true;
		s.inner_src.family = s.inner_dst.family = 6;
		s.inner_proto = 6;
		s.inner_dport = 23;
		(void)rules_subject_set_app(&s, "HTTP.Google");
		(void)rules_match(rules, &s, on_match, &sum);
	}
	rules_free(rules);
	if ((cfg = config_new()) != NULL)
		(void)config_load(cfg, path, &e);
	config_free(cfg);
	close(fd);
	return (0);
}
