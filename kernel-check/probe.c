/*
 * kernel-check probe: runs the scenarios of /scenarios.txt (written by kernel-check/run.mjs from
 * kernel-check/scenarios.json) on a live kernel and prints one line per system call:
 *   KC {"scenario":..,"step":..,"call":..,"rc":..,"errno":..,"status":[..],"vmstat":{..}}
 * then powers the VM off. It runs as /init of a busybox initramfs.
 *
 * Each scenario runs in a child process of its own, so no mapping of one reaches the next. The
 * /proc/vmstat deltas are taken around the system call alone.
 *
 * Steps (one per line; pages are counted from the region's start, SPEC is "0,2,5-7"):
 *   scenario NAME            start a scenario
 *   mmap R PAGES thp|nothp   anonymous private region R (thp: 2 MiB aligned, MADV_HUGEPAGE)
 *   place R NODE             mbind(MPOL_BIND, NODE) on R: where its first touches land
 *   touch R SPEC w|r         write or read each page of SPEC
 *   fork                     a child that shares every mapping and waits until the scenario ends
 *   pin R IDX                vmsplice() page IDX into a pipe: an extra reference, as a GUP pin
 *   dropcap                  setresuid(65534): no CAP_SYS_NICE from here on
 *   fill NODE                fill NODE: touch pages (MPOL_PREFERRED NODE) until one lands on another
 *                            node, then move pages onto NODE until move_pages() fails
 *   move R SPEC NODES FLAGS  move_pages(0, .., pages, nodes, status, FLAGS); NODES is one node or
 *                            a comma list; FLAGS move | all | 0 | bad
 *   query R SPEC             move_pages(0, .., pages, NULL, status, 0)
 *   migrate OLD NEW          migrate_pages(0, 64, {OLD}, {NEW}); OLD/NEW are node bit masks
 *   end                      the scenario's children are released and it ends
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096UL
#define HPAGE (2UL << 20)
#define MAX_REGIONS 8
#define MAX_PAGES 4096
#define MPOL_PREFERRED 1
#define MPOL_BIND 2
#define MPOL_MF_MOVE (1 << 1)
#define MPOL_MF_MOVE_ALL (1 << 2)
#define FILL_CHUNK 32

static const char *counters[] = {
  "pgmigrate_success", "pgmigrate_fail", "thp_migration_success", "thp_migration_fail",
  "thp_migration_split", "thp_split_page", "numa_pages_migrated", "pgpromote_success",
  "pgdemote_kswapd", "pgdemote_direct",
};
#define NR_COUNTERS (sizeof(counters) / sizeof(counters[0]))

struct region { char name[16]; char *addr; unsigned long pages; };
static struct region regions[MAX_REGIONS];
static int nregions;
static char scenario[64];
static int step;
static pid_t sharers[8];
static int nsharers;
static int release_fd = -1;
static int pin_fds[16];
static int npins;

static void die(const char *what) {
  printf("KC {\"scenario\":\"%s\",\"step\":%d,\"call\":\"error\",\"what\":\"%s\",\"errno\":%d}\n", scenario, step, what, errno);
  fflush(stdout);
  _exit(1);
}

static void read_vmstat(long long *out) {
  char buf[16384];
  int fd = open("/proc/vmstat", O_RDONLY);
  if (fd < 0) die("open /proc/vmstat");
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  if (n <= 0) die("read /proc/vmstat");
  buf[n] = 0;
  for (unsigned i = 0; i < NR_COUNTERS; i++) {
    out[i] = -1;
    size_t len = strlen(counters[i]);
    for (char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p) {
      if (strncmp(p, counters[i], len) == 0 && p[len] == ' ') { out[i] = atoll(p + len + 1); break; }
    }
  }
}

static void print_vmstat(const long long *before, const long long *after) {
  printf("\"vmstat\":{");
  int first = 1;
  for (unsigned i = 0; i < NR_COUNTERS; i++) {
    if (before[i] < 0) continue; /* counter absent in this kernel */
    printf("%s\"%s\":%lld", first ? "" : ",", counters[i], after[i] - before[i]);
    first = 0;
  }
  printf("}");
}

static struct region *region(const char *name) {
  for (int i = 0; i < nregions; i++) if (strcmp(regions[i].name, name) == 0) return &regions[i];
  errno = ENOENT;
  die("unknown region");
  return NULL;
}

/* "0,2,5-7" -> indices; returns the count */
static int parse_spec(const char *spec, int *out) {
  int n = 0;
  const char *p = spec;
  while (*p) {
    char *end;
    long a = strtol(p, &end, 10), b = a;
    if (*end == '-') b = strtol(end + 1, &end, 10);
    for (long i = a; i <= b && n < MAX_PAGES; i++) out[n++] = (int)i;
    p = *end == ',' ? end + 1 : end;
    if (end == p && *p) break;
  }
  return n;
}

static long mbind_node(void *addr, unsigned long len, int mode, int node) {
  unsigned long mask = 1UL << node;
  return syscall(SYS_mbind, addr, len, mode, &mask, 64UL, 0U);
}

static void op_mmap(const char *name, unsigned long pages, int thp) {
  if (nregions == MAX_REGIONS) die("too many regions");
  unsigned long len = pages * PAGE;
  char *p = mmap(NULL, len + (thp ? HPAGE : 0), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) die("mmap");
  if (thp) p = (char *)(((unsigned long)p + HPAGE - 1) & ~(HPAGE - 1));
  if (madvise(p, len, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE)) die("madvise");
  struct region *r = &regions[nregions++];
  snprintf(r->name, sizeof(r->name), "%s", name);
  r->addr = p;
  r->pages = pages;
}

static void op_fork(void) {
  if (release_fd < 0) {
    int fds[2];
    if (pipe(fds)) die("pipe");
    release_fd = fds[1];
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
      char c;
      close(fds[1]);
      while (read(fds[0], &c, 1) > 0) {}
      _exit(0);
    }
    close(fds[0]);
    sharers[nsharers++] = pid;
  }
}

static void op_pin(struct region *r, int idx) {
  int fds[2];
  if (pipe(fds)) die("pipe");
  struct iovec iov = { r->addr + idx * PAGE, PAGE };
  if (vmsplice(fds[1], &iov, 1, 0) != (ssize_t)PAGE) die("vmsplice");
  pin_fds[npins++] = fds[0];
  pin_fds[npins++] = fds[1];
}

static void op_fill(int node) {
  /* Full: (1) touch pages preferring `node` until one lands elsewhere (the node is at its low
   * watermark); (2) move further pages onto it, FILL_CHUNK at a time, until move_pages() cannot
   * (its __GFP_THISNODE allocation fails: the min watermark). */
  unsigned long len = 1UL << 30, i = 0;
  char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) die("mmap fill");
  madvise(p, len, MADV_NOHUGEPAGE);
  if (mbind_node(p, len, MPOL_PREFERRED, node)) die("mbind fill");
  for (;; i++) {
    if (i == len / PAGE) die("fill: the node never filled");
    p[i * PAGE] = 1;
    void *page = p + i * PAGE;
    int status = -1;
    if (syscall(SYS_move_pages, 0, 1UL, &page, NULL, &status, 0)) die("move_pages fill");
    if (status != node) break;
  }
  for (i++;; i += FILL_CHUNK) {
    void *pages[FILL_CHUNK];
    int nodes[FILL_CHUNK], status[FILL_CHUNK];
    if (i + FILL_CHUNK > len / PAGE) die("fill: move_pages never failed");
    for (int j = 0; j < FILL_CHUNK; j++) {
      p[(i + j) * PAGE] = 1;
      pages[j] = p + (i + j) * PAGE;
      nodes[j] = node;
    }
    if (syscall(SYS_move_pages, 0, (unsigned long)FILL_CHUNK, pages, nodes, status, MPOL_MF_MOVE) != 0) return;
  }
}

static void print_status(const int *status, int n) {
  printf("\"status\":[");
  for (int i = 0; i < n; i++) printf("%s%d", i ? "," : "", status[i]);
  printf("]");
}

static void op_move(struct region *r, const char *spec, const char *nodes_arg, const char *flags_arg, int query) {
  static int idx[MAX_PAGES], nodes[MAX_PAGES], status[MAX_PAGES], nodelist[MAX_PAGES];
  static void *pages[MAX_PAGES];
  int n = parse_spec(spec, idx);
  int nn = query ? 0 : parse_spec(nodes_arg, nodelist);
  for (int i = 0; i < n; i++) {
    pages[i] = r->addr + (unsigned long)idx[i] * PAGE;
    if (!query) nodes[i] = nodelist[nn == 1 ? 0 : i];
    status[i] = 12345;
  }
  int flags = 0;
  if (!query) {
    if (strcmp(flags_arg, "move") == 0) flags = MPOL_MF_MOVE;
    else if (strcmp(flags_arg, "all") == 0) flags = MPOL_MF_MOVE_ALL;
    else if (strcmp(flags_arg, "bad") == 0) flags = 1 << 7;
  }
  long long before[NR_COUNTERS], after[NR_COUNTERS];
  read_vmstat(before);
  errno = 0;
  long rc = syscall(SYS_move_pages, 0, (unsigned long)n, pages, query ? NULL : nodes, status, flags);
  int err = rc < 0 ? errno : 0;
  read_vmstat(after);
  printf("KC {\"scenario\":\"%s\",\"step\":%d,\"call\":\"%s\",\"rc\":%ld,\"errno\":%d,", scenario, step,
         query ? "query" : "move_pages", rc, err);
  print_status(status, n);
  printf(",");
  print_vmstat(before, after);
  printf("}\n");
}

static void op_migrate(unsigned long old, unsigned long new) {
  long long before[NR_COUNTERS], after[NR_COUNTERS];
  read_vmstat(before);
  errno = 0;
  long rc = syscall(SYS_migrate_pages, 0, 64UL, &old, &new);
  int err = rc < 0 ? errno : 0;
  read_vmstat(after);
  printf("KC {\"scenario\":\"%s\",\"step\":%d,\"call\":\"migrate_pages\",\"rc\":%ld,\"errno\":%d,", scenario, step, rc, err);
  print_vmstat(before, after);
  printf("}\n");
}

/* One scenario, in a child of its own: lines up to "end". */
static void run_scenario(FILE *f) {
  char line[512];
  while (fgets(line, sizeof(line), f)) {
    char op[16], a[256] = "", b[256] = "", c[256] = "", d[256] = "";
    if (sscanf(line, "%15s %255s %255s %255s %255s", op, a, b, c, d) < 1) continue;
    step++;
    if (strcmp(op, "end") == 0) break;
    else if (strcmp(op, "mmap") == 0) op_mmap(a, strtoul(b, NULL, 10), strcmp(c, "thp") == 0);
    else if (strcmp(op, "place") == 0) {
      struct region *r = region(a);
      if (mbind_node(r->addr, r->pages * PAGE, MPOL_BIND, atoi(b))) die("mbind");
    } else if (strcmp(op, "touch") == 0) {
      static int idx[MAX_PAGES];
      struct region *r = region(a);
      int n = parse_spec(b, idx);
      for (int i = 0; i < n; i++) {
        volatile char *p = r->addr + (unsigned long)idx[i] * PAGE;
        if (c[0] == 'w') *p = (char)(i + 1);
        else (void)*p;
      }
    } else if (strcmp(op, "fork") == 0) op_fork();
    else if (strcmp(op, "pin") == 0) op_pin(region(a), atoi(b));
    else if (strcmp(op, "dropcap") == 0) {
      if (setresuid(65534, 65534, 65534)) die("setresuid");
    } else if (strcmp(op, "fill") == 0) op_fill(atoi(a));
    else if (strcmp(op, "move") == 0) op_move(region(a), b, c, d, 0);
    else if (strcmp(op, "query") == 0) op_move(region(a), b, NULL, NULL, 1);
    else if (strcmp(op, "migrate") == 0) op_migrate(strtoul(a, NULL, 0), strtoul(b, NULL, 0));
    else { errno = EINVAL; die(op); }
    fflush(stdout);
  }
  if (release_fd >= 0) close(release_fd);
  for (int i = 0; i < nsharers; i++) waitpid(sharers[i], NULL, 0);
  fflush(stdout);
}

static void write_file(const char *path, const char *value) {
  int fd = open(path, O_WRONLY);
  if (fd < 0) return;
  if (write(fd, value, strlen(value)) < 0) {}
  close(fd);
}

int main(void) {
  mkdir("/proc", 0755);
  mkdir("/sys", 0755);
  mount("proc", "/proc", "proc", 0, NULL);
  mount("sysfs", "/sys", "sysfs", 0, NULL);
  /* THPs where a scenario asks (MADV_HUGEPAGE; a small VM boots with THP off), and nothing
   * collapses pages behind the scenarios' backs. */
  write_file("/sys/kernel/mm/transparent_hugepage/enabled", "madvise");
  write_file("/sys/kernel/mm/transparent_hugepage/khugepaged/defrag", "0");
  setvbuf(stdout, NULL, _IOLBF, 0);
  FILE *f = fopen("/scenarios.txt", "r");
  if (!f) { printf("KC {\"call\":\"error\",\"what\":\"no /scenarios.txt\"}\n"); goto out; }
  printf("KC {\"call\":\"boot\",\"kernel\":\"");
  FILE *v = fopen("/proc/sys/kernel/osrelease", "r");
  char rel[128] = "";
  if (v && fgets(rel, sizeof(rel), v)) rel[strcspn(rel, "\n")] = 0;
  if (v) fclose(v);
  /* The memory tiers the kernel made: what demotion could use. */
  printf("%s\",\"tiers\":\"", rel);
  DIR *d = opendir("/sys/devices/virtual/memory_tiering");
  struct dirent *e;
  int ntiers = 0;
  while (d && (e = readdir(d))) {
    char path[320], nodes[64] = "";
    if (strncmp(e->d_name, "memory_tier", 11) != 0) continue;
    snprintf(path, sizeof(path), "/sys/devices/virtual/memory_tiering/%s/nodelist", e->d_name);
    FILE *t = fopen(path, "r");
    if (t && fgets(nodes, sizeof(nodes), t)) nodes[strcspn(nodes, "\n")] = 0;
    if (t) fclose(t);
    printf("%s%s:%s", ntiers++ ? " " : "", e->d_name, nodes);
  }
  if (d) closedir(d);
  printf("\"}\n");
  char line[512];
  while (fgets(line, sizeof(line), f)) {
    char name[64];
    if (sscanf(line, "scenario %63s", name) != 1) continue;
    long pos = ftell(f);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
      snprintf(scenario, sizeof(scenario), "%s", name);
      run_scenario(f);
      _exit(0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) printf("KC {\"scenario\":\"%s\",\"call\":\"error\",\"what\":\"exit status %d\"}\n", name, st);
    /* skip to this scenario's end in the parent's stream */
    fseek(f, pos, SEEK_SET);
    while (fgets(line, sizeof(line), f) && strncmp(line, "end", 3) != 0) {}
  }
  fclose(f);
out:
  printf("KC {\"call\":\"done\"}\n");
  fflush(stdout);
  sync();
  reboot(RB_POWER_OFF);
  return 0;
}
