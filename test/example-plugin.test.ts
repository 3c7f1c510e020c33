// The example plugin's promise: a copy of plugins/hello under a new name shows up in `hearth plugin list`,
// can be enabled, adds a route, a navigation item and a migration, and is disabled cleanly (its data stays).
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { closeSync, cpSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { createTestApp, type TestApp } from './harness.js'

const ROOT = join(import.meta.dirname, '..')

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/**
 * Run `hearth ...` as a real subprocess from the project folder. Standard error goes to a file, not a pipe:
 * writing logs to a pipe (a socket under Node) is checked once, in cli/cli.test.ts ("standard error may be a pipe").
 */
function hearth(args: string[], env: Record<string, string>): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-stderr-'))
  const errFile = join(dir, 'stderr')
  const fd = openSync(errFile, 'w')
  return new Promise<Run>((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/hearth.js', ...args], {
      cwd: ROOT,
      env: { ...process.env, HEARTH_LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'pipe', fd],
    })
    closeSync(fd)
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
    let stdout = ''
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      const stderr = readFileSync(errFile, 'utf8')
      rmSync(dir, { recursive: true, force: true })
      resolve({ code, stdout, stderr })
    })
  })
}

const ok = (r: Run, what: string) => assert.equal(r.code, 0, `${what} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`)

/** Copy plugins/hello to `dest`, renaming hello to greeter in every file and pointing core imports at this checkout. */
function copyAsGreeter(dest: string): void {
  cpSync(join(ROOT, 'plugins/hello'), dest, { recursive: true })
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name)
      if (e.isDirectory()) {
        walk(p)
        continue
      }
      const text = readFileSync(p, 'utf8')
      const renamed = text
        .replaceAll('hello', 'greeter')
        .replaceAll('Hello', 'Greeter')
        // The copy lives outside the project, so `../../core/` would not resolve: import core by absolute path.
        .replaceAll('../../core/', `${join(ROOT, 'core')}/`)
      // Outside the project tsx does not apply tsconfig.json (its include list), so name the JSX runtime in the file.
      writeFileSync(p, p.endsWith('.tsx') ? `/** @jsxRuntime automatic */\n/** @jsxImportSource preact */\n${renamed}` : renamed)
    }
  }
  walk(dest)
}

async function tables(app: TestApp): Promise<string[]> {
  const rows = app.h.store.sqlite.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[]
  return rows.map((r) => r.name)
}

describe('a plugin copied from the example (plugins/hello → greeter)', () => {
  let root: string
  let pluginsDir: string
  let dataDir: string
  let env: Record<string, string>
  const boot = () => createTestApp({ pluginDirs: [pluginsDir], dataDir })

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'hearth-example-plugin-'))
    pluginsDir = join(root, 'plugins')
    dataDir = join(root, 'data')
    mkdirSync(pluginsDir)
    copyAsGreeter(join(pluginsDir, 'greeter'))
    // A plugin folder outside the project needs what the project gives plugins/: ESM for .ts files
    // ("type": "module"; without it the import fails with "Cannot require() ES Module ... in a cycle") and a way to
    // resolve hono, kysely, zod and preact. Neither entry is a plain folder, so the loader skips both.
    writeFileSync(join(pluginsDir, 'package.json'), JSON.stringify({ type: 'module' }))
    symlinkSync(join(ROOT, 'node_modules'), join(pluginsDir, 'node_modules'), 'dir')
    env = { HEARTH_PLUGINS_DIRS: pluginsDir }
  })

  after(() => {
    rmSync(root, { recursive: true, force: true })
  })

  test('the copy has no trace of hello left', () => {
    const plugin = readFileSync(join(pluginsDir, 'greeter/plugin.ts'), 'utf8')
    const migration = readFileSync(join(pluginsDir, 'greeter/migrations', readdirSync(join(pluginsDir, 'greeter/migrations'))[0]!), 'utf8')
    assert.match(plugin, /name: 'greeter'/)
    assert.match(migration, /createTable\('greeter_waves'\)/)
    assert.doesNotMatch(plugin + migration, /hello/i)
  })

  test('`hearth plugin list` shows greeter, disabled, and `plugin enable greeter` enables it', async () => {
    const list = await hearth(['plugin', 'list', '--data', dataDir], env)
    ok(list, 'plugin list')
    assert.match(list.stdout, /^disabled\s+greeter\s+1\.0\.0\s+Example plugin: members wave greeter/m)
    assert.doesNotMatch(list.stdout, /error:/, 'the copy imports without error')

    const enable = await hearth(['plugin', 'enable', 'greeter', '--data', dataDir], env)
    ok(enable, 'plugin enable greeter')
    assert.match(enable.stdout, /greeter is enabled\./)
  })

  test('enabled, it adds a route, a navigation item and a migration, and members can use it', async () => {
    const app = await boot()
    try {
      assert.ok(app.h.plugins.loaded.has('greeter'), 'greeter is loaded')

      const page = await app.request('GET', '/greeter')
      assert.equal(page.status, 200)
      const html = await page.text()
      assert.match(html, /Greeter, neighbours!/, 'the greeting setting is shown')
      assert.match(html, /Log in<\/a> to wave/, 'a guest is asked to log in')

      const home = await (await app.request('GET', '/')).text()
      assert.match(home, /href="\/greeter"/, 'the home page navigation links to /greeter')

      const names = await tables(app)
      assert.ok(names.includes('greeter_waves'), `greeter_waves exists (tables: ${names.join(', ')})`)
      assert.ok(!names.includes('hello_waves'), 'the hello plugin (disabled) made no table')
      assert.ok(names.includes('hearth_migrations_greeter'))
      const migrations = app.h.store.sqlite.prepare('select name from hearth_migrations_greeter').all() as { name: string }[]
      assert.deepEqual(
        migrations.map((m) => m.name),
        ['2026_11_21_1000_create_hello_waves', '2026_12_04_1700_wave_back'],
      )

      const member = app.agent('10.1.0.1')
      const reg = await member.registerViaForm('wendy')
      assert.equal(reg.status, 303, 'registered')
      const wave = await member.post('/greeter/waves', { message: 'Morning, street!' })
      assert.equal(wave.status, 303)
      assert.equal(wave.headers.get('location'), '/greeter')
      const board = await member.text('/greeter')
      assert.match(board, /@wendy<\/a> Morning, street!/)
      assert.match(board, /action="\/greeter\/waves"/, 'a member sees the wave form')
    } finally {
      await app.close()
    }
  })

  test('`plugin disable greeter` removes the route and the navigation item but keeps the table and its data', async () => {
    const disable = await hearth(['plugin', 'disable', 'greeter', '--data', dataDir], env)
    ok(disable, 'plugin disable greeter')
    assert.match(disable.stdout, /greeter is disabled\./)

    const app = await boot()
    try {
      assert.ok(!app.h.plugins.loaded.has('greeter'))
      assert.equal((await app.request('GET', '/greeter')).status, 404)
      const home = await (await app.request('GET', '/')).text()
      assert.doesNotMatch(home, /href="\/greeter"/)
      assert.ok((await tables(app)).includes('greeter_waves'), 'the table is kept')
      const rows = app.h.store.sqlite.prepare('select message from greeter_waves').all() as { message: string }[]
      assert.deepEqual(
        rows.map((r) => r.message),
        ['Morning, street!'],
      )
    } finally {
      await app.close()
    }
  })

  test('enabling it again brings the board back with its waves', async () => {
    const enable = await hearth(['plugin', 'enable', 'greeter', '--data', dataDir], env)
    ok(enable, 'plugin enable greeter (again)')
    assert.match(enable.stdout, /greeter is enabled\./)

    const app = await boot()
    try {
      const page = await app.request('GET', '/greeter')
      assert.equal(page.status, 200)
      assert.match(await page.text(), /@wendy<\/a> Morning, street!/)
      const migrations = app.h.store.sqlite.prepare('select name from hearth_migrations_greeter').all()
      assert.equal(migrations.length, 2, 'the migrations are not run twice')
    } finally {
      await app.close()
    }
  })
})
