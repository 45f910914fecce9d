/* uring_echo: the hand-written floor for an echo server on io_uring.
 *
 * One thread, one ring (SINGLE_ISSUER | DEFER_TASKRUN where the kernel has
 * them), one io_uring_enter per turn that submits and waits at once:
 *  - one multishot accept keeps accepting;
 *  - each connection has one multishot receive that picks its buffers from a
 *    provided-buffer ring (no buffer is held by an idle connection);
 *  - each received chunk is sent straight from its ring buffer (no copy),
 *    and the buffer goes back to the ring when the send completes.
 * MSG_WAITALL makes the kernel finish a short send itself. Sends of one
 * connection could overtake each other only when its socket buffer is full,
 * which ping-pong never does; this is a benchmark floor, not a proxy.
 *
 *   uring_echo PORT        listens on 127.0.0.1:PORT
 */
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

enum { BUFFERS = 4096, BUFFER_SIZE = 4096, GROUP = 1 };
enum op { ACCEPT = 1, RECV, SEND };

static struct io_uring ring;
static struct io_uring_buf_ring* buf_ring;
static char* buffers;

/* user_data: op in the top byte, then the descriptor, then the buffer id. */
static uint64_t tag(enum op op, int fd, unsigned bid) {
  return (uint64_t)op << 56 | (uint64_t)(uint32_t)fd << 16 | bid;
}

static struct io_uring_sqe* sqe(void) {
  struct io_uring_sqe* s = io_uring_get_sqe(&ring);
  if (!s) { /* the submission queue is full: flush it and take a fresh slot */
    io_uring_submit(&ring);
    s = io_uring_get_sqe(&ring);
  }
  return s;
}

static void give_back(unsigned bid) {
  io_uring_buf_ring_add(buf_ring, buffers + (size_t)bid * BUFFER_SIZE, BUFFER_SIZE, (unsigned short)bid,
                        io_uring_buf_ring_mask(BUFFERS), 0);
  io_uring_buf_ring_advance(buf_ring, 1);
}

static void arm_accept(int lfd) {
  struct io_uring_sqe* s = sqe();
  io_uring_prep_multishot_accept(s, lfd, NULL, NULL, 0);
  io_uring_sqe_set_data64(s, tag(ACCEPT, lfd, 0));
}

static void arm_recv(int fd) {
  struct io_uring_sqe* s = sqe();
  io_uring_prep_recv_multishot(s, fd, NULL, 0, 0);
  s->flags |= IOSQE_BUFFER_SELECT;
  s->buf_group = GROUP;
  io_uring_sqe_set_data64(s, tag(RECV, fd, 0));
}

static void send_back(int fd, unsigned bid, int len) {
  struct io_uring_sqe* s = sqe();
  io_uring_prep_send(s, fd, buffers + (size_t)bid * BUFFER_SIZE, (size_t)len, MSG_WAITALL | MSG_NOSIGNAL);
  io_uring_sqe_set_data64(s, tag(SEND, fd, bid));
}

/* liburing 2.3 (Debian 12) has no io_uring_setup_buf_ring: register by hand. */
static void setup_buffers(void) {
  void* mem = NULL;
  buffers = malloc((size_t)BUFFERS * BUFFER_SIZE);
  if (posix_memalign(&mem, 4096, BUFFERS * sizeof(struct io_uring_buf)) || !buffers) exit(1);
  buf_ring = mem;
  io_uring_buf_ring_init(buf_ring);
  struct io_uring_buf_reg reg = {.ring_addr = (uintptr_t)mem, .ring_entries = BUFFERS, .bgid = GROUP};
  int rc = io_uring_register_buf_ring(&ring, &reg, 0);
  if (rc < 0) {
    fprintf(stderr, "uring_echo: io_uring_register_buf_ring: %d\n", rc);
    exit(1);
  }
  for (unsigned i = 0; i < BUFFERS; ++i)
    io_uring_buf_ring_add(buf_ring, buffers + (size_t)i * BUFFER_SIZE, BUFFER_SIZE, (unsigned short)i,
                          io_uring_buf_ring_mask(BUFFERS), (int)i);
  io_uring_buf_ring_advance(buf_ring, BUFFERS);
}

static void on_completion(const struct io_uring_cqe* c) {
  uint64_t u = io_uring_cqe_get_data64(c);
  int fd = (int)(uint32_t)(u >> 16), one = 1;
  unsigned bid = (unsigned)(u & 0xffff);
  bool more = c->flags & IORING_CQE_F_MORE;
  switch ((enum op)(u >> 56)) {
    case ACCEPT:
      if (c->res >= 0) {
        setsockopt(c->res, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        arm_recv(c->res);
      }
      if (!more) arm_accept(fd);
      break;
    case RECV:
      if (c->res == -ENOBUFS) { /* every buffer is out in a send: try again */
        arm_recv(fd);
      } else if (c->res <= 0) { /* end of stream or error */
        if (c->flags & IORING_CQE_F_BUFFER) give_back(c->flags >> IORING_CQE_BUFFER_SHIFT);
        if (!more) close(fd);
      } else {
        send_back(fd, c->flags >> IORING_CQE_BUFFER_SHIFT, c->res);
        if (!more) arm_recv(fd);
      }
      break;
    case SEND:
      give_back(bid);
      break;
  }
}

int main(int argc, char** argv) {
  int port = argc > 1 ? atoi(argv[1]) : 7000, one = 1;
  struct io_uring_params p = {.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN};
  if (io_uring_queue_init_params(4096, &ring, &p) < 0) {
    struct io_uring_params plain = {0}; /* older kernels */
    if (io_uring_queue_init_params(4096, &ring, &plain) < 0) return perror("uring_echo: ring"), 1;
  }
  setup_buffers();

  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in at = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
  at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(lfd, (struct sockaddr*)&at, sizeof at) < 0 || listen(lfd, 4096) < 0) return perror("uring_echo"), 1;
  arm_accept(lfd);

  for (;;) {
    io_uring_submit_and_wait(&ring, 1);
    struct io_uring_cqe* c;
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&ring, head, c) {
      on_completion(c);
      ++seen;
    }
    io_uring_cq_advance(&ring, seen);
  }
}
