// Starts @atproto/dev-env's TestNetworkNoAppView (an in-memory PLC directory and a PDS on
// SQLite) on free ports and prints one JSON line: {"hashchat_pds": {...}} with its URLs.
// It stops when its standard input closes (the test process ended, however it ended) or on
// SIGTERM/SIGINT. Run with the Node 22 in node_modules (tests/pds/__init__.py does).
import { TestNetworkNoAppView } from '@atproto/dev-env'

const started = Date.now()
const network = await TestNetworkNoAppView.create({})
const ready = {
  pds: network.pds.url,
  plc: network.plc.url,
  pds_port: network.pds.port,
  plc_port: network.plc.port,
  admin_password: 'admin-pass', // @atproto/dev-env's ADMIN_PASSWORD, for takedowns
  start_ms: Date.now() - started,
  rss_bytes: process.memoryUsage().rss,
}
process.stdout.write(JSON.stringify({ hashchat_pds: ready }) + '\n')

let stopping = false
async function stop() {
  if (stopping) return
  stopping = true
  try {
    await network.close()
  } finally {
    process.exit(0)
  }
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
process.stdin.on('end', stop)
process.stdin.on('error', stop)
process.stdin.resume()
