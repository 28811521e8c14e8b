// `node smtp-sink-main.js PORT`: the test SMTP sink on 127.0.0.1:PORT, printing
// "LISTENING" then one JSON line per mail received.
import { createSmtpSink } from './smtp-sink.js';

const server = createSmtpSink((m) => console.log(JSON.stringify(m)));
server.listen(Number(process.argv[2] ?? '2525'), '127.0.0.1', () => console.log('LISTENING'));
