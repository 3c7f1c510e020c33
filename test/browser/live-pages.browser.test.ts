// In a real browser: the live plugin's newer pages (the OBS key page, scheduling an event in the member's own time
// zone, the event page with "Remind me", /live with "Coming up", reporting a stream, the staff page and staff's page
// of one stream, a stream filed under a category and /live narrowed to it) work and have no serious or critical
// accessibility violation, light and dark.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { browserOrSkip, checkA11y, registerInBrowser, startTestServer } from './browser.js'

test('the OBS, event and staff pages of live work and pass axe-core', { timeout: 180_000 }, async (t) => {
  const browser = await browserOrSkip(t)
  if (!browser) return
  const server = await startTestServer({ enable: ['live'] })
  t.after(() => server.close())
  await server.hearth.curation.createCategory({ name: 'Music', slug: 'music' }, null)

  for (const colorScheme of ['light', 'dark'] as const) {
    const ana = await registerInBrowser(browser, server, `ana${colorScheme}`, { colorScheme, timezoneId: 'Europe/Paris' })
    const page = ana.page

    // The stream key: made on the page, shown once.
    await page.goto('/live/obs')
    await checkA11y(page, `obs (${colorScheme})`)
    await page.getByRole('button', { name: 'Make a stream key' }).click()
    const key = await page.locator('[data-stream-key]').textContent()
    assert.match(key ?? '', /^live_/)
    await checkA11y(page, `obs with a new key (${colorScheme})`)
    await page.goto('/live/obs')
    assert.equal(await page.locator('[data-stream-key]').count(), 0, 'not shown again')

    // An event scheduled at 21:00 Paris time (winter: UTC+1) is stored as 20:00 UTC.
    await page.goto('/live/events/new')
    await page.getByLabel('Title').fill('Winter concert')
    await page.locator('input[name="starts_local"]').fill('2027-01-15T21:00')
    await checkA11y(page, `schedule (${colorScheme})`)
    await Promise.all([page.waitForURL(/\/live\/events\/\d+$/), page.getByRole('button', { name: 'Schedule' }).click()])
    assert.match(await page.locator('time').first().getAttribute('datetime') ?? '', /^2027-01-15T20:00:00/)
    await checkA11y(page, `event (${colorScheme})`)
    const eventPath = new URL(page.url()).pathname

    const ben = await registerInBrowser(browser, server, `ben${colorScheme}`, { colorScheme })
    await ben.page.goto(eventPath)
    await ben.page.getByRole('button', { name: 'Remind me' }).click()
    await ben.page.getByRole('button', { name: 'Don’t remind me' }).waitFor()
    await ben.page.goto('/live')
    await ben.page.getByRole('heading', { name: 'Coming up' }).waitFor()
    await checkA11y(ben.page, `live list (${colorScheme})`)

    // Ben goes live (from the form; without a camera the stream stays "starting"), and ana reports it.
    await ben.page.goto('/live/new')
    await ben.page.getByLabel('Title').fill(`Late show ${colorScheme}`)
    await ben.page.getByLabel('Category (optional)').selectOption('music')
    await Promise.all([ben.page.waitForURL(/\/live\/\d+/), ben.page.getByRole('button', { name: 'Go live' }).click()])
    const streamPath = new URL(ben.page.url()).pathname
    await ben.context.close()
    // The directory by category: the link, the card with its category, the stream's page linking back.
    await page.goto('/live')
    await Promise.all([page.waitForURL(/category=music/), page.getByRole('navigation', { name: 'Live by category' }).getByRole('link', { name: 'Music' }).click()])
    await page.getByRole('heading', { name: 'Live: Music' }).waitFor()
    assert.equal(await page.locator(`a[href="${streamPath}"] [data-category="music"]`).count(), 1)
    await checkA11y(page, `live by category (${colorScheme})`)
    await page.goto(streamPath)
    await Promise.all([page.waitForURL(/\/report$/), page.locator('[data-report-link]').click()])
    await page.getByRole('heading', { name: `Report “Late show ${colorScheme}”` }).waitFor()
    await checkA11y(page, `report a stream (${colorScheme})`)
    await page.getByLabel('Reason').selectOption('spam')
    await Promise.all([page.waitForURL(/notice=reported/), page.getByRole('button', { name: 'Report', exact: true }).click()])
    await page.getByText('moderators will look at your report').waitFor()

    await server.hearth.users.setRole((await server.hearth.users.find(`ana${colorScheme}`))!.id, 'moderator', null)
    await page.goto('/live/staff')
    await page.getByRole('heading', { name: 'Ban from going live' }).waitFor()
    await checkA11y(page, `staff (${colorScheme})`)
    // The report in core's queue, and the stream on staff's own page.
    await page.goto('/moderation')
    await page.getByText(`Live stream “Late show ${colorScheme}” by @ben${colorScheme}`).first().waitFor()
    await page.goto(`/live/staff/streams/${streamPath.split('/').pop()}`)
    await page.getByRole('heading', { name: `Late show ${colorScheme}` }).waitFor()
    await checkA11y(page, `staff's stream page (${colorScheme})`)
    await ana.context.close()
  }
})
