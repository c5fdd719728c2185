/* nslabel: container, unit and process labels from cgroup paths. */
#include <stdio.h>
#include <string.h>

#include "tcpladder/nslabel.h"

static bool is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return n > 0;
}

static bool starts(const char *s, size_t n, const char *pre)
{
	size_t k = strlen(pre);
	return n >= k && !memcmp(s, pre, k);
}

static bool ends(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);
	return n >= k && !memcmp(s + n - k, suf, k);
}

static void copy(char *dst, size_t size, const char *s, size_t n)
{
	if (n >= size)
		n = size - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* "PREFIX<64 hex>[.scope]": the id, else false. */
static bool scope_id(const char *c, size_t n, const char *prefix, const char **id)
{
	size_t k = strlen(prefix);
	if (!starts(c, n, prefix))
		return false;
	size_t rest = n - k;
	if (ends(c, n, ".scope"))
		rest -= 6;
	if (rest != 64 || !is_hex(c + k, 64))
		return false;
	*id = c + k;
	return true;
}

/* A pod uid as kubepods writes it: "pod" then 36 characters, dashes
 * (cgroupfs) or underscores (systemd) between the hex groups. */
static bool pod_uid(const char *c, size_t n, char *out, size_t size)
{
	const char *p = NULL;
	for (size_t i = 0; i + 3 <= n; i++)
		if (!memcmp(c + i, "pod", 3) && (i == 0 || c[i - 1] == '-')) {
			p = c + i + 3;
			n -= i + 3;
			break;
		}
	if (!p)
		return false;
	if (ends(p, n, ".slice"))
		n -= 6;
	if (n != 36 || size < 37)
		return false;
	for (size_t i = 0; i < 36; i++) {
		bool sep = i == 8 || i == 13 || i == 18 || i == 23;
		char ch = p[i];
		if (sep ? (ch != '-' && ch != '_') : !is_hex(&ch, 1))
			return false;
		out[i] = sep ? '-' : ch;
	}
	out[36] = '\0';
	return true;
}

static const struct {
	const char *prefix;
	const char *runtime;
} scopes[] = {
    {"docker-", "docker"}, {"libpod-", "podman"},         {"cri-containerd-", "containerd"},
    {"crio-", "cri-o"},    {"containerd-", "containerd"}, {"nerdctl-", "containerd"},
};

enum tl_cg_kind tl_cgroup_parse_path(const char *path, size_t len, struct tl_cgroup_info *out)
{
	memset(out, 0, sizeof(*out));
	const char *prev = NULL;
	size_t prev_n = 0;
	bool kube = false;

	for (size_t i = 0; i < len;) {
		size_t j = i;
		while (j < len && path[j] != '/')
			j++;
		const char *c = path + i;
		size_t n = j - i;
		i = j + 1;
		if (!n)
			continue;
		const char *id = NULL;
		for (size_t k = 0; k < sizeof(scopes) / sizeof(scopes[0]) && !id; k++)
			if (scope_id(c, n, scopes[k].prefix, &id))
				copy(out->runtime, sizeof(out->runtime), scopes[k].runtime,
				     strlen(scopes[k].runtime));
		/* cgroupfs drivers: /docker/ID, /kubepods/.../podUID/ID */
		if (!id && n == 64 && is_hex(c, 64) && prev &&
		    (kube || (prev_n == 6 && !memcmp(prev, "docker", 6)))) {
			id = c;
			if (!kube)
				copy(out->runtime, sizeof(out->runtime), "docker", 6);
		}
		if (id) {
			copy(out->id, sizeof(out->id), id, 64);
			out->kind = TL_CG_CONTAINER;
		}
		if (starts(c, n, "kubepods"))
			kube = true;
		if (kube && !id)
			pod_uid(c, n, out->pod, sizeof(out->pod));
		/* a unit, unless it is the container's own scope */
		if (!id && (ends(c, n, ".service") || ends(c, n, ".scope")) &&
		    !starts(c, n, "libpod-conmon-") && !starts(c, n, "crio-conmon-"))
			copy(out->unit, sizeof(out->unit), c, n);
		prev = c;
		prev_n = n;
	}
	if (out->pod[0] && out->kind == TL_CG_NONE)
		out->kind = TL_CG_CONTAINER;
	if (out->kind == TL_CG_CONTAINER)
		out->unit[0] = '\0';
	else if (out->unit[0])
		out->kind = TL_CG_UNIT;
	return out->kind;
}

enum tl_cg_kind tl_cgroup_parse(const char *text, size_t len, struct tl_cgroup_info *out)
{
	/* "HIERARCHY:CONTROLLERS:PATH" lines; the unified one ("0::") says
	 * all, else systemd's named hierarchy, else the first with a path. */
	const char *best = NULL;
	size_t best_n = 0;
	int rank = 0;

	for (size_t i = 0; i < len;) {
		size_t j = i;
		while (j < len && text[j] != '\n')
			j++;
		const char *l = text + i;
		size_t n = j - i;
		i = j + 1;
		const char *c1 = memchr(l, ':', n);
		if (!c1)
			continue;
		const char *c2 = memchr(c1 + 1, ':', n - (size_t)(c1 + 1 - l));
		if (!c2)
			continue;
		const char *p = c2 + 1;
		size_t pn = n - (size_t)(p - l);
		size_t ctl = (size_t)(c2 - c1 - 1);
		int r = (c1 - l == 1 && l[0] == '0' && ctl == 0)             ? 3
			: (ctl == 12 && !memcmp(c1 + 1, "name=systemd", 12)) ? 2
									     : 1;
		if (pn == 1 && p[0] == '/')
			r = 0; /* the root: anything better said beats it */
		if ((r > rank || !best) && pn) {
			best = p;
			best_n = pn;
			rank = r;
		}
	}
	if (!best) {
		memset(out, 0, sizeof(*out));
		return TL_CG_NONE;
	}
	return tl_cgroup_parse_path(best, best_n, out);
}

void tl_cgroup_docker_name(const char *json, size_t len, char *out, size_t size)
{
	static const char key[] = "\"Name\":\"";
	size_t k = sizeof(key) - 1;

	if (size)
		out[0] = '\0';
	for (size_t i = 0; size && i + k <= len; i++) {
		if (memcmp(json + i, key, k))
			continue;
		size_t s = i + k, e = s;
		while (e < len && json[e] != '"' && json[e] != '\\')
			e++;
		if (e >= len || json[e] != '"')
			return; /* an escaped or cut name: the id will do */
		if (s < e && json[s] == '/')
			s++;
		copy(out, size, json + s, e - s);
		return;
	}
}

/* The string value of the first "key" (a JSON member) from `from` on:
 * its start and length, else false.  Escaped values are not guessed at. */
static bool json_string(const char *json, size_t len, size_t from, const char *key,
			const char **val, size_t *n, size_t *at)
{
	size_t k = strlen(key);
	for (size_t i = from; i + k + 2 <= len; i++) {
		if (json[i] != '"' || memcmp(json + i + 1, key, k) || json[i + k + 1] != '"')
			continue;
		size_t j = i + k + 2;
		while (j < len && (json[j] == ' ' || json[j] == '\t' || json[j] == '\n'))
			j++;
		if (j >= len || json[j] != ':')
			continue; /* the key's text as a value, not a member */
		j++;
		while (j < len && (json[j] == ' ' || json[j] == '\t' || json[j] == '\n'))
			j++;
		if (j >= len || json[j] != '"')
			return false;
		size_t s = ++j;
		while (j < len && json[j] != '"' && json[j] != '\\')
			j++;
		if (j >= len || json[j] != '"')
			return false;
		*val = json + s;
		*n = j - s;
		if (at)
			*at = j + 1;
		return true;
	}
	return false;
}

void tl_cgroup_podman_name(const char *json, size_t len, const char *id, char *out, size_t size)
{
	const char *v;
	size_t n, at = 0;

	if (size)
		out[0] = '\0';
	if (!size || !id || !*id)
		return;
	while (json_string(json, len, at, "id", &v, &n, &at)) {
		if (n != strlen(id) || memcmp(v, id, n))
			continue;
		/* its names: an array of strings after "names", before the
		 * next entry's id */
		const char *next;
		size_t nn, end = len;
		if (json_string(json, len, at, "id", &next, &nn, NULL))
			end = (size_t)(next - json);
		for (size_t i = at; i + 8 < end; i++) {
			if (memcmp(json + i, "\"names\"", 7))
				continue;
			size_t j = i + 7;
			while (j < end && (json[j] == ' ' || json[j] == ':' || json[j] == '\n' ||
					   json[j] == '\t'))
				j++;
			if (j + 1 >= end || json[j] != '[')
				return;
			j++;
			while (j < end && (json[j] == ' ' || json[j] == '\n' || json[j] == '\t'))
				j++;
			if (j >= end || json[j] != '"')
				return;
			size_t s = ++j;
			while (j < end && json[j] != '"' && json[j] != '\\')
				j++;
			if (j < end && json[j] == '"')
				copy(out, size, json + s, j - s);
			return;
		}
		return;
	}
}

void tl_cgroup_oci_name(const char *json, size_t len, char *out, size_t size)
{
	static const char *const keys[] = {
	    "nerdctl/name",
	    "io.kubernetes.cri.sandbox-name", /* containerd: a pod's sandbox */
	    "io.kubernetes.pod.name",         /* CRI-O */
	    "io.kubernetes.cri.container-name",
	    "io.kubernetes.container.name",
	};
	const char *v;
	size_t n;

	if (size)
		out[0] = '\0';
	for (size_t k = 0; size && k < sizeof(keys) / sizeof(keys[0]); k++)
		if (json_string(json, len, 0, keys[k], &v, &n, NULL) && n) {
			copy(out, size, v, n);
			return;
		}
}

/* Append at most max bytes of s, cut to the buffer. */
static void put(char *out, size_t size, size_t *at, const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	if (*at + n >= size)
		n = size - 1 - *at;
	memcpy(out + *at, s, n);
	*at += n;
	out[*at] = '\0';
}

void tl_nslabel_make(char *out, size_t size, bool self, const char *name,
		     const struct tl_cgroup_info *cg, int pid, const char *comm)
{
	size_t at = 0;
	char num[16];

	if (!size)
		return;
	if (size > TL_NSLABEL_MAX)
		size = TL_NSLABEL_MAX;
	out[0] = '\0';
	const char *rt = cg && cg->runtime[0] ? cg->runtime : "container";
	if (self) {
		put(out, size, &at, "host", 4);
	} else if (name && *name) {
		put(out, size, &at, name, size);
	} else if (cg && cg->kind == TL_CG_CONTAINER && (cg->name[0] || !cg->pod[0])) {
		put(out, size, &at, rt, sizeof(cg->runtime));
		put(out, size, &at, ":", 1);
		if (cg->name[0])
			put(out, size, &at, cg->name, sizeof(cg->name));
		else
			put(out, size, &at, cg->id, TL_CG_SHORT_ID);
	} else if (cg && cg->kind == TL_CG_CONTAINER) {
		put(out, size, &at, "pod:", 4);
		put(out, size, &at, cg->pod, TL_CG_SHORT_POD);
	} else if (cg && cg->kind == TL_CG_UNIT) {
		put(out, size, &at, cg->unit, sizeof(cg->unit));
	} else if (pid > 0) {
		snprintf(num, sizeof(num), "%d/", pid);
		put(out, size, &at, num, sizeof(num));
		put(out, size, &at, comm && *comm ? comm : "?", 16);
	} else {
		put(out, size, &at, "?", 1);
	}
}
