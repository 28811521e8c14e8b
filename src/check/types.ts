// The checker process's own narrow input: what each health checker needs, already resolved
// (inheritance VS -> RS -> checker done, defaults applied, times in milliseconds). The
// mapping from the typed config model lives in from-config.ts; everything in src/check
// codes against these types only.

/** Where a checker connects and from where (keepalived's "conn_opts"). */
export interface ConnectOptions {
  /** connect_ip, default the real server's address. */
  host: string;
  /** connect_port, default the real server's port (0 when none). */
  port: number;
  /** bindto */
  bindAddress?: string;
  /** bind_port */
  bindPort?: number;
  /** bind_if (needed for IPv6 link-local destinations). */
  bindInterface?: string;
  /** fwmark: SO_MARK on the checker's socket (set through the native addon, see check-socket.ts). */
  fwmark?: number;
  /** connect_timeout: bounds connect and each read. */
  connectTimeoutMs: number;
}

/** The timing group every checker carries (keepalived's check_api.c common keywords). */
export interface CheckTiming {
  delayLoopMs: number;
  /** retry / nb_get_retry: failures tolerated before going down (down after retry+1). */
  retry: number;
  delayBeforeRetryMs: number;
  /** warmup: the first check runs at 1 s + random[0, warmup]. */
  warmupMs: number;
  /** alpha: the checker starts down and must pass once first. */
  alpha: boolean;
  logAllFailures: boolean;
}

export interface HttpUrl {
  path: string;
  /** 32 lowercase hex digits: MD5 of the body, as genhash prints it. */
  digest?: string;
  /** Accepted status codes as inclusive ranges; default [[200, 299]]. */
  statusCodes?: Array<[number, number]>;
  virtualhost?: string;
  regex?: { source: string; flags: string; noMatch: boolean; minOffset?: number; maxOffset?: number };
}

export interface TlsClientOptions {
  /** SSL{} certificate/key/ca/password (PEM files). */
  certFile?: string;
  keyFile?: string;
  caFile?: string;
  password?: string;
  /** enable_sni / sni_name: the SNI server name (virtualhost when enable_sni alone). */
  serverName?: string;
  /** keepalived never verifies the peer; verify=true is our opt-in. */
  verify?: boolean;
}

export type HttpProtocol = '1.0' | '1.0C' | '1.1';

export interface HttpCheckSpec {
  kind: 'HTTP_GET' | 'SSL_GET';
  conn: ConnectOptions;
  urls: HttpUrl[];
  virtualhost?: string;
  protocol: HttpProtocol;
  tls?: TlsClientOptions;
}

export interface TcpCheckSpec { kind: 'TCP_CHECK'; conn: ConnectOptions }

export interface SmtpCheckSpec {
  kind: 'SMTP_CHECK';
  /** One or more hosts; the check passes when every host answers. */
  hosts: ConnectOptions[];
  heloName: string;
}

export interface MiscCheckSpec {
  kind: 'MISC_CHECK';
  /** misc_path: the command line as written (split without a shell unless it needs one). */
  command: string;
  /** The argv already split by the config parser (keepalived's quoting); used when present. */
  argv?: string[];
  timeoutMs: number;
  dynamic: boolean;
  uid?: number;
  gid?: number;
}

export type DnsType = 'A' | 'NS' | 'CNAME' | 'SOA' | 'MX' | 'TXT' | 'AAAA' | 'RRSIG' | 'DNSKEY';
export interface DnsCheckSpec { kind: 'DNS_CHECK'; conn: ConnectOptions; type: DnsType; name: string }

export interface UdpCheckSpec {
  kind: 'UDP_CHECK';
  conn: ConnectOptions;
  payload: Buffer;
  /** Expected reply prefix with a mask of bits to ignore (X wildcards); undefined = no reply needed. */
  requireReply?: { data: Buffer; mask: Buffer };
  minReplyLength: number;
  maxReplyLength: number;
}

export interface PingCheckSpec { kind: 'PING_CHECK'; conn: ConnectOptions }

export interface FileCheckSpec {
  kind: 'FILE_CHECK';
  /** The track_file's path and its weight/reverse as the checker applies them. */
  file: string;
  weight: number;
  reverse: boolean;
  /** The track_file's init_file value when the file is missing (undefined = failure). */
  initValue?: number;
}

/** BFD_CHECK: the real server is down while its BFD session is (the BFD child's reports). */
export interface BfdCheckSpec {
  kind: 'BFD_CHECK';
  /** The bfd_instance. */
  name: string;
}

export type CheckKind = CheckerSpec['kind'];

export type CheckerSpec = (TcpCheckSpec | HttpCheckSpec | SmtpCheckSpec | MiscCheckSpec | DnsCheckSpec | UdpCheckSpec | PingCheckSpec | FileCheckSpec | BfdCheckSpec) & { timing: CheckTiming };

export interface RealServerSpec {
  /** "ip:port" (or "[ip6]:port"), the identity the LVS side knows it by. */
  id: string;
  address: string;
  port: number;
  weight: number;
  inhibitOnFailure: boolean;
  notifyUp?: string;
  notifyDown?: string;
  smtpAlert: boolean;
  checkers: CheckerSpec[];
}

export interface VirtualServerSpec {
  /** The identity the LVS side knows it by: from-config uses src/lvs's virtualServerName
   *  ("[10.0.0.1]:tcp:80", "FWM 5", "GROUP web"); "ip:port", "fwmark:N", "group:NAME" also log well. */
  id: string;
  /** For log lines in keepalived's "[ip]:tcp:port" form; default tcp. */
  protocol?: 'tcp' | 'udp' | 'sctp';
  quorum: number;
  hysteresis: number;
  quorumUp?: string;
  quorumDown?: string;
  sorryServer?: string;
  smtpAlert: boolean;
  realServers: RealServerSpec[];
}

/** What one run of a checker found. `weight` is set by misc_dynamic and FILE_CHECK. */
export type CheckResult =
  | { ok: true; weight?: number; detail?: string }
  | { ok: false; reason: string; weight?: number };

/**
 * What a run sees of its hard deadline: the part of AbortSignal the checkers use (an
 * AbortSignal is one). The scheduler passes a lighter object: an AbortController per run
 * was a tenth of the CPU of a TCP check.
 */
export interface RunSignal {
  readonly aborted: boolean;
  /**
   * Set by a check that knows when its outcome was there to be read, on performance.now()'s
   * clock (the real clock's): a reply collected at a slot start came earlier, and any
   * outcome settled while the loop works through a slot or a batch of events reaches the
   * scheduler only once that work is done (a promise's callback waits for it), which under
   * CPU emulation was hundreds of ms per slot and stretched every period by that much. The
   * next run is counted from this time, so that the period stays delay_loop.
   */
  readyAt?: number;
  /**
   * The run follows a failure (a retry; or it is the first run, whose failure is decisive,
   * with retry 1 or more), so it may take its server down: its sockets are read as soon as
   * their events come, not collected at the next slot (epoll-socket.ts), so that a death is
   * acted on as soon as keepalived would. Steady state (every check passing) never sets it.
   */
  readonly urgent?: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** One run of a checker; it must settle before `signal` aborts (the hard deadline). */
export type CheckRun = (signal: RunSignal) => Promise<CheckResult>;
