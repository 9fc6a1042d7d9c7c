/*
 * locksmith clock shim: an LD_PRELOAD library that shifts what a process reads from the clock.
 *
 * It offsets clock_gettime(CLOCK_REALTIME*), gettimeofday() and time() (and, when
 * LOCKSMITH_CLOCK_MONOTONIC=1, the monotonic clocks too) by a number of nanoseconds read from the
 * file named by LOCKSMITH_CLOCK_FILE, or else, when LOCKSMITH_CLOCK_DIR is set, by the file
 * "<dir>/net-<inode>.offset" where <inode> is that of the process's network namespace (so one
 * environment serves every host of a run: each namespace has its own clock). The file is re-read at most once per millisecond of real
 * monotonic time. File format (ASCII, whitespace separated):
 *     <offset_ns> [<strobe_delta_ns> <strobe_period_ns>]
 * With a strobe, the offset alternates between offset_ns and offset_ns + strobe_delta_ns every
 * strobe_period_ns of real monotonic time.
 *
 * It must never allocate, lock, or call anything that is not async-signal-safe on the clock path:
 * Debian's redis-server (jemalloc) and Node call the clock from signal handlers and from many
 * threads, and from inside the allocator's own initialisation. Until the real functions are resolved
 * (or while dlsym is running) it reads the clock with the raw system call. A missing or unreadable
 * file means offset 0; it never fails a clock call that the real function would not fail.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

typedef int (*clock_gettime_fn)(clockid_t, struct timespec *);
typedef int (*gettimeofday_fn)(struct timeval *, void *);

static clock_gettime_fn real_clock_gettime;
static gettimeofday_fn real_gettimeofday;

static char offset_path[512];
static int shim_enabled;     /* a file was named */
static int shift_monotonic;  /* LOCKSMITH_CLOCK_MONOTONIC=1 */

/* The state the clock path reads: all accessed with atomics only. */
static int64_t cached_base;          /* offset_ns */
static int64_t cached_strobe_delta;  /* strobe_delta_ns, 0 = no strobe */
static int64_t cached_strobe_period; /* strobe_period_ns */
static int64_t last_read_mono = -(1LL << 62); /* real monotonic ns of the last re-read (or claim) */

#define REREAD_NS 1000000LL

static int raw_clock_gettime(clockid_t clk, struct timespec *ts) {
  if (real_clock_gettime) return real_clock_gettime(clk, ts);
  return (int)syscall(SYS_clock_gettime, clk, ts);
}

static int64_t real_mono_ns(void) {
  struct timespec ts;
  if (raw_clock_gettime(CLOCK_MONOTONIC, &ts) != 0) return 0;
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Parses one signed decimal integer; advances *p. Returns 0 when there is none. */
static int parse_i64(const char **p, const char *end, int64_t *out) {
  const char *s = *p;
  while (s < end && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')) s++;
  int neg = 0;
  if (s < end && (*s == '-' || *s == '+')) {
    neg = *s == '-';
    s++;
  }
  if (s >= end || *s < '0' || *s > '9') return 0;
  int64_t v = 0;
  while (s < end && *s >= '0' && *s <= '9') {
    v = v * 10 + (*s - '0');
    s++;
  }
  *out = neg ? -v : v;
  *p = s;
  return 1;
}

/* Re-reads the offset file (async-signal-safe: open/read/close only). */
static void reread_offset(void) {
  char buf[128];
  int fd = (int)syscall(SYS_openat, AT_FDCWD, offset_path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    __atomic_store_n(&cached_base, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&cached_strobe_delta, 0, __ATOMIC_RELAXED);
    return;
  }
  ssize_t n = syscall(SYS_read, fd, buf, sizeof buf - 1);
  syscall(SYS_close, fd);
  if (n <= 0) return; /* a writer is mid-rename or the file is empty: keep the last value */
  const char *p = buf, *end = buf + n;
  int64_t base = 0, delta = 0, period = 0;
  if (!parse_i64(&p, end, &base)) return;
  if (parse_i64(&p, end, &delta) && parse_i64(&p, end, &period) && period > 0) {
    __atomic_store_n(&cached_strobe_period, period, __ATOMIC_RELAXED);
    __atomic_store_n(&cached_strobe_delta, delta, __ATOMIC_RELAXED);
  } else {
    __atomic_store_n(&cached_strobe_delta, 0, __ATOMIC_RELAXED);
  }
  __atomic_store_n(&cached_base, base, __ATOMIC_RELEASE);
}

/* The current offset in ns; one caller per millisecond re-reads the file, the rest use the cache. */
static int64_t current_offset(void) {
  if (!shim_enabled) return 0;
  int64_t now = real_mono_ns();
  int64_t last = __atomic_load_n(&last_read_mono, __ATOMIC_RELAXED);
  if (now - last >= REREAD_NS || now < last) {
    /* Claim the re-read; whoever loses the race (another thread, or a signal handler on this
     * thread) uses the cached value, so the file is read once per interval and never re-entered. */
    if (__atomic_compare_exchange_n(&last_read_mono, &last, now, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
      reread_offset();
  }
  int64_t off = __atomic_load_n(&cached_base, __ATOMIC_ACQUIRE);
  int64_t delta = __atomic_load_n(&cached_strobe_delta, __ATOMIC_RELAXED);
  if (delta != 0) {
    int64_t period = __atomic_load_n(&cached_strobe_period, __ATOMIC_RELAXED);
    if (period > 0 && ((now / period) & 1)) off += delta;
  }
  return off;
}

static void add_ns(struct timespec *ts, int64_t off) {
  int64_t sec = off / 1000000000LL, nsec = off % 1000000000LL;
  ts->tv_sec += sec;
  ts->tv_nsec += nsec;
  if (ts->tv_nsec >= 1000000000L) {
    ts->tv_nsec -= 1000000000L;
    ts->tv_sec += 1;
  } else if (ts->tv_nsec < 0) {
    ts->tv_nsec += 1000000000L;
    ts->tv_sec -= 1;
  }
}

static int is_shifted(clockid_t clk) {
  switch (clk) {
    case CLOCK_REALTIME:
    case CLOCK_REALTIME_COARSE:
      return 1;
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_BOOTTIME:
      return shift_monotonic;
    default:
      return 0;
  }
}

/* "<dir>/net-<inode>.offset" for this process's network namespace; 0 when it cannot be named. */
static int namespace_file(const char *dir, char *out, size_t size) {
  char link[64];
  ssize_t n = readlink("/proc/self/ns/net", link, sizeof link - 1);
  if (n <= 0) return 0;
  link[n] = 0; /* "net:[4026531840]" */
  const char *open_br = strchr(link, '[');
  const char *close_br = strchr(link, ']');
  if (!open_br || !close_br || close_br <= open_br + 1) return 0;
  size_t dlen = strlen(dir), ilen = (size_t)(close_br - open_br - 1);
  if (dlen + ilen + 16 > size) return 0;
  memcpy(out, dir, dlen);
  memcpy(out + dlen, "/net-", 5);
  memcpy(out + dlen + 5, open_br + 1, ilen);
  memcpy(out + dlen + 5 + ilen, ".offset", 8);
  return 1;
}

__attribute__((constructor)) static void shim_init(void) {
  const char *path = getenv("LOCKSMITH_CLOCK_FILE");
  const char *dir = getenv("LOCKSMITH_CLOCK_DIR");
  if (path && *path && strlen(path) < sizeof offset_path) {
    memcpy(offset_path, path, strlen(path) + 1);
    shim_enabled = 1;
  } else if (dir && *dir && namespace_file(dir, offset_path, sizeof offset_path)) {
    shim_enabled = 1;
  }
  const char *mono = getenv("LOCKSMITH_CLOCK_MONOTONIC");
  shift_monotonic = mono && mono[0] == '1';
  /* Resolve after the flags are set: anything dlsym calls that reads the clock uses the syscall. */
  clock_gettime_fn cg = (clock_gettime_fn)dlsym(RTLD_NEXT, "clock_gettime");
  gettimeofday_fn gt = (gettimeofday_fn)dlsym(RTLD_NEXT, "gettimeofday");
  __atomic_store_n(&real_clock_gettime, cg, __ATOMIC_RELEASE);
  __atomic_store_n(&real_gettimeofday, gt, __ATOMIC_RELEASE);
}

int clock_gettime(clockid_t clk, struct timespec *ts) {
  int rc = raw_clock_gettime(clk, ts);
  if (rc == 0 && is_shifted(clk)) {
    int64_t off = current_offset();
    if (off) add_ns(ts, off);
  }
  return rc;
}

int gettimeofday(struct timeval *tv, void *tz) {
  struct timespec ts;
  int rc = raw_clock_gettime(CLOCK_REALTIME, &ts);
  if (rc != 0) return rc;
  int64_t off = current_offset();
  if (off) add_ns(&ts, off);
  tv->tv_sec = ts.tv_sec;
  tv->tv_usec = ts.tv_nsec / 1000;
  if (tz) {
    if (real_gettimeofday) {
      struct timeval ignored;
      real_gettimeofday(&ignored, tz);
    } else {
      struct timeval ignored;
      syscall(SYS_gettimeofday, &ignored, tz);
    }
  }
  return 0;
}

time_t time(time_t *out) {
  struct timespec ts;
  if (raw_clock_gettime(CLOCK_REALTIME, &ts) != 0) return (time_t)-1;
  int64_t off = current_offset();
  if (off) add_ns(&ts, off);
  if (out) *out = ts.tv_sec;
  return ts.tv_sec;
}
