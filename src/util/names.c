/*
 * names.c - text names of the shared enums (for stats and EVE).
 */
#include "packet.h"

static const char *const skip_names[SKIP_MAX] = {
#define SKIP_NAME(id, name) [SKIP_##id] = name,
	SKIP_REASONS(SKIP_NAME)
#undef SKIP_NAME
};

const char *
skip_reason_name(enum skip_reason r)
{
	return ((unsigned)r < SKIP_MAX ? skip_names[r] : "unknown");
}

const char *
esp_verdict_name(enum esp_verdict v)
{
	switch (v) {
	case VERDICT_NULL:
		return ("null");
	case VERDICT_ENCRYPTED:
		return ("encrypted");
	case VERDICT_UNDECIDED:
		break;
	}
	return ("undecided");
}
