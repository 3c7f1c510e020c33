// The `hearth` command, run as a real subprocess (node bin/hearth.js ...) against temporary data directories.
// Each spawn costs about 1.7 s, so one data directory is shared, in order, by most tests below.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import SQLite from 'better-sqlite3'
import { createTestApp } from '../test/harness.js'
import { assertFails, assertOk, hearth, json, ROOT, run, show, type RunOptions } from '../test/cli.js'

const STRONG = 'correct horse battery staple'

/** Log in through the JSON API of an in-process instance on `dataDir`: the HTTP status and error code. */
async function login(dataDir: string, username: string, password: string): Promise<{ status: number; code?: string }> {
  const app = await createTestApp({ dataDir })
  try {
    const res = await app.request('POST', '/api/v1/users/login', { json: { login: username, password }, headers: { 'x-forwarded-for': '10.2.0.1' } })
    const body = (await res.json()) as { error?: { code: string } }
    return { status: res.status, code: body.error?.code }
  } finally {
    await app.close()
  }
}

const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix))

describe('hearth --help', () => {
  test('the program lists every command and exits 0', async () => {
    const r = await hearth(['--help'])
    assertOk(r)
    assert.match(r.stdout, /^Usage: hearth /)
    const commands = r.stdout.slice(r.stdout.indexOf('Commands:'))
    for (const name of ['start', 'init', 'migrate', 'user', 'plugin', 'theme', 'hooks', 'doctor', 'backup', 'restore']) {
      assert.match(commands, new RegExp(`^  ${name} `, 'm'), `lists ${name}`)
    }
  })

  test('`user --help` lists every user subcommand and exits 0', async () => {
    const r = await hearth(['user', '--help'])
    assertOk(r)
    for (const name of ['create', 'list', 'promote', 'demote', 'suspend', 'unsuspend', 'reset-password', 'reset-2fa']) {
      assert.match(r.stdout, new RegExp(`^  ${name} `, 'm'), `lists user ${name}`)
    }
  })

  // One subprocess runs the CLI's main() once per argument list, as bin/hearth.js does, to keep this file fast.
  const groups: Record<string, string[]> = {
    user: ['create', 'list', 'promote', 'demote', 'suspend', 'unsuspend', 'reset-password', 'reset-2fa'],
    plugin: ['list', 'enable', 'disable', 'info'],
    theme: ['list', 'use'],
    settings: ['list', 'set', 'reset'],
    reports: ['list', 'resolve'],
    ledger: ['verify', 'export'],
  }
  const paths: string[][] = [
    ...['start', 'init', 'migrate', 'hooks', 'doctor', 'backup', 'restore'].map((c) => [c]),
    ...Object.entries(groups).flatMap(([g, subs]) => [[g], ...subs.map((s) => [g, s])]),
  ]
  const helps = paths.map((p) => [...p, '--help'])
  const others = [['--version'], ['help', 'user'], [], ['user'], ['plugin']]
  let results: { args: string[]; code: number; out: string }[] = []
  const result = (args: string[]) => results.find((r) => r.args.join(' ') === args.join(' '))!

  before(async () => {
    const script = `
      const { main } = await import('./cli/index.ts')
      const write = process.stdout.write.bind(process.stdout)
      const results = []
      for (const args of JSON.parse(process.env.HELP_ARGS)) {
        let out = ''
        process.stdout.write = (chunk) => { out += String(chunk); return true }
        let code
        try { code = await main(['node', 'hearth', ...args]) } finally { process.stdout.write = write }
        results.push({ args, code, out })
      }
      write(JSON.stringify(results))`
    const argLists = [...helps, ...others]
    results = json(await run(['--import', 'tsx', '--input-type=module', '-e', script], { env: { HELP_ARGS: JSON.stringify(argLists) } }))
    assert.equal(results.length, argLists.length)
  })

  test('--help of every command and subcommand exits 0 and shows its usage', () => {
    for (const args of helps) {
      const { code, out } = result(args)
      const path = args.slice(0, -1)
      assert.equal(code, 0, `${args.join(' ')} exits 0`)
      assert.ok(out.startsWith(`Usage: hearth ${path.join(' ')} `), `${args.join(' ')} prints its usage:\n${out}`)
      const subs = groups[path.join(' ')]
      for (const s of subs ?? []) assert.match(out, new RegExp(`^  ${s} `, 'm'), `${path.join(' ')} --help lists ${s}`)
      if (!subs) assert.match(out, /--data <dir>/, `${path.join(' ')} takes --data`)
    }
  })

  test('`start --help` names the environment it reads, the page cache among it', () => {
    assert.match(result(['start', '--help']).out, /HEARTH_DB_CACHE_MB/)
    assert.match(result(['start', '--help']).out, /HEARTH_HEADERS_TIMEOUT/)
  })

  test('--version and `help user` exit 0', () => {
    assert.equal(result(['--version']).code, 0)
    assert.match(result(['--version']).out, /^\d+\.\d+\.\d+\n$/)
    assert.equal(result(['help', 'user']).code, 0)
    assert.match(result(['help', 'user']).out, /^Usage: hearth user /)
  })

  test('no command, or a group without its subcommand, is bad usage (exit 2)', () => {
    // Commander prints the help to stderr and reports exit code 1 here; it is not a successful run.
    for (const args of [[], ['user'], ['plugin']]) {
      assert.equal(result(args).code, 2, `\`hearth ${args.join(' ')}\` exits 2`)
    }
  })
})

describe('bad usage exits 2', () => {
  let dir: string
  before(() => {
    dir = tmp('hearth-cli-usage-')
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  test('an unknown option', async () => {
    assertFails(await hearth(['user', 'list', '--bogus', '--data', dir]), 2, /unknown option '--bogus'/)
  })

  test('a missing argument', async () => {
    assertFails(await hearth(['plugin', 'enable', '--data', dir]), 2, /missing required argument 'name'/)
  })

  test('`start --port abc`', async () => {
    const r = await hearth(['start', '--port', 'abc', '--data', dir], { timeoutMs: 20_000 })
    assertFails(r, 2, /port must be a whole number from 0 to 65535, not "abc"/)
    assert.ok(!existsSync(join(dir, 'hearth.pid')), 'no server was started')
  })

  test('`start` with HEARTH_DB_CACHE_MB=lots', async () => {
    const r = await hearth(['start', '--data', dir], { timeoutMs: 20_000, env: { HEARTH_DB_CACHE_MB: 'lots' } })
    assertFails(r, 2, /HEARTH_DB_CACHE_MB must be a whole number of megabytes from 2 to 65536, not "lots"/)
    assert.ok(!existsSync(join(dir, 'hearth.pid')), 'no server was started')
  })

  test('a value the command refuses (`user create --role wizard`)', async () => {
    const r = await hearth(['user', 'create', '--username', 'wiz', '--email', 'wiz@example.org', '--role', 'wizard', '--data', dir])
    assertFails(r, 2, /The role "wizard" is not member, moderator or admin/)
  })
})


describe('the CLI on one data directory, in order', () => {
  let data: string
  let scratch: string
  let bobGenerated = ''
  const bobNew = 'a brand new passphrase'
  const h = (args: string[], options?: RunOptions) => hearth([...args, '--data', data], options)
  type Migration = { owner: string; name: string; executedAt: string | null }

  before(() => {
    data = tmp('hearth-cli-data-')
    scratch = tmp('hearth-cli-scratch-')
  })
  after(() => {
    rmSync(data, { recursive: true, force: true })
    rmSync(scratch, { recursive: true, force: true })
  })

  describe('migrate and init', () => {
    test('`migrate --status --json` before migrating lists the core migrations as pending', async () => {
      const list = json<Migration[]>(await h(['migrate', '--status', '--json']))
      assert.ok(list.length > 0)
      for (const m of list) {
        assert.equal(m.owner, 'core')
        assert.equal(m.executedAt, null, `${m.name} is pending`)
      }
      // --status promises to change nothing; an empty hearth.db left behind would make `restore` refuse this directory.
      assert.ok(!existsSync(join(data, 'hearth.db')), '`migrate --status` did not create hearth.db')
    })

    test('`migrate` applies them, and `migrate --status --json` then shows them done', async () => {
      const r = await h(['migrate'])
      assertOk(r)
      assert.match(r.stdout, /^Core: up to date\.$/m)
      const list = json<Migration[]>(await h(['migrate', '--status', '--json']))
      assert.ok(list.some((m) => m.owner === 'core'))
      for (const m of list) assert.ok(m.executedAt && !Number.isNaN(Date.parse(m.executedAt)), `${m.owner} ${m.name} is done`)
    })

    test('`init --json` gives a setup link while there is no admin', async () => {
      const out = json(await h(['init', '--json', '--url', 'https://hearth.example/']))
      assert.equal(out.data_dir, data)
      assert.equal(out.database, join(data, 'hearth.db'))
      assert.equal(out.admin_exists, false)
      assert.match(out.setup_url, /^https:\/\/hearth\.example\/setup\?token=[\w-]{16,}$/)
    })
  })

  describe('user', () => {
    test('`user create --admin --password-stdin` makes an admin with the password from standard input', async () => {
      const r = await h(['user', 'create', '--username', 'alice', '--email', 'alice@example.org', '--password-stdin', '--admin'], { input: `${STRONG}\n` })
      assertOk(r)
      assert.match(r.stdout, /^Created admin @alice \(id \d+\)\.$/m)
      assert.doesNotMatch(r.stdout, /Password:/, 'no password is printed when one was given')
      assert.equal((await login(data, 'alice', STRONG)).status, 200, 'alice logs in with the password from stdin')
    })

    test('`user create` without a password generates one and prints it', async () => {
      const r = await h(['user', 'create', '--username', 'bob', '--email', 'bob@example.org'])
      assertOk(r)
      assert.match(r.stdout, /^Created member @bob \(id \d+\)\.$/m)
      bobGenerated = /^Password: (\S+)$/m.exec(r.stdout)?.[1] ?? ''
      assert.ok(bobGenerated.length >= 12, `a password is printed:\n${r.stdout}`)
      assert.equal((await login(data, 'bob', bobGenerated)).status, 200, 'bob logs in with the printed password')
    })

    test('`init --json` gives no setup link once an admin exists', async () => {
      const out = json(await h(['init', '--json']))
      assert.equal(out.admin_exists, true)
      assert.equal(out.setup_url, null)
    })

    test('a taken username fails with one error line and no stack trace', async () => {
      const r = await h(['user', 'create', '--username', 'alice', '--email', 'other@example.org', '--password-stdin'], { input: STRONG })
      assertFails(r, 1, /username is taken/)
      assert.equal(r.stdout, '')
    })

    test('a weak password is refused', async () => {
      const r = await h(['user', 'create', '--username', 'dave', '--email', 'dave@example.org', '--password-stdin'], { input: 'abc\n' })
      assertFails(r, 2, /at least 10 characters/)
    })

    test('an unknown member fails with a hint', async () => {
      assertFails(await h(['user', 'promote', 'nobody']), 1, /There is no member "nobody"/, /^hint: See `hearth user list`\.$/m)
    })

    test('`user promote --to moderator` then `user demote`', async () => {
      const promoted = json(await h(['user', 'promote', 'bob', '--to', 'moderator', '--json']))
      assert.equal(promoted.username, 'bob')
      assert.equal(promoted.role, 'moderator')
      const r = await h(['user', 'demote', 'bob'])
      assertOk(r)
      assert.match(r.stdout, /@bob is now a member\./)
    })

    test('demoting the last admin is refused', async () => {
      assertFails(await h(['user', 'demote', 'alice']), 1, /last active admin/)
    })

    test('`user suspend` requires --reason', async () => {
      assertFails(await h(['user', 'suspend', 'bob']), 2, /required option '--reason <text>' not specified/)
    })

    test('`user suspend --reason` suspends, and `user list --json` shows it', async () => {
      const r = await h(['user', 'suspend', 'bob', '--reason', 'Posting spam'])
      assertOk(r)
      assert.match(r.stdout, /@bob is suspended\./)
      const list = json<any[]>(await h(['user', 'list', '--json']))
      assert.deepEqual(
        list.map((u) => [u.username, u.role, u.email, u.suspended, u.suspended_reason]),
        [
          ['alice', 'admin', 'alice@example.org', false, null],
          ['bob', 'member', 'bob@example.org', true, 'Posting spam'],
        ],
      )
      assert.ok(!list.some((u) => u.username === 'dave'), 'the refused account was not created')
      assert.equal((await login(data, 'bob', bobGenerated)).status, 403, 'a suspended member cannot log in')
    })

    test('`user unsuspend` and `user reset-password --password-stdin`', async () => {
      const r = await h(['user', 'unsuspend', 'bob'])
      assertOk(r)
      assert.match(r.stdout, /@bob may log in again\./)
      const reset = await h(['user', 'reset-password', 'bob', '--password-stdin'], { input: `${bobNew}\n` })
      assertOk(reset)
      assert.match(reset.stdout, /New password set for @bob/)
      assert.doesNotMatch(reset.stdout, /Password:/)
    })

    test('`user reset-2fa` turns two-factor off', async () => {
      // Turn two-factor on for bob directly in the database, as if he had set it up in Settings.
      const db = new SQLite(join(data, 'hearth.db'))
      db.prepare("update users set totp_secret = 'JBSWY3DPEHPK3PXP', totp_enabled_at = '2026-01-01T00:00:00.000Z' where username = 'bob'").run()
      db.close()
      assert.deepEqual(await login(data, 'bob', bobNew), { status: 401, code: 'TWO_FACTOR_REQUIRED' })

      const r = await h(['user', 'reset-2fa', 'bob'])
      assertOk(r)
      assert.match(r.stdout, /Two-factor is off for @bob\./)
      const bob = json<any[]>(await h(['user', 'list', '--json'])).find((u) => u.username === 'bob')
      assert.equal(bob.suspended, false)
      assert.equal(bob.two_factor_enabled, false)
      assert.equal((await login(data, 'bob', bobNew)).status, 200, 'the new password works, without a second factor')
      assert.equal((await login(data, 'bob', bobGenerated)).status, 401, 'the old password no longer works')
    })
  })

  describe('plugin and hooks', () => {
    type Hooks = { hooks: { name: string; declaredBy: string; handlers: { owner: string }[] }[]; ui: { nav: { id: string; owner: string; href: string }[] }; jobs: { owner: string; name: string }[] }

    test('`plugin list` shows hello, disabled, and `hooks --json` shows no hello handler', async () => {
      const r = await h(['plugin', 'list'])
      assertOk(r)
      assert.match(r.stdout, /^disabled\s+hello\s+1\.0\.0\s+Example plugin/m)
      const hooks = json<Hooks>(await h(['hooks', '--json']))
      const registered = hooks.hooks.find((k) => k.name === 'action:user.registered')
      assert.ok(registered, 'action:user.registered is listed')
      assert.equal(registered.declaredBy, 'core')
      assert.ok(!registered.handlers.some((x) => x.owner === 'hello'))
      assert.ok(!hooks.hooks.some((k) => k.name === 'action:hello.waved'))
      assert.ok(hooks.ui.nav.some((n) => n.owner === 'core' && n.href === '/'))
    })

    test('`plugin enable hello` enables it and runs its migration', async () => {
      const r = await h(['plugin', 'enable', 'hello'])
      assertOk(r)
      assert.match(r.stdout, /^hello is enabled\. It applies when Hearth next starts\.$/m)
      const list = json<any[]>(await h(['plugin', 'list', '--json']))
      const hello = list.find((p) => p.name === 'hello')
      assert.equal(hello?.enabled, true)
      assert.equal(hello?.error, null)
      const migrations = json<Migration[]>(await h(['migrate', '--status', '--json']))
      const own = migrations.filter((m) => m.owner === 'hello')
      assert.deepEqual(
        own.map((m) => m.name),
        ['2026_11_21_1000_create_hello_waves', '2026_12_04_1700_wave_back'],
      )
      assert.ok(own[0]!.executedAt, 'the hello migration is done')
    })

    test('`plugin info hello` shows its manifest, settings and migrations', async () => {
      const r = await h(['plugin', 'info', 'hello'])
      assertOk(r)
      assert.match(r.stdout, /^hello 1\.0\.0 \(enabled, from .*plugins\/hello\)$/m)
      assert.match(r.stdout, /^Setting greeting \(string\) = "Hello, neighbours!"/m)
      assert.match(r.stdout, /^Migration 2026_11_21_1000_create_hello_waves: done$/m)
    })

    test('`hooks --json` with hello enabled shows hello as a handler owner', async () => {
      const hooks = json<Hooks>(await h(['hooks', '--json']))
      const registered = hooks.hooks.find((k) => k.name === 'action:user.registered')
      assert.ok(registered?.handlers.some((x) => x.owner === 'hello'), 'hello handles action:user.registered')
      assert.equal(hooks.hooks.find((k) => k.name === 'action:hello.waved')?.declaredBy, 'hello')
      assert.ok(hooks.ui.nav.some((n) => n.owner === 'hello' && n.href === '/hello'))
      assert.ok(hooks.jobs.some((j) => j.owner === 'hello' && j.name === 'hourly-tally'))
    })

    test('enabling an unknown plugin fails with a hint', async () => {
      assertFails(await h(['plugin', 'enable', 'nope-plugin']), 1, /There is no plugin "nope-plugin"\./, /^hint: Put it in plugins\/nope-plugin\//m)
    })

    test('`plugin disable hello`', async () => {
      const out = json(await h(['plugin', 'disable', 'hello', '--json']))
      assert.deepEqual(out, { plugin: 'hello', enabled: false, changed: true, restart_required: true })
      // `doctor --json` below checks that no plugin is enabled any more.
    })
  })

  describe('theme and doctor', () => {
    test('`theme list` marks default active', async () => {
      const r = await h(['theme', 'list'])
      assertOk(r)
      assert.match(r.stdout, /^\* default\s/m)
    })

    test('`theme use nope` fails', async () => {
      assertFails(await h(['theme', 'use', 'nope']), 1, /There is no theme "nope"\./, /^hint: See `hearth theme list`\.$/m)
    })

    test('`doctor --json` is ok on an initialised directory', async () => {
      const out = json<{ ok: boolean; checks: { name: string; status: string; message: string }[] }>(await h(['doctor', '--json']))
      assert.equal(out.ok, true, JSON.stringify(out.checks, null, 2))
      assert.deepEqual(
        out.checks.map((c) => c.name),
        ['Node.js version', 'Data directory', 'Database', 'Replication', 'Image processing (sharp)', 'Video processing (ffmpeg)', 'Plugins', 'Disk space', 'Failing jobs', 'Backups', 'Outgoing email'],
      )
      // The console's problem checks: a fresh directory has no backup and no outgoing email, which are warnings.
      assert.equal(out.checks.find((c) => c.name === 'Backups')?.status, 'warn')
      assert.equal(out.checks.find((c) => c.name === 'Outgoing email')?.status, 'warn')
      assert.equal(out.checks.find((c) => c.name === 'Database')?.status, 'ok')
      assert.equal(out.checks.find((c) => c.name === 'Plugins')?.message, 'no plugins enabled', 'hello was disabled')
    })
  })

  describe('jobs', () => {
    test('`jobs list --json` gives the counts per kind and the failed jobs; retry without an id is bad usage', async () => {
      const out = json<{ counts: unknown[]; failed: unknown[] }>(await h(['jobs', 'list', '--json']))
      assert.ok(Array.isArray(out.counts) && Array.isArray(out.failed))
      assertFails(await h(['jobs', 'retry']), 2, /Give the id of a failed job, or --all\./)
      const all = json<{ retried: number }>(await h(['jobs', 'retry', '--all', '--json']))
      assert.equal(all.retried, 0)
    })
  })

  describe('backup and restore', () => {
    let file: string

    test('`backup FILE` writes an archive', async () => {
      file = join(scratch, 'nested', 'hearth-backup.tar.gz')
      const out = json(await h(['backup', file, '--json']))
      assert.equal(out.file, file)
      assert.equal(out.format, 1)
      assert.equal(out.bytes, statSync(file).size)
      assert.ok(out.bytes > 0)
      assert.ok(!existsSync(`${file}.partial`))
      assert.ok(!readdirSync(data).some((n) => n.startsWith('.backup-')), 'no staging folder is left behind')
    })

    test('`restore FILE` into a fresh directory brings the data back', async () => {
      const fresh = join(scratch, 'fresh')
      const r = await hearth(['restore', file, '--data', fresh])
      assertOk(r)
      assert.match(r.stdout, /^Restored .*hearth-backup\.tar\.gz \(made .* by Hearth \d+\.\d+\.\d+\)\.$/m)
      const users = json<any[]>(await hearth(['user', 'list', '--json', '--data', fresh]))
      assert.deepEqual(
        users.map((u) => [u.username, u.role]),
        [
          ['alice', 'admin'],
          ['bob', 'member'],
        ],
      )
    })

    test('under LiteFS, `backup` reads the database in the mount and `restore` refuses to write there', async () => {
      // The restored folder stands for LiteFS's mount; the data folder (media, backups) has no database of its own.
      const env = { HEARTH_LITEFS_DIR: join(scratch, 'fresh') }
      const lfData = join(scratch, 'litefs-data')
      const archive = join(scratch, 'litefs-backup.tar.gz')
      const out = json(await hearth(['backup', archive, '--json', '--data', lfData], { env }))
      assert.ok(out.bytes > 0)
      const back = join(scratch, 'from-litefs')
      assertOk(await hearth(['restore', archive, '--data', back]))
      assert.deepEqual(json<any[]>(await hearth(['user', 'list', '--json', '--data', back])).map((u) => u.username), ['alice', 'bob'])
      assertFails(await hearth(['restore', archive, '--data', lfData], { env }), 1, /HEARTH_LITEFS_DIR is set .*cannot put the database into LiteFS's mount/, /litefs import -name hearth\.db/)
    })

    test('`restore` over an existing database is refused without --force', async () => {
      // Something made after the backup, which --force will roll back.
      const app = await createTestApp({ dataDir: data })
      await app.register('carol')
      await app.close()
      assertFails(await h(['restore', file]), 1, /hearth\.db already exists/, /^hint: Add --force/m)
      assert.ok(!readdirSync(data).some((n) => n.includes('before-restore')), 'nothing was moved')
    })

    test('`restore --force` replaces it and keeps the old database, even its unsaved WAL, as hearth.db.before-restore-*', async () => {
      // A process that crashed with a write still in hearth.db-wal (as a server killed with -9 would).
      const crash = `
        const db = new (require('better-sqlite3'))(${JSON.stringify(join(data, 'hearth.db'))})
        db.pragma('wal_autocheckpoint = 0')
        db.prepare("update users set display_name = 'Carol, before the crash' where username = 'carol'").run()
        process.kill(process.pid, 'SIGKILL')`
      const crashed = await run(['-e', crash])
      assert.equal(crashed.signal, 'SIGKILL', show(crashed))
      assert.ok(statSync(join(data, 'hearth.db-wal')).size > 0, 'the write is only in the WAL')

      const out = json(await h(['restore', file, '--force', '--json']))
      const kept = readdirSync(data).filter((n) => /^hearth\.db\.before-restore-[\dTZ-]+$/.test(n))
      assert.equal(kept.length, 1, readdirSync(data).join(', '))
      const keptDb = join(data, kept[0]!)
      assert.ok(out.keptAs.includes(keptDb))
      const users = (dbFile: string) => {
        const db = new SQLite(dbFile, { readonly: true })
        try {
          return db.prepare('select username, display_name from users order by id').all() as { username: string; display_name: string }[]
        } finally {
          db.close()
        }
      }
      assert.deepEqual(
        users(join(data, 'hearth.db')).map((u) => u.username),
        ['alice', 'bob'],
        'the backup is back',
      )
      const before = users(keptDb)
      assert.deepEqual(
        before.map((u) => u.username),
        ['alice', 'bob', 'carol'],
        'the replaced database is kept',
      )
      assert.equal(before[2]!.display_name, 'Carol, before the crash', 'with the write that was only in its WAL')
    })

    test('restoring a file that is not a backup fails cleanly', async () => {
      const junk = join(scratch, 'junk.tar.gz')
      writeFileSync(junk, 'this is not an archive\n')
      const target = join(scratch, 'junk-target')
      assertFails(await hearth(['restore', junk, '--data', target]), 1, /junk\.tar\.gz is not a Hearth backup/)
      assert.ok(!existsSync(join(target, 'hearth.db')))
    })
  })

  describe('start', () => {
    test('`start --port P` serves /healthz, refuses a restore while running, and stops on SIGTERM', async () => {
      const port = await freePort()
      const errFile = join(scratch, 'start.stderr')
      const fd = openSync(errFile, 'w')
      const child = spawn(process.execPath, ['bin/hearth.js', 'start', '--port', String(port), '--host', '127.0.0.1', '--data', data], {
        cwd: ROOT,
        env: { ...process.env, HEARTH_LOG_LEVEL: 'silent' },
        stdio: ['ignore', 'ignore', fd],
      })
      closeSync(fd)
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })))
      let done = false
      void exited.then(() => (done = true))
      try {
        let health: any = null
        const deadline = Date.now() + 30_000
        while (!health && !done && Date.now() < deadline) {
          try {
            const res = await fetch(`http://127.0.0.1:${port}/healthz`)
            if (res.ok) health = await res.json()
          } catch {
            await new Promise((r) => setTimeout(r, 100))
          }
        }
        assert.ok(health, `the server answered /healthz (stderr: ${readFileSync(errFile, 'utf8')})`)
        assert.equal(health.status, 'ok')
        const pid = JSON.parse(readFileSync(join(data, 'hearth.pid'), 'utf8'))
        assert.deepEqual(pid, { pid: child.pid, port })

        assertFails(await h(['restore', join(scratch, 'nested', 'hearth-backup.tar.gz'), '--force']), 1, new RegExp(`Hearth is running on this data directory \\(pid ${child.pid}\\)`), /^hint: Stop it/m)

        child.kill('SIGTERM')
        const timeout = setTimeout(() => child.kill('SIGKILL'), 15_000)
        const { code, signal } = await exited
        clearTimeout(timeout)
        assert.equal(signal, null, 'it exited by itself')
        assert.equal(code, 0, readFileSync(errFile, 'utf8'))
        assert.ok(!existsSync(join(data, 'hearth.pid')), 'hearth.pid is removed')
      } finally {
        if (!done) child.kill('SIGKILL')
      }
    })
  })

  describe('standard error may be a pipe', () => {
    // Node's 'pipe' stdio (and systemd's journal) is a socket: opening /dev/stderr on it fails with ENXIO.
    test('commands work when stderr is a pipe, as under a process supervisor', async () => {
      const r = await h(['user', 'list'], { stderrPipe: true })
      assertOk(r)
      assert.match(r.stdout, /@alice/)
    })
  })
})

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}
