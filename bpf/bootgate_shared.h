/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * One definition, two sides: everything the XDP program and userspace must agree on (map keys and
 * values, verdicts, drop reasons, counter layout, config) lives here and only here. Plain C with
 * fixed-width kernel types so that clang -target bpf and g++ read the same layout.
 *
 * Policy is double-buffered: bg_config has one entry per generation, every policy key carries a
 * generation bit, and the program reads bg_control[0].generation once per packet. A reload writes
 * the whole new policy under the idle generation, flips the bit with one map update, then deletes
 * the old entries. So a packet sees
 * either the complete old policy or the complete new one, never a mix.
 */
#ifndef BOOTGATE_SHARED_H
#define BOOTGATE_SHARED_H

#include <linux/types.h>

/* ---- well-known ports (host order) ---- */
#define BG_PORT_DHCP_SERVER 67
#define BG_PORT_PROXY_DHCP  4011
#define BG_PORT_TFTP        69

/* ---- protocol sizes ---- */
#define BG_BOOTP_FIXED_LEN 236 /* op..file, without the magic cookie and options */
#define BG_BOOTP_OP_REQUEST 1
#define BG_TFTP_OPCODE_MIN 1   /* RRQ */
#define BG_TFTP_OPCODE_MAX 6   /* OACK */
#define BG_TFTP_OP_RRQ 1
#define BG_TFTP_OP_WRQ 2

/* ---- VLANs ---- */
/* A frame's tag stack is (outer, inner). Untagged: (NONE, NONE); one tag: (NONE, vid); QinQ: (S-vid,
 * C-vid). "inner" is always the tag nearest the IP header, which also indexes per-VLAN counters. */
#define BG_VID_NONE 4096u
#define BG_VLAN_SLOTS 4097u /* VIDs 0..4095 plus BG_VID_NONE (untagged) */
#define BG_MAX_VLAN_TAGS 2

/* ---- rate limiting ---- */
#define BG_NS_PER_SEC 1000000000ull
/* Buckets hold "nano-tokens" (1 request = BG_NS_PER_SEC) so refill is elapsed_ns * rate, no division. */
#define BG_TOKEN BG_NS_PER_SEC

/* The appliance's own addresses live in bg_config (a handful; compared unrolled, cheaper than a
 * hash lookup on every UDP frame to our ports). */
#define BG_MAX_LOCAL_ADDRS 16

/* ---- default table sizes (config may override before load) ---- */
#define BG_DEFAULT_SOURCES   65536
#define BG_DEFAULT_PREFIXES  16384
#define BG_DEFAULT_VLANS     1024
#define BG_DEFAULT_MACS      4096
#define BG_MAX_XSK_QUEUES    64

/*
 * Verdicts: what happened to a frame. X(name, label, help) lists generate the enum here and the
 * name tables in userspace, so a counter index never exists as a bare number.
 */
#define BG_VERDICTS(X)                                                         \
  X(PASS, "pass", "not ours: handed to the kernel untouched")                  \
  X(ADMIT_PASS, "admit_pass", "ours and admitted: handed to the kernel stack") \
  X(ADMIT_REDIRECT, "admit_redirect", "ours and admitted: redirected to AF_XDP") \
  X(DROP, "drop", "dropped (see drop reasons)")

#define BG_DROP_REASONS(X)                                                          \
  X(TRUNCATED, "truncated", "frame ends inside a header or a required field")       \
  X(BAD_IHL, "bad_ihl", "IPv4 version is not 4 or header length below 20")         \
  X(BAD_IP_LEN, "bad_ip_len", "IPv4 total length inconsistent with header or frame") \
  X(BAD_UDP_LEN, "bad_udp_len", "UDP length below 8 or beyond the IPv4 payload")    \
  X(FRAGMENT, "fragment", "IPv4 fragment aimed at our ports or addresses")          \
  X(BAD_OPCODE, "bad_opcode", "TFTP opcode outside 1..6 or DHCP op not BOOTREQUEST") \
  X(OVERSIZE, "oversize", "request larger than the configured maximum")             \
  X(VLAN, "vlan", "VLAN (or untagged) not allowed on this interface")               \
  X(PREFIX, "prefix", "source address not in the VLAN's allowed prefixes")          \
  X(MAC, "mac", "DHCP from 0.0.0.0 with a MAC outside the allow list")              \
  X(RATE_SOURCE, "rate_source", "per-source new-request budget exhausted")          \
  X(RATE_TRANSFER, "rate_transfer", "per-source in-transfer budget exhausted")      \
  X(RATE_GLOBAL, "rate_global", "global new-request cap reached")                   \
  X(TABLE_FULL, "table_full", "rate table full: new source refused (fails closed)")

/* What an admitted frame was. */
#define BG_CLASSES(X)                                                 \
  X(DHCP, "dhcp", "DHCP/proxyDHCP BOOTREQUEST")                       \
  X(DHCP_ANON, "dhcp_anon", "DHCP from 0.0.0.0 (admitted by VLAN/MAC)") \
  X(TFTP_REQUEST, "tftp_request", "TFTP RRQ/WRQ")                    \
  X(TFTP_TRANSFER, "tftp_transfer", "TFTP DATA/ACK/ERROR/OACK")

/* Per-VLAN counters (indexed by the inner VID, BG_VID_NONE for untagged). */
#define BG_VLAN_STATS(X)                                              \
  X(ADMITTED, "admitted", "admitted frames")                          \
  X(DROP_VLAN, "drop_vlan", "dropped: VLAN not allowed")              \
  X(DROP_SOURCE, "drop_source", "dropped: prefix or MAC not allowed") \
  X(DROP_RATE, "drop_rate", "dropped: over a rate budget or table full") \
  X(DROP_MALFORMED, "drop_malformed", "dropped: malformed or oversized")

#define BG_ENUM_VERDICT(n, l, h) BG_VERDICT_##n,
#define BG_ENUM_DROP(n, l, h) BG_DROP_##n,
#define BG_ENUM_CLASS(n, l, h) BG_CLASS_##n,
#define BG_ENUM_VSTAT(n, l, h) BG_VSTAT_##n,
enum bg_verdict { BG_VERDICTS(BG_ENUM_VERDICT) BG_VERDICT_COUNT };
enum bg_drop_reason { BG_DROP_REASONS(BG_ENUM_DROP) BG_DROP_COUNT };
enum bg_class { BG_CLASSES(BG_ENUM_CLASS) BG_CLASS_COUNT };
enum bg_vlan_stat { BG_VLAN_STATS(BG_ENUM_VSTAT) BG_VSTAT_COUNT };

/* bg_counters: per-CPU array with a single entry; userspace sums over CPUs. */
struct bg_counters {
  __u64 verdict[BG_VERDICT_COUNT];
  __u64 drop[BG_DROP_COUNT];
  __u64 admit[BG_CLASS_COUNT];
};

/* bg_vlan_stats: per-CPU array, BG_VLAN_SLOTS entries. */
struct bg_vlan_stats {
  __u64 count[BG_VSTAT_COUNT];
};

/* ---- config (bg_config: array of 2, one per generation) ---- */
enum bg_config_flags {
  BG_CFG_ANY_LOCAL = 1u << 0,  /* every destination address is ours */
  BG_CFG_MAC_FILTER = 1u << 1, /* DHCP from 0.0.0.0 must match bg_macs */
};

struct bg_config {
  __u32 flags;                    /* enum bg_config_flags */
  __u16 xfer_port_lo;             /* TFTP transfer ports, host order; lo > hi or 0 = none */
  __u16 xfer_port_hi;
  __u32 req_rate;                 /* new requests per second per source; 0 = unlimited */
  __u32 req_burst;
  __u32 xfer_rate;                /* in-transfer packets per second per source; 0 = unlimited */
  __u32 xfer_burst;
  __u32 global_rate;              /* new requests per second, all sources; 0 = no cap */
  __u32 global_burst;
  __u16 max_tftp_request;         /* UDP payload bytes of RRQ/WRQ */
  __u16 max_dhcp_request;         /* UDP payload bytes of a BOOTREQUEST */
  __u64 clock_offset_ns;          /* added to bpf_ktime_get_coarse_ns(); tests drive time with it, 0 in service */
  __u32 local_addrs[BG_MAX_LOCAL_ADDRS]; /* network order; 0 = unused slot; ignored with ANY_LOCAL */
  __u32 xsk_ifindex;              /* admitted TFTP from this interface goes to AF_XDP (bg_xsks); 0 = none */
  __u32 pad2;
};

/* bg_control: array of 1. */
struct bg_control {
  __u32 generation; /* 0 or 1: which half of the double-buffered policy is live */
  __u32 pad;
};

/* ---- policy keys (all carry the generation) ---- */

/* bg_vlans: hash. Presence = this tag stack is allowed on this interface. */
struct bg_vlan_key {
  __u32 ifindex;
  __u16 outer_vid;
  __u16 inner_vid;
  __u8 generation;
  __u8 pad[3];
};

enum bg_vlan_flags {
  BG_VLAN_DHCP_ANON = 1u << 0, /* admit DHCP from 0.0.0.0 on this VLAN */
};

struct bg_vlan_policy {
  __u32 flags; /* enum bg_vlan_flags */
};

/* bg_prefixes: LPM trie. The fixed part (ifindex..pad) is matched in full, so
 * prefixlen = BG_PREFIX_FIXED_BITS + IPv4 prefix length. */
struct bg_prefix_key {
  __u32 prefixlen;
  __u32 ifindex;
  __u16 outer_vid;
  __u16 inner_vid;
  __u8 generation;
  __u8 pad[3];
  __u32 addr; /* network order */
};
#define BG_PREFIX_FIXED_BITS 96

/* bg_macs: LPM trie of allowed client MACs (48 bits) and OUIs (24 bits).
 * prefixlen = BG_MAC_FIXED_BITS + 24 or 48. */
struct bg_mac_key {
  __u32 prefixlen;
  __u8 generation;
  __u8 pad;
  __u8 mac[6];
};
#define BG_MAC_FIXED_BITS 16

/* bg_sources: plain hash (NOT LRU) with a fixed size, so a full table refuses new sources instead
 * of evicting a known one: it fails closed. Userspace expires idle entries. */
enum bg_source_kind {
  BG_SOURCE_IPV4 = 1, /* keyed by source address */
  BG_SOURCE_MAC = 2,  /* DHCP from 0.0.0.0: keyed by Ethernet source */
};

struct bg_source_key {
  __u8 kind; /* enum bg_source_kind */
  __u8 pad;
  __u8 mac[6];
  __u32 addr; /* network order */
};

struct bg_bucket {
  __u64 tokens;  /* nano-tokens */
  __u64 last_ns; /* last refill */
};

struct bg_source {
  struct bg_bucket request;  /* RRQ/WRQ/BOOTREQUEST */
  struct bg_bucket transfer; /* DATA/ACK/ERROR/OACK */
};

#endif /* BOOTGATE_SHARED_H */
