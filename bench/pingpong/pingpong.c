/* pingpong: a second, deliberately simple load generator, independent of
 * coronet, so that a number measured with bench/load can be checked by a
 * client that shares none of its code.
 *
 * One thread, one epoll set, non-blocking sockets with TCP_NODELAY. Each of
 * the -c connections sends -s bytes, waits for all of them back, compares
 * them with what it sent (the pattern changes with every round trip, so a
 * stale or misordered echo is a mismatch), and sends again at once: a closed
 * loop. After --warmup seconds it measures for -t seconds and prints one line
 * in bench/load's format:
 *   mode=pingpong backend=epoll conns= size= secs= rps= p50_us= p99_us= p999_us=
 *   server_cpu_us_per_rt= server_cpu_pct= errors= mismatches=
 * Server CPU is user+sys of --server-pid (all its threads, /proc/PID/stat),
 * or the busy time of --server-cpu N (/proc/stat) for servers that fork.
 * Exit status: 0, 1 when no round trip got through, 3 on mismatches.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct conn {
  int fd;
  uint32_t round; /* picks this round trip's pattern */
  size_t sent, got;
  double started;
};

static struct {
  const char* host;
  int port, conns, server_pid, server_cpu;
  size_t size;
  double secs, warmup;
} cfg = {"127.0.0.1", 7000, 50, 0, -1, 64, 3, 0.2};

static int epfd;
/* Round trip r of a connection sends `size` bytes of `base` starting at
 * offset(c): a fresh pattern every time without filling a buffer. */
enum { SHIFTS = 251 };
static unsigned char *base, *in;
static unsigned long long round_trips, errors, mismatches;
static double* latency; /* microseconds, measured round trips only */
static size_t latencies, latency_cap;
static int measuring;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static const unsigned char* message(const struct conn* c) { return base + (c->round * 7u + (unsigned)c->fd) % SHIFTS; }

/* Server CPU seconds (user + sys), or -1 when unknown. */
static double server_cpu_seconds(void) {
  char path[64], buf[4096];
  double tick = (double)sysconf(_SC_CLK_TCK);
  if (cfg.server_cpu >= 0) { /* busy time of one CPU */
    FILE* f = fopen("/proc/stat", "r");
    char want[16];
    snprintf(want, sizeof want, "cpu%d ", cfg.server_cpu);
    double busy = -1;
    while (f && fgets(buf, sizeof buf, f)) {
      unsigned long long v[8];
      if (strncmp(buf, want, strlen(want)) != 0) continue;
      if (sscanf(buf + strlen(want), "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
                 &v[5], &v[6], &v[7]) == 8)
        busy = (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / tick; /* all but idle and iowait */
    }
    if (f) fclose(f);
    return busy;
  }
  if (cfg.server_pid <= 0) return -1;
  snprintf(path, sizeof path, "/proc/%d/stat", cfg.server_pid);
  FILE* f = fopen(path, "r");
  if (!f) return -1;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  char* p = strrchr(buf, ')'); /* the command name may hold spaces */
  unsigned long long utime, stime;
  /* after ")": state, then fields 4..13, then utime (14) and stime (15) */
  if (!p || sscanf(p + 2, "%*c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu %llu", &utime, &stime) != 2) return -1;
  return (double)(utime + stime) / tick;
}

static int dial(void) {
  struct sockaddr_in at = {.sin_family = AF_INET, .sin_port = htons((unsigned short)cfg.port)};
  int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  if (fd < 0 || inet_pton(AF_INET, cfg.host, &at.sin_addr) != 1 || connect(fd, (struct sockaddr*)&at, sizeof at) < 0) {
    if (fd >= 0) close(fd);
    return -1;
  }
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fcntl(fd, F_SETFL, O_NONBLOCK); /* connected blocking (loopback: quick), then never blocks */
  return fd;
}

static void watch(struct conn* c, unsigned events, int op) {
  struct epoll_event ev = {.events = events, .data.ptr = c};
  epoll_ctl(epfd, op, c->fd, &ev);
}

/* Writes what the socket takes; waits for EPOLLOUT when it takes less. */
static int send_more(struct conn* c) {
  while (c->sent < cfg.size) {
    ssize_t w = write(c->fd, message(c) + c->sent, cfg.size - c->sent);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EAGAIN) {
      watch(c, EPOLLIN | EPOLLOUT, EPOLL_CTL_MOD);
      return 0;
    }
    if (w < 0) return -1;
    c->sent += (size_t)w;
  }
  return 0;
}

static int begin_round_trip(struct conn* c) {
  c->sent = c->got = 0;
  c->started = now();
  return send_more(c);
}

/* Opens (or reopens, after an error) a connection and starts it. */
static void open_conn(struct conn* c) {
  c->fd = dial();
  if (c->fd < 0) {
    ++errors;
    return;
  }
  watch(c, EPOLLIN, EPOLL_CTL_ADD);
  if (begin_round_trip(c) < 0) {
    ++errors;
    close(c->fd);
    c->fd = -1;
  }
}

static void fail(struct conn* c) {
  ++errors;
  close(c->fd);
  c->fd = -1;
}

static void record(double us) {
  if (latencies == latency_cap) {
    latency_cap = latency_cap ? latency_cap * 2 : 1 << 16;
    latency = realloc(latency, latency_cap * sizeof *latency);
    if (!latency) exit(1);
  }
  latency[latencies++] = us;
}

static void on_event(struct conn* c, unsigned events) {
  if ((events & EPOLLOUT) && c->sent < cfg.size) {
    if (send_more(c) < 0) {
      fail(c);
      return;
    }
    if (c->sent == cfg.size) watch(c, EPOLLIN, EPOLL_CTL_MOD);
  }
  if (!(events & (EPOLLIN | EPOLLERR | EPOLLHUP))) return;
  ssize_t r = read(c->fd, in, cfg.size - c->got); /* never more than this round trip's answer */
  if (r < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (r <= 0) { /* the server closed on us, or an error */
    fail(c);
    return;
  }
  if (c->got + (size_t)r > c->sent || memcmp(in, message(c) + c->got, (size_t)r) != 0) ++mismatches;
  c->got += (size_t)r;
  if (c->got < cfg.size) return;
  ++round_trips;
  if (measuring) record((now() - c->started) * 1e6);
  ++c->round;
  if (begin_round_trip(c) < 0) fail(c);
}

static int by_value(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

static double percentile(double p) {
  if (!latencies) return 0;
  size_t k = (size_t)((double)latencies * p);
  return latency[k < latencies ? k : latencies - 1];
}

static int usage(void) {
  fprintf(stderr,
          "usage: pingpong [--host IPV4] [--port P] [-c conns] [-s size] [-t seconds] [--warmup seconds]\n"
          "                [--server-pid PID] [--server-cpu N]\n");
  return 2;
}

int main(int argc, char** argv) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const char *f = argv[i], *v = argv[i + 1];
    if (!strcmp(f, "--host"))
      cfg.host = v;
    else if (!strcmp(f, "--port"))
      cfg.port = atoi(v);
    else if (!strcmp(f, "-c"))
      cfg.conns = atoi(v);
    else if (!strcmp(f, "-s"))
      cfg.size = strtoul(v, NULL, 10);
    else if (!strcmp(f, "-t"))
      cfg.secs = atof(v);
    else if (!strcmp(f, "--warmup"))
      cfg.warmup = atof(v);
    else if (!strcmp(f, "--server-pid"))
      cfg.server_pid = atoi(v);
    else if (!strcmp(f, "--server-cpu"))
      cfg.server_cpu = atoi(v);
    else
      return usage();
  }
  /* A round trip writes all before it reads: past what the socket buffers
   * hold, client and server would both wait on a full buffer. */
  if (argc % 2 == 0 || cfg.conns < 1 || cfg.size < 1 || cfg.size > 65536 || cfg.secs <= 0) return usage();

  signal(SIGPIPE, SIG_IGN); /* a server that quit is an error to count, not our death */
  base = malloc(cfg.size + SHIFTS);
  in = malloc(cfg.size);
  struct conn* conns = calloc((size_t)cfg.conns, sizeof *conns);
  if (!base || !in || !conns) return 1;
  for (size_t i = 0; i < cfg.size + SHIFTS; ++i) base[i] = (unsigned char)(i * 131 + 17);
  epfd = epoll_create1(0);
  for (int i = 0; i < cfg.conns; ++i) open_conn(&conns[i]);

  double start = now(), measure_at = start + cfg.warmup, end_at = measure_at + cfg.secs;
  double begin_t = 0, end_t = 0, begin_cpu = -1, end_cpu = -1, last_redial = start;
  unsigned long long begin_rts = 0;
  struct epoll_event events[512];
  for (;;) {
    int n = epoll_wait(epfd, events, 512, 5);
    for (int i = 0; i < n; ++i) on_event(events[i].data.ptr, events[i].events);
    double t = now();
    if (!measuring && t >= measure_at) {
      measuring = 1, begin_t = t, begin_rts = round_trips, begin_cpu = server_cpu_seconds();
    } else if (measuring && t >= end_at) {
      end_t = t, end_cpu = server_cpu_seconds();
      break;
    }
    if (t - last_redial >= 0.01) { /* broken connections: try again, gently */
      last_redial = t;
      for (int i = 0; i < cfg.conns; ++i)
        if (conns[i].fd < 0) open_conn(&conns[i]);
    }
  }

  double secs = end_t - begin_t, cpu = begin_cpu >= 0 && end_cpu >= 0 ? end_cpu - begin_cpu : -1;
  double rts = (double)(round_trips - begin_rts);
  qsort(latency, latencies, sizeof *latency, by_value);
  printf(
      "mode=pingpong backend=epoll conns=%d size=%zu secs=%.2f rps=%.0f p50_us=%.1f p99_us=%.1f p999_us=%.1f "
      "server_cpu_us_per_rt=%.3f server_cpu_pct=%.1f errors=%llu mismatches=%llu\n",
      cfg.conns, cfg.size, secs, rts / secs, percentile(0.5), percentile(0.99), percentile(0.999),
      cpu >= 0 && rts > 0 ? cpu * 1e6 / rts : -1, cpu >= 0 ? cpu * 100 / secs : -1, errors, mismatches);
  return mismatches ? 3 : rts == 0 ? 1 : 0;
}
