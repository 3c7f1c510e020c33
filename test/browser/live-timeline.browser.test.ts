// In real Chromium with a fake camera: a member goes live with a 10 s delay and a replay kept. Her own chat line shows
// on her page at once, and on a viewer's page only with the delayed picture (neither the picture nor the line reaches
// the viewer in the first 10 s); after the end, the replay plays on the stream's page with that line shown when the
// video reaches its moment.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { browserOrSkip, checkA11y, FAKE_MEDIA_FLAGS, registerInBrowser, resultPath, startTestServer } from './browser.js'

test('a 10 s delay holds chat back with the picture, and the replay plays with its chat', { timeout: 480_000 }, async (t) => {
  const browser = await browserOrSkip(t, { extraArgs: FAKE_MEDIA_FLAGS })
  if (!browser) return
  const server = await startTestServer({ enable: ['live'] })
  t.after(() => server.close())

  const perms = { permissions: ['camera', 'microphone'], viewport: { width: 1280, height: 900 } }
  const ana = await registerInBrowser(browser, server, 'delay_ana', perms)
  const ben = await registerInBrowser(browser, server, 'delay_ben', perms)

  await ana.page.goto('/live/new')
  await ana.page.getByLabel('Title').fill('Potting on, delayed')
  await ana.page.getByLabel('Delay').selectOption('10')
  await ana.page.getByLabel('Keep a replay when the stream ends').check()
  await Promise.all([ana.page.waitForURL(/\/live\/\d+$/), ana.page.getByRole('button', { name: 'Go live' }).click()])
  const path = new URL(ana.page.url()).pathname
  await ana.page.getByRole('button', { name: 'Start camera' }).click()
  await ana.page.locator('[data-state-label]').getByText('Live', { exact: true }).waitFor({ timeout: 60_000 })
  const liveAt = Date.now()

  await ben.page.goto(path)
  await ben.page.getByText('10 s delay').waitFor()
  await ana.page.getByText('viewers see this 10 s later').waitFor()
  await ana.page.getByText('Moderate chat').click()
  await checkA11y(ana.page, 'the studio with its moderation forms')

  // A few seconds in, Ana speaks: her page (the live edge) shows it at once; Ben's with the picture, 10 s later.
  await new Promise((r) => setTimeout(r, 4000))
  await ana.page.getByRole('textbox', { name: 'Message' }).fill('look at these roots')
  await ana.page.getByRole('button', { name: 'Send', exact: true }).click()
  const saidAt = Date.now()
  await ana.page.locator('[data-chat-list]').getByText('look at these roots').waitFor({ timeout: 10_000 })
  await ben.page.locator('[data-chat-list]').getByText('look at these roots').waitFor({ timeout: 30_000 })
  const heardAfter = Date.now() - saidAt
  t.diagnostic(`the viewer got the line ${heardAfter} ms after it was sent`)
  assert.ok(heardAfter >= 9_000, 'held back by the delay')
  const hls: string[] = []
  ben.page.on('response', (r) => r.url().includes('/hls/') && hls.push(`${r.status()} ${new URL(r.url()).pathname}`))
  await ben.page
    .waitForFunction(() => {
      const v = document.querySelector('[data-live-player]') as HTMLVideoElement | null
      return !!v && v.readyState >= 2 && v.currentTime > 1
    }, null, { timeout: 120_000, polling: 250 })
    .catch(async (err) => {
      t.diagnostic(`player: ${await ben.page.evaluate(() => { const v = document.querySelector('[data-live-player]') as HTMLVideoElement | null; return v ? `${v.src} ${v.readyState} ${v.currentTime} ${v.error?.message}` : 'none' })}`)
      t.diagnostic(`hls: ${hls.slice(-12).join(', ')}`)
      throw err
    })
  const pictureAfter = Date.now() - liveAt
  t.diagnostic(`the viewer's picture played ${pictureAfter} ms after the stream went live`)
  assert.ok(pictureAfter >= 10_000, 'the picture is delayed too')
  await ben.page.screenshot({ path: resultPath('live-delayed-viewer.png') })

  // Ana ends it; the replay is made once the end has aired (the job queue is run by hand here).
  await ana.page.getByRole('button', { name: 'End stream' }).click()
  await ben.page.getByText('This stream has ended.').first().waitFor({ timeout: 40_000 })
  const deadline = Date.now() + 60_000
  for (;;) {
    await server.hearth.queue.drain()
    const res = await ben.page.request.get(`/api/v1/live/streams${path.slice('/live'.length)}`)
    if (((await res.json()) as { data: { replay: { status: string } | null } }).data.replay?.status === 'ready') break
    assert.ok(Date.now() < deadline, 'the replay is ready within a minute')
    await new Promise((r) => setTimeout(r, 500))
  }

  // The replay plays, and the chat starts empty and fills as the video reaches each line's moment.
  ben.problems.clear()
  await ben.page.goto(path)
  await ben.page.waitForFunction(() => document.querySelector('[data-live-stream]')?.getAttribute('data-replay-events') !== null)
  const before = await ben.page.evaluate(() => ({ time: (document.querySelector('[data-replay-player]') as HTMLVideoElement).currentTime, lines: document.querySelectorAll('[data-chat-list] li').length }))
  assert.equal(before.lines, 0, `nothing before the video plays (at ${before.time} s)`)
  await ben.page.evaluate(() => (document.querySelector('[data-replay-player]') as HTMLVideoElement).play())
  await ben.page.waitForFunction(() => (document.querySelector('[data-replay-player]') as HTMLVideoElement).currentTime > 1, null, { timeout: 60_000, polling: 250 })
  await ben.page.locator('[data-chat-list]').getByText('look at these roots').waitFor({ timeout: 30_000 })
  const shownAt = await ben.page.evaluate(() => (document.querySelector('[data-replay-player]') as HTMLVideoElement).currentTime)
  const replay = await (await ben.page.request.get(`/api/v1/live/streams${path.slice('/live'.length)}/replay`)).json()
  const t0 = (replay as { data: { events: { t: number; kind: string; line?: { text: string } }[] } }).data.events.find((e) => e.line?.text === 'look at these roots')!.t
  t.diagnostic(`the line is at ${t0} s of the replay and showed at ${shownAt} s`)
  assert.ok(t0 > 1 && shownAt >= t0, 'shown when the video reaches its moment')
  const frames = await ben.page.evaluate(() => (document.querySelector('[data-replay-player]') as HTMLVideoElement).getVideoPlaybackQuality().totalVideoFrames)
  assert.ok(frames > 0, 'the replay decodes')
  await ben.page.screenshot({ path: resultPath('live-replay.png') })
  await checkA11y(ben.page, 'a replay')
  await ana.page.goto('/live/moderators')
  await ana.page.getByLabel('Username').fill('delay_ben')
  await ana.page.getByRole('button', { name: 'Add moderator' }).click()
  await ana.page.getByText('They can now moderate').waitFor()
  await checkA11y(ana.page, 'the moderators page')
  assert.deepEqual(ben.problems.list, [], 'no console errors on the replay page')
  assert.deepEqual(ana.problems.list.filter((p) => !/404 \(Not Found\) \(http:\/\/[^)]+\/live\/\d+\/hls\//.test(p)), [], 'nothing on the streamer’s page but a late HLS request')
})
