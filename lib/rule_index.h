/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Filling the rule index (rule_index.c): shared by the library and the BPF
 * tests, which write the program's maps without the library.
 */
#ifndef XDPGUARD_RULE_INDEX_H
#define XDPGUARD_RULE_INDEX_H

#include <stddef.h>

#include "guard_maps.h"

/* A rule, and the xg_rule_entries element that holds it. */
struct xg_rule_ref {
	struct guard_rule_key key;
	unsigned int entry;
};

/* The whole index for these rules; entry numbers below GUARD_RULE_ENTRIES. */
void xg_rule_index_fill(struct guard_rule_index *ix, const struct xg_rule_ref *refs, size_t n);

#endif
