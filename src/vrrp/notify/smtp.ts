// The subject and body keepalived mails on a VRRP state change (smtp_alert). The SMTP
// conversation itself is src/notify/smtp.ts, shared with the checker process.

export interface Mail {
  subject: string;
  body: string;
}

/** Pure: keepalived's subject and body for an instance/group state change. */
export function stateMail(routerId: string, kind: 'INSTANCE' | 'GROUP', name: string, state: string): Mail {
  const what = kind === 'INSTANCE' ? 'VRRP Instance' : 'VRRP Group';
  const body =
    state === 'MASTER' ? `=> ${what} is now owning VRRP VIPs <=`
      : state === 'BACKUP' ? `=> ${what} is nolonger owning VRRP VIPs <=`
        : state === 'FAULT' ? `=> ${what} is in FAULT state <=`
          : `=> ${what} is ${state === 'STOP' ? 'stopped' : state.toLowerCase()} <=`;
  return { subject: `[${routerId}] ${what} ${name} - Entering ${state} state`, body };
}
