// A benchmark interrupted (Ctrl-C, kill) runs no 'exit' handler and no finally block: the
// network namespace it made would outlive it. This runs `cleanup` on those signals first.
import { constants } from 'node:os';

export function cleanupOnSignal(cleanup) {
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(sig, () => {
      try {
        cleanup();
      } finally {
        process.exit(128 + constants.signals[sig]);
      }
    });
  }
}
