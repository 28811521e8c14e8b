/*
 * kts_native: the few system calls Node.js does not expose, exposed thinly.
 *
 * Sockets of any domain (raw IP, AF_PACKET, AF_NETLINK) with ancillary data, and
 * readiness on Node's own libuv loop. Addresses and ancillary payloads cross this
 * boundary as raw bytes (struct sockaddr_*, cmsg data): encoding and decoding them,
 * and every bit of protocol logic, lives in TypeScript (src/net/sys.ts).
 *
 * No call here blocks: every socket is SOCK_NONBLOCK, and reads are driven by
 * uv_poll_t readiness and drained until EAGAIN.
 *
 * A monotonic timer (timerfd, CLOCK_MONOTONIC, absolute deadline) polled the same way, so
 * VRRP adverts can run within microseconds of their deadline: libuv's own timers count
 * whole milliseconds.
 *
 * Checkers' non-blocking TCP sockets watched in bulk (an epoll set of them, polled the same
 * way): TCP_CHECK runs 10,000 connects a second, and one wake-up reports every socket that
 * is ready in one call.
 *
 * Errors are thrown as Node throws its own: an Error with code ("EPERM"), errno and
 * syscall properties.
 */
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <sys/resource.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/types.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

#define MAX_IOV 64
#define MAX_CONTROL 1024

/* Bails out of a binding when an N-API call fails (an exception is then pending). */
#define NAPI_CALL(env, call)                                                  \
  do {                                                                        \
    if ((call) != napi_ok) {                                                  \
      throw_napi_failure(env);                                                \
      return NULL;                                                            \
    }                                                                         \
  } while (0)

static void throw_napi_failure(napi_env env) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) return;
  const napi_extended_error_info *info = NULL;
  napi_get_last_error_info(env, &info);
  napi_throw_error(env, NULL, info && info->error_message ? info->error_message : "N-API call failed");
}

/* An Error shaped like Node's own system errors: "EPERM: operation not permitted, bind". */
static napi_value make_sys_error(napi_env env, int err, const char *syscall) {
  const char *code = uv_err_name(-err);
  char text[256];
  snprintf(text, sizeof text, "%s: %s, %s", code, strerror(err), syscall);
  napi_value msg, error, v;
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, NULL, msg, &error);
  napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, error, "code", v);
  napi_create_int32(env, err, &v); /* positive, as in errno.h (see SysError) */
  napi_set_named_property(env, error, "errno", v);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, error, "syscall", v);
  return error;
}

static napi_value throw_sys_error(napi_env env, int err, const char *syscall) {
  napi_throw(env, make_sys_error(env, err, syscall));
  return NULL;
}

/* Fetches up to `max` arguments; missing ones read as undefined. */
static bool get_args(napi_env env, napi_callback_info info, size_t max, napi_value *argv) {
  size_t argc = max;
  return napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok;
}

static bool arg_int(napi_env env, napi_value v, int32_t *out, const char *what) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number || napi_get_value_int32(env, v, out) != napi_ok) {
    char text[96];
    snprintf(text, sizeof text, "%s must be a number", what);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", text);
    return false;
  }
  return true;
}

/* A Buffer argument, or NULL data for undefined/null when `optional`. */
static bool arg_buffer(napi_env env, napi_value v, void **data, size_t *len, bool optional, const char *what) {
  napi_valuetype t;
  *data = NULL;
  *len = 0;
  if (napi_typeof(env, v, &t) != napi_ok) return false;
  if (optional && (t == napi_undefined || t == napi_null)) return true;
  bool is_buffer = false;
  napi_is_buffer(env, v, &is_buffer);
  if (!is_buffer || napi_get_buffer_info(env, v, data, len) != napi_ok) {
    char text[96];
    snprintf(text, sizeof text, "%s must be a Buffer", what);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", text);
    return false;
  }
  return true;
}

static napi_value make_int(napi_env env, int32_t n) {
  napi_value v;
  napi_create_int32(env, n, &v);
  return v;
}

/* socket(domain, type, protocol) -> fd. Always non-blocking and close-on-exec. */
static napi_value js_socket(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t domain, type, protocol;
  if (!get_args(env, info, 3, argv)) return NULL;
  if (!arg_int(env, argv[0], &domain, "domain") || !arg_int(env, argv[1], &type, "type") ||
      !arg_int(env, argv[2], &protocol, "protocol"))
    return NULL;
  int fd = socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) return throw_sys_error(env, errno, "socket");
  return make_int(env, fd);
}

/* bind(fd, sockaddr bytes) and connect(fd, sockaddr bytes). */
static napi_value addr_call(napi_env env, napi_callback_info info, bool is_bind) {
  napi_value argv[2];
  int32_t fd;
  void *addr;
  size_t len;
  if (!get_args(env, info, 2, argv)) return NULL;
  if (!arg_int(env, argv[0], &fd, "fd") || !arg_buffer(env, argv[1], &addr, &len, false, "address")) return NULL;
  int rc = is_bind ? bind(fd, addr, (socklen_t)len) : connect(fd, addr, (socklen_t)len);
  if (rc < 0) return throw_sys_error(env, errno, is_bind ? "bind" : "connect");
  return NULL;
}

static napi_value js_bind(napi_env env, napi_callback_info info) { return addr_call(env, info, true); }
static napi_value js_connect(napi_env env, napi_callback_info info) { return addr_call(env, info, false); }

/* setsockopt(fd, level, name, value): value is an int or the option's raw bytes. */
static napi_value js_setsockopt(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int32_t fd, level, name, ival;
  napi_valuetype t;
  if (!get_args(env, info, 4, argv)) return NULL;
  if (!arg_int(env, argv[0], &fd, "fd") || !arg_int(env, argv[1], &level, "level") ||
      !arg_int(env, argv[2], &name, "name"))
    return NULL;
  NAPI_CALL(env, napi_typeof(env, argv[3], &t));
  const void *val;
  size_t len;
  if (t == napi_number) {
    NAPI_CALL(env, napi_get_value_int32(env, argv[3], &ival));
    val = &ival;
    len = sizeof ival;
  } else if (!arg_buffer(env, argv[3], (void **)&val, &len, false, "value")) {
    return NULL;
  }
  if (setsockopt(fd, level, name, val, (socklen_t)len) < 0) return throw_sys_error(env, errno, "setsockopt");
  return NULL;
}

/* getsockopt(fd, level, name, length) -> Buffer of the bytes the kernel returned. */
static napi_value js_getsockopt(napi_env env, napi_callback_info info) {
  napi_value argv[4], result;
  int32_t fd, level, name, length;
  if (!get_args(env, info, 4, argv)) return NULL;
  if (!arg_int(env, argv[0], &fd, "fd") || !arg_int(env, argv[1], &level, "level") ||
      !arg_int(env, argv[2], &name, "name") || !arg_int(env, argv[3], &length, "length"))
    return NULL;
  if (length < 0 || length > 65536) return throw_sys_error(env, EINVAL, "getsockopt");
  unsigned char *tmp = calloc(1, length > 0 ? (size_t)length : 1);
  if (!tmp) return throw_sys_error(env, ENOMEM, "getsockopt");
  socklen_t len = (socklen_t)length;
  if (getsockopt(fd, level, name, tmp, &len) < 0) {
    int err = errno;
    free(tmp);
    return throw_sys_error(env, err, "getsockopt");
  }
  napi_status st = napi_create_buffer_copy(env, len, tmp, NULL, &result);
  free(tmp);
  NAPI_CALL(env, st);
  return result;
}

/*
 * Lays out [{level, type, data}] as a control buffer. Returns the used length, or -1
 * with a JS exception pending.
 */
static ssize_t build_control(napi_env env, napi_value list, unsigned char *control, size_t cap) {
  uint32_t count = 0;
  napi_valuetype t;
  if (napi_typeof(env, list, &t) != napi_ok) return -1;
  if (t == napi_undefined || t == napi_null) return 0;
  if (napi_get_array_length(env, list, &count) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "cmsgs must be an array");
    return -1;
  }
  size_t used = 0;
  for (uint32_t i = 0; i < count; i++) {
    napi_value item, lv, tv, dv;
    int32_t level, type;
    void *data;
    size_t len;
    if (napi_get_element(env, list, i, &item) != napi_ok || napi_get_named_property(env, item, "level", &lv) != napi_ok ||
        napi_get_named_property(env, item, "type", &tv) != napi_ok ||
        napi_get_named_property(env, item, "data", &dv) != napi_ok)
      return -1;
    if (!arg_int(env, lv, &level, "cmsg level") || !arg_int(env, tv, &type, "cmsg type") ||
        !arg_buffer(env, dv, &data, &len, false, "cmsg data"))
      return -1;
    if (used + CMSG_SPACE(len) > cap) {
      napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "ancillary data too large");
      return -1;
    }
    struct cmsghdr *c = (struct cmsghdr *)(control + used);
    c->cmsg_len = CMSG_LEN(len);
    c->cmsg_level = level;
    c->cmsg_type = type;
    memcpy(CMSG_DATA(c), data, len);
    used += CMSG_SPACE(len);
  }
  return (ssize_t)used;
}

/* sendmsg(fd, [Buffer...], sockaddr bytes | null, cmsgs | null, flags) -> bytes sent. */
static napi_value js_sendmsg(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  int32_t fd, flags = 0;
  uint32_t niov = 0;
  struct iovec iov[MAX_IOV];
  /* Aligned for struct cmsghdr. */
  union { unsigned char bytes[MAX_CONTROL]; struct cmsghdr align; } control;
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  if (!get_args(env, info, 5, argv)) return NULL;
  if (!arg_int(env, argv[0], &fd, "fd")) return NULL;
  if (napi_get_array_length(env, argv[1], &niov) != napi_ok || niov > MAX_IOV) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "data must be an array of at most 64 Buffers");
    return NULL;
  }
  for (uint32_t i = 0; i < niov; i++) {
    napi_value b;
    NAPI_CALL(env, napi_get_element(env, argv[1], i, &b));
    if (!arg_buffer(env, b, &iov[i].iov_base, &iov[i].iov_len, false, "data")) return NULL;
  }
  void *addr;
  size_t addrlen;
  if (!arg_buffer(env, argv[2], &addr, &addrlen, true, "address")) return NULL;
  ssize_t clen = build_control(env, argv[3], control.bytes, sizeof control.bytes);
  if (clen < 0) return NULL;
  napi_valuetype t;
  NAPI_CALL(env, napi_typeof(env, argv[4], &t));
  if (t != napi_undefined && !arg_int(env, argv[4], &flags, "flags")) return NULL;
  msg.msg_name = addr;
  msg.msg_namelen = (socklen_t)addrlen;
  msg.msg_iov = iov;
  msg.msg_iovlen = niov;
  msg.msg_control = clen > 0 ? control.bytes : NULL;
  msg.msg_controllen = (size_t)clen;
  ssize_t n = sendmsg(fd, &msg, flags | MSG_NOSIGNAL);
  if (n < 0) return throw_sys_error(env, errno, "sendmsg");
  return make_int(env, (int32_t)n);
}

/* Receive state: one buffer per socket, reused for every datagram. */
typedef struct {
  unsigned char *data;
  size_t size;
  union { unsigned char bytes[MAX_CONTROL]; struct cmsghdr align; } control;
  struct sockaddr_storage from;
  /* CLOCK_REALTIME - CLOCK_MONOTONIC (µs) at the last read, and when (monotonic µs): a change
   * beyond what NTP's slewing allows means the wall clock was stepped (see clock_offset_ok). */
  double wall_offset_us;
  double wall_offset_at_us;
} recv_buf;

static double timespec_us(const struct timespec *t) {
  return (double)t->tv_sec * 1e6 + (double)t->tv_nsec / 1000;
}

/* Samples both clocks; *mono_us gets CLOCK_MONOTONIC in µs. Returns the wall - monotonic offset. */
static double clock_offset_now(double *mono_us) {
  struct timespec mono, wall;
  clock_gettime(CLOCK_MONOTONIC, &mono);
  clock_gettime(CLOCK_REALTIME, &wall);
  *mono_us = timespec_us(&mono);
  return timespec_us(&wall) - *mono_us;
}

/*
 * Whether the wall clock ran with the monotonic one since the last sample (only slewed: at
 * most 500 ppm, adjtimex's limit, plus 100 µs for the two reads), and records this sample.
 * A wall-clock stamp taken in between can then be moved onto the monotonic clock.
 */
static bool clock_offset_ok(recv_buf *rb, double offset_us, double mono_us) {
  double allowed = 100 + (mono_us - rb->wall_offset_at_us) * 0.0005;
  bool ok = offset_us - rb->wall_offset_us <= allowed && rb->wall_offset_us - offset_us <= allowed;
  rb->wall_offset_us = offset_us;
  rb->wall_offset_at_us = mono_us;
  return ok;
}

/*
 * One recvmsg(2). Returns 1 with *out set to {data, from, cmsgs, flags}, 0 on EAGAIN,
 * or -1 with errno set. from is the raw sockaddr bytes, or null when the kernel gave none.
 */
static int recv_one(napi_env env, int fd, recv_buf *rb, napi_value *out) {
  struct iovec iov = {rb->data, rb->size};
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_name = &rb->from;
  msg.msg_namelen = sizeof rb->from;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = rb->control.bytes;
  msg.msg_controllen = sizeof rb->control.bytes;
  ssize_t n;
  do n = recvmsg(fd, &msg, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
  /* When it arrived, in whole µs of CLOCK_MONOTONIC (the clock of the timers and of
   * process.hrtime): the time a protocol reacts from, not after the packet has been through
   * the JavaScript that parses it. A socket with SO_TIMESTAMPNS gets the kernel's arrival
   * stamp (CLOCK_REALTIME, taken where tcpdump's is), moved onto the monotonic clock by the
   * two clocks' offset now; else, or if the wall clock was stepped since the last read (the
   * stamp may be on either side of the step), the time of this read. */
  double mono_us;
  double offset_us = clock_offset_now(&mono_us);
  bool offset_ok = clock_offset_ok(rb, offset_us, mono_us);
  double at_us = mono_us;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS || c->cmsg_len < CMSG_LEN(sizeof(struct timespec))) continue;
    struct timespec arrived;
    memcpy(&arrived, CMSG_DATA(c), sizeof arrived);
    double arrived_us = timespec_us(&arrived) - offset_us;
    if (offset_ok && arrived_us <= mono_us) at_us = arrived_us;
  }
  at_us = (double)(int64_t)at_us;

  napi_value obj, v, list;
  napi_create_object(env, &obj);
  napi_create_double(env, at_us, &v);
  napi_set_named_property(env, obj, "at", v);
  size_t got = (size_t)n < rb->size ? (size_t)n : rb->size;
  napi_create_buffer_copy(env, got, rb->data, NULL, &v);
  napi_set_named_property(env, obj, "data", v);
  if (msg.msg_namelen > sizeof rb->from) msg.msg_namelen = sizeof rb->from;
  if (msg.msg_namelen > 0) napi_create_buffer_copy(env, msg.msg_namelen, &rb->from, NULL, &v);
  else napi_get_null(env, &v);
  napi_set_named_property(env, obj, "from", v);
  napi_create_array(env, &list);
  uint32_t i = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    napi_value item, d;
    napi_create_object(env, &item);
    napi_set_named_property(env, item, "level", make_int(env, c->cmsg_level));
    napi_set_named_property(env, item, "type", make_int(env, c->cmsg_type));
    napi_create_buffer_copy(env, c->cmsg_len - CMSG_LEN(0), CMSG_DATA(c), NULL, &d);
    napi_set_named_property(env, item, "data", d);
    napi_set_element(env, list, i++, item);
  }
  napi_set_named_property(env, obj, "cmsgs", list);
  napi_set_named_property(env, obj, "flags", make_int(env, msg.msg_flags));
  *out = obj;
  return 1;
}

static bool recv_buf_init(recv_buf *rb, size_t size) {
  rb->wall_offset_us = clock_offset_now(&rb->wall_offset_at_us);
  rb->size = size;
  rb->data = malloc(size);
  return rb->data != NULL;
}

/* recvmsg(fd, bufferSize) -> message object, or null when nothing is waiting. */
static napi_value js_recvmsg(napi_env env, napi_callback_info info) {
  napi_value argv[2], out;
  int32_t fd, size;
  if (!get_args(env, info, 2, argv)) return NULL;
  if (!arg_int(env, argv[0], &fd, "fd") || !arg_int(env, argv[1], &size, "size")) return NULL;
  recv_buf *rb = malloc(sizeof *rb);
  if (!rb || !recv_buf_init(rb, size > 0 ? (size_t)size : 1)) {
    free(rb);
    return throw_sys_error(env, ENOMEM, "recvmsg");
  }
  int rc = recv_one(env, fd, rb, &out);
  int err = errno;
  free(rb->data);
  free(rb);
  if (rc < 0) return throw_sys_error(env, err, "recvmsg");
  if (rc == 0) napi_get_null(env, &out);
  return out;
}

/*
 * A JS function that libuv callbacks call (the socket, signal and timer watchers alike):
 * kept alive by a reference, and called in an async context of its own so that async_hooks
 * and domains see where the call came from.
 */
typedef struct {
  napi_env env;
  napi_ref fn;
  napi_async_context async;
} js_callback;

/* True when v is a function; a TypeError is thrown otherwise. */
static bool arg_function(napi_env env, napi_value v) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_function) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "callback must be a function");
    return false;
  }
  return true;
}

/* The watcher a handle (an external made by a ...Start/...Open binding) stands for. */
static void *arg_handle(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok || !p) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "not a handle");
    return NULL;
  }
  return p;
}

/* `name` labels the async resource ("kts:socket"). */
static void js_callback_init(js_callback *cb, napi_env env, napi_value fn, const char *name) {
  napi_value label, resource;
  cb->env = env;
  napi_create_reference(env, fn, 1, &cb->fn);
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &label);
  napi_create_object(env, &resource); /* Node 20 rejects a NULL resource */
  napi_async_init(env, resource, label, &cb->async);
}

/* Once libuv has let go of the handle (its close callback). */
static void js_callback_release(js_callback *cb) {
  napi_delete_reference(cb->env, cb->fn);
  napi_async_destroy(cb->env, cb->async);
}

/*
 * Calls the function from a libuv callback. An exception thrown by it goes to process
 * 'uncaughtException'; returns false then.
 */
static bool call_js(js_callback *cb, size_t argc, const napi_value *argv) {
  napi_env env = cb->env;
  napi_value fn, recv, result;
  napi_get_reference_value(env, cb->fn, &fn);
  napi_get_global(env, &recv); /* make_callback needs an object receiver */
  if (napi_make_callback(env, cb->async, recv, fn, argc, argv, &result) == napi_pending_exception) {
    napi_value ex;
    napi_get_and_clear_last_exception(env, &ex);
    napi_fatal_exception(env, ex);
    return false;
  }
  return true;
}

/* Calls the function with one integer argument, in a handle scope of its own (libuv callbacks have none). */
static void call_js_int(js_callback *cb, int32_t n) {
  napi_handle_scope scope;
  napi_open_handle_scope(cb->env, &scope);
  napi_value arg = make_int(cb->env, n);
  call_js(cb, 1, &arg);
  napi_close_handle_scope(cb->env, scope);
}

/* Closes a watcher's libuv handle once (no callback after this); `done` frees the watcher. */
static void close_once(uv_handle_t *handle, bool *closed, uv_close_cb done) {
  if (*closed) return;
  *closed = true;
  uv_close(handle, done); /* also stops the handle */
}

/* A socket being watched for readability on the Node loop. */
typedef struct {
  uv_poll_t poll;
  js_callback cb;
  int fd;
  bool stopped;
  recv_buf rb;
} watcher;

static void watcher_free(uv_handle_t *handle) {
  watcher *w = handle->data;
  js_callback_release(&w->cb);
  free(w->rb.data);
  free(w);
}

static void watcher_stop(watcher *w) {
  close_once((uv_handle_t *)&w->poll, &w->stopped, watcher_free);
}

/* Calls callback(err, msg). */
static bool deliver(watcher *w, napi_value err, napi_value msg) {
  napi_value argv[2] = {err, msg};
  return call_js(&w->cb, 2, argv);
}

/*
 * At most this many datagrams per readiness callback: a flood on one socket must not starve
 * timers and other sockets on the Node loop. uv_poll is level-triggered, so what is left is
 * read on the next loop iteration.
 */
#define MAX_READS_PER_WAKEUP 64

/* Readable: read up to MAX_READS_PER_WAKEUP datagrams (or until EAGAIN), one callback each. */
static void on_readable(uv_poll_t *handle, int status, int events) {
  watcher *w = handle->data;
  napi_env env = w->cb.env;
  for (int reads = 0; !w->stopped && reads < MAX_READS_PER_WAKEUP; reads++) {
    napi_handle_scope scope;
    napi_open_handle_scope(env, &scope);
    napi_value msg, null;
    napi_get_null(env, &null);
    bool more = false;
    if (status < 0) {
      deliver(w, make_sys_error(env, -status, "uv_poll"), null);
    } else {
      int rc = recv_one(env, w->fd, &w->rb, &msg);
      if (rc > 0) more = deliver(w, null, msg);
      else if (rc < 0) deliver(w, make_sys_error(env, errno, "recvmsg"), null);
    }
    napi_close_handle_scope(env, scope);
    if (!more) break;
  }
}

/* pollStart(fd, bufferSize, callback(err, msg)) -> handle for pollStop. */
static napi_value js_poll_start(napi_env env, napi_callback_info info) {
  napi_value argv[3], handle;
  int32_t fd, size;
  uv_loop_t *loop;
  if (!get_args(env, info, 3, argv)) return NULL;
  if (!arg_int(env, argv[0], &fd, "fd") || !arg_int(env, argv[1], &size, "size") || !arg_function(env, argv[2])) return NULL;
  NAPI_CALL(env, napi_get_uv_event_loop(env, &loop));
  watcher *w = calloc(1, sizeof *w);
  if (!w || !recv_buf_init(&w->rb, size > 0 ? (size_t)size : 1)) {
    free(w);
    return throw_sys_error(env, ENOMEM, "uv_poll_init");
  }
  int rc = uv_poll_init_socket(loop, &w->poll, fd);
  if (rc < 0) {
    free(w->rb.data);
    free(w);
    return throw_sys_error(env, -rc, "uv_poll_init");
  }
  w->fd = fd;
  w->poll.data = w;
  js_callback_init(&w->cb, env, argv[2], "kts:socket");
  rc = uv_poll_start(&w->poll, UV_READABLE, on_readable);
  if (rc < 0) {
    watcher_stop(w);
    return throw_sys_error(env, -rc, "uv_poll_start");
  }
  NAPI_CALL(env, napi_create_external(env, w, NULL, NULL, &handle));
  return handle;
}

/* pollStop(handle): no callback is made after it returns. Idempotent. */
static napi_value js_poll_stop(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  watcher *w = arg_handle(env, argv[0]);
  if (w) watcher_stop(w);
  return NULL;
}

/* close(fd). Stop its poll first. */
static napi_value js_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!get_args(env, info, 1, argv) || !arg_int(env, argv[0], &fd, "fd")) return NULL;
  if (close(fd) < 0 && errno != EINTR) return throw_sys_error(env, errno, "close");
  return NULL;
}

static napi_value js_if_nametoindex(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  char name[IF_NAMESIZE + 1];
  size_t len;
  if (!get_args(env, info, 1, argv)) return NULL;
  if (napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "name must be a string");
    return NULL;
  }
  if (len >= IF_NAMESIZE) return throw_sys_error(env, ENODEV, "if_nametoindex");
  errno = 0;
  unsigned idx = if_nametoindex(name);
  if (idx == 0) return throw_sys_error(env, errno ? errno : ENODEV, "if_nametoindex");
  return make_int(env, (int32_t)idx);
}

static napi_value js_if_indextoname(napi_env env, napi_callback_info info) {
  napi_value argv[1], out;
  int32_t idx;
  char name[IF_NAMESIZE];
  if (!get_args(env, info, 1, argv) || !arg_int(env, argv[0], &idx, "index")) return NULL;
  if (idx <= 0 || !if_indextoname((unsigned)idx, name)) return throw_sys_error(env, idx <= 0 ? ENXIO : errno, "if_indextoname");
  NAPI_CALL(env, napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &out));
  return out;
}

/*
 * Process tuning (vrrp_rt_priority, *_rlimit_rttime, *_cpu_affinity): each the
 * system call and nothing more; which thread and what values is decided in TypeScript.
 */

/* setScheduler(tid, policy, priority): sched_setscheduler; tid 0 is the calling thread. */
static napi_value js_set_scheduler(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t tid, policy, prio;
  if (!get_args(env, info, 3, argv) || !arg_int(env, argv[0], &tid, "tid") || !arg_int(env, argv[1], &policy, "policy") || !arg_int(env, argv[2], &prio, "priority")) return NULL;
  struct sched_param sp = {.sched_priority = prio};
  if (sched_setscheduler((pid_t)tid, policy, &sp) != 0) return throw_sys_error(env, errno, "sched_setscheduler");
  return NULL;
}

/* setRlimit(resource, soft, hard): values in the resource's unit; -1 is RLIM_INFINITY. */
static napi_value js_set_rlimit(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t resource;
  int64_t soft, hard;
  if (!get_args(env, info, 3, argv) || !arg_int(env, argv[0], &resource, "resource")) return NULL;
  if (napi_get_value_int64(env, argv[1], &soft) != napi_ok || napi_get_value_int64(env, argv[2], &hard) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "limits must be numbers");
    return NULL;
  }
  struct rlimit r = {.rlim_cur = soft < 0 ? RLIM_INFINITY : (rlim_t)soft, .rlim_max = hard < 0 ? RLIM_INFINITY : (rlim_t)hard};
  if (setrlimit(resource, &r) != 0) return throw_sys_error(env, errno, "setrlimit");
  return NULL;
}

/* setAffinity(tid, cpus): sched_setaffinity to the CPUs listed (numbers below CPU_SETSIZE). */
static napi_value js_set_affinity(napi_env env, napi_callback_info info) {
  napi_value argv[2], el;
  int32_t tid;
  uint32_t n = 0;
  bool is_array = false;
  if (!get_args(env, info, 2, argv) || !arg_int(env, argv[0], &tid, "tid")) return NULL;
  if (napi_is_array(env, argv[1], &is_array) != napi_ok || !is_array || napi_get_array_length(env, argv[1], &n) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "cpus must be an array");
    return NULL;
  }
  cpu_set_t set;
  CPU_ZERO(&set);
  for (uint32_t i = 0; i < n; i++) {
    int32_t cpu;
    NAPI_CALL(env, napi_get_element(env, argv[1], i, &el));
    if (!arg_int(env, el, &cpu, "cpu")) return NULL;
    if (cpu < 0 || cpu >= CPU_SETSIZE) return throw_sys_error(env, EINVAL, "sched_setaffinity");
    CPU_SET(cpu, &set);
  }
  if (sched_setaffinity((pid_t)tid, sizeof set, &set) != 0) return throw_sys_error(env, errno, "sched_setaffinity");
  return NULL;
}

/* mkfifo(path, mode): notify FIFOs are created if missing, as keepalived does. */
static napi_value js_mkfifo(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  char path[4096];
  size_t len;
  int32_t mode;
  if (!get_args(env, info, 2, argv)) return NULL;
  if (napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len) != napi_ok || len >= sizeof path - 1) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "path must be a string shorter than 4096 bytes");
    return NULL;
  }
  if (!arg_int(env, argv[1], &mode, "mode")) return NULL;
  if (mkfifo(path, (mode_t)mode) < 0) return throw_sys_error(env, errno, "mkfifo");
  return NULL;
}

/* A signal watched on the Node loop with libuv (which can catch real-time signals Node cannot). */
typedef struct {
  uv_signal_t sig;
  js_callback cb;
  bool closed;
} signal_watch;

static void signal_watch_free(uv_handle_t *handle) {
  signal_watch *s = handle->data;
  js_callback_release(&s->cb);
  free(s);
}

static void on_signal(uv_signal_t *handle, int signo) {
  signal_watch *s = handle->data;
  if (s->closed) return;
  call_js_int(&s->cb, signo);
}

/* closeSignal(handle): stops watching; the signal's previous disposition returns. Idempotent. */
static napi_value js_signal_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  signal_watch *s = arg_handle(env, argv[0]);
  if (s) close_once((uv_handle_t *)&s->sig, &s->closed, signal_watch_free);
  return NULL;
}

/* watchSignal(signo, callback(signo)) -> handle for closeSignal. Does not keep the loop alive. */
static napi_value js_watch_signal(napi_env env, napi_callback_info info) {
  napi_value argv[2], handle;
  int32_t signo;
  uv_loop_t *loop;
  if (!get_args(env, info, 2, argv) || !arg_int(env, argv[0], &signo, "signo") || !arg_function(env, argv[1])) return NULL;
  /* SIGKILL and SIGSTOP cannot be caught; out-of-range numbers are EINVAL from libuv too. */
  if (signo <= 0 || signo > SIGRTMAX || signo == SIGKILL || signo == SIGSTOP) return throw_sys_error(env, EINVAL, "uv_signal_start");
  NAPI_CALL(env, napi_get_uv_event_loop(env, &loop));
  signal_watch *s = calloc(1, sizeof *s);
  if (!s) return throw_sys_error(env, ENOMEM, "uv_signal_init");
  int rc = uv_signal_init(loop, &s->sig);
  if (rc < 0) {
    free(s);
    return throw_sys_error(env, -rc, "uv_signal_init");
  }
  s->sig.data = s;
  js_callback_init(&s->cb, env, argv[1], "kts:signal");
  rc = uv_signal_start(&s->sig, on_signal, signo);
  if (rc < 0) {
    close_once((uv_handle_t *)&s->sig, &s->closed, signal_watch_free);
    return throw_sys_error(env, -rc, "uv_signal_start");
  }
  uv_unref((uv_handle_t *)&s->sig);
  NAPI_CALL(env, napi_create_external(env, s, NULL, NULL, &handle));
  return handle;
}

/*
 * A timerfd (CLOCK_MONOTONIC, the clock process.hrtime() reads) watched on the Node loop.
 * One deadline at a time; the JS side keeps its own queue of timers and arms the earliest.
 * The poll is active (keeps the loop alive) only while a deadline is armed, as a pending
 * setTimeout would.
 */
typedef struct {
  uv_poll_t poll;
  js_callback cb;
  int fd;
  bool polling;
  bool closed;
} mono_timer;

static void mono_timer_free(uv_handle_t *handle) {
  mono_timer *t = handle->data;
  js_callback_release(&t->cb);
  close(t->fd);
  free(t);
}

/* Expired: drain the expiry count (level-triggered poll) and call callback() once. */
static void on_timer(uv_poll_t *handle, int status, int events) {
  mono_timer *t = handle->data;
  uint64_t expirations;
  if (t->closed) return;
  while (read(t->fd, &expirations, sizeof expirations) < 0 && errno == EINTR) {
  }
  napi_env env = t->cb.env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  call_js(&t->cb, 0, NULL);
  napi_close_handle_scope(env, scope);
}

/* timerOpen(callback()) -> handle for timerArm / timerClose. Disarmed. */
static napi_value js_timer_open(napi_env env, napi_callback_info info) {
  napi_value argv[1], handle;
  uv_loop_t *loop;
  if (!get_args(env, info, 1, argv) || !arg_function(env, argv[0])) return NULL;
  NAPI_CALL(env, napi_get_uv_event_loop(env, &loop));
  int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd < 0) return throw_sys_error(env, errno, "timerfd_create");
  mono_timer *m = calloc(1, sizeof *m);
  if (!m) {
    close(fd);
    return throw_sys_error(env, ENOMEM, "uv_poll_init");
  }
  int rc = uv_poll_init(loop, &m->poll, fd);
  if (rc < 0) {
    close(fd);
    free(m);
    return throw_sys_error(env, -rc, "uv_poll_init");
  }
  m->fd = fd;
  m->poll.data = m;
  js_callback_init(&m->cb, env, argv[0], "kts:timer");
  NAPI_CALL(env, napi_create_external(env, m, NULL, NULL, &handle));
  return handle;
}

/*
 * timerArm(handle, sec, nsec): fire at that CLOCK_MONOTONIC time (a past time fires at once);
 * sec < 0 disarms.
 */
static napi_value js_timer_arm(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  double sec, nsec;
  if (!get_args(env, info, 3, argv)) return NULL;
  mono_timer *m = arg_handle(env, argv[0]);
  if (!m) return NULL;
  if (napi_get_value_double(env, argv[1], &sec) != napi_ok || napi_get_value_double(env, argv[2], &nsec) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "sec and nsec must be numbers");
    return NULL;
  }
  if (m->closed) return throw_sys_error(env, EBADF, "timerfd_settime");
  struct itimerspec its = {0};
  bool arm = sec >= 0;
  if (arm) {
    its.it_value.tv_sec = (time_t)sec;
    its.it_value.tv_nsec = nsec < 0 ? 0 : nsec > 999999999 ? 999999999 : (long)nsec;
    /* An all-zero it_value disarms; the monotonic clock's zero is long past: fire now. */
    if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0) its.it_value.tv_nsec = 1;
  }
  if (timerfd_settime(m->fd, TFD_TIMER_ABSTIME, &its, NULL) < 0) return throw_sys_error(env, errno, "timerfd_settime");
  if (arm && !m->polling) {
    int rc = uv_poll_start(&m->poll, UV_READABLE, on_timer);
    if (rc < 0) return throw_sys_error(env, -rc, "uv_poll_start");
    m->polling = true;
  } else if (!arm && m->polling) {
    uv_poll_stop(&m->poll);
    m->polling = false;
  }
  return NULL;
}

/* timerClose(handle): disarms and closes; no callback after it returns. Idempotent. */
static napi_value js_timer_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  mono_timer *m = arg_handle(env, argv[0]);
  if (m) close_once((uv_handle_t *)&m->poll, &m->closed, mono_timer_free);
  return NULL;
}

/*
 * connectNb(fd, sockaddr bytes) -> 0, or the errno connect(2) set (EINPROGRESS while the
 * handshake runs). Returned, not thrown: a health check's connect is refused or still in
 * progress thousands of times a second, and an exception each time costs more than the call.
 */
static napi_value js_connect_nb(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  void *addr;
  size_t len;
  if (!get_args(env, info, 2, argv)) return NULL;
  if (!arg_int(env, argv[0], &fd, "fd") || !arg_buffer(env, argv[1], &addr, &len, false, "address")) return NULL;
  int rc;
  do rc = connect(fd, addr, (socklen_t)len);
  while (rc < 0 && errno == EINTR);
  return make_int(env, rc < 0 ? errno : 0);
}

/*
 * readInto(fd, buffer) -> bytes read (0 at end of stream), or -errno (-EAGAIN: nothing
 * waiting). writeFrom(fd, buffer) -> bytes written, or -errno. read(2) and write(2) on a
 * non-blocking socket, with the errno returned for the same reason as connectNb's.
 */
static napi_value fd_io(napi_env env, napi_callback_info info, bool is_read) {
  napi_value argv[2];
  int32_t fd;
  void *data;
  size_t len;
  if (!get_args(env, info, 2, argv)) return NULL;
  if (!arg_int(env, argv[0], &fd, "fd") || !arg_buffer(env, argv[1], &data, &len, false, "buffer")) return NULL;
  ssize_t n;
  do n = is_read ? read(fd, data, len) : send(fd, data, len, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return make_int(env, n < 0 ? -errno : (int32_t)n);
}

static napi_value js_read_into(napi_env env, napi_callback_info info) { return fd_io(env, info, true); }
static napi_value js_write_from(napi_env env, napi_callback_info info) { return fd_io(env, info, false); }

/* socketError(fd) -> the socket's pending error (getsockopt SO_ERROR; 0: none), or getsockopt's own errno. */
static napi_value js_socket_error(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!get_args(env, info, 1, argv) || !arg_int(env, argv[0], &fd, "fd")) return NULL;
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
  return make_int(env, err);
}

/*
 * An epoll set watched on the Node loop. Each registered fd carries a 32-bit tag chosen in
 * JavaScript; when the set is ready, epoll_wait fills the caller's Int32Array with
 * (tag, events) pairs and callback(count) is called once. Level-triggered, so pairs beyond
 * the array's room come at the next loop iteration. Does not keep the loop alive: whoever
 * waits on a registered fd has a timeout that does.
 */
typedef struct {
  uv_poll_t poll;
  js_callback cb;
  int epfd;
  int32_t *out;
  int max;
  napi_ref out_ref;
  struct epoll_event *events;
  bool closed;
} epoll_watch;

static void epoll_watch_free(uv_handle_t *handle) {
  epoll_watch *e = handle->data;
  js_callback_release(&e->cb);
  napi_delete_reference(e->cb.env, e->out_ref);
  close(e->epfd);
  free(e->events);
  free(e);
}

/* epoll_wait without waiting; the ready (tag, events) pairs go to the caller's Int32Array. Their count (0 on error). */
static int epoll_take(epoll_watch *e) {
  int n;
  do n = epoll_wait(e->epfd, e->events, e->max, 0);
  while (n < 0 && errno == EINTR);
  if (n <= 0) return 0;
  for (int i = 0; i < n; i++) {
    e->out[2 * i] = (int32_t)e->events[i].data.u32;
    e->out[2 * i + 1] = (int32_t)e->events[i].events;
  }
  return n;
}

static void on_epoll(uv_poll_t *handle, int status, int events) {
  epoll_watch *e = handle->data;
  if (e->closed) return;
  int n = epoll_take(e);
  if (n > 0) call_js_int(&e->cb, n);
}

/* epollOpen(out: Int32Array of 2 * N, callback(count)) -> handle for epollCtl / epollClose. */
static napi_value js_epoll_open(napi_env env, napi_callback_info info) {
  napi_value argv[2], handle;
  uv_loop_t *loop;
  if (!get_args(env, info, 2, argv) || !arg_function(env, argv[1])) return NULL;
  bool is_typed = false;
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  napi_is_typedarray(env, argv[0], &is_typed);
  if (!is_typed || napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL) != napi_ok || type != napi_int32_array || length < 2) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "out must be an Int32Array of at least 2 elements");
    return NULL;
  }
  NAPI_CALL(env, napi_get_uv_event_loop(env, &loop));
  int epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) return throw_sys_error(env, errno, "epoll_create1");
  epoll_watch *e = calloc(1, sizeof *e);
  int max = (int)(length / 2);
  struct epoll_event *events = e ? calloc((size_t)max, sizeof *events) : NULL;
  if (!events) {
    free(e);
    close(epfd);
    return throw_sys_error(env, ENOMEM, "epoll_create1");
  }
  int rc = uv_poll_init(loop, &e->poll, epfd);
  if (rc < 0) {
    free(events);
    free(e);
    close(epfd);
    return throw_sys_error(env, -rc, "uv_poll_init");
  }
  e->epfd = epfd;
  e->out = data;
  e->max = max;
  e->events = events;
  e->poll.data = e;
  napi_create_reference(env, argv[0], 1, &e->out_ref);
  js_callback_init(&e->cb, env, argv[1], "kts:epoll");
  rc = uv_poll_start(&e->poll, UV_READABLE, on_epoll);
  if (rc < 0) {
    close_once((uv_handle_t *)&e->poll, &e->closed, epoll_watch_free);
    return throw_sys_error(env, -rc, "uv_poll_start");
  }
  uv_unref((uv_handle_t *)&e->poll);
  NAPI_CALL(env, napi_create_external(env, e, NULL, NULL, &handle));
  return handle;
}

/* epollCtl(handle, op, fd, events, tag) -> 0 or errno (epoll_ctl(2); the tag comes back with the fd's events). */
static napi_value js_epoll_ctl(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  int32_t op, fd, events, tag;
  if (!get_args(env, info, 5, argv)) return NULL;
  epoll_watch *e = arg_handle(env, argv[0]);
  if (!e) return NULL;
  if (!arg_int(env, argv[1], &op, "op") || !arg_int(env, argv[2], &fd, "fd") || !arg_int(env, argv[3], &events, "events") ||
      !arg_int(env, argv[4], &tag, "tag"))
    return NULL;
  if (e->closed) return make_int(env, EBADF);
  struct epoll_event ev = {.events = (uint32_t)events, .data.u32 = (uint32_t)tag};
  return make_int(env, epoll_ctl(e->epfd, op, fd, &ev) < 0 ? errno : 0);
}

/*
 * epollPoll(handle): epoll_wait with no wait, the ready (tag, events) pairs written to the
 * Int32Array as for the callback; returns their count (the callback is not called). For a
 * caller that collects the set's events at moments of its own choosing.
 */
static napi_value js_epoll_poll(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  epoll_watch *e = arg_handle(env, argv[0]);
  if (!e) return NULL;
  return make_int(env, e->closed ? 0 : epoll_take(e));
}

/*
 * epollWatchLoop(handle, on): whether the Node loop watches the set (on: the callback runs
 * when it is ready; off: the process is not woken by it, and epollPoll collects its events).
 */
static napi_value js_epoll_watch_loop(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  bool on = false;
  if (!get_args(env, info, 2, argv)) return NULL;
  epoll_watch *e = arg_handle(env, argv[0]);
  if (!e) return NULL;
  NAPI_CALL(env, napi_get_value_bool(env, argv[1], &on));
  if (e->closed) return NULL;
  int rc = on ? uv_poll_start(&e->poll, UV_READABLE, on_epoll) : uv_poll_stop(&e->poll);
  if (rc < 0) return throw_sys_error(env, -rc, on ? "uv_poll_start" : "uv_poll_stop");
  return NULL;
}

/* epollClose(handle): no callback after it returns; the registered fds are the caller's to close. Idempotent. */
static napi_value js_epoll_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  epoll_watch *e = arg_handle(env, argv[0]);
  if (e) close_once((uv_handle_t *)&e->poll, &e->closed, epoll_watch_free);
  return NULL;
}

/* glibc's SIGRTMIN/SIGRTMAX are run-time values (it reserves the first few for threads). */
static napi_value js_sigrtmin(napi_env env, napi_callback_info info) {
  (void)info;
  return make_int(env, SIGRTMIN);
}

static napi_value js_sigrtmax(napi_env env, napi_callback_info info) {
  (void)info;
  return make_int(env, SIGRTMAX);
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"socket", NULL, js_socket, NULL, NULL, NULL, napi_enumerable, NULL},
      {"bind", NULL, js_bind, NULL, NULL, NULL, napi_enumerable, NULL},
      {"connect", NULL, js_connect, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setsockopt", NULL, js_setsockopt, NULL, NULL, NULL, napi_enumerable, NULL},
      {"getsockopt", NULL, js_getsockopt, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendmsg", NULL, js_sendmsg, NULL, NULL, NULL, napi_enumerable, NULL},
      {"recvmsg", NULL, js_recvmsg, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pollStart", NULL, js_poll_start, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pollStop", NULL, js_poll_stop, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"ifNameToIndex", NULL, js_if_nametoindex, NULL, NULL, NULL, napi_enumerable, NULL},
      {"ifIndexToName", NULL, js_if_indextoname, NULL, NULL, NULL, napi_enumerable, NULL},
      {"mkfifo", NULL, js_mkfifo, NULL, NULL, NULL, napi_enumerable, NULL},
      {"watchSignal", NULL, js_watch_signal, NULL, NULL, NULL, napi_enumerable, NULL},
      {"closeSignal", NULL, js_signal_close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sigrtmin", NULL, js_sigrtmin, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sigrtmax", NULL, js_sigrtmax, NULL, NULL, NULL, napi_enumerable, NULL},
      {"timerOpen", NULL, js_timer_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"timerArm", NULL, js_timer_arm, NULL, NULL, NULL, napi_enumerable, NULL},
      {"timerClose", NULL, js_timer_close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setScheduler", NULL, js_set_scheduler, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setRlimit", NULL, js_set_rlimit, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setAffinity", NULL, js_set_affinity, NULL, NULL, NULL, napi_enumerable, NULL},
      {"connectNb", NULL, js_connect_nb, NULL, NULL, NULL, napi_enumerable, NULL},
      {"socketError", NULL, js_socket_error, NULL, NULL, NULL, napi_enumerable, NULL},
      {"readInto", NULL, js_read_into, NULL, NULL, NULL, napi_enumerable, NULL},
      {"writeFrom", NULL, js_write_from, NULL, NULL, NULL, napi_enumerable, NULL},
      {"epollOpen", NULL, js_epoll_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"epollCtl", NULL, js_epoll_ctl, NULL, NULL, NULL, napi_enumerable, NULL},
      {"epollClose", NULL, js_epoll_close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"epollPoll", NULL, js_epoll_poll, NULL, NULL, NULL, napi_enumerable, NULL},
      {"epollWatchLoop", NULL, js_epoll_watch_loop, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE_INIT() { return init(env, exports); }
