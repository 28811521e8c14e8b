/** An expected check failure: a message, no stack trace (they are made thousands of times a second). */
export class CheckFailure extends Error {
  constructor(message: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}
