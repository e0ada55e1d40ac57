/* mini-probe: runs inside a container and reports what it sees, one
 * "key=value" line each, so integration tests assert on the view from
 * inside. Static, no libraries, works in any rootfs.
 *
 *   mini-probe            every report below
 *   mini-probe exists P   prints "exists P=yes|no"
 *   mini-probe write P    tries to create P, prints "write P=ok|<errno text>"
 *   mini-probe openw P... opens each P for writing (no create, nothing
 *                         written), prints "openw P=ok|<errno text>"
 *   mini-probe statfs P   prints "statfs P=<f_type in hex> ro|rw" or the errno
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

static void print_file_line(const char* key, const char* path, const char* prefix) {
  FILE* f = fopen(path, "r");
  char line[4096];
  if (!f) {
    printf("%s=<%s>\n", key, strerror(errno));
    return;
  }
  while (fgets(line, sizeof line, f)) {
    if (prefix && strncmp(line, prefix, strlen(prefix)) != 0) continue;
    line[strcspn(line, "\n")] = 0;
    const char* value = prefix ? line + strlen(prefix) : line;
    while (*value == ' ' || *value == '\t') value++;
    printf("%s=%s\n", key, value);
  }
  fclose(f);
}

static void report_mounts(void) {
  FILE* f = fopen("/proc/self/mountinfo", "r");
  char line[4096];
  if (!f) return;
  while (fgets(line, sizeof line, f)) {
    /* id parent major:minor root mountpoint options ... - fstype source superopts */
    char root[1024], point[1024], options[512], fstype[64];
    if (sscanf(line, "%*d %*d %*s %1023s %1023s %511s", root, point, options) != 3) continue;
    const char* dash = strstr(line, " - ");
    if (!dash || sscanf(dash + 3, "%63s", fstype) != 1) continue;
    printf("mount=%s %s %s\n", point, fstype, options);
  }
  fclose(f);
}

/* What the seccomp profile and masked paths leave: keyctl's errno, how many
 * bytes /proc/kcore gives, whether /proc/sys takes a write. */
static void report_security(void) {
  long rc = syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* session */, 0);
  printf("keyctl=%s\n", rc >= 0 ? "ok" : strerror(errno));
  char buf[4096];
  int fd = open("/proc/kcore", O_RDONLY);
  long total = fd < 0 ? -1 : 0;
  ssize_t n;
  while (fd >= 0 && (n = read(fd, buf, sizeof buf)) > 0 && total < 65536) total += n;
  if (fd >= 0) close(fd);
  printf("kcore_bytes=%ld\n", total);
  fd = open("/proc/timer_list", O_RDONLY);
  total = fd < 0 ? -1 : 0;
  while (fd >= 0 && (n = read(fd, buf, sizeof buf)) > 0 && total < 65536) total += n;
  if (fd >= 0) close(fd);
  printf("timer_list_bytes=%ld\n", total);
#ifdef SYS_io_uring_setup
  char params[120] = {0}; /* struct io_uring_params; the kernel only reads it */
  rc = syscall(SYS_io_uring_setup, 1, params);
  printf("io_uring_setup=%s\n", rc >= 0 ? "ok" : strerror(errno));
  if (rc >= 0) close((int)rc);
#endif
  fd = open("/proc/sys/kernel/hostname", O_WRONLY);
  printf("proc_sys_write=%s\n", fd >= 0 && write(fd, "x", 1) == 1 ? "ok" : strerror(errno));
  if (fd >= 0) close(fd);
}

/* Descriptors beyond stdio: none of mini's may reach the container. */
static void report_fds(void) {
  DIR* dir = opendir("/proc/self/fd");
  struct dirent* entry;
  if (!dir) return;
  while ((entry = readdir(dir))) {
    int fd = atoi(entry->d_name);
    if (entry->d_name[0] == '.' || fd <= 2 || fd == dirfd(dir)) continue;
    char path[64], target[4096];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ssize_t len = readlink(path, target, sizeof target - 1);
    target[len > 0 ? len : 0] = 0;
    printf("fd=%d %s\n", fd, target);
  }
  closedir(dir);
}

static void print_first_word(const char* key, const char* path) {
  FILE* f = fopen(path, "r");
  char word[256];
  if (!f) return;
  if (fscanf(f, "%255s", word) == 1) printf("%s=%s\n", key, word);
  fclose(f);
}

/* Limits as the container's own cgroup shows them, v1 or v2. */
static void report_cgroup_limits(void) {
  print_first_word("memory_limit", "/sys/fs/cgroup/memory/memory.limit_in_bytes");
  print_first_word("memory_limit", "/sys/fs/cgroup/memory.max");
  print_first_word("cpu_quota", "/sys/fs/cgroup/cpu/cpu.cfs_quota_us");
  print_first_word("cpu_quota", "/sys/fs/cgroup/cpu.max");
  print_first_word("pids_max", "/sys/fs/cgroup/pids/pids.max");
  print_first_word("pids_max", "/sys/fs/cgroup/pids.max");
}

int main(int argc, char** argv) {
  if (argc == 3 && strcmp(argv[1], "exists") == 0) {
    struct stat st;
    printf("exists %s=%s\n", argv[2], lstat(argv[2], &st) == 0 ? "yes" : "no");
    return 0;
  }
  if (argc == 3 && strcmp(argv[1], "write") == 0) {
    int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    printf("write %s=%s\n", argv[2], fd >= 0 ? "ok" : strerror(errno));
    return fd >= 0 ? 0 : 1;
  }
  if (argc >= 3 && strcmp(argv[1], "openw") == 0) {
    /* Only the open: a write that got through would reach the host's kernel. */
    for (int i = 2; i < argc; i++) {
      int fd = open(argv[i], O_WRONLY | O_NOCTTY | O_NONBLOCK);
      printf("openw %s=%s\n", argv[i], fd >= 0 ? "ok" : strerror(errno));
      if (fd >= 0) close(fd);
    }
    return 0;
  }
  if (argc == 3 && strcmp(argv[1], "statfs") == 0) {
    struct statfs fs;
    if (statfs(argv[2], &fs) != 0)
      printf("statfs %s=%s\n", argv[2], strerror(errno));
    else
      printf("statfs %s=%lx %s\n", argv[2], (unsigned long)fs.f_type, (fs.f_flags & ST_RDONLY) ? "ro" : "rw");
    return 0;
  }
  char host[256] = "";
  gethostname(host, sizeof host);
  printf("pid=%d\n", (int)getpid());
  printf("ppid=%d\n", (int)getppid());
  printf("uid=%d\ngid=%d\n", (int)getuid(), (int)getgid());
  printf("euid=%d\negid=%d\n", (int)geteuid(), (int)getegid());
  printf("hostname=%s\n", host);
  char cwd[1024] = "";
  if (getcwd(cwd, sizeof cwd)) printf("cwd=%s\n", cwd);
  print_file_line("uid_map", "/proc/self/uid_map", NULL);
  print_file_line("gid_map", "/proc/self/gid_map", NULL);
  print_file_line("cap_eff", "/proc/self/status", "CapEff:");
  print_file_line("cap_bnd", "/proc/self/status", "CapBnd:");
  print_file_line("no_new_privs", "/proc/self/status", "NoNewPrivs:");
  print_file_line("seccomp", "/proc/self/status", "Seccomp:");
  print_file_line("cgroup", "/proc/self/cgroup", NULL);
  report_mounts();
  report_security();
  report_fds();
  report_cgroup_limits();
  return 0;
}
