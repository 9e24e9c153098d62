// SPDX-License-Identifier: GPL-2.0-only
/*
 * httpd: the benchmark's stand-in for an inference endpoint.  One thread,
 * epoll, keep-alive, and the same small 200 response to every request.
 *
 * Why not python3 -m http.server or busybox httpd: the first costs more
 * per request than a flood costs per packet, the second forks per
 * connection, and either makes the client-side rate measure the server's
 * own overhead rather than what a flood takes away from it.  Requests are
 * not parsed beyond finding the blank line that ends their header: wrk
 * sends GETs without a body.
 *
 *   httpd [--port 8080] [--work-us N]
 *
 * --work-us burns N microseconds of CPU per request, so that the server
 * is CPU-bound like a model server rather than a copy loop.
 */
#define _GNU_SOURCE		/* memmem, accept4 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

const char *progname = "httpd";

#define MAX_CONNS 4096
#define BUF_SIZE 4096

static const char response[] =
	"HTTP/1.1 200 OK\r\n"
	"Content-Type: application/json\r\n"
	"Content-Length: 27\r\n"
	"Connection: keep-alive\r\n"
	"\r\n"
	"{\"completion\": \"benchmark\"}";

struct conn {
	size_t len;		/* bytes of an unfinished request held */
	char buf[BUF_SIZE];
};

static struct conn *conns[MAX_CONNS];
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void burn(long us)
{
	struct timespec t0, t;

	if (us <= 0)
		return;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	do {
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000000L + (t.tv_nsec - t0.tv_nsec) / 1000 < us);
}

static void drop_conn(int epfd, int fd)
{
	epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
	free(conns[fd]);
	conns[fd] = NULL;
}

/* Read what the client sent and answer each complete request. */
static void serve(int epfd, int fd, long work_us)
{
	struct conn *c = conns[fd];

	for (;;) {
		ssize_t n = read(fd, c->buf + c->len, sizeof(c->buf) - c->len);
		char *end;

		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			drop_conn(epfd, fd);
			return;
		}
		if (n < 0)
			return;
		c->len += n;
		while ((end = memmem(c->buf, c->len, "\r\n\r\n", 4))) {
			size_t used = end + 4 - c->buf;

			burn(work_us);
			/* A reply this small fits the socket buffer; a
			 * client that lets it fill up is dropped. */
			if (write(fd, response, sizeof(response) - 1) != sizeof(response) - 1) {
				drop_conn(epfd, fd);
				return;
			}
			memmove(c->buf, c->buf + used, c->len - used);
			c->len -= used;
		}
		if (c->len == sizeof(c->buf)) {
			drop_conn(epfd, fd);	/* a header this long is not wrk's */
			return;
		}
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "work-us", required_argument, NULL, 'w' },
		{ 0 }
	};
	struct sockaddr_in6 addr = { .sin6_family = AF_INET6 };
	struct epoll_event ev, events[256];
	int port = 8080, lfd, epfd, one = 1, c;
	long work_us = 0;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': port = atoi(optarg); break;
		case 'w': work_us = atol(optarg); break;
		default: return 2;
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);

	lfd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (lfd < 0)
		return die("socket: %s", strerror(errno));
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	addr.sin6_port = htons(port);
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) || listen(lfd, 1024))
		return die("cannot listen on port %d: %s", port, strerror(errno));
	epfd = epoll_create1(0);
	ev = (struct epoll_event){ .events = EPOLLIN, .data.fd = lfd };
	epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);

	while (!stop) {
		int n = epoll_wait(epfd, events, 256, 500);

		for (int i = 0; i < n; i++) {
			int fd = events[i].data.fd;

			if (fd != lfd) {
				serve(epfd, fd, work_us);
				continue;
			}
			while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
				if (fd >= MAX_CONNS || !(conns[fd] = calloc(1, sizeof(struct conn)))) {
					close(fd);
					continue;
				}
				setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				ev = (struct epoll_event){ .events = EPOLLIN, .data.fd = fd };
				epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
			}
		}
	}
	return 0;
}
