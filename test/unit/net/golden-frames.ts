// Frames captured from Debian keepalived 2.2.7 (shared fixtures vrrp-pcap/golden-packets.md,
// mixed-v2-v3-v6 capture); interface MAC da:e4:2e:f7:94:7a, address 10.1.1.1.
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

export const SENDER_MAC = 'da:e4:2e:f7:94:7a';

/** Frame 2: gratuitous ARP for 10.1.1.100. */
export const GARP_10_1_1_100 = hex(`
ff ff ff ff ff ff da e4 2e f7 94 7a 08 06 00 01
08 00 06 04 00 01 da e4 2e f7 94 7a 0a 01 01 64
ff ff ff ff ff ff 0a 01 01 64`);

/** Frame 5: gratuitous ARP for 10.1.1.101. */
export const GARP_10_1_1_101 = hex(`
ff ff ff ff ff ff da e4 2e f7 94 7a 08 06 00 01
08 00 06 04 00 01 da e4 2e f7 94 7a 0a 01 01 65
ff ff ff ff ff ff 0a 01 01 65`);

/** Frame 15: unsolicited NA for fe80::13 with Override. */
export const NA_FE80_13 = hex(`
33 33 00 00 00 01 da e4 2e f7 94 7a 86 dd 60 00
00 00 00 20 3a ff fe 80 00 00 00 00 00 00 00 00
00 00 00 00 00 13 ff 02 00 00 00 00 00 00 00 00
00 00 00 00 00 01 88 00 bb 21 20 00 00 00 fe 80
00 00 00 00 00 00 00 00 00 00 00 00 00 13 02 01
da e4 2e f7 94 7a`);

/** VRRP adverts over IPv4, as Ethernet frames (header at 14, VRRP after 34). */
export const VRRP_V4_FRAMES: Record<string, Buffer> = {
  'frame 1 (v2 PASS, id 1)': hex(`
01 00 5e 00 00 12 da e4 2e f7 94 7a 08 00 45 c0
00 28 00 01 00 00 ff 70 cf 90 0a 01 01 01 e0 00
00 12 21 0a ff 01 01 01 66 0f 0a 01 01 64 73 65
63 72 65 74 31 32`),
  'frame 4 (v3 multicast, id 1)': hex(`
01 00 5e 00 00 12 da e4 2e f7 94 7a 08 00 45 c0
00 24 00 01 00 00 ff 70 cf 94 0a 01 01 01 e0 00
00 12 31 0b 64 02 00 32 68 5e 0a 01 01 65 0a 01
01 66`),
  'frame 11 (v3 unicast, id 1)': hex(`
02 00 00 00 00 02 da e4 2e f7 94 7a 08 00 45 c0
00 20 00 01 00 00 ff 70 a4 a8 0a 01 01 01 0a 01
01 02 31 0c c8 01 00 64 e4 a4 0a 01 01 67`),
  'frame 23 (v2 priority 0, id 6)': hex(`
01 00 5e 00 00 12 da e4 2e f7 94 7a 08 00 45 c0
00 28 00 06 00 00 ff 70 cf 8b 0a 01 01 01 e0 00
00 12 21 0a 00 01 01 01 65 10 0a 01 01 64 73 65
63 72 65 74 31 32`),
  'frame 25 (v3 unicast priority 0, id 3)': hex(`
02 00 00 00 00 02 da e4 2e f7 94 7a 08 00 45 c0
00 20 00 03 00 00 ff 70 a4 a6 0a 01 01 01 0a 01
01 02 31 0c 00 01 00 64 ac a5 0a 01 01 67`),
};
