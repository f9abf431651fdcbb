/*
 * version.c - the versions of the libraries espvis runs with, each asked
 * at run time: a Debian point release can change a library under an
 * unchanged binary.
 */
#include <openssl/crypto.h>
#include <pcap/pcap.h>
#include <yaml.h>

#include "classify/ndpi.h"
#include "version.h"

size_t
lib_versions(struct lib_version *out, size_t n)
{
	const struct lib_version all[LIB_VERSIONS_MAX] = {
		{ "libpcap", pcap_lib_version() },
		{ "nDPI", dpi_version() },
		{ "libyaml", yaml_get_version_string() },
		{ "OpenSSL", OpenSSL_version(OPENSSL_VERSION) },
	};
	size_t i;

	for (i = 0; i < n && i < LIB_VERSIONS_MAX; i++)
		out[i] = all[i];
	return (i);
}
