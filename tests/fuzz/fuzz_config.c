/*
 * fuzz_config.c - libFuzzer target: the configuration loader (config.c)
 * over arbitrary file contents, through an in-memory file reached by its
 * /proc/self/fd path (config_load() reads a path), then
 * config_eve_dest() on what it accepted, with and without a Redis key.
 *
 * Every refusal must name its reason; an accepted file must leave the
 * values in their documented ranges (config.c checks them, this checks
 * config.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], buf[512];
	struct doc_error e;
	struct config *cfg;
	int fd;

	if ((fd = memfd_create("fuzz", 0)) < 0)
		return (0);
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return (0);
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if ((cfg = config_new()) == NULL) {
		close(fd);
		return (0);
	}
	memset(&e, 0, sizeof(e));
	if (config_load(cfg, path, &e) != 0) {
		if (e.reason[0] == '\0')
			abort();
	} else {
		if (cfg->n_rule_paths > RULES_MAX_PATHS ||
		    cfg->pipeline.detect.max_sas == 0 ||
		    cfg->pipeline.flow.max_flows == 0 || cfg->workers == 0)
			abort();
		(void)config_eve_dest(cfg, "redis://127.0.0.1:6379", buf,
		    sizeof(buf));
		(void)config_eve_dest(cfg, "redis://127.0.0.1:6379/k", buf,
		    sizeof(buf));
		(void)config_eve_dest(cfg, cfg->eve_dest != NULL ?
		    cfg->eve_dest : "-", buf, sizeof(buf));
	}
	config_free(cfg);
	close(fd);
	return (0);
}
