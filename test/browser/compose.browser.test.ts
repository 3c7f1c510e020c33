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
