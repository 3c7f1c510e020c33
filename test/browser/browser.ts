// Real-browser test support: find Debian's Chromium, launch it through playwright-core with the flags this
// machine needs, boot a real Hearth on a loopback port, and skip loudly (or fail, under CI) when no browser is installed.
import { accessSync, constants, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { chromium, type Browser, type BrowserContextOptions, type LaunchOptions, type Locator, type Page } from 'playwright-core'
import { createHearth, type Hearth } from '../../core/app.js'
import { resolveConfig } from '../../core/config.js'
import { createLogger } from '../../core/logger.js'
import { ROOT } from '../../core/paths.js'
import { startServer } from '../../core/server.js'
import { PASSWORD, tempDir } from '../harness.js'

/** Where screenshots and other artifacts go (git-ignored). */
export const RESULTS_DIR = join(ROOT, 'test-results')

/** Candidate executables, in order: CHROMIUM_PATH, then Debian's and Ubuntu's usual names. */
export function chromiumCandidates(): string[] {
  const fromEnv = process.env.CHROMIUM_PATH?.trim()
  return fromEnv ? [fromEnv] : ['/usr/bin/chromium', '/usr/bin/chromium-browser']
}

const executable = (p: string) => {
  try {
    accessSync(p, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** The first runnable Chromium, or null. When CHROMIUM_PATH is set, only that path is tried. */
export function findChromium(): string | null {
  return chromiumCandidates().find(executable) ?? null
}

/**
 * Flags for a closed network and a root user: no sandbox (root), no GPU, and no background traffic to Google
 * (the machine refuses it, many connections at a time, and every start tries to look hosts up otherwise).
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
]

/** What Chromium needs for a camera, a microphone and autoplay on a machine with none (see shared notes: realtime-media). */
export const FAKE_MEDIA_FLAGS = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required']

/** Launch Chromium at `executablePath` (default: the one found) with CHROMIUM_ARGS plus `extraArgs`. */
export async function launchChromium(options: { executablePath?: string; extraArgs?: string[]; launch?: LaunchOptions } = {}): Promise<Browser> {
  const executablePath = options.executablePath ?? findChromium()
  if (!executablePath) throw new Error(missingMessage())
  return chromium.launch({
    executablePath,
    headless: true,
    args: [...CHROMIUM_ARGS, ...(options.extraArgs ?? [])],
    timeout: 60_000,
    ...options.launch,
  })
}

function missingMessage(): string {
  const where = chromiumCandidates().join(' or ')
  return `BROWSER TESTS SKIPPED: chromium not found at ${where}; install it with apt-get install -y chromium (or set CHROMIUM_PATH)`
}

/**
 * A launched browser for this test, closed when the test ends; or null after a loud skip when Chromium is not
 * installed. Under CI (process.env.CI set) a missing browser fails the test instead: it never passes silently.
 * A browser that is present but fails to start always fails the test.
 */
export async function browserOrSkip(t: TestContext, options: { extraArgs?: string[] } = {}): Promise<Browser | null> {
  const executablePath = findChromium()
  if (!executablePath) {
    const message = missingMessage()
    if (process.env.CI) throw new Error(`${message.replace('BROWSER TESTS SKIPPED', 'BROWSER TESTS FAILED')} (CI is set, so a missing browser is a failure)`)
    console.error(message)
    t.skip(message)
    return null
  }
  const browser = await launchChromium({ executablePath, extraArgs: options.extraArgs })
  t.after(() => browser.close())
  return browser
}

export interface TestServer {
  url: string
  port: number
  dataDir: string
  /** The running instance, for setting up data (an admin account, settings). */
  hearth: Hearth
  close(): Promise<void>
}

/** A real Hearth: fresh temporary data dir, silent logs, HTTP (and WebSocket) server on 127.0.0.1 and a free port. */
export async function startTestServer(options: { enable?: string[] } = {}): Promise<TestServer> {
  const dataDir = tempDir('hearth-browser-')
  // An empty environment so HEARTH_* variables of the caller (public URL, proxy trust, ports) do not leak in.
  const config = resolveConfig({ dataDir, port: 0, host: '127.0.0.1', pluginDirs: [], logLevel: 'silent' }, {})
  if (options.enable?.length) {
    // Enable plugins as an operator would before starting.
    const pre = await createHearth({ config, log: createLogger({ level: 'silent' }), plugins: false })
    for (const name of options.enable) await pre.plugins.setEnabled(name, true, null)
    await pre.close()
  }
  const h = await createHearth({ config, log: createLogger({ level: 'silent' }) })
  let server
  try {
    server = await startServer(h, { port: 0, host: '127.0.0.1' })
  } catch (err) {
    await h.close()
    rmSync(dataDir, { recursive: true, force: true })
    throw err
  }
  const running = server
  return {
    url: running.url,
    port: running.port,
    dataDir,
    hearth: h,
    async close() {
      await running.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

export interface PageProblems {
  /** Console messages of type error, uncaught page errors and CSP violations, as readable lines. */
  readonly list: string[]
  /** Forget what was seen so far (e.g. after a step that is expected to log). */
  clear(): void
}

/**
 * Collect everything on `page` that should never happen on a healthy page: console errors, uncaught exceptions
 * and Content-Security-Policy violations (reported both by Chromium's console and by a `securitypolicyviolation`
 * listener installed before any page script runs).
 */
export async function watchProblems(page: Page): Promise<PageProblems> {
  const list: string[] = []
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return
    const loc = msg.location()
    list.push(`console.error: ${msg.text()}${loc.url ? ` (${loc.url}:${loc.lineNumber})` : ''} on ${page.url()}`)
  })
  page.on('pageerror', (err) => list.push(`pageerror: ${err.message} on ${page.url()}`))
  await page.exposeFunction('__hearthTestCspViolation', (v: string) => list.push(`CSP violation: ${v}`))
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      const report = (window as unknown as { __hearthTestCspViolation?: (v: string) => void }).__hearthTestCspViolation
      report?.(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile || location.href}:${e.lineNumber}`)
    })
  })
  return {
    list,
    clear() {
      list.length = 0
    },
  }
}

/** Make sure the git-ignored results folder exists and return a path inside it. */
export function resultPath(name: string): string {
  mkdirSync(RESULTS_DIR, { recursive: true })
  return join(RESULTS_DIR, name)
}

/**
 * A new member registered through the form in a fresh browser context (its own cookies), left on the home page;
 * with the page's problems watched. `contextOptions` adds to the phone-sized viewport (e.g. camera permissions).
 */
export async function registerInBrowser(browser: Browser, server: TestServer, username: string, contextOptions: BrowserContextOptions = {}) {
  const context = await browser.newContext({ baseURL: server.url, viewport: { width: 390, height: 844 }, ...contextOptions })
  context.setDefaultTimeout(20_000)
  const page = await context.newPage()
  const problems = await watchProblems(page)
  await page.goto('/register')
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Email').fill(`${username}@example.org`)
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD)
  await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.getByRole('button', { name: 'Create account' }).click()])
  return { context, page, problems }
}

/**
 * Log an existing member in through the form, in a new context of the given options (a viewport at least), with
 * the page's problems watched.
 * @example const { page, context } = await logInInBrowser(browser, server, 'ana', { viewport: { width: 390, height: 844 } })
 */
export async function logInInBrowser(browser: Browser, server: TestServer, username: string, contextOptions: BrowserContextOptions) {
  const context = await browser.newContext({ baseURL: server.url, ...contextOptions })
  context.setDefaultTimeout(20_000)
  const page = await context.newPage()
  const problems = await watchProblems(page)
  await Promise.all([page.waitForURL((u) => u.pathname === '/'), fillLogIn(page, username)])
  return { context, page, problems }
}

/** Open the login page, fill it and press Log in; the caller waits for where it leads (home, the code step, an error). */
export async function fillLogIn(page: Page, login: string, password = PASSWORD): Promise<void> {
  await page.goto('/login')
  await page.getByLabel('Username or email').fill(login)
  await page.getByLabel('Password', { exact: true }).fill(password)
  await page.getByRole('button', { name: 'Log in', exact: true }).click()
}

/**
 * The main navigation's link named `name` (exactly), opening the "More" menu first when the link is not in the tab
 * bar or sidebar (a closed menu's links are hidden, so a role query would not find them).
 */
export async function navLink(page: Page, name: string): Promise<Locator> {
  const link = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true })
  if ((await link.count()) === 0) await openMore(page)
  return link
}

/** The Log out button, which lives in the "More" menu: the menu is opened first. */
export async function logOutButton(page: Page): Promise<Locator> {
  await openMore(page)
  return page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Log out' })
}

/** Open the main navigation's "More" menu if it is there and closed. */
export async function openMore(page: Page): Promise<void> {
  const closed = page.locator('nav details.nav-more:not([open]) > summary')
  if ((await closed.count()) > 0) await closed.click()
}

/** axe-core's source, read once (it is injected with page.evaluate, which the pages' Content-Security-Policy does not govern). */
let axeSource: string | undefined

export interface A11yViolation {
  id: string
  impact: string
  help: string
  targets: string[]
}

/**
 * Run axe-core on the page as it is now and return its serious and critical violations as readable lines
 * (`name: rule (impact): help at selector, ...`); an empty list is a pass. Lesser ones are returned in `minor`.
 */
export async function axeViolations(page: Page, name: string): Promise<{ serious: string[]; minor: string[] }> {
  axeSource ??= readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8')
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource)
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] }> } }).axe
    const result = await axe.run(document, { resultTypes: ['violations'] })
    return result.violations.map((v) => ({ id: v.id, impact: v.impact ?? 'unknown', help: v.help, targets: v.nodes.map((n) => n.target.map(String).join(' ')) }))
  })
  const line = (v: A11yViolation) => `${name}: ${v.id} (${v.impact}): ${v.help} at ${v.targets.slice(0, 5).join(', ')}${v.targets.length > 5 ? ` and ${v.targets.length - 5} more` : ''}`
  const isSerious = (v: A11yViolation) => v.impact === 'serious' || v.impact === 'critical'
  return { serious: violations.filter(isSerious).map(line), minor: violations.filter((v) => !isSerious(v)).map(line) }
}

/** Assert that axe-core finds no serious or critical violation on the page as it is now; the failure lists them. */
export async function checkA11y(page: Page, name: string): Promise<void> {
  const { serious } = await axeViolations(page, name)
  if (serious.length) throw new Error(`accessibility violations (axe-core):\n${serious.join('\n')}`)
}
