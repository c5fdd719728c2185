/* nslabel: what a network namespace is called (pure).  The shell
 * `nswatch` finds the namespaces and reads, for each, its `ip netns`
 * name, the lowest pid living in it, that process's name and its cgroup
 * file; this module turns those into a label for people and the
 * container fields of the JSON.
 *
 * Labels, first that applies: "host" (the namespace tcpladder runs in);
 * the `ip netns` name; a container as "RUNTIME:NAME" or "RUNTIME:ID12"
 * (docker, podman, containerd, cri-o; a Kubernetes pod's sandbox as
 * "pod:UID8"); a systemd unit ("nginx.service"); else "PID/COMM"; for
 * a namespace no process lives in, held by a bind mount outside
 * /run/netns, the shell uses the mount's file name. */
#ifndef TCPLADDER_NSLABEL_H
#define TCPLADDER_NSLABEL_H

#include <stdbool.h>
#include <stddef.h>

#define TL_NSLABEL_MAX 64

enum tl_cg_kind {
	TL_CG_NONE = 0,
	TL_CG_CONTAINER, /* runtime and id (and pod when a kubepods path) */
	TL_CG_UNIT,      /* a systemd service or scope */
};

/* What a cgroup path says about the processes in it. */
struct tl_cgroup_info {
	enum tl_cg_kind kind;
	char runtime[16]; /* "docker", "podman", "containerd", "cri-o", "" */
	char id[65];      /* the container id, full (hex), or "" */
	char pod[40];     /* the Kubernetes pod uid (dashes), or "" */
	char unit[96];    /* the systemd unit, or "" */
	char name[64];    /* the container's name when the shell found one */
};

/* Parse the text of /proc/PID/cgroup (any length, not NUL-terminated;
 * cgroup v2 "0::/path" preferred, else the v1 lines, "name=systemd"
 * first).  Returns the kind found (also in out->kind). */
enum tl_cg_kind tl_cgroup_parse(const char *text, size_t len, struct tl_cgroup_info *out);
/* One path ("/system.slice/docker-ID.scope"). */
enum tl_cg_kind tl_cgroup_parse_path(const char *path, size_t len, struct tl_cgroup_info *out);

/* A docker container's name from its config.v2.json text ("Name":"/web")
 * into out (empty when not found).  Bytes are copied as found; the
 * renderers escape them. */
void tl_cgroup_docker_name(const char *json, size_t len, char *out, size_t size);

/* A podman container's name from containers/storage's containers.json
 * (an array of {"id":"ID",...,"names":["web"],...}): the first name of
 * the entry with this id, else empty. */
void tl_cgroup_podman_name(const char *json, size_t len, const char *id, char *out, size_t size);

/* A name from an OCI bundle's config.json (containerd's and CRI-O's task
 * state): its annotations, the first found of nerdctl's name, a CRI
 * sandbox's pod name, a CRI container's name; else empty. */
void tl_cgroup_oci_name(const char *json, size_t len, char *out, size_t size);

/* The label (at most TL_NSLABEL_MAX - 1 bytes).  name: the `ip netns`
 * name or NULL; cg: may be NULL; pid 0 when no process lives in it. */
void tl_nslabel_make(char *out, size_t size, bool self, const char *name,
		     const struct tl_cgroup_info *cg, int pid, const char *comm);

/* Short ids: the first 12 hex digits of a container id, 8 of a pod uid. */
#define TL_CG_SHORT_ID 12
#define TL_CG_SHORT_POD 8

#endif
