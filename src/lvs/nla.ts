// The LVS codecs use the shared netlink attribute codec.
export { AttributeEncoder, Attributes, NetlinkDecodeError as AttributeDecodeError } from '../net/netlink/attributes.js';
