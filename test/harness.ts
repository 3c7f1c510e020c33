// The test harness: a fresh Hearth on a temporary data directory, in-process requests, and a cookie-keeping agent.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHearth, type Hearth } from '../core/app.js'
import { resolveConfig } from '../core/config.js'
import { createLogger } from '../core/logger.js'
import type { CoreSettings } from '../core/settings/service.js'

/** A real server on a port, for tests under plugins/ (which import core only through core/plugins/api). */
export { startServer } from '../core/server.js'
export const PASSWORD = 'correct horse battery staple'

export interface TestApp {
  h: Hearth
  dataDir: string
  /** An in-process request; `json` sets the body and Content-Type, `token` a bearer token. */
  request(method: string, path: string, init?: { json?: unknown; token?: string; headers?: Record<string, string>; body?: BodyInit }): Promise<Response>
  /** A browser-like client that keeps cookies and sends the CSRF token with forms. */
  agent(ip?: string): Agent
  /** Register through the API; returns the user and a bearer token. */
  register(username: string, extra?: { email?: string; password?: string }): Promise<{ id: number; token: string }>
  /** Close and reopen on the same data directory (a restart). */
  restart(): Promise<void>
  close(): Promise<void>
}

export interface TestAppOptions {
  /** Extra plugin folders to scan. */
  pluginDirs?: string[]
  /** Extra theme folders to scan. */
  themeDirs?: string[]
  /** Plugins to enable before the app loads. */
  enable?: string[]
  settings?: Partial<CoreSettings>
  dataDir?: string
  logFile?: string
}

export function tempDir(prefix = 'hearth-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

/** Generous limits for tests that build a community; tests of the limits set their own. */
const TEST_LIMITS = { 'limits.api_requests_per_minute': 100000, 'limits.ip_requests_per_minute': 1000000, 'limits.posts_per_hour': 10000, 'limits.follows_per_day': 100000, 'limits.likes_per_day': 1000000 }

async function boot(dataDir: string, options: TestAppOptions): Promise<Hearth> {
  const config = resolveConfig({ dataDir, pluginDirs: options.pluginDirs ?? [], themeDirs: options.themeDirs ?? [], trustProxy: true, port: 0 }, {})
  const log = createLogger({ level: options.logFile ? 'info' : 'silent', destination: options.logFile })
  // Set state in a first pass, as an operator would with the CLI, then boot for real.
  const pre = await createHearth({ config, log, plugins: false })
  for (const name of options.enable ?? []) await pre.plugins.setEnabled(name, true, null)
  for (const [k, v] of Object.entries({ ...TEST_LIMITS, ...options.settings })) {
    // Settings a test asked for always; the test limits only where nothing is set (a restart keeps changes).
    const asked = options.settings !== undefined && k in options.settings
    if (asked || (await pre.settings.read(k)) === undefined) await pre.settings.write(k, v)
  }
  await pre.close()
  return createHearth({ config, log })
}

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = options.dataDir ?? tempDir()
  let h = await boot(dataDir, options)
  const t: TestApp = {
    get h() {
      return h
    },
    dataDir,
    request(method, path, init = {}) {
      const headers: Record<string, string> = { ...init.headers }
      let body = init.body
      if (init.json !== undefined) {
        headers['content-type'] = 'application/json'
        body = JSON.stringify(init.json)
      }
      if (init.token) headers.authorization = `Bearer ${init.token}`
      return Promise.resolve(h.app.request(`http://hearth.test${path}`, { method, headers, body }))
    },
    agent(ip = '10.0.0.1') {
      return new Agent(() => h, ip)
    },
    async register(username, extra = {}) {
      const res = await t.request('POST', '/api/v1/users/register', {
        json: { username, email: extra.email ?? `${username}@example.org`, password: extra.password ?? PASSWORD, accept_terms: true },
        headers: { 'x-forwarded-for': `10.9.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}` },
      })
      const body = (await res.json()) as { data: { user: { id: number }; token: string } }
      if (res.status !== 201) throw new Error(`register ${username} failed: ${JSON.stringify(body)}`)
      return { id: body.data.user.id, token: body.data.token }
    },
    async restart() {
      await h.close()
      h = await boot(dataDir, { ...options, enable: [], settings: undefined })
    },
    async close() {
      await h.close()
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true })
    },
  }
  return t
}

/** Keeps cookies like a browser, follows nothing automatically, and fills `_csrf` in forms. */
export class Agent {
  readonly cookies = new Map<string, string>()
  constructor(
    private readonly hearth: () => Hearth,
    private readonly ip: string,
  ) {}

  private store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';')
      const eq = pair!.indexOf('=')
      const name = pair!.slice(0, eq).trim()
      const value = pair!.slice(eq + 1).trim()
      if (/max-age=0/i.test(line) || /expires=Thu, 01 Jan 1970/i.test(line) || value === '') this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
  }

  private header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  /** `form` values that are lists send the field once per value (checkboxes of one name). */
  async fetch(method: string, path: string, init: { form?: Record<string, string | string[]>; json?: unknown; headers?: Record<string, string>; csrf?: boolean } = {}): Promise<Response> {
    const headers: Record<string, string> = { 'x-forwarded-for': this.ip, ...init.headers }
    if (this.cookies.size) headers.cookie = this.header()
    let body: string | undefined
    if (init.form) {
      const fields = { ...init.form }
      if (init.csrf !== false && this.cookies.has('hearth_csrf') && !('_csrf' in fields)) fields._csrf = this.cookies.get('hearth_csrf')!
      headers['content-type'] = 'application/x-www-form-urlencoded'
      body = new URLSearchParams(Object.entries(fields).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]]))).toString()
    } else if (init.json !== undefined) {
      headers['content-type'] = 'application/json'
      if (init.csrf !== false && this.cookies.has('hearth_csrf')) headers['x-csrf-token'] = this.cookies.get('hearth_csrf')!
      body = JSON.stringify(init.json)
    }
    const res = await this.hearth().app.request(`http://hearth.test${path}`, { method, headers, body })
    this.store(res)
    return res
  }

  get(path: string) {
    return this.fetch('GET', path)
  }

  /** GET first (for the CSRF cookie) when none is held yet, then POST the form. */
  async post(path: string, form: Record<string, string | string[]>, options: { csrf?: boolean } = {}) {
    if (!this.cookies.has('hearth_csrf')) await this.get('/')
    return this.fetch('POST', path, { form, csrf: options.csrf })
  }

  async text(path: string): Promise<string> {
    return (await this.get(path)).text()
  }

  /** Register through the form and stay logged in. */
  async registerViaForm(username: string, password = PASSWORD): Promise<Response> {
    return this.post('/register', { username, email: `${username}@example.org`, password, accept_terms: 'on' })
  }

  async loginViaForm(login: string, password = PASSWORD): Promise<Response> {
    return this.post('/login', { login, password })
  }
}
