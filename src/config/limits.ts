// Bounds shared by the reader's modules.

/** keepalived's line buffer (MAXBUF = 1024 with the newline): a line must be shorter than this. */
export const MAX_LINE_LENGTH = 1023;
