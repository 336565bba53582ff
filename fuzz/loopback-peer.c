/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* loopback-peer.c: a loopback TCP server that answers with the fuzz input */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "loopback-peer.h"

static GMutex  lock;
static GBytes *reply;
static int     listen_fd = -1;

static gpointer
serve (gpointer unused)
{
  for (;;) {
    struct timeval timeout = { 2, 0 };
    g_autoptr(GBytes) current = NULL;
    char sink[4096];
    gsize size;
    const char *data;
    int fd = accept (listen_fd, NULL, NULL);

    if (fd < 0)
      continue;
    g_mutex_lock (&lock);
    current = reply != NULL ? g_bytes_ref (reply) : g_bytes_new (NULL, 0);
    g_mutex_unlock (&lock);
    data = g_bytes_get_data (current, &size);
    setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    for (gsize done = 0; done < size;) {
      ssize_t n = send (fd, data + done, size - done, MSG_NOSIGNAL);
      if (n <= 0)
        break;
      done += (gsize) n;
    }
    shutdown (fd, SHUT_WR);
    while (recv (fd, sink, sizeof sink, 0) > 0)
      ;
    close (fd);
  }
  return NULL;
}

guint16
fuzz_peer_start (void)
{
  struct sockaddr_in address = { .sin_family = AF_INET };
  socklen_t length = sizeof address;

  address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  listen_fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd < 0 || bind (listen_fd, (struct sockaddr *) &address, sizeof address) != 0 ||
      listen (listen_fd, 16) != 0 || getsockname (listen_fd, (struct sockaddr *) &address, &length) != 0)
    abort ();
  g_thread_unref (g_thread_new ("loopback-peer", serve, NULL));
  return ntohs (address.sin_port);
}

void
fuzz_peer_set_reply (const guint8 *data,
                     gsize         size)
{
  g_mutex_lock (&lock);
  g_clear_pointer (&reply, g_bytes_unref);
  reply = g_bytes_new (data, size);
  g_mutex_unlock (&lock);
}
