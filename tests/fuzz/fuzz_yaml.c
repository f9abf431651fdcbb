/*
 * fuzz_yaml.c - libFuzzer target: the YAML adapter over arbitrary text,
 * then every typed reader over every node of what it accepted.
 */
#include <stdint.h>
#include <string.h>

#include "util/yaml.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const names[] = { "null", "encrypted", "any" };

/* Walk without recursion: nodes are chained, depth is bounded anyway. */
static void
walk(const struct ynode *n, int depth)
{
	struct doc_error e;
	struct ipnet net;
	const char *s;
	uint32_t u;
	bool b;
	int i;

	for (; n != NULL; n = n->next) {
		(void)ynode_u32(n, 0, UINT32_MAX, &u, &e);
		(void)ynode_bool(n, &b, &e);
		(void)ynode_enum(n, names, 3, &i, &e);
		(void)ynode_str(n, 64, &s, &e);
		(void)ynode_cidr(n, &net, &e);
		if (n->kind == YNODE_MAP)
			(void)ynode_check_keys(n, names, 3, &e);
		if (n->kind != YNODE_SCALAR && depth < YAML_LIMIT_DEPTH)
			walk(n->child, depth + 1);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct doc_error e;
	struct ydoc *doc;

	if ((doc = ydoc_load_buffer("fuzz.yaml", (const char *)data, size,
	    &e)) == NULL) {
		/* Every refusal has a reason. */
		if (e.reason[0] == '\0')
			__builtin_trap();
		return (0);
	}
	walk(ydoc_root(doc), 0);
	ydoc_free(doc);
	return (0);
}
