// The console's dashboard in a real browser at phone (390x844) and desktop (1280x800) sizes: every tile's chart is
// drawn by uPlot (served from the project) with its data on the canvas, nothing scrolls sideways, no CSP complaint.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Page } from 'playwright-core'
import { PASSWORD } from '../harness.js'
import { runRollup } from '../../core/admin/rollup.js'
import { addDays, dayOf } from '../../core/admin/metrics.js'
import { axeViolations, browserOrSkip, logInInBrowser, resultPath, startTestServer } from './browser.js'

const SIZES = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 800 } }

/** For each chart's canvas: its size, and how many of its pixels are in the first series' colour (the accent). */
const canvases = (page: Page) =>
  page.$$eval('.chart[data-chart] canvas', (list) => {
    const accent = getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()
    const hex = accent.replace('#', '')
    const [r, g, b] = [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16))
    return list.map((el) => {
      const c = el as HTMLCanvasElement
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data
      let painted = 0
      let line = 0
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3]! > 0) painted++
        if (data[i + 3]! > 200 && Math.abs(data[i]! - r!) < 40 && Math.abs(data[i + 1]! - g!) < 40 && Math.abs(data[i + 2]! - b!) < 40) line++
      }
      return { width: c.width, height: c.height, painted, line, tile: c.closest('[data-tile]')!.getAttribute('data-tile') }
    })
  })

test('the dashboard draws every chart with its data at phone and desktop sizes; the console passes axe', { timeout: 180_000 }, async (t) => {
  const browser = await browserOrSkip(t)
  if (!browser) return
  const server = await startTestServer({ enable: ['stories'] })
  t.after(() => server.close())
  const h = server.hearth
  const admin = await h.users.create({ username: 'chart_admin', email: 'chart_admin@example.org', password: PASSWORD }, { role: 'admin', actorId: null })
  // A month of a small community: members joining and posting on several days, active on others.
  const today = dayOf(new Date())
  for (let i = 0; i < 12; i++) {
    const day = addDays(today, -i * 2)
    const u = await h.users.create({ username: `chart_m${i}`, email: `chart_m${i}@example.org`, password: PASSWORD })
    h.store.sqlite.prepare('update users set created_at = ? where id = ?').run(`${day}T10:00:00.000Z`, u.id)
    for (let d = 0; d < 6; d++) h.store.sqlite.prepare('insert or ignore into member_days (day, user_id) values (?, ?)').run(addDays(day, d), u.id)
    for (let p = 0; p <= i % 4; p++) {
      const post = await h.posts.create(u.id, { text: `post ${i}.${p}` })
      h.store.sqlite.prepare('update posts set created_at = ? where id = ?').run(`${day}T1${p}:00:00.000Z`, post.id)
    }
  }
  h.store.sqlite.prepare('insert or ignore into member_days (day, user_id) values (?, ?)').run(today, admin.id)
  await runRollup(h)

  for (const [name, viewport] of Object.entries(SIZES)) {
    await t.test(`at ${name} size`, async () => {
      const { context, page, problems } = await logInInBrowser(browser, server, 'chart_admin', { viewport })
      await page.goto('/admin?period=30')
      const tiles = await page.locator('[data-tile]').count()
      assert.ok(tiles >= 6, `the tiles are drawn (${tiles})`)
      await page.waitForFunction((n) => document.querySelectorAll('.chart[data-drawn="true"] canvas').length === n, tiles)
      const drawn = await canvases(page)
      assert.equal(drawn.length, tiles, 'one canvas per tile')
      for (const c of drawn) {
        assert.ok(c.width > 150 && c.height > 100, `${c.tile}'s canvas has a size (${c.width}x${c.height})`)
        assert.ok(c.painted > 500, `${c.tile}'s canvas is not empty`)
      }
      for (const id of ['members-new', 'members-active', 'posts']) {
        const c = drawn.find((x) => x.tile === id)!
        assert.ok(c.line > 50, `${id}'s series is drawn in its colour (${c.line} pixels)`)
      }
      // The chart fits its tile, and the page does not scroll sideways.
      const chartBox = (await page.locator('[data-tile="posts"] .chart').boundingBox())!
      assert.ok(chartBox.x >= 0 && chartBox.x + chartBox.width <= viewport.width + 0.5, `the chart is on screen (${JSON.stringify(chartBox)})`)
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), 0)
      await page.screenshot({ path: resultPath(`admin-dashboard-${name}.png`), fullPage: true })

      // The console's pages have no serious accessibility violation, and none scrolls sideways.
      const member = await h.users.findRow('chart_m3')
      const found: string[] = []
      for (const path of ['/admin', '/admin/users', `/admin/users/${member!.id}`, '/admin/roles', '/admin/audit', '/admin/settings', '/admin/plugins', '/admin/access', '/admin/rules', '/admin/usage', '/admin/jobs', '/admin/backups', '/admin/mail', '/admin/reports']) {
        await page.goto(path)
        await page.locator('main#main').waitFor()
        found.push(...(await axeViolations(page, `${path} (${name})`)).serious)
        assert.equal(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), 0, `${path} does not scroll sideways`)
      }
      assert.deepEqual(found, [], `axe-core found serious or critical violations:\n${found.join('\n')}`)
      assert.deepEqual(problems.list, [])
      await context.close()
    })
  }
})
