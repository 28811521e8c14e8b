// The live status page served at / by the status HTTP listener: one self-contained HTML
// document (no external assets) that fetches /status.json every second and redraws.
// Readable on a phone: one column under 700px, tables scroll sideways.
export const STATUS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>keepalived-ts status</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2430}
header{background:#1d2430;color:#fff;padding:10px 16px;display:flex;flex-wrap:wrap;gap:12px;align-items:baseline}
header h1{font-size:17px;margin:0}#meta{opacity:.8;font-size:12px}
main{padding:12px;display:grid;gap:12px;grid-template-columns:1fr 1fr}
@media (max-width:700px){main{grid-template-columns:1fr}}
section{background:#fff;border-radius:6px;box-shadow:0 1px 2px #0002;overflow-x:auto}
h2{font-size:15px;margin:0;padding:8px 12px;border-bottom:1px solid #e3e6ea}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:5px 10px;border-bottom:1px solid #eef0f2;white-space:nowrap}
th{font-size:12px;color:#5a6472;font-weight:600}
.s{display:inline-block;padding:1px 7px;border-radius:9px;font-weight:600;font-size:12px;color:#fff}
.MASTER,.UP,.Up{background:#1e8e3e}.BACKUP,.Init{background:#b06000}.FAULT,.DOWN,.Down,.AdminDown{background:#c5221f}.INIT,.STOP{background:#80868b}
.vs td{background:#f8f9fa;font-weight:600}.err{color:#c5221f;padding:8px 12px}.stale{opacity:.5}
</style></head><body>
<header><h1>keepalived-ts</h1><span id="meta">loading…</span></header>
<main><section><h2>VRRP instances</h2><div id="vrrp"></div></section>
<section><h2>Virtual servers</h2><div id="lvs"></div></section>
<section id="bfdsec" hidden><h2>BFD sessions</h2><div id="bfd"></div></section></main>
<script>
const esc=(s)=>String(s).replace(/[&<>"']/g,(c)=>'&#'+c.charCodeAt(0)+';');
const badge=(t)=>'<span class="s '+esc(t)+'">'+esc(t)+'</span>';
const ago=(now,at)=>{if(at===undefined)return '-';const s=Math.max(0,Math.round((now-at)/1000));return s<120?s+'s ago':s<7200?Math.round(s/60)+'m ago':Math.round(s/3600)+'h ago'};
function draw(st){
  document.getElementById('meta').textContent=st.phase+' · parent '+st.pids.parent+' · '+new Date(st.at).toLocaleTimeString();
  const errs=Object.entries(st.errors).map(([r,e])=>'<div class="err">'+esc(r)+' child: '+esc(e)+'</div>').join('');
  document.getElementById('vrrp').innerHTML=errs+(st.vrrp.length===0?'<p class="err">No VRRP instances.</p>':
   '<table><tr><th>Instance</th><th>State</th><th>Prio</th><th>Master</th><th>VIPs</th><th>Since</th><th>Why</th><th>Sent/Rcvd</th></tr>'+
   st.vrrp.map((i)=>'<tr data-instance="'+esc(i.name)+'"><td>'+esc(i.name)+' <small>'+esc(i.interface)+' vrid '+i.vrid+'</small></td><td class="state">'+badge(i.state)+'</td><td>'+i.effectivePriority+(i.effectivePriority!==i.priority?' <small>('+i.priority+')</small>':'')+'</td><td class="master">'+esc(i.masterAddress||'-')+'</td><td>'+i.vips.map(esc).join('<br>')+'</td><td>'+ago(st.at,i.lastTransition&&i.lastTransition.at)+'</td><td>'+esc(i.lastTransition?i.lastTransition.reason:'-')+'</td><td>'+i.counters.advertSent+' / '+i.counters.advertRcvd+'</td></tr>').join('')+'</table>');
  document.getElementById('lvs').innerHTML=st.virtualServers.length===0?'<p class="err">No virtual servers.</p>':
   '<table><tr><th>Server</th><th>State</th><th>Weight</th><th>Latency</th><th>Last check</th></tr>'+
   st.virtualServers.map((v)=>{const up=v.realServers.filter((r)=>r.up).length;
    return '<tr class="vs"><td>'+esc(v.name)+' <small>'+esc(v.scheduler)+'</small></td><td>'+badge(v.quorumUp?'UP':'DOWN')+'</td><td colspan="3">'+up+'/'+v.realServers.length+' up</td></tr>'+
    v.realServers.map((r)=>{const id=r.address.includes(':')?'['+r.address+']:'+r.port:r.address+':'+r.port;const c=r.lastCheck;
     return '<tr data-rs="'+esc(v.name+' '+id)+'"><td>&nbsp;&nbsp;'+esc(id)+'</td><td class="state">'+badge(r.up?'UP':'DOWN')+'</td><td>'+r.weight+'</td><td>'+(c?c.latencyMs.toFixed(1)+' ms':'-')+'</td><td>'+(c?(c.ok?'ok':'failed')+' '+ago(st.at,c.at)+(c.detail?': '+esc(c.detail):''):'-')+'</td></tr>'}).join('')}).join('')+'</table>';
  const bfd=st.bfd||[];document.getElementById('bfdsec').hidden=bfd.length===0;
  document.getElementById('bfd').innerHTML='<table><tr><th>Session</th><th>Neighbor</th><th>State</th><th>Remote</th><th>Detect</th><th>Since</th><th>Diagnostic</th></tr>'+
   bfd.map((b)=>'<tr data-bfd="'+esc(b.name)+'"><td>'+esc(b.name)+'</td><td>'+esc(b.neighbor)+'</td><td class="state">'+badge(b.state)+'</td><td>'+esc(b.remoteState)+'</td><td>'+(b.detectionTimeUs/1000)+' ms</td><td>'+ago(st.at,b.since)+'</td><td>'+(b.state==='Up'?'':esc(b.localDiag))+'</td></tr>').join('')+'</table>';
  document.body.classList.remove('stale');
}
async function tick(){
  try{const r=await fetch('status.json',{cache:'no-store'});draw(await r.json())}
  catch(e){document.body.classList.add('stale');document.getElementById('meta').textContent='no answer from the daemon: '+e.message}
  setTimeout(tick,1000);
}
tick();
</script></body></html>
`;
