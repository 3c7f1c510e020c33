// In a real browser with JavaScript off: the compose form posts its files itself, its CSRF token first, and they stream into the post.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import sharp from 'sharp'
import { browserOrSkip, registerInBrowser, startTestServer } from './browser.js'

test('posts photos through the compose form without JavaScript', { timeout: 120_000 }, async (t) => {
  const browser = await browserOrSkip(t)
  if (!browser) return
  const server = await startTestServer()
  t.after(() => server.close())

  const photo = (background: string) => sharp({ create: { width: 320, height: 240, channels: 3, background } }).jpeg().toBuffer()
  const member = await registerInBrowser(browser, server, 'no_script', { javaScriptEnabled: false })
  await member.page.goto('/compose')
  await member.page.getByLabel(/What’s new/).fill('Two photos, no script')
  await member.page.locator('input[type=file][name=files]').setInputFiles([
    { name: 'one.jpg', mimeType: 'image/jpeg', buffer: await photo('#0f766e') },
    { name: 'two.jpg', mimeType: 'image/jpeg', buffer: await photo('#b45309') },
  ])
  await Promise.all([member.page.waitForURL((u) => /^\/p\/\d+$/.test(u.pathname)), member.page.getByRole('button', { name: 'Post' }).click()])
  const id = Number(new URL(member.page.url()).pathname.slice(3))
  assert.match(await member.page.locator('main').innerText(), /Two photos, no script/)
  const media = await server.hearth.db.selectFrom('post_media').select('media_id').where('post_id', '=', id).execute()
  assert.equal(media.length, 2, 'both files were stored and attached')
  await member.context.close()
})

test('says a refused file is not in the post, and posts only once the member has removed it', { timeout: 120_000 }, async (t) => {
  const browser = await browserOrSkip(t)
  if (!browser) return
  const server = await startTestServer()
  t.after(() => server.close())

  const member = await registerInBrowser(browser, server, 'refused_file')
  const page = member.page
  await page.goto('/compose')
  await page.getByLabel(/What’s new/).fill('Only the photo')
  await page.locator('input[type=file][name=files]').setInputFiles([
    { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a picture at all') },
    { name: 'ok.jpg', mimeType: 'image/jpeg', buffer: await sharp({ create: { width: 320, height: 240, channels: 3, background: '#0f766e' } }).jpeg().toBuffer() },
  ])
  // The refusal names the file, at once, before anything is posted.
  await page.locator('.preview-error [role=alert]', { hasText: 'notes.txt' }).waitFor()
  await page.locator('input[name=media_ids]').waitFor({ state: 'attached' })
  await page.getByRole('button', { name: 'Post', exact: true }).click()
  const note = page.locator('[data-wait]')
  await note.waitFor()
  assert.match(await note.innerText(), /One file could not be added\. Remove it to post without it/)
  assert.equal(new URL(page.url()).pathname, '/compose', 'nothing was posted')
  assert.equal(await server.hearth.db.selectFrom('posts').select('id').where('text', '=', 'Only the photo').executeTakeFirst(), undefined)
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Remove notes.txt', 'focus is on the way out')

  await page.getByRole('button', { name: 'Remove notes.txt' }).click()
  await Promise.all([page.waitForURL((u) => /^\/p\/\d+$/.test(u.pathname)), page.getByRole('button', { name: 'Post', exact: true }).click()])
  const id = Number(new URL(page.url()).pathname.slice(3))
  const media = await server.hearth.db.selectFrom('post_media').select('media_id').where('post_id', '=', id).execute()
  assert.equal(media.length, 1, 'the post carries the one accepted photo')
  await member.context.close()
})
