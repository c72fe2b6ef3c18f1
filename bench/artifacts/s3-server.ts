/** s3rver (a real S3-compatible server) in its own process for bench:artifacts: `tsx bench/artifacts/s3-server.ts <dir> <port>`. */
import S3rver from 's3rver'

const [directory, port] = process.argv.slice(2)
const server = new S3rver({ port: Number(port), address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: 'models' }] })
await server.run()
console.log('s3rver up')
process.once('SIGTERM', () => void server.close().then(() => process.exit(0)))
