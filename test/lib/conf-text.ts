// keepalived.conf fragments that several tests write the same way.

/** A NAT virtual server VIP:80 with one real server RS:8080 (weight 3) under a TCP_CHECK that fails fast (delay_loop 1, retry 0). */
export function tcpCheckedVirtualServer(vip: string, rs: string, lbAlgo = 'rr'): string {
  return `virtual_server ${vip} 80 {
    delay_loop 1
    lb_algo ${lbAlgo}
    lb_kind NAT
    protocol TCP
    real_server ${rs} 8080 {
        weight 3
        TCP_CHECK {
            connect_timeout 1
            retry 0
        }
    }
}
`;
}
