// In a real browser: a member creates a private group and posts in it; another member finds it, asks to join,
// is approved from the owner's Manage page (the nav counts the request), and then sees the post.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { browserOrSkip, navLink, registerInBrowser, resultPath, startTestServer } from './browser.js'


test('a member creates a private group, another requests to join, is approved and sees a post', { timeout: 120_000 }, async (t) => {
  const browser = await browserOrSkip(t)
  if (!browser) return
  const server = await startTestServer({ enable: ['groups'] })
  t.after(() => server.close())

  // The owner starts a private group from the Groups page and posts in it.
  const owner = await registerInBrowser(browser, server, 'group_owner')
  await (await navLink(owner.page, 'Groups')).click()
  await owner.page.getByLabel('Name').fill('Night gardeners')
  await owner.page.getByLabel(/What is it about/).fill('Moths, moonflowers and torches')
  await owner.page.getByRole('radio', { name: /^Private:/ }).check()
  await Promise.all([owner.page.waitForURL((u) => /^\/groups\/\d+$/.test(u.pathname)), owner.page.getByRole('button', { name: 'Create group' }).click()])
  const groupPath = new URL(owner.page.url()).pathname
  await owner.page.getByText('Your group is ready').waitFor()
  await owner.page.getByLabel('Write to the group').fill('Moonflowers open at 9 tonight #nightgarden')
  await Promise.all([owner.page.waitForURL((u) => u.searchParams.get('notice') === 'posted'), owner.page.getByRole('button', { name: 'Post to group' }).click()])
  await owner.page.locator('article.post', { hasText: 'Moonflowers open at 9 tonight' }).waitFor()

  // Another member finds it by searching, sees only its about, and asks to join.
  const reader = await registerInBrowser(browser, server, 'group_reader')
  await reader.page.goto('/groups')
  await reader.page.getByRole('searchbox', { name: 'Search groups' }).fill('moonflowers')
  await Promise.all([reader.page.waitForURL((u) => u.searchParams.get('q') === 'moonflowers'), reader.page.getByRole('button', { name: 'Search', exact: true }).click()])
  await Promise.all([reader.page.waitForURL((u) => u.pathname === groupPath), reader.page.getByRole('link', { name: 'Night gardeners' }).click()])
  await reader.page.getByText('only its members see its posts').waitFor()
  assert.equal(await reader.page.getByText('Moonflowers open at 9 tonight').count(), 0, 'a non-member does not see the post')
  await Promise.all([reader.page.waitForURL((u) => u.searchParams.get('notice') === 'requested'), reader.page.getByRole('button', { name: 'Ask to join' }).click()])
  await reader.page.getByRole('button', { name: 'Withdraw request' }).waitFor()

  // The owner sees the waiting request in the nav and approves it from the Manage page.
  await owner.page.goto(groupPath)
  await (await navLink(owner.page, 'Groups (1)')).waitFor()
  await Promise.all([owner.page.waitForURL((u) => u.pathname === `${groupPath}/manage`), owner.page.getByRole('link', { name: /Manage \(1 waiting\)/ }).click()])
  await Promise.all([owner.page.waitForURL((u) => u.searchParams.get('notice') === 'approved'), owner.page.getByRole('button', { name: 'Approve group_reader' }).click()])
  await owner.page.getByText('No one is waiting.').waitFor()

  // Now a member, the reader sees the post in the group.
  await reader.page.goto(groupPath)
  const post = reader.page.locator('article.post', { hasText: 'Moonflowers open at 9 tonight' })
  await post.waitFor()
  assert.match(await post.innerText(), /group_owner/)
  assert.equal(await reader.page.getByRole('button', { name: 'Leave group' }).count(), 1)
  await reader.page.screenshot({ path: resultPath('group-member-feed.png') })

  assert.deepEqual(owner.problems.list, [])
  assert.deepEqual(reader.problems.list, [])
  await owner.context.close()
  await reader.context.close()
})
