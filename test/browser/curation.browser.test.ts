// Curation in a real browser: a moderator features a member's post and an admin adds a category in Admin → Curation;
// another member sees the post first on Explore, opens the category's page and picks it as an interest. The console's
// page passes axe at phone and desktop sizes.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { PASSWORD } from '../harness.js'
import { browserOrSkip, checkA11y, logInInBrowser, startTestServer } from './browser.js'

test('staff feature a post and add a category; a member sees them on Explore', { timeout: 180_000 }, async (t) => {
  const browser = await browserOrSkip(t)
  if (!browser) return
  const server = await startTestServer()
  t.after(() => server.close())
  const h = server.hearth
  await h.users.create({ username: 'cur_admin', email: 'cur_admin@example.org', password: PASSWORD }, { role: 'admin', actorId: null })
  await h.users.create({ username: 'cur_mod', email: 'cur_mod@example.org', password: PASSWORD }, { role: 'moderator', actorId: null })
  const author = await h.users.create({ username: 'cur_author', email: 'cur_author@example.org', password: PASSWORD })
  await h.users.create({ username: 'cur_reader', email: 'cur_reader@example.org', password: PASSWORD })
  // Older posts that rank first on Explore by themselves; the featured one is the quietest.
  for (let i = 0; i < 5; i++) await h.posts.create(author.id, { text: `busy post ${i}` })
  const quiet = await h.posts.create(author.id, { text: 'A quiet post worth a look' })

  await t.test('an admin adds a category', async () => {
    const { context, page, problems } = await logInInBrowser(browser, server, 'cur_admin', { viewport: { width: 1280, height: 800 } })
    await page.goto('/admin/curation')
    await page.getByLabel('Name', { exact: true }).fill('Quiet things')
    await page.getByLabel('Description (optional)').fill('Slow, small and good.')
    await Promise.all([page.waitForURL((u) => u.pathname === '/admin/curation'), page.getByRole('button', { name: 'Add the category' }).click()])
    await page.locator('[data-category="quiet-things"]').waitFor()
    await checkA11y(page, 'Admin → Curation (desktop)')
    assert.deepEqual(problems.list, [])
    await context.close()
  })

  // The author files the post under it from its edit form.
  await h.posts.update(author.id, quiet.id, { category: 'quiet-things' })

  await t.test('a moderator features the post by its address', async () => {
    const { context, page, problems } = await logInInBrowser(browser, server, 'cur_mod', { viewport: { width: 390, height: 844 } })
    await page.goto('/admin/curation')
    await page.getByLabel('Post (its number or address)').fill(`${server.url}/p/${quiet.id}`)
    await Promise.all([page.waitForURL((u) => u.pathname === '/admin/curation'), page.getByRole('button', { name: 'Feature the post' }).click()])
    await page.locator(`[data-featured-post="${quiet.id}"]`).waitFor()
    assert.match(await page.locator(`[data-featured-post="${quiet.id}"]`).innerText(), /Shown/)
    await checkA11y(page, 'Admin → Curation (phone, moderator)')
    assert.deepEqual(problems.list, [])
    await context.close()
  })

  await t.test('a member sees the featured post first on Explore, opens its category and picks it', async () => {
    const { context, page, problems } = await logInInBrowser(browser, server, 'cur_reader', { viewport: { width: 390, height: 844 } })
    await page.goto('/explore')
    const featured = page.locator('[data-featured-posts]')
    await featured.getByRole('heading', { name: 'Featured' }).waitFor()
    assert.equal(await featured.locator(`[data-tile="${quiet.id}"]`).count(), 1)
    // Featured comes before the ranked mosaic on the page.
    const order = await page.evaluate((id) => {
      const tiles = [...document.querySelectorAll('[data-tile]')].map((e) => e.getAttribute('data-tile'))
      return tiles.indexOf(String(id))
    }, quiet.id)
    assert.equal(order, 0)
    await checkA11y(page, 'Explore with a featured post (phone)')
    await Promise.all([page.waitForURL((u) => u.pathname === '/explore/c/quiet-things'), page.getByRole('navigation', { name: 'Categories' }).getByRole('link', { name: 'Quiet things' }).click()])
    await page.getByRole('heading', { name: 'Quiet things', level: 1 }).waitFor()
    assert.equal(await page.locator(`[data-tile="${quiet.id}"]`).count(), 1)
    await page.goto('/settings/interests')
    await page.getByLabel('Quiet things').check()
    await Promise.all([page.waitForURL((u) => u.pathname === '/settings/interests'), page.getByRole('button', { name: 'Save' }).click()])
    assert.equal(await page.getByLabel('Quiet things').isChecked(), true)
    assert.deepEqual(problems.list, [])
    await context.close()
  })
})
