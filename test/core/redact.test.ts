import {describe, expect, it} from 'vitest'

import {createDebugLog} from '../../src/core/log.js'
import {redactBody, redactHeaders, redactJson, redactString, registerSecret} from '../../src/core/redact.js'

describe('redaction', () => {
  it('scrubs registered secret values wherever they appear', () => {
    registerSecret('s3cr3t-value-123')
    expect(redactString('key=s3cr3t-value-123 and again s3cr3t-value-123')).not.toContain('s3cr3t-value-123')
  })

  it('hides secret headers whatever their case', () => {
    const out = redactHeaders({Authorization: 'AWS4-HMAC-SHA256 Credential=AKIA/...', 'X-Auth-Token': 'tok', Accept: 'application/json'})
    expect(out.Authorization).toBe('[REDACTED]')
    expect(out['X-Auth-Token']).toBe('[REDACTED]')
    expect(out.Accept).toBe('application/json')
  })

  it('hides secret-looking JSON keys at any depth', () => {
    const body = {auth: {'RAX-KSKEY:apiKeyCredentials': {username: 'alice', apiKey: 'k'}, passwordCredentials: {password: 'p'}}, root_pass: 'r'}
    const out = JSON.stringify(redactJson(body))
    expect(out).toContain('alice')
    expect(out).not.toMatch(/"apiKey":"k"|"password":"p"|"root_pass":"r"/)
  })

  it("hides a token object's id (Keystone v2.0 access.token.id) but keeps other ids", () => {
    const out = JSON.stringify(redactJson({access: {token: {id: 'gAAAAtoken', expires: '2030-01-01'}, user: {id: 'u-1'}}}))
    expect(out).not.toContain('gAAAAtoken')
    expect(out).toContain('2030-01-01')
    expect(out).toContain('"id":"u-1"')
  })

  it('hides private keys, form secrets and XML secrets', () => {
    const pem = '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----'
    expect(redactString(`key: ${pem}`)).toBe('key: [REDACTED]')
    expect(redactBody('Action=RunInstances&UserData=c2VjcmV0&X-Amz-Signature=abc')).not.toMatch(/c2VjcmV0|=abc/)
    expect(redactBody('<x><keyMaterial>PRIVATE</keyMaterial></x>')).toBe('<x><keyMaterial>[REDACTED]</keyMaterial></x>')
  })

  it('debug log lines pass through redaction and go nowhere when disabled', () => {
    registerSecret('tok-abcdef-999')
    const lines: string[] = []
    const log = createDebugLog(true, (t) => lines.push(t))
    log.request('GET', 'https://api.example/v4/linode/instances', {Authorization: 'Bearer tok-abcdef-999'}, '{"token":"tok-abcdef-999"}')
    expect(lines.join('')).not.toContain('tok-abcdef-999')
    expect(lines.join('')).toContain('GET https://api.example/v4/linode/instances')
    const quiet: string[] = []
    createDebugLog(false, (t) => quiet.push(t)).line('hello')
    expect(quiet).toEqual([])
  })
})
