// `npm run ui:screenshots`: screenshots of the main pages of a seeded Hearth, at phone (390x844) and desktop
// (1280x800) sizes, light and dark, for a reviewer to look at. Written to test-results/screenshots/ (git-ignored)
// as <page>-<size>[-dark].png; the landing page as a guest, the rest as a member.
//
//   npm run ui:screenshots                  every main page, both sizes, light and dark
//   npm run ui:screenshots -- --full        whole pages, not just the first screen
//   npm run ui:screenshots -- --only=home,post
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { launchChromium, RESULTS_DIR } from '../test/browser/browser.js'
import { PAGE_NAMES, startSeededHearth } from '../test/browser/community.js'

const argv = process.argv.slice(2)
const only = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',')
const fullPage = argv.includes('--full')
const OUT = join(RESULTS_DIR, 'screenshots')
const SIZES = [
  { name: 'phone', viewport: { width: 390, height: 844 } },
  { name: 'desktop', viewport: { width: 1280, height: 800 } },
]

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true })
  console.log('Seeding a community on a temporary data dir…')
  const { server, community } = await startSeededHearth()
  const browser = await launchChromium()
  const [cookieName, cookieValue] = community.cookie.split('=') as [string, string]
  let count = 0
  try {
    for (const scheme of ['light', 'dark'] as const) {
      for (const size of SIZES) {
        const context = await browser.newContext({ baseURL: server.url, viewport: size.viewport, colorScheme: scheme, deviceScaleFactor: 1 })
        context.setDefaultTimeout(20_000)
        const pages: [string, string][] = [['landing', '/'], ...PAGE_NAMES.map((n): [string, string] => [n, community.pages[n]])]
        for (const [name, path] of pages) {
          if (only && !only.includes(name)) continue
          // The landing page first, as a guest; then the member's cookie for the rest.
          if (name !== 'landing' && (await context.cookies()).every((c) => c.name !== cookieName)) await context.addCookies([{ name: cookieName, value: cookieValue, url: server.url }])
          const page = await context.newPage()
          await page.goto(path)
          // The story viewer moves on by itself: hold it (Space pauses) before the picture.
          if (name === 'story') {
            await page.keyboard.press('Space')
            await page.waitForSelector('[data-story-viewer].story-paused')
          }
          await page.evaluate(() => Promise.all([...document.images].filter((i) => i.loading !== 'lazy').map((i) => i.decode().catch(() => {}))))
          const file = join(OUT, `${name}-${size.name}${scheme === 'dark' ? '-dark' : ''}.png`)
          await page.screenshot({ path: file, fullPage })
          await page.close()
          count++
        }
        await context.close()
      }
    }
  } finally {
    await browser.close()
    await server.close()
  }
  console.log(`${count} screenshots in ${OUT}`)
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`)
    process.exit(1)
  },
)
