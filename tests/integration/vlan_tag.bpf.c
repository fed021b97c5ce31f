// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * 802.1Q tagging for integration tests. This kernel has no 8021q module, so a VLAN "port" is made
 * of this tc program on a veth (clsact, direct-action): egress pushes the tag(s), ingress pops them.
 * netns.sh (vlan_tag, vlan_trunk) loads it and writes vtag_cfg; see the comment at its top.
 *
 * Two modes, chosen by vtag_cfg.mode:
 *   access (VTAG_ACCESS): a host on one VLAN. Egress tags every frame with vid (and inner_vid: QinQ,
 *     outer TPID 0x88a8). Ingress pops frames carrying exactly that tag stack; frames tagged with
 *     anything else are DROPPED (a host on VLAN 10 must not see VLAN 20's broadcasts); untagged frames
 *     pass as the native VLAN.
 *   trunk (VTAG_TRUNK): a host with sub-interfaces on every VLAN, folded into one interface. Ingress
 *     pops any tag stack and remembers it per source MAC; egress pushes the stack learned for the
 *     destination MAC, or vid/inner_vid for broadcasts and unknown MACs (vid 0: send untagged).
 * In both modes egress leaves frames alone that already carry a tag (in the frame or as metadata):
 * a VLAN-aware sender on the interface, such as a packet socket writing 802.1Q frames, knows best.
 * Until vtag_cfg is written (vid 0, access) the program passes everything untouched.
 *
 * The sending veth needs tx VLAN offload off, or the pushed tag stays skb metadata and the peer's
 * XDP program never sees it in the frame; netns.sh does that.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define VID_MASK 0x0FFF

enum { VTAG_ACCESS = 0, VTAG_TRUNK = 1 };

struct vtag_cfg {
  __u16 vid;        // outer VID (0 = none)
  __u16 inner_vid;  // inner VID for QinQ (0 = single tag)
  __u8 mode;        // VTAG_ACCESS | VTAG_TRUNK
  __u8 pad[3];
};

struct vtag_stack {
  __u16 outer;
  __u16 inner;  // 0 = single tag
};

struct mac_key {
  __u8 addr[ETH_ALEN];
  __u8 pad[2];
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct vtag_cfg);
} vtag_cfg SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 1024);
  __type(key, struct mac_key);
  __type(value, struct vtag_stack);
} vtag_learn SEC(".maps");

static __always_inline const struct vtag_cfg* config(void) {
  __u32 zero = 0;
  return bpf_map_lookup_elem(&vtag_cfg, &zero);
}

// Reads the tag stack at ingress. The stack has already moved the outer tag into skb metadata
// (skb_vlan_untag runs before tc); a second tag, if any, is still in the frame after the MACs.
static __always_inline int read_stack(struct __sk_buff* skb, struct vtag_stack* st) {
  st->outer = 0;
  st->inner = 0;
  if (!skb->vlan_present) return 0;
  st->outer = skb->vlan_tci & VID_MASK;
  __be16 proto;
  if (bpf_skb_load_bytes(skb, 12, &proto, sizeof(proto)) < 0) return 1;
  if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD)) {
    __be16 tci;
    if (bpf_skb_load_bytes(skb, 14, &tci, sizeof(tci)) < 0) return 1;
    st->inner = bpf_ntohs(tci) & VID_MASK;
  }
  return 1;
}

static __always_inline int push_stack(struct __sk_buff* skb, __u16 outer, __u16 inner) {
  if (outer == 0) return TC_ACT_OK;
  if (inner != 0) {
    if (bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021Q), inner) < 0) return TC_ACT_SHOT;
    if (bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021AD), outer) < 0) return TC_ACT_SHOT;
    return TC_ACT_OK;
  }
  if (bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021Q), outer) < 0) return TC_ACT_SHOT;
  return TC_ACT_OK;
}

static __always_inline int pop_stack(struct __sk_buff* skb, const struct vtag_stack* st) {
  if (bpf_skb_vlan_pop(skb) < 0) return TC_ACT_SHOT;
  if (st->inner != 0 && bpf_skb_vlan_pop(skb) < 0) return TC_ACT_SHOT;
  return TC_ACT_OK;
}

SEC("tc_egress")
int vlan_egress(struct __sk_buff* skb) {
  const struct vtag_cfg* cfg = config();
  if (!cfg || skb->vlan_present) return TC_ACT_OK;  // already tagged by someone else: leave it
  // A VLAN-aware sender (e.g. bootgate's DHCP packet socket) wrote its own tag: leave it too.
  __be16 ethertype = 0;
  bpf_skb_load_bytes(skb, 12, &ethertype, sizeof(ethertype));
  if (ethertype == bpf_htons(ETH_P_8021Q) || ethertype == bpf_htons(ETH_P_8021AD)) return TC_ACT_OK;
  if (cfg->mode == VTAG_TRUNK) {
    struct mac_key dst = {};
    if (bpf_skb_load_bytes(skb, 0, dst.addr, ETH_ALEN) < 0) return TC_ACT_OK;
    const struct vtag_stack* learned = (dst.addr[0] & 1) ? 0 : bpf_map_lookup_elem(&vtag_learn, &dst);
    if (learned) return push_stack(skb, learned->outer, learned->inner);
  }
  return push_stack(skb, cfg->vid, cfg->inner_vid);
}

SEC("tc_ingress")
int vlan_ingress(struct __sk_buff* skb) {
  const struct vtag_cfg* cfg = config();
  if (!cfg) return TC_ACT_OK;
  struct vtag_stack st;
  if (!read_stack(skb, &st)) return TC_ACT_OK;  // untagged: the native VLAN
  if (cfg->mode == VTAG_TRUNK) {
    struct mac_key src = {};
    if (bpf_skb_load_bytes(skb, ETH_ALEN, src.addr, ETH_ALEN) == 0)
      bpf_map_update_elem(&vtag_learn, &src, &st, BPF_ANY);
    return pop_stack(skb, &st);
  }
  if (cfg->vid == 0) return TC_ACT_OK;  // not configured yet
  if (st.outer != cfg->vid || st.inner != cfg->inner_vid) return TC_ACT_SHOT;
  return pop_stack(skb, &st);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
