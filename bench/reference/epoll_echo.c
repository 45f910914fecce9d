/* epoll_echo: the hand-written floor for an echo server on Linux.
 *
 * One thread, level-triggered epoll, non-blocking sockets, TCP_NODELAY, one
 * shared 64 KiB buffer: read what is there, write it straight back. A
 * connection keeps no state of its own until a write would block; then the
 * unsent rest is kept in a heap buffer, reading stops and EPOLLOUT takes
 * over until it has gone (so a slow reader cannot make us spin or lose data).
 *
 *   epoll_echo PORT        listens on 127.0.0.1:PORT
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

/* Bytes a blocked connection still has to send, indexed by descriptor. */
struct pending {
  char* data;
  size_t len, off;
};
static struct pending** pending;
static size_t pending_cap;

static int epfd;

static void watch(int fd, unsigned events, int op) {
  struct epoll_event ev = {.events = events, .data.fd = fd};
  epoll_ctl(epfd, op, fd, &ev);
}

static void drop(int fd) {
  if ((size_t)fd < pending_cap && pending[fd]) {
    free(pending[fd]->data);
    free(pending[fd]);
    pending[fd] = NULL;
  }
  close(fd); /* also removes it from the epoll set */
}

/* Writes what it can; returns the bytes left (-1: the connection failed). */
static ssize_t write_some(int fd, const char* p, size_t len) {
  while (len > 0) {
    ssize_t w = write(fd, p, len);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return errno == EAGAIN ? (ssize_t)len : -1;
    p += w;
    len -= (size_t)w;
  }
  return 0;
}

/* Keeps the unsent rest and waits for the socket to drain. */
static int park(int fd, const char* p, size_t len) {
  if ((size_t)fd >= pending_cap) {
    size_t cap = pending_cap ? pending_cap : 1024;
    while (cap <= (size_t)fd) cap *= 2;
    struct pending** grown = realloc(pending, cap * sizeof *grown);
    if (!grown) return -1;
    memset(grown + pending_cap, 0, (cap - pending_cap) * sizeof *grown);
    pending = grown, pending_cap = cap;
  }
  struct pending* q = malloc(sizeof *q);
  if (!q || !(q->data = malloc(len))) return free(q), -1;
  memcpy(q->data, p, len);
  q->len = len, q->off = 0;
  pending[fd] = q;
  watch(fd, EPOLLOUT, EPOLL_CTL_MOD);
  return 0;
}

static void on_writable(int fd) {
  struct pending* q = pending[fd];
  ssize_t left = write_some(fd, q->data + q->off, q->len - q->off);
  if (left < 0) {
    drop(fd);
    return;
  }
  q->off = q->len - (size_t)left;
  if (left > 0) return;
  free(q->data), free(q), pending[fd] = NULL;
  watch(fd, EPOLLIN, EPOLL_CTL_MOD);
}

static void on_readable(int fd) {
  static char buf[65536];
  ssize_t r = read(fd, buf, sizeof buf);
  if (r < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (r <= 0) { /* end of stream or error */
    drop(fd);
    return;
  }
  ssize_t left = write_some(fd, buf, (size_t)r);
  if (left < 0 || (left > 0 && park(fd, buf + (r - left), (size_t)left) < 0)) drop(fd);
}

int main(int argc, char** argv) {
  int port = argc > 1 ? atoi(argv[1]) : 7000, one = 1;
  signal(SIGPIPE, SIG_IGN); /* a peer that left is an EPIPE, not our death */
  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in at = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
  at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(lfd, (struct sockaddr*)&at, sizeof at) < 0 || listen(lfd, 4096) < 0) return perror("epoll_echo"), 1;
  epfd = epoll_create1(0);
  watch(lfd, EPOLLIN, EPOLL_CTL_ADD);

  struct epoll_event events[512];
  for (;;) {
    int n = epoll_wait(epfd, events, 512, -1);
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == lfd) {
        for (int c; (c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0;) {
          setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          watch(c, EPOLLIN, EPOLL_CTL_ADD);
        }
      } else if ((size_t)fd < pending_cap && pending[fd]) {
        on_writable(fd);
      } else {
        on_readable(fd);
      }
    }
  }
}
