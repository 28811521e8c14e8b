// What a check's run ends with, shared by the checkers: a failure's message, and the one
// passing result.
import type { CheckResult } from './types.js';

/** An expected check failure: a message, no stack trace (they are made thousands of times a second). */
export class CheckFailure extends Error {
  constructor(message: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}

/** The result of every passing run that has nothing more to say (shared: results are never changed once made). */
export const PASSED: CheckResult = Object.freeze({ ok: true });
