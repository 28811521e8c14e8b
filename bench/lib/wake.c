/* An idle event loop as keepalived's is: epoll_wait with a timeout, HZ times a second, for
 * SECONDS seconds after a settling second; prints its user and system CPU per wake-up
 * (getrusage) as one JSON line. For bench/wakeup.bench.mjs. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static double cpu_us(long which_user) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  struct timeval tv = which_user ? ru.ru_utime : ru.ru_stime;
  return tv.tv_sec * 1e6 + tv.tv_usec;
}

int main(int argc, char **argv) {
  int hz = argc > 1 ? atoi(argv[1]) : 40;
  double secs = argc > 2 ? atof(argv[2]) : 15;
  int ep = epoll_create1(0);
  struct epoll_event ev;
  double t0 = now_s();
  while (now_s() - t0 < 1) epoll_wait(ep, &ev, 1, 1000 / hz);
  double u0 = cpu_us(1), s0 = cpu_us(0), t1 = now_s();
  long n = 0;
  while (now_s() - t1 < secs) {
    epoll_wait(ep, &ev, 1, 1000 / hz);
    n++;
  }
  printf("{\"wakeups\":%ld,\"userUs\":%.1f,\"sysUs\":%.1f}\n", n, (cpu_us(1) - u0) / n, (cpu_us(0) - s0) / n);
  return 0;
}
