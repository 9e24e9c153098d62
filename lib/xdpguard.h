/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libxdpguard: the public interface to xdp-guard's state.
 *
 * What the CLI, the tests and any other program need: parse and format
 * prefixes and durations, read list files, open the maps pinned at a pin
 * path, add, remove and list entries, and read the counters.
 *
 * Conventions: functions return 0 or a negative errno.  Parsers also set
 * *why to a short static explanation when they reject their input, so the
 * caller can name the offending value (and line) in its own message.
 * Nothing here prints except through the function set by xg_set_print().
 */
#ifndef XDP_GUARD_XDPGUARD_H
#define XDP_GUARD_XDPGUARD_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define XG_DEFAULT_PIN_PATH "/sys/fs/bpf/xdp-guard"
#define XG_PROG_NAME "xdp_guard"	/* the XDP program's name in the kernel */

/* ---- logging ---------------------------------------------------------- */

enum xg_log_level { XG_LOG_WARN, XG_LOG_INFO, XG_LOG_DEBUG };
typedef void (*xg_print_fn_t)(enum xg_log_level level, const char *fmt, va_list ap);
/* Returns the previous function; NULL silences the library. */
xg_print_fn_t xg_set_print(xg_print_fn_t fn);

/* ---- prefixes --------------------------------------------------------- */

struct xg_prefix {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t len;		/* 0..32 or 0..128 */
	uint8_t addr[16];	/* network byte order; IPv4 uses addr[0..3] */
};

/* Enough for any IPv6 address, "/128" and the terminator. */
#define XG_PREFIX_STRLEN 52

/*
 * "ADDR" (a single host: /32 or /128) or "ADDR/LEN".  Host bits set below
 * the prefix length are an error, not silently cleared: "10.0.0.1/24" is
 * more likely a typo than a wish to block 10.0.0.0/24.
 */
int xg_prefix_parse(const char *text, struct xg_prefix *out, const char **why);
/* What xg_prefix_parse() sets *why to for host bits, so that a caller can
 * offer the network address instead. */
extern const char xg_why_host_bits[];
/* Clear the host bits below p->len: "10.1.2.3/24" becomes "10.1.2.0/24". */
void xg_prefix_clear_host_bits(struct xg_prefix *p);
/* Always "ADDR/LEN"; returns buf. */
char *xg_prefix_format(const struct xg_prefix *p, char *buf, size_t size);
/* Full-length prefix: a single address. */
bool xg_prefix_is_host(const struct xg_prefix *p);
/* Is every address of inner also in outer?  False across families. */
bool xg_prefix_covers(const struct xg_prefix *outer, const struct xg_prefix *inner);
/* Total order for sorting: family, address, length. */
int xg_prefix_cmp(const struct xg_prefix *a, const struct xg_prefix *b);

/* ---- durations -------------------------------------------------------- */

/* Longest accepted duration: 10 years, so deadlines never overflow. */
#define XG_DURATION_MAX_S (10ULL * 365 * 24 * 3600)
#define XG_DURATION_STRLEN 32

/*
 * "90" (seconds), "90s", "15m", "2h", "7d", "1w", or a sequence of them
 * such as "1h30m".  Zero is rejected: an entry that expires at once is a
 * mistake, not a request.
 */
int xg_duration_parse(const char *text, uint64_t *out_ns, const char **why);
/* Largest units first, whole seconds: "1h30m", "45s", "0s". */
char *xg_duration_format(uint64_t ns, char *buf, size_t size);
/* CLOCK_MONOTONIC in ns: the clock bpf_ktime_get_ns() reads. */
uint64_t xg_now_ns(void);

/* ---- list files ------------------------------------------------------- */

/*
 * Where xg_listfile_read() stopped: 1-based line, the rejected token (cut to
 * fit) and why.
 */
struct xg_listfile_error {
	unsigned int line;
	char value[64];
	const char *why;
};

/*
 * One prefix per line.  '#' or ';' starts a comment, blank lines are
 * skipped, and leading and trailing white space (and a UTF-8 byte order
 * mark before the first line) is ignored, so FireHOL .netset and .ipset
 * files and Spamhaus' DROP lists load as they are.  The whole file is parsed before the function
 * returns; on error *out is NULL and err says where.  Free *out with free().
 */
int xg_listfile_read(FILE *f, struct xg_prefix **out, size_t *count,
		     struct xg_listfile_error *err);

/* ---- state at a pin path ---------------------------------------------- */

struct xg_state;

enum xg_open_flags {
	XG_OPEN_LOCK = 1 << 0,	/* hold an exclusive lock on the pin path */
};

/*
 * Open the maps pinned at pin_path (NULL: XG_DEFAULT_PIN_PATH) after
 * checking each against the layout this library expects.
 *   -ENOENT      no xdp-guard state there (not loaded with this pin path)
 *   -ENOTSUP     pin_path is not on a bpffs
 *   -EPROTO      a map there has another layout (another version's state)
 *   -EPERM       not permitted (xdp-guard needs root)
 * The reason is also printed at warning level.
 */
int xg_state_open(const char *pin_path, unsigned int flags, struct xg_state **out);
void xg_state_close(struct xg_state *st);
const char *xg_state_pin_path(const struct xg_state *st);
/* Does the XDP program prog_fd use this state's maps? */
bool xg_state_owns_prog(const struct xg_state *st, int prog_fd);
/*
 * Tell the program which maps are empty, so that it skips them.  The list
 * and rule functions below do this themselves after every change; call it
 * after creating fresh maps (load does).
 */
int xg_state_refresh(struct xg_state *st);
/* A map by name (GUARD_MAP_*), for tests and tools; -ENOENT if unknown. */
int xg_state_map_fd(const struct xg_state *st, const char *name);

/*
 * Lock a pin path, creating it first if create is set: returns a file
 * descriptor to pass to xg_pin_path_unlock(), or a negative errno.  Every
 * command that changes state holds this lock, so concurrent invocations
 * apply one after another.
 */
int xg_pin_path_lock(const char *pin_path, bool create);
void xg_pin_path_unlock(int lock_fd);
/*
 * Check the maps already pinned at pin_path, if any, without opening
 * them for use.  0 when all present maps match, -EPROTO (and a message
 * naming the map) when one does not.  Missing maps are fine: loading
 * creates them.
 */
int xg_pin_path_check(const char *pin_path);
/*
 * Before a load, after the lock: remove the maps at pin_path that another
 * version of xdp-guard laid out differently and that hold only what
 * xdp-guard rebuilds (the indexes, the rate limiter's per-source state),
 * when no loaded program uses them, so that the load makes them afresh;
 * the config's index bits are cleared first.  -EBUSY (and a message) if a
 * program still uses one.  The lists, rules, settings and counters are
 * never touched: xg_pin_path_check() still refuses those.
 */
int xg_pin_path_renew(const char *pin_path);
/*
 * Remove the maps this library knows from pin_path, then the directory if
 * nothing else is pinned there.  The caller makes sure no program uses them.
 */
int xg_pin_path_remove(const char *pin_path);
/* Is path on a bpffs?  0, -ENOTSUP, or -errno from statfs(). */
int xg_check_bpffs(const char *path);

/* ---- rule matches ----------------------------------------------------- */

/* What a rule applies to: a destination port and protocol, a protocol
 * alone (port 0), or everything (proto 0). */
struct xg_match {
	uint16_t port;
	uint8_t proto;		/* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, 0 */
};

#define XG_MATCH_STRLEN 16

/* "8000/tcp", "443/udp", "tcp", "udp", "icmp" (ICMP and ICMPv6), "any". */
int xg_match_parse(const char *text, struct xg_match *out, const char **why);
char *xg_match_format(const struct xg_match *m, char *buf, size_t size);

/* ---- lists ------------------------------------------------------------ */

enum xg_list { XG_ALLOWLIST, XG_BLOCKLIST };

struct xg_entry {
	struct xg_prefix prefix;
	uint64_t expires_ns;	/* CLOCK_MONOTONIC deadline; 0: never */
	uint32_t origin;	/* enum guard_origin: manual, autoban */
	struct xg_match rule;	/* autoban: the rule that banned it */
};

const char *xg_list_name(enum xg_list list);	/* "allowlist", "blocklist" */
const char *xg_origin_name(uint32_t origin);	/* "manual", "autoban" */

/*
 * Add or update entries.  All or nothing: if any update fails (-ENOSPC when
 * a map is full), the entries this call added are removed again and the
 * ones it overwrote restored.  *failed_index, if given, names the entry
 * that failed.
 */
int xg_list_add(struct xg_state *st, enum xg_list list,
		const struct xg_entry *entries, size_t n, size_t *failed_index);
/*
 * Remove entries.  All or nothing: if any prefix is not on the list,
 * nothing is removed, -ENOENT is returned and *missing_index names it.
 */
int xg_list_remove(struct xg_state *st, enum xg_list list,
		   const struct xg_prefix *prefixes, size_t n, size_t *missing_index);
/* Remove every entry; *removed (optional) counts them. */
int xg_list_clear(struct xg_state *st, enum xg_list list, size_t *removed);
/*
 * The entries, sorted by prefix, expired ones left out unless
 * include_expired.  Free *out with free().
 */
int xg_list_get(struct xg_state *st, enum xg_list list, bool include_expired,
		struct xg_entry **out, size_t *count);
/* The entry for exactly prefix p, expired or not: 0, or -ENOENT. */
int xg_list_find(struct xg_state *st, enum xg_list list, const struct xg_prefix *p,
		 struct xg_entry *out);
/* Delete expired entries from both lists; *removed (optional) counts them. */
int xg_list_prune(struct xg_state *st, size_t *removed);
/* The same for one list. */
int xg_list_prune_one(struct xg_state *st, enum xg_list list, size_t *removed);
/*
 * The most entries with a deadline that nest around one address among e
 * (any order; a prefix given twice counts once, the last one), and in
 * *deepest (optional) the innermost of such a chain.  The program looks
 * past at most GUARD_LPM_EXPIRED_MAX expired ones to a live entry.
 */
size_t xg_timed_nesting(const struct xg_entry *e, size_t n, struct xg_prefix *deepest);
/* Most entries the list can hold for a family (AF_INET, AF_INET6). */
size_t xg_list_capacity(enum xg_list list, int family);

/* ---- counters --------------------------------------------------------- */

struct xg_counter {
	uint64_t packets;
	uint64_t bytes;
};

/* Number of verdict reasons; valid reasons are 0 .. xg_reason_count()-1. */
unsigned int xg_reason_count(void);
/* "pass", "allow", "block", "malformed", "non_ip", "unparsed", "rate",
 * "syn_rate", "budget", "ban" */
const char *xg_reason_name(unsigned int reason);
/* What the program does for this reason: "pass" or "drop". */
const char *xg_reason_action(unsigned int reason);
/* Sum each reason's per-CPU counters; out holds xg_reason_count() items. */
int xg_counters_read(struct xg_state *st, struct xg_counter *out);
/* Events the program could not deliver (ring buffer full, or held back by
 * the event rate limit) since the maps were created. */
int xg_events_lost(struct xg_state *st, uint64_t *lost);

/* ---- rate limits ------------------------------------------------------ */

/*
 * A rule.  Zero disables a limit.  Per source: pps (burst packets),
 * bytes per second (bytes_burst), new TCP connections per second
 * (syn_pps, syn_burst).  For the rule as a whole: budget_pps and
 * budget_syn_pps.  Auto-ban: a source over its limit for ban_after_ns is
 * blocked for ban_for_ns.  Bursts left at 0 default to a fifth of a
 * second's worth (at least 1).
 */
struct xg_limit {
	struct xg_match match;
	uint64_t pps, burst;
	uint64_t bps, bytes_burst;
	uint64_t syn_pps, syn_burst;
	uint64_t budget_pps, budget_syn_pps;
	uint64_t ban_after_ns, ban_for_ns;
};

#define XG_RATE_MAX 1000000000ULL	/* per second, for any rate */

/* Check a rule before setting it: 0, or -EINVAL with *why. */
int xg_limit_validate(const struct xg_limit *l, const char **why);
/* Add or change a rule at run time.  A changed rule keeps its sources'
 * state; -ENOSPC when all rule slots are taken. */
int xg_limit_set(struct xg_state *st, const struct xg_limit *l);
/* -ENOENT if there is no rule for m. */
int xg_limit_remove(struct xg_state *st, const struct xg_match *m);
/* The rules, most specific first (port rules, protocol rules, "any");
 * bursts as in effect.  Free *out. */
int xg_limit_list(struct xg_state *st, struct xg_limit **out, size_t *count);
/* Sources the rate limiter is tracking now. */
int xg_sources_count(struct xg_state *st, size_t *count);

/* Global settings of the rate limiter. */
struct xg_settings {
	unsigned int v6_prefix_len;	/* IPv6 sources are counted per /N */
	uint64_t established_ns;	/* age that gives a source budget priority */
	uint64_t event_window_ns;	/* one drop event per source per window */
	uint64_t events_per_s;		/* rate limit on all events */
};

/* Settings in effect (defaults filled in). */
int xg_settings_get(struct xg_state *st, struct xg_settings *out);
/* Zero fields keep their value. */
int xg_settings_set(struct xg_state *st, const struct xg_settings *in);

/* ---- events ----------------------------------------------------------- */

enum xg_event_type {
	XG_EVENT_BAN = 1,	/* a source was auto-banned */
	XG_EVENT_DROP = 2,	/* first drop of a source in a window */
	XG_EVENT_BUDGET = 3,	/* first budget drop of a rule in a window */
	XG_EVENT_UNBAN = 4,	/* an auto-ban ended (expired or removed) */
};

struct xg_event {
	enum xg_event_type type;
	uint64_t time_ns;	/* CLOCK_MONOTONIC */
	unsigned int reason;	/* verdict reason of the drop (xg_reason_name) */
	struct xg_prefix source;	/* family 0 for BUDGET events */
	struct xg_match rule;
	uint64_t ban_ns;	/* BAN: length of the ban */
	bool expired;		/* UNBAN: true if it expired, false if removed */
};

const char *xg_event_type_name(enum xg_event_type type);	/* "ban", ... */

typedef void (*xg_event_fn)(const struct xg_event *ev, void *ctx);
struct xg_events;

/*
 * Follow the program's events.  Unbans are not packets, so the program
 * cannot see them: xg_events_poll() watches the blocklist for auto-ban
 * entries that expire or are removed, and reports those as UNBAN.
 */
int xg_events_open(struct xg_state *st, xg_event_fn fn, void *ctx, struct xg_events **out);
/* Wait up to timeout_ms and deliver what came; returns events delivered,
 * or -EINTR when a signal interrupted the wait. */
int xg_events_poll(struct xg_events *ev, int timeout_ms);
void xg_events_close(struct xg_events *ev);

#ifdef __cplusplus
}
#endif

#endif /* XDP_GUARD_XDPGUARD_H */
