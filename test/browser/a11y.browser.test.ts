// In a real browser at phone and desktop sizes, light and dark: axe-core finds no serious or critical
// accessibility violation on the main pages of a seeded community (home, a post with photos, a profile, explore,
// notifications, compose, settings, the story viewer, a group and Meet), seen by a member.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Page } from 'playwright-core'
import { axeViolations, browserOrSkip, startTestServer, watchProblems } from './browser.js'
import { COMMUNITY_PLUGINS, PAGE_NAMES, seedCommunity, type PageName } from './community.js'

/** What to wait for on a page before checking it: its scripts have run and its content is there. */
async function settle(page: Page, name: PageName): Promise<void> {
  await page.locator('main#main').waitFor()
  if (name === 'post') await page.waitForFunction(() => document.querySelector<HTMLElement>('[data-carousel]')?.dataset.index === '0')
  if (name === 'story') {
    // Hold the story (Space pauses it) so the viewer does not move on while it is checked.
    await page.locator('[data-story-viewer]').waitFor()
    await page.keyboard.press('Space')
    await page.waitForSelector('[data-story-viewer].story-paused')
  }
  if (name === 'meet') await page.locator('[data-meet-start]:not([hidden])').waitFor()
  // Eager images loaded, so contrast is computed against what is shown (a lazy one out of view never loads).
  await page.evaluate(() => Promise.all([...document.images].filter((i) => i.loading !== 'lazy').map((i) => i.decode().catch(() => {}))))
}

test('the main pages have no serious or critical accessibility violation at phone and desktop sizes, light and dark', { timeout: 300_000 }, async (t) => {
  const browser = await browserOrSkip(t)
  if (!browser) return
  const server = await startTestServer({ enable: COMMUNITY_PLUGINS })
  t.after(() => server.close())
  const community = await seedCommunity(server.hearth, server.url)
  const [name, value] = community.cookie.split('=') as [string, string]

  const found: string[] = []
  const sizes = [
    { label: 'phone', viewport: { width: 390, height: 844 }, colorScheme: 'light' as const },
    { label: 'desktop', viewport: { width: 1280, height: 800 }, colorScheme: 'light' as const },
    { label: 'phone dark', viewport: { width: 390, height: 844 }, colorScheme: 'dark' as const },
  ]
  for (const size of sizes) {
    const context = await browser.newContext({ baseURL: server.url, viewport: size.viewport, colorScheme: size.colorScheme })
    context.setDefaultTimeout(20_000)
    await context.addCookies([{ name, value, url: server.url }])
    const page = await context.newPage()
    const problems = await watchProblems(page)
    for (const pageName of PAGE_NAMES) {
      const path = community.pages[pageName]
      if (process.env.A11Y_VERBOSE) console.log(`${size.label}: ${pageName} ${path}`)
      const res = await page.goto(path)
      assert.equal(res?.status(), 200, `${pageName} (${path}) answers 200`)
      assert.equal(new URL(page.url()).pathname, path, `${pageName} is not redirected (the member is logged in)`)
      await settle(page, pageName)
      const { serious, minor } = await axeViolations(page, `${pageName} (${size.label})`)
      found.push(...serious)
      if (minor.length && process.env.A11Y_VERBOSE) console.log(minor.join('\n'))
    }
    assert.deepEqual(problems.list, [], `${size.label}: no console errors`)
    await context.close()
  }
  assert.deepEqual(found, [], `axe-core found serious or critical violations:\n${found.join('\n')}`)
})
