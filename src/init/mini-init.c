/* mini-init: the tiny PID 1 that `mini run --init` puts in front of the
 * command. PID 1 gets no default signal handlers and inherits every orphan,
 * so a plain program as PID 1 ignores SIGTERM and leaks zombies. This one
 * forwards signals to the command, reaps everything, and exits as the
 * command did. Static, so it runs in any rootfs.
 *
 *   mini-init -- COMMAND [ARGS...]
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const int forwarded[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGTSTP};

int main(int argc, char** argv) {
  int first = 1;
  if (argc > 1 && strcmp(argv[1], "--") == 0) first = 2;
  if (first >= argc) {
    fprintf(stderr, "usage: mini-init -- COMMAND [ARGS...]\n");
    return 2;
  }
  sigset_t all, original;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, &original);

  pid_t child = fork();
  if (child < 0) {
    perror("mini-init: fork");
    return 125;
  }
  if (child == 0) {
    sigprocmask(SIG_SETMASK, &original, NULL);
    /* Its own process group, so a terminal's signals reach it directly. */
    setpgid(0, 0);
    execvp(argv[first], argv + first);
    fprintf(stderr, "mini-init: exec %s: %s\n", argv[first], strerror(errno));
    _exit(errno == ENOENT ? 127 : 126);
  }

  for (;;) {
    siginfo_t info;
    int sig = sigwaitinfo(&all, &info);
    if (sig < 0) continue;
    if (sig != SIGCHLD) {
      for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
        if (forwarded[i] == sig) kill(child, sig);
      continue;
    }
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
      if (pid != child) continue;
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      return 128 + WTERMSIG(status);
    }
  }
}
