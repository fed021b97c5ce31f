// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bootgate XDP front end: admit DHCP/TFTP from allowed VLANs and prefixes at a bounded rate, drop
 * the rest of what is aimed at us, pass everything else to the kernel untouched.
 *
 * Order of checks: headers (malformed → drop) → is it ours (no → PASS) → VLAN and source prefix/MAC
 * → payload sanity → per-source bucket → global cap → redirect to AF_XDP or pass to the stack.
 * The program reads only packet bytes and struct xdp_md, so it needs no CO-RE/vmlinux.h.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "bootgate_shared.h"

#define ETH_P_8021Q_BE bpf_htons(0x8100)
#define ETH_P_8021AD_BE bpf_htons(0x88A8)
#define IP_MF_BE bpf_htons(0x2000)
#define IP_OFFSET_BE bpf_htons(0x1FFF)
#define VID_MASK 0x0FFF

struct vlan_tag {
  __be16 tci;
  __be16 proto;
};

/* ---- maps (names are the pin names; keep them ≤ 15 characters) ---- */

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct bg_control);
} bg_control SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 2);
  __type(key, __u32);
  __type(value, struct bg_config);
} bg_config SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, BG_DEFAULT_VLANS);
  __type(key, struct bg_vlan_key);
  __type(value, struct bg_vlan_policy);
} bg_vlans SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, BG_DEFAULT_PREFIXES);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct bg_prefix_key);
  __type(value, __u8);
} bg_prefixes SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, BG_DEFAULT_MACS);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct bg_mac_key);
  __type(value, __u8);
} bg_macs SEC(".maps");

/* Preallocated plain hash: inserts into a full table fail (-E2BIG) and we refuse the source. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, BG_DEFAULT_SOURCES);
  __type(key, struct bg_source_key);
  __type(value, struct bg_source);
} bg_sources SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct bg_bucket);
} bg_global SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct bg_counters);
} bg_counters SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, BG_VLAN_SLOTS);
  __type(key, __u32);
  __type(value, struct bg_vlan_stats);
} bg_vlan_stats SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_XSKMAP);
  __uint(max_entries, BG_MAX_XSK_QUEUES);
  __type(key, __u32);
  __type(value, __u32);
} bg_xsks SEC(".maps");

/* ---- helpers ---- */

struct frame {
  struct bg_counters *ctr;
  __u32 inner_vid; /* per-VLAN counter slot */
};

static __always_inline void vlan_count(const struct frame *f, enum bg_vlan_stat stat) {
  __u32 slot = f->inner_vid;
  struct bg_vlan_stats *vs = bpf_map_lookup_elem(&bg_vlan_stats, &slot);
  if (vs && stat < BG_VSTAT_COUNT) vs->count[stat]++;
}

static __always_inline enum bg_vlan_stat vlan_stat_for(enum bg_drop_reason reason) {
  switch (reason) {
    case BG_DROP_VLAN:
      return BG_VSTAT_DROP_VLAN;
    case BG_DROP_PREFIX:
    case BG_DROP_MAC:
      return BG_VSTAT_DROP_SOURCE;
    case BG_DROP_RATE_SOURCE:
    case BG_DROP_RATE_TRANSFER:
    case BG_DROP_RATE_GLOBAL:
    case BG_DROP_TABLE_FULL:
      return BG_VSTAT_DROP_RATE;
    default:
      return BG_VSTAT_DROP_MALFORMED;
  }
}

static __always_inline int drop(const struct frame *f, enum bg_drop_reason reason) {
  f->ctr->verdict[BG_VERDICT_DROP]++;
  if (reason < BG_DROP_COUNT) f->ctr->drop[reason]++;
  vlan_count(f, vlan_stat_for(reason));
  return XDP_DROP;
}

static __always_inline int pass(const struct frame *f) {
  f->ctr->verdict[BG_VERDICT_PASS]++;
  return XDP_PASS;
}

/*
 * Lazy token bucket. Returns 1 and takes a token if one is available. Unsynchronised read-modify-
 * write, as in Cilium's ratelimit.h: two CPUs racing on one bucket can admit one extra request;
 * that is cheaper than atomics and harmless for a flood limiter.
 */
static __always_inline int bucket_take(struct bg_bucket *b, __u64 now, __u32 rate, __u32 burst) {
  __u64 cap = (__u64)burst * BG_TOKEN;
  if (now > b->last_ns) {
    __u64 missing = cap > b->tokens ? cap - b->tokens : 0;
    __u64 elapsed = now - b->last_ns;
    /* elapsed * rate would overflow after long idle; anything beyond "missing" fills the bucket */
    if (elapsed >= missing / rate + 1)
      b->tokens = cap;
    else
      b->tokens += elapsed * rate;
    b->last_ns = now;
  }
  if (b->tokens > cap) b->tokens = cap; /* burst lowered by a reload */
  if (b->tokens < BG_TOKEN) return 0;
  b->tokens -= BG_TOKEN;
  return 1;
}

enum kind { KIND_REQUEST, KIND_TRANSFER };

/* Per-source budget. Returns 0 to admit, or the drop reason. */
static __always_inline int source_limit(const struct bg_config *cfg, const struct bg_source_key *key,
                                        enum kind kind, __u64 now) {
  __u32 rate = kind == KIND_REQUEST ? cfg->req_rate : cfg->xfer_rate;
  __u32 burst = kind == KIND_REQUEST ? cfg->req_burst : cfg->xfer_burst;
  if (rate == 0) return 0;

  struct bg_source *src = bpf_map_lookup_elem(&bg_sources, key);
  if (!src) {
    struct bg_source fresh = {
        .request = {.tokens = (__u64)cfg->req_burst * BG_TOKEN, .last_ns = now},
        .transfer = {.tokens = (__u64)cfg->xfer_burst * BG_TOKEN, .last_ns = now},
    };
    /* BPF_NOEXIST: if another CPU inserted it meanwhile the update fails and we use theirs; if
     * the table is full (-E2BIG) the lookup misses too and the new source is refused. */
    bpf_map_update_elem(&bg_sources, key, &fresh, BPF_NOEXIST);
    src = bpf_map_lookup_elem(&bg_sources, key);
    if (!src) return BG_DROP_TABLE_FULL;
  }
  struct bg_bucket *b = kind == KIND_REQUEST ? &src->request : &src->transfer;
  if (!bucket_take(b, now, rate, burst)) return kind == KIND_REQUEST ? BG_DROP_RATE_SOURCE : BG_DROP_RATE_TRANSFER;
  return 0;
}

static __always_inline int global_limit(const struct bg_config *cfg, __u64 now) {
  if (cfg->global_rate == 0) return 0;
  __u32 zero = 0;
  struct bg_bucket *b = bpf_map_lookup_elem(&bg_global, &zero);
  if (!b) return 0;
  if (b->last_ns == 0) { /* first use: start full */
    b->tokens = (__u64)cfg->global_burst * BG_TOKEN;
    b->last_ns = now;
  }
  return bucket_take(b, now, cfg->global_rate, cfg->global_burst) ? 0 : BG_DROP_RATE_GLOBAL;
}

static __always_inline int is_local(const struct bg_config *cfg, __u32 daddr) {
  if (cfg->flags & BG_CFG_ANY_LOCAL) return 1;
  if (daddr == 0) return 0; /* 0 marks unused slots */
  int hit = 0;
#pragma unroll
  for (int i = 0; i < BG_MAX_LOCAL_ADDRS; i++) hit |= cfg->local_addrs[i] == daddr;
  return hit;
}

enum port_class { PORT_OTHER, PORT_DHCP, PORT_TFTP };

static __always_inline enum port_class classify_port(const struct bg_config *cfg, __u16 dport) {
  if (dport == BG_PORT_DHCP_SERVER || dport == BG_PORT_PROXY_DHCP) return PORT_DHCP;
  if (dport == BG_PORT_TFTP) return PORT_TFTP;
  if (cfg->xfer_port_lo != 0 && dport >= cfg->xfer_port_lo && dport <= cfg->xfer_port_hi) return PORT_TFTP;
  return PORT_OTHER;
}

SEC("xdp")
int bootgate_xdp(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  void *end = (void *)(long)ctx->data_end;
  __u32 zero = 0;

  struct frame f = {.inner_vid = BG_VID_NONE};
  f.ctr = bpf_map_lookup_elem(&bg_counters, &zero);
  struct bg_control *control = bpf_map_lookup_elem(&bg_control, &zero);
  if (!f.ctr || !control) return XDP_PASS;
  __u32 gen = control->generation & 1;
  struct bg_config *cfg = bpf_map_lookup_elem(&bg_config, &gen);
  if (!cfg) return XDP_PASS;

  /* Ethernet and up to two VLAN tags (802.1Q or 802.1ad, in any order). */
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > end) return drop(&f, BG_DROP_TRUNCATED);
  __be16 proto = eth->h_proto;
  void *cursor = eth + 1;
  __u16 outer = BG_VID_NONE, inner = BG_VID_NONE;
#pragma unroll
  for (int i = 0; i < BG_MAX_VLAN_TAGS; i++) {
    if (proto != ETH_P_8021Q_BE && proto != ETH_P_8021AD_BE) break;
    struct vlan_tag *tag = cursor;
    if ((void *)(tag + 1) > end) return drop(&f, BG_DROP_TRUNCATED);
    outer = inner;
    inner = bpf_ntohs(tag->tci) & VID_MASK;
    proto = tag->proto;
    cursor = tag + 1;
  }
  f.inner_vid = inner;
  /* A third tag or anything but IPv4 is not ours. */
  if (proto != bpf_htons(ETH_P_IP)) return pass(&f);

  struct iphdr *ip = cursor;
  if ((void *)(ip + 1) > end) return drop(&f, BG_DROP_TRUNCATED);
  if (ip->version != 4 || ip->ihl < 5) return drop(&f, BG_DROP_BAD_IHL);
  __u32 ihl = ip->ihl * 4;
  if (cursor + ihl > end) return drop(&f, BG_DROP_TRUNCATED);
  __u32 tot_len = bpf_ntohs(ip->tot_len);
  if (tot_len < ihl || cursor + tot_len > end) return drop(&f, BG_DROP_BAD_IP_LEN);
  if (ip->protocol != IPPROTO_UDP) return pass(&f);

  __u32 daddr = ip->daddr, saddr = ip->saddr;

  /* Non-first fragments carry no ports: drop them only when sent to an address listed as ours
   * (with "any" we cannot tell them from other services' traffic). */
  if (ip->frag_off & IP_OFFSET_BE) {
    if (!(cfg->flags & BG_CFG_ANY_LOCAL) && is_local(cfg, daddr)) return drop(&f, BG_DROP_FRAGMENT);
    return pass(&f);
  }

  struct udphdr *udp = cursor + ihl;
  if ((void *)(udp + 1) > end) return drop(&f, BG_DROP_TRUNCATED);
  __u16 dport = bpf_ntohs(udp->dest);
  /* Port first: it is free, and most foreign UDP stops here without a map lookup. */
  enum port_class pc = classify_port(cfg, dport);
  if (pc == PORT_OTHER) return pass(&f);
  int broadcast_dhcp = daddr == 0xFFFFFFFF && dport == BG_PORT_DHCP_SERVER;
  if (!broadcast_dhcp && !is_local(cfg, daddr)) return pass(&f);

  /* From here on the frame is aimed at us. */
  if (ip->frag_off & IP_MF_BE) return drop(&f, BG_DROP_FRAGMENT);
  __u32 ulen = bpf_ntohs(udp->len);
  if (ulen < sizeof(*udp) || ulen > tot_len - ihl) return drop(&f, BG_DROP_BAD_UDP_LEN);
  __u32 plen = ulen - sizeof(*udp);
  __u8 *payload = (__u8 *)(udp + 1);

  /* Admission. A prefix hit implies the VLAN is allowed (prefixes are keyed by interface and tag
   * stack), so the admitted path needs one lookup; the VLAN table is consulted for address-less
   * DHCP, and on a prefix miss to tell a VLAN drop from a prefix drop. */
  struct bg_vlan_key vk = {
      .ifindex = ctx->ingress_ifindex, .outer_vid = outer, .inner_vid = inner, .generation = gen};
  struct bg_source_key sk = {};
  enum bg_class cls;
  if (saddr == 0 && pc == PORT_DHCP) {
    /* No source address to check: admitted by VLAN, optionally by client MAC/OUI. */
    struct bg_vlan_policy *vp = bpf_map_lookup_elem(&bg_vlans, &vk);
    if (!vp) return drop(&f, BG_DROP_VLAN);
    if (!(vp->flags & BG_VLAN_DHCP_ANON)) return drop(&f, BG_DROP_PREFIX);
    struct bg_mac_key mk = {.prefixlen = BG_MAC_FIXED_BITS + 48, .generation = gen};
    __builtin_memcpy(mk.mac, eth->h_source, ETH_ALEN);
    if ((cfg->flags & BG_CFG_MAC_FILTER) && !bpf_map_lookup_elem(&bg_macs, &mk)) return drop(&f, BG_DROP_MAC);
    sk.kind = BG_SOURCE_MAC;
    __builtin_memcpy(sk.mac, eth->h_source, ETH_ALEN);
    cls = BG_CLASS_DHCP_ANON;
  } else {
    struct bg_prefix_key pk = {.prefixlen = BG_PREFIX_FIXED_BITS + 32,
                               .ifindex = ctx->ingress_ifindex,
                               .outer_vid = outer,
                               .inner_vid = inner,
                               .generation = gen,
                               .addr = saddr};
    if (!bpf_map_lookup_elem(&bg_prefixes, &pk))
      return drop(&f, bpf_map_lookup_elem(&bg_vlans, &vk) ? BG_DROP_PREFIX : BG_DROP_VLAN);
    sk.kind = BG_SOURCE_IPV4;
    sk.addr = saddr;
    cls = pc == PORT_DHCP ? BG_CLASS_DHCP : BG_CLASS_TFTP_REQUEST;
  }

  /* Payload sanity. */
  enum kind kind = KIND_REQUEST;
  if (pc == PORT_DHCP) {
    if (plen < BG_BOOTP_FIXED_LEN || payload + 1 > (__u8 *)end) return drop(&f, BG_DROP_TRUNCATED);
    if (plen > cfg->max_dhcp_request) return drop(&f, BG_DROP_OVERSIZE);
    if (payload[0] != BG_BOOTP_OP_REQUEST) return drop(&f, BG_DROP_BAD_OPCODE);
  } else {
    if (plen < 2 || payload + 2 > (__u8 *)end) return drop(&f, BG_DROP_TRUNCATED);
    __u16 opcode = ((__u16)payload[0] << 8) | payload[1];
    if (opcode < BG_TFTP_OPCODE_MIN || opcode > BG_TFTP_OPCODE_MAX) return drop(&f, BG_DROP_BAD_OPCODE);
    if (opcode == BG_TFTP_OP_RRQ || opcode == BG_TFTP_OP_WRQ) {
      if (plen > cfg->max_tftp_request) return drop(&f, BG_DROP_OVERSIZE);
    } else {
      kind = KIND_TRANSFER;
      cls = BG_CLASS_TFTP_TRANSFER;
    }
  }

  /* Rate: the source's own budget first, so a flooding source cannot drain the global cap. */
  __u32 rate = kind == KIND_REQUEST ? cfg->req_rate : cfg->xfer_rate;
  if (rate || (kind == KIND_REQUEST && cfg->global_rate)) {
    /* The coarse clock (one tick of resolution) is plenty for buckets refilled per second, and on
     * the test bed it costs ~20 ns where bpf_ktime_get_ns() costs ~50. Only read it if needed. */
    __u64 now = bpf_ktime_get_coarse_ns() + cfg->clock_offset_ns;
    int reason = source_limit(cfg, &sk, kind, now);
    if (!reason && kind == KIND_REQUEST) reason = global_limit(cfg, now);
    if (reason) return drop(&f, reason);
  }

  f.ctr->admit[cls]++;
  vlan_count(&f, BG_VSTAT_ADMITTED);
  /* TFTP on the AF_XDP interface with at most one tag goes to the socket of this rx queue if one
   * is registered; all else (DHCP, QinQ, other interfaces, a queue without a socket) to the kernel. */
  int action = XDP_PASS;
  if (pc == PORT_TFTP && cfg->xsk_ifindex != 0 && ctx->ingress_ifindex == cfg->xsk_ifindex && outer == BG_VID_NONE)
    action = bpf_redirect_map(&bg_xsks, ctx->rx_queue_index, XDP_PASS);
  f.ctr->verdict[action == XDP_REDIRECT ? BG_VERDICT_ADMIT_REDIRECT : BG_VERDICT_ADMIT_PASS]++;
  return action;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
