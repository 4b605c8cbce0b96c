import {createHash, createPublicKey, generateKeyPairSync} from 'node:crypto'

/** OpenSSH public keys: parsing, the fingerprints each cloud shows, and key generation. */
export interface PublicKey {
  type: string
  blob: Buffer
  /** "type base64" without the comment, as authorized_keys compares keys. */
  line: string
  kind: 'rsa' | 'ed25519' | 'ecdsa'
}

const KINDS: Record<string, PublicKey['kind']> = {
  'ssh-rsa': 'rsa',
  'ssh-ed25519': 'ed25519',
  'ecdsa-sha2-nistp256': 'ecdsa',
  'ecdsa-sha2-nistp384': 'ecdsa',
  'ecdsa-sha2-nistp521': 'ecdsa',
}

function readString(blob: Buffer, offset: number): [Buffer, number] | undefined {
  if (offset + 4 > blob.length) return undefined
  const length = blob.readUInt32BE(offset)
  if (offset + 4 + length > blob.length) return undefined
  return [blob.subarray(offset + 4, offset + 4 + length), offset + 4 + length]
}

/** Parse one authorized_keys-style line; undefined when it is not an OpenSSH public key. */
export function parsePublicKey(text: string): PublicKey | undefined {
  const fields = text.trim().split(/\s+/)
  if (fields.length < 2) return undefined
  const [type, data] = fields
  const kind = KINDS[type]
  if (!kind || !/^[A-Za-z0-9+/]+=*$/.test(data)) return undefined
  const blob = Buffer.from(data, 'base64')
  const inner = readString(blob, 0)
  if (!inner || inner[0].toString('latin1') !== type) return undefined
  return {type, blob, line: `${type} ${data}`, kind}
}

function colonHex(digest: Buffer): string {
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join(':')
}

/** Nova (and `ssh-keygen -l -E md5`): MD5 of the key blob, colon-separated hex. */
export function md5Fingerprint(key: PublicKey): string {
  return colonHex(createHash('md5').update(key.blob).digest())
}

/** OpenSSH's SHA256 fingerprint, base64 without padding. */
export function sha256Fingerprint(key: PublicKey): string {
  return createHash('sha256').update(key.blob).digest('base64').replace(/=+$/, '')
}

/**
 * EC2's fingerprint of an imported key: MD5 of the DER public key for RSA, the OpenSSH SHA256
 * form for ED25519 (as the EC2 console and DescribeKeyPairs show them).
 */
/** An SSH mpint as the unsigned big-endian base64url a JWK wants. */
function unsigned(b: Buffer): string {
  return (b[0] === 0 ? b.subarray(1) : b).toString('base64url')
}

export function ec2ImportFingerprint(key: PublicKey): string {
  if (key.kind !== 'rsa') return `${sha256Fingerprint(key)}=`
  const e = readString(key.blob, readString(key.blob, 0)![1])!
  const n = readString(key.blob, e[1])!
  const der = createPublicKey({key: {kty: 'RSA', e: unsigned(e[0]), n: unsigned(n[0])}, format: 'jwk'}).export({type: 'spki', format: 'der'})
  return colonHex(createHash('md5').update(der).digest())
}

function sshString(data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  return Buffer.concat([length, data])
}

function mpint(base64url: string): Buffer {
  const raw = Buffer.from(base64url, 'base64url')
  return sshString(raw[0] >= 0x80 ? Buffer.concat([Buffer.from([0]), raw]) : raw)
}

/** A new RSA key pair as clouds hand them out: PEM private key, OpenSSH public key. */
export function generateRsaKeyPair(comment: string): {privateKey: string; publicKey: string} {
  const {privateKey, publicKey} = generateKeyPairSync('rsa', {modulusLength: 2048})
  const jwk = publicKey.export({format: 'jwk'})
  const blob = Buffer.concat([sshString(Buffer.from('ssh-rsa')), mpint(jwk.e!), mpint(jwk.n!)])
  return {
    privateKey: privateKey.export({type: 'pkcs1', format: 'pem'}).toString(),
    publicKey: `ssh-rsa ${blob.toString('base64')} ${comment}`,
  }
}

/**
 * A new ED25519 key pair in OpenSSH format. ssh2's generator writes a malformed key when the public
 * key starts with a zero byte (about 1 in 256), which ssh2 itself then refuses to load: draw again.
 */
export async function generateEd25519KeyPair(comment?: string): Promise<{privateKey: string; publicKey: string}> {
  const {utils} = (await import('ssh2')).default
  for (;;) {
    const pair = utils.generateKeyPairSync('ed25519', comment === undefined ? undefined : {comment})
    if (!(utils.parseKey(pair.private) instanceof Error)) return {privateKey: pair.private, publicKey: pair.public}
  }
}
