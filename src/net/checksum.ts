// The Internet checksum (RFC 1071): one's-complement sum of 16-bit big-endian words.

/** One's-complement sum of `bufs` as one byte stream (an odd byte is padded with zero), not inverted. */
export function onesComplementSum(bufs: Buffer[], initial = 0): number {
  let sum = initial;
  let odd: number | undefined;
  for (const b of bufs) {
    let i = 0;
    if (odd !== undefined && b.length > 0) {
      sum += (odd << 8) | b[0]!;
      odd = undefined;
      i = 1;
    }
    for (; i + 1 < b.length; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
    if (i < b.length) odd = b[i]!;
  }
  if (odd !== undefined) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** The checksum field value for data whose checksum field is zero. */
export function internetChecksum(...bufs: Buffer[]): number {
  return ~onesComplementSum(bufs) & 0xffff;
}
