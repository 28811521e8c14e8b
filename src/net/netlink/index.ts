// Netlink: framing, attributes, errors and the request/dump/event connection.
export * from './constants.js';
export * from './attributes.js';
export * from './message.js';
export * from './errors.js';
export * from './connection.js';
