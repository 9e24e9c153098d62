// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The rule index (guard_maps.h: xg_rule_index) from a set of rules: the
 * rule each destination port and protocol finds, in the order the program
 * searches xg_rules without it.  No map work here (that is limits.c), so
 * that the BPF tests build their index with the same code.
 */
#include <netinet/in.h>
#include <string.h>

#include "rule_index.h"

_Static_assert(GUARD_RULE_ENTRIES + 1 <= 255, "an index byte names an entry + 1");

void xg_rule_index_fill(struct guard_rule_index *ix, const struct xg_rule_ref *refs, size_t n)
{
	__u8 by_proto[256] = { 0 }, any = 0;
	size_t i;

	memset(ix, 0, sizeof(*ix));
	for (i = 0; i < n; i++) {
		__u8 named = (__u8)(refs[i].entry + 1);

		if (refs[i].key.port)
			continue;
		if (refs[i].key.proto)
			by_proto[refs[i].key.proto] = named;
		else
			any = named;
	}
	/* A packet without a port rule falls to its protocol's rule, then to
	 * "any". */
	for (i = 0; i < 256; i++)
		ix->proto[i] = by_proto[i] ? by_proto[i] : any;
	memset(ix->tcp, ix->proto[IPPROTO_TCP], sizeof(ix->tcp));
	memset(ix->udp, ix->proto[IPPROTO_UDP], sizeof(ix->udp));
	for (i = 0; i < n; i++) {
		const struct guard_rule_key *k = &refs[i].key;

		if (!k->port)
			continue;
		if (k->proto == IPPROTO_TCP)
			ix->tcp[k->port] = (__u8)(refs[i].entry + 1);
		else if (k->proto == IPPROTO_UDP)
			ix->udp[k->port] = (__u8)(refs[i].entry + 1);
	}
}
