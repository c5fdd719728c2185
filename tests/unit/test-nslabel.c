/* Namespace labels: cgroup paths of the container runtimes, systemd
 * units, the fall-backs, and broken input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpladder/nslabel.h"
#include "tcpladder/nswatch.h"
#include "tap.h"

#define ID "3f2a9c1b7d4e0123456789abcdef0123456789abcdef0123456789abcdef0123"

/* The label a cgroup file gives (pid 42, comm "srv"). */
static const char *label_of(const char *cgroup)
{
	static char out[TL_NSLABEL_MAX];
	struct tl_cgroup_info cg;
	tl_cgroup_parse(cgroup, strlen(cgroup), &cg);
	tl_nslabel_make(out, sizeof(out), false, NULL, &cg, 42, "srv");
	return out;
}

#define H1 "1111111111111111111111111111111111111111111111111111111111111111"
#define H2 "2222222222222222222222222222222222222222222222222222222222222222"
#define H2B "2222222222222222222222222222222222222222222222222222222222222223"
#define H3 "3333333333333333333333333333333333333333333333333333333333333333"
#define H4 "4444444444444444444444444444444444444444444444444444444444444444"
#define H5 "5555555555555555555555555555555555555555555555555555555555555555"
#define POD "kubepods-besteffort-pod1b2c3d4e_5f60_7182_93a4_b5c6d7e8f901.slice"

/* The label of a cgroup path with names read from the runtimes' state
 * files in a fake tree (tests/fixtures/state). */
static const char *state_label(const char *root, const char *cgroup)
{
	static char out[TL_NSLABEL_MAX];
	struct tl_cgroup_info cg;
	tl_cgroup_parse(cgroup, strlen(cgroup), &cg);
	tl_nswatch_state_name(root, &cg);
	tl_nslabel_make(out, sizeof(out), false, NULL, &cg, 42, "srv");
	return out;
}

static void state_files(void)
{
	const char *top = getenv("top_srcdir");
	char root[4096];
	snprintf(root, sizeof(root), "%s/tests/fixtures/state", top ? top : ".");

	is_str(state_label(root, "0::/system.slice/docker-" H1 ".scope"), "docker:web-1",
	       "docker: the name in config.v2.json");
	is_str(state_label(root, "0::/machine.slice/libpod-" H2 ".scope"), "podman:cache",
	       "podman: the first of the names in containers.json");
	is_str(state_label(root, "0::/machine.slice/libpod-" H2B ".scope"), "podman:db-main",
	       "podman: the entry of that id, not a name in its metadata");
	is_str(state_label(root, "0::/machine.slice/libpod-" H3 ".scope"), "podman:333333333333",
	       "podman: an id not in containers.json keeps its short id");
	is_str(state_label(root, "0::/kubepods.slice/kubepods-besteffort.slice/" POD
				 "/cri-containerd-" H3 ".scope"),
	       "containerd:shop-7d9f", "containerd (CRI): the pod's sandbox name");
	is_str(state_label(root, "0::/kubepods/besteffort/pod1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901/" H3),
	       "containerd:shop-7d9f", "kubepods with the cgroupfs driver: the same task found");
	is_str(state_label(root, "0::/system.slice/nerdctl-" H4 ".scope"), "containerd:api",
	       "nerdctl: its name annotation, in another containerd namespace");
	is_str(state_label(root, "0::/kubepods.slice/kubepods-besteffort.slice/" POD "/crio-" H5
				 ".scope"),
	       "cri-o:billing-5c6b", "CRI-O: the pod name in its config.json");
	is_str(state_label(root, "0::/system.slice/docker-" H2 ".scope"), "docker:222222222222",
	       "docker: no state file, the short id");
	is_str(state_label("/nonexistent", "0::/system.slice/docker-" H1 ".scope"),
	       "docker:111111111111", "no state tree at all: the short id");

	char name[64];
	const char *js = "[{\"id\":\"ab\",\"names\":[\"x\"]},{\"id\":\"cd\"}]";
	tl_cgroup_podman_name(js, strlen(js), "cd", name, sizeof(name));
	is_str(name, "", "podman: an entry without names takes none of the one before");
	tl_cgroup_podman_name(js, 20, "ab", name, sizeof(name));
	is_str(name, "", "podman: a cut file gives no name");
	js = "{\"annotations\":{\"nerdctl/name\":\"a\\\"b\"}}";
	tl_cgroup_oci_name(js, strlen(js), name, sizeof(name));
	is_str(name, "", "OCI: an escaped name is not guessed at");
	js = "{\"x\":\"io.kubernetes.pod.name\",\"io.kubernetes.pod.name\" : \"p\"}";
	tl_cgroup_oci_name(js, strlen(js), name, sizeof(name));
	is_str(name, "p", "OCI: a key's text as a value is not the key");
}

int main(void)
{
	struct tl_cgroup_info cg;
	char out[TL_NSLABEL_MAX];

	/* docker, systemd driver and cgroupfs driver, v2 and v1 */
	is_str(label_of("0::/system.slice/docker-" ID ".scope\n"), "docker:3f2a9c1b7d4e",
	       "docker scope (systemd driver)");
	is_str(label_of("0::/docker/" ID "\n"), "docker:3f2a9c1b7d4e", "docker (cgroupfs driver)");
	is_str(label_of("12:pids:/docker/" ID "\n1:name=systemd:/docker/" ID "\n0::/\n"),
	       "docker:3f2a9c1b7d4e", "cgroup v1 lines, the unified one empty");
	is_int(tl_cgroup_parse("0::/system.slice/docker-" ID ".scope", 94, &cg), TL_CG_CONTAINER,
	       "a container");
	is_str(cg.id, ID, "the full id is kept");
	is_str(cg.unit, "", "a container's scope is not its unit");
	/* a scope of a docker test cgroup anywhere in the tree */
	is_str(label_of("0::/tcpladder-test-1/docker-" ID ".scope\n"), "docker:3f2a9c1b7d4e",
	       "a docker scope under any parent");
	/* podman, its conmon, rootless */
	is_str(label_of("0::/machine.slice/libpod-" ID ".scope/container\n"), "podman:3f2a9c1b7d4e",
	       "podman (libpod scope, nested cgroup)");
	is_str(label_of("0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID
	                ".scope\n"),
	       "podman:3f2a9c1b7d4e", "rootless podman");
	is_str(label_of("0::/machine.slice/libpod-conmon-" ID ".scope\n"), "42/srv",
	       "conmon is neither the container nor a unit");
	/* Kubernetes pods: the pod uid wins over the sandbox's id */
	is_str(
	    label_of("0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1b2c3d4e_"
	             "0000_1111_2222_333344445555.slice/cri-containerd-" ID ".scope\n"),
	    "pod:1b2c3d4e", "kubepods (systemd driver, containerd)");
	tl_cgroup_parse(
	    "0::/kubepods.slice/kubepods-pod1b2c3d4e_0000_1111_2222_333344445555.slice/"
	    "crio-" ID ".scope",
	    strlen("0::/kubepods.slice/kubepods-pod1b2c3d4e_0000_1111_2222_333344445555."
	           "slice/crio-" ID ".scope"),
	    &cg);
	is_str(cg.pod, "1b2c3d4e-0000-1111-2222-333344445555", "pod uid with dashes");
	is_str(cg.runtime, "cri-o", "cri-o runtime");
	is_str(label_of("0::/kubepods/besteffort/pod1b2c3d4e-0000-1111-2222-333344445555/" ID "\n"),
	       "pod:1b2c3d4e", "kubepods (cgroupfs driver)");
	is_str(label_of("0::/kubepods.slice/kubepods-burstable.slice\n"), "42/srv",
	       "a kubepods slice without a pod is nothing");
	/* systemd units */
	is_str(label_of("0::/system.slice/nginx.service\n"), "nginx.service", "a service");
	is_str(label_of("0::/system.slice/app.service/worker\n"), "app.service",
	       "a delegated sub-cgroup of a service");
	is_str(label_of("0::/user.slice/user-0.slice/session-3.scope\n"), "session-3.scope",
	       "a session scope");
	/* fall-backs */
	is_str(label_of("0::/\n"), "42/srv", "root cgroup: pid and comm");
	is_str(label_of(""), "42/srv", "empty file");
	is_str(label_of("garbage without colons"), "42/srv", "garbage");
	is_str(label_of("0::/docker/" ID "zz\n"), "42/srv", "a bad id is no container");
	is_str(label_of("0::/docker/3f2a9c\n"), "42/srv", "a short id is no container");
	ok(!strncmp(label_of("0::/system.slice/docker-" ID "0.scope\n"), "docker-3f2a9c1b7d4e0",
	            20),
	   "65 hex digits: a unit (cut), not a container");
	tl_nslabel_make(out, sizeof(out), true, "x", NULL, 1, "init");
	is_str(out, "host", "our own namespace is host");
	tl_nslabel_make(out, sizeof(out), false, "blue", NULL, 1, "init");
	is_str(out, "blue", "an ip netns name");
	tl_nslabel_make(out, sizeof(out), false, NULL, NULL, 0, NULL);
	is_str(out, "?", "nothing known");
	/* long units are cut to the label's size */
	char lng[300] = "0::/system.slice/";
	memset(lng + strlen(lng), 'a', 200);
	strcpy(lng + 217, ".service");
	ok(strlen(label_of(lng)) < TL_NSLABEL_MAX, "a long unit name is cut");

	/* docker's state file */
	char name[64];
	const char *js = "{\"ID\":\"x\",\"Name\":\"/web-1\",\"State\":{}}";
	tl_cgroup_docker_name(js, strlen(js), name, sizeof(name));
	is_str(name, "web-1", "docker name from config.v2.json");
	tl_cgroup_docker_name(js, 15, name, sizeof(name));
	is_str(name, "", "a cut file gives no name");
	js = "{\"Name\":\"/we\\\"b\"}";
	tl_cgroup_docker_name(js, strlen(js), name, sizeof(name));
	is_str(name, "", "an escaped name is not guessed at");
	tl_cgroup_parse("0::/system.slice/docker-" ID ".scope", 94, &cg);
	strcpy(cg.name, "web-1");
	tl_nslabel_make(out, sizeof(out), false, NULL, &cg, 7, "nginx");
	is_str(out, "docker:web-1", "a named container");
	state_files();
	return tap_done();
}
