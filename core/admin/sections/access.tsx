// Access (core/access): sign-ups waiting for approval, network and email blocks, invite links; pages and API.
import type { Context } from 'hono'
import { AccessPage } from '../../access/views.js'
import { validationFailed } from '../../errors.js'
import type { AppEnv } from '../../http/env.js'
import { ok } from '../../http/envelope.js'
import { flash } from '../../http/flash.js'
import { attempt, formFields } from '../../http/forms.js'
import { jsonBody } from '../../http/json.js'
import { idParam } from '../../http/params.js'
import type { Services } from '../../services.js'
import { baseUrl } from '../../views/meta.js'
import type { AdminSection } from '../registry.js'

const num = (v?: string) => (v && v.trim() ? Number(v) : undefined)

export function accessSection(s: Services): AdminSection {
  /** Tell a member their sign-up was approved, when the community sends email. */
  const tellApproved = async (c: Context<AppEnv>, user: { email: string; username: string }) =>
    s.mail.notify(user.email, {
      subject: `Welcome to ${await s.settings.get('site.name')}: your sign-up is approved`,
      greeting: `Hi @${user.username},`,
      paragraphs: ['An admin approved your sign-up. You can log in now with the username and password you chose.'],
      action: { label: 'Log in', url: `${baseUrl(c, s.config.publicUrl)}/login` },
    })
  const decide = async (c: Context<AppEnv>, decision: unknown) => {
    if (decision !== 'approve' && decision !== 'reject') throw validationFailed({ decision: 'The decision is approve or reject.' })
    const user = await s.access.decide(idParam(c, 'id', 'That sign-up'), decision === 'approve', c.get('viewer')!.id)
    if (decision === 'approve') await tellApproved(c, user)
    return user
  }
  const page = async (c: Context<AppEnv>, extra: Partial<Parameters<typeof AccessPage>[0]> = {}, status = 200) =>
    s.admin.page(
      c,
      { title: 'Access', status },
      <AccessPage csrfToken={c.get('csrfToken')} origin={baseUrl(c, s.config.publicUrl)} blocks={await s.access.listBlocks()} invites={await s.access.listInvites()} pending={await s.access.pending()} {...extra} />,
    )

  return {
    id: 'access',
    label: 'Access',
    icon: 'door-open',
    order: 15,
    need: 'manage_members',
    pages(r) {
      r.get('/', (c) => page(c))
      r.post('/blocks', async (c) => {
        const f = await formFields(c)
        const res = await attempt(() => s.access.addBlock({ kind: f.kind, value: f.value, severity: f.severity, note: f.note ?? '', expires_in_days: num(f.expires_in_days) }, c.get('viewer')!.id))
        if (!res.ok) return page(c, { blockProblem: res.problem, values: f }, res.problem.status)
        flash(c, 'ok', 'The block is on.')
        return c.redirect('/admin/access#blocks', 303)
      })
      r.post('/blocks/:id/delete', async (c) => {
        await s.access.removeBlock(idParam(c, 'id', 'That block'), c.get('viewer')!.id)
        flash(c, 'ok', 'The block is removed.')
        return c.redirect('/admin/access#blocks', 303)
      })
      r.post('/invites', async (c) => {
        const f = await formFields(c)
        const res = await attempt(() => s.access.createInvite({ max_uses: num(f.max_uses), expires_in_days: num(f.invite_days), note: f.invite_note ?? '' }, c.get('viewer')!.id))
        if (!res.ok) return page(c, { inviteProblem: res.problem, values: f }, res.problem.status)
        flash(c, 'ok', 'The invite link is ready: copy it from the list.')
        return c.redirect('/admin/access#invites', 303)
      })
      r.post('/invites/:id/revoke', async (c) => {
        await s.access.revokeInvite(idParam(c, 'id', 'That invite'), c.get('viewer')!.id)
        flash(c, 'ok', 'The invite link no longer works.')
        return c.redirect('/admin/access#invites', 303)
      })
      r.post('/approvals/:id', async (c) => {
        const f = await formFields(c)
        const user = await decide(c, f.decision)
        flash(c, 'ok', f.decision === 'approve' ? `@${user.username} can log in now.` : `@${user.username}’s sign-up was turned down.`)
        return c.redirect('/admin/access#pending', 303)
      })
    },
    api(r) {
      r.get('/blocks', async (c) => ok(c, await s.access.listBlocks()))
      r.post('/blocks', async (c) => ok(c, await s.access.addBlock(await jsonBody(c), c.get('viewer')!.id), 201))
      r.delete('/blocks/:id', async (c) => {
        await s.access.removeBlock(idParam(c, 'id', 'That block'), c.get('viewer')!.id)
        return ok(c, { removed: true })
      })
      r.get('/invites', async (c) => ok(c, await s.access.listInvites()))
      r.post('/invites', async (c) => {
        const invite = await s.access.createInvite(await jsonBody(c), c.get('viewer')!.id)
        return ok(c, { ...invite, url: `${baseUrl(c, s.config.publicUrl)}/register?invite=${invite.code}` }, 201)
      })
      r.delete('/invites/:id', async (c) => {
        await s.access.revokeInvite(idParam(c, 'id', 'That invite'), c.get('viewer')!.id)
        return ok(c, { revoked: true })
      })
      r.get('/approvals', async (c) => ok(c, await s.access.pending()))
      r.post('/approvals/:id', async (c) => {
        const body = await jsonBody(c)
        await decide(c, body.decision)
        return ok(c, { decided: body.decision })
      })
    },
  }
}
