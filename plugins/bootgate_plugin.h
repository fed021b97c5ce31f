/* bootgate boot-policy plugin ABI.
 *
 * A plugin is a shared object exporting one C function, bootgate_plugin_entry(), that returns a
 * pointer to a static bootgate_plugin table. bootgate checks abi_version before calling anything
 * else; a plugin built for another version is refused with a message naming both versions.
 *
 * Rules for plugin authors:
 *  - Every call happens on bootgate's single event-loop thread; calls never overlap.
 *  - select_boot is on the request path: answer from memory, never block on I/O.
 *  - Strings passed in are NUL-terminated and valid only during the call.
 *  - Fill answers into the caller's fixed buffers (always NUL-terminated); no memory crosses the
 *    boundary, so plugin and server may use different allocators and C++ runtimes.
 *  - Within one ABI version the structs only grow at the end; struct_size says how much the
 *    caller knows about.
 */
#ifndef BOOTGATE_PLUGIN_H
#define BOOTGATE_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BOOTGATE_PLUGIN_ABI_VERSION 1u
#define BOOTGATE_PLUGIN_ENTRY_SYMBOL "bootgate_plugin_entry"

/* What is known about a netbooting client. */
typedef struct bootgate_client {
  size_t struct_size;        /* sizeof(bootgate_client) as the server knows it */
  uint8_t hw_type;           /* ARP hardware type, 1 = Ethernet */
  uint8_t hw_len;            /* bytes used in hw */
  uint8_t hw[16];            /* chaddr */
  const char* mac;           /* "aa:bb:cc:dd:ee:ff" (the hw bytes as text) */
  int32_t arch;              /* option 93 (RFC 4578) or -1 when absent */
  const char* vendor_class;  /* option 60, "" when absent */
  const char* const* user_classes; /* option 77 items */
  size_t user_class_count;
  int ipxe;                  /* nonzero: the client already runs iPXE */
  const char* subnet;        /* subnet name, "" when none */
  int32_t vlan;              /* 802.1Q id or -1 */
  const char* host;          /* reservation hostname, "" when none */
} bootgate_client;

/* A plugin's answer. Empty strings and 0 mean "not set". */
typedef struct bootgate_boot_answer {
  char boot_file[256];   /* TFTP path or URL (UEFI HTTP boot) */
  char server_name[64];  /* sname / option 66 */
  uint32_t next_server;  /* siaddr in host byte order; 0: bootgate's own address */
  char hostname[64];     /* option 12 when the client has no reservation hostname */
  char rule[64];         /* what decided, for logs and `bootgate explain` */
} bootgate_boot_answer;

enum bootgate_decision {
  BOOTGATE_NO_DECISION = 0, /* ask the next plugin, then the YAML rules */
  BOOTGATE_DECIDED = 1,     /* answer is filled in */
};

typedef struct bootgate_plugin {
  uint32_t abi_version; /* BOOTGATE_PLUGIN_ABI_VERSION the plugin was built with */
  const char* name;     /* short name for logs */
  /* Creates the plugin's state from `config` (the text of dhcp.plugins[].config, often a file
   * path) and `config_dir` (the folder of bootgate.yaml, for relative paths). Returns NULL on
   * failure after writing one line into error[error_size]. */
  void* (*init)(const char* config, const char* config_dir, char* error, size_t error_size);
  /* Returns a bootgate_decision. */
  int (*select_boot)(void* state, const bootgate_client* client, bootgate_boot_answer* answer);
  void (*destroy)(void* state);
} bootgate_plugin;

typedef const bootgate_plugin* (*bootgate_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* BOOTGATE_PLUGIN_H */
